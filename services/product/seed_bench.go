package product

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/uptrace/bun"
)

// BenchCatalog is a generated catalog for the search benchmark: products
// made from the demo catalog's goods (seedCategories) with brands,
// series, colours, sizes, prices, stock and sales varied, so that search
// queries have the selectivity of a real shop's and not of 200 products
// copied. The same Seed draws the same catalog.
type BenchCatalog struct {
	IDPrefix string // every id is IDPrefix and a six-digit number
	Marker   string // a word in every title, so that one query finds them all
	Count    int
	Batch    int // rows per INSERT statement
	Seed     uint64
}

// benchWord is one vocabulary entry in Chinese and English.
type benchWord struct{ zh, en string }

var (
	benchBrands = []benchWord{{"山野", "Shanye"}, {"青禾", "Qinghe"}, {"北极星", "Polaris"}, {"云朵", "Cloudy"}, {"小熊", "Bearly"},
		{"海蓝", "Oceana"}, {"松果", "Pinecone"}, {"知味", "Zhiwei"}, {"木言", "Muyan"}, {"星河", "Galaxia"}, {"晨光", "Morninglight"},
		{"鹿角", "Antler"}, {"竹里", "Bamboo Lane"}, {"白鹭", "Egret"}, {"赤兔", "Redhare"}, {"南山", "Nanshan"}, {"橙心", "Orangeheart"},
		{"墨客", "Inkman"}, {"雪域", "Snowland"}, {"极光", "Aurora"}}
	benchSeries = []benchWord{{"2026新款", "2026 New"}, {"专业版", "Pro"}, {"青春版", "Lite"}, {"旗舰款", "Flagship"}, {"国潮款", "Guochao"},
		{"联名款", "Collab"}, {"简约款", "Minimal"}, {"复古款", "Retro"}, {"加厚款", "Thick"}, {"便携款", "Portable"}}
	benchColours = []benchWord{{"红色", "Red"}, {"黑色", "Black"}, {"白色", "White"}, {"蓝色", "Blue"}, {"绿色", "Green"}, {"灰色", "Grey"},
		{"粉色", "Pink"}, {"金色", "Gold"}}
	benchSizes = []benchWord{{"小号", "Small"}, {"中号", "Medium"}, {"大号", "Large"}, {"迷你", "Mini"}, {"加大", "XL"}, {"500克", "500g"},
		{"1千克", "1kg"}, {"两件套", "Set of 2"}}
)

// BenchVocabulary is what the bench catalog's titles are made of, for
// search queries drawn from the same words: the goods (Chinese, English),
// the categories, brands, series, colours and sizes.
type BenchVocabulary struct {
	// The goods, five per category in the order of the categories.
	GoodsZh, GoodsEn                        []string
	CategoryIDs, CategoriesZh, CategoriesEn []string
	Brands, Series, Colours, Sizes          [][2]string // {zh, en}
}

// BenchWords returns the bench catalog's vocabulary.
func BenchWords() BenchVocabulary {
	var v BenchVocabulary
	for _, c := range seedCategories {
		v.CategoryIDs = append(v.CategoryIDs, c.id)
		v.CategoriesZh, v.CategoriesEn = append(v.CategoriesZh, c.zh), append(v.CategoriesEn, c.en)
		for _, item := range c.items {
			v.GoodsZh, v.GoodsEn = append(v.GoodsZh, item.zh), append(v.GoodsEn, item.en)
		}
	}
	pairs := func(words []benchWord) [][2]string {
		out := make([][2]string, len(words))
		for i, w := range words {
			out[i] = [2]string{w.zh, w.en}
		}
		return out
	}
	v.Brands, v.Series, v.Colours, v.Sizes = pairs(benchBrands), pairs(benchSeries), pairs(benchColours), pairs(benchSizes)
	return v
}

// DeleteBenchCatalogs deletes the products whose ids start with prefix
// (the catalogs benchmark runs seeded) and unqueues their changes: each
// run's search indexes are its own and end with it, so no index is to be
// told, and relaying 100 000 deletions would load the next run's seeding.
func DeleteBenchCatalogs(ctx context.Context, db *bun.DB, prefix string) error {
	if prefix == "" {
		return errors.New("bench catalog: no id prefix to delete by")
	}
	return deleteProductsWithIDPrefix(ctx, db, prefix)
}

