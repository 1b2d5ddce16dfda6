package scenario

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"mall/services/bench"
	"mall/services/platform/testenv"
)

// watchClientEnv, set to 1, makes this test binary the results phases'
// client process (as `mall bench watch-client` is the mall binary's).
const watchClientEnv = "MALL_BENCH_WATCH_CLIENT"

func TestMain(m *testing.M) {
	if os.Getenv(watchClientEnv) == "1" {
		if err := RunWatchClient(context.Background(), os.Stdin, os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func testWatchClient(ctx context.Context) *exec.Cmd {
	cmd := exec.CommandContext(ctx, os.Args[0])
	cmd.Env = append(os.Environ(), watchClientEnv+"=1")
	return cmd
}

// The results phases at small scale, end to end: the client process buys
// for every buyer of each phase; the watchers and the pollers each
// receive their order as MySQL holds it, the watchers well before the
// feed's slow recheck could have told them; and the report says so.
func TestResultPhasesDeliverEveryBuyersOrder(t *testing.T) {
	cfg := systemTestConfig(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	sys, err := startSystem(ctx, Env{Config: cfg, Logger: testenv.Logger(), Out: io.Discard, Progress: io.Discard}, "", "bench-results")
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Close()
	const watchers = 200
	o := SeckillOptions{Users: 1, Stock: 1, PhaseBuyers: 1, SingleRows: 1, Watchers: watchers, WatchConcurrency: 20, ClientCommand: testWatchClient}
	r, err := prepareSeckill(ctx, io.Discard, sys, o)
	if err != nil {
		t.Fatal(err)
	}
	results, errs := r.resultPhases(ctx)
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if len(results.phases) != 3 {
		t.Fatalf("%d phases ran", len(results.phases))
	}
	for _, p := range results.phases {
		if !p.holds() || p.buyers != watchers || p.mallCPU <= 0 || p.clientCPU <= 0 || p.connections != 1 {
			t.Errorf("%s: %+v", p.name, p)
		}
	}
	buy, watch, poll := results.phase(phaseBuyOnly), results.phase(phaseBuyWatch), results.phase(phaseBuyPoll)
	if buy.final != 0 || buy.messages != 0 || buy.polls != 0 || len(buy.delivery) != 0 {
		t.Errorf("buy only followed results: %+v", buy)
	}
	if len(watch.delivery) != watchers || watch.streams < watchers || watch.messages < watchers || watch.polls != 0 {
		t.Errorf("watch: %d deliveries, %d streams, %d messages, %d polls", len(watch.delivery), watch.streams, watch.messages, watch.polls)
	}
	if len(poll.delivery) != watchers || poll.polls < watchers || poll.messages != 0 {
		t.Errorf("poll: %d deliveries, %d polls, %d messages", len(poll.delivery), poll.polls, poll.messages)
	}
	// The first poll comes an interval after the purchase: no buyer's
	// order is written a whole interval before it is seen.
	if poll.delivery[0] < 0 || watch.delivery[0] < 0 {
		t.Errorf("a result received before its order was written: watch %v, poll %v", watch.delivery[0], poll.delivery[0])
	}
	// The watchers learnt from the hint, not from the slow recheck (every
	// 9 s at the soonest).
	if last := watch.delivery[len(watch.delivery)-1]; last >= 9*time.Second {
		t.Errorf("a watcher's order reached it %v after it was written", last)
	}

	report := bench.Report{}
	results.addTo(&report, watchers, o.WatchConcurrency)
	var out bytes.Buffer
	if err := report.Render(&out); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{
		"results phase", "reading CPU", "delivery p50", "over 1s",
		"results phases: 200 fresh buyers each",
		"note: results table: final = ",
		"note: reading CPU of the server side (the mall and ", "), watch / poll every 2s: ",
		"note: reading CPU of the mall alone, watch / poll: ",
		"note: delivery of the watchers' final messages: ",
		"note: buy only in MySQL: 200 orders for 200 buyers (200 bought, 0 with their final result); duplicates 0 (must be 0); orders by no buyer of the phase 0",
		"note: buy, then watch in MySQL: 200 orders for 200 buyers (200 bought, 200 with their final result); duplicates 0",
		"note: buy, then poll every 2s in MySQL: 200 orders for 200 buyers (200 bought, 200 with their final result); duplicates 0",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	rows := map[string][]string{}
	for _, line := range strings.Split(text, "\n") {
		for _, name := range []string{phaseBuyOnly, phaseBuyWatch, phaseBuyPoll} {
			if rest, ok := strings.CutPrefix(strings.TrimSpace(line), name+"  "); ok {
				rows[name] = strings.Fields(rest)
			}
		}
	}
	// buyers, final, failed, ..., the count of deliveries over 1s last.
	for name, final := range map[string]string{phaseBuyOnly: "0", phaseBuyWatch: "200", phaseBuyPoll: "200"} {
		if row := rows[name]; len(row) != 15 || row[0] != "200" || row[1] != final || row[2] != "0" {
			t.Errorf("row of %s: %q", name, row)
		}
	}
	t.Log("\n" + text)
}

// A buyer counts as failed when its purchase or following failed, when
// MySQL holds no order of it, or when the order it was told is not the one
// written; orders twice or of no buyer of the phase are counted; only the
// buyers told their own order have a delivery.
func TestResultPhaseChecksEveryBuyerAgainstMySQL(t *testing.T) {
	written := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	ids := []string{"u0", "u1", "u2", "u3", "u4"}
	orders := []orderWritten{
		{UserID: "u0", ID: "o-0", CreatedAt: written},
		{UserID: "u1", ID: "o-1", CreatedAt: written},
		{UserID: "u2", ID: "o-2", CreatedAt: written},
		{UserID: "u2", ID: "o-2b", CreatedAt: written},
		{UserID: "stranger", ID: "o-x", CreatedAt: written},
	}
	created := "PURCHASE_STATE_ORDER_CREATED"
	seen := []WatchBuyerResult{
		{Ticket: "t0", State: created, OrderID: "o-0", FinalAt: written.Add(300 * time.Millisecond).UnixNano(), Streams: 1, Messages: 2},
		{Ticket: "t1", State: created, OrderID: "o-other", FinalAt: written.UnixNano(), Streams: 1, Messages: 2},
		{Ticket: "t2", Error: "watch: no final result within 3m0s", Streams: 1, Messages: 1},
		{Ticket: "t3", State: created, OrderID: "o-3", FinalAt: written.UnixNano(), Streams: 1, Messages: 1},
		{Error: "purchase: sold out"},
	}
	p := resultPhase{name: "watch", mode: modeWatch, buyers: len(ids)}
	p.check(ids, seen, orders)
	if p.orders != 5 || p.duplicates != 1 || p.unexpected != 1 || p.bought != 4 || p.final != 3 || p.failed != 4 || p.messages != 6 || p.streams != 4 {
		t.Fatalf("%+v", p)
	}
	if len(p.delivery) != 1 || p.delivery[0] != 300*time.Millisecond || p.late() != 0 || p.holds() {
		t.Fatalf("delivery %v, late %d, holds %t", p.delivery, p.late(), p.holds())
	}
	if !strings.HasPrefix(p.firstFailure, "u1: final result") {
		t.Fatalf("first failure %q", p.firstFailure)
	}

	// Buying only: a buyer with its order is all there is to it.
	only := resultPhase{name: "buy", mode: modeBuyOnly, buyers: 1}
	only.check(ids[:1], []WatchBuyerResult{{Ticket: "t0"}}, orders[:1])
	if !only.holds() || len(only.delivery) != 0 {
		t.Fatalf("%+v", only)
	}
	late := resultPhase{delivery: []time.Duration{time.Second, time.Second + 1, 2 * time.Second}}
	if late.late() != 2 {
		t.Fatalf("late %d of %v", late.late(), late.delivery)
	}
}
