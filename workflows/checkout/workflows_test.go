package checkout

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"google.golang.org/genproto/googleapis/rpc/errdetails"

	orderv1 "mall/gen/mall/order/v1"
	"mall/workflows/searchattr/searchattrtest"
)

// The workflow tests run CheckoutWorkflow in the testsuite (time skipping)
// with every activity mocked at the Temporal level by a fake that records
// its calls; the real services are exercised by the end-to-end tests in
// services/app.

var testStart = time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)

const testOrder = "o-test"

type harness struct {
	t   *testing.T
	env *testsuite.TestWorkflowEnvironment

	// behaviour of the fake services
	lines         []Line
	priceErr      error
	addressErr    error
	reserveErr    error
	createErr     error
	transitionErr func(TransitionInput) error

	mu          sync.Mutex
	calls       []string
	creates     []CreateOrderInput
	transitions []TransitionInput
	events      []OrderEventInput
	at          map[string]time.Time // workflow time of the last call, by call
	attrs       *searchattrtest.Upserts
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(testStart)
	Register(env, &Activities{})
	h := &harness{t: t, env: env, at: map[string]time.Time{}, attrs: searchattrtest.Record(env), lines: []Line{
		{ProductID: "p1", CategoryID: "c01", Title: "龙井", ImageURL: "/img/p1.svg", UnitPriceCents: 1000, Quantity: 2},
		{ProductID: "p2", CategoryID: "c02", Title: "Tea cup", UnitPriceCents: 500, Quantity: 1},
	}}
	env.OnActivity(ActivityPriceLines, mock.Anything, mock.Anything).After(time.Second).Return(
		func(_ context.Context, in PriceLinesInput) ([]Line, error) {
			h.record("PriceLines")
			if h.priceErr != nil {
				return nil, h.priceErr
			}
			if in.BuyNow != nil {
				return h.lines[:1], nil
			}
			return h.lines, nil
		})
	env.OnActivity(ActivityResolveAddress, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in ResolveAddressInput) (Address, error) {
			h.record("ResolveAddress " + in.AddressID)
			return Address{RecipientName: "张三", Phone: "13800138000", Province: "浙江", City: "杭州", Detail: "文三路 1 号"}, h.addressErr
		})
	env.OnActivity(ActivityReserveStock, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in ReserveStockInput) error {
			h.record(fmt.Sprintf("ReserveStock %s %v", in.ReservationID, in.Lines))
			return h.reserveErr
		})
	env.OnActivity(ActivityCreateOrder, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in CreateOrderInput) error {
			h.record("CreateOrder " + in.OrderID)
			h.mu.Lock()
			h.creates = append(h.creates, in)
			h.mu.Unlock()
			return h.createErr
		})
	env.OnActivity(ActivityRemoveCartLines, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in RemoveCartLinesInput) error {
			h.record(fmt.Sprintf("RemoveCartLines %s %v", in.UserID, in.ProductIDs))
			return nil
		})
	env.OnActivity(ActivityConfirmReservation, mock.Anything, mock.Anything).Return(
		func(_ context.Context, id string) error { h.record("ConfirmReservation " + id); return nil })
	env.OnActivity(ActivityReleaseReservation, mock.Anything, mock.Anything).Return(
		func(_ context.Context, id string) error { h.record("ReleaseReservation " + id); return nil })
	env.OnActivity(ActivityTransitionOrder, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in TransitionInput) error {
			var from []string
			for _, s := range in.From {
				from = append(from, statusName(s))
			}
			h.record(fmt.Sprintf("TransitionOrder %s %v->%s (%s): %s", in.OrderID, from, statusName(in.To),
				strings.TrimPrefix(in.Cause.String(), "STATUS_CHANGE_CAUSE_"), in.Reason))
			h.mu.Lock()
			h.transitions = append(h.transitions, in)
			h.mu.Unlock()
			if h.transitionErr != nil {
				return h.transitionErr(in)
			}
			return nil
		})
	env.OnActivity(ActivityPublishOrderEvent, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in OrderEventInput) error {
			h.record("PublishOrderEvent " + EventID(in.OrderID, in.Type))
			h.mu.Lock()
			h.events = append(h.events, in)
			h.mu.Unlock()
			return nil
		})
	return h
}

