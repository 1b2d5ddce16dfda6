package scenario

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"
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
	progress := env.Progress
	if o.Users < 1 || o.Stock < 1 || o.Concurrency < 1 || o.Duplicates < 0 || o.Duplicates > 1 || o.SingleRows < 1 {
		return errors.New("bench seckill: --users, --stock, --concurrency, --single-rows must be positive and --duplicates in [0, 1]")
	}
	sys, err := startSystem(ctx, env, o.TemporalBin, "bench-seckill")
	if err != nil {
		return err
	}
	defer sys.Close()
	deps := sys.deps

	// The comparison server: the same platform options, no domain.
	seckillDB, err := deps.Database(ctx, "seckill")
	if err != nil {
		return err
	}
	naive, err := newNaiveSale(ctx, seckillDB, "naive-"+sys.runID, int64(o.Users))
	if err != nil {
		return err
	}
	baseListener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer baseListener.Close()
	base, err := app.NewServer(ctx, deps, nil)
	if err != nil {
		return err
	}
	base.Mount(seckillv1connect.NewSeckillServiceHandler(&baselineSeckill{naive: naive}, base.HandlerOptions()...))
	serveCtx, stopServing := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- base.Serve(serveCtx, baseListener) }()
	defer func() {
		stopServing()
		if err := <-served; err != nil {
			fmt.Fprintln(progress, "comparison server:", err)
		}
	}()

	transport := &http.Transport{MaxIdleConns: 2 * o.Concurrency, MaxIdleConnsPerHost: o.Concurrency, IdleConnTimeout: time.Minute}
	defer transport.CloseIdleConnections()
	httpClient := &http.Client{Transport: transport}
	mallSeckill := seckillv1connect.NewSeckillServiceClient(httpClient, sys.cfg.InternalURL)
	baseSeckill := seckillv1connect.NewSeckillServiceClient(httpClient, "http://"+baseListener.Addr().String())
	internal := rpcclient.NewServiceCredential(deps.Keys, "bench").Options()
	orders := orderv1connect.NewOrderServiceClient(rpcclient.HTTPClient(), sys.cfg.InternalURL, append(internal, connect.WithGRPC())...)

	admin, _, err := deps.Keys.Issue("bench-admin", []string{auth.RoleAdmin}, time.Hour)
	if err != nil {
		return err
	}
	fmt.Fprintf(progress, "minting %d buyer tokens\n", 2*o.Users)
	acceptedUsers, saleUsers := make([]string, o.Users), make([]string, o.Users)
	acceptedTokens, saleTokens := make([]string, o.Users), make([]string, o.Users)
	for i := range o.Users {
		acceptedUsers[i], saleUsers[i] = fmt.Sprintf("bu-%s-a%05d", sys.runID, i), fmt.Sprintf("bu-%s-s%05d", sys.runID, i)
		if acceptedTokens[i], _, err = deps.Keys.Issue(acceptedUsers[i], []string{auth.RoleUser}, time.Hour); err != nil {
			return err
		}
		if saleTokens[i], _, err = deps.Keys.Issue(saleUsers[i], []string{auth.RoleUser}, time.Hour); err != nil {
			return err
		}
	}
	// The sales take their units from a product of this run's, with stock
	// for both; the buyers (minted tokens) get default addresses.
	product, err := productv1connect.NewProductServiceClient(httpClient, sys.cfg.InternalURL).CreateProduct(ctx, withToken(admin,
		&productv1.CreateProductRequest{InitialStock: int64(o.Users) + o.Stock, Product: &productv1.ProductSpec{CategoryId: "c01",
			Title: "bench seckill " + sys.runID, ImageUrls: []string{"/img/bench.svg"}, PriceCents: 9900,
			Status: productv1.ProductStatus_PRODUCT_STATUS_ON_SALE}}))
	if err != nil {
		return err
	}
	productID := product.Msg.GetProduct().GetProductId()
	userDB, err := deps.Database(ctx, "user")
	if err != nil {
		return err
	}
	if err := user.SeedAddresses(ctx, userDB, append(slices.Clone(acceptedUsers), saleUsers...)); err != nil {
		return err
	}
	createEvent := func(stock int64) (string, error) {
		res, err := mallSeckill.CreateEvent(ctx, withToken(admin, &seckillv1.CreateEventRequest{ProductId: productID, PriceCents: 990,
			Stock: stock, PerUserLimit: 1, StartsAt: timestamppb.New(time.Now().Add(-time.Second)), EndsAt: timestamppb.New(time.Now().Add(time.Hour))}))
		if err != nil {
			return "", err
		}
		return res.Msg.GetEvent().GetEventId(), nil
	}
	everyone, err := createEvent(int64(o.Users))
	if err != nil {
		return err
	}
	purchase := func(client seckillv1connect.SeckillServiceClient, eventID string, tokens []string) func(context.Context, int) (string, error) {
		return func(ctx context.Context, i int) (string, error) {
			res, err := client.Purchase(ctx, withToken(tokens[i], &seckillv1.PurchaseRequest{EventId: eventID}))
			if err != nil {
				return "", err
			}
			return res.Msg.GetTicket(), nil
		}
	}

	// Shoppers are signed in before a sale: every token is verified once
	// (and remembered by the platform) before anything is measured, so no
	// phase pays the first verification of its tokens and another not.
	warm := append(slices.Clone(acceptedTokens), saleTokens...)
	runCount(ctx, "warm-up (not measured)", o.Concurrency, len(warm), purchase(baseSeckill, noopEventID, warm), io.Discard)
	if o.WarmAddresses {
		// Likewise their address books, which a purchase reads from the
		// cache: what the sale page's prefetch does for a shopper who opened it.
		users := userv1connect.NewUserServiceClient(rpcclient.HTTPClient(), sys.cfg.InternalURL, append(internal, connect.WithGRPC())...)
		buyers := append(slices.Clone(acceptedUsers), saleUsers...)
		runCount(ctx, "address warm-up", o.Concurrency, len(buyers), func(ctx context.Context, i int) (string, error) {
			_, err := users.GetAddressInternal(ctx, connect.NewRequest(&userv1.GetAddressInternalRequest{UserId: buyers[i]}))
			return "", err
		}, io.Discard)
	}

	// 1-3: the same requests against the no-op, the real (all accepted) and the naive Purchase.
	noop, _ := runCount(ctx, phaseSeckillNoop, o.Concurrency, o.Users, purchase(baseSeckill, noopEventID, acceptedTokens), progress)
	accepted, acceptedOutcomes := runCount(ctx, phaseSeckillAccepted, o.Concurrency, o.Users, purchase(mallSeckill, everyone, acceptedTokens), progress)
	naiveSummary, _ := runCount(ctx, phaseSeckillNaive, o.Concurrency, o.Users, purchase(baseSeckill, naive.eventID, acceptedTokens), progress)

	// 4: the writers drain phase 2's records, batched; then single-row writes.
	writer, stopWriter, err := app.NewWriter(deps)
	if err != nil {
		return err
	}
	writerCtx, cancelWriter := context.WithCancel(ctx)
	writerDone := make(chan error, 1)
	drainStart := time.Now()
	go func() { writerDone <- writer.Run(writerCtx) }()
	defer func() {
		cancelWriter()
		if err := <-writerDone; err != nil && !errors.Is(err, context.Canceled) {
			fmt.Fprintln(progress, "writer:", err)
		}
		stopWriter()
	}()
	orderDB, err := deps.Database(ctx, "order")
	if err != nil {
		return err
	}
	written := func(eventID string) (int, error) {
		return orderDB.NewSelect().Table("orders").Where("seckill_event_id = ?", eventID).Count(ctx)
	}
	want := acceptedOutcomes["accepted"]
	if err := waitCount(ctx, progress, "writer draining phase 2", int64(want), func() (int, error) { return written(everyone) }, 5*time.Minute); err != nil {
		return err
	}
	batched := bench.Summarize(phaseWriterBatched, nil, 0, 0, time.Since(drainStart))
	batched.Requests = int64(want)
	single, err := singleRowWrites(ctx, orders, "single-"+sys.runID, o.SingleRows, progress)
	if err != nil {
		return err
	}

	// 5: the sale, writers running.
	saleEvent, err := createEvent(o.Stock)
	if err != nil {
		return err
	}
	requests := make([]int, 0, o.Users+int(float64(o.Users)*o.Duplicates))
	for i := range o.Users {
		requests = append(requests, i)
	}
	requests = append(requests, rand.Perm(o.Users)[:int(float64(o.Users)*o.Duplicates)]...)
	rand.Shuffle(len(requests), func(a, b int) { requests[a], requests[b] = requests[b], requests[a] })
	var ticketsMu sync.Mutex
	tickets := map[string]string{} // user -> ticket
	buy := purchase(mallSeckill, saleEvent, saleTokens)
	sale, saleOutcomes := runCount(ctx, phaseSeckillSale, o.Concurrency, len(requests), func(ctx context.Context, n int) (string, error) {
		ticket, err := buy(ctx, requests[n])
		if err == nil {
			ticketsMu.Lock()
			tickets[saleUsers[requests[n]]] = ticket
			ticketsMu.Unlock()
		}
		return ticket, err
	}, progress)
	saleEnd := time.Now()
	if err := waitCount(ctx, progress, "writer draining the sale", int64(len(tickets)), func() (int, error) { return written(saleEvent) }, 5*time.Minute); err != nil {
		return err
	}
	drain := time.Since(saleEnd)

	// The sale's invariants, from MySQL.
	var rows []struct {
		UserID string `bun:"user_id"`
		N      int    `bun:"n"`
	}
	if err := orderDB.NewSelect().Table("orders").ColumnExpr("user_id, COUNT(*) AS n").Where("seckill_event_id = ?", saleEvent).
		Group("user_id").Scan(ctx, &rows); err != nil {
		return err
	}
	ordersWritten, duplicates, lost, unexpected := 0, 0, 0, 0
	ordered := map[string]bool{}
	for _, r := range rows {
		ordersWritten += r.N
		duplicates += r.N - 1
		ordered[r.UserID] = true
		if _, ok := tickets[r.UserID]; !ok {
			unexpected++
		}
	}
	for user := range tickets {
		if !ordered[user] {
			lost++
		}
	}
	oversell := max(0, ordersWritten-int(o.Stock))
	left, err := remainingStock(ctx, mallSeckill, saleEvent)
	if err != nil {
		return err
	}

	reasons := slices.Sorted(func(yield func(string) bool) {
		for k := range saleOutcomes {
			if !yield(k) {
				return
			}
		}
	})
	var outcomeText string
	for _, k := range reasons {
		outcomeText += fmt.Sprintf(" %s %d;", k, saleOutcomes[k])
	}
	report := bench.Report{
		Title: "mall bench seckill",
		Setup: []string{
			fmt.Sprintf("%d buyers (+%d duplicate requests) for %d units at concurrency %d; comparison phases %d requests each",
				o.Users, len(requests)-o.Users, o.Stock, o.Concurrency, o.Users),
			fmt.Sprintf("%d CPUs, %s; Valkey %s, Kafka %v (embedded: %t), MySQL; Connect over HTTP/1.1 keep-alive from this process",
				runtime.NumCPU(), runtime.Version(), sys.cfg.RedisAddr, deps.Kafka.Brokers, deps.Kafka.Embedded()),
		},
		Phases: []bench.Summary{noop, accepted, naiveSummary, sale, batched, single},
		Ratios: []bench.RatioLine{
			{Label: "accepted Purchase / no-op", Num: phaseSeckillAccepted, Den: phaseSeckillNoop, AtLeast: 0.6},
			{Label: "accepted Purchase / naive MySQL", Num: phaseSeckillAccepted, Den: phaseSeckillNaive, AtLeast: 10},
			{Label: "writer batched / single-row inserts", Num: phaseWriterBatched, Den: phaseWriterSingle, AtLeast: 15},
		},
		Notes: []string{
			fmt.Sprintf("p99 of Purchase at %d concurrent: all accepted %s, the sale %s (target < 20ms: %s)", o.Concurrency,
				bench.FormatLatency(accepted.P99), bench.FormatLatency(sale.P99), verdict(accepted.P99 < 20*time.Millisecond && sale.P99 < 20*time.Millisecond)),
			"the sale's answers:" + outcomeText,
			fmt.Sprintf("orders in MySQL %d for %d units; oversell %d (must be 0); lost %d (must be 0); duplicates %d (must be 0); orders without an accepted purchase %d; Valkey stock left %d",
				ordersWritten, o.Stock, oversell, lost, duplicates, unexpected, left),
			fmt.Sprintf("writers drained the sale %s after its last request; phase 2's %d records in %s",
				drain.Round(time.Millisecond), want, batched.Elapsed.Round(time.Millisecond)),
		},
	}
	if err := report.Render(env.Out); err != nil {
		return err
	}
	if oversell != 0 || lost != 0 || duplicates != 0 || unexpected != 0 || int64(ordersWritten) != min(o.Stock, int64(o.Users)) {
		return errors.New("bench seckill: invariants violated (see the report)")
	}
	return nil
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
