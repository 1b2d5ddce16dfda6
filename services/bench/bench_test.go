package bench

import (
	"bytes"
	"context"
	"errors"
	"math"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func TestPercentileIsNearestRank(t *testing.T) {
	var sorted []time.Duration
	for i := 1; i <= 100; i++ {
		sorted = append(sorted, ms(i))
	}
	cases := []struct {
		p    float64
		want time.Duration
	}{{50, ms(50)}, {99, ms(99)}, {100, ms(100)}, {1, ms(1)}, {0.1, ms(1)}, {99.5, ms(100)}}
	for _, c := range cases {
		if got := Percentile(sorted, c.p); got != c.want {
			t.Errorf("p%v = %v, want %v", c.p, got, c.want)
		}
	}
	if got := Percentile(nil, 50); got != 0 {
		t.Errorf("empty: %v", got)
	}
	one := []time.Duration{ms(7)}
	if Percentile(one, 50) != ms(7) || Percentile(one, 99) != ms(7) {
		t.Error("single sample")
	}
	// Ten samples: p50 is the 5th, p99 the 10th.
	ten := []time.Duration{ms(1), ms(2), ms(3), ms(4), ms(5), ms(6), ms(7), ms(8), ms(9), ms(10)}
	if Percentile(ten, 50) != ms(5) || Percentile(ten, 99) != ms(10) {
		t.Errorf("ten samples: p50 %v p99 %v", Percentile(ten, 50), Percentile(ten, 99))
	}
}

func TestSummarizeSortsAndComputesRate(t *testing.T) {
	lat := []time.Duration{ms(30), ms(10), ms(20), ms(40)}
	s := Summarize("x", lat, 1, 3, 2*time.Second)
	if s.Requests != 4 || s.Errors != 3 || s.Partial != 1 {
		t.Fatalf("%+v", s)
	}
	if s.P50 != ms(20) || s.P99 != ms(40) {
		t.Fatalf("p50 %v p99 %v", s.P50, s.P99)
	}
	if s.RPS() != 2 {
		t.Fatalf("rps %v", s.RPS())
	}
	if (Summary{}).RPS() != 0 {
		t.Fatal("zero elapsed must give 0 req/s")
	}
}

func TestRatioFormatting(t *testing.T) {
	cases := map[float64]string{0.834: "0.83x", 1: "1.00x", 41.23: "41.2x", 9.999: "10.00x", math.NaN(): "n/a", math.Inf(1): "n/a"}
	for in, want := range cases {
		if got := FormatRatio(in); got != want {
			t.Errorf("FormatRatio(%v) = %q, want %q", in, got, want)
		}
	}
	if !math.IsNaN(Ratio(3, 0)) || Ratio(3, 4) != 0.75 {
		t.Error("Ratio")
	}
	lat := map[time.Duration]string{0: "-", 420 * time.Microsecond: "0.42ms", ms(12): "12.0ms", ms(250): "250ms"}
	for in, want := range lat {
		if got := FormatLatency(in); got != want {
			t.Errorf("FormatLatency(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestReportRendersPhasesRatiosAndVerdicts(t *testing.T) {
	r := Report{
		Title: "mall bench home",
		Setup: []string{"64 clients"},
		Phases: []Summary{
			{Name: "noop", Requests: 20000, Elapsed: 10 * time.Second, P50: ms(2), P99: ms(9)},
			{Name: "home cache on", Requests: 16000, Elapsed: 10 * time.Second, P50: ms(3), P99: ms(12)},
			{Name: "home cache off", Requests: 400, Partial: 7, Errors: 2, Elapsed: 10 * time.Second, P50: ms(150), P99: ms(400), FirstError: "unavailable: boom",
				Missing: map[string]int64{"RANKING": 5, "BANNERS": 2}},
		},
		Ratios: []RatioLine{
			{Label: "GetHome cache on / noop", Num: "home cache on", Den: "noop", AtLeast: 0.7},
			{Label: "GetHome cache on / cache off", Num: "home cache on", Den: "home cache off", AtLeast: 50},
			{Label: "missing phase", Num: "nope", Den: "noop"},
		},
		Notes: []string{"seckill not built"},
	}
	var out bytes.Buffer
	if err := r.Render(&out); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{
		"mall bench home", "64 clients",
		"2000", "1600", "40 ", // req/s
		"12.0ms", "150ms",
		"0.80x", ">= 0.70x  met",
		"40.0x", ">= 50.0x  missed",
		"n/a",
		"note: home cache off: first error: unavailable: boom",
		"note: seckill not built",
		"note: home cache off: partial answers missed BANNERS in 2, RANKING in 5 (of 400 answers)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	// Rows keep the phase order.
	if strings.Index(text, "noop") > strings.Index(text, "home cache on") {
		t.Errorf("phase order lost:\n%s", text)
	}
}

// The report is read by people and compared between runs: its layout
// (alignment, column order, where the blank lines and notes go) is kept
// exactly.
func TestReportLayoutIsExact(t *testing.T) {
	r := Report{
		Title: "mall bench home",
		Setup: []string{"64 clients", "2 CPUs"},
		Phases: []Summary{
			{Name: "noop", Requests: 20000, Elapsed: 10 * time.Second, P50: ms(2), P99: ms(9)},
			{Name: "home cache on", Requests: 16000, Elapsed: 10 * time.Second, P50: ms(3), P99: ms(12)},
			{Name: "home cache off", Requests: 400, Partial: 7, Errors: 2, Elapsed: 10 * time.Second, P50: ms(150), P99: ms(400), FirstError: "unavailable: boom",
				Missing: map[string]int64{"RANKING": 5, "BANNERS": 2}},
			{Name: "writer", Requests: 3, Errors: 1, Elapsed: time.Second},
		},
		Ratios: []RatioLine{
			{Label: "GetHome cache on / noop", Num: "home cache on", Den: "noop", AtLeast: 0.7},
			{Label: "GetHome cache on / cache off", Num: "home cache on", Den: "home cache off", AtLeast: 50, TargetTag: "at least 50x"},
			{Label: "missing phase", Num: "nope", Den: "noop"},
		},
		Notes: []string{"seckill not built"},
	}
	// Tables pad every cell, the last one too: the ratio lines end in spaces.
	want := strings.Join([]string{
		"mall bench home",
		"  64 clients",
		"  2 CPUs",
		"",
		"           phase  requests  req/s     p50     p99  errors  partial",
		"            noop     20000   2000  2.00ms  9.00ms       0        0",
		"   home cache on     16000   1600  3.00ms  12.0ms       0        0",
		"  home cache off       400     40   150ms   400ms       2        7",
		"          writer         3      3       -       -       1        0",
		"",
		"ratio (req/s)                 value  target                ",
		"GetHome cache on / noop       0.80x  >= 0.70x  met         ",
		"GetHome cache on / cache off  40.0x  at least 50x  missed  ",
		"missing phase                 n/a                          ",
		"",
		"note: home cache off: first error: unavailable: boom",
		"note: home cache off: partial answers missed BANNERS in 2, RANKING in 5 (of 400 answers)",
		"note: seckill not built",
		"",
	}, "\n")
	wantRendered(t, r, want)
	// No title, ratios or notes: no lines for them.
	wantRendered(t, Report{Phases: []Summary{{Name: "only"}}}, "\n  phase  requests  req/s  p50  p99  errors  partial\n   only         0      0    -    -       0        0\n")
}

// wantRendered fails the test unless r renders as want.
func wantRendered(t *testing.T, r Report, want string) {
	t.Helper()
	var out bytes.Buffer
	if err := r.Render(&out); err != nil {
		t.Fatal(err)
	}
	if out.String() != want {
		t.Errorf("report:\n%q\nwant:\n%q", out.String(), want)
	}
}

func TestRunIsBoundedAndCountsAnswersErrorsAndPartials(t *testing.T) {
	var calls atomic.Int64
	var progress bytes.Buffer
	p := Phase{
		Name:        "fake",
		Concurrency: 4,
		Warmup:      50 * time.Millisecond,
		Duration:    1200 * time.Millisecond,
		Call: func(ctx context.Context, worker, i int) error {
			n := calls.Add(1)
			time.Sleep(time.Millisecond)
			switch n % 10 {
			case 0:
				return errors.New("boom")
			case 5:
				return Partial("BANNERS", "RANKING")
			case 6:
				return ErrPartial
			}
			return nil
		},
	}
	start := time.Now()
	s := Run(context.Background(), p, &progress)
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("run took %v for 1.25 s of load", took)
	}
	if s.Requests == 0 || s.Errors == 0 || s.Partial == 0 {
		t.Fatalf("%+v", s)
	}
	// Warm-up calls are not counted.
	if measured := s.Requests + s.Errors; measured >= calls.Load() {
		t.Fatalf("measured %d of %d calls: warm-up counted", measured, calls.Load())
	}
	if s.Missing["BANNERS"] == 0 || s.Missing["BANNERS"] != s.Missing["RANKING"] || s.Missing["BANNERS"] >= s.Partial {
		t.Fatalf("partial %d, missing %v", s.Partial, s.Missing)
	}
	if s.FirstError != "boom" {
		t.Fatalf("first error %q", s.FirstError)
	}
	if s.Elapsed < p.Duration {
		t.Fatalf("elapsed %v shorter than the phase", s.Elapsed)
	}
	text := progress.String()
	if !strings.Contains(text, "warming up") || !strings.Contains(text, "1s") || !strings.Contains(text, "done in") {
		t.Fatalf("progress:\n%s", text)
	}
}

func TestRunCutsOffHungCallsAndStopsOnCancel(t *testing.T) {
	hang := func(ctx context.Context, _, _ int) error {
		<-ctx.Done()
		return ctx.Err()
	}
	start := time.Now()
	s := Run(context.Background(), Phase{Name: "hung", Concurrency: 3, Duration: 100 * time.Millisecond, RequestTimeout: 100 * time.Millisecond, Call: hang}, nil)
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("hung calls kept the run going for %v", took)
	}
	if s.Requests != 0 || s.Errors != 3 {
		t.Fatalf("%+v", s)
	}

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start = time.Now()
	Run(ctx, Phase{Name: "cancelled", Concurrency: 2, Duration: time.Hour, Call: func(ctx context.Context, _, _ int) error {
		time.Sleep(time.Millisecond)
		return ctx.Err()
	}}, nil)
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("cancel did not stop the run: %v", took)
	}
}

// A table of the report's own columns comes below the phases, a blank
// line before it, aligned right like them.
func TestReportTablesFollowThePhases(t *testing.T) {
	r := Report{
		Phases: []Summary{{Name: "noop", Requests: 20, Elapsed: time.Second, P50: ms(2), P99: ms(9)}},
		Tables: []Table{{Header: []string{"phase", "buyers", "server CPU"}, Rows: [][]string{{"buy only", "200", "1.20s"}, {"buy, then watch", "200", "-"}}}},
		Ratios: []RatioLine{{Label: "noop / noop", Num: "noop", Den: "noop"}},
	}
	want := strings.Join([]string{
		"",
		"  phase  requests  req/s     p50     p99  errors  partial",
		"   noop        20     20  2.00ms  9.00ms       0        0",
		"",
		"            phase  buyers  server CPU",
		"         buy only     200       1.20s",
		"  buy, then watch     200           -",
		"",
		"ratio (req/s)  value  target  ",
		"noop / noop    1.00x          ",
		"",
	}, "\n")
	wantRendered(t, r, want)
	// Tables alone: no empty phases table above them.
	wantRendered(t, Report{Tables: r.Tables}, "\n"+strings.Join(strings.Split(want, "\n")[3:7], "\n")+"\n")
}
