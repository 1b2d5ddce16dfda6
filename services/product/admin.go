package product

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/uptrace/bun"

	productv1 "mall/gen/mall/product/v1"
)

// CreateCategory adds a category under parent_id ("" for the root).
func (s *Service) CreateCategory(ctx context.Context, req *connect.Request[productv1.CreateCategoryRequest]) (*connect.Response[productv1.CreateCategoryResponse], error) {
	if req.Msg.GetParentId() != "" {
		if err := s.requireCategory(ctx, req.Msg.GetParentId()); err != nil {
			return nil, err
		}
	}
	row := &categoryRow{ID: "c-" + uuid.NewString(), ParentID: req.Msg.GetParentId(), Name: req.Msg.GetName(),
		IconURL: req.Msg.GetIconUrl(), SortOrder: req.Msg.GetSortOrder(), CreatedAt: time.Now().UTC()}
	if err := insertRow(ctx, s.db, row); err != nil {
		return nil, err
	}
	s.afterCatalogChange(ctx)
	return connect.NewResponse(&productv1.CreateCategoryResponse{Category: row.proto()}), nil
}

// CreateProduct adds a product with its initial stock.
func (s *Service) CreateProduct(ctx context.Context, req *connect.Request[productv1.CreateProductRequest]) (*connect.Response[productv1.CreateProductResponse], error) {
	spec := req.Msg.GetProduct()
	if err := s.requireCategory(ctx, spec.GetCategoryId()); err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	row := &productRow{ID: "p-" + uuid.NewString(), Stock: req.Msg.GetInitialStock(), CreatedAt: now}
	applySpec(row, spec, now)
	if err := insertRow(ctx, s.db, row); err != nil {
		return nil, err
	}
	s.afterCommit(ctx, row.ID) // drops a cached "not found"
	s.afterCatalogChange(ctx)
	p, err := s.product(ctx, row.ID)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&productv1.CreateProductResponse{Product: p}), nil
}

// UpdateProduct replaces a product's editable fields; stock is untouched.
func (s *Service) UpdateProduct(ctx context.Context, req *connect.Request[productv1.UpdateProductRequest]) (*connect.Response[productv1.UpdateProductResponse], error) {
	id, spec := req.Msg.GetProductId(), req.Msg.GetProduct()
	if err := s.requireCategory(ctx, spec.GetCategoryId()); err != nil {
		return nil, err
	}
	row := &productRow{ID: id}
	applySpec(row, spec, time.Now().UTC())
	n, err := updateProductSpec(ctx, s.db, row)
	if err != nil {
		return nil, err
	}
	if err := s.requireWritten(ctx, id, n); err != nil {
		return nil, err
	}
	s.afterCommit(ctx, id)
	s.afterCatalogChange(ctx)
	p, err := s.product(ctx, id)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&productv1.UpdateProductResponse{Product: p}), nil
}

// SetStock sets the available stock; reserved, sold and allocated are
// untouched, so it is the one call that changes their sum.
func (s *Service) SetStock(ctx context.Context, req *connect.Request[productv1.SetStockRequest]) (*connect.Response[productv1.SetStockResponse], error) {
	id := req.Msg.GetProductId()
	n, err := updateAvailableStock(ctx, s.db, id, req.Msg.GetStock(), time.Now().UTC())
	if err != nil {
		return nil, err
	}
	if err := s.requireWritten(ctx, id, n); err != nil {
		return nil, err
	}
	s.afterCommit(ctx, id)
	p, err := s.product(ctx, id)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&productv1.SetStockResponse{Product: p}), nil
}

// requireWritten answers not_found for a write of product id that changed
// no row because there is no such product (an unchanged row changes none
// either).
func (s *Service) requireWritten(ctx context.Context, id string, changed int64) error {
	if changed == 0 {
		if _, err := selectProduct(ctx, s.db, id); errors.Is(err, sql.ErrNoRows) {
			return errProductNotFound()
		}
	}
	return nil
}

func applySpec(row *productRow, spec *productv1.ProductSpec, now time.Time) {
	row.CategoryID = spec.GetCategoryId()
	row.Title = spec.GetTitle()
	row.Subtitle = spec.GetSubtitle()
	row.Description = spec.GetDescription()
	row.ImageURLs = spec.GetImageUrls()
	row.PriceCents = spec.GetPriceCents()
	row.Status = int32(spec.GetStatus())
	row.UpdatedAt = now
}

func (s *Service) requireCategory(ctx context.Context, id string) error {
	exists, err := categoryExists(ctx, s.db, id)
	if err != nil {
		return err
	}
	if !exists {
		return errCategoryNotFound()
	}
	return nil
}

// afterCatalogChange refreshes what depends on the set of products and
// categories: listing sorted sets and the category tree.
func (s *Service) afterCatalogChange(ctx context.Context) {
	s.bumpListings(ctx)
	if err := s.categories.Invalidate(context.WithoutCancel(ctx), s.key("categories")); err != nil {
		s.logger.Warn("category cache invalidation failed", "err", err)
	}
}

// CreateBanner adds a home-page banner.
func (s *Service) CreateBanner(ctx context.Context, req *connect.Request[productv1.CreateBannerRequest]) (*connect.Response[productv1.CreateBannerResponse], error) {
	row := &bannerRow{ID: "b-" + uuid.NewString(), CreatedAt: time.Now().UTC()}
	applyBanner(row, req.Msg.GetBanner())
	if err := insertRow(ctx, s.db, row); err != nil {
		return nil, err
	}
	if err := s.banners.refresh(ctx); err != nil {
		return nil, err
	}
	return connect.NewResponse(&productv1.CreateBannerResponse{Banner: row.proto()}), nil
}

// UpdateBanner replaces a banner's fields.
func (s *Service) UpdateBanner(ctx context.Context, req *connect.Request[productv1.UpdateBannerRequest]) (*connect.Response[productv1.UpdateBannerResponse], error) {
	var row *bannerRow
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if row, err = lockBanner(ctx, tx, req.Msg.GetBannerId()); errors.Is(err, sql.ErrNoRows) {
			return errBannerNotFound()
		} else if err != nil {
			return err
		}
		applyBanner(row, req.Msg.GetBanner())
		return updateBanner(ctx, tx, row)
	})
	if err != nil {
		return nil, err
	}
	if err := s.banners.refresh(ctx); err != nil {
		return nil, err
	}
	return connect.NewResponse(&productv1.UpdateBannerResponse{Banner: row.proto()}), nil
}

// DeleteBanner removes a banner.
func (s *Service) DeleteBanner(ctx context.Context, req *connect.Request[productv1.DeleteBannerRequest]) (*connect.Response[productv1.DeleteBannerResponse], error) {
	n, err := deleteBanner(ctx, s.db, req.Msg.GetBannerId())
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, errBannerNotFound()
	}
	if err := s.banners.refresh(ctx); err != nil {
		return nil, err
	}
	return connect.NewResponse(&productv1.DeleteBannerResponse{}), nil
}

func applyBanner(row *bannerRow, spec *productv1.BannerSpec) {
	row.Title = spec.GetTitle()
	row.ImageURL = spec.GetImageUrl()
	row.LinkURL = spec.GetLinkUrl()
	row.ProductID = spec.GetProductId()
	row.SortOrder = spec.GetSortOrder()
	row.StartsAt = spec.GetStartsAt().AsTime()
	row.EndsAt = spec.GetEndsAt().AsTime()
}
