package flashsale

import (
	"context"

	"connectrpc.com/connect"
	"go.temporal.io/sdk/activity"
	"google.golang.org/protobuf/types/known/timestamppb"

	orderv1 "mall/gen/mall/order/v1"
	"mall/gen/mall/order/v1/orderv1connect"
	productv1 "mall/gen/mall/product/v1"
	"mall/gen/mall/product/v1/productv1connect"
	seckillv1 "mall/gen/mall/seckill/v1"
	"mall/gen/mall/seckill/v1/seckillv1connect"
	"mall/workflows/rpcfailure"
)

// Activities are the sweeper's steps, calling the order, catalog and
// seckill services with a service credential.
type Activities struct {
	Orders   orderv1connect.OrderServiceClient
	Products productv1connect.ProductServiceClient
	Seckill  seckillv1connect.SeckillServiceClient
}

// productUnitsConfirmed is the catalog's reason for refusing to release
// units a payment confirmed, as it names it.
const productUnitsConfirmed = "UNITS_CONFIRMED"

// SweepExpired cancels the flash-sale orders whose payment deadline has
// passed. Each one's units are first released at the catalog, which
// refuses when a payment confirmed them (that order is being paid and is
// left alone) and otherwise bars any later payment from confirming them;
// then the order is cancelled; then its units go back to its sale — never
// before, so a unit can never be both paid for and resold. It also
// releases again the orders cancelled recently (deadline within
// Lookback, or still ahead for orders their buyers cancelled), which
// covers a sweep or a cancel that died between the steps; releases are
// idempotent.
func (a *Activities) SweepExpired(ctx context.Context, in SweepInput) (SweepResult, error) {
	var out SweepResult
	before := timestamppb.New(in.Now)
	err := a.eachOrder(ctx, &orderv1.ListOrdersInternalRequest{Kind: orderv1.OrderKind_ORDER_KIND_FLASH_SALE,
		Statuses: []orderv1.OrderStatus{orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT}, PaymentDeadlineBefore: before, PageSize: int32(in.PageSize)}, &out,
		func(o *orderv1.Order) error {
			_, err := a.Products.ReleaseAllocatedStock(ctx, connect.NewRequest(&productv1.ReleaseAllocatedStockRequest{
				AllocationId: o.GetSeckillEventId(), OrderId: o.GetOrderId(), Quantity: quantityOf(o)}))
			if err = rpcfailure.FromRPC(err); rpcfailure.Reason(err) == productUnitsConfirmed {
				out.PaidMeanwhile++ // its payment confirmed the units: it becomes PAID
				return nil
			}
			if err != nil {
				return err
			}
			res, err := a.Orders.TransitionOrder(ctx, connect.NewRequest(&orderv1.TransitionOrderRequest{OrderId: o.GetOrderId(),
				ToStatus: orderv1.OrderStatus_ORDER_STATUS_CANCELLED, Reason: "payment deadline passed",
				Cause:        orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_PAYMENT_EXPIRED,
				FromStatuses: []orderv1.OrderStatus{orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT}}))
			if connect.CodeOf(err) == connect.CodeFailedPrecondition {
				out.PaidMeanwhile++ // it left PENDING_PAYMENT since the listing: its units stay sold
				return nil
			}
			if err != nil {
				return rpcfailure.FromRPC(err)
			}
			if res.Msg.GetChanged() {
				out.Cancelled++
			}
			return a.release(ctx, o, &out)
		})
	if err != nil {
		return out, err
	}
	// A cancelled order's page may have shifted while the first pass
	// cancelled; this pass releases every recent cancellation (again),
	// including those their buyers cancelled before the deadline.
	err = a.eachOrder(ctx, &orderv1.ListOrdersInternalRequest{Kind: orderv1.OrderKind_ORDER_KIND_FLASH_SALE,
		Statuses:             []orderv1.OrderStatus{orderv1.OrderStatus_ORDER_STATUS_CANCELLED},
		PaymentDeadlineAfter: timestamppb.New(in.Now.Add(-in.Lookback)), PageSize: int32(in.PageSize)}, &out,
		func(o *orderv1.Order) error { return a.release(ctx, o, &out) })
	return out, err
}

// SettleSales gives back to the catalog the units of the sales that can
// sell no more (ended, no order payable) and of failed creations.
func (a *Activities) SettleSales(ctx context.Context) (SettleResult, error) {
	res, err := a.Seckill.SettleSales(ctx, connect.NewRequest(&seckillv1.SettleSalesRequest{}))
	if err != nil {
		return SettleResult{}, rpcfailure.FromRPC(err)
	}
	return SettleResult{Settled: len(res.Msg.GetSettledEventIds()), Abandoned: len(res.Msg.GetAbandonedEventIds()),
		UnitsReturned: res.Msg.GetReturnedUnits()}, nil
}

func (a *Activities) release(ctx context.Context, o *orderv1.Order, out *SweepResult) error {
	res, err := a.Seckill.ReleasePurchase(ctx, connect.NewRequest(&seckillv1.ReleasePurchaseRequest{EventId: o.GetSeckillEventId(),
		UserId: o.GetUserId(), OrderId: o.GetOrderId(), Quantity: quantityOf(o)}))
	if err != nil {
		return rpcfailure.FromRPC(err)
	}
	if res.Msg.GetReleased() {
		out.Released++
	} else {
		out.AlreadyReleased++
	}
	return nil
}

// quantityOf is the units of a flash-sale order.
func quantityOf(o *orderv1.Order) int32 {
	var quantity int32
	for _, l := range o.GetLines() {
		quantity += l.GetQuantity()
	}
	return max(quantity, 1)
}

// eachOrder pages through a listing, heartbeating after every order (the
// SDK throttles the heartbeats it sends) with the counts so far.
func (a *Activities) eachOrder(ctx context.Context, req *orderv1.ListOrdersInternalRequest, out *SweepResult, fn func(*orderv1.Order) error) error {
	for {
		res, err := a.Orders.ListOrdersInternal(ctx, connect.NewRequest(req))
		if err != nil {
			return rpcfailure.FromRPC(err)
		}
		activity.RecordHeartbeat(ctx, *out)
		for _, o := range res.Msg.GetOrders() {
			if err := fn(o); err != nil {
				return err
			}
			activity.RecordHeartbeat(ctx, *out)
		}
		if req.PageToken = res.Msg.GetNextPageToken(); req.PageToken == "" {
			return nil
		}
	}
}
