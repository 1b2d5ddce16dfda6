package product

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/uptrace/bun"

	productv1 "mall/gen/mall/product/v1"
	"mall/services/platform/audit"
	"mall/services/platform/db"
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
	audit.Target(ctx, "category "+row.ID)
	if err := insertRow(ctx, s.db, row); err != nil {
		return nil, err
	}
	s.afterCatalogChange(ctx)
	audit.After(ctx, row.proto())
	return connect.NewResponse(&productv1.CreateCategoryResponse{Category: row.proto()}), nil
}

// AdminListCategories returns every category, parents first, with how many
// products each holds directly.
func (s *Service) AdminListCategories(ctx context.Context, _ *connect.Request[productv1.AdminListCategoriesRequest]) (*connect.Response[productv1.AdminListCategoriesResponse], error) {
	tree, err := s.loadCategoryTree(ctx)
	if err != nil {
		return nil, err
	}
	counts, err := countProductsByCategory(ctx, s.db)
	if err != nil {
		return nil, err
	}
	byCategory := make(map[string]categoryCount, len(counts))
	for _, c := range counts {
		byCategory[c.CategoryID] = c
	}
	res := &productv1.AdminListCategoriesResponse{}
	for _, c := range tree {
		n := byCategory[c.GetCategoryId()]
		res.Categories = append(res.Categories, &productv1.AdminCategory{Category: c, ProductCount: n.Products, OnSaleCount: n.OnSale})
	}
	return connect.NewResponse(res), nil
}

// UpdateCategory renames a category, moves it and sets its sort order.
// Every category is locked while the move is checked, so no two moves
// close a cycle between them.
func (s *Service) UpdateCategory(ctx context.Context, req *connect.Request[productv1.UpdateCategoryRequest]) (*connect.Response[productv1.UpdateCategoryResponse], error) {
	id, parent := req.Msg.GetCategoryId(), req.Msg.GetParentId()
	audit.Target(ctx, "category "+id)
	var before, after *productv1.Category
	err := db.InTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		rows, err := lockCategories(ctx, tx)
		if err != nil {
			return err
		}
		parentOf := make(map[string]string, len(rows))
		var row *categoryRow
		for i := range rows {
			parentOf[rows[i].ID] = rows[i].ParentID
			if rows[i].ID == id {
				row = &rows[i]
			}
		}
		if row == nil {
			return errCategoryNotFound()
		}
		if _, ok := parentOf[parent]; parent != "" && !ok {
			return errCategoryNotFound()
		}
		// Walk up from the new parent: meeting the category itself means
		// it would sit below itself.
		for at, steps := parent, 0; at != ""; at, steps = parentOf[at], steps+1 {
			if at == id || steps > len(rows) {
				return errCategoryCycle()
			}
		}
		before = row.proto()
		row.ParentID, row.Name, row.IconURL, row.SortOrder = parent, req.Msg.GetName(), req.Msg.GetIconUrl(), req.Msg.GetSortOrder()
		after = row.proto()
		return updateCategory(ctx, tx, row)
	})
	if err != nil {
		return nil, err
	}
	s.afterCatalogChange(ctx)
	audit.Before(ctx, before)
	audit.After(ctx, after)
	return connect.NewResponse(&productv1.UpdateCategoryResponse{Category: after}), nil
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
	audit.Target(ctx, "product "+row.ID)
	if err := insertRow(ctx, s.db, row); err != nil {
		return nil, err
	}
	s.afterCommit(ctx, row.ID) // drops a cached "not found"
	s.afterCatalogChange(ctx)
	p, err := s.product(ctx, row.ID)
	if err != nil {
		return nil, err
	}
	audit.After(ctx, p)
	return connect.NewResponse(&productv1.CreateProductResponse{Product: p}), nil
}

// UpdateProduct replaces a product's editable fields; stock is untouched.
func (s *Service) UpdateProduct(ctx context.Context, req *connect.Request[productv1.UpdateProductRequest]) (*connect.Response[productv1.UpdateProductResponse], error) {
	id, spec := req.Msg.GetProductId(), req.Msg.GetProduct()
	if err := s.requireCategory(ctx, spec.GetCategoryId()); err != nil {
		return nil, err
	}
	audit.Target(ctx, "product "+id)
	var before, after *productv1.Product
	err := db.InTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		row, err := lockKnownProduct(ctx, tx, id)
		if err != nil {
			return err
		}
		before = row.proto()
		applySpec(row, spec, time.Now().UTC())
		after = row.proto()
		_, err = updateProductSpec(ctx, tx, row)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.afterCommit(ctx, id)
	s.afterCatalogChange(ctx)
	audit.Before(ctx, before)
	audit.After(ctx, after)
	return connect.NewResponse(&productv1.UpdateProductResponse{Product: after}), nil
}

