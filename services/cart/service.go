// Package cart is the cart domain: one line per (user, product) in the
// cart's own MySQL database, hydrated with current product data from the
// product service. Service serves CartService; the SQL is in store.go.
package cart

import (
	"context"
	"log/slog"
	"time"

	"connectrpc.com/connect"
	"github.com/uptrace/bun"

	cartv1 "mall/gen/mall/cart/v1"
	"mall/gen/mall/cart/v1/cartv1connect"
	"mall/gen/mall/product/v1/productv1connect"
	"mall/services/platform/auth"
	"mall/services/platform/db"
	"mall/services/platform/rpcerr"
)

// Service is the cart's logic over its own database. Product data (price,
// stock, status) is never stored here: it comes from the product service at
// read time, so a listed price is always the current one. User RPCs take
// the caller's id only from the verified token (auth.UserID); the internal
// RPCs, which the checkout saga calls on behalf of a user with a service
// credential, take it from the request.
type Service struct {
	db       *bun.DB
	products productv1connect.ProductServiceClient
	logger   *slog.Logger
	now      func() time.Time
}

var _ cartv1connect.CartServiceHandler = (*Service)(nil)

// NewService returns the cart service. products is a client of the product
// service (in the app: gRPC over h2c with the "cart" service credential from
// platform/rpcclient); the cart calls GetProduct when adding and
// BatchGetProducts, once, per ListCart.
func NewService(db *bun.DB, products productv1connect.ProductServiceClient, logger *slog.Logger) *Service {
	return &Service{db: db, products: products, logger: logger, now: func() time.Time { return time.Now().UTC() }}
}

