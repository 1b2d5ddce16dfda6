package flashsale

import (
	"context"

	"connectrpc.com/connect"
	"go.temporal.io/sdk/activity"
	"google.golang.org/protobuf/types/known/timestamppb"

	orderv1 "mall/gen/mall/order/v1"
	"mall/gen/mall/order/v1/orderv1connect"
	seckillv1 "mall/gen/mall/seckill/v1"
	"mall/gen/mall/seckill/v1/seckillv1connect"
	"mall/workflows/rpcfailure"
)

// Activities are the sweeper's steps, calling the order and seckill
// services with a service credential.
type Activities struct {
	Orders  orderv1connect.OrderServiceClient
	Seckill seckillv1connect.SeckillServiceClient
}

// SweepExpired cancels the flash-sale orders whose payment deadline has
// passed (an order paid meanwhile answers failed_precondition and is left
// alone), releasing each one's units to its sale after it is cancelled —
// never before, so a unit can never be both paid for and resold. It also
// releases again the orders cancelled within Lookback, which covers a
// sweep that died between the two steps; releases are idempotent.
func (a *Activities) SweepExpired(ctx context.Context, in SweepInput) (SweepResult, error) {
	var out SweepResult
	before := timestamppb.New(in.Now)
	err := a.eachOrder(ctx, &orderv1.ListOrdersInternalRequest{Kind: orderv1.OrderKind_ORDER_KIND_FLASH_SALE,
		Statuses: []orderv1.OrderStatus{orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT}, PaymentDeadlineBefore: before, PageSize: int32(in.PageSize)}, &out,
		func(o *orderv1.Order) error {
			res, err := a.Orders.TransitionOrder(ctx, connect.NewRequest(&orderv1.TransitionOrderRequest{OrderId: o.GetOrderId(),
				ToStatus: orderv1.OrderStatus_ORDER_STATUS_CANCELLED, Reason: "payment deadline passed",
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
	// cancelled; this pass releases every recent cancellation (again).
	err = a.eachOrder(ctx, &orderv1.ListOrdersInternalRequest{Kind: orderv1.OrderKind_ORDER_KIND_FLASH_SALE,
		Statuses:              []orderv1.OrderStatus{orderv1.OrderStatus_ORDER_STATUS_CANCELLED},
		PaymentDeadlineBefore: before, PaymentDeadlineAfter: timestamppb.New(in.Now.Add(-in.Lookback)), PageSize: int32(in.PageSize)}, &out,
		func(o *orderv1.Order) error { return a.release(ctx, o, &out) })
	return out, err
}

func (a *Activities) release(ctx context.Context, o *orderv1.Order, out *SweepResult) error {
	var quantity int32
	for _, l := range o.GetLines() {
		quantity += l.GetQuantity()
	}
	res, err := a.Seckill.ReleasePurchase(ctx, connect.NewRequest(&seckillv1.ReleasePurchaseRequest{EventId: o.GetSeckillEventId(),
		UserId: o.GetUserId(), OrderId: o.GetOrderId(), Quantity: max(quantity, 1)}))
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
