package product

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"connectrpc.com/connect"
	"github.com/uptrace/bun"

	productv1 "mall/gen/mall/product/v1"
	"mall/services/platform/db"
	"mall/services/platform/rpcerr"
)

// Flash-sale stock is inventory. Creating a sale allocates its units: they
// move from available to allocated, where checkout cannot reserve them. A
// paid flash-sale order confirms its units (allocated -> sold, counted as
// sales) as a reservation named by the order id, so a refund gives them
// back like any confirmed reservation (ReleaseReservation). An unpaid order
// that is being cancelled releases its claim first (its units stay
// allocated: the sale sells them again), after which it can never be
// confirmed; confirm and release of one order take the allocation's row
// lock, so exactly one of them wins. When the sale is over, ReturnAllocation
// gives what is left back to available, once, and nothing is confirmed from
// it any more. Every call is one transaction, idempotent by its id, and
// locks rows in one order (allocation, reservation, product), so concurrent
// calls cannot deadlock each other or ReserveStock (reservation, product).

// AllocateStock moves quantity units of a product on sale from available
// to allocated for the allocation id (a sale's event id). A repeat returns
// the allocation as it is now.
func (s *Service) AllocateStock(ctx context.Context, req *connect.Request[productv1.AllocateStockRequest]) (*connect.Response[productv1.AllocateStockResponse], error) {
	id, productID, quantity := req.Msg.GetAllocationId(), req.Msg.GetProductId(), req.Msg.GetQuantity()
	row, err := allocate(ctx, s.db, id, productID, quantity)
	var result *productv1.Allocation
	switch {
	case db.IsDuplicate(err):
		result, err = s.existingAllocation(ctx, id, productID, quantity)
	case err == nil:
		s.afterCommit(ctx, productID)
		result = allocationProto(row)
	}
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&productv1.AllocateStockResponse{Allocation: result}), nil
}

// allocate is AllocateStock's transaction; a repeated id fails with a
// duplicate-key error.
func allocate(ctx context.Context, handle *bun.DB, id, productID string, quantity int64) (*allocationRow, error) {
	now := time.Now().UTC()
	row := &allocationRow{ID: id, ProductID: productID, Quantity: quantity, State: allocationAllocated, CreatedAt: now, UpdatedAt: now}
	return row, db.InTx(ctx, handle, func(ctx context.Context, tx bun.Tx) error {
		// Insert first, as ReserveStock: a concurrent call with the same id
		// waits on the key and then finds it taken.
		if err := insertRow(ctx, tx, row); err != nil {
			return err
		}
		n, err := allocateUnits(ctx, tx, productID, quantity)
		if err != nil {
			return err
		}
		if n == 0 {
			return whyNotReservable(ctx, tx, productID)
		}
		return nil
	})
}

// SeedAllocation allocates a demo flash sale's units from the demo catalog
// in the product database (the seed runs before any service). Seeding
// again changes nothing.
func SeedAllocation(ctx context.Context, handle *bun.DB, id, productID string, quantity int64) error {
	_, err := allocate(ctx, handle, id, productID, quantity)
	if db.IsDuplicate(err) {
		return nil
	}
	return err
}

