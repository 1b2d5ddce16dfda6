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
// sold + allocated changes only through SetStock and AdjustStock
// (stock_admin.go).

// ReserveStock holds stock for every line, all or nothing. It is idempotent
// by reservation id: a repeated call returns the existing reservation.
func (s *Service) ReserveStock(ctx context.Context, req *connect.Request[productv1.ReserveStockRequest]) (*connect.Response[productv1.ReserveStockResponse], error) {
	id := req.Msg.GetReservationId()
	merged := mergeLines(req.Msg.GetLines())
	var result *productv1.Reservation
	err := db.InTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		// Insert first: a concurrent call with the same id waits on the key
		// and then finds it taken. (Selecting a missing row FOR UPDATE first
		// would take gap locks that deadlock concurrent inserts.)
		now := time.Now().UTC()
		row := &reservationRow{ID: id, State: reservationReserved, CreatedAt: now, UpdatedAt: now}
		if err := insertRow(ctx, tx, row); err != nil {
			return err
		}
		// Lines are merged per product and sorted, so concurrent reservations
		// lock rows in the same order and cannot deadlock.
		for _, line := range merged {
			n, err := reserveUnits(ctx, tx, line.ProductID, line.Quantity)
			if err != nil {
				return err
			}
			if n == 0 {
				return whyNotReservable(ctx, tx, line.ProductID)
			}
		}
		for i := range merged {
			merged[i].ReservationID = id
		}
		if err := insertReservationLines(ctx, tx, merged); err != nil {
			return err
		}
		result = reservationProto(row, merged)
		return nil
	})
	switch {
	case db.IsDuplicate(err):
		result, err = s.existingReservation(ctx, id, merged)
	case err == nil:
		s.afterCommit(ctx, productIDs(merged)...)
	}
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&productv1.ReserveStockResponse{Reservation: result}), nil
}

// existingReservation answers a repeated ReserveStock: the same lines get the
// reservation as it is now; other lines are a conflict.
func (s *Service) existingReservation(ctx context.Context, id string, lines []reservationLineRow) (*productv1.Reservation, error) {
	row, existing, err := selectReservation(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	if row.State == reservationReleased && len(existing) == 0 {
		// Released before anything was reserved (releaseUnknown): answered
		// as released, which the caller must not use.
		return reservationProto(row, nil), nil
	}
	if !sameLines(existing, lines) {
		return nil, rpcerr.New(connect.CodeAlreadyExists, ReasonReservationConflict, "reservation id already used for other lines")
	}
	return reservationProto(row, existing), nil
}

func whyNotReservable(ctx context.Context, tx bun.Tx, productID string) error {
	row, err := selectStockStatus(ctx, tx, productID)
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
func (s *Service) ConfirmReservation(ctx context.Context, req *connect.Request[productv1.ConfirmReservationRequest]) (*connect.Response[productv1.ConfirmReservationResponse], error) {
	r, err := s.transition(ctx, req.Msg.GetReservationId(), func(state int32) (int32, error) {
		switch state {
		case reservationReleased:
			return 0, rpcerr.New(connect.CodeFailedPrecondition, ReasonReservationReleased, "reservation was released")
		case reservationConfirmed:
			return state, nil
		}
		return reservationConfirmed, nil
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&productv1.ConfirmReservationResponse{Reservation: r}), nil
}

// ReleaseReservation puts the stock of a reservation back to available:
// reserved stock, or sold stock when it was confirmed (a refund). Releasing
// twice changes nothing; an unknown reservation is a no-op (no reservation
// in the answer).
func (s *Service) ReleaseReservation(ctx context.Context, req *connect.Request[productv1.ReleaseReservationRequest]) (*connect.Response[productv1.ReleaseReservationResponse], error) {
	id := req.Msg.GetReservationId()
	r, err := s.transition(ctx, id, releaseAll)
	if connect.CodeOf(err) == connect.CodeNotFound {
		r, err = s.releaseUnknown(ctx, id)
	}
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&productv1.ReleaseReservationResponse{Reservation: r}), nil
}

func releaseAll(int32) (int32, error) { return reservationReleased, nil }

// releaseUnknown releases a reservation that does not exist (yet): it
// leaves a released mark under the id, so a ReserveStock still on its way
// (an attempt that timed out at the saga and completes now, after the saga
// gave up and compensated) finds the id taken and released instead of
// holding stock nobody will release. A reservation made meanwhile is
// released like any.
func (s *Service) releaseUnknown(ctx context.Context, id string) (*productv1.Reservation, error) {
	now := time.Now().UTC()
	err := insertRow(ctx, s.db, &reservationRow{ID: id, State: reservationReleased, CreatedAt: now, UpdatedAt: now})
	if db.IsDuplicate(err) {
		return s.transition(ctx, id, releaseAll)
	}
	return nil, err
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
			if err := updateReservationState(ctx, tx, row); err != nil {
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
