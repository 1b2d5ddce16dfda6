// Package product is the catalog domain: categories, products, stock
// reservations, banners, rankings and recommendations, with the cache layer
// in front of its database. Handler (this file) is thin; the logic is in
// Service, the SQL in store.go.
package product

import (
	"context"

	"connectrpc.com/connect"

	productv1 "mall/gen/mall/product/v1"
	"mall/gen/mall/product/v1/productv1connect"
)

// Handler serves ProductService.
type Handler struct {
	productv1connect.UnimplementedProductServiceHandler
	svc *Service
}

// NewHandler returns the ProductService handler over svc.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

var _ productv1connect.ProductServiceHandler = (*Handler)(nil)

func (h *Handler) ListCategories(ctx context.Context, _ *connect.Request[productv1.ListCategoriesRequest]) (*connect.Response[productv1.ListCategoriesResponse], error) {
	categories, err := h.svc.ListCategories(ctx)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&productv1.ListCategoriesResponse{Categories: categories}), nil
}

func (h *Handler) ListProducts(ctx context.Context, req *connect.Request[productv1.ListProductsRequest]) (*connect.Response[productv1.ListProductsResponse], error) {
	res, err := h.svc.ListProducts(ctx, req.Msg)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(res), nil
}

func (h *Handler) GetProduct(ctx context.Context, req *connect.Request[productv1.GetProductRequest]) (*connect.Response[productv1.GetProductResponse], error) {
	p, err := h.svc.GetProduct(ctx, req.Msg.GetProductId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&productv1.GetProductResponse{Product: p}), nil
}

func (h *Handler) BatchGetProducts(ctx context.Context, req *connect.Request[productv1.BatchGetProductsRequest]) (*connect.Response[productv1.BatchGetProductsResponse], error) {
	products, missing, err := h.svc.BatchGetProducts(ctx, req.Msg.GetProductIds())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&productv1.BatchGetProductsResponse{Products: products, MissingIds: missing}), nil
}

func (h *Handler) SearchProducts(ctx context.Context, req *connect.Request[productv1.SearchProductsRequest]) (*connect.Response[productv1.SearchProductsResponse], error) {
	res, err := h.svc.SearchProducts(ctx, req.Msg)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(res), nil
}

func (h *Handler) ListBanners(ctx context.Context, _ *connect.Request[productv1.ListBannersRequest]) (*connect.Response[productv1.ListBannersResponse], error) {
	banners, err := h.svc.ListBanners(ctx)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&productv1.ListBannersResponse{Banners: banners}), nil
}

func (h *Handler) GetRanking(ctx context.Context, req *connect.Request[productv1.GetRankingRequest]) (*connect.Response[productv1.GetRankingResponse], error) {
	entries, err := h.svc.GetRanking(ctx, req.Msg.GetCategoryId(), int(req.Msg.GetLimit()))
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&productv1.GetRankingResponse{Entries: entries}), nil
}

func (h *Handler) GetRecommendations(ctx context.Context, req *connect.Request[productv1.GetRecommendationsRequest]) (*connect.Response[productv1.GetRecommendationsResponse], error) {
	products, err := h.svc.GetRecommendations(ctx, req.Msg.GetCategoryIds(), req.Msg.GetExcludeProductIds(), int(req.Msg.GetLimit()))
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&productv1.GetRecommendationsResponse{Products: products}), nil
}

func (h *Handler) ReserveStock(ctx context.Context, req *connect.Request[productv1.ReserveStockRequest]) (*connect.Response[productv1.ReserveStockResponse], error) {
	r, err := h.svc.ReserveStock(ctx, req.Msg.GetReservationId(), req.Msg.GetLines())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&productv1.ReserveStockResponse{Reservation: r}), nil
}

func (h *Handler) ConfirmReservation(ctx context.Context, req *connect.Request[productv1.ConfirmReservationRequest]) (*connect.Response[productv1.ConfirmReservationResponse], error) {
	r, err := h.svc.ConfirmReservation(ctx, req.Msg.GetReservationId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&productv1.ConfirmReservationResponse{Reservation: r}), nil
}

func (h *Handler) ReleaseReservation(ctx context.Context, req *connect.Request[productv1.ReleaseReservationRequest]) (*connect.Response[productv1.ReleaseReservationResponse], error) {
	r, err := h.svc.ReleaseReservation(ctx, req.Msg.GetReservationId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&productv1.ReleaseReservationResponse{Reservation: r}), nil
}

