package rpcerr_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"connectrpc.com/connect"

	"mall/services/platform/rpcerr"
)

// Whatever an upstream answered, the client sees unavailable with the
// caller's reason and message, never the upstream's code or text; the log
// keeps them. A request that has ended keeps its own meaning.
func TestUpstreamFailuresBecomeTheCallersUnavailable(t *testing.T) {
	const upstreamText = "upstream: products.stock CHECK constraint"
	failures := map[string]error{"plain error (network)": errors.New(upstreamText)}
	for code := connect.CodeCanceled; code <= connect.CodeUnauthenticated; code++ {
		failures[code.String()] = rpcerr.New(code, "UPSTREAM_REASON", upstreamText)
	}
	for name, failure := range failures {
		var log bytes.Buffer
		logger := slog.New(slog.NewTextHandler(&log, nil))
		err := rpcerr.Upstream(context.Background(), logger, "ProductService.GetProduct", failure, "CATALOG_UNAVAILABLE", "the catalog is unavailable; try again")
		var connectErr *connect.Error
		if !errors.As(err, &connectErr) || connectErr.Code() != connect.CodeUnavailable || rpcerr.Reason(err) != "CATALOG_UNAVAILABLE" ||
			connectErr.Message() != "the catalog is unavailable; try again" {
			t.Errorf("%s: the client would see %v (reason %q)", name, err, rpcerr.Reason(err))
		}
		if !strings.Contains(log.String(), upstreamText) || !strings.Contains(log.String(), "ProductService.GetProduct") {
			t.Errorf("%s: the log lacks the upstream's answer: %s", name, log.String())
		}
	}

	for name, ctx := range map[string]func() context.Context{
		"cancelled": func() context.Context { ctx, cancel := context.WithCancel(context.Background()); cancel(); return ctx },
		"past its deadline": func() context.Context {
			ctx, cancel := context.WithTimeout(context.Background(), 0)
			defer cancel()
			return ctx
		},
	} {
		ctx := ctx()
		err := rpcerr.Upstream(ctx, slog.New(slog.DiscardHandler), "call", connect.NewError(connect.CodeUnavailable, errors.New("x")), "R", "m")
		if !errors.Is(err, ctx.Err()) {
			t.Errorf("a request %s: got %v, want its own %v", name, err, ctx.Err())
		}
	}
}
