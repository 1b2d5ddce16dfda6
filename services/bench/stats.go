// Package bench is the load harness behind `mall bench`: it drives a call
// from N concurrent workers for a bounded time, and turns what it measured
// into req/s, percentiles, ratios and a report. It knows no domain: the
// calls are given by the caller (the mall's benchmarks, in package
// scenario).
package bench

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Summary is what one phase measured.
type Summary struct {
	Name       string
	Requests   int64            // answered without error
	Partial    int64            // of Requests: answered, but incomplete (ErrPartial)
	Errors     int64            // failed calls
	Elapsed    time.Duration    // from the first call to the end of the last one
	P50, P99   time.Duration    // latency of the answered calls
	FirstError string           // the first failure, to tell what went wrong
	Missing    map[string]int64 // partial answers by what they missed (PartialError)

	// Measured by the external generator (Generator.Run) only:
	P90      time.Duration
	NonOK    int64     // of Requests: answered with a status other than 2xx/3xx
	Reused   int64     // requests that reused a per-request input
	Ceilings []Summary // the same server's ceilings, with the same generator settings
	CPU      CPU       // where this machine's CPU went while the generator ran
}

// CeilingRatio is s's req/s over its i-th ceiling's (NaN without one).
func (s Summary) CeilingRatio(i int) float64 {
	if i >= len(s.Ceilings) {
		return math.NaN()
	}
	return Ratio(s.RPS(), s.Ceilings[i].RPS())
}

// GeneratorBound is whether a ceiling measured beside s answered less than
// twice s's req/s: the generator, not the server, may have set s's pace.
func GeneratorBound(s, ceiling Summary) bool { return ceiling.RPS() < 2*s.RPS() }

// RPS is answered requests per second.
func (s Summary) RPS() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Requests) / s.Elapsed.Seconds()
}

// Percentile returns the p-th percentile (0 < p <= 100) of sorted
// latencies by the nearest-rank method; 0 when there are none.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// Summarize computes a phase's summary from the latencies of its answered
// calls (in any order; sorted in place).
func Summarize(name string, latencies []time.Duration, partial, errors int64, elapsed time.Duration) Summary {
	slices.Sort(latencies)
	return Summary{
		Name:     name,
		Requests: int64(len(latencies)),
		Partial:  partial,
		Errors:   errors,
		Elapsed:  elapsed,
		P50:      Percentile(latencies, 50),
		P99:      Percentile(latencies, 99),
	}
}

// Ratio is num/den, or NaN when den is zero.
func Ratio(num, den float64) float64 {
	if den == 0 {
		return math.NaN()
	}
	return num / den
}

// FormatRatio renders a ratio like "0.83x" or "41.2x" ("n/a" when undefined).
func FormatRatio(r float64) string {
	switch {
	case math.IsNaN(r) || math.IsInf(r, 0):
		return "n/a"
	case r >= 10:
		return fmt.Sprintf("%.1fx", r)
	default:
		return fmt.Sprintf("%.2fx", r)
	}
}

// FormatLatency renders a latency in milliseconds with sensible precision.
func FormatLatency(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	switch {
	case d == 0:
		return "-"
	case ms < 10:
		return fmt.Sprintf("%.2fms", ms)
	case ms < 100:
		return fmt.Sprintf("%.1fms", ms)
	default:
		return fmt.Sprintf("%.0fms", ms)
	}
}
