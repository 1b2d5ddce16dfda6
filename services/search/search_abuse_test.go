package search

import (
	"context"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/twmb/franz-go/pkg/kgo"

	searchv1 "mall/gen/mall/search/v1"
	"mall/services/platform/auth"
	"mall/services/platform/testenv"
)

// TestNothingRidesIntoTheHotSearchesOnAWordTheSearchIgnores: every query
// below finds the tea products through "tea" alone; the rest (English stop
// words, emoji, punctuation) is ignored by the
// search, so three accounts searching them would publish any sentence made
// of them. Only the query without such words becomes hot.
func TestNothingRidesIntoTheHotSearchesOnAWordTheSearchIgnores(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	riders := []string{
		"tea is not why you should be here",
		"tea-is-not-why-you-should-be-here",
		"tea💩💩",
		"tea!!!",
		"龙井the",
	}
	for _, user := range []string{"u1", "u2", "u3"} {
		for _, q := range append(slices.Clone(riders), "绿茶") {
			r := connect.NewRequest(&searchv1.SearchProductsRequest{Query: q})
			r.Header().Set("Authorization", "Bearer "+testenv.Token(t, f.keys, user, auth.RoleUser))
			res, err := f.clients["grpc"].SearchProducts(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			if res.Msg.GetTotal() == 0 {
				t.Fatalf("%q found nothing: it proves nothing about the hot list", q)
			}
		}
	}
	var hot []string
	testenv.Eventually(t, 5*time.Second, "绿茶 hot", func() bool {
		res, err := f.clients["connect-json"].GetHotSearches(ctx, connect.NewRequest(&searchv1.GetHotSearchesRequest{Limit: 20}))
		if err != nil {
			return false
		}
		hot = res.Msg.GetQueries()
		return slices.Contains(hot, "绿茶")
	})
	if !slices.Equal(hot, []string{"绿茶"}) {
		t.Errorf("hot searches %q, want only 绿茶", hot)
	}
}

// TestASingleLetterIsNotExpandedWhateverSurroundsIt: a letter or digit
// with a sign after it ("g.") or after a Chinese character is still one
// letter to complete, which would expand to every indexed word it starts.
func TestASingleLetterIsNotExpandedWhateverSurroundsIt(t *testing.T) {
	f := newFixture(t)
	for _, prefix := range []string{"g.", "g!", "(g", "1.", "绿g"} {
		res, err := f.clients["grpc"].SuggestSearches(context.Background(), connect.NewRequest(&searchv1.SuggestSearchesRequest{Prefix: prefix}))
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Msg.GetSuggestions(); len(got) != 0 {
			t.Errorf("%q suggests %v, want nothing", prefix, got)
		}
	}
}

// TestTheHotSearchKeysStayBounded: one searcher sending endless distinct
// queries (each found something) must not grow Valkey without bound: the
// searcher's queries counted in a week are capped (one key per searcher,
// not one per query), and the week's sets drop the least searched.
func TestTheHotSearchKeysStayBounded(t *testing.T) {
	testenv.Integration(t)
	ctx := context.Background()
	client := testenv.Redis(t)
	prefix := "test:" + testenv.RandomID(4) + ":search:"
	h := newHotSearches(client, prefix, 0, testenv.Logger())
	h.maxQueries, h.perSearcher = 5, 3
	for _, searcher := range []string{"a", "b", "c"} {
		h.record("绿茶", searcher)
	}
	h.flush(ctx)
	for i := range 40 {
		h.record("spam"+strconv.Itoa(i), "spammer")
		h.record("more"+strconv.Itoa(i), "spammer"+strconv.Itoa(i%10))
	}
	h.flush(ctx)
	t.Cleanup(func() {
		keys, _ := client.Do(context.Background(), client.B().Keys().Pattern(prefix+"*").Build()).AsStrSlice()
		for _, k := range keys {
			client.Do(context.Background(), client.B().Del().Key(k).Build())
		}
	})
	keys, err := client.Do(ctx, client.B().Keys().Pattern(prefix+"*").Build()).AsStrSlice()
	if err != nil {
		t.Fatal(err)
	}
	// The week's three sets, a, b, c, spammer and spammer0…9.
	if len(keys) > 3+3+1+10 {
		t.Errorf("%d keys for 14 searchers, want one per searcher", len(keys))
	}
	for _, k := range keys {
		if strings.Contains(k, ":by:") {
			n, err := client.Do(ctx, client.B().Scard().Key(k).Build()).AsInt64()
			if err != nil || n > 3 {
				t.Errorf("%s holds %d queries (%v), want at most 3", k, n, err)
			}
		}
	}
	week, _ := h.week(h.now())
	scores, searchers, _ := h.weekKeys(week)
	for _, key := range []string{scores, searchers} {
		n, err := client.Do(ctx, client.B().Zcard().Key(key).Build()).AsInt64()
		if err != nil {
			t.Fatal(err)
		}
		if n > 5 {
			t.Errorf("%s holds %d queries, want at most 5", key, n)
		}
	}
	top, err := h.top(ctx)
	if err != nil || !slices.Equal(top, []string{"绿茶"}) {
		t.Errorf("hot searches %q %v, want 绿茶 kept", top, err)
	}
}

// TestKafkaDownAtStartLeavesSearchWarming: the topic's end cannot be read
// (the broker is down longer than the client retries); the indexer keeps
// trying and search answers "warming", instead of Run failing, which ends
// the whole serving process (every domain in it) with it.
func TestKafkaDownAtStartLeavesSearchWarming(t *testing.T) {
	engine, err := NewBleveEngine(filepath.Join(t.TempDir(), "index"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = engine.Close() }()
	ix := NewIndexer(engine, testenv.Logger())
	client, err := kgo.NewClient(append(IndexerConsumerOptions(), kgo.SeedBrokers("127.0.0.1:1"), kgo.RetryTimeout(200*time.Millisecond))...)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := ix.Run(ctx, client); err != nil || ctx.Err() == nil {
		t.Errorf("Run ended before its context with %v: the serving process would exit", err)
	}
	if ix.IsReady() {
		t.Error("an index that read nothing is ready")
	}
}

// TestAQueryIsSearchedByAtMostEightDistinctWords: every word is a clause
// run over every product holding it, so 33 times a common word, or 28
// common words, cost 10 to 15 times one word (measured on 20 000
// products); repeats add nothing and words past the eighth rarely narrow.
func TestAQueryIsSearchedByAtMostEightDistinctWords(t *testing.T) {
	if got := usableWords(strings.Repeat("精选 ", 33)); !slices.Equal(got, []string{"精选"}) {
		t.Errorf("33 × 精选: %q, want one 精选", got)
	}
	got := usableWords("tea Tea ＴＥＡ green gift box plus classic family pack home camping tent book")
	want := []string{"tea", "green", "gift", "box", "plus", "classic", "family", "pack"}
	if !slices.Equal(got, want) {
		t.Errorf("words %q, want %q", got, want)
	}
}

// TestSearchesNobodyElseMadeCannotPushTheHotOnesOut: two accounts search
// 200 made-up queries late in the week; each outscores a query three
// shoppers searched days before, but none is hot (two searchers), so the
// hot list must still show the real one rather than nothing.
func TestSearchesNobodyElseMadeCannotPushTheHotOnesOut(t *testing.T) {
	testenv.Integration(t)
	ctx := context.Background()
	client := testenv.Redis(t)
	prefix := "test:" + testenv.RandomID(4) + ":search:"
	h := newHotSearches(client, prefix, 0, testenv.Logger())
	t.Cleanup(func() {
		keys, _ := client.Do(context.Background(), client.B().Keys().Pattern(prefix+"*").Build()).AsStrSlice()
		for _, k := range keys {
			client.Do(context.Background(), client.B().Del().Key(k).Build())
		}
	})
	weekStart := time.Unix(time.Now().Unix()/int64(hotWeek.Seconds())*int64(hotWeek.Seconds()), 0)
	h.now = func() time.Time { return weekStart.Add(time.Hour) }
	for _, searcher := range []string{"a", "b", "c"} {
		h.record("绿茶", searcher)
	}
	h.flush(ctx)
	h.now = func() time.Time { return weekStart.Add(3 * 24 * time.Hour) }
	for i := range 200 {
		h.record("made up "+strconv.Itoa(i), "x")
		h.record("made up "+strconv.Itoa(i), "y")
	}
	h.perSearcher = 1000
	h.flush(ctx)
	top, err := h.top(ctx)
	if err != nil || !slices.Equal(top, []string{"绿茶"}) {
		t.Errorf("hot searches %q %v, want 绿茶", top, err)
	}
}
