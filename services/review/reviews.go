package review

import (
	"context"
	"slices"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/uptrace/bun"

	orderv1 "mall/gen/mall/order/v1"
	reviewv1 "mall/gen/mall/review/v1"
	"mall/services/platform/auth"
	"mall/services/platform/db"
)

// CreateReview stores a review of a product of one of the caller's orders.
//
// Allowed only when the order is the caller's, has a line of the product
// and is DELIVERED or COMPLETED. A missing order, another user's order and
// an order without the product all answer the same permission_denied
// (NOT_A_BUYER): nothing tells a caller that someone else's order exists.
// A second review of the same (order, product) answers already_exists; the
// unique key decides, so concurrent attempts store exactly one. The author
// is the caller's masked nickname, fixed at write time. Its pictures are
// the caller's unused uploads, taken in the same transaction
// (attachImages): the review and its pictures are stored together or not
// at all, and a picture goes to one review only.
func (s *Service) CreateReview(ctx context.Context, req *connect.Request[reviewv1.CreateReviewRequest]) (*connect.Response[reviewv1.CreateReviewResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	in := req.Msg
	order, err := s.order(ctx, in.GetOrderId())
	if err != nil {
		return nil, err
	}
	if order == nil || order.GetUserId() != userID || !hasProduct(order, in.GetProductId()) {
		return nil, errNotABuyer()
	}
	if !reviewable(order.GetStatus()) {
		return nil, errOrderNotDelivered()
	}
	author, err := s.authorName(ctx, userID)
	if err != nil {
		return nil, err
	}
	row := &reviewRow{
		ID:         uuid.NewString(),
		ProductID:  in.GetProductId(),
		UserID:     userID,
		OrderID:    in.GetOrderId(),
		AuthorName: author,
		Rating:     in.GetRating(),
		Body:       in.GetText(),
		HasImages:  len(in.GetImageIds()) > 0,
		// Stored as DATETIME(6): keep exactly what the database keeps, so
		// the answer and later cursors agree with the stored value.
		CreatedAt: s.now().UTC().Truncate(time.Microsecond),
	}
	err = db.InTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		// The review first: a second review of the line fails here, before
		// it could take the pictures.
		row.ImageURLs = []string{} // the column is a JSON array, never null
		if err := insertReview(ctx, tx, row); err != nil {
			return err
		}
		urls, err := attachImages(ctx, tx, userID, row.ID, in.GetImageIds())
		if err != nil {
			return err
		}
		if len(urls) > 0 {
			row.ImageURLs = urls
			return updateReviewImages(ctx, tx, row)
		}
		return nil
	})
	if db.IsDuplicate(err) {
		return nil, errAlreadyReviewed()
	}
	if err != nil {
		return nil, err
	}
	s.afterCommit(ctx, in.GetProductId())
	return connect.NewResponse(&reviewv1.CreateReviewResponse{Review: row.proto(true)}), nil
}

func hasProduct(order *orderv1.Order, productID string) bool {
	return slices.ContainsFunc(order.GetLines(), func(l *orderv1.OrderLine) bool { return l.GetProductId() == productID })
}

func reviewable(status orderv1.OrderStatus) bool {
	return status == orderv1.OrderStatus_ORDER_STATUS_DELIVERED || status == orderv1.OrderStatus_ORDER_STATUS_COMPLETED
}

// GetReviewStatus returns the reviewed lines of the caller's orders among
// the requested ones. Ids of other users' orders (or unknown ones)
// contribute nothing.
func (s *Service) GetReviewStatus(ctx context.Context, req *connect.Request[reviewv1.GetReviewStatusRequest]) (*connect.Response[reviewv1.GetReviewStatusResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := queryReviewedLines(ctx, s.db, userID, req.Msg.GetOrderIds())
	if err != nil {
		return nil, err
	}
	lines := make([]*reviewv1.ReviewedLine, len(rows))
	for i, r := range rows {
		lines[i] = &reviewv1.ReviewedLine{OrderId: r.OrderID, ProductId: r.ProductID, ReviewId: r.ID}
	}
	return connect.NewResponse(&reviewv1.GetReviewStatusResponse{Reviewed: lines}), nil
}
