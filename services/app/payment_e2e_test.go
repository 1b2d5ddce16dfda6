package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	orderv1 "mall/gen/mall/order/v1"
	payv1 "mall/gen/mall/pay/v1"
	payprovider "mall/services/pay/provider"
	"mall/services/paysim"
	"mall/services/platform/testenv"
	"mall/workflows/payment"
)

// startMallWithPaysim runs the whole mall with a worker against a payment
// simulator with the given faults, and returns the merchant's provider client.
func startMallWithPaysim(t *testing.T, paymentTimeout time.Duration, faults paysim.Options, mutate ...func(*appConfig)) (*mall, *paysim.Client) {
	t.Helper()
	m, p := startMallWithProvider(t, paymentTimeout, faults, mutate...)
	return m, p.client
}

// provider is the simulator the mall pays through in a test: its merchant
// client, a count of the merchant API calls it answered, and an outage of
// its refunds the test can switch on and off.
type provider struct {
	sim         *paysim.Simulator
	api         http.Handler // the simulator's
	client      *paysim.Client
	refundsDown atomic.Bool // refunds answer 503 while set

	mu    sync.Mutex
	calls map[string]int // "GET /v1/charges/ch_..." -> calls
}

// callsTo is how many calls of method on path the provider has had.
func (p *provider) callsTo(method, path string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls[method+" "+path]
}

func (p *provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.calls[r.Method+" "+r.URL.Path]++
	p.mu.Unlock()
	if p.refundsDown.Load() && r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/refunds") {
		http.Error(w, `{"error":{"code":"unavailable","message":"refunds are down"}}`, http.StatusServiceUnavailable)
		return
	}
	p.api.ServeHTTP(w, r)
}

// startMallWithProvider is startMallWithPaysim with the provider's controls.
func startMallWithProvider(t *testing.T, paymentTimeout time.Duration, faults paysim.Options, mutate ...func(*appConfig)) (*mall, *provider) {
	t.Helper()
	faults.APIKey, faults.WebhookSecret = "sk_e2e", []byte(e2eWebhookSecret)
	faults.RetryMax, faults.Logger = time.Second, testenv.Logger()
	sim := paysim.New(faults)
	p := &provider{sim: sim, api: sim.Handler(), calls: map[string]int{}}
	simServer := httptest.NewServer(p)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = p.sim.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done; simServer.Close() })
	m := startMallWithWorker(t, paymentTimeout, append([]func(*appConfig){func(cfg *appConfig) {
		cfg.ProviderURL, cfg.ProviderAPIKey, cfg.ProviderWebhookSecret = simServer.URL, "sk_e2e", e2eWebhookSecret
		cfg.ProviderPollInterval = 2 * time.Second
	}}, mutate...)...)
	p.client = paysim.NewClient(simServer.URL, "sk_e2e")
	return m, p
}

// e2eWebhookSecret signs the simulator's webhooks (and a forger's).
const e2eWebhookSecret = "whsec_e2e"

// buyNow checks out one unit of product for token and waits for the order.
func (m *mall) buyNow(ctx context.Context, token, addressID, product, requestID string) (*orderv1.Order, error) {
	res, err := m.orders.Checkout(ctx, testenv.Bearer(token, &orderv1.CheckoutRequest{RequestId: requestID, AddressId: addressID,
		Items: &orderv1.CheckoutRequest_BuyNow{BuyNow: &orderv1.BuyNowItem{ProductId: product, Quantity: 1}}}))
	if err != nil {
		return nil, err
	}
	return m.waitOrder(ctx, token, res.Msg.GetOrderId(), orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT, time.Minute)
}

