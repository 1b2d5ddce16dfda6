package seckill

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/valkey-io/valkey-go"
	"google.golang.org/protobuf/types/known/timestamppb"

	orderv1 "mall/gen/mall/order/v1"
	productv1 "mall/gen/mall/product/v1"
	seckillv1 "mall/gen/mall/seckill/v1"
	"mall/services/platform/ratelimit"
	"mall/services/platform/rpcerr"
	"mall/services/platform/testenv"
)

// productColumns reads a product's available, sold and allocated stock.
func (f *fixture) productColumns(t *testing.T, productID string) (available, sold, allocated int64) {
	t.Helper()
	if err := f.productDB.NewSelect().Table("products").Column("stock", "sold", "allocated").Where("id = ?", productID).
		Scan(context.Background(), &available, &sold, &allocated); err != nil {
		t.Fatal(err)
	}
	return available, sold, allocated
}

func (f *fixture) createEvent(productID string, stock int64, from, to time.Duration) (*seckillv1.FlashSaleEvent, error) {
	res, err := f.clients["grpc"].CreateEvent(context.Background(), testenv.Bearer(f.admin, &seckillv1.CreateEventRequest{
		ProductId: productID, PriceCents: 990, Stock: stock, PerUserLimit: 1,
		StartsAt: timestamppb.New(time.Now().Add(from)), EndsAt: timestamppb.New(time.Now().Add(to))}))
	if err != nil {
		return nil, err
	}
	published, err := f.clients["grpc"].PublishEvent(context.Background(), testenv.Bearer(f.admin, &seckillv1.PublishEventRequest{EventId: res.Msg.GetEvent().GetEventId()}))
	if err != nil {
		return nil, err
	}
	return published.Msg.GetEvent(), nil
}

// "CreateEvent accepted 1 000 000 units of a product with 284 in stock":
// a sale takes its units out of the product's available stock, and one
// that asks for more than is available is refused whole, leaving no sale.
func TestASaleCannotAllocateMoreThanTheProductHas(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	ctx := context.Background()
	const product = "p0002"
	if _, err := f.products.SetStock(ctx, connect.NewRequest(&productv1.SetStockRequest{ProductId: product, Stock: 284})); err != nil {
		t.Fatal(err)
	}
	_, err := f.createEvent(product, 1000000, -time.Minute, time.Hour)
	testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonNotEnoughStock)
	_, err = f.createEvent(product, 285, -time.Minute, time.Hour)
	testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonNotEnoughStock)
	if available, _, allocated := f.productColumns(t, product); available != 284 || allocated != 0 {
		t.Fatalf("after refused sales: available %d allocated %d", available, allocated)
	}
	if n, err := f.db.NewSelect().Model((*eventRow)(nil)).Where("product_id = ?", product).Count(ctx); err != nil || n != 0 {
		t.Fatalf("%d event rows left by refused sales (%v)", n, err)
	}
	ev, err := f.createEvent(product, 284, -time.Minute, time.Hour)
	if err != nil || ev.GetTotalStock() != 284 || ev.GetRemainingStock() != 284 {
		t.Fatalf("a sale of all the stock: %v %v", ev, err)
	}
	if available, _, allocated := f.productColumns(t, product); available != 0 || allocated != 284 {
		t.Fatalf("after the sale: available %d allocated %d", available, allocated)
	}
	_, err = f.createEvent(product, 1, -time.Minute, time.Hour)
	testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonNotEnoughStock)
	list, err := f.clients["grpc"].ListEvents(ctx, connect.NewRequest(&seckillv1.ListEventsRequest{ProductId: product}))
	if err != nil || len(list.Msg.GetEvents()) != 1 || list.Msg.GetEvents()[0].GetEventId() != ev.GetEventId() {
		t.Fatalf("the product's sales: %v %v", list, err)
	}
}

