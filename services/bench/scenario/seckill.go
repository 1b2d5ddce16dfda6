package scenario

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"
	"github.com/uptrace/bun"
	"google.golang.org/protobuf/types/known/timestamppb"

	orderv1 "mall/gen/mall/order/v1"
	"mall/gen/mall/order/v1/orderv1connect"
	productv1 "mall/gen/mall/product/v1"
	"mall/gen/mall/product/v1/productv1connect"
	seckillv1 "mall/gen/mall/seckill/v1"
	"mall/gen/mall/seckill/v1/seckillv1connect"
	userv1 "mall/gen/mall/user/v1"
	"mall/gen/mall/user/v1/userv1connect"
	"mall/services/app"
	"mall/services/bench"
	"mall/services/platform/auth"
	"mall/services/platform/rpcclient"
	"mall/services/platform/rpcerr"
	"mall/services/user"
)

// SeckillOptions are the flags of `mall bench seckill`.
type SeckillOptions struct {
	Users         int   // distinct buyers in the sale, and requests per comparison phase
	Stock         int64 // units in the sale
	Concurrency   int
	Duplicates    float64 // share of buyers who send a second purchase
	SingleRows    int     // records written one per call for the single-row baseline
	TemporalBin   string  // Temporal CLI for a dev server when none answers
	WarmAddresses bool    // read every buyer's address book once before the measured phases
}

// Phase names; the ratios refer to them.
const (
	phaseSeckillNoop     = "noop Purchase"
	phaseSeckillAccepted = "Purchase, all accepted"
	phaseSeckillNaive    = "naive MySQL Purchase"
	phaseSeckillSale     = "the sale (burst)"
	phaseWriterBatched   = "writer, batched"
	phaseWriterSingle    = "single-row inserts"
)

// Seckill measures a flash-sale burst against the no-op and the naive
// Purchase and the writers' batching against single-row inserts, checks
// the sale (no oversell, nothing lost, no duplicates) and prints the
// report to env.Out.
func Seckill(ctx context.Context, env Env, o SeckillOptions) error {
	if o.Users < 1 || o.Stock < 1 || o.Concurrency < 1 || o.Duplicates < 0 || o.Duplicates > 1 || o.SingleRows < 1 {
		return errors.New("bench seckill: --users, --stock, --concurrency, --single-rows must be positive and --duplicates in [0, 1]")
	}
	sys, err := startSystem(ctx, env, o.TemporalBin, "bench-seckill")
	if err != nil {
		return err
	}
	defer sys.Close()
	baseline, err := startBaselineServer(ctx, sys, o.Users, env.Progress)
	if err != nil {
		return err
	}
	defer baseline.Close()
	transport := &http.Transport{MaxIdleConns: 2 * o.Concurrency, MaxIdleConnsPerHost: o.Concurrency, IdleConnTimeout: time.Minute}
	defer transport.CloseIdleConnections()
	r, err := prepareSale(ctx, env.Progress, sys, o, &http.Client{Transport: transport}, baseline)
	if err != nil {
		return err
	}
	r.warmUp(ctx)

	// 1-3: the same requests against the no-op, the real (all accepted) and the naive Purchase.
	var p seckillPhases
	p.noop, _ = r.phase(ctx, phaseSeckillNoop, r.baseSeckill, noopEventID)
	p.accepted, p.acceptedOutcomes = r.phase(ctx, phaseSeckillAccepted, r.mallSeckill, r.everyone)
	p.naive, _ = r.phase(ctx, phaseSeckillNaive, r.baseSeckill, baseline.naive.eventID)

	// 4: the writers drain phase 2's records, batched; then single-row writes.
	drainStart, stopWriter, err := startWriter(ctx, sys.deps, env.Progress)
	if err != nil {
		return err
	}
	defer stopWriter()
	if r.orderDB, err = sys.deps.Database(ctx, "order"); err != nil {
		return err
	}
	if p.batched, err = r.drainBatched(ctx, p.acceptedOutcomes["accepted"], drainStart); err != nil {
		return err
	}
	if p.single, err = singleRowWrites(ctx, r.orders, "single-"+sys.runID, o.SingleRows, env.Progress); err != nil {
		return err
	}

	// 5: the sale, writers running.
	sale, err := r.runSale(ctx)
	if err != nil {
		return err
	}
	check, err := r.checkSale(ctx, sale)
	if err != nil {
		return err
	}
	if err := seckillReport(o, sys, p, sale, check).Render(env.Out); err != nil {
		return err
	}
	if !check.holds(o) {
		return errors.New("bench seckill: invariants violated (see the report)")
	}
	return nil
}

