package seckill

import (
	"context"
	"errors"
	"time"

	"connectrpc.com/connect"

	orderv1 "mall/gen/mall/order/v1"
	productv1 "mall/gen/mall/product/v1"
	seckillv1 "mall/gen/mall/seckill/v1"
)

// A sale's units are the product's stock, allocated to the sale (product
// allocation named by the event id) when it is created. Settling gives
// back what the sale did not sell: once it has ended and none of its
// orders can still be paid, ReturnAllocation moves what is still allocated
// (never sold, or released by orders that expired or were cancelled) back
// to available, once; a payment confirming units after that is refused by
// the product service, and the payment is refunded. Sales whose creation
// failed half way are given back the same way. The flash-sale sweeper
// calls SettleSales every interval.

// SettleSales settles the sales that can sell no more and gives back the
// units of abandoned creations. A sale that fails is left for the next
// call, and fails this one.
func (s *Service) SettleSales(ctx context.Context, _ *connect.Request[seckillv1.SettleSalesRequest]) (*connect.Response[seckillv1.SettleSalesResponse], error) {
	out, err := s.settleSales(ctx)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(out), nil
}

// settleSales is SettleSales: what was done, and the errors of the sales
// that failed.
func (s *Service) settleSales(ctx context.Context) (*seckillv1.SettleSalesResponse, error) {
	now := time.Now()
	out := &seckillv1.SettleSalesResponse{}
	var errs []error
	stale, err := eventsToAbandon(ctx, s.db, dbTime(now.Add(-s.opts.AbandonAfter)))
	if err != nil {
		return out, err
	}
	for _, ev := range stale {
		if ev.StockState == stockAllocating {
			if err := updateStockState(ctx, s.db, ev.ID, stockAllocating, stockAbandoned); err != nil {
				if !errors.Is(err, errStockStateChanged) {
					errs = append(errs, err)
				}
				continue // its CreateEvent opened it after all
			}
		}
		returned, err := s.giveBack(ctx, ev.ID, stockAbandoned, stockAbandoned)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s.logger.WarnContext(ctx, "gave back the units of a flash sale whose creation failed", "event_id", ev.ID, "units", returned)
		out.AbandonedEventIds = append(out.AbandonedEventIds, ev.ID)
		out.ReturnedUnits += returned
	}

	// An order's payment deadline is at most PaymentTimeout after the sale
	// ended: past that, no order of it can be paid any more.
	ended, err := eventsToSettle(ctx, s.db, dbTime(now.Add(-s.opts.PaymentTimeout)))
	if err != nil {
		return out, errors.Join(append(errs, err)...)
	}
	for _, ev := range ended {
		pending, err := s.hasPendingOrders(ctx, ev.ID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if pending {
			continue // the sweeper cancels them first (or they are being paid)
		}
		returned, err := s.giveBack(ctx, ev.ID, stockAllocated, stockSettled)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s.logger.InfoContext(ctx, "flash sale settled: unsold units back in stock", "event_id", ev.ID, "units", returned)
		out.SettledEventIds = append(out.SettledEventIds, ev.ID)
		out.ReturnedUnits += returned
	}
	return out, errors.Join(errs...)
}

// giveBack returns a sale's allocation to the product and records it
// (settled_at, the units) as the event moves from one state to another.
func (s *Service) giveBack(ctx context.Context, eventID string, from, to int32) (int64, error) {
	res, err := s.products.ReturnAllocation(ctx, connect.NewRequest(&productv1.ReturnAllocationRequest{AllocationId: eventID}))
	if err != nil {
		return 0, s.catalogFailed(ctx, "ProductService.ReturnAllocation", err)
	}
	returned := res.Msg.GetAllocation().GetReturned()
	return returned, markSettled(ctx, s.db, eventID, from, to, returned, dbTime(time.Now()))
}

// hasPendingOrders reports whether an order of the sale is still waiting
// for payment.
func (s *Service) hasPendingOrders(ctx context.Context, eventID string) (bool, error) {
	res, err := s.orders.ListOrdersInternal(ctx, connect.NewRequest(&orderv1.ListOrdersInternalRequest{
		SeckillEventId: eventID, Kind: orderv1.OrderKind_ORDER_KIND_FLASH_SALE,
		Statuses: []orderv1.OrderStatus{orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT}, PageSize: 1}))
	if err != nil {
		return false, s.ordersFailed(ctx, err)
	}
	return len(res.Msg.GetOrders()) > 0, nil
}

// abandon gives back what a failed CreateEvent may have taken: the event
// becomes abandoned and its allocation is returned. It reports whether
// the event turned out to be open (its opening committed after all);
// whatever fails here is finished by SettleSales.
func (s *Service) abandon(ctx context.Context, eventID string) (opened bool) {
	err := updateStockState(ctx, s.db, eventID, stockAllocating, stockAbandoned)
	if errors.Is(err, errStockStateChanged) {
		if state, err := selectStockState(ctx, s.db, eventID); err == nil {
			return state == stockAllocated
		}
	}
	if err != nil {
		s.logger.WarnContext(ctx, "abandon a flash sale (settling finishes it)", "event_id", eventID, "err", err)
		return false
	}
	if _, err := s.giveBack(ctx, eventID, stockAbandoned, stockAbandoned); err != nil {
		s.logger.WarnContext(ctx, "give back an abandoned sale's units (settling retries)", "event_id", eventID, "err", err)
	}
	return false
}
