// Package product is the catalog domain: categories, products, stock
// reservations, banners, rankings and recommendations, with the cache layer
// in front of its database. Service implements ProductService, one method
// per RPC in the file of its topic (catalog, listing, banners, ranking,
// stock, allocation, admin, stock_admin, uploads); the SQL is in store.go
// and store_stock.go.
package product

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"
	"github.com/uptrace/bun"
	"github.com/valkey-io/valkey-go"
	"golang.org/x/sync/singleflight"

	"mall/gen/mall/product/v1/productv1connect"
	searchv1 "mall/gen/mall/search/v1"
	"mall/services/platform/cache"
	"mall/services/platform/picture"
)

// Options tune the product service's caches.
type Options struct {
	ProductTTL    time.Duration // product detail in Valkey
	NegativeTTL   time.Duration // cached "no such product"
	LocalTTL      time.Duration // client-side (in-process, RESP3-tracked) copy of hot keys
	ListingTTL    time.Duration // category listing sorted sets
	BannerRefresh time.Duration // background refresh of the in-process banner cache
	KeyPrefix     string        // prefix of every Valkey key, so tests and benches can share a server
}

// DefaultOptions are the production settings.
func DefaultOptions() Options {
	return Options{
		ProductTTL:    10 * time.Minute,
		NegativeTTL:   30 * time.Second,
		LocalTTL:      time.Minute,
		ListingTTL:    5 * time.Minute,
		BannerRefresh: 5 * time.Second,
		KeyPrefix:     "mall:",
	}
}

// Service is the catalog's logic over its own database and Valkey.
type Service struct {
	db     *bun.DB
	valkey valkey.Client
	opts   Options
	logger *slog.Logger

	products     *cache.Aside // product detail, by id
	categories   *cache.Aside // the whole category tree
	cacheEnabled atomic.Bool
	builds       singleflight.Group // listing sorted-set builds
	banners      *bannerCache
	pictures     *picture.Inspector // uploaded pictures (uploads.go)
	searcher     Searcher           // answers the deprecated SearchProducts
}

// Searcher is the search service, as the deprecated SearchProducts asks it.
type Searcher interface {
	SearchProducts(context.Context, *connect.Request[searchv1.SearchProductsRequest]) (*connect.Response[searchv1.SearchProductsResponse], error)
}

// SetSearcher names the search service SearchProducts forwards to (until
// then it answers unavailable).
func (s *Service) SetSearcher(searcher Searcher) { s.searcher = searcher }

var _ productv1connect.ProductServiceHandler = (*Service)(nil)

// NewService returns the product service; call Close to stop its background work.
func NewService(db *bun.DB, client valkey.Client, logger *slog.Logger, opts Options) *Service {
	s := &Service{db: db, valkey: client, opts: opts, logger: logger}
	s.products = cache.NewAside(client, cache.AsideOptions{Name: "products", TTL: opts.ProductTTL, NegativeTTL: opts.NegativeTTL, Jitter: 0.2, LocalTTL: opts.LocalTTL})
	s.categories = cache.NewAside(client, cache.AsideOptions{Name: "categories", TTL: opts.ProductTTL, NegativeTTL: opts.NegativeTTL, Jitter: 0.2, LocalTTL: opts.LocalTTL})
	s.cacheEnabled.Store(true)
	s.banners = newBannerCache(s.loadLiveBanners, opts.BannerRefresh, logger)
	s.pictures = picture.NewInspector(picture.DefaultDecoders)
	return s
}

// SetCacheEnabled turns every cache of the service on or off (benchmarks
// compare both; off means every read goes to MySQL).
func (s *Service) SetCacheEnabled(enabled bool) { s.cacheEnabled.Store(enabled) }

// CacheStats exposes the product-detail cache counters.
func (s *Service) CacheStats() *cache.Stats { return &s.products.Stats }

// Close stops background refreshes.
func (s *Service) Close() { s.banners.close() }

func (s *Service) key(parts ...string) string {
	k := s.opts.KeyPrefix + "product"
	for _, p := range parts {
		k += ":" + p
	}
	return k
}

func (s *Service) productKey(id string) string { return s.key("p", id) }

// afterCommit drops cache entries whose source just changed. A failure is
// logged, not returned: the write is committed, and the generation guard
// plus TTLs bound how long a stale entry can live.
func (s *Service) afterCommit(ctx context.Context, productIDs ...string) {
	keys := make([]string, len(productIDs))
	for i, id := range productIDs {
		keys[i] = s.productKey(id)
	}
	if err := s.products.Invalidate(context.WithoutCancel(ctx), keys...); err != nil {
		s.logger.Warn("product cache invalidation failed", "err", err)
	}
}
