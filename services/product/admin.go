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
	"mall/services/platform/rpcerr"
)

// CreateCategory adds a category under parentID ("" for the root).
func (s *Service) CreateCategory(ctx context.Context, req *productv1.CreateCategoryRequest) (*productv1.Category, error) {
	if req.GetParentId() != "" {
		if exists, err := s.db.NewSelect().Model((*categoryRow)(nil)).Where("id = ?", req.GetParentId()).Exists(ctx); err != nil {
			return nil, err
		} else if !exists {
			return nil, errCategoryNotFound()
		}
	}
	row := &categoryRow{ID: "c-" + uuid.NewString(), ParentID: req.GetParentId(), Name: req.GetName(),
		IconURL: req.GetIconUrl(), SortOrder: req.GetSortOrder(), CreatedAt: time.Now().UTC()}
	if _, err := s.db.NewInsert().Model(row).Exec(ctx); err != nil {
		return nil, err
	}
	s.afterCatalogChange(ctx)
	return row.proto(), nil
}

// CreateProduct adds a product with its initial stock.
func (s *Service) CreateProduct(ctx context.Context, spec *productv1.ProductSpec, initialStock int64) (*productv1.Product, error) {
	if err := s.requireCategory(ctx, spec.GetCategoryId()); err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	row := &productRow{ID: "p-" + uuid.NewString(), Stock: initialStock, CreatedAt: now}
	applySpec(row, spec, now)
	if _, err := s.db.NewInsert().Model(row).Exec(ctx); err != nil {
		return nil, err
	}
	s.afterCommit(ctx, row.ID) // drops a cached "not found"
	s.afterCatalogChange(ctx)
	return s.GetProduct(ctx, row.ID)
}

// UpdateProduct replaces a product's editable fields; stock is untouched.
func (s *Service) UpdateProduct(ctx context.Context, id string, spec *productv1.ProductSpec) (*productv1.Product, error) {
	if err := s.requireCategory(ctx, spec.GetCategoryId()); err != nil {
		return nil, err
	}
	row := &productRow{ID: id}
	applySpec(row, spec, time.Now().UTC())
	res, err := s.db.NewUpdate().Model(row).
		Column("category_id", "title", "subtitle", "description", "image_urls", "price_cents", "status", "updated_at").
		Where("id = ?", id).Exec(ctx)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := s.queryProduct(ctx, id); errors.Is(err, sql.ErrNoRows) {
			return nil, errProductNotFound()
		}
	}
	s.afterCommit(ctx, id)
	s.afterCatalogChange(ctx)
	return s.GetProduct(ctx, id)
}

// SetStock sets the available stock; reserved, sold and allocated are
// untouched, so it is the one call that changes their sum.
func (s *Service) SetStock(ctx context.Context, id string, stock int64) (*productv1.Product, error) {
	res, err := s.db.NewUpdate().Table("products").Set("stock = ?", stock).Set("updated_at = ?", time.Now().UTC()).
		Where("id = ?", id).Exec(ctx)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := s.queryProduct(ctx, id); errors.Is(err, sql.ErrNoRows) {
			return nil, errProductNotFound()
		}
	}
	s.afterCommit(ctx, id)
	return s.GetProduct(ctx, id)
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
	exists, err := s.db.NewSelect().Model((*categoryRow)(nil)).Where("id = ?", id).Exists(ctx)
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
func (s *Service) CreateBanner(ctx context.Context, spec *productv1.BannerSpec) (*productv1.Banner, error) {
	row := &bannerRow{ID: "b-" + uuid.NewString(), CreatedAt: time.Now().UTC()}
	applyBanner(row, spec)
	if _, err := s.db.NewInsert().Model(row).Exec(ctx); err != nil {
		return nil, err
	}
	return row.proto(), s.banners.refresh(ctx)
}

// UpdateBanner replaces a banner's fields.
func (s *Service) UpdateBanner(ctx context.Context, id string, spec *productv1.BannerSpec) (*productv1.Banner, error) {
	row := &bannerRow{}
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(row).Where("id = ?", id).For("UPDATE").Scan(ctx); errors.Is(err, sql.ErrNoRows) {
			return rpcerr.New(connect.CodeNotFound, ReasonBannerNotFound, "banner not found")
		} else if err != nil {
			return err
		}
		applyBanner(row, spec)
		_, err := tx.NewUpdate().Model(row).WherePK().Exec(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	return row.proto(), s.banners.refresh(ctx)
}

// DeleteBanner removes a banner.
func (s *Service) DeleteBanner(ctx context.Context, id string) error {
	res, err := s.db.NewDelete().Model((*bannerRow)(nil)).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return rpcerr.New(connect.CodeNotFound, ReasonBannerNotFound, "banner not found")
	}
	return s.banners.refresh(ctx)
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
