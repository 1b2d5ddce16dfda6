package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"
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
	"mall/services/platform/db"
	"mall/services/platform/rpcclient"
	"mall/services/platform/rpcerr"
	"mall/services/seckill"
	"mall/services/user"
)

type seckillBenchOptions struct {
	users         int
	stock         int64
	concurrency   int
	duplicates    float64
	singleRows    int
	temporalBin   string
	warmAddresses bool
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

func (c *cli) benchSeckillCommand() *cobra.Command {
	var o seckillBenchOptions
	cmd := &cobra.Command{
		Use:   "seckill",
		Short: "A flash-sale burst against one event: admission latency, rejections, writers' drain, no oversell, nothing lost",
		Long: `Starts the mall in-process (migrated, seeded, with a Temporal worker and one
batched order writer) plus a second server with identical options that hosts
a no-op Purchase and a naive one (per request: UPDATE stock WHERE stock > 0
and INSERT the order in MySQL). Then, with the same harness and request count:

  1. no-op Purchase;
  2. Purchase with stock for everyone (every request accepted: rate limit,
     Lua admission, Kafka produce), writers paused;
  3. the naive Purchase with stock for everyone;
  4. the writers drain phase 2's records (batched) — and the same number of
     records written one per call (single-row inserts);
  5. the sale: --users buyers (plus --duplicates of them again) hitting one
     event with --stock units at --concurrency, writers running.

It waits for the writers, then checks the sale: orders in MySQL, oversell,
accepted purchases without an order (lost), and duplicate orders. Every
buyer's token is verified once before the measured phases, as shoppers are
signed in before a sale. The sales are of a product the bench creates with
stock for both; every buyer gets a default address (a purchase resolves
it before admission), whose address book is read once before the measured
phases, as the sale page does for a signed-in shopper, unless
--warm-addresses=false (every purchase of phase 2 then loads one).`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			logger, err := c.benchLogger(cmd)
			if err != nil {
				return err
			}
			return c.runBenchSeckill(cmd.Context(), o, logger, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().IntVar(&o.users, "users", 20000, "distinct buyers in the sale (and requests per comparison phase)")
	cmd.Flags().Int64Var(&o.stock, "stock", 500, "units in the sale")
	cmd.Flags().IntVar(&o.concurrency, "concurrency", 200, "concurrent requests")
	cmd.Flags().Float64Var(&o.duplicates, "duplicates", 0.1, "share of buyers who send a second purchase")
	cmd.Flags().IntVar(&o.singleRows, "single-rows", 2000, "records written one per call for the single-row baseline")
	cmd.Flags().StringVar(&o.temporalBin, "temporal-bin", "tools/bin/temporal", "Temporal CLI for a dev server when none answers")
	cmd.Flags().BoolVar(&o.warmAddresses, "warm-addresses", true, "read every buyer's address book once before the measured phases (false: the accepted phase loads each from MySQL)")
	return cmd
}

func (c *cli) runBenchSeckill(ctx context.Context, o seckillBenchOptions, logger *slog.Logger, out, progress io.Writer) error {
	if o.users < 1 || o.stock < 1 || o.concurrency < 1 || o.duplicates < 0 || o.duplicates > 1 || o.singleRows < 1 {
		return errors.New("bench seckill: --users, --stock, --concurrency, --single-rows must be positive and --duplicates in [0, 1]")
	}
	sys, err := c.startBenchSystem(ctx, logger, progress, o.temporalBin, "bench-seckill")
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
	naive, err := newNaiveSale(ctx, seckillDB, "naive-"+sys.runID, int64(o.users))
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
	defer func() { stopServing(); <-served }()

	transport := &http.Transport{MaxIdleConns: 2 * o.concurrency, MaxIdleConnsPerHost: o.concurrency, IdleConnTimeout: time.Minute}
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
	fmt.Fprintf(progress, "minting %d buyer tokens\n", 2*o.users)
	acceptedUsers, saleUsers := make([]string, o.users), make([]string, o.users)
	acceptedTokens, saleTokens := make([]string, o.users), make([]string, o.users)
	for i := range o.users {
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
		&productv1.CreateProductRequest{InitialStock: int64(o.users) + o.stock, Product: &productv1.ProductSpec{CategoryId: "c01",
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
	everyone, err := createEvent(int64(o.users))
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
	runCount(ctx, "warm-up (not measured)", o.concurrency, len(warm), purchase(baseSeckill, noopEventID, warm), io.Discard)
	if o.warmAddresses {
		// Likewise their address books, which a purchase reads from the
		// cache: what the sale page's prefetch does for a shopper who opened it.
		users := userv1connect.NewUserServiceClient(rpcclient.HTTPClient(), sys.cfg.InternalURL, append(internal, connect.WithGRPC())...)
		buyers := append(slices.Clone(acceptedUsers), saleUsers...)
		runCount(ctx, "address warm-up", o.concurrency, len(buyers), func(ctx context.Context, i int) (string, error) {
			_, err := users.GetAddressInternal(ctx, connect.NewRequest(&userv1.GetAddressInternalRequest{UserId: buyers[i]}))
			return "", err
		}, io.Discard)
	}

	// 1-3: the same requests against the no-op, the real (all accepted) and the naive Purchase.
	noop, _ := runCount(ctx, phaseSeckillNoop, o.concurrency, o.users, purchase(baseSeckill, noopEventID, acceptedTokens), progress)
	accepted, acceptedOutcomes := runCount(ctx, phaseSeckillAccepted, o.concurrency, o.users, purchase(mallSeckill, everyone, acceptedTokens), progress)
	naiveSummary, _ := runCount(ctx, phaseSeckillNaive, o.concurrency, o.users, purchase(baseSeckill, naive.eventID, acceptedTokens), progress)

	// 4: the writers drain phase 2's records, batched; then single-row writes.
	writer, stopWriter, err := app.NewWriter(deps)
	if err != nil {
		return err
	}
	writerCtx, cancelWriter := context.WithCancel(ctx)
	writerDone := make(chan error, 1)
	drainStart := time.Now()
	go func() { writerDone <- writer.Run(writerCtx) }()
	defer func() { cancelWriter(); <-writerDone; stopWriter() }()
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
	single, err := singleRowWrites(ctx, orders, "single-"+sys.runID, o.singleRows, progress)
	if err != nil {
		return err
	}

	// 5: the sale, writers running.
	saleEvent, err := createEvent(o.stock)
	if err != nil {
		return err
	}
	requests := make([]int, 0, o.users+int(float64(o.users)*o.duplicates))
	for i := range o.users {
		requests = append(requests, i)
	}
	for _, i := range rand.Perm(o.users)[:int(float64(o.users)*o.duplicates)] {
		requests = append(requests, i)
	}
	rand.Shuffle(len(requests), func(a, b int) { requests[a], requests[b] = requests[b], requests[a] })
	var ticketsMu sync.Mutex
	tickets := map[string]string{} // user -> ticket
	buy := purchase(mallSeckill, saleEvent, saleTokens)
	sale, saleOutcomes := runCount(ctx, phaseSeckillSale, o.concurrency, len(requests), func(ctx context.Context, n int) (string, error) {
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
	oversell := max(0, ordersWritten-int(o.stock))
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
	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "missed"
	}
	report := bench.Report{
		Title: "mall bench seckill",
		Setup: []string{
			fmt.Sprintf("%d buyers (+%d duplicate requests) for %d units at concurrency %d; comparison phases %d requests each",
				o.users, len(requests)-o.users, o.stock, o.concurrency, o.users),
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
			fmt.Sprintf("p99 of Purchase at %d concurrent: all accepted %s, the sale %s (target < 20ms: %s)", o.concurrency,
				bench.FormatLatency(accepted.P99), bench.FormatLatency(sale.P99), verdict(accepted.P99 < 20*time.Millisecond && sale.P99 < 20*time.Millisecond)),
			"the sale's answers:" + outcomeText,
			fmt.Sprintf("orders in MySQL %d for %d units; oversell %d (must be 0); lost %d (must be 0); duplicates %d (must be 0); orders without an accepted purchase %d; Valkey stock left %d",
				ordersWritten, o.stock, oversell, lost, duplicates, unexpected, left),
			fmt.Sprintf("writers drained the sale %s after its last request; phase 2's %d records in %s",
				drain.Round(time.Millisecond), want, batched.Elapsed.Round(time.Millisecond)),
		},
	}
	if err := report.Render(out); err != nil {
		return err
	}
	if oversell != 0 || lost != 0 || duplicates != 0 || unexpected != 0 || int64(ordersWritten) != min(o.stock, int64(o.users)) {
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

const noopEventID = "noop"

// baselineSeckill is the comparison handler: Purchase answers at once for
// the no-op event, and does the naive MySQL sale for any other.
type baselineSeckill struct {
	seckillv1connect.UnimplementedSeckillServiceHandler
	naive *naiveSale
}

func (b *baselineSeckill) Purchase(ctx context.Context, req *connect.Request[seckillv1.PurchaseRequest]) (*connect.Response[seckillv1.PurchaseResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	if req.Msg.GetEventId() == noopEventID {
		return connect.NewResponse(&seckillv1.PurchaseResponse{Ticket: "noop", AcceptedAt: timestamppb.Now()}), nil
	}
	if err := b.naive.buy(ctx, userID); err != nil {
		return nil, err
	}
	return connect.NewResponse(&seckillv1.PurchaseResponse{Ticket: "naive", AcceptedAt: timestamppb.Now()}), nil
}

// naiveSale is what a flash sale looks like without a cache and a queue:
// per request, one transaction that decrements the stock row if positive
// and inserts the order row.
type naiveSale struct {
	db      *bun.DB
	eventID string
}

func newNaiveSale(ctx context.Context, handle *bun.DB, eventID string, stock int64) (*naiveSale, error) {
	for _, stmt := range []string{
		`CREATE TABLE IF NOT EXISTS bench_naive_stock (event_id VARCHAR(64) PRIMARY KEY, stock BIGINT NOT NULL) ENGINE=InnoDB`,
		`CREATE TABLE IF NOT EXISTS bench_naive_orders (event_id VARCHAR(64) NOT NULL, user_id VARCHAR(64) NOT NULL,
			created_at DATETIME(6) NOT NULL, PRIMARY KEY (event_id, user_id)) ENGINE=InnoDB`,
	} {
		if _, err := handle.ExecContext(ctx, stmt); err != nil {
			return nil, err
		}
	}
	if _, err := handle.ExecContext(ctx, `INSERT INTO bench_naive_stock (event_id, stock) VALUES (?, ?)`, eventID, stock); err != nil {
		return nil, err
	}
	return &naiveSale{db: handle, eventID: eventID}, nil
}

var errNaiveSoldOut = rpcerr.New(connect.CodeFailedPrecondition, seckill.ReasonSoldOut, "sold out")

func (n *naiveSale) buy(ctx context.Context, userID string) error {
	return db.InTx(ctx, n.db, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE bench_naive_stock SET stock = stock - 1 WHERE event_id = ? AND stock > 0`, n.eventID)
		if err != nil {
			return err
		}
		if rows, err := res.RowsAffected(); err != nil || rows == 0 {
			return errors.Join(err, errNaiveSoldOut)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO bench_naive_orders (event_id, user_id, created_at) VALUES (?, ?, ?)`, n.eventID, userID, time.Now().UTC())
		return err
	})
}
