package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ErrPartial marks an answer that arrived but was incomplete (e.g. a page
// with degraded parts): it counts as answered and as partial.
var ErrPartial = errors.New("partial answer")

// PartialError is ErrPartial naming what was missing; the summary counts
// the answers missing each.
type PartialError struct{ Missing []string }

func (e *PartialError) Error() string {
	return "partial answer: missing " + strings.Join(e.Missing, ", ")
}
func (e *PartialError) Is(target error) bool { return target == ErrPartial }

// Partial returns an ErrPartial naming the missing parts.
func Partial(missing ...string) error { return &PartialError{Missing: missing} }

// DefaultRequestTimeout bounds a call still running when a phase ends.
const DefaultRequestTimeout = 5 * time.Second

// Phase is one measured load: Call from Concurrency workers, first for
// Warmup (not measured), then for Duration.
type Phase struct {
	Name           string
	Concurrency    int
	Warmup         time.Duration
	Duration       time.Duration
	RequestTimeout time.Duration // bound on calls running past the end; DefaultRequestTimeout when 0
	// Call makes one request. worker is 0..Concurrency-1 and i counts that
	// worker's calls, so callers can rotate over inputs without sharing state.
	Call func(ctx context.Context, worker, i int) error
}

// Run drives the phase and returns what it measured. It stops by itself:
// no call starts after Duration, and calls still running are cut off
// RequestTimeout later (they count as errors). Cancelling ctx stops it
// early. Progress lines (one a second, and one at the end) go to progress
// if it is not nil.
func Run(ctx context.Context, p Phase, progress io.Writer) Summary {
	if p.Concurrency < 1 {
		p.Concurrency = 1
	}
	if p.RequestTimeout <= 0 {
		p.RequestTimeout = DefaultRequestTimeout
	}
	if p.Warmup > 0 {
		if progress != nil {
			fmt.Fprintf(progress, "%-24s warming up for %v\n", p.Name, p.Warmup)
		}
		drive(ctx, p, p.Warmup, nil)
	}
	return drive(ctx, p, p.Duration, progress)
}

// drive runs p's workers until duration has passed, with a progress line
// a second, and summarizes what they measured.
func drive(ctx context.Context, p Phase, duration time.Duration, progress io.Writer) Summary {
	start := time.Now()
	end := start.Add(duration)
	callCtx, cancel := context.WithDeadline(ctx, end.Add(p.RequestTimeout))
	defer cancel()

	t := newTally(p.Concurrency)
	var wg sync.WaitGroup
	for w := range p.Concurrency {
		wg.Go(func() { t.work(callCtx, p, w, end) })
	}
	stopTicking := tickProgress(progress, p.Name, start, t)
	wg.Wait()
	elapsed := time.Since(start)
	stopTicking()

	s := t.summary(p.Name, elapsed)
	if progress != nil {
		fmt.Fprintf(progress, "%-24s done in %.1fs: %d req, %.0f req/s, %d errors\n", p.Name, elapsed.Seconds(), s.Requests, s.RPS(), s.Errors)
	}
	return s
}

// tally is what a phase's workers count: shared counters for the progress
// lines, and per-worker latencies and missing parts, merged at the end.
type tally struct {
	answered, partial, failed atomic.Int64
	firstErr                  atomic.Pointer[string]
	latencies                 [][]time.Duration
	missing                   []map[string]int64
}

func newTally(workers int) *tally {
	return &tally{latencies: make([][]time.Duration, workers), missing: make([]map[string]int64, workers)}
}

// work is worker w's loop: call after call until end (or ctx is done),
// timing each and counting it as answered, partial or failed.
func (t *tally) work(ctx context.Context, p Phase, w int, end time.Time) {
	local := make([]time.Duration, 0, 4096)
	localMissing := map[string]int64{}
	for i := 0; ; i++ {
		began := time.Now()
		if !began.Before(end) || ctx.Err() != nil {
			break
		}
		err := p.Call(ctx, w, i)
		took := time.Since(began)
		switch {
		case err == nil:
		case errors.Is(err, ErrPartial):
			t.partial.Add(1)
			var pe *PartialError
			if errors.As(err, &pe) {
				for _, m := range pe.Missing {
					localMissing[m]++
				}
			}
		default:
			t.failed.Add(1)
			msg := err.Error()
			t.firstErr.CompareAndSwap(nil, &msg)
			continue
		}
		local = append(local, took)
		t.answered.Add(1)
	}
	t.latencies[w] = local
	t.missing[w] = localMissing
}

// summary merges the workers' counts once they have all returned.
func (t *tally) summary(name string, elapsed time.Duration) Summary {
	var all []time.Duration
	for _, l := range t.latencies {
		all = append(all, l...)
	}
	s := Summarize(name, all, t.partial.Load(), t.failed.Load(), elapsed)
	for _, m := range t.missing {
		for k, v := range m {
			if s.Missing == nil {
				s.Missing = map[string]int64{}
			}
			s.Missing[k] += v
		}
	}
	if msg := t.firstErr.Load(); msg != nil {
		s.FirstError = *msg
	}
	return s
}

// tickProgress writes a line a second to progress (when not nil) with the
// phase's counts so far, until the returned stop is called.
func tickProgress(progress io.Writer, name string, start time.Time, t *tally) (stop func()) {
	if progress == nil {
		return func() {}
	}
	return EverySecond(func(now time.Time) {
		fmt.Fprintf(progress, "%-24s %5.0fs %10d req %8d errors\n", name, now.Sub(start).Seconds(), t.answered.Load(), t.failed.Load())
	})
}

// EverySecond calls tick once a second, from a goroutine of its own, until
// the returned stop is called; stop returns once tick no longer runs.
func EverySecond(tick func(now time.Time)) (stop func()) {
	finished := make(chan struct{})
	ticked := make(chan struct{})
	go func() {
		defer close(ticked)
		ticker := time.NewTicker(time.Second)
		defer ticker.Stop()
		for {
			select {
			case <-finished:
				return
			case now := <-ticker.C:
				tick(now)
			}
		}
	}()
	return func() {
		close(finished)
		<-ticked
	}
}
