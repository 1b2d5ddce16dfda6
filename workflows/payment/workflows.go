package payment

import (
	"errors"
	"fmt"
	"time"

	"connectrpc.com/connect"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	orderv1 "mall/gen/mall/order/v1"
	payv1 "mall/gen/mall/pay/v1"
	"mall/workflows/checkout"
	"mall/workflows/rpcfailure"
	"mall/workflows/searchattr"
)

// Activity options, set on purpose. Every step is a short idempotent call
// run as a local activity (one workflow task per step, as in checkout).
// Starting an attempt gives up after about a minute, and the attempt is then
// recorded as declined so the buyer can try again; steps after a decision
// (recording the outcome, telling the order, refunding) retry without limit.
const (
	activityTimeout    = 10 * time.Second
	startAttempts      = 5
	mustCompleteMaxGap = time.Minute
	orderPollMaxGap    = 10 * time.Second
	// A local activity's retries end at its ScheduleToCloseTimeout (which
	// defaults to its StartToCloseTimeout): each policy sets it.
	startWindow        = 2 * time.Minute
	mustCompleteWindow = 30 * 24 * time.Hour // "without limit", until ops step in
	providerFailure    = "the payment provider is unavailable, please try again"
	deadlineReason     = "payment deadline passed"
	chargeRefused      = "the payment provider's charge did not match this order"
	// A final webhook the provider did not confirm makes the next one wait
	// at least this long after the last check, doubling up to the poll
	// interval: a flood of forged webhooks costs a few provider calls more
	// than polling does, never one call per webhook.
	hintBackoffMin = time.Second
)

func startOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: activityTimeout, ScheduleToCloseTimeout: startWindow,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 500 * time.Millisecond, BackoffCoefficient: 2,
			MaximumInterval: 10 * time.Second, MaximumAttempts: startAttempts},
	})
}

func mustCompleteOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: activityTimeout, ScheduleToCloseTimeout: mustCompleteWindow,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2,
			MaximumInterval: mustCompleteMaxGap, MaximumAttempts: 0},
	})
}

// orderPollOptions pace AwaitOrderOutcome, whose "still pending" error is
// retried until the checkout saga has recorded the payment (or cancelled).
func orderPollOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: activityTimeout, ScheduleToCloseTimeout: mustCompleteWindow,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 500 * time.Millisecond, BackoffCoefficient: 1.5,
			MaximumInterval: orderPollMaxGap, MaximumAttempts: 0},
	})
}

// PaymentWorkflow pays one order: an attempt creates the payment record,
// asks the provider for a charge (idempotency key = payment id), records it,
// and waits until the provider's API says the charge is final: a webhook
// only makes it ask sooner than the next poll. That lasts until the order's
// deadline (then it cancels the charge at the provider; a charge that
// succeeded meanwhile is honoured). Every charge the provider answers must
// be the attempt's (ChargeTerms); one that is not is refused and reported,
// never paid. Declined: the attempt is recorded and the buyer may start
// another through UpdatePay. Succeeded: recorded, the checkout saga is
// signalled, and once the order has left PENDING_PAYMENT a payment that came
// too late (order CANCELLED) is refunded. Its search attributes name the
// buyer, the amount and the kind from the start, and the order's status
// once a successful payment has seen the order leave PENDING_PAYMENT.
func PaymentWorkflow(ctx workflow.Context, in Input) (Status, error) {
	p := &payer{
		in:     in,
		status: Status{OrderID: in.OrderID, State: StateStarting},
		logger: log.With(workflow.GetLogger(ctx), "order_id", in.OrderID),
		events: workflow.GetSignalChannel(ctx, SignalProviderEvent),
	}
	if p.in.PollInterval <= 0 {
		p.in.PollInterval = DefaultPollInterval
	}
	if err := workflow.SetQueryHandler(ctx, QueryStatus, func() (Status, error) { return p.status, nil }); err != nil {
		return p.status, err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdatePay, p.pay, workflow.UpdateHandlerOptions{Validator: p.validatePay}); err != nil {
		return p.status, err
	}
	// The order's status is set once the payment learns it (tellTheOrder).
	p.attrs = searchattr.NewRecorder(ctx)
	p.attrs.Set(ctx, searchattr.UserID.ValueSet(in.UserID), searchattr.AmountCents.ValueSet(in.AmountCents),
		searchattr.OrderKind.ValueSet(searchattr.Kind(in.Kind)))
	status, err := p.run(ctx)
	// Let running UpdatePay calls answer before the workflow closes.
	_ = workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
	for p.events.ReceiveAsync(nil) { // late or duplicate webhooks: nothing to do
	}
	return status, err
}

