package cancellation

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	orderv1 "mall/gen/mall/order/v1"
	"mall/workflows/checkout"
	"mall/workflows/payment"
	"mall/workflows/rpcfailure"
	"mall/workflows/searchattr/searchattrtest"
)

// CancellationWorkflow in the testsuite, with its own activities and the
// checkout activities it reuses replaced by fakes that record their calls.

const testOrder = "o-test"

type harness struct {
	t   *testing.T
	env *testsuite.TestWorkflowEnvironment

	mu         sync.Mutex
	calls      []string
	status     orderv1.OrderStatus
	refundErrs []error // returned by Refund in turn, then success
	// flash makes the order a flash-sale one written before flash orders
	// recorded their reservation (the order id).
	flash bool
	attrs *searchattrtest.Upserts
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	Register(env, &Activities{})
	checkout.Register(env, &checkout.Activities{})
	h := &harness{t: t, env: env, status: orderv1.OrderStatus_ORDER_STATUS_PAID, attrs: searchattrtest.Record(env)}
	env.OnActivity(ActivityLoadOrder, mock.Anything, mock.Anything).Return(func(_ context.Context, id string) (Order, error) {
		h.record("LoadOrder %s", id)
		o := Order{Status: h.status, UserID: "u-1", ReservationID: id,
			Lines: []checkout.Line{{ProductID: "p1", Quantity: 2, UnitPriceCents: 100}}}
		if h.flash {
			o.ReservationID, o.Kind, o.SeckillEventID = "", orderv1.OrderKind_ORDER_KIND_FLASH_SALE, "ev-1"
		}
		return o, nil
	})
	env.OnActivity(ActivityRefund, mock.Anything, mock.Anything).Return(func(_ context.Context, in Input) (bool, error) {
		h.record("Refund %s", in.OrderID)
		h.mu.Lock()
		defer h.mu.Unlock()
		if len(h.refundErrs) > 0 {
			err := h.refundErrs[0]
			h.refundErrs = h.refundErrs[1:]
			return false, err
		}
		return true, nil
	})
	env.OnActivity(ActivityRecordRefundRefused, mock.Anything, mock.Anything).Return(func(_ context.Context, id string) error {
		h.record("RecordRefundRefused %s", id)
		return nil
	})
	env.OnActivity(checkout.ActivityReleaseReservation, mock.Anything, mock.Anything).Return(func(_ context.Context, id string) error {
		h.record("ReleaseReservation %s", id)
		return nil
	})
	env.OnActivity(checkout.ActivityTransitionOrder, mock.Anything, mock.Anything).Return(func(_ context.Context, in checkout.TransitionInput) error {
		h.record("TransitionOrder %s->%s (%s): %s", in.From, in.To, in.Cause, in.Reason)
		return nil
	})
	env.OnActivity(checkout.ActivityPublishOrderEvent, mock.Anything, mock.Anything).Return(func(_ context.Context, in checkout.OrderEventInput) error {
		h.record("PublishOrderEvent %s %d lines", checkout.EventID(in.OrderID, in.Type), len(in.Lines))
		return nil
	})
	env.OnSignalExternalWorkflow(mock.Anything, checkout.WorkflowID(testOrder), "", checkout.SignalRefunded, mock.Anything).Return(
		func(_, _, _, _ string, _ any) error { h.record("Signal refunded"); return nil })
	return h
}

func (h *harness) record(format string, args ...any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls = append(h.calls, fmt.Sprintf(format, args...))
}

func (h *harness) run() Status {
	h.t.Helper()
	h.env.ExecuteWorkflow(CancellationWorkflow, Input{OrderID: testOrder, Reason: "changed my mind"})
	if !h.env.IsWorkflowCompleted() || h.env.GetWorkflowError() != nil {
		h.t.Fatalf("workflow: completed %v, error %v", h.env.IsWorkflowCompleted(), h.env.GetWorkflowError())
	}
	var status Status
	if err := h.env.GetWorkflowResult(&status); err != nil {
		h.t.Fatal(err)
	}
	return status
}

