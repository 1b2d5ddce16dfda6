package product

import (
	"time"

	"github.com/uptrace/bun"
)

// Product statuses as stored (same numbers as productv1.ProductStatus).
const (
	statusOnSale   = 1
	statusOffShelf = 2
)

// Reservation states as stored (same numbers as productv1.ReservationState).
const (
	reservationReserved  = 1
	reservationConfirmed = 2
	reservationReleased  = 3
)

type categoryRow struct {
	bun.BaseModel `bun:"table:categories"`

	ID        string    `bun:"id,pk"`
	ParentID  string    `bun:"parent_id"`
	Name      string    `bun:"name"`
	IconURL   string    `bun:"icon_url"`
	SortOrder int32     `bun:"sort_order"`
	CreatedAt time.Time `bun:"created_at"`
}

type productRow struct {
	bun.BaseModel `bun:"table:products"`

	Seq         int64     `bun:"seq,pk,autoincrement"`
	ID          string    `bun:"id"`
	CategoryID  string    `bun:"category_id"`
	Title       string    `bun:"title"`
	Subtitle    string    `bun:"subtitle"`
	Description string    `bun:"description"`
	ImageURLs   []string  `bun:"image_urls,type:json"`
	PriceCents  int64     `bun:"price_cents"`
	Stock       int64     `bun:"stock"`
	Reserved    int64     `bun:"reserved"`
	Sold        int64     `bun:"sold"`
	Allocated   int64     `bun:"allocated"`
	SalesCount  int64     `bun:"sales_count"`
	Status      int32     `bun:"status"`
	CreatedAt   time.Time `bun:"created_at"`
	UpdatedAt   time.Time `bun:"updated_at"`
	// Revision is kept by the database's triggers (every insert and
	// update); the code only reads it.
	Revision int64 `bun:"revision,scanonly"`
}

// catalogChangeRow is a product whose change is not yet relayed to the
// catalog change topic (queued by the products table's triggers).
type catalogChangeRow struct {
	bun.BaseModel `bun:"table:catalog_changes"`

	ProductID string `bun:"product_id,pk"`
	Revision  int64  `bun:"revision"`
}

type bannerRow struct {
	bun.BaseModel `bun:"table:banners"`

	ID         string    `bun:"id,pk"`
	Title      string    `bun:"title"`
	ImageURL   string    `bun:"image_url"`
	LinkURL    string    `bun:"link_url"`
	ProductID  string    `bun:"product_id"`
	CategoryID string    `bun:"category_id"`
	Keyword    string    `bun:"keyword"`
	SortOrder  int32     `bun:"sort_order"`
	StartsAt   time.Time `bun:"starts_at"`
	EndsAt     time.Time `bun:"ends_at"`
	CreatedAt  time.Time `bun:"created_at"`
}

type reservationRow struct {
	bun.BaseModel `bun:"table:reservations"`

	ID    string `bun:"id,pk"`
	State int32  `bun:"state"`
	// AllocationID names the flash sale whose allocated units a flash-sale
	// order's reservation confirmed or released; empty for checkouts.
	AllocationID string    `bun:"allocation_id"`
	CreatedAt    time.Time `bun:"created_at"`
	UpdatedAt    time.Time `bun:"updated_at"`
}

// Allocation states as stored (same numbers as productv1.AllocationState).
const (
	allocationAllocated = 1
	allocationReturned  = 2
)

// allocationRow is the stock set aside for one flash sale (id = its event id).
type allocationRow struct {
	bun.BaseModel `bun:"table:stock_allocations"`

	ID        string    `bun:"id,pk"`
	ProductID string    `bun:"product_id"`
	Quantity  int64     `bun:"quantity"`
	Sold      int64     `bun:"sold"`
	Returned  int64     `bun:"returned"`
	State     int32     `bun:"state"`
	CreatedAt time.Time `bun:"created_at"`
	UpdatedAt time.Time `bun:"updated_at"`
}

// left is what is still allocated: neither confirmed as sold nor returned.
func (a *allocationRow) left() int64 { return a.Quantity - a.Sold - a.Returned }

type reservationLineRow struct {
	bun.BaseModel `bun:"table:reservation_lines"`

	ReservationID string `bun:"reservation_id,pk"`
	ProductID     string `bun:"product_id,pk"`
	Quantity      int32  `bun:"quantity"`
}

// Stock adjustment kinds as stored (same numbers as
// productv1.StockAdjustmentKind).
const (
	adjustmentAdjust = 1
	adjustmentSet    = 2
)

// stockAdjustmentRow is one operator change of a product's available
// stock (id = the caller's idempotency key, or a fresh one for SetStock).
type stockAdjustmentRow struct {
	bun.BaseModel `bun:"table:stock_adjustments"`

	Seq         int64     `bun:"seq,pk,autoincrement"`
	ID          string    `bun:"id"`
	ProductID   string    `bun:"product_id"`
	Kind        int32     `bun:"kind"`
	Delta       int64     `bun:"delta"`
	Reason      string    `bun:"reason"`
	ActorID     string    `bun:"actor_id"`
	StockBefore int64     `bun:"stock_before"`
	StockAfter  int64     `bun:"stock_after"`
	CreatedAt   time.Time `bun:"created_at"`
}

// productImageRow is an uploaded catalog picture, bytes included.
type productImageRow struct {
	bun.BaseModel `bun:"table:product_images"`

	ID          string    `bun:"id,pk"`
	ContentType string    `bun:"content_type"`
	Width       int       `bun:"width"`
	Height      int       `bun:"height"`
	SizeBytes   int       `bun:"size_bytes"`
	SHA256      []byte    `bun:"sha256"`
	Data        []byte    `bun:"data"`
	UploadedBy  string    `bun:"uploaded_by"`
	CreatedAt   time.Time `bun:"created_at"`
}
