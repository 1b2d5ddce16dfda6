package review

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	reviewv1 "mall/gen/mall/review/v1"
)

// This file holds the review database's queries.

// insertReview writes a review. The unique key (order_id, product_id) is
// what makes a second review of an order line fail, also when two arrive
// at once: the caller maps the duplicate-key error.
func insertReview(ctx context.Context, idb bun.IDB, row *reviewRow) error {
	_, err := idb.NewInsert().Model(row).Exec(ctx)
	return err
}

// cursor is the position after which a page starts: the sort key of the
// last review of the previous page. (created_at, id) is unique, so the
// keyset never repeats or skips a review, whatever is added meanwhile.
type cursor struct {
	Rating    int32
	CreatedAt time.Time
	ID        string
}

// queryPage reads up to limit reviews of a product in the filter's order,
// strictly after the cursor when given. Each order has its own index
// ending with the keyset columns (see the migrations).
func queryPage(ctx context.Context, idb bun.IDB, productID string, filter reviewv1.ReviewFilter, after *cursor, limit int) ([]reviewRow, error) {
	var rows []reviewRow
	q := idb.NewSelect().Model(&rows).Where("product_id = ?", productID).Limit(limit)
	switch filter {
	case reviewv1.ReviewFilter_REVIEW_FILTER_HIGHEST:
		if after != nil {
			q = q.Where("(rating < ? OR (rating = ? AND (created_at < ? OR (created_at = ? AND id < ?))))",
				after.Rating, after.Rating, after.CreatedAt, after.CreatedAt, after.ID)
		}
		q = q.OrderExpr("rating DESC, created_at DESC, id DESC")
	default: // NEWEST, WITH_IMAGES
		if filter == reviewv1.ReviewFilter_REVIEW_FILTER_WITH_IMAGES {
			q = q.Where("has_images = TRUE")
		}
		if after != nil {
			q = q.Where("(created_at < ? OR (created_at = ? AND id < ?))", after.CreatedAt, after.CreatedAt, after.ID)
		}
		q = q.OrderExpr("created_at DESC, id DESC")
	}
	err := q.Scan(ctx)
	return rows, err
}

// queryRatingCounts counts a product's reviews per rating, and those with
// images among them.
func queryRatingCounts(ctx context.Context, idb bun.IDB, productID string) ([]ratingCount, error) {
	var counts []ratingCount
	err := idb.NewSelect().Model((*reviewRow)(nil)).
		ColumnExpr("rating, COUNT(*) AS n, CAST(COALESCE(SUM(has_images), 0) AS SIGNED) AS with_images").
		Where("product_id = ?", productID).
		GroupExpr("rating").
		Scan(ctx, &counts)
	return counts, err
}

// queryReviewedLines returns the reviews the user wrote for the given
// orders. Only an order's owner can review it, so filtering on the user
// leaves out other users' orders entirely.
func queryReviewedLines(ctx context.Context, idb bun.IDB, userID string, orderIDs []string) ([]reviewRow, error) {
	var rows []reviewRow
	err := idb.NewSelect().Model(&rows).Column("id", "order_id", "product_id").
		Where("user_id = ? AND order_id IN (?)", userID, bun.List(orderIDs)).
		OrderExpr("order_id, product_id").
		Scan(ctx)
	return rows, err
}
