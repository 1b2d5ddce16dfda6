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
// Interval, then settles the sales that can sell no more, forever: the
// cost of expiry is two activities per interval for the whole mall,
// whatever the number of purchases.
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
	// SettleSales is one call to the seckill service (no heartbeats); a
	// sale it cannot settle now is tried again next interval, so a few
	// attempts are enough and the sweeps go on.
	settleCtx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumAttempts: 3},
	})
	// Runs started before settling existed replay without it until they
	// continue as new.
	settles := workflow.GetVersion(ctx, "settle-sales", workflow.DefaultVersion, 1) == 1
	// Orders cancelled up to this long ago are released again: a sweep that
	// died between cancelling and releasing is retried well within it.
	lookback := 3*in.Interval + 10*time.Minute
	for range sweepsPerRun {
		var result SweepResult
		err := workflow.ExecuteActivity(actx, ActivitySweepExpired, SweepInput{Now: workflow.Now(ctx), Lookback: lookback, PageSize: in.PageSize}).Get(ctx, &result)
		if err != nil {
			logger.Error("sweep failed; next one in an interval", "error", err)
		}
		// Settling after the sweep: a sale is settled only once the sweep
		// has cancelled its expired orders.
		var settled SettleResult
		if settles {
			if err := workflow.ExecuteActivity(settleCtx, ActivitySettleSales).Get(ctx, &settled); err != nil {
				logger.Error("settling sales failed; next try in an interval", "error", err)
			}
		}
		result.SalesSettled, result.SalesAbandoned, result.UnitsReturned = settled.Settled, settled.Abandoned, settled.UnitsReturned
		status.Sweeps++
		status.Totals = status.Totals.add(result)
		if result.Cancelled > 0 || result.PaidMeanwhile > 0 {
			log.With(logger, "cancelled", result.Cancelled, "released", result.Released).Info("expired flash-sale orders swept")
		}
		if settled.Settled > 0 || settled.Abandoned > 0 {
			log.With(logger, "settled", settled.Settled, "abandoned", settled.Abandoned, "units", settled.UnitsReturned).Info("flash sales settled")
		}
		if err := workflow.Sleep(ctx, in.Interval); err != nil {
			return err
		}
	}
	in.Totals = status.Totals
	return workflow.NewContinueAsNewError(ctx, WorkflowName, in)
}
