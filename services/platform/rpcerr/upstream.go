package rpcerr

import (
	"context"
	"log/slog"

	"connectrpc.com/connect"
)

// Upstream is the one policy for a call to another service that failed.
// The caller first turns the outcomes it expects into its own answers (a
// not_found that means "absent", a reason it names, such as
// OUT_OF_STOCK); everything else comes here:
//
//   - the caller's own request has ended (cancelled, past its deadline):
//     that is returned as it is, and Sanitize gives it its own code;
//   - any other failure, whatever its code (an upstream's invalid_argument
//     is not the client's fault, its not_found not the client's absence):
//     unavailable with the caller's reason and message, so upstream codes
//     and texts never reach the client; the upstream's code, reason and
//     text are logged with the call's name.
func Upstream(ctx context.Context, logger *slog.Logger, call string, err error, reason, message string) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	logger.WarnContext(ctx, "upstream call failed", "call", call,
		"code", connect.CodeOf(err).String(), "reason", Reason(err), "err", err)
	return New(connect.CodeUnavailable, reason, message)
}