func statusName(s orderv1.OrderStatus) string {
	return strings.TrimPrefix(s.String(), "ORDER_STATUS_")
}

func (h *harness) record(call string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls = append(h.calls, call)
	name, _, _ := strings.Cut(call, " ")
	h.at[name] = h.env.Now()
}

func (h *harness) callsSoFar() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.calls)
}

// after schedules fn at workflow time testStart+d.
func (h *harness) after(d time.Duration, fn func()) { h.env.RegisterDelayedCallback(fn, d) }

func (h *harness) signal(name string, arg any) { h.env.SignalWorkflow(name, arg) }

// query is the status query's answer now (from a callback or after the end).
func (h *harness) query() Status {
	value, err := h.env.QueryWorkflow(QueryStatus)
	if err != nil {
		h.t.Errorf("query: %v", err)
		return Status{}
	}
	var s Status
	if err := value.Get(&s); err != nil {
		h.t.Errorf("query result: %v", err)
	}
	return s
}

// expectState checks the status query at d.
func (h *harness) expectState(d time.Duration, want State) {
	h.after(d, func() {
		if got := h.query(); got.State != want || got.OrderID != testOrder || got.UserID != "u-1" {
			h.t.Errorf("status at %v: %+v, want state %s", d, got, want)
		}
	})
}

func (h *harness) run(in Input) (Status, error) {
	h.t.Helper()
	h.env.ExecuteWorkflow(CheckoutWorkflow, in)
	if !h.env.IsWorkflowCompleted() {
		h.t.Fatal("workflow did not complete")
	}
	var result Status
	err := h.env.GetWorkflowError()
	if err == nil {
		if getErr := h.env.GetWorkflowResult(&result); getErr != nil {
			h.t.Fatal(getErr)
		}
	}
	if q := h.query(); err == nil && q != result {
		h.t.Errorf("query after the end %+v, result %+v", q, result)
	}
	return result, err
}

// runTo runs the workflow, which must end without error in state want.
func (h *harness) runTo(in Input, want State) Status {
	h.t.Helper()
	status, err := h.run(in)
	if err != nil || status.State != want {
		h.t.Fatalf("ended %+v %v, want %s", status, err, want)
	}
	return status
}

func (h *harness) expectCalls(want ...string) {
	h.t.Helper()
	if got := h.callsSoFar(); !slices.Equal(got, want) {
		h.t.Errorf("activity calls:\n  got  %s\n  want %s", strings.Join(got, "\n       "), strings.Join(want, "\n       "))
	}
}

// expectRetried checks the calls are before, then retried between once and
// forwardAttempts times, then after. How many attempts fit into a retry
// window is not the test's to say: local activities run in real time while
// the test clock skips ahead, so an attempt may time out on the test clock
// and even be recorded after the compensation that followed it. So only the
// bound is checked, and after's calls in their order among the rest.
func (h *harness) expectRetried(before []string, retried string, after ...string) {
	h.t.Helper()
	got := h.callsSoFar()
	ok := len(got) >= len(before) && slices.Equal(got[:len(before)], before)
	attempts, rest := 0, []string{}
	if ok {
		for _, call := range got[len(before):] {
			if call == retried {
				attempts++
			} else {
				rest = append(rest, call)
			}
		}
	}
	if !ok || attempts < 1 || attempts > forwardAttempts || !slices.Equal(rest, after) {
		h.t.Errorf("activity calls:\n  got  %s\n  want %s, then %q 1 to %d times, and %s", strings.Join(got, "\n       "),
			strings.Join(before, ", "), retried, forwardAttempts, strings.Join(after, ", "))
	}
}

func cartInput() Input {
	return Input{OrderID: testOrder, UserID: "u-1", AddressID: "a-1", CartProductIDs: []string{"p1", "p2"}}
}

func buyNowInput() Input {
	return Input{OrderID: testOrder, UserID: "u-1", AddressID: "a-1", BuyNow: &Item{ProductID: "p1", Quantity: 2}}
}

// serviceError is what an activity returns when a service answers code.
func serviceError(code connect.Code, reason, message string) error {
	err := connect.NewError(code, errors.New(message))
	if reason != "" {
		detail, detailErr := connect.NewErrorDetail(&errdetails.ErrorInfo{Reason: reason, Domain: "mall"})
		if detailErr != nil {
			panic(detailErr)
		}
		err.AddDetail(detail)
	}
	return fromRPC(err)
}

