package scenario

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"connectrpc.com/connect"
	"github.com/uptrace/bun"
	"go.temporal.io/sdk/client"

	orderv1 "mall/gen/mall/order/v1"
	"mall/gen/mall/order/v1/orderv1connect"
	userv1 "mall/gen/mall/user/v1"
	"mall/gen/mall/user/v1/userv1connect"
	"mall/services/app"
	"mall/services/bench"
	"mall/services/platform/auth"
	"mall/services/platform/ratelimit"
	"mall/services/platform/rpcclient"
	"mall/workflows/checkout"
)

// CheckoutOptions are the flags of `mall bench checkout`.
type CheckoutOptions struct {
	Concurrency int
	Duration    time.Duration
	TemporalBin string // Temporal CLI for a dev server when none answers
}

// benchProducts are the products the checkout bench buys, with stock enough
// that no checkout fails for want of it.
var benchProducts = []string{"p0101", "p0102", "p0103", "p0104", "p0105", "p0106", "p0107", "p0108"}

const benchStock = 1_000_000

// Checkout measures checkouts to PENDING_PAYMENT through the saga, pays
// every order off the measured path, checks that stock was conserved and
// prints the report to env.Out.
func Checkout(ctx context.Context, env Env, o CheckoutOptions) error {
	if o.Concurrency < 1 || o.Duration <= 0 {
		return errors.New("bench checkout: --concurrency and --duration must be positive")
	}
	liftBuyerLimits(&env)
	sys, err := startSystem(ctx, env, o.TemporalBin, "bench-checkout")
	if err != nil {
		return err
	}
	defer sys.Close()
	totalsBefore, err := stockUp(ctx, sys.deps)
	if err != nil {
		return err
	}
	run, err := newCheckoutRun(ctx, env, sys, o.Concurrency)
	if err != nil {
		return err
	}

	run.startPayers(ctx, sys.temporal)
	summary := bench.Run(ctx, bench.Phase{Name: "Checkout to PENDING_PAYMENT", Concurrency: o.Concurrency, Duration: o.Duration, Call: run.call}, env.Progress)
	run.stopPayers()

	fmt.Fprintf(env.Progress, "waiting for %d orders to be paid\n", len(run.placed))
	unpaid, err := waitUntilPaid(ctx, sys.deps, run.placed)
	if err != nil {
		return err
	}
	totalsAfter, err := stockTotals(ctx, sys.deps)
	if err != nil {
		return err
	}
	stock := compareStock(totalsBefore, totalsAfter)
	report := checkoutReport(o, sys.cfg.TemporalAddress, summary, run, unpaid, stock)
	if err := report.Render(env.Out); err != nil {
		return err
	}
	if !stock.conserved || stock.reservedLeft != 0 || unpaid != 0 || stock.soldDelta != int64(len(run.placed)) {
		return errors.New("bench checkout: invariants violated (see the report)")
	}
	return nil
}

// liftBuyerLimits lifts the limits on one buyer: each client stands for a
// stream of buyers checking out one after another (the limits are still
// checked on every checkout, so their cost is measured).
func liftBuyerLimits(env *Env) {
	env.Config.MaxUnpaidOrders, env.Config.MaxUnpaidUnits = 1<<30, 1<<40
	env.Config.CheckoutLimit = ratelimit.Limit{Burst: 1 << 30, Period: time.Minute}
	fmt.Fprintln(env.Progress, "per-buyer checkout limits lifted: each client is a stream of buyers")
}

// stockUp gives the bench products stock enough for the run and returns
// their stock before it.
func stockUp(ctx context.Context, deps *app.Deps) (map[string]stockRow, error) {
	productDB, err := deps.Database(ctx, "product")
	if err != nil {
		return nil, err
	}
	if _, err := productDB.NewUpdate().Table("products").Set("stock = ?", benchStock).Where("id IN (?)", bun.List(benchProducts)).Exec(ctx); err != nil {
		return nil, err
	}
	return stockTotals(ctx, deps)
}

