package checkout

import (
	"time"
	"unicode/utf8"

	"connectrpc.com/connect"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	orderv1 "mall/gen/mall/order/v1"
	"mall/workflows/searchattr"
)

// Activity options, set on purpose.
//
// Forward steps (pricing up to creating the order) give up after a few
// attempts, so a checkout fails in about a minute when a service stays down
// and its compensations run. Steps that must happen once decided
// (compensations, and everything after payment) retry without limit: a
// failure stays visible in the Web UI as a pending activity and resumes by
// itself when the service is back. Every activity is idempotent.
const (
	activityTimeout     = 10 * time.Second // one RPC (or two) to a service
	forwardAttempts     = 5
	forwardMaxInterval  = 10 * time.Second
	mustCompleteBackoff = time.Minute
	// A local activity's retries end at its ScheduleToCloseTimeout, which
	// defaults to its StartToCloseTimeout (10 s): each policy sets it.
	forwardWindow      = 2 * time.Minute
	mustCompleteWindow = 30 * 24 * time.Hour // "without limit", until ops step in
	maxReasonRunes     = 200                 // TransitionOrderRequest.reason
)

// Every step is a local activity: a short, idempotent RPC executed inside
// the workflow task, so the checkout reaches PENDING_PAYMENT in one task
// instead of a server round trip per step, and the history stays small (the
// Temporal server's CPU is what bounds checkouts per second; see the README).
// Retries longer than a workflow task are scheduled by the SDK as timers.

// localForwardOptions are for the steps before the order exists.
func localForwardOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout:    activityTimeout,
		ScheduleToCloseTimeout: forwardWindow,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        500 * time.Millisecond,
			BackoffCoefficient:     2,
			MaximumInterval:        forwardMaxInterval,
			MaximumAttempts:        forwardAttempts,
			NonRetryableErrorTypes: businessErrorTypes,
		},
	})
}

func mustCompleteOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout:    activityTimeout,
		ScheduleToCloseTimeout: mustCompleteWindow,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        mustCompleteBackoff,
			MaximumAttempts:        0, // unlimited
			NonRetryableErrorTypes: businessErrorTypes,
		},
	})
}

// compensationContext is where compensations run: disconnected from ctx, so
// cancelling the workflow cannot cancel them, with unlimited retries.
func compensationContext(ctx workflow.Context) workflow.Context {
	disconnected, _ := workflow.NewDisconnectedContext(ctx)
	return mustCompleteOptions(disconnected)
}

// CheckoutWorkflow is the checkout saga of one order: price the lines,
// resolve the address, reserve stock, create the order, remove the cart
// lines, then wait for payment, a cancel or the payment deadline. Paid:
// confirm the stock, mark the order PAID, publish the PAID event, then
// follow the order until it is completed. Cancelled or expired: cancel the
// order and release the stock, in a disconnected context. Its result (and
// the QueryStatus answer) is a Status; a cancellation of the workflow itself
// ends it with a canceled error after the compensations. Its search
// attributes (searchattr) follow the order's status as far as the saga
// sees it: it is not told of SHIPPED, so a shipped order reads PAID until
// it is delivered.
func CheckoutWorkflow(ctx workflow.Context, in Input) (Status, error) {
	c := &saga{
		in:          in,
		status:      Status{OrderID: in.OrderID, UserID: in.UserID, State: StateProcessing},
		logger:      log.With(workflow.GetLogger(ctx), "order_id", in.OrderID),
		paidCh:      workflow.GetSignalChannel(ctx, SignalPaid),
		cancelCh:    workflow.GetSignalChannel(ctx, SignalCancel),
		deliveredCh: workflow.GetSignalChannel(ctx, SignalDelivered),
		shippedCh:   workflow.GetSignalChannel(ctx, SignalShipped),
		receivedCh:  workflow.GetSignalChannel(ctx, SignalReceived),
		refundedCh:  workflow.GetSignalChannel(ctx, SignalRefunded),
	}
	if err := workflow.SetQueryHandler(ctx, QueryStatus, func() (Status, error) { return c.status, nil }); err != nil {
		return c.status, err
	}
	c.attrs = searchattr.NewRecorder(ctx)
	c.attrs.Set(ctx, searchattr.UserID.ValueSet(in.UserID), searchattr.OrderKind.ValueSet(searchattr.KindCheckout))
	return c.run(ctx)
}

