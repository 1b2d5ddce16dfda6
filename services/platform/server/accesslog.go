package server

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"connectrpc.com/connect"

	"mall/services/platform/auth"
)

// accessLog writes one structured line per RPC: procedure, protocol, code,
// duration and the caller's subject (never the token).
type accessLog struct{ logger *slog.Logger }

func newAccessLog(logger *slog.Logger) *accessLog { return &accessLog{logger: logger} }

// log writes the access-log line of one call and counts it in the RPC
// metrics (one place measures the call for both).
func (a *accessLog) log(ctx context.Context, procedure, protocol string, start time.Time, err error) {
	elapsed := time.Since(start)
	code := "ok"
	level := slog.LevelInfo
	if err != nil {
		var connectErr *connect.Error
		if errors.As(err, &connectErr) {
			code = connectErr.Code().String()
		} else {
			code = connect.CodeUnknown.String()
		}
		if connectErr == nil || connectErr.Code() == connect.CodeInternal {
			level = slog.LevelError
		}
	}
	attrs := []slog.Attr{
		slog.String("procedure", procedure),
		slog.String("protocol", protocol),
		slog.String("code", code),
		slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
	}
	rpcMetricsOf(procedure).observe(code, elapsed)
	if identity, ok := auth.FromContext(ctx); ok {
		attrs = append(attrs, slog.String("subject", identity.Subject))
	}
	a.logger.LogAttrs(ctx, level, "rpc", attrs...)
}

func (a *accessLog) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		start := time.Now()
		rpcInFlight.Inc()
		defer rpcInFlight.Dec()
		res, err := next(ctx, req)
		a.log(ctx, req.Spec().Procedure, req.Peer().Protocol, start, err)
		return res, err
	}
}

func (a *accessLog) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (a *accessLog) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		start := time.Now()
		// A server stream waits for changes for minutes: in the in-flight
		// gauge it would hide the requests a slow dependency piles up.
		if conn.Spec().StreamType != connect.StreamTypeServer {
			rpcInFlight.Inc()
			defer rpcInFlight.Dec()
		}
		err := next(ctx, conn)
		a.log(ctx, conn.Spec().Procedure, conn.Peer().Protocol, start, err)
		return err
	}
}