// A CreateEvent that died after taking the units (or before) leaves an
// allocating sale; settling gives back what it took, once, after
// AbandonAfter, and the sale never becomes visible. A creation still in
// progress is left alone.
func TestACreationThatDiedIsGivenBack(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	ctx := context.Background()
	const product = "p0003"
	if _, err := f.products.SetStock(ctx, connect.NewRequest(&productv1.SetStockRequest{ProductId: product, Stock: 50})); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	allocating := func(id string, created time.Time) {
		row := &eventRow{ID: id, ProductID: product, Title: "t", Stock: 7, PerUserLimit: 1, StockState: stockAllocating,
			StartsAt: dbTime(now), EndsAt: dbTime(now.Add(time.Hour)), CreatedAt: dbTime(created)}
		if _, err := f.db.NewInsert().Model(row).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	allocating("ev-died-after", now.Add(-10*time.Minute))
	if _, err := f.products.AllocateStock(ctx, connect.NewRequest(&productv1.AllocateStockRequest{AllocationId: "ev-died-after", ProductId: product, Quantity: 7})); err != nil {
		t.Fatal(err)
	}
	allocating("ev-died-before", now.Add(-10*time.Minute))
	allocating("ev-in-progress", now)
	if _, err := f.products.AllocateStock(ctx, connect.NewRequest(&productv1.AllocateStockRequest{AllocationId: "ev-in-progress", ProductId: product, Quantity: 7})); err != nil {
		t.Fatal(err)
	}
	_, err := f.clients["grpc"].GetEvent(ctx, connect.NewRequest(&seckillv1.GetEventRequest{EventId: "ev-died-after"}))
	testenv.WantCode(t, err, connect.CodeNotFound, ReasonEventNotFound)

	res, err := f.clients["grpc"].SettleSales(ctx, testenv.Bearer(f.service, &seckillv1.SettleSalesRequest{}))
	if err != nil || len(res.Msg.GetAbandonedEventIds()) != 2 || res.Msg.GetReturnedUnits() != 7 || len(res.Msg.GetSettledEventIds()) != 0 {
		t.Fatalf("settle: %v %v", res, err)
	}
	if available, _, allocated := f.productColumns(t, product); available != 50-7 || allocated != 7 {
		t.Fatalf("after settling: available %d allocated %d (the one in progress keeps its 7)", available, allocated)
	}
	// A late allocation of the sale that died before allocating takes nothing.
	if _, err := f.products.AllocateStock(ctx, connect.NewRequest(&productv1.AllocateStockRequest{AllocationId: "ev-died-before", ProductId: product, Quantity: 7})); connect.CodeOf(err) != connect.CodeFailedPrecondition {
		t.Fatalf("late allocation of an abandoned sale: %v", err)
	}
	again, err := f.svc.SettleSales(ctx, connect.NewRequest(&seckillv1.SettleSalesRequest{}))
	if err != nil || len(again.Msg.GetAbandonedEventIds()) != 0 || again.Msg.GetReturnedUnits() != 0 {
		t.Fatalf("settling again: %v %v", again, err)
	}
	if available, _, _ := f.productColumns(t, product); available != 50-7 {
		t.Fatalf("settling again moved stock: %d", available)
	}
	// Only services settle.
	_, err = f.clients["grpc"].SettleSales(ctx, testenv.Bearer(f.admin, &seckillv1.SettleSalesRequest{}))
	testenv.WantCode(t, err, connect.CodePermissionDenied, "")
}

// The catalog allocated a sale's units but CreateEvent never heard so:
// the admin is told to try again, the units go back at once, and the sale
// never shows.
func TestACreationThatLostTheAllocationsAnswerGivesTheUnitsBack(t *testing.T) {
	f := newFixture(t, fixtureOptions{lostAllocations: true})
	ctx := context.Background()
	const product = "p0005"
	if _, err := f.products.SetStock(ctx, connect.NewRequest(&productv1.SetStockRequest{ProductId: product, Stock: 40})); err != nil {
		t.Fatal(err)
	}
	_, err := f.createEvent(product, 25, -time.Minute, time.Hour)
	testenv.WantCode(t, err, connect.CodeUnavailable, ReasonUpstreamFailed)
	if available, _, allocated := f.productColumns(t, product); available != 40 || allocated != 0 {
		t.Fatalf("after the failed creation: available %d allocated %d", available, allocated)
	}
	var rows []eventRow
	if err := f.db.NewSelect().Model(&rows).Where("product_id = ?", product).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].StockState != stockAbandoned || !rows[0].SettledAt.Valid || rows[0].ReturnedUnits != 25 {
		t.Fatalf("the failed sale's row: %+v", rows)
	}
	list, err := f.clients["grpc"].ListEvents(ctx, connect.NewRequest(&seckillv1.ListEventsRequest{ProductId: product}))
	if err != nil || len(list.Msg.GetEvents()) != 0 {
		t.Fatalf("the failed sale is listed: %v %v", list, err)
	}
	if res, err := f.svc.SettleSales(ctx, connect.NewRequest(&seckillv1.SettleSalesRequest{})); err != nil || res.Msg.GetReturnedUnits() != 0 || len(res.Msg.GetAbandonedEventIds()) != 0 {
		t.Fatalf("settling after the failed creation: %v %v", res, err)
	}
}

