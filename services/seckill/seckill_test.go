package seckill

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/valkey-io/valkey-go"

	orderv1 "mall/gen/mall/order/v1"
	productv1 "mall/gen/mall/product/v1"
	seckillv1 "mall/gen/mall/seckill/v1"
	"mall/services/platform/ratelimit"
	"mall/services/platform/rpcerr"
	"mall/services/platform/testenv"
)

func TestCreateEventLoadsTheSaleAndListsIt(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	ctx := context.Background()
	live := f.event(t, 30, -time.Minute, time.Hour)
	upcoming := f.event(t, 10, time.Hour, 2*time.Hour)
	res, err := f.products.GetProduct(ctx, connect.NewRequest(&productv1.GetProductRequest{ProductId: saleProduct}))
	if err != nil {
		t.Fatal(err)
	}
	p := res.Msg.GetProduct()
	if live.GetState() != seckillv1.EventState_EVENT_STATE_LIVE || live.GetRemainingStock() != 30 || live.GetTitle() != p.GetTitle() ||
		live.GetOriginalPriceCents() != p.GetPriceCents() || live.GetPriceCents() != 990 || live.GetImageUrl() != p.GetImageUrls()[0] {
		t.Fatalf("created %v from %v", live, p)
	}
	for name, client := range f.clients {
		t.Run(name, func(t *testing.T) {
			got, err := client.GetEvent(ctx, connect.NewRequest(&seckillv1.GetEventRequest{EventId: upcoming.GetEventId()}))
			if err != nil || got.Msg.GetEvent().GetState() != seckillv1.EventState_EVENT_STATE_UPCOMING || got.Msg.GetEvent().GetRemainingStock() != 10 {
				t.Fatalf("get %v %v", got, err)
			}
			_, err = client.GetEvent(ctx, connect.NewRequest(&seckillv1.GetEventRequest{EventId: "ev-missing"}))
			testenv.WantCode(t, err, connect.CodeNotFound, ReasonEventNotFound)
			// Default listing: live and upcoming, soonest first, one page at a time.
			first, err := client.ListEvents(ctx, connect.NewRequest(&seckillv1.ListEventsRequest{PageSize: 1}))
			if err != nil || len(first.Msg.GetEvents()) != 1 || first.Msg.GetEvents()[0].GetEventId() != live.GetEventId() || first.Msg.GetNextPageToken() == "" {
				t.Fatalf("first page %v %v", first, err)
			}
			second, err := client.ListEvents(ctx, connect.NewRequest(&seckillv1.ListEventsRequest{PageSize: 1, PageToken: first.Msg.GetNextPageToken()}))
			if err != nil || len(second.Msg.GetEvents()) != 1 || second.Msg.GetEvents()[0].GetEventId() != upcoming.GetEventId() || second.Msg.GetNextPageToken() != "" {
				t.Fatalf("second page %v %v", second, err)
			}
			liveOnly, err := client.ListEvents(ctx, connect.NewRequest(&seckillv1.ListEventsRequest{States: []seckillv1.EventState{seckillv1.EventState_EVENT_STATE_LIVE}}))
			if err != nil || len(liveOnly.Msg.GetEvents()) != 1 {
				t.Fatalf("live only %v %v", liveOnly, err)
			}
			_, err = client.ListEvents(ctx, connect.NewRequest(&seckillv1.ListEventsRequest{PageToken: "garbage"}))
			testenv.WantCode(t, err, connect.CodeInvalidArgument, ReasonBadPageToken)
			// Only admins create; bad windows are invalid.
			_, err = client.CreateEvent(ctx, testenv.Bearer(f.user(t, "u-1"), &seckillv1.CreateEventRequest{}))
			testenv.WantCode(t, err, connect.CodePermissionDenied, "")
			_, err = client.CreateEvent(ctx, testenv.Bearer(f.admin, &seckillv1.CreateEventRequest{ProductId: "p0001", Stock: 1, PerUserLimit: 1,
				StartsAt: live.GetEndsAt(), EndsAt: live.GetStartsAt()}))
			testenv.WantCode(t, err, connect.CodeInvalidArgument, "")
		})
	}
}