func (h *harness) wantCalls(want ...string) {
	h.t.Helper()
	if strings.Join(h.calls, "\n") != strings.Join(want, "\n") {
		h.t.Fatalf("calls:\n  %s\nwant:\n  %s", strings.Join(h.calls, "\n  "), strings.Join(want, "\n  "))
	}
}

var refundSteps = []string{
	"LoadOrder o-test",
	"Refund o-test",
	"ReleaseReservation o-test",
	"TransitionOrder [ORDER_STATUS_PAID]->ORDER_STATUS_REFUNDED (STATUS_CHANGE_CAUSE_REFUNDED): refunded: changed my mind",
	"Signal refunded",
	"PublishOrderEvent o-test:REFUNDED 1 lines",
}

func TestRefundReturnsMoneyThenStockThenMarksTheOrder(t *testing.T) {
	h := newHarness(t)
	status := h.run()
	if status != (Status{OrderID: testOrder, State: StateRefunded, MoneyReturned: true}) {
		t.Fatalf("status %+v", status)
	}
	h.wantCalls(refundSteps...)
}

func TestRefundOutlastsAPaymentOutage(t *testing.T) {
	h := newHarness(t)
	for range 12 {
		h.refundErrs = append(h.refundErrs, rpcfailure.FromRPC(connect.NewError(connect.CodeUnavailable, errors.New("provider down"))))
	}
	status := h.run()
	if status.State != StateRefunded || len(h.calls) != len(refundSteps)+12 {
		t.Fatalf("status %+v calls %v", status, h.calls)
	}
}

func TestNoPaymentOnRecordStillReturnsTheStock(t *testing.T) {
	h := newHarness(t)
	h.refundErrs = []error{rpcfailure.FromRPC(connect.NewError(connect.CodeFailedPrecondition, errors.New("no successful payment")))}
	status := h.run()
	if status != (Status{OrderID: testOrder, State: StateRefunded, MoneyReturned: false}) {
		t.Fatalf("status %+v", status)
	}
	h.wantCalls(refundSteps...)
}

// A paid flash-sale order's units are the reservation named by its order
// id, even when the order did not record it: they go back to available.
func TestAFlashSaleOrdersUnitsAreReleasedByItsOrderID(t *testing.T) {
	h := newHarness(t)
	h.flash = true
	if status := h.run(); status.State != StateRefunded {
		t.Fatalf("status %+v", status)
	}
	h.wantCalls(refundSteps...)
}

func TestAlreadyRefundedOrderChangesNothing(t *testing.T) {
	h := newHarness(t)
	h.status = orderv1.OrderStatus_ORDER_STATUS_REFUNDED
	if status := h.run(); status.State != StateRefunded || status.MoneyReturned {
		t.Fatalf("status %+v", status)
	}
	h.wantCalls("LoadOrder o-test")
}

func TestShippedOrderIsNotRefunded(t *testing.T) {
	h := newHarness(t)
	h.status = orderv1.OrderStatus_ORDER_STATUS_SHIPPED
	if status := h.run(); status.State != StateNotPaid {
		t.Fatalf("status %+v", status)
	}
	h.wantCalls("LoadOrder o-test")
}

// A refund the provider refuses cannot succeed on a retry: the workflow
// completes in StateRefundRefused after one call and records the refusal
// on the order for its buyer; nothing else moves (the order stays PAID and
// held back from shipping; its stock stays sold).
func TestARefundTheProviderRefusesEndsTheWorkflow(t *testing.T) {
	h := newHarness(t)
	h.refundErrs = []error{temporal.NewNonRetryableApplicationError("the payment provider refused the refund (not_refundable)",
		payment.ErrTypeRefundRefused, nil)}
	status := h.run()
	if status != (Status{OrderID: testOrder, State: StateRefundRefused, RefundRefusal: "the payment provider refused the refund (not_refundable)"}) {
		t.Fatalf("status %+v", status)
	}
	h.wantCalls("LoadOrder o-test", "Refund o-test", "RecordRefundRefused o-test")
}
