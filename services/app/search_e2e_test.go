package app_test

import (
	"context"
	"testing"
	"time"

	"connectrpc.com/connect"

	productv1 "mall/gen/mall/product/v1"
	"mall/gen/mall/product/v1/productv1connect"
	searchv1 "mall/gen/mall/search/v1"
	"mall/gen/mall/search/v1/searchv1connect"
	"mall/services/platform/auth"
	"mall/services/platform/rpcclient"
	"mall/services/platform/testenv"
)

// TestSearchFollowsTheCatalogInTheDeployedShape: the whole system in one
// process, as `make run` runs it: the seeded catalog is searchable once the
// index has read the topic, an operator's edit is found within a second,
// and the deprecated catalog search answers the same from the search
// service, over gRPC and Connect.
func TestSearchFollowsTheCatalogInTheDeployedShape(t *testing.T) {
	url, deps := startApp(t)
	ctx := context.Background()
	search := searchv1connect.NewSearchServiceClient(rpcclient.HTTPClient(), url, connect.WithGRPC())
	products := productv1connect.NewProductServiceClient(rpcclient.HTTPClient(), url, connect.WithProtoJSON())
	var found *searchv1.SearchProductsResponse
	testenv.Eventually(t, 30*time.Second, "the seeded catalog searchable", func() bool {
		res, err := search.SearchProducts(ctx, connect.NewRequest(&searchv1.SearchProductsRequest{Query: "龙井 礼盒"}))
		if err != nil {
			return false
		}
		found = res.Msg
		return found.GetTotal() > 0
	})
	if found.GetTotal() != 1 || found.GetHits()[0].GetProduct().GetProductId() != "p0003" {
		t.Fatalf("龙井 礼盒: %v", found)
	}
	old, err := products.SearchProducts(ctx, connect.NewRequest(&productv1.SearchProductsRequest{Keyword: "龙井 礼盒"}))
	if err != nil || old.Msg.GetTotal() != 1 || old.Msg.GetProducts()[0].GetProductId() != "p0003" {
		t.Fatalf("the deprecated search: %v %v", old, err)
	}

	admin, _, err := deps.Keys.Issue("admin-1", []string{auth.RoleAdmin}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	p, err := products.GetProduct(ctx, connect.NewRequest(&productv1.GetProductRequest{ProductId: "p0077"}))
	if err != nil {
		t.Fatal(err)
	}
	spec := &productv1.ProductSpec{CategoryId: p.Msg.GetProduct().GetCategoryId(), Title: "Marmotrail " + p.Msg.GetProduct().GetTitle(),
		ImageUrls: p.Msg.GetProduct().GetImageUrls(), PriceCents: p.Msg.GetProduct().GetPriceCents(), Status: p.Msg.GetProduct().GetStatus()}
	edited := time.Now()
	if _, err := products.UpdateProduct(ctx, testenv.Bearer(admin, &productv1.UpdateProductRequest{ProductId: "p0077", Product: spec})); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, time.Second, "the edited title searchable", func() bool {
		res, err := search.SearchProducts(ctx, connect.NewRequest(&searchv1.SearchProductsRequest{Query: "marmotrail"}))
		return err == nil && res.Msg.GetTotal() == 1 && res.Msg.GetHits()[0].GetProduct().GetProductId() == "p0077"
	})
	t.Logf("an edit was searchable after %v", time.Since(edited).Round(time.Millisecond))
}
