package temporalx_test

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"mall/services/platform/temporalx"
	"mall/services/platform/testenv"
	"mall/workflows/healthcheck"
)

func TestWorkflowRunsOnTheDevServer(t *testing.T) {
	address := testenv.Temporal(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tc, err := temporalx.Dial(ctx, address, "default", testenv.Logger())
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
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