// saga is one checkout in progress.
type saga struct {
	in     Input
	status Status
	logger log.Logger
	lines  []Line
	attrs  searchattr.Recorder // the order's status and total in the Web UI

	paidCh, cancelCh, deliveredCh, shippedCh, receivedCh, refundedCh workflow.ReceiveChannel
}

func (c *saga) run(ctx workflow.Context) (Status, error) {
	if c.in.OrderID == "" || c.in.UserID == "" {
		return c.fail(ctx, businessError("INVALID_INPUT", "checkout without an order id or a buyer"))
	}
	fwd := localForwardOptions(ctx)

	// 1-2. Price and validate the lines, resolve the address: nothing to undo.
	lines, err := priceLines(fwd, PriceLinesInput{UserID: c.in.UserID, CartProductIDs: c.in.CartProductIDs, BuyNow: c.in.BuyNow})
	if err != nil {
		return c.fail(ctx, err)
	}
	c.lines = lines
	address, err := resolveAddress(fwd, ResolveAddressInput{UserID: c.in.UserID, AddressID: c.in.AddressID})
	if err != nil {
		return c.fail(ctx, err)
	}

	// 3. Reserve the stock under the order id.
	items := make([]Item, 0, len(lines))
	for _, l := range lines {
		items = append(items, Item{ProductID: l.ProductID, Quantity: l.Quantity})
	}
	if err := reserveStock(fwd, ReserveStockInput{ReservationID: c.in.OrderID, Lines: items}); err != nil {
		// failed_precondition (out of stock, off shelf) reserved nothing.
		// Anything else may have reserved before failing: release.
		if rpcCode(err) != connect.CodeFailedPrecondition.String() {
			if relErr := releaseReservation(compensationContext(ctx), c.in.OrderID); relErr != nil {
				return c.status, relErr
			}
		}
		return c.fail(ctx, err)
	}

	// 4. Create the order; its payment deadline is the one the timer keeps.
	timeout := c.in.PaymentTimeout
	if timeout <= 0 {
		timeout = DefaultPaymentTimeout
	}
	deadline := workflow.Now(ctx).Add(timeout)
	if err := createOrder(fwd, CreateOrderInput{OrderID: c.in.OrderID, UserID: c.in.UserID, Lines: lines,
		Address: address, ReservationID: c.in.OrderID, PaymentDeadline: deadline}); err != nil {
		if undoErr := c.undoFailedOrder(ctx); undoErr != nil {
			return c.status, undoErr
		}
		return c.fail(ctx, err)
	}
	c.status.State = StateAwaitPayment
	c.attrs.Set(ctx, searchattr.OrderStatus.ValueSet(searchattr.Status(orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT)),
		searchattr.AmountCents.ValueSet(TotalCents(lines)))

	// 5. Remove the checked-out cart lines; a failure costs the buyer a
	// cart line, not the order.
	if c.in.BuyNow == nil {
		if err := removeCartLines(fwd, RemoveCartLinesInput{UserID: c.in.UserID, ProductIDs: c.in.CartProductIDs}); err != nil {
			c.logger.Warn("removing checked-out cart lines failed", "error", err)
		}
	}

	// 6. Wait for payment, a cancel, or the deadline.
	return c.awaitPayment(ctx, deadline)
}

// undoFailedOrder compensates a CreateOrder that failed after its retries.
// Its answer may have been lost after the order was written, so the order
// is cancelled if it exists (so it can never be paid) before its stock is
// released; an order that does not exist answers not_found.
func (c *saga) undoFailedOrder(ctx workflow.Context) error {
	cctx := compensationContext(ctx)
	err := transitionOrder(cctx, TransitionInput{OrderID: c.in.OrderID, To: orderv1.OrderStatus_ORDER_STATUS_CANCELLED,
		From: []orderv1.OrderStatus{orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT}, Reason: "checkout failed",
		Cause: orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_CHECKOUT_FAILED})
	if err != nil && rpcCode(err) != connect.CodeNotFound.String() {
		c.logger.Error("cannot cancel the order of a failed checkout; stock kept reserved", "error", err)
		return err
	}
	if err == nil { // the order had been written: it is cancelled now
		c.attrs.Set(ctx, searchattr.OrderStatus.ValueSet(searchattr.Status(orderv1.OrderStatus_ORDER_STATUS_CANCELLED)),
			searchattr.AmountCents.ValueSet(TotalCents(c.lines)))
	}
	return releaseReservation(cctx, c.in.OrderID)
}

