package payment

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	orderv1 "mall/gen/mall/order/v1"
	"mall/workflows/checkout"
	"mall/workflows/rpcfailure"
	"mall/workflows/searchattr/searchattrtest"
)

// PaymentWorkflow runs in the testsuite (time skipping) with its
// activities replaced by a fake provider and fake services that record
// their calls; services/app's tests run it against paysim and the real
// services.

var testStart = time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)

const (
	testOrder    = "o-test"
	testDeadline = 30 * time.Minute
	testPoll     = 15 * time.Second
	testAmount   = 2500
)

type harness struct {
	t   *testing.T
	env *testsuite.TestWorkflowEnvironment

	mu        sync.Mutex
	calls     []string
	charges   map[string]*Charge  // charge id -> the charge the fake provider holds
	onCancel  ChargeStatus        // what CancelCharge finds ("" means it cancels a pending charge)
	chargeErr error               // CreateCharge's error
	refundErr error               // RefundOrder's error
	lookupErr error               // GetCharge's and CancelCharge's error
	misreport func(*Charge)       // changes every charge the fake provider answers (nil: answers as asked)
	order     orderv1.OrderStatus // what AwaitOrderOutcome finds once the checkout was signalled
	pending   bool                // the order is still PENDING_PAYMENT
	kind      orderv1.OrderKind   // the order's kind (zero: regular)
	signals   []checkout.PaidSignal
	// confirmErrs are what confirming a flash-sale order's units answers, in
	// turn, then success.
	confirmErrs []error
	events      []checkout.OrderEventInput // published order events
	attrs       *searchattrtest.Upserts
}

// answer is what the fake provider says of charge id. h.mu is held.
func (h *harness) answer(id string) Charge {
	c, ok := h.charges[id]
	if !ok {
		return Charge{}
	}
	out := *c
	if h.misreport != nil {
		h.misreport(&out)
	}
	return out
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(testStart)
	Register(env, &Activities{})
	checkout.Register(env, &checkout.Activities{}) // flash-sale orders are moved to PAID by its TransitionOrder
	h := &harness{t: t, env: env, charges: map[string]*Charge{}, order: orderv1.OrderStatus_ORDER_STATUS_PAID,
		attrs: searchattrtest.Record(env)}
	env.OnActivity(ActivityCreatePaymentRecord, mock.Anything, mock.Anything).Return(func(_ context.Context, in RecordInput) error {
		h.record("CreatePaymentRecord %s %d", in.PaymentID, in.AmountCents)
		return nil
	})
	env.OnActivity(ActivityCreateCharge, mock.Anything, mock.Anything).Return(func(_ context.Context, in ChargeInput) (Charge, error) {
		h.record("CreateCharge %s", in.PaymentID)
		if h.chargeErr != nil {
			return Charge{}, h.chargeErr
		}
		id := "ch-" + in.PaymentID
		h.mu.Lock()
		defer h.mu.Unlock()
		if _, ok := h.charges[id]; !ok {
			h.charges[id] = &Charge{ID: id, Status: ChargePending, PayURL: "http://paysim/pay/" + id, Reference: in.PaymentID,
				OrderID: in.OrderID, AmountCents: in.AmountCents, Currency: Currency}
		}
		return h.answer(id), nil
	})
	env.OnActivity(ActivityRecordCharge, mock.Anything, mock.Anything).Return(func(_ context.Context, in RecordChargeInput) error {
		h.record("RecordCharge %s %s", in.PaymentID, in.ChargeID)
		return nil
	})
	env.OnActivity(ActivityGetCharge, mock.Anything, mock.Anything).Return(func(_ context.Context, id string) (Charge, error) {
		h.record("GetCharge %s", id)
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.lookupErr != nil {
			return Charge{}, h.lookupErr
		}
		return h.answer(id), nil
	})
	env.OnActivity(ActivityCancelCharge, mock.Anything, mock.Anything).Return(func(_ context.Context, id string) (Charge, error) {
		h.record("CancelCharge %s", id)
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.lookupErr != nil {
			return Charge{}, h.lookupErr
		}
		if h.onCancel != "" {
			h.charges[id].Status = h.onCancel
		} else if h.charges[id].Status == ChargePending {
			h.charges[id].Status = ChargeCancelled
		}
		return h.answer(id), nil
	})
	env.OnActivity(ActivitySettlePayment, mock.Anything, mock.Anything).Return(func(_ context.Context, in SettleInput) error {
		if in.ChargeID != "" {
			h.record("SettlePayment %s %s by %s %d", in.PaymentID, strings.TrimPrefix(in.Status.String(), "PAYMENT_STATUS_"), in.ChargeID, in.AmountCents)
			return nil
		}
		h.record("SettlePayment %s %s %s", in.PaymentID, strings.TrimPrefix(in.Status.String(), "PAYMENT_STATUS_"), in.DeclineReason)
		return nil
	})
	env.OnActivity(ActivityReportVerificationFailure, mock.Anything, mock.Anything).Return(func(_ context.Context, f VerificationFailure) error {
		h.record("Report %s %s %s: %s", f.Reason, f.PaymentID, f.ChargeID, f.Detail)
		return nil
	})
	env.OnActivity(ActivityAwaitOrderOutcome, mock.Anything, mock.Anything).Return(func(_ context.Context, id string) (orderv1.OrderStatus, error) {
		h.record("AwaitOrderOutcome %s", id)
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.pending {
			return orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT, temporal.NewApplicationError("pending", ErrTypeOrderPending)
		}
		return h.order, nil
	})
	env.OnActivity(ActivityRefundOrder, mock.Anything, mock.Anything).Return(func(_ context.Context, id string) error {
		h.record("RefundOrder %s", id)
		return h.refundErr
	})
	env.OnActivity(ActivityConfirmFlashSaleUnits, mock.Anything, mock.Anything).Return(func(_ context.Context, id string) (FlashOrder, error) {
		h.record("ConfirmFlashSaleUnits %s", id)
		h.mu.Lock()
		defer h.mu.Unlock()
		if len(h.confirmErrs) > 0 {
			err := h.confirmErrs[0]
			h.confirmErrs = h.confirmErrs[1:]
			return FlashOrder{}, err
		}
		return FlashOrder{UserID: "u-1", SeckillEventID: "ev-1", Lines: []checkout.Line{{ProductID: "p1", Quantity: 1, UnitPriceCents: 2500}}}, nil
	})
	env.OnActivity(checkout.ActivityPublishOrderEvent, mock.Anything, mock.Anything).Return(func(_ context.Context, in checkout.OrderEventInput) error {
		h.record("PublishOrderEvent %s", checkout.EventID(in.OrderID, in.Type))
		h.mu.Lock()
		h.events = append(h.events, in)
		h.mu.Unlock()
		return nil
	})
	env.OnSignalExternalWorkflow(mock.Anything, checkout.WorkflowID(testOrder), "", checkout.SignalPaid, mock.Anything).Return(
		func(_, _, _, _ string, arg any) error {
			h.mu.Lock()
			h.signals = append(h.signals, arg.(checkout.PaidSignal))
			h.mu.Unlock()
			return nil
		})
	return h
}

