package scenario

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"mall/services/bench"
)

// Phases of the results comparison; the targets refer to them.
const (
	phaseBuyOnly  = "buy only"
	phaseBuyWatch = "buy, then watch"
	phaseBuyPoll  = "buy, then poll every 2s"
)

const (
	// resultsPollEvery is the poll phase's interval, as the SPA polled.
	resultsPollEvery = 2 * time.Second
	// buyersPerConnection share one HTTP/2 connection of the client (Go's
	// server allows 250 concurrent streams on one).
	buyersPerConnection = 200
	// resultsGiveUpAfter bounds a buyer's wait for its final result.
	resultsGiveUpAfter = 3 * time.Minute
	// deliveryTarget: every watcher has its final message this soon after
	// its order was written.
	deliveryTarget = time.Second
	// idleSample is how long the server's CPU is sampled with no client
	// running.
	idleSample = 2 * time.Second
)

// resultPhase is one phase of the results comparison: what the client
// saw, what MySQL holds, and the CPU time each process spent.
type resultPhase struct {
	name        string
	mode        resultMode
	buyers      int
	connections int
	wall        time.Duration // from the client's start until it exited and the last order was written
	mallCPU     time.Duration // this process's (the mall's) user + system CPU time over wall
	storesCPU   time.Duration // the store processes' on this machine (bench.StoresCPU), over wall
	clientCPU   time.Duration // the client process's
	// From the client: purchases answered, final results received, stream
	// messages, streams opened, polls.
	bought, final, messages, streams, polls int
	// failed counts the buyers whose purchase, final result or order was
	// not what it should be; firstFailure says what the first was.
	failed       int
	firstFailure string
	// In MySQL: orders of the phase's sale, those beyond one per buyer,
	// those of no buyer of the phase.
	orders, duplicates, unexpected int
	// delivery is, for each buyer with its final result, its receipt time
	// minus its order's created_at; sorted.
	delivery []time.Duration
}

// holds is whether every buyer bought, every order was written once, and
// every buyer who followed its result got its order.
func (p resultPhase) holds() bool {
	return p.failed == 0 && p.bought == p.buyers && p.orders == p.buyers && p.duplicates == 0 && p.unexpected == 0 &&
		(p.mode == modeBuyOnly || p.final == p.buyers)
}

// resultComparison is the three results phases and the server's CPU time
// per second with no client running (its timers, the sweeper, and the
// worker still running the sagas of earlier phases' orders).
type resultComparison struct {
	idleCPU       float64 // CPU seconds per second
	idleStoresCPU float64 // the stores', likewise
	stores        []string
	phases        []resultPhase
}

// resultPhases runs, each with --watchers fresh buyers and a sale with a
// unit for each of them: buy only, buy then watch, buy then poll; the
// buyers are a separate client process (o.ClientCommand), so this
// process's CPU time is the server's alone. Phases that ran are returned
// with the errors of those that failed.
func (r *seckillRun) resultPhases(ctx context.Context) (resultComparison, []error) {
	var c resultComparison
	before := bench.ProcessCPU()
	storesBefore, _ := bench.StoresCPU()
	select {
	case <-ctx.Done():
		return c, []error{ctx.Err()}
	case <-time.After(idleSample):
	}
	storesAfter, stores := bench.StoresCPU()
	c.idleCPU = (bench.ProcessCPU() - before).Seconds() / idleSample.Seconds()
	c.idleStoresCPU = (storesAfter - storesBefore).Seconds() / idleSample.Seconds()
	c.stores = stores
	var errs []error
	for _, phase := range []struct {
		name   string
		mode   resultMode
		buyers buyers
	}{{phaseBuyOnly, modeBuyOnly, r.buyOnly}, {phaseBuyWatch, modeWatch, r.watch}, {phaseBuyPoll, modePoll, r.poll}} {
		p, err := r.resultPhase(ctx, phase.name, phase.mode, phase.buyers)
		if err != nil {
			errs = append(errs, err)
		}
		if p.buyers > 0 {
			c.phases = append(c.phases, p)
		}
		if ctx.Err() != nil {
			break
		}
	}
	return c, errs
}