func (c *saga) awaitPayment(ctx workflow.Context, deadline time.Time) (Status, error) {
	timerCtx, cancelTimer := workflow.WithCancel(ctx)
	defer cancelTimer()
	wait := max(deadline.Sub(workflow.Now(ctx)), time.Millisecond)
	timer := workflow.NewTimerWithOptions(timerCtx, wait, workflow.TimerOptions{Summary: "payment deadline"})

	var paid *PaidSignal
	var cancel *CancelSignal
	sel := workflow.NewSelector(ctx)
	sel.AddReceive(c.paidCh, func(ch workflow.ReceiveChannel, _ bool) {
		var s PaidSignal
		ch.Receive(ctx, &s)
		paid = &s
	})
	sel.AddReceive(c.cancelCh, func(ch workflow.ReceiveChannel, _ bool) {
		var s CancelSignal
		ch.Receive(ctx, &s)
		cancel = &s
	})
	sel.AddFuture(timer, func(workflow.Future) {}) // fired, or failed because the workflow was cancelled
	sel.Select(ctx)
	cancelTimer()

	// A payment that arrived with the cancel or the deadline wins: the money
	// is taken, and a paid order is what the buyer wants.
	if paid == nil {
		var s PaidSignal
		if c.paidCh.ReceiveAsync(&s) {
			paid = &s
		}
	}
	switch {
	case paid != nil:
		return c.onPaid(ctx, *paid)
	case ctx.Err() != nil:
		return c.cancelOrder(ctx, "checkout cancelled by operations", orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_CANCELLED_BY_OPERATIONS)
	case cancel != nil && cancel.ByOperations:
		return c.cancelOrder(ctx, "cancelled by operations: "+cancel.Reason, orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_CANCELLED_BY_OPERATIONS)
	case cancel != nil:
		reason := "cancelled by buyer"
		if cancel.Reason != "" {
			reason += ": " + cancel.Reason
		}
		return c.cancelOrder(ctx, reason, orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_CANCELLED_BY_BUYER)
	default:
		return c.cancelOrder(ctx, "payment deadline passed", orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_PAYMENT_EXPIRED)
	}
}

// cancelOrder compensates an unpaid order in reverse order: cancel the order,
// then release its stock, in a disconnected context.
func (c *saga) cancelOrder(ctx workflow.Context, reason string, cause orderv1.StatusChangeCause) (Status, error) {
	cctx := compensationContext(ctx)
	err := transitionOrder(cctx, TransitionInput{OrderID: c.in.OrderID, To: orderv1.OrderStatus_ORDER_STATUS_CANCELLED,
		From: []orderv1.OrderStatus{orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT}, Reason: ReasonText(reason), Cause: cause})
	switch {
	case err == nil:
		c.attrs.SetStatus(ctx, orderv1.OrderStatus_ORDER_STATUS_CANCELLED)
	case rpcCode(err) == connect.CodeFailedPrecondition.String():
		// The order left PENDING_PAYMENT without being cancelled: it was
		// paid meanwhile. Its stock is sold, not released.
		c.logger.Warn("order paid before it could be cancelled", "reason", reason)
		return c.onPaid(ctx, PaidSignal{})
	default:
		// The order may still be paid: keep its stock, let ops see the failure.
		c.logger.Error("cannot cancel the order; stock kept reserved", "error", err)
		return c.status, err
	}
	if err := releaseReservation(cctx, c.in.OrderID); err != nil {
		return c.status, err
	}
	c.status.State = StateCancelled
	return c.end(ctx)
}

// onPaid confirms the stock, marks the order PAID and publishes the PAID
// event, then follows the order to its end.
func (c *saga) onPaid(ctx workflow.Context, paid PaidSignal) (Status, error) {
	actx := ctx
	if ctx.Err() != nil { // the workflow was cancelled: record the payment anyway
		actx, _ = workflow.NewDisconnectedContext(ctx)
	}
	actx = mustCompleteOptions(actx)
	if err := confirmReservation(actx, c.in.OrderID); err != nil {
		c.logger.Error("cannot confirm the stock of a paid order", "error", err)
		return c.status, err
	}
	reason := "payment succeeded"
	if paid.PaymentID != "" {
		reason = "payment " + paid.PaymentID + " succeeded"
	}
	if err := transitionOrder(actx, TransitionInput{OrderID: c.in.OrderID, To: orderv1.OrderStatus_ORDER_STATUS_PAID,
		From: []orderv1.OrderStatus{orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT}, Reason: ReasonText(reason),
		Cause: orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_PAID}); err != nil {
		c.logger.Error("cannot mark a paid order PAID", "error", err)
		return c.status, err
	}
	c.status.State = StatePaid
	c.attrs.SetStatus(ctx, orderv1.OrderStatus_ORDER_STATUS_PAID)
	occurredAt := paid.PaidAt
	if occurredAt.IsZero() {
		occurredAt = workflow.Now(ctx)
	}
	if err := publishOrderEvent(actx, OrderEventInput{Type: orderv1.OrderEventType_ORDER_EVENT_TYPE_PAID, OrderID: c.in.OrderID,
		UserID: c.in.UserID, Lines: c.lines, OccurredAt: occurredAt.UTC()}); err != nil {
		c.logger.Error("PAID event not published", "error", err) // rankings miss it; the order is paid
	}
	return c.afterPayment(ctx)
}

