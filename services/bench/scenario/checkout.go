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
	// Each client stands for a stream of buyers checking out one after
	// another, so the limits on one buyer are lifted (still checked on
	// every checkout, so their cost is measured).
	env.Config.MaxUnpaidOrders, env.Config.MaxUnpaidUnits = 1<<30, 1<<40
	env.Config.CheckoutLimit = ratelimit.Limit{Burst: 1 << 30, Period: time.Minute}
	fmt.Fprintln(env.Progress, "per-buyer checkout limits lifted: each client is a stream of buyers")
	sys, err := startSystem(ctx, env, o.TemporalBin, "bench-checkout")
	if err != nil {
		return err
	}
	defer sys.Close()
	cfg, deps, tc, runID := sys.cfg, sys.deps, sys.temporal, sys.runID

	productDB, err := deps.Database(ctx, "product")
	if err != nil {
		return err
	}
	if _, err := productDB.NewUpdate().Table("products").Set("stock = ?", benchStock).Where("id IN (?)", bun.List(benchProducts)).Exec(ctx); err != nil {
		return err
	}
	totalsBefore, err := stockTotals(ctx, deps)
	if err != nil {
		return err
	}

	httpClient := rpcclient.HTTPClient()
	users := userv1connect.NewUserServiceClient(httpClient, cfg.InternalURL, connect.WithGRPC())
	orders := orderv1connect.NewOrderServiceClient(httpClient, cfg.InternalURL, connect.WithGRPC())
	fmt.Fprintf(env.Progress, "registering %d shoppers\n", o.Concurrency)
	tokens := make([]string, o.Concurrency)
	addresses := make([]string, o.Concurrency)
	for i := range tokens {
		reg, err := users.Register(ctx, connect.NewRequest(&userv1.RegisterRequest{
			Identity: &userv1.RegisterRequest_Username{Username: fmt.Sprintf("bench_%s_%d", runID, i)}, Password: "bench1234"}))
		if err != nil {
			return err
		}
		// Minted with the deployment's key: one address logging in this many
		// shoppers would (rightly) hit the login limiter.
		if tokens[i], _, err = deps.Keys.Issue(reg.Msg.GetUser().GetUserId(), []string{auth.RoleUser}, time.Hour); err != nil {
			return err
		}
		addr, err := users.CreateAddress(ctx, withToken(tokens[i], &userv1.CreateAddressRequest{Address: &userv1.AddressSpec{
			RecipientName: "Bench", Phone: "13800000000", Province: "上海", City: "上海", Detail: "测试路 1 号"}}))
		if err != nil {
			return err
		}
		addresses[i] = addr.Msg.GetAddress().GetAddressId()
	}

	// Payments are signalled off the measured path, by a few payers.
	var mu sync.Mutex
	var placed []string
	toPay := make(chan string, 4096)
	var payers sync.WaitGroup
	var payErrors int
	for range 4 {
		payers.Add(1)
		go func() {
			defer payers.Done()
			for orderID := range toPay {
				err := tc.SignalWorkflow(ctx, checkout.WorkflowID(orderID), "", checkout.SignalPaid,
					checkout.PaidSignal{PaymentID: "bench-" + orderID, PaidAt: time.Now()})
				if err != nil {
					mu.Lock()
					payErrors++
					mu.Unlock()
				}
			}
		}()
	}
	call := func(ctx context.Context, worker, i int) error {
		res, err := orders.Checkout(ctx, withToken(tokens[worker], &orderv1.CheckoutRequest{
			RequestId: fmt.Sprintf("bench-%s-%d-%d", runID, worker, i), AddressId: addresses[worker],
			Items: &orderv1.CheckoutRequest_BuyNow{BuyNow: &orderv1.BuyNowItem{ProductId: benchProducts[(worker+i)%len(benchProducts)], Quantity: 1}}}))
		if err != nil {
			return err
		}
		orderID := res.Msg.GetOrderId()
		// Poll the order (a database read); ask the saga itself (a workflow
		// query, which costs the worker a task) only now and then, to notice
		// a failed checkout.
		for attempt := 1; ; attempt++ {
			got, err := orders.GetOrder(ctx, withToken(tokens[worker], &orderv1.GetOrderRequest{OrderId: orderID}))
			if err == nil && got.Msg.GetOrder().GetStatus() == orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT {
				mu.Lock()
				placed = append(placed, orderID)
				mu.Unlock()
				toPay <- orderID
				return nil
			}
			if err != nil && connect.CodeOf(err) != connect.CodeNotFound {
				return err
			}
			if attempt%100 == 0 {
				state, err := orders.GetCheckout(ctx, withToken(tokens[worker], &orderv1.GetCheckoutRequest{OrderId: orderID}))
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
	summary := bench.Run(ctx, bench.Phase{Name: "Checkout to PENDING_PAYMENT", Concurrency: o.Concurrency, Duration: o.Duration, Call: call}, env.Progress)
	close(toPay)
	payers.Wait()

	fmt.Fprintf(env.Progress, "waiting for %d orders to be paid\n", len(placed))
	orderDB, err := deps.Database(ctx, "order")
	if err != nil {
		return err
	}
	var unpaid int
	for deadline := time.Now().Add(2 * time.Minute); ; {
		unpaid, err = orderDB.NewSelect().Table("orders").Where("id IN (?) AND status <> ?", bun.List(placed), int32(orderv1.OrderStatus_ORDER_STATUS_PAID)).Count(ctx)
		if err != nil {
			return err
		}
		if unpaid == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	totalsAfter, err := stockTotals(ctx, deps)
	if err != nil {
		return err
	}
	conserved, reservedLeft, soldDelta := true, int64(0), int64(0)
	for id, before := range totalsBefore {
		after := totalsAfter[id]
		if after.total() != before.total() {
			conserved = false
		}
		reservedLeft += after.reserved - before.reserved
		soldDelta += after.sold - before.sold
	}
	rate := summary.RPS()
	report := bench.Report{
		Title: "mall bench checkout",
		Setup: []string{
			fmt.Sprintf("%d shoppers, buy-now of 1 item, %v measured; %d CPUs, %s; Temporal at %s, one in-process worker",
				o.Concurrency, o.Duration, runtime.NumCPU(), runtime.Version(), cfg.TemporalAddress),
		},
		Phases: []bench.Summary{summary},
		Notes: []string{
			fmt.Sprintf("checkouts/s %.1f (target >= 30: %s); failures %d (target 0: %s); p99 %s (target < 500ms: %s)",
				rate, verdict(rate >= 30), summary.Errors, verdict(summary.Errors == 0),
				bench.FormatLatency(summary.P99), verdict(summary.P99 < 500*time.Millisecond)),
			fmt.Sprintf("orders placed %d, not PAID after the run %d, payment signals failed %d", len(placed), unpaid, payErrors),
			fmt.Sprintf("stock: available+reserved+sold conserved for all %d products: %t; reserved left %d; sold +%d (orders paid %d)",
				len(totalsBefore), conserved, reservedLeft, soldDelta, len(placed)-unpaid),
		},
	}
	if err := report.Render(env.Out); err != nil {
		return err
	}
	if !conserved || reservedLeft != 0 || unpaid != 0 || soldDelta != int64(len(placed)) {
		return errors.New("bench checkout: invariants violated (see the report)")
	}
	return nil
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
