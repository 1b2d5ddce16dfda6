package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"connectrpc.com/connect"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	productv1 "mall/gen/mall/product/v1"
	"mall/gen/mall/product/v1/productv1connect"
	"mall/services/platform/logging"
	"mall/services/platform/rpcerr"
)

// tracedProducts remembers the span context each call ran in; "fail"
// fails as a bug would, "sold-out" as the domain refuses.
type tracedProducts struct {
	productv1connect.UnimplementedProductServiceHandler
	mu   sync.Mutex
	seen []trace.SpanContext
}

func (p *tracedProducts) GetProduct(ctx context.Context, req *connect.Request[productv1.GetProductRequest]) (*connect.Response[productv1.GetProductResponse], error) {
	p.mu.Lock()
	p.seen = append(p.seen, trace.SpanContextFromContext(ctx))
	p.mu.Unlock()
	switch req.Msg.GetProductId() {
	case "fail":
		return nil, errors.New("dsn=root:hunter2")
	case "sold-out":
		return nil, rpcerr.New(connect.CodeFailedPrecondition, "SOLD_OUT", "sold out")
	}
	return connect.NewResponse(&productv1.GetProductResponse{}), nil
}

func (p *tracedProducts) last() trace.SpanContext {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.seen[len(p.seen)-1]
}

// lockedBuffer is a log that the server's goroutines write concurrently.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) lastLine(t *testing.T) map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	lines := strings.Split(strings.TrimSpace(b.buf.String()), "\n")
	var line map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &line); err != nil {
		t.Fatal(err)
	}
	return line
}

// tracedServer serves tracedProducts behind the tracer, the access log and
// the error sanitizer, in production's order, with production's sampler
// (a caller's decision kept, nothing sampled otherwise).
func tracedServer(t *testing.T) (*tracedProducts, *tracetest.SpanRecorder, *lockedBuffer, productv1connect.ProductServiceClient) {
	t.Helper()
	recorder := tracetest.NewSpanRecorder()
	provider := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(recorder),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.NeverSample())))
	propagator := propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
	logs := &lockedBuffer{}
	logger, err := logging.New(logs, "info")
	if err != nil {
		t.Fatal(err)
	}
	products := &tracedProducts{}
	mux := http.NewServeMux()
	mux.Handle(productv1connect.NewProductServiceHandler(products, connect.WithInterceptors(
		newTracer(provider, propagator), newAccessLog(logger), rpcerr.NewInterceptor(logger))))
	httpServer := httptest.NewServer(mux)
	t.Cleanup(httpServer.Close)
	return products, recorder, logs, productv1connect.NewProductServiceClient(httpServer.Client(), httpServer.URL)
}

// callFrom calls GetProduct(id) as a caller in span parent would (no
// traceparent for an invalid parent).
func callFrom(client productv1connect.ProductServiceClient, parent trace.SpanContext, id string) error {
	req := connect.NewRequest(&productv1.GetProductRequest{ProductId: id})
	if parent.IsValid() {
		propagation.TraceContext{}.Inject(trace.ContextWithSpanContext(context.Background(), parent), propagation.HeaderCarrier(req.Header()))
	}
	_, err := client.GetProduct(context.Background(), req)
	return err
}

func callerSpan(sampled bool) trace.SpanContext {
	config := trace.SpanContextConfig{
		TraceID: trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36},
		SpanID:  trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7},
		Remote:  true,
	}
	if sampled {
		config.TraceFlags = trace.FlagsSampled
	}
	return trace.NewSpanContext(config)
}

