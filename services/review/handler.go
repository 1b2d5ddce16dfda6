// Package review is the review domain: buyers review the products of their
// delivered orders, once per order line; anyone lists a product's reviews
// and reads its cached summary. Handler (this file) is thin; the logic is
// in Service, the SQL in store.go.
package review

import (
	"context"

	"connectrpc.com/connect"

	reviewv1 "mall/gen/mall/review/v1"
	"mall/gen/mall/review/v1/reviewv1connect"
	"mall/services/platform/auth"
)

// Handler serves ReviewService. User RPCs take the caller's id only from
// the verified token (auth.UserID); requests carry no user id.
type Handler struct {
	reviewv1connect.UnimplementedReviewServiceHandler
	svc *Service
}

// NewHandler returns the ReviewService handler over svc.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

var _ reviewv1connect.ReviewServiceHandler = (*Handler)(nil)

func (h *Handler) CreateReview(ctx context.Context, req *connect.Request[reviewv1.CreateReviewRequest]) (*connect.Response[reviewv1.CreateReviewResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	review, err := h.svc.CreateReview(ctx, userID, reviewInput{
		OrderID: req.Msg.GetOrderId(), ProductID: req.Msg.GetProductId(), Rating: req.Msg.GetRating(),
		Text: req.Msg.GetText(), ImageURLs: req.Msg.GetImageUrls(),
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&reviewv1.CreateReviewResponse{Review: review}), nil
}

func (h *Handler) ListReviews(ctx context.Context, req *connect.Request[reviewv1.ListReviewsRequest]) (*connect.Response[reviewv1.ListReviewsResponse], error) {
	res, err := h.svc.ListReviews(ctx, req.Msg)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(res), nil
}

func (h *Handler) GetReviewSummary(ctx context.Context, req *connect.Request[reviewv1.GetReviewSummaryRequest]) (*connect.Response[reviewv1.GetReviewSummaryResponse], error) {
	summary, err := h.svc.GetReviewSummary(ctx, req.Msg.GetProductId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&reviewv1.GetReviewSummaryResponse{Summary: summary}), nil
}

func (h *Handler) GetReviewStatus(ctx context.Context, req *connect.Request[reviewv1.GetReviewStatusRequest]) (*connect.Response[reviewv1.GetReviewStatusResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	lines, err := h.svc.GetReviewStatus(ctx, userID, req.Msg.GetOrderIds())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&reviewv1.GetReviewStatusResponse{Reviewed: lines}), nil
}
