package order

import (
	"context"
	"slices"
	"testing"

	"connectrpc.com/connect"
	enumspb "go.temporal.io/api/enums/v1"

	orderv1 "mall/gen/mall/order/v1"
	"mall/services/platform/testenv"
	"mall/workflows/cancellation"
	"mall/workflows/checkout"
)

// The checkout tests run the order service against a Temporal dev server
// whose worker runs the stand-in saga of harness_test.go (the real
// CheckoutWorkflow is tested in workflows/checkout and end to end in
// services/app).

func cartCheckout(requestID string, products ...string) *orderv1.CheckoutRequest {
	return &orderv1.CheckoutRequest{RequestId: requestID, AddressId: "a-home",
		Items: &orderv1.CheckoutRequest_Cart{Cart: &orderv1.CartSelection{ProductIds: products}}}
}

func TestCheckoutStartsOneWorkflowPerRequest(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for name, client := range f.clients {
		t.Run(name, func(t *testing.T) {
			alice, aliceToken := f.user(t)
			_, bobToken := f.user(t)
			requestID := "req-" + testenv.RandomID(6)

			first, err := client.Checkout(ctx, testenv.Bearer(aliceToken, cartCheckout(requestID, "p0001", "p0002")))
			if err != nil {
				t.Fatal(err)
			}
			orderID := first.Msg.GetOrderId()
			if orderID != checkout.OrderID(alice, requestID) {
				t.Fatalf("order id %q, want %q", orderID, checkout.OrderID(alice, requestID))
			}
			workflowID := checkout.WorkflowID(orderID)
			// The query is answered once the worker ran the workflow, so the
			// run count below is settled.
			state, err := client.GetCheckout(ctx, testenv.Bearer(aliceToken, &orderv1.GetCheckoutRequest{OrderId: orderID}))
			if err != nil || state.Msg.GetState() != orderv1.CheckoutState_CHECKOUT_STATE_PROCESSING || state.Msg.GetOrder() != nil {
				t.Fatalf("checkout state %v %v", state, err)
			}
			value, err := f.temporal.QueryWorkflow(ctx, workflowID, "", queryInput)
			if err != nil {
				t.Fatal(err)
			}
			var in checkout.Input
			if err := value.Get(&in); err != nil {
				t.Fatal(err)
			}
			if in.OrderID != orderID || in.UserID != alice || in.AddressID != "a-home" || !slices.Equal(in.CartProductIDs, []string{"p0001", "p0002"}) ||
				in.BuyNow != nil || in.PaymentTimeout != f.svc.opts.PaymentTimeout || in.AutoComplete != f.svc.opts.AutoComplete {
				t.Fatalf("workflow input %+v", in)
			}

			// A retry while the saga runs: same order, nothing new started.
			again, err := client.Checkout(ctx, testenv.Bearer(aliceToken, cartCheckout(requestID, "p0001", "p0002")))
			if err != nil || again.Msg.GetOrderId() != orderID {
				t.Fatalf("retry %v %v", again, err)
			}
			if runs := f.saga.runsOf(workflowID); runs != 1 {
				t.Fatalf("%d workflow runs after a retry", runs)
			}
			desc, err := f.temporal.DescribeWorkflow(ctx, workflowID, "")
			if err != nil || desc.RawResponse.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
				t.Fatalf("describe %v %v", desc, err)
			}
			runID := desc.RawResponse.GetWorkflowExecutionInfo().GetExecution().GetRunId()

			// Another user with the same request id gets an order of their own.
			bobs, err := client.Checkout(ctx, testenv.Bearer(bobToken, &orderv1.CheckoutRequest{RequestId: requestID, AddressId: "a-bob",
				Items: &orderv1.CheckoutRequest_BuyNow{BuyNow: &orderv1.BuyNowItem{ProductId: "p0003", Quantity: 2}}}))
			if err != nil || bobs.Msg.GetOrderId() == orderID {
				t.Fatalf("bob's checkout %v %v", bobs, err)
			}
			bobState, err := client.GetCheckout(ctx, testenv.Bearer(bobToken, &orderv1.GetCheckoutRequest{OrderId: bobs.Msg.GetOrderId()}))
			if err != nil || bobState.Msg.GetState() != orderv1.CheckoutState_CHECKOUT_STATE_PROCESSING {
				t.Fatalf("bob's state %v %v", bobState, err)
			}
			value, err = f.temporal.QueryWorkflow(ctx, checkout.WorkflowID(bobs.Msg.GetOrderId()), "", queryInput)
			if err != nil || value.Get(&in) != nil || in.BuyNow == nil || *in.BuyNow != (checkout.Item{ProductID: "p0003", Quantity: 2}) || in.CartProductIDs != nil {
				t.Fatalf("bob's input %+v %v", in, err)
			}
			// Neither sees the other's checkout.
			_, err = client.GetCheckout(ctx, testenv.Bearer(bobToken, &orderv1.GetCheckoutRequest{OrderId: orderID}))
			testenv.WantCode(t, err, connect.CodeNotFound, ReasonCheckoutNotFound)
			_, err = client.GetCheckout(ctx, testenv.Bearer(aliceToken, &orderv1.GetCheckoutRequest{OrderId: bobs.Msg.GetOrderId()}))
			testenv.WantCode(t, err, connect.CodeNotFound, ReasonCheckoutNotFound)
			_, err = client.GetCheckout(ctx, testenv.Bearer(aliceToken, &orderv1.GetCheckoutRequest{OrderId: checkout.OrderID(alice, "never-sent-1")}))
			testenv.WantCode(t, err, connect.CodeNotFound, ReasonCheckoutNotFound)

			// A retry after the saga ended still names the same order and
			// starts nothing: the closed run is still the latest.
			if err := f.temporal.SignalWorkflow(ctx, workflowID, "", checkout.SignalCancel, checkout.CancelSignal{Reason: "test"}); err != nil {
				t.Fatal(err)
			}
			f.waitWorkflow(t, orderID)
			late, err := client.Checkout(ctx, testenv.Bearer(aliceToken, cartCheckout(requestID, "p0002", "p0001")))
			if err != nil || late.Msg.GetOrderId() != orderID {
				t.Fatalf("late retry %v %v", late, err)
			}
			// The same request id for other items is another checkout: refused.
			_, err = client.Checkout(ctx, testenv.Bearer(aliceToken, cartCheckout(requestID, "p0001")))
			testenv.WantCode(t, err, connect.CodeAlreadyExists, ReasonRequestIDReused)
			desc, err = f.temporal.DescribeWorkflow(ctx, workflowID, "")
			if err != nil || desc.RawResponse.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED ||
				desc.RawResponse.GetWorkflowExecutionInfo().GetExecution().GetRunId() != runID {
				t.Fatalf("after a late retry: %v %v", desc.RawResponse.GetWorkflowExecutionInfo(), err)
			}
			if runs := f.saga.runsOf(workflowID); runs != 1 {
				t.Fatalf("%d workflow runs", runs)
			}
		})
	}
}

