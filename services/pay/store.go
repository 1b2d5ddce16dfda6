package pay

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	payv1 "mall/gen/mall/pay/v1"
)

// This file holds the pay database's queries; the logic files decide when
// to use them.

func selectPayment(ctx context.Context, db bun.IDB, id string) (*paymentRow, error) {
	row := &paymentRow{}
	return row, db.NewSelect().Model(row).Where("id = ?", id).Scan(ctx)
}

// latestPayment is an order's newest attempt, optionally among statuses.
func latestPayment(ctx context.Context, db bun.IDB, orderID string, statuses ...payv1.PaymentStatus) (*paymentRow, error) {
	row := &paymentRow{}
	q := db.NewSelect().Model(row).Where("order_id = ?", orderID).OrderExpr("created_at DESC, id DESC").Limit(1)
	if len(statuses) > 0 {
		q = q.Where("status IN (?)", bun.In(statusNumbers(statuses)))
	}
	return row, q.Scan(ctx)
}

// updatePayment applies set to one payment if it matches where; it reports
// whether a row changed.
func updatePayment(ctx context.Context, db bun.IDB, id string, set map[string]any, where func(*bun.UpdateQuery) *bun.UpdateQuery) (bool, error) {
	q := db.NewUpdate().Model((*paymentRow)(nil)).Where("id = ?", id)
	for column, value := range set {
		q = q.Set("? = ?", bun.Ident(column), value)
	}
	if where != nil {
		q = where(q)
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
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
