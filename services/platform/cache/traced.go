package cache

import (
	"context"
	"strings"
	"time"

	"github.com/valkey-io/valkey-go"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Traced wraps a Valkey client so that each command (or pipeline) sent on
// behalf of a sampled request is a client span in its trace. valkey-go's
// own OpenTelemetry module is not served here; the four ways commands are
// sent are all this needs to cover (scripts go through Do).
func Traced(c valkey.Client) valkey.Client {
	return tracedClient{Client: c, tracer: otel.Tracer("mall/platform/cache")}
}

type tracedClient struct {
	valkey.Client
	tracer trace.Tracer
}

// start begins a span only under a sampled one: commands outside a traced
// request would be recorded for nobody.
func (c tracedClient) start(ctx context.Context, name string, n int) (context.Context, trace.Span, bool) {
	if !trace.SpanFromContext(ctx).IsRecording() {
		return ctx, nil, false
	}
	ctx, span := c.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("db.system", "redis"), attribute.String("db.operation", name)))
	if n > 1 {
		span.SetAttributes(attribute.Int("db.redis.pipeline_length", n))
	}
	return ctx, span, true
}

func end(span trace.Span, results ...valkey.ValkeyResult) {
	for _, r := range results {
		if err := r.Error(); err != nil && !valkey.IsValkeyNil(err) {
			span.RecordError(err)
			span.SetStatus(codes.Error, err.Error())
			break
		}
	}
	span.End()
}

func operation(commands []string) string {
	if len(commands) == 0 {
		return "valkey"
	}
	return strings.ToUpper(commands[0])
}

func (c tracedClient) Do(ctx context.Context, cmd valkey.Completed) valkey.ValkeyResult {
	ctx, span, ok := c.start(ctx, operation(cmd.Commands()), 1)
	res := c.Client.Do(ctx, cmd)
	if ok {
		end(span, res)
	}
	return res
}

func (c tracedClient) DoMulti(ctx context.Context, multi ...valkey.Completed) []valkey.ValkeyResult {
	name := "pipeline"
	if len(multi) > 0 {
		name = operation(multi[0].Commands())
	}
	ctx, span, ok := c.start(ctx, name, len(multi))
	res := c.Client.DoMulti(ctx, multi...)
	if ok {
		end(span, res...)
	}
	return res
}

func (c tracedClient) DoCache(ctx context.Context, cmd valkey.Cacheable, ttl time.Duration) valkey.ValkeyResult {
	ctx, span, ok := c.start(ctx, operation(cmd.Commands()), 1)
	res := c.Client.DoCache(ctx, cmd, ttl)
	if ok {
		span.SetAttributes(attribute.Bool("cache.client_side_hit", res.IsCacheHit()))
		end(span, res)
	}
	return res
}

func (c tracedClient) DoMultiCache(ctx context.Context, multi ...valkey.CacheableTTL) []valkey.ValkeyResult {
	name := "pipeline"
	if len(multi) > 0 {
		name = operation(multi[0].Cmd.Commands())
	}
	ctx, span, ok := c.start(ctx, name, len(multi))
	res := c.Client.DoMultiCache(ctx, multi...)
	if ok {
		end(span, res...)
	}
	return res
}