// The forward part every test that gets an order shares.
var (
	callsUntilOrder = []string{
		"PriceLines",
		"ResolveAddress a-1",
		"ReserveStock o-test [{p1 2} {p2 1}]",
		"CreateOrder o-test",
		"RemoveCartLines u-1 [p1 p2]",
	}
	// What a payment (pay-1) adds.
	callsOnPayment = []string{
		"ConfirmReservation o-test",
		"TransitionOrder o-test [PENDING_PAYMENT]->PAID (PAID): payment pay-1 succeeded",
		"PublishOrderEvent o-test:PAID",
	}
	callsUntilBuyNowOrder = []string{
		"PriceLines",
		"ResolveAddress a-1",
		"ReserveStock o-test [{p1 2}]",
		"CreateOrder o-test",
	}
)

func TestHappyPathPaidDeliveredAutoCompleted(t *testing.T) {
	h := newHarness(t)
	paidAt := testStart.Add(3 * time.Minute)
	h.expectState(500*time.Millisecond, StateProcessing) // PriceLines takes 1s
	h.expectState(2*time.Minute, StateAwaitPayment)
	h.after(3*time.Minute, func() { h.signal(SignalPaid, PaidSignal{PaymentID: "pay-1", PaidAt: paidAt}) })
	h.expectState(4*time.Minute, StatePaid)
	h.after(48*time.Hour, func() { h.signal(SignalDelivered, nil) })
	h.expectState(48*time.Hour+time.Minute, StatePaid)

	status, err := h.run(cartInput())
	if err != nil {
		t.Fatal(err)
	}
	if status != (Status{OrderID: testOrder, UserID: "u-1", State: StateCompleted}) {
		t.Fatalf("result %+v", status)
	}
	h.expectCalls(slices.Concat(callsUntilOrder, callsOnPayment, []string{
		"TransitionOrder o-test [DELIVERED]->COMPLETED (AUTO_COMPLETED): auto-completed",
	})...)

	// The order: priced lines, the address, reservation = order id, and the
	// payment deadline 30 minutes after it was created.
	created := h.creates[0]
	if created.ReservationID != testOrder || created.UserID != "u-1" || !slices.Equal(created.Lines, h.lines) ||
		created.Address.RecipientName != "张三" {
		t.Errorf("CreateOrder %+v", created)
	}
	if want := h.at["CreateOrder"].Add(DefaultPaymentTimeout); !created.PaymentDeadline.Equal(want) {
		t.Errorf("payment deadline %v, want %v", created.PaymentDeadline, want)
	}
	// The PAID event: lines with category and quantity, paid time.
	event := h.events[0]
	if event.Type != orderv1.OrderEventType_ORDER_EVENT_TYPE_PAID || event.UserID != "u-1" ||
		!slices.Equal(event.Lines, h.lines) || !event.OccurredAt.Equal(paidAt) {
		t.Errorf("event %+v", event)
	}
	// Auto-completed by the durable timer, 7 days after delivery.
	if got, want := h.at["TransitionOrder"], testStart.Add(48*time.Hour+DefaultAutoComplete); !got.Equal(want) {
		t.Errorf("auto-completed at %v, want %v", got, want)
	}
}

func TestReceiptConfirmedBeforeTheTimerEndsWithoutAutoComplete(t *testing.T) {
	h := newHarness(t)
	h.after(time.Minute, func() { h.signal(SignalPaid, PaidSignal{PaymentID: "pay-1"}) })
	h.after(time.Hour, func() { h.signal(SignalDelivered, nil) })
	h.after(2*time.Hour, func() { h.signal(SignalReceived, nil) })
	h.runTo(cartInput(), StateCompleted)
	h.expectCalls(slices.Concat(callsUntilOrder, callsOnPayment)...)
	if end := h.env.Now(); end.After(testStart.Add(3 * time.Hour)) {
		t.Errorf("workflow ran until %v", end)
	}
}

