package user

import (
	"log/slog"
	"time"

	"github.com/uptrace/bun"

	"mall/gen/mall/product/v1/productv1connect"
	"mall/services/platform/auth"
	"mall/services/platform/ratelimit"
)

// Options tune the user service.
type Options struct {
	TokenTTL     time.Duration
	AccountLimit ratelimit.Limit // login attempts per account
	AddressLimit ratelimit.Limit // login attempts per client address
	MaxAddresses int
}

// DefaultOptions are the production settings.
func DefaultOptions() Options {
	return Options{
		TokenTTL:     24 * time.Hour,
		AccountLimit: ratelimit.Limit{Burst: 5, Period: time.Minute},
		AddressLimit: ratelimit.Limit{Burst: 20, Period: time.Minute},
		MaxAddresses: 20,
	}
}

// Service is the accounts domain: users, addresses and favorites.
type Service struct {
	db          *bun.DB
	keys        *auth.Keys
	revocations *auth.ValkeyRevocations
	limiter     *ratelimit.Limiter
	products    productv1connect.ProductServiceClient
	logger      *slog.Logger
	opts        Options
}

// NewService returns the user service.
func NewService(db *bun.DB, keys *auth.Keys, revocations *auth.ValkeyRevocations, limiter *ratelimit.Limiter,
	products productv1connect.ProductServiceClient, logger *slog.Logger, opts Options) *Service {
	return &Service{db: db, keys: keys, revocations: revocations, limiter: limiter, products: products, logger: logger, opts: opts}
}
