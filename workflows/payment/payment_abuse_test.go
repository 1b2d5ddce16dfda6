package payment

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"

	orderv1 "mall/gen/mall/order/v1"
	"mall/workflows/rpcfailure"
)

// A webhook is only a hint: PaymentWorkflow pays nothing, declines nothing
// and refunds nothing on what a webhook says, only on what the provider's
// API answers, and only for a charge that is the attempt's. These tests
// play the attacker who has the webhook secret, and a provider whose
// answers differ from what was asked.

// forge delivers a correctly signed (as far as the workflow can tell)
// webhook event that claims status for chargeID; the provider is not told.
func (h *harness) forge(chargeID string, status ChargeStatus, n int) {
	h.env.SignalWorkflow(SignalProviderEvent, ProviderEvent{EventID: fmt.Sprintf("evt-forged-%d", n), ChargeID: chargeID, Status: status})
}

// query returns the workflow's status now.
func (h *harness) query() Status {
	h.t.Helper()
	value, err := h.env.QueryWorkflow(QueryStatus)
	var s Status
	if err == nil {
		err = value.Get(&s)
	}
	if err != nil {
		h.t.Errorf("query: %v", err)
	}
	return s
}

func TestAForgedSuccessForAPendingChargeIsNotPaid(t *testing.T) {
	h := newHarness(t)
	var afterHint Status
	var getsAfterHint, reportsAfterHint int
	// Polls at 15, 30 and 45 s; the forged webhook at 50 s is checked at once.
	h.at(50*time.Second, func() { h.forge(charge1, ChargeSucceeded, 1) })
	h.at(51*time.Second, func() {
		afterHint, getsAfterHint, reportsAfterHint = h.query(), h.count("GetCharge "+charge1), h.count("Report "+ReasonUnconfirmedHint)
	})
	status := h.run()
	if getsAfterHint != 4 || reportsAfterHint != 1 {
		t.Fatalf("after the forged webhook: %d provider checks, %d reports; calls %v", getsAfterHint, reportsAfterHint, h.calls)
	}
	if afterHint.State != StateAwaitingBuyer || afterHint.ChargeRefusal != "" {
		t.Fatalf("after the forged webhook: %+v", afterHint)
	}
	// Nothing was paid: the payment waited for its deadline and expired.
	if status.State != StateExpired || len(h.signals) != 0 || h.count("SettlePayment "+pay1+" SUCCEEDED") != 0 ||
		h.count("SettlePayment "+pay1+" EXPIRED") != 1 || h.count("CancelCharge "+charge1) != 1 {
		t.Fatalf("status %+v signals %v calls %v", status, h.signals, h.calls)
	}
}

func TestAFloodOfForgedWebhooksCostsAFewProviderCalls(t *testing.T) {
	h := newHarness(t)
	const floodStart, floodEnd = 50 * time.Second, 230 * time.Second
	// A burst of 100 forged events, then one every second for three minutes.
	h.at(floodStart, func() {
		for i := range 100 {
			h.forge(charge1, ChargeSucceeded, i)
		}
	})
	for at := floodStart + time.Second; at < floodEnd; at += time.Second {
		h.at(at, func() { h.forge(charge1, ChargeSucceeded, int(at/time.Second)) })
	}
	var before, during, reports int
	h.at(floodStart-time.Millisecond, func() { before = h.count("GetCharge") })
	h.at(floodEnd, func() { during, reports = h.count("GetCharge")-before, h.count("Report "+ReasonUnconfirmedHint) })
	status := h.run()
	// 280 forged events in 180 s: polling alone asks 12 times; the hints
	// add checks at 50, 51, 53, 57 and 65 s before their gap reaches the
	// poll interval.
	polls := int((floodEnd - floodStart) / testPoll)
	if during > polls+5 || reports != during {
		t.Fatalf("%d provider calls and %d reports during the flood (polling alone: %d)", during, reports, polls)
	}
	t.Logf("%d provider calls during the flood of 280 forged webhooks (polling alone: %d)", during, polls)
	if status.State != StateExpired || len(h.signals) != 0 || h.count("SettlePayment "+pay1+" SUCCEEDED") != 0 {
		t.Fatalf("status %+v calls %v", status, h.calls)
	}
}

