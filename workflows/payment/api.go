// Package payment is the payment saga: PaymentWorkflow asks the provider for
// a charge (idempotently), waits for the provider's webhook (polling the
// provider when none comes), confirms the charge with the provider's API,
// records the outcome, and on success signals the order's checkout saga. A declined attempt may be retried by the buyer until
// the order's payment deadline. This file is its contract with the pay
// service (which starts it, updates it and forwards webhooks to it).
package payment

import (
	"errors"
	"strconv"
	"time"

	"go.temporal.io/sdk/temporal"

	orderv1 "mall/gen/mall/order/v1"
)

// WorkflowName is the registered name of the payment workflow.
const WorkflowName = "PaymentWorkflow"

// Update, signal and query names.
const (
	// UpdatePay asks for a payable charge: it starts the first attempt, or a
	// new one after a decline, and returns a Status once the current attempt
	// has its pay page (or the payment is final).
	UpdatePay = "pay"
	// SignalProviderEvent carries a ProviderEvent from the provider's webhook.
	SignalProviderEvent = "provider-event"
	// QueryStatus returns a Status.
	QueryStatus = "status"
)

// DefaultPollInterval is how often an unsettled charge is polled when no
// webhook arrives.
const DefaultPollInterval = 15 * time.Second

// Input starts the payment of one order.
type Input struct {
	OrderID      string
	UserID       string
	AmountCents  int64
	Deadline     time.Time     // the order's payment deadline: no charge is left open after it
	ReturnURL    string        // where the pay page sends the buyer back
	NotifyURL    string        // the provider's webhook target; empty: the provider's default
	PollInterval time.Duration // 0: DefaultPollInterval
	// Kind is the order's kind: a flash-sale order has no checkout saga to
	// signal, so the payment marks it PAID itself.
	Kind orderv1.OrderKind
}

// ProviderEvent is a webhook event whose signature the pay service
// verified. It is only a hint that the charge may be final: the workflow
// then asks the provider's API, and only the API's answer counts.
type ProviderEvent struct {
	EventID  string
	ChargeID string
	Status   ChargeStatus // what the event claims
	Sequence int64
}

// State is where a payment is.
type State string

// The states of a payment.
const (
	StateStarting      State = "STARTING"       // creating the first attempt
	StateAwaitingBuyer State = "AWAITING_BUYER" // the charge's pay page is open
	StateDeclined      State = "DECLINED"       // the last attempt was declined; Pay again to retry
	StateAwaitingOrder State = "AWAITING_ORDER" // money taken; waiting for the order to leave PENDING_PAYMENT
	StateSucceeded     State = "SUCCEEDED"      // money taken and the order PAID
	StateExpired       State = "EXPIRED"        // the deadline passed without a successful charge
	StateRefundedLate  State = "REFUNDED_LATE"  // paid after the order was cancelled: refunded
	// StateRefundRefused: paid after the order was cancelled, and the
	// provider refused the refund (Status.RefundRefusal says why). The
	// payment is REFUND_FAILED in the pay service, for an operator.
	StateRefundRefused State = "REFUND_REFUSED"
)

// Status is the answer of QueryStatus and UpdatePay, and the workflow's result.
type Status struct {
	OrderID       string
	State         State
	Attempt       int
	PaymentID     string // the current attempt's payment id
	ChargeID      string
	PayURL        string
	DeclineReason string
	// ChargeRefusal says how the provider's answer for the current
	// attempt's charge differed from the attempt (amount, currency,
	// reference, order, charge id): the charge was refused, not paid.
	ChargeRefusal string
	RefundRefusal string // StateRefundRefused: why the provider refused
}

// Types of the errors UpdatePay is rejected with (ApplicationError types),
// for the pay service to answer failed_precondition.
const (
	RejectAlreadyPaid = "ALREADY_PAID"    // the order's payment succeeded
	RejectExpired     = "PAYMENT_EXPIRED" // the deadline passed
)

// ErrTypeRefundRefused is the pay service's reason (the ApplicationError
// type of its Refund's failed_precondition) when the provider refused a
// refund: final, not retried.
const ErrTypeRefundRefused = "REFUND_REFUSED"

// RefusedRefund reports whether an activity error is a refund the provider
// refused, and the pay service's client-safe reason.
func RefusedRefund(err error) (reason string, refused bool) {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && appErr.Type() == ErrTypeRefundRefused {
		return appErr.Message(), true
	}
	return "", false
}

// Reasons of mall_payment_verification_failures_total besides the first
// field of ChargeTerms.Check that differed (charge_id, reference, order_id,
// amount, currency).
const (
	ReasonUnconfirmedHint = "unconfirmed_hint" // a final webhook the provider's API did not confirm
	ReasonUnknownCharge   = "unknown_charge"   // the provider's API refused to answer for the attempt's charge (e.g. 404)
)

// WorkflowID is the payment workflow's id for an order: one per order.
func WorkflowID(orderID string) string { return "payment-" + orderID }

// PaymentID names attempt n (from 1) of an order's payment; it is also the
// provider idempotency key, so a retried charge request creates one charge.
func PaymentID(orderID string, attempt int) string {
	return "pm-" + orderID + "-" + strconv.Itoa(attempt)
}
