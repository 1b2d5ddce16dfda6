package seckill

import (
	"connectrpc.com/connect"

	"mall/services/platform/rpcerr"
)

// Reasons the seckill service gives in its errors' ErrorInfo.
const (
	ReasonEventNotFound    = "EVENT_NOT_FOUND"
	ReasonProductNotFound  = "PRODUCT_NOT_FOUND"
	ReasonNotStarted       = "EVENT_NOT_STARTED"
	ReasonEnded            = "EVENT_ENDED"
	ReasonOverLimit        = "OVER_PER_USER_LIMIT"
	ReasonSoldOut          = "SOLD_OUT"
	ReasonAlreadyPurchased = "ALREADY_PURCHASED"
	ReasonRecovering       = "SALE_RECOVERING"
	ReasonQueueUnavailable = "QUEUE_UNAVAILABLE"
	ReasonTicketNotFound   = "TICKET_NOT_FOUND"
	ReasonBadPageToken     = "BAD_PAGE_TOKEN"
	ReasonEventWindow      = "EVENT_WINDOW"
	ReasonUpstreamFailed   = "UPSTREAM_UNAVAILABLE"
	ReasonSaleStateFailed  = "SALE_STATE_UNAVAILABLE"
	ReasonNotEnoughStock   = "NOT_ENOUGH_STOCK"
	ReasonProductOffShelf  = "PRODUCT_OFF_SHELF"
	ReasonAddressRequired  = "ADDRESS_REQUIRED"
	ReasonAddressNotFound  = "ADDRESS_NOT_FOUND"
	ReasonEventPublished   = "EVENT_PUBLISHED"
)

func errEventNotFound() error {
	return rpcerr.New(connect.CodeNotFound, ReasonEventNotFound, "flash sale not found")
}

func errTicketNotFound() error {
	return rpcerr.New(connect.CodeNotFound, ReasonTicketNotFound, "no such purchase")
}

func errSaleState() error {
	return rpcerr.New(connect.CodeUnavailable, ReasonSaleStateFailed, "the flash sale is unavailable right now; try again")
}

func errEnded() error {
	return rpcerr.New(connect.CodeFailedPrecondition, ReasonEnded, "this flash sale has ended")
}