func TestAChargeThatIsNotTheAttemptsIsNeverPaid(t *testing.T) {
	for field, misreport := range map[string]func(*Charge){
		"amount":    func(c *Charge) { c.AmountCents = 1 },
		"currency":  func(c *Charge) { c.Currency = "USD" },
		"reference": func(c *Charge) { c.Reference = "pm-someone-else-1" },
		"order_id":  func(c *Charge) { c.OrderID = "o-someone-else" },
		"charge_id": func(c *Charge) { c.ID = "ch-someone-else" },
	} {
		t.Run(field, func(t *testing.T) {
			h := newHarness(t)
			var refused Status
			var getsAtRefusal int
			// The buyer pays at 1 min, and from then on the provider's
			// charge is not the one that was asked for.
			h.at(time.Minute, func() {
				h.mu.Lock()
				h.misreport = misreport
				h.mu.Unlock()
				h.providerSays(charge1, ChargeSucceeded, false)
			})
			h.at(2*time.Minute, func() { refused, getsAtRefusal = h.query(), h.count("GetCharge") })
			status := h.run()
			if refused.State != StateAwaitingBuyer || !strings.HasPrefix(refused.ChargeRefusal, field+" ") {
				t.Fatalf("after the refusal: %+v", refused)
			}
			if h.count("Report "+field+" "+pay1+" "+charge1) != 1 || h.count("Report") != 1 {
				t.Fatalf("reports %v", h.calls)
			}
			// The refused charge is not asked about again; at the deadline
			// it is cancelled, and its answer is refused too.
			if h.count("GetCharge") != getsAtRefusal || h.count("CancelCharge "+charge1) != 1 {
				t.Fatalf("calls %v", h.calls)
			}
			if status.State != StateExpired || status.ChargeRefusal == "" || len(h.signals) != 0 ||
				h.count("SettlePayment "+pay1+" SUCCEEDED") != 0 ||
				h.count("SettlePayment "+pay1+" EXPIRED "+deadlineReason+"; "+chargeRefused) != 1 {
				t.Fatalf("status %+v signals %v calls %v", status, h.signals, h.calls)
			}
		})
	}
}

func TestACreatedChargeForOtherTermsIsNotOffered(t *testing.T) {
	h := newHarness(t)
	// A replayed idempotency key answered with a charge of another amount
	// that has even succeeded already.
	h.misreport = func(c *Charge) { c.AmountCents, c.Status = 1, ChargeSucceeded }
	var first, second Status
	var rejected error
	h.at(time.Second, func() { first = h.query() })
	h.at(time.Minute, func() {
		h.mu.Lock()
		h.misreport = nil
		h.mu.Unlock()
		h.pay(&second, &rejected)
	})
	h.at(2*time.Minute, func() { h.providerSays(charge2, ChargeSucceeded, false) })
	status := h.run()
	if first.State != StateDeclined || first.PaymentID != pay1 || first.DeclineReason != chargeRefused || first.PayURL != "" ||
		!strings.HasPrefix(first.ChargeRefusal, "amount ") {
		t.Fatalf("the first attempt: %+v", first)
	}
	if h.count("RecordCharge "+pay1) != 0 || h.count("Report amount "+pay1+" "+charge1) != 1 ||
		h.count("SettlePayment "+pay1+" DECLINED "+chargeRefused) != 1 {
		t.Fatalf("calls %v", h.calls)
	}
	if rejected != nil || second.PaymentID != pay2 || status.State != StateSucceeded || status.PaymentID != pay2 || status.ChargeRefusal != "" ||
		h.count("SettlePayment "+pay2+" SUCCEEDED by "+charge2+" 2500") != 1 {
		t.Fatalf("second %+v status %+v calls %v", second, status, h.calls)
	}
}

func TestADeclineIsTheProvidersNotTheWebhooks(t *testing.T) {
	h := newHarness(t)
	// A forged decline of a charge the buyer is about to pay changes
	// nothing; the provider's own decline is recorded with its reason.
	h.at(20*time.Second, func() { h.forge(charge1, ChargeDeclined, 1) })
	h.at(40*time.Second, func() {
		if s := h.query(); s.State != StateAwaitingBuyer || h.count("SettlePayment") != 0 {
			t.Errorf("after the forged decline: %+v, calls %v", s, h.calls)
		}
		h.mu.Lock()
		h.charges[charge1].Status, h.charges[charge1].DeclineReason = ChargeDeclined, "insufficient funds"
		h.mu.Unlock()
	})
	status := h.run()
	if status.State != StateExpired || h.count("Report "+ReasonUnconfirmedHint) != 1 ||
		h.count("SettlePayment "+pay1+" DECLINED insufficient funds") != 1 || h.count("SettlePayment") != 1 {
		t.Fatalf("status %+v calls %v", status, h.calls)
	}
}

