// Package flashsale expires unpaid flash-sale orders and settles sales.
// One long-running FlashSaleSweeperWorkflow (not a workflow per purchase: a
// sale accepts thousands of purchases a second) cancels the orders whose
// payment deadline passed and gives their units back to the sale, then
// gives the units of sales that can sell no more back to the catalog.
package flashsale

import "time"

// WorkflowName is the registered name of the sweeper workflow.
const WorkflowName = "FlashSaleSweeperWorkflow"

// SweeperWorkflowID is the id of the one sweeper of a task queue.
func SweeperWorkflowID(taskQueue string) string { return "flash-sale-sweeper-" + taskQueue }

// QueryStatus returns a Status.
const QueryStatus = "status"

// DefaultInterval is the pause between sweeps.
const DefaultInterval = 15 * time.Second

// SweeperInput configures the sweeper; Totals carries the counts across
// continue-as-new.
type SweeperInput struct {
	Interval time.Duration
	PageSize int
	Totals   SweepResult
}

// SweepInput is one sweep.
type SweepInput struct {
	Now      time.Time
	Lookback time.Duration // how far back cancelled orders are released again (a crash between cancel and release)
	PageSize int
}

// SweepResult counts what sweeps did.
type SweepResult struct {
	Cancelled       int // expired orders cancelled
	PaidMeanwhile   int // expired orders found paid (or being paid) when cancelling
	Released        int // units given back to a sale
	AlreadyReleased int // releases that had been done before
	// Sales settled (ended, units back in the catalog), failed creations
	// given back, and the units that returned to available stock.
	SalesSettled, SalesAbandoned int
	UnitsReturned                int64
}

func (r SweepResult) add(o SweepResult) SweepResult {
	return SweepResult{Cancelled: r.Cancelled + o.Cancelled, PaidMeanwhile: r.PaidMeanwhile + o.PaidMeanwhile,
		Released: r.Released + o.Released, AlreadyReleased: r.AlreadyReleased + o.AlreadyReleased,
		SalesSettled: r.SalesSettled + o.SalesSettled, SalesAbandoned: r.SalesAbandoned + o.SalesAbandoned,
		UnitsReturned: r.UnitsReturned + o.UnitsReturned}
}

// SettleResult is what one SettleSales did.
type SettleResult struct {
	Settled, Abandoned int
	UnitsReturned      int64
}

// Status is the answer of QueryStatus.
type Status struct {
	Sweeps int
	Totals SweepResult
}