func TestGetCheckoutFollowsTheSaga(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for name, client := range f.clients {
		t.Run(name, func(t *testing.T) {
			alice, aliceToken := f.user(t)
			_, bobToken := f.user(t)
			res, err := client.Checkout(ctx, testenv.Bearer(aliceToken, cartCheckout("req-"+testenv.RandomID(6), "p0001")))
			if err != nil {
				t.Fatal(err)
			}
			orderID := res.Msg.GetOrderId()
			state, err := client.GetCheckout(ctx, testenv.Bearer(aliceToken, &orderv1.GetCheckoutRequest{OrderId: orderID}))
			if err != nil || state.Msg.GetState() != orderv1.CheckoutState_CHECKOUT_STATE_PROCESSING || state.Msg.GetOrderId() != orderID {
				t.Fatalf("before the order: %v %v", state, err)
			}
			// The saga creates the order: from now on the answer carries it.
			created := f.createOrder(t, client, alice, orderID)
			state, err = client.GetCheckout(ctx, testenv.Bearer(aliceToken, &orderv1.GetCheckoutRequest{OrderId: orderID}))
			if err != nil || state.Msg.GetState() != orderv1.CheckoutState_CHECKOUT_STATE_ORDER_CREATED ||
				state.Msg.GetOrder().GetOrderId() != orderID || state.Msg.GetOrder().GetTotalCents() != created.GetTotalCents() {
				t.Fatalf("after the order: %v %v", state, err)
			}
			_, err = client.GetCheckout(ctx, testenv.Bearer(bobToken, &orderv1.GetCheckoutRequest{OrderId: orderID}))
			testenv.WantCode(t, err, connect.CodeNotFound, "")

			// A checkout that failed before an order existed says why.
			failed, err := client.Checkout(ctx, testenv.Bearer(aliceToken, &orderv1.CheckoutRequest{RequestId: "req-" + testenv.RandomID(6), AddressId: "a-home",
				Items: &orderv1.CheckoutRequest_BuyNow{BuyNow: &orderv1.BuyNowItem{ProductId: failProductID, Quantity: 1}}}))
			if err != nil {
				t.Fatal(err)
			}
			if status := f.waitWorkflow(t, failed.Msg.GetOrderId()); status.State != checkout.StateFailed {
				t.Fatalf("stand-in ended %+v", status)
			}
			state, err = client.GetCheckout(ctx, testenv.Bearer(aliceToken, &orderv1.GetCheckoutRequest{OrderId: failed.Msg.GetOrderId()}))
			if err != nil || state.Msg.GetState() != orderv1.CheckoutState_CHECKOUT_STATE_FAILED ||
				state.Msg.GetFailureReason() != "out of stock: "+failProductID || state.Msg.GetFailureCode() != checkout.ErrTypeOutOfStock ||
				state.Msg.GetOrder() != nil {
				t.Fatalf("failed checkout: %v %v", state, err)
			}
			// Its code is a reason the contract names, whatever the saga
			// recorded.
			odd, err := client.Checkout(ctx, testenv.Bearer(aliceToken, &orderv1.CheckoutRequest{RequestId: "req-" + testenv.RandomID(6), AddressId: "a-home",
				Items: &orderv1.CheckoutRequest_BuyNow{BuyNow: &orderv1.BuyNowItem{ProductId: failOddlyProductID, Quantity: 1}}}))
			if err != nil {
				t.Fatal(err)
			}
			f.waitWorkflow(t, odd.Msg.GetOrderId())
			state, err = client.GetCheckout(ctx, testenv.Bearer(aliceToken, &orderv1.GetCheckoutRequest{OrderId: odd.Msg.GetOrderId()}))
			if err != nil || state.Msg.GetState() != orderv1.CheckoutState_CHECKOUT_STATE_FAILED || state.Msg.GetFailureCode() != ReasonCheckoutFailed {
				t.Fatalf("checkout failed oddly: %v %v", state, err)
			}
			_, err = client.GetCheckout(ctx, testenv.Bearer(bobToken, &orderv1.GetCheckoutRequest{OrderId: failed.Msg.GetOrderId()}))
			testenv.WantCode(t, err, connect.CodeNotFound, ReasonCheckoutNotFound)
			_, err = client.GetOrder(ctx, testenv.Bearer(aliceToken, &orderv1.GetOrderRequest{OrderId: failed.Msg.GetOrderId()}))
			testenv.WantCode(t, err, connect.CodeNotFound, ReasonOrderNotFound)
		})
	}
}