// baselineServer is the comparison server: the same platform options, no
// domain; it hosts the no-op and the naive Purchase.
type baselineServer struct {
	url   string
	naive *naiveSale
	closers
}

// startBaselineServer serves the comparison Purchase, with a naive sale of
// stock units.
func startBaselineServer(ctx context.Context, sys *system, stock int, progress io.Writer) (_ *baselineServer, err error) {
	b := &baselineServer{}
	defer func() {
		if err != nil {
			b.Close()
		}
	}()
	seckillDB, err := sys.deps.Database(ctx, "seckill")
	if err != nil {
		return nil, err
	}
	if b.naive, err = newNaiveSale(ctx, seckillDB, "naive-"+sys.runID, int64(stock)); err != nil {
		return nil, err
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	b.add(func() { listener.Close() })
	b.url = "http://" + listener.Addr().String()
	base, err := app.NewServer(ctx, sys.deps, nil)
	if err != nil {
		return nil, err
	}
	base.Mount(seckillv1connect.NewSeckillServiceHandler(&baselineSeckill{naive: b.naive}, base.HandlerOptions()...))
	serveCtx, stopServing := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- base.Serve(serveCtx, listener) }()
	b.add(func() {
		stopServing()
		if err := <-served; err != nil {
			fmt.Fprintln(progress, "comparison server:", err)
		}
	})
	return b, nil
}

// seckillBuyers are two sets of buyers with minted tokens: one for the
// comparison phases, one for the sale.
type seckillBuyers struct {
	acceptedUsers, saleUsers   []string
	acceptedTokens, saleTokens []string
}

func mintBuyers(keys *auth.Keys, runID string, n int) (seckillBuyers, error) {
	b := seckillBuyers{
		acceptedUsers: make([]string, n), saleUsers: make([]string, n),
		acceptedTokens: make([]string, n), saleTokens: make([]string, n),
	}
	for i := range n {
		b.acceptedUsers[i], b.saleUsers[i] = fmt.Sprintf("bu-%s-a%05d", runID, i), fmt.Sprintf("bu-%s-s%05d", runID, i)
		var err error
		if b.acceptedTokens[i], _, err = keys.Issue(b.acceptedUsers[i], []string{auth.RoleUser}, time.Hour); err != nil {
			return seckillBuyers{}, err
		}
		if b.saleTokens[i], _, err = keys.Issue(b.saleUsers[i], []string{auth.RoleUser}, time.Hour); err != nil {
			return seckillBuyers{}, err
		}
	}
	return b, nil
}

// all is every buyer of either set.
func (b seckillBuyers) all() []string { return append(slices.Clone(b.acceptedUsers), b.saleUsers...) }

// seckillRun is what the phases share: the options, the clients, the
// buyers, the product on sale and the event everyone can buy from.
type seckillRun struct {
	o           SeckillOptions
	sys         *system
	progress    io.Writer
	internal    []connect.ClientOption // a service credential
	mallSeckill seckillv1connect.SeckillServiceClient
	baseSeckill seckillv1connect.SeckillServiceClient
	orders      orderv1connect.OrderServiceClient
	admin       string // token
	buyers      seckillBuyers
	productID   string
	everyone    string // the event of phase 2, with stock for every buyer
	orderDB     *bun.DB
}

