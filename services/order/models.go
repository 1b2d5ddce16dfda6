package order

import (
	"database/sql"
	"time"

	"github.com/uptrace/bun"
)

// Stored kinds and statuses use the numbers of orderv1.OrderKind and
// orderv1.OrderStatus.

type orderRow struct {
	bun.BaseModel `bun:"table:orders"`

	// Seq is assigned by the database (AUTO_INCREMENT; a zero value inserts
	// DEFAULT) and is the listing cursor. Code never relies on it being
	// filled in after an insert (MySQL 8 has no RETURNING).
	Seq             int64          `bun:"seq,nullzero"`
	ID              string         `bun:"id,pk"`
	UserID          string         `bun:"user_id"`
	Status          int32          `bun:"status"`
	Kind            int32          `bun:"kind"`
	TotalCents      int64          `bun:"total_cents"`
	ShippingAddress *addressJSON   `bun:"shipping_address,type:json"`
	PaymentDeadline sql.NullTime   `bun:"payment_deadline"`
	SeckillEventID  sql.NullString `bun:"seckill_event_id"`
	ReservationID   string         `bun:"reservation_id"`
	Carrier         string         `bun:"carrier"`
	TrackingNumber  string         `bun:"tracking_number"`
	// RefundRequestedAt is set when a paid order is cancelled (no shipping
	// from then on); the refund saga makes it REFUNDED.
	RefundRequestedAt sql.NullTime `bun:"refund_requested_at"`
	// RefundState is where the refund stands (orderv1.RefundState; 0: none
	// asked for), RefundedAt when it was done, RefundRefusedAt when the
	// provider refused it.
	RefundState     int32        `bun:"refund_state"`
	RefundedAt      sql.NullTime `bun:"refunded_at"`
	RefundRefusedAt sql.NullTime `bun:"refund_refused_at"`
	// RefundRunOwed: an operator's retry marked the refund REQUESTED and
	// its refund run has not started yet.
	RefundRunOwed bool      `bun:"refund_run_owed"`
	CreatedAt     time.Time `bun:"created_at"`
	UpdatedAt     time.Time `bun:"updated_at"`
}

// addressJSON is the shipping address snapshot as stored in orders.shipping_address.
type addressJSON struct {
	RecipientName string `json:"recipientName"`
	Phone         string `json:"phone"`
	Province      string `json:"province"`
	City          string `json:"city"`
	District      string `json:"district,omitempty"`
	Detail        string `json:"detail"`
	PostalCode    string `json:"postalCode,omitempty"`
}

type lineRow struct {
	bun.BaseModel `bun:"table:order_lines"`

	OrderID        string `bun:"order_id,pk"`
	LineNo         int32  `bun:"line_no,pk"`
	ProductID      string `bun:"product_id"`
	CategoryID     string `bun:"category_id"`
	Title          string `bun:"title"`
	ImageURL       string `bun:"image_url"`
	UnitPriceCents int64  `bun:"unit_price_cents"`
	Quantity       int32  `bun:"quantity"`
}

type historyRow struct {
	bun.BaseModel `bun:"table:order_status_history"`

	ID         int64     `bun:"id,pk,autoincrement"`
	OrderID    string    `bun:"order_id"`
	FromStatus int32     `bun:"from_status"`
	ToStatus   int32     `bun:"to_status"`
	Reason     string    `bun:"reason"`
	Cause      int32     `bun:"cause"` // orderv1.StatusChangeCause
	OccurredAt time.Time `bun:"occurred_at"`
}
