package cart

import (
	"context"
	"log/slog"
	"time"

	"github.com/uptrace/bun"

	cartv1 "mall/gen/mall/cart/v1"
	"mall/gen/mall/product/v1/productv1connect"
	"mall/services/platform/db"
)

// Service is the cart's logic over its own database. Product data (price,
// stock, status) is never stored here: it comes from the product service at
// read time, so a listed price is always the current one.
type Service struct {
	db       *bun.DB
	products productv1connect.ProductServiceClient
	logger   *slog.Logger
	now      func() time.Time
}

// NewService returns the cart service. products is a client of the product
// service (in the app: gRPC over h2c with the "cart" service credential from
// platform/rpcclient); the cart calls GetProduct when adding and
// BatchGetProducts, once, per ListCart.
func NewService(db *bun.DB, products productv1connect.ProductServiceClient, logger *slog.Logger) *Service {
	return &Service{db: db, products: products, logger: logger, now: func() time.Time { return time.Now().UTC() }}
}

// AddItem adds quantity units of a product to the user's cart, merging into
// the existing line (which is also selected again). The product must exist
// and be on sale; stock is not checked here (ListCart reports it, and the
// checkout reserves it). The merged line may hold at most MaxLineQuantity
// units and the cart at most MaxLines lines: beyond either the call fails
// with failed_precondition and changes nothing.
func (s *Service) AddItem(ctx context.Context, userID, productID string, quantity int32) (*cartv1.CartLine, error) {
	product, err := s.product(ctx, productID)
	if err != nil {
		return nil, err
	}
	if product == nil {
		return nil, errProductNotFound()
	}
	if !onSale(product) {
		return nil, errProductOffShelf()
	}
	var line *cartLineRow
	err = db.InTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		now := s.now()
		if err := lockCart(ctx, tx, userID, now); err != nil {
			return err
		}
		created, refused, err := upsertLine(ctx, tx, userID, productID, quantity, now)
		if err != nil {
			return err
		}
		if refused {
			return errQuantityLimit()
		}
		if created {
			// The cart lock serializes this user's adds, so the count is exact.
			n, err := countLines(ctx, tx, userID)
			if err != nil {
				return err
			}
			if n > MaxLines {
				return errCartFull() // rolls the insert back
			}
		}
		line, err = queryLine(ctx, tx, userID, productID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return hydrate(line, product), nil
}

// UpdateItem sets the quantity of the user's line of a product; zero removes
// the line (and returns nil). A product that is not in the user's cart,
// including one that is only in another user's cart, is not_found. The
// product is fetched first so that a product-service outage fails the call
// before anything is written.
func (s *Service) UpdateItem(ctx context.Context, userID, productID string, quantity int32) (*cartv1.CartLine, error) {
	if quantity == 0 {
		n, err := deleteLines(ctx, s.db, userID, []string{productID})
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, errLineNotFound()
		}
		return nil, nil
	}
	product, err := s.product(ctx, productID)
	if err != nil {
		return nil, err
	}
	found, err := setQuantity(ctx, s.db, userID, productID, quantity, s.now())
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errLineNotFound()
	}
	line, err := queryLine(ctx, s.db, userID, productID)
	if err != nil {
		return nil, err
	}
	if line == nil { // removed concurrently
		return nil, errLineNotFound()
	}
	return hydrate(line, product), nil // product nil: gone, shown off shelf
}

// RemoveItems removes the user's lines of productIDs. Like every batch RPC of
// the cart, ids that are not in the caller's cart (unknown, or only in
// another user's cart) are ignored, not an error: the contract says so, and
// the count tells the caller what was removed.
func (s *Service) RemoveItems(ctx context.Context, userID string, productIDs []string) (int32, error) {
	n, err := deleteLines(ctx, s.db, userID, productIDs)
	return int32(n), err
}

// SelectItems selects or unselects the user's lines of productIDs, or every
// line when productIDs is empty. Ids not in the caller's cart are ignored,
// as in RemoveItems.
func (s *Service) SelectItems(ctx context.Context, userID string, productIDs []string, selected bool) error {
	return setSelected(ctx, s.db, userID, productIDs, selected, s.now())
}

// ListCart returns the user's cart hydrated with current product data from
// one BatchGetProducts call.
//
// Decision: when the product service cannot answer, ListCart fails with
// unavailable (reason PRODUCT_SERVICE_UNAVAILABLE) instead of returning lines
// without prices: a cart with blank prices and a wrong total is worse than a
// retry, and the contract has no field to say "prices unknown".
func (s *Service) ListCart(ctx context.Context, userID string) (*cartv1.ListCartResponse, error) {
	rows, err := queryLines(ctx, s.db, userID, nil, false)
	if err != nil {
		return nil, err
	}
	res := &cartv1.ListCartResponse{}
	if len(rows) == 0 {
		return res, nil
	}
	ids := make([]string, len(rows))
	for i := range rows {
		ids[i] = rows[i].ProductID
	}
	products, err := s.batchProducts(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		line := hydrate(&rows[i], products[rows[i].ProductID])
		res.Lines = append(res.Lines, line)
		res.TotalQuantity += line.GetQuantity()
		if line.GetSelected() && buyable(line) {
			res.SelectedCount++
			res.SelectedTotalCents += line.GetLineTotalCents()
		}
	}
	return res, nil
}

// GetItemsInternal returns the raw lines of a user for the checkout saga:
// the selected lines when productIDs is empty, else the requested ones (in
// request order) plus the requested ids that are not in the cart.
func (s *Service) GetItemsInternal(ctx context.Context, userID string, productIDs []string) ([]*cartv1.CartItem, []string, error) {
	rows, err := queryLines(ctx, s.db, userID, productIDs, len(productIDs) == 0)
	if err != nil {
		return nil, nil, err
	}
	item := func(r *cartLineRow) *cartv1.CartItem {
		return &cartv1.CartItem{ProductId: r.ProductID, Quantity: r.Quantity, Selected: r.Selected}
	}
	var items []*cartv1.CartItem
	if len(productIDs) == 0 {
		for i := range rows {
			items = append(items, item(&rows[i]))
		}
		return items, nil, nil
	}
	byProduct := make(map[string]*cartLineRow, len(rows))
	for i := range rows {
		byProduct[rows[i].ProductID] = &rows[i]
	}
	var missing []string
	for _, id := range productIDs {
		if r, ok := byProduct[id]; ok {
			items = append(items, item(r))
		} else {
			missing = append(missing, id)
		}
	}
	return items, missing, nil
}

// RemoveCheckedOutItems removes the lines a checkout bought. Idempotent: a
// repeated call removes nothing more and answers 0.
func (s *Service) RemoveCheckedOutItems(ctx context.Context, userID string, productIDs []string) (int32, error) {
	n, err := deleteLines(ctx, s.db, userID, productIDs)
	return int32(n), err
}
