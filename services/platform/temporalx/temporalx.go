// Package temporalx dials Temporal and builds workers; the workflows
// themselves live in the workflows module.
package temporalx

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"
	"go.temporal.io/sdk/interceptor"
	temporallog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"

	"mall/workflows/searchattr"
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

// CheckSearchAttributes makes sure namespace has the custom search
// attributes keys, with their types: a workflow upserting one it lacks
// fails its workflow task again and again, so a worker is better refused at
// start, told the commands that register what is missing. listed is false
// when the server would not list its attributes (e.g. a missing
// permission): then nothing is known, and the caller decides.
func CheckSearchAttributes(ctx context.Context, c client.Client, namespace string, keys []temporal.SearchAttributeKey) (listed bool, err error) {
	res, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return false, fmt.Errorf("list the search attributes of namespace %s: %w", namespace, err)
	}
	var commands []string
	for _, key := range keys {
		if got, ok := res.GetCustomAttributes()[key.GetName()]; ok && got == key.GetValueType() {
			continue
		}
		// One attribute per command: the CLI pairs each --name with a --type.
		commands = append(commands, fmt.Sprintf("temporal operator search-attribute create --namespace %s --name %s --type %s",
			namespace, key.GetName(), searchattr.TypeName(key)))
	}
	if len(commands) == 0 {
		return true, nil
	}
	return true, fmt.Errorf("namespace %s lacks search attributes the sagas set (or has them with another type); register them: %s",
		namespace, strings.Join(commands, "; "))
}