// payAsCustomer calls Pay and approves on the provider's page, again after
// each (simulated) decline, until the payment succeeds.
func (m *mall) payAsCustomer(ctx context.Context, provider *paysim.Client, token, orderID string) error {
	for attempt := 1; attempt <= 8; attempt++ {
		res, err := m.pays.Pay(ctx, testenv.Bearer(token, &payv1.PayRequest{OrderId: orderID}))
		if err != nil {
			return fmt.Errorf("pay %s: %w", orderID, err)
		}
		p := res.Msg.GetPayment()
		if p.GetPayUrl() == "" || p.GetProviderChargeId() == "" || p.GetStatus() != payv1.PaymentStatus_PAYMENT_STATUS_PENDING {
			return fmt.Errorf("pay %s answered %v", orderID, p)
		}
		charge, err := provider.SimulateCustomer(ctx, p.GetProviderChargeId(), true)
		if err != nil {
			return err
		}
		if charge.Status == payprovider.ChargeSucceeded {
			return nil
		}
		// Declined: Pay again once the workflow has recorded the decline.
		// This runs on the shoppers' goroutines too, hence Poll.
		var status payv1.PaymentStatus
		var lastErr error
		if !testenv.Poll(60*time.Second, func() bool {
			got, err := m.pays.GetPayment(ctx, testenv.Bearer(token, &payv1.GetPaymentRequest{Lookup: &payv1.GetPaymentRequest_PaymentId{PaymentId: p.GetPaymentId()}}))
			if lastErr = err; err != nil {
				return false
			}
			status = got.Msg.GetPayment().GetStatus()
			return status == payv1.PaymentStatus_PAYMENT_STATUS_DECLINED
		}) {
			return fmt.Errorf("decline of %s never recorded (last: %v, %v)", p.GetPaymentId(), status, lastErr)
		}
	}
	return fmt.Errorf("order %s declined 8 times", orderID)
}

