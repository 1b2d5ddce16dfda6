package search

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	productv1 "mall/gen/mall/product/v1"
	searchv1 "mall/gen/mall/search/v1"
	"mall/services/platform/auth"
	"mall/services/platform/kafka"
	"mall/services/platform/testenv"
)

func TestATooShortQueryAsksForMore(t *testing.T) {
	f := newFixture(t)
	for protocol, client := range f.clients {
		for _, q := range []string{"茶", "a", "ａ", " x ", "the", "!!"} {
			_, err := client.SearchProducts(context.Background(), connect.NewRequest(&searchv1.SearchProductsRequest{Query: q}))
			testenv.WantCode(t, err, connect.CodeInvalidArgument, ReasonQueryTooShort)
		}
		_, err := client.SearchProducts(context.Background(), connect.NewRequest(&searchv1.SearchProductsRequest{Query: "   "}))
		if connect.CodeOf(err) != connect.CodeInvalidArgument {
			t.Errorf("%s: a blank query: %v, want invalid_argument", protocol, err)
		}
	}
	// A short word beside a usable one is left out, not refused.
	res := f.search(t, f.clients["grpc"], &searchv1.SearchProductsRequest{Query: "龙井 茶"})
	if res.GetTotal() != 5 {
		t.Errorf("龙井 茶: %d, want the 5 龙井", res.GetTotal())
	}
}

// TestPagesSortsAndFilters pages through every order: each product once,
// in order, with the same count on every page.
func TestPagesSortsAndFilters(t *testing.T) {
	f := newFixture(t)
	client := f.clients["connect-json"]
	all := func(req *searchv1.SearchProductsRequest) []*searchv1.SearchHit {
		var hits []*searchv1.SearchHit
		for page := 0; ; page++ {
			res := f.search(t, client, req)
			hits = append(hits, res.GetHits()...)
			if res.GetNextPageToken() == "" {
				return hits
			}
			if page > 30 {
				t.Fatal("paging does not end")
			}
			req.PageToken = res.GetNextPageToken()
		}
	}
	for _, sort := range []searchv1.SearchSort{searchv1.SearchSort_SEARCH_SORT_RELEVANCE, searchv1.SearchSort_SEARCH_SORT_SALES,
		searchv1.SearchSort_SEARCH_SORT_PRICE_ASC, searchv1.SearchSort_SEARCH_SORT_PRICE_DESC, searchv1.SearchSort_SEARCH_SORT_NEWEST} {
		hits := all(&searchv1.SearchProductsRequest{Query: "tea", Sort: sort, PageSize: 4})
		got := ids(hits)
		if len(got) != 25 || len(slices.Compact(slices.Sorted(slices.Values(got)))) != 25 {
			t.Fatalf("%v: %d hits over the pages (%v), want the 25 once each", sort, len(got), got)
		}
		for i := 1; i < len(hits); i++ {
			a, b := hits[i-1].GetProduct(), hits[i].GetProduct()
			bad := (sort == searchv1.SearchSort_SEARCH_SORT_SALES && a.GetSalesCount() < b.GetSalesCount()) ||
				(sort == searchv1.SearchSort_SEARCH_SORT_PRICE_ASC && a.GetPriceCents() > b.GetPriceCents()) ||
				(sort == searchv1.SearchSort_SEARCH_SORT_PRICE_DESC && a.GetPriceCents() < b.GetPriceCents()) ||
				(sort == searchv1.SearchSort_SEARCH_SORT_NEWEST && a.GetCreatedAt().AsTime().Before(b.GetCreatedAt().AsTime()))
			if bad {
				t.Fatalf("%v: %s before %s out of order", sort, a.GetProductId(), b.GetProductId())
			}
		}
	}
	// Price range (inclusive), category and stock filters.
	lo, hi := int64(100_000), int64(500_000)
	for _, h := range all(&searchv1.SearchProductsRequest{Query: "礼盒", MinPriceCents: &lo, MaxPriceCents: &hi}) {
		if p := h.GetProduct().GetPriceCents(); p < lo || p > hi {
			t.Errorf("price filter let %s at %d through", h.GetProduct().GetProductId(), p)
		}
	}
	if res := f.search(t, client, &searchv1.SearchProductsRequest{Query: "礼盒", CategoryId: "c06"}); res.GetTotal() != 9 {
		t.Errorf("礼盒 in c06: %d, want 9 (5 nut boxes + 4 more gift boxes)", res.GetTotal())
	}
	if _, err := f.catalog.SetStock(context.Background(), connect.NewRequest(&productv1.SetStockRequest{ProductId: "p0003", Stock: 0})); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 5*time.Second, "p0003 out of stock in the index", func() bool {
		return f.search(t, client, &searchv1.SearchProductsRequest{Query: "龙井 礼盒", InStockOnly: true}).GetTotal() == 0
	})
	if res := f.search(t, client, &searchv1.SearchProductsRequest{Query: "龙井 礼盒"}); !slices.Equal(ids(res.GetHits()), []string{"p0003"}) {
		t.Errorf("without the stock filter: %v, want p0003", ids(res.GetHits()))
	}
}

