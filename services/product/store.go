package product

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// This file and store_stock.go hold the product database's statements; the
// logic files decide when to use them, inside which transaction, and how to
// cache what they return.

// affected is how many rows a write changed; a driver that cannot tell
// counts as none, so the caller checks what is there.
func affected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// insertRow writes one new row of the product database.
func insertRow[Row categoryRow | productRow | bannerRow | reservationRow | allocationRow | stockAdjustmentRow | productImageRow](ctx context.Context, db bun.IDB, row *Row) error {
	_, err := db.NewInsert().Model(row).Exec(ctx)
	return err
}

// selectProduct reads the product whose id is id exactly: the column's
// collation also matches other spellings (case, width, trailing spaces),
// and each would become a cache entry under a key of the caller's choosing.
func selectProduct(ctx context.Context, db bun.IDB, id string) (*productRow, error) {
	row := &productRow{}
	err := db.NewSelect().Model(row).Where("id = ?", id).Scan(ctx)
	if err == nil && row.ID != id {
		return nil, sql.ErrNoRows
	}
	return row, err
}

func selectProducts(ctx context.Context, db bun.IDB, ids []string) ([]productRow, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []productRow
	err := db.NewSelect().Model(&rows).Where("id IN (?)", bun.List(ids)).Scan(ctx)
	return rows, err
}

// selectCategories returns every category, siblings by sort order.
func selectCategories(ctx context.Context, db bun.IDB) ([]categoryRow, error) {
	var rows []categoryRow
	err := db.NewSelect().Model(&rows).Order("sort_order", "id").Scan(ctx)
	return rows, err
}

func categoryExists(ctx context.Context, db bun.IDB, id string) (bool, error) {
	return db.NewSelect().Model((*categoryRow)(nil)).Where("id = ?", id).Exists(ctx)
}

// listingKey is a product's position in one sort order: (value, seq), where
// seq breaks ties and makes the key unique.
type listingKey struct {
	Value int64 `json:"v"`
	Seq   int64 `json:"q"`
}

// selectListing reads one page of on-sale products of categories (all when
// empty) in sort order, strictly after the cursor when given.
func selectListing(ctx context.Context, db bun.IDB, categories []string, sort listingSort, after *listingKey, limit int) ([]productRow, error) {
	var rows []productRow
	q := db.NewSelect().Model(&rows).Where("status = ?", statusOnSale).Limit(limit)
	if len(categories) > 0 {
		q = q.Where("category_id IN (?)", bun.List(categories))
	}
	column := sort.column()
	direction := "ASC"
	comparison := ">"
	if sort.descending() {
		direction, comparison = "DESC", "<"
	}
	if after != nil {
		if column == "seq" {
			q = q.Where("seq "+comparison+" ?", after.Seq)
		} else {
			q = q.Where("("+column+", seq) "+comparison+" (?, ?)", after.Value, after.Seq)
		}
	}
	if column != "seq" {
		q = q.OrderExpr(column + " " + direction)
	}
	q = q.OrderExpr("seq " + direction)
	return rows, q.Scan(ctx)
}

// listingMember is what the listing sorted sets are built from.
type listingMember struct {
	ID         string `bun:"id"`
	Seq        int64  `bun:"seq"`
	PriceCents int64  `bun:"price_cents"`
	SalesCount int64  `bun:"sales_count"`
}

func selectListingMembers(ctx context.Context, db bun.IDB, categories []string) ([]listingMember, error) {
	var members []listingMember
	q := db.NewSelect().Table("products").Column("id", "seq", "price_cents", "sales_count").Where("status = ?", statusOnSale)
	if len(categories) > 0 {
		q = q.Where("category_id IN (?)", bun.List(categories))
	}
	return members, q.Scan(ctx, &members)
}

func likePattern(term string) string { return "%" + escapeLike(term) + "%" }

func escapeLike(term string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(term)
}

// selectAllSalesCounts reads every product's id, category and sales count
// (what the rankings are seeded from).
func selectAllSalesCounts(ctx context.Context, db bun.IDB) ([]productRow, error) {
	var rows []productRow
	err := db.NewSelect().Model(&rows).Column("id", "category_id", "sales_count").Scan(ctx)
	return rows, err
}