func TestOutOfStockAtReservationFailsWithoutAnOrder(t *testing.T) {
	h := newHarness(t)
	h.reserveErr = serviceError(connect.CodeFailedPrecondition, "OUT_OF_STOCK", "not enough stock for product p1")
	status, err := h.run(cartInput())
	if err != nil {
		t.Fatal(err)
	}
	if status.State != StateFailed || status.FailureReason != "not enough stock for product p1" || status.FailureCode != "OUT_OF_STOCK" {
		t.Fatalf("status %+v", status)
	}
	// Nothing was reserved: no order, no compensation, the cart untouched.
	h.expectCalls("PriceLines", "ResolveAddress a-1", "ReserveStock o-test [{p1 2} {p2 1}]")
}

func TestProblemsPricingTheLinesFailTheCheckout(t *testing.T) {
	h := newHarness(t)
	h.priceErr = businessError(ErrTypeOffShelf, "龙井 is no longer on sale")
	status, err := h.run(cartInput())
	if err != nil || status.State != StateFailed || status.FailureReason != "龙井 is no longer on sale" || status.FailureCode != ErrTypeOffShelf {
		t.Fatalf("%+v %v", status, err)
	}
	h.expectCalls("PriceLines") // a business error is not retried
}

func TestInvalidAddressFailsBeforeReserving(t *testing.T) {
	h := newHarness(t)
	h.addressErr = businessError(ErrTypeInvalidAddress, "invalid address: choose another shipping address")
	status, err := h.run(cartInput())
	if err != nil {
		t.Fatal(err)
	}
	if status.State != StateFailed || status.FailureReason != "invalid address: choose another shipping address" || status.FailureCode != ErrTypeInvalidAddress {
		t.Fatalf("status %+v", status)
	}
	h.expectCalls("PriceLines", "ResolveAddress a-1")
}

func TestReservationFailingForAnotherReasonIsReleased(t *testing.T) {
	h := newHarness(t)
	h.reserveErr = serviceError(connect.CodeUnavailable, "", "product service down")
	status, err := h.run(buyNowInput())
	if err != nil || status.State != StateFailed || status.FailureReason != genericFailure || status.FailureCode != "" {
		t.Fatalf("%+v %v", status, err)
	}
	h.expectRetried([]string{"PriceLines", "ResolveAddress a-1"}, "ReserveStock o-test [{p1 2}]", "ReleaseReservation o-test")
}

func TestCreateOrderFailingAfterTheReservationReleasesTheStock(t *testing.T) {
	h := newHarness(t)
	h.createErr = serviceError(connect.CodeUnavailable, "", "order service down")
	h.transitionErr = func(TransitionInput) error {
		return serviceError(connect.CodeNotFound, "ORDER_NOT_FOUND", "order not found")
	}
	status, err := h.run(cartInput())
	if err != nil {
		t.Fatal(err)
	}
	if status.State != StateFailed || status.FailureReason != genericFailure {
		t.Fatalf("status %+v", status)
	}
	// Retried, then given up. In case a lost answer hid a created order, it
	// is cancelled first (here it does not exist), then the stock is released.
	h.expectRetried([]string{"PriceLines", "ResolveAddress a-1", "ReserveStock o-test [{p1 2} {p2 1}]"}, "CreateOrder o-test",
		"TransitionOrder o-test [PENDING_PAYMENT]->CANCELLED (CHECKOUT_FAILED): checkout failed", "ReleaseReservation o-test")
}

func TestPaymentDeadlineCancelsTheOrderThenReleasesTheStock(t *testing.T) {
	h := newHarness(t)
	in := buyNowInput()
	in.PaymentTimeout = 15 * time.Minute
	h.expectState(14*time.Minute, StateAwaitPayment)
	status, err := h.run(in)
	if err != nil {
		t.Fatal(err)
	}
	if status != (Status{OrderID: testOrder, UserID: "u-1", State: StateCancelled}) {
		t.Fatalf("result %+v", status)
	}
	// Buy-now: no cart lines to remove. Compensation in reverse order.
	h.expectCalls(append(slices.Clone(callsUntilBuyNowOrder),
		"TransitionOrder o-test [PENDING_PAYMENT]->CANCELLED (PAYMENT_EXPIRED): payment deadline passed",
		"ReleaseReservation o-test",
	)...)
	deadline := h.creates[0].PaymentDeadline
	if want := h.at["CreateOrder"].Add(15 * time.Minute); !deadline.Equal(want) {
		t.Errorf("payment deadline %v, want %v", deadline, want)
	}
	if cancelled := h.at["TransitionOrder"]; !cancelled.Equal(deadline) {
		t.Errorf("cancelled at %v, deadline %v", cancelled, deadline)
	}
}

