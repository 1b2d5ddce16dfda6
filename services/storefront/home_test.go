package storefront_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	productv1 "mall/gen/mall/product/v1"
	storefrontv1 "mall/gen/mall/storefront/v1"
	"mall/gen/mall/storefront/v1/storefrontv1connect"
	"mall/services/platform/auth"
	"mall/services/platform/testenv"
	"mall/services/storefront"
)

func productIDs(ps []*productv1.Product) []string {
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.GetProductId()
	}
	return ids
}

// checkParts asserts that exactly the parts in degraded are missing and that
// every other part has its fixture content.
func checkParts(t *testing.T, home *storefrontv1.GetHomeResponse, degraded ...storefrontv1.HomePart) {
	t.Helper()
	if !slices.Equal(home.GetDegradedParts(), degraded) {
		t.Fatalf("degraded parts %v, want %v", home.GetDegradedParts(), degraded)
	}
	present := map[storefrontv1.HomePart]bool{
		storefrontv1.HomePart_HOME_PART_BANNERS:         len(home.GetBanners()) == 2,
		storefrontv1.HomePart_HOME_PART_FLASH_SALES:     len(home.GetFlashSales()) == 2,
		storefrontv1.HomePart_HOME_PART_RANKING:         len(home.GetRanking()) == 2,
		storefrontv1.HomePart_HOME_PART_RECOMMENDATIONS: len(home.GetRecommendations()) > 0,
		storefrontv1.HomePart_HOME_PART_CATEGORIES:      len(home.GetCategories()) == 2,
	}
	empty := map[storefrontv1.HomePart]bool{
		storefrontv1.HomePart_HOME_PART_BANNERS:         len(home.GetBanners()) == 0,
		storefrontv1.HomePart_HOME_PART_FLASH_SALES:     len(home.GetFlashSales()) == 0,
		storefrontv1.HomePart_HOME_PART_RANKING:         len(home.GetRanking()) == 0,
		storefrontv1.HomePart_HOME_PART_RECOMMENDATIONS: len(home.GetRecommendations()) == 0,
		storefrontv1.HomePart_HOME_PART_CATEGORIES:      len(home.GetCategories()) == 0,
	}
	for part, ok := range present {
		if slices.Contains(degraded, part) {
			if !empty[part] {
				t.Errorf("%v is degraded but not empty: %v", part, home)
			}
		} else if !ok {
			t.Errorf("%v missing or incomplete: %v", part, home)
		}
	}
}

func TestGetHomeReturnsEveryPartWhenUpstreamsAnswer(t *testing.T) {
	for mode, cacheOn := range cacheModes() {
		e := startEnv(t, envOptions{cacheOn: cacheOn})
		for protocol, client := range e.clients() {
			t.Run(mode+"/"+protocol, func(t *testing.T) {
				res, err := client.GetHome(context.Background(), connect.NewRequest(&storefrontv1.GetHomeRequest{}))
				if err != nil {
					t.Fatal(err)
				}
				home := res.Msg
				checkParts(t, home)
				if got := home.GetBanners()[0].GetBannerId(); got != "b1" {
					t.Errorf("banners out of order: first %s", got)
				}
				if got := []string{home.GetFlashSales()[0].GetEventId(), home.GetFlashSales()[1].GetEventId()}; !slices.Equal(got, []string{"e1", "e2"}) {
					t.Errorf("flash sales %v", got)
				}
				if top := home.GetRanking()[0]; top.GetRank() != 1 || top.GetProduct().GetProductId() != "p1" || top.GetScore() != 120 {
					t.Errorf("ranking starts with %v", top)
				}
				if got := productIDs(home.GetRecommendations()); !slices.Equal(got, []string{"p3", "p1"}) {
					t.Errorf("anonymous recommendations %v, want the global ones", got)
				}
				var roots []string
				for _, c := range home.GetCategories() {
					roots = append(roots, c.GetCategoryId())
				}
				if !slices.Equal(roots, []string{"c-tea", "c-coffee"}) {
					t.Errorf("category shortcuts %v, want the roots", roots)
				}
				// Home lists carry product cards: the long description stays on
				// the product page.
				for _, p := range append(home.GetRecommendations(), home.GetRanking()[0].GetProduct()) {
					if p.GetDescription() != "" || p.GetTitle() == "" || p.GetPriceCents() == 0 {
						t.Errorf("card %v", p)
					}
				}
			})
		}
	}
}