// selectSalesCounts reads the id, category and sales count of ids.
func selectSalesCounts(ctx context.Context, db bun.IDB, ids []string) ([]productRow, error) {
	var rows []productRow
	err := db.NewSelect().Model(&rows).Column("id", "category_id", "sales_count").Where("id IN (?)", bun.List(ids)).Scan(ctx)
	return rows, err
}

// updateProductSpec writes a product's editable fields (row.ID names it);
// stock is untouched. It returns how many rows changed.
func updateProductSpec(ctx context.Context, db bun.IDB, row *productRow) (int64, error) {
	return affected(db.NewUpdate().Model(row).
		Column("category_id", "title", "subtitle", "description", "image_urls", "price_cents", "status", "updated_at").
		Where("id = ?", row.ID).Exec(ctx))
}

// updateAvailableStock sets a product's available stock; it returns how
// many rows changed.
func updateAvailableStock(ctx context.Context, db bun.IDB, id string, stock int64, at time.Time) (int64, error) {
	return affected(db.NewUpdate().Table("products").Set("stock = ?", stock).Set("updated_at = ?", at).
		Where("id = ?", id).Exec(ctx))
}

func selectLiveBanners(ctx context.Context, db bun.IDB, now time.Time) ([]bannerRow, error) {
	var rows []bannerRow
	err := db.NewSelect().Model(&rows).Where("ends_at > ?", now).Order("sort_order", "id").Scan(ctx)
	return rows, err
}

func lockBanner(ctx context.Context, tx bun.Tx, id string) (*bannerRow, error) {
	row := &bannerRow{}
	return row, tx.NewSelect().Model(row).Where("id = ?", id).For("UPDATE").Scan(ctx)
}

func updateBanner(ctx context.Context, db bun.IDB, row *bannerRow) error {
	_, err := db.NewUpdate().Model(row).WherePK().Exec(ctx)
	return err
}

// deleteBanner removes a banner; it returns how many rows went.
func deleteBanner(ctx context.Context, db bun.IDB, id string) (int64, error) {
	return affected(db.NewDelete().Model((*bannerRow)(nil)).Where("id = ?", id).Exec(ctx))
}

// lockCategories reads every category FOR UPDATE: moves of categories are
// serialised, so two concurrent moves cannot close a cycle together.
func lockCategories(ctx context.Context, tx bun.Tx) ([]categoryRow, error) {
	var rows []categoryRow
	err := tx.NewSelect().Model(&rows).Order("id").For("UPDATE").Scan(ctx)
	return rows, err
}

func updateCategory(ctx context.Context, db bun.IDB, row *categoryRow) error {
	_, err := db.NewUpdate().Model(row).Column("parent_id", "name", "icon_url", "sort_order").WherePK().Exec(ctx)
	return err
}

// categoryCount is how many products a category holds directly.
type categoryCount struct {
	CategoryID string `bun:"category_id"`
	Products   int64  `bun:"products"`
	OnSale     int64  `bun:"on_sale"`
}

func countProductsByCategory(ctx context.Context, db bun.IDB) ([]categoryCount, error) {
	var counts []categoryCount
	err := db.NewSelect().Table("products").ColumnExpr("category_id").
		ColumnExpr("COUNT(*) AS products").ColumnExpr("COALESCE(SUM(status = ?), 0) AS on_sale", statusOnSale).
		Group("category_id").Scan(ctx, &counts)
	return counts, err
}

// productExists reports whether a product's id is id exactly (the
// column's collation also matches other spellings, which name no page of
// the storefront).
func productExists(ctx context.Context, db bun.IDB, id string) (bool, error) {
	var found []string
	err := db.NewSelect().Table("products").Column("id").Where("id = ?", id).Scan(ctx, &found)
	return slices.Contains(found, id), err
}

// adminFilter narrows the operator's product list.
type adminFilter struct {
	categories []string // with descendants; empty: all
	status     int32    // 0: both
	query      string   // title or subtitle contains it, or the id is it
}

// selectAdminProducts reads a page of products on sale or not, newest
// first, strictly before seq beforeSeq when it is above 0.
func selectAdminProducts(ctx context.Context, db bun.IDB, f adminFilter, beforeSeq int64, limit int) ([]productRow, error) {
	var rows []productRow
	q := db.NewSelect().Model(&rows).OrderExpr("seq DESC").Limit(limit)
	if len(f.categories) > 0 {
		q = q.Where("category_id IN (?)", bun.List(f.categories))
	}
	if f.status != 0 {
		q = q.Where("status = ?", f.status)
	}
	if f.query != "" {
		pattern := likePattern(f.query)
		q = q.Where("(title LIKE ? OR subtitle LIKE ? OR id = ?)", pattern, pattern, f.query)
	}
	if beforeSeq > 0 {
		q = q.Where("seq < ?", beforeSeq)
	}
	return rows, q.Scan(ctx)
}

