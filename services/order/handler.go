// Package order is the order domain: orders with their lines (snapshotted at
// checkout) and status history, one state machine for every status change,
// and the entry points of the checkout saga on Temporal. Handler (this file)
// is thin; the logic is in Service.
package order

import (
	"context"

	"connectrpc.com/connect"

	orderv1 "mall/gen/mall/order/v1"
	"mall/gen/mall/order/v1/orderv1connect"
	"mall/services/platform/auth"
)

// Handler serves OrderService.
type Handler struct {
	orderv1connect.UnimplementedOrderServiceHandler
	svc *Service
}

// NewHandler returns the OrderService handler over svc.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

var _ orderv1connect.OrderServiceHandler = (*Handler)(nil)

// User procedures: the caller is the verified token's user.

func (h *Handler) Checkout(ctx context.Context, req *connect.Request[orderv1.CheckoutRequest]) (*connect.Response[orderv1.CheckoutResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	orderID, err := h.svc.Checkout(ctx, userID, req.Msg)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orderv1.CheckoutResponse{OrderId: orderID}), nil
}

func (h *Handler) GetCheckout(ctx context.Context, req *connect.Request[orderv1.GetCheckoutRequest]) (*connect.Response[orderv1.GetCheckoutResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	view, err := h.svc.GetCheckout(ctx, userID, req.Msg.GetOrderId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orderv1.GetCheckoutResponse{
		OrderId: req.Msg.GetOrderId(), State: view.State, FailureReason: view.FailureReason, Order: view.Order,
	}), nil
}

func (h *Handler) GetOrder(ctx context.Context, req *connect.Request[orderv1.GetOrderRequest]) (*connect.Response[orderv1.GetOrderResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	o, err := h.svc.GetOrder(ctx, req.Msg.GetOrderId(), userID)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orderv1.GetOrderResponse{Order: o}), nil
}

func (h *Handler) ListOrders(ctx context.Context, req *connect.Request[orderv1.ListOrdersRequest]) (*connect.Response[orderv1.ListOrdersResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	orders, next, err := h.svc.ListOrders(ctx, listFilter{
		UserID: userID, Statuses: req.Msg.GetStatuses(),
		PageSize: pageSize(req.Msg.GetPageSize(), defaultPageSize), PageToken: req.Msg.GetPageToken(),
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orderv1.ListOrdersResponse{Orders: orders, NextPageToken: next}), nil
}

func (h *Handler) CancelOrder(ctx context.Context, req *connect.Request[orderv1.CancelOrderRequest]) (*connect.Response[orderv1.CancelOrderResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	o, err := h.svc.CancelOrder(ctx, userID, req.Msg.GetOrderId(), req.Msg.GetReason())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orderv1.CancelOrderResponse{Order: o}), nil
}

func (h *Handler) ConfirmReceipt(ctx context.Context, req *connect.Request[orderv1.ConfirmReceiptRequest]) (*connect.Response[orderv1.ConfirmReceiptResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	o, err := h.svc.ConfirmReceipt(ctx, userID, req.Msg.GetOrderId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orderv1.ConfirmReceiptResponse{Order: o}), nil
}

// Admin procedures (the authn layer admits only admin tokens).

func (h *Handler) AdminListOrders(ctx context.Context, req *connect.Request[orderv1.AdminListOrdersRequest]) (*connect.Response[orderv1.AdminListOrdersResponse], error) {
	orders, next, err := h.svc.ListOrders(ctx, listFilter{
		UserID: req.Msg.GetUserId(), Statuses: req.Msg.GetStatuses(),
		PageSize: pageSize(req.Msg.GetPageSize(), defaultPageSize), PageToken: req.Msg.GetPageToken(),
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orderv1.AdminListOrdersResponse{Orders: orders, NextPageToken: next}), nil
}

func (h *Handler) ShipOrder(ctx context.Context, req *connect.Request[orderv1.ShipOrderRequest]) (*connect.Response[orderv1.ShipOrderResponse], error) {
	o, err := h.svc.ShipOrder(ctx, req.Msg.GetOrderId(), req.Msg.GetCarrier(), req.Msg.GetTrackingNumber())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orderv1.ShipOrderResponse{Order: o}), nil
}

func (h *Handler) MarkDelivered(ctx context.Context, req *connect.Request[orderv1.MarkDeliveredRequest]) (*connect.Response[orderv1.MarkDeliveredResponse], error) {
	o, err := h.svc.MarkDelivered(ctx, req.Msg.GetOrderId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orderv1.MarkDeliveredResponse{Order: o}), nil
}

// Internal procedures: the caller is a service (the checkout saga, sweepers).

func (h *Handler) CreateOrder(ctx context.Context, req *connect.Request[orderv1.CreateOrderRequest]) (*connect.Response[orderv1.CreateOrderResponse], error) {
	o, created, err := h.svc.CreateOrder(ctx, req.Msg)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orderv1.CreateOrderResponse{Order: o, Created: created}), nil
}

func (h *Handler) TransitionOrder(ctx context.Context, req *connect.Request[orderv1.TransitionOrderRequest]) (*connect.Response[orderv1.TransitionOrderResponse], error) {
	o, changed, err := h.svc.Transition(ctx, transitionSpec{
		OrderID: req.Msg.GetOrderId(), To: req.Msg.GetToStatus(), Reason: req.Msg.GetReason(), From: req.Msg.GetFromStatuses(),
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orderv1.TransitionOrderResponse{Order: o, Changed: changed}), nil
}

func (h *Handler) GetOrderInternal(ctx context.Context, req *connect.Request[orderv1.GetOrderInternalRequest]) (*connect.Response[orderv1.GetOrderInternalResponse], error) {
	o, err := h.svc.GetOrder(ctx, req.Msg.GetOrderId(), "")
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orderv1.GetOrderInternalResponse{Order: o}), nil
}

func (h *Handler) ListOrdersInternal(ctx context.Context, req *connect.Request[orderv1.ListOrdersInternalRequest]) (*connect.Response[orderv1.ListOrdersInternalResponse], error) {
	f := listFilter{
		UserID: req.Msg.GetUserId(), SeckillEventID: req.Msg.GetSeckillEventId(), Kind: req.Msg.GetKind(),
		Statuses: req.Msg.GetStatuses(), PageToken: req.Msg.GetPageToken(),
		PageSize: pageSize(req.Msg.GetPageSize(), defaultInternalPageSize),
	}
	if req.Msg.GetPaymentDeadlineBefore() != nil {
		f.DeadlineBefore = req.Msg.GetPaymentDeadlineBefore().AsTime()
	}
	if req.Msg.GetPaymentDeadlineAfter() != nil {
		f.DeadlineAfter = req.Msg.GetPaymentDeadlineAfter().AsTime()
	}
	orders, next, err := h.svc.ListOrders(ctx, f)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orderv1.ListOrdersInternalResponse{Orders: orders, NextPageToken: next}), nil
}

func pageSize(requested int32, fallback int) int {
	if requested <= 0 {
		return fallback
	}
	return int(requested)
}

func (h *Handler) CreateFlashSaleOrders(ctx context.Context, req *connect.Request[orderv1.CreateFlashSaleOrdersRequest]) (*connect.Response[orderv1.CreateFlashSaleOrdersResponse], error) {
	results, err := h.svc.CreateFlashSaleOrders(ctx, req.Msg.GetOrders())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orderv1.CreateFlashSaleOrdersResponse{Results: results}), nil
}
