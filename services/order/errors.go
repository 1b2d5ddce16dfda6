package order

import (
	"connectrpc.com/connect"

	orderv1 "mall/gen/mall/order/v1"
	"mall/services/platform/rpcerr"
	"mall/workflows/checkout"
)

// Reasons the order service gives in its errors' ErrorInfo.
const (
	ReasonOrderNotFound       = "ORDER_NOT_FOUND"
	ReasonCheckoutNotFound    = "CHECKOUT_NOT_FOUND"
	ReasonIllegalTransition   = "ILLEGAL_TRANSITION"
	ReasonStatusMismatch      = "STATUS_MISMATCH"
	ReasonOrderIDConflict     = "ORDER_ID_CONFLICT"
	ReasonRefundInProgress    = "REFUND_IN_PROGRESS"
	ReasonOrderShipped        = "ORDER_SHIPPED"
	ReasonCheckoutNotRunning  = "CHECKOUT_NOT_RUNNING"
	ReasonBadPageToken        = "BAD_PAGE_TOKEN"
	ReasonBadTimeRange        = "BAD_TIME_RANGE" // a creation time no timestamp can say
	ReasonWorkflowUnavailable = "WORKFLOW_UNAVAILABLE"
	ReasonUnpaidOrdersLimit   = "UNPAID_ORDERS_LIMIT"
	ReasonUnpaidUnitsLimit    = "UNPAID_UNITS_LIMIT"
	ReasonRequestIDReused     = "REQUEST_ID_REUSED"
	ReasonPaymentInProgress   = "PAYMENT_IN_PROGRESS"
	ReasonUpstreamUnavailable = "UPSTREAM_UNAVAILABLE"
	// An operator cancelled an order that is cancelled or refunded already.
	ReasonOrderClosed = "ORDER_CLOSED"
	// An operator cancelled a paid order whose refund the provider refused:
	// the refund is to be retried, not asked for again.
	ReasonRefundRefused = "REFUND_REFUSED"
	// RetryRefund of an order whose refund the provider did not refuse.
	ReasonRefundNotRefused = "REFUND_NOT_REFUSED"
)

// Why a checkout failed (GetCheckoutResponse.failure_code), besides the
// reasons above and the catalog's that the saga met (checkoutFailureCode).
const (
	// Anything the buyer cannot act on (a service that stayed down, a
	// reservation lost): trying again is all there is.
	ReasonCheckoutFailed = "CHECKOUT_FAILED"
	// The checkout named no cart line that is selected.
	ReasonEmptySelection = "EMPTY_SELECTION"
	// A checked-out product left the cart meanwhile.
	ReasonNotInCart = "NOT_IN_CART"
	// The address is not one of the buyer's (any more).
	ReasonAddressNotFound = "ADDRESS_NOT_FOUND"
)

// checkoutFailureCode is the failure code GetCheckout gives for the code
// the saga recorded (checkout.Status.FailureCode): a reason the contract
// names, never an arbitrary string from a workflow; CHECKOUT_FAILED for
// any other, and for a checkout that recorded none.
func checkoutFailureCode(code string) string {
	switch code {
	case checkout.ErrTypeEmptySelection:
		return ReasonEmptySelection
	case checkout.ErrTypeNotInCart:
		return ReasonNotInCart
	case checkout.ErrTypeInvalidAddress:
		return ReasonAddressNotFound
	case checkout.ErrTypeProductNotFound, checkout.ErrTypeOffShelf, checkout.ErrTypeOutOfStock, ReasonUnpaidOrdersLimit, ReasonUnpaidUnitsLimit:
		return code
	}
	return ReasonCheckoutFailed
}

func errOrderNotFound() error {
	return rpcerr.New(connect.CodeNotFound, ReasonOrderNotFound, "order not found")
}

func errCheckoutNotFound() error {
	return rpcerr.New(connect.CodeNotFound, ReasonCheckoutNotFound, "checkout not found")
}

func errIllegalTransition(from, to orderv1.OrderStatus) error {
	return rpcerr.New(connect.CodeFailedPrecondition, ReasonIllegalTransition,
		"an order cannot go from "+statusName(from)+" to "+statusName(to))
}

func errShipped() error {
	return rpcerr.New(connect.CodeFailedPrecondition, ReasonOrderShipped, "a shipped order cannot be cancelled")
}

func errBadTimeRange(field string) error {
	return rpcerr.New(connect.CodeInvalidArgument, ReasonBadTimeRange, field+" is not a valid time")
}

func errBadPageToken() error {
	return rpcerr.New(connect.CodeInvalidArgument, ReasonBadPageToken, "page_token is not valid")
}

func errWorkflowUnavailable() error {
	return rpcerr.New(connect.CodeUnavailable, ReasonWorkflowUnavailable, "the checkout service is unavailable; try again")
}