// A sampled caller's trace continues here and the call's span is recorded
// with otelconnect's attributes, the peer, and an error status only for a
// server fault (whose text the client never saw, nor does the span).
func TestASampledCallersTraceIsRecordedWithTheCallsAttributes(t *testing.T) {
	products, recorder, _, client := tracedServer(t)
	caller := callerSpan(true)
	outcomes := map[string]struct {
		code   string
		status codes.Code
	}{
		"p1":       {"OK", codes.Unset},
		"sold-out": {"FAILED_PRECONDITION", codes.Unset},
		"fail":     {"INTERNAL", codes.Error},
	}
	for id, want := range outcomes {
		_ = callFrom(client, caller, id)
		spans := recorder.Ended()
		if len(spans) == 0 {
			t.Fatalf("%s: no span recorded", id)
		}
		span := spans[len(spans)-1]
		if span.Name() != "mall.product.v1.ProductService/GetProduct" || span.SpanKind() != trace.SpanKindServer {
			t.Fatalf("%s: span %q of kind %v", id, span.Name(), span.SpanKind())
		}
		if span.Parent().SpanID() != caller.SpanID() || span.SpanContext().TraceID() != caller.TraceID() {
			t.Errorf("%s: the span does not continue the caller's trace: parent %v", id, span.Parent())
		}
		if products.last().SpanID() != span.SpanContext().SpanID() {
			t.Errorf("%s: the handler ran in span %v, not the call's", id, products.last().SpanID())
		}
		attrs := map[string]string{}
		for _, kv := range span.Attributes() {
			attrs[string(kv.Key)] = kv.Value.String()
		}
		wantAttrs := map[string]string{
			"rpc.system.name": "connectrpc", "rpc.method": "mall.product.v1.ProductService/GetProduct",
			"rpc.response.status_code": want.code, "network.peer.address": "127.0.0.1",
		}
		if want.code != "OK" {
			wantAttrs["error.type"] = want.code
		}
		for key, value := range wantAttrs {
			if attrs[key] != value {
				t.Errorf("%s: %s = %q, want %q (all: %v)", id, key, attrs[key], value, attrs)
			}
		}
		if attrs["network.peer.port"] == "" {
			t.Errorf("%s: no network.peer.port: %v", id, attrs)
		}
		if span.Status().Code != want.status || strings.Contains(span.Status().Description, "hunter2") {
			t.Errorf("%s: status %v", id, span.Status())
		}
	}
}

// A caller that does not sample, or no caller at all: nothing is
// recorded, yet the call has trace and span ids, in the caller's trace if
// there is one, and its access-log line carries them.
func TestAnUnsampledCallStillHasIDsInItsLogLine(t *testing.T) {
	products, recorder, logs, client := tracedServer(t)
	for name, caller := range map[string]trace.SpanContext{"unsampled caller": callerSpan(false), "no caller": {}} {
		if err := callFrom(client, caller, "p1"); err != nil {
			t.Fatal(err)
		}
		if n := len(recorder.Ended()); n != 0 {
			t.Fatalf("%s: %d spans recorded", name, n)
		}
		seen := products.last()
		if !seen.IsValid() || seen.IsSampled() || seen.SpanID() == caller.SpanID() {
			t.Fatalf("%s: the handler ran in %+v", name, seen)
		}
		if caller.IsValid() && seen.TraceID() != caller.TraceID() {
			t.Errorf("%s: trace %v, want the caller's %v", name, seen.TraceID(), caller.TraceID())
		}
		line := logs.lastLine(t)
		if line["msg"] != "rpc" || line["trace_id"] != seen.TraceID().String() || line["span_id"] != seen.SpanID().String() {
			t.Errorf("%s: access-log line %v, want the call's ids %v", name, line, seen)
		}
	}
}

// The carrier finds the propagators' lower-case keys and any other key in
// a request's canonical header.
func TestHeaderCarrierReadsCanonicalHeaders(t *testing.T) {
	header := http.Header{}
	for _, key := range []string{"traceparent", "tracestate", "baggage", "x-other"} {
		header.Set(key, "v-"+key)
	}
	for _, key := range []string{"traceparent", "tracestate", "baggage", "x-other"} {
		if got := headerCarrier(header).Get(key); got != "v-"+key {
			t.Errorf("Get(%q) = %q", key, got)
		}
	}
	if got := headerCarrier(header).Get("absent"); got != "" {
		t.Errorf("Get(absent) = %q", got)
	}
}
