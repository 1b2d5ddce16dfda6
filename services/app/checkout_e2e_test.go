package app_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"connectrpc.com/connect"
	"go.temporal.io/sdk/client"

	cartv1 "mall/gen/mall/cart/v1"
	"mall/gen/mall/cart/v1/cartv1connect"
	orderv1 "mall/gen/mall/order/v1"
	"mall/gen/mall/order/v1/orderv1connect"
	"mall/gen/mall/pay/v1/payv1connect"
	productv1 "mall/gen/mall/product/v1"
	"mall/gen/mall/product/v1/productv1connect"
	userv1 "mall/gen/mall/user/v1"
	"mall/gen/mall/user/v1/userv1connect"
	"mall/services/app"
	"mall/services/platform/auth"
	"mall/services/platform/rpcclient"
	"mall/services/platform/testenv"
	catalog "mall/services/product"
	"mall/workflows/checkout"
)

// mall is the whole system running in the test, with a worker, and clients
// for a shopper's and an admin's view of it.
type mall struct {
	url      string
	deps     *app.Deps
	temporal client.Client
	users    userv1connect.UserServiceClient
	carts    cartv1connect.CartServiceClient
	orders   orderv1connect.OrderServiceClient
	products productv1connect.ProductServiceClient
	pays     payv1connect.PayServiceClient
	admin    string
}