func TestPurchaseAdmitsExactlyTheStockOncePerBuyer(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	ev := f.event(t, 50, -time.Minute, time.Hour)
	const buyers = 300
	var accepted, soldOut, again atomic.Int64
	var tickets sync.Map
	var wg sync.WaitGroup
	for i := range buyers {
		token := f.user(t, fmt.Sprintf("u-%03d", i))
		client := f.clients[[]string{"grpc", "connect-json"}[i%2]]
		wg.Go(func() {
			for range 2 { // every buyer tries twice
				ticket, err := f.buy(client, token, ev.GetEventId())
				switch {
				case err == nil:
					accepted.Add(1)
					tickets.Store(ticket, fmt.Sprintf("u-%03d", i))
				case rpcerr.Reason(err) == ReasonSoldOut && connect.CodeOf(err) == connect.CodeFailedPrecondition:
					soldOut.Add(1)
				case rpcerr.Reason(err) == ReasonAlreadyPurchased && connect.CodeOf(err) == connect.CodeAlreadyExists:
					again.Add(1)
				default:
					t.Errorf("purchase: %v", err)
				}
			}
		})
	}
	wg.Wait()
	if accepted.Load() != 50 || f.stock(t, ev.GetEventId()) != 0 || again.Load() != 50 || soldOut.Load() != 2*buyers-100 {
		t.Fatalf("accepted %d, again %d, sold out %d, left %d", accepted.Load(), again.Load(), soldOut.Load(), f.stock(t, ev.GetEventId()))
	}
	// One record per accepted purchase, nothing else.
	records := f.records(t, 50)
	if len(records) != 50 {
		t.Fatalf("%d records", len(records))
	}
	for _, r := range records {
		user, ok := tickets.Load(r.GetTicket())
		if !ok || user != r.GetUserId() || r.GetEventId() != ev.GetEventId() || r.GetPriceCents() != 990 || r.GetQuantity() != 1 ||
			r.GetProductId() != "p0001" || r.GetTitle() == "" || r.GetAcceptedAt() == nil {
			t.Fatalf("record %v", r)
		}
	}
}

func TestPurchaseRefusals(t *testing.T) {
	f := newFixture(t, fixtureOptions{rate: ratelimit.Limit{Burst: 3, Period: time.Minute}})
	ctx := context.Background()
	live := f.event(t, 10, -time.Minute, time.Hour)
	upcoming := f.event(t, 10, time.Hour, 2*time.Hour)
	token := f.user(t, "u-refused")
	client := f.clients["connect-json"]
	_, err := f.buy(client, token, upcoming.GetEventId())
	testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonNotStarted)
	_, err = f.buy(client, "", live.GetEventId())
	testenv.WantCode(t, err, connect.CodeUnauthenticated, "")
	_, err = client.Purchase(ctx, testenv.Bearer(token, &seckillv1.PurchaseRequest{EventId: live.GetEventId(), Quantity: ptr[int32](2)}))
	testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonOverLimit)
	_, err = f.buy(client, token, "ev-missing")
	testenv.WantCode(t, err, connect.CodeNotFound, ReasonEventNotFound)
	// The buyer's first call buys; this process then answers their repeats
	// from memory, however many. Where the purchase is not known (another
	// process) the admission script answers them, rate-limited: the next
	// two of the burst of three are answered (already bought), the fourth
	// is refused with a retry hint.
	if _, err = f.buy(client, token, live.GetEventId()); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		_, err = f.buy(client, token, live.GetEventId())
		testenv.WantCode(t, err, connect.CodeAlreadyExists, ReasonAlreadyPurchased)
	}
	f.svc.buyers.forget()
	for range 2 {
		_, err = f.buy(client, token, live.GetEventId())
		testenv.WantCode(t, err, connect.CodeAlreadyExists, ReasonAlreadyPurchased)
	}
	_, err = f.buy(client, token, live.GetEventId())
	testenv.WantCode(t, err, connect.CodeResourceExhausted, ratelimit.ReasonRateLimited)
	if left := f.stock(t, live.GetEventId()); left != 9 {
		t.Fatalf("left %d", left)
	}
	// An ended sale.
	if _, err := f.db.NewUpdate().Model((*eventRow)(nil)).Set("ends_at = ?", dbTime(time.Now().Add(-time.Second))).
		Where("id = ?", live.GetEventId()).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	f.svc.events.Delete(live.GetEventId())
	_, err = f.buy(client, f.user(t, "u-late"), live.GetEventId())
	testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonEnded)
}

