package app

import (
	"context"
	"errors"
	"fmt"

	"mall/services/pay/provider"
	"mall/workflows/payment"
)

// sagaProvider is the payment saga's Provider over the provider's HTTP
// client: the workflows module cannot import the client, so the charges
// and errors are translated here.
type sagaProvider struct{ client *provider.Client }

func (p sagaProvider) CreateCharge(ctx context.Context, idempotencyKey string, req payment.ChargeRequest) (payment.Charge, error) {
	c, err := p.client.CreateCharge(ctx, idempotencyKey, provider.CreateChargeRequest{
		AmountCents: req.AmountCents, Currency: req.Currency, Reference: req.Reference, OrderID: req.OrderID,
		Description: req.Description, ReturnURL: req.ReturnURL, NotifyURL: req.NotifyURL,
	})
	return sagaCharge(c), sagaError(err)
}

func (p sagaProvider) GetCharge(ctx context.Context, chargeID string) (payment.Charge, error) {
	c, err := p.client.GetCharge(ctx, chargeID)
	return sagaCharge(c), sagaError(err)
}

func (p sagaProvider) CancelCharge(ctx context.Context, chargeID string) (payment.Charge, error) {
	c, err := p.client.CancelCharge(ctx, chargeID)
	return sagaCharge(c), sagaError(err)
}

// sagaCharge is the provider's charge as the saga reads it; the status
// strings are the provider's own.
func sagaCharge(c provider.Charge) payment.Charge {
	return payment.Charge{ID: c.ID, AmountCents: c.AmountCents, Currency: c.Currency, Reference: c.Reference, OrderID: c.OrderID,
		Status: payment.ChargeStatus(c.Status), DeclineReason: c.DeclineReason, PayURL: c.PayURL}
}

// sagaError says what payment.Provider promises of its errors: a refusal
// on the request's merits and an answer that cannot be read are final;
// the network, timeouts, 429, 5xx and the merchant's own credentials
// (401, 403: fixed by configuration) are retried.
func sagaError(err error) error {
	var pe *provider.Error
	switch {
	case err == nil:
		return nil
	case provider.Refused(err):
		errors.As(err, &pe)
		return &payment.RefusedError{Code: pe.Code, Message: pe.Message}
	case provider.Retryable(err) || errors.As(err, &pe):
		return err
	}
	return fmt.Errorf("%w: %w", payment.ErrUnreadableAnswer, err)
}
