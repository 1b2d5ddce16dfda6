package flashsale

import (
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// sweepsPerRun bounds one run's history; then the sweeper continues as new.
const sweepsPerRun = 200

// maxPageSize is the largest page ListOrdersInternal serves.
const maxPageSize = 1000

// FlashSaleSweeperWorkflow sweeps expired flash-sale orders every
// Interval, forever: the cost of expiry is one activity per interval for
// the whole mall, whatever the number of purchases.
func FlashSaleSweeperWorkflow(ctx workflow.Context, in SweeperInput) error {
	if in.Interval <= 0 {
		in.Interval = DefaultInterval
	}
	if in.PageSize <= 0 {
		in.PageSize = 500
	}
	in.PageSize = min(in.PageSize, maxPageSize)
	status := Status{Totals: in.Totals}
	if err := workflow.SetQueryHandler(ctx, QueryStatus, func() (Status, error) { return status, nil }); err != nil {
		return err
	}
	logger := workflow.GetLogger(ctx)
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 5 * time.Minute,
		HeartbeatTimeout:    time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute},
	})
	// Orders cancelled up to this long ago are released again: a sweep that
	// died between cancelling and releasing is retried well within it.
	lookback := 3*in.Interval + 10*time.Minute
	for range sweepsPerRun {
		var result SweepResult
		err := workflow.ExecuteActivity(actx, ActivitySweepExpired, SweepInput{Now: workflow.Now(ctx), Lookback: lookback, PageSize: in.PageSize}).Get(ctx, &result)
		if err != nil {
			logger.Error("sweep failed; next one in an interval", "error", err)
		}
		status.Sweeps++
		status.Totals = status.Totals.add(result)
		if result.Cancelled > 0 || result.PaidMeanwhile > 0 {
			log.With(logger, "cancelled", result.Cancelled, "released", result.Released).Info("expired flash-sale orders swept")
		}
		if err := workflow.Sleep(ctx, in.Interval); err != nil {
			return err
		}
	}
	in.Totals = status.Totals
	return workflow.NewContinueAsNewError(ctx, WorkflowName, in)
}
