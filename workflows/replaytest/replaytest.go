// Package replaytest replays recorded workflow histories on today's code,
// for the sagas' tests.
package replaytest

import (
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Histories replays each JSON history in testdata (recorded with
// `temporal workflow show --output json`) on workflowFn registered as name,
// failing on any nondeterminism: a workflow started before a change that
// cannot replay would break when the change is deployed.
func Histories(t *testing.T, workflowFn any, name string, files ...string) {
	t.Helper()
	for _, file := range files {
		t.Run(file, func(t *testing.T) {
			replayer := worker.NewWorkflowReplayer()
			replayer.RegisterWorkflowWithOptions(workflowFn, workflow.RegisterOptions{Name: name})
			logger := log.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err := replayer.ReplayWorkflowHistoryFromJSONFile(logger, filepath.Join("testdata", file)); err != nil {
				t.Fatal(err)
			}
		})
	}
}
