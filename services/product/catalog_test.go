package product

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"connectrpc.com/connect"

	productv1 "mall/gen/mall/product/v1"
	"mall/services/platform/testenv"
)

func TestCatalogReadsOverConnectJSONAndGRPC(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for protocol, client := range f.clients {
		t.Run(protocol, func(t *testing.T) {
			cats, err := client.ListCategories(ctx, connect.NewRequest(&productv1.ListCategoriesRequest{}))
			if err != nil {
				t.Fatal(err)
			}
			if n := len(cats.Msg.GetCategories()); n != 8 {
				t.Fatalf("%d categories, want 8", n)
			}

			got, err := client.GetProduct(ctx, connect.NewRequest(&productv1.GetProductRequest{ProductId: "p0001"}))
			if err != nil {
				t.Fatal(err)
			}
			if p := got.Msg.GetProduct(); !strings.Contains(p.GetTitle(), "龙井绿茶") || !strings.Contains(p.GetTitle(), "Longjing") || p.GetPriceCents() <= 0 || len(p.GetImageUrls()) == 0 {
				t.Fatalf("p0001 = %v", p)
			}
			if _, err := client.GetProduct(ctx, connect.NewRequest(&productv1.GetProductRequest{ProductId: "nope"})); connect.CodeOf(err) != connect.CodeNotFound {
				t.Fatalf("unknown product: %v", err)
			}

			batch, err := client.BatchGetProducts(ctx, connect.NewRequest(&productv1.BatchGetProductsRequest{ProductIds: []string{"p0150", "ghost", "p0003", "p0150"}}))
			if err != nil {
				t.Fatal(err)
			}
			var order []string
			for _, p := range batch.Msg.GetProducts() {
				order = append(order, p.GetProductId())
			}
			if !slices.Equal(order, []string{"p0150", "p0003", "p0150"}) || !slices.Equal(batch.Msg.GetMissingIds(), []string{"ghost"}) {
				t.Fatalf("batch order %v missing %v", order, batch.Msg.GetMissingIds())
			}

			banners, err := client.ListBanners(ctx, connect.NewRequest(&productv1.ListBannersRequest{}))
			if err != nil || len(banners.Msg.GetBanners()) != 4 || banners.Msg.GetBanners()[0].GetBannerId() != "b1" {
				t.Fatalf("banners %v %v", banners, err)
			}
		})
	}
}

func TestBadInputGetsInvalidArgument(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for protocol, client := range f.clients {
		cases := map[string]error{}
		_, cases["negative page size"] = client.ListProducts(ctx, connect.NewRequest(&productv1.ListProductsRequest{PageSize: -1}))
		_, cases["page size over 100"] = client.ListProducts(ctx, connect.NewRequest(&productv1.ListProductsRequest{PageSize: 101}))
		_, cases["unknown sort"] = client.ListProducts(ctx, connect.NewRequest(&productv1.ListProductsRequest{Sort: productv1.ProductSort(99)}))
		_, cases["forged page token"] = client.ListProducts(ctx, connect.NewRequest(&productv1.ListProductsRequest{PageToken: "eyJjIjoiIn0"}))
		_, cases["empty keyword"] = client.SearchProducts(ctx, connect.NewRequest(&productv1.SearchProductsRequest{Keyword: ""}))
		_, cases["blank keyword"] = client.SearchProducts(ctx, connect.NewRequest(&productv1.SearchProductsRequest{Keyword: "   "}))
		_, cases["empty batch"] = client.BatchGetProducts(ctx, connect.NewRequest(&productv1.BatchGetProductsRequest{}))
		_, cases["ranking limit"] = client.GetRanking(ctx, connect.NewRequest(&productv1.GetRankingRequest{Limit: -5}))
		_, cases["negative price"] = client.CreateProduct(ctx, testenv.Bearer(f.admin, &productv1.CreateProductRequest{Product: &productv1.ProductSpec{
			CategoryId: "c01", Title: "x", ImageUrls: []string{"/img/x.svg"}, PriceCents: -1, Status: productv1.ProductStatus_PRODUCT_STATUS_ON_SALE}}))
		for name, err := range cases {
			if connect.CodeOf(err) != connect.CodeInvalidArgument {
				t.Errorf("%s/%s: want invalid_argument, got %v", protocol, name, err)
			}
		}
		// A token from one listing cannot be replayed against another.
		page, err := client.ListProducts(ctx, connect.NewRequest(&productv1.ListProductsRequest{CategoryId: "c01", PageSize: 5}))
		if err != nil {
			t.Fatal(err)
		}
		_, err = client.ListProducts(ctx, connect.NewRequest(&productv1.ListProductsRequest{CategoryId: "c02", PageSize: 5, PageToken: page.Msg.GetNextPageToken()}))
		if connect.CodeOf(err) != connect.CodeInvalidArgument {
			t.Errorf("%s: replayed token: %v", protocol, err)
		}
		if _, err := client.ListProducts(ctx, connect.NewRequest(&productv1.ListProductsRequest{CategoryId: "c99"})); connect.CodeOf(err) != connect.CodeNotFound {
			t.Errorf("%s: unknown category: %v", protocol, err)
		}
	}
}

