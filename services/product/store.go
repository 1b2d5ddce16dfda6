package product

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/uptrace/bun"

	productv1 "mall/gen/mall/product/v1"
)

// This file holds the product database's queries; the logic files decide
// when to use them and how to cache what they return.

// queryProduct reads the product whose id is id exactly: the column's
// collation also matches other spellings (case, width, trailing spaces),
// and each would become a cache entry under a key of the caller's choosing.
func (s *Service) queryProduct(ctx context.Context, id string) (*productRow, error) {
	row := &productRow{}
	err := s.db.NewSelect().Model(row).Where("id = ?", id).Scan(ctx)
	if err == nil && row.ID != id {
		return nil, sql.ErrNoRows
	}
	return row, err
}

func (s *Service) queryProducts(ctx context.Context, ids []string) ([]productRow, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []productRow
	err := s.db.NewSelect().Model(&rows).Where("id IN (?)", bun.In(ids)).Scan(ctx)
	return rows, err
}

// queryCategoryTree returns categories parents first, siblings by sort order.
func (s *Service) queryCategoryTree(ctx context.Context) ([]*productv1.Category, error) {
	var rows []categoryRow
	if err := s.db.NewSelect().Model(&rows).Order("sort_order", "id").Scan(ctx); err != nil {
		return nil, err
	}
	byParent := map[string][]categoryRow{}
	for _, r := range rows {
		byParent[r.ParentID] = append(byParent[r.ParentID], r)
	}
	var out []*productv1.Category
	queue := []string{""}
	for len(queue) > 0 {
		parent := queue[0]
		queue = queue[1:]
		for i := range byParent[parent] {
			out = append(out, byParent[parent][i].proto())
			queue = append(queue, byParent[parent][i].ID)
		}
	}
	return out, nil
}

// listingKey is a product's position in one sort order: (value, seq), where
// seq breaks ties and makes the key unique.
type listingKey struct {
	Value int64 `json:"v"`
	Seq   int64 `json:"q"`
}

// queryListing reads one page of on-sale products of categories (all when
// empty) in sort order, strictly after the cursor when given.
func (s *Service) queryListing(ctx context.Context, categories []string, sort listingSort, after *listingKey, limit int) ([]productRow, error) {
	var rows []productRow
	q := s.db.NewSelect().Model(&rows).Where("status = ?", statusOnSale).Limit(limit)
	if len(categories) > 0 {
		q = q.Where("category_id IN (?)", bun.In(categories))
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

func (s *Service) queryListingMembers(ctx context.Context, categories []string) ([]listingMember, error) {
	var members []listingMember
	q := s.db.NewSelect().Table("products").Column("id", "seq", "price_cents", "sales_count").Where("status = ?", statusOnSale)
	if len(categories) > 0 {
		q = q.Where("category_id IN (?)", bun.In(categories))
	}
	return members, q.Scan(ctx, &members)
}

// querySearch ranks on-sale products by how well their text matches the
// terms: a title hit weighs most, then subtitle, then description. LIKE
// matching works the same for Chinese and Latin text on MySQL 8 and MariaDB
// (full-text parsers differ between them and neither tokenizes Chinese by default).
func (s *Service) querySearch(ctx context.Context, terms []string, categories []string, offset, limit int) ([]productRow, error) {
	var score []string
	var args []any
	var anyMatch []string
	var matchArgs []any
	for _, term := range terms {
		pattern := "%" + escapeLike(term) + "%"
		score = append(score, "(title LIKE ?) * 10 + (subtitle LIKE ?) * 3 + (description LIKE ?)")
		args = append(args, pattern, pattern, pattern)
		anyMatch = append(anyMatch, "title LIKE ? OR subtitle LIKE ? OR description LIKE ?")
		matchArgs = append(matchArgs, pattern, pattern, pattern)
	}
	var rows []productRow
	q := s.db.NewSelect().Model(&rows).
		Where("status = ?", statusOnSale).
		Where("("+strings.Join(anyMatch, " OR ")+")", matchArgs...).
		OrderExpr("("+strings.Join(score, " + ")+") DESC", args...).
		OrderExpr("sales_count DESC").OrderExpr("seq DESC").
		Offset(offset).Limit(limit)
	if len(categories) > 0 {
		q = q.Where("category_id IN (?)", bun.In(categories))
	}
	return rows, q.Scan(ctx)
}

func escapeLike(term string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(term)
}

func (s *Service) queryLiveBanners(ctx context.Context, now time.Time) ([]bannerRow, error) {
	var rows []bannerRow
	err := s.db.NewSelect().Model(&rows).Where("ends_at > ?", now).Order("sort_order", "id").Scan(ctx)
	return rows, err
}
