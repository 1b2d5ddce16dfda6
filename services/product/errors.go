package product

import (
	"connectrpc.com/connect"

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
