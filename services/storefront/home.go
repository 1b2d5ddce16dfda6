package storefront

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"

	productv1 "mall/gen/mall/product/v1"
	seckillv1 "mall/gen/mall/seckill/v1"
	storefrontv1 "mall/gen/mall/storefront/v1"
	userv1 "mall/gen/mall/user/v1"
)

// How much of each list the home page shows.
const (
	rankingLimit        = 10
	recommendationLimit = 10
	flashSaleLimit      = 10
	favoriteSample      = 50  // recent favorites that define a user's taste
	maxTasteCategories  = 20  // GetRecommendations accepts at most 20
	maxBatchGet         = 100 // BatchGetProducts accepts at most 100
)

const (
	partBanners         = storefrontv1.HomePart_HOME_PART_BANNERS
	partFlashSales      = storefrontv1.HomePart_HOME_PART_FLASH_SALES
	partRanking         = storefrontv1.HomePart_HOME_PART_RANKING
	partRecommendations = storefrontv1.HomePart_HOME_PART_RECOMMENDATIONS
	partCategories      = storefrontv1.HomePart_HOME_PART_CATEGORIES
	numHomeParts        = int(partCategories) + 1
)

// homeParts lists the parts in the order degraded_parts reports them.
var homeParts = []storefrontv1.HomePart{partBanners, partFlashSales, partRanking, partRecommendations, partCategories}

// getHome assembles the home page for userID ("" when anonymous). With the
// cache on, the parts every caller shares come from memory and only a
// logged-in caller's recommendations are fetched per request.
func (h *Handler) getHome(ctx context.Context, userID string) *storefrontv1.GetHomeResponse {
	if !h.cacheOn.Load() {
		return h.liveHome(ctx, userID)
	}
	shared := h.cachedHome(ctx)
	if userID == "" {
		return shared // read-only, shared by every anonymous caller
	}
	personal, err := within(ctx, h.opts.partDeadline, func(ctx context.Context) ([]*productv1.Product, error) {
		return h.personalRecommendations(ctx, userID)
	})
	if err != nil {
		h.logger.DebugContext(ctx, "personal recommendations unavailable; showing global ones", "code", connect.CodeOf(err).String(), "err", err)
	}
	if len(personal) == 0 {
		return shared
	}
	page := &storefrontv1.GetHomeResponse{
		Banners:         shared.GetBanners(),
		FlashSales:      shared.GetFlashSales(),
		Ranking:         shared.GetRanking(),
		Recommendations: personal,
		Categories:      shared.GetCategories(),
	}
	for _, p := range shared.GetDegradedParts() {
		if p != partRecommendations {
			page.DegradedParts = append(page.DegradedParts, p)
		}
	}
	return page
}

// liveHome fetches every part now, in parallel, each bounded by the part
// deadline.
func (h *Handler) liveHome(ctx context.Context, userID string) *storefrontv1.GetHomeResponse {
	var (
		personal    []*productv1.Product
		personalErr error
		wg          sync.WaitGroup
	)
	if userID != "" {
		wg.Go(func() {
			personal, personalErr = within(ctx, h.opts.partDeadline, func(ctx context.Context) ([]*productv1.Product, error) {
				return h.personalRecommendations(ctx, userID)
			})
		})
	}
	f := h.fetchShared(ctx)
	wg.Wait()
	if personalErr != nil {
		h.logger.DebugContext(ctx, "personal recommendations unavailable; showing global ones", "code", connect.CodeOf(personalErr).String(), "err", personalErr)
	}
	if len(personal) > 0 {
		f.page.Recommendations, f.errs[partRecommendations] = personal, nil
	}
	for _, p := range homeParts {
		if f.errs[p] != nil {
			f.page.DegradedParts = append(f.page.DegradedParts, p)
		}
	}
	return f.page
}

// homeFetch is one round of fetching the parts every caller shares.
type homeFetch struct {
	page *storefrontv1.GetHomeResponse // degraded_parts not set
	errs [numHomeParts]error
}