func selectProductImage(ctx context.Context, db bun.IDB, id string) (*productImageRow, error) {
	row := &productImageRow{}
	err := db.NewSelect().Model(row).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return row, err
}

// selectProductImageBySum reads the picture with these bytes, without
// them; nil when there is none.
func selectProductImageBySum(ctx context.Context, db bun.IDB, sum []byte) (*productImageRow, error) {
	row := &productImageRow{}
	err := db.NewSelect().Model(row).ExcludeColumn("data").Where("sha256 = ?", sum).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return row, err
}

// selectBanners reads every banner, in carousel order.
func selectBanners(ctx context.Context, db bun.IDB) ([]bannerRow, error) {
	var rows []bannerRow
	err := db.NewSelect().Model(&rows).Order("sort_order", "id").Scan(ctx)
	return rows, err
}

// lockBanners reads every banner FOR UPDATE, in carousel order.
func lockBanners(ctx context.Context, tx bun.Tx) ([]bannerRow, error) {
	var rows []bannerRow
	err := tx.NewSelect().Model(&rows).Order("sort_order", "id").For("UPDATE").Scan(ctx)
	return rows, err
}

func updateBannerOrder(ctx context.Context, db bun.IDB, id string, sortOrder int32) error {
	_, err := db.NewUpdate().Table("banners").Set("sort_order = ?", sortOrder).Where("id = ?", id).Exec(ctx)
	return err
}

// The demo catalog's rows are inserted with INSERT IGNORE, so seeding
// twice changes nothing.

func insertCategoriesIgnore(ctx context.Context, db bun.IDB, rows []categoryRow) error {
	_, err := db.NewInsert().Model(&rows).Ignore().Exec(ctx)
	return err
}

// insertProductIgnore inserts one product: on MariaDB bun reads RETURNING
// rows back into a slice, which a multi-row INSERT IGNORE that skips
// existing rows would misalign.
func insertProductIgnore(ctx context.Context, db bun.IDB, row *productRow) error {
	_, err := db.NewInsert().Model(row).Ignore().Exec(ctx)
	return err
}

func insertBannersIgnore(ctx context.Context, db bun.IDB, rows []bannerRow) error {
	_, err := db.NewInsert().Model(&rows).Ignore().Exec(ctx)
	return err
}

// lockCatalogChanges takes up to limit queued catalog changes that no other
// relay holds.
func lockCatalogChanges(ctx context.Context, tx bun.Tx, limit int) ([]catalogChangeRow, error) {
	var rows []catalogChangeRow
	err := tx.NewSelect().Model(&rows).Limit(limit).For("UPDATE SKIP LOCKED").Scan(ctx)
	return rows, err
}

// deleteCatalogChanges unqueues the relayed changes; a change queued again
// meanwhile (a higher revision) stays queued.
func deleteCatalogChanges(ctx context.Context, db bun.IDB, relayed []catalogChangeRow) error {
	if len(relayed) == 0 {
		return nil
	}
	_, err := db.NewDelete().Model((*catalogChangeRow)(nil)).WhereGroup(" AND ", func(q *bun.DeleteQuery) *bun.DeleteQuery {
		for _, r := range relayed {
			q = q.WhereOr("(product_id = ? AND revision <= ?)", r.ProductID, r.Revision)
		}
		return q
	}).Exec(ctx)
	return err
}

// queueWholeCatalog queues every product for the relay.
func queueWholeCatalog(ctx context.Context, db bun.IDB) (int64, error) {
	return affected(db.NewRaw("INSERT INTO catalog_changes (product_id, revision) SELECT id, revision FROM products " +
		"ON DUPLICATE KEY UPDATE revision = VALUES(revision)").Exec(ctx))
}

// countCatalogChanges is how many changes wait for the relay.
func countCatalogChanges(ctx context.Context, db bun.IDB) (int, error) {
	return db.NewSelect().Model((*catalogChangeRow)(nil)).Count(ctx)
}
