package checkout

import (
	"errors"
	"strings"

	"connectrpc.com/connect"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
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

// RPCError is the detail of an ApplicationError made from a Connect error,
// so the workflow can branch on the code (e.g. failed_precondition) whatever
// the service's reason is.
type RPCError struct {
	Code   string // connect.Code.String(), e.g. "failed_precondition"
	Reason string // google.rpc.ErrorInfo reason, e.g. "OUT_OF_STOCK"; may be empty
}

// fromRPC is the one place where an error of a service call becomes what
// Temporal should do with it. Codes that no retry can change
// (invalid_argument, not_found, already_exists, failed_precondition,
// out_of_range, permission_denied, unimplemented) become non-retryable
// ApplicationErrors; the rest (unavailable, deadline_exceeded, internal,
// resource_exhausted, ...) stay retryable. The type is the service's reason
// (ErrorInfo), or the upper-case code when it gives none; the message is the
// service's client-safe message.
func fromRPC(err error) error {
	if err == nil {
		return nil
	}
	var connectErr *connect.Error
	if !errors.As(err, &connectErr) {
		return err // not from a service (e.g. the activity's own context): retryable
	}
	code := connectErr.Code()
	detail := RPCError{Code: code.String(), Reason: reasonOf(connectErr)}
	errType := detail.Reason
	if errType == "" {
		errType = strings.ToUpper(detail.Code)
	}
	if nonRetryableCode(code) {
		return temporal.NewNonRetryableApplicationError(connectErr.Message(), errType, connectErr, detail)
	}
	return temporal.NewApplicationErrorWithCause(connectErr.Message(), errType, connectErr, detail)
}

func nonRetryableCode(code connect.Code) bool {
	switch code {
	case connect.CodeInvalidArgument, connect.CodeNotFound, connect.CodeAlreadyExists,
		connect.CodeFailedPrecondition, connect.CodeOutOfRange, connect.CodePermissionDenied,
		connect.CodeUnimplemented:
		return true
	}
	return false
}

// reasonOf is the ErrorInfo reason of a Connect error, or "".
func reasonOf(err *connect.Error) string {
	for _, detail := range err.Details() {
		value, valueErr := detail.Value()
		if valueErr != nil {
			continue
		}
		if info, ok := value.(*errdetails.ErrorInfo); ok {
			return info.GetReason()
		}
	}
	return ""
}

// rpcCode is the Connect code behind an activity error made by fromRPC, or
// "" for any other error. Workflow code uses it to tell, e.g., a
// failed_precondition from a service that was down.
func rpcCode(err error) string {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || !appErr.HasDetails() {
		return ""
	}
	var detail RPCError
	if appErr.Details(&detail) != nil {
		return ""
	}
	return detail.Code
}

// businessError is a non-retryable error whose message is shown to the buyer.
func businessError(errType, message string) error {
	return temporal.NewNonRetryableApplicationError(message, errType, nil)
}

// genericFailure is shown when a checkout fails for a reason the buyer can
// do nothing about.
const genericFailure = "checkout could not be completed, please try again"

// displayReason is the FailureReason of a checkout that failed with err: the
// message of a business error or of a service's failed_precondition (whose
// messages are client-safe), and a generic text for anything technical.
func displayReason(err error) string {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		return genericFailure
	}
	for _, t := range businessErrorTypes {
		if appErr.Type() == t {
			return appErr.Message()
		}
	}
	if rpcCode(err) == connect.CodeFailedPrecondition.String() && appErr.Message() != "" {
		return appErr.Message()
	}
	return genericFailure
}
