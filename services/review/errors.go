package review

import (
	"connectrpc.com/connect"

	"mall/services/platform/rpcerr"
)

// Reasons the review service gives in its errors' ErrorInfo.
const (
	// The order does not exist, is another user's, or has no line of the
	// product: one reason and one message for all three, so a caller cannot
	// tell another user's order from a missing one.
	ReasonNotABuyer = "NOT_A_BUYER"
	// The caller's own order has the product but is not DELIVERED or
	// COMPLETED yet (or was cancelled or refunded).
	ReasonOrderNotDelivered = "ORDER_NOT_DELIVERED"
	// The order line already has a review.
	ReasonAlreadyReviewed  = "ALREADY_REVIEWED"
	ReasonBadPageToken     = "BAD_PAGE_TOKEN"
	ReasonOrderUnavailable = "ORDER_SERVICE_UNAVAILABLE"
	ReasonUserUnavailable  = "USER_SERVICE_UNAVAILABLE"
)

func errNotABuyer() error {
	return rpcerr.New(connect.CodePermissionDenied, ReasonNotABuyer,
		"only a buyer of this product in this order may review it")
}

func errOrderNotDelivered() error {
	return rpcerr.New(connect.CodePermissionDenied, ReasonOrderNotDelivered,
		"an order can be reviewed once it is delivered")
}

func errAlreadyReviewed() error {
	return rpcerr.New(connect.CodeAlreadyExists, ReasonAlreadyReviewed,
		"this product of this order is already reviewed")
}

func errBadPageToken() error {
	return rpcerr.New(connect.CodeInvalidArgument, ReasonBadPageToken, "page_token is not valid for this request")
}