// An ended sale is settled once none of its orders can be paid any more:
// after the payment timeout, and not while an order is pending. What it did
// not sell (never bought, or released by expired orders) goes back to the
// product; what was paid stays sold, and nothing is confirmed afterwards.
func TestAnEndedSaleIsSettledOnceNoOrderCanBePaid(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	ctx := context.Background()
	const product = "p0004"
	if _, err := f.products.SetStock(ctx, connect.NewRequest(&productv1.SetStockRequest{ProductId: product, Stock: 100})); err != nil {
		t.Fatal(err)
	}
	ev, err := f.createEvent(product, 10, -time.Minute, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	id := ev.GetEventId()
	order := func(user string, status orderv1.OrderStatus) *orderv1.Order {
		if _, err := f.buy(f.clients["grpc"], f.user(t, user), id); err != nil {
			t.Fatal(err)
		}
		o := &orderv1.Order{OrderId: "o-" + user, UserId: user, SeckillEventId: id, Status: status, Kind: orderv1.OrderKind_ORDER_KIND_FLASH_SALE,
			Lines: []*orderv1.OrderLine{{ProductId: product, Quantity: 1}}}
		f.orders.add(o)
		return o
	}
	if _, err := f.products.ConfirmAllocatedStock(ctx, connect.NewRequest(&productv1.ConfirmAllocatedStockRequest{AllocationId: id, OrderId: order("u-paid", orderv1.OrderStatus_ORDER_STATUS_PAID).GetOrderId(), Quantity: 1})); err != nil {
		t.Fatal(err)
	}
	if _, err := f.products.ReleaseAllocatedStock(ctx, connect.NewRequest(&productv1.ReleaseAllocatedStockRequest{AllocationId: id, OrderId: order("u-expired", orderv1.OrderStatus_ORDER_STATUS_CANCELLED).GetOrderId(), Quantity: 1})); err != nil {
		t.Fatal(err)
	}
	pending := order("u-pending", orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT)
	settled := func() *seckillv1.SettleSalesResponse {
		t.Helper()
		res, err := f.svc.SettleSales(ctx, connect.NewRequest(&seckillv1.SettleSalesRequest{}))
		if err != nil {
			t.Fatal(err)
		}
		return res.Msg
	}
	endAt := func(at time.Time) {
		if _, err := f.db.NewUpdate().Model((*eventRow)(nil)).Set("starts_at = ?", dbTime(at.Add(-time.Hour))).Set("ends_at = ?", dbTime(at)).
			Where("id = ?", id).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if res := settled(); len(res.GetSettledEventIds()) != 0 {
		t.Fatalf("a live sale was settled: %v", res)
	}
	endAt(time.Now().Add(-time.Minute)) // ended, but its orders may still be paid
	if res := settled(); len(res.GetSettledEventIds()) != 0 {
		t.Fatalf("settled within the payment timeout: %v", res)
	}
	endAt(time.Now().Add(-f.svc.opts.PaymentTimeout - time.Minute))
	if res := settled(); len(res.GetSettledEventIds()) != 0 {
		t.Fatalf("settled with an order pending: %v", res)
	}
	if _, err := f.products.ReleaseAllocatedStock(ctx, connect.NewRequest(&productv1.ReleaseAllocatedStockRequest{AllocationId: id, OrderId: pending.GetOrderId(), Quantity: 1})); err != nil {
		t.Fatal(err)
	}
	f.orders.mu.Lock()
	pending.Status = orderv1.OrderStatus_ORDER_STATUS_CANCELLED // the sweeper cancelled it
	f.orders.mu.Unlock()
	res := settled()
	if len(res.GetSettledEventIds()) != 1 || res.GetSettledEventIds()[0] != id || res.GetReturnedUnits() != 9 {
		t.Fatalf("settle: %v", res)
	}
	if available, sold, allocated := f.productColumns(t, product); available != 99 || sold != 1 || allocated != 0 {
		t.Fatalf("after settling: available %d sold %d allocated %d", available, sold, allocated)
	}
	if res := settled(); len(res.GetSettledEventIds()) != 0 || res.GetReturnedUnits() != 0 {
		t.Fatalf("settled twice: %v", res)
	}
	if _, err := f.products.ConfirmAllocatedStock(ctx, connect.NewRequest(&productv1.ConfirmAllocatedStockRequest{AllocationId: id, OrderId: "o-too-late", Quantity: 1})); connect.CodeOf(err) != connect.CodeFailedPrecondition {
		t.Fatalf("a confirmation after settling: %v", err)
	}
	f.svc.events.Delete(id)
	got, err := f.clients["grpc"].GetEvent(ctx, connect.NewRequest(&seckillv1.GetEventRequest{EventId: id}))
	if err != nil || got.Msg.GetEvent().GetState() != seckillv1.EventState_EVENT_STATE_ENDED {
		t.Fatalf("the settled sale: %v %v", got, err)
	}
}

// The order service failing while sales are settled is the seckill
// service's own unavailable (the sweeper retries it), never the upstream's
// code or text, and settles nothing.
func TestSettlingWhileTheOrderServiceFailsIsUnavailable(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	ctx := context.Background()
	const product = "p0005"
	if _, err := f.products.SetStock(ctx, connect.NewRequest(&productv1.SetStockRequest{ProductId: product, Stock: 100})); err != nil {
		t.Fatal(err)
	}
	ev, err := f.createEvent(product, 10, -time.Minute, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ended := time.Now().Add(-f.svc.opts.PaymentTimeout - time.Minute)
	if _, err := f.db.NewUpdate().Model((*eventRow)(nil)).Set("starts_at = ?", dbTime(ended.Add(-time.Hour))).Set("ends_at = ?", dbTime(ended)).
		Where("id = ?", ev.GetEventId()).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	f.orders.holdNextList(func() error {
		return rpcerr.New(connect.CodeFailedPrecondition, "ORDERS_LOCKED", "orders: lock wait timeout on buyer_locks")
	})
	client := f.clients["grpc"]
	_, err = client.SettleSales(ctx, testenv.Bearer(f.service, &seckillv1.SettleSalesRequest{}))
	testenv.WantCode(t, err, connect.CodeUnavailable, ReasonUpstreamFailed)
	if strings.Contains(err.Error(), "buyer_locks") {
		t.Fatalf("the order service's text reached the caller: %v", err)
	}
	if available, _, allocated := f.productColumns(t, product); available != 90 || allocated != 10 {
		t.Fatalf("after a failed settling: available %d allocated %d", available, allocated)
	}
	// Once the order service answers, the sale is settled.
	res, err := client.SettleSales(ctx, testenv.Bearer(f.service, &seckillv1.SettleSalesRequest{}))
	if err != nil || !slices.Equal(res.Msg.GetSettledEventIds(), []string{ev.GetEventId()}) || res.Msg.GetReturnedUnits() != 10 {
		t.Fatalf("settle: %v %v", res, err)
	}
}

// "address_id is neither checked as the buyer's nor stored": Purchase
// resolves the address before admission. Another user's id is not found
// (as a made-up one), no address at all is a failed precondition, and
// neither takes anything from the sale; an accepted purchase's record
// carries the chosen (or default) address.
func TestPurchaseResolvesTheBuyersAddressBeforeAdmission(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	ctx := context.Background()
	ev := f.event(t, 5, -time.Minute, time.Hour)
	client := f.clients["connect-json"]
	alice := f.user(t, "u-alice")
	aliceOffice := f.giveAddress(t, "u-alice")
	bob := f.user(t, "u-bob")
	bobHome := f.giveAddress(t, "u-bob")
	carol := f.shopper(t, "u-carol")
	buyAt := func(token, addressID string) error {
		_, err := client.Purchase(ctx, testenv.Bearer(token, &seckillv1.PurchaseRequest{EventId: ev.GetEventId(), AddressId: addressID}))
		return err
	}
	testenv.WantCode(t, buyAt(alice, bobHome), connect.CodeNotFound, ReasonAddressNotFound)
	testenv.WantCode(t, buyAt(carol, ""), connect.CodeFailedPrecondition, ReasonAddressRequired)
	testenv.WantCode(t, buyAt(carol, "a-made-up"), connect.CodeNotFound, ReasonAddressNotFound)
	if left := f.stock(t, ev.GetEventId()); left != 5 {
		t.Fatalf("refused purchases took stock: %d left", left)
	}
	if n, err := f.valkey.Do(ctx, f.valkey.B().Hlen().Key(f.svc.keys(ev.GetEventId()).buyers).Build()).AsInt64(); err != nil || n != 0 {
		t.Fatalf("refused purchases recorded %d buyers (%v)", n, err)
	}
	if err := buyAt(alice, aliceOffice); err != nil {
		t.Fatal(err)
	}
	if err := buyAt(bob, ""); err != nil {
		t.Fatal(err)
	}
	// Alice chose her office; Bob has his default, not his second address.
	want := map[string]string{"u-alice": "文三路 " + aliceOffice, "u-bob": "中山路 100 号 u-bob"}
	records := f.records(t, 2)
	if len(records) != 2 {
		t.Fatalf("records %v", records)
	}
	for _, r := range records {
		if a := r.GetShippingAddress(); a.GetDetail() != want[r.GetUserId()] || a.GetRecipientName() == "" || a.GetPhone() == "" || a.GetCity() == "" {
			t.Fatalf("record of %s carries %v, want the address %q", r.GetUserId(), a, want[r.GetUserId()])
		}
	}
}

// Once a sale is sold out, the refusals cost no address lookup; a unit
// that comes back is still only sold to a buyer whose address resolves.
func TestSoldOutRefusalsDoNotLookUpAddresses(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	ctx := context.Background()
	ev := f.event(t, 1, -time.Minute, time.Hour)
	client := f.clients["grpc"]
	if _, err := f.buy(client, f.user(t, "u-first"), ev.GetEventId()); err != nil {
		t.Fatal(err)
	}
	tokens := make([]string, 30)
	for i := range tokens {
		tokens[i] = f.user(t, fmt.Sprintf("u-late-%02d", i))
	}
	lookups := f.addressLookups.Load()
	for _, token := range tokens {
		_, err := f.buy(client, token, ev.GetEventId())
		testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonSoldOut)
	}
	// The first refusal had looked the address up before it knew.
	if n := f.addressLookups.Load() - lookups; n > 1 {
		t.Fatalf("%d address lookups for 30 sold-out refusals", n)
	}
	// u-first's order expires: the unit is back. A buyer without an address
	// still cannot take it; one with an address can, and their record has it.
	if _, err := f.svc.ReleasePurchase(ctx, connect.NewRequest(&seckillv1.ReleasePurchaseRequest{EventId: ev.GetEventId(), UserId: "u-first", OrderId: "o-first", Quantity: 1})); err != nil {
		t.Fatal(err)
	}
	// (The unit reaches the process's cached stock within moments.)
	homeless := f.shopper(t, "u-homeless")
	var err error
	testenv.Eventually(t, 2*time.Second, "the returned unit seen", func() bool {
		_, err = f.buy(client, homeless, ev.GetEventId())
		return rpcerr.Reason(err) != ReasonSoldOut
	})
	testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonAddressRequired)
	if left := f.stock(t, ev.GetEventId()); left != 1 {
		t.Fatalf("%d left after a refused address", left)
	}
	if _, err := f.buy(client, tokens[0], ev.GetEventId()); err != nil {
		t.Fatal(err)
	}
	records := f.records(t, 2)
	if len(records) != 2 {
		t.Fatalf("records %v", records)
	}
	for _, r := range records {
		if r.GetShippingAddress().GetDetail() != "中山路 100 号 "+r.GetUserId() {
			t.Fatalf("record of %s carries %v", r.GetUserId(), r.GetShippingAddress())
		}
	}
}

// A signed-in shopper who opens the sale's page has their address book
// read then, so their purchase finds it cached and asks the user service
// nothing; an anonymous viewer causes no lookup.
func TestTheSalePageReadsTheViewersAddressAheadOfThePurchase(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	ctx := context.Background()
	ev := f.event(t, 5, -time.Minute, time.Hour)
	client := f.clients["grpc"]
	token := f.user(t, "u-viewer")
	if _, err := client.GetEvent(ctx, connect.NewRequest(&seckillv1.GetEventRequest{EventId: ev.GetEventId()})); err != nil {
		t.Fatal(err)
	}
	if _, err := client.GetEvent(ctx, testenv.Bearer(token, &seckillv1.GetEventRequest{EventId: ev.GetEventId()})); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 30*time.Second, "the viewer's address book read", func() bool { return f.userCalls.Load() == 1 })
	if _, err := f.buy(client, token, ev.GetEventId()); err != nil {
		t.Fatal(err)
	}
	if n := f.userCalls.Load(); n != 1 || f.addressLookups.Load() != 2 {
		t.Fatalf("%d calls to the user service, %d lookups: the purchase did not find the prefetched book", n, f.addressLookups.Load())
	}
	records := f.records(t, 1)
	if len(records) != 1 || records[0].GetShippingAddress().GetDetail() != "中山路 100 号 u-viewer" {
		t.Fatalf("records %v", records)
	}
}

