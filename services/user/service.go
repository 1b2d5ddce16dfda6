// Package user is the accounts domain: registration, login with rate limits
// and revocable tokens, profiles, addresses (exactly one default) and
// favorites. Service serves UserService; the SQL is in store.go.
package user

import (
	"log/slog"
	"time"

	"github.com/uptrace/bun"
	"github.com/valkey-io/valkey-go"

	"mall/gen/mall/product/v1/productv1connect"
	"mall/gen/mall/user/v1/userv1connect"
	"mall/services/platform/auth"
	"mall/services/platform/cache"
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
	// AddressTTL and AddressLocalTTL bound a user's cached address book in
	// Valkey and in each process's client-side cache (changes invalidate it).
	AddressTTL, AddressLocalTTL time.Duration
	KeyPrefix                   string // prefix of every Valkey key, so tests and benches can share a server
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

		AddressTTL:      10 * time.Minute,
		AddressLocalTTL: time.Minute,
		KeyPrefix:       "mall:",
	}
}

// Service is the accounts domain: users, addresses and favorites. User
// procedures take the caller from the verified token; internal ones serve
// another service acting for the user named in the request (the authn
// layer admits only service credentials there).
type Service struct {
	db          *bun.DB
	keys        *auth.Keys
	revocations *auth.ValkeyRevocations
	limiter     *ratelimit.Limiter
	products    productv1connect.ProductServiceClient
	logger      *slog.Logger
	opts        Options

	addressBooks *cache.Aside // every address of a user, by user id
}

var _ userv1connect.UserServiceHandler = (*Service)(nil)

// NewService returns the user service; client holds the cached address books.
func NewService(db *bun.DB, client valkey.Client, keys *auth.Keys, revocations *auth.ValkeyRevocations, limiter *ratelimit.Limiter,
	products productv1connect.ProductServiceClient, logger *slog.Logger, opts Options) *Service {
	return &Service{db: db, keys: keys, revocations: revocations, limiter: limiter, products: products, logger: logger, opts: opts,
		addressBooks: cache.NewAside(client, cache.AsideOptions{Name: "address_books", TTL: opts.AddressTTL, Jitter: 0.2,
			LocalTTL: opts.AddressLocalTTL})}
}
