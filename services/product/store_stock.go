package product

import (
	"context"
	"database/sql"

	"github.com/uptrace/bun"
)

// Statements that move stock: reservations (stock.go) and flash-sale
// allocations (allocation.go). Each runs inside the caller's transaction.

func insertReservationLines(ctx context.Context, db bun.IDB, lines []reservationLineRow) error {
	_, err := db.NewInsert().Model(&lines).Exec(ctx)
	return err
}

// selectReservation reads a reservation and its lines (by product id),
// without locking them.
func selectReservation(ctx context.Context, db bun.IDB, id string) (*reservationRow, []reservationLineRow, error) {
	row := &reservationRow{}
	if err := db.NewSelect().Model(row).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, nil, err
	}
	var lines []reservationLineRow
	err := db.NewSelect().Model(&lines).Where("reservation_id = ?", id).Order("product_id").Scan(ctx)
	return row, lines, err
}

// lockReservation reads a reservation FOR UPDATE, and its lines.
func lockReservation(ctx context.Context, tx bun.Tx, id string) (*reservationRow, []reservationLineRow, error) {
	row := &reservationRow{}
	if err := tx.NewSelect().Model(row).Where("id = ?", id).For("UPDATE").Scan(ctx); err != nil {
		return nil, nil, err
	}
	var lines []reservationLineRow
	err := tx.NewSelect().Model(&lines).Where("reservation_id = ?", id).Order("product_id").Scan(ctx)
	return row, lines, err
}

func updateReservationState(ctx context.Context, db bun.IDB, row *reservationRow) error {
	_, err := db.NewUpdate().Model(row).Column("state", "updated_at").WherePK().Exec(ctx)
	return err
}

// selectStockStatus reads a product's status and available stock.
func selectStockStatus(ctx context.Context, db bun.IDB, productID string) (*productRow, error) {
	row := &productRow{}
	return row, db.NewSelect().Model(row).Column("status", "stock").Where("id = ?", productID).Scan(ctx)
}

// reserveUnits moves quantity units of a product on sale from available to
// reserved; it returns how many rows changed (none: not on sale, or short).
func reserveUnits(ctx context.Context, db bun.IDB, productID string, quantity int32) (int64, error) {
	return affected(db.NewUpdate().Table("products").
		Set("stock = stock - ?", quantity).
		Set("reserved = reserved + ?", quantity).
		Where("id = ? AND status = ? AND stock >= ?", productID, statusOnSale, quantity).
		Exec(ctx))
}

// moveStock applies one line's move between columns for a state change.
func moveStock(ctx context.Context, db bun.IDB, line reservationLineRow, from, to int32) error {
	q := db.NewUpdate().Table("products").Where("id = ?", line.ProductID)
	n := line.Quantity
	switch {
	case from == reservationReserved && to == reservationConfirmed:
		q = q.Set("reserved = reserved - ?", n).Set("sold = sold + ?", n).Set("sales_count = sales_count + ?", n)
	case from == reservationReserved && to == reservationReleased:
		q = q.Set("reserved = reserved - ?", n).Set("stock = stock + ?", n)
	case from == reservationConfirmed && to == reservationReleased:
		q = q.Set("sold = sold - ?", n).Set("stock = stock + ?", n).Set("sales_count = GREATEST(sales_count - ?, 0)", n)
	default:
		return nil
	}
	_, err := q.Exec(ctx)
	return err
}

func selectAllocation(ctx context.Context, db bun.IDB, id string) (*allocationRow, error) {
	row := &allocationRow{}
	return row, db.NewSelect().Model(row).Where("id = ?", id).Scan(ctx)
}

func lockAllocation(ctx context.Context, tx bun.Tx, id string) (*allocationRow, error) {
	row := &allocationRow{}
	return row, tx.NewSelect().Model(row).Where("id = ?", id).For("UPDATE").Scan(ctx)
}

// allocateUnits moves quantity units of a product on sale from available
// to allocated; it returns how many rows changed (none: not on sale, or
// short).
func allocateUnits(ctx context.Context, db bun.IDB, productID string, quantity int64) (int64, error) {
	return affected(db.NewUpdate().Table("products").
		Set("stock = stock - ?", quantity).Set("allocated = allocated + ?", quantity).
		Where("id = ? AND status = ? AND stock >= ?", productID, statusOnSale, quantity).Exec(ctx))
}

// sellAllocatedUnits moves units of a product from allocated to sold,
// counted as sales.
func sellAllocatedUnits(ctx context.Context, db bun.IDB, productID string, quantity int32) error {
	_, err := db.NewUpdate().Table("products").Where("id = ?", productID).
		Set("allocated = allocated - ?", quantity).Set("sold = sold + ?", quantity).
		Set("sales_count = sales_count + ?", quantity).Exec(ctx)
	return err
}

// returnAllocatedUnits moves units of a product from allocated back to
// available.
func returnAllocatedUnits(ctx context.Context, db bun.IDB, productID string, quantity int64) error {
	_, err := db.NewUpdate().Table("products").Where("id = ?", productID).
		Set("allocated = allocated - ?", quantity).Set("stock = stock + ?", quantity).Exec(ctx)
	return err
}

func updateAllocation(ctx context.Context, db bun.IDB, row *allocationRow, columns ...string) error {
	_, err := db.NewUpdate().Model(row).Column(columns...).WherePK().Exec(ctx)
	return err
}

// lockProduct reads the product whose id is id exactly FOR UPDATE.
func lockProduct(ctx context.Context, tx bun.Tx, id string) (*productRow, error) {
	row := &productRow{}
	err := tx.NewSelect().Model(row).Where("id = ?", id).For("UPDATE").Scan(ctx)
	if err == nil && row.ID != id {
		return nil, sql.ErrNoRows
	}
	return row, err
}

func selectStockAdjustment(ctx context.Context, db bun.IDB, id string) (*stockAdjustmentRow, error) {
	row := &stockAdjustmentRow{}
	return row, db.NewSelect().Model(row).Where("id = ?", id).Scan(ctx)
}

// selectStockAdjustments reads a page of a product's stock history,
// newest first, strictly before seq beforeSeq when it is above 0.
func selectStockAdjustments(ctx context.Context, db bun.IDB, productID string, beforeSeq int64, limit int) ([]stockAdjustmentRow, error) {
	var rows []stockAdjustmentRow
	q := db.NewSelect().Model(&rows).Where("product_id = ?", productID).OrderExpr("seq DESC").Limit(limit)
	if beforeSeq > 0 {
		q = q.Where("seq < ?", beforeSeq)
	}
	return rows, q.Scan(ctx)
}
