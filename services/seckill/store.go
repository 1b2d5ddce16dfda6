package seckill

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	seckillv1 "mall/gen/mall/seckill/v1"
)

// This file holds the seckill database's statements; the logic files decide
// when to use them.

// selectEvent reads the event whose id matches id under the column's
// collation (the caller checks the id is exactly its own).
func selectEvent(ctx context.Context, db bun.IDB, id string) (*eventRow, error) {
	row := &eventRow{}
	return row, db.NewSelect().Model(row).Where("id = ?", id).Scan(ctx)
}

// selectStockState reads an event's stock state.
func selectStockState(ctx context.Context, db bun.IDB, id string) (int32, error) {
	row := &eventRow{}
	err := db.NewSelect().Model(row).Column("stock_state").Where("id = ?", id).Scan(ctx)
	return row.StockState, err
}

func insertEvent(ctx context.Context, db bun.IDB, row *eventRow) error {
	_, err := db.NewInsert().Model(row).Exec(ctx)
	return err
}

// insertEventsIgnore inserts events whose ids are not taken yet.
func insertEventsIgnore(ctx context.Context, db bun.IDB, rows []eventRow) error {
	_, err := db.NewInsert().Model(&rows).Ignore().Exec(ctx)
	return err
}

// deleteAllocatingEvent removes an event still allocating (a creation
// that was refused whole).
func deleteAllocatingEvent(ctx context.Context, db bun.IDB, row *eventRow) error {
	_, err := db.NewDelete().Model(row).WherePK().Where("stock_state = ?", stockAllocating).Exec(ctx)
	return err
}

// eventCursor is the keyset of ListEvents (starts_at, id ascending).
type eventCursor struct {
	StartsAt int64  `json:"s"` // unix microseconds
	ID       string `json:"i"`
}

// selectEventPage reads up to limit visible events soonest first (starts_at,
// id) in any of states at now, of productID when given, after the cursor
// when given.
func selectEventPage(ctx context.Context, db bun.IDB, now time.Time, states []seckillv1.EventState, productID string, after *eventCursor, limit int) ([]eventRow, error) {
	var rows []eventRow
	q := db.NewSelect().Model(&rows).Where("stock_state IN (?)", bun.List(visibleStockStates)).Where("published_at IS NOT NULL").
		OrderExpr("starts_at ASC, id ASC").Limit(limit)
	q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
		for _, st := range states {
			switch st {
			case seckillv1.EventState_EVENT_STATE_UPCOMING:
				q = q.WhereOr("starts_at > ?", now)
			case seckillv1.EventState_EVENT_STATE_LIVE:
				q = q.WhereOr("(starts_at <= ? AND ends_at > ?)", now, now)
			case seckillv1.EventState_EVENT_STATE_ENDED:
				q = q.WhereOr("ends_at <= ?", now)
			}
		}
		return q
	})
	if productID != "" {
		q = q.Where("product_id = ?", productID)
	}
	if after != nil {
		at := time.UnixMicro(after.StartsAt).UTC()
		q = q.Where("(starts_at > ? OR (starts_at = ? AND id > ?))", at, at, after.ID)
	}
	return rows, q.Scan(ctx)
}

// liveEvents are the published events whose window contains now.
func liveEvents(ctx context.Context, db bun.IDB, now time.Time) ([]eventRow, error) {
	var rows []eventRow
	err := db.NewSelect().Model(&rows).Where("stock_state IN (?)", bun.List(visibleStockStates)).Where("published_at IS NOT NULL").
		Where("starts_at <= ?", now).Where("ends_at > ?", now).Scan(ctx)
	return rows, err
}

// eventsEndedAfter are the visible events that have started by now and
// end after since: the live ones and those that ended since then.
func eventsEndedAfter(ctx context.Context, db bun.IDB, now, since time.Time) ([]eventRow, error) {
	var rows []eventRow
	err := db.NewSelect().Model(&rows).Where("stock_state IN (?)", bun.List(visibleStockStates)).
		Where("starts_at <= ?", now).Where("ends_at > ?", since).Scan(ctx)
	return rows, err
}

// upsertResults stores writers' results; a repeat overwrites with the same.
func upsertResults(ctx context.Context, db bun.IDB, rows []resultRow) error {
	_, err := db.NewInsert().Model(&rows).
		On("DUPLICATE KEY UPDATE").
		Set("state = VALUES(state)").Set("order_id = VALUES(order_id)").
		Set("failure_reason = VALUES(failure_reason)").Set("failure_code = VALUES(failure_code)").
		Set("updated_at = VALUES(updated_at)").
		Exec(ctx)
	return err
}

func selectResult(ctx context.Context, db bun.IDB, ticket string) (*resultRow, error) {
	row := &resultRow{}
	return row, db.NewSelect().Model(row).Where("ticket = ?", ticket).Scan(ctx)
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// errStockStateChanged is setStockState's answer when the event was not in
// the expected state (another process moved it first).
var errStockStateChanged = errors.New("the sale's stock state changed meanwhile")

// updateStockState moves an event from one stock state to another, only if
// it is still in from.
func updateStockState(ctx context.Context, db bun.IDB, id string, from, to int32) error {
	res, err := db.NewUpdate().Model((*eventRow)(nil)).Set("stock_state = ?", to).
		Where("id = ?", id).Where("stock_state = ?", from).Exec(ctx)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return errors.Join(err, errStockStateChanged)
	}
	return nil
}

