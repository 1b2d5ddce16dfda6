package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	orderv1 "mall/gen/mall/order/v1"
	payv1 "mall/gen/mall/pay/v1"
	"mall/services/paysim"
	"mall/services/platform/testenv"
)

// An operator cancels an unpaid order and refunds a paid one through the
// same sagas as a buyer's cancel: the unpaid one ends CANCELLED as the
// operator's, with their reason, and its stock back; the paid one ends
// REFUNDED with the money back at the provider. The console's detail
// shows the payments and links the sagas to the configured Temporal UI.
func TestOperatorCancelsAndRefundsThroughTheSagas(t *testing.T) {
	m, provider := startMallWithPaysim(t, 5*time.Minute, paysim.Options{}, func(cfg *appConfig) {
		cfg.TemporalUIURL = "http://temporal-ui.test:8233"
	})
	ctx := context.Background()
	token := m.shopper(t, "console_buyer")
	address := m.defaultAddress(t, token)
	const product = "p0070"
	before := m.stockOf(t, product)

	unpaid, err := m.buyNow(ctx, token, address, product, "req-ops-unpaid-1")
	if err != nil {
		t.Fatal(err)
	}
	paid, err := m.buyNow(ctx, token, address, product, "req-ops-paid-01")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.payAsCustomer(ctx, provider, token, paid.GetOrderId()); err != nil {
		t.Fatal(err)
	}
	m.waitStatus(t, token, paid.GetOrderId(), orderv1.OrderStatus_ORDER_STATUS_PAID)

	for id, reason := range map[string]string{unpaid.GetOrderId(): "address unreachable", paid.GetOrderId(): "damaged in stock"} {
		if _, err := m.orders.AdminCancelOrder(ctx, testenv.Bearer(m.admin, &orderv1.AdminCancelOrderRequest{OrderId: id, Reason: reason})); err != nil {
			t.Fatal(err)
		}
	}
	cancelled := m.waitStatus(t, token, unpaid.GetOrderId(), orderv1.OrderStatus_ORDER_STATUS_CANCELLED)
	last := cancelled.GetHistory()[len(cancelled.GetHistory())-1]
	if last.GetCause() != orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_CANCELLED_BY_OPERATIONS || last.GetReason() != "cancelled by operations: address unreachable" {
		t.Fatalf("cancelled as %v", last)
	}
	refunded := m.waitStatus(t, token, paid.GetOrderId(), orderv1.OrderStatus_ORDER_STATUS_REFUNDED)
	last = refunded.GetHistory()[len(refunded.GetHistory())-1]
	if last.GetCause() != orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_REFUNDED || !strings.Contains(last.GetReason(), "cancelled by operations: damaged in stock") {
		t.Fatalf("refunded as %v", last)
	}
	payments, err := m.pays.AdminListPayments(ctx, testenv.Bearer(m.admin, &payv1.AdminListPaymentsRequest{OrderId: paid.GetOrderId()}))
	if err != nil {
		t.Fatal(err)
	}
	if p := payments.Msg.GetPayments(); len(p) == 0 || p[len(p)-1].GetStatus() != payv1.PaymentStatus_PAYMENT_STATUS_REFUNDED {
		t.Fatalf("payments %v", p)
	}
	detail, err := m.orders.AdminGetOrder(ctx, testenv.Bearer(m.admin, &orderv1.AdminGetOrderRequest{OrderId: paid.GetOrderId()}))
	if err != nil {
		t.Fatal(err)
	}
	if detail.Msg.GetTemporalUiUrl() != "http://temporal-ui.test:8233" || detail.Msg.GetTemporalNamespace() == "" || len(detail.Msg.GetSagas()) != 3 {
		t.Fatalf("detail %v", detail.Msg)
	}
	// Every saga the detail names exists on Temporal.
	for _, saga := range detail.Msg.GetSagas() {
		if _, err := m.temporal.DescribeWorkflow(ctx, saga.GetWorkflowId(), ""); err != nil {
			t.Errorf("%v: %v", saga, err)
		}
	}
	// Both compensations returned the stock.
	testenv.Eventually(t, 30*time.Second, "the stock of both orders back", func() bool {
		after := m.stockOf(t, product)
		return after.available == before.available && after.reserved == before.reserved && after.sold == before.sold
	})
}
