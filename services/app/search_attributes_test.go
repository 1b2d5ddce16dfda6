package app_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"connectrpc.com/connect"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"

	orderv1 "mall/gen/mall/order/v1"
	productv1 "mall/gen/mall/product/v1"
	"mall/services/paysim"
	"mall/services/platform/testenv"
	"mall/workflows/checkout"
	"mall/workflows/payment"
	"mall/workflows/searchattr"
)

// listed is the ids of the workflows a visibility query finds, sorted.
func (m *mall) listed(t *testing.T, query string) []string {
	t.Helper()
	res, err := m.temporal.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{Query: query})
	if err != nil {
		t.Fatalf("list %q: %v", query, err)
	}
	var ids []string
	for _, e := range res.GetExecutions() {
		ids = append(ids, e.GetExecution().GetWorkflowId())
	}
	slices.Sort(ids)
	return ids
}

// waitListed polls a visibility query (eventually consistent) until it
// finds exactly the workflows want.
func (m *mall) waitListed(t *testing.T, query string, want ...string) {
	t.Helper()
	slices.Sort(want)
	var got []string
	testenv.Eventually(t, 30*time.Second, fmt.Sprintf("%q to list %v", query, want), func() bool {
		now := m.listed(t, query)
		if !slices.Equal(now, got) {
			t.Logf("%q lists %v", query, now)
		}
		got = now
		return slices.Equal(got, want)
	})
}

// The Web UI's workflow list reads like the order book: the dev server has
// the sagas' search attributes, a checkout waiting for payment is found by
// the query an operator types, and once it is paid both its checkout and
// its payment workflow are listed PAID.
func TestAnOperatorFindsOrdersInTheWorkflowListByStatusKindAndAmount(t *testing.T) {
	m, provider := startMallWithPaysim(t, 5*time.Minute, paysim.Options{})
	ctx := context.Background()

	registered, err := m.temporal.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range searchattr.All {
		if got := registered.GetCustomAttributes()[key.GetName()]; got != key.GetValueType() {
			t.Errorf("search attribute %s registered as %v, want %v", key.GetName(), got, key.GetValueType())
		}
	}

	// An order above ¥100, whatever the product's price.
	const product = "p0077"
	p, err := m.products.GetProduct(ctx, connect.NewRequest(&productv1.GetProductRequest{ProductId: product}))
	if err != nil {
		t.Fatal(err)
	}
	quantity := int32(10000/p.Msg.GetProduct().GetPriceCents() + 1)
	token := m.shopper(t, "listed_buyer")
	res, err := m.orders.Checkout(ctx, testenv.Bearer(token, &orderv1.CheckoutRequest{RequestId: "req-listed-1", AddressId: m.defaultAddress(t, token),
		Items: &orderv1.CheckoutRequest_BuyNow{BuyNow: &orderv1.BuyNowItem{ProductId: product, Quantity: quantity}}}))
	if err != nil {
		t.Fatal(err)
	}
	order := m.waitStatus(t, token, res.Msg.GetOrderId(), orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT)
	if order.GetTotalCents() <= 10000 {
		t.Fatalf("order total %d, want above 10000", order.GetTotalCents())
	}
	checkoutID, paymentID := checkout.WorkflowID(order.GetOrderId()), payment.WorkflowID(order.GetOrderId())
	buyer := fmt.Sprintf("UserId = %q", order.GetUserId())

	waiting := `OrderKind = "checkout" AND OrderStatus = "PENDING_PAYMENT" AND AmountCents > 10000 AND ` + buyer
	m.waitListed(t, waiting, checkoutID)
	// The amount is the order's total, to the cent.
	m.waitListed(t, fmt.Sprintf("AmountCents = %d AND %s", order.GetTotalCents(), buyer), checkoutID)
	if got := m.listed(t, fmt.Sprintf("AmountCents > %d AND %s", order.GetTotalCents(), buyer)); len(got) != 0 {
		t.Errorf("orders above the total: %v", got)
	}
	if got := m.listed(t, `OrderKind = "flash" AND `+buyer); len(got) != 0 {
		t.Errorf("flash orders of a checkout buyer: %v", got)
	}

	if err := m.payAsCustomer(ctx, provider, token, order.GetOrderId()); err != nil {
		t.Fatal(err)
	}
	m.waitStatus(t, token, order.GetOrderId(), orderv1.OrderStatus_ORDER_STATUS_PAID)
	m.waitListed(t, `OrderStatus = "PAID" AND AmountCents > 10000 AND `+buyer, checkoutID, paymentID)
	m.waitListed(t, waiting)
	count, err := m.temporal.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{
		Query: `WorkflowType = "CheckoutWorkflow" AND OrderStatus = "PAID" AND ` + buyer})
	if err != nil || count.GetCount() != 1 {
		t.Fatalf("count of the buyer's paid checkouts: %v %v", count, err)
	}
}
