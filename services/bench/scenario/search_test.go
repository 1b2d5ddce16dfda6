package scenario

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"mall/services/bench"
	"mall/services/platform/testenv"
)

// The search report is read by people and compared between runs: the
// catalog, index and mix lines, the phases in the order they ran, the
// ratios with their targets, and the notes (seeding, indexing, rebuild,
// p99, generator-bound phases, freshness) are kept exactly.
func TestSearchReportLayoutIsExact(t *testing.T) {
	want := strings.Join([]string{
		"mall bench search",
		"  32 clients",
		"  2 CPUs",
		"  index: bleve on disk in every serving process, fed from the Kafka topic mall.product.changes (8 partitions) that the product service relays the catalog's changes to",
		"  index of 100000 products: 150 MB on disk; the process's live heap once indexed 400 MB (the mall with the index's product cards, and the bench)",
		"  the mix: 200 queries",
		"  matches per query: median 200, 90th percentile 100000, max 100000; 1 of 5 match nothing (answered with a fallback)",
		"  the no-op and the generator's ceiling answer the recorded answer of the most frequent query that finds products (6123 bytes)",
		"",
		"                    phase  requests  req/s     p50     p99  errors  partial",
		"        generator ceiling    200000  20000  1.20ms  6.00ms       0        0",
		"      noop SearchProducts    120000  12000  2.10ms  9.00ms       0        0",
		"               GetProduct     90000   9000  3.00ms  12.0ms       0        0",
		"       SearchProducts mix     30000   3000  9.00ms  28.0ms       0        0",
		"  SearchProducts distinct     25000   2500  11.0ms  35.0ms       0        0",
		"",
		"ratio (req/s)                         value  target            ",
		"SearchProducts mix / GetProduct       0.33x  >= 0.30x  met     ",
		"SearchProducts distinct / GetProduct  0.28x  >= 0.30x  missed  ",
		"SearchProducts mix / noop             0.25x                    ",
		"SearchProducts distinct / noop        0.21x                    ",
		"GetProduct / noop                     0.75x                    ",
		"noop / generator ceiling              0.60x                    ",
		"",
		"note: seeding 100000 products took 12.5s (1000 rows per INSERT, 8000 products/s)",
		"note: indexing 100000 products took 31.2s (from the end of seeding until search counted them all)",
		"note: rebuild: a new search process answered after 1.5s and counted all 100000 products after 20.3s (an empty index reading the topic from its start)",
		"note: p99 of SearchProducts: mix 28.0ms, distinct 35.0ms (target < 30.0ms: missed)",
		"note: generator ceiling 20000 req/s: generator-bound (ceiling under 2x the phase): noop SearchProducts (12000 req/s)",
		"note: freshness: 20 title changes (UpdateProduct) searchable after p50 190ms, max 290ms (target <= 1.0s: met)",
		"",
	}, "\n")
	var out bytes.Buffer
	if err := searchReport([]string{"32 clients", "2 CPUs"}, sampleSearchResults()).Render(&out); err != nil {
		t.Fatal(err)
	}
	if out.String() != want {
		t.Errorf("report:\n%s\nwant:\n%s", out.String(), want)
	}
}

// A phase is generator-bound when the generator's ceiling is under twice
// its rate; a title never found counts at the give-up time and is named.
func TestSearchReportMarksGeneratorBoundPhasesAndTitlesNeverFound(t *testing.T) {
	res := sampleSearchResults()
	res.phases.generator.Requests = 50000 // 5 000 req/s: under 2x the rate of every phase but the distinct one (2 500 req/s: exactly half)
	res.freshness = []time.Duration{200 * time.Millisecond, freshnessGiveUpAfter}
	var out bytes.Buffer
	if err := searchReport(nil, res).Render(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"note: generator ceiling 5000 req/s: generator-bound (ceiling under 2x the phase): noop SearchProducts (12000 req/s), GetProduct (9000 req/s), SearchProducts mix (3000 req/s)",
		"note: freshness: 2 title changes (UpdateProduct) searchable after p50 200ms, max 10000ms (target <= 1.0s: missed); 1 not found within 10.0s",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

// The mix is the same on every run: distinct, valid queries (none too
// short to search by), of every kind, a twentieth matching nothing.
func TestSearchMixIsFixedDistinctAndValid(t *testing.T) {
	mix := searchMix(200, searchMixSeed)
	again := searchMix(200, searchMixSeed)
	kinds := map[string]int{}
	seen := map[string]bool{}
	for i, q := range mix {
		text := q.req.GetQuery()
		if seen[text] || utf8.RuneCountInString(text) < 2 || text != again[i].req.GetQuery() {
			t.Fatalf("query %d %q: repeated, too short, or not the same on a second run (%q)", i, text, again[i].req.GetQuery())
		}
		seen[text] = true
		kinds[q.kind]++
		if v := testenv.Violations(t, q.req); len(v) > 0 {
			t.Fatalf("query %q is invalid: %v", text, v)
		}
	}
	for _, k := range []string{"zh", "en", "mixed", "two-word"} {
		if kinds[k] < 20 {
			t.Errorf("%d %s queries: %v", kinds[k], k, kinds)
		}
	}
	if kinds["nothing"] != 10 {
		t.Errorf("%d queries matching nothing, want 10", kinds["nothing"])
	}
	if top, top10 := zipfShares(200); top < 0.02 || top > 0.06 || top10 < 0.15 || top10 > 0.4 {
		t.Errorf("the most frequent query %.3f, the ten most %.3f of the draws", top, top10)
	}
	if !slices.ContainsFunc(mix, func(q searchQuery) bool { return q.req.GetCategoryId() != "" && q.req.MinPriceCents != nil }) {
		t.Error("no query combines a category and a price range")
	}
}

func sampleSearchResults() searchResults {
	phase := func(name string, n int64, p50, p99 time.Duration) bench.Summary {
		return bench.Summary{Name: name, Requests: n, Elapsed: 10 * time.Second, P50: p50, P99: p99}
	}
	ms := func(n float64) time.Duration { return time.Duration(n * float64(time.Millisecond)) }
	fresh := make([]time.Duration, 20)
	for i := range fresh {
		fresh[i] = ms(100 + 10*float64(i))
	}
	return searchResults{
		catalog: catalogTimes{products: 100000, batch: 1000, seeding: 12500 * time.Millisecond, indexing: 31200 * time.Millisecond, partitions: 8,
			diskBytes: 150e6, heapBytes: 400e6},
		rebuild:     rebuildTimes{answered: 1500 * time.Millisecond, complete: 20300 * time.Millisecond},
		mixShape:    "the mix: 200 queries",
		totals:      totalsShape([]int64{0, 10, 200, 3000, 100000}, 1),
		sampleBytes: 6123,
		phases: searchPhases{
			generator: phase(phaseGenerator, 200000, ms(1.2), ms(6)),
			noop:      phase(phaseSearchNoop, 120000, ms(2.1), ms(9)),
			product:   phase(phaseSearchProduct, 90000, ms(3), ms(12)),
			mix:       phase(phaseSearchMix, 30000, ms(9), ms(28)),
			distinct:  phase(phaseSearchDistinct, 25000, ms(11), ms(35)),
		},
		freshness: fresh,
	}
}
