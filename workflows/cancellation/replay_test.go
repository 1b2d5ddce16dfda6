package cancellation

import (
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// The histories in testdata were recorded from CancellationWorkflow as it was before a
// change gated by workflow.GetVersion (with stand-in activities on a dev
// server). A workflow started then must replay on today's code without a
// nondeterminism error, or a deploy would break every one still running.
func TestWorkflowsStartedBeforeAChangeStillReplay(t *testing.T) {
	for _, file := range []string{"cancellation-refunded.json"} {
		t.Run(file, func(t *testing.T) {
			replayer := worker.NewWorkflowReplayer()
			replayer.RegisterWorkflowWithOptions(CancellationWorkflow, workflow.RegisterOptions{Name: WorkflowName})
			logger := log.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err := replayer.ReplayWorkflowHistoryFromJSONFile(logger, filepath.Join("testdata", file)); err != nil {
				t.Fatal(err)
			}
		})
	}
}
