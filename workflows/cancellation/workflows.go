package cancellation

import (
	"time"

	"connectrpc.com/connect"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	orderv1 "mall/gen/mall/order/v1"
	"mall/workflows/checkout"
	"mall/workflows/payment"
	"mall/workflows/rpcfailure"
	"mall/workflows/searchattr"
)

// Once asked for, a refund must happen: every step retries without limit
// (a failure stays visible in the Web UI as a pending activity and resumes
// when the service is back); every step is idempotent. The one exception is
// a refund the provider refuses: no retry changes that, so it ends the
// workflow in StateRefundRefused.
func stepOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		// Retries end at ScheduleToCloseTimeout (default: StartToCloseTimeout).
		ScheduleToCloseTimeout: 30 * 24 * time.Hour,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2,
			MaximumInterval: time.Minute, MaximumAttempts: 0},
	})
}

// changeRecordRefusal names the change that made a refused refund recorded
// on the order (workflow.GetVersion).
const changeRecordRefusal = "record-refund-refusal"

// CancellationWorkflow refunds a PAID order (the order service has already
// stopped it from shipping): refund through the provider, return the stock
// to available, mark the order REFUNDED, tell the checkout saga (which
// stops waiting for delivery) and publish the REFUNDED event for the
// rankings. Its steps run in a disconnected context: cancelling the
// workflow must not leave a refund half done. A refund the provider
// refuses stops it before anything else changes.
func CancellationWorkflow(ctx workflow.Context, in Input) (Status, error) {
	status := Status{OrderID: in.OrderID, State: StateRefunding}
	if err := workflow.SetQueryHandler(ctx, QueryStatus, func() (Status, error) { return status, nil }); err != nil {
		return status, err
	}
	logger := log.With(workflow.GetLogger(ctx), "order_id", in.OrderID)
	disconnected, _ := workflow.NewDisconnectedContext(ctx)
	sctx := stepOptions(disconnected)

	var order Order
	if err := workflow.ExecuteLocalActivity(sctx, ActivityLoadOrder, in.OrderID).Get(sctx, &order); err != nil {
		return status, err
	}
	attrs := searchattr.NewRecorder(ctx)
	attrs.Set(ctx, searchattr.UserID.ValueSet(order.UserID), searchattr.AmountCents.ValueSet(checkout.TotalCents(order.Lines)),
		searchattr.OrderKind.ValueSet(searchattr.Kind(order.Kind)), searchattr.OrderStatus.ValueSet(searchattr.Status(order.Status)))
	switch order.Status {
	case orderv1.OrderStatus_ORDER_STATUS_PAID:
	case orderv1.OrderStatus_ORDER_STATUS_REFUNDED: // a repeat after the work was done
		status.State = StateRefunded
		return status, nil
	default:
		logger.Warn("order is not PAID; nothing to refund", "status", order.Status.String())
		status.State = StateNotPaid
		return status, nil
	}

	// 1. Money back. No successful payment on record (failed_precondition)
	// means no money was taken through the provider: nothing to return.
	err := workflow.ExecuteLocalActivity(sctx, ActivityRefund, in).Get(sctx, &status.MoneyReturned)
	if reason, refused := payment.RefusedRefund(err); refused {
		logger.Error("the provider refused the refund: the order stays PAID and held back from shipping for an operator",
			"reason", reason)
		status.State, status.RefundRefusal = StateRefundRefused, reason
		// The buyer sees it on the order. Workflows that ended here before
		// this step existed replay without it.
		if workflow.GetVersion(ctx, changeRecordRefusal, workflow.DefaultVersion, 1) == 1 {
			if err := workflow.ExecuteLocalActivity(sctx, ActivityRecordRefundRefused, in.OrderID).Get(sctx, nil); err != nil {
				return status, err
			}
		}
		return status, nil
	}
	if err != nil && rpcfailure.Code(err) != connect.CodeFailedPrecondition.String() {
		return status, err
	}
	if err != nil {
		logger.Warn("no successful payment on record; refunding stock only", "error", err)
	}

	// 2. Stock back to available (the reservation was confirmed as sold). A
	// flash-sale order's paid units are the reservation named by its order
	// id, also for orders written before they recorded it.
	reservationID := order.ReservationID
	if reservationID == "" && order.Kind == orderv1.OrderKind_ORDER_KIND_FLASH_SALE {
		reservationID = in.OrderID
	}
	if reservationID != "" {
		if err := workflow.ExecuteLocalActivity(sctx, checkout.ActivityReleaseReservation, reservationID).Get(sctx, nil); err != nil {
			return status, err
		}
	}

	// 3. The order ends REFUNDED.
	reason := "refunded"
	if in.Reason != "" {
		reason = checkout.ReasonText("refunded: " + in.Reason)
	}
	if err := workflow.ExecuteLocalActivity(sctx, checkout.ActivityTransitionOrder, checkout.TransitionInput{OrderID: in.OrderID,
		To: orderv1.OrderStatus_ORDER_STATUS_REFUNDED, From: []orderv1.OrderStatus{orderv1.OrderStatus_ORDER_STATUS_PAID}, Reason: reason,
		Cause: orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_REFUNDED}).Get(sctx, nil); err != nil {
		return status, err
	}
	status.State = StateRefunded
	attrs.SetStatus(ctx, orderv1.OrderStatus_ORDER_STATUS_REFUNDED)

	// 4. Tell the checkout saga; one that has ended needs nothing.
	if err := workflow.SignalExternalWorkflow(disconnected, checkout.WorkflowID(in.OrderID), "", checkout.SignalRefunded, nil).Get(disconnected, nil); err != nil {
		logger.Info("checkout saga not signalled", "error", err)
	}
	// 5. Rankings count the units as unsold again.
	if err := workflow.ExecuteLocalActivity(sctx, checkout.ActivityPublishOrderEvent, checkout.OrderEventInput{
		Type: orderv1.OrderEventType_ORDER_EVENT_TYPE_REFUNDED, OrderID: in.OrderID, UserID: order.UserID,
		Lines: order.Lines, OccurredAt: workflow.Now(ctx).UTC(), Kind: order.Kind, SeckillEventID: order.SeckillEventID}).Get(sctx, nil); err != nil {
		logger.Error("REFUNDED event not published", "error", err)
	}
	return status, nil
}