// TestPaymentsUnderProviderFaults runs 200 orders through checkout and the
// payment saga against a provider that declines 20 % of approvals,
// duplicates and reorders webhooks and loses 10 % of them. Buyers pay (and
// retry after declines), pay and then cancel twice (refund), or abandon the
// order (before or after a declined attempt). Every order must end PAID,
// REFUNDED or CANCELLED as its buyer's behaviour says; the provider's
// ledger must show exactly one charge per paid order, a refund for each
// refunded one and no money kept for a cancelled one; no payment may stay
// pending; the stock of every product must be conserved.
func TestPaymentsUnderProviderFaults(t *testing.T) {
	// Most of its time is waiting for payment deadlines: it waits beside
	// the other tests that do (each has its own databases, keys and queue).
	t.Parallel()
	const (
		shoppers        = 20
		ordersPerBuyer  = 10
		paymentDeadline = 90 * time.Second
	)
	m, provider := startMallWithPaysim(t, paymentDeadline, paysim.Options{
		DeclineRate: 0.2, DuplicateRate: 0.2, ReorderRate: 0.2, LossRate: 0.1, Seed: 42,
	})
	ctx := context.Background()
	products := []string{"p0161", "p0162", "p0163", "p0164", "p0165"}
	before := map[string]stock{}
	for _, p := range products {
		before[p] = m.stockOf(t, p)
	}

	type outcome struct {
		order      *orderv1.Order
		token      string
		want       orderv1.OrderStatus
		payStarted bool
	}
	var mu sync.Mutex
	var outcomes []outcome
	var wg sync.WaitGroup
	for s := range shoppers {
		token := m.shopper(t, fmt.Sprintf("fault_buyer_%02d", s))
		address := m.defaultAddress(t, token)
		wg.Go(func() {
			for i := range ordersPerBuyer {
				n := s*ordersPerBuyer + i
				o, err := m.buyNow(ctx, token, address, products[n%len(products)], fmt.Sprintf("fault-%03d", n))
				if err != nil {
					t.Error(err)
					return
				}
				want := orderv1.OrderStatus_ORDER_STATUS_PAID
				switch n % 10 {
				case 0, 1, 2, 3, 4, 5: // pay
					if err := m.payAsCustomer(ctx, provider, token, o.GetOrderId()); err != nil {
						t.Error(err)
						return
					}
				case 6, 7: // pay, then cancel (twice): refunded
					if err := m.payAsCustomer(ctx, provider, token, o.GetOrderId()); err != nil {
						t.Error(err)
						return
					}
					if _, err := m.waitOrder(ctx, token, o.GetOrderId(), orderv1.OrderStatus_ORDER_STATUS_PAID, time.Minute); err != nil {
						t.Error(err)
						return
					}
					for range 2 {
						if _, err := m.orders.CancelOrder(ctx, testenv.Bearer(token, &orderv1.CancelOrderRequest{OrderId: o.GetOrderId(), Reason: "changed my mind"})); err != nil {
							t.Error(err)
							return
						}
					}
					want = orderv1.OrderStatus_ORDER_STATUS_REFUNDED
				case 8: // never pays
					want = orderv1.OrderStatus_ORDER_STATUS_CANCELLED
				case 9: // opens the pay page, declines, leaves
					res, err := m.pays.Pay(ctx, testenv.Bearer(token, &payv1.PayRequest{OrderId: o.GetOrderId()}))
					if err != nil {
						t.Error(err)
						return
					}
					if _, err := provider.SimulateCustomer(ctx, res.Msg.GetPayment().GetProviderChargeId(), false); err != nil {
						t.Error(err)
						return
					}
					want = orderv1.OrderStatus_ORDER_STATUS_CANCELLED
				}
				mu.Lock()
				outcomes = append(outcomes, outcome{order: o, token: token, want: want, payStarted: n%10 != 8})
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	if len(outcomes) != shoppers*ordersPerBuyer {
		t.Fatalf("%d orders placed", len(outcomes))
	}

	// Every order ends as its buyer's behaviour says (the abandoned ones at
	// their deadline).
	for _, o := range outcomes {
		final := m.waitStatusWithin(t, o.token, o.order.GetOrderId(), o.want, paymentDeadline+60*time.Second)
		if o.want == orderv1.OrderStatus_ORDER_STATUS_REFUNDED && final.GetRefundRequestedAt() == nil {
			t.Errorf("refunded order %s has no refund request time", final.GetOrderId())
		}
	}

	// The provider's ledger: money kept only for paid orders, exactly once.
	ledger, err := provider.Ledger(ctx)
	if err != nil {
		t.Fatal(err)
	}
	charges, refunds := map[string]int64{}, map[string]int64{}
	chargeCount := map[string]int{}
	for _, e := range ledger {
		switch e.Kind {
		case "charge":
			charges[e.OrderID] += e.AmountCents
			chargeCount[e.OrderID]++
		case "refund":
			refunds[e.OrderID] += e.AmountCents
		}
	}
	counts := map[orderv1.OrderStatus]int{}
	for _, o := range outcomes {
		id, total := o.order.GetOrderId(), o.order.GetTotalCents()
		counts[o.want]++
		kept := charges[id] - refunds[id]
		switch o.want {
		case orderv1.OrderStatus_ORDER_STATUS_PAID:
			if chargeCount[id] != 1 || kept != total {
				t.Errorf("paid order %s: %d charges, %d kept of %d", id, chargeCount[id], kept, total)
			}
		case orderv1.OrderStatus_ORDER_STATUS_REFUNDED:
			if chargeCount[id] != 1 || refunds[id] != total || kept != 0 {
				t.Errorf("refunded order %s: %d charges, %d refunded of %d", id, chargeCount[id], refunds[id], total)
			}
		default:
			if kept != 0 {
				t.Errorf("cancelled order %s kept %d cents", id, kept)
			}
		}
	}
	t.Logf("orders: %d paid, %d refunded, %d cancelled; ledger entries %d", counts[orderv1.OrderStatus_ORDER_STATUS_PAID],
		counts[orderv1.OrderStatus_ORDER_STATUS_REFUNDED], counts[orderv1.OrderStatus_ORDER_STATUS_CANCELLED], len(ledger))

	// No payment stays pending, and every payment workflow ends.
	pay, err := m.deps.Database(ctx, "pay")
	if err != nil {
		t.Fatal(err)
	}
	seen := ""
	testenv.Eventually(t, 60*time.Second, "no payment pending", func() bool {
		n, err := pay.NewSelect().Table("payments").Where("status = ?", int32(payv1.PaymentStatus_PAYMENT_STATUS_PENDING)).Count(ctx)
		if err == nil && n == 0 {
			return true
		}
		if now := fmt.Sprintf("%d payments pending (%v)", n, err); now != seen {
			seen = now
			t.Log(now)
		}
		return false
	})
	for _, o := range outcomes {
		want := payment.StateSucceeded
		switch {
		case o.want != orderv1.OrderStatus_ORDER_STATUS_CANCELLED:
		case o.payStarted:
			want = payment.StateExpired
		default:
			continue // never paid: no payment workflow
		}
		var status payment.Status
		if err := m.temporal.GetWorkflow(ctx, payment.WorkflowID(o.order.GetOrderId()), "").Get(ctx, &status); err != nil || status.State != want {
			t.Errorf("payment of %s ended %+v %v, want %s", o.order.GetOrderId(), status, err, want)
		}
	}

	// Stock conserved, nothing left reserved.
	for _, p := range products {
		b, a := before[p], m.stockOf(t, p)
		if a.reserved != b.reserved || a.available+a.reserved+a.sold != b.available+b.reserved+b.sold {
			t.Errorf("%s stock not conserved: before %+v after %+v", p, b, a)
		}
	}
}
