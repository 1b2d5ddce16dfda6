package cancellation

import (
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// ActivityPrefix prefixes the registered names of the cancellation activities.
const ActivityPrefix = "Cancellation."

// Registered activity names (ActivityPrefix + the Activities method).
const (
	ActivityLoadOrder           = ActivityPrefix + "LoadOrder"
	ActivityRefund              = ActivityPrefix + "Refund"
	ActivityRecordRefundRefused = ActivityPrefix + "RecordRefundRefused"
)

// Register adds CancellationWorkflow (as WorkflowName) and its activities
// to w. The worker must also register the checkout activities, which the
// workflow reuses.
func Register(w worker.Registry, a *Activities) {
	w.RegisterWorkflowWithOptions(CancellationWorkflow, workflow.RegisterOptions{Name: WorkflowName})
	w.RegisterActivityWithOptions(a, activity.RegisterOptions{Name: ActivityPrefix})
}
