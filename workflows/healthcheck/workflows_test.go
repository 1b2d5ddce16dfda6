package healthcheck

import (
	"testing"

	"go.temporal.io/sdk/testsuite"
)

func TestWorkflowEchoesThroughItsActivity(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterActivity(&Activities{})
	env.ExecuteWorkflow(Workflow, "hello")
	if !env.IsWorkflowCompleted() {
		t.Fatal("workflow did not complete")
	}
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var result Result
	if err := env.GetWorkflowResult(&result); err != nil {
		t.Fatal(err)
	}
	if result.Echo != "hello" {
		t.Fatalf("echo %q", result.Echo)
	}
}