// With Kafka unreachable a purchase is refused as unavailable and the
// admission is undone: the stock and the buyers are as before.
func TestKafkaDownUndoesTheAdmission(t *testing.T) {
	f := newFixture(t, fixtureOptions{brokers: []string{"127.0.0.1:1"}, produce: 500 * time.Millisecond})
	ev := f.event(t, 5, -time.Minute, time.Hour)
	token := f.user(t, "u-kafka")
	for range 3 {
		_, err := f.buy(f.clients["grpc"], token, ev.GetEventId())
		testenv.WantCode(t, err, connect.CodeUnavailable, ReasonQueueUnavailable)
	}
	if left := f.stock(t, ev.GetEventId()); left != 5 {
		t.Fatalf("stock %d after refused purchases", left)
	}
	n, err := f.valkey.Do(context.Background(), f.valkey.B().Hlen().Key(f.svc.keys(ev.GetEventId()).buyers).Build()).AsInt64()
	if err != nil || n != 0 {
		t.Fatalf("buyers %d %v", n, err)
	}
}

func TestPurchaseResultsAreTheBuyers(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	ctx := context.Background()
	ev := f.event(t, 5, -time.Minute, time.Hour)
	alice, bob := f.user(t, "u-alice"), f.user(t, "u-bob")
	// In this order: the second subtest finds alice's first purchase (ranging
	// over the map ran them in either order, and failed when grpc came first).
	for _, name := range []string{"connect-json", "grpc"} {
		client := f.clients[name]
		t.Run(name, func(t *testing.T) {
			ticket, err := f.buy(client, alice, ev.GetEventId())
			if name == "grpc" { // alice bought in the first subtest
				testenv.WantCode(t, err, connect.CodeAlreadyExists, ReasonAlreadyPurchased)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			res, err := client.GetPurchaseResult(ctx, testenv.Bearer(alice, &seckillv1.GetPurchaseResultRequest{Ticket: ticket}))
			if err != nil || res.Msg.GetState() != seckillv1.PurchaseState_PURCHASE_STATE_QUEUED || res.Msg.GetEventId() != ev.GetEventId() {
				t.Fatalf("queued %v %v", res, err)
			}
			_, err = client.GetPurchaseResult(ctx, testenv.Bearer(bob, &seckillv1.GetPurchaseResultRequest{Ticket: ticket}))
			testenv.WantCode(t, err, connect.CodeNotFound, ReasonTicketNotFound)
			_, err = client.GetPurchaseResult(ctx, testenv.Bearer(alice, &seckillv1.GetPurchaseResultRequest{Ticket: "garbage"}))
			testenv.WantCode(t, err, connect.CodeNotFound, ReasonTicketNotFound)
			// The writers report; twice is the same.
			for range 2 {
				if _, err := client.RecordPurchaseResults(ctx, testenv.Bearer(f.service, &seckillv1.RecordPurchaseResultsRequest{
					Results: []*seckillv1.PurchaseResult{{Ticket: ticket, State: seckillv1.PurchaseState_PURCHASE_STATE_ORDER_CREATED, OrderId: "o-1"}}})); err != nil {
					t.Fatal(err)
				}
			}
			res, err = client.GetPurchaseResult(ctx, testenv.Bearer(alice, &seckillv1.GetPurchaseResultRequest{Ticket: ticket}))
			if err != nil || res.Msg.GetState() != seckillv1.PurchaseState_PURCHASE_STATE_ORDER_CREATED || res.Msg.GetOrderId() != "o-1" ||
				res.Msg.GetFailureCode() != "" {
				t.Fatalf("written %v %v", res, err)
			}
			// A failure carries its code beside the English text, for the
			// shop to say it in the buyer's language.
			if _, err := client.RecordPurchaseResults(ctx, testenv.Bearer(f.service, &seckillv1.RecordPurchaseResultsRequest{
				Results: []*seckillv1.PurchaseResult{{Ticket: ticket, State: seckillv1.PurchaseState_PURCHASE_STATE_FAILED,
					FailureReason: "sold out", FailureCode: ReasonSoldOut}}})); err != nil {
				t.Fatal(err)
			}
			res, err = client.GetPurchaseResult(ctx, testenv.Bearer(alice, &seckillv1.GetPurchaseResultRequest{Ticket: ticket}))
			if err != nil || res.Msg.GetState() != seckillv1.PurchaseState_PURCHASE_STATE_FAILED || res.Msg.GetFailureReason() != "sold out" ||
				res.Msg.GetFailureCode() != ReasonSoldOut {
				t.Fatalf("failed %v %v", res, err)
			}
			_, err = client.RecordPurchaseResults(ctx, testenv.Bearer(alice, &seckillv1.RecordPurchaseResultsRequest{
				Results: []*seckillv1.PurchaseResult{{Ticket: ticket, State: seckillv1.PurchaseState_PURCHASE_STATE_FAILED}}}))
			testenv.WantCode(t, err, connect.CodePermissionDenied, "")
		})
	}
}

func TestReleaseReturnsTheUnitsOnce(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	ctx := context.Background()
	ev := f.event(t, 1, -time.Minute, time.Hour)
	client := f.clients["grpc"]
	alice := f.user(t, "u-alice")
	if _, err := f.buy(client, alice, ev.GetEventId()); err != nil {
		t.Fatal(err)
	}
	_, err := f.buy(client, f.user(t, "u-bob"), ev.GetEventId())
	testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonSoldOut)
	// Alice's order expired: the unit goes back once, however often asked.
	release := &seckillv1.ReleasePurchaseRequest{EventId: ev.GetEventId(), UserId: "u-alice", OrderId: "o-alice", Quantity: 1}
	for i, want := range []bool{true, false, false} {
		res, err := client.ReleasePurchase(ctx, testenv.Bearer(f.service, release))
		if err != nil || res.Msg.GetReleased() != want {
			t.Fatalf("release %d: %v %v", i, res, err)
		}
	}
	if left := f.stock(t, ev.GetEventId()); left != 1 {
		t.Fatalf("left %d", left)
	}
	// Alice keeps her (cancelled) order: she cannot buy again in this sale;
	// someone else buys the unit.
	_, err = f.buy(client, alice, ev.GetEventId())
	testenv.WantCode(t, err, connect.CodeAlreadyExists, ReasonAlreadyPurchased)
	if _, err := f.buy(client, f.user(t, "u-carol"), ev.GetEventId()); err != nil {
		t.Fatal(err)
	}
	_, err = client.ReleasePurchase(ctx, testenv.Bearer(alice, release))
	testenv.WantCode(t, err, connect.CodePermissionDenied, "")
}