func TestCancelOrderSignalsTheSaga(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for name, client := range f.clients {
		t.Run(name, func(t *testing.T) {
			alice, aliceToken := f.user(t)
			_, bobToken := f.user(t)
			res, err := client.Checkout(ctx, testenv.Bearer(aliceToken, cartCheckout("req-"+testenv.RandomID(6), "p0001")))
			if err != nil {
				t.Fatal(err)
			}
			orderID := res.Msg.GetOrderId()
			f.createOrder(t, client, alice, orderID)

			_, err = client.CancelOrder(ctx, testenv.Bearer(bobToken, &orderv1.CancelOrderRequest{OrderId: orderID, Reason: "not mine"}))
			testenv.WantCode(t, err, connect.CodeNotFound, ReasonOrderNotFound)
			// The saga cancels the order (and releases its stock); the answer
			// is the order as it is at the time of the request.
			cancelled, err := client.CancelOrder(ctx, testenv.Bearer(aliceToken, &orderv1.CancelOrderRequest{OrderId: orderID, Reason: "changed my mind"}))
			if err != nil || cancelled.Msg.GetOrder().GetStatus() != statusPending {
				t.Fatalf("cancel %v %v", cancelled, err)
			}
			if status := f.waitWorkflow(t, orderID); status.State != checkout.StateCancelled {
				t.Fatalf("saga ended %+v", status)
			}
			workflowID := checkout.WorkflowID(orderID)
			if got := f.saga.signalsOf(workflowID); !slices.Equal(got, []string{checkout.SignalCancel}) {
				t.Fatalf("signals %v", got)
			}
			if reason := f.saga.reasonOf(workflowID); reason != "changed my mind" {
				t.Fatalf("cancel reason %q", reason)
			}
			// What the real saga's compensation does; then a repeated cancel
			// returns the cancelled order unchanged.
			f.transition(t, client, orderID, statusCancelled, "cancelled by the buyer: changed my mind")
			again, err := client.CancelOrder(ctx, testenv.Bearer(aliceToken, &orderv1.CancelOrderRequest{OrderId: orderID}))
			if err != nil || again.Msg.GetOrder().GetStatus() != statusCancelled || len(again.Msg.GetOrder().GetHistory()) != 2 {
				t.Fatalf("cancel again %v %v", again, err)
			}

			// An unpaid order whose saga is gone cannot be cancelled from here.
			orphan := "o-" + testenv.RandomID(6)
			f.createOrder(t, client, alice, orphan)
			_, err = client.CancelOrder(ctx, testenv.Bearer(aliceToken, &orderv1.CancelOrderRequest{OrderId: orphan}))
			testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonCheckoutNotRunning)

			// Paid: the order is marked (it can no longer ship) and the
			// refund saga starts, once however often the buyer asks.
			f.transition(t, client, orphan, statusPaid, "paid")
			for range 2 {
				res, err := client.CancelOrder(ctx, testenv.Bearer(aliceToken, &orderv1.CancelOrderRequest{OrderId: orphan, Reason: "too slow"}))
				if err != nil || res.Msg.GetOrder().GetStatus() != statusPaid || res.Msg.GetOrder().GetRefundRequestedAt() == nil {
					t.Fatalf("cancel paid %v %v", res, err)
				}
			}
			desc, err := f.temporal.DescribeWorkflow(ctx, cancellation.WorkflowID(orphan), "")
			if err != nil || desc.RawResponse.GetWorkflowExecutionInfo().GetType().GetName() != cancellation.WorkflowName {
				t.Fatalf("cancellation workflow %v %v", desc, err)
			}
			_, err = client.ShipOrder(ctx, testenv.Bearer(f.admin, &orderv1.ShipOrderRequest{OrderId: orphan, Carrier: "SF", TrackingNumber: "SF1"}))
			testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonRefundInProgress)

			// Shipped: too late.
			shipped := "o-" + testenv.RandomID(6)
			f.createOrder(t, client, alice, shipped)
			f.transition(t, client, shipped, statusPaid, "paid")
			f.transition(t, client, shipped, statusShipped, "shipped")
			_, err = client.CancelOrder(ctx, testenv.Bearer(aliceToken, &orderv1.CancelOrderRequest{OrderId: shipped}))
			testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonOrderShipped)
			got, err := client.GetOrder(ctx, testenv.Bearer(aliceToken, &orderv1.GetOrderRequest{OrderId: shipped}))
			if err != nil || got.Msg.GetOrder().GetStatus() != statusShipped || got.Msg.GetOrder().GetRefundRequestedAt() != nil {
				t.Fatalf("after refused cancels %v %v", got, err)
			}
		})
	}
}

