package order

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"

	orderv1 "mall/gen/mall/order/v1"
	"mall/services/platform/ratelimit"
	"mall/services/platform/rpcerr"
	"mall/services/platform/testenv"
	"mall/workflows/checkout"
)

// Fifty sagas of one buyer creating their orders at the same moment: the
// caps hold exactly (the buyer's lock queues them), and another buyer is
// not affected. Each order holds 3 units (orderRequest).
func TestUnpaidCapsAreExactUnderConcurrentOrders(t *testing.T) {
	testenv.Integration(t) // every case reaches the servers: -short skips the test, not each case
	for _, tc := range []struct {
		name       string
		maxOrders  int
		maxUnits   int64
		wantOrders int
		wantReason string
		wantLimit  string
	}{
		{"orders cap", 4, 1000, 4, ReasonUnpaidOrdersLimit, "4"},
		{"units cap", 1000, 10, 3, ReasonUnpaidUnitsLimit, "10"}, // 3 x 3 units fit in 10, a fourth does not
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, func(o *Options) { o.MaxUnpaidOrders, o.MaxUnpaidUnits = tc.maxOrders, tc.maxUnits })
			client := f.clients["grpc"]
			buyer, _ := f.user(t)
			var wg sync.WaitGroup
			var mu sync.Mutex
			created, refused := 0, 0
			for i := range 50 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := client.CreateOrder(context.Background(), testenv.Bearer(f.service, orderRequest(buyer, fmt.Sprintf("o-cap-%s-%d", buyer, i))))
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						created++
					case connect.CodeOf(err) == connect.CodeFailedPrecondition:
						testenv.WantCode(t, err, connect.CodeFailedPrecondition, tc.wantReason)
						if md := rpcerr.Metadata(err); md["limit"] != tc.wantLimit {
							t.Errorf("refusal metadata %v, want limit %s", md, tc.wantLimit)
						}
						refused++
					default:
						t.Errorf("create: %v", err)
					}
				}()
			}
			wg.Wait()
			orders, units, err := unpaidHoldings(context.Background(), f.db, buyer)
			if err != nil {
				t.Fatal(err)
			}
			if created != tc.wantOrders || refused != 50-tc.wantOrders || orders != int64(tc.wantOrders) || units != int64(3*tc.wantOrders) {
				t.Fatalf("created %d, refused %d, holding %d orders of %d units; want %d orders", created, refused, orders, units, tc.wantOrders)
			}
			// A repeat of a created order is still answered (it is not a new order).
			again, err := client.CreateOrder(context.Background(), testenv.Bearer(f.service, orderRequest(buyer, fmt.Sprintf("o-cap-%s-%d", buyer, 0))))
			if err == nil && again.Msg.GetCreated() {
				t.Fatal("a repeat created an order")
			}
			// Another buyer has a budget of their own.
			other, _ := f.user(t)
			f.createOrder(t, client, other, "o-cap-other-"+other)
		})
	}
}

// At the cap, Checkout refuses at once with resource_exhausted and starts
// no saga; a retry of a checkout started before still gets its order; once
// an order is paid, the buyer may check out again.
func TestCheckoutIsRefusedAtTheUnpaidCap(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.MaxUnpaidOrders = 2 })
	ctx := context.Background()
	for name, client := range f.clients {
		t.Run(name, func(t *testing.T) {
			buyer, token := f.user(t)
			earlier := "req-early-" + testenv.RandomID(6)
			if _, err := client.Checkout(ctx, testenv.Bearer(token, cartCheckout(earlier, "p0001"))); err != nil {
				t.Fatal(err)
			}
			// Its saga has run once the status query is answered, so the
			// count of runs below is settled.
			if _, err := client.GetCheckout(ctx, testenv.Bearer(token, &orderv1.GetCheckoutRequest{OrderId: checkout.OrderID(buyer, earlier)})); err != nil {
				t.Fatal(err)
			}
			first := f.createOrder(t, client, buyer, "o-first-"+buyer)
			f.createOrder(t, client, buyer, "o-second-"+buyer)
			before := f.saga.total()

			refusedID := "req-late-" + testenv.RandomID(6)
			_, err := client.Checkout(ctx, testenv.Bearer(token, cartCheckout(refusedID, "p0002")))
			testenv.WantCode(t, err, connect.CodeResourceExhausted, ReasonUnpaidOrdersLimit)
			// The refusal names the cap and what the buyer holds, for the page to word.
			if md := rpcerr.Metadata(err); md["limit"] != "2" || md["current"] != "2" {
				t.Fatalf("unpaid orders limit metadata %v", md)
			}
			_, err = client.Checkout(ctx, testenv.Bearer(token, &orderv1.CheckoutRequest{RequestId: "req-buy-" + testenv.RandomID(6), AddressId: "a-home",
				Items: &orderv1.CheckoutRequest_BuyNow{BuyNow: &orderv1.BuyNowItem{ProductId: "p0003", Quantity: 1}}}))
			testenv.WantCode(t, err, connect.CodeResourceExhausted, ReasonUnpaidOrdersLimit)
			if _, err := f.temporal.DescribeWorkflow(ctx, checkout.WorkflowID(checkout.OrderID(buyer, refusedID)), ""); !isWorkflowNotFound(err) {
				t.Fatalf("a refused checkout started a saga: %v", err)
			}
			again, err := client.Checkout(ctx, testenv.Bearer(token, cartCheckout(earlier, "p0001")))
			if err != nil || again.Msg.GetOrderId() != checkout.OrderID(buyer, earlier) {
				t.Fatalf("retry of an earlier checkout: %v %v", again, err)
			}
			if started := f.saga.total() - before; started != 0 {
				t.Fatalf("%d sagas started at the cap", started)
			}

			f.transition(t, client, first.GetOrderId(), orderv1.OrderStatus_ORDER_STATUS_PAID, "paid")
			if _, err := client.Checkout(ctx, testenv.Bearer(token, cartCheckout("req-after-"+testenv.RandomID(6), "p0002"))); err != nil {
				t.Fatalf("after paying an order: %v", err)
			}
		})
	}
}