// resultPhase opens a sale with a unit for each of b, has the client buy
// (and follow the results as mode says), waits for the writers to write
// every order, then checks the client's results against MySQL.
func (r *seckillRun) resultPhase(ctx context.Context, name string, mode resultMode, b buyers) (resultPhase, error) {
	p := resultPhase{name: name, mode: mode}
	eventID, err := r.createEvent(ctx, int64(len(b.ids)))
	if err != nil {
		return p, err
	}
	job, err := json.Marshal(WatchJob{URL: r.sys.cfg.InternalURL, EventID: eventID, Mode: mode, Tokens: b.tokens, Concurrency: r.o.WatchConcurrency,
		PerConnection: buyersPerConnection, PollEvery: resultsPollEvery, GiveUpAfter: resultsGiveUpAfter})
	if err != nil {
		return p, err
	}
	cmd := r.o.ClientCommand(ctx)
	var out bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(job), &out, r.progress
	fmt.Fprintf(r.progress, "%s: %d buyers in a client process\n", name, len(b.ids))
	mark := bench.MarkCPU()
	if err := cmd.Run(); err != nil {
		return p, fmt.Errorf("%s: the client: %w", name, err)
	}
	// The writers' work is part of every phase: it ends with the last order
	// written (at once when the buyers waited for their orders).
	if err := waitCount(ctx, r.progress, "writers: "+name, int64(len(b.ids)), func() (int, error) { return r.written(ctx, eventID) }, 5*time.Minute); err != nil {
		return p, fmt.Errorf("%s: %w", name, err)
	}
	cpu := mark.Since(cmd.ProcessState)
	p.mallCPU, p.storesCPU, p.wall, p.clientCPU = cpu.Server, cpu.Stores, cpu.Wall, cpu.Generator
	var answer WatchClientOutput
	if err := json.Unmarshal(out.Bytes(), &answer); err != nil {
		return p, fmt.Errorf("%s: the client's answer: %w", name, err)
	}
	if len(answer.Buyers) != len(b.ids) {
		return p, fmt.Errorf("%s: the client answered for %d of %d buyers", name, len(answer.Buyers), len(b.ids))
	}
	p.buyers, p.connections = len(b.ids), answer.Connections
	orders, err := r.phaseOrders(ctx, eventID)
	if err != nil {
		return p, err
	}
	p.check(b.ids, answer.Buyers, orders)
	if !p.holds() {
		return p, fmt.Errorf("%s: %d of %d buyers failed (first: %s); %d bought, %d final; in MySQL %d orders, %d duplicates, %d by no buyer of the phase",
			name, p.failed, p.buyers, p.firstFailure, p.bought, p.final, p.orders, p.duplicates, p.unexpected)
	}
	return p, nil
}

// orderWritten is an order of a phase's sale as MySQL holds it.
type orderWritten struct {
	UserID    string    `bun:"user_id"`
	ID        string    `bun:"id"`
	CreatedAt time.Time `bun:"created_at"` // DATETIME(6): taken by CreateFlashSaleOrders before its commit
}

// phaseOrders reads the orders of eventID in one query.
func (r *seckillRun) phaseOrders(ctx context.Context, eventID string) ([]orderWritten, error) {
	var rows []orderWritten
	err := r.orderDB.NewSelect().Table("orders").Column("user_id", "id", "created_at").Where("seckill_event_id = ?", eventID).Scan(ctx, &rows)
	return rows, err
}

// check counts what the client saw of each buyer (ids[i]'s is seen[i])
// against the orders MySQL holds: each buyer bought, has one order and, when
// it followed its result, received that order's id; its delivery is the
// receipt of the final result minus the order's creation.
func (p *resultPhase) check(ids []string, seen []WatchBuyerResult, orders []orderWritten) {
	buyer := map[string]int{}
	for i, id := range ids {
		buyer[id] = i
	}
	orderOf := map[string]orderWritten{}
	for _, o := range orders {
		p.orders++
		if _, ok := buyer[o.UserID]; !ok {
			p.unexpected++
			continue
		}
		if _, twice := orderOf[o.UserID]; twice {
			p.duplicates++
		}
		orderOf[o.UserID] = o
	}
	fail := func(i int, why string) {
		p.failed++
		if p.firstFailure == "" {
			p.firstFailure = ids[i] + ": " + why
		}
	}
	for i, s := range seen {
		p.messages += s.Messages
		p.streams += s.Streams
		p.polls += s.Polls
		if s.Ticket != "" {
			p.bought++
		}
		if s.State != "" {
			p.final++
		}
		order, written := orderOf[ids[i]]
		switch {
		case s.Error != "":
			fail(i, s.Error)
		case !written:
			fail(i, "no order in MySQL")
		case p.mode == modeBuyOnly:
		case s.State != "PURCHASE_STATE_ORDER_CREATED" || s.OrderID != order.ID:
			fail(i, fmt.Sprintf("final result %s, order %q; MySQL holds order %q", s.State, s.OrderID, order.ID))
		default:
			p.delivery = append(p.delivery, time.Unix(0, s.FinalAt).Sub(order.CreatedAt))
		}
	}
	slices.Sort(p.delivery)
}

