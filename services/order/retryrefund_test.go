package order

import (
	"context"
	"sync"
	"testing"

	orderv1 "mall/gen/mall/order/v1"
	"mall/services/platform/testenv"
	"mall/workflows/cancellation"
)

// refusedOrder is a PAID order of a fresh buyer whose refund the provider
// refused, with no refund run open.
func (f *fixture) refusedOrder(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	client := f.clients["grpc"]
	userID, userToken := f.user(t)
	orderID := "o-refused-" + testenv.RandomID(6)
	f.createOrder(t, client, userID, orderID)
	f.transition(t, client, orderID, orderv1.OrderStatus_ORDER_STATUS_PAID, "paid")
	if _, err := client.CancelOrder(ctx, testenv.Bearer(userToken, &orderv1.CancelOrderRequest{OrderId: orderID})); err != nil {
		t.Fatal(err)
	}
	if _, err := client.RecordRefundRefused(ctx, testenv.Bearer(f.service, &orderv1.RecordRefundRefusedRequest{OrderId: orderID})); err != nil {
		t.Fatal(err)
	}
	f.endRefundRun(t, orderID)
	return orderID
}

// endRefundRun ends the order's open refund run (no worker here runs it),
// as the run that met the provider's answer ends; it returns its run id.
func (f *fixture) endRefundRun(t *testing.T, orderID string) string {
	t.Helper()
	ctx := context.Background()
	desc, err := f.temporal.DescribeWorkflow(ctx, cancellation.WorkflowID(orderID), "")
	if err != nil {
		t.Fatal(err)
	}
	runID := desc.RawResponse.GetWorkflowExecutionInfo().GetExecution().GetRunId()
	if err := f.temporal.TerminateWorkflow(ctx, cancellation.WorkflowID(orderID), runID, "the test ends it"); err != nil {
		t.Fatal(err)
	}
	return runID
}

// latestRefundRun is the run id of the order's latest refund run.
func (f *fixture) latestRefundRun(t *testing.T, orderID string) string {
	t.Helper()
	desc, err := f.temporal.DescribeWorkflow(context.Background(), cancellation.WorkflowID(orderID), "")
	if err != nil {
		t.Fatal(err)
	}
	return desc.RawResponse.GetWorkflowExecutionInfo().GetExecution().GetRunId()
}

// One refusal is retried once: 50 operators' retries at once start one
// refund run, and a retry that read the order while that run was under way
// starts none after the run ended (its refusal, if any, is a new item the
// operator retries on purpose). A run whose start failed is started by the
// next retry.
func TestARefusedRefundIsRetriedOnceHoweverOftenItIsAsked(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	client := f.clients["grpc"]
	retry := func(orderID string) (*orderv1.Order, error) {
		res, err := client.RetryRefund(ctx, testenv.Bearer(f.service, &orderv1.RetryRefundRequest{OrderId: orderID}))
		if err != nil {
			return nil, err
		}
		return res.Msg.GetOrder(), nil
	}

	orderID := f.refusedOrder(t)
	refused := f.latestRefundRun(t, orderID)
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			o, err := retry(orderID)
			if err != nil {
				t.Error(err)
				return
			}
			if o.GetRefundState() != orderv1.RefundState_REFUND_STATE_REQUESTED {
				t.Errorf("a retry answered refund %v, want REQUESTED", o.GetRefundState())
			}
		})
	}
	wg.Wait()
	retried := f.latestRefundRun(t, orderID)
	if retried == refused {
		t.Fatal("no refund run started by the retries")
	}
	// The run ends (as when the provider answered) while the order still
	// reads REQUESTED to a late retry: that retry starts nothing.
	f.endRefundRun(t, orderID)
	if _, err := retry(orderID); err != nil {
		t.Fatal(err)
	}
	if run := f.latestRefundRun(t, orderID); run != retried {
		t.Errorf("a retry of a refusal already retried started another refund run (%s after %s)", run, retried)
	}
	// A retry that marked the order but whose start failed (Temporal down)
	// leaves the run owed: the next retry starts it.
	owed := f.refusedOrder(t)
	before := f.latestRefundRun(t, owed)
	if _, err := f.db.NewUpdate().Table("orders").Set("refund_state = ?", int32(orderv1.RefundState_REFUND_STATE_REQUESTED)).
		Set("refund_run_owed = 1").Where("id = ?", owed).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := retry(owed); err != nil {
		t.Fatal(err)
	}
	if run := f.latestRefundRun(t, owed); run == before {
		t.Error("the retry after a failed start started no refund run")
	}
	if _, err := retry(owed); err != nil {
		t.Fatal(err)
	}
}

// 50 operators cancelling one paid order at once start one refund run:
// every answer is the order with its refund REQUESTED, and the run they
// name is the one run of the order's refund.
func TestFiftyConcurrentAdminCancelsOfAPaidOrderStartOneRefund(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	client := f.clients["grpc"]
	userID, _ := f.user(t)
	orderID := "o-cancel-" + testenv.RandomID(6)
	f.createOrder(t, client, userID, orderID)
	f.transition(t, client, orderID, orderv1.OrderStatus_ORDER_STATUS_PAID, "paid")
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			res, err := client.AdminCancelOrder(ctx, testenv.Bearer(f.admin, &orderv1.AdminCancelOrderRequest{OrderId: orderID, Reason: "out of stock"}))
			if err != nil {
				t.Errorf("cancel %d: %v", i, err)
				return
			}
			if o := res.Msg.GetOrder(); o.GetStatus() != orderv1.OrderStatus_ORDER_STATUS_PAID || o.GetRefundState() != orderv1.RefundState_REFUND_STATE_REQUESTED {
				t.Errorf("cancel %d answered %v refund %v", i, o.GetStatus(), o.GetRefundState())
			}
		})
	}
	wg.Wait()
	first := f.latestRefundRun(t, orderID)
	// Once that run ended, another cancel starts none (one refund per order).
	f.endRefundRun(t, orderID)
	if _, err := client.AdminCancelOrder(ctx, testenv.Bearer(f.admin, &orderv1.AdminCancelOrderRequest{OrderId: orderID, Reason: "again"})); err != nil {
		t.Fatal(err)
	}
	if run := f.latestRefundRun(t, orderID); run != first {
		t.Errorf("a cancel after the refund run ended started another (%s after %s)", run, first)
	}
}