// "Unknown flash-sale ids reach MySQL on every call": a made-up event id,
// asked for again and again (and by many at once) through Purchase,
// GetEvent and GetPurchaseResult, is read from MySQL once.
func TestUnknownEventIDsDoNotReachMySQLRepeatedly(t *testing.T) {
	f := newFixture(t, fixtureOptions{eventTTL: time.Minute})
	ctx := context.Background()
	client := f.clients["grpc"]
	token := f.user(t, "u-prober")
	reads := f.eventReads.Load()
	for range 30 {
		_, err := f.buy(client, token, "ev-made-up")
		testenv.WantCode(t, err, connect.CodeNotFound, ReasonEventNotFound)
		_, err = client.GetEvent(ctx, connect.NewRequest(&seckillv1.GetEventRequest{EventId: "ev-made-up"}))
		testenv.WantCode(t, err, connect.CodeNotFound, ReasonEventNotFound)
		_, err = client.GetPurchaseResult(ctx, testenv.Bearer(token, &seckillv1.GetPurchaseResultRequest{Ticket: newTicket("ev-made-up", "u-prober")}))
		testenv.WantCode(t, err, connect.CodeNotFound, ReasonTicketNotFound)
	}
	if n := f.eventReads.Load() - reads; n != 1 {
		t.Fatalf("%d reads of flash_sale_events for 90 calls naming one unknown id", n)
	}
	reads = f.eventReads.Load()
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			_, err := client.GetEvent(ctx, connect.NewRequest(&seckillv1.GetEventRequest{EventId: "ev-made-up-too"}))
			if connect.CodeOf(err) != connect.CodeNotFound {
				t.Errorf("get: %v", err)
			}
		})
	}
	wg.Wait()
	if n := f.eventReads.Load() - reads; n != 1 {
		t.Fatalf("%d reads of flash_sale_events for 50 concurrent calls naming one unknown id", n)
	}
}

