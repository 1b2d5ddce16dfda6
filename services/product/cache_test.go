package product

import (
	"context"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	productv1 "mall/gen/mall/product/v1"
	"mall/services/platform/testenv"
)

// These tests show each cache mechanism from the outside: by counting the
// SELECTs that reach the products table of the real database.

func TestConcurrentMissesOfOneProductReadTheDatabaseOnce(t *testing.T) {
	f := newFixture(t)
	before := f.reads.productReads.Load()
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.svc.GetProduct(context.Background(), connect.NewRequest(&productv1.GetProductRequest{ProductId: "p0042"})); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := f.reads.productReads.Load() - before; n != 1 {
		t.Fatalf("50 concurrent misses read the database %d times, want 1", n)
	}
}

func TestUnknownProductIsCachedAsAbsent(t *testing.T) {
	f := newFixture(t)
	before := f.reads.productReads.Load()
	for range 30 {
		if _, err := f.svc.GetProduct(context.Background(), connect.NewRequest(&productv1.GetProductRequest{ProductId: "no-such-product"})); connect.CodeOf(err) != connect.CodeNotFound {
			t.Fatalf("want not_found, got %v", err)
		}
	}
	if n := f.reads.productReads.Load() - before; n != 1 {
		t.Fatalf("30 lookups of an unknown id read the database %d times, want 1", n)
	}
	// Creating it later is visible at once: the negative is invalidated.
	p, err := f.svc.CreateProduct(context.Background(), connect.NewRequest(&productv1.CreateProductRequest{Product: &productv1.ProductSpec{CategoryId: "c01", Title: "t", ImageUrls: []string{"/img/t.svg"}, PriceCents: 1, Status: productv1.ProductStatus_PRODUCT_STATUS_ON_SALE}, InitialStock: 1}))
	if err != nil || p.Msg.GetProduct().GetTitle() != "t" {
		t.Fatalf("create: %v %v", p, err)
	}
}

// Other spellings of a real id (the column's collation matches them) are
// unknown ids, cached as absent like any: none becomes a copy of the
// product under a key the caller picks.
func TestSpellingsOfAProductIDAreUnknownIDs(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	spellings := []string{"P0001", "p0001 ", "ｐ０００１"}
	before := f.reads.productReads.Load()
	for range 10 {
		for _, id := range spellings {
			if _, err := f.svc.GetProduct(ctx, connect.NewRequest(&productv1.GetProductRequest{ProductId: id})); connect.CodeOf(err) != connect.CodeNotFound {
				t.Fatalf("%q: want not_found, got %v", id, err)
			}
		}
		batch, err := f.svc.BatchGetProducts(ctx, connect.NewRequest(&productv1.BatchGetProductsRequest{ProductIds: spellings}))
		if err != nil || len(batch.Msg.GetProducts()) != 0 || len(batch.Msg.GetMissingIds()) != len(spellings) {
			t.Fatalf("batch of spellings: %v %v", batch, err)
		}
	}
	if n := f.reads.productReads.Load() - before; n > int64(2*len(spellings)) {
		t.Fatalf("%d reads of products for 60 lookups of %d spellings", n, len(spellings))
	}
	if p, err := f.svc.GetProduct(ctx, connect.NewRequest(&productv1.GetProductRequest{ProductId: "p0001"})); err != nil || p.Msg.GetProduct().GetProductId() != "p0001" {
		t.Fatalf("the product itself: %v %v", p, err)
	}
}

func TestUpdateIsVisibleToTheNextRead(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	client := f.clients["grpc"]
	for i, title := range []string{"第一版 First", "第二版 Second", "第三版 Third"} {
		// Warm every cache layer, then update.
		for range 3 {
			if _, err := client.GetProduct(ctx, connect.NewRequest(&productv1.GetProductRequest{ProductId: "p0007"})); err != nil {
				t.Fatal(err)
			}
		}
		spec := &productv1.ProductSpec{CategoryId: "c01", Title: title, ImageUrls: []string{"/img/x.svg"}, PriceCents: int64(1000 + i), Status: productv1.ProductStatus_PRODUCT_STATUS_ON_SALE}
		if _, err := client.UpdateProduct(ctx, testenv.Bearer(f.admin, &productv1.UpdateProductRequest{ProductId: "p0007", Product: spec})); err != nil {
			t.Fatal(err)
		}
		got, err := client.GetProduct(ctx, connect.NewRequest(&productv1.GetProductRequest{ProductId: "p0007"}))
		if err != nil {
			t.Fatal(err)
		}
		if got.Msg.GetProduct().GetTitle() != title || got.Msg.GetProduct().GetPriceCents() != int64(1000+i) {
			t.Fatalf("after update %d the next read returned %q", i, got.Msg.GetProduct().GetTitle())
		}
	}
}