func startMallWithWorker(t *testing.T, paymentTimeout time.Duration, mutate ...func(*appConfig)) *mall {
	t.Helper()
	url, deps := startApp(t, append([]func(*appConfig){func(cfg *appConfig) { cfg.PaymentTimeout = paymentTimeout }}, mutate...)...)
	tc, err := deps.Temporal(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	w, err := app.NewWorker(deps, tc)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	h := rpcclient.HTTPClient()
	m := &mall{
		url: url, deps: deps, temporal: tc,
		users:    userv1connect.NewUserServiceClient(h, url, connect.WithGRPC()),
		carts:    cartv1connect.NewCartServiceClient(h, url, connect.WithGRPC()),
		orders:   orderv1connect.NewOrderServiceClient(h, url, connect.WithGRPC()),
		products: productv1connect.NewProductServiceClient(h, url, connect.WithGRPC()),
		pays:     payv1connect.NewPayServiceClient(h, url, connect.WithGRPC()),
	}
	// No demo admin outside development mode: the shop's admin token is
	// minted with the deployment's key.
	m.admin = testenv.Token(t, deps.Keys, "u-test-admin", auth.RoleAdmin)
	return m
}

// shopper registers a user with a default address and returns its token.
func (m *mall) shopper(t *testing.T, name string) string {
	t.Helper()
	ctx := context.Background()
	reg, err := m.users.Register(ctx, connect.NewRequest(&userv1.RegisterRequest{Identity: &userv1.RegisterRequest_Username{Username: name}, Password: "buyer1234"}))
	if err != nil {
		t.Fatal(err)
	}
	// Tokens are minted with the deployment's key rather than through Login:
	// many shoppers from one address would hit the login limiter.
	token, _, err := m.deps.Keys.Issue(reg.Msg.GetUser().GetUserId(), []string{auth.RoleUser}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.users.CreateAddress(ctx, testenv.Bearer(token, &userv1.CreateAddressRequest{Address: &userv1.AddressSpec{
		RecipientName: name, Phone: "13700000000", Province: "江苏", City: "南京", Detail: "中山路 100 号"}})); err != nil {
		t.Fatal(err)
	}
	return token
}

func (m *mall) defaultAddress(t *testing.T, token string) string {
	t.Helper()
	res, err := m.users.ListAddresses(context.Background(), testenv.Bearer(token, &userv1.ListAddressesRequest{}))
	if err != nil || len(res.Msg.GetAddresses()) == 0 {
		t.Fatalf("addresses %v %v", res, err)
	}
	return res.Msg.GetAddresses()[0].GetAddressId()
}

type stock struct{ available, reserved, sold, allocated int64 }

func (m *mall) stockOf(t *testing.T, productID string) stock {
	t.Helper()
	handle, err := m.deps.Database(context.Background(), "product")
	if err != nil {
		t.Fatal(err)
	}
	var s stock
	if err := handle.NewSelect().Table("products").Column("stock", "reserved", "sold", "allocated").Where("id = ?", productID).
		Scan(context.Background(), &s.available, &s.reserved, &s.sold, &s.allocated); err != nil {
		t.Fatal(err)
	}
	return s
}

// waitStatus polls the order until it has status, or fails the test.
func (m *mall) waitStatus(t *testing.T, token, orderID string, status orderv1.OrderStatus) *orderv1.Order {
	t.Helper()
	return m.waitStatusWithin(t, token, orderID, status, 60*time.Second)
}

func (m *mall) waitStatusWithin(t *testing.T, token, orderID string, status orderv1.OrderStatus, within time.Duration) *orderv1.Order {
	t.Helper()
	o, err := m.waitOrder(context.Background(), token, orderID, status, within)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// waitOrder polls the order until it has status; usable off the test's
// goroutine (hence Poll).
func (m *mall) waitOrder(ctx context.Context, token, orderID string, status orderv1.OrderStatus, within time.Duration) (*orderv1.Order, error) {
	var order *orderv1.Order
	var err error
	if !testenv.Poll(within, func() bool {
		var res *connect.Response[orderv1.GetOrderResponse]
		if res, err = m.orders.GetOrder(ctx, testenv.Bearer(token, &orderv1.GetOrderRequest{OrderId: orderID})); err != nil {
			// Not found yet goes on polling; any other error ends the wait.
			return connect.CodeOf(err) != connect.CodeNotFound
		}
		order = res.Msg.GetOrder()
		return order.GetStatus() == status
	}) {
		return nil, fmt.Errorf("order %s never reached %s (last: %v %v)", orderID, status, order.GetStatus(), err)
	}
	if err != nil {
		return nil, err
	}
	return order, nil
}

func (m *mall) pay(t *testing.T, orderID string) {
	t.Helper()
	err := m.temporal.SignalWorkflow(context.Background(), checkout.WorkflowID(orderID), "", checkout.SignalPaid,
		checkout.PaidSignal{PaymentID: "test-" + orderID, PaidAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCheckoutPayShipDeliverConfirm(t *testing.T) {
	m := startMallWithWorker(t, 5*time.Minute)
	ctx := context.Background()
	token := m.shopper(t, "happy_buyer")
	const product = "p0050"
	before := m.stockOf(t, product)
	salesBefore := m.salesCount(t, product)
	if _, err := m.carts.AddItem(ctx, testenv.Bearer(token, &cartv1.AddItemRequest{ProductId: product, Quantity: 2})); err != nil {
		t.Fatal(err)
	}
	req := &orderv1.CheckoutRequest{RequestId: "req-happy-0001", AddressId: m.defaultAddress(t, token),
		Items: &orderv1.CheckoutRequest_Cart{Cart: &orderv1.CartSelection{ProductIds: []string{product}}}}
	first, err := m.orders.Checkout(ctx, testenv.Bearer(token, req))
	if err != nil {
		t.Fatal(err)
	}
	again, err := m.orders.Checkout(ctx, testenv.Bearer(token, req))
	if err != nil || again.Msg.GetOrderId() != first.Msg.GetOrderId() {
		t.Fatalf("retried checkout: %v %v", again, err)
	}
	orderID := first.Msg.GetOrderId()
	order := m.waitStatus(t, token, orderID, orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT)
	if len(order.GetLines()) != 1 || order.GetLines()[0].GetQuantity() != 2 || order.GetTotalCents() != 2*order.GetLines()[0].GetUnitPriceCents() {
		t.Fatalf("order %v", order)
	}
	if s := m.stockOf(t, product); s.reserved != before.reserved+2 || s.available != before.available-2 {
		t.Fatalf("after checkout: %+v (before %+v)", s, before)
	}
	// The saga removes the checked-out lines just after creating the order.
	seen := ""
	testenv.Eventually(t, 30*time.Second, "the checked-out lines gone from the cart", func() bool {
		cart, err := m.carts.ListCart(ctx, testenv.Bearer(token, &cartv1.ListCartRequest{}))
		if err != nil {
			t.Fatal(err)
		}
		if len(cart.Msg.GetLines()) == 0 {
			return true
		}
		if now := fmt.Sprint(cart.Msg); now != seen {
			seen = now
			t.Logf("the cart: %s", now)
		}
		return false
	})

	m.pay(t, orderID)
	m.pay(t, orderID) // a duplicate signal changes nothing
	m.waitStatus(t, token, orderID, orderv1.OrderStatus_ORDER_STATUS_PAID)
	if _, err := m.orders.ShipOrder(ctx, testenv.Bearer(m.admin, &orderv1.ShipOrderRequest{OrderId: orderID, Carrier: "SF", TrackingNumber: "SF123"})); err != nil {
		t.Fatal(err)
	}
	if _, err := m.orders.MarkDelivered(ctx, testenv.Bearer(m.admin, &orderv1.MarkDeliveredRequest{OrderId: orderID})); err != nil {
		t.Fatal(err)
	}
	if _, err := m.orders.ConfirmReceipt(ctx, testenv.Bearer(token, &orderv1.ConfirmReceiptRequest{OrderId: orderID})); err != nil {
		t.Fatal(err)
	}
	done := m.waitStatus(t, token, orderID, orderv1.OrderStatus_ORDER_STATUS_COMPLETED)
	var path []string
	for _, h := range done.GetHistory() {
		path = append(path, h.GetToStatus().String())
	}
	want := "[ORDER_STATUS_PENDING_PAYMENT ORDER_STATUS_PAID ORDER_STATUS_SHIPPED ORDER_STATUS_DELIVERED ORDER_STATUS_COMPLETED]"
	if fmt.Sprint(path) != want {
		t.Fatalf("history %v", path)
	}
	after := m.stockOf(t, product)
	if after.sold != before.sold+2 || after.reserved != before.reserved || after.available+after.reserved+after.sold != before.available+before.reserved+before.sold {
		t.Fatalf("stock not conserved: before %+v after %+v", before, after)
	}
	// The workflow ended, and the PAID event reached the rankings.
	var status checkout.Status
	if err := m.temporal.GetWorkflow(ctx, checkout.WorkflowID(orderID), "").Get(ctx, &status); err != nil || status.State != checkout.StateCompleted {
		t.Fatalf("workflow ended %v %v", status, err)
	}
	lastScore := int64(-1)
	testenv.Eventually(t, 30*time.Second, fmt.Sprintf("the ranking score of %s at %d after the PAID event", product, salesBefore+2), func() bool {
		top, err := m.products.GetRanking(ctx, connect.NewRequest(&productv1.GetRankingRequest{CategoryId: "c02", Limit: 25}))
		if err != nil {
			t.Fatal(err)
		}
		var score int64
		for _, e := range top.Msg.GetEntries() {
			if e.GetProduct().GetProductId() == product {
				score = e.GetScore()
			}
		}
		if score != salesBefore+2 && score != lastScore {
			t.Logf("ranking score of %s is %d", product, score)
		}
		lastScore = score
		return score == salesBefore+2
	})
}

// salesCount is a product's sales count, which seeds its ranking score.
func (m *mall) salesCount(t *testing.T, productID string) int64 {
	t.Helper()
	handle, err := m.deps.Database(context.Background(), "product")
	if err != nil {
		t.Fatal(err)
	}
	var sales int64
	if err := handle.NewSelect().Table("products").Column("sales_count").Where("id = ?", productID).Scan(context.Background(), &sales); err != nil {
		t.Fatal(err)
	}
	return sales
}

func TestUnpaidOrderIsCancelledAtTheDeadlineAndCancelReleasesStock(t *testing.T) {
	m := startMallWithWorker(t, 3*time.Second)
	ctx := context.Background()
	token := m.shopper(t, "slow_buyer")
	const product = "p0060"
	before := m.stockOf(t, product)
	address := m.defaultAddress(t, token)

	expiring, err := m.orders.Checkout(ctx, testenv.Bearer(token, &orderv1.CheckoutRequest{RequestId: "req-expire-001", AddressId: address,
		Items: &orderv1.CheckoutRequest_BuyNow{BuyNow: &orderv1.BuyNowItem{ProductId: product, Quantity: 3}}}))
	if err != nil {
		t.Fatal(err)
	}
	cancelled, err := m.orders.Checkout(ctx, testenv.Bearer(token, &orderv1.CheckoutRequest{RequestId: "req-cancel-001", AddressId: address,
		Items: &orderv1.CheckoutRequest_BuyNow{BuyNow: &orderv1.BuyNowItem{ProductId: product, Quantity: 1}}}))
	if err != nil {
		t.Fatal(err)
	}
	m.waitStatus(t, token, cancelled.Msg.GetOrderId(), orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT)
	if _, err := m.orders.CancelOrder(ctx, testenv.Bearer(token, &orderv1.CancelOrderRequest{OrderId: cancelled.Msg.GetOrderId(), Reason: "changed my mind"})); err != nil {
		t.Fatal(err)
	}
	m.waitStatus(t, token, cancelled.Msg.GetOrderId(), orderv1.OrderStatus_ORDER_STATUS_CANCELLED)
	order := m.waitStatus(t, token, expiring.Msg.GetOrderId(), orderv1.OrderStatus_ORDER_STATUS_CANCELLED)
	if reason := order.GetHistory()[len(order.GetHistory())-1].GetReason(); reason == "" {
		t.Fatal("cancellation without a reason")
	}
	// Compensations finish after the status change: wait for the workflows.
	for _, id := range []string{expiring.Msg.GetOrderId(), cancelled.Msg.GetOrderId()} {
		var status checkout.Status
		if err := m.temporal.GetWorkflow(ctx, checkout.WorkflowID(id), "").Get(ctx, &status); err != nil || status.State != checkout.StateCancelled {
			t.Fatalf("workflow %s ended %v %v", id, status, err)
		}
	}
	if after := m.stockOf(t, product); after != before {
		t.Fatalf("stock not restored: before %+v after %+v", before, after)
	}
	// Paying a cancelled order changes nothing.
	if err := m.temporal.SignalWorkflow(ctx, checkout.WorkflowID(expiring.Msg.GetOrderId()), "", checkout.SignalPaid, checkout.PaidSignal{}); err == nil {
		t.Fatal("a finished checkout accepted a payment signal")
	}
}

func TestCheckoutOfTooMuchFailsWithoutAnOrder(t *testing.T) {
	m := startMallWithWorker(t, time.Minute)
	ctx := context.Background()
	token := m.shopper(t, "greedy_buyer")
	const product = "p0070"
	before := m.stockOf(t, product)
	if _, err := m.products.SetStock(ctx, testenv.Bearer(m.admin, &productv1.SetStockRequest{ProductId: product, Stock: 5})); err != nil {
		t.Fatal(err)
	}
	res, err := m.orders.Checkout(ctx, testenv.Bearer(token, &orderv1.CheckoutRequest{RequestId: "req-greedy-01", AddressId: m.defaultAddress(t, token),
		Items: &orderv1.CheckoutRequest_BuyNow{BuyNow: &orderv1.BuyNowItem{ProductId: product, Quantity: 6}}}))
	if err != nil {
		t.Fatal(err)
	}
	lastState := orderv1.CheckoutState(-1)
	testenv.Eventually(t, 30*time.Second, "the checkout failed", func() bool {
		got, err := m.orders.GetCheckout(ctx, testenv.Bearer(token, &orderv1.GetCheckoutRequest{OrderId: res.Msg.GetOrderId()}))
		if err != nil {
			t.Fatal(err)
		}
		state := got.Msg.GetState()
		if state == orderv1.CheckoutState_CHECKOUT_STATE_FAILED {
			if got.Msg.GetFailureReason() == "" || got.Msg.GetFailureCode() != catalog.ReasonOutOfStock {
				t.Fatalf("failed checkout without its reason and code: %v", got.Msg)
			}
			return true
		}
		if state != lastState {
			t.Logf("checkout state %v", state)
		}
		lastState = state
		return false
	})
	if _, err := m.orders.GetOrder(ctx, testenv.Bearer(token, &orderv1.GetOrderRequest{OrderId: res.Msg.GetOrderId()})); connect.CodeOf(err) != connect.CodeNotFound {
		t.Fatalf("an order exists for a failed checkout: %v", err)
	}
	if s := m.stockOf(t, product); s.available != 5 || s.reserved != before.reserved {
		t.Fatalf("stock after a failed checkout %+v", s)
	}
}
