package app_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"
	enumspb "go.temporal.io/api/enums/v1"

	orderv1 "mall/gen/mall/order/v1"
	"mall/gen/mall/order/v1/orderv1connect"
	"mall/gen/mall/product/v1/productv1connect"
	seckillv1 "mall/gen/mall/seckill/v1"
	"mall/gen/mall/seckill/v1/seckillv1connect"
	"mall/gen/mall/user/v1/userv1connect"
	"mall/services/platform/auth"
	"mall/services/platform/rpcclient"
	"mall/services/platform/testenv"
)

// processes are the mall roles a test runs as separate processes.
type processes struct {
	t    *testing.T
	bin  string
	mu   sync.Mutex
	cmds []*exec.Cmd
}

func (p *processes) start(env []string, args ...string) *exec.Cmd {
	p.t.Helper()
	cmd := exec.Command(p.bin, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	p.cmds = append(p.cmds, cmd)
	p.mu.Unlock()
	return cmd
}

func (p *processes) stopAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, cmd := range p.cmds {
		_ = cmd.Process.Kill()
		_, _ = cmd.Process.Wait()
	}
}

func sigkill(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, _ = cmd.Process.Wait()
}

func waitServing(t *testing.T, url string) {
	t.Helper()
	client := grpchealth.NewClient(rpcclient.HTTPClient(), url, connect.WithGRPC())
	seen := ""
	testenv.Eventually(t, 60*time.Second, url+" serving", func() bool {
		res, err := client.Check(context.Background(), &grpchealth.CheckRequest{})
		if err == nil && res.Status == grpchealth.StatusServing {
			return true
		}
		state := fmt.Sprint(err)
		if err == nil {
			state = res.Status.String()
		}
		if state != seen {
			seen = state
			t.Logf("%s health: %s", url, state)
		}
		return false
	})
}

// retryable says whether a call should be repeated: the process it went to
// died (the connection broke, which connect-go reports as canceled or
// unavailable) or the service asks for a retry.
func retryable(err error) bool {
	switch connect.CodeOf(err) {
	case connect.CodeUnavailable, connect.CodeCanceled, connect.CodeUnknown, connect.CodeInternal,
		connect.CodeDeadlineExceeded, connect.CodeAborted:
		return true
	}
	return false
}

// persist repeats call until it succeeds or fails for good, for at most a
// minute, and returns its last error. It runs on the shoppers' goroutines
// too, hence Poll.
func persist(call func() error) error {
	var err error
	testenv.Poll(time.Minute, func() bool {
		err = call()
		return err == nil || !retryable(err)
	})
	return err
}