// AddItem adds quantity units of a product to the caller's cart, merging
// into the existing line (which is also selected again). The product must
// exist and be on sale; stock is not checked here (ListCart reports it, and
// the checkout reserves it). The merged line may hold at most
// MaxLineQuantity units and the cart at most MaxLines lines: beyond either
// the call fails with failed_precondition and changes nothing.
func (s *Service) AddItem(ctx context.Context, req *connect.Request[cartv1.AddItemRequest]) (*connect.Response[cartv1.AddItemResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	productID := req.Msg.GetProductId()
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
		created, refused, err := upsertLine(ctx, tx, userID, productID, req.Msg.GetQuantity(), now)
		if err != nil {
			return err
		}
		if refused {
			// The cart lock holds the line still: its quantity is exact.
			held, err := queryLine(ctx, tx, userID, productID)
			if err != nil {
				return err
			}
			var current int32
			if held != nil {
				current = held.Quantity
			}
			return errQuantityLimit(current)
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
	return connect.NewResponse(&cartv1.AddItemResponse{Line: hydrate(line, product)}), nil
}

// UpdateItem sets the quantity of the caller's line of a product; zero
// removes the line (and answers no line). A product that is not in the
// caller's cart, including one that is only in another user's cart, is
// not_found. The product is fetched first so that a product-service outage
// fails the call before anything is written.
func (s *Service) UpdateItem(ctx context.Context, req *connect.Request[cartv1.UpdateItemRequest]) (*connect.Response[cartv1.UpdateItemResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	productID, quantity := req.Msg.GetProductId(), req.Msg.GetQuantity()
	if quantity == 0 {
		n, err := deleteLines(ctx, s.db, userID, []string{productID})
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, errLineNotFound()
		}
		return connect.NewResponse(&cartv1.UpdateItemResponse{}), nil
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
	// product nil: gone, shown off shelf
	return connect.NewResponse(&cartv1.UpdateItemResponse{Line: hydrate(line, product)}), nil
}

// RemoveItems removes the caller's lines of the given products. Like every
// batch RPC of the cart, ids that are not in the caller's cart (unknown, or
// only in another user's cart) are ignored, not an error: the contract says
// so, and the count tells the caller what was removed.
func (s *Service) RemoveItems(ctx context.Context, req *connect.Request[cartv1.RemoveItemsRequest]) (*connect.Response[cartv1.RemoveItemsResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	n, err := deleteLines(ctx, s.db, userID, req.Msg.GetProductIds())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&cartv1.RemoveItemsResponse{RemovedCount: int32(n)}), nil
}

// SelectItems selects or unselects the caller's lines of the given
// products, or every line when none is given. Ids not in the caller's cart
// are ignored, as in RemoveItems.
func (s *Service) SelectItems(ctx context.Context, req *connect.Request[cartv1.SelectItemsRequest]) (*connect.Response[cartv1.SelectItemsResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	if err := setSelected(ctx, s.db, userID, req.Msg.GetProductIds(), req.Msg.GetSelected(), s.now()); err != nil {
		return nil, err
	}
	return connect.NewResponse(&cartv1.SelectItemsResponse{}), nil
}

// ListCart returns the caller's cart hydrated with current product data
// from one BatchGetProducts call.
//
// Decision: when the product service cannot answer, ListCart fails with
// unavailable (reason PRODUCT_SERVICE_UNAVAILABLE) instead of returning lines
// without prices: a cart with blank prices and a wrong total is worse than a
// retry, and the contract has no field to say "prices unknown".
func (s *Service) ListCart(ctx context.Context, _ *connect.Request[cartv1.ListCartRequest]) (*connect.Response[cartv1.ListCartResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := queryLines(ctx, s.db, userID, nil, false)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return connect.NewResponse(&cartv1.ListCartResponse{}), nil
	}
	ids := make([]string, len(rows))
	for i := range rows {
		ids[i] = rows[i].ProductID
	}
	products, err := s.batchProducts(ctx, ids)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(priceCart(rows, products)), nil
}

// GetItemsInternal returns the raw lines of a user for the checkout saga:
// the selected lines when no product is given, else the requested ones (in
// request order) plus the requested ids that are not in the cart.
func (s *Service) GetItemsInternal(ctx context.Context, req *connect.Request[cartv1.GetItemsInternalRequest]) (*connect.Response[cartv1.GetItemsInternalResponse], error) {
	if err := requireService(ctx); err != nil {
		return nil, err
	}
	productIDs := req.Msg.GetProductIds()
	rows, err := queryLines(ctx, s.db, req.Msg.GetUserId(), productIDs, len(productIDs) == 0)
	if err != nil {
		return nil, err
	}
	item := func(r *cartLineRow) *cartv1.CartItem {
		return &cartv1.CartItem{ProductId: r.ProductID, Quantity: r.Quantity, Selected: r.Selected}
	}
	res := &cartv1.GetItemsInternalResponse{}
	if len(productIDs) == 0 {
		for i := range rows {
			res.Items = append(res.Items, item(&rows[i]))
		}
		return connect.NewResponse(res), nil
	}
	byProduct := make(map[string]*cartLineRow, len(rows))
	for i := range rows {
		byProduct[rows[i].ProductID] = &rows[i]
	}
	for _, id := range productIDs {
		if r, ok := byProduct[id]; ok {
			res.Items = append(res.Items, item(r))
		} else {
			res.MissingProductIds = append(res.MissingProductIds, id)
		}
	}
	return connect.NewResponse(res), nil
}

// RemoveCheckedOutItems removes the lines a checkout bought. Idempotent: a
// repeated call removes nothing more and answers 0.
func (s *Service) RemoveCheckedOutItems(ctx context.Context, req *connect.Request[cartv1.RemoveCheckedOutItemsRequest]) (*connect.Response[cartv1.RemoveCheckedOutItemsResponse], error) {
	if err := requireService(ctx); err != nil {
		return nil, err
	}
	n, err := deleteLines(ctx, s.db, req.Msg.GetUserId(), req.Msg.GetProductIds())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&cartv1.RemoveCheckedOutItemsResponse{RemovedCount: int32(n)}), nil
}

// requireService repeats, next to the code that trusts a request's user_id,
// what the authn middleware already enforces from the contract: only a
// service credential may act on behalf of a user.
func requireService(ctx context.Context) error {
	if identity, ok := auth.FromContext(ctx); ok && identity.Has(auth.RoleService) {
		return nil
	}
	return rpcerr.New(connect.CodePermissionDenied, ReasonServiceOnly, "only a service credential may call this procedure")
}