// After the sale's Valkey state is lost (FLUSHDB of a Redis database of the
// test's own: FLUSHALL would hit every other test using the server),
// purchases answer unavailable until the reconciler has rebuilt the stock
// and the buyers from the orders and the records still in Kafka; then the
// sale goes on and sells exactly the stock.
func TestValkeyLossIsReconciledWithoutOversell(t *testing.T) {
	f := newFixture(t, fixtureOptions{redisDB: 9, reconcile: 200 * time.Millisecond})
	ctx := context.Background()
	watch, stop := context.WithCancel(ctx)
	defer stop()
	go func() { _ = f.svc.WatchSales(watch) }()
	ev := f.event(t, 100, -time.Minute, time.Hour)
	client := f.clients["grpc"]
	for i := range 60 {
		if _, err := f.buy(client, f.user(t, fmt.Sprintf("u-first-%02d", i)), ev.GetEventId()); err != nil {
			t.Fatal(err)
		}
	}
	// The writers stored 30 of them (5 since expired and cancelled); the
	// other 30 are still in Kafka only (no offsets committed).
	records := f.records(t, 60)
	for i, r := range records[:30] {
		status := orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT
		if i < 5 {
			status = orderv1.OrderStatus_ORDER_STATUS_CANCELLED
			if _, err := f.svc.ReleasePurchase(ctx, connect.NewRequest(&seckillv1.ReleasePurchaseRequest{EventId: ev.GetEventId(), UserId: r.GetUserId(), OrderId: "o-" + r.GetUserId(), Quantity: 1})); err != nil {
				t.Fatal(err)
			}
		}
		f.orders.add(&orderv1.Order{OrderId: "o-" + r.GetUserId(), UserId: r.GetUserId(), SeckillEventId: ev.GetEventId(), Status: status,
			Kind: orderv1.OrderKind_ORDER_KIND_FLASH_SALE, Lines: []*orderv1.OrderLine{{ProductId: "p0001", Quantity: 1}}})
	}
	if left := f.stock(t, ev.GetEventId()); left != 45 {
		t.Fatalf("before the loss %d left", left)
	}
	if err := f.valkey.Do(ctx, f.valkey.B().Flushdb().Build()).Error(); err != nil {
		t.Fatal(err)
	}
	// Until rebuilt: unavailable, never a sale.
	_, err := f.buy(client, f.user(t, "u-during"), ev.GetEventId())
	if connect.CodeOf(err) != connect.CodeUnavailable {
		t.Fatalf("during recovery: %v", err)
	}
	var lastErr error
	testenv.Eventually(t, 30*time.Second, "sale rebuilt", func() bool {
		_, ready, err := f.svc.remaining(ctx, ev.GetEventId())
		if err != nil && fmt.Sprint(err) != fmt.Sprint(lastErr) {
			t.Logf("reading the rebuilt sale: %v", err)
		}
		lastErr = err
		return err == nil && ready
	})
	if left := f.stock(t, ev.GetEventId()); left != 45 {
		t.Fatalf("rebuilt with %d left, want 45", left)
	}
	// Earlier buyers (even the expired ones) cannot buy again; 45 new ones can.
	_, err = f.buy(client, f.user(t, records[40].GetUserId()), ev.GetEventId())
	testenv.WantCode(t, err, connect.CodeAlreadyExists, ReasonAlreadyPurchased)
	_, err = f.buy(client, f.user(t, records[2].GetUserId()), ev.GetEventId())
	testenv.WantCode(t, err, connect.CodeAlreadyExists, ReasonAlreadyPurchased)
	accepted := 0
	for i := range 80 {
		_, err := f.buy(client, f.user(t, fmt.Sprintf("u-after-%02d", i)), ev.GetEventId())
		switch {
		case err == nil:
			accepted++
		case rpcerr.Reason(err) != ReasonSoldOut:
			t.Fatal(err)
		}
	}
	if accepted != 45 {
		t.Fatalf("%d sold after the rebuild, want 45", accepted)
	}
}

