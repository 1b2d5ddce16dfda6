package scenario

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os/exec"
	"runtime"
	"slices"
	"time"

	"connectrpc.com/connect"
	"github.com/uptrace/bun"
	"google.golang.org/protobuf/types/known/timestamppb"

	productv1 "mall/gen/mall/product/v1"
	"mall/gen/mall/product/v1/productv1connect"
	seckillv1 "mall/gen/mall/seckill/v1"
	"mall/gen/mall/seckill/v1/seckillv1connect"
	userv1 "mall/gen/mall/user/v1"
	"mall/gen/mall/user/v1/userv1connect"
	"mall/services/bench"
	"mall/services/platform/auth"
	"mall/services/platform/rpcclient"
	"mall/services/user"
)

// SeckillOptions are the flags of `mall bench seckill`.
type SeckillOptions struct {
	Generator     GeneratorOptions
	Users         int   // distinct buyers in the sale
	Stock         int64 // units in the sale
	Duplicates    float64
	PhaseBuyers   int    // fresh buyers minted for each of the sold-out, accepted and naive phases
	SingleRows    int    // records written one per call for the single-row baseline
	TemporalBin   string // Temporal CLI for a dev server when none answers
	WarmAddresses bool   // read every accepted-phase buyer's address book once before the phases
	// Watchers are the fresh buyers of each results phase (buy only, buy
	// then watch, buy then poll); 0 skips them. WatchConcurrency bounds
	// their purchases in flight; ClientCommand is the process that runs
	// them (RunWatchClient behind it).
	Watchers         int
	WatchConcurrency int
	ClientCommand    func(context.Context) *exec.Cmd
}

// Phase names; the targets refer to them.
const (
	phaseSoldOut       = "Purchase sold out"
	phaseSoldOutUnseen = "sold out, unseen tokens"
	phaseAccepted      = "Purchase accepted"
	phaseNaive         = "naive MySQL Purchase"
	phaseSale          = "the sale"
	phaseWriterBatched = "writer, batched"
	phaseWriterSingle  = "single-row inserts"
)

// Outcomes of mall_seckill_admissions_total the phases expect.
const (
	admissionsMetric = "mall_seckill_admissions_total"
	outcomeAccepted  = "accepted"
	outcomeSoldOut   = "sold_out"
)