// prepareSale mints the buyers, creates the product on sale with stock
// for both sales, gives every buyer a default address and creates the
// event of phase 2.
func prepareSale(ctx context.Context, progress io.Writer, sys *system, o SeckillOptions, httpClient *http.Client, baseline *baselineServer) (*seckillRun, error) {
	deps := sys.deps
	r := &seckillRun{
		o: o, sys: sys, progress: progress,
		internal:    rpcclient.NewServiceCredential(deps.Keys, "bench").Options(),
		mallSeckill: seckillv1connect.NewSeckillServiceClient(httpClient, sys.cfg.InternalURL),
		baseSeckill: seckillv1connect.NewSeckillServiceClient(httpClient, baseline.url),
	}
	r.orders = orderv1connect.NewOrderServiceClient(rpcclient.HTTPClient(), sys.cfg.InternalURL, append(r.internal, connect.WithGRPC())...)

	var err error
	if r.admin, _, err = deps.Keys.Issue("bench-admin", []string{auth.RoleAdmin}, time.Hour); err != nil {
		return nil, err
	}
	fmt.Fprintf(progress, "minting %d buyer tokens\n", 2*o.Users)
	if r.buyers, err = mintBuyers(deps.Keys, sys.runID, o.Users); err != nil {
		return nil, err
	}
	// The sales take their units from a product of this run's, with stock
	// for both; the buyers (minted tokens) get default addresses.
	product, err := productv1connect.NewProductServiceClient(httpClient, sys.cfg.InternalURL).CreateProduct(ctx, withToken(r.admin,
		&productv1.CreateProductRequest{InitialStock: int64(o.Users) + o.Stock, Product: &productv1.ProductSpec{CategoryId: "c01",
			Title: "bench seckill " + sys.runID, ImageUrls: []string{"/img/bench.svg"}, PriceCents: 9900,
			Status: productv1.ProductStatus_PRODUCT_STATUS_ON_SALE}}))
	if err != nil {
		return nil, err
	}
	r.productID = product.Msg.GetProduct().GetProductId()
	userDB, err := deps.Database(ctx, "user")
	if err != nil {
		return nil, err
	}
	if err := user.SeedAddresses(ctx, userDB, r.buyers.all()); err != nil {
		return nil, err
	}
	if r.everyone, err = r.createEvent(ctx, int64(o.Users)); err != nil {
		return nil, err
	}
	return r, nil
}

// createEvent creates and publishes a sale of stock units of the run's
// product, one per buyer, for the next hour.
func (r *seckillRun) createEvent(ctx context.Context, stock int64) (string, error) {
	res, err := r.mallSeckill.CreateEvent(ctx, withToken(r.admin, &seckillv1.CreateEventRequest{ProductId: r.productID, PriceCents: 990,
		Stock: stock, PerUserLimit: 1, StartsAt: timestamppb.New(time.Now().Add(-time.Second)), EndsAt: timestamppb.New(time.Now().Add(time.Hour))}))
	if err != nil {
		return "", err
	}
	id := res.Msg.GetEvent().GetEventId()
	if _, err := r.mallSeckill.PublishEvent(ctx, withToken(r.admin, &seckillv1.PublishEventRequest{EventId: id})); err != nil {
		return "", err
	}
	return id, nil
}

// purchase is a Purchase of eventID on client by the i-th of tokens,
// answering its ticket.
func purchase(client seckillv1connect.SeckillServiceClient, eventID string, tokens []string) func(context.Context, int) (string, error) {
	return func(ctx context.Context, i int) (string, error) {
		res, err := client.Purchase(ctx, withToken(tokens[i], &seckillv1.PurchaseRequest{EventId: eventID}))
		if err != nil {
			return "", err
		}
		return res.Msg.GetTicket(), nil
	}
}

// warmUp signs the shoppers in before the sale: every token is verified
// once (and remembered by the platform) before anything is measured, so no
// phase pays the first verification of its tokens and another not.
func (r *seckillRun) warmUp(ctx context.Context) {
	warm := append(slices.Clone(r.buyers.acceptedTokens), r.buyers.saleTokens...)
	runCount(ctx, "warm-up (not measured)", r.o.Concurrency, len(warm), purchase(r.baseSeckill, noopEventID, warm), io.Discard)
	if !r.o.WarmAddresses {
		return
	}
	// Likewise their address books, which a purchase reads from the
	// cache: what the sale page's prefetch does for a shopper who opened it.
	users := userv1connect.NewUserServiceClient(rpcclient.HTTPClient(), r.sys.cfg.InternalURL, append(r.internal, connect.WithGRPC())...)
	buyers := r.buyers.all()
	runCount(ctx, "address warm-up", r.o.Concurrency, len(buyers), func(ctx context.Context, i int) (string, error) {
		_, err := users.GetAddressInternal(ctx, connect.NewRequest(&userv1.GetAddressInternalRequest{UserId: buyers[i]}))
		return "", err
	}, io.Discard)
}

// phase is one comparison phase: every buyer of the first set purchases
// once from eventID on client.
func (r *seckillRun) phase(ctx context.Context, name string, client seckillv1connect.SeckillServiceClient, eventID string) (bench.Summary, map[string]int) {
	return runCount(ctx, name, r.o.Concurrency, r.o.Users, purchase(client, eventID, r.buyers.acceptedTokens), r.progress)
}

