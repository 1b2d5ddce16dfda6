package app_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"

	orderv1 "mall/gen/mall/order/v1"
	"mall/services/order"
	"mall/services/platform/ratelimit"
	"mall/services/platform/rpcerr"
	"mall/services/platform/testenv"
)

// The hoarding attack: one buyer checks out a product over and over, at
// once, to take its stock off the shelf without paying. With the caps at 3
// unpaid orders and 5 units, through the real saga: at most 3 orders wait
// for payment holding at most 5 units; every other checkout is refused
// with its reason (at once, or by the saga, which then releases what it
// reserved); the product's stock is conserved.
func TestOneBuyerCannotHoardAProductsStock(t *testing.T) {
	m := startMallWithWorker(t, 10*time.Minute, func(cfg *appConfig) {
		cfg.MaxUnpaidOrders, cfg.MaxUnpaidUnits = 3, 5
		cfg.CheckoutLimit = ratelimit.Limit{Burst: 1000, Period: time.Minute}
	})
	ctx := context.Background()
	const product = "p0171"
	token := m.shopper(t, "hoarder")
	address := m.defaultAddress(t, token)
	before := m.stockOf(t, product)

	var wg sync.WaitGroup
	var mu sync.Mutex
	var started []string
	refusedAtOnce := 0
	for i := range 20 {
		wg.Go(func() {
			res, err := m.orders.Checkout(ctx, testenv.Bearer(token, &orderv1.CheckoutRequest{
				RequestId: fmt.Sprintf("hoard-%03d", i), AddressId: address,
				Items: &orderv1.CheckoutRequest_BuyNow{BuyNow: &orderv1.BuyNowItem{ProductId: product, Quantity: int32(1 + i%2)}}}))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if connect.CodeOf(err) != connect.CodeResourceExhausted {
					t.Errorf("checkout %d: %v", i, err)
				}
				refusedAtOnce++
				return
			}
			started = append(started, res.Msg.GetOrderId())
		})
	}
	wg.Wait()

	// Every started checkout ends: an order awaiting payment, or a failure
	// that names the cap.
	var pending []*orderv1.Order
	for _, orderID := range started {
		var state *orderv1.GetCheckoutResponse
		var lastErr error
		testenv.Eventually(t, 60*time.Second, "checkout "+orderID+" ended", func() bool {
			res, err := m.orders.GetCheckout(ctx, testenv.Bearer(token, &orderv1.GetCheckoutRequest{OrderId: orderID}))
			if err != nil {
				if fmt.Sprint(err) != fmt.Sprint(lastErr) {
					t.Logf("checkout %s: %v", orderID, err)
				}
				lastErr = err
				return false
			}
			if res.Msg.GetState() == orderv1.CheckoutState_CHECKOUT_STATE_PROCESSING {
				return false
			}
			state = res.Msg
			return true
		})
		switch state.GetState() {
		case orderv1.CheckoutState_CHECKOUT_STATE_ORDER_CREATED:
			pending = append(pending, state.GetOrder())
		case orderv1.CheckoutState_CHECKOUT_STATE_FAILED:
			if state.GetFailureReason() == "" {
				t.Errorf("checkout %s failed without a reason", orderID)
			}
		}
	}
	units := int64(0)
	for _, o := range pending {
		if o.GetStatus() != orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT {
			t.Errorf("order %s is %v", o.GetOrderId(), o.GetStatus())
		}
		for _, line := range o.GetLines() {
			units += int64(line.GetQuantity())
		}
	}
	if len(pending) == 0 || len(pending) > 3 || units > 5 {
		t.Fatalf("%d orders wait for payment holding %d units; the caps are 3 orders and 5 units", len(pending), units)
	}
	// The failed sagas released what they reserved: only the waiting
	// orders hold stock, and nothing was created or lost.
	seen := int64(-1)
	testenv.Eventually(t, 60*time.Second, fmt.Sprintf("%d units reserved", before.reserved+units), func() bool {
		reserved := m.stockOf(t, product).reserved
		if reserved != seen && reserved != before.reserved+units {
			t.Logf("reserved %d, want %d", reserved, before.reserved+units)
		}
		seen = reserved
		return reserved == before.reserved+units
	})
	after := m.stockOf(t, product)
	if after.available+after.reserved+after.sold != before.available+before.reserved+before.sold {
		t.Fatalf("stock not conserved: %+v -> %+v", before, after)
	}
	t.Logf("%d checkouts refused at once, %d started, %d orders holding %d units", refusedAtOnce, len(started), len(pending), units)

	// The same buyer asking once more is refused at once, with the reason.
	_, err := m.orders.Checkout(ctx, testenv.Bearer(token, &orderv1.CheckoutRequest{RequestId: "hoard-again", AddressId: address,
		Items: &orderv1.CheckoutRequest_BuyNow{BuyNow: &orderv1.BuyNowItem{ProductId: product, Quantity: 1}}}))
	if reason := rpcerr.Reason(err); connect.CodeOf(err) != connect.CodeResourceExhausted ||
		(reason != order.ReasonUnpaidOrdersLimit && reason != order.ReasonUnpaidUnitsLimit) {
		t.Fatalf("at the cap: %v (reason %q)", err, reason)
	}
}