// listAll pages through a listing, calling between after every page.
func listAll(t *testing.T, f *fixture, req *productv1.ListProductsRequest, between func(page int)) []*productv1.Product {
	t.Helper()
	var all []*productv1.Product
	for page := 0; ; page++ {
		res, err := f.clients["connect-json"].ListProducts(context.Background(), connect.NewRequest(req))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, res.Msg.GetProducts()...)
		if res.Msg.GetNextPageToken() == "" {
			return all
		}
		if page > 100 {
			t.Fatal("listing does not end")
		}
		req.PageToken = res.Msg.GetNextPageToken()
		if between != nil {
			between(page)
		}
	}
}

func TestListingsAreSortedAndCompleteWithCacheOnAndOff(t *testing.T) {
	f := newFixture(t)
	sorts := map[productv1.ProductSort]func(a, b *productv1.Product) bool{
		productv1.ProductSort_PRODUCT_SORT_NEWEST: func(a, b *productv1.Product) bool {
			return !a.GetCreatedAt().AsTime().Before(b.GetCreatedAt().AsTime())
		},
		productv1.ProductSort_PRODUCT_SORT_PRICE_ASC:  func(a, b *productv1.Product) bool { return a.GetPriceCents() <= b.GetPriceCents() },
		productv1.ProductSort_PRODUCT_SORT_PRICE_DESC: func(a, b *productv1.Product) bool { return a.GetPriceCents() >= b.GetPriceCents() },
		productv1.ProductSort_PRODUCT_SORT_SALES:      func(a, b *productv1.Product) bool { return a.GetSalesCount() >= b.GetSalesCount() },
	}
	for _, cached := range []bool{true, false} {
		f.svc.SetCacheEnabled(cached)
		for sort, inOrder := range sorts {
			for _, category := range []string{"", "c03"} {
				name := fmt.Sprintf("cache=%t/%s/%q", cached, sort, category)
				all := listAll(t, f, &productv1.ListProductsRequest{CategoryId: category, Sort: sort, PageSize: 7}, nil)
				want := 200
				if category != "" {
					want = 25
				}
				if len(all) != want || len(uniqueIDs(all)) != want {
					t.Fatalf("%s: %d products (%d distinct), want %d", name, len(all), len(uniqueIDs(all)), want)
				}
				for i := 1; i < len(all); i++ {
					if !inOrder(all[i-1], all[i]) {
						t.Fatalf("%s: %s before %s breaks the order", name, all[i-1].GetProductId(), all[i].GetProductId())
					}
					if category != "" && all[i].GetCategoryId() != category {
						t.Fatalf("%s: %s is in %s", name, all[i].GetProductId(), all[i].GetCategoryId())
					}
				}
			}
		}
	}
}

func TestCursorNeverRepeatsOrSkipsWhileProductsAreAdded(t *testing.T) {
	testenv.Integration(t) // every case reaches the servers: -short skips the test, not each case
	for _, cached := range []bool{true, false} {
		t.Run(fmt.Sprintf("cache=%t", cached), func(t *testing.T) {
			f := newFixture(t)
			f.svc.SetCacheEnabled(cached)
			for _, sort := range []productv1.ProductSort{productv1.ProductSort_PRODUCT_SORT_NEWEST, productv1.ProductSort_PRODUCT_SORT_PRICE_ASC, productv1.ProductSort_PRODUCT_SORT_SALES} {
				before := map[string]bool{}
				for _, p := range listAll(t, f, &productv1.ListProductsRequest{Sort: sort, PageSize: 100}, nil) {
					before[p.GetProductId()] = true
				}
				added := map[string]bool{}
				seen := listAll(t, f, &productv1.ListProductsRequest{Sort: sort, PageSize: 9}, func(page int) {
					p, err := f.svc.CreateProduct(context.Background(), connect.NewRequest(&productv1.CreateProductRequest{Product: &productv1.ProductSpec{
						CategoryId: "c01", Title: fmt.Sprintf("新品 New %d", page), ImageUrls: []string{"/img/new.svg"},
						PriceCents: int64(100 + page*997%50000), Status: productv1.ProductStatus_PRODUCT_STATUS_ON_SALE,
					}, InitialStock: 10}))
					if err != nil {
						t.Fatal(err)
					}
					added[p.Msg.GetProduct().GetProductId()] = true
				})
				ids := uniqueIDs(seen)
				if len(ids) != len(seen) {
					t.Fatalf("%s: a product was listed twice", sort)
				}
				for id := range before {
					if !ids[id] {
						t.Fatalf("%s: %s existed before paging started and was skipped", sort, id)
					}
				}
				for id := range ids {
					if !before[id] && !added[id] {
						t.Fatalf("%s: %s came from nowhere", sort, id)
					}
				}
			}
		})
	}
}

func uniqueIDs(products []*productv1.Product) map[string]bool {
	ids := map[string]bool{}
	for _, p := range products {
		ids[p.GetProductId()] = true
	}
	return ids
}