func TestListingPagesComeFromSortedSetsHydratedInOneBatch(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	req := &productv1.ListProductsRequest{CategoryId: "c02", Sort: productv1.ProductSort_PRODUCT_SORT_PRICE_ASC, PageSize: 10}
	firstPage, err := f.svc.ListProducts(ctx, connect.NewRequest(req))
	if err != nil {
		t.Fatal(err)
	}
	first := firstPage.Msg
	// Warm: the same page again reads no product row from MySQL.
	before := f.reads.productReads.Load()
	againPage, err := f.svc.ListProducts(ctx, connect.NewRequest(req))
	if err != nil {
		t.Fatal(err)
	}
	again := againPage.Msg
	if n := f.reads.productReads.Load() - before; n != 0 {
		t.Fatalf("a warm listing page read the products table %d times", n)
	}
	if len(again.GetProducts()) != 10 || again.GetProducts()[3].GetProductId() != first.GetProducts()[3].GetProductId() {
		t.Fatal("warm page differs")
	}
	// Drop three products' details: the page hydrates them with one query.
	if err := f.svc.products.Invalidate(ctx, f.svc.productKey(first.GetProducts()[0].GetProductId()),
		f.svc.productKey(first.GetProducts()[4].GetProductId()), f.svc.productKey(first.GetProducts()[9].GetProductId())); err != nil {
		t.Fatal(err)
	}
	before = f.reads.productReads.Load()
	if _, err := f.svc.ListProducts(ctx, connect.NewRequest(req)); err != nil {
		t.Fatal(err)
	}
	if n := f.reads.productReads.Load() - before; n != 1 {
		t.Fatalf("hydrating three missing products took %d queries, want 1", n)
	}
}

func TestBannersAreServedFromProcessMemoryAndRefreshedInTheBackground(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.BannerRefresh = 200 * time.Millisecond })
	ctx := context.Background()
	live := func() ([]*productv1.Banner, error) {
		res, err := f.svc.ListBanners(ctx, connect.NewRequest(&productv1.ListBannersRequest{}))
		if err != nil {
			return nil, err
		}
		return res.Msg.GetBanners(), nil
	}
	banners, err := live()
	if err != nil || len(banners) != 4 {
		t.Fatalf("banners %d %v", len(banners), err)
	}
	// Another process (here: SQL behind the service's back) ends a banner.
	if _, err := f.db.NewUpdate().Table("banners").Set("ends_at = ?", time.Now().Add(-time.Minute)).Where("id = ?", "b2").Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if banners, _ := live(); len(banners) != 4 {
		t.Fatalf("the in-process snapshot was bypassed: %d banners", len(banners))
	}
	testenv.Eventually(t, 3*time.Second, "the background refresh picking up the ended banner", func() bool {
		banners, err := live()
		if err != nil {
			t.Fatal(err)
		}
		return len(banners) == 3
	})
	// A change through this service shows at once, and windows are honoured.
	created, err := f.svc.CreateBanner(ctx, connect.NewRequest(&productv1.CreateBannerRequest{Banner: &productv1.BannerSpec{Title: "Later", ImageUrl: "/img/l.svg",
		StartsAt: timestamppb.New(time.Now().Add(time.Hour)), EndsAt: timestamppb.New(time.Now().Add(2 * time.Hour))}}))
	if err != nil {
		t.Fatal(err)
	}
	if banners, _ := live(); len(banners) != 3 {
		t.Fatalf("a banner that starts in an hour is live: %d", len(banners))
	}
	if _, err := f.svc.DeleteBanner(ctx, connect.NewRequest(&productv1.DeleteBannerRequest{BannerId: created.Msg.GetBanner().GetBannerId()})); err != nil {
		t.Fatal(err)
	}
}