// payer is one order's payment in progress.
type payer struct {
	in             Input
	status         Status
	logger         log.Logger
	events         workflow.ReceiveChannel
	retryRequested bool
	attrs          searchattr.Recorder
}

func (p *payer) final() bool {
	switch p.status.State {
	case StateSucceeded, StateExpired, StateRefundedLate, StateRefundRefused, StateAwaitingOrder:
		return true
	}
	return false
}

// validatePay rejects UpdatePay for a payment that cannot take money any more.
func (p *payer) validatePay(workflow.Context) error {
	switch p.status.State {
	case StateSucceeded, StateAwaitingOrder:
		return temporal.NewApplicationError("this order is already paid", RejectAlreadyPaid)
	case StateExpired, StateRefundedLate, StateRefundRefused:
		return temporal.NewApplicationError("the payment deadline of this order has passed", RejectExpired)
	}
	return nil
}

// pay answers UpdatePay: after a decline it asks for a new attempt; then it
// waits until the current attempt's pay page exists (or the attempt ended).
func (p *payer) pay(ctx workflow.Context) (Status, error) {
	if p.status.State == StateDeclined {
		p.retryRequested = true
		p.status.State = StateStarting
	}
	err := workflow.Await(ctx, func() bool {
		return p.status.State == StateAwaitingBuyer || p.status.State == StateDeclined || p.final()
	})
	return p.status, err
}

func (p *payer) run(ctx workflow.Context) (Status, error) {
	for attempt := 1; ; attempt++ {
		outcome, err := p.attempt(ctx, attempt)
		if err != nil {
			return p.status, err
		}
		switch outcome.Status {
		case ChargeSucceeded:
			return p.onSucceeded(ctx, outcome.Charge)
		case ChargeDeclined:
			if err := p.settle(ctx, payv1.PaymentStatus_PAYMENT_STATUS_DECLINED, outcome.DeclineReason); err != nil {
				return p.status, err
			}
			p.status.State, p.status.DeclineReason = StateDeclined, outcome.DeclineReason
			retry, err := workflow.AwaitWithTimeout(ctx, p.untilDeadline(ctx), func() bool { return p.retryRequested })
			if err != nil {
				return p.status, err
			}
			if !retry {
				p.status.State = StateExpired
				return p.status, nil
			}
			p.retryRequested = false
		default: // the deadline passed and the charge was closed (or refused)
			reason := deadlineReason
			if p.status.ChargeRefusal != "" {
				reason += "; " + chargeRefused
			}
			if err := p.settle(ctx, payv1.PaymentStatus_PAYMENT_STATUS_EXPIRED, reason); err != nil {
				return p.status, err
			}
			p.status.State = StateExpired
			return p.status, nil
		}
	}
}

// attemptOutcome is how an attempt's charge ended, as the provider's API
// answered it: succeeded (Charge is the confirmed charge), declined, or (any
// other status, or a charge that was refused) closed at the deadline.
type attemptOutcome struct {
	Status        ChargeStatus
	DeclineReason string
	Charge        Charge
}

// outcomeOf is the outcome of a charge the provider answered and that
// matches the attempt.
func outcomeOf(c Charge) attemptOutcome {
	return attemptOutcome{Status: c.Status, DeclineReason: c.DeclineReason, Charge: c}
}

// terms are what the current attempt asked the provider for; chargeID is
// "" before the provider has named the charge.
func (p *payer) terms(chargeID string) ChargeTerms {
	return ChargeTerms{ChargeID: chargeID, Reference: p.status.PaymentID, OrderID: p.in.OrderID,
		AmountCents: p.in.AmountCents, Currency: Currency}
}

