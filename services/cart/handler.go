// Package cart is the cart domain: one line per (user, product) in the
// cart's own MySQL database, hydrated with current product data from the
// product service. Handler (this file) is thin; the logic is in Service, the
// SQL in store.go.
package cart

import (
	"context"

	"connectrpc.com/connect"

	cartv1 "mall/gen/mall/cart/v1"
	"mall/gen/mall/cart/v1/cartv1connect"
	"mall/services/platform/auth"
	"mall/services/platform/rpcerr"
)

// Handler serves CartService. User RPCs take the caller's id only from the
// verified token (auth.UserID); the internal RPCs, which the checkout saga
// calls on behalf of a user with a service credential, take it from the
// request.
type Handler struct {
	cartv1connect.UnimplementedCartServiceHandler
	svc *Service
}

// NewHandler returns the CartService handler over svc.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

var _ cartv1connect.CartServiceHandler = (*Handler)(nil)

func (h *Handler) AddItem(ctx context.Context, req *connect.Request[cartv1.AddItemRequest]) (*connect.Response[cartv1.AddItemResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	line, err := h.svc.AddItem(ctx, userID, req.Msg.GetProductId(), req.Msg.GetQuantity())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&cartv1.AddItemResponse{Line: line}), nil
}

func (h *Handler) UpdateItem(ctx context.Context, req *connect.Request[cartv1.UpdateItemRequest]) (*connect.Response[cartv1.UpdateItemResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	line, err := h.svc.UpdateItem(ctx, userID, req.Msg.GetProductId(), req.Msg.GetQuantity())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&cartv1.UpdateItemResponse{Line: line}), nil
}

func (h *Handler) RemoveItems(ctx context.Context, req *connect.Request[cartv1.RemoveItemsRequest]) (*connect.Response[cartv1.RemoveItemsResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	n, err := h.svc.RemoveItems(ctx, userID, req.Msg.GetProductIds())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&cartv1.RemoveItemsResponse{RemovedCount: n}), nil
}

func (h *Handler) SelectItems(ctx context.Context, req *connect.Request[cartv1.SelectItemsRequest]) (*connect.Response[cartv1.SelectItemsResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	if err := h.svc.SelectItems(ctx, userID, req.Msg.GetProductIds(), req.Msg.GetSelected()); err != nil {
		return nil, err
	}
	return connect.NewResponse(&cartv1.SelectItemsResponse{}), nil
}

func (h *Handler) ListCart(ctx context.Context, _ *connect.Request[cartv1.ListCartRequest]) (*connect.Response[cartv1.ListCartResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	res, err := h.svc.ListCart(ctx, userID)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(res), nil
}

func (h *Handler) GetItemsInternal(ctx context.Context, req *connect.Request[cartv1.GetItemsInternalRequest]) (*connect.Response[cartv1.GetItemsInternalResponse], error) {
	if err := requireService(ctx); err != nil {
		return nil, err
	}
	items, missing, err := h.svc.GetItemsInternal(ctx, req.Msg.GetUserId(), req.Msg.GetProductIds())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&cartv1.GetItemsInternalResponse{Items: items, MissingProductIds: missing}), nil
}

func (h *Handler) RemoveCheckedOutItems(ctx context.Context, req *connect.Request[cartv1.RemoveCheckedOutItemsRequest]) (*connect.Response[cartv1.RemoveCheckedOutItemsResponse], error) {
	if err := requireService(ctx); err != nil {
		return nil, err
	}
	n, err := h.svc.RemoveCheckedOutItems(ctx, req.Msg.GetUserId(), req.Msg.GetProductIds())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&cartv1.RemoveCheckedOutItemsResponse{RemovedCount: n}), nil
}

// requireService repeats, next to the code that trusts a request's user_id,
// what the authn middleware already enforces from the contract: only a
// service credential may act on behalf of a user.
func requireService(ctx context.Context) error {
	if identity, ok := auth.FromContext(ctx); ok && identity.Has(auth.RoleService) {
		return nil
	}
	return rpcerr.New(connect.CodePermissionDenied, ReasonServiceOnly, "only a service credential may call this procedure")
}