// startWriter starts a batched order writer; drainStart is when it was
// started, and stop stops it.
func startWriter(ctx context.Context, deps *app.Deps, progress io.Writer) (drainStart time.Time, stop func(), err error) {
	writer, stopWriter, err := app.NewWriter(deps)
	if err != nil {
		return time.Time{}, nil, err
	}
	writerCtx, cancelWriter := context.WithCancel(ctx)
	writerDone := make(chan error, 1)
	drainStart = time.Now()
	go func() { writerDone <- writer.Run(writerCtx) }()
	return drainStart, func() {
		cancelWriter()
		if err := <-writerDone; err != nil && !errors.Is(err, context.Canceled) {
			fmt.Fprintln(progress, "writer:", err)
		}
		stopWriter()
	}, nil
}

// written counts the orders written for eventID.
func (r *seckillRun) written(ctx context.Context, eventID string) (int, error) {
	return r.orderDB.NewSelect().Table("orders").Where("seckill_event_id = ?", eventID).Count(ctx)
}

// drainBatched waits for the writer to write phase 2's want records and
// measures that as a phase.
func (r *seckillRun) drainBatched(ctx context.Context, want int, drainStart time.Time) (bench.Summary, error) {
	if err := waitCount(ctx, r.progress, "writer draining phase 2", int64(want), func() (int, error) { return r.written(ctx, r.everyone) }, 5*time.Minute); err != nil {
		return bench.Summary{}, err
	}
	batched := bench.Summarize(phaseWriterBatched, nil, 0, 0, time.Since(drainStart))
	batched.Requests = int64(want)
	return batched, nil
}

// saleResult is what the sale measured and answered.
type saleResult struct {
	event    string
	requests int               // the buyers' and the duplicate requests
	summary  bench.Summary     // the burst
	outcomes map[string]int    // answers by outcome
	tickets  map[string]string // user -> ticket of every accepted purchase
	drain    time.Duration     // from the last answer until every order was written
}

// runSale opens the sale and lets every buyer of the second set (and
// some of them twice) buy at once, then waits for the writers.
func (r *seckillRun) runSale(ctx context.Context) (saleResult, error) {
	saleEvent, err := r.createEvent(ctx, r.o.Stock)
	if err != nil {
		return saleResult{}, err
	}
	requests := saleRequests(r.o.Users, r.o.Duplicates)
	var ticketsMu sync.Mutex
	tickets := map[string]string{} // user -> ticket
	buy := purchase(r.mallSeckill, saleEvent, r.buyers.saleTokens)
	saleUsers := r.buyers.saleUsers
	sale, saleOutcomes := runCount(ctx, phaseSeckillSale, r.o.Concurrency, len(requests), func(ctx context.Context, n int) (string, error) {
		ticket, err := buy(ctx, requests[n])
		if err == nil {
			ticketsMu.Lock()
			tickets[saleUsers[requests[n]]] = ticket
			ticketsMu.Unlock()
		}
		return ticket, err
	}, r.progress)
	saleEnd := time.Now()
	if err := waitCount(ctx, r.progress, "writer draining the sale", int64(len(tickets)), func() (int, error) { return r.written(ctx, saleEvent) }, 5*time.Minute); err != nil {
		return saleResult{}, err
	}
	return saleResult{event: saleEvent, requests: len(requests), summary: sale, outcomes: saleOutcomes, tickets: tickets, drain: time.Since(saleEnd)}, nil
}

// saleRequests are the buyers' indexes in a random order: each once, and
// a share duplicates of them twice.
func saleRequests(users int, duplicates float64) []int {
	requests := make([]int, 0, users+int(float64(users)*duplicates))
	for i := range users {
		requests = append(requests, i)
	}
	requests = append(requests, rand.Perm(users)[:int(float64(users)*duplicates)]...)
	rand.Shuffle(len(requests), func(a, b int) { requests[a], requests[b] = requests[b], requests[a] })
	return requests
}

// saleCheck is the sale's invariants, from MySQL, and the stock Valkey
// has left.
type saleCheck struct {
	ordersWritten, duplicates, lost, unexpected, oversell int
	stockLeft                                             int64
}

