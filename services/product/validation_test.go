package product

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	productv1 "mall/gen/mall/product/v1"
	"mall/services/platform/testenv"
)

// The product service's contract rules, as every server enforces them
// before a handler runs: each request either passes or breaks exactly the
// rules named, so a contract change that drops or loosens one fails here.
func TestProductContractRules(t *testing.T) {
	spec := func(edit func(*productv1.ProductSpec)) *productv1.CreateProductRequest {
		p := &productv1.ProductSpec{CategoryId: "c01", Title: "龙井茶 Longjing tea", ImageUrls: []string{"/img/tea.jpg"},
			PriceCents: 12900, Status: productv1.ProductStatus_PRODUCT_STATUS_ON_SALE}
		if edit != nil {
			edit(p)
		}
		return &productv1.CreateProductRequest{Product: p, InitialStock: 10}
	}
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	banner := func(starts, ends time.Time) *productv1.CreateBannerRequest {
		return &productv1.CreateBannerRequest{Banner: &productv1.BannerSpec{Title: "双十二", ImageUrl: "/img/sale.jpg", LinkUrl: "/p/p1",
			StartsAt: timestamppb.New(starts), EndsAt: timestamppb.New(ends)}}
	}
	ids := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("p%d", i)
		}
		return out
	}
	for _, c := range []struct {
		name string
		msg  proto.Message
		want []string
	}{
		{"list products", &productv1.ListProductsRequest{CategoryId: "c01", Sort: productv1.ProductSort_PRODUCT_SORT_PRICE_ASC, PageSize: 100}, nil},
		{"a page too big", &productv1.ListProductsRequest{PageSize: 101}, []string{"page_size int32.gte_lte"}},
		{"an unknown sort", &productv1.ListProductsRequest{Sort: 12}, []string{"sort enum.defined_only"}},
		{"a page token too long", &productv1.ListProductsRequest{PageToken: strings.Repeat("t", 513)}, []string{"page_token string.max_len"}},
		{"search", &productv1.SearchProductsRequest{Keyword: "tea"}, nil},
		{"search by price", &productv1.SearchProductsRequest{Keyword: "tea", Sort: productv1.SearchSort_SEARCH_SORT_PRICE_DESC}, nil},
		{"search in an unknown order", &productv1.SearchProductsRequest{Keyword: "tea", Sort: 99}, []string{"sort enum.defined_only"}},
		{"search for blanks", &productv1.SearchProductsRequest{Keyword: "   "}, []string{"keyword string.pattern"}},
		{"search for nothing", &productv1.SearchProductsRequest{}, []string{"keyword string.min_len", "keyword string.pattern"}},
		{"a keyword too long", &productv1.SearchProductsRequest{Keyword: strings.Repeat("k", 101)}, []string{"keyword string.max_len"}},
		{"get no product", &productv1.GetProductRequest{}, []string{"product_id string.min_len"}},
		{"a batch of 100", &productv1.BatchGetProductsRequest{ProductIds: ids(100)}, nil},
		{"an empty batch", &productv1.BatchGetProductsRequest{}, []string{"product_ids repeated.min_items"}},
		{"a batch of 101", &productv1.BatchGetProductsRequest{ProductIds: ids(101)}, []string{"product_ids repeated.max_items"}},
		{"a ranking too long", &productv1.GetRankingRequest{Limit: 101}, []string{"limit int32.gte_lte"}},
		{"too many recommendations", &productv1.GetRecommendationsRequest{Limit: 51}, []string{"limit int32.gte_lte"}},
		{"too many preferred categories", &productv1.GetRecommendationsRequest{CategoryIds: ids(21)}, []string{"category_ids repeated.max_items"}},

		{"create a product", spec(nil), nil},
		{"create no product", &productv1.CreateProductRequest{}, []string{"product required"}},
		{"a product without a title", spec(func(p *productv1.ProductSpec) { p.Title = "" }), []string{"product.title string.min_len"}},
		{"a title too long", spec(func(p *productv1.ProductSpec) { p.Title = strings.Repeat("茶", 201) }), []string{"product.title string.max_len"}},
		{"a product without pictures", spec(func(p *productv1.ProductSpec) { p.ImageUrls = nil }), []string{"product.image_urls repeated.min_items"}},
		{"a picture that is no URL", spec(func(p *productv1.ProductSpec) { p.ImageUrls = []string{"http://[::1"} }), []string{"product.image_urls[0] string.uri_ref"}},
		{"a negative price", spec(func(p *productv1.ProductSpec) { p.PriceCents = -1 }), []string{"product.price_cents int64.gte_lte"}},
		{"a product of no status", spec(func(p *productv1.ProductSpec) { p.Status = 0 }), []string{"product.status enum.not_in"}},
		{"negative stock", &productv1.CreateProductRequest{Product: spec(nil).GetProduct(), InitialStock: -1}, []string{"initial_stock int64.gte_lte"}},
		{"set stock past the cap", &productv1.SetStockRequest{ProductId: "p1", Stock: 1_000_000_001}, []string{"stock int64.gte_lte"}},

		{"reserve", &productv1.ReserveStockRequest{ReservationId: "r-1", Lines: []*productv1.StockLine{{ProductId: "p1", Quantity: 2}}}, nil},
		{"reserve nothing", &productv1.ReserveStockRequest{ReservationId: "r-1"}, []string{"lines repeated.min_items"}},
		{"reserve none of a product", &productv1.ReserveStockRequest{ReservationId: "r-1", Lines: []*productv1.StockLine{{ProductId: "p1"}}},
			[]string{"lines[0].quantity int32.gte_lte"}},
		{"allocate none", &productv1.AllocateStockRequest{AllocationId: "al-1", ProductId: "p1"}, []string{"quantity int64.gte_lte"}},

		{"a banner", banner(start, start.Add(24*time.Hour)), nil},
		{"a banner ending before it starts", banner(start, start.Add(-time.Second)), []string{"banner banner.window"}},
		{"a banner ending as it starts", banner(start, start), []string{"banner banner.window"}},
		{"a banner without a window", &productv1.CreateBannerRequest{Banner: &productv1.BannerSpec{Title: "t", ImageUrl: "/i.jpg"}},
			[]string{"banner.starts_at required", "banner.ends_at required", "banner banner.window"}},
		{"a category without a name", &productv1.CreateCategoryRequest{}, []string{"name string.min_len"}},
		{"a category sorted past the end", &productv1.CreateCategoryRequest{Name: "茶", SortOrder: 10001}, []string{"sort_order int32.gte_lte"}},
	} {
		t.Run(c.name, func(t *testing.T) { testenv.WantViolations(t, c.msg, c.want...) })
	}
}
