package seckill

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"
)

// liveEvents are the visible events whose window contains now.
func liveEvents(ctx context.Context, db bun.IDB, now time.Time) ([]eventRow, error) {
	var rows []eventRow
	err := db.NewSelect().Model(&rows).Where("stock_state IN (?)", bun.In(visibleStockStates)).
		Where("starts_at <= ?", now).Where("ends_at > ?", now).Scan(ctx)
	return rows, err
}

// eventsEndedAfter are the visible events that have started by now and
// end after since: the live ones and those that ended since then.
func eventsEndedAfter(ctx context.Context, db bun.IDB, now, since time.Time) ([]eventRow, error) {
	var rows []eventRow
	err := db.NewSelect().Model(&rows).Where("stock_state IN (?)", bun.In(visibleStockStates)).
		Where("starts_at <= ?", now).Where("ends_at > ?", since).Scan(ctx)
	return rows, err
}

// upsertResults stores writers' results; a repeat overwrites with the same.
func upsertResults(ctx context.Context, db bun.IDB, rows []resultRow) error {
	_, err := db.NewInsert().Model(&rows).
		On("DUPLICATE KEY UPDATE").
		Set("state = VALUES(state)").Set("order_id = VALUES(order_id)").
		Set("failure_reason = VALUES(failure_reason)").Set("updated_at = VALUES(updated_at)").
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
