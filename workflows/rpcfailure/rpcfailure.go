// Package rpcfailure turns the errors of service calls made by activities
// into what Temporal should do with them (retry or not), keeping the Connect
// code so workflow code can branch on it.
package rpcfailure

import (
	"errors"
	"strings"

	"connectrpc.com/connect"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
)

// Detail is the detail of an ApplicationError made from a Connect error,
// so the workflow can branch on the code (e.g. failed_precondition) whatever
// the service's reason is.
type Detail struct {
	Code   string // connect.Code.String(), e.g. "failed_precondition"
	Reason string // google.rpc.ErrorInfo reason, e.g. "OUT_OF_STOCK"; may be empty
}

// FromRPC is the one place where an error of a service call becomes what
// Temporal should do with it. Codes that no retry can change
// (invalid_argument, not_found, already_exists, failed_precondition,
// out_of_range, permission_denied, unimplemented) become non-retryable
// ApplicationErrors; the rest (unavailable, deadline_exceeded, internal,
// resource_exhausted, ...) stay retryable. The type is the service's reason
// (ErrorInfo), or the upper-case code when it gives none; the message is the
// service's client-safe message.
func FromRPC(err error) error {
	if err == nil {
		return nil
	}
	var connectErr *connect.Error
	if !errors.As(err, &connectErr) {
		return err // not from a service (e.g. the activity's own context): retryable
	}
	code := connectErr.Code()
	detail := Detail{Code: code.String(), Reason: reasonOf(connectErr)}
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

// Code is the Connect code behind an activity error made by FromRPC, or
// "" for any other error. Workflow code uses it to tell, e.g., a
// failed_precondition from a service that was down.
func Code(err error) string { return detailOf(err).Code }

// Reason is the service's ErrorInfo reason behind an activity error made
// by FromRPC (e.g. "OUT_OF_STOCK"), or "".
func Reason(err error) string { return detailOf(err).Reason }

// detailOf is the Detail FromRPC attached to err, or the zero Detail.
func detailOf(err error) Detail {
	var appErr *temporal.ApplicationError
	var detail Detail
	if !errors.As(err, &appErr) || !appErr.HasDetails() || appErr.Details(&detail) != nil {
		return Detail{}
	}
	return detail
}
