package pay

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"github.com/uptrace/bun"

	payv1 "mall/gen/mall/pay/v1"
)

// This file holds the pay database's queries; the logic files decide when
// to use them.

// insertPayment writes a new attempt; a taken id is a duplicate-key error.
func insertPayment(ctx context.Context, db bun.IDB, row *paymentRow) error {
	_, err := db.NewInsert().Model(row).Exec(ctx)
	return err
}

func selectPayment(ctx context.Context, db bun.IDB, id string) (*paymentRow, error) {
	row := &paymentRow{}
	return row, db.NewSelect().Model(row).Where("id = ?", id).Scan(ctx)
}

// latestPayment is an order's newest attempt, optionally among statuses.
func latestPayment(ctx context.Context, db bun.IDB, orderID string, statuses ...payv1.PaymentStatus) (*paymentRow, error) {
	row := &paymentRow{}
	q := db.NewSelect().Model(row).Where("order_id = ?", orderID).OrderExpr("created_at DESC, id DESC").Limit(1)
	if len(statuses) > 0 {
		q = q.Where("status IN (?)", bun.List(statusNumbers(statuses)))
	}
	return row, q.Scan(ctx)
}

// orderPayments is an order's attempts, oldest first, at most limit of
// them (the newest, when there are more).
func orderPayments(ctx context.Context, db bun.IDB, orderID string, limit int) ([]paymentRow, error) {
	var rows []paymentRow
	err := db.NewSelect().Model(&rows).Where("order_id = ?", orderID).OrderExpr("created_at DESC, id DESC").Limit(limit).Scan(ctx)
	slices.Reverse(rows)
	return rows, err
}

// updatePayment applies set to one payment if it also matches where (with
// args); it reports whether a row changed.
func updatePayment(ctx context.Context, db bun.IDB, id string, set map[string]any, where string, args ...any) (bool, error) {
	q := db.NewUpdate().Model((*paymentRow)(nil)).Where("id = ?", id).Where(where, args...)
	for column, value := range set {
		q = q.Set("? = ?", bun.Ident(column), value)
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// recordCharge attaches a charge and its pay page to a payment that has no
// charge yet; a charge recorded for another payment is a duplicate-key
// error.
func recordCharge(ctx context.Context, db bun.IDB, id, chargeID, payURL string, at time.Time) error {
	_, err := updatePayment(ctx, db, id, map[string]any{"provider_charge_id": chargeID, "pay_url": payURL, "updated_at": at},
		"provider_charge_id IS NULL")
	return err
}

// settlePending gives a PENDING payment its final status (and paid_at when
// it succeeded); it reports whether the payment was pending.
func settlePending(ctx context.Context, db bun.IDB, id string, status payv1.PaymentStatus, declineReason string, at time.Time) (bool, error) {
	set := map[string]any{"status": int32(status), "decline_reason": declineReason, "updated_at": at}
	if status == payv1.PaymentStatus_PAYMENT_STATUS_SUCCEEDED {
		set["paid_at"] = at
	}
	return updatePayment(ctx, db, id, set, "status = ?", int32(payv1.PaymentStatus_PAYMENT_STATUS_PENDING))
}

// markRefunded records the refund of a SUCCEEDED or REFUND_FAILED payment;
// it reports whether this call recorded it.
func markRefunded(ctx context.Context, db bun.IDB, id string, at time.Time) (bool, error) {
	return updatePayment(ctx, db, id,
		map[string]any{"status": int32(payv1.PaymentStatus_PAYMENT_STATUS_REFUNDED), "refunded_at": sql.NullTime{Time: at, Valid: true}, "updated_at": at},
		"status IN (?)", bun.List(statusNumbers([]payv1.PaymentStatus{
			payv1.PaymentStatus_PAYMENT_STATUS_SUCCEEDED, payv1.PaymentStatus_PAYMENT_STATUS_REFUND_FAILED})))
}

// markRefundFailed records a refused refund on a SUCCEEDED payment, or a
// refused retry on a REFUND_FAILED one still showing the refusal retried
// (refusedAt); it reports whether this call recorded it.
func markRefundFailed(ctx context.Context, db bun.IDB, id, reason string, refusedAt sql.NullTime, at time.Time) (bool, error) {
	set := map[string]any{"status": int32(payv1.PaymentStatus_PAYMENT_STATUS_REFUND_FAILED),
		"refund_failure_reason": reason, "refund_failed_at": sql.NullTime{Time: at, Valid: true}, "updated_at": at}
	if refusedAt.Valid {
		return updatePayment(ctx, db, id, set, "status = ? AND refund_failed_at = ?",
			int32(payv1.PaymentStatus_PAYMENT_STATUS_REFUND_FAILED), refusedAt.Time)
	}
	return updatePayment(ctx, db, id, set, "status = ?", int32(payv1.PaymentStatus_PAYMENT_STATUS_SUCCEEDED))
}

// insertEvent records a webhook event once; it returns the stored row (the
// existing one for a redelivery).
func insertEvent(ctx context.Context, db bun.IDB, ev *providerEventRow) (*providerEventRow, error) {
	if _, err := db.NewInsert().Model(ev).Ignore().Exec(ctx); err != nil {
		return nil, err
	}
	stored := &providerEventRow{}
	return stored, db.NewSelect().Model(stored).Where("event_id = ?", ev.EventID).Scan(ctx)
}

func markEventHandled(ctx context.Context, db bun.IDB, eventID string, at time.Time) error {
	_, err := db.NewUpdate().Model((*providerEventRow)(nil)).Set("handled_at = ?", at).
		Where("event_id = ?", eventID).Where("handled_at IS NULL").Exec(ctx)
	return err
}

// claimHint records that eventID forwards the charge's status to the
// payment workflow. It reports whether eventID holds the claim: false when
// another event has claimed the same status of the charge first.
func claimHint(ctx context.Context, db bun.IDB, chargeID, status, eventID string, at time.Time) (bool, error) {
	if _, err := db.NewInsert().Model(&forwardedHintRow{ChargeID: chargeID, Status: status, EventID: eventID, ForwardedAt: at}).
		Ignore().Exec(ctx); err != nil {
		return false, err
	}
	claim := &forwardedHintRow{}
	if err := db.NewSelect().Model(claim).Where("charge_id = ?", chargeID).Where("status = ?", status).Scan(ctx); err != nil {
		return false, err
	}
	return claim.EventID == eventID, nil
}

// releaseHint gives up eventID's claim when its forwarding failed, so the
// provider's redelivery can forward it.
func releaseHint(ctx context.Context, db bun.IDB, chargeID, status, eventID string) error {
	_, err := db.NewDelete().Model((*forwardedHintRow)(nil)).
		Where("charge_id = ?", chargeID).Where("status = ?", status).Where("event_id = ?", eventID).Exec(ctx)
	return err
}

func statusNumbers(statuses []payv1.PaymentStatus) []int32 {
	out := make([]int32, len(statuses))
	for i, s := range statuses {
		out[i] = int32(s)
	}
	return out
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
