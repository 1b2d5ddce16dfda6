package order

import (
	"context"
	"errors"
	"time"

	"connectrpc.com/connect"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	orderv1 "mall/gen/mall/order/v1"
	"mall/services/platform/auth"
	"mall/services/platform/rpcerr"
	"mall/workflows/cancellation"
	"mall/workflows/checkout"
)

// Memo keys of a checkout workflow: the buyer, so GetCheckout can tell
// whose a checkout is even when the workflow ended without an answer to
// the status query (failed, terminated); and the request's fingerprint, so
// a request id reused for another checkout is refused.
const (
	memoUserID  = "userId"
	memoRequest = "request"
)

// queryTimeout bounds the status query: a workflow no worker serves would
// otherwise hold the request until its deadline.
const queryTimeout = 5 * time.Second

// Checkout starts the checkout saga and returns the order id at once. The
// order id derives from the buyer and the request id, and the workflow id
// from the order id with REJECT_DUPLICATE, so a retry (while the saga runs,
// or after it ended) returns the same id and starts nothing new; the same
// request id with other items or another address is already_exists. A
// buyer starting checkouts too fast, or at a cap on unpaid orders, is
// refused before anything starts.
func (s *Service) Checkout(ctx context.Context, req *connect.Request[orderv1.CheckoutRequest]) (*connect.Response[orderv1.CheckoutResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	msg := req.Msg
	orderID := checkout.OrderID(userID, msg.GetRequestId())
	answer := connect.NewResponse(&orderv1.CheckoutResponse{OrderId: orderID})
	fingerprint := requestFingerprint(msg)
	if err := s.admitCheckout(ctx, userID, msg); err != nil {
		// A retry of a checkout that started before the buyer reached a
		// limit still gets its order.
		started, conflict := s.startedCheckout(ctx, orderID, fingerprint)
		if conflict != nil {
			return nil, conflict
		}
		if started {
			return answer, nil
		}
		return nil, err
	}
	in := checkout.Input{
		OrderID: orderID, UserID: userID, AddressID: msg.GetAddressId(),
		PaymentTimeout: s.opts.PaymentTimeout, AutoComplete: s.opts.AutoComplete,
	}
	switch items := msg.GetItems().(type) {
	case *orderv1.CheckoutRequest_Cart:
		in.CartProductIDs = items.Cart.GetProductIds()
	case *orderv1.CheckoutRequest_BuyNow:
		in.BuyNow = &checkout.Item{ProductID: items.BuyNow.GetProductId(), Quantity: items.BuyNow.GetQuantity()}
	}
	_, err = s.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                                       checkout.WorkflowID(orderID),
		TaskQueue:                                s.taskQueue,
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		Memo:                                     map[string]any{memoUserID: userID, memoRequest: fingerprint},
	}, checkout.WorkflowName, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		if _, conflict := s.startedCheckout(ctx, orderID, fingerprint); conflict != nil {
			return nil, conflict
		}
		return answer, nil
	}
	if err != nil {
		s.logger.ErrorContext(ctx, "start checkout workflow", "order_id", orderID, "err", err)
		return nil, errWorkflowUnavailable()
	}
	return answer, nil
}