// late is how many deliveries took longer than the target.
func (p resultPhase) late() int {
	return len(p.delivery) - sortedCountAtMost(p.delivery, deliveryTarget)
}

// sortedCountAtMost counts the durations of sorted that are at most d.
func sortedCountAtMost(sorted []time.Duration, d time.Duration) int {
	n, _ := slices.BinarySearch(sorted, d+1)
	return n
}

// phase is the comparison's phase named name (zero when it did not run).
func (c resultComparison) phase(name string) resultPhase {
	for _, p := range c.phases {
		if p.name == name {
			return p
		}
	}
	return resultPhase{}
}

// readingCPU is what following the results cost the mall in phase name:
// its CPU time beyond buy only's.
func (c resultComparison) readingCPU(name string) (time.Duration, bool) {
	return c.reading(name, func(p resultPhase) time.Duration { return p.mallCPU })
}

// readingServerCPU is readingCPU with the stores': what following the
// results cost the server side as a whole.
func (c resultComparison) readingServerCPU(name string) (time.Duration, bool) {
	return c.reading(name, func(p resultPhase) time.Duration { return p.mallCPU + p.storesCPU })
}

func (c resultComparison) reading(name string, cpu func(resultPhase) time.Duration) (time.Duration, bool) {
	base, p := c.phase(phaseBuyOnly), c.phase(name)
	if base.buyers == 0 || p.buyers == 0 {
		return 0, false
	}
	return cpu(p) - cpu(base), true
}

// busyReadingServerCPU is readingServerCPU less what the server side
// spends idle in the time phase name lasted beyond buy only: the
// reading's own cost.
func (c resultComparison) busyReadingServerCPU(name string) time.Duration {
	reading, _ := c.readingServerCPU(name)
	longer := c.phase(name).wall - c.phase(phaseBuyOnly).wall
	return reading - time.Duration((c.idleCPU+c.idleStoresCPU)*float64(longer))
}