// TestEveryRoleScalesOutAndSurvivesLosingAProcess: two `mall serve`
// processes (every process's internal clients take turns over both, and so
// do the test's), two `mall worker` on one task queue and three `mall
// writer` in one consumer group carry checkouts and a flash sale; one of
// each is SIGKILLed a third of the way in. Afterwards every checkout
// request is exactly one order whose saga ended, the stock it reserved is
// back once those orders are cancelled, every accepted flash purchase is
// exactly one order (no buyer twice, none lost), and the sale sold exactly
// what its stock says it did.
func TestEveryRoleScalesOutAndSurvivesLosingAProcess(t *testing.T) {
	const (
		shoppers   = 24
		flashStock = 60
		buyers     = 120
	)
	bin := buildMall(t)
	_, deps := startApp(t) // the shared infrastructure, migrated and seeded; its own server takes no load
	procs := &processes{t: t, bin: bin}
	t.Cleanup(procs.stopAll)

	serveAddrs := []string{testenv.FreeAddr(t), testenv.FreeAddr(t)}
	list := "http://" + serveAddrs[0] + ",http://" + serveAddrs[1]
	env := childEnv(list, deps)
	var serves []*exec.Cmd
	for _, addr := range serveAddrs {
		serves = append(serves, procs.start(env, "serve", "--services=all", "--http-addr="+addr))
	}
	for _, addr := range serveAddrs {
		waitServing(t, "http://"+addr)
	}
	workers := []*exec.Cmd{procs.start(env, "worker"), procs.start(env, "worker")}
	writers := []*exec.Cmd{procs.start(env, "writer"), procs.start(env, "writer"), procs.start(env, "writer")}

	httpClient, base, err := rpcclient.Internal(list)
	if err != nil {
		t.Fatal(err)
	}
	tc, err := deps.Temporal(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	m := &mall{deps: deps, temporal: tc,
		users:    userv1connect.NewUserServiceClient(httpClient, base, connect.WithGRPC()),
		orders:   orderv1connect.NewOrderServiceClient(httpClient, base, connect.WithGRPC()),
		products: productv1connect.NewProductServiceClient(httpClient, base, connect.WithGRPC())}
	flash := seckillv1connect.NewSeckillServiceClient(httpClient, base, connect.WithGRPC())
	m.admin = testenv.Token(t, deps.Keys, "u-scale-admin", auth.RoleAdmin)
	eventID := m.flashSale(t, flash, flashStock)
	flashBuyers := make([]string, buyers)
	for i := range flashBuyers {
		flashBuyers[i] = fmt.Sprintf("u-scale-buyer-%04d", i)
	}
	giveAddresses(t, deps, flashBuyers...)

	items := []string{"p0090", "p0091", "p0092"}
	before := map[string]stock{}
	for _, id := range items {
		before[id] = m.stockOf(t, id)
	}
	tokens := make([]string, shoppers)
	addresses := make([]string, shoppers)
	for i := range shoppers {
		tokens[i] = m.shopper(t, fmt.Sprintf("scale_%02d", i))
		addresses[i] = m.defaultAddress(t, tokens[i])
	}

	// The load: checkouts and purchases interleaved, 16 at a time; a third
	// of the way in, one serve, one worker and one writer die.
	type op struct {
		checkout int // shopper index, or -1
		buyer    int
	}
	var ops []op
	for i := range max(shoppers, buyers) {
		if i < shoppers {
			ops = append(ops, op{checkout: i, buyer: -1})
		}
		if i < buyers {
			ops = append(ops, op{checkout: -1, buyer: i})
		}
	}
	orderIDs := make([]string, shoppers)
	var mu sync.Mutex
	tickets := map[string]string{}        // buyer -> ticket
	acceptedNoTicket := map[string]bool{} // accepted, but the answer was lost with a killed process
	var done atomic.Int64
	var killOnce sync.Once
	kill := func() {
		sigkill(t, serves[0])
		sigkill(t, workers[0])
		sigkill(t, writers[0])
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for {
				n := int(next.Add(1) - 1)
				if n >= len(ops) {
					return
				}
				if done.Load() >= int64(len(ops)/3) {
					killOnce.Do(kill)
				}
				o := ops[n]
				ctx := context.Background()
				if o.checkout >= 0 {
					i := o.checkout
					req := &orderv1.CheckoutRequest{RequestId: fmt.Sprintf("scale-req-%04d", i), AddressId: addresses[i],
						Items: &orderv1.CheckoutRequest_BuyNow{BuyNow: &orderv1.BuyNowItem{ProductId: items[i%len(items)], Quantity: int32(1 + i%2)}}}
					err := persist(func() error {
						res, err := m.orders.Checkout(ctx, testenv.Bearer(tokens[i], req))
						if err == nil {
							orderIDs[i] = res.Msg.GetOrderId()
						}
						return err
					})
					if err != nil {
						t.Errorf("checkout %d: %v", i, err)
					}
				} else {
					buyer := fmt.Sprintf("u-scale-buyer-%04d", o.buyer)
					token := testenv.Token(t, deps.Keys, buyer, auth.RoleUser)
					err := persist(func() error {
						res, err := flash.Purchase(ctx, testenv.Bearer(token, &seckillv1.PurchaseRequest{EventId: eventID}))
						mu.Lock()
						defer mu.Unlock()
						switch {
						case err == nil:
							tickets[buyer] = res.Msg.GetTicket()
						case connect.CodeOf(err) == connect.CodeAlreadyExists:
							acceptedNoTicket[buyer] = true // an earlier attempt went through
							return nil
						case connect.CodeOf(err) == connect.CodeFailedPrecondition:
							return nil // sold out
						}
						return err
					})
					if err != nil {
						t.Errorf("purchase by %s: %v", buyer, err)
					}
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	// Checkouts: one order per request, each saga ends once cancelled, and
	// the stock is back.
	seen := map[string]bool{}
	for i, id := range orderIDs {
		if id == "" || seen[id] {
			t.Fatalf("checkout %d: order %q (missing or shared)", i, id)
		}
		seen[id] = true
		o, err := m.waitOrder(context.Background(), tokens[i], id, orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if err := persist(func() error {
			_, err := m.orders.CancelOrder(context.Background(), testenv.Bearer(tokens[i], &orderv1.CancelOrderRequest{OrderId: o.GetOrderId()}))
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	orderDB, err := deps.Database(context.Background(), "order")
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range orderIDs {
		m.waitStatusWithin(t, tokens[i], id, orderv1.OrderStatus_ORDER_STATUS_CANCELLED, time.Minute)
		// The shopper made one checkout (retried across the killed serve):
		// one order.
		if n, err := orderDB.NewSelect().Table("orders").Where("user_id = (SELECT user_id FROM orders WHERE id = ?)", id).
			Count(context.Background()); err != nil || n != 1 {
			t.Fatalf("shopper %d has %d orders (%v)", i, n, err)
		}
		testenv.Eventually(t, 30*time.Second, "the saga of "+id+" ended", func() bool {
			desc, err := tc.DescribeWorkflow(context.Background(), "checkout-"+id, "")
			if err != nil {
				t.Fatal(err)
			}
			return desc.RawResponse.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING
		})
	}
	for _, id := range items {
		if got := m.stockOf(t, id); got != before[id] {
			t.Errorf("%s: stock %+v, was %+v", id, got, before[id])
		}
	}

	// The flash sale: what was accepted is exactly what was written.
	accepted := len(tickets) + len(acceptedNoTicket)
	if accepted != flashStock {
		t.Fatalf("%d purchases accepted for %d units", accepted, flashStock)
	}
	type buyerCount struct {
		UserID string `bun:"user_id"`
		N      int    `bun:"n"`
	}
	var rows []buyerCount
	defer func() {
		if len(rows) < accepted { // the wait gave up
			t.Logf("%d buyers have flash orders; %d purchases were accepted", len(rows), accepted)
		}
	}()
	testenv.Eventually(t, time.Minute, fmt.Sprintf("flash orders for the %d accepted purchases", accepted), func() bool {
		rows = rows[:0]
		if err := orderDB.NewSelect().Table("orders").ColumnExpr("user_id, COUNT(*) AS n").Where("seckill_event_id = ?", eventID).
			Group("user_id").Scan(context.Background(), &rows); err != nil {
			t.Fatal(err)
		}
		return len(rows) >= accepted
	})
	if len(rows) != accepted {
		t.Fatalf("%d buyers have flash orders; %d purchases were accepted", len(rows), accepted)
	}
	for _, r := range rows {
		_, ticketed := tickets[r.UserID]
		if r.N != 1 || (!ticketed && !acceptedNoTicket[r.UserID]) {
			t.Fatalf("buyer %s: %d orders (accepted: %v)", r.UserID, r.N, ticketed || acceptedNoTicket[r.UserID])
		}
	}
	event, err := flash.GetEvent(context.Background(), connect.NewRequest(&seckillv1.GetEventRequest{EventId: eventID}))
	if err != nil || event.Msg.GetEvent().GetRemainingStock() != 0 {
		t.Fatalf("the sale has %d units left after selling out (%v)", event.Msg.GetEvent().GetRemainingStock(), err)
	}
	for buyer, ticket := range tickets {
		token := testenv.Token(t, deps.Keys, buyer, auth.RoleUser)
		seen := ""
		testenv.Eventually(t, 30*time.Second, "an order for the ticket of "+buyer, func() bool {
			res, err := flash.GetPurchaseResult(context.Background(), testenv.Bearer(token, &seckillv1.GetPurchaseResultRequest{Ticket: ticket}))
			if err == nil && res.Msg.GetState() == seckillv1.PurchaseState_PURCHASE_STATE_ORDER_CREATED {
				return true
			}
			state := fmt.Sprint(err)
			if err == nil {
				state = res.Msg.GetState().String()
			}
			if state != seen {
				seen = state
				t.Logf("ticket of %s: %s", buyer, state)
			}
			return false
		})
	}
	t.Logf("%d checkouts and %d purchases (%d accepted, %d answers lost with the killed serve) through 2 serve, 2 worker and 3 writer processes, one of each killed",
		shoppers, buyers, accepted, len(acceptedNoTicket))
}