// attempt runs attempt n until its charge is final or the deadline passes.
func (p *payer) attempt(ctx workflow.Context, n int) (attemptOutcome, error) {
	paymentID := PaymentID(p.in.OrderID, n)
	p.status = Status{OrderID: p.in.OrderID, State: StateStarting, Attempt: n, PaymentID: paymentID}
	sctx := startOptions(ctx)
	err := workflow.ExecuteLocalActivity(sctx, ActivityCreatePaymentRecord, RecordInput{
		PaymentID: paymentID, OrderID: p.in.OrderID, UserID: p.in.UserID, AmountCents: p.in.AmountCents}).Get(ctx, nil)
	if err != nil {
		return attemptOutcome{}, err // nothing recorded: the workflow fails and Pay answers unavailable
	}
	var charge Charge
	err = workflow.ExecuteLocalActivity(sctx, ActivityCreateCharge, ChargeInput{PaymentID: paymentID, OrderID: p.in.OrderID,
		AmountCents: p.in.AmountCents, ReturnURL: p.in.ReturnURL, NotifyURL: p.in.NotifyURL}).Get(ctx, &charge)
	if err == nil {
		// A charge for other terms (a replayed idempotency key answered with
		// another charge) is not offered to the buyer: the attempt ends like
		// one the provider could not start, and Pay starts a fresh one.
		if field, differences := p.terms("").Check(charge); field != "" {
			p.refuse(ctx, charge.ID, field, differences)
			return attemptOutcome{Status: ChargeDeclined, DeclineReason: chargeRefused}, nil
		}
		err = workflow.ExecuteLocalActivity(sctx, ActivityRecordCharge, RecordChargeInput{
			PaymentID: paymentID, ChargeID: charge.ID, PayURL: charge.PayURL}).Get(ctx, nil)
	}
	if err != nil {
		p.logger.Warn("payment attempt could not start", "payment_id", paymentID, "error", err)
		return attemptOutcome{Status: ChargeDeclined, DeclineReason: providerFailure}, nil
	}
	p.status.ChargeID, p.status.PayURL, p.status.State = charge.ID, charge.PayURL, StateAwaitingBuyer
	if charge.Status.Final() { // a replayed CreateCharge of a charge that settled already
		return outcomeOf(charge), nil
	}
	return p.awaitCharge(ctx, charge.ID)
}

// awaitCharge waits until the provider's API says the charge is final,
// asking it every PollInterval, and sooner when a webhook says the charge is
// final: the webhook is only a hint, its status is never the outcome. A hint
// the API does not confirm is reported, and the next hint is checked no
// sooner than hintBackoffMin (doubling up to PollInterval) after the last
// check; hints that come while one waits to be checked, hints for other
// charges and non-final ones are dropped. An answer that is not this
// attempt's charge, or a refusal to answer for it, is reported and refused:
// the charge is not asked about again, and the attempt waits for the
// deadline. At the deadline the charge is cancelled at the provider and its
// answer decides.
func (p *payer) awaitCharge(ctx workflow.Context, chargeID string) (attemptOutcome, error) {
	terms := p.terms(chargeID)
	mctx := mustCompleteOptions(ctx)
	lastCheck := workflow.Now(ctx)
	var hint *ProviderEvent // a final hint waiting to be checked
	var hintGap time.Duration
	for {
		wait := p.untilDeadline(ctx)
		if wait <= 0 {
			return p.closeAtDeadline(ctx, terms)
		}
		if p.status.ChargeRefusal == "" {
			gap := p.in.PollInterval
			if hint != nil {
				gap = hintGap
			}
			wait = min(wait, lastCheck.Add(gap).Sub(workflow.Now(ctx)))
		}
		if wait > 0 {
			if p.sleep(ctx, wait, chargeID, &hint) {
				continue // a hint came: it may be checked sooner
			}
			if p.status.ChargeRefusal != "" || p.untilDeadline(ctx) <= 0 {
				continue
			}
		}
		var charge Charge
		err := workflow.ExecuteLocalActivity(mctx, ActivityGetCharge, chargeID).Get(ctx, &charge)
		if providerRefused(err) { // the provider does not know the charge: it cannot be confirmed
			p.refuse(ctx, chargeID, ReasonUnknownCharge, refusalText(err))
			continue
		}
		if err != nil {
			return attemptOutcome{}, err
		}
		lastCheck = workflow.Now(ctx)
		claimed := hint
		hint = nil
		if field, differences := terms.Check(charge); field != "" {
			p.refuse(ctx, chargeID, field, differences)
			continue
		}
		if claimed != nil && claimed.Status != charge.Status {
			p.report(ctx, chargeID, ReasonUnconfirmedHint, fmt.Sprintf("webhook %s says %q, the provider's API %q",
				clip(claimed.EventID), clip(string(claimed.Status)), charge.Status))
			hintGap = min(max(2*hintGap, hintBackoffMin), p.in.PollInterval)
		}
		if charge.Status.Final() {
			return outcomeOf(charge), nil
		}
	}
}

