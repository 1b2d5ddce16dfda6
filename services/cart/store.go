package cart

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"
)

// This file holds the cart database's queries; every one is scoped by
// user_id, so a line of another user is never read or written.

// lockCart takes the per-user cart lock for the rest of tx: an upsert of the
// user's carts row holds its exclusive row lock until commit. Concurrent
// AddItem calls of one user queue here, which is what makes the line-count
// cap exact; other users are not affected.
func lockCart(ctx context.Context, tx bun.Tx, userID string, now time.Time) error {
	_, err := tx.ExecContext(ctx,
		"INSERT INTO carts (user_id, created_at, updated_at) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE updated_at = ?",
		userID, now, now, now)
	return err
}

// upsertLine adds quantity to the (user, product) line in one statement,
// creating the line if needed and selecting it. The merge is refused (the
// row is left untouched) when it would exceed MaxLineQuantity. It reports
// whether a line was created, and whether the quantity was refused.
func upsertLine(ctx context.Context, tx bun.Tx, userID, productID string, quantity int32, now time.Time) (created, refused bool, err error) {
	// Assignments run left to right and see the columns already assigned,
	// so quantity is assigned last. With the driver's default (no
	// CLIENT_FOUND_ROWS) MySQL reports 1 for an insert, 2 for an update and 0
	// when the row is unchanged.
	res, err := tx.ExecContext(ctx, `INSERT INTO cart_lines (user_id, product_id, quantity, selected, created_at, updated_at)
VALUES (?, ?, ?, TRUE, ?, ?)
ON DUPLICATE KEY UPDATE
  selected   = IF(quantity + ? <= ?, TRUE, selected),
  updated_at = IF(quantity + ? <= ?, ?, updated_at),
  quantity   = IF(quantity + ? <= ?, quantity + ?, quantity)`,
		userID, productID, quantity, now, now,
		quantity, MaxLineQuantity,
		quantity, MaxLineQuantity, now,
		quantity, MaxLineQuantity, quantity)
	if err != nil {
		return false, false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, false, err
	}
	return n == 1, n == 0, nil
}

func countLines(ctx context.Context, idb bun.IDB, userID string) (int, error) {
	return idb.NewSelect().Model((*cartLineRow)(nil)).Where("user_id = ?", userID).Count(ctx)
}

// queryLine returns the user's line of a product, or nil.
func queryLine(ctx context.Context, idb bun.IDB, userID, productID string) (*cartLineRow, error) {
	row := &cartLineRow{}
	err := idb.NewSelect().Model(row).Where("user_id = ? AND product_id = ?", userID, productID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return row, nil
}

// queryLines returns the user's lines, most recently added first; only the
// given products when productIDs is not empty, only selected lines when
// selectedOnly.
func queryLines(ctx context.Context, idb bun.IDB, userID string, productIDs []string, selectedOnly bool) ([]cartLineRow, error) {
	var rows []cartLineRow
	q := idb.NewSelect().Model(&rows).Where("user_id = ?", userID)
	if len(productIDs) > 0 {
		q = q.Where("product_id IN (?)", bun.List(productIDs))
	}
	if selectedOnly {
		q = q.Where("selected")
	}
	err := q.OrderExpr("created_at DESC, seq DESC").Scan(ctx)
	return rows, err
}

// setQuantity sets the quantity of the user's line; it reports whether the
// line exists.
func setQuantity(ctx context.Context, idb bun.IDB, userID, productID string, quantity int32, now time.Time) (bool, error) {
	res, err := idb.NewUpdate().Model((*cartLineRow)(nil)).
		Set("quantity = ?", quantity).Set("updated_at = ?", now).
		Where("user_id = ? AND product_id = ?", userID, productID).Exec(ctx)
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return true, nil
	}
	// Zero rows changed can also mean "same values"; ask.
	return idb.NewSelect().Model((*cartLineRow)(nil)).Where("user_id = ? AND product_id = ?", userID, productID).Exists(ctx)
}

// deleteLines removes the user's lines of productIDs and returns how many
// existed.
func deleteLines(ctx context.Context, idb bun.IDB, userID string, productIDs []string) (int64, error) {
	if len(productIDs) == 0 {
		return 0, nil
	}
	res, err := idb.NewDelete().Model((*cartLineRow)(nil)).
		Where("user_id = ? AND product_id IN (?)", userID, bun.List(productIDs)).Exec(ctx)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// setSelected selects or unselects the user's lines of productIDs, or all of
// the user's lines when productIDs is empty.
func setSelected(ctx context.Context, idb bun.IDB, userID string, productIDs []string, selected bool, now time.Time) error {
	q := idb.NewUpdate().Model((*cartLineRow)(nil)).
		Set("selected = ?", selected).Set("updated_at = ?", now).
		Where("user_id = ?", userID)
	if len(productIDs) > 0 {
		q = q.Where("product_id IN (?)", bun.List(productIDs))
	}
	_, err := q.Exec(ctx)
	return err
}
