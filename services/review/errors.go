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

// Reasons of the review pictures (images.go).
const (
	// Not a JPEG, PNG or WebP file by its content (SVG, HTML, anything).
	ReasonImageType = "REVIEW_IMAGE_TYPE"
	// A JPEG, PNG or WebP file that does not decode, is cut short or has
	// something appended.
	ReasonImageInvalid = "REVIEW_IMAGE_INVALID"
	// Wider or taller than MaxImageSide (metadata: limit, width, height).
	ReasonImageDimensions = "REVIEW_IMAGE_DIMENSIONS"
	// The caller holds the most unused pictures allowed (metadata: limit,
	// current).
	ReasonImageQuota = "REVIEW_IMAGE_QUOTA"
	// The picture is not one of the caller's (or does not exist, or
	// expired unused).
	ReasonImageNotFound = "REVIEW_IMAGE_NOT_FOUND"
	// The caller's picture is used by a review already.
	ReasonImageInUse = "REVIEW_IMAGE_IN_USE"
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
