package order

import (
	"log/slog"
	"time"

	"github.com/uptrace/bun"
	"go.temporal.io/sdk/client"

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
}

// DefaultOptions are the production settings.
func DefaultOptions() Options {
	return Options{PaymentTimeout: checkout.DefaultPaymentTimeout, AutoComplete: checkout.DefaultAutoComplete}
}

// Service is the order domain: orders, their lines and status history, and
// the entry points of the checkout saga (started and signalled on Temporal).
type Service struct {
	db        *bun.DB
	temporal  client.Client
	taskQueue string
	logger    *slog.Logger
	opts      Options
}

// NewService returns the order service. Checkouts start CheckoutWorkflow
// on taskQueue through temporal.
func NewService(db *bun.DB, temporal client.Client, taskQueue string, logger *slog.Logger, opts Options) *Service {
	if opts.PaymentTimeout <= 0 {
		opts.PaymentTimeout = checkout.DefaultPaymentTimeout
	}
	if opts.AutoComplete <= 0 {
		opts.AutoComplete = checkout.DefaultAutoComplete
	}
	return &Service{db: db, temporal: temporal, taskQueue: taskQueue, logger: logger, opts: opts}
}