// checkoutRun is the measured load: one registered shopper (token and
// address) per client, and the payers that pay every order placed.
type checkoutRun struct {
	runID     string
	orders    orderv1connect.OrderServiceClient
	tokens    []string
	addresses []string

	mu        sync.Mutex
	placed    []string // orders seen PENDING_PAYMENT
	payErrors int
	toPay     chan string
	payers    sync.WaitGroup
}

// newCheckoutRun registers n shoppers, each with an address.
func newCheckoutRun(ctx context.Context, env Env, sys *system, n int) (*checkoutRun, error) {
	httpClient := rpcclient.HTTPClient()
	users := userv1connect.NewUserServiceClient(httpClient, sys.cfg.InternalURL, connect.WithGRPC())
	run := &checkoutRun{
		runID:     sys.runID,
		orders:    orderv1connect.NewOrderServiceClient(httpClient, sys.cfg.InternalURL, connect.WithGRPC()),
		tokens:    make([]string, n),
		addresses: make([]string, n),
		toPay:     make(chan string, 4096),
	}
	fmt.Fprintf(env.Progress, "registering %d shoppers\n", n)
	for i := range run.tokens {
		reg, err := users.Register(ctx, connect.NewRequest(&userv1.RegisterRequest{
			Identity: &userv1.RegisterRequest_Username{Username: fmt.Sprintf("bench_%s_%d", sys.runID, i)}, Password: "bench1234"}))
		if err != nil {
			return nil, err
		}
		// Minted with the deployment's key: one address logging in this many
		// shoppers would (rightly) hit the login limiter.
		if run.tokens[i], _, err = sys.deps.Keys.Issue(reg.Msg.GetUser().GetUserId(), []string{auth.RoleUser}, time.Hour); err != nil {
			return nil, err
		}
		addr, err := users.CreateAddress(ctx, withToken(run.tokens[i], &userv1.CreateAddressRequest{Address: &userv1.AddressSpec{
			RecipientName: "Bench", Phone: "13800000000", Province: "上海", City: "上海", Detail: "测试路 1 号"}}))
		if err != nil {
			return nil, err
		}
		run.addresses[i] = addr.Msg.GetAddress().GetAddressId()
	}
	return run, nil
}

// startPayers starts the payers: payments are signalled off the measured
// path, by a few of them.
func (r *checkoutRun) startPayers(ctx context.Context, tc client.Client) {
	for range 4 {
		r.payers.Go(func() {
			for orderID := range r.toPay {
				err := tc.SignalWorkflow(ctx, checkout.WorkflowID(orderID), "", checkout.SignalPaid,
					checkout.PaidSignal{PaymentID: "bench-" + orderID, PaidAt: time.Now()})
				if err != nil {
					r.mu.Lock()
					r.payErrors++
					r.mu.Unlock()
				}
			}
		})
	}
}

// stopPayers waits for the payers to signal every order placed; no call
// may run any more.
func (r *checkoutRun) stopPayers() {
	close(r.toPay)
	r.payers.Wait()
}

// call is one measured checkout: worker's shopper buys one item now and
// waits until the order is PENDING_PAYMENT.
func (r *checkoutRun) call(ctx context.Context, worker, i int) error {
	res, err := r.orders.Checkout(ctx, withToken(r.tokens[worker], &orderv1.CheckoutRequest{
		RequestId: fmt.Sprintf("bench-%s-%d-%d", r.runID, worker, i), AddressId: r.addresses[worker],
		Items: &orderv1.CheckoutRequest_BuyNow{BuyNow: &orderv1.BuyNowItem{ProductId: benchProducts[(worker+i)%len(benchProducts)], Quantity: 1}}}))
	if err != nil {
		return err
	}
	return r.awaitPendingPayment(ctx, r.tokens[worker], res.Msg.GetOrderId())
}

