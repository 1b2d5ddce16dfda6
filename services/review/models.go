package review

import (
	"database/sql"
	"time"

	"github.com/uptrace/bun"
)

// reviewRow is one review. AuthorName is the reviewer's nickname masked at
// write time (maskName); UserID is stored for ownership queries and never
// leaves the service. HasImages mirrors len(ImageURLs) > 0 so the
// WITH_IMAGES listing pages through an index. CreatedAt has microsecond
// precision, as stored, so the keyset cursor compares exactly.
type reviewRow struct {
	bun.BaseModel `bun:"table:reviews"`

	ID         string    `bun:"id,pk"`
	ProductID  string    `bun:"product_id"`
	UserID     string    `bun:"user_id"`
	OrderID    string    `bun:"order_id"`
	AuthorName string    `bun:"author_name"`
	Rating     int32     `bun:"rating"`
	Body       string    `bun:"body"`
	ImageURLs  []string  `bun:"image_urls,type:json"`
	HasImages  bool      `bun:"has_images"`
	CreatedAt  time.Time `bun:"created_at"`
}

// ratingCount is one group of the summary query.
type ratingCount struct {
	Rating     int32 `bun:"rating"`
	Count      int64 `bun:"n"`
	WithImages int64 `bun:"with_images"`
}

// imageRow is an uploaded review picture. ReviewID is empty until a review
// uses it (NULL in the table); ContentType, Width and Height are read from
// the bytes, never taken from the uploader.
type imageRow struct {
	bun.BaseModel `bun:"table:review_images"`

	ID          string         `bun:"id,pk"`
	UserID      string         `bun:"user_id"`
	ReviewID    sql.NullString `bun:"review_id"`
	ContentType string         `bun:"content_type"`
	Width       int            `bun:"width"`
	Height      int            `bun:"height"`
	SizeBytes   int            `bun:"size_bytes"`
	SHA256      []byte         `bun:"sha256"`
	Data        []byte         `bun:"data"`
	CreatedAt   time.Time      `bun:"created_at"`
}
