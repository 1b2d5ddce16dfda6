package product

import (
	"context"
	"database/sql"
	"errors"
	"slices"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	productv1 "mall/gen/mall/product/v1"
	"mall/services/platform/cache"
)

// GetProduct returns one product, on sale or off shelf.
func (s *Service) GetProduct(ctx context.Context, req *connect.Request[productv1.GetProductRequest]) (*connect.Response[productv1.GetProductResponse], error) {
	p, err := s.product(ctx, req.Msg.GetProductId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&productv1.GetProductResponse{Product: p}), nil
}

// product reads one product, through the cache when it is on.
func (s *Service) product(ctx context.Context, id string) (*productv1.Product, error) {
	if !s.cacheEnabled.Load() {
		row, err := selectProduct(ctx, s.db, id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, errProductNotFound()
		}
		if err != nil {
			return nil, err
		}
		return row.proto(), nil
	}
	data, err := s.products.Get(ctx, s.productKey(id), func(ctx context.Context) ([]byte, bool, error) {
		row, err := selectProduct(ctx, s.db, id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		data, err := proto.Marshal(row.proto())
		return data, err == nil, err
	})
	if errors.Is(err, cache.ErrNotFound) {
		return nil, errProductNotFound()
	}
	if err != nil {
		return nil, err
	}
	product := &productv1.Product{}
	return product, proto.Unmarshal(data, product)
}

// BatchGetProducts returns the products of ids in their order, and the ids
// that do not exist. Cache hits come in one round trip, misses in one query.
func (s *Service) BatchGetProducts(ctx context.Context, req *connect.Request[productv1.BatchGetProductsRequest]) (*connect.Response[productv1.BatchGetProductsResponse], error) {
	ids := req.Msg.GetProductIds()
	byID, err := s.productsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	res := &productv1.BatchGetProductsResponse{}
	for _, id := range ids {
		if p, ok := byID[id]; ok {
			res.Products = append(res.Products, p)
		} else {
			res.MissingIds = append(res.MissingIds, id)
		}
	}
	return connect.NewResponse(res), nil
}

// productsByID hydrates ids, from the cache when it is on.
func (s *Service) productsByID(ctx context.Context, ids []string) (map[string]*productv1.Product, error) {
	ids = uniq(ids)
	out := make(map[string]*productv1.Product, len(ids))
	if !s.cacheEnabled.Load() {
		rows, err := selectProducts(ctx, s.db, ids)
		if err != nil {
			return nil, err
		}
		for i := range rows {
			out[rows[i].ID] = rows[i].proto()
		}
		return out, nil
	}
	keys := make([]string, len(ids))
	idOf := make(map[string]string, len(ids))
	for i, id := range ids {
		keys[i] = s.productKey(id)
		idOf[keys[i]] = id
	}
	found, err := s.products.GetMany(ctx, keys, func(ctx context.Context, missing []string) (map[string][]byte, error) {
		missingIDs := make([]string, len(missing))
		for i, k := range missing {
			missingIDs[i] = idOf[k]
		}
		rows, err := selectProducts(ctx, s.db, missingIDs)
		if err != nil {
			return nil, err
		}
		loaded := make(map[string][]byte, len(rows))
		for i := range rows {
			data, err := proto.Marshal(rows[i].proto())
			if err != nil {
				return nil, err
			}
			loaded[s.productKey(rows[i].ID)] = data
		}
		return loaded, nil
	})
	if err != nil {
		return nil, err
	}
	for key, data := range found {
		p := &productv1.Product{}
		if err := proto.Unmarshal(data, p); err != nil {
			return nil, err
		}
		out[idOf[key]] = p
	}
	return out, nil
}

// ListCategories returns the category tree, parents before children.
func (s *Service) ListCategories(ctx context.Context, _ *connect.Request[productv1.ListCategoriesRequest]) (*connect.Response[productv1.ListCategoriesResponse], error) {
	tree, err := s.categoryTree(ctx)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&productv1.ListCategoriesResponse{Categories: tree}), nil
}

// categoryTree is the category tree, through the cache when it is on.
func (s *Service) categoryTree(ctx context.Context) ([]*productv1.Category, error) {
	if !s.cacheEnabled.Load() {
		return s.loadCategoryTree(ctx)
	}
	data, err := s.categories.Get(ctx, s.key("categories"), func(ctx context.Context) ([]byte, bool, error) {
		tree, err := s.loadCategoryTree(ctx)
		if err != nil {
			return nil, false, err
		}
		data, err := proto.Marshal(&productv1.ListCategoriesResponse{Categories: tree})
		return data, err == nil, err
	})
	if err != nil {
		return nil, err
	}
	res := &productv1.ListCategoriesResponse{}
	if err := proto.Unmarshal(data, res); err != nil {
		return nil, err
	}
	return res.GetCategories(), nil
}

// loadCategoryTree reads the categories parents first, siblings by sort
// order.
func (s *Service) loadCategoryTree(ctx context.Context) ([]*productv1.Category, error) {
	rows, err := selectCategories(ctx, s.db)
	if err != nil {
		return nil, err
	}
	byParent := map[string][]categoryRow{}
	for _, r := range rows {
		byParent[r.ParentID] = append(byParent[r.ParentID], r)
	}
	var out []*productv1.Category
	queue := []string{""}
	for len(queue) > 0 {
		parent := queue[0]
		queue = queue[1:]
		for i := range byParent[parent] {
			out = append(out, byParent[parent][i].proto())
			queue = append(queue, byParent[parent][i].ID)
		}
	}
	return out, nil
}

// categoryWithDescendants returns id and every category below it, or a
// NotFound error.
func (s *Service) categoryWithDescendants(ctx context.Context, id string) ([]string, error) {
	tree, err := s.categoryTree(ctx)
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(tree, func(c *productv1.Category) bool { return c.GetCategoryId() == id }) {
		return nil, errCategoryNotFound()
	}
	ids := []string{id}
	for i := 0; i < len(ids); i++ { // breadth-first; the tree is small
		for _, c := range tree {
			if c.GetParentId() == ids[i] {
				ids = append(ids, c.GetCategoryId())
			}
		}
	}
	return ids, nil
}

func uniq(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
