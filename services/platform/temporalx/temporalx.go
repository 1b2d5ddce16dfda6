// Package temporalx dials Temporal and builds workers; the workflows
// themselves live in the workflows module.
package temporalx

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/sdk/client"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"
	"go.temporal.io/sdk/interceptor"
	temporallog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
)

// Dial connects to the Temporal frontend at address and checks it answers.
func Dial(ctx context.Context, address, namespace string, logger *slog.Logger) (client.Client, error) {
	dialCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	// Workflows and activities join the trace of the request that started
	// or signalled them; workers made from this client inherit it.
	tracing, err := temporalotel.NewTracingInterceptor(temporalotel.TracerOptions{})
	if err != nil {
		return nil, err
	}
	options := client.Options{
		HostPort:     address,
		Namespace:    namespace,
		Logger:       temporallog.NewStructuredLogger(logger.With("component", "temporal")),
		Interceptors: []interceptor.ClientInterceptor{tracing},
	}
	// A frontend that has just started (or restarts) accepts connections
	// before it reports healthy: the dial is tried again until it answers
	// or the 10 s are up.
	for {
		c, err := client.DialContext(dialCtx, options)
		if err == nil {
			return c, nil
		}
		select {
		case <-dialCtx.Done():
			return nil, fmt.Errorf("dial temporal %s: %w", address, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Registrar registers a set of workflows and activities on a worker.
type Registrar func(w worker.Registry)

// NewWorker returns a worker on taskQueue with every registrar applied.
func NewWorker(c client.Client, taskQueue string, registrars ...Registrar) worker.Worker {
	w := worker.New(c, taskQueue, worker.Options{
		// More pollers than the default 2: with one task per long poll, two
		// pollers cap a worker at a few dozen tasks per second.
		MaxConcurrentWorkflowTaskPollers: 8,
		MaxConcurrentActivityTaskPollers: 8,
	})
	for _, register := range registrars {
		register(w)
	}
	return w
}
