// Package review is the review domain: buyers review the products of their
// delivered orders, once per order line, with pictures they upload (kept
// and served by this service); anyone lists a product's reviews and reads
// its cached summary. Service serves ReviewService; the SQL is in
// store.go.
package review

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"
	"github.com/valkey-io/valkey-go"

	"mall/gen/mall/order/v1/orderv1connect"
	"mall/gen/mall/review/v1/reviewv1connect"
	"mall/gen/mall/user/v1/userv1connect"
	"mall/services/platform/cache"
	"mall/services/platform/picture"
	"mall/services/platform/ratelimit"
)

// Options tune the review service.
type Options struct {
	SummaryTTL      time.Duration   // a product's summary in Valkey
	EmptySummaryTTL time.Duration   // the summary of a product without reviews (cached as absent)
	LocalTTL        time.Duration   // client-side (in-process, RESP3-tracked) copy of summaries
	KeyPrefix       string          // prefix of every Valkey key, so tests and benches can share a server
	DefaultPageSize int             // ListReviews page size when the request gives 0
	ImageQuota      int             // unused pictures one user may hold
	ImageTTL        time.Duration   // how long a picture no review uses is kept
	ImageDecoders   int             // pictures checked at once in the process
	UploadLimit     ratelimit.Limit // how often one user may upload a new picture
}

// DefaultOptions are the production settings.
func DefaultOptions() Options {
	return Options{
		SummaryTTL:      10 * time.Minute,
		EmptySummaryTTL: time.Minute,
		LocalTTL:        time.Minute,
		KeyPrefix:       "mall:",
		DefaultPageSize: 10,
		ImageQuota:      DefaultImageQuota,
		ImageTTL:        DefaultImageTTL,
		ImageDecoders:   DefaultImageDecoders,
		UploadLimit:     DefaultUploadLimit,
	}
}

// Service is the review domain over its own database and Valkey. Who may
// review comes from the order service (GetOrderInternal) and the author's
// nickname from the user service (GetUserInternal), both internal RPCs
// called with the "review" service credential. User RPCs take the caller's
// id only from the verified token (auth.UserID); requests carry no user id.
type Service struct {
	db     *bun.DB
	orders orderv1connect.OrderServiceClient
	users  userv1connect.UserServiceClient
	logger *slog.Logger
	opts   Options
	now    func() time.Time

	summaries    *cache.Aside // ReviewSummary by product id
	cacheEnabled atomic.Bool
	pictures     *picture.Inspector
	uploads      *ratelimit.Limiter
}

var _ reviewv1connect.ReviewServiceHandler = (*Service)(nil)

// NewService returns the review service.
func NewService(db *bun.DB, orders orderv1connect.OrderServiceClient, users userv1connect.UserServiceClient,
	client valkey.Client, logger *slog.Logger, opts Options) *Service {
	defaults := DefaultOptions()
	if opts.DefaultPageSize <= 0 {
		opts.DefaultPageSize = defaults.DefaultPageSize
	}
	if opts.ImageQuota <= 0 {
		opts.ImageQuota = defaults.ImageQuota
	}
	if opts.ImageTTL <= 0 {
		opts.ImageTTL = defaults.ImageTTL
	}
	if opts.ImageDecoders <= 0 {
		opts.ImageDecoders = defaults.ImageDecoders
	}
	if opts.UploadLimit.Burst <= 0 || opts.UploadLimit.Period <= 0 {
		opts.UploadLimit = defaults.UploadLimit
	}
	s := &Service{db: db, orders: orders, users: users, logger: logger, opts: opts,
		now: func() time.Time { return time.Now().UTC() }, pictures: picture.NewInspector(opts.ImageDecoders),
		uploads: ratelimit.New(client, opts.KeyPrefix+"review:uploads:")}
	s.summaries = cache.NewAside(client, cache.AsideOptions{Name: "review_summaries",
		TTL: opts.SummaryTTL, NegativeTTL: opts.EmptySummaryTTL, Jitter: 0.2, LocalTTL: opts.LocalTTL})
	s.cacheEnabled.Store(true)
	return s
}

// SetCacheEnabled turns the summary cache on or off (benchmarks compare
// both; off means every summary is computed in MySQL).
func (s *Service) SetCacheEnabled(enabled bool) { s.cacheEnabled.Store(enabled) }

// SummaryStats exposes the summary cache's counters.
func (s *Service) SummaryStats() *cache.Stats { return &s.summaries.Stats }

// summaryKey is the Valkey key of a product's summary:
// <prefix>review:summary:<product id>.
func (s *Service) summaryKey(productID string) string {
	return s.opts.KeyPrefix + "review:summary:" + productID
}

// afterCommit drops the summary of a product whose reviews just changed. A
// failure is logged, not returned: the review is committed, and the
// generation guard plus the TTL bound how long a stale summary can live.
func (s *Service) afterCommit(ctx context.Context, productID string) {
	if err := s.summaries.Invalidate(context.WithoutCancel(ctx), s.summaryKey(productID)); err != nil {
		s.logger.WarnContext(ctx, "review summary invalidation failed", "product_id", productID, "err", err)
	}
}