// TestDeliveryAndReceiptSignalTheSaga: MarkDelivered starts the saga's
// auto-complete timer and ConfirmReceipt ends it, by signal.
func TestDeliveryAndReceiptSignalTheSaga(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for name, client := range f.clients {
		t.Run(name, func(t *testing.T) {
			alice, aliceToken := f.user(t)
			res, err := client.Checkout(ctx, testenv.Bearer(aliceToken, cartCheckout("req-"+testenv.RandomID(6), "p0001")))
			if err != nil {
				t.Fatal(err)
			}
			orderID := res.Msg.GetOrderId()
			f.createOrder(t, client, alice, orderID)
			f.transition(t, client, orderID, statusPaid, "paid")
			if _, err := client.ShipOrder(ctx, testenv.Bearer(f.admin, &orderv1.ShipOrderRequest{OrderId: orderID, Carrier: "YTO", TrackingNumber: "YT9"})); err != nil {
				t.Fatal(err)
			}
			if _, err := client.MarkDelivered(ctx, testenv.Bearer(f.admin, &orderv1.MarkDeliveredRequest{OrderId: orderID})); err != nil {
				t.Fatal(err)
			}
			done, err := client.ConfirmReceipt(ctx, testenv.Bearer(aliceToken, &orderv1.ConfirmReceiptRequest{OrderId: orderID}))
			if err != nil || done.Msg.GetOrder().GetStatus() != statusCompleted {
				t.Fatalf("confirm %v %v", done, err)
			}
			if status := f.waitWorkflow(t, orderID); status.State != checkout.StateCompleted {
				t.Fatalf("saga ended %+v", status)
			}
			want := []string{checkout.SignalShipped, checkout.SignalDelivered, checkout.SignalReceived}
			if got := f.saga.signalsOf(checkout.WorkflowID(orderID)); !slices.Equal(got, want) {
				t.Fatalf("signals %v, want %v", got, want)
			}
		})
	}
}