// GetCheckout tells the caller how their checkout is going (checkoutState).
func (s *Service) GetCheckout(ctx context.Context, req *connect.Request[orderv1.GetCheckoutRequest]) (*connect.Response[orderv1.GetCheckoutResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	state, err := s.checkoutState(ctx, userID, req.Msg.GetOrderId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(state), nil
}

// checkoutState tells userID how their checkout of orderID is going: the
// order once it exists, else the saga's state from its workflow. Another
// user's checkout, or one that never started, is not found.
func (s *Service) checkoutState(ctx context.Context, userID, orderID string) (*orderv1.GetCheckoutResponse, error) {
	if view, err := s.createdCheckout(ctx, userID, orderID); view != nil || err != nil {
		return view, err
	}
	workflowID := checkout.WorkflowID(orderID)
	desc, err := s.temporal.DescribeWorkflow(ctx, workflowID, "")
	if isWorkflowNotFound(err) {
		return nil, errCheckoutNotFound()
	}
	if err != nil {
		s.logger.ErrorContext(ctx, "describe checkout workflow", "workflow_id", workflowID, "err", err)
		return nil, errWorkflowUnavailable()
	}
	info := desc.RawResponse.GetWorkflowExecutionInfo()
	memoOwner, hasMemo := memoString(info.GetMemo().GetFields()[memoUserID])
	if hasMemo && memoOwner != userID {
		return nil, errCheckoutNotFound()
	}

	var status checkout.Status
	var known bool
	switch info.GetStatus() {
	case enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING:
		queryCtx, cancel := context.WithTimeout(ctx, queryTimeout)
		value, err := s.temporal.QueryWorkflow(queryCtx, workflowID, "", checkout.QueryStatus)
		cancel()
		if err == nil && value.Get(&status) == nil {
			known = true
		} else {
			// Not answered (no worker has run its first task yet): it is
			// still processing, as far as anyone can tell.
			s.logger.WarnContext(ctx, "query checkout workflow", "workflow_id", workflowID, "err", err)
		}
	case enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
		// The workflow's result is its final Status.
		if err := s.temporal.GetWorkflow(ctx, workflowID, "").Get(ctx, &status); err == nil {
			known = true
		} else {
			s.logger.WarnContext(ctx, "checkout workflow result", "workflow_id", workflowID, "err", err)
		}
	default: // failed, terminated, cancelled, timed out: no order will come
		status = checkout.Status{OrderID: orderID, State: checkout.StateFailed}
		known = true
	}
	// The checkout is the caller's when the workflow says so (its status, or
	// the memo Checkout set) and nothing says otherwise.
	if known && status.UserID != "" && status.UserID != userID {
		return nil, errCheckoutNotFound()
	}
	if (!known || status.UserID != userID) && !hasMemo {
		return nil, errCheckoutNotFound()
	}
	if known && status.State == checkout.StateFailed {
		reason := status.FailureReason
		if reason == "" {
			reason = "checkout failed"
		}
		return &orderv1.GetCheckoutResponse{OrderId: orderID, State: orderv1.CheckoutState_CHECKOUT_STATE_FAILED, FailureReason: reason,
			FailureCode: checkoutFailureCode(status.FailureCode)}, nil
	}
	// The order may have been created since the first look.
	if view, err := s.createdCheckout(ctx, userID, orderID); view != nil || err != nil {
		return view, err
	}
	return &orderv1.GetCheckoutResponse{OrderId: orderID, State: orderv1.CheckoutState_CHECKOUT_STATE_PROCESSING}, nil
}

// createdCheckout answers ORDER_CREATED when the caller's order exists, and
// nothing (nil, nil) otherwise.
func (s *Service) createdCheckout(ctx context.Context, userID, orderID string) (*orderv1.GetCheckoutResponse, error) {
	o, err := s.order(ctx, orderID, userID)
	if connect.CodeOf(err) == connect.CodeNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &orderv1.GetCheckoutResponse{OrderId: orderID, State: orderv1.CheckoutState_CHECKOUT_STATE_ORDER_CREATED, Order: o}, nil
}

// CancelOrder cancels one of the caller's orders (cancelOrder).
func (s *Service) CancelOrder(ctx context.Context, req *connect.Request[orderv1.CancelOrderRequest]) (*connect.Response[orderv1.CancelOrderResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	o, err := s.cancelOrder(ctx, userID, req.Msg.GetOrderId(), req.Msg.GetReason())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orderv1.CancelOrderResponse{Order: o}), nil
}

// cancelOrder cancels one of userID's orders. A PENDING_PAYMENT order is
// cancelled by its checkout saga (signalled here), which also releases the
// stock; an unpaid flash-sale order, which has no saga, is cancelled here
// and its units go back to its sale (cancelFlashOrder). A PAID order is
// marked so it cannot ship any more, and CancellationWorkflow refunds it,
// returns its stock and marks it REFUNDED (the answer shows it PAID with
// refund_requested_at). Cancelled or refunded orders are returned
// unchanged; shipped ones cannot be cancelled.
func (s *Service) cancelOrder(ctx context.Context, userID, orderID, reason string) (*orderv1.Order, error) {
	o, err := s.order(ctx, orderID, userID)
	if err != nil {
		return nil, err
	}
	if reason == "" {
		reason = "cancelled by the buyer"
	}
	switch o.GetStatus() {
	case orderv1.OrderStatus_ORDER_STATUS_CANCELLED, orderv1.OrderStatus_ORDER_STATUS_REFUNDED:
		return o, nil
	case orderv1.OrderStatus_ORDER_STATUS_PAID:
		return s.refund(ctx, userID, orderID, reason)
	case orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT:
		if o.GetKind() == orderv1.OrderKind_ORDER_KIND_FLASH_SALE {
			return s.cancelFlashOrder(ctx, userID, o, reason, orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_CANCELLED_BY_BUYER)
		}
	default:
		return nil, errShipped()
	}
	err = s.temporal.SignalWorkflow(ctx, checkout.WorkflowID(orderID), "", checkout.SignalCancel, checkout.CancelSignal{Reason: reason})
	if isWorkflowNotFound(err) {
		// No saga holds this order any more (it ended, or never ran it):
		// nothing can release its stock from here.
		return nil, rpcerr.New(connect.CodeFailedPrecondition, ReasonCheckoutNotRunning, "this order can no longer be cancelled here")
	}
	if err != nil {
		s.logger.ErrorContext(ctx, "signal cancel", "order_id", orderID, "err", err)
		return nil, errWorkflowUnavailable()
	}
	return o, nil
}

// refund stops a paid order from shipping and starts its refund saga. The
// mark comes first and stays: a retried CancelOrder (after the start failed)
// starts the saga again, and one start per order is all Temporal allows.
func (s *Service) refund(ctx context.Context, userID, orderID, reason string) (*orderv1.Order, error) {
	marked, err := markRefundRequested(ctx, s.db, orderID, userID, now())
	if err != nil {
		return nil, err
	}
	if !marked { // it shipped (or was refunded) since it was read
		return s.cancelOrder(ctx, userID, orderID, reason)
	}
	s.publishChange(ctx, orderID)
	_, err = s.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       cancellation.WorkflowID(orderID),
		TaskQueue:                s.taskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, cancellation.WorkflowName, cancellation.Input{OrderID: orderID, Reason: reason})
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if err != nil && !errors.As(err, &started) {
		s.logger.ErrorContext(ctx, "start cancellation workflow", "order_id", orderID, "err", err)
		return nil, errWorkflowUnavailable()
	}
	return s.order(ctx, orderID, userID)
}

// RecordRefundRefused marks a refund the provider refused on its order
// (CancellationWorkflow): the order stays PAID, held back from shipping,
// and shows REFUND_STATE_REFUSED. A repeat answers the order as it is; an
// order that has no refund request or is no longer PAID cannot have one.
func (s *Service) RecordRefundRefused(ctx context.Context, req *connect.Request[orderv1.RecordRefundRefusedRequest]) (*connect.Response[orderv1.RecordRefundRefusedResponse], error) {
	orderID := req.Msg.GetOrderId()
	if err := markRefundRefused(ctx, s.db, orderID, now()); err != nil {
		return nil, err
	}
	s.publishChange(ctx, orderID)
	o, err := s.order(ctx, orderID, "")
	if err != nil {
		return nil, err
	}
	if o.GetRefundState() != orderv1.RefundState_REFUND_STATE_REFUSED {
		return nil, rpcerr.New(connect.CodeFailedPrecondition, ReasonStatusMismatch,
			"the order is "+statusName(o.GetStatus())+" without a refund under way")
	}
	return connect.NewResponse(&orderv1.RecordRefundRefusedResponse{Order: o}), nil
}

// RetryRefund asks again for a refund the provider refused (an operator's
// retry through the ops service): the order's refund is REQUESTED again,
// then a new CancellationWorkflow run asks the provider again. The mark
// comes first and stays, as in refund, with the run owed until it has
// started: a call repeated after the start failed starts the run, one
// running already is used as it is, and a call that comes once it started
// starts none (once it ended, the provider has answered this refusal).
func (s *Service) RetryRefund(ctx context.Context, req *connect.Request[orderv1.RetryRefundRequest]) (*connect.Response[orderv1.RetryRefundResponse], error) {
	orderID := req.Msg.GetOrderId()
	marked, err := markRefundRetried(ctx, s.db, orderID, now())
	if err != nil {
		return nil, err
	}
	if marked {
		s.publishChange(ctx, orderID)
	}
	o, row, err := loadOrder(ctx, s.db, orderID)
	if isNoRows(err) {
		return nil, errOrderNotFound()
	}
	if err != nil {
		return nil, err
	}
	if o.GetStatus() != orderv1.OrderStatus_ORDER_STATUS_PAID || o.GetRefundState() != orderv1.RefundState_REFUND_STATE_REQUESTED {
		return nil, rpcerr.New(connect.CodeFailedPrecondition, ReasonRefundNotRefused,
			"the order is "+statusName(o.GetStatus())+" without a refused refund")
	}
	if !marked && !row.RefundRunOwed {
		// This refusal's retry has started its run: it is under way, or it
		// ended and its answer is about to land on the order. Starting
		// another would ask the provider a second time.
		return connect.NewResponse(&orderv1.RetryRefundResponse{Order: o}), nil
	}
	_, err = s.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:        cancellation.WorkflowID(orderID),
		TaskQueue: s.taskQueue,
		// The run that met the refusal has completed: a new run of the
		// same id asks again.
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, cancellation.WorkflowName, cancellation.Input{OrderID: orderID, Reason: "refund retried by operations", RetryRefused: true})
	if err != nil {
		s.logger.ErrorContext(ctx, "start cancellation workflow (refund retry)", "order_id", orderID, "err", err)
		return nil, errWorkflowUnavailable()
	}
	if err := refundRunStarted(ctx, s.db, orderID); err != nil {
		return nil, err
	}
	return connect.NewResponse(&orderv1.RetryRefundResponse{Order: o}), nil
}