// adminPageSize is AdminListProducts' and ListStockAdjustments' page size
// when the request names none.
const adminPageSize = 20

// AdminListProducts lists products on sale and off shelf, newest first.
func (s *Service) AdminListProducts(ctx context.Context, req *connect.Request[productv1.AdminListProductsRequest]) (*connect.Response[productv1.AdminListProductsResponse], error) {
	m := req.Msg
	f := adminFilter{status: int32(m.GetStatus()), query: strings.TrimSpace(m.GetQuery())}
	if m.GetCategoryId() != "" {
		var err error
		if f.categories, err = s.categoryWithDescendants(ctx, m.GetCategoryId()); err != nil {
			return nil, err
		}
	}
	binding := m.GetCategoryId() + "|" + strconv.Itoa(int(f.status)) + "|" + f.query
	rows, next, err := seqPage(m.GetPageSize(), m.GetPageToken(), binding, func(r *productRow) int64 { return r.Seq },
		func(before int64, limit int) ([]productRow, error) {
			return selectAdminProducts(ctx, s.db, f, before, limit)
		})
	if err != nil {
		return nil, err
	}
	res := &productv1.AdminListProductsResponse{NextPageToken: next}
	for i := range rows {
		res.Products = append(res.Products, rows[i].adminProto())
	}
	return connect.NewResponse(res), nil
}

// seqPage is one page of an operator's newest-first list: pageSize (0:
// adminPageSize) rows before the seq pageToken names for these filters
// (binding), as selectPage reads them (asked for one more, to tell whether
// another page follows), with the next page's token ("" on the last).
func seqPage[T any](pageSize int32, pageToken, binding string, seqOf func(*T) int64,
	selectPage func(before int64, limit int) ([]T, error)) ([]T, string, error) {
	before, err := decodeSeqToken(pageToken, binding)
	if err != nil {
		return nil, "", err
	}
	size := int(pageSize)
	if size == 0 {
		size = adminPageSize
	}
	rows, err := selectPage(before, size+1)
	if err != nil {
		return nil, "", err
	}
	var next string
	if len(rows) > size {
		rows = rows[:size]
		next = encodeSeqToken(seqOf(&rows[size-1]), binding)
	}
	return rows, next, nil
}

// seqToken is the cursor of the operator's newest-first lists: the last
// seq shown, bound to the filters it came with.
type seqToken struct {
	Binding string `json:"b"`
	Seq     int64  `json:"s"`
}

func encodeSeqToken(seq int64, binding string) string {
	data, _ := json.Marshal(seqToken{Binding: binding, Seq: seq})
	return base64.RawURLEncoding.EncodeToString(data)
}

// decodeSeqToken is the seq a page token names for these filters (0 for
// none).
func decodeSeqToken(raw, binding string) (int64, error) {
	if raw == "" {
		return 0, nil
	}
	data, err := base64.RawURLEncoding.DecodeString(raw)
	var t seqToken
	if err != nil || json.Unmarshal(data, &t) != nil || t.Binding != binding || t.Seq < 1 {
		return 0, errBadPageToken()
	}
	return t.Seq, nil
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
	if err := s.requireBannerTarget(ctx, req.Msg.GetBanner()); err != nil {
		return nil, err
	}
	row := &bannerRow{ID: "b-" + uuid.NewString(), CreatedAt: time.Now().UTC()}
	applyBanner(row, req.Msg.GetBanner())
	audit.Target(ctx, "banner "+row.ID)
	if err := insertRow(ctx, s.db, row); err != nil {
		return nil, err
	}
	if err := s.banners.refresh(ctx); err != nil {
		return nil, err
	}
	audit.After(ctx, row.proto())
	return connect.NewResponse(&productv1.CreateBannerResponse{Banner: row.proto()}), nil
}

// UpdateBanner replaces a banner's fields.
func (s *Service) UpdateBanner(ctx context.Context, req *connect.Request[productv1.UpdateBannerRequest]) (*connect.Response[productv1.UpdateBannerResponse], error) {
	audit.Target(ctx, "banner "+req.Msg.GetBannerId())
	if err := s.requireBannerTarget(ctx, req.Msg.GetBanner()); err != nil {
		return nil, err
	}
	var row *bannerRow
	var before *productv1.Banner
	err := db.InTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if row, err = lockBanner(ctx, tx, req.Msg.GetBannerId()); errors.Is(err, sql.ErrNoRows) {
			return errBannerNotFound()
		} else if err != nil {
			return err
		}
		before = row.proto()
		applyBanner(row, req.Msg.GetBanner())
		return updateBanner(ctx, tx, row)
	})
	if err != nil {
		return nil, err
	}
	if err := s.banners.refresh(ctx); err != nil {
		return nil, err
	}
	audit.Before(ctx, before)
	audit.After(ctx, row.proto())
	return connect.NewResponse(&productv1.UpdateBannerResponse{Banner: row.proto()}), nil
}

