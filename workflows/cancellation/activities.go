package cancellation

import (
	"context"

	"connectrpc.com/connect"

	orderv1 "mall/gen/mall/order/v1"
	"mall/gen/mall/order/v1/orderv1connect"
	payv1 "mall/gen/mall/pay/v1"
	"mall/gen/mall/pay/v1/payv1connect"
	"mall/workflows/checkout"
	"mall/workflows/rpcfailure"
)

// Activities are the cancellation saga's own steps; releasing stock,
// moving the order and publishing its event reuse the checkout activities
// (registered on the same worker).
type Activities struct {
	Pay    payv1connect.PayServiceClient
	Orders orderv1connect.OrderServiceClient
}

// Order is what the saga needs to know of the order.
type Order struct {
	Status        orderv1.OrderStatus
	UserID        string
	ReservationID string
	Lines         []checkout.Line
	// A flash-sale order's kind and sale, for its REFUNDED event.
	Kind           orderv1.OrderKind
	SeckillEventID string
}

// LoadOrder reads the order to cancel.
func (a *Activities) LoadOrder(ctx context.Context, orderID string) (Order, error) {
	res, err := a.Orders.GetOrderInternal(ctx, connect.NewRequest(&orderv1.GetOrderInternalRequest{OrderId: orderID}))
	if err != nil {
		return Order{}, rpcfailure.FromRPC(err)
	}
	o := res.Msg.GetOrder()
	out := Order{Status: o.GetStatus(), UserID: o.GetUserId(), ReservationID: o.GetReservationId(),
		Kind: o.GetKind(), SeckillEventID: o.GetSeckillEventId()}
	for _, l := range o.GetLines() {
		out.Lines = append(out.Lines, checkout.Line{ProductID: l.GetProductId(), CategoryID: l.GetCategoryId(), Title: l.GetTitle(),
			ImageURL: l.GetImageUrl(), UnitPriceCents: l.GetUnitPriceCents(), Quantity: l.GetQuantity()})
	}
	return out, nil
}

// RecordRefundRefused notes on the order that the provider refused its
// refund, so its buyer sees it (idempotent).
func (a *Activities) RecordRefundRefused(ctx context.Context, orderID string) error {
	_, err := a.Orders.RecordRefundRefused(ctx, connect.NewRequest(&orderv1.RecordRefundRefusedRequest{OrderId: orderID}))
	return rpcfailure.FromRPC(err)
}

// Refund refunds the order's successful payment through the provider. It
// returns whether money went back now; a refund done before returns false,
// and an order without a successful payment answers failed_precondition.
func (a *Activities) Refund(ctx context.Context, in Input) (bool, error) {
	res, err := a.Pay.Refund(ctx, connect.NewRequest(&payv1.RefundRequest{OrderId: in.OrderID, Reason: in.Reason, RetryRefused: in.RetryRefused}))
	if err != nil {
		return false, rpcfailure.FromRPC(err)
	}
	return res.Msg.GetRefunded(), nil
}
