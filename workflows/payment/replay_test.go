package payment

import (
	"testing"

	"mall/workflows/replaytest"
)

// The histories in testdata were recorded from PaymentWorkflow as it was before a
// change gated by workflow.GetVersion (with stand-in activities on a dev
// server). A workflow started then must replay on today's code without a
// nondeterminism error, or a deploy would break every one still running.
func TestWorkflowsStartedBeforeAChangeStillReplay(t *testing.T) {
	replaytest.Histories(t, PaymentWorkflow, WorkflowName, "payment-succeeded.json")
}
