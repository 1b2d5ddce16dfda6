// Package storefront is the storefront domain: it owns no data and builds the
// home and product pages from the other services, fetching the parts of a
// page in parallel, each bounded by a deadline, and degrading one part at a
// time. handler.go is the Connect surface; home.go and page.go hold the logic.
package storefront

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"

	storefrontv1 "mall/gen/mall/storefront/v1"
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

// Option tunes a Handler.
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

// Handler serves StorefrontService.
type Handler struct {
	up      Upstreams
	logger  *slog.Logger
	opts    options
	cacheOn atomic.Bool
	home    homeCache
}

var _ storefrontv1connect.StorefrontServiceHandler = (*Handler)(nil)

// NewHandler returns the StorefrontService handler, with its in-process home
// cache enabled.
func NewHandler(up Upstreams, logger *slog.Logger, opts ...Option) *Handler {
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
	h := &Handler{up: up, logger: logger, opts: o}
	h.cacheOn.Store(true)
	return h
}

// SetCacheEnabled turns the in-process cache of the shared home-page parts
// on or off (mall bench compares both). Off, every GetHome fetches every part
// from its service; turning it off also drops what was cached.
func (h *Handler) SetCacheEnabled(enabled bool) {
	h.cacheOn.Store(enabled)
	if !enabled {
		h.home.reset()
	}
}

// GetHome never fails as a whole: parts that could not be fetched are empty
// and listed in degraded_parts.
func (h *Handler) GetHome(ctx context.Context, _ *connect.Request[storefrontv1.GetHomeRequest]) (*connect.Response[storefrontv1.GetHomeResponse], error) {
	return connect.NewResponse(h.getHome(ctx, viewer(ctx))), nil
}

// GetProductPage answers not_found for an unknown product; every other part
// degrades alone.
func (h *Handler) GetProductPage(ctx context.Context, req *connect.Request[storefrontv1.GetProductPageRequest]) (*connect.Response[storefrontv1.GetProductPageResponse], error) {
	page, err := h.getProductPage(ctx, req.Msg.GetProductId(), viewer(ctx))
	if err != nil {
		return nil, toConnectError(err)
	}
	return connect.NewResponse(page), nil
}

// viewer is the verified caller's user id, or "" for anonymous callers (and
// for service credentials, which browse as nobody). Identity only ever comes
// from the verified token.
func viewer(ctx context.Context) string {
	identity, ok := auth.FromContext(ctx)
	if !ok || !(identity.Has(auth.RoleUser) || identity.Has(auth.RoleAdmin)) {
		return ""
	}
	return identity.Subject
}

func toConnectError(err error) error {
	var missing *productNotFoundError
	switch {
	case errors.As(err, &missing):
		reason := rpcerr.Reason(missing.cause)
		if reason == "" {
			reason = ReasonProductNotFound
		}
		return rpcerr.New(connect.CodeNotFound, reason, "product not found")
	case errors.Is(err, errProductUnavailable):
		return rpcerr.New(connect.CodeUnavailable, ReasonProductUnavailable, "product service unavailable, try again")
	}
	return err
}
