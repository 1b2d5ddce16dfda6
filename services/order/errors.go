package order

import (
	"connectrpc.com/connect"

	orderv1 "mall/gen/mall/order/v1"
	"mall/services/platform/rpcerr"
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
	ReasonWorkflowUnavailable = "WORKFLOW_UNAVAILABLE"
	ReasonUnpaidOrdersLimit   = "UNPAID_ORDERS_LIMIT"
	ReasonUnpaidUnitsLimit    = "UNPAID_UNITS_LIMIT"
	ReasonRequestIDReused     = "REQUEST_ID_REUSED"
	ReasonPaymentInProgress   = "PAYMENT_IN_PROGRESS"
	ReasonUpstreamUnavailable = "UPSTREAM_UNAVAILABLE"
)

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

func errBadPageToken() error {
	return rpcerr.New(connect.CodeInvalidArgument, ReasonBadPageToken, "page_token is not valid")
}

func errWorkflowUnavailable() error {
	return rpcerr.New(connect.CodeUnavailable, ReasonWorkflowUnavailable, "the checkout service is unavailable; try again")
}
