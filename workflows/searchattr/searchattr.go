// Package searchattr declares the custom search attributes the order sagas
// set on their workflows, so that the Temporal Web UI's workflow list can be
// filtered like the order book, e.g.
//
//	OrderKind = "checkout" AND OrderStatus = "PENDING_PAYMENT" AND AmountCents > 10000
//
// A namespace must have them registered before a worker runs the sagas (an
// upsert of an unknown attribute fails the workflow task, over and over):
// the dev server registers them when it starts; a cluster needs `temporal
// operator search-attribute create` once (see the README).
package searchattr

import (
	"strings"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	orderv1 "mall/gen/mall/order/v1"
)

// The attributes. Values are the order book's: OrderStatus is an order
// status without its prefix (PENDING_PAYMENT, PAID, ...), as the saga knows
// it; OrderKind is KindCheckout or KindFlash.
var (
	OrderStatus = temporal.NewSearchAttributeKeyKeyword("OrderStatus")
	UserID      = temporal.NewSearchAttributeKeyKeyword("UserId")
	AmountCents = temporal.NewSearchAttributeKeyInt64("AmountCents")
	OrderKind   = temporal.NewSearchAttributeKeyKeyword("OrderKind")
)

// All lists the attributes, for registering them.
var All = []temporal.SearchAttributeKey{OrderStatus, UserID, AmountCents, OrderKind}

// The values of OrderKind.
const (
	KindCheckout = "checkout" // a regular order, bought through the checkout saga
	KindFlash    = "flash"    // a flash-sale order
)

// Kind is the OrderKind value of an order kind.
func Kind(kind orderv1.OrderKind) string {
	if kind == orderv1.OrderKind_ORDER_KIND_FLASH_SALE {
		return KindFlash
	}
	return KindCheckout
}

// Status is the OrderStatus value of an order status: PAID for
// ORDER_STATUS_PAID.
func Status(status orderv1.OrderStatus) string {
	return strings.TrimPrefix(status.String(), "ORDER_STATUS_")
}

// TypeName is the name of a key's type as the Temporal CLI takes it
// (`--type Keyword`, `--search-attribute AmountCents=Int`), which is how the
// API's enum prints it.
func TypeName(key temporal.SearchAttributeKey) string {
	return key.GetValueType().String()
}

// changeID names the change that made the sagas set the attributes
// (workflow.GetVersion).
const changeID = "order-search-attributes"

// Recorder sets the attributes of one saga's workflow. Workflows that
// started before the sagas set them replay without the upserts: a new
// command in their history would not match it.
type Recorder struct{ enabled bool }

// NewRecorder decides, once per workflow and at the same point of every
// replay, whether this workflow sets the attributes.
func NewRecorder(ctx workflow.Context) Recorder {
	return Recorder{enabled: workflow.GetVersion(ctx, changeID, workflow.DefaultVersion, 1) == 1}
}

// Set upserts the attributes given. An upsert the SDK refuses is logged,
// not returned: the saga's work matters more than its listing.
func (r Recorder) Set(ctx workflow.Context, updates ...temporal.SearchAttributeUpdate) {
	if !r.enabled || len(updates) == 0 {
		return
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, updates...); err != nil {
		workflow.GetLogger(ctx).Warn("search attributes not set", "error", err)
	}
}

// SetStatus upserts OrderStatus.
func (r Recorder) SetStatus(ctx workflow.Context, status orderv1.OrderStatus) {
	r.Set(ctx, OrderStatus.ValueSet(Status(status)))
}
