package search

import (
	"encoding/base64"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	blevesearch "github.com/blevesearch/bleve/v2/search"

	"connectrpc.com/connect"

	searchv1 "mall/gen/mall/search/v1"
	"mall/services/platform/testenv"
)

// A search page token is the last hit's sort key bound to its words,
// filters and order; any other search's token, a cut or forged one is
// refused with invalid_argument BAD_PAGE_TOKEN.
func TestSearchPageTokens(t *testing.T) {
	lo := int64(100)
	q := Query{Words: []string{"龙井", "tea"}, Category: "c01", MinPrice: &lo, Order: OrderRelevance}
	after := []string{"1.25", sortKey(42) + "p0003"}
	token := encodePageToken(q, after)
	if got, err := decodePageToken(token, q); err != nil || !slices.Equal(got, after) {
		t.Fatalf("the token reads back as %v, %v", got, err)
	}
	if got, err := decodePageToken("", q); err != nil || got != nil {
		t.Fatalf("no token: %v, %v", got, err)
	}
	with := func(edit func(*Query)) Query {
		c := q
		edit(&c)
		return c
	}
	hi := int64(100)
	for what, bad := range map[string]struct {
		token string
		query Query
	}{
		"other words":           {token, with(func(c *Query) { c.Words = []string{"龙井"} })},
		"another category":      {token, with(func(c *Query) { c.Category = "c02" })},
		"no minimum price":      {token, with(func(c *Query) { c.MinPrice = nil })},
		"a maximum price":       {token, with(func(c *Query) { c.MaxPrice = &hi })},
		"in stock only":         {token, with(func(c *Query) { c.InStockOnly = true })},
		"another order":         {token, with(func(c *Query) { c.Order = OrderSales })},
		"garbage":               {"%%%", q},
		"too few sort values":   {encodePageToken(q, after[:1]), q},
		"too many sort values":  {encodePageToken(q, append(after, "x")), q},
		"a score not a number":  {encodePageToken(q, []string{"high", "11p1"}), q},
		"a sort value too long": {encodePageToken(q, []string{"1", string(make([]byte, maxSortValue+1))}), q},
		"not JSON":              {base64.RawURLEncoding.EncodeToString(append(fingerprintBytes(q), "[1,"...)), q},
	} {
		_, err := decodePageToken(bad.token, bad.query)
		if connect.CodeOf(err) != connect.CodeInvalidArgument {
			t.Errorf("%s: %v, want invalid_argument", what, err)
		}
	}
	for n := 1; n < len(token); n++ {
		if _, err := decodePageToken(token[:n], q); err == nil {
			t.Errorf("a token cut to %d characters was taken", n)
		}
	}
	testenv.WantCode(t, errBadPageToken(), connect.CodeInvalidArgument, ReasonBadPageToken)
}

// A relevance page holds the best hits after the cursor by score, then
// sales key, whichever order they arrive in and however many tie: paging
// through gives every hit once, in the order of sorting them all.
func TestRankedPagesFollowTheFullOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var all []rankedHit
	for n := range 500 {
		// Few scores and sales, so that most hits tie on both.
		all = append(all, rankedHit{score: float64(rng.IntN(4)) / 2, key: sortKey(rng.Int64N(3)) + fmt.Sprintf("p%04d", n)})
	}
	want := slices.Clone(all)
	slices.SortFunc(want, func(a, b rankedHit) int {
		if a.before(b) {
			return -1
		}
		return 1
	})
	for _, size := range []int{1, 7, 20, 51} {
		var got []rankedHit
		var after *rankedHit
		for range len(all) + 1 {
			page := &rankedPage{size: size, after: after}
			for _, i := range rng.Perm(len(all)) {
				h := all[i]
				h.match = &blevesearch.DocumentMatch{}
				if !page.mayHold(h.score) {
					if on := slices.ContainsFunc(want[len(got):min(len(got)+size, len(want))], func(w rankedHit) bool { return w.key == h.key }); on {
						t.Fatalf("size %d: %v ruled out by its score, but it is on the page", size, h)
					}
					continue
				}
				if dropped := page.add(h); dropped == h.match && slices.ContainsFunc(page.hits, func(p rankedHit) bool { return p.match == dropped }) {
					t.Fatalf("size %d: add returned a match it kept", size)
				}
			}
			if len(page.hits) == 0 {
				break
			}
			if len(page.hits) > size {
				t.Fatalf("size %d: a page of %d", size, len(page.hits))
			}
			got = append(got, page.hits...)
			last := page.hits[len(page.hits)-1]
			after = &last
		}
		if len(got) != len(want) {
			t.Fatalf("size %d: %d hits paged through, want %d", size, len(got), len(want))
		}
		for i := range want {
			if got[i].key != want[i].key || got[i].score != want[i].score {
				t.Fatalf("size %d: hit %d is %v, want %v", size, i, got[i], want[i])
			}
		}
	}
}

func TestSortKeysOrderAsTheirNumbers(t *testing.T) {
	numbers := []int64{0, 1, 9, 15, 16, 255, 256, 4095, 1 << 20, 1<<40 + 3, math.MaxInt64}
	for i := 1; i < len(numbers); i++ {
		if a, b := sortKey(numbers[i-1]), sortKey(numbers[i]); a >= b {
			t.Errorf("sortKey(%d) = %q is not before sortKey(%d) = %q", numbers[i-1], a, numbers[i], b)
		}
	}
	if sortKey(-5) != sortKey(0) {
		t.Errorf("a negative number keys as %q", sortKey(-5))
	}
	for _, id := range []string{"p0001", "1", "bench-x-000042"} {
		if got := salesKeyID(sortKey(123456) + id); got != id {
			t.Errorf("the id of a key for %q reads back as %q", id, got)
		}
	}
	if got := salesKeyID(sortKey(5)); got != "" {
		t.Errorf("a key without an id reads back as %q", got)
	}
}

func TestSpansCutTheTitleAtItsMatches(t *testing.T) {
	title := "龙井绿茶 礼盒装 · Gift Box"
	text := func(spans []*searchv1.TextSpan) (whole string, marked []string) {
		for _, s := range spans {
			whole += s.GetText()
			if s.GetMatched() {
				marked = append(marked, s.GetText())
			}
		}
		return whole, marked
	}
	for _, c := range []struct {
		matches [][2]int
		marked  []string
	}{
		{[][2]int{{0, 6}, {13, 19}}, []string{"龙井", "礼盒"}},
		{nil, nil},
		{[][2]int{{1, 4}}, nil}, // not on a character boundary
		{[][2]int{{0, 6}, {3, 9}}, []string{"龙井"}}, // overlapping (merged before) are skipped
		{[][2]int{{26, 1000}}, []string{"Gift Box"}},
	} {
		whole, marked := text(spans(title, c.matches))
		if whole != title || !slices.Equal(marked, c.marked) {
			t.Errorf("spans(%v): %q marked %q, want the title and %q", c.matches, whole, marked, c.marked)
		}
	}
	if got := completable([]string{"三体", "a"}); !slices.Equal(got, []string{"三体"}) {
		t.Errorf("completable dropped %v", got)
	}
	if got := completable([]string{"龙"}); !slices.Equal(got, []string{"龙"}) {
		t.Errorf("one Chinese character is completable: %v", got)
	}
}