func (r *seckillRun) checkSale(ctx context.Context, sale saleResult) (saleCheck, error) {
	var rows []struct {
		UserID string `bun:"user_id"`
		N      int    `bun:"n"`
	}
	if err := r.orderDB.NewSelect().Table("orders").ColumnExpr("user_id, COUNT(*) AS n").Where("seckill_event_id = ?", sale.event).
		Group("user_id").Scan(ctx, &rows); err != nil {
		return saleCheck{}, err
	}
	var c saleCheck
	ordered := map[string]bool{}
	for _, row := range rows {
		c.ordersWritten += row.N
		c.duplicates += row.N - 1
		ordered[row.UserID] = true
		if _, ok := sale.tickets[row.UserID]; !ok {
			c.unexpected++
		}
	}
	for user := range sale.tickets {
		if !ordered[user] {
			c.lost++
		}
	}
	c.oversell = max(0, c.ordersWritten-int(r.o.Stock))
	var err error
	c.stockLeft, err = remainingStock(ctx, r.mallSeckill, sale.event)
	return c, err
}

// holds is whether the sale sold what it had, once to each buyer it
// accepted.
func (c saleCheck) holds(o SeckillOptions) bool {
	return c.oversell == 0 && c.lost == 0 && c.duplicates == 0 && c.unexpected == 0 && int64(c.ordersWritten) == min(o.Stock, int64(o.Users))
}

// seckillPhases are the measured phases besides the sale.
type seckillPhases struct {
	noop, accepted, naive, batched, single bench.Summary
	acceptedOutcomes                       map[string]int
}

func seckillReport(o SeckillOptions, sys *system, p seckillPhases, sale saleResult, check saleCheck) bench.Report {
	return bench.Report{
		Title: "mall bench seckill",
		Setup: []string{
			fmt.Sprintf("%d buyers (+%d duplicate requests) for %d units at concurrency %d; comparison phases %d requests each",
				o.Users, sale.requests-o.Users, o.Stock, o.Concurrency, o.Users),
			fmt.Sprintf("%d CPUs, %s; Valkey %s, Kafka %v (embedded: %t), MySQL; Connect over HTTP/1.1 keep-alive from this process",
				runtime.NumCPU(), runtime.Version(), sys.cfg.RedisAddr, sys.deps.Kafka.Brokers, sys.deps.Kafka.Embedded()),
		},
		Phases: []bench.Summary{p.noop, p.accepted, p.naive, sale.summary, p.batched, p.single},
		Ratios: []bench.RatioLine{
			{Label: "accepted Purchase / no-op", Num: phaseSeckillAccepted, Den: phaseSeckillNoop, AtLeast: 0.6},
			{Label: "accepted Purchase / naive MySQL", Num: phaseSeckillAccepted, Den: phaseSeckillNaive, AtLeast: 10},
			{Label: "writer batched / single-row inserts", Num: phaseWriterBatched, Den: phaseWriterSingle, AtLeast: 15},
		},
		Notes: []string{
			fmt.Sprintf("p99 of Purchase at %d concurrent: all accepted %s, the sale %s (target < 20ms: %s)", o.Concurrency,
				bench.FormatLatency(p.accepted.P99), bench.FormatLatency(sale.summary.P99), verdict(p.accepted.P99 < 20*time.Millisecond && sale.summary.P99 < 20*time.Millisecond)),
			"the sale's answers:" + outcomeText(sale.outcomes),
			fmt.Sprintf("orders in MySQL %d for %d units; oversell %d (must be 0); lost %d (must be 0); duplicates %d (must be 0); orders without an accepted purchase %d; Valkey stock left %d",
				check.ordersWritten, o.Stock, check.oversell, check.lost, check.duplicates, check.unexpected, check.stockLeft),
			fmt.Sprintf("writers drained the sale %s after its last request; phase 2's %d records in %s",
				sale.drain.Round(time.Millisecond), p.acceptedOutcomes["accepted"], p.batched.Elapsed.Round(time.Millisecond)),
		},
	}
}

// outcomeText lists the numbers of answers by outcome, sorted by outcome.
func outcomeText(outcomes map[string]int) string {
	var text string
	for _, k := range slices.Sorted(maps.Keys(outcomes)) {
		text += fmt.Sprintf(" %s %d;", k, outcomes[k])
	}
	return text
}