func TestGetHomeDegradesOnlyTheFailingPart(t *testing.T) {
	cases := []struct {
		name   string
		break_ func(e *env)
		part   storefrontv1.HomePart
	}{
		{"banners fail", func(e *env) { e.ctl.set("ListBanners", fail) }, storefrontv1.HomePart_HOME_PART_BANNERS},
		{"seckill stopped", func(e *env) { e.stopSeckill() }, storefrontv1.HomePart_HOME_PART_FLASH_SALES},
		{"seckill slow", func(e *env) { e.hangs("ListEvents") }, storefrontv1.HomePart_HOME_PART_FLASH_SALES},
		{"ranking slow", func(e *env) { e.hangs("GetRanking") }, storefrontv1.HomePart_HOME_PART_RANKING},
		{"recommendations fail", func(e *env) { e.ctl.set("GetRecommendations", fail) }, storefrontv1.HomePart_HOME_PART_RECOMMENDATIONS},
		{"categories fail", func(e *env) { e.ctl.set("ListCategories", fail) }, storefrontv1.HomePart_HOME_PART_CATEGORIES},
	}
	for mode, cacheOn := range cacheModes() {
		for _, tc := range cases {
			t.Run(mode+"/"+tc.name, func(t *testing.T) {
				e := startEnv(t, envOptions{cacheOn: cacheOn})
				tc.break_(e)
				for protocol, client := range e.clients() {
					start := time.Now()
					res, err := client.GetHome(context.Background(), connect.NewRequest(&storefrontv1.GetHomeRequest{}))
					if err != nil {
						t.Fatalf("%s: GetHome failed as a whole: %v", protocol, err)
					}
					if elapsed := time.Since(start); elapsed > 5*time.Second {
						t.Fatalf("%s: GetHome took %v with a %v part deadline", protocol, elapsed, partDeadline)
					}
					checkParts(t, res.Msg, tc.part)
				}
			})
		}
	}
}

func TestGetHomeDegradesUpstreamsNotBuiltYet(t *testing.T) {
	for mode, cacheOn := range cacheModes() {
		e := startEnv(t, envOptions{cacheOn: cacheOn, unbuilt: true})
		for protocol, client := range e.clients() {
			t.Run(mode+"/"+protocol, func(t *testing.T) {
				for _, token := range []string{"", e.token("alice")} {
					res, err := client.GetHome(context.Background(), testenv.Bearer(token, &storefrontv1.GetHomeRequest{}))
					if err != nil {
						t.Fatal(err)
					}
					// Seckill answers unimplemented: its part degrades. The user
					// service too: a logged-in caller gets the global
					// recommendations instead of personal ones.
					checkParts(t, res.Msg, storefrontv1.HomePart_HOME_PART_FLASH_SALES)
					if got := productIDs(res.Msg.GetRecommendations()); !slices.Equal(got, []string{"p3", "p1"}) {
						t.Errorf("recommendations %v, want the global ones", got)
					}
				}
			})
		}
	}
}