// awaitPendingPayment polls the order (a database read) until it is
// PENDING_PAYMENT, then hands it to the payers; it asks the saga itself (a
// workflow query, which costs the worker a task) only now and then, to
// notice a failed checkout.
func (r *checkoutRun) awaitPendingPayment(ctx context.Context, token, orderID string) error {
	for attempt := 1; ; attempt++ {
		got, err := r.orders.GetOrder(ctx, withToken(token, &orderv1.GetOrderRequest{OrderId: orderID}))
		if err == nil && got.Msg.GetOrder().GetStatus() == orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT {
			r.mu.Lock()
			r.placed = append(r.placed, orderID)
			r.mu.Unlock()
			r.toPay <- orderID
			return nil
		}
		if err != nil && connect.CodeOf(err) != connect.CodeNotFound {
			return err
		}
		if attempt%100 == 0 {
			state, err := r.orders.GetCheckout(ctx, withToken(token, &orderv1.GetCheckoutRequest{OrderId: orderID}))
			if err != nil {
				return err
			}
			if state.Msg.GetState() == orderv1.CheckoutState_CHECKOUT_STATE_FAILED {
				return fmt.Errorf("checkout failed: %s", state.Msg.GetFailureReason())
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// waitUntilPaid waits up to two minutes for every placed order to be PAID
// and returns how many are not.
func waitUntilPaid(ctx context.Context, deps *app.Deps, placed []string) (int, error) {
	orderDB, err := deps.Database(ctx, "order")
	if err != nil {
		return 0, err
	}
	for deadline := time.Now().Add(2 * time.Minute); ; {
		unpaid, err := orderDB.NewSelect().Table("orders").Where("id IN (?) AND status <> ?", bun.List(placed), int32(orderv1.OrderStatus_ORDER_STATUS_PAID)).Count(ctx)
		if err != nil {
			return 0, err
		}
		if unpaid == 0 || time.Now().After(deadline) {
			return unpaid, nil
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// stockChange is how the bench products' stock moved over the run.
type stockChange struct {
	products     int
	conserved    bool // available+reserved+sold unchanged for every product
	reservedLeft int64
	soldDelta    int64
}

func compareStock(before, after map[string]stockRow) stockChange {
	c := stockChange{products: len(before), conserved: true}
	for id, b := range before {
		a := after[id]
		if a.total() != b.total() {
			c.conserved = false
		}
		c.reservedLeft += a.reserved - b.reserved
		c.soldDelta += a.sold - b.sold
	}
	return c
}

func checkoutReport(o CheckoutOptions, temporalAddress string, summary bench.Summary, run *checkoutRun, unpaid int, stock stockChange) bench.Report {
	rate := summary.RPS()
	placed := len(run.placed)
	return bench.Report{
		Title: "mall bench checkout",
		Setup: []string{
			fmt.Sprintf("%d shoppers, buy-now of 1 item, %v measured; %d CPUs, %s; Temporal at %s, one in-process worker",
				o.Concurrency, o.Duration, runtime.NumCPU(), runtime.Version(), temporalAddress),
		},
		Phases: []bench.Summary{summary},
		Notes: []string{
			fmt.Sprintf("checkouts/s %.1f (target >= 30: %s); failures %d (target 0: %s); p99 %s (target < 500ms: %s)",
				rate, verdict(rate >= 30), summary.Errors, verdict(summary.Errors == 0),
				bench.FormatLatency(summary.P99), verdict(summary.P99 < 500*time.Millisecond)),
			fmt.Sprintf("orders placed %d, not PAID after the run %d, payment signals failed %d", placed, unpaid, run.payErrors),
			fmt.Sprintf("stock: available+reserved+sold conserved for all %d products: %t; reserved left %d; sold +%d (orders paid %d)",
				stock.products, stock.conserved, stock.reservedLeft, stock.soldDelta, placed-unpaid),
		},
	}
}

type stockRow struct{ available, reserved, sold int64 }

func (s stockRow) total() int64 { return s.available + s.reserved + s.sold }

func stockTotals(ctx context.Context, deps *app.Deps) (map[string]stockRow, error) {
	productDB, err := deps.Database(ctx, "product")
	if err != nil {
		return nil, err
	}
	rows, err := productDB.NewSelect().Table("products").Column("id", "stock", "reserved", "sold").Where("id IN (?)", bun.List(benchProducts)).Rows(ctx)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]stockRow{}
	for rows.Next() {
		var id string
		var s stockRow
		if err := rows.Scan(&id, &s.available, &s.reserved, &s.sold); err != nil {
			return nil, err
		}
		out[id] = s
	}
	return out, rows.Err()
}
