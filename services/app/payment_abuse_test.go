package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	enumspb "go.temporal.io/api/enums/v1"

	orderv1 "mall/gen/mall/order/v1"
	payv1 "mall/gen/mall/pay/v1"
	"mall/services/order"
	"mall/services/pay"
	payprovider "mall/services/pay/provider"
	"mall/services/paysim"
	"mall/services/platform/auth"
	"mall/services/platform/testenv"
	"mall/workflows/cancellation"
	"mall/workflows/payment"
)

// The attack from the report, against the whole mall and paysim: a webhook
// signed with the right secret saying "succeeded" (for 1 cent) must not
// make an order PAID while the provider's charge is pending; a provider
// whose charge differs from what was asked must never pay an order; a
// refund the provider refuses must end, visibly, instead of retrying
// forever, while a refund outage still recovers.
func TestPaymentTruthComesFromTheProvider(t *testing.T) {
	// Most of its time is waiting for payment deadlines: it waits beside
	// the other tests that do (each has its own databases, keys and queue).
	t.Parallel()
	const paymentDeadline = 75 * time.Second
	m, p := startMallWithProvider(t, paymentDeadline, paysim.Options{Seed: 7})
	ctx := context.Background()
	token := m.shopper(t, "trust_buyer")
	address := m.defaultAddress(t, token)
	newOrder := func(n int) string {
		o, err := m.buyNow(ctx, token, address, fmt.Sprintf("p%04d", 170+n), fmt.Sprintf("trust-order-%d", n))
		if err != nil {
			t.Fatal(err)
		}
		return o.GetOrderId()
	}
	payFor := func(orderID string) *payv1.Payment {
		res, err := m.pays.Pay(ctx, testenv.Bearer(token, &payv1.PayRequest{OrderId: orderID}))
		if err != nil {
			t.Fatal(err)
		}
		return res.Msg.GetPayment()
	}
	paymentOf := func(orderID string) *payv1.Payment {
		res, err := m.pays.GetPayment(ctx, testenv.Bearer(token, &payv1.GetPaymentRequest{Lookup: &payv1.GetPaymentRequest_OrderId{OrderId: orderID}}))
		if err != nil {
			t.Fatal(err)
		}
		return res.Msg.GetPayment()
	}
	orderOf := func(orderID string) *orderv1.Order {
		res, err := m.orders.GetOrder(ctx, testenv.Bearer(token, &orderv1.GetOrderRequest{OrderId: orderID}))
		if err != nil {
			t.Fatal(err)
		}
		return res.Msg.GetOrder()
	}
	refusals := func(reason string) float64 {
		return testenv.CounterValue(t, "mall_payment_verification_failures_total", map[string]string{"reason": reason})
	}
	paidOrder := func(orderID string) *payv1.Payment {
		pm := payFor(orderID)
		if _, err := p.client.SimulateCustomer(ctx, pm.GetProviderChargeId(), true); err != nil {
			t.Fatal(err)
		}
		m.waitStatus(t, token, orderID, orderv1.OrderStatus_ORDER_STATUS_PAID)
		return pm
	}

	forged, refusedRefund, outage := newOrder(0), newOrder(1), newOrder(2)
	misreported := map[string]string{} // order id -> the field paysim misreports
	for n, field := range paysim.MisreportFields {
		misreported[newOrder(3+n)] = field
	}

	t.Run("a signed webhook is only a hint", func(t *testing.T) {
		pm := payFor(forged)
		chargePath := "/v1/charges/" + pm.GetProviderChargeId()
		before, asked := refusals(payment.ReasonUnconfirmedHint), p.callsTo("GET", chargePath)
		forge := func(eventID string) {
			t.Helper()
			c := payprovider.Charge{ID: pm.GetProviderChargeId(), Reference: pm.GetPaymentId(), OrderID: forged, AmountCents: 1,
				Currency: payment.Currency, Status: payprovider.ChargeSucceeded}
			payload, err := json.Marshal(payprovider.Event{ID: eventID, Type: "charge.succeeded", Created: time.Now().Unix(), Sequence: 2, Charge: c})
			if err != nil {
				t.Error(err)
				return
			}
			if _, err := m.pays.ProviderWebhook(ctx, connect.NewRequest(&payv1.ProviderWebhookRequest{Payload: payload,
				Signature: payprovider.SignWebhook([]byte(e2eWebhookSecret), payload, time.Now())})); err != nil {
				t.Errorf("forged webhook %s: %v", eventID, err)
			}
		}
		forge("evt_forged_first")
		testenv.Eventually(t, 60*time.Second, "the forged webhook checked against the provider (a refusal counted)",
			func() bool { return refusals(payment.ReasonUnconfirmedHint) > before })
		if p.callsTo("GET", chargePath) <= asked {
			t.Fatal("the provider was not asked")
		}
		if o, pm := orderOf(forged), paymentOf(forged); o.GetStatus() != orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT ||
			pm.GetStatus() != payv1.PaymentStatus_PAYMENT_STATUS_PENDING || pm.GetPaidAt() != nil {
			t.Fatalf("after the forged webhook: order %s, payment %v", o.GetStatus(), pm)
		}

		// Fifty more, at once: acknowledged, none forwarded (the workflow's
		// history holds the first hint only), nothing paid.
		var wg sync.WaitGroup
		for i := range 50 {
			wg.Go(func() { forge(fmt.Sprintf("evt_forged_%02d", i)) })
		}
		wg.Wait()
		if n := m.signalsTo(t, payment.WorkflowID(forged)); n != 1 {
			t.Fatalf("%d webhooks reached the payment workflow, want 1", n)
		}
		if o := orderOf(forged); o.GetStatus() != orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT {
			t.Fatalf("after the flood: order %s", o.GetStatus())
		}

		// The buyer really pays: the provider's API says so, and the order
		// is PAID (by polling: this charge's success was hinted already).
		if _, err := p.client.SimulateCustomer(ctx, pm.GetProviderChargeId(), true); err != nil {
			t.Fatal(err)
		}
		m.waitStatus(t, token, forged, orderv1.OrderStatus_ORDER_STATUS_PAID)
		if got := paymentOf(forged); got.GetStatus() != payv1.PaymentStatus_PAYMENT_STATUS_SUCCEEDED || got.GetAmountCents() != orderOf(forged).GetTotalCents() {
			t.Fatalf("payment %v", got)
		}
	})

	t.Run("a charge for other terms is refused", func(t *testing.T) {
		counted := map[string]float64{}
		for orderID, field := range misreported {
			reason := terms(field)
			counted[reason] = refusals(reason)
			pm := payFor(orderID)
			if err := p.sim.SetMisreport(field); err != nil {
				t.Fatal(err)
			}
			_, err := p.client.SimulateCustomer(ctx, pm.GetProviderChargeId(), true)
			if resetErr := p.sim.SetMisreport(""); err != nil || resetErr != nil {
				t.Fatal(err, resetErr)
			}
		}
		for orderID, field := range misreported {
			reason := terms(field)
			testenv.Eventually(t, 60*time.Second, fmt.Sprintf("the %s of %s's charge refused", field, orderID),
				func() bool { return refusals(reason) > counted[reason] })
			if o := orderOf(orderID); o.GetStatus() != orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT {
				t.Fatalf("order %s with a misreported %s: %s", orderID, field, o.GetStatus())
			}
		}
		// Their deadlines are checked at the end.
	})

	t.Run("a refund the provider refuses ends refused", func(t *testing.T) {
		pm := paidOrder(refusedRefund)
		refundPath := "/v1/charges/" + pm.GetProviderChargeId() + "/refunds"
		counted := testenv.CounterValue(t, "mall_payment_refunds_refused_total", map[string]string{"reason": "provider_refused"})
		p.sim.SetRefundRefusalRate(1)
		defer p.sim.SetRefundRefusalRate(0)
		if _, err := m.orders.CancelOrder(ctx, testenv.Bearer(token, &orderv1.CancelOrderRequest{OrderId: refusedRefund, Reason: "changed my mind"})); err != nil {
			t.Fatal(err)
		}
		status := m.cancellationResult(t, refusedRefund)
		if status.State != cancellation.StateRefundRefused || !strings.Contains(status.RefundRefusal, "refund_refused") {
			t.Fatalf("cancellation ended %+v", status)
		}
		got := paymentOf(refusedRefund)
		if got.GetStatus() != payv1.PaymentStatus_PAYMENT_STATUS_REFUND_FAILED || got.GetRefundFailedAt() == nil ||
			got.GetRefundFailureReason() != status.RefundRefusal {
			t.Fatalf("payment %v", got)
		}
		if n := testenv.CounterValue(t, "mall_payment_refunds_refused_total", map[string]string{"reason": "provider_refused"}) - counted; n != 1 {
			t.Fatalf("refusal counted %v times", n)
		}
		// Held back from shipping; asking again asks the provider nothing.
		// The buyer sees the refusal on the order.
		o := orderOf(refusedRefund)
		if o.GetStatus() != orderv1.OrderStatus_ORDER_STATUS_PAID || o.GetRefundRequestedAt() == nil ||
			o.GetRefundState() != orderv1.RefundState_REFUND_STATE_REFUSED || o.GetRefundRefusedAt() == nil {
			t.Fatalf("order %v", o)
		}
		_, err := m.orders.ShipOrder(ctx, testenv.Bearer(m.admin, &orderv1.ShipOrderRequest{OrderId: refusedRefund, Carrier: "SF", TrackingNumber: "SF-NO"}))
		testenv.WantCode(t, err, connect.CodeFailedPrecondition, order.ReasonRefundInProgress)
		if _, err := m.orders.CancelOrder(ctx, testenv.Bearer(token, &orderv1.CancelOrderRequest{OrderId: refusedRefund})); err != nil {
			t.Fatal(err)
		}
		_, err = m.pays.Refund(ctx, testenv.Bearer(testenv.Token(t, m.deps.Keys, "operator", auth.RoleService),
			&payv1.RefundRequest{OrderId: refusedRefund}))
		testenv.WantCode(t, err, connect.CodeFailedPrecondition, pay.ReasonRefundRefused)
		if n := p.callsTo("POST", refundPath); n != 1 {
			t.Fatalf("the provider was asked %d times for the refund", n)
		}
	})

	t.Run("a refund outage recovers", func(t *testing.T) {
		pm := paidOrder(outage)
		refundPath := "/v1/charges/" + pm.GetProviderChargeId() + "/refunds"
		p.refundsDown.Store(true)
		if _, err := m.orders.CancelOrder(ctx, testenv.Bearer(token, &orderv1.CancelOrderRequest{OrderId: outage})); err != nil {
			t.Fatal(err)
		}
		testenv.Eventually(t, 60*time.Second, "the refund retried during the outage (3 calls)",
			func() bool { return p.callsTo("POST", refundPath) >= 3 })
		p.refundsDown.Store(false)
		m.waitStatus(t, token, outage, orderv1.OrderStatus_ORDER_STATUS_REFUNDED)
		if status := m.cancellationResult(t, outage); status.State != cancellation.StateRefunded || !status.MoneyReturned {
			t.Fatalf("cancellation ended %+v", status)
		}
		if got := paymentOf(outage); got.GetStatus() != payv1.PaymentStatus_PAYMENT_STATUS_REFUNDED {
			t.Fatalf("payment %v", got)
		}
	})

	t.Run("a charge for other terms never pays", func(t *testing.T) {
		for orderID, field := range misreported {
			m.waitStatusWithin(t, token, orderID, orderv1.OrderStatus_ORDER_STATUS_CANCELLED, paymentDeadline+time.Minute)
			var status payment.Status
			if err := m.temporal.GetWorkflow(ctx, payment.WorkflowID(orderID), "").Get(ctx, &status); err != nil ||
				status.State != payment.StateExpired || !strings.HasPrefix(status.ChargeRefusal, terms(field)+" ") {
				t.Errorf("payment of %s (misreported %s) ended %+v %v", orderID, field, status, err)
			}
			if got := paymentOf(orderID); got.GetStatus() != payv1.PaymentStatus_PAYMENT_STATUS_EXPIRED || got.GetPaidAt() != nil {
				t.Errorf("payment of %s: %v", orderID, got)
			}
		}
	})
}

// terms is the verification reason for a field paysim misreports.
func terms(misreported string) string {
	if misreported == "order" {
		return "order_id"
	}
	return misreported
}

// signalsTo counts the signals in a workflow's history.
func (m *mall) signalsTo(t *testing.T, workflowID string) int {
	t.Helper()
	iter := m.temporal.GetWorkflowHistory(context.Background(), workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	n := 0
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		if ev.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED {
			n++
		}
	}
	return n
}

// cancellationResult waits for an order's CancellationWorkflow to complete
// and returns its result.
func (m *mall) cancellationResult(t *testing.T, orderID string) cancellation.Status {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var status cancellation.Status
	if err := m.temporal.GetWorkflow(ctx, cancellation.WorkflowID(orderID), "").Get(ctx, &status); err != nil {
		t.Fatalf("cancellation of %s: %v", orderID, err)
	}
	return status
}
