// Package order is the order domain: orders with their lines (snapshotted at
// checkout) and status history, one state machine for every status change,
// and the entry points of the checkout saga on Temporal. Service serves
// OrderService; the SQL is in store.go.
package order

import (
	"log/slog"
	"time"

	"github.com/uptrace/bun"
	"go.temporal.io/sdk/client"

	"mall/gen/mall/order/v1/orderv1connect"
	"mall/gen/mall/product/v1/productv1connect"
	"mall/gen/mall/seckill/v1/seckillv1connect"
	"mall/services/platform/feed"
	"mall/services/platform/ratelimit"
	"mall/workflows/checkout"
)

// Options tune the order service.
type Options struct {
	// PaymentTimeout is how long a new order waits for payment (passed to
	// the checkout workflow). Zero means checkout.DefaultPaymentTimeout.
	PaymentTimeout time.Duration
	// AutoComplete is how long after delivery an order completes by itself
	// (passed to the checkout workflow). Zero means checkout.DefaultAutoComplete.
	AutoComplete time.Duration
	// MaxUnpaidOrders and MaxUnpaidUnits cap what one buyer may hold in
	// PENDING_PAYMENT orders (0: the defaults).
	MaxUnpaidOrders int
	MaxUnpaidUnits  int64
	// CheckoutLimit is how often one buyer may start checkouts (zero: the default).
	CheckoutLimit ratelimit.Limit
	// TemporalUIURL is where operators reach the Temporal Web UI (empty:
	// nowhere known), and TemporalNamespace the namespace of the sagas:
	// AdminGetOrder gives both for links to an order's workflows.
	TemporalUIURL     string
	TemporalNamespace string
	// Feed wakes WatchOrder streams when an order changes; nil: no
	// streaming (GetOrder still answers).
	Feed *feed.Feed
}

// DefaultOptions are the production settings.
func DefaultOptions() Options {
	return Options{PaymentTimeout: checkout.DefaultPaymentTimeout, AutoComplete: checkout.DefaultAutoComplete,
		MaxUnpaidOrders: DefaultMaxUnpaidOrders, MaxUnpaidUnits: DefaultMaxUnpaidUnits, CheckoutLimit: DefaultCheckoutLimit}
}

// FlashSaleClients are the services a buyer's cancel of an unpaid
// flash-sale order calls: the catalog (its units' claim) and the sale
// (the units go back to it).
type FlashSaleClients struct {
	Products productv1connect.ProductServiceClient
	Seckill  seckillv1connect.SeckillServiceClient
}

// Service is the order domain: orders, their lines and status history, and
// the entry points of the checkout saga (started and signalled on Temporal).
// User procedures take the caller from the verified token; admin procedures
// are admitted for admin tokens only, internal ones (the sagas, sweepers
// and flash-sale writers) for service credentials only, by the authn layer.
type Service struct {
	db        *bun.DB
	temporal  client.Client
	taskQueue string
	flash     FlashSaleClients
	logger    *slog.Logger
	limiter   *ratelimit.Limiter
	opts      Options
}

var _ orderv1connect.OrderServiceHandler = (*Service)(nil)

// NewService returns the order service. Checkouts start CheckoutWorkflow
// on taskQueue through temporal; flash reaches the services a flash-sale
// order's cancel involves; limiter paces each buyer's checkouts.
func NewService(db *bun.DB, temporal client.Client, taskQueue string, flash FlashSaleClients, limiter *ratelimit.Limiter, logger *slog.Logger, opts Options) *Service {
	if opts.PaymentTimeout <= 0 {
		opts.PaymentTimeout = checkout.DefaultPaymentTimeout
	}
	if opts.AutoComplete <= 0 {
		opts.AutoComplete = checkout.DefaultAutoComplete
	}
	defaults := DefaultOptions()
	if opts.MaxUnpaidOrders <= 0 {
		opts.MaxUnpaidOrders = defaults.MaxUnpaidOrders
	}
	if opts.MaxUnpaidUnits <= 0 {
		opts.MaxUnpaidUnits = defaults.MaxUnpaidUnits
	}
	if opts.CheckoutLimit.Burst <= 0 || opts.CheckoutLimit.Period <= 0 {
		opts.CheckoutLimit = defaults.CheckoutLimit
	}
	return &Service{db: db, temporal: temporal, taskQueue: taskQueue, flash: flash, limiter: limiter, logger: logger, opts: opts}
}
