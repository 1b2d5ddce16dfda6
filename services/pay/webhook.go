package pay

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"connectrpc.com/connect"
	"go.temporal.io/api/serviceerror"

	payv1 "mall/gen/mall/pay/v1"
	"mall/services/pay/provider"
	"mall/services/platform/rpcerr"
	"mall/workflows/payment"
)

// ProviderWebhook takes one signed provider event. A bad signature, or a
// signature older than the tolerance (a replayed delivery), answers
// unauthenticated and changes nothing. Even a good signature makes the event
// only a hint: it is stored once by its id, and a final status of one of our
// charges is forwarded to the order's PaymentWorkflow, which asks the
// provider's API before anything is recorded. An event for a charge, payment
// or order that is not the stored attempt's is acknowledged and ignored;
// each final status of a charge is forwarded once, however many events claim
// it, so a flood of events cannot flood the workflow.
func (s *Service) ProviderWebhook(ctx context.Context, req *connect.Request[payv1.ProviderWebhookRequest]) (*connect.Response[payv1.ProviderWebhookResponse], error) {
	payload := req.Msg.GetPayload()
	err := provider.VerifyWebhook(s.opts.WebhookSecret, payload, req.Msg.GetSignature(), time.Now(), s.opts.SignatureTolerance)
	switch {
	case errors.Is(err, provider.ErrStaleSignature):
		return nil, rpcerr.New(connect.CodeUnauthenticated, ReasonStaleSignature, "webhook signature expired")
	case err != nil:
		return nil, rpcerr.New(connect.CodeUnauthenticated, ReasonBadSignature, "webhook signature invalid")
	}
	var ev provider.Event
	if err := json.Unmarshal(payload, &ev); err != nil || !wellFormed(ev) {
		return nil, rpcerr.New(connect.CodeInvalidArgument, ReasonBadPayload, "webhook payload is not a charge event")
	}
	if err := s.takeEvent(ctx, ev); err != nil {
		return nil, err
	}
	return connect.NewResponse(&payv1.ProviderWebhookResponse{}), nil
}

// takeEvent stores a verified event once and forwards it when it is a
// final status of the stored attempt's charge.
func (s *Service) takeEvent(ctx context.Context, ev provider.Event) error {
	row, err := selectPayment(ctx, s.db, ev.Charge.Reference)
	if isNoRows(err) || (err == nil && !row.holds(ev.Charge)) {
		// Not a charge of ours: acknowledged so the provider stops sending it.
		s.logger.WarnContext(ctx, "webhook for an unknown charge", "event_id", ev.ID, "charge_id", ev.Charge.ID,
			"reference", ev.Charge.Reference, "order_id", ev.Charge.OrderID)
		return nil
	}
	if err != nil {
		return err
	}
	stored, err := insertEvent(ctx, s.db, &providerEventRow{EventID: ev.ID, ChargeID: ev.Charge.ID, PaymentID: row.ID,
		Type: ev.Type, Sequence: ev.Sequence, ReceivedAt: now()})
	if err != nil {
		return err
	}
	if stored.HandledAt.Valid {
		return nil // a redelivery
	}
	if payment.ChargeStatus(ev.Charge.Status).Final() {
		if err := s.forwardHint(ctx, row.OrderID, ev); err != nil {
			return err
		}
	}
	return markEventHandled(ctx, s.db, ev.ID, now())
}

// forwardHint signals the payment workflow that the charge may be final,
// unless another event has done so for the same status.
func (s *Service) forwardHint(ctx context.Context, orderID string, ev provider.Event) error {
	status := string(ev.Charge.Status)
	first, err := claimHint(ctx, s.db, ev.Charge.ID, status, ev.ID, now())
	if err != nil || !first {
		return err
	}
	err = s.temporal.SignalWorkflow(ctx, payment.WorkflowID(orderID), "", payment.SignalProviderEvent, payment.ProviderEvent{
		EventID: ev.ID, ChargeID: ev.Charge.ID, Status: payment.ChargeStatus(ev.Charge.Status), Sequence: ev.Sequence,
	})
	var notFound *serviceerror.NotFound
	if err == nil || errors.As(err, &notFound) { // a closed workflow has its outcome already
		return nil
	}
	s.logger.ErrorContext(ctx, "forward webhook", "event_id", ev.ID, "err", err)
	if err := releaseHint(ctx, s.db, ev.Charge.ID, status, ev.ID); err != nil {
		s.logger.ErrorContext(ctx, "release webhook claim", "event_id", ev.ID, "err", err)
	}
	return errUnavailable() // the provider retries; the event stays unhandled
}

// wellFormed reports whether ev names a charge and fits the columns that
// store it.
func wellFormed(ev provider.Event) bool {
	return ev.ID != "" && len(ev.ID) <= 128 && ev.Charge.ID != "" && len(ev.Charge.ID) <= 128 &&
		ev.Charge.Reference != "" && len(ev.Type) <= 64
}

// holds reports whether the charge of an event can be this attempt's: the
// attempt's payment id exactly (the lookup ignores case) and order, and its
// charge once one is recorded (the event may come before the workflow has
// recorded it).
func (r *paymentRow) holds(c provider.Charge) bool {
	return c.Reference == r.ID && c.OrderID == r.OrderID && (!r.ProviderChargeID.Valid || r.ProviderChargeID.String == c.ID)
}
