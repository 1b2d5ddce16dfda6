package ops

import (
	"context"
	"database/sql"
	"time"

	"github.com/uptrace/bun"
)

// This file holds the ops database's queries.

// insertAuditEntry stores an action once: a repeated BeginAudit of the same
// entry id changes nothing.
func insertAuditEntry(ctx context.Context, db bun.IDB, row *auditRow) error {
	_, err := db.NewInsert().Model(row).Ignore().Exec(ctx)
	return err
}

// auditOutcome is what finishAuditEntry writes.
type auditOutcome struct {
	Code, Reason, Target string
	Before, After        sql.NullString
	At                   time.Time
}

// finishAuditEntry records an entry's outcome unless one is recorded
// already; it reports whether the entry exists.
func finishAuditEntry(ctx context.Context, db bun.IDB, id string, o auditOutcome) (bool, error) {
	res, err := db.NewUpdate().Model((*auditRow)(nil)).
		Set("outcome_code = ?", o.Code).Set("outcome_reason = ?", o.Reason).Set("target = ?", o.Target).
		Set("before_json = ?", o.Before).Set("after_json = ?", o.After).Set("finished_at = ?", o.At).
		Where("id = ?", id).Where("finished_at IS NULL").Exec(ctx)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return n == 1, err
	}
	exists, err := db.NewSelect().Model((*auditRow)(nil)).Where("id = ?", id).Exists(ctx)
	return exists, err
}

// auditFilter selects entries for the listing; zero fields do not filter.
type auditFilter struct {
	Actor          string // actor_id or actor_username
	Action         string // action (method name) or procedure_name
	TargetContains string
	Since, Until   time.Time
	AfterSeq       int64 // the cursor: entries with a smaller seq
	Limit          int
}

// queryAuditEntries reads entries newest first (by seq).
func queryAuditEntries(ctx context.Context, db bun.IDB, f auditFilter) ([]auditRow, error) {
	var rows []auditRow
	q := db.NewSelect().Model(&rows).OrderExpr("seq DESC").Limit(f.Limit)
	if f.AfterSeq > 0 {
		q = q.Where("seq < ?", f.AfterSeq)
	}
	if f.Actor != "" {
		q = q.Where("(actor_id = ? OR actor_username = ?)", f.Actor, f.Actor)
	}
	if f.Action != "" {
		q = q.Where("(action = ? OR procedure_name = ?)", f.Action, f.Action)
	}
	if f.TargetContains != "" {
		q = q.Where("target LIKE ?", "%"+escapeLike(f.TargetContains)+"%")
	}
	if !f.Since.IsZero() {
		q = q.Where("at >= ?", f.Since.UTC())
	}
	if !f.Until.IsZero() {
		q = q.Where("at < ?", f.Until.UTC())
	}
	err := q.Scan(ctx)
	return rows, err
}

// escapeLike makes s match itself in a LIKE pattern (backslash is MySQL's
// default escape character).
func escapeLike(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r == '%' || r == '_' || r == '\\' {
			out = append(out, '\\')
		}
		out = append(out, r)
	}
	return string(out)
}

// selectMarks returns the marks of the given items, by item id.
func selectMarks(ctx context.Context, db bun.IDB, itemIDs []string) (map[string]markRow, error) {
	marks := map[string]markRow{}
	if len(itemIDs) == 0 {
		return marks, nil
	}
	var rows []markRow
	if err := db.NewSelect().Model(&rows).Where("item_id IN (?)", bun.List(itemIDs)).Scan(ctx); err != nil {
		return nil, err
	}
	for _, r := range rows {
		marks[r.ItemID] = r
	}
	return marks, nil
}

// insertMark stores a mark once and returns the stored one (the first,
// when the item was marked before).
func insertMark(ctx context.Context, db bun.IDB, row *markRow) (*markRow, error) {
	if _, err := db.NewInsert().Model(row).Ignore().Exec(ctx); err != nil {
		return nil, err
	}
	stored := &markRow{}
	return stored, db.NewSelect().Model(stored).Where("item_id = ?", row.ItemID).Scan(ctx)
}