// One buyer starting checkouts in a burst is paced; another is not.
func TestCheckoutsArePacedPerBuyer(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.CheckoutLimit = ratelimit.Limit{Burst: 3, Period: time.Hour} })
	ctx := context.Background()
	client := f.clients["connect-json"]
	_, token := f.user(t)
	for i := range 3 {
		if _, err := client.Checkout(ctx, testenv.Bearer(token, cartCheckout(fmt.Sprintf("req-pace-%d-%s", i, testenv.RandomID(4)), "p0001"))); err != nil {
			t.Fatalf("checkout %d: %v", i, err)
		}
	}
	_, err := client.Checkout(ctx, testenv.Bearer(token, cartCheckout("req-pace-over-"+testenv.RandomID(4), "p0001")))
	testenv.WantCode(t, err, connect.CodeResourceExhausted, ratelimit.ReasonRateLimited)
	_, other := f.user(t)
	if _, err := client.Checkout(ctx, testenv.Bearer(other, cartCheckout("req-pace-other-"+testenv.RandomID(4), "p0001"))); err != nil {
		t.Fatalf("another buyer: %v", err)
	}
}

// A request id reused for a different checkout is refused and starts
// nothing; the same request (cart products in another order) is the same
// checkout.
func TestARequestIDReusedForAnotherCheckoutIsRefused(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	client := f.clients["grpc"]
	buyer, token := f.user(t)
	requestID := "req-reuse-" + testenv.RandomID(6)
	buyNow := func(product string, quantity int32, address string) *orderv1.CheckoutRequest {
		return &orderv1.CheckoutRequest{RequestId: requestID, AddressId: address,
			Items: &orderv1.CheckoutRequest_BuyNow{BuyNow: &orderv1.BuyNowItem{ProductId: product, Quantity: quantity}}}
	}
	if _, err := client.Checkout(ctx, testenv.Bearer(token, buyNow("p0001", 1, "a-home"))); err != nil {
		t.Fatal(err)
	}
	for name, req := range map[string]*orderv1.CheckoutRequest{
		"more units":      buyNow("p0001", 50, "a-home"),
		"another product": buyNow("p0002", 1, "a-home"),
		"another address": buyNow("p0001", 1, "a-work"),
		"the cart":        cartCheckout(requestID, "p0001"),
	} {
		_, err := client.Checkout(ctx, testenv.Bearer(token, req))
		if connect.CodeOf(err) != connect.CodeAlreadyExists {
			t.Errorf("%s: %v, want already_exists", name, err)
		}
	}
	if runs := f.saga.runsOf(checkout.WorkflowID(checkout.OrderID(buyer, requestID))); runs != 1 {
		t.Fatalf("%d runs of the checkout", runs)
	}
	if res, err := client.Checkout(ctx, testenv.Bearer(token, buyNow("p0001", 1, "a-home"))); err != nil || res.Msg.GetOrderId() != checkout.OrderID(buyer, requestID) {
		t.Fatalf("the same request again: %v %v", res, err)
	}
}