func TestBuyerCancel(t *testing.T) {
	h := newHarness(t)
	h.expectState(time.Minute, StateAwaitPayment)
	h.after(5*time.Minute, func() { h.signal(SignalCancel, CancelSignal{Reason: "changed my mind"}) })
	h.expectState(5*time.Minute+time.Second, StateCancelled)
	h.runTo(cartInput(), StateCancelled)
	h.expectCalls(append(slices.Clone(callsUntilOrder),
		"TransitionOrder o-test [PENDING_PAYMENT]->CANCELLED (CANCELLED_BY_BUYER): cancelled by buyer: changed my mind",
		"ReleaseReservation o-test",
	)...)
	if end := h.env.Now(); end.After(testStart.Add(6 * time.Minute)) {
		t.Errorf("workflow ran until %v", end)
	}
}

// An operator's cancel is recorded as theirs, with their reason, and
// compensates like the buyer's.
func TestOperationsCancel(t *testing.T) {
	h := newHarness(t)
	h.after(5*time.Minute, func() {
		h.signal(SignalCancel, CancelSignal{Reason: "address is a parcel locker", ByOperations: true})
	})
	h.runTo(cartInput(), StateCancelled)
	h.expectCalls(append(slices.Clone(callsUntilOrder),
		"TransitionOrder o-test [PENDING_PAYMENT]->CANCELLED (CANCELLED_BY_OPERATIONS): cancelled by operations: address is a parcel locker",
		"ReleaseReservation o-test",
	)...)
}

func TestLongCancelReasonIsCutToTheOrderServiceLimit(t *testing.T) {
	h := newHarness(t)
	h.after(time.Minute, func() { h.signal(SignalCancel, CancelSignal{Reason: strings.Repeat("太贵", 150)}) })
	if status, err := h.run(buyNowInput()); err != nil || status.State != StateCancelled {
		t.Fatalf("%+v %v", status, err)
	}
	if reason := h.transitions[0].Reason; len([]rune(reason)) != maxReasonRunes || !strings.HasPrefix(reason, "cancelled by buyer: 太贵") {
		t.Errorf("reason %q (%d runes)", reason, len([]rune(reason)))
	}
}

func TestCancelAfterPaymentHasNoEffect(t *testing.T) {
	h := newHarness(t)
	h.after(time.Minute, func() { h.signal(SignalPaid, PaidSignal{PaymentID: "pay-1"}) })
	h.after(2*time.Minute, func() { h.signal(SignalCancel, CancelSignal{Reason: "too late"}) })
	h.expectState(3*time.Minute, StatePaid)
	h.after(time.Hour, func() { h.signal(SignalDelivered, nil) })
	h.after(2*time.Hour, func() { h.signal(SignalCancel, CancelSignal{Reason: "even later"}) })
	h.after(3*time.Hour, func() { h.signal(SignalReceived, nil) })
	h.runTo(cartInput(), StateCompleted)
	// No cancel transition, no release.
	h.expectCalls(slices.Concat(callsUntilOrder, callsOnPayment)...)
}

func TestDuplicatePaidSignalsChangeNothing(t *testing.T) {
	h := newHarness(t)
	h.after(time.Minute, func() {
		h.signal(SignalPaid, PaidSignal{PaymentID: "pay-1"})
		h.signal(SignalPaid, PaidSignal{PaymentID: "pay-1"})
	})
	h.after(2*time.Minute, func() { h.signal(SignalPaid, PaidSignal{PaymentID: "pay-1"}) })
	h.expectState(3*time.Minute, StatePaid)
	h.after(time.Hour, func() {
		h.signal(SignalDelivered, nil)
		h.signal(SignalDelivered, nil)
		h.signal(SignalPaid, PaidSignal{PaymentID: "pay-1"})
	})
	h.runTo(cartInput(), StateCompleted)
	h.expectCalls(slices.Concat(callsUntilOrder, callsOnPayment, []string{
		"TransitionOrder o-test [DELIVERED]->COMPLETED (AUTO_COMPLETED): auto-completed",
	})...)
}