func TestAPageTokenBelongsToItsSearch(t *testing.T) {
	f := newFixture(t)
	for _, client := range f.clients {
		first := f.search(t, client, &searchv1.SearchProductsRequest{Query: "tea", PageSize: 2})
		for _, other := range []*searchv1.SearchProductsRequest{
			{Query: "green tea", PageToken: first.GetNextPageToken()},
			{Query: "tea", Sort: searchv1.SearchSort_SEARCH_SORT_PRICE_ASC, PageToken: first.GetNextPageToken()},
			{Query: "tea", InStockOnly: true, PageToken: first.GetNextPageToken()},
			{Query: "tea", PageToken: "garbage"},
			{Query: "tea", PageToken: first.GetNextPageToken()[:10]},
		} {
			_, err := client.SearchProducts(context.Background(), connect.NewRequest(other))
			testenv.WantCode(t, err, connect.CodeInvalidArgument, ReasonBadPageToken)
		}
	}
}

// TestChangesAreSearchableWhateverMadeThem: the catalog's RPCs and a
// person's SQL alike reach the index through the triggers and the relay.
func TestChangesAreSearchableWhateverMadeThem(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	got, err := f.catalog.GetProduct(ctx, connect.NewRequest(&productv1.GetProductRequest{ProductId: "p0042"}))
	if err != nil {
		t.Fatal(err)
	}
	p := got.Msg.GetProduct()
	spec := &productv1.ProductSpec{CategoryId: p.GetCategoryId(), Title: "旗舰 Zephyrphone " + p.GetTitle(), Subtitle: p.GetSubtitle(),
		ImageUrls: p.GetImageUrls(), Description: p.GetDescription(), PriceCents: p.GetPriceCents(), Status: p.GetStatus()}
	if _, err := f.catalog.UpdateProduct(ctx, connect.NewRequest(&productv1.UpdateProductRequest{ProductId: "p0042", Product: spec})); err != nil {
		t.Fatal(err)
	}
	f.waitIndexed(t, "zephyrphone", "p0042")
	if _, err := f.db.NewUpdate().Table("products").Set("title = ?", "手工 Quokkamug 马克杯").Where("id = ?", "p0043").Exec(ctx); err != nil {
		t.Fatal(err)
	}
	f.waitIndexed(t, "quokkamug", "p0043")
	// Off the shelf: gone from the index.
	spec.Status = productv1.ProductStatus_PRODUCT_STATUS_OFF_SHELF
	if _, err := f.catalog.UpdateProduct(ctx, connect.NewRequest(&productv1.UpdateProductRequest{ProductId: "p0042", Product: spec})); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 5*time.Second, "p0042 off the shelf leaves the index", func() bool {
		res, err := f.svc.SearchProducts(ctx, connect.NewRequest(&searchv1.SearchProductsRequest{Query: "zephyrphone"}))
		return err == nil && res.Msg.GetTotal() == 0
	})
	// Deleted by hand (nothing in the mall deletes products): gone too.
	if _, err := f.db.NewDelete().Table("products").Where("id = ?", "p0043").Exec(ctx); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 5*time.Second, "p0043 deleted leaves the index", func() bool {
		res, err := f.svc.SearchProducts(ctx, connect.NewRequest(&searchv1.SearchProductsRequest{Query: "quokkamug"}))
		return err == nil && res.Msg.GetTotal() == 0
	})
	pending, err := f.catalog.PendingCatalogChanges(ctx)
	if err != nil || pending != 0 {
		t.Errorf("changes still queued after they were searchable: %d (%v)", pending, err)
	}
}

