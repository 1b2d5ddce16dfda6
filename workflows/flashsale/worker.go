package flashsale

import (
	"context"
	"errors"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// ActivityPrefix prefixes the registered names of the sweeper's activities.
const ActivityPrefix = "FlashSale."

// Registered names of Activities.SweepExpired and Activities.SettleSales.
const (
	ActivitySweepExpired = ActivityPrefix + "SweepExpired"
	ActivitySettleSales  = ActivityPrefix + "SettleSales"
)

// Register adds FlashSaleSweeperWorkflow (as WorkflowName) and its
// activities to w.
func Register(w worker.Registry, a *Activities) {
	w.RegisterWorkflowWithOptions(FlashSaleSweeperWorkflow, workflow.RegisterOptions{Name: WorkflowName})
	w.RegisterActivityWithOptions(a, activity.RegisterOptions{Name: ActivityPrefix})
}

// EnsureSweeper starts the sweeper unless it runs already (every worker
// calls it at start-up; the first one starts it).
func EnsureSweeper(ctx context.Context, c client.Client, taskQueue string, interval time.Duration) error {
	_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       SweeperWorkflowID(taskQueue),
		TaskQueue:                taskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
	}, WorkflowName, SweeperInput{Interval: interval})
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return nil
	}
	return err
}
