package product

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"

	productv1 "mall/gen/mall/product/v1"
)

// bannerCache keeps the not-yet-ended banners in process memory: the home
// page reads them on every request, they change rarely, and a background
// refresh bounds how long another process's change takes to show.
type bannerCache struct {
	load     func(context.Context) ([]*productv1.Banner, error)
	snapshot atomic.Pointer[[]*productv1.Banner]
	logger   *slog.Logger
	mu       sync.Mutex // serialises loads
	stop     chan struct{}
	stopped  sync.Once
}

func newBannerCache(load func(context.Context) ([]*productv1.Banner, error), every time.Duration, logger *slog.Logger) *bannerCache {
	c := &bannerCache{load: load, logger: logger, stop: make(chan struct{})}
	go c.refreshEvery(every)
	return c
}

func (c *bannerCache) refreshEvery(every time.Duration) {
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-ticker.C:
			if c.snapshot.Load() == nil {
				continue // nobody asked yet; load lazily
			}
			if err := c.refresh(context.Background()); err != nil {
				c.logger.Warn("banner refresh failed; serving the previous snapshot", "err", err)
			}
		}
	}
}

func (c *bannerCache) refresh(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	banners, err := c.load(ctx)
	if err != nil {
		return err
	}
	c.snapshot.Store(&banners)
	return nil
}

// live returns the banners showing at now, loading the first snapshot if needed.
func (c *bannerCache) live(ctx context.Context, now time.Time) ([]*productv1.Banner, error) {
	snapshot := c.snapshot.Load()
	if snapshot == nil {
		if err := c.refresh(ctx); err != nil {
			return nil, err
		}
		snapshot = c.snapshot.Load()
	}
	return liveAt(*snapshot, now), nil
}

func (c *bannerCache) close() { c.stopped.Do(func() { close(c.stop) }) }

func liveAt(banners []*productv1.Banner, now time.Time) []*productv1.Banner {
	out := make([]*productv1.Banner, 0, len(banners))
	for _, b := range banners {
		if !b.GetStartsAt().AsTime().After(now) && b.GetEndsAt().AsTime().After(now) {
			out = append(out, b)
		}
	}
	return out
}

func (s *Service) loadLiveBanners(ctx context.Context) ([]*productv1.Banner, error) {
	rows, err := selectLiveBanners(ctx, s.db, time.Now())
	if err != nil {
		return nil, err
	}
	out := make([]*productv1.Banner, len(rows))
	for i := range rows {
		out[i] = rows[i].proto()
	}
	return out, nil
}

// ListBanners returns the banners live now, in carousel order.
func (s *Service) ListBanners(ctx context.Context, _ *connect.Request[productv1.ListBannersRequest]) (*connect.Response[productv1.ListBannersResponse], error) {
	var banners []*productv1.Banner
	var err error
	if s.cacheEnabled.Load() {
		banners, err = s.banners.live(ctx, time.Now())
	} else {
		banners, err = s.loadLiveBanners(ctx)
		banners = liveAt(banners, time.Now())
	}
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&productv1.ListBannersResponse{Banners: banners}), nil
}