func (h *harness) record(format string, args ...any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls = append(h.calls, fmt.Sprintf(format, args...))
}

func (h *harness) count(prefix string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, c := range h.calls {
		if strings.HasPrefix(c, prefix) {
			n++
		}
	}
	return n
}

// at schedules fn after d of workflow time.
func (h *harness) at(d time.Duration, fn func()) { h.env.RegisterDelayedCallback(fn, d) }

// pay sends UpdatePay and keeps its outcome.
func (h *harness) pay(result *Status, rejected *error) {
	h.env.UpdateWorkflow(UpdatePay, "", &testsuite.TestUpdateCallback{
		OnAccept: func() {},
		OnReject: func(err error) { *rejected = err },
		OnComplete: func(v any, err error) {
			if err != nil {
				*rejected = err
				return
			}
			*result = v.(Status)
		},
	})
}

// providerSays sets the charge's status at the fake provider and, unless
// lost, delivers the webhook.
func (h *harness) providerSays(chargeID string, status ChargeStatus, lost bool) {
	h.mu.Lock()
	h.charges[chargeID].Status = status
	h.mu.Unlock()
	if !lost {
		h.env.SignalWorkflow(SignalProviderEvent, ProviderEvent{EventID: "evt-" + chargeID + string(status), ChargeID: chargeID, Status: status})
	}
}

func (h *harness) run() Status {
	h.t.Helper()
	h.env.ExecuteWorkflow(PaymentWorkflow, Input{OrderID: testOrder, UserID: "u-1", AmountCents: testAmount,
		Deadline: testStart.Add(testDeadline), PollInterval: testPoll, Kind: h.kind})
	if !h.env.IsWorkflowCompleted() {
		h.t.Fatal("workflow did not complete")
	}
	if err := h.env.GetWorkflowError(); err != nil {
		h.t.Fatalf("workflow error: %v", err)
	}
	var status Status
	if err := h.env.GetWorkflowResult(&status); err != nil {
		h.t.Fatal(err)
	}
	return status
}

