package storefront

import (
	"context"
	"log/slog"
	"sync"

	"connectrpc.com/connect"

	productv1 "mall/gen/mall/product/v1"
	reviewv1 "mall/gen/mall/review/v1"
	seckillv1 "mall/gen/mall/seckill/v1"
	storefrontv1 "mall/gen/mall/storefront/v1"
	userv1 "mall/gen/mall/user/v1"
	"mall/services/platform/rpcerr"
)

const (
	reviewPreview   = 5  // reviews shown on the product page
	flashSaleLookup = 10 // events of one product looked at to find the live one
)

const (
	pagePartReviewSummary = storefrontv1.ProductPagePart_PRODUCT_PAGE_PART_REVIEW_SUMMARY
	pagePartReviews       = storefrontv1.ProductPagePart_PRODUCT_PAGE_PART_REVIEWS
	pagePartFavorite      = storefrontv1.ProductPagePart_PRODUCT_PAGE_PART_FAVORITE
	pagePartFlashSale     = storefrontv1.ProductPagePart_PRODUCT_PAGE_PART_FLASH_SALE
	numPageParts          = int(pagePartFlashSale) + 1
)

var pageParts = []storefrontv1.ProductPagePart{pagePartReviewSummary, pagePartReviews, pagePartFavorite, pagePartFlashSale}

// GetProductPage fetches the product and the other parts in parallel. The
// product is required (unknown: not_found; failing: unavailable); the other
// parts degrade alone. The favorite flag is asked only for a logged-in caller
// (from the verified token).
func (s *Service) GetProductPage(ctx context.Context, req *connect.Request[storefrontv1.GetProductPageRequest]) (*connect.Response[storefrontv1.GetProductPageResponse], error) {
	productID, userID := req.Msg.GetProductId(), viewer(ctx)
	// The parts' calls end when the product fails; the request goes on to
	// answer.
	partsCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		product     *productv1.Product
		productErr  error
		summary     *reviewv1.ReviewSummary
		reviews     *reviewv1.ListReviewsResponse
		favorite    bool
		flashSale   *seckillv1.FlashSaleEvent
		errs        [numPageParts]error
		wg          sync.WaitGroup
		partTimeout = s.opts.partDeadline
	)
	wg.Go(func() {
		product, productErr = within(partsCtx, s.opts.requiredDeadline, func(ctx context.Context) (*productv1.Product, error) {
			res, err := s.up.Product.GetProduct(ctx, connect.NewRequest(&productv1.GetProductRequest{ProductId: productID}))
			if err != nil {
				return nil, err
			}
			return res.Msg.GetProduct(), nil
		})
		if productErr != nil {
			cancel() // no page without its product: stop fetching the rest
		}
	})
	wg.Go(func() {
		summary, errs[pagePartReviewSummary] = within(partsCtx, partTimeout, func(ctx context.Context) (*reviewv1.ReviewSummary, error) {
			res, err := fetch(ctx, "ReviewService.GetReviewSummary", s.up.Review.GetReviewSummary, &reviewv1.GetReviewSummaryRequest{ProductId: productID})
			return res.GetSummary(), err
		})
	})
	wg.Go(func() {
		reviews, errs[pagePartReviews] = within(partsCtx, partTimeout, func(ctx context.Context) (*reviewv1.ListReviewsResponse, error) {
			return fetch(ctx, "ReviewService.ListReviews", s.up.Review.ListReviews, &reviewv1.ListReviewsRequest{
				ProductId: productID, Filter: reviewv1.ReviewFilter_REVIEW_FILTER_NEWEST, PageSize: reviewPreview,
			})
		})
	})
	if userID != "" {
		wg.Go(func() {
			favorite, errs[pagePartFavorite] = within(partsCtx, partTimeout, func(ctx context.Context) (bool, error) {
				res, err := fetch(ctx, "UserService.IsFavoriteInternal", s.up.User.IsFavoriteInternal,
					&userv1.IsFavoriteInternalRequest{UserId: userID, ProductId: productID})
				return res.GetFavorite(), err
			})
		})
	}
	wg.Go(func() {
		flashSale, errs[pagePartFlashSale] = within(partsCtx, partTimeout, func(ctx context.Context) (*seckillv1.FlashSaleEvent, error) {
			res, err := fetch(ctx, "SeckillService.ListEvents", s.up.Seckill.ListEvents, &seckillv1.ListEventsRequest{ProductId: productID, PageSize: flashSaleLookup})
			return pickFlashSale(res.GetEvents()), err
		})
	})
	wg.Wait()

	switch {
	case connect.CodeOf(productErr) == connect.CodeNotFound:
		return nil, rpcerr.New(connect.CodeNotFound, ReasonProductNotFound, "product not found")
	case productErr != nil:
		return nil, rpcerr.Upstream(ctx, s.logger.With("product_id", productID), "ProductService.GetProduct", productErr,
			ReasonProductUnavailable, "product service unavailable, try again")
	}
	page := &storefrontv1.GetProductPageResponse{
		Product:              product,
		ReviewSummary:        summary,
		Reviews:              reviews.GetReviews(),
		ReviewsNextPageToken: reviews.GetNextPageToken(),
		IsFavorite:           favorite,
		FlashSale:            flashSale,
	}
	for _, p := range pageParts {
		if err := errs[p]; err != nil {
			page.DegradedParts = append(page.DegradedParts, p)
			s.degraded(ctx, slog.LevelDebug, "product page part degraded", p.String(), err)
		}
	}
	return connect.NewResponse(page), nil
}

// pickFlashSale chooses the live event, else the soonest upcoming one
// (ListEvents answers live and upcoming events, soonest first).
func pickFlashSale(events []*seckillv1.FlashSaleEvent) *seckillv1.FlashSaleEvent {
	for _, e := range events {
		if e.GetState() == seckillv1.EventState_EVENT_STATE_LIVE {
			return e
		}
	}
	for _, e := range events {
		if e.GetState() == seckillv1.EventState_EVENT_STATE_UPCOMING {
			return e
		}
	}
	return nil
}
