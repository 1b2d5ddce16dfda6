package cart

import (
	"time"

	"github.com/uptrace/bun"
)

// Server-side limits. Both mirror the contract: AddItemRequest caps a merged
// line at 99 units, and the service comment caps a cart at 100 lines (which
// is also the max_items of every product-id list in the contract).
const (
	MaxLineQuantity = 99
	MaxLines        = 100
	// LowStockThreshold: fewer available units than this is LOW_STOCK.
	LowStockThreshold = 10
)

type cartLineRow struct {
	bun.BaseModel `bun:"table:cart_lines"`

	Seq       int64     `bun:"seq,pk,autoincrement"`
	UserID    string    `bun:"user_id"`
	ProductID string    `bun:"product_id"`
	Quantity  int32     `bun:"quantity"`
	Selected  bool      `bun:"selected"`
	CreatedAt time.Time `bun:"created_at"`
	UpdatedAt time.Time `bun:"updated_at"`
}