// afterPayment waits for delivery (or the buyer's confirmation, or a
// refund before shipping), then for the buyer's confirmation or the
// auto-complete timer.
func (c *saga) afterPayment(ctx workflow.Context) (Status, error) {
	delivered, received, refunded := false, false, false
	for !delivered && !received && !refunded && ctx.Err() == nil {
		sel := workflow.NewSelector(ctx)
		sel.AddReceive(c.deliveredCh, func(ch workflow.ReceiveChannel, _ bool) { ch.Receive(ctx, nil); delivered = true })
		sel.AddReceive(c.shippedCh, func(ch workflow.ReceiveChannel, _ bool) {
			ch.Receive(ctx, nil)
			c.attrs.SetStatus(ctx, orderv1.OrderStatus_ORDER_STATUS_SHIPPED)
		})
		sel.AddReceive(c.receivedCh, func(ch workflow.ReceiveChannel, _ bool) { ch.Receive(ctx, nil); received = true })
		sel.AddReceive(c.refundedCh, func(ch workflow.ReceiveChannel, _ bool) { ch.Receive(ctx, nil); refunded = true })
		sel.AddReceive(ctx.Done(), func(workflow.ReceiveChannel, bool) {})
		c.ignoreAfterPayment(ctx, sel)
		sel.Select(ctx)
	}
	if ctx.Err() != nil {
		return c.end(ctx)
	}
	if refunded {
		c.status.State = StateRefunded
		c.attrs.SetStatus(ctx, orderv1.OrderStatus_ORDER_STATUS_REFUNDED)
		return c.end(ctx)
	}
	if received {
		c.status.State = StateCompleted
		c.attrs.SetStatus(ctx, orderv1.OrderStatus_ORDER_STATUS_COMPLETED)
		return c.end(ctx)
	}
	c.attrs.SetStatus(ctx, orderv1.OrderStatus_ORDER_STATUS_DELIVERED)

	autoComplete := c.in.AutoComplete
	if autoComplete <= 0 {
		autoComplete = DefaultAutoComplete
	}
	timerCtx, cancelTimer := workflow.WithCancel(ctx)
	defer cancelTimer()
	timer := workflow.NewTimerWithOptions(timerCtx, autoComplete, workflow.TimerOptions{Summary: "auto-complete"})
	fired := false
	for !fired && !received && ctx.Err() == nil {
		sel := workflow.NewSelector(ctx)
		sel.AddFuture(timer, func(f workflow.Future) { fired = f.Get(ctx, nil) == nil })
		sel.AddReceive(c.receivedCh, func(ch workflow.ReceiveChannel, _ bool) { ch.Receive(ctx, nil); received = true })
		sel.AddReceive(c.deliveredCh, func(ch workflow.ReceiveChannel, _ bool) { ch.Receive(ctx, nil) }) // duplicate
		c.ignoreAfterPayment(ctx, sel)
		sel.Select(ctx)
	}
	cancelTimer()
	if ctx.Err() != nil {
		return c.end(ctx)
	}
	if fired {
		if err := transitionOrder(mustCompleteOptions(ctx), TransitionInput{OrderID: c.in.OrderID,
			To: orderv1.OrderStatus_ORDER_STATUS_COMPLETED, From: []orderv1.OrderStatus{orderv1.OrderStatus_ORDER_STATUS_DELIVERED},
			Reason: "auto-completed", Cause: orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_AUTO_COMPLETED}); err != nil {
			c.logger.Error("cannot auto-complete the order", "error", err)
			return c.status, err
		}
	}
	c.status.State = StateCompleted
	c.attrs.SetStatus(ctx, orderv1.OrderStatus_ORDER_STATUS_COMPLETED)
	return c.end(ctx)
}

