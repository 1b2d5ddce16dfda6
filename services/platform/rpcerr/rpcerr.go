// Package rpcerr is the one place where errors become Connect errors. Domain
// code returns errors made here (a Connect code plus a machine-readable
// reason); anything else is an internal error whose text stays in the log.
package rpcerr

import (
	"context"
	"errors"
	"log/slog"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
)

// Domain names the error space of the ErrorInfo details we attach.
const Domain = "mall"

// Reasons shared by the platform; domains define their own beside their code.
const (
	ReasonInternal        = "INTERNAL"
	ReasonUnauthenticated = "UNAUTHENTICATED"
	ReasonForbidden       = "FORBIDDEN"
	ReasonUnavailable     = "UNAVAILABLE"
)

// internalMessage is all a client ever learns of an unexpected failure.
const internalMessage = "internal error"

// New returns a Connect error with code, a client-safe message and an
// ErrorInfo detail carrying reason, so clients can branch without parsing text.
func New(code connect.Code, reason, message string) *connect.Error {
	return NewWithMetadata(code, reason, message, nil)
}

// NewWithMetadata is New with facts a client may put into its own words
// (ErrorInfo metadata, e.g. {"limit": "10", "current": "10"}): the message
// is English, the metadata is not language at all.
func NewWithMetadata(code connect.Code, reason, message string, metadata map[string]string) *connect.Error {
	err := connect.NewError(code, errors.New(message))
	if detail, detailErr := connect.NewErrorDetail(&errdetails.ErrorInfo{Reason: reason, Domain: Domain, Metadata: metadata}); detailErr == nil {
		err.AddDetail(detail)
	}
	return err
}

// Internal is the client-facing form of an unexpected error.
func Internal() *connect.Error {
	return New(connect.CodeInternal, ReasonInternal, internalMessage)
}

// Reason extracts the ErrorInfo reason of err, or "" if it has none.
func Reason(err error) string { return errorInfo(err).GetReason() }

// Metadata extracts the ErrorInfo metadata of err (nil if it has none).
func Metadata(err error) map[string]string { return errorInfo(err).GetMetadata() }

// errorInfo is the first ErrorInfo detail of err, or nil.
func errorInfo(err error) *errdetails.ErrorInfo {
	var connectErr *connect.Error
	if !errors.As(err, &connectErr) {
		return nil
	}
	for _, detail := range connectErr.Details() {
		value, valueErr := detail.Value()
		if valueErr != nil {
			continue
		}
		if info, ok := value.(*errdetails.ErrorInfo); ok {
			return info
		}
	}
	return nil
}

// Sanitize converts whatever a handler returned into a client-safe error:
// Connect errors pass unchanged, context errors keep their meaning, and
// everything else is logged and replaced by a bare Internal error.
func Sanitize(err error, logger *slog.Logger, procedure string) error {
	if err == nil {
		return nil
	}
	var connectErr *connect.Error
	if errors.As(err, &connectErr) {
		return connectErr
	}
	switch {
	case errors.Is(err, context.Canceled):
		return connect.NewError(connect.CodeCanceled, errors.New("request canceled"))
	case errors.Is(err, context.DeadlineExceeded):
		return connect.NewError(connect.CodeDeadlineExceeded, errors.New("deadline exceeded"))
	}
	logger.Error("internal error", "procedure", procedure, "err", err.Error())
	return Internal()
}

// NewInterceptor applies Sanitize to every handler's error.
func NewInterceptor(logger *slog.Logger) connect.Interceptor {
	return &sanitizer{logger: logger}
}

type sanitizer struct{ logger *slog.Logger }

func (s *sanitizer) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		res, err := next(ctx, req)
		if err != nil {
			return nil, Sanitize(err, s.logger, req.Spec().Procedure)
		}
		return res, nil
	}
}

func (s *sanitizer) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (s *sanitizer) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		return Sanitize(next(ctx, conn), s.logger, conn.Spec().Procedure)
	}
}
