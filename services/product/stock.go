package product

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/uptrace/bun"

	productv1 "mall/gen/mall/product/v1"
	"mall/services/platform/db"
	"mall/services/platform/rpcerr"
)

// Stock moves between four columns of a product: stock (available),
// reserved, sold and allocated (flash sales, allocation.go). Reservations
// and allocations move it, one transaction each, so stock + reserved +
// sold + allocated changes only through SetStock.

// ReserveStock holds stock for every line, all or nothing. It is idempotent
// by reservation id: a repeated call returns the existing reservation.
func (s *Service) ReserveStock(ctx context.Context, id string, lines []*productv1.StockLine) (*productv1.Reservation, error) {
	merged := mergeLines(lines)
	var result *productv1.Reservation
	err := db.InTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		// Insert first: a concurrent call with the same id waits on the key
		// and then finds it taken. (Selecting a missing row FOR UPDATE first
		// would take gap locks that deadlock concurrent inserts.)
		now := time.Now().UTC()
		row := &reservationRow{ID: id, State: reservationReserved, CreatedAt: now, UpdatedAt: now}
		if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
			return err
		}
		// Lines are merged per product and sorted, so concurrent reservations
		// lock rows in the same order and cannot deadlock.
		for _, line := range merged {
			res, err := tx.NewUpdate().Table("products").
				Set("stock = stock - ?", line.Quantity).
				Set("reserved = reserved + ?", line.Quantity).
				Where("id = ? AND status = ? AND stock >= ?", line.ProductID, statusOnSale, line.Quantity).
				Exec(ctx)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return whyNotReservable(ctx, tx, line.ProductID)
			}
		}
		for i := range merged {
			merged[i].ReservationID = id
		}
		if _, err := tx.NewInsert().Model(&merged).Exec(ctx); err != nil {
			return err
		}
		result = reservationProto(row, merged)
		return nil
	})
	if db.IsDuplicate(err) {
		return s.existingReservation(ctx, id, merged)
	}
	if err != nil {
		return nil, err
	}
	s.afterCommit(ctx, productIDs(merged)...)
	return result, nil
}

// existingReservation answers a repeated ReserveStock: the same lines get the
// reservation as it is now; other lines are a conflict.
func (s *Service) existingReservation(ctx context.Context, id string, lines []reservationLineRow) (*productv1.Reservation, error) {
	row := &reservationRow{}
	if err := s.db.NewSelect().Model(row).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, err
	}
	var existing []reservationLineRow
	if err := s.db.NewSelect().Model(&existing).Where("reservation_id = ?", id).Order("product_id").Scan(ctx); err != nil {
		return nil, err
	}
	if !sameLines(existing, lines) {
		return nil, rpcerr.New(connect.CodeAlreadyExists, ReasonReservationConflict, "reservation id already used for other lines")
	}
	return reservationProto(row, existing), nil
}

func whyNotReservable(ctx context.Context, tx bun.Tx, productID string) error {
	row := &productRow{}
	err := tx.NewSelect().Model(row).Column("status", "stock").Where("id = ?", productID).Scan(ctx)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return rpcerr.New(connect.CodeNotFound, ReasonProductNotFound, "product "+productID+" not found")
	case err != nil:
		return err
	case row.Status != statusOnSale:
		return rpcerr.New(connect.CodeFailedPrecondition, ReasonProductOffShelf, "product "+productID+" is off shelf")
	}
	return rpcerr.New(connect.CodeFailedPrecondition, ReasonOutOfStock, "not enough stock for product "+productID)
}

// ConfirmReservation turns reserved stock into sold. Confirming twice is a
// no-op; confirming a released reservation changes nothing and fails.
func (s *Service) ConfirmReservation(ctx context.Context, id string) (*productv1.Reservation, error) {
	return s.transition(ctx, id, func(state int32) (int32, error) {
		switch state {
		case reservationReleased:
			return 0, rpcerr.New(connect.CodeFailedPrecondition, ReasonReservationReleased, "reservation was released")
		case reservationConfirmed:
			return state, nil
		}
		return reservationConfirmed, nil
	})
}

// ReleaseReservation puts the stock of a reservation back to available:
// reserved stock, or sold stock when it was confirmed (a refund). Releasing
// twice changes nothing; an unknown reservation is a no-op (nil result).
func (s *Service) ReleaseReservation(ctx context.Context, id string) (*productv1.Reservation, error) {
	res, err := s.transition(ctx, id, func(int32) (int32, error) { return reservationReleased, nil })
	if connect.CodeOf(err) == connect.CodeNotFound {
		return nil, nil
	}
	return res, err
}

// transition moves a reservation to the state next returns, moving its
// stock between columns in the same transaction.
func (s *Service) transition(ctx context.Context, id string, next func(state int32) (int32, error)) (*productv1.Reservation, error) {
	var result *productv1.Reservation
	var touched []string
	err := db.InTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		row, lines, err := lockReservation(ctx, tx, id)
		if errors.Is(err, sql.ErrNoRows) {
			return rpcerr.New(connect.CodeNotFound, "RESERVATION_NOT_FOUND", "reservation not found")
		}
		if err != nil {
			return err
		}
		to, err := next(row.State)
		if err != nil {
			return err
		}
		if to != row.State {
			for _, line := range lines {
				if err := moveStock(ctx, tx, line, row.State, to); err != nil {
					return err
				}
			}
			row.State, row.UpdatedAt = to, time.Now().UTC()
			if _, err := tx.NewUpdate().Model(row).Column("state", "updated_at").WherePK().Exec(ctx); err != nil {
				return err
			}
			touched = productIDs(lines)
		}
		result = reservationProto(row, lines)
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.afterCommit(ctx, touched...)
	return result, nil
}

// moveStock applies one line's move between columns for a state change.
func moveStock(ctx context.Context, tx bun.Tx, line reservationLineRow, from, to int32) error {
	q := tx.NewUpdate().Table("products").Where("id = ?", line.ProductID)
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

func lockReservation(ctx context.Context, tx bun.Tx, id string) (*reservationRow, []reservationLineRow, error) {
	row := &reservationRow{}
	if err := tx.NewSelect().Model(row).Where("id = ?", id).For("UPDATE").Scan(ctx); err != nil {
		return nil, nil, err
	}
	var lines []reservationLineRow
	err := tx.NewSelect().Model(&lines).Where("reservation_id = ?", id).Order("product_id").Scan(ctx)
	return row, lines, err
}

// mergeLines sums quantities per product and sorts by product id.
func mergeLines(lines []*productv1.StockLine) []reservationLineRow {
	byProduct := map[string]int32{}
	for _, l := range lines {
		byProduct[l.GetProductId()] += l.GetQuantity()
	}
	out := make([]reservationLineRow, 0, len(byProduct))
	for id, q := range byProduct {
		out = append(out, reservationLineRow{ProductID: id, Quantity: q})
	}
	slices.SortFunc(out, func(a, b reservationLineRow) int { return strings.Compare(a.ProductID, b.ProductID) })
	return out
}

func sameLines(a, b []reservationLineRow) bool {
	return slices.EqualFunc(a, b, func(x, y reservationLineRow) bool {
		return x.ProductID == y.ProductID && x.Quantity == y.Quantity
	})
}

func productIDs(lines []reservationLineRow) []string {
	ids := make([]string, len(lines))
	for i, l := range lines {
		ids[i] = l.ProductID
	}
	return ids
}
