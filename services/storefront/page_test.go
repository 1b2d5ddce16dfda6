package storefront_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	seckillv1 "mall/gen/mall/seckill/v1"
	storefrontv1 "mall/gen/mall/storefront/v1"
	"mall/services/platform/testenv"
	"mall/services/storefront"
)

func TestGetProductPageReturnsEveryPart(t *testing.T) {
	e := startEnv(t, envOptions{cacheOn: true})
	for protocol, client := range e.clients() {
		t.Run(protocol, func(t *testing.T) {
			before := len(e.ctl.asked("IsFavoriteInternal"))
			res, err := client.GetProductPage(context.Background(), testenv.Bearer(e.token("alice"), &storefrontv1.GetProductPageRequest{ProductId: "p1"}))
			if err != nil {
				t.Fatal(err)
			}
			page := res.Msg
			if len(page.GetDegradedParts()) != 0 {
				t.Fatalf("degraded %v", page.GetDegradedParts())
			}
			if p := page.GetProduct(); p.GetProductId() != "p1" || p.GetDescription() == "" {
				t.Errorf("product %v (the product page keeps the description)", p)
			}
			if s := page.GetReviewSummary(); s.GetProductId() != "p1" || s.GetReviewCount() != 7 {
				t.Errorf("review summary %v", s)
			}
			if len(page.GetReviews()) != 2 || page.GetReviews()[0].GetReviewId() != "r2" || page.GetReviewsNextPageToken() != "more" {
				t.Errorf("reviews %v next %q", page.GetReviews(), page.GetReviewsNextPageToken())
			}
			if !page.GetIsFavorite() {
				t.Error("p1 is one of alice's favorites")
			}
			if page.GetFlashSale().GetEventId() != "e1" {
				t.Errorf("flash sale %v, want the live e1", page.GetFlashSale())
			}
			if asked := e.ctl.asked("IsFavoriteInternal")[before:]; !slices.Equal(asked, []string{"alice"}) {
				t.Fatalf("favorite asked for %v, want [alice]", asked)
			}
			if callers := e.ctl.callerSubjects("IsFavoriteInternal"); callers[len(callers)-1] != "storefront" {
				t.Fatalf("IsFavoriteInternal called by %v", callers)
			}

			// Anonymous: not a favorite, and the user service is not asked.
			res, err = client.GetProductPage(context.Background(), testenv.Bearer("", &storefrontv1.GetProductPageRequest{ProductId: "p3"}))
			if err != nil {
				t.Fatal(err)
			}
			if res.Msg.GetIsFavorite() || len(res.Msg.GetDegradedParts()) != 0 {
				t.Fatalf("anonymous page %v", res.Msg)
			}
			if res.Msg.GetFlashSale().GetEventId() != "e2" || res.Msg.GetFlashSale().GetState() != seckillv1.EventState_EVENT_STATE_UPCOMING {
				t.Errorf("p3 flash sale %v, want the upcoming e2", res.Msg.GetFlashSale())
			}
			if asked := e.ctl.asked("IsFavoriteInternal")[before:]; len(asked) != 1 {
				t.Fatalf("favorite asked for %v on an anonymous call", asked)
			}

			// bob has not favorited p1.
			res, err = client.GetProductPage(context.Background(), testenv.Bearer(e.token("bob"), &storefrontv1.GetProductPageRequest{ProductId: "p1"}))
			if err != nil {
				t.Fatal(err)
			}
			if res.Msg.GetIsFavorite() {
				t.Fatal("p1 is not bob's favorite")
			}
		})
	}
}

