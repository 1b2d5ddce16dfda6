package app_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	orderv1 "mall/gen/mall/order/v1"
	productv1 "mall/gen/mall/product/v1"
	seckillv1 "mall/gen/mall/seckill/v1"
	"mall/gen/mall/seckill/v1/seckillv1connect"
	"mall/services/app"
	"mall/services/paysim"
	"mall/services/platform/auth"
	"mall/services/platform/rpcclient"
	"mall/services/platform/rpcerr"
	"mall/services/platform/testenv"
	"mall/services/seckill"
	"mall/services/user"
)

// startWriter runs one batched order writer of the test's mall until the test ends.
func (m *mall) startWriter(t *testing.T) {
	t.Helper()
	w, stop, err := app.NewWriter(m.deps)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = w.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done; stop() })
}

// flashSale creates a live sale of stock units of p0120, whose available
// stock is raised by as much first (the sale takes its units from it).
func (m *mall) flashSale(t *testing.T, client seckillv1connect.SeckillServiceClient, stock int64) string {
	t.Helper()
	ctx := context.Background()
	p, err := m.products.GetProduct(ctx, connect.NewRequest(&productv1.GetProductRequest{ProductId: "p0120"}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.products.SetStock(ctx, testenv.Bearer(m.admin, &productv1.SetStockRequest{ProductId: "p0120",
		Stock: p.Msg.GetProduct().GetStock() + stock})); err != nil {
		t.Fatal(err)
	}
	return m.flashSaleOf(t, client, "p0120", stock, time.Hour)
}

// flashSaleOf creates a sale of stock units of a product, live from now
// until lasts from now.
func (m *mall) flashSaleOf(t *testing.T, client seckillv1connect.SeckillServiceClient, productID string, stock int64, lasts time.Duration) string {
	t.Helper()
	res, err := client.CreateEvent(context.Background(), testenv.Bearer(m.admin, &seckillv1.CreateEventRequest{ProductId: productID,
		PriceCents: 100, Stock: stock, PerUserLimit: 1, StartsAt: timestamppb.New(time.Now().Add(-time.Second)),
		EndsAt: timestamppb.New(time.Now().Add(lasts))}))
	if err != nil {
		t.Fatal(err)
	}
	id := res.Msg.GetEvent().GetEventId()
	if _, err := client.PublishEvent(context.Background(), testenv.Bearer(m.admin, &seckillv1.PublishEventRequest{EventId: id})); err != nil {
		t.Fatal(err)
	}
	return id
}

// giveAddresses gives each of the buyers (minted tokens, no accounts) a
// default shipping address: a flash-sale purchase needs one.
func giveAddresses(t *testing.T, deps *app.Deps, userIDs ...string) {
	t.Helper()
	handle, err := deps.Database(context.Background(), "user")
	if err != nil {
		t.Fatal(err)
	}
	if err := user.SeedAddresses(context.Background(), handle, userIDs); err != nil {
		t.Fatal(err)
	}
}

// TestFlashSaleBurstSellsExactlyTheStock: 20 000 buyers (and 2 000 repeat
// requests) at 200 concurrent for 500 units, through Purchase, Kafka, the
// batched writer and the order service: exactly 500 orders, at most one per
// buyer, each for an accepted purchase whose ticket resolves to it; the
// sale's Valkey stock is 0.
func TestFlashSaleBurstSellsExactlyTheStock(t *testing.T) {
	m := startMallWithWorker(t, time.Hour)
	m.startWriter(t)
	client := seckillv1connect.NewSeckillServiceClient(rpcclient.HTTPClient(), m.url, connect.WithGRPC())
	b := burst{buyers: 20000, repeats: 2000, stock: 500, concurrency: 200}
	m.sellBurst(t, client, m.flashSale(t, client, int64(b.stock)), b)
}

// TestFlashSaleBurstOnARedisClusterSellsExactlyTheStock runs the burst with
// Valkey a three-node Redis Cluster, once for each of two sales whose state
// lives on different nodes: the same invariants hold for both, each sale's
// keys are all on the node of its hash slot, and every node holds keys of
// the mall (sessions, address books, the catalog cache, limits).
func TestFlashSaleBurstOnARedisClusterSellsExactlyTheStock(t *testing.T) {
	cluster := testenv.StartRedisCluster(t)
	m := startMallWithWorker(t, time.Hour, func(cfg *appConfig) { cfg.RedisAddr, cfg.RedisCluster = cluster.Seeds(), true })
	m.startWriter(t)
	client := seckillv1connect.NewSeckillServiceClient(rpcclient.HTTPClient(), m.url, connect.WithGRPC())
	b := burst{buyers: 4000, repeats: 400, stock: 200, concurrency: 100}
	saleNode := func(eventID string) string { return cluster.NodeOf(t, "{"+eventID+"}") }
	first := m.flashSale(t, client, int64(b.stock))
	second := m.flashSale(t, client, int64(b.stock))
	// A sale's slot follows from its random id; a third of them share the
	// first one's node (the sales left behind are never sold).
	for tries := 0; saleNode(second) == saleNode(first); tries++ {
		if tries == 20 {
			t.Fatalf("20 sales all on %s", saleNode(first))
		}
		second = m.flashSale(t, client, int64(b.stock))
	}
	prefix := m.deps.Config.CachePrefix
	for _, eventID := range []string{first, second} {
		m.sellBurst(t, client, eventID, b)
		pattern := prefix + "seckill:{" + eventID + "}:*"
		for _, node := range cluster.Nodes {
			keys := cluster.Keys(t, node, pattern)
			switch {
			case node == saleNode(eventID) && !slices.Contains(keys, prefix+"seckill:{"+eventID+"}:stock"):
				t.Errorf("sale %s: its node %s holds %v, no stock", eventID, node, keys)
			case node != saleNode(eventID) && len(keys) > 0:
				t.Errorf("sale %s lives on %s, yet %s holds %v", eventID, saleNode(eventID), node, keys)
			}
		}
	}
	for _, node := range cluster.Nodes {
		if keys := cluster.Keys(t, node, prefix+"*"); len(keys) == 0 {
			t.Errorf("node %s holds none of the mall's keys", node)
		}
	}
}

// burst is a flash-sale burst: buyers each asking once, repeats of the
// first of them asking again, concurrency requests at a time, for stock units.
type burst struct{ buyers, repeats, stock, concurrency int }

// sellBurst runs b against the live sale eventID of b.stock units and
// checks that it sold exactly the stock: as many accepted purchases as
// units, none twice for a buyer, the sale's Valkey stock 0, and exactly one
// written order per accepted purchase, which its ticket resolves to.
func (m *mall) sellBurst(t *testing.T, client seckillv1connect.SeckillServiceClient, eventID string, b burst) {
	t.Helper()
	buyers, repeats, stock, concurrency := b.buyers, b.repeats, b.stock, b.concurrency
	ctx := context.Background()
	tokens := make([]string, buyers)
	ids := make([]string, buyers)
	for i := range tokens {
		ids[i] = fmt.Sprintf("u-burst-%05d", i)
		tokens[i] = testenv.Token(t, m.deps.Keys, ids[i], auth.RoleUser)
	}
	giveAddresses(t, m.deps, ids...)
	var next atomic.Int64
	var mu sync.Mutex
	tickets := map[int]string{} // buyer -> ticket
	reasons := map[string]int{}
	var wg sync.WaitGroup
	for range concurrency {
		wg.Go(func() {
			for {
				n := int(next.Add(1) - 1)
				if n >= buyers+repeats {
					return
				}
				i := n % buyers
				res, err := client.Purchase(ctx, testenv.Bearer(tokens[i], &seckillv1.PurchaseRequest{EventId: eventID}))
				mu.Lock()
				if err == nil {
					if _, twice := tickets[i]; twice {
						t.Errorf("buyer %d accepted twice", i)
					}
					tickets[i] = res.Msg.GetTicket()
				} else {
					reasons[rpcerr.Reason(err)]++
					if r := rpcerr.Reason(err); r != seckill.ReasonSoldOut && r != seckill.ReasonAlreadyPurchased {
						t.Errorf("purchase: %v", err)
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(tickets) != stock {
		t.Fatalf("%d purchases accepted for %d units (refusals %v)", len(tickets), stock, reasons)
	}
	ev, err := client.GetEvent(ctx, connect.NewRequest(&seckillv1.GetEventRequest{EventId: eventID}))
	if err != nil || ev.Msg.GetEvent().GetRemainingStock() != 0 {
		t.Fatalf("event after the burst %v %v", ev, err)
	}

	// The writer turns every accepted purchase into exactly one order.
	orderDB, err := m.deps.Database(ctx, "order")
	if err != nil {
		t.Fatal(err)
	}
	var written int
	var lastErr error
	defer func() {
		if written < stock { // the wait gave up
			t.Logf("%d of %d orders written (last error %v)", written, stock, lastErr)
		}
	}()
	testenv.Eventually(t, 2*time.Minute, "orders written", func() bool {
		written, lastErr = orderDB.NewSelect().Table("orders").Where("seckill_event_id = ?", eventID).Count(ctx)
		return lastErr == nil && written >= stock
	})
	var rows []struct {
		ID     string `bun:"id"`
		UserID string `bun:"user_id"`
		Status int32  `bun:"status"`
		Total  int64  `bun:"total_cents"`
	}
	if err := orderDB.NewSelect().Table("orders").Column("id", "user_id", "status", "total_cents").Where("seckill_event_id = ?", eventID).Scan(ctx, &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != stock {
		t.Fatalf("%d orders for %d units", len(rows), stock)
	}
	byUser := map[string]string{}
	for _, r := range rows {
		if _, dup := byUser[r.UserID]; dup {
			t.Fatalf("two orders for %s", r.UserID)
		}
		byUser[r.UserID] = r.ID
		if r.Status != int32(orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT) || r.Total != 100 {
			t.Fatalf("order %+v", r)
		}
	}
	// Every order is an accepted purchase, and its ticket says so.
	checked := 0
	for n, ticket := range tickets {
		user := fmt.Sprintf("u-burst-%05d", n)
		orderID, ok := byUser[user]
		if !ok {
			t.Fatalf("accepted purchase of %s has no order", user)
		}
		if checked < 50 { // the buyer's view, for a sample
			checked++
			seen := ""
			testenv.Eventually(t, 2*time.Minute, user+"'s purchase result naming order "+orderID, func() bool {
				res, err := client.GetPurchaseResult(ctx, testenv.Bearer(tokens[n], &seckillv1.GetPurchaseResultRequest{Ticket: ticket}))
				if err == nil && res.Msg.GetState() == seckillv1.PurchaseState_PURCHASE_STATE_ORDER_CREATED && res.Msg.GetOrderId() == orderID {
					return true
				}
				now := fmt.Sprint(err)
				if err == nil {
					now = fmt.Sprint(res.Msg.GetState(), " ", res.Msg.GetOrderId())
				}
				if now != seen {
					seen = now
					t.Logf("%s's purchase result: %s", user, now)
				}
				return false
			})
		}
	}
	t.Logf("accepted %d; refusals %v", len(tickets), reasons)
}

// TestUnpaidFlashOrdersExpireAndTheirUnitsSellAgain: three buyers take the
// three units; one pays through the provider (the payment marks the
// flash-sale order PAID itself), two do not. The sweeper cancels those two
// at their deadline and gives the units back: two new buyers get them, the
// two who did not pay cannot buy again, the paid order stays PAID.
func TestUnpaidFlashOrdersExpireAndTheirUnitsSellAgain(t *testing.T) {
	m, provider := startMallWithPaysim(t, time.Hour, paysim.Options{}, func(cfg *appConfig) {
		cfg.FlashPaymentTimeout, cfg.FlashSweepInterval = 8*time.Second, time.Second
	})
	m.startWriter(t)
	ctx := context.Background()
	if err := app.StartSweeper(ctx, m.deps, m.temporal); err != nil {
		t.Fatal(err)
	}
	client := seckillv1connect.NewSeckillServiceClient(rpcclient.HTTPClient(), m.url, connect.WithGRPC())
	eventID := m.flashSale(t, client, 3)
	token := map[string]string{}
	for _, name := range []string{"amy", "ben", "eve", "cat", "dan"} {
		token[name] = testenv.Token(t, m.deps.Keys, "u-expiry-"+name, auth.RoleUser)
		giveAddresses(t, m.deps, "u-expiry-"+name)
	}
	buy := func(name string) (string, error) {
		res, err := client.Purchase(ctx, testenv.Bearer(token[name], &seckillv1.PurchaseRequest{EventId: eventID}))
		if err != nil {
			return "", err
		}
		return res.Msg.GetTicket(), nil
	}
	orderOf := func(name, ticket string) string {
		t.Helper()
		var orderID, seen string
		testenv.Eventually(t, 30*time.Second, "an order for "+name+"'s purchase", func() bool {
			res, err := client.GetPurchaseResult(ctx, testenv.Bearer(token[name], &seckillv1.GetPurchaseResultRequest{Ticket: ticket}))
			if err == nil && res.Msg.GetState() == seckillv1.PurchaseState_PURCHASE_STATE_ORDER_CREATED {
				orderID = res.Msg.GetOrderId()
				return true
			}
			now := fmt.Sprint(err)
			if err == nil {
				now = res.Msg.GetState().String()
			}
			if now != seen {
				seen = now
				t.Logf("%s's purchase: %s", name, now)
			}
			return false
		})
		return orderID
	}
	orders := map[string]string{}
	for _, name := range []string{"amy", "ben", "eve"} {
		ticket, err := buy(name)
		if err != nil {
			t.Fatal(err)
		}
		orders[name] = orderOf(name, ticket)
	}
	_, err := buy("cat")
	testenv.WantCode(t, err, connect.CodeFailedPrecondition, seckill.ReasonSoldOut)

	// Eve pays her flash-sale order through the provider.
	if err := m.payAsCustomer(ctx, provider, token["eve"], orders["eve"]); err != nil {
		t.Fatal(err)
	}
	m.waitStatus(t, token["eve"], orders["eve"], orderv1.OrderStatus_ORDER_STATUS_PAID)

	// Amy's and Ben's orders expire; their units go back to the sale.
	for _, name := range []string{"amy", "ben"} {
		m.waitStatus(t, token[name], orders[name], orderv1.OrderStatus_ORDER_STATUS_CANCELLED)
	}
	seen := ""
	testenv.Eventually(t, 30*time.Second, "the two units returned to the sale", func() bool {
		ev, err := client.GetEvent(ctx, connect.NewRequest(&seckillv1.GetEventRequest{EventId: eventID}))
		if err == nil && ev.Msg.GetEvent().GetRemainingStock() == 2 {
			return true
		}
		now := fmt.Sprint(err)
		if err == nil {
			now = fmt.Sprintf("%d units left", ev.Msg.GetEvent().GetRemainingStock())
		}
		if now != seen {
			seen = now
			t.Logf("the sale: %s", now)
		}
		return false
	})
	_, err = buy("amy")
	testenv.WantCode(t, err, connect.CodeAlreadyExists, seckill.ReasonAlreadyPurchased)
	for _, name := range []string{"cat", "dan"} {
		ticket, err := buy(name)
		if err != nil {
			t.Fatalf("%s after the expiry: %v", name, err)
		}
		orders[name] = orderOf(name, ticket)
	}
	if got := m.waitStatus(t, token["eve"], orders["eve"], orderv1.OrderStatus_ORDER_STATUS_PAID); got.GetKind() != orderv1.OrderKind_ORDER_KIND_FLASH_SALE {
		t.Fatalf("eve's order %v", got)
	}
}