func (h *Handler) fetchShared(ctx context.Context) homeFetch {
	f := homeFetch{page: &storefrontv1.GetHomeResponse{}}
	d := h.opts.partDeadline
	var wg sync.WaitGroup
	wg.Go(func() { f.page.Banners, f.errs[partBanners] = within(ctx, d, h.banners) })
	wg.Go(func() { f.page.FlashSales, f.errs[partFlashSales] = within(ctx, d, h.flashSales) })
	wg.Go(func() { f.page.Ranking, f.errs[partRanking] = within(ctx, d, h.ranking) })
	wg.Go(func() { f.page.Recommendations, f.errs[partRecommendations] = within(ctx, d, h.globalRecommendations) })
	wg.Go(func() { f.page.Categories, f.errs[partCategories] = within(ctx, d, h.rootCategories) })
	wg.Wait()
	return f
}

func (h *Handler) banners(ctx context.Context) ([]*productv1.Banner, error) {
	res, err := h.up.Product.ListBanners(ctx, connect.NewRequest(&productv1.ListBannersRequest{}))
	if err != nil {
		return nil, err
	}
	return res.Msg.GetBanners(), nil
}

// flashSales are the live and upcoming events, soonest first (the
// ListEvents default).
func (h *Handler) flashSales(ctx context.Context) ([]*seckillv1.FlashSaleEvent, error) {
	res, err := h.up.Seckill.ListEvents(ctx, connect.NewRequest(&seckillv1.ListEventsRequest{PageSize: flashSaleLimit}))
	if err != nil {
		return nil, err
	}
	return res.Msg.GetEvents(), nil
}

func (h *Handler) ranking(ctx context.Context) ([]*productv1.RankingEntry, error) {
	res, err := h.up.Product.GetRanking(ctx, connect.NewRequest(&productv1.GetRankingRequest{Limit: rankingLimit}))
	if err != nil {
		return nil, err
	}
	return rankingCards(res.Msg.GetEntries()), nil
}

func (h *Handler) globalRecommendations(ctx context.Context) ([]*productv1.Product, error) {
	res, err := h.up.Product.GetRecommendations(ctx, connect.NewRequest(&productv1.GetRecommendationsRequest{Limit: recommendationLimit}))
	if err != nil {
		return nil, err
	}
	return cards(res.Msg.GetProducts()), nil
}

// rootCategories are the category shortcuts: the roots of the tree.
func (h *Handler) rootCategories(ctx context.Context) ([]*productv1.Category, error) {
	res, err := h.up.Product.ListCategories(ctx, connect.NewRequest(&productv1.ListCategoriesRequest{}))
	if err != nil {
		return nil, err
	}
	var roots []*productv1.Category
	for _, c := range res.Msg.GetCategories() {
		if c.GetParentId() == "" {
			roots = append(roots, c)
		}
	}
	return roots, nil
}

// personalRecommendations derive a taste from the categories of userID's
// recent favorites and ask for recommendations in them. userID is the
// verified caller; the user service is called with the storefront's service
// credential on that user's behalf. No favorites (or none still known) gives
// nil: the caller falls back to the global recommendations.
func (h *Handler) personalRecommendations(ctx context.Context, userID string) ([]*productv1.Product, error) {
	favorites, err := h.up.User.ListFavoriteProductIds(ctx, connect.NewRequest(&userv1.ListFavoriteProductIdsRequest{UserId: userID, Limit: favoriteSample}))
	if err != nil {
		return nil, err
	}
	ids := favorites.Msg.GetProductIds()
	if len(ids) == 0 {
		return nil, nil
	}
	ids = ids[:min(len(ids), maxBatchGet)]
	batch, err := h.up.Product.BatchGetProducts(ctx, connect.NewRequest(&productv1.BatchGetProductsRequest{ProductIds: ids}))
	if err != nil {
		return nil, err
	}
	var taste []string // most recent favorite's category first
	for _, p := range batch.Msg.GetProducts() {
		if c := p.GetCategoryId(); c != "" && !slices.Contains(taste, c) && len(taste) < maxTasteCategories {
			taste = append(taste, c)
		}
	}
	if len(taste) == 0 {
		return nil, nil
	}
	res, err := h.up.Product.GetRecommendations(ctx, connect.NewRequest(&productv1.GetRecommendationsRequest{CategoryIds: taste, Limit: recommendationLimit}))
	if err != nil {
		return nil, err
	}
	return cards(res.Msg.GetProducts()), nil
}

