// Package telemetry sets up the process's traces and metrics. Traces are
// OpenTelemetry, exported as the standard OTEL_* variables say and off
// unless they ask; W3C trace context is always propagated, so a trace
// started by a caller continues through this process either way. Metrics
// are Prometheus, on the default registry, served by MetricsHandler. It
// knows no domain: the packages that own a measurement register it.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Setup installs the global tracer provider and propagator for a process
// of the given role ("serve", "worker", ...). Exporting follows the
// OpenTelemetry environment variables:
//
//	OTEL_TRACES_EXPORTER   otlp | console | none (default: otlp when an
//	                       OTLP endpoint is set, else none)
//	OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
//	OTEL_EXPORTER_OTLP_PROTOCOL (grpc | http/protobuf), OTEL_SERVICE_NAME,
//	OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER(_ARG), OTEL_SDK_DISABLED
//
// The returned function flushes and stops the exporter.
func Setup(ctx context.Context, role string) (func(context.Context) error, error) {
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	if sdkDisabled() {
		// No spans at all (not even ids for the logs): OpenTelemetry's
		// no-op provider stays in place.
		return func(context.Context) error { return nil }, nil
	}
	exporter, err := newExporter(ctx)
	if err != nil {
		return nil, err
	}
	if exporter == nil {
		// Nothing is exported, but every request still gets trace and span
		// ids (for its log lines and its callees): a span that is not
		// sampled costs an id, not a recording. A caller's sampling
		// decision is kept, so processes that do export see whole traces.
		otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.NeverSample()))))
		return func(context.Context) error { return nil }, nil
	}
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", "mall"), attribute.String("service.namespace", "mall"),
			attribute.String("mall.role", role)),
		resource.WithFromEnv(), resource.WithHost(), resource.WithProcessPID())
	if err != nil {
		return nil, fmt.Errorf("telemetry resource: %w", err)
	}
	provider := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter), sdktrace.WithResource(res))
	otel.SetTracerProvider(provider)
	return provider.Shutdown, nil
}

// TracesExporter names the exporter the environment asks for.
func TracesExporter() string {
	if sdkDisabled() {
		return "none"
	}
	if e := strings.TrimSpace(os.Getenv("OTEL_TRACES_EXPORTER")); e != "" {
		return strings.ToLower(e)
	}
	if os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "" {
		return "otlp"
	}
	return "none"
}

func sdkDisabled() bool { return strings.EqualFold(os.Getenv("OTEL_SDK_DISABLED"), "true") }

func newExporter(ctx context.Context) (sdktrace.SpanExporter, error) {
	switch exporter := TracesExporter(); exporter {
	case "none":
		return nil, nil
	case "console":
		return stdouttrace.New(stdouttrace.WithWriter(os.Stderr))
	case "otlp":
		protocol := os.Getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
		if protocol == "" {
			protocol = os.Getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
		}
		switch protocol {
		case "grpc":
			return otlptracegrpc.New(ctx)
		case "", "http/protobuf":
			return otlptracehttp.New(ctx)
		default:
			return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL %q: want grpc or http/protobuf", protocol)
		}
	default:
		return nil, errors.New("OTEL_TRACES_EXPORTER " + exporter + ": want otlp, console or none")
	}
}

// MetricsHandler serves the process's Prometheus metrics (the default
// registry: the Go runtime, the process, and every mall_* metric).
func MetricsHandler() http.Handler { return promhttp.Handler() }
