package checkout

import (
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// ActivityPrefix prefixes the registered names of the checkout activities
// ("Checkout.ReserveStock"), so they read well in the Web UI and cannot
// collide with another workflow package's activities on the same worker.
const ActivityPrefix = "Checkout."

// Registered activity names (ActivityPrefix + the Activities method).
const (
	ActivityPriceLines         = ActivityPrefix + "PriceLines"
	ActivityResolveAddress     = ActivityPrefix + "ResolveAddress"
	ActivityReserveStock       = ActivityPrefix + "ReserveStock"
	ActivityConfirmReservation = ActivityPrefix + "ConfirmReservation"
	ActivityReleaseReservation = ActivityPrefix + "ReleaseReservation"
	ActivityCreateOrder        = ActivityPrefix + "CreateOrder"
	ActivityTransitionOrder    = ActivityPrefix + "TransitionOrder"
	ActivityRemoveCartLines    = ActivityPrefix + "RemoveCartLines"
	ActivityPublishOrderEvent  = ActivityPrefix + "PublishOrderEvent"
)

// Register adds CheckoutWorkflow (as WorkflowName) and the checkout
// activities, whose service clients a carries, to w.
func Register(w worker.Registry, a *Activities) {
	w.RegisterWorkflowWithOptions(CheckoutWorkflow, workflow.RegisterOptions{Name: WorkflowName})
	w.RegisterActivityWithOptions(a, activity.RegisterOptions{Name: ActivityPrefix})
}