// sleep waits d, or until a final hint for chargeID arrives when none is
// waiting and the charge has not been refused; it reports whether one did.
// Every other event it receives is dropped.
func (p *payer) sleep(ctx workflow.Context, d time.Duration, chargeID string, hint **ProviderEvent) bool {
	timerCtx, cancelTimer := workflow.WithCancel(ctx)
	defer cancelTimer()
	timer := workflow.NewTimerWithOptions(timerCtx, d, workflow.TimerOptions{Summary: "ask the provider"})
	for {
		fired, hinted := false, false
		sel := workflow.NewSelector(ctx)
		sel.AddReceive(p.events, func(ch workflow.ReceiveChannel, _ bool) {
			var ev ProviderEvent
			ch.Receive(ctx, &ev)
			if *hint == nil && p.status.ChargeRefusal == "" && ev.ChargeID == chargeID && ev.Status.Final() {
				*hint, hinted = &ev, true
			}
		})
		sel.AddFuture(timer, func(workflow.Future) { fired = true })
		sel.Select(ctx)
		if fired || hinted {
			return hinted
		}
	}
}

// closeAtDeadline cancels the charge at the provider and returns what the
// provider answers: a charge that succeeded meanwhile is honoured if it is
// the attempt's. One the provider will not answer for is refused.
func (p *payer) closeAtDeadline(ctx workflow.Context, terms ChargeTerms) (attemptOutcome, error) {
	var charge Charge
	err := workflow.ExecuteLocalActivity(mustCompleteOptions(ctx), ActivityCancelCharge, terms.ChargeID).Get(ctx, &charge)
	field, differences := ReasonUnknownCharge, ""
	switch {
	case providerRefused(err):
		differences = refusalText(err)
	case err != nil:
		return attemptOutcome{}, err
	default:
		field, differences = terms.Check(charge)
	}
	if field != "" {
		if p.status.ChargeRefusal == "" {
			p.refuse(ctx, terms.ChargeID, field, differences)
		}
		return attemptOutcome{Status: ChargeCancelled}, nil
	}
	return outcomeOf(charge), nil
}

// refuse marks the current attempt's charge as not its own and reports it.
func (p *payer) refuse(ctx workflow.Context, chargeID, field, differences string) {
	p.status.ChargeRefusal = differences
	p.report(ctx, chargeID, field, differences)
}

// report makes a refused provider answer visible: an error log line and
// the verification failure counter, from an activity (so neither repeats
// when the workflow is replayed).
func (p *payer) report(ctx workflow.Context, chargeID, reason, detail string) {
	err := workflow.ExecuteLocalActivity(startOptions(ctx), ActivityReportVerificationFailure, VerificationFailure{
		OrderID: p.in.OrderID, PaymentID: p.status.PaymentID, ChargeID: chargeID, Reason: reason, Detail: detail}).Get(ctx, nil)
	if err != nil {
		p.logger.Error("verification failure not reported", "payment_id", p.status.PaymentID, "charge_id", chargeID,
			"reason", reason, "detail", detail, "error", err)
	}
}

// onSucceeded records the payment, tells the checkout saga, and waits for
// the order to leave PENDING_PAYMENT: a payment that arrived after the
// order was cancelled (its deadline passed first) is refunded.
func (p *payer) onSucceeded(ctx workflow.Context, charge Charge) (Status, error) {
	if err := p.settleSucceeded(ctx, charge); err != nil {
		return p.status, err
	}
	p.status.State = StateAwaitingOrder
	orderStatus, err := p.tellTheOrder(ctx)
	if err != nil {
		return p.status, err
	}
	p.attrs.SetStatus(ctx, orderStatus)
	if orderStatus != orderv1.OrderStatus_ORDER_STATUS_CANCELLED {
		p.status.State = StateSucceeded
		return p.status, nil
	}
	p.logger.Warn("payment succeeded after the order was cancelled: refunding", "payment_id", p.status.PaymentID)
	err = workflow.ExecuteLocalActivity(mustCompleteOptions(ctx), ActivityRefundOrder, p.in.OrderID).Get(ctx, nil)
	if reason, refused := RefusedRefund(err); refused {
		// Final, not retried: the pay service has recorded and counted it.
		p.logger.Error("the provider refused to refund a payment that came after the order was cancelled",
			"payment_id", p.status.PaymentID, "charge_id", p.status.ChargeID, "reason", reason)
		p.status.State, p.status.RefundRefusal = StateRefundRefused, reason
		return p.status, nil
	}
	if err != nil {
		return p.status, err
	}
	p.status.State = StateRefundedLate
	return p.status, nil
}

