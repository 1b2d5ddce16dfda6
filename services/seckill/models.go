package seckill

import (
	"database/sql"
	"time"

	"github.com/uptrace/bun"

	seckillv1 "mall/gen/mall/seckill/v1"
)

// eventRow is a flash-sale event: a stock allocation of one product at a
// flash price, sold between StartsAt and EndsAt.
type eventRow struct {
	bun.BaseModel `bun:"table:flash_sale_events"`

	ID                 string    `bun:"id,pk"`
	ProductID          string    `bun:"product_id"`
	CategoryID         string    `bun:"category_id"`
	Title              string    `bun:"title"`
	ImageURL           string    `bun:"image_url"`
	OriginalPriceCents int64     `bun:"original_price_cents"`
	PriceCents         int64     `bun:"price_cents"`
	Stock              int64     `bun:"stock"`
	PerUserLimit       int32     `bun:"per_user_limit"`
	StockState         int32     `bun:"stock_state"`
	StartsAt           time.Time `bun:"starts_at"`
	EndsAt             time.Time `bun:"ends_at"`
	CreatedAt          time.Time `bun:"created_at"`
	// PublishedAt is when the sale went on the storefront; null while it is
	// in preview (only operators see it).
	PublishedAt sql.NullTime `bun:"published_at"`
	// SettledAt is when the units left over went back to the product
	// (ReturnedUnits of them): set for settled sales, and for abandoned ones
	// once their allocation was returned.
	SettledAt     sql.NullTime `bun:"settled_at"`
	ReturnedUnits int64        `bun:"returned_units"`
}

// Stock states of an event (see the migrations): only allocated and
// settled sales exist (for operators), and of those only published ones
// are visible to shoppers.
const (
	stockAllocating = 1
	stockAllocated  = 2
	stockSettled    = 3
	stockAbandoned  = 4
)

// visibleStockStates are the states in which a sale exists.
var visibleStockStates = []int32{stockAllocated, stockSettled}

// exists reports whether the sale exists for operators (its creation
// completed).
func (r *eventRow) exists() bool {
	return r.StockState == stockAllocated || r.StockState == stockSettled
}

// visible reports whether shoppers see the sale: it exists and is published.
func (r *eventRow) visible() bool {
	return r.exists() && r.PublishedAt.Valid
}

// resultRow is what became of one accepted purchase; state uses the
// numbers of seckillv1.PurchaseState.
type resultRow struct {
	bun.BaseModel `bun:"table:purchase_results"`

	Ticket        string    `bun:"ticket,pk"`
	EventID       string    `bun:"event_id"`
	State         int32     `bun:"state"`
	OrderID       string    `bun:"order_id"`
	FailureReason string    `bun:"failure_reason"`
	FailureCode   string    `bun:"failure_code"`
	UpdatedAt     time.Time `bun:"updated_at"`
}

// response is the result as GetPurchaseResult answers it (and a result
// stream's hint carries it).
func (r *resultRow) response() *seckillv1.GetPurchaseResultResponse {
	return &seckillv1.GetPurchaseResultResponse{Ticket: r.Ticket, EventId: r.EventID, State: seckillv1.PurchaseState(r.State),
		OrderId: r.OrderID, FailureReason: r.FailureReason, FailureCode: r.FailureCode}
}