var (
	pay1    = PaymentID(testOrder, 1)
	pay2    = PaymentID(testOrder, 2)
	charge1 = "ch-" + pay1
	charge2 = "ch-" + pay2
)

func TestPaidByWebhook(t *testing.T) {
	h := newHarness(t)
	var first Status
	var rejected error
	h.at(time.Second, func() { h.pay(&first, &rejected) })
	h.at(time.Minute, func() { h.providerSays(charge1, ChargePending, false) }) // a non-final event changes nothing
	h.at(2*time.Minute, func() { h.providerSays(charge1, ChargeSucceeded, false) })
	status := h.run()
	if rejected != nil || first.State != StateAwaitingBuyer || first.PayURL != "http://paysim/pay/"+charge1 || first.PaymentID != pay1 {
		t.Fatalf("pay answered %+v %v", first, rejected)
	}
	if status.State != StateSucceeded || status.PaymentID != pay1 {
		t.Fatalf("status %+v", status)
	}
	if len(h.signals) != 1 || h.signals[0].PaymentID != pay1 {
		t.Fatalf("checkout signals %+v", h.signals)
	}
	// Polls every 15 s until the webhook at 2 min.
	if n := h.count("GetCharge"); n < 6 || n > 8 {
		t.Fatalf("%d polls", n)
	}
	if h.count("SettlePayment "+pay1+" SUCCEEDED") != 1 || h.count("RefundOrder") != 0 || h.count("CancelCharge") != 0 {
		t.Fatalf("calls %v", h.calls)
	}
}

func TestPaidWhenTheWebhookIsLost(t *testing.T) {
	h := newHarness(t)
	h.at(5*time.Minute, func() { h.providerSays(charge1, ChargeSucceeded, true) })
	status := h.run()
	if status.State != StateSucceeded || len(h.signals) != 1 || h.count("SettlePayment "+pay1+" SUCCEEDED") != 1 {
		t.Fatalf("status %+v signals %v", status, h.signals)
	}
}

func TestDeclinedThenPaidOnASecondAttempt(t *testing.T) {
	h := newHarness(t)
	var second Status
	var rejected error
	h.at(time.Minute, func() { h.providerSays(charge1, ChargeDeclined, false) })
	h.at(2*time.Minute, func() {
		state, err := h.env.QueryWorkflow(QueryStatus)
		var s Status
		if err != nil || state.Get(&s) != nil || s.State != StateDeclined {
			t.Errorf("after decline %+v %v", s, err)
		}
		h.pay(&second, &rejected)
	})
	h.at(3*time.Minute, func() { h.providerSays(charge1, ChargeSucceeded, false) }) // an old attempt's event: ignored
	h.at(4*time.Minute, func() { h.providerSays(charge2, ChargeSucceeded, false) })
	h.at(5*time.Minute, func() { h.providerSays(charge2, ChargeSucceeded, false) }) // duplicate
	status := h.run()
	if rejected != nil || second.Attempt != 2 || second.PaymentID != pay2 || second.State != StateAwaitingBuyer {
		t.Fatalf("second pay %+v %v", second, rejected)
	}
	if status.State != StateSucceeded || status.PaymentID != pay2 || len(h.signals) != 1 || h.signals[0].PaymentID != pay2 {
		t.Fatalf("status %+v signals %+v", status, h.signals)
	}
	if h.count("SettlePayment "+pay1+" DECLINED") != 1 || h.count("SettlePayment "+pay2+" SUCCEEDED") != 1 || h.count("SettlePayment") != 2 {
		t.Fatalf("calls %v", h.calls)
	}
}

func TestDeadlineClosesTheCharge(t *testing.T) {
	h := newHarness(t)
	var late Status
	var rejected error
	h.at(testDeadline+time.Minute, func() { h.pay(&late, &rejected) })
	status := h.run()
	if status.State != StateExpired || len(h.signals) != 0 {
		t.Fatalf("status %+v", status)
	}
	if h.count("CancelCharge "+charge1) != 1 || h.count("SettlePayment "+pay1+" EXPIRED") != 1 {
		t.Fatalf("calls %v", h.calls)
	}
	// The workflow is closed by then; the pay service answers from the database.
	if late.PaymentID != "" {
		t.Fatalf("update after the end answered %+v", late)
	}
}

func TestDeclinedAndNoRetryExpires(t *testing.T) {
	h := newHarness(t)
	h.at(time.Minute, func() { h.providerSays(charge1, ChargeDeclined, false) })
	status := h.run()
	if status.State != StateExpired || h.count("CreateCharge") != 1 || h.count("CancelCharge") != 0 {
		t.Fatalf("status %+v calls %v", status, h.calls)
	}
}