// The id column's collation matches other spellings of a real sale's id
// (case, full width, trailing spaces). Only the id itself names the sale:
// a spelling is an unknown id, read once and then cached as absent, not a
// copy of the sale under a key the caller picks.
func TestSpellingsOfASalesIDAreUnknownIDs(t *testing.T) {
	f := newFixture(t, fixtureOptions{eventTTL: time.Minute})
	ctx := context.Background()
	client := f.clients["connect-json"]
	sale := f.event(t, 10, -time.Minute, time.Hour)
	id := sale.GetEventId()
	fullWidth := strings.Map(func(r rune) rune {
		if r >= '!' && r <= '~' {
			return r + 0xFEE0
		}
		return r
	}, id)
	spellings := []string{strings.ToUpper(id), id + " ", fullWidth}
	reads := f.eventReads.Load()
	for range 10 {
		for _, spelling := range spellings {
			_, err := client.GetEvent(ctx, connect.NewRequest(&seckillv1.GetEventRequest{EventId: spelling}))
			testenv.WantCode(t, err, connect.CodeNotFound, ReasonEventNotFound)
		}
	}
	if n := f.eventReads.Load() - reads; n > int64(len(spellings)) {
		t.Fatalf("%d reads of flash_sale_events for 30 calls naming %d spellings", n, len(spellings))
	}
	if res, err := client.GetEvent(ctx, connect.NewRequest(&seckillv1.GetEventRequest{EventId: id})); err != nil || res.Msg.GetEvent().GetEventId() != id {
		t.Fatalf("the sale itself: %v %v", res, err)
	}
}