// markSettled records that an event's left-over units went back to the
// product: settled_at and how many, once, for an event in state.
func markSettled(ctx context.Context, db bun.IDB, id string, from, to int32, returned int64, at time.Time) error {
	_, err := db.NewUpdate().Model((*eventRow)(nil)).Set("stock_state = ?", to).Set("settled_at = ?", at).
		Set("returned_units = ?", returned).Where("id = ?", id).Where("stock_state = ?", from).Where("settled_at IS NULL").Exec(ctx)
	return err
}

// settlementLimit bounds the sales one SettleSales call looks at per kind.
const settlementLimit = 100

// eventsToAbandon are the sales still allocating since before
// staleBefore (their CreateEvent died or failed in doubt), and the
// abandoned ones whose allocation has not been given back yet.
func eventsToAbandon(ctx context.Context, db bun.IDB, staleBefore time.Time) ([]eventRow, error) {
	var rows []eventRow
	err := db.NewSelect().Model(&rows).WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.WhereOr("stock_state = ? AND created_at < ?", stockAllocating, staleBefore).
			WhereOr("stock_state = ? AND settled_at IS NULL", stockAbandoned)
	}).OrderExpr("created_at").Limit(settlementLimit).Scan(ctx)
	return rows, err
}

// eventsToSettle are the allocated sales that ended before endedBefore.
func eventsToSettle(ctx context.Context, db bun.IDB, endedBefore time.Time) ([]eventRow, error) {
	var rows []eventRow
	err := db.NewSelect().Model(&rows).Where("stock_state = ?", stockAllocated).Where("ends_at < ?", endedBefore).
		OrderExpr("ends_at").Limit(settlementLimit).Scan(ctx)
	return rows, err
}

// selectAdminEventPage reads up to limit existing events, latest start
// first (starts_at, id descending), in any of states at now (PREVIEW: not
// published; the others: published, by window), of productID when given,
// after the cursor when given.
func selectAdminEventPage(ctx context.Context, db bun.IDB, now time.Time, states []seckillv1.EventState, productID string, after *eventCursor, limit int) ([]eventRow, error) {
	var rows []eventRow
	q := db.NewSelect().Model(&rows).Where("stock_state IN (?)", bun.List(visibleStockStates)).OrderExpr("starts_at DESC, id DESC").Limit(limit)
	if len(states) > 0 {
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			for _, st := range states {
				switch st {
				case seckillv1.EventState_EVENT_STATE_PREVIEW:
					q = q.WhereOr("published_at IS NULL")
				case seckillv1.EventState_EVENT_STATE_UPCOMING:
					q = q.WhereOr("(published_at IS NOT NULL AND starts_at > ?)", now)
				case seckillv1.EventState_EVENT_STATE_LIVE:
					q = q.WhereOr("(published_at IS NOT NULL AND starts_at <= ? AND ends_at > ?)", now, now)
				case seckillv1.EventState_EVENT_STATE_ENDED:
					q = q.WhereOr("(published_at IS NOT NULL AND ends_at <= ?)", now)
				}
			}
			return q
		})
	}
	if productID != "" {
		q = q.Where("product_id = ?", productID)
	}
	if after != nil {
		at := time.UnixMicro(after.StartsAt).UTC()
		q = q.Where("(starts_at < ? OR (starts_at = ? AND id < ?))", at, at, after.ID)
	}
	return rows, q.Scan(ctx)
}

// lockEvent reads an event and holds its row until tx ends.
func lockEvent(ctx context.Context, tx bun.Tx, id string) (*eventRow, error) {
	row := &eventRow{}
	return row, tx.NewSelect().Model(row).Where("id = ?", id).For("UPDATE").Scan(ctx)
}

// updatePreviewEvent writes the changeable columns of an event; the
// caller holds its row lock and has seen it in preview.
func updatePreviewEvent(ctx context.Context, db bun.IDB, row *eventRow) error {
	_, err := db.NewUpdate().Model(row).Column("title", "price_cents", "stock", "per_user_limit", "starts_at", "ends_at").
		WherePK().Where("published_at IS NULL").Exec(ctx)
	return err
}

// publishEvent marks an allocated event in preview whose window has not
// passed as published at; false when it was not such an event.
func publishEvent(ctx context.Context, db bun.IDB, id string, at time.Time) (bool, error) {
	res, err := db.NewUpdate().Model((*eventRow)(nil)).Set("published_at = ?", at).
		Where("id = ?", id).Where("stock_state = ?", stockAllocated).Where("published_at IS NULL").Where("ends_at > ?", at).Exec(ctx)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// endEvent moves the end of an event that has not ended yet to at (and
// its start before that, for one that had not started), if its end is
// still endsAt: of calls racing, the first one ends it. False when it had
// ended or its end moved meanwhile.
func endEvent(ctx context.Context, db bun.IDB, id string, endsAt, at time.Time) (bool, error) {
	res, err := db.NewUpdate().Model((*eventRow)(nil)).
		Set("starts_at = LEAST(starts_at, ?)", at.Add(-time.Microsecond)).Set("ends_at = ?", at).
		Where("id = ?", id).Where("stock_state IN (?)", bun.List(visibleStockStates)).
		Where("ends_at = ?", endsAt).Where("ends_at > ?", at).Exec(ctx)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