// existingAllocation answers a repeated AllocateStock.
func (s *Service) existingAllocation(ctx context.Context, id, productID string, quantity int64) (*productv1.Allocation, error) {
	row, err := selectAllocation(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	switch {
	case row.State == allocationReturned:
		return nil, errAllocationReturned()
	case row.ProductID != productID || row.Quantity != quantity:
		return nil, rpcerr.New(connect.CodeAlreadyExists, ReasonAllocationConflict, "allocation id already used for another product or quantity")
	}
	return allocationProto(row), nil
}

// ConfirmAllocatedStock moves a paid flash-sale order's units from the
// allocation to sold, recorded as the order's CONFIRMED reservation.
func (s *Service) ConfirmAllocatedStock(ctx context.Context, req *connect.Request[productv1.ConfirmAllocatedStockRequest]) (*connect.Response[productv1.ConfirmAllocatedStockResponse], error) {
	allocationID, orderID, quantity := req.Msg.GetAllocationId(), req.Msg.GetOrderId(), req.Msg.GetQuantity()
	var result *productv1.Reservation
	var touched []string
	err := db.InTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		touched = nil
		alloc, err := lockAllocation(ctx, tx, allocationID)
		if errors.Is(err, sql.ErrNoRows) {
			return rpcerr.New(connect.CodeFailedPrecondition, ReasonAllocationNotFound, "no stock is allocated to this flash sale")
		}
		if err != nil {
			return err
		}
		existing, lines, err := orderReservation(ctx, tx, orderID, allocationID)
		if err != nil {
			return err
		}
		if existing != nil {
			switch existing.State {
			case reservationConfirmed:
				result = reservationProto(existing, lines)
				return nil
			case reservationReleased:
				return rpcerr.New(connect.CodeFailedPrecondition, ReasonReservationReleased, "this order's flash-sale units were released")
			}
		}
		switch {
		case alloc.State == allocationReturned:
			return errAllocationReturned()
		case alloc.left() < int64(quantity):
			return rpcerr.New(connect.CodeFailedPrecondition, ReasonAllocationExhausted, "more units confirmed than the flash sale was allocated")
		}
		row, line, err := insertOrderReservation(ctx, tx, orderID, alloc, quantity, reservationConfirmed)
		if err != nil {
			return err
		}
		alloc.Sold += int64(quantity)
		alloc.UpdatedAt = row.UpdatedAt
		if err := updateAllocation(ctx, tx, alloc, "sold", "updated_at"); err != nil {
			return err
		}
		if err := sellAllocatedUnits(ctx, tx, alloc.ProductID, quantity); err != nil {
			return err
		}
		touched = []string{alloc.ProductID}
		result = reservationProto(row, []reservationLineRow{line})
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.afterCommit(ctx, touched...)
	return connect.NewResponse(&productv1.ConfirmAllocatedStockResponse{Reservation: result}), nil
}

// ReleaseAllocatedStock records that an unpaid flash-sale order gives up
// its units before it is cancelled: they stay in the allocation, and the
// order's reservation is RELEASED, so the order can no longer confirm them.
// An order whose units were confirmed (its payment got there first) is
// refused.
func (s *Service) ReleaseAllocatedStock(ctx context.Context, req *connect.Request[productv1.ReleaseAllocatedStockRequest]) (*connect.Response[productv1.ReleaseAllocatedStockResponse], error) {
	allocationID, orderID, quantity := req.Msg.GetAllocationId(), req.Msg.GetOrderId(), req.Msg.GetQuantity()
	var result *productv1.Reservation
	err := db.InTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		alloc, err := lockAllocation(ctx, tx, allocationID)
		if errors.Is(err, sql.ErrNoRows) {
			// Nothing was allocated (a sale older than allocations): the
			// release still bars the order from confirming.
			alloc, err = &allocationRow{ID: allocationID}, nil
		}
		if err != nil {
			return err
		}
		existing, lines, err := orderReservation(ctx, tx, orderID, allocationID)
		if err != nil {
			return err
		}
		if existing != nil {
			if existing.State == reservationConfirmed {
				return rpcerr.New(connect.CodeFailedPrecondition, ReasonUnitsConfirmed, "this order's flash-sale units are sold: its payment was recorded")
			}
			result = reservationProto(existing, lines)
			return nil
		}
		row, line, err := insertOrderReservation(ctx, tx, orderID, alloc, quantity, reservationReleased)
		if err != nil {
			return err
		}
		result = reservationProto(row, []reservationLineRow{line})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&productv1.ReleaseAllocatedStockResponse{Reservation: result}), nil
}

// ReturnAllocation moves what is still allocated back to available and
// marks the allocation returned. Returning twice changes nothing; an
// unknown id is recorded as returned with nothing in it.
func (s *Service) ReturnAllocation(ctx context.Context, req *connect.Request[productv1.ReturnAllocationRequest]) (*connect.Response[productv1.ReturnAllocationResponse], error) {
	a, err := s.returnAllocation(ctx, req.Msg.GetAllocationId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&productv1.ReturnAllocationResponse{Allocation: a}), nil
}