func TestDuplicateCancelSignalsCancelOnce(t *testing.T) {
	h := newHarness(t)
	h.after(time.Minute, func() {
		h.signal(SignalCancel, CancelSignal{Reason: "first"})
		h.signal(SignalCancel, CancelSignal{Reason: "second"})
	})
	h.runTo(buyNowInput(), StateCancelled)
	h.expectCalls(append(slices.Clone(callsUntilBuyNowOrder),
		"TransitionOrder o-test [PENDING_PAYMENT]->CANCELLED (CANCELLED_BY_BUYER): cancelled by buyer: first",
		"ReleaseReservation o-test",
	)...)
}

func TestPaymentPendingWithACancelWins(t *testing.T) {
	h := newHarness(t)
	// Both arrive while the lines are being priced: the workflow finds both
	// when it starts waiting, and the payment (money taken) wins.
	h.after(500*time.Millisecond, func() {
		h.signal(SignalCancel, CancelSignal{Reason: "changed my mind"})
		h.signal(SignalPaid, PaidSignal{PaymentID: "pay-1"})
	})
	h.after(time.Hour, func() { h.signal(SignalReceived, nil) })
	h.runTo(buyNowInput(), StateCompleted)
	h.expectCalls(slices.Concat(callsUntilBuyNowOrder, callsOnPayment)...)
}

func TestOrderPaidWhileBeingCancelledKeepsItsStock(t *testing.T) {
	h := newHarness(t)
	in := buyNowInput()
	in.PaymentTimeout = 10 * time.Minute
	h.transitionErr = func(in TransitionInput) error {
		if in.To == orderv1.OrderStatus_ORDER_STATUS_CANCELLED {
			return serviceError(connect.CodeFailedPrecondition, "ILLEGAL_TRANSITION", "order is PAID")
		}
		return nil
	}
	h.expectState(11*time.Minute, StatePaid)
	h.after(time.Hour, func() { h.signal(SignalReceived, nil) })
	h.runTo(in, StateCompleted)
	// No release: the stock is confirmed (sold) for the paid order.
	h.expectCalls(append(slices.Clone(callsUntilBuyNowOrder),
		"TransitionOrder o-test [PENDING_PAYMENT]->CANCELLED (PAYMENT_EXPIRED): payment deadline passed",
		"ConfirmReservation o-test",
		"TransitionOrder o-test [PENDING_PAYMENT]->PAID (PAID): payment succeeded",
		"PublishOrderEvent o-test:PAID",
	)...)
}

func TestWorkflowCancellationDuringAwaitPaymentStillCompensates(t *testing.T) {
	h := newHarness(t)
	h.after(5*time.Minute, h.env.CancelWorkflow)
	_, err := h.run(cartInput())
	var canceled *temporal.CanceledError
	if !errors.As(err, &canceled) {
		t.Fatalf("workflow error %v, want canceled", err)
	}
	if got := h.query(); got.State != StateCancelled {
		t.Errorf("status %+v", got)
	}
	// The compensations ran although the workflow's context was cancelled.
	h.expectCalls(append(slices.Clone(callsUntilOrder),
		"TransitionOrder o-test [PENDING_PAYMENT]->CANCELLED (CANCELLED_BY_OPERATIONS): checkout cancelled by operations",
		"ReleaseReservation o-test",
	)...)
}

