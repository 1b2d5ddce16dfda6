package checkout

import (
	"errors"

	"connectrpc.com/connect"
	"go.temporal.io/sdk/temporal"

	"mall/workflows/rpcfailure"
)

// Types of the business errors that end a checkout before an order exists.
// They are temporal ApplicationError types, non-retryable, and their
// messages are fit for display (Status.FailureReason).
const (
	ErrTypeEmptySelection  = "EMPTY_SELECTION"      // nothing to buy
	ErrTypeNotInCart       = "NOT_IN_CART"          // a checked-out product is not in the cart any more
	ErrTypeProductNotFound = "PRODUCT_NOT_FOUND"    // as the product service names it
	ErrTypeOffShelf        = "PRODUCT_OFF_SHELF"    // as the product service names it
	ErrTypeOutOfStock      = "OUT_OF_STOCK"         // as the product service names it
	ErrTypeInvalidAddress  = "INVALID_ADDRESS"      // unknown address, or another user's
	ErrTypeReservationGone = "RESERVATION_RELEASED" // the reservation was released before it was used
)

// businessErrorTypes never succeed on a retry; every activity's retry policy
// lists them (the activities also raise them as non-retryable).
var businessErrorTypes = []string{
	ErrTypeEmptySelection, ErrTypeNotInCart, ErrTypeProductNotFound, ErrTypeOffShelf,
	ErrTypeOutOfStock, ErrTypeInvalidAddress, ErrTypeReservationGone,
}

// fromRPC and rpcCode are the workflows' one mapping of service errors
// (package rpcfailure), under the names this package's code reads best with.
func fromRPC(err error) error  { return rpcfailure.FromRPC(err) }
func rpcCode(err error) string { return rpcfailure.Code(err) }

// businessError is a non-retryable error whose message is shown to the buyer.
func businessError(errType, message string) error {
	return temporal.NewNonRetryableApplicationError(message, errType, nil)
}

// genericFailure is shown when a checkout fails for a reason the buyer can
// do nothing about.
const genericFailure = "checkout could not be completed, please try again"

// failureOf is the FailureReason and FailureCode of a checkout that failed
// with err: the message and type of a business error or of a service's
// failed_precondition (whose messages are client-safe, and whose type is
// the service's reason), and a generic text without a code for anything
// technical.
func failureOf(err error) (reason, code string) {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		return genericFailure, ""
	}
	for _, t := range businessErrorTypes {
		if appErr.Type() == t {
			return appErr.Message(), t
		}
	}
	if rpcCode(err) == connect.CodeFailedPrecondition.String() && appErr.Message() != "" {
		return appErr.Message(), appErr.Type()
	}
	return genericFailure, ""
}