func TestNothingFoundOffersSomeWordsOrPopular(t *testing.T) {
	f := newFixture(t)
	res := f.search(t, f.clients["grpc"], &searchv1.SearchProductsRequest{Query: "龙井 防晒"})
	fallback := ids(res.GetFallbackHits())
	if res.GetTotal() != 0 || res.GetFallback() != searchv1.SearchFallback_SEARCH_FALLBACK_SOME_WORDS || len(fallback) != 10 {
		t.Fatalf("龙井 防晒: total %d, fallback %v %v; want 0 and the 10 products with one of the words", res.GetTotal(), res.GetFallback(), fallback)
	}
	if !slices.Equal(slices.Sorted(slices.Values(fallback)), slices.Concat(longjing, sunscreen)) {
		t.Errorf("some-words fallback %v", fallback)
	}
	res = f.search(t, f.clients["grpc"], &searchv1.SearchProductsRequest{Query: "量子计算机"})
	if res.GetFallback() != searchv1.SearchFallback_SEARCH_FALLBACK_POPULAR || len(res.GetFallbackHits()) == 0 {
		t.Fatalf("量子计算机: fallback %v with %d", res.GetFallback(), len(res.GetFallbackHits()))
	}
	for i := 1; i < len(res.GetFallbackHits()); i++ {
		if res.GetFallbackHits()[i-1].GetProduct().GetSalesCount() < res.GetFallbackHits()[i].GetProduct().GetSalesCount() {
			t.Fatal("popular fallback not by sales")
		}
	}
}

func TestTitlesShowWhatMatched(t *testing.T) {
	f := newFixture(t)
	res := f.search(t, f.clients["grpc"], &searchv1.SearchProductsRequest{Query: "龙井 gift", PageSize: 1})
	var marked []string
	var whole strings.Builder
	for _, s := range res.GetHits()[0].GetTitleSpans() {
		whole.WriteString(s.GetText())
		if s.GetMatched() {
			marked = append(marked, s.GetText())
		}
	}
	if whole.String() != res.GetHits()[0].GetProduct().GetTitle() || !slices.Equal(marked, []string{"龙井", "Gift"}) {
		t.Errorf("spans %v of %q: marked %v, want 龙井 and Gift", res.GetHits()[0].GetTitleSpans(), res.GetHits()[0].GetProduct().GetTitle(), marked)
	}
}

