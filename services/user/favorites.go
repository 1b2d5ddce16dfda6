package user

import (
	"context"
	"strconv"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	productv1 "mall/gen/mall/product/v1"
	userv1 "mall/gen/mall/user/v1"
	"mall/services/platform/auth"
	"mall/services/platform/rpcerr"
)

const defaultFavoritesPage = 20

// catalogUnavailable is the message of a failed product-service call.
const catalogUnavailable = "the catalog is unavailable; try again"

// AddFavorite marks a product (which must exist) for the caller; adding
// twice is a no-op, adding again after a removal works and puts it first.
// The product service's failures are the catalog's unavailability
// (rpcerr.Upstream), never its own codes.
func (s *Service) AddFavorite(ctx context.Context, req *connect.Request[userv1.AddFavoriteRequest]) (*connect.Response[userv1.AddFavoriteResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	productID := req.Msg.GetProductId()
	if _, err := s.products.GetProduct(ctx, connect.NewRequest(&productv1.GetProductRequest{ProductId: productID})); err != nil {
		if connect.CodeOf(err) == connect.CodeNotFound {
			return nil, rpcerr.New(connect.CodeNotFound, ReasonProductNotFound, "product not found")
		}
		return nil, rpcerr.Upstream(ctx, s.logger, "ProductService.GetProduct", err, ReasonCatalogUnavailable, catalogUnavailable)
	}
	row := &favoriteRow{UserID: userID, ProductID: productID, CreatedAt: time.Now().UTC()}
	if err := insertFavoriteIfAbsent(ctx, s.db, row); err != nil {
		return nil, err
	}
	return connect.NewResponse(&userv1.AddFavoriteResponse{}), nil
}

// RemoveFavorite unmarks a product for the caller; removing what is not
// there is a no-op.
func (s *Service) RemoveFavorite(ctx context.Context, req *connect.Request[userv1.RemoveFavoriteRequest]) (*connect.Response[userv1.RemoveFavoriteResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	if err := deleteFavorite(ctx, s.db, userID, req.Msg.GetProductId()); err != nil {
		return nil, err
	}
	return connect.NewResponse(&userv1.RemoveFavoriteResponse{}), nil
}

// IsFavorite reports whether the caller marked a product.
func (s *Service) IsFavorite(ctx context.Context, req *connect.Request[userv1.IsFavoriteRequest]) (*connect.Response[userv1.IsFavoriteResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	favorite, err := favoriteExists(ctx, s.db, userID, req.Msg.GetProductId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&userv1.IsFavoriteResponse{Favorite: favorite}), nil
}

// IsFavoriteInternal reports whether a user marked a product, for the
// storefront's product page.
func (s *Service) IsFavoriteInternal(ctx context.Context, req *connect.Request[userv1.IsFavoriteInternalRequest]) (*connect.Response[userv1.IsFavoriteInternalResponse], error) {
	favorite, err := favoriteExists(ctx, s.db, req.Msg.GetUserId(), req.Msg.GetProductId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&userv1.IsFavoriteInternalResponse{Favorite: favorite}), nil
}

// ListFavorites returns a page of the caller's favorites, newest first,
// hydrated with product data in one batch call.
func (s *Service) ListFavorites(ctx context.Context, req *connect.Request[userv1.ListFavoritesRequest]) (*connect.Response[userv1.ListFavoritesResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	pageSize := int(req.Msg.GetPageSize())
	if pageSize == 0 {
		pageSize = defaultFavoritesPage
	}
	var before int64
	if pageToken := req.Msg.GetPageToken(); pageToken != "" {
		before, err = strconv.ParseInt(pageToken, 10, 64)
		if err != nil || before <= 0 {
			return nil, rpcerr.New(connect.CodeInvalidArgument, ReasonBadPageToken, "page_token is not valid")
		}
	}
	rows, err := selectFavorites(ctx, s.db, userID, pageSize+1, before)
	if err != nil {
		return nil, err
	}
	res := &userv1.ListFavoritesResponse{}
	if len(rows) > pageSize {
		rows = rows[:pageSize]
		res.NextPageToken = strconv.FormatInt(rows[pageSize-1].Seq, 10)
	}
	if len(rows) == 0 {
		return connect.NewResponse(res), nil
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ProductID
	}
	products, err := s.products.BatchGetProducts(ctx, connect.NewRequest(&productv1.BatchGetProductsRequest{ProductIds: ids}))
	if err != nil {
		return nil, rpcerr.Upstream(ctx, s.logger, "ProductService.BatchGetProducts", err, ReasonCatalogUnavailable, catalogUnavailable)
	}
	byID := make(map[string]*productv1.Product, len(ids))
	for _, p := range products.Msg.GetProducts() {
		byID[p.GetProductId()] = p
	}
	res.Favorites = make([]*userv1.Favorite, len(rows))
	for i, r := range rows {
		// A product deleted since keeps its favorite, without product data.
		res.Favorites[i] = &userv1.Favorite{ProductId: r.ProductID, CreatedAt: timestamppb.New(r.CreatedAt), Product: byID[r.ProductID]}
	}
	return connect.NewResponse(res), nil
}

// ListFavoriteProductIds returns up to limit of a user's favorite products,
// newest first, for the storefront's recommendations.
func (s *Service) ListFavoriteProductIds(ctx context.Context, req *connect.Request[userv1.ListFavoriteProductIdsRequest]) (*connect.Response[userv1.ListFavoriteProductIdsResponse], error) {
	limit := int(req.Msg.GetLimit())
	if limit == 0 {
		limit = 50
	}
	ids, err := favoriteProductIDs(ctx, s.db, req.Msg.GetUserId(), limit)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&userv1.ListFavoriteProductIdsResponse{ProductIds: ids}), nil
}