func TestWebhooksForAnOlderAttemptAskNothing(t *testing.T) {
	h := newHarness(t)
	var second Status
	var rejected error
	var oldChecks int
	h.at(time.Minute, func() { h.providerSays(charge1, ChargeDeclined, false) })
	h.at(2*time.Minute, func() { oldChecks = h.count("GetCharge " + charge1); h.pay(&second, &rejected) })
	// The old attempt "succeeds", many times over.
	for i := range 20 {
		h.at(3*time.Minute+time.Duration(i)*time.Second, func() { h.forge(charge1, ChargeSucceeded, i) })
	}
	h.at(5*time.Minute, func() { h.providerSays(charge2, ChargeSucceeded, false) })
	status := h.run()
	if h.count("GetCharge "+charge1) != oldChecks || h.count("Report") != 0 {
		t.Fatalf("the old attempt's charge was asked about: %v", h.calls)
	}
	if rejected != nil || status.State != StateSucceeded || status.PaymentID != pay2 || len(h.signals) != 1 ||
		h.signals[0].PaymentID != pay2 || h.count("SettlePayment "+pay1+" SUCCEEDED") != 0 {
		t.Fatalf("status %+v signals %v calls %v", status, h.signals, h.calls)
	}
}

func TestASuccessFoundAtTheDeadlineMustBeTheAttempts(t *testing.T) {
	h := newHarness(t)
	h.onCancel = ChargeSucceeded
	// After the last poll, the provider's charge turns out to be for 1 cent.
	h.at(testDeadline-5*time.Second, func() {
		h.mu.Lock()
		h.misreport = func(c *Charge) { c.AmountCents = 1 }
		h.mu.Unlock()
	})
	status := h.run()
	if status.State != StateExpired || len(h.signals) != 0 || h.count("SettlePayment "+pay1+" SUCCEEDED") != 0 ||
		h.count("Report amount "+pay1+" "+charge1) != 1 || !strings.Contains(status.ChargeRefusal, `amount "1", want "2500"`) {
		t.Fatalf("status %+v calls %v", status, h.calls)
	}
}

func TestAChargeTheProviderWillNotAnswerForIsNeverPaid(t *testing.T) {
	h := newHarness(t)
	var getsAtRefusal int
	// From 1 min on, the provider answers 404 for the attempt's charge.
	h.at(time.Minute, func() {
		h.mu.Lock()
		h.lookupErr = fromProvider(&RefusedError{Code: "not_found", Message: "no charge " + charge1})
		h.mu.Unlock()
		h.forge(charge1, ChargeSucceeded, 1)
	})
	h.at(2*time.Minute, func() { getsAtRefusal = h.count("GetCharge") })
	status := h.run()
	if status.State != StateExpired || !strings.HasPrefix(status.ChargeRefusal, "PROVIDER_not_found: ") || len(h.signals) != 0 ||
		h.count("Report "+ReasonUnknownCharge+" "+pay1+" "+charge1) != 1 || h.count("Report") != 1 ||
		h.count("GetCharge") != getsAtRefusal || h.count("SettlePayment "+pay1+" EXPIRED") != 1 {
		t.Fatalf("status %+v calls %v", status, h.calls)
	}
}

// refundRefused is the pay service's answer when the provider refused a
// refund, as it reaches an activity.
func refundRefused() error {
	err := connect.NewError(connect.CodeFailedPrecondition, errors.New("the payment provider refused the refund (not_refundable)"))
	if detail, detailErr := connect.NewErrorDetail(&errdetails.ErrorInfo{Reason: ErrTypeRefundRefused, Domain: "mall"}); detailErr == nil {
		err.AddDetail(detail)
	}
	return rpcfailure.FromRPC(err)
}

func TestALateRefundTheProviderRefusesEndsTheWorkflow(t *testing.T) {
	h := newHarness(t)
	h.onCancel = ChargeSucceeded
	h.order = orderv1.OrderStatus_ORDER_STATUS_CANCELLED
	h.refundErr = refundRefused()
	status := h.run()
	if status.State != StateRefundRefused || status.RefundRefusal != "the payment provider refused the refund (not_refundable)" ||
		h.count("RefundOrder "+testOrder) != 1 {
		t.Fatalf("status %+v calls %v", status, h.calls)
	}
}