func TestConnectErrorsBecomeTemporalErrors(t *testing.T) {
	for _, tc := range []struct {
		code         connect.Code
		reason       string
		wantType     string
		nonRetryable bool
	}{
		{connect.CodeFailedPrecondition, "OUT_OF_STOCK", "OUT_OF_STOCK", true},
		{connect.CodeFailedPrecondition, "PRODUCT_OFF_SHELF", "PRODUCT_OFF_SHELF", true},
		{connect.CodeNotFound, "", "NOT_FOUND", true},
		{connect.CodeInvalidArgument, "", "INVALID_ARGUMENT", true},
		{connect.CodeAlreadyExists, "RESERVATION_CONFLICT", "RESERVATION_CONFLICT", true},
		{connect.CodePermissionDenied, "FORBIDDEN", "FORBIDDEN", true},
		{connect.CodeUnavailable, "UNAVAILABLE", "UNAVAILABLE", false},
		{connect.CodeUnavailable, "", "UNAVAILABLE", false},
		{connect.CodeDeadlineExceeded, "", "DEADLINE_EXCEEDED", false},
		{connect.CodeInternal, "INTERNAL", "INTERNAL", false},
		{connect.CodeResourceExhausted, "", "RESOURCE_EXHAUSTED", false},
		{connect.CodeUnauthenticated, "", "UNAUTHENTICATED", false},
	} {
		t.Run(tc.code.String()+"/"+tc.reason, func(t *testing.T) {
			err := serviceError(tc.code, tc.reason, "the message")
			var appErr *temporal.ApplicationError
			if !errors.As(err, &appErr) {
				t.Fatalf("%T %v", err, err)
			}
			if appErr.Type() != tc.wantType || appErr.NonRetryable() != tc.nonRetryable || appErr.Message() != "the message" {
				t.Errorf("type %q non-retryable %v message %q", appErr.Type(), appErr.NonRetryable(), appErr.Message())
			}
			if got := rpcCode(err); got != tc.code.String() {
				t.Errorf("rpcCode %q", got)
			}
			var connectErr *connect.Error
			if !errors.As(err, &connectErr) || connectErr.Code() != tc.code {
				t.Errorf("cause lost: %v", err)
			}
		})
	}
	if fromRPC(nil) != nil {
		t.Error("nil error mapped")
	}
	plain := errors.New("dial tcp: connection refused")
	if got := fromRPC(plain); got != plain {
		t.Errorf("non-Connect error changed: %v", got)
	}
	if rpcCode(plain) != "" || rpcCode(businessError(ErrTypeOutOfStock, "x")) != "" {
		t.Error("rpcCode of a non-RPC error")
	}
}

func TestFailureReasonsShowOnlyClientSafeMessages(t *testing.T) {
	for _, tc := range []struct {
		err        error
		want, code string
	}{
		{businessError(ErrTypeNotInCart, "product p1 is no longer in your cart"), "product p1 is no longer in your cart", ErrTypeNotInCart},
		{serviceError(connect.CodeFailedPrecondition, "OUT_OF_STOCK", "not enough stock for product p1"), "not enough stock for product p1", "OUT_OF_STOCK"},
		{serviceError(connect.CodeFailedPrecondition, "UNPAID_ORDERS_LIMIT", "you have 10 unpaid orders"), "you have 10 unpaid orders", "UNPAID_ORDERS_LIMIT"},
		{serviceError(connect.CodeFailedPrecondition, "", "some precondition"), "some precondition", "FAILED_PRECONDITION"},
		{serviceError(connect.CodeInvalidArgument, "", "lines[0].title: value is required"), genericFailure, ""},
		{serviceError(connect.CodeUnavailable, "", "dial tcp 10.0.0.1: refused"), genericFailure, ""},
		{errors.New("boom"), genericFailure, ""},
	} {
		if got, code := failureOf(tc.err); got != tc.want || code != tc.code {
			t.Errorf("failureOf(%v) = %q, %q; want %q, %q", tc.err, got, code, tc.want, tc.code)
		}
	}
}

// A compensation retries for as long as its service is down (here 20
// failed attempts, several minutes of backoff), not just for the 10 s a
// local activity's retries last by default.
func TestCompensationOutlastsAServiceOutage(t *testing.T) {
	h := newHarness(t)
	failures := 0
	h.transitionErr = func(TransitionInput) error {
		if failures < 20 {
			failures++
			return serviceError(connect.CodeUnavailable, "", "order service down")
		}
		return nil
	}
	in := buyNowInput()
	in.PaymentTimeout = time.Minute
	status, err := h.run(in)
	if err != nil {
		t.Fatal(err)
	}
	if status.State != StateCancelled || failures != 20 {
		t.Fatalf("result %+v after %d failures", status, failures)
	}
	if took := h.at["ReleaseReservation"].Sub(h.at["CreateOrder"]); took < 10*time.Minute {
		t.Fatalf("compensated %v after the order: the outage was not outlasted", took)
	}
}