// SeedBenchCatalog inserts c's products, on sale, in multi-row INSERTs of
// c.Batch rows. Each root category's goods are spread over the leaves
// below it in db's category tree. It returns the ids inserted.
func SeedBenchCatalog(ctx context.Context, db *bun.DB, c BenchCatalog) ([]string, error) {
	if c.Count < 1 || c.Batch < 1 || c.IDPrefix == "" {
		return nil, fmt.Errorf("bench catalog: count %d, batch %d, id prefix %q", c.Count, c.Batch, c.IDPrefix)
	}
	categories, err := selectCategories(ctx, db)
	if err != nil {
		return nil, err
	}
	leaves := leavesUnder(categories)
	rng := rand.New(rand.NewPCG(c.Seed, c.Seed^0x9e3779b97f4a7c15))
	sales := rand.NewZipf(rng, 1.2, 8, 200000)
	ids := make([]string, 0, c.Count)
	rows := make([]productRow, 0, c.Batch)
	now := time.Now().UTC()
	for n := range c.Count {
		row := benchProduct(rng, c, n, leaves, now)
		row.SalesCount = int64(sales.Uint64())
		rows = append(rows, row)
		ids = append(ids, row.ID)
		if len(rows) == c.Batch || n == c.Count-1 {
			if err := insertProducts(ctx, db, rows); err != nil {
				return nil, err
			}
			rows = rows[:0]
		}
	}
	return ids, nil
}

// leavesUnder maps each root category to the categories below it that
// have no children (itself when it has none).
func leavesUnder(categories []categoryRow) map[string][]string {
	parent := map[string]string{}
	hasChildren := map[string]bool{}
	for _, c := range categories {
		parent[c.ID] = c.ParentID
		if c.ParentID != "" {
			hasChildren[c.ParentID] = true
		}
	}
	root := func(id string) string {
		for range len(categories) { // bounded: a cycle ends it
			if parent[id] == "" {
				break
			}
			id = parent[id]
		}
		return id
	}
	leaves := map[string][]string{}
	for _, c := range categories {
		if !hasChildren[c.ID] {
			r := root(c.ID)
			leaves[r] = append(leaves[r], c.ID)
		}
	}
	return leaves
}

// benchProduct is the n-th product of c: one of the demo goods with a
// brand, series, colour and size of its own.
func benchProduct(rng *rand.Rand, c BenchCatalog, n int, leaves map[string][]string, now time.Time) productRow {
	ci := rng.IntN(len(seedCategories))
	cat := seedCategories[ci]
	ii, vi := rng.IntN(len(cat.items)), rng.IntN(len(seedVariants))
	item, variant := cat.items[ii], seedVariants[vi]
	brand, series := benchBrands[rng.IntN(len(benchBrands))], benchSeries[rng.IntN(len(benchSeries))]
	colour, size := benchColours[rng.IntN(len(benchColours))], benchSizes[rng.IntN(len(benchSizes))]
	categoryID := cat.id
	if under := leaves[cat.id]; len(under) > 0 {
		categoryID = under[rng.IntN(len(under))]
	}
	base := seedProductID(ci, ii, vi)
	// The goods' own price level, scaled by the variant and the brand.
	price := (seedNumber(item.en, 40)+1)*1000 + seedNumber(base, 990)*10
	price = price * int64(50+rng.IntN(250)) / 100
	stock := int64(rng.IntN(1000))
	if rng.IntN(10) == 0 {
		stock = 0
	}
	created := now.Add(-time.Duration(rng.Int64N(int64(365 * 24 * time.Hour))))
	return productRow{
		ID: fmt.Sprintf("%s%06d", c.IDPrefix, n+1), CategoryID: categoryID,
		Title: fmt.Sprintf("%s %s%s %s %s %s · %s %s %s %s %s %s %s", brand.zh, item.zh, variant[0], series.zh, colour.zh, size.zh,
			brand.en, item.en, variant[1], series.en, colour.en, size.en, c.Marker),
		Subtitle: fmt.Sprintf("%s%s · %s %s", brand.zh, cat.zh, brand.en, cat.en),
		Description: fmt.Sprintf("%s出品的%s（%s，%s，%s）。%s精选，品质保证。%s's %s, %s edition, %s, %s. Selected %s.",
			brand.zh, item.zh, series.zh, colour.zh, size.zh, cat.zh, brand.en, item.en, variant[1], colour.en, size.en, cat.en),
		ImageURLs:  seedProductPictures(base),
		PriceCents: price - 1,
		Stock:      stock,
		Status:     statusOnSale,
		CreatedAt:  created, UpdatedAt: created,
	}
}