func (s *Service) returnAllocation(ctx context.Context, id string) (*productv1.Allocation, error) {
	var result *productv1.Allocation
	var touched []string
	err := db.InTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		touched = nil
		now := time.Now().UTC()
		alloc, err := lockAllocation(ctx, tx, id)
		if errors.Is(err, sql.ErrNoRows) {
			// A concurrent AllocateStock of this id collides on the key: one
			// of the two fails with a duplicate and sees the other's row.
			alloc = &allocationRow{ID: id, State: allocationReturned, CreatedAt: now, UpdatedAt: now}
			if err := insertRow(ctx, tx, alloc); err != nil {
				return err
			}
			result = allocationProto(alloc)
			return nil
		}
		if err != nil {
			return err
		}
		if alloc.State == allocationAllocated {
			left := alloc.left()
			if left > 0 {
				if err := returnAllocatedUnits(ctx, tx, alloc.ProductID, left); err != nil {
					return err
				}
				touched = []string{alloc.ProductID}
			}
			alloc.Returned += left
			alloc.State, alloc.UpdatedAt = allocationReturned, now
			if err := updateAllocation(ctx, tx, alloc, "returned", "state", "updated_at"); err != nil {
				return err
			}
		}
		result = allocationProto(alloc)
		return nil
	})
	if db.IsDuplicate(err) { // an AllocateStock of this id won the race: return what it took
		return s.returnAllocation(ctx, id)
	}
	if err != nil {
		return nil, err
	}
	s.afterCommit(ctx, touched...)
	return result, nil
}

// orderReservation reads a flash-sale order's reservation (nil when it has
// none yet); one that belongs to another allocation is a conflict. The
// caller holds the allocation's lock, which every writer of these
// reservations takes first.
func orderReservation(ctx context.Context, tx bun.Tx, orderID, allocationID string) (*reservationRow, []reservationLineRow, error) {
	row, lines, err := lockReservation(ctx, tx, orderID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil, nil
	case err != nil:
		return nil, nil, err
	case row.AllocationID != allocationID:
		return nil, nil, rpcerr.New(connect.CodeAlreadyExists, ReasonReservationConflict, "reservation id already used for another sale or checkout")
	}
	return row, lines, nil
}

// insertOrderReservation records a flash-sale order's units as its
// reservation in state.
func insertOrderReservation(ctx context.Context, tx bun.Tx, orderID string, alloc *allocationRow, quantity int32, state int32) (*reservationRow, reservationLineRow, error) {
	now := time.Now().UTC()
	row := &reservationRow{ID: orderID, State: state, AllocationID: alloc.ID, CreatedAt: now, UpdatedAt: now}
	line := reservationLineRow{ReservationID: orderID, ProductID: alloc.ProductID, Quantity: quantity}
	if err := insertRow(ctx, tx, row); err != nil {
		return nil, line, err
	}
	return row, line, insertReservationLines(ctx, tx, []reservationLineRow{line})
}

func errAllocationReturned() error {
	return rpcerr.New(connect.CodeFailedPrecondition, ReasonAllocationReturned, "this flash sale's stock was returned")
}

// ResizeAllocation changes the units of an allocation that has sold
// nothing yet (a flash sale in preview): the difference moves between
// available and allocated in one transaction, under the allocation's lock.
func (s *Service) ResizeAllocation(ctx context.Context, req *connect.Request[productv1.ResizeAllocationRequest]) (*connect.Response[productv1.ResizeAllocationResponse], error) {
	id, quantity := req.Msg.GetAllocationId(), req.Msg.GetQuantity()
	var result *productv1.Allocation
	var touched []string
	err := db.InTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		touched = nil
		alloc, err := lockAllocation(ctx, tx, id)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return rpcerr.New(connect.CodeNotFound, ReasonAllocationNotFound, "no stock is allocated under this id")
		case err != nil:
			return err
		case alloc.State == allocationReturned:
			return errAllocationReturned()
		case alloc.Sold > 0:
			return rpcerr.New(connect.CodeFailedPrecondition, ReasonUnitsConfirmed, "units of this allocation were sold already")
		}
		delta := quantity - alloc.Quantity
		switch {
		case delta > 0:
			n, err := allocateUnits(ctx, tx, alloc.ProductID, delta)
			if err != nil {
				return err
			}
			if n == 0 {
				return whyNotReservable(ctx, tx, alloc.ProductID)
			}
		case delta < 0:
			if err := returnAllocatedUnits(ctx, tx, alloc.ProductID, -delta); err != nil {
				return err
			}
		}
		if delta != 0 {
			touched = []string{alloc.ProductID}
			alloc.Quantity, alloc.UpdatedAt = quantity, time.Now().UTC()
			if err := updateAllocation(ctx, tx, alloc, "quantity", "updated_at"); err != nil {
				return err
			}
		}
		result = allocationProto(alloc)
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.afterCommit(ctx, touched...)
	return connect.NewResponse(&productv1.ResizeAllocationResponse{Allocation: result}), nil
}
