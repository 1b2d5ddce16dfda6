// Package healthcheck holds the smallest real workflow: it proves a worker
// is polling the mall task queue and can run activities. `mall dev` runs it
// once at start-up, and the platform tests run it on a Temporal dev server.
package healthcheck

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// WorkflowName is the registered name of Workflow.
const WorkflowName = "HealthCheckWorkflow"

// Result says which task queue answered, and when.
type Result struct {
	Echo      string
	TaskQueue string
	At        time.Time
}

// Workflow echoes message through one activity.
func Workflow(ctx workflow.Context, message string) (Result, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 3},
	})
	var activities *Activities
	var result Result
	err := workflow.ExecuteActivity(ctx, activities.Echo, message).Get(ctx, &result)
	return result, err
}