func TestGetProductPageErrors(t *testing.T) {
	e := startEnv(t, envOptions{cacheOn: true})
	for protocol, client := range e.clients() {
		t.Run(protocol, func(t *testing.T) {
			ctx := context.Background()
			_, err := client.GetProductPage(ctx, connect.NewRequest(&storefrontv1.GetProductPageRequest{ProductId: "nope"}))
			if connect.CodeOf(err) != connect.CodeNotFound {
				t.Fatalf("unknown product: want not_found, got %v", err)
			}
			testenv.WantCode(t, err, connect.CodeNotFound, storefront.ReasonProductNotFound)
			_, err = client.GetProductPage(ctx, connect.NewRequest(&storefrontv1.GetProductPageRequest{}))
			if connect.CodeOf(err) != connect.CodeInvalidArgument {
				t.Fatalf("empty product id: want invalid_argument, got %v", err)
			}
		})
	}
	// The product itself never degrades: its service failing fails the page,
	// with the storefront's own reason and message, not the upstream's.
	e.ctl.set("GetProduct", fail)
	for protocol, client := range e.clients() {
		_, err := client.GetProductPage(context.Background(), connect.NewRequest(&storefrontv1.GetProductPageRequest{ProductId: "p1"}))
		if connect.CodeOf(err) != connect.CodeUnavailable {
			t.Fatalf("%s: product service failing: want unavailable, got %v", protocol, err)
		}
		testenv.WantCode(t, err, connect.CodeUnavailable, storefront.ReasonProductUnavailable)
		if strings.Contains(err.Error(), "injected") {
			t.Fatalf("%s: the upstream's text reached the client: %v", protocol, err)
		}
	}
}

func TestGetProductPageDegradesOnlyTheFailingPart(t *testing.T) {
	cases := []struct {
		name   string
		break_ func(e *env)
		parts  []storefrontv1.ProductPagePart
	}{
		{"reviews fail", func(e *env) { e.ctl.set("GetReviewSummary", fail); e.ctl.set("ListReviews", fail) },
			[]storefrontv1.ProductPagePart{storefrontv1.ProductPagePart_PRODUCT_PAGE_PART_REVIEW_SUMMARY, storefrontv1.ProductPagePart_PRODUCT_PAGE_PART_REVIEWS}},
		{"review list slow", func(e *env) { e.hangs("ListReviews") },
			[]storefrontv1.ProductPagePart{storefrontv1.ProductPagePart_PRODUCT_PAGE_PART_REVIEWS}},
		{"favorites fail", func(e *env) { e.ctl.set("IsFavoriteInternal", fail) },
			[]storefrontv1.ProductPagePart{storefrontv1.ProductPagePart_PRODUCT_PAGE_PART_FAVORITE}},
		{"seckill slow", func(e *env) { e.hangs("ListEvents") },
			[]storefrontv1.ProductPagePart{storefrontv1.ProductPagePart_PRODUCT_PAGE_PART_FLASH_SALE}},
		{"seckill stopped", func(e *env) { e.stopSeckill() },
			[]storefrontv1.ProductPagePart{storefrontv1.ProductPagePart_PRODUCT_PAGE_PART_FLASH_SALE}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := startEnv(t, envOptions{cacheOn: true})
			tc.break_(e)
			for protocol, client := range e.clients() {
				start := time.Now()
				res, err := client.GetProductPage(context.Background(), testenv.Bearer(e.token("alice"), &storefrontv1.GetProductPageRequest{ProductId: "p1"}))
				if err != nil {
					t.Fatalf("%s: %v", protocol, err)
				}
				if elapsed := time.Since(start); elapsed > 5*time.Second {
					t.Fatalf("%s: took %v with a %v part deadline", protocol, elapsed, partDeadline)
				}
				page := res.Msg
				if !slices.Equal(page.GetDegradedParts(), tc.parts) {
					t.Fatalf("%s: degraded %v, want %v", protocol, page.GetDegradedParts(), tc.parts)
				}
				if page.GetProduct().GetProductId() != "p1" {
					t.Fatalf("%s: product %v", protocol, page.GetProduct())
				}
				has := map[storefrontv1.ProductPagePart]bool{
					storefrontv1.ProductPagePart_PRODUCT_PAGE_PART_REVIEW_SUMMARY: page.GetReviewSummary() != nil,
					storefrontv1.ProductPagePart_PRODUCT_PAGE_PART_REVIEWS:        len(page.GetReviews()) == 2,
					storefrontv1.ProductPagePart_PRODUCT_PAGE_PART_FAVORITE:       page.GetIsFavorite(),
					storefrontv1.ProductPagePart_PRODUCT_PAGE_PART_FLASH_SALE:     page.GetFlashSale() != nil,
				}
				for part, ok := range has {
					if ok == slices.Contains(tc.parts, part) {
						t.Errorf("%s: %v present=%v, degraded=%v", protocol, part, ok, tc.parts)
					}
				}
			}
		})
	}
}

