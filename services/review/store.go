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

// lockUploader takes the uploader's lock for the rest of tx (the upsert
// holds the row's exclusive lock until commit), so one user's uploads take
// turns at the quota.
func lockUploader(ctx context.Context, tx bun.Tx, userID string, at time.Time) error {
	_, err := tx.ExecContext(ctx,
		"INSERT INTO image_uploaders (user_id, updated_at) VALUES (?, ?) ON DUPLICATE KEY UPDATE updated_at = ?", userID, at, at)
	return err
}

// deleteExpiredImages deletes a user's unused pictures uploaded before
// cutoff.
func deleteExpiredImages(ctx context.Context, idb bun.IDB, userID string, cutoff time.Time) error {
	_, err := idb.NewDelete().Model((*imageRow)(nil)).
		Where("user_id = ?", userID).Where("review_id IS NULL").Where("created_at < ?", cutoff).Exec(ctx)
	return err
}

// sweepExpiredImages deletes up to limit unused pictures of anyone
// uploaded before cutoff, oldest first.
func sweepExpiredImages(ctx context.Context, idb bun.IDB, cutoff time.Time, limit int) error {
	_, err := idb.NewDelete().Model((*imageRow)(nil)).
		Where("review_id IS NULL").Where("created_at < ?", cutoff).OrderExpr("created_at").Limit(limit).Exec(ctx)
	return err
}

// selectUnusedImage returns the user's unused picture of these bytes (by
// sha256) uploaded since cutoff, without its bytes, or nil.
func selectUnusedImage(ctx context.Context, idb bun.IDB, userID string, sum []byte, cutoff time.Time) (*imageRow, error) {
	var rows []imageRow
	err := idb.NewSelect().Model(&rows).ExcludeColumn("data").
		Where("user_id = ?", userID).Where("review_id IS NULL").Where("created_at >= ?", cutoff).Where("sha256 = ?", sum).
		Limit(1).Scan(ctx)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return &rows[0], nil
}

// countUnusedImages counts the pictures of a user no review uses, uploaded
// since cutoff.
func countUnusedImages(ctx context.Context, idb bun.IDB, userID string, cutoff time.Time) (int, error) {
	return idb.NewSelect().Model((*imageRow)(nil)).Where("user_id = ?", userID).Where("review_id IS NULL").
		Where("created_at >= ?", cutoff).Count(ctx)
}

func insertImage(ctx context.Context, idb bun.IDB, row *imageRow) error {
	_, err := idb.NewInsert().Model(row).Exec(ctx)
	return err
}

// useImages makes those of ids that are the user's and unused the
// review's, and returns how many they were. The rows stay locked until
// the transaction ends, so a picture is used by one review only.
func useImages(ctx context.Context, tx bun.Tx, userID, reviewID string, ids []string) (int, error) {
	res, err := tx.NewUpdate().Model((*imageRow)(nil)).Set("review_id = ?", reviewID).
		Where("id IN (?)", bun.List(ids)).Where("user_id = ?", userID).Where("review_id IS NULL").Exec(ctx)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// countOwnImages counts those of ids that are the user's pictures.
func countOwnImages(ctx context.Context, idb bun.IDB, userID string, ids []string) (int, error) {
	return idb.NewSelect().Model((*imageRow)(nil)).Where("id IN (?)", bun.List(ids)).Where("user_id = ?", userID).Count(ctx)
}

// selectImage reads the picture to serve, or nil.
func selectImage(ctx context.Context, idb bun.IDB, id string) (*imageRow, error) {
	var rows []imageRow
	err := idb.NewSelect().Model(&rows).Column("id", "content_type", "sha256", "data").Where("id = ?", id).Scan(ctx)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return &rows[0], nil
}

// updateReviewImages writes a review's picture addresses.
func updateReviewImages(ctx context.Context, idb bun.IDB, row *reviewRow) error {
	_, err := idb.NewUpdate().Model(row).Column("image_urls").WherePK().Exec(ctx)
	return err
}