// runCount makes total calls from concurrency workers, measuring each, and
// counts the answers by outcome ("accepted" or the error's reason).
func runCount(ctx context.Context, name string, concurrency, total int, call func(context.Context, int) (string, error), progress io.Writer) (bench.Summary, map[string]int) {
	var next, done, failed atomic.Int64
	latencies := make([][]time.Duration, concurrency)
	outcomes := make([]map[string]int, concurrency)
	stop := make(chan struct{})
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				fmt.Fprintf(progress, "%-24s %6d/%d requests\n", name, done.Load(), total)
			}
		}
	}()
	start := time.Now()
	var wg sync.WaitGroup
	for w := range concurrency {
		outcomes[w] = map[string]int{}
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= total || ctx.Err() != nil {
					return
				}
				callCtx, cancel := context.WithTimeout(ctx, bench.DefaultRequestTimeout)
				t0 := time.Now()
				_, err := call(callCtx, i)
				took := time.Since(t0)
				cancel()
				done.Add(1)
				// A business refusal (sold out, already bought, rate limited)
				// is an answer; only transport or internal failures are errors.
				switch {
				case err == nil:
					latencies[w] = append(latencies[w], took)
					outcomes[w]["accepted"]++
				case rpcerr.Reason(err) != "":
					latencies[w] = append(latencies[w], took)
					outcomes[w][rpcerr.Reason(err)]++
				default:
					outcomes[w][connect.CodeOf(err).String()]++
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(stop)
	var all []time.Duration
	merged := map[string]int{}
	for w := range concurrency {
		all = append(all, latencies[w]...)
		for k, v := range outcomes[w] {
			merged[k] += v
		}
	}
	s := bench.Summarize(name, all, 0, failed.Load(), elapsed)
	fmt.Fprintf(progress, "%-24s done in %v: %d requests, %.0f req/s, %v\n", name, elapsed.Round(time.Millisecond), s.Requests, s.RPS(), merged)
	return s, merged
}

// waitCount polls count until it reaches want, printing progress.
func waitCount(ctx context.Context, progress io.Writer, what string, want int64, count func() (int, error), limit time.Duration) error {
	deadline := time.Now().Add(limit)
	last := time.Now()
	for {
		n, err := count()
		if err != nil {
			return err
		}
		if int64(n) >= want {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: %d of %d after %v", what, n, want, limit)
		}
		if time.Since(last) >= time.Second {
			fmt.Fprintf(progress, "%-24s %6d/%d orders\n", what, n, want)
			last = time.Now()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// singleRowWrites writes n flash-sale orders one per CreateFlashSaleOrders
// call, as a writer without batching would.
func singleRowWrites(ctx context.Context, orders orderv1connect.OrderServiceClient, eventID string, n int, progress io.Writer) (bench.Summary, error) {
	latencies := make([]time.Duration, 0, n)
	start := time.Now()
	deadline := timestamppb.New(time.Now().Add(time.Hour))
	for i := range n {
		t0 := time.Now()
		_, err := orders.CreateFlashSaleOrders(ctx, connect.NewRequest(&orderv1.CreateFlashSaleOrdersRequest{Orders: []*orderv1.FlashSaleOrderInput{{
			Ticket: fmt.Sprintf("%s.single.%d", eventID, i), SeckillEventId: eventID, UserId: fmt.Sprintf("single-%d", i),
			ProductId: "p0001", UnitPriceCents: 990, Quantity: 1, AcceptedAt: timestamppb.Now(), PaymentDeadline: deadline, Title: "single row",
			ShippingAddress: benchAddress}}}))
		if err != nil {
			return bench.Summary{}, err
		}
		latencies = append(latencies, time.Since(t0))
	}
	s := bench.Summarize(phaseWriterSingle, latencies, 0, 0, time.Since(start))
	fmt.Fprintf(progress, "%-24s done: %d rows, %.0f rows/s\n", phaseWriterSingle, n, s.RPS())
	return s, nil
}

// benchAddress is the shipping address of the single-row baseline's
// orders (the batched writer's carry their buyers' addresses).
var benchAddress = &orderv1.ShippingAddress{RecipientName: "买家", Phone: "13700000000", Province: "江苏", City: "南京", Detail: "中山路 100 号"}

func remainingStock(ctx context.Context, client seckillv1connect.SeckillServiceClient, eventID string) (int64, error) {
	res, err := client.GetEvent(ctx, connect.NewRequest(&seckillv1.GetEventRequest{EventId: eventID}))
	if err != nil {
		return 0, err
	}
	return res.Msg.GetEvent().GetRemainingStock(), nil
}
