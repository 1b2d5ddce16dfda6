package product

import (
	"context"

	"github.com/uptrace/bun"
)

// The search benchmark's catalog (seed_bench.go).

// insertProducts inserts rows in one multi-row statement; nothing is read
// back (no RETURNING), so a batch costs one round trip.
func insertProducts(ctx context.Context, db bun.IDB, rows []productRow) error {
	_, err := db.NewInsert().Model(&rows).Returning("NULL").Exec(ctx)
	return err
}

// deleteProductsWithIDPrefix deletes the products whose ids start with
// prefix, in statements of 10 000 rows (one statement for 100 000 would
// hold its locks and undo log for the whole of it), and then the changes
// the deletions queued.
func deleteProductsWithIDPrefix(ctx context.Context, db bun.IDB, prefix string) error {
	for {
		n, err := affected(db.NewRaw("DELETE FROM products WHERE id LIKE ? LIMIT 10000", escapeLike(prefix)+"%").Exec(ctx))
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
	}
	_, err := db.NewDelete().Model((*catalogChangeRow)(nil)).Where("product_id LIKE ?", escapeLike(prefix)+"%").Exec(ctx)
	return err
}
