package scenario

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"mall/services/bench"
)

// searchReport is the report of `mall bench search`.
func searchReport(setup []string, res searchResults) bench.Report {
	c := res.catalog
	setup = append(slices.Clone(setup),
		fmt.Sprintf("index: bleve on disk in every serving process, fed from the Kafka topic %s (%d partitions) that the product service relays the catalog's changes to", catalogTopic, c.partitions),
		fmt.Sprintf("index of %d products: %.0f MB on disk; the process's live heap once indexed %.0f MB (the mall with the index's product cards, and the bench)",
			c.products, float64(c.diskBytes)/1e6, float64(c.heapBytes)/1e6),
		res.mixShape,
		res.totals,
		fmt.Sprintf("the no-op and the generator's ceiling answer the recorded answer of the most frequent query that finds products (%d bytes)", res.sampleBytes),
	)
	p := res.phases
	notes := []string{
		fmt.Sprintf("seeding %d products took %s (%d rows per INSERT, %.0f products/s)", c.products, seconds(c.seeding), c.batch, float64(c.products)/c.seeding.Seconds()),
		fmt.Sprintf("indexing %d products took %s (from the end of seeding until search counted them all)", c.products, seconds(c.indexing)),
		fmt.Sprintf("rebuild: a new search process answered after %s and counted all %d products after %s (an empty index reading the topic from its start)",
			seconds(res.rebuild.answered), c.products, seconds(res.rebuild.complete)),
		fmt.Sprintf("p99 of SearchProducts: mix %s, distinct %s (target < %s: %s)", bench.FormatLatency(p.mix.P99), bench.FormatLatency(p.distinct.P99),
			bench.FormatLatency(searchP99Target), verdict(p.mix.P99 > 0 && p.distinct.P99 > 0 && p.mix.P99 < searchP99Target && p.distinct.P99 < searchP99Target)),
		generatorBound(p),
		freshnessNote(res.freshness),
	}
	return bench.Report{
		Title:  "mall bench search",
		Setup:  setup,
		Phases: p.all(),
		Ratios: []bench.RatioLine{
			{Label: "SearchProducts mix / GetProduct", Num: phaseSearchMix, Den: phaseSearchProduct, AtLeast: searchPerProduct},
			{Label: "SearchProducts distinct / GetProduct", Num: phaseSearchDistinct, Den: phaseSearchProduct, AtLeast: searchPerProduct},
			{Label: "SearchProducts mix / noop", Num: phaseSearchMix, Den: phaseSearchNoop},
			{Label: "SearchProducts distinct / noop", Num: phaseSearchDistinct, Den: phaseSearchNoop},
			{Label: "GetProduct / noop", Num: phaseSearchProduct, Den: phaseSearchNoop},
			{Label: "noop / generator ceiling", Num: phaseSearchNoop, Den: phaseGenerator},
		},
		Notes: notes,
	}
}

// generatorBound names the phases the load generator may have held back:
// those whose rate is more than half the generator's own ceiling.
func generatorBound(p searchPhases) string {
	ceiling := p.generator.RPS()
	var bound []string
	for _, s := range []bench.Summary{p.noop, p.product, p.mix, p.distinct} {
		if ceiling < generatorBoundBelowX*s.RPS() {
			bound = append(bound, fmt.Sprintf("%s (%.0f req/s)", s.Name, s.RPS()))
		}
	}
	if len(bound) == 0 {
		return fmt.Sprintf("generator ceiling %.0f req/s: at least %.0fx every phase, none generator-bound", ceiling, generatorBoundBelowX)
	}
	return fmt.Sprintf("generator ceiling %.0f req/s: generator-bound (ceiling under %.0fx the phase): %s", ceiling, generatorBoundBelowX, strings.Join(bound, ", "))
}

// freshnessNote summarizes the times until changed titles were found.
func freshnessNote(took []time.Duration) string {
	if len(took) == 0 {
		return "freshness: not measured"
	}
	sorted := slices.Sorted(slices.Values(took))
	never := 0
	for _, d := range sorted {
		if d >= freshnessGiveUpAfter {
			never++
		}
	}
	note := fmt.Sprintf("freshness: %d title changes (UpdateProduct) searchable after p50 %s, max %s (target <= %s: %s)", len(took),
		bench.FormatLatency(bench.Percentile(sorted, 50)), bench.FormatLatency(sorted[len(sorted)-1]), seconds(freshnessTarget),
		verdict(sorted[len(sorted)-1] <= freshnessTarget))
	if never > 0 {
		note += fmt.Sprintf("; %d not found within %s", never, seconds(freshnessGiveUpAfter))
	}
	return note
}

// seconds renders d as seconds with one decimal.
func seconds(d time.Duration) string { return fmt.Sprintf("%.1fs", d.Seconds()) }
