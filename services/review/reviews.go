package review

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	orderv1 "mall/gen/mall/order/v1"
	reviewv1 "mall/gen/mall/review/v1"
	"mall/services/platform/db"
)

// reviewInput is what a buyer writes (validated by the contract).
type reviewInput struct {
	OrderID   string
	ProductID string
	Rating    int32
	Text      string
	ImageURLs []string
}

// CreateReview stores a review of a product of one of userID's orders.
//
// Allowed only when the order is the caller's, has a line of the product
// and is DELIVERED or COMPLETED. A missing order, another user's order and
// an order without the product all answer the same permission_denied
// (NOT_A_BUYER): nothing tells a caller that someone else's order exists.
// A second review of the same (order, product) answers already_exists; the
// unique key decides, so concurrent attempts store exactly one. The author
// is the caller's masked nickname, fixed at write time.
func (s *Service) CreateReview(ctx context.Context, userID string, in reviewInput) (*reviewv1.Review, error) {
	order, err := s.order(ctx, in.OrderID)
	if err != nil {
		return nil, err
	}
	if order == nil || order.GetUserId() != userID || !hasProduct(order, in.ProductID) {
		return nil, errNotABuyer()
	}
	if !reviewable(order.GetStatus()) {
		return nil, errOrderNotDelivered()
	}
	author, err := s.authorName(ctx, userID)
	if err != nil {
		return nil, err
	}
	images := in.ImageURLs
	if images == nil {
		images = []string{} // the column is a JSON array, never null
	}
	row := &reviewRow{
		ID:         uuid.NewString(),
		ProductID:  in.ProductID,
		UserID:     userID,
		OrderID:    in.OrderID,
		AuthorName: author,
		Rating:     in.Rating,
		Body:       in.Text,
		ImageURLs:  images,
		HasImages:  len(images) > 0,
		// Stored as DATETIME(6): keep exactly what the database keeps, so
		// the answer and later cursors agree with the stored value.
		CreatedAt: s.now().UTC().Truncate(time.Microsecond),
	}
	err = db.InTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		return insertReview(ctx, tx, row)
	})
	if db.IsDuplicate(err) {
		return nil, errAlreadyReviewed()
	}
	if err != nil {
		return nil, err
	}
	s.afterCommit(ctx, in.ProductID)
	return row.proto(true), nil
}

func hasProduct(order *orderv1.Order, productID string) bool {
	return slices.ContainsFunc(order.GetLines(), func(l *orderv1.OrderLine) bool { return l.GetProductId() == productID })
}

func reviewable(status orderv1.OrderStatus) bool {
	return status == orderv1.OrderStatus_ORDER_STATUS_DELIVERED || status == orderv1.OrderStatus_ORDER_STATUS_COMPLETED
}

// GetReviewStatus returns the reviewed lines of userID's orders among
// orderIDs. Ids of other users' orders (or unknown ones) contribute nothing.
func (s *Service) GetReviewStatus(ctx context.Context, userID string, orderIDs []string) ([]*reviewv1.ReviewedLine, error) {
	rows, err := queryReviewedLines(ctx, s.db, userID, orderIDs)
	if err != nil {
		return nil, err
	}
	lines := make([]*reviewv1.ReviewedLine, len(rows))
	for i, r := range rows {
		lines[i] = &reviewv1.ReviewedLine{OrderId: r.OrderID, ProductId: r.ProductID, ReviewId: r.ID}
	}
	return lines, nil
}
