// Package pay is the pay domain: payment attempts, the provider's webhooks
// and refunds, in the pay service's own database, with PaymentWorkflow on
// Temporal doing the talking to the provider. Service serves PayService
// (payments.go, webhook.go); the SQL is in store.go.
package pay

import (
	"log/slog"
	"time"

	"github.com/uptrace/bun"
	"go.temporal.io/sdk/client"

	"mall/gen/mall/order/v1/orderv1connect"
	"mall/gen/mall/pay/v1/payv1connect"
	"mall/services/pay/provider"
	"mall/workflows/payment"
)

// Options configure the pay service.
type Options struct {
	// TaskQueue is where PaymentWorkflow runs.
	TaskQueue string
	// WebhookSecret is the HMAC key of the provider's webhook signatures.
	WebhookSecret []byte
	// SignatureTolerance is how old a signed webhook may be; an older one is
	// a replay. Zero means 5 minutes.
	SignatureTolerance time.Duration
	// PublicURL is where browsers reach the mall: the provider's pay page
	// sends the buyer back to <PublicURL>/orders/<order id>.
	PublicURL string
	// NotifyURL is the webhook target handed to the provider with each
	// charge; empty leaves the provider's configured default.
	NotifyURL string
	// PollInterval is how often a payment polls the provider when no
	// webhook comes; zero means payment.DefaultPollInterval.
	PollInterval time.Duration
}

// Service is the pay domain: payment attempts and provider events in the
// pay database, PaymentWorkflow on Temporal, refunds through the provider.
// User RPCs take the caller only from the verified token; internal ones are
// called by the payment and cancellation workflows with a service
// credential; the webhook is public and authenticated by its signature.
type Service struct {
	db       *bun.DB
	temporal client.Client
	orders   orderv1connect.OrderServiceClient
	provider *provider.Client
	logger   *slog.Logger
	opts     Options
}

var _ payv1connect.PayServiceHandler = (*Service)(nil)

// NewService returns the pay service.
func NewService(db *bun.DB, temporal client.Client, orders orderv1connect.OrderServiceClient, provider *provider.Client, logger *slog.Logger, opts Options) *Service {
	if opts.SignatureTolerance <= 0 {
		opts.SignatureTolerance = 5 * time.Minute
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = payment.DefaultPollInterval
	}
	return &Service{db: db, temporal: temporal, orders: orders, provider: provider, logger: logger, opts: opts}
}
