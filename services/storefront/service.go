// Package storefront is the storefront domain: it owns no data and builds the
// home and product pages from the other services, fetching the parts of a
// page in parallel, each bounded by a deadline, and degrading one part at a
// time. Service implements StorefrontService: GetHome is in home.go,
// GetProductPage in page.go.
package storefront

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"

	"mall/gen/mall/storefront/v1/storefrontv1connect"
	"mall/services/platform/auth"
	"mall/services/platform/rpcerr"
)

// Reasons of the storefront's own errors (google.rpc.ErrorInfo).
const (
	ReasonProductNotFound    = "PRODUCT_NOT_FOUND"
	ReasonProductUnavailable = "PRODUCT_UNAVAILABLE"
)

// Defaults of the options.
const (
	DefaultPartDeadline     = 300 * time.Millisecond
	DefaultRequiredDeadline = time.Second
	DefaultRefreshInterval  = time.Second
	DefaultMaxStale         = 30 * time.Second
)

type options struct {
	partDeadline     time.Duration
	requiredDeadline time.Duration
	refreshInterval  time.Duration
	maxStale         time.Duration
}

// Option tunes a Service.
type Option func(*options)

// WithPartDeadline bounds each optional part of a page (banners, rankings,
// reviews, ...): a part not fetched within d is left empty and degraded.
func WithPartDeadline(d time.Duration) Option { return func(o *options) { o.partDeadline = d } }

// WithRequiredDeadline bounds the one part a page cannot do without (the
// product of a product page).
func WithRequiredDeadline(d time.Duration) Option {
	return func(o *options) { o.requiredDeadline = d }
}

// WithRefreshInterval sets how old the in-process home cache may get before
// a request triggers a background refresh (stale-while-revalidate).
func WithRefreshInterval(d time.Duration) Option {
	return func(o *options) { o.refreshInterval = d }
}

// WithMaxStale sets how long a part whose refresh fails keeps its last good
// value, and how old the home cache may be before a request waits for a
// fresh one instead of being served the old one.
func WithMaxStale(d time.Duration) Option { return func(o *options) { o.maxStale = d } }

// Service is the storefront: the pages, built from its upstreams.
type Service struct {
	up      Upstreams
	logger  *slog.Logger
	opts    options
	cacheOn atomic.Bool
	home    homeCache
}

var _ storefrontv1connect.StorefrontServiceHandler = (*Service)(nil)

// NewService returns the storefront, with its in-process home cache
// enabled.
func NewService(up Upstreams, logger *slog.Logger, opts ...Option) *Service {
	o := options{
		partDeadline:     DefaultPartDeadline,
		requiredDeadline: DefaultRequiredDeadline,
		refreshInterval:  DefaultRefreshInterval,
		maxStale:         DefaultMaxStale,
	}
	for _, opt := range opts {
		opt(&o)
	}
	if logger == nil {
		logger = slog.Default()
	}
	s := &Service{up: up, logger: logger, opts: o}
	s.cacheOn.Store(true)
	return s
}

// SetCacheEnabled turns the in-process cache of the shared home-page parts
// on or off (mall bench compares both). Off, every GetHome fetches every part
// from its service; turning it off also drops what was cached.
func (s *Service) SetCacheEnabled(enabled bool) {
	s.cacheOn.Store(enabled)
	if !enabled {
		s.home.reset()
	}
}

// viewer is the verified caller's user id, or "" for anonymous callers (and
// for service credentials, which browse as nobody). Identity only ever comes
// from the verified token.
func viewer(ctx context.Context) string {
	identity, ok := auth.FromContext(ctx)
	if !ok || (!identity.Has(auth.RoleUser) && !identity.Has(auth.RoleAdmin)) {
		return ""
	}
	return identity.Subject
}

// fetch makes one call of an upstream and answers its message. A failure
// names the call ("<Service>.<Method>", as rpcerr.Upstream does), for the
// log of the part it degrades (degraded).
func fetch[Req, Res any](ctx context.Context, call string, rpc func(context.Context, *connect.Request[Req]) (*connect.Response[Res], error), req *Req) (*Res, error) {
	res, err := rpc(ctx, connect.NewRequest(req))
	if err != nil {
		return nil, &failedCall{call: call, err: err}
	}
	return res.Msg, nil
}

// failedCall is an upstream's failure with the name of the call.
type failedCall struct {
	call string
	err  error
}

func (e *failedCall) Error() string { return e.call + ": " + e.err.Error() }
func (e *failedCall) Unwrap() error { return e.err }

// degraded logs a part left out of a page because of err, with the fields
// rpcerr.Upstream logs a failed call with.
func (s *Service) degraded(ctx context.Context, level slog.Level, msg, part string, err error) {
	call, cause := "", err
	var failed *failedCall
	if errors.As(err, &failed) {
		call, cause = failed.call, failed.err
	}
	s.logger.Log(ctx, level, msg, "part", part, "call", call,
		"code", connect.CodeOf(err).String(), "reason", rpcerr.Reason(err), "err", cause)
}