// Once a process has seen a sale sold out, and to a buyer whose purchase
// it took, it answers from memory: the admission script does not run (it
// updates the buyer's rate state on every attempt, which stays as it was).
// A unit that comes back is still sold, once.
func TestKnownRefusalsAreAnsweredFromMemory(t *testing.T) {
	// A rate whose state lives for seconds: it shows every script run.
	f := newFixture(t, fixtureOptions{rate: ratelimit.Limit{Burst: 5, Period: time.Minute}})
	ctx := context.Background()
	ev := f.event(t, 2, -time.Minute, time.Hour)
	id := ev.GetEventId()
	client := f.clients["grpc"]
	rateOf := func(user string) string {
		t.Helper()
		v, err := f.valkey.Do(ctx, f.valkey.B().Get().Key(f.svc.keys(id).rate+user).Build()).ToString()
		if err != nil && !valkey.IsValkeyNil(err) {
			t.Fatal(err)
		}
		return v
	}
	first := f.user(t, "u-first")
	if _, err := f.buy(client, first, id); err != nil {
		t.Fatal(err)
	}
	before := rateOf("u-first")
	for range 3 {
		_, err := f.buy(client, first, id)
		testenv.WantCode(t, err, connect.CodeAlreadyExists, ReasonAlreadyPurchased)
	}
	if after := rateOf("u-first"); after != before {
		t.Fatalf("the repeats ran the admission script: rate state %q, then %q", before, after)
	}
	if _, err := f.buy(client, f.user(t, "u-second"), id); err != nil {
		t.Fatal(err)
	}
	// The first refusal after the last unit is the script's; the rest are memory's.
	_, err := f.buy(client, f.user(t, "u-third"), id)
	testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonSoldOut)
	for i := range 20 {
		user := fmt.Sprintf("u-late-%02d", i)
		_, err := f.buy(f.clients[[]string{"grpc", "connect-json"}[i%2]], f.user(t, user), id)
		testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonSoldOut)
		if rateOf(user) != "" {
			t.Fatalf("%s's refusal ran the admission script", user)
		}
	}
	// u-first's order expires: the unit goes back to the sale.
	if _, err := f.svc.ReleasePurchase(ctx, connect.NewRequest(&seckillv1.ReleasePurchaseRequest{EventId: id, UserId: "u-first", OrderId: "o-first", Quantity: 1})); err != nil {
		t.Fatal(err)
	}
	_, err = f.buy(client, first, id)
	testenv.WantCode(t, err, connect.CodeAlreadyExists, ReasonAlreadyPurchased)
	n := 0
	testenv.Eventually(t, 2*time.Second, "the returned unit sold", func() bool {
		n++
		_, err := f.buy(client, f.user(t, fmt.Sprintf("u-back-%02d", n)), id)
		if err != nil && rpcerr.Reason(err) != ReasonSoldOut {
			t.Fatal(err)
		}
		return err == nil
	})
	for i := range 5 {
		_, err := f.buy(client, f.user(t, fmt.Sprintf("u-after-%02d", i)), id)
		testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonSoldOut)
	}
	if left := f.stock(t, id); left != 0 {
		t.Fatalf("%d left", left)
	}
	if records := f.records(t, 3); len(records) != 3 {
		t.Fatalf("%d purchases written for 2 units and 1 returned", len(records))
	}
}

// A process keeps the buyers it took only while their sale runs, and a
// bounded number per sale.
func TestKnownBuyersAreForgottenWhenTheirSaleEnds(t *testing.T) {
	now := time.Now()
	var k knownBuyers
	ended := &eventRow{ID: "ev-ended", EndsAt: now.Add(time.Minute)}
	k.add(ended, "u1", now)
	if !k.has("ev-ended", "u1") || k.has("ev-ended", "u2") || k.has("ev-other", "u1") {
		t.Fatal("has does not answer what add was told")
	}
	live := &eventRow{ID: "ev-live", EndsAt: now.Add(time.Hour)}
	k.add(live, "u1", now.Add(2*time.Minute))
	if k.has("ev-ended", "u1") || !k.has("ev-live", "u1") {
		t.Fatal("the ended sale's buyers outlived it")
	}
	for i := range maxKnownBuyers + 10 {
		k.add(live, fmt.Sprint("b", i), now)
	}
	kept := 0
	sale, _ := k.sales.Load("ev-live")
	sale.(*saleBuyers).users.Range(func(any, any) bool { kept++; return true })
	if n := kept; n != maxKnownBuyers {
		t.Fatalf("%d buyers kept, at most %d", n, maxKnownBuyers)
	}
}