// homeCache holds the shared parts of the home page in memory. A request
// finding them older than the refresh interval is still served them and
// triggers one background refresh (stale-while-revalidate); only a cold (or
// older than max-stale) cache makes requests wait, for one shared refresh.
// A warm anonymous GetHome therefore makes no network call at all.
type homeCache struct {
	snap atomic.Pointer[homeSnapshot]

	mu       sync.Mutex
	inflight chan struct{} // closed when the running refresh ends; nil when none runs
	epoch    uint64        // bumped by reset: an older refresh must not store
}

type homeSnapshot struct {
	page    *storefrontv1.GetHomeResponse // shared by every anonymous response: read-only
	at      time.Time                     // when the refresh that made it ended
	goodAt  [numHomeParts]time.Time       // when each part was last fetched successfully
	failed  [numHomeParts]bool            // whether each part's last fetch failed
	encoded encodings                     // page, encoded once per codec (HandlerOptions)
}

func (c *homeCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	c.snap.Store(nil)
	c.inflight = nil
}

func (h *Handler) cachedHome(ctx context.Context) *storefrontv1.GetHomeResponse {
	if s := h.home.snap.Load(); s != nil {
		age := time.Since(s.at)
		if age < h.opts.refreshInterval {
			return s.page
		}
		if age < h.opts.maxStale {
			h.refreshHome()
			return s.page
		}
	}
	done := h.refreshHome()
	select {
	case <-done:
	case <-ctx.Done():
	}
	if s := h.home.snap.Load(); s != nil {
		return s.page
	}
	// The cache was dropped meanwhile (turned off): answer live.
	return h.liveHome(ctx, "")
}

// refreshHome starts a refresh unless one runs, and returns its end.
func (h *Handler) refreshHome() <-chan struct{} {
	c := &h.home
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inflight != nil {
		return c.inflight
	}
	done := make(chan struct{})
	c.inflight = done
	epoch := c.epoch
	go func() {
		defer close(done)
		// Detached from any request: every part has its own deadline.
		f := h.fetchShared(context.Background())
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.epoch == epoch {
			c.snap.Store(h.merge(c.snap.Load(), f, time.Now()))
		}
		if c.inflight == done {
			c.inflight = nil
		}
	}()
	return done
}

// merge makes the next snapshot: a part fetched now replaces the old one; a
// part that failed keeps its last good value while that is younger than
// max-stale, and is otherwise empty and degraded until a refresh succeeds.
func (h *Handler) merge(prev *homeSnapshot, f homeFetch, now time.Time) *homeSnapshot {
	next := &homeSnapshot{page: f.page, at: now}
	for _, p := range homeParts {
		err := f.errs[p]
		next.failed[p] = err != nil
		wasFailing := prev == nil || prev.failed[p]
		switch {
		case err == nil:
			next.goodAt[p] = now
			if wasFailing && prev != nil {
				h.logger.Info("home part recovered", "part", p.String())
			}
			continue
		case !wasFailing || prev == nil:
			h.logger.Warn("home part unavailable", "part", p.String(), "code", connect.CodeOf(err).String(), "err", err)
		}
		if prev != nil && !prev.goodAt[p].IsZero() && now.Sub(prev.goodAt[p]) < h.opts.maxStale {
			next.goodAt[p] = prev.goodAt[p]
			keepPart(next.page, prev.page, p)
			continue
		}
		next.page.DegradedParts = append(next.page.DegradedParts, p)
	}
	return next
}

// keepPart copies part p of from into to.
func keepPart(to, from *storefrontv1.GetHomeResponse, p storefrontv1.HomePart) {
	switch p {
	case partBanners:
		to.Banners = from.GetBanners()
	case partFlashSales:
		to.FlashSales = from.GetFlashSales()
	case partRanking:
		to.Ranking = from.GetRanking()
	case partRecommendations:
		to.Recommendations = from.GetRecommendations()
	case partCategories:
		to.Categories = from.GetCategories()
	}
}
