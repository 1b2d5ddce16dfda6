package user

import (
	"log/slog"
	"time"

	"github.com/uptrace/bun"

	"mall/gen/mall/product/v1/productv1connect"
	"mall/services/platform/auth"
	"mall/services/platform/clientaddr"
	"mall/services/platform/config"
	"mall/services/platform/ratelimit"
)

// Options tune the user service.
type Options struct {
	TokenTTL time.Duration
	// AccountLimit bounds login attempts at one account from one client
	// address: the owner elsewhere keeps their own budget.
	AccountLimit ratelimit.Limit
	// AddressLimit bounds login attempts from one client address, whatever
	// the account (password spraying).
	AddressLimit        ratelimit.Limit
	RegisterLimit       ratelimit.Limit // registrations per client address
	PasswordChangeLimit ratelimit.Limit // password change attempts per account
	// Clients finds a request's client address (behind trusted proxies).
	Clients      clientaddr.Resolver
	MaxAddresses int
}

// DefaultOptions are the production settings (the limits are the flags'
// defaults).
func DefaultOptions() Options {
	return Options{
		TokenTTL:            24 * time.Hour,
		AccountLimit:        config.DefaultLoginLimitPerAccount,
		AddressLimit:        config.DefaultLoginLimitPerAddress,
		RegisterLimit:       config.DefaultRegisterLimitPerAddress,
		PasswordChangeLimit: config.DefaultPasswordChangeLimit,
		MaxAddresses:        20,
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