// addTo adds the comparison to report: its table, what the columns are,
// the targets and the invariants of each phase.
func (c resultComparison) addTo(report *bench.Report, watchers, concurrency int) {
	if len(c.phases) == 0 {
		return
	}
	table := bench.Table{Header: []string{"results phase", "buyers", "final", "failed", "wall", "mall CPU", "stores CPU", "reading CPU", "of it the mall's", "client CPU",
		"messages", "polls", "delivery p50", "p99", "max", "over 1s"}}
	for _, p := range c.phases {
		reading, mallReading := "-", "-"
		if d, ok := c.readingServerCPU(p.name); ok && p.mode != modeBuyOnly {
			mall, _ := c.readingCPU(p.name)
			reading, mallReading = cpuText(d), cpuText(mall)
		}
		delivery := []string{"-", "-", "-", "-"}
		if len(p.delivery) > 0 {
			delivery = []string{bench.FormatLatency(bench.Percentile(p.delivery, 50)), bench.FormatLatency(bench.Percentile(p.delivery, 99)),
				bench.FormatLatency(p.delivery[len(p.delivery)-1]), fmt.Sprint(p.late())}
		}
		table.Rows = append(table.Rows, append([]string{p.name, fmt.Sprint(p.buyers), fmt.Sprint(p.final), fmt.Sprint(p.failed),
			seconds(p.wall), cpuText(p.mallCPU), cpuText(p.storesCPU), reading, mallReading, cpuText(p.clientCPU), fmt.Sprint(p.messages), fmt.Sprint(p.polls)}, delivery...))
	}
	report.Tables = append(report.Tables, table)
	report.Setup = append(report.Setup, fmt.Sprintf("results phases: %d fresh buyers each, a sale with a unit for each; the buyers are a separate client process (this binary's `bench watch-client`): %d purchases in flight over Connect JSON, %d buyers per HTTP/2 (h2c) connection; watch: WatchPurchaseResult opened at each purchase's answer until the final message; poll: GetPurchaseResult over GET every %v from the purchase's answer until final",
		watchers, concurrency, buyersPerConnection, resultsPollEvery))
	report.Notes = append(report.Notes,
		"results table: final = buyers who received their final result; failed = buyers whose purchase, final result or order was wrong or missing; wall = from the client's start until it exited and the writers had written the last order; mall CPU = this process's user+system CPU time over wall (getrusage); stores CPU = that of the data stores' processes on this machine ("+storesText(c.stores)+", from /proc); reading CPU = mall CPU + stores CPU minus buy only's, of which the mall's alone beside it; client CPU = the client process's (a client near wall x CPUs would be the bottleneck); messages = stream messages received; polls = GetPurchaseResult calls; delivery = receipt of the final message (or poll answer) minus the order row's created_at (DATETIME(6), taken when the writer's CreateFlashSaleOrders began, before its commit), both on this machine's clock",
		fmt.Sprintf("CPU with no client running: the mall %s per second (timers, the sweeper, the worker's sagas of earlier phases' orders), the stores %s; in every phase's CPU for its wall time",
			cpuText(time.Duration(c.idleCPU*float64(time.Second))), cpuText(time.Duration(c.idleStoresCPU*float64(time.Second)))))
	watch, watchOK := c.readingServerCPU(phaseBuyWatch)
	poll, pollOK := c.readingServerCPU(phaseBuyPoll)
	if watchOK && pollOK {
		ratio := bench.Ratio(watch.Seconds(), poll.Seconds())
		report.Notes = append(report.Notes, fmt.Sprintf("reading CPU of the server side (the mall and %s), watch / poll every %v: %s / %s = %s (target <= 1.00x: %s)",
			storesText(c.stores), resultsPollEvery, cpuText(watch), cpuText(poll), bench.FormatRatio(ratio), verdict(poll > 0 && watch <= poll)))
		mallWatch, _ := c.readingCPU(phaseBuyWatch)
		mallPoll, _ := c.readingCPU(phaseBuyPoll)
		report.Notes = append(report.Notes, fmt.Sprintf("reading CPU of the mall alone, watch / poll: %s / %s = %s",
			cpuText(mallWatch), cpuText(mallPoll), bench.FormatRatio(bench.Ratio(mallWatch.Seconds(), mallPoll.Seconds()))))
		watchBusy, pollBusy := c.busyReadingServerCPU(phaseBuyWatch), c.busyReadingServerCPU(phaseBuyPoll)
		report.Notes = append(report.Notes, fmt.Sprintf("reading CPU of the server side less its idle CPU over each phase's wall beyond buy only's: watch %s, poll %s, watch / poll %s (the poll phase lasts an interval longer)",
			cpuText(watchBusy), cpuText(pollBusy), bench.FormatRatio(bench.Ratio(watchBusy.Seconds(), pollBusy.Seconds()))))
	}
	if w := c.phase(phaseBuyWatch); w.buyers > 0 {
		report.Notes = append(report.Notes, fmt.Sprintf("delivery of the watchers' final messages: %d of %d within %v, %d over, %d without one (target: every one within %v: %s)",
			len(w.delivery)-w.late(), w.buyers, deliveryTarget, w.late(), w.buyers-len(w.delivery), deliveryTarget, verdict(w.holds() && w.late() == 0)))
	}
	for _, p := range c.phases {
		report.Notes = append(report.Notes, fmt.Sprintf("%s in MySQL: %d orders for %d buyers (%d bought, %d with their final result); duplicates %d (must be 0); orders by no buyer of the phase %d; over %d connections, %d streams opened",
			p.name, p.orders, p.buyers, p.bought, p.final, p.duplicates, p.unexpected, p.connections, p.streams))
	}
}

// storesText names the store processes found, or says none were.
func storesText(names []string) string {
	if len(names) == 0 {
		return "no store process on this machine"
	}
	return strings.Join(names, ", ")
}

// cpuText renders a CPU time in seconds to the millisecond.
func cpuText(d time.Duration) string { return fmt.Sprintf("%.3fs", d.Seconds()) }
