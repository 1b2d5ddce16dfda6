package payment

import (
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// ActivityPrefix prefixes the registered names of the payment activities.
const ActivityPrefix = "Payment."

// Registered activity names (ActivityPrefix + the Activities method).
const (
	ActivityAwaitOrderOutcome         = ActivityPrefix + "AwaitOrderOutcome"
	ActivityCancelCharge              = ActivityPrefix + "CancelCharge"
	ActivityConfirmFlashSaleUnits     = ActivityPrefix + "ConfirmFlashSaleUnits"
	ActivityCreateCharge              = ActivityPrefix + "CreateCharge"
	ActivityCreatePaymentRecord       = ActivityPrefix + "CreatePaymentRecord"
	ActivityGetCharge                 = ActivityPrefix + "GetCharge"
	ActivityRecordCharge              = ActivityPrefix + "RecordCharge"
	ActivityRefundOrder               = ActivityPrefix + "RefundOrder"
	ActivityReportVerificationFailure = ActivityPrefix + "ReportVerificationFailure"
	ActivitySettlePayment             = ActivityPrefix + "SettlePayment"
)

// Register adds PaymentWorkflow (as WorkflowName) and the payment
// activities, whose clients a carries, to w.
func Register(w worker.Registry, a *Activities) {
	w.RegisterWorkflowWithOptions(PaymentWorkflow, workflow.RegisterOptions{Name: WorkflowName})
	w.RegisterActivityWithOptions(a, activity.RegisterOptions{Name: ActivityPrefix})
}