func TestASearchBeforeTheIndexIsReadyIsRefused(t *testing.T) {
	testenv.Integration(t)
	engine, err := NewBleveEngine(filepath.Join(t.TempDir(), "index"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = engine.Close() }()
	svc := NewService(NewIndexer(engine, testenv.Logger()), testenv.Redis(t), testenv.Logger(), DefaultOptions())
	_, err = svc.SearchProducts(context.Background(), connect.NewRequest(&searchv1.SearchProductsRequest{Query: "龙井"}))
	testenv.WantCode(t, err, connect.CodeUnavailable, ReasonIndexWarming)
	_, err = svc.SuggestSearches(context.Background(), connect.NewRequest(&searchv1.SuggestSearchesRequest{Prefix: "龙"}))
	testenv.WantCode(t, err, connect.CodeUnavailable, ReasonIndexWarming)
}

// TestHotSearchesCountShoppersNotRequests: one shopper repeating a query
// 50 times (or paging through it) does not make it hot; three do.
func TestHotSearchesCountShoppersNotRequests(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	as := func(user string, req *searchv1.SearchProductsRequest) *searchv1.SearchProductsResponse {
		r := connect.NewRequest(req)
		r.Header().Set("Authorization", "Bearer "+testenv.Token(t, f.keys, user, auth.RoleUser))
		res, err := f.clients["grpc"].SearchProducts(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		return res.Msg
	}
	for range 50 {
		as("spammer", &searchv1.SearchProductsRequest{Query: "铁观音"})
	}
	page := as("reader", &searchv1.SearchProductsRequest{Query: "tea", PageSize: 2})
	for _, user := range []string{"u1", "u2"} {
		as(user, &searchv1.SearchProductsRequest{Query: "tea", PageSize: 2, PageToken: page.GetNextPageToken()})
	}
	for _, user := range []string{"u1", "u2", "u3"} {
		as(user, &searchv1.SearchProductsRequest{Query: " 龙井  绿茶 "})
		as(user, &searchv1.SearchProductsRequest{Query: "量子计算机"}) // found nothing: never hot
	}
	var hot []string
	testenv.Eventually(t, 5*time.Second, "龙井 绿茶 hot", func() bool {
		res, err := f.clients["connect-json"].GetHotSearches(ctx, connect.NewRequest(&searchv1.GetHotSearchesRequest{}))
		hot = res.Msg.GetQueries()
		return err == nil && slices.Contains(hot, "龙井 绿茶")
	})
	if len(hot) != 1 {
		t.Errorf("hot searches %v, want only 龙井 绿茶 (铁观音: one shopper; tea: one first page; 量子计算机: nothing found)", hot)
	}
	// Suggestions put the hot search first, then titles.
	res, err := f.clients["grpc"].SuggestSearches(ctx, connect.NewRequest(&searchv1.SuggestSearchesRequest{Prefix: "龙井"}))
	if err != nil {
		t.Fatal(err)
	}
	got := res.Msg.GetSuggestions()
	if len(got) < 2 || got[0].GetText() != "龙井 绿茶" || !got[0].GetHot() || got[1].GetHot() || !strings.HasPrefix(got[1].GetText(), "龙井绿茶") {
		t.Errorf("suggestions for 龙井: %v", got)
	}
}

func TestSuggestionsCompleteTheLastWord(t *testing.T) {
	f := newFixture(t)
	for prefix, want := range map[string]string{"龙": "龙井绿茶", "gre": "龙井绿茶", "three bo": "三体", "Ｓｕｎｓ": "防晒霜", "坚果礼": "坚果礼盒"} {
		res, err := f.clients["connect-json"].SuggestSearches(context.Background(), connect.NewRequest(&searchv1.SuggestSearchesRequest{Prefix: prefix, Limit: 3}))
		if err != nil {
			t.Fatal(err)
		}
		got := res.Msg.GetSuggestions()
		if len(got) == 0 || len(got) > 3 || !strings.HasPrefix(got[0].GetText(), want) {
			t.Errorf("%q: %v, want up to 3 starting with %s", prefix, got, want)
			continue
		}
		if !slices.ContainsFunc(got[0].GetSpans(), (*searchv1.TextSpan).GetMatched) {
			t.Errorf("%q: nothing marked in %v", prefix, got[0].GetSpans())
		}
	}
	// Nothing searchable typed: no suggestion, no error.
	res, err := f.clients["grpc"].SuggestSearches(context.Background(), connect.NewRequest(&searchv1.SuggestSearchesRequest{Prefix: "·"}))
	if err != nil || len(res.Msg.GetSuggestions()) != 0 {
		t.Errorf("·: %v %v", res, err)
	}
}

// TestANewKafkaClusterGetsTheWholeCatalog: the relay finds the topic empty
// (a new cluster, or a development process's embedded one after a
// restart) while nothing is queued, and publishes every product again.
func TestANewKafkaClusterGetsTheWholeCatalog(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	testenv.Eventually(t, 5*time.Second, "the queue drained", func() bool {
		pending, err := f.catalog.PendingCatalogChanges(ctx)
		return err == nil && pending == 0
	})
	f.stopRelay() // one relay per queue: the new cluster's takes it all
	fresh := &fixture{catalog: f.catalog, db: f.db}
	var err error
	if fresh.cluster, err = kafka.Connect(nil, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fresh.cluster.Close)
	runCtx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	fresh.relay(t, runCtx)
	engine, err := NewBleveEngine(filepath.Join(t.TempDir(), "index"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = engine.Close() })
	fresh.indexer = NewIndexer(engine, testenv.Logger())
	fresh.svc = NewService(fresh.indexer, testenv.Redis(t), testenv.Logger(), DefaultOptions())
	fresh.run(t, runCtx)
	t.Cleanup(cancel)
	testenv.Eventually(t, 10*time.Second, "the whole catalog in the new cluster's index", func() bool {
		return fresh.indexer.Applied() >= 200
	})
	res, err := fresh.svc.SearchProducts(ctx, connect.NewRequest(&searchv1.SearchProductsRequest{Query: "tea"}))
	if err != nil || res.Msg.GetTotal() != 25 {
		t.Fatalf("tea in the new index: %v %v", res, err)
	}
}
