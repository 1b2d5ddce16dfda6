package pay

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"

	payv1 "mall/gen/mall/pay/v1"
	"mall/services/pay/provider"
	"mall/services/platform/auth"
	"mall/services/platform/testenv"
	"mall/workflows/payment"
)

// The pay service against an attacker who holds the webhook secret, and
// against a provider that refuses refunds, answers them for other terms,
// or is down.

func TestForgedWebhooksReachTheWorkflowAsOneHintPerStatus(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	client := f.clients["grpc"]
	userID, orderID := "u-"+testenv.RandomID(5), "o-"+testenv.RandomID(6)
	paymentID, charge := f.pendingPayment(t, client, userID, orderID)
	workflowID := payment.WorkflowID(orderID)
	if _, err := f.svc.temporal.ExecuteWorkflow(ctx, client2Options(workflowID, f.svc.opts.TaskQueue), payment.WorkflowName, payment.Input{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.svc.temporal.SignalWorkflow(ctx, workflowID, "", "stop", nil) })
	deliver := func(ev provider.Event) error {
		_, err := client.ProviderWebhook(ctx, connect.NewRequest(signed(t, webhookSecret, ev, time.Now())))
		return err
	}
	claim := func(id string, status provider.ChargeStatus, change func(*provider.Charge)) provider.Event {
		c := charge
		c.Status, c.AmountCents = status, 1
		if change != nil {
			change(&c)
		}
		return provider.Event{ID: id, Type: "charge." + string(status), Created: time.Now().Unix(), Sequence: 9, Charge: c}
	}

	// Thirty different events at once, each "succeeded" for 1 cent: all
	// acknowledged and stored, one forwarded.
	var wg sync.WaitGroup
	errs := make([]error, 30)
	for i := range errs {
		wg.Go(func() { errs[i] = deliver(claim(fmt.Sprintf("evt_flood_%02d", i), provider.ChargeSucceeded, nil)) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("forged event %d: %v", i, err)
		}
	}
	// A non-final event is stored and not forwarded; events for another
	// order, or a spelling variant of the payment id, are not ours.
	for _, ev := range []provider.Event{
		claim("evt_pending", provider.ChargePending, nil),
		claim("evt_other_order", provider.ChargeCancelled, func(c *provider.Charge) { c.OrderID = "o-someone-else" }),
		claim("evt_upper_reference", provider.ChargeCancelled, func(c *provider.Charge) { c.Reference = strings.ToUpper(paymentID) }),
	} {
		if err := deliver(ev); err != nil {
			t.Fatalf("%s: %v", ev.ID, err)
		}
	}
	if n := f.storedEvents(t, charge.ID); n != 31 {
		t.Fatalf("%d events stored, want the 30 forged successes and the pending one", n)
	}
	// A later status is forwarded too; signals arrive in order, so once it
	// is there every earlier forward is.
	if err := deliver(claim("evt_declined", provider.ChargeDeclined, nil)); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 20*time.Second, "the decline forwarded to the workflow", func() bool { return len(f.events.of(workflowID)) >= 2 })
	got := f.events.of(workflowID)
	if len(got) != 2 || got[0].Status != payment.ChargeSucceeded || !strings.HasPrefix(got[0].EventID, "evt_flood_") ||
		got[1].EventID != "evt_declined" {
		t.Fatalf("forwarded %+v, want one success hint then the decline", got)
	}
	// Redelivering the forwarded one changes nothing either.
	if err := deliver(claim(got[0].EventID, provider.ChargeSucceeded, nil)); err != nil {
		t.Fatal(err)
	}
	if p, err := f.paymentOf(t, userID, paymentID); err != nil || p.GetStatus() != payv1.PaymentStatus_PAYMENT_STATUS_PENDING {
		t.Fatalf("payment %v %v", p, err)
	}
}

func TestARefusedRefundIsFinalAndRecordedOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	client := f.clients["grpc"]
	userID, orderID := "u-"+testenv.RandomID(5), "o-"+testenv.RandomID(6)
	paymentID, _ := f.paidPayment(t, client, userID, orderID)
	refused := map[string]string{"reason": refusalProvider}
	before := testenv.CounterValue(t, "mall_payment_refunds_refused_total", refused)

	f.sim.SetRefundRefusalRate(1)
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = client.Refund(ctx, testenv.Bearer(f.service, &payv1.RefundRequest{OrderId: orderID, Reason: "buyer cancelled"}))
		})
	}
	wg.Wait()
	for _, err := range errs {
		testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonRefundRefused)
	}
	if n := testenv.CounterValue(t, "mall_payment_refunds_refused_total", refused) - before; n != 1 {
		t.Fatalf("refusal counted %v times", n)
	}
	res, err := client.GetPayment(ctx, testenv.Bearer(f.token(t, userID, auth.RoleUser),
		&payv1.GetPaymentRequest{Lookup: &payv1.GetPaymentRequest_OrderId{OrderId: orderID}}))
	if err != nil {
		t.Fatal(err)
	}
	p := res.Msg.GetPayment()
	if p.GetPaymentId() != paymentID || p.GetStatus() != payv1.PaymentStatus_PAYMENT_STATUS_REFUND_FAILED ||
		p.GetRefundFailureReason() != "the payment provider refused the refund (refund_refused)" ||
		p.GetRefundFailedAt() == nil || p.GetRefundedAt() != nil {
		t.Fatalf("payment after the refusal: %v", p)
	}

	// Final: with the provider willing again, Refund still answers the
	// refusal and does not ask the provider (the ledger shows no refund).
	f.sim.SetRefundRefusalRate(0)
	_, err = client.Refund(ctx, testenv.Bearer(f.service, &payv1.RefundRequest{OrderId: orderID}))
	testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonRefundRefused)
	ledger, err := f.provider.Ledger(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ledger {
		if e.OrderID == orderID && e.Kind == "refund" {
			t.Fatalf("the provider refunded after the refusal was recorded: %+v", e)
		}
	}
}

