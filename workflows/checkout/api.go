// Package checkout is the checkout saga: CheckoutWorkflow prices the lines,
// reserves stock, creates the order, clears the cart lines, then waits for
// payment, a cancel, or the payment deadline, and compensates in reverse
// order when the order does not get paid. This file is its contract with
// the order service (which starts and signals it) and the payment workflow
// (which signals it).
package checkout

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// WorkflowName is the registered name of the checkout workflow.
const WorkflowName = "CheckoutWorkflow"

// Signal and query names.
const (
	// SignalPaid carries a PaidSignal: the order's payment succeeded.
	SignalPaid = "payment-succeeded"
	// SignalCancel carries a CancelSignal: the buyer (or ops) cancels.
	SignalCancel = "cancel-requested"
	// SignalDelivered carries nothing: the courier delivered, the
	// auto-complete timer starts.
	SignalDelivered = "delivered"
	// SignalShipped carries nothing: the order left the warehouse. Only
	// the Web UI's OrderStatus follows it; delivery is what the saga waits
	// for.
	SignalShipped = "shipped"
	// SignalReceived carries nothing: the buyer confirmed receipt (the order
	// is COMPLETED already); the workflow ends.
	SignalReceived = "receipt-confirmed"
	// SignalRefunded carries nothing: the paid order was cancelled and
	// refunded (CancellationWorkflow); the workflow ends.
	SignalRefunded = "refunded"
	// QueryStatus returns a Status.
	QueryStatus = "status"
)

// DefaultPaymentTimeout is how long an order waits for payment.
const DefaultPaymentTimeout = 30 * time.Minute

// DefaultAutoComplete is how long after delivery an order completes by
// itself when the buyer does not confirm receipt.
const DefaultAutoComplete = 7 * 24 * time.Hour

// Item is one product and quantity to buy.
type Item struct {
	ProductID string
	Quantity  int32
}

// Input starts a checkout. Exactly one of CartProductIDs and BuyNow is set.
type Input struct {
	OrderID        string
	UserID         string
	AddressID      string
	CartProductIDs []string // checked-out cart lines (their quantities come from the cart)
	BuyNow         *Item
	PaymentTimeout time.Duration // 0: DefaultPaymentTimeout
	AutoComplete   time.Duration // 0: DefaultAutoComplete
}

// PaidSignal tells the workflow the order was paid.
type PaidSignal struct {
	PaymentID string
	PaidAt    time.Time
}

// CancelSignal asks the workflow to cancel an unpaid order: the buyer's
// cancel, or with ByOperations an operator's (history cause
// CANCELLED_BY_OPERATIONS).
type CancelSignal struct {
	Reason       string
	ByOperations bool
}

// State is where a checkout is.
type State string

// The states a checkout goes through.
const (
	StateProcessing   State = "PROCESSING"    // pricing, reserving, creating the order
	StateFailed       State = "FAILED"        // ended before an order existed
	StateAwaitPayment State = "AWAIT_PAYMENT" // order PENDING_PAYMENT
	StatePaid         State = "PAID"
	StateCancelled    State = "CANCELLED" // by the buyer or the deadline; stock released
	StateCompleted    State = "COMPLETED"
	StateRefunded     State = "REFUNDED" // cancelled after payment; refunded and stock returned
)

// Status is the answer of QueryStatus (and the workflow's result).
type Status struct {
	OrderID       string
	UserID        string // the buyer: GetCheckout answers only them
	State         State
	FailureReason string // for StateFailed, fit for display (English)
	// FailureCode is why, for StateFailed, machine-readable: the type of
	// the business error (ErrType*) or the reason of the service's
	// failed_precondition whose message FailureReason shows; empty when
	// FailureReason is the generic text.
	FailureCode string
}

// WorkflowID is the checkout workflow's id for an order: readable in the
// Temporal Web UI, and unique per order.
func WorkflowID(orderID string) string { return "checkout-" + orderID }

// OrderID derives the order id from the buyer and the client's request id,
// so a retried Checkout names the same order and the same workflow.
func OrderID(userID, requestID string) string {
	sum := sha256.Sum256([]byte(userID + "\x00" + requestID))
	return "o-" + hex.EncodeToString(sum[:12])
}
