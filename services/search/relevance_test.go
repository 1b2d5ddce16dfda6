package search

import (
	"context"
	"fmt"
	"slices"
	"testing"

	productv1 "mall/gen/mall/product/v1"
	searchv1 "mall/gen/mall/search/v1"
)

// seedRange is p<from>..p<to> of the seed catalog (5 variants per item).
func seedRange(from, to int) []string {
	var out []string
	for n := from; n <= to; n++ {
		out = append(out, fmt.Sprintf("p%04d", n))
	}
	return out
}

// The seed catalog: c01 tea is p0001–p0025 (龙井绿茶 Longjing Green Tea
// p0001–5, 普洱熟茶 Ripe Pu-erh Tea p0006–10, 铁观音 Tieguanyin Oolong
// p0011–15, 茉莉花茶 Jasmine Tea p0016–20, 正山小种 Lapsang Souchong
// p0021–25), the third variant of every item is 礼盒装 Gift Box, 三体 The
// Three-Body Problem is p0151–5, 防晒霜 Sunscreen p0111–5, 坚果礼盒 Mixed
// Nuts p0131–5, 阳澄湖大闸蟹 Hairy Crab p0136–40.
var (
	longjing  = seedRange(1, 5)
	threeBody = seedRange(151, 155)
	sunscreen = seedRange(111, 115)
	// Tea in the title: Longjing Green Tea, Ripe Pu-erh Tea, Jasmine Tea.
	teaInTitle = slices.Concat(seedRange(1, 10), seedRange(16, 20))
	// Tea only in the subtitle ("Selected Tea") and description.
	teaElsewhere = slices.Concat(seedRange(11, 15), seedRange(21, 25))
)

// relevanceCase is a query and what a shopper expects on top: the exact
// first ids (top), or the set the first len(set) hits must be (any
// order: equally good matches), and how many match in all.
type relevanceCase struct {
	query string
	top   []string
	set   []string
	total int64
}

var relevanceTable = []relevanceCase{
	// Chinese by character pairs; all words must match.
	{query: "龙井", set: longjing, total: 5},
	{query: "绿茶", set: longjing, total: 5},
	{query: "龙井 礼盒", top: []string{"p0003"}, total: 1},
	{query: "大闸蟹 礼盒", top: []string{"p0138"}, total: 1},
	{query: "三体", set: threeBody, total: 5},
	{query: "防晒", set: sunscreen, total: 5},
	// "礼盒" twice in one title (坚果礼盒 礼盒装) ranks first; 40 gift
	// boxes and 4 more nut boxes match.
	{query: "礼盒", top: []string{"p0133"}, total: 44},
	// English: stemmed, case- and width-folded; title over subtitle.
	{query: "tea", set: teaInTitle, total: 25},
	{query: "Teas", set: teaInTitle, total: 25},
	{query: "ＴＥＡ", set: teaInTitle, total: 25},
	{query: "green tea", set: longjing, total: 5},
	{query: "Ｌｏｎｇｊｉｎｇ", set: longjing, total: 5},
	{query: "three body", set: threeBody, total: 5},
	{query: "SUNSCREEN", set: sunscreen, total: 5},
	// Mixed Chinese and English, full-width space.
	{query: "龙井 tea", set: longjing, total: 5},
	{query: "龙井　Ｇｒｅｅｎ", set: longjing, total: 5},
}

// TestRelevanceOnTheSeedCatalog is the ranking a shopper expects, through
// Connect and gRPC: it fails when ranking regresses.
func TestRelevanceOnTheSeedCatalog(t *testing.T) {
	f := newFixture(t)
	for protocol, client := range f.clients {
		for _, c := range relevanceTable {
			res := f.search(t, client, &searchv1.SearchProductsRequest{Query: c.query, PageSize: 50})
			got := ids(res.GetHits())
			if res.GetTotal() != c.total || int64(len(got)) != c.total {
				t.Errorf("%s %q: total %d, %d hits, want %d: %v", protocol, c.query, res.GetTotal(), len(got), c.total, got)
				continue
			}
			if len(c.top) > 0 && !slices.Equal(got[:len(c.top)], c.top) {
				t.Errorf("%s %q: top %v, want %v", protocol, c.query, got[:len(c.top)], c.top)
			}
			if len(c.set) > 0 {
				first := slices.Sorted(slices.Values(got[:len(c.set)]))
				if !slices.Equal(first, c.set) {
					t.Errorf("%s %q: first %d are %v, want %v", protocol, c.query, len(c.set), first, c.set)
				}
			}
		}
	}
	// Tea only in the subtitle or description ranks below every title.
	res := f.search(t, f.clients["grpc"], &searchv1.SearchProductsRequest{Query: "tea", PageSize: 50})
	rest := slices.Sorted(slices.Values(ids(res.GetHits())[len(teaInTitle):]))
	if !slices.Equal(rest, teaElsewhere) {
		t.Errorf("tea: after the title matches %v, want %v", rest, teaElsewhere)
	}
}

// TestTitleOverDescriptionPhraseOverScatteredThenSales adds products that
// differ only in where or how the query matches, or in sales.
func TestTitleOverDescriptionPhraseOverScatteredThenSales(t *testing.T) {
	f := newFixture(t)
	spec := func(title, description string) *productv1.ProductSpec {
		return &productv1.ProductSpec{CategoryId: "c01", Title: title, Description: description, PriceCents: 9900,
			ImageUrls: []string{"/img/x.svg"}, Status: productv1.ProductStatus_PRODUCT_STATUS_ON_SALE}
	}
	inTitle := f.addProduct(t, spec("龙井虾仁 Shrimp", "杭帮菜"), 10)
	teaSet := f.addProduct(t, spec("西湖茶具套装 Glass Tea Set", "冲泡龙井的玻璃杯，龙井绿茶之友"), 10)
	scattered := f.addProduct(t, spec("Green Valley Oolong Tea", "Green hills, oolong tea: a green tea's cousin"), 10)
	fewSales := f.addProduct(t, spec("双胞胎茶礼 Twin Gift", "两件一样"), 10)
	manySales := f.addProduct(t, spec("双胞胎茶礼 Twin Gift", "两件一样"), 10)
	if _, err := f.db.NewUpdate().Table("products").Set("sales_count = 500").Where("id = ?", manySales).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.waitIndexed(t, "玻璃杯", teaSet)
	f.waitIndexed(t, "oolong", scattered)
	searchIDs := func(query string) []string {
		return ids(f.search(t, f.clients["connect-json"], &searchv1.SearchProductsRequest{Query: query, PageSize: 50}).GetHits())
	}
	f.waitIndexed(t, "虾仁", inTitle)
	if got := searchIDs("龙井"); len(got) != 7 || got[5] != inTitle || got[6] != teaSet {
		t.Errorf("龙井: %v, want the five in title and description, then %s (title only), then %s (description only)", got, inTitle, teaSet)
	}
	if got := searchIDs("green tea"); len(got) != 6 || got[5] != scattered {
		t.Errorf("green tea: %v, want the five 'Green Tea' titles first and %s (scattered) last", got, scattered)
	}
	f.waitSales(t, "双胞胎", manySales, 500)
	if got := searchIDs("双胞胎 twin"); !slices.Equal(got, []string{manySales, fewSales}) {
		t.Errorf("双胞胎 twin: %v, want the more sold %s before %s", got, manySales, fewSales)
	}
}
