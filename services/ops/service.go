// Package ops is the operations domain: the audit log of operator actions
// (every server records its admin actions here through the audit
// interceptor, services/platform/audit) and the attention list of sagas
// that need a person, computed from the order service and Temporal, with
// the marks operators leave on it. Service serves OpsService; the SQL is in
// store.go.
package ops

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"go.temporal.io/sdk/client"

	opsv1 "mall/gen/mall/ops/v1"
	"mall/gen/mall/ops/v1/opsv1connect"
	"mall/gen/mall/order/v1/orderv1connect"
	"mall/gen/mall/user/v1/userv1connect"
)

// Options tune the ops service.
type Options struct {
	// TemporalUIURL is the Temporal Web UI's base URL given to the console
	// for its workflow links ("" : none).
	TemporalUIURL     string
	TemporalNamespace string
	// PaymentGrace is how long past its payment deadline an unpaid order
	// may stay PENDING_PAYMENT before it is listed.
	PaymentGrace time.Duration
	// An activity is listed once it has been tried RetryAttempts times or
	// for RetryAge since it was scheduled, whichever comes first.
	RetryAttempts int32
	RetryAge      time.Duration
	// ScanInterval is how often the attention gauge is brought up to date,
	// and how old the listed retrying workflows may be.
	ScanInterval time.Duration
	// MaxItemsPerKind bounds what one listing reads of each kind (and the
	// workflows it describes).
	MaxItemsPerKind int
	DefaultPageSize int // ListAuditEntries page size when the request gives 0
}

// DefaultOptions are the production settings.
func DefaultOptions() Options {
	return Options{
		TemporalNamespace: "default",
		PaymentGrace:      5 * time.Minute,
		RetryAttempts:     10,
		RetryAge:          10 * time.Minute,
		ScanInterval:      30 * time.Second,
		MaxItemsPerKind:   500,
		DefaultPageSize:   50,
	}
}

// Service is the ops domain over its own database. It asks the order
// service for the orders (ListOrdersInternal, RetryRefund) and the user
// service for operators' usernames (GetUserInternal), with the "ops"
// service credential, and Temporal for the open workflows.
type Service struct {
	db       *bun.DB
	orders   orderv1connect.OrderServiceClient
	users    userv1connect.UserServiceClient
	temporal client.Client
	logger   *slog.Logger
	opts     Options
	now      func() time.Time

	retryMu    sync.Mutex // one reading of the open workflows at a time
	retryItems []*opsv1.AttentionItem
	retryRead  time.Time // when retryItems were read (zero: never)
}

var _ opsv1connect.OpsServiceHandler = (*Service)(nil)

// NewService returns the ops service; zero options take their defaults.
func NewService(db *bun.DB, orders orderv1connect.OrderServiceClient, users userv1connect.UserServiceClient,
	temporal client.Client, logger *slog.Logger, opts Options) *Service {
	defaults := DefaultOptions()
	if opts.TemporalNamespace == "" {
		opts.TemporalNamespace = defaults.TemporalNamespace
	}
	if opts.PaymentGrace <= 0 {
		opts.PaymentGrace = defaults.PaymentGrace
	}
	if opts.RetryAttempts <= 0 {
		opts.RetryAttempts = defaults.RetryAttempts
	}
	if opts.RetryAge <= 0 {
		opts.RetryAge = defaults.RetryAge
	}
	if opts.ScanInterval <= 0 {
		opts.ScanInterval = defaults.ScanInterval
	}
	if opts.MaxItemsPerKind <= 0 {
		opts.MaxItemsPerKind = defaults.MaxItemsPerKind
	}
	if opts.DefaultPageSize <= 0 {
		opts.DefaultPageSize = defaults.DefaultPageSize
	}
	return &Service{db: db, orders: orders, users: users, temporal: temporal, logger: logger, opts: opts, now: time.Now}
}

// Scan brings the attention gauge up to date every ScanInterval until ctx
// ends. A scan that fails leaves the gauge as it was and is logged.
func (s *Service) Scan(ctx context.Context) error {
	ticker := time.NewTicker(s.opts.ScanInterval)
	defer ticker.Stop()
	for {
		if _, err := s.refreshGauge(ctx); err != nil && ctx.Err() == nil {
			s.logger.WarnContext(ctx, "attention scan failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}