func (h *Handler) AllocateStock(ctx context.Context, req *connect.Request[productv1.AllocateStockRequest]) (*connect.Response[productv1.AllocateStockResponse], error) {
	a, err := h.svc.AllocateStock(ctx, req.Msg.GetAllocationId(), req.Msg.GetProductId(), req.Msg.GetQuantity())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&productv1.AllocateStockResponse{Allocation: a}), nil
}

func (h *Handler) ConfirmAllocatedStock(ctx context.Context, req *connect.Request[productv1.ConfirmAllocatedStockRequest]) (*connect.Response[productv1.ConfirmAllocatedStockResponse], error) {
	r, err := h.svc.ConfirmAllocatedStock(ctx, req.Msg.GetAllocationId(), req.Msg.GetOrderId(), req.Msg.GetQuantity())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&productv1.ConfirmAllocatedStockResponse{Reservation: r}), nil
}

func (h *Handler) ReleaseAllocatedStock(ctx context.Context, req *connect.Request[productv1.ReleaseAllocatedStockRequest]) (*connect.Response[productv1.ReleaseAllocatedStockResponse], error) {
	r, err := h.svc.ReleaseAllocatedStock(ctx, req.Msg.GetAllocationId(), req.Msg.GetOrderId(), req.Msg.GetQuantity())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&productv1.ReleaseAllocatedStockResponse{Reservation: r}), nil
}

func (h *Handler) ReturnAllocation(ctx context.Context, req *connect.Request[productv1.ReturnAllocationRequest]) (*connect.Response[productv1.ReturnAllocationResponse], error) {
	a, err := h.svc.ReturnAllocation(ctx, req.Msg.GetAllocationId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&productv1.ReturnAllocationResponse{Allocation: a}), nil
}

func (h *Handler) CreateCategory(ctx context.Context, req *connect.Request[productv1.CreateCategoryRequest]) (*connect.Response[productv1.CreateCategoryResponse], error) {
	c, err := h.svc.CreateCategory(ctx, req.Msg)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&productv1.CreateCategoryResponse{Category: c}), nil
}

func (h *Handler) CreateProduct(ctx context.Context, req *connect.Request[productv1.CreateProductRequest]) (*connect.Response[productv1.CreateProductResponse], error) {
	p, err := h.svc.CreateProduct(ctx, req.Msg.GetProduct(), req.Msg.GetInitialStock())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&productv1.CreateProductResponse{Product: p}), nil
}

func (h *Handler) UpdateProduct(ctx context.Context, req *connect.Request[productv1.UpdateProductRequest]) (*connect.Response[productv1.UpdateProductResponse], error) {
	p, err := h.svc.UpdateProduct(ctx, req.Msg.GetProductId(), req.Msg.GetProduct())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&productv1.UpdateProductResponse{Product: p}), nil
}

func (h *Handler) SetStock(ctx context.Context, req *connect.Request[productv1.SetStockRequest]) (*connect.Response[productv1.SetStockResponse], error) {
	p, err := h.svc.SetStock(ctx, req.Msg.GetProductId(), req.Msg.GetStock())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&productv1.SetStockResponse{Product: p}), nil
}

func (h *Handler) CreateBanner(ctx context.Context, req *connect.Request[productv1.CreateBannerRequest]) (*connect.Response[productv1.CreateBannerResponse], error) {
	b, err := h.svc.CreateBanner(ctx, req.Msg.GetBanner())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&productv1.CreateBannerResponse{Banner: b}), nil
}

func (h *Handler) UpdateBanner(ctx context.Context, req *connect.Request[productv1.UpdateBannerRequest]) (*connect.Response[productv1.UpdateBannerResponse], error) {
	b, err := h.svc.UpdateBanner(ctx, req.Msg.GetBannerId(), req.Msg.GetBanner())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&productv1.UpdateBannerResponse{Banner: b}), nil
}

func (h *Handler) DeleteBanner(ctx context.Context, req *connect.Request[productv1.DeleteBannerRequest]) (*connect.Response[productv1.DeleteBannerResponse], error) {
	if err := h.svc.DeleteBanner(ctx, req.Msg.GetBannerId()); err != nil {
		return nil, err
	}
	return connect.NewResponse(&productv1.DeleteBannerResponse{}), nil
}
