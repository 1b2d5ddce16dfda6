package server

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"

	"connectrpc.com/connect"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// tracingScope names the spans' instrumentation scope.
const tracingScope = "mall/services/platform/server"

// serverSpan is the start option of every call's span; one shared slice,
// so a call allocates none.
var serverSpan = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindServer)}

// callTracer starts the server span of every call, continuing the caller's
// trace (W3C traceparent): the mall's processes call each other on a
// private network, and a browser's or gateway's trace should include what
// the call did here. Every call gets trace and span ids (its log lines and
// its callees carry them), but the span's attributes and status are only
// built when the span is recorded: with no exporter, or a caller that does
// not sample, nothing is. The attributes are otelconnect's (semantic
// conventions 1.43), plus the peer's address. RPC metrics are
// Prometheus (kept by the access log), not OpenTelemetry's.
//
// The attributes are set after the span starts, so a sampler does not see
// them: none of the samplers OTEL_TRACES_SAMPLER offers looks at them.
type callTracer struct {
	tracer     trace.Tracer
	propagator propagation.TextMapPropagator
}

// tracing traces with the global tracer provider and propagator (which
// forward to the ones telemetry.Setup installs, even if it runs later).
func tracing() *callTracer {
	return newTracer(otel.GetTracerProvider(), otel.GetTextMapPropagator())
}

func newTracer(provider trace.TracerProvider, propagator propagation.TextMapPropagator) *callTracer {
	return &callTracer{tracer: provider.Tracer(tracingScope), propagator: propagator}
}

// start continues the caller's trace from header, unless ctx already has
// a span, and starts the call's span.
func (t *callTracer) start(ctx context.Context, procedure string, header http.Header) (context.Context, trace.Span) {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		ctx = t.propagator.Extract(ctx, headerCarrier(header))
	}
	return t.tracer.Start(ctx, strings.TrimPrefix(procedure, "/"), serverSpan...)
}

// finish records the call's outcome on a span that is recorded.
func finish(span trace.Span, procedure string, peer connect.Peer, err error) {
	if !span.IsRecording() {
		return
	}
	attrs := make([]attribute.KeyValue, 0, 6)
	attrs = append(attrs, semconv.RPCSystemNameKey.String(rpcSystem(peer.Protocol)),
		semconv.RPCMethodKey.String(strings.TrimPrefix(procedure, "/")))
	if host, port, splitErr := net.SplitHostPort(peer.Addr); splitErr == nil {
		attrs = append(attrs, semconv.NetworkPeerAddressKey.String(host))
		if n, atoiErr := strconv.Atoi(port); atoiErr == nil {
			attrs = append(attrs, semconv.NetworkPeerPortKey.Int(n))
		}
	} else if peer.Addr != "" {
		attrs = append(attrs, semconv.NetworkPeerAddressKey.String(peer.Addr))
	}
	switch {
	case err == nil:
		attrs = append(attrs, semconv.RPCResponseStatusCodeKey.String("OK"))
	case connect.IsNotModifiedError(err):
		// Not an error: the sentinel of an HTTP 304 to a conditional GET.
		attrs = append(attrs, semconv.RPCResponseStatusCodeKey.String("OK"),
			semconv.HTTPResponseStatusCodeKey.Int(http.StatusNotModified))
	default:
		code := connect.CodeOf(err)
		name := strings.ToUpper(code.String()) // gRPC's canonical names, e.g. DEADLINE_EXCEEDED
		attrs = append(attrs, semconv.RPCResponseStatusCodeKey.String(name), semconv.ErrorTypeKey.String(name))
		if serverFault(code) {
			message := err.Error()
			var connectErr *connect.Error
			if errors.As(err, &connectErr) {
				message = connectErr.Message()
			}
			span.SetStatus(codes.Error, message)
		}
	}
	span.SetAttributes(attrs...)
}

// serverFault tells the codes that mean the server failed (the span is an
// error) from those that answer the client's request (it is not).
func serverFault(code connect.Code) bool {
	switch code {
	case connect.CodeUnknown, connect.CodeDeadlineExceeded, connect.CodeUnimplemented, connect.CodeInternal,
		connect.CodeUnavailable, connect.CodeDataLoss:
		return true
	default:
		return false
	}
}

// rpcSystem is the semantic conventions' rpc.system.name of a protocol.
func rpcSystem(protocol string) string {
	switch protocol {
	case connect.ProtocolGRPC, connect.ProtocolGRPCWeb:
		return "grpc"
	case connect.ProtocolConnect:
		return "connectrpc"
	default:
		return protocol
	}
}

func (t *callTracer) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		procedure := req.Spec().Procedure
		ctx, span := t.start(ctx, procedure, req.Header())
		defer span.End()
		res, err := next(ctx, req)
		finish(span, procedure, req.Peer(), err)
		return res, err
	}
}

func (t *callTracer) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (t *callTracer) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		procedure := conn.Spec().Procedure
		ctx, span := t.start(ctx, procedure, conn.RequestHeader())
		defer span.End()
		err := next(ctx, conn)
		finish(span, procedure, conn.Peer(), err)
		return err
	}
}

// headerCarrier reads the propagators' lower-case keys without
// canonicalizing them per call (which allocates for each), as
// propagation.HeaderCarrier does.
type headerCarrier http.Header

func (c headerCarrier) Get(key string) string {
	switch key {
	case "traceparent":
		key = "Traceparent"
	case "tracestate":
		key = "Tracestate"
	case "baggage":
		key = "Baggage"
	default:
		key = textproto.CanonicalMIMEHeaderKey(key)
	}
	if values := c[key]; len(values) > 0 {
		return values[0]
	}
	return ""
}

func (c headerCarrier) Set(key, value string) { propagation.HeaderCarrier(c).Set(key, value) }

func (c headerCarrier) Keys() []string { return propagation.HeaderCarrier(c).Keys() }