// The rebuild lock has a lifetime: a rebuild that outlives it may find
// another process holding the lock by the time it ends, and must leave that
// lock alone. Its own lock, still held at the end, it releases.
func TestReconcileReleasesOnlyItsOwnLock(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	ctx := context.Background()
	ev := f.event(t, 10, -time.Minute, time.Hour)
	k := f.svc.keys(ev.GetEventId())
	lose := func() {
		if err := f.valkey.Do(ctx, f.valkey.B().Del().Key(k.ready).Build()).Error(); err != nil {
			t.Fatal(err)
		}
	}
	lockHolder := func() string {
		holder, err := f.valkey.Do(ctx, f.valkey.B().Get().Key(k.lock).Build()).ToString()
		if valkey.IsValkeyNil(err) {
			return ""
		}
		if err != nil {
			t.Fatal(err)
		}
		return holder
	}

	lose()
	listing, resume := make(chan struct{}), make(chan struct{})
	f.orders.holdNextList(func() error { close(listing); <-resume; return nil })
	done := make(chan error, 1)
	go func() { done <- f.svc.Reconcile(ctx, ev.GetEventId()) }()
	select {
	case <-listing: // the rebuild holds its lock and reads the orders
	case err := <-done:
		t.Fatalf("the rebuild ended before reading the orders: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the rebuild did not read the orders within 30 s")
	}
	if lockHolder() == "" {
		t.Fatal("the rebuild runs without its lock")
	}
	// Its lock expires; another process takes it.
	if err := f.valkey.Do(ctx, f.valkey.B().Del().Key(k.lock).Build()).Error(); err != nil {
		t.Fatal(err)
	}
	if err := f.valkey.Do(ctx, f.valkey.B().Set().Key(k.lock).Value("another-process").Nx().Px(time.Minute).Build()).Error(); err != nil {
		t.Fatal(err)
	}
	close(resume)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if holder := lockHolder(); holder != "another-process" {
		t.Fatalf("after the rebuild the lock is %q, want the other process's", holder)
	}

	// The other process is done; the next rebuild releases its own lock.
	if err := f.valkey.Do(ctx, f.valkey.B().Del().Key(k.lock).Build()).Error(); err != nil {
		t.Fatal(err)
	}
	lose()
	if err := f.svc.Reconcile(ctx, ev.GetEventId()); err != nil {
		t.Fatal(err)
	}
	if left := f.stock(t, ev.GetEventId()); left != 10 {
		t.Fatalf("rebuilt with %d left, want 10", left)
	}
	if holder := lockHolder(); holder != "" {
		t.Fatalf("the rebuild left its lock behind (%q)", holder)
	}
}

func ptr[T any](v T) *T { return &v }