// DeleteBanner removes a banner.
func (s *Service) DeleteBanner(ctx context.Context, req *connect.Request[productv1.DeleteBannerRequest]) (*connect.Response[productv1.DeleteBannerResponse], error) {
	id := req.Msg.GetBannerId()
	audit.Target(ctx, "banner "+id)
	var before *productv1.Banner
	err := db.InTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		row, err := lockBanner(ctx, tx, id)
		if errors.Is(err, sql.ErrNoRows) {
			return errBannerNotFound()
		} else if err != nil {
			return err
		}
		before = row.proto()
		_, err = deleteBanner(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := s.banners.refresh(ctx); err != nil {
		return nil, err
	}
	audit.Before(ctx, before)
	return connect.NewResponse(&productv1.DeleteBannerResponse{}), nil
}

// AdminListBanners returns every banner in carousel order, with where each
// is in its schedule.
func (s *Service) AdminListBanners(ctx context.Context, _ *connect.Request[productv1.AdminListBannersRequest]) (*connect.Response[productv1.AdminListBannersResponse], error) {
	rows, err := selectBanners(ctx, s.db)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&productv1.AdminListBannersResponse{Banners: adminBanners(rows, time.Now())}), nil
}

// ReorderBanners gives the named banners the first places of the carousel,
// in the order named, and the others the places after them, in the order
// they had.
func (s *Service) ReorderBanners(ctx context.Context, req *connect.Request[productv1.ReorderBannersRequest]) (*connect.Response[productv1.ReorderBannersResponse], error) {
	named := req.Msg.GetBannerIds()
	audit.Target(ctx, "banner order")
	var before, after []bannerRow
	err := db.InTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		rows, err := lockBanners(ctx, tx)
		if err != nil {
			return err
		}
		before = slices.Clone(rows)
		place := make(map[string]int, len(named))
		for i, id := range named {
			place[id] = i
		}
		known := 0
		for i := range rows {
			if _, ok := place[rows[i].ID]; ok {
				known++
			}
		}
		if known != len(named) {
			return errBannerNotFound()
		}
		ordered := make([]bannerRow, len(named), len(rows))
		for i := range rows {
			if at, ok := place[rows[i].ID]; ok {
				ordered[at] = rows[i]
			} else {
				ordered = append(ordered, rows[i])
			}
		}
		for i := range ordered {
			if ordered[i].SortOrder == int32(i) {
				continue
			}
			ordered[i].SortOrder = int32(i)
			if err := updateBannerOrder(ctx, tx, ordered[i].ID, int32(i)); err != nil {
				return err
			}
		}
		after = ordered
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.banners.refresh(ctx); err != nil {
		return nil, err
	}
	now := time.Now()
	audit.Before(ctx, &productv1.AdminListBannersResponse{Banners: adminBanners(before, now)})
	res := &productv1.ReorderBannersResponse{Banners: adminBanners(after, now)}
	audit.After(ctx, res)
	return connect.NewResponse(res), nil
}

func adminBanners(rows []bannerRow, now time.Time) []*productv1.AdminBanner {
	out := make([]*productv1.AdminBanner, len(rows))
	for i := range rows {
		out[i] = rows[i].adminProto(now)
	}
	return out
}

// requireBannerTarget answers not_found for a banner promoting a product
// or category that does not exist.
func (s *Service) requireBannerTarget(ctx context.Context, spec *productv1.BannerSpec) error {
	if id := spec.GetProductId(); id != "" {
		exists, err := productExists(ctx, s.db, id)
		if err != nil {
			return err
		}
		if !exists {
			return errProductNotFound()
		}
	}
	if id := spec.GetCategoryId(); id != "" {
		return s.requireCategory(ctx, id)
	}
	return nil
}

func applyBanner(row *bannerRow, spec *productv1.BannerSpec) {
	row.Title = spec.GetTitle()
	row.ImageURL = spec.GetImageUrl()
	row.LinkURL = spec.GetLinkUrl()
	row.ProductID = spec.GetProductId()
	row.CategoryID = spec.GetCategoryId()
	row.Keyword = spec.GetKeyword()
	row.SortOrder = spec.GetSortOrder()
	row.StartsAt = spec.GetStartsAt().AsTime()
	row.EndsAt = spec.GetEndsAt().AsTime()
}