// serviceWithProvider is the fixture's service talking to another provider.
func (f *fixture) serviceWithProvider(client *provider.Client) *Service {
	return NewService(f.db, f.svc.temporal, f.svc.orders, client, testenv.Logger(), f.svc.opts)
}

func TestARefundAnsweredForOtherTermsIsRefused(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	userID, orderID := "u-"+testenv.RandomID(5), "o-"+testenv.RandomID(6)
	_, charge := f.paidPayment(t, f.clients["grpc"], userID, orderID)
	// A provider that says it refunded 1 cent.
	partial := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(provider.Refund{ID: "re_partial", ChargeID: charge.ID, AmountCents: 1, Status: "succeeded"})
	}))
	t.Cleanup(partial.Close)
	mismatch := map[string]string{"reason": refusalMismatch}
	before := testenv.CounterValue(t, "mall_payment_refunds_refused_total", mismatch)
	_, err := f.serviceWithProvider(provider.NewClient(partial.URL, "sk_test")).Refund(ctx, connect.NewRequest(&payv1.RefundRequest{OrderId: orderID}))
	testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonRefundRefused)
	row, err := latestPayment(ctx, f.db, orderID)
	if err != nil || row.Status != int32(payv1.PaymentStatus_PAYMENT_STATUS_REFUND_FAILED) || !row.RefundFailedAt.Valid ||
		row.RefundFailureReason != "the payment provider's refund does not match the payment" {
		t.Fatalf("payment %+v %v", row, err)
	}
	if n := testenv.CounterValue(t, "mall_payment_refunds_refused_total", mismatch) - before; n != 1 {
		t.Fatalf("mismatch counted %v times", n)
	}
}

func TestARefundDuringAProviderOutageStaysRetryable(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	userID, orderID := "u-"+testenv.RandomID(5), "o-"+testenv.RandomID(6)
	f.paidPayment(t, f.clients["grpc"], userID, orderID)
	answering := func(status int) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, `{"error":{"code":"busy","message":"try later"}}`, status)
		}))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	gone, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	unreachable := "http://" + gone.Addr().String()
	gone.Close()
	refusals := testenv.CounterValue(t, "mall_payment_refunds_refused_total", map[string]string{"reason": refusalProvider})
	for name, client := range map[string]*provider.Client{
		"5xx":               provider.NewClient(answering(http.StatusServiceUnavailable), "sk_test"),
		"429":               provider.NewClient(answering(http.StatusTooManyRequests), "sk_test"),
		"our key is wrong":  provider.NewClient(f.provider.BaseURL, "sk_wrong"),
		"nothing listening": provider.NewClient(unreachable, "sk_test"),
	} {
		_, err := f.serviceWithProvider(client).Refund(ctx, connect.NewRequest(&payv1.RefundRequest{OrderId: orderID}))
		if connect.CodeOf(err) != connect.CodeUnavailable {
			t.Fatalf("%s: %v, want unavailable", name, err)
		}
	}
	row, err := latestPayment(ctx, f.db, orderID)
	if err != nil || row.Status != int32(payv1.PaymentStatus_PAYMENT_STATUS_SUCCEEDED) || row.RefundFailedAt.Valid {
		t.Fatalf("payment after the outage %+v %v", row, err)
	}
	if n := testenv.CounterValue(t, "mall_payment_refunds_refused_total", map[string]string{"reason": refusalProvider}); n != refusals {
		t.Fatal("an outage was counted as a refusal")
	}
	// The provider is back: the same refund goes through.
	res, err := f.clients["grpc"].Refund(ctx, testenv.Bearer(f.service, &payv1.RefundRequest{OrderId: orderID}))
	if err != nil || !res.Msg.GetRefunded() || res.Msg.GetPayment().GetStatus() != payv1.PaymentStatus_PAYMENT_STATUS_REFUNDED {
		t.Fatalf("refund after the outage: %v %v", res, err)
	}
}

func TestSettlingSucceededNeedsTheAttemptsChargeAndAmount(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	client := f.clients["connect-json"]
	userID, orderID := "u-"+testenv.RandomID(5), "o-"+testenv.RandomID(6)
	paymentID, charge := f.pendingPayment(t, client, userID, orderID)
	settle := func(chargeID string, amount int64) (*connect.Response[payv1.SettlePaymentResponse], error) {
		return client.SettlePayment(ctx, testenv.Bearer(f.service, &payv1.SettlePaymentRequest{PaymentId: paymentID,
			Status: payv1.PaymentStatus_PAYMENT_STATUS_SUCCEEDED, ProviderChargeId: chargeID, AmountCents: amount}))
	}
	for _, wrong := range []struct {
		chargeID string
		amount   int64
	}{{charge.ID, 1}, {"ch_someone_else", 2500}, {"", 2500}, {strings.ToUpper(charge.ID), 2500}} {
		_, err := settle(wrong.chargeID, wrong.amount)
		testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonChargeMismatch)
	}
	if row, err := selectPayment(ctx, f.db, paymentID); err != nil || row.Status != int32(payv1.PaymentStatus_PAYMENT_STATUS_PENDING) || row.PaidAt.Valid {
		t.Fatalf("payment after refused settlements %+v %v", row, err)
	}
	if res, err := settle(charge.ID, 2500); err != nil || !res.Msg.GetSettled() {
		t.Fatalf("settle with the attempt's charge: %v %v", res, err)
	}
}