func TestGetHomePersonalisesForTheVerifiedUser(t *testing.T) {
	for mode, cacheOn := range cacheModes() {
		e := startEnv(t, envOptions{cacheOn: cacheOn})
		forger, err := auth.GenerateKeys()
		if err != nil {
			t.Fatal(err)
		}
		forged, _, err := forger.Issue("alice", []string{auth.RoleUser}, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		for protocol, client := range e.clients() {
			t.Run(mode+"/"+protocol, func(t *testing.T) {
				before := len(e.ctl.asked("ListFavoriteProductIds"))
				res, err := client.GetHome(context.Background(), testenv.Bearer(e.token("alice"), &storefrontv1.GetHomeRequest{}))
				if err != nil {
					t.Fatal(err)
				}
				checkParts(t, res.Msg)
				// alice's favorites are p2 (green tea) then p1 (tea).
				if got := productIDs(res.Msg.GetRecommendations()); !slices.Equal(got, []string{"p2", "p1"}) {
					t.Fatalf("alice's recommendations %v, want her categories' products [p2 p1]", got)
				}
				asked := e.ctl.asked("ListFavoriteProductIds")[before:]
				if !slices.Equal(asked, []string{"alice"}) {
					t.Fatalf("favorites asked for %v, want [alice]", asked)
				}
				// Internal RPC: the user service saw the storefront's credential.
				if callers := e.ctl.callerSubjects("ListFavoriteProductIds"); callers[len(callers)-1] != "storefront" {
					t.Fatalf("favorites called by %v", callers)
				}
				e.ctl.mu.Lock()
				taste := e.ctl.tastes[len(e.ctl.tastes)-1]
				e.ctl.mu.Unlock()
				if !slices.Equal(taste, []string{"c-green", "c-tea"}) {
					t.Fatalf("recommendations asked for categories %v, want [c-green c-tea]", taste)
				}

				// bob has no favorites: global recommendations.
				res, err = client.GetHome(context.Background(), testenv.Bearer(e.token("bob"), &storefrontv1.GetHomeRequest{}))
				if err != nil {
					t.Fatal(err)
				}
				if got := productIDs(res.Msg.GetRecommendations()); !slices.Equal(got, []string{"p3", "p1"}) {
					t.Fatalf("bob's recommendations %v, want the global ones", got)
				}
				if asked := e.ctl.asked("ListFavoriteProductIds")[before:]; !slices.Equal(asked, []string{"alice", "bob"}) {
					t.Fatalf("favorites asked for %v", asked)
				}

				// Anonymous, or a token the server cannot verify: nobody's favorites.
				for _, token := range []string{"", forged} {
					res, err = client.GetHome(context.Background(), testenv.Bearer(token, &storefrontv1.GetHomeRequest{}))
					if err != nil {
						t.Fatal(err)
					}
					if got := productIDs(res.Msg.GetRecommendations()); !slices.Equal(got, []string{"p3", "p1"}) {
						t.Fatalf("recommendations %v, want the global ones", got)
					}
				}
				if asked := e.ctl.asked("ListFavoriteProductIds")[before:]; len(asked) != 2 {
					t.Fatalf("favorites asked for %v after anonymous calls", asked)
				}
			})
		}
	}
}

func TestWarmHomeCacheMakesNoUpstreamCall(t *testing.T) {
	e := startEnv(t, envOptions{cacheOn: true, opts: []storefront.Option{
		storefront.WithRefreshInterval(time.Hour), storefront.WithMaxStale(2 * time.Hour),
	}})
	ctx := context.Background()
	for protocol, client := range e.clients() {
		if _, err := client.GetHome(ctx, connect.NewRequest(&storefrontv1.GetHomeRequest{})); err != nil {
			t.Fatal(protocol, err)
		}
	}
	warm := e.ctl.total()
	if warm != 5 {
		t.Fatalf("filling the cache took %d upstream calls, want 5 (one per part, once)", warm)
	}
	for protocol, client := range e.clients() {
		for range 20 {
			res, err := client.GetHome(ctx, connect.NewRequest(&storefrontv1.GetHomeRequest{}))
			if err != nil {
				t.Fatal(protocol, err)
			}
			checkParts(t, res.Msg)
		}
	}
	if n := e.ctl.total(); n != warm {
		t.Fatalf("warm anonymous GetHome made %d upstream calls", n-warm)
	}

	// Off: every GetHome fans out to every part.
	e.svc.SetCacheEnabled(false)
	for protocol, client := range e.clients() {
		if _, err := client.GetHome(ctx, connect.NewRequest(&storefrontv1.GetHomeRequest{})); err != nil {
			t.Fatal(protocol, err)
		}
	}
	if n := e.ctl.total() - warm; n != 10 {
		t.Fatalf("two GetHome with the cache off made %d upstream calls, want 10", n)
	}
}

func TestHomeCacheRetriesFailedPartsAndKeepsLastGoodOnes(t *testing.T) {
	e := startEnv(t, envOptions{cacheOn: true, opts: []storefront.Option{
		storefront.WithRefreshInterval(20 * time.Millisecond), storefront.WithMaxStale(time.Hour),
	}})
	client := e.clients()["grpc"]
	home := func() *storefrontv1.GetHomeResponse {
		res, err := client.GetHome(context.Background(), connect.NewRequest(&storefrontv1.GetHomeRequest{}))
		if err != nil {
			t.Fatal(err)
		}
		return res.Msg
	}

	// Banners fail while the cache fills: degraded, the rest served.
	e.ctl.set("ListBanners", fail)
	checkParts(t, home(), storefrontv1.HomePart_HOME_PART_BANNERS)

	// The next refreshes retry them. The refresh runs in the background: no
	// timing is asserted, only that it happens.
	e.ctl.set("ListBanners", answer)
	testenv.Eventually(t, 10*time.Second, "banners come back after the failure", func() bool { return len(home().GetDegradedParts()) == 0 })
	checkParts(t, home())

	// Failing again later: the last good banners are still shown
	// (within max-stale) while refreshes keep failing.
	e.ctl.set("ListBanners", fail)
	failures := e.ctl.count("ListBanners")
	testenv.Eventually(t, 10*time.Second, "two more refreshes", func() bool {
		checkParts(t, home())
		return e.ctl.count("ListBanners") >= failures+2
	})
}

// The cached page is encoded once per codec; what goes on the wire must be
// what connect's own codecs would have written.
func TestCachedHomeIsEncodedLikeAnyOtherAnswer(t *testing.T) {
	e := startEnv(t, envOptions{cacheOn: true, opts: []storefront.Option{
		storefront.WithRefreshInterval(time.Hour), storefront.WithMaxStale(2 * time.Hour),
	}})
	post := func(contentType, body string) []byte {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, e.url+storefrontv1connect.StorefrontServiceGetHomeProcedure, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", contentType)
		res, err := e.http1.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		data, err := io.ReadAll(res.Body)
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s %v", contentType, res.StatusCode, data, err)
		}
		return data
	}
	for _, tc := range []struct {
		contentType, body string
		decode            func([]byte, proto.Message) error
		encode            func(proto.Message) ([]byte, error)
	}{
		{"application/proto", "", proto.Unmarshal, proto.Marshal},
		{"application/json", "{}", protojson.Unmarshal, protojson.Marshal},
		{"application/json; charset=utf-8", "{}", protojson.Unmarshal, protojson.Marshal},
	} {
		first, second := post(tc.contentType, tc.body), post(tc.contentType, tc.body)
		if !bytes.Equal(first, second) {
			t.Fatalf("%s: two answers from one snapshot differ", tc.contentType)
		}
		var home storefrontv1.GetHomeResponse
		if err := tc.decode(first, &home); err != nil {
			t.Fatalf("%s: %v", tc.contentType, err)
		}
		checkParts(t, &home)
		want, err := tc.encode(&home)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, want) {
			t.Fatalf("%s: wire bytes differ from the codec's encoding:\n%s\n%s", tc.contentType, first, want)
		}
	}
}
