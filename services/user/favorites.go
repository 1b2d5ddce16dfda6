package user

import (
	"context"
	"strconv"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	productv1 "mall/gen/mall/product/v1"
	userv1 "mall/gen/mall/user/v1"
	"mall/services/platform/rpcerr"
)

const defaultFavoritesPage = 20

// AddFavorite marks a product (which must exist); adding twice is a no-op,
// adding again after a removal works and puts it first.
func (s *Service) AddFavorite(ctx context.Context, userID, productID string) error {
	if _, err := s.products.GetProduct(ctx, connect.NewRequest(&productv1.GetProductRequest{ProductId: productID})); err != nil {
		if connect.CodeOf(err) == connect.CodeNotFound {
			return rpcerr.New(connect.CodeNotFound, ReasonProductNotFound, "product not found")
		}
		return catalogUnavailable(err)
	}
	row := &favoriteRow{UserID: userID, ProductID: productID, CreatedAt: time.Now().UTC()}
	_, err := s.db.NewInsert().Model(row).Ignore().Exec(ctx)
	return err
}

// RemoveFavorite unmarks a product; removing what is not there is a no-op.
func (s *Service) RemoveFavorite(ctx context.Context, userID, productID string) error {
	_, err := s.db.NewDelete().Model((*favoriteRow)(nil)).Where("user_id = ? AND product_id = ?", userID, productID).Exec(ctx)
	return err
}

// IsFavorite reports whether userID marked productID.
func (s *Service) IsFavorite(ctx context.Context, userID, productID string) (bool, error) {
	return s.db.NewSelect().Model((*favoriteRow)(nil)).Where("user_id = ? AND product_id = ?", userID, productID).Exists(ctx)
}

// ListFavorites returns a page of favorites, newest first, hydrated with
// product data in one batch call.
func (s *Service) ListFavorites(ctx context.Context, userID string, pageSize int, pageToken string) ([]*userv1.Favorite, string, error) {
	if pageSize == 0 {
		pageSize = defaultFavoritesPage
	}
	q := s.db.NewSelect().Model((*favoriteRow)(nil)).Where("user_id = ?", userID).OrderExpr("seq DESC").Limit(pageSize + 1)
	if pageToken != "" {
		after, err := strconv.ParseInt(pageToken, 10, 64)
		if err != nil || after <= 0 {
			return nil, "", rpcerr.New(connect.CodeInvalidArgument, ReasonBadPageToken, "page_token is not valid")
		}
		q = q.Where("seq < ?", after)
	}
	var rows []favoriteRow
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, "", err
	}
	next := ""
	if len(rows) > pageSize {
		rows = rows[:pageSize]
		next = strconv.FormatInt(rows[pageSize-1].Seq, 10)
	}
	if len(rows) == 0 {
		return nil, next, nil
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ProductID
	}
	res, err := s.products.BatchGetProducts(ctx, connect.NewRequest(&productv1.BatchGetProductsRequest{ProductIds: ids}))
	if err != nil {
		return nil, "", catalogUnavailable(err)
	}
	byID := make(map[string]*productv1.Product, len(ids))
	for _, p := range res.Msg.GetProducts() {
		byID[p.GetProductId()] = p
	}
	out := make([]*userv1.Favorite, len(rows))
	for i, r := range rows {
		// A product deleted since keeps its favorite, without product data.
		out[i] = &userv1.Favorite{ProductId: r.ProductID, CreatedAt: timestamppb.New(r.CreatedAt), Product: byID[r.ProductID]}
	}
	return out, next, nil
}

// FavoriteProductIDs returns up to limit of userID's favorites, newest first.
func (s *Service) FavoriteProductIDs(ctx context.Context, userID string, limit int) ([]string, error) {
	if limit == 0 {
		limit = 50
	}
	var ids []string
	err := s.db.NewSelect().Model((*favoriteRow)(nil)).Column("product_id").Where("user_id = ?", userID).
		OrderExpr("seq DESC").Limit(limit).Scan(ctx, &ids)
	return ids, err
}

func catalogUnavailable(err error) error {
	if connect.CodeOf(err) == connect.CodeUnavailable || connect.CodeOf(err) == connect.CodeDeadlineExceeded {
		return rpcerr.New(connect.CodeUnavailable, ReasonCatalogUnavailable, "the catalog is unavailable; try again")
	}
	return err
}