// A part left out, and a product page without its product, are logged
// with the failed call's name, code and reason (the fields rpcerr.Upstream
// logs), so the log says which upstream failed.
func TestFailedUpstreamCallsAreLoggedByName(t *testing.T) {
	logs := &testenv.LogBuffer{}
	e := startEnv(t, envOptions{cacheOn: true, logs: logs})
	ctx := context.Background()
	client := e.clients()["grpc"]
	e.ctl.set("ListBanners", fail)
	e.ctl.set("IsFavoriteInternal", fail)
	if _, err := client.GetHome(ctx, connect.NewRequest(&storefrontv1.GetHomeRequest{})); err != nil {
		t.Fatal(err)
	}
	if _, err := client.GetProductPage(ctx, testenv.Bearer(e.token("alice"), &storefrontv1.GetProductPageRequest{ProductId: "p1"})); err != nil {
		t.Fatal(err)
	}
	e.ctl.set("GetProduct", fail)
	_, err := client.GetProductPage(ctx, connect.NewRequest(&storefrontv1.GetProductPageRequest{ProductId: "p1"}))
	testenv.WantCode(t, err, connect.CodeUnavailable, storefront.ReasonProductUnavailable)

	for msg, want := range map[string]map[string]any{
		"home part unavailable":      {"part": "HOME_PART_BANNERS", "call": "ProductService.ListBanners", "code": "unavailable", "reason": ""},
		"product page part degraded": {"part": "PRODUCT_PAGE_PART_FAVORITE", "call": "UserService.IsFavoriteInternal", "code": "unavailable", "reason": ""},
		"upstream call failed":       {"call": "ProductService.GetProduct", "code": "unavailable", "reason": "", "product_id": "p1"},
	} {
		if !slices.ContainsFunc(logs.Lines(t), func(line map[string]any) bool {
			for field, value := range want {
				if line[field] != value {
					return false
				}
			}
			return line["msg"] == msg
		}) {
			t.Errorf("no %q line with %v in %s", msg, want, logs)
		}
	}
}

func TestGetProductPageDegradesUpstreamsNotBuiltYet(t *testing.T) {
	e := startEnv(t, envOptions{cacheOn: true, unbuilt: true})
	want := []storefrontv1.ProductPagePart{
		storefrontv1.ProductPagePart_PRODUCT_PAGE_PART_REVIEW_SUMMARY,
		storefrontv1.ProductPagePart_PRODUCT_PAGE_PART_REVIEWS,
		storefrontv1.ProductPagePart_PRODUCT_PAGE_PART_FAVORITE,
		storefrontv1.ProductPagePart_PRODUCT_PAGE_PART_FLASH_SALE,
	}
	for protocol, client := range e.clients() {
		res, err := client.GetProductPage(context.Background(), testenv.Bearer(e.token("alice"), &storefrontv1.GetProductPageRequest{ProductId: "p1"}))
		if err != nil {
			t.Fatalf("%s: %v", protocol, err)
		}
		if !slices.Equal(res.Msg.GetDegradedParts(), want) || res.Msg.GetProduct().GetProductId() != "p1" {
			t.Fatalf("%s: %v", protocol, res.Msg)
		}
	}
}
