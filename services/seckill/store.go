package seckill

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"
)

// liveEvents are the events whose window contains now.
func liveEvents(ctx context.Context, db bun.IDB, now time.Time) ([]eventRow, error) {
	var rows []eventRow
	err := db.NewSelect().Model(&rows).Where("starts_at <= ?", now).Where("ends_at > ?", now).Scan(ctx)
	return rows, err
}

// eventsEndedAfter are the events that have started by now and end after
// since: the live ones and those that ended since then.
func eventsEndedAfter(ctx context.Context, db bun.IDB, now, since time.Time) ([]eventRow, error) {
	var rows []eventRow
	err := db.NewSelect().Model(&rows).Where("starts_at <= ?", now).Where("ends_at > ?", since).Scan(ctx)
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