// ignoreAfterPayment consumes the signals that mean nothing once the order
// is paid: a repeated payment, and a cancel (a paid order is cancelled by
// CancellationWorkflow, which refunds it and then signals SignalRefunded).
func (c *saga) ignoreAfterPayment(ctx workflow.Context, sel workflow.Selector) {
	sel.AddReceive(c.paidCh, func(ch workflow.ReceiveChannel, _ bool) {
		var s PaidSignal
		ch.Receive(ctx, &s)
		c.logger.Info("payment signal for a paid order ignored", "payment_id", s.PaymentID)
	})
	sel.AddReceive(c.cancelCh, func(ch workflow.ReceiveChannel, _ bool) {
		var s CancelSignal
		ch.Receive(ctx, &s)
		c.logger.Info("cancel signal for a paid order ignored", "reason", s.Reason)
	})
}

// fail ends a checkout that never got an order.
func (c *saga) fail(ctx workflow.Context, err error) (Status, error) {
	c.status.State = StateFailed
	c.status.FailureReason, c.status.FailureCode = failureOf(err)
	c.logger.Warn("checkout failed", "reason", c.status.FailureReason, "error", err)
	return c.end(ctx)
}

// end drains the signals nobody waits for any more and returns the status;
// a cancelled workflow ends as cancelled (after its compensations).
func (c *saga) end(ctx workflow.Context) (Status, error) {
	for _, ch := range []workflow.ReceiveChannel{c.paidCh, c.cancelCh, c.deliveredCh, c.receivedCh, c.refundedCh} {
		for ch.ReceiveAsync(nil) {
		}
	}
	if err := ctx.Err(); err != nil {
		return c.status, temporal.NewCanceledError(string(c.status.State))
	}
	return c.status, nil
}

// TotalCents is what the lines cost, as the order service totals an order.
func TotalCents(lines []Line) int64 {
	var total int64
	for _, l := range lines {
		total += l.UnitPriceCents * int64(l.Quantity)
	}
	return total
}

// ReasonText cuts a reason to what an order's history keeps
// (TransitionOrderRequest.reason).
func ReasonText(s string) string {
	if utf8.RuneCountInString(s) <= maxReasonRunes {
		return s
	}
	return string([]rune(s)[:maxReasonRunes])
}

// Typed calls of the activities (registered under prefixed names).

func priceLines(ctx workflow.Context, in PriceLinesInput) ([]Line, error) {
	var lines []Line
	err := workflow.ExecuteLocalActivity(ctx, ActivityPriceLines, in).Get(ctx, &lines)
	return lines, err
}

func resolveAddress(ctx workflow.Context, in ResolveAddressInput) (Address, error) {
	var addr Address
	err := workflow.ExecuteLocalActivity(ctx, ActivityResolveAddress, in).Get(ctx, &addr)
	return addr, err
}

func reserveStock(ctx workflow.Context, in ReserveStockInput) error {
	return workflow.ExecuteLocalActivity(ctx, ActivityReserveStock, in).Get(ctx, nil)
}

func confirmReservation(ctx workflow.Context, reservationID string) error {
	return workflow.ExecuteLocalActivity(ctx, ActivityConfirmReservation, reservationID).Get(ctx, nil)
}

func releaseReservation(ctx workflow.Context, reservationID string) error {
	return workflow.ExecuteLocalActivity(ctx, ActivityReleaseReservation, reservationID).Get(ctx, nil)
}

func createOrder(ctx workflow.Context, in CreateOrderInput) error {
	return workflow.ExecuteLocalActivity(ctx, ActivityCreateOrder, in).Get(ctx, nil)
}

func transitionOrder(ctx workflow.Context, in TransitionInput) error {
	return workflow.ExecuteLocalActivity(ctx, ActivityTransitionOrder, in).Get(ctx, nil)
}

func removeCartLines(ctx workflow.Context, in RemoveCartLinesInput) error {
	return workflow.ExecuteLocalActivity(ctx, ActivityRemoveCartLines, in).Get(ctx, nil)
}

func publishOrderEvent(ctx workflow.Context, in OrderEventInput) error {
	return workflow.ExecuteLocalActivity(ctx, ActivityPublishOrderEvent, in).Get(ctx, nil)
}
