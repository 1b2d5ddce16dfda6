package seckill

import (
	"time"

	"github.com/uptrace/bun"
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
	StartsAt           time.Time `bun:"starts_at"`
	EndsAt             time.Time `bun:"ends_at"`
	CreatedAt          time.Time `bun:"created_at"`
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
	UpdatedAt     time.Time `bun:"updated_at"`
}
