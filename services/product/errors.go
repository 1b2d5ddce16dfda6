package product

import (
	"strconv"

	"connectrpc.com/connect"

	"mall/services/platform/picture"
	"mall/services/platform/rpcerr"
)

// Reasons the product service gives in its errors' ErrorInfo.
const (
	ReasonProductNotFound     = "PRODUCT_NOT_FOUND"
	ReasonCategoryNotFound    = "CATEGORY_NOT_FOUND"
	ReasonBannerNotFound      = "BANNER_NOT_FOUND"
	ReasonOutOfStock          = "OUT_OF_STOCK"
	ReasonProductOffShelf     = "PRODUCT_OFF_SHELF"
	ReasonReservationReleased = "RESERVATION_RELEASED"
	ReasonReservationConflict = "RESERVATION_CONFLICT"
	ReasonBadPageToken        = "BAD_PAGE_TOKEN"
	ReasonAllocationNotFound  = "ALLOCATION_NOT_FOUND"
	ReasonAllocationReturned  = "ALLOCATION_RETURNED"
	ReasonAllocationExhausted = "ALLOCATION_EXHAUSTED"
	ReasonAllocationConflict  = "ALLOCATION_CONFLICT"
	ReasonUnitsConfirmed      = "UNITS_CONFIRMED"
	ReasonCategoryCycle       = "CATEGORY_CYCLE"
	ReasonStockOutOfRange     = "STOCK_OUT_OF_RANGE"
	ReasonAdjustmentConflict  = "STOCK_ADJUSTMENT_CONFLICT"
	// The search service, which answers SearchProducts, did not.
	ReasonSearchUnavailable = "SEARCH_UNAVAILABLE"
	// An uploaded picture that is no JPEG, PNG or WebP by its content.
	ReasonProductImageType = "PRODUCT_IMAGE_TYPE"
	// Damaged, cut short, something appended, or not decoding.
	ReasonProductImageInvalid = "PRODUCT_IMAGE_INVALID"
	// Wider or taller than picture.MaxSide (metadata: limit, width, height).
	ReasonProductImageDimensions = "PRODUCT_IMAGE_DIMENSIONS"
)

func errProductNotFound() error {
	return rpcerr.New(connect.CodeNotFound, ReasonProductNotFound, "product not found")
}

func errCategoryNotFound() error {
	return rpcerr.New(connect.CodeNotFound, ReasonCategoryNotFound, "category not found")
}

func errBadPageToken() error {
	return rpcerr.New(connect.CodeInvalidArgument, ReasonBadPageToken, "page_token is not valid for this request")
}

func errBannerNotFound() error {
	return rpcerr.New(connect.CodeNotFound, ReasonBannerNotFound, "banner not found")
}

func errCategoryCycle() error {
	return rpcerr.New(connect.CodeFailedPrecondition, ReasonCategoryCycle, "a category cannot move under itself or one of its descendants")
}

// errStockOutOfRange refuses an adjustment that would leave available
// stock below 0 or above maxStock.
func errStockOutOfRange(available int64) error {
	return rpcerr.NewWithMetadata(connect.CodeFailedPrecondition, ReasonStockOutOfRange,
		"available stock must stay between 0 and "+strconv.FormatInt(maxStock, 10),
		map[string]string{"available": strconv.FormatInt(available, 10), "limit": strconv.FormatInt(maxStock, 10)})
}

func errAdjustmentConflict() error {
	return rpcerr.New(connect.CodeAlreadyExists, ReasonAdjustmentConflict, "adjustment id already used for another adjustment")
}

func errImageType() error {
	return rpcerr.New(connect.CodeInvalidArgument, ReasonProductImageType, "a product picture must be a JPEG, PNG or WebP image")
}

func errImageInvalid() error {
	return rpcerr.New(connect.CodeInvalidArgument, ReasonProductImageInvalid, "the picture is damaged, cut short or has something appended")
}

func errImageDimensions(width, height int) error {
	return rpcerr.NewWithMetadata(connect.CodeInvalidArgument, ReasonProductImageDimensions,
		"a product picture may be at most "+strconv.Itoa(picture.MaxSide)+" x "+strconv.Itoa(picture.MaxSide)+" pixels",
		map[string]string{"limit": strconv.Itoa(picture.MaxSide), "width": strconv.Itoa(width), "height": strconv.Itoa(height)})
}

func errSearchUnavailableReason() (reason, message string) {
	return ReasonSearchUnavailable, "search is unavailable, try again"
}

func errSearchUnavailable() error {
	reason, message := errSearchUnavailableReason()
	return rpcerr.New(connect.CodeUnavailable, reason, message)
}
