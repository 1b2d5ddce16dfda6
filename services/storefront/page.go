package storefront

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"connectrpc.com/connect"

	productv1 "mall/gen/mall/product/v1"
	reviewv1 "mall/gen/mall/review/v1"
	seckillv1 "mall/gen/mall/seckill/v1"
	storefrontv1 "mall/gen/mall/storefront/v1"
	userv1 "mall/gen/mall/user/v1"
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

// errProductUnavailable: the product (the one part a product page cannot do
// without) could not be fetched.
var errProductUnavailable = errors.New("product unavailable")

// productNotFoundError: the product service does not know the product.
type productNotFoundError struct{ cause error }

func (e *productNotFoundError) Error() string { return "product not found: " + e.cause.Error() }
func (e *productNotFoundError) Unwrap() error { return e.cause }

// getProductPage fetches the product and the other parts in parallel. The
// product is required (unknown: not found; failing: unavailable); the other
// parts degrade alone. The favorite flag is asked only for a logged-in caller
// (userID, from the verified token).
func (h *Handler) getProductPage(ctx context.Context, productID, userID string) (*storefrontv1.GetProductPageResponse, error) {
	ctx, cancel := context.WithCancel(ctx)
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
		partTimeout = h.opts.partDeadline
	)
	wg.Go(func() {
		product, productErr = within(ctx, h.opts.requiredDeadline, func(ctx context.Context) (*productv1.Product, error) {
			res, err := h.up.Product.GetProduct(ctx, connect.NewRequest(&productv1.GetProductRequest{ProductId: productID}))
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
		summary, errs[pagePartReviewSummary] = within(ctx, partTimeout, func(ctx context.Context) (*reviewv1.ReviewSummary, error) {
			res, err := h.up.Review.GetReviewSummary(ctx, connect.NewRequest(&reviewv1.GetReviewSummaryRequest{ProductId: productID}))
			if err != nil {
				return nil, err
			}
			return res.Msg.GetSummary(), nil
		})
	})
	wg.Go(func() {
		reviews, errs[pagePartReviews] = within(ctx, partTimeout, func(ctx context.Context) (*reviewv1.ListReviewsResponse, error) {
			res, err := h.up.Review.ListReviews(ctx, connect.NewRequest(&reviewv1.ListReviewsRequest{
				ProductId: productID, Filter: reviewv1.ReviewFilter_REVIEW_FILTER_NEWEST, PageSize: reviewPreview,
			}))
			if err != nil {
				return nil, err
			}
			return res.Msg, nil
		})
	})
	if userID != "" {
		wg.Go(func() {
			favorite, errs[pagePartFavorite] = within(ctx, partTimeout, func(ctx context.Context) (bool, error) {
				res, err := h.up.User.IsFavoriteInternal(ctx, connect.NewRequest(&userv1.IsFavoriteInternalRequest{UserId: userID, ProductId: productID}))
				if err != nil {
					return false, err
				}
				return res.Msg.GetFavorite(), nil
			})
		})
	}
	wg.Go(func() {
		flashSale, errs[pagePartFlashSale] = within(ctx, partTimeout, func(ctx context.Context) (*seckillv1.FlashSaleEvent, error) {
			res, err := h.up.Seckill.ListEvents(ctx, connect.NewRequest(&seckillv1.ListEventsRequest{ProductId: productID, PageSize: flashSaleLookup}))
			if err != nil {
				return nil, err
			}
			return pickFlashSale(res.Msg.GetEvents()), nil
		})
	})
	wg.Wait()

	if productErr != nil {
		if connect.CodeOf(productErr) == connect.CodeNotFound {
			return nil, &productNotFoundError{cause: productErr}
		}
		h.logger.WarnContext(ctx, "product page without its product", "product_id", productID, "code", connect.CodeOf(productErr).String(), "err", productErr)
		return nil, fmt.Errorf("%w: %w", errProductUnavailable, productErr)
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
			h.logger.DebugContext(ctx, "product page part degraded", "part", p.String(), "code", connect.CodeOf(err).String(), "err", err)
		}
	}
	return page, nil
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