// Seckill drives Purchase with wrk against the system as `mall dev` runs
// it (writers, sweeper, worker, access log): a sold-out sale and a sale
// with stock for every request, each request a fresh buyer, the naive
// MySQL Purchase likewise on a server of its own, then a sale of --stock
// units to --users buyers (and repeats). Each phase has its health-check
// ceiling beside it; its outcomes are read from the server's own metrics,
// and the sales are checked in MySQL (no oversell, nothing lost, no
// duplicates). Then, timed in this process, a writer drains --users
// queued records (batched) against --single-rows single-row inserts. It
// prints the report to env.Out.
func Seckill(ctx context.Context, env Env, o SeckillOptions) error {
	if o.Users < 1 || o.Stock < 1 || o.PhaseBuyers < 1 || o.SingleRows < 1 || o.Duplicates < 0 || o.Duplicates > 1 {
		return errors.New("bench seckill: --users, --stock, --phase-buyers and --single-rows must be positive and --duplicates in [0, 1]")
	}
	if o.Watchers < 0 || (o.Watchers > 0 && (o.WatchConcurrency < 1 || o.ClientCommand == nil)) {
		return errors.New("bench seckill: --watchers must not be negative, and to run them --watch-concurrency must be positive")
	}
	gen, err := o.Generator.generator()
	if err != nil {
		return err
	}
	sys, err := startSystem(ctx, env, o.TemporalBin, "bench-seckill")
	if err != nil {
		return err
	}
	defer sys.Close()
	r, err := prepareSeckill(ctx, env.Progress, sys, o)
	if err != nil {
		return err
	}

	var phases []seckillPhase
	var failed []string
	run := func(p seckillPhase, err error) {
		if err != nil {
			failed = append(failed, err.Error())
		}
		if p.summary.Name != "" {
			phases = append(phases, p)
		}
	}
	run(r.soldOutPhase(ctx, gen))
	run(r.soldOutUnseenPhase(ctx, gen))
	run(r.acceptedPhase(ctx, gen))
	run(r.naivePhase(ctx, gen))
	sale, err := r.salePhase(ctx, gen)
	run(sale.seckillPhase, err)
	writers, err := r.writerPhases(ctx)
	if err != nil {
		failed = append(failed, "writers: "+err.Error())
	}
	var results resultComparison
	if o.Watchers > 0 {
		var errs []error
		results, errs = r.resultPhases(ctx)
		for _, err := range errs {
			failed = append(failed, err.Error())
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	report := seckillReport(o, gen, sys, phases, sale, writers, failed)
	results.addTo(&report, o.Watchers, o.WatchConcurrency)
	if err := report.Render(env.Out); err != nil {
		return err
	}
	if len(failed) > 0 {
		return fmt.Errorf("bench seckill: %d phases did not do what they say (see the report)", len(failed))
	}
	return nil
}

// seckillRun is what the phases share: the options, the system, the
// clients, the product on sale and the buyers of each phase.
type seckillRun struct {
	o         SeckillOptions
	sys       *system
	progress  io.Writer
	seckill   seckillv1connect.SeckillServiceClient
	http      *http.Client
	admin     string // token
	productID string
	orderDB   *bun.DB
	// Buyers of each phase, of the writer's drain and of the results
	// phases: ids and minted tokens.
	soldOut, soldOutUnseen, accepted, naive, sale, drain buyers
	buyOnly, watch, poll                                 buyers

	soldOutEvent string // the sale both sold-out phases ask for
}

type buyers struct{ ids, tokens []string }

// prepareSeckill mints the buyers, creates the product on sale with stock
// for every phase and gives every buyer of the mall's sales a default
// address (a purchase resolves it before admission, sold out or not).
func prepareSeckill(ctx context.Context, progress io.Writer, sys *system, o SeckillOptions) (*seckillRun, error) {
	r := &seckillRun{o: o, sys: sys, progress: progress, http: rpcclient.HTTPClient()}
	r.seckill = seckillv1connect.NewSeckillServiceClient(r.http, sys.cfg.InternalURL)
	var err error
	if r.admin, _, err = sys.deps.Keys.Issue("bench-admin", []string{auth.RoleAdmin}, time.Hour); err != nil {
		return nil, err
	}
	fmt.Fprintf(progress, "minting %d buyer tokens\n", 4*o.PhaseBuyers+2*o.Users+3*o.Watchers)
	for _, b := range []struct {
		into  *buyers
		label string
		n     int
	}{{&r.soldOut, "o", o.PhaseBuyers}, {&r.soldOutUnseen, "u", o.PhaseBuyers}, {&r.accepted, "a", o.PhaseBuyers}, {&r.naive, "n", o.PhaseBuyers},
		{&r.sale, "s", o.Users}, {&r.drain, "w", o.Users}, {&r.buyOnly, "b", o.Watchers}, {&r.watch, "r", o.Watchers}, {&r.poll, "p", o.Watchers}} {
		if *b.into, err = mintBuyers(sys.deps.Keys, fmt.Sprintf("bu-%s-%s", sys.runID, b.label), b.n); err != nil {
			return nil, err
		}
	}
	product, err := productv1connect.NewProductServiceClient(r.http, sys.cfg.InternalURL).CreateProduct(ctx, withToken(r.admin,
		&productv1.CreateProductRequest{InitialStock: int64(o.PhaseBuyers+o.Users+3*o.Watchers) + o.Stock + 1, Product: &productv1.ProductSpec{CategoryId: "c01",
			Title: "bench seckill " + sys.runID, ImageUrls: []string{"/img/bench.svg"}, PriceCents: 9900,
			Status: productv1.ProductStatus_PRODUCT_STATUS_ON_SALE}}))
	if err != nil {
		return nil, err
	}
	r.productID = product.Msg.GetProduct().GetProductId()
	userDB, err := sys.deps.Database(ctx, "user")
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(progress, "giving %d buyers a default address\n", len(r.everyone()))
	if err := user.SeedAddresses(ctx, userDB, r.everyone()); err != nil {
		return nil, err
	}
	if o.WarmAddresses {
		if err := r.warmAddresses(ctx); err != nil {
			return nil, err
		}
	}
	if r.orderDB, err = sys.deps.Database(ctx, "order"); err != nil {
		return nil, err
	}
	return r, nil
}

// mintBuyers issues n buyers' tokens (ids prefix-00000...), on every core.
func mintBuyers(keys *auth.Keys, prefix string, n int) (buyers, error) {
	b := buyers{ids: make([]string, n), tokens: make([]string, n)}
	err := inParallel(runtime.NumCPU(), n, func(i int) error {
		b.ids[i] = fmt.Sprintf("%s%06d", prefix, i)
		var err error
		b.tokens[i], _, err = keys.Issue(b.ids[i], []string{auth.RoleUser}, time.Hour)
		return err
	})
	return b, err
}

// inParallel calls do(i) for i in [0, n) from workers goroutines, each
// stopping at its first error; it returns them all joined.
func inParallel(workers, n int, do func(i int) error) error {
	errs := make(chan error, workers)
	for w := range workers {
		go func() {
			for i := w; i < n; i += workers {
				if err := do(i); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	var err error
	for range workers {
		err = errors.Join(err, <-errs)
	}
	return err
}

// everyone is every buyer of the mall's sales (the naive one reads no
// address).
func (r *seckillRun) everyone() []string {
	return slices.Concat(r.soldOut.ids, r.accepted.ids, r.sale.ids, r.drain.ids, r.buyOnly.ids, r.watch.ids, r.poll.ids)
}

// warmAddresses reads every buyer's address book once, as a shopper's
// recent visit to their addresses or checkout would: a purchase then finds
// it in Valkey, and within a minute in the process's client-side cache
// (the accepted phase reports which).
func (r *seckillRun) warmAddresses(ctx context.Context) error {
	users := userv1connect.NewUserServiceClient(r.http, r.sys.cfg.InternalURL,
		append(rpcclient.NewServiceCredential(r.sys.deps.Keys, "bench").Options(), connect.WithGRPC())...)
	ids := r.everyone()
	fmt.Fprintf(r.progress, "reading %d address books once (not measured)\n", len(ids))
	return inParallel(32, len(ids), func(i int) error {
		_, err := users.GetAddressInternal(ctx, connect.NewRequest(&userv1.GetAddressInternalRequest{UserId: ids[i]}))
		return err
	})
}

// createEvent creates and publishes a sale of stock units of the run's
// product, one per buyer, for the next hour.
func (r *seckillRun) createEvent(ctx context.Context, stock int64) (string, error) {
	res, err := r.seckill.CreateEvent(ctx, withToken(r.admin, &seckillv1.CreateEventRequest{ProductId: r.productID, PriceCents: 990,
		Stock: stock, PerUserLimit: 1, StartsAt: timestamppb.New(time.Now().Add(-time.Second)), EndsAt: timestamppb.New(time.Now().Add(time.Hour))}))
	if err != nil {
		return "", err
	}
	id := res.Msg.GetEvent().GetEventId()
	if _, err := r.seckill.PublishEvent(ctx, withToken(r.admin, &seckillv1.PublishEventRequest{EventId: id})); err != nil {
		return "", err
	}
	return id, nil
}

// purchaseLoad is wrk's Purchase of eventID over Connect JSON, request i
// by the buyer of tokens[i].
func (r *seckillRun) purchaseLoad(name, eventID string, tokens []string, fresh bool) bench.Load {
	return bench.Load{Name: name, URL: r.sys.cfg.InternalURL, Method: http.MethodPost, Path: seckillv1connect.SeckillServicePurchaseProcedure,
		Headers: map[string]string{"Content-Type": "application/json"}, Body: fmt.Sprintf(`{"eventId":%q}`, eventID), Tokens: tokens, Fresh: fresh}
}

// seckillPhase is a measured phase and what the server counted during it.
type seckillPhase struct {
	summary  bench.Summary
	outcomes bench.Counts // mall_seckill_admissions_total by outcome, during the phase
	verified string       // what the counts show, for the report
}

// measure runs load after its health ceiling and reads the admissions the
// server counted meanwhile.
func (r *seckillRun) measure(ctx context.Context, gen bench.Generator, load bench.Load) (seckillPhase, error) {
	s, outcomes, err := r.sys.measure(ctx, gen, r.progress, bench.Series{Name: admissionsMetric, By: "outcome"}, load, load.Ceiling())
	return seckillPhase{summary: s, outcomes: outcomes}, err
}

// expectOnly checks the admissions the server counted in p (see
// checkOutcomes).
func (p *seckillPhase) expectOnly(want string, refused bool, connections int) error {
	var err error
	p.verified, err = checkOutcomes(p.summary, p.outcomes, want, refused, connections)
	return err
}

// openSalePage sends each buyer's first request before a phase: the sale
// page's GetEvent with the buyer's token, as a signed-in shopper's browser
// does while the sale page counts down (the SPA sends the token with
// every call, and the server verifies it and checks it is not revoked).
// The phase then measures purchases, not sign-ins.
func (r *seckillRun) openSalePage(ctx context.Context, eventID string, tokens []string) error {
	fmt.Fprintf(r.progress, "%d buyers open the sale page (not measured)\n", len(tokens))
	return inParallel(64, len(tokens), func(i int) error {
		_, err := r.seckill.GetEvent(ctx, withToken(tokens[i], &seckillv1.GetEventRequest{EventId: eventID}))
		return err
	})
}

// soldOutPhase: a sale of one unit, bought before the phase; then every
// request, each by a buyer who has not tried but has had the sale page
// open, must be told sold out.
func (r *seckillRun) soldOutPhase(ctx context.Context, gen bench.Generator) (seckillPhase, error) {
	eventID, err := r.createEvent(ctx, 1)
	if err != nil {
		return seckillPhase{}, err
	}
	r.soldOutEvent = eventID
	buyer, _, err := r.sys.deps.Keys.Issue("bu-"+r.sys.runID+"-first", []string{auth.RoleUser}, time.Hour)
	if err != nil {
		return seckillPhase{}, err
	}
	userDB, err := r.sys.deps.Database(ctx, "user")
	if err != nil {
		return seckillPhase{}, err
	}
	if err := user.SeedAddresses(ctx, userDB, []string{"bu-" + r.sys.runID + "-first"}); err != nil {
		return seckillPhase{}, err
	}
	if _, err := r.seckill.Purchase(ctx, withToken(buyer, &seckillv1.PurchaseRequest{EventId: eventID})); err != nil {
		return seckillPhase{}, fmt.Errorf("buying the sold-out sale's only unit: %w", err)
	}
	if err := r.openSalePage(ctx, eventID, r.soldOut.tokens); err != nil {
		return seckillPhase{}, err
	}
	// Every one of these buyers was seen and none bought: a buyer's retry
	// costs the server what their first try did, so wrk may wrap around.
	p, err := r.measure(ctx, gen, r.purchaseLoad(phaseSoldOut, eventID, r.soldOut.tokens, false))
	if err != nil {
		return p, err
	}
	return p, p.expectOnly(outcomeSoldOut, true, gen.Connections)
}

// soldOutUnseenPhase asks the same sold-out sale, each request by a buyer
// whose token the server has never seen (a shopper who signed in at the
// last second, or an attacker minting accounts): the price of a first
// signature check per request.
func (r *seckillRun) soldOutUnseenPhase(ctx context.Context, gen bench.Generator) (seckillPhase, error) {
	if r.soldOutEvent == "" {
		return seckillPhase{}, errors.New(phaseSoldOutUnseen + ": the sold-out sale was not created")
	}
	p, err := r.measure(ctx, gen, r.purchaseLoad(phaseSoldOutUnseen, r.soldOutEvent, r.soldOutUnseen.tokens, true))
	if err != nil {
		return p, err
	}
	return p, p.expectOnly(outcomeSoldOut, true, gen.Connections)
}

// acceptedPhase: a sale with a unit for every minted buyer, each request
// a buyer with an address who has not bought; every one must be accepted,
// and the writers (running meanwhile) must write each accepted purchase.
func (r *seckillRun) acceptedPhase(ctx context.Context, gen bench.Generator) (seckillPhase, error) {
	eventID, err := r.createEvent(ctx, int64(r.o.PhaseBuyers))
	if err != nil {
		return seckillPhase{}, err
	}
	if err := r.openSalePage(ctx, eventID, r.accepted.tokens); err != nil {
		return seckillPhase{}, err
	}
	booksBefore, err := bench.ScrapeCounter(ctx, r.sys.metrics, r.sys.metricsURL, addressBookLookups)
	if err != nil {
		return seckillPhase{}, err
	}
	p, err := r.measure(ctx, gen, r.purchaseLoad(phaseAccepted, eventID, r.accepted.tokens, true))
	if err != nil {
		return p, err
	}
	if err := p.expectOnly(outcomeAccepted, false, gen.Connections); err != nil {
		return p, err
	}
	booksAfter, err := bench.ScrapeCounter(ctx, r.sys.metrics, r.sys.metricsURL, addressBookLookups)
	if err != nil {
		return p, err
	}
	books := booksAfter.Sub(booksBefore)
	accepted := int64(p.outcomes[outcomeAccepted])
	if err := waitCount(ctx, r.progress, "writers writing the accepted", accepted, func() (int, error) { return r.written(ctx, eventID) }, 5*time.Minute); err != nil {
		return p, err
	}
	p.verified += fmt.Sprintf("; %d orders written; buyers' address books read from this process's memory %.0f, from Valkey %.0f, loaded from MySQL %.0f",
		accepted, books["local_hit"], books["remote_hit"], books["miss"])
	return p, nil
}

// addressBookLookups are the address books read by how they were found:
// each accepted purchase reads its buyer's, from the process's client-side
// copy if it is still there (--warm-addresses read them a minute or more
// before), else from Valkey. Which one, changes what the phase costs.
var addressBookLookups = bench.Series{Name: "mall_cache_lookups_total", By: "result", Where: map[string]string{"cache": "address_books"}}

// naivePhase: the naive MySQL Purchase (per request one transaction:
// decrement the stock row if positive, insert the order row) on a server
// of its own with the mall's options, a unit for every minted buyer and a
// fresh buyer per request, as the accepted phase. Every answer must be
// counted ok by that server, and MySQL must hold one order per ok and the
// units it sold taken from its stock.
func (r *seckillRun) naivePhase(ctx context.Context, gen bench.Generator) (seckillPhase, error) {
	stock := int64(r.o.PhaseBuyers)
	sale, url, err := serveNaiveSale(ctx, r.sys, stock)
	if err != nil {
		return seckillPhase{}, err
	}
	load := r.purchaseLoad(phaseNaive, sale.eventID, r.naive.tokens, true)
	load.URL = url
	s, codes, err := r.sys.measure(ctx, gen, r.progress, rpcCalls(seckillv1connect.SeckillServicePurchaseProcedure), load, load.Ceiling())
	p := seckillPhase{summary: s, outcomes: codes}
	if err != nil {
		return p, err
	}
	if p.verified, err = checkOutcomes(s, codes, "ok", false, gen.Connections); err != nil {
		return p, err
	}
	orders, left, err := sale.sold(ctx)
	if err != nil {
		return p, err
	}
	p.verified += fmt.Sprintf("; in MySQL %d orders, %d of %d units left", orders, left, stock)
	// A request cut off when wrk stopped may have committed before its
	// handler saw the connection go: an order without an ok.
	ok, cutOff := int64(codes["ok"]), int64(codes.Total()-codes["ok"])
	if int64(orders) < ok || int64(orders) > ok+cutOff || int64(orders)+left != stock {
		return p, fmt.Errorf("%s: %d orders in MySQL for %d answered ok (%d cut off), %d of %d units left", phaseNaive, orders, ok, cutOff, left, stock)
	}
	return p, nil
}

// saleResult is the sale: its phase and its check in MySQL.
type saleResult struct {
	seckillPhase
	event    string
	requests int // the buyers' and the duplicates' requests, before wrk wraps around them
	check    saleCheck
}

// salePhase opens a sale of --stock units to --users buyers, a share of
// them twice, in a random order; wrk walks that list (wrapping around:
// shoppers retrying) for the phase. The sale must sell its stock, each
// unit once, and the writers must write every accepted purchase.
func (r *seckillRun) salePhase(ctx context.Context, gen bench.Generator) (saleResult, error) {
	eventID, err := r.createEvent(ctx, r.o.Stock)
	if err != nil {
		return saleResult{}, err
	}
	if err := r.openSalePage(ctx, eventID, r.sale.tokens); err != nil {
		return saleResult{}, err
	}
	order := saleRequests(r.o.Users, r.o.Duplicates)
	tokens := make([]string, len(order))
	for i, buyer := range order {
		tokens[i] = r.sale.tokens[buyer]
	}
	p, err := r.measure(ctx, gen, r.purchaseLoad(phaseSale, eventID, tokens, false))
	sale := saleResult{seckillPhase: p, event: eventID, requests: len(order)}
	if err != nil {
		return sale, err
	}
	sale.verified = "the sale's admissions:" + countsText(p.outcomes)
	want := min(r.o.Stock, int64(r.o.Users))
	accepted := int64(p.outcomes[outcomeAccepted])
	if err := waitCount(ctx, r.progress, "writers writing the sale", accepted, func() (int, error) { return r.written(ctx, eventID) }, 5*time.Minute); err != nil {
		return sale, err
	}
	if sale.check, err = r.checkSale(ctx, eventID, accepted); err != nil {
		return sale, err
	}
	switch {
	case accepted != want:
		return sale, fmt.Errorf("%s: %d purchases accepted for %d units to sell", phaseSale, accepted, want)
	case !sale.check.holds(want):
		return sale, fmt.Errorf("%s: invariants violated", phaseSale)
	}
	return sale, nil
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

// written counts the orders written for eventID.
func (r *seckillRun) written(ctx context.Context, eventID string) (int, error) {
	return r.orderDB.NewSelect().Table("orders").Where("seckill_event_id = ?", eventID).Count(ctx)
}

// saleCheck is the sale's invariants, from MySQL against the admissions
// the server counted, and the stock Valkey has left.
type saleCheck struct {
	accepted                                    int64
	ordersWritten, duplicates, lost, unexpected int
	oversell                                    int
	stockLeft                                   int64
}

func (r *seckillRun) checkSale(ctx context.Context, eventID string, accepted int64) (saleCheck, error) {
	var rows []struct {
		UserID string `bun:"user_id"`
		N      int    `bun:"n"`
	}
	if err := r.orderDB.NewSelect().Table("orders").ColumnExpr("user_id, COUNT(*) AS n").Where("seckill_event_id = ?", eventID).
		Group("user_id").Scan(ctx, &rows); err != nil {
		return saleCheck{}, err
	}
	buyer := map[string]bool{}
	for _, id := range r.sale.ids {
		buyer[id] = true
	}
	c := saleCheck{accepted: accepted}
	for _, row := range rows {
		c.ordersWritten += row.N
		c.duplicates += row.N - 1
		if !buyer[row.UserID] {
			c.unexpected++
		}
	}
	c.lost = max(0, int(accepted)-c.ordersWritten)
	c.oversell = max(0, c.ordersWritten-int(r.o.Stock))
	var err error
	c.stockLeft, err = remainingStock(ctx, r.seckill, eventID)
	return c, err
}

// holds is whether the sale sold want units, once to each buyer it
// accepted.
func (c saleCheck) holds(want int64) bool {
	return c.oversell == 0 && c.lost == 0 && c.duplicates == 0 && c.unexpected == 0 && int64(c.ordersWritten) == want && c.accepted == want
}

func seckillReport(o SeckillOptions, gen bench.Generator, sys *system, phases []seckillPhase, sale saleResult, writers writerComparison, failed []string) bench.Report {
	r := bench.Report{
		Title: "mall bench seckill",
		Setup: []string{
			generatorSetup(gen),
			fmt.Sprintf("sold out, accepted and naive: a fresh buyer per request (%d minted for each; sold out wraps around them: buyers retrying); the buyers of sold out, accepted and the sale had the sale page open before it (their tokens seen once), those of sold out, unseen tokens and naive had not; the sale: %d buyers (+%d repeat requests, then wrk wraps around them) for %d units",
				o.PhaseBuyers, o.Users, sale.requests-o.Users, o.Stock),
			"naive MySQL Purchase: a server of its own with the mall's options, per request one transaction (UPDATE stock = stock - 1 WHERE stock > 0, INSERT the order)",
			fmt.Sprintf("writers (timed in this process, not HTTP): a writer started afresh drains %d records queued while none ran (batched) against %d orders written one per CreateFlashSaleOrders call",
				o.Users, o.SingleRows),
			fmt.Sprintf("%d CPUs, %s; the mall in this process as `mall dev` runs it (writers, sweeper, worker, access log to %s); Valkey %s, Kafka %v (embedded: %t), MySQL",
				runtime.NumCPU(), runtime.Version(), sys.logPath, sys.cfg.RedisAddr, sys.deps.Kafka.Brokers, sys.deps.Kafka.Embedded()),
		},
		Ratios: []bench.RatioLine{
			{Label: "sold out / its health ceiling", Num: phaseSoldOut, AtLeast: 0.7},
			{Label: "sold out, unseen tokens / its health ceiling", Num: phaseSoldOutUnseen},
			{Label: "accepted / its health ceiling", Num: phaseAccepted, AtLeast: 0.35},
			{Label: "accepted / naive MySQL", Num: phaseAccepted, Den: phaseNaive, AtLeast: 10},
			{Label: "writer batched / single-row inserts (records/s)", Num: phaseWriterBatched, Den: phaseWriterSingle, AtLeast: 15},
		},
	}
	for _, p := range phases {
		r.Phases = append(r.Phases, p.summary)
		if p.verified != "" {
			r.Notes = append(r.Notes, "verified from the server's metrics: "+p.verified)
		}
	}
	if note, ok := acceptedCPUNote(phases); ok {
		r.Notes = append(r.Notes, note)
	}
	for _, w := range []bench.Summary{writers.batched, writers.single} {
		if w.Requests > 0 {
			r.Phases = append(r.Phases, w)
		}
	}
	if writers.batched.Requests > 0 && writers.single.Requests > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("writers: %d records drained in %s from the start of a fresh writer (its Kafka group join included); %d single-row inserts in %s; their requests are records, req/s records/s",
			writers.batched.Requests, writers.batched.Elapsed.Round(time.Millisecond), writers.single.Requests, writers.single.Elapsed.Round(time.Millisecond)))
	}
	r.Notes = append(r.Notes,
		fmt.Sprintf("the sale's p99 at %d concurrent connections: %s (target < 20ms: %s); its health ceiling's own p99 at that concurrency: %s",
			gen.Connections, bench.FormatLatency(sale.summary.P99), verdict(sale.summary.Requests > 0 && sale.summary.P99 < 20*time.Millisecond),
			ceilingP99(sale.summary)),
		fmt.Sprintf("the sale in MySQL: %d orders for %d units, %d accepted; oversell %d (must be 0); lost %d (must be 0); duplicates %d (must be 0); orders by no buyer of the sale %d; Valkey stock left %d",
			sale.check.ordersWritten, o.Stock, sale.check.accepted, sale.check.oversell, sale.check.lost, sale.check.duplicates, sale.check.unexpected, sale.check.stockLeft),
		"non-2xx: refusals (sold out, already bought) are Connect errors; what they were is read from the server's metrics")
	for _, f := range failed {
		r.Notes = append(r.Notes, "FAILED: "+f)
	}
	return r
}

// acceptedCPUNote compares what an accepted purchase and a health check
// cost the server side in CPU, from the accepted phase's CPU table rows:
// the req/s share also depends on what the generator took of the machine.
func acceptedCPUNote(phases []seckillPhase) (string, bool) {
	i := slices.IndexFunc(phases, func(p seckillPhase) bool { return p.summary.Name == phaseAccepted })
	if i < 0 || len(phases[i].summary.Ceilings) == 0 {
		return "", false
	}
	accepted, health := phases[i].summary, phases[i].summary.Ceilings[0]
	perPurchase, perCheck := accepted.CPU.PerRequest(accepted.Requests), health.CPU.PerRequest(health.Requests)
	if perPurchase <= 0 || perCheck <= 0 {
		return "", false
	}
	return fmt.Sprintf("accepted: the server side (the mall and the stores) spent %s of CPU per purchase (the stores %s of it), %s per health check: %.1f health checks' worth",
		perPurchase.Round(100*time.Nanosecond), (accepted.CPU.Stores / time.Duration(accepted.Requests)).Round(100*time.Nanosecond),
		perCheck.Round(100*time.Nanosecond), perPurchase.Seconds()/perCheck.Seconds()), true
}

// ceilingP99 is the p99 of s's first ceiling: what the server and the
// generator give the cheapest call at the same concurrency.
func ceilingP99(s bench.Summary) string {
	if len(s.Ceilings) == 0 {
		return "-"
	}
	return bench.FormatLatency(s.Ceilings[0].P99)
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

func remainingStock(ctx context.Context, client seckillv1connect.SeckillServiceClient, eventID string) (int64, error) {
	res, err := client.GetEvent(ctx, connect.NewRequest(&seckillv1.GetEventRequest{EventId: eventID}))
	if err != nil {
		return 0, err
	}
	return res.Msg.GetEvent().GetRemainingStock(), nil
}