func TestPaidAtTheLastSecondIsHonoured(t *testing.T) {
	h := newHarness(t)
	h.onCancel = ChargeSucceeded // the buyer paid just before the deadline; the webhook is not here yet
	status := h.run()
	if status.State != StateSucceeded || len(h.signals) != 1 || h.count("SettlePayment "+pay1+" SUCCEEDED") != 1 {
		t.Fatalf("status %+v calls %v", status, h.calls)
	}
}

func TestPaymentAfterTheOrderWasCancelledIsRefunded(t *testing.T) {
	h := newHarness(t)
	h.onCancel = ChargeSucceeded
	h.order = orderv1.OrderStatus_ORDER_STATUS_CANCELLED // the checkout saga's deadline won
	status := h.run()
	if status.State != StateRefundedLate || h.count("RefundOrder "+testOrder) != 1 {
		t.Fatalf("status %+v calls %v", status, h.calls)
	}
}

func TestProviderDownLetsTheBuyerRetry(t *testing.T) {
	h := newHarness(t)
	h.chargeErr = temporal.NewNonRetryableApplicationError("provider refused", "PROVIDER_invalid_request", nil)
	var second Status
	var rejected error
	h.at(30*time.Second, func() {
		state, err := h.env.QueryWorkflow(QueryStatus)
		var s Status
		if err != nil || state.Get(&s) != nil || s.State != StateDeclined || s.DeclineReason != providerFailure {
			t.Errorf("after the failed attempt %+v %v", s, err)
		}
		h.mu.Lock()
		h.chargeErr = nil
		h.mu.Unlock()
		h.pay(&second, &rejected)
	})
	h.at(2*time.Minute, func() { h.providerSays(charge2, ChargeSucceeded, false) })
	status := h.run()
	if rejected != nil || second.PaymentID != pay2 || status.State != StateSucceeded {
		t.Fatalf("second %+v %v status %+v", second, rejected, status)
	}
	if h.count("SettlePayment "+pay1+" DECLINED "+providerFailure) != 1 {
		t.Fatalf("calls %v", h.calls)
	}
}

func TestPayIsRejectedOncePaid(t *testing.T) {
	h := newHarness(t)
	var again Status
	var rejected error
	h.pending = true // the checkout saga takes its time to record the payment
	h.at(time.Minute, func() { h.providerSays(charge1, ChargeSucceeded, false) })
	h.at(10*time.Minute, func() { h.pay(&again, &rejected) })
	h.at(20*time.Minute, func() { h.mu.Lock(); h.pending = false; h.mu.Unlock() })
	status := h.run()
	var appErr *temporal.ApplicationError
	if !errors.As(rejected, &appErr) || appErr.Type() != RejectAlreadyPaid {
		t.Fatalf("pay after payment: %+v %v", again, rejected)
	}
	if status.State != StateSucceeded || h.count("AwaitOrderOutcome") < 10 {
		t.Fatalf("status %+v, %d order polls", status, h.count("AwaitOrderOutcome"))
	}
}

// flashHarness is a harness for a flash-sale order: the payment moves the
// order to PAID itself through the checkout package's TransitionOrder
// activity, whose answer is transitionErr.
func flashHarness(t *testing.T, transitionErr error) (*harness, *[]checkout.TransitionInput) {
	h := newHarness(t)
	h.kind = orderv1.OrderKind_ORDER_KIND_FLASH_SALE
	var transitions []checkout.TransitionInput
	h.env.OnActivity(checkout.ActivityTransitionOrder, mock.Anything, mock.Anything).Return(func(_ context.Context, in checkout.TransitionInput) error {
		h.mu.Lock()
		transitions = append(transitions, in)
		h.mu.Unlock()
		return transitionErr
	})
	return h, &transitions
}

// A paid flash-sale order is recorded as the checkout saga records one:
// its units confirmed as sold, then PAID, then the PAID event (rankings)
// with the order's kind and sale.
func TestFlashSaleOrderIsMarkedPaidByThePayment(t *testing.T) {
	h, transitions := flashHarness(t, nil)
	h.at(time.Minute, func() { h.providerSays(charge1, ChargeSucceeded, false) })
	status := h.run()
	if status.State != StateSucceeded || len(h.signals) != 0 || h.count("AwaitOrderOutcome") != 0 || h.count("RefundOrder") != 0 {
		t.Fatalf("status %+v signals %v calls %v", status, h.signals, h.calls)
	}
	if len(*transitions) != 1 || (*transitions)[0].To != orderv1.OrderStatus_ORDER_STATUS_PAID ||
		len((*transitions)[0].From) != 1 || (*transitions)[0].From[0] != orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT {
		t.Fatalf("transitions %+v", *transitions)
	}
	if n := len(h.calls); n < 3 || strings.Join(h.calls[n-3:], "; ") != "SettlePayment "+pay1+" SUCCEEDED by "+charge1+" "+strconv.Itoa(testAmount)+"; ConfirmFlashSaleUnits "+testOrder+"; PublishOrderEvent "+testOrder+":PAID" {
		t.Fatalf("calls %v", h.calls)
	}
	if len(h.events) != 1 || h.events[0].Kind != orderv1.OrderKind_ORDER_KIND_FLASH_SALE || h.events[0].SeckillEventID != "ev-1" ||
		len(h.events[0].Lines) != 1 {
		t.Fatalf("events %+v", h.events)
	}
}

