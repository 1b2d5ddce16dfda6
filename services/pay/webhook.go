package pay

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"connectrpc.com/connect"
	"go.temporal.io/api/serviceerror"

	"mall/services/platform/rpcerr"
	"mall/workflows/payment"
)

// HandleWebhook takes one signed provider event. A bad signature, or a
// signature older than the tolerance (a replayed delivery), answers
// unauthenticated and changes nothing. A verified event is stored once by
// its id and forwarded to the order's PaymentWorkflow, which ignores events
// of other attempts, non-final ones and anything after the outcome; a
// redelivery of a forwarded event changes nothing.
func (s *Service) HandleWebhook(ctx context.Context, payload []byte, signature string) error {
	err := payment.VerifyWebhook(s.opts.WebhookSecret, payload, signature, time.Now(), s.opts.SignatureTolerance)
	switch {
	case errors.Is(err, payment.ErrStaleSignature):
		return rpcerr.New(connect.CodeUnauthenticated, ReasonStaleSignature, "webhook signature expired")
	case err != nil:
		return rpcerr.New(connect.CodeUnauthenticated, ReasonBadSignature, "webhook signature invalid")
	}
	var ev payment.Event
	if err := json.Unmarshal(payload, &ev); err != nil || ev.ID == "" || ev.Charge.ID == "" || ev.Charge.Reference == "" {
		return rpcerr.New(connect.CodeInvalidArgument, ReasonBadPayload, "webhook payload is not a charge event")
	}
	row, err := selectPayment(ctx, s.db, ev.Charge.Reference)
	if isNoRows(err) || (err == nil && row.ProviderChargeID.Valid && row.ProviderChargeID.String != ev.Charge.ID) {
		// Not a charge of ours: acknowledged so the provider stops sending it.
		s.logger.WarnContext(ctx, "webhook for an unknown charge", "event_id", ev.ID, "charge_id", ev.Charge.ID, "reference", ev.Charge.Reference)
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
	err = s.temporal.SignalWorkflow(ctx, payment.WorkflowID(row.OrderID), "", payment.SignalProviderEvent, payment.ProviderEvent{
		EventID: ev.ID, ChargeID: ev.Charge.ID, Status: ev.Charge.Status, Sequence: ev.Sequence, DeclineReason: ev.Charge.DeclineReason,
	})
	var notFound *serviceerror.NotFound
	if err != nil && !errors.As(err, &notFound) { // a closed workflow has its outcome already
		s.logger.ErrorContext(ctx, "forward webhook", "event_id", ev.ID, "err", err)
		return errUnavailable() // the provider retries; the event stays unhandled
	}
	return markEventHandled(ctx, s.db, ev.ID, now())
}
