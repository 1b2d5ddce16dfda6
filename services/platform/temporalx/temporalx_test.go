package temporalx_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"mall/services/platform/temporalx"
	"mall/services/platform/testenv"
	"mall/workflows/healthcheck"
	"mall/workflows/searchattr"
)

// dialDevServer connects to a dev server of the test's own, for a minute.
func dialDevServer(t *testing.T) (context.Context, client.Client) {
	t.Helper()
	address := testenv.Temporal(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	tc, err := temporalx.Dial(ctx, address, "default", testenv.Logger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tc.Close)
	return ctx, tc
}

func TestWorkflowRunsOnTheDevServer(t *testing.T) {
	ctx, tc := dialDevServer(t)
	w := temporalx.NewWorker(tc, "platform-test", healthcheck.Register)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	run, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "platform-test-" + testenv.RandomID(4), TaskQueue: "platform-test"},
		healthcheck.WorkflowName, "ping")
	if err != nil {
		t.Fatal(err)
	}
	var result healthcheck.Result
	if err := run.Get(ctx, &result); err != nil {
		t.Fatal(err)
	}
	if result.Echo != "ping" || result.TaskQueue != "platform-test" {
		t.Fatalf("result %+v", result)
	}
}

// The dev server registers the sagas' search attributes; a namespace that
// lacks one, or has it with another type, is refused with the commands that
// register what is missing.
func TestSearchAttributesAreCheckedWithTheirTypes(t *testing.T) {
	ctx, tc := dialDevServer(t)
	if listed, err := temporalx.CheckSearchAttributes(ctx, tc, "default", searchattr.All); !listed || err != nil {
		t.Fatalf("the dev server's attributes: listed %v, %v", listed, err)
	}
	keys := append(slices.Clone(searchattr.All),
		temporal.NewSearchAttributeKeyKeyword("DeliveryCity"), temporal.NewSearchAttributeKeyInt64("OrderStatus"),
		temporal.NewSearchAttributeKeyKeyword("Carrier"))
	listed, err := temporalx.CheckSearchAttributes(ctx, tc, "default", keys)
	want := "temporal operator search-attribute create --namespace default --name DeliveryCity --type Keyword; " +
		"temporal operator search-attribute create --namespace default --name OrderStatus --type Int; " +
		"temporal operator search-attribute create --namespace default --name Carrier --type Keyword"
	if !listed || err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Fatalf("listed %v, error %v; want it to end with %q", listed, err, want)
	}
}
