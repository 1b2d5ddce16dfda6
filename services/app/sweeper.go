package app

import (
	"context"

	"go.temporal.io/sdk/client"

	"mall/workflows/flashsale"
)

// StartSweeper makes sure the flash-sale sweeper of this deployment's task
// queue runs: every worker calls it at start-up (WorkflowIDConflictPolicy
// USE_EXISTING), so the first one starts it and a terminated sweeper is
// started again by the next worker that comes up.
func StartSweeper(ctx context.Context, deps *Deps, tc client.Client) error {
	interval := deps.Config.FlashSweepInterval
	if interval <= 0 {
		interval = flashsale.DefaultInterval
	}
	return flashsale.EnsureSweeper(ctx, tc, deps.Config.TaskQueue, interval)
}