func TestCheckoutValidation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, token := f.user(t)
	for name, client := range f.clients {
		t.Run(name, func(t *testing.T) {
			for _, req := range []*orderv1.CheckoutRequest{
				cartCheckout("short", "p0001"),                                 // request id too short
				cartCheckout("has spaces in it", "p0001"),                      // outside the pattern
				cartCheckout("req-" + testenv.RandomID(6)),                     // no products
				cartCheckout("req-"+testenv.RandomID(6), "p1", "p1"),           // duplicates
				{RequestId: "req-" + testenv.RandomID(6), AddressId: "a-home"}, // no items at all
				{RequestId: "req-" + testenv.RandomID(6), Items: &orderv1.CheckoutRequest_Cart{Cart: &orderv1.CartSelection{ProductIds: []string{"p1"}}}},
				{RequestId: "req-" + testenv.RandomID(6), AddressId: "a-home",
					Items: &orderv1.CheckoutRequest_BuyNow{BuyNow: &orderv1.BuyNowItem{ProductId: "p1", Quantity: 0}}},
			} {
				_, err := client.Checkout(ctx, testenv.Bearer(token, req))
				testenv.WantCode(t, err, connect.CodeInvalidArgument, "")
			}
			_, err := client.Checkout(ctx, testenv.Bearer("", cartCheckout("req-"+testenv.RandomID(6), "p0001")))
			testenv.WantCode(t, err, connect.CodeUnauthenticated, "")
		})
	}
	if n := f.saga.total(); n != 0 {
		t.Fatalf("invalid checkouts started %d workflows", n)
	}
}
