// Package cancellation is the refund saga: CancellationWorkflow cancels a
// PAID order that has not shipped by refunding its payment through the
// provider, returning its stock to available, and marking it REFUNDED. This
// file is its contract with the order service, which starts it.
package cancellation

// WorkflowName is the registered name of the cancellation workflow.
const WorkflowName = "CancellationWorkflow"

// QueryStatus returns a Status.
const QueryStatus = "status"

// Input names the paid order to cancel.
type Input struct {
	OrderID string
	Reason  string // recorded in the order's history
	// RetryRefused asks the provider again for a refund it refused (an
	// operator's retry); without it a refusal is final.
	RetryRefused bool
}

// State is where a cancellation is.
type State string

// The states of a cancellation.
const (
	StateRefunding State = "REFUNDING"    // refunding, releasing stock, marking the order
	StateRefunded  State = "REFUNDED"     // done: money and stock returned
	StateNotPaid   State = "NOT_REFUNDED" // the order was not PAID (nothing to refund)
	// StateRefundRefused: the provider refused the refund (RefundRefusal
	// says why). Final: the workflow completes without retrying; the
	// payment is REFUND_FAILED and the order stays PAID, held back from
	// shipping, with its stock sold, until an operator steps in.
	StateRefundRefused State = "REFUND_REFUSED"
)

// Status is the answer of QueryStatus and the workflow's result.
type Status struct {
	OrderID string
	State   State
	// MoneyReturned is false when the order had no successful payment on
	// record (e.g. paid by an operator's signal) or it was refunded before.
	MoneyReturned bool
	RefundRefusal string // StateRefundRefused: the pay service's reason
}

// WorkflowID is the cancellation workflow's id for an order: one per order.
func WorkflowID(orderID string) string { return "cancel-" + orderID }
