package storefront

import (
	"context"
	"log/slog"
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

// GetHome never fails as a whole: parts that could not be fetched are empty
// and listed in degraded_parts. A logged-in caller's recommendations are
// personalised (the user from the verified token).
func (s *Service) GetHome(ctx context.Context, _ *connect.Request[storefrontv1.GetHomeRequest]) (*connect.Response[storefrontv1.GetHomeResponse], error) {
	return connect.NewResponse(s.homePage(ctx, viewer(ctx))), nil
}

// homePage assembles the home page for userID ("" when anonymous). With the
// cache on, the parts every caller shares come from memory and only a
// logged-in caller's recommendations are fetched per request.
func (s *Service) homePage(ctx context.Context, userID string) *storefrontv1.GetHomeResponse {
	if !s.cacheOn.Load() {
		return s.liveHome(ctx, userID)
	}
	shared := s.cachedHome(ctx)
	if userID == "" {
		return shared // read-only, shared by every anonymous caller
	}
	personal, err := within(ctx, s.opts.partDeadline, func(ctx context.Context) ([]*productv1.Product, error) {
		return s.personalRecommendations(ctx, userID)
	})
	if err != nil {
		s.degraded(ctx, slog.LevelDebug, "personal recommendations unavailable; showing global ones", partRecommendations.String(), err)
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
func (s *Service) liveHome(ctx context.Context, userID string) *storefrontv1.GetHomeResponse {
	var (
		personal    []*productv1.Product
		personalErr error
		wg          sync.WaitGroup
	)
	if userID != "" {
		wg.Go(func() {
			personal, personalErr = within(ctx, s.opts.partDeadline, func(ctx context.Context) ([]*productv1.Product, error) {
				return s.personalRecommendations(ctx, userID)
			})
		})
	}
	f := s.fetchShared(ctx)
	wg.Wait()
	if personalErr != nil {
		s.degraded(ctx, slog.LevelDebug, "personal recommendations unavailable; showing global ones", partRecommendations.String(), personalErr)
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

func (s *Service) fetchShared(ctx context.Context) homeFetch {
	f := homeFetch{page: &storefrontv1.GetHomeResponse{}}
	d := s.opts.partDeadline
	var wg sync.WaitGroup
	wg.Go(func() { f.page.Banners, f.errs[partBanners] = within(ctx, d, s.banners) })
	wg.Go(func() { f.page.FlashSales, f.errs[partFlashSales] = within(ctx, d, s.flashSales) })
	wg.Go(func() { f.page.Ranking, f.errs[partRanking] = within(ctx, d, s.ranking) })
	wg.Go(func() { f.page.Recommendations, f.errs[partRecommendations] = within(ctx, d, s.globalRecommendations) })
	wg.Go(func() { f.page.Categories, f.errs[partCategories] = within(ctx, d, s.rootCategories) })
	wg.Wait()
	return f
}

func (s *Service) banners(ctx context.Context) ([]*productv1.Banner, error) {
	res, err := fetch(ctx, "ProductService.ListBanners", s.up.Product.ListBanners, &productv1.ListBannersRequest{})
	return res.GetBanners(), err
}

// flashSales are the live and upcoming events, soonest first (the
// ListEvents default).
func (s *Service) flashSales(ctx context.Context) ([]*seckillv1.FlashSaleEvent, error) {
	res, err := fetch(ctx, "SeckillService.ListEvents", s.up.Seckill.ListEvents, &seckillv1.ListEventsRequest{PageSize: flashSaleLimit})
	return res.GetEvents(), err
}

func (s *Service) ranking(ctx context.Context) ([]*productv1.RankingEntry, error) {
	res, err := fetch(ctx, "ProductService.GetRanking", s.up.Product.GetRanking, &productv1.GetRankingRequest{Limit: rankingLimit})
	if err != nil {
		return nil, err
	}
	return rankingCards(res.GetEntries()), nil
}

func (s *Service) globalRecommendations(ctx context.Context) ([]*productv1.Product, error) {
	res, err := fetch(ctx, "ProductService.GetRecommendations", s.up.Product.GetRecommendations, &productv1.GetRecommendationsRequest{Limit: recommendationLimit})
	if err != nil {
		return nil, err
	}
	return cards(res.GetProducts()), nil
}

// rootCategories are the category shortcuts: the roots of the tree.
func (s *Service) rootCategories(ctx context.Context) ([]*productv1.Category, error) {
	res, err := fetch(ctx, "ProductService.ListCategories", s.up.Product.ListCategories, &productv1.ListCategoriesRequest{})
	if err != nil {
		return nil, err
	}
	var roots []*productv1.Category
	for _, c := range res.GetCategories() {
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
func (s *Service) personalRecommendations(ctx context.Context, userID string) ([]*productv1.Product, error) {
	favorites, err := fetch(ctx, "UserService.ListFavoriteProductIds", s.up.User.ListFavoriteProductIds,
		&userv1.ListFavoriteProductIdsRequest{UserId: userID, Limit: favoriteSample})
	if err != nil {
		return nil, err
	}
	ids := favorites.GetProductIds()
	if len(ids) == 0 {
		return nil, nil
	}
	ids = ids[:min(len(ids), maxBatchGet)]
	batch, err := fetch(ctx, "ProductService.BatchGetProducts", s.up.Product.BatchGetProducts, &productv1.BatchGetProductsRequest{ProductIds: ids})
	if err != nil {
		return nil, err
	}
	var taste []string // most recent favorite's category first
	for _, p := range batch.GetProducts() {
		if c := p.GetCategoryId(); c != "" && !slices.Contains(taste, c) && len(taste) < maxTasteCategories {
			taste = append(taste, c)
		}
	}
	if len(taste) == 0 {
		return nil, nil
	}
	res, err := fetch(ctx, "ProductService.GetRecommendations", s.up.Product.GetRecommendations,
		&productv1.GetRecommendationsRequest{CategoryIds: taste, Limit: recommendationLimit})
	if err != nil {
		return nil, err
	}
	return cards(res.GetProducts()), nil
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

func (s *Service) cachedHome(ctx context.Context) *storefrontv1.GetHomeResponse {
	if snap := s.home.snap.Load(); snap != nil {
		age := time.Since(snap.at)
		if age < s.opts.refreshInterval {
			return snap.page
		}
		if age < s.opts.maxStale {
			s.refreshHome()
			return snap.page
		}
	}
	done := s.refreshHome()
	select {
	case <-done:
	case <-ctx.Done():
	}
	if snap := s.home.snap.Load(); snap != nil {
		return snap.page
	}
	// The cache was dropped meanwhile (turned off): answer live.
	return s.liveHome(ctx, "")
}

// refreshHome starts a refresh unless one runs, and returns its end.
func (s *Service) refreshHome() <-chan struct{} {
	c := &s.home
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
		f := s.fetchShared(context.Background())
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.epoch == epoch {
			c.snap.Store(s.merge(c.snap.Load(), f, time.Now()))
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
func (s *Service) merge(prev *homeSnapshot, f homeFetch, now time.Time) *homeSnapshot {
	next := &homeSnapshot{page: f.page, at: now}
	for _, p := range homeParts {
		err := f.errs[p]
		next.failed[p] = err != nil
		wasFailing := prev == nil || prev.failed[p]
		switch {
		case err == nil:
			next.goodAt[p] = now
			if wasFailing && prev != nil {
				s.logger.Info("home part recovered", "part", p.String())
			}
			continue
		case !wasFailing || prev == nil:
			s.degraded(context.Background(), slog.LevelWarn, "home part unavailable", p.String(), err)
		}
		if prev != nil && !prev.goodAt[p].IsZero() && now.Sub(prev.goodAt[p]) < s.opts.maxStale {
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