// The sweeper (or the buyer) released the order's units to cancel it
// before the payment could confirm them: the order never becomes PAID,
// and once it is CANCELLED the money goes back.
func TestFlashSaleOrderReleasedBeforePaymentIsRefunded(t *testing.T) {
	h, transitions := flashHarness(t, nil)
	h.confirmErrs = []error{rpcfailure.FromRPC(connect.NewError(connect.CodeFailedPrecondition, errors.New("this order's flash-sale units were released")))}
	h.order = orderv1.OrderStatus_ORDER_STATUS_CANCELLED
	h.at(time.Minute, func() { h.providerSays(charge1, ChargeSucceeded, false) })
	status := h.run()
	if status.State != StateRefundedLate || h.count("RefundOrder "+testOrder) != 1 || len(*transitions) != 0 ||
		len(h.signals) != 0 || h.count("AwaitOrderOutcome") != 1 || h.count("PublishOrderEvent") != 0 {
		t.Fatalf("status %+v signals %v calls %v", status, h.signals, h.calls)
	}
}

// A service outage while confirming the units is retried until they are
// confirmed; the order is then PAID, nothing refunded.
func TestFlashSaleConfirmOutageIsRetried(t *testing.T) {
	h, transitions := flashHarness(t, nil)
	down := rpcfailure.FromRPC(connect.NewError(connect.CodeUnavailable, errors.New("catalog down")))
	h.confirmErrs = []error{down, down}
	h.at(time.Minute, func() { h.providerSays(charge1, ChargeSucceeded, false) })
	status := h.run()
	if status.State != StateSucceeded || h.count("ConfirmFlashSaleUnits") != 3 || len(*transitions) != 1 || h.count("RefundOrder") != 0 {
		t.Fatalf("status %+v calls %v", status, h.calls)
	}
}

// A transition replayed after the order moved on (a worker died before
// recording that the order became PAID; meanwhile it shipped) answers
// failed_precondition too: the order's status says it was paid, so
// nothing is refunded.
func TestFlashSaleOrderPaidAndShippedIsNotRefunded(t *testing.T) {
	moved := rpcfailure.FromRPC(connect.NewError(connect.CodeFailedPrecondition, errors.New("the order is SHIPPED")))
	h, transitions := flashHarness(t, moved)
	h.order = orderv1.OrderStatus_ORDER_STATUS_SHIPPED
	h.at(time.Minute, func() { h.providerSays(charge1, ChargeSucceeded, false) })
	status := h.run()
	if status.State != StateSucceeded || h.count("RefundOrder") != 0 || len(*transitions) != 1 || len(h.signals) != 0 {
		t.Fatalf("status %+v signals %v calls %v", status, h.signals, h.calls)
	}
}

// A service outage while marking the flash-sale order PAID is retried
// until the transition lands; no refund, no signal.
func TestFlashSaleTransitionOutageIsRetried(t *testing.T) {
	h := newHarness(t)
	h.kind = orderv1.OrderKind_ORDER_KIND_FLASH_SALE
	attempts := 0
	h.env.OnActivity(checkout.ActivityTransitionOrder, mock.Anything, mock.Anything).Return(func(_ context.Context, in checkout.TransitionInput) error {
		h.mu.Lock()
		defer h.mu.Unlock()
		if attempts++; attempts < 3 {
			return rpcfailure.FromRPC(connect.NewError(connect.CodeUnavailable, errors.New("order service down")))
		}
		return nil
	})
	h.at(time.Minute, func() { h.providerSays(charge1, ChargeSucceeded, false) })
	status := h.run()
	if status.State != StateSucceeded || attempts != 3 || h.count("RefundOrder") != 0 || len(h.signals) != 0 {
		t.Fatalf("status %+v after %d attempts, calls %v", status, attempts, h.calls)
	}
}
