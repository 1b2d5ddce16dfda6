package cart

import (
	"strconv"

	"connectrpc.com/connect"

	"mall/services/platform/rpcerr"
)

// Reasons the cart service gives in its errors' ErrorInfo.
const (
	ReasonLineNotFound       = "CART_LINE_NOT_FOUND"
	ReasonProductNotFound    = "PRODUCT_NOT_FOUND"
	ReasonProductOffShelf    = "PRODUCT_OFF_SHELF"
	ReasonQuantityLimit      = "CART_QUANTITY_LIMIT"
	ReasonCartFull           = "CART_FULL"
	ReasonProductUnavailable = "PRODUCT_SERVICE_UNAVAILABLE"
	ReasonServiceOnly        = "SERVICE_CREDENTIAL_REQUIRED"
)

func errLineNotFound() error {
	return rpcerr.New(connect.CodeNotFound, ReasonLineNotFound, "no such product in the cart")
}

func errProductNotFound() error {
	return rpcerr.New(connect.CodeNotFound, ReasonProductNotFound, "product not found")
}

func errProductOffShelf() error {
	return rpcerr.New(connect.CodeFailedPrecondition, ReasonProductOffShelf, "product is off shelf")
}

// errQuantityLimit refuses more units on a line that holds current; the
// metadata gives the limit and current, so the page can put them in words.
func errQuantityLimit(current int32) error {
	return rpcerr.NewWithMetadata(connect.CodeFailedPrecondition, ReasonQuantityLimit,
		"a cart line holds at most "+strconv.Itoa(MaxLineQuantity)+" units",
		map[string]string{"limit": strconv.Itoa(MaxLineQuantity), "current": strconv.Itoa(int(current))})
}

// errCartFull refuses a new line; the metadata gives the limit.
func errCartFull() error {
	return rpcerr.NewWithMetadata(connect.CodeFailedPrecondition, ReasonCartFull,
		"a cart holds at most "+strconv.Itoa(MaxLines)+" lines",
		map[string]string{"limit": strconv.Itoa(MaxLines), "current": strconv.Itoa(MaxLines)})
}

// productUnavailable is the message of a failed product-service call.
const productUnavailable = "product service unavailable, try again"