// ConfirmReceipt completes one of the caller's delivered orders, then tells
// its checkout saga, which stops waiting to complete it by itself.
// Confirming twice returns the completed order.
func (s *Service) ConfirmReceipt(ctx context.Context, req *connect.Request[orderv1.ConfirmReceiptRequest]) (*connect.Response[orderv1.ConfirmReceiptResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	orderID := req.Msg.GetOrderId()
	o, _, err := s.transition(ctx, transitionSpec{
		OrderID: orderID, OwnerID: userID, To: orderv1.OrderStatus_ORDER_STATUS_COMPLETED, Reason: "receipt confirmed by the buyer",
		Cause: orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_RECEIPT_CONFIRMED,
	})
	if err != nil {
		return nil, err
	}
	// Best effort: without the signal the saga's timer fires later and finds
	// the order COMPLETED already, which changes nothing.
	if err := s.signal(ctx, orderID, checkout.SignalReceived); err != nil {
		s.logger.WarnContext(ctx, "signal receipt confirmed", "order_id", orderID, "err", err)
	}
	return connect.NewResponse(&orderv1.ConfirmReceiptResponse{Order: o}), nil
}

// signal sends a payload-less signal to an order's checkout workflow; a
// workflow that does not exist or already ended is not an error.
func (s *Service) signal(ctx context.Context, orderID, name string) error {
	err := s.temporal.SignalWorkflow(ctx, checkout.WorkflowID(orderID), "", name, nil)
	if isWorkflowNotFound(err) {
		return nil
	}
	return err
}

// isWorkflowNotFound reports a workflow that does not exist or has ended
// (Temporal answers NotFound to signals sent to a closed workflow).
func isWorkflowNotFound(err error) bool {
	var notFound *serviceerror.NotFound
	return errors.As(err, &notFound)
}

// memoString decodes a string memo field; absent or undecodable is false.
func memoString(payload *commonpb.Payload) (string, bool) {
	if payload == nil {
		return "", false
	}
	var s string
	if err := converter.GetDefaultDataConverter().FromPayload(payload, &s); err != nil {
		return "", false
	}
	return s, true
}
