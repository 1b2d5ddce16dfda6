package app_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
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
)

// conserved fails the test unless the product's available + reserved +
// sold + allocated stock is initial and no column is negative.
func (m *mall) conserved(t *testing.T, productID string, initial int64, when string) stock {
	t.Helper()
	s := m.stockOf(t, productID)
	if s.available < 0 || s.reserved < 0 || s.sold < 0 || s.allocated < 0 || s.available+s.reserved+s.sold+s.allocated != initial {
		t.Fatalf("%s: available %d + reserved %d + sold %d + allocated %d, want %d in all", when, s.available, s.reserved, s.sold, s.allocated, initial)
	}
	return s
}

// "Regular checkout and the sale sell the same physical units twice": a
// product's stock is shared by checkouts and flash sales created while
// they run, neither sells more than the product has, and every unit stays
// in exactly one of available, reserved, sold and allocated through every
// outcome: flash orders paid, refunded, cancelled by their buyers (the
// unit sells again), expired, checkouts paid and cancelled, and the sales
// settled once they can sell no more (what they did not sell is back).
// Flash orders ship to the buyer's address; addresses that are not the
// buyer's, or none, are refused before the sale is touched.
func TestFlashSalesAndCheckoutsShareOneProductsStock(t *testing.T) {
	const (
		product      = "p0150"
		productStock = 20
		saleUnits    = 8
		secondSale   = 6
		shoppers     = 14
		flashBuyers  = 30
		saleLasts    = 30 * time.Second
		payWithin    = 20 * time.Second
	)
	m, provider := startMallWithPaysim(t, 5*time.Minute, paysim.Options{}, func(cfg *appConfig) {
		cfg.FlashPaymentTimeout, cfg.FlashSweepInterval = payWithin, time.Second
	})
	m.startWriter(t)
	ctx := context.Background()
	if err := app.StartSweeper(ctx, m.deps, m.temporal); err != nil {
		t.Fatal(err)
	}
	flash := seckillv1connect.NewSeckillServiceClient(rpcclient.HTTPClient(), m.url, connect.WithGRPC())
	shopperTokens := make([]string, shoppers)
	addresses := make([]string, shoppers)
	for i := range shoppers {
		shopperTokens[i] = m.shopper(t, fmt.Sprintf("share_%02d", i))
		addresses[i] = m.defaultAddress(t, shopperTokens[i])
	}
	// Flash buyers: minted tokens with a default address.
	buyerIDs := make([]string, flashBuyers+2)
	tokens := map[string]string{}
	for i := range buyerIDs {
		buyerIDs[i] = fmt.Sprintf("u-share-%02d", i)
		tokens[buyerIDs[i]] = testenv.Token(t, m.deps.Keys, buyerIDs[i], auth.RoleUser)
	}
	giveAddresses(t, m.deps, buyerIDs...)

	if _, err := m.products.SetStock(ctx, testenv.Bearer(m.admin, &productv1.SetStockRequest{ProductId: product, Stock: productStock})); err != nil {
		t.Fatal(err)
	}
	initial := m.stockOf(t, product)
	total := initial.available + initial.reserved + initial.sold + initial.allocated
	salesBefore := m.salesCount(t, product)

	// A sale cannot take more than is available.
	_, err := flash.CreateEvent(ctx, testenv.Bearer(m.admin, &seckillv1.CreateEventRequest{ProductId: product, PriceCents: 100,
		Stock: 1000000, PerUserLimit: 1, StartsAt: timestamppb.New(time.Now()), EndsAt: timestamppb.New(time.Now().Add(time.Hour))}))
	testenv.WantCode(t, err, connect.CodeFailedPrecondition, seckill.ReasonNotEnoughStock)
	m.conserved(t, product, total, "after a refused sale")

	saleID := m.flashSaleOf(t, flash, product, saleUnits, saleLasts)
	if s := m.conserved(t, product, total, "after the sale"); s.allocated != saleUnits || s.available != productStock-saleUnits {
		t.Fatalf("the sale did not take its units: %+v", s)
	}
	remaining := func(eventID string) int64 {
		t.Helper()
		ev, err := flash.GetEvent(ctx, connect.NewRequest(&seckillv1.GetEventRequest{EventId: eventID}))
		if err != nil {
			t.Fatal(err)
		}
		return ev.Msg.GetEvent().GetRemainingStock()
	}
	purchase := func(buyer, addressID string) (string, error) {
		res, err := flash.Purchase(ctx, testenv.Bearer(tokens[buyer], &seckillv1.PurchaseRequest{EventId: saleID, AddressId: addressID}))
		if err != nil {
			return "", err
		}
		return res.Msg.GetTicket(), nil
	}
	// Another buyer's address, or none at all: refused, and the sale keeps its units.
	_, err = purchase(buyerIDs[0], "a-"+buyerIDs[1])
	testenv.WantCode(t, err, connect.CodeNotFound, seckill.ReasonAddressNotFound)
	homeless := testenv.Token(t, m.deps.Keys, "u-share-homeless", auth.RoleUser)
	_, err = flash.Purchase(ctx, testenv.Bearer(homeless, &seckillv1.PurchaseRequest{EventId: saleID}))
	testenv.WantCode(t, err, connect.CodeFailedPrecondition, seckill.ReasonAddressRequired)
	if left := remaining(saleID); left != saleUnits {
		t.Fatalf("refused purchases took units: %d left of %d", left, saleUnits)
	}

	// Checkouts, a second sale and the flash buyers, all at once.
	var wg sync.WaitGroup
	var mu sync.Mutex
	checkouts := make([]string, shoppers)
	tickets := map[string]string{}
	var second string
	wg.Go(func() {
		res, err := flash.CreateEvent(ctx, testenv.Bearer(m.admin, &seckillv1.CreateEventRequest{ProductId: product, PriceCents: 100,
			Stock: secondSale, PerUserLimit: 1, StartsAt: timestamppb.New(time.Now()), EndsAt: timestamppb.New(time.Now().Add(saleLasts))}))
		switch {
		case err == nil:
			second = res.Msg.GetEvent().GetEventId()
		case connect.CodeOf(err) != connect.CodeFailedPrecondition:
			t.Errorf("second sale: %v", err)
		}
	})
	for i := range shoppers {
		wg.Go(func() {
			res, err := m.orders.Checkout(ctx, testenv.Bearer(shopperTokens[i], &orderv1.CheckoutRequest{RequestId: fmt.Sprintf("share-%02d", i),
				AddressId: addresses[i], Items: &orderv1.CheckoutRequest_BuyNow{BuyNow: &orderv1.BuyNowItem{ProductId: product, Quantity: 1}}}))
			if err != nil {
				t.Errorf("checkout %d: %v", i, err)
				return
			}
			checkouts[i] = res.Msg.GetOrderId()
		})
	}
	for _, buyer := range buyerIDs[:flashBuyers] {
		wg.Go(func() {
			ticket, err := purchase(buyer, "")
			if err != nil && rpcerr.Reason(err) != seckill.ReasonSoldOut {
				t.Errorf("purchase of %s: %v", buyer, err)
			}
			if err == nil {
				mu.Lock()
				tickets[buyer] = ticket
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	if len(tickets) != saleUnits {
		t.Fatalf("%d purchases accepted for %d units", len(tickets), saleUnits)
	}

	// The sale's orders, each shipping to its buyer's address.
	orderOf := func(buyer string) *orderv1.Order {
		t.Helper()
		var o *orderv1.Order
		seen := ""
		testenv.Eventually(t, 60*time.Second, "an order for "+buyer+"'s purchase", func() bool {
			res, err := flash.GetPurchaseResult(ctx, testenv.Bearer(tokens[buyer], &seckillv1.GetPurchaseResultRequest{Ticket: tickets[buyer]}))
			if err == nil && res.Msg.GetState() == seckillv1.PurchaseState_PURCHASE_STATE_ORDER_CREATED {
				var got *connect.Response[orderv1.GetOrderResponse]
				if got, err = m.orders.GetOrder(ctx, testenv.Bearer(tokens[buyer], &orderv1.GetOrderRequest{OrderId: res.Msg.GetOrderId()})); err == nil {
					o = got.Msg.GetOrder()
					return true
				}
			}
			now := fmt.Sprint(err)
			if err == nil {
				now = res.Msg.GetState().String()
			}
			if now != seen {
				seen = now
				t.Logf("%s's purchase: %s", buyer, now)
			}
			return false
		})
		return o
	}
	var winners []string
	orders := map[string]*orderv1.Order{}
	for buyer := range tickets {
		winners = append(winners, buyer)
		orders[buyer] = orderOf(buyer)
		if a := orders[buyer].GetShippingAddress(); a.GetRecipientName() != "买家" || a.GetCity() != "南京" || a.GetDetail() != "中山路 100 号 "+buyer {
			t.Fatalf("%s's flash order ships to %v", buyer, a)
		}
	}
	paid, refunded, cancelled := winners[0:2], winners[2], winners[3:5]

	// Three pay through the provider (within their payment window).
	for _, buyer := range append(slices.Clone(paid), refunded) {
		if err := m.payAsCustomer(ctx, provider, tokens[buyer], orders[buyer].GetOrderId()); err != nil {
			t.Fatal(err)
		}
		m.waitStatus(t, tokens[buyer], orders[buyer].GetOrderId(), orderv1.OrderStatus_ORDER_STATUS_PAID)
	}
	m.conserved(t, product, total, "after the payments")

	// Two buyers cancel before paying: their units sell again, to others.
	for _, buyer := range cancelled {
		for range 2 {
			res, err := m.orders.CancelOrder(ctx, testenv.Bearer(tokens[buyer], &orderv1.CancelOrderRequest{OrderId: orders[buyer].GetOrderId()}))
			if err != nil || res.Msg.GetOrder().GetStatus() != orderv1.OrderStatus_ORDER_STATUS_CANCELLED {
				t.Fatalf("%s cancels: %v %v", buyer, res, err)
			}
		}
	}
	_, err = m.orders.CancelOrder(ctx, testenv.Bearer(tokens[cancelled[0]], &orderv1.CancelOrderRequest{OrderId: orders[paid[0]].GetOrderId()}))
	testenv.WantCode(t, err, connect.CodeNotFound, "")
	if left := remaining(saleID); left != 2 {
		t.Fatalf("%d units back in the sale after two cancels, want 2", left)
	}
	m.conserved(t, product, total, "after the buyers' cancels")
	_, err = purchase(cancelled[0], "")
	testenv.WantCode(t, err, connect.CodeAlreadyExists, seckill.ReasonAlreadyPurchased)
	for _, buyer := range buyerIDs[flashBuyers:] {
		if tickets[buyer], err = purchase(buyer, ""); err != nil {
			t.Fatalf("%s buys a unit that came back: %v", buyer, err)
		}
		winners = append(winners, buyer)
		orders[buyer] = orderOf(buyer)
	}

	// One of the paid buyers cancels: refunded, the unit is available again.
	if _, err := m.orders.CancelOrder(ctx, testenv.Bearer(tokens[refunded], &orderv1.CancelOrderRequest{OrderId: orders[refunded].GetOrderId()})); err != nil {
		t.Fatal(err)
	}
	m.waitStatus(t, tokens[refunded], orders[refunded].GetOrderId(), orderv1.OrderStatus_ORDER_STATUS_REFUNDED)

	// Every checkout has ended: an order (stock reserved) or out of stock.
	var placed []int
	for i, orderID := range checkouts {
		var lastErr error
		testenv.Eventually(t, 60*time.Second, fmt.Sprintf("checkout %d ended", i), func() bool {
			got, err := m.orders.GetCheckout(ctx, testenv.Bearer(shopperTokens[i], &orderv1.GetCheckoutRequest{OrderId: orderID}))
			if err != nil {
				if fmt.Sprint(err) != fmt.Sprint(lastErr) {
					t.Logf("checkout %d: %v", i, err)
				}
				lastErr = err
				return false
			}
			switch got.Msg.GetState() {
			case orderv1.CheckoutState_CHECKOUT_STATE_ORDER_CREATED:
				placed = append(placed, i)
				return true
			case orderv1.CheckoutState_CHECKOUT_STATE_FAILED:
				return true
			}
			return false
		})
	}
	secondUnits := int64(0)
	if second != "" {
		secondUnits = secondSale
	}
	t.Logf("%d of %d checkouts placed; second sale of %d created: %t", len(placed), shoppers, secondSale, second != "")
	if s := m.conserved(t, product, total, "after the refund"); s.reserved != int64(len(placed)) || s.sold != 2 ||
		s.allocated != saleUnits+secondUnits-3 || int64(len(placed))+secondUnits > productStock-saleUnits {
		t.Fatalf("%d checkouts placed, second sale %q: %+v", len(placed), second, s)
	}

	// Half the checkouts are paid, the others cancelled.
	regularPaid := 0
	for n, i := range placed {
		if n%2 == 0 {
			m.pay(t, checkouts[i])
			m.waitStatus(t, shopperTokens[i], checkouts[i], orderv1.OrderStatus_ORDER_STATUS_PAID)
			regularPaid++
			continue
		}
		if _, err := m.orders.CancelOrder(ctx, testenv.Bearer(shopperTokens[i], &orderv1.CancelOrderRequest{OrderId: checkouts[i]})); err != nil {
			t.Fatal(err)
		}
		m.waitStatus(t, shopperTokens[i], checkouts[i], orderv1.OrderStatus_ORDER_STATUS_CANCELLED)
	}
	m.conserved(t, product, total, "after the checkouts' outcomes")

	// The other flash orders expire; once no order can be paid, the sales
	// are settled and what they did not sell is available again.
	for _, buyer := range winners[5:] {
		m.waitStatusWithin(t, tokens[buyer], orders[buyer].GetOrderId(), orderv1.OrderStatus_ORDER_STATUS_CANCELLED, 2*time.Minute)
	}
	m.conserved(t, product, total, "after the expiries")
	var seen stock
	testenv.Eventually(t, 2*time.Minute, "the sales settled (nothing allocated)", func() bool {
		s := m.stockOf(t, product)
		if s.allocated != 0 && s != seen {
			t.Logf("not settled: %+v", s)
		}
		seen = s
		return s.allocated == 0
	})
	sold := int64(regularPaid + len(paid))
	if s := m.conserved(t, product, total, "after settling"); s.sold != sold || s.reserved != 0 || s.available != total-sold {
		t.Fatalf("after settling: %+v, want %d sold", s, sold)
	}
	if got := m.salesCount(t, product); got != salesBefore+sold {
		t.Fatalf("sales count %d, want %d + %d", got, salesBefore, sold)
	}
	// Settled once: settling again gives nothing back.
	again, err := flash.SettleSales(ctx, testenv.Bearer(testenv.Token(t, m.deps.Keys, "sweeper", auth.RoleService), &seckillv1.SettleSalesRequest{}))
	if err != nil || len(again.Msg.GetSettledEventIds()) != 0 || again.Msg.GetReturnedUnits() != 0 {
		t.Fatalf("settling again: %v %v", again, err)
	}
	if s := m.conserved(t, product, total, "after settling again"); s.available != total-sold {
		t.Fatalf("settling again moved stock: %+v", s)
	}
}

// The seed's demo sales take their units from the demo catalog, once.
func TestTheSeedAllocatesTheDemoSalesOnce(t *testing.T) {
	_, deps := startApp(t)
	m := &mall{deps: deps}
	after := map[string]stock{}
	for _, sale := range seckill.DemoSales() {
		after[sale.ProductID] = m.stockOf(t, sale.ProductID)
		if after[sale.ProductID].allocated != sale.Units {
			t.Fatalf("%s of %s: %+v", sale.EventID, sale.ProductID, after[sale.ProductID])
		}
	}
	if _, err := app.Seed(context.Background(), deps.Config, testenv.Logger()); err != nil {
		t.Fatal(err)
	}
	for id, s := range after {
		if got := m.stockOf(t, id); got != s {
			t.Fatalf("reseeding moved %s's stock: %+v, was %+v", id, got, s)
		}
	}
}