// tellTheOrder hands the payment to the order and returns the order's
// status once it has left PENDING_PAYMENT. A regular order's checkout saga
// is signalled and records it. A flash-sale order (no saga) is recorded
// here, as the checkout saga records one: its units are confirmed as sold
// (refused when the sweeper or its buyer released them first, to cancel
// it), the order is moved to PAID, and the PAID event is published (the
// rankings). A failed_precondition from either step means the order
// cannot become PAID by this payment: normally it is being or was
// cancelled, but a replayed transition (a worker died before recording its
// result) can also find the order PAID and already SHIPPED, so the order's
// status is read before anything is refunded.
func (p *payer) tellTheOrder(ctx workflow.Context) (orderv1.OrderStatus, error) {
	if p.in.Kind == orderv1.OrderKind_ORDER_KIND_FLASH_SALE {
		actx := mustCompleteOptions(ctx)
		var order FlashOrder
		err := workflow.ExecuteLocalActivity(actx, ActivityConfirmFlashSaleUnits, p.in.OrderID).Get(ctx, &order)
		if err == nil {
			err = workflow.ExecuteLocalActivity(actx, checkout.ActivityTransitionOrder, checkout.TransitionInput{
				OrderID: p.in.OrderID, To: orderv1.OrderStatus_ORDER_STATUS_PAID,
				From:   []orderv1.OrderStatus{orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT},
				Reason: "payment " + p.status.PaymentID + " succeeded", Cause: orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_PAID}).Get(ctx, nil)
		}
		if err == nil {
			if err := workflow.ExecuteLocalActivity(actx, checkout.ActivityPublishOrderEvent, checkout.OrderEventInput{
				Type: orderv1.OrderEventType_ORDER_EVENT_TYPE_PAID, OrderID: p.in.OrderID, UserID: order.UserID, Lines: order.Lines,
				OccurredAt: workflow.Now(ctx).UTC(), Kind: p.in.Kind, SeckillEventID: order.SeckillEventID}).Get(ctx, nil); err != nil {
				p.logger.Error("PAID event not published", "error", err) // rankings miss it; the order is paid
			}
			return orderv1.OrderStatus_ORDER_STATUS_PAID, nil
		}
		if rpcfailure.Code(err) != connect.CodeFailedPrecondition.String() {
			return orderv1.OrderStatus_ORDER_STATUS_UNSPECIFIED, err
		}
		p.logger.Warn("flash-sale order cannot be marked paid: its units were released or it left PENDING_PAYMENT", "error", err)
	} else {
		err := workflow.SignalExternalWorkflow(ctx, checkout.WorkflowID(p.in.OrderID), "", checkout.SignalPaid,
			checkout.PaidSignal{PaymentID: p.status.PaymentID, PaidAt: workflow.Now(ctx)}).Get(ctx, nil)
		if err != nil {
			// The checkout saga has ended (it cancelled the order): the
			// order's status below decides.
			p.logger.Warn("checkout saga not signalled", "error", err)
		}
	}
	var orderStatus orderv1.OrderStatus
	err := workflow.ExecuteLocalActivity(orderPollOptions(ctx), ActivityAwaitOrderOutcome, p.in.OrderID).Get(ctx, &orderStatus)
	return orderStatus, err
}

// settle records the current attempt's outcome (retried until it lands).
func (p *payer) settle(ctx workflow.Context, status payv1.PaymentStatus, reason string) error {
	return p.record(ctx, SettleInput{PaymentID: p.status.PaymentID, Status: status, DeclineReason: reason})
}

// settleSucceeded records the attempt as paid by the charge the provider
// confirmed; the pay service refuses a charge or amount that is not the
// attempt's.
func (p *payer) settleSucceeded(ctx workflow.Context, charge Charge) error {
	return p.record(ctx, SettleInput{PaymentID: p.status.PaymentID, Status: payv1.PaymentStatus_PAYMENT_STATUS_SUCCEEDED,
		ChargeID: charge.ID, AmountCents: charge.AmountCents})
}

func (p *payer) record(ctx workflow.Context, in SettleInput) error {
	err := workflow.ExecuteLocalActivity(mustCompleteOptions(ctx), ActivitySettlePayment, in).Get(ctx, nil)
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && appErr.NonRetryable() {
		p.logger.Error("payment outcome not recorded", "payment_id", p.status.PaymentID, "error", err)
	}
	return err
}

func (p *payer) untilDeadline(ctx workflow.Context) time.Duration {
	return p.in.Deadline.Sub(workflow.Now(ctx))
}
