package search

import (
	"encoding/base64"
	"slices"
	"testing"

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
	after := []string{"1.25", "0000000000000000042", "p0003"}
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
		"too few sort values":   {encodePageToken(q, after[:2]), q},
		"a score not a number":  {encodePageToken(q, []string{"high", "1", "p1"}), q},
		"a sort value too long": {encodePageToken(q, []string{"1", string(make([]byte, 65)), "p1"}), q},
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
