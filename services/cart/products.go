package cart

import (
	"context"

	"connectrpc.com/connect"

	productv1 "mall/gen/mall/product/v1"
	"mall/services/platform/rpcerr"
)

// product fetches one product; nil (and no error) when it does not exist.
// Any other failure of the product service is unavailable
// (rpcerr.Upstream): its own codes and texts are not passed through to the
// cart's callers.
func (s *Service) product(ctx context.Context, id string) (*productv1.Product, error) {
	res, err := s.products.GetProduct(ctx, connect.NewRequest(&productv1.GetProductRequest{ProductId: id}))
	if connect.CodeOf(err) == connect.CodeNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, rpcerr.Upstream(ctx, s.logger, "ProductService.GetProduct", err, ReasonProductUnavailable, productUnavailable)
	}
	return res.Msg.GetProduct(), nil
}

// batchProducts fetches products by id in one call; ids that do not exist
// are absent from the map.
func (s *Service) batchProducts(ctx context.Context, ids []string) (map[string]*productv1.Product, error) {
	res, err := s.products.BatchGetProducts(ctx, connect.NewRequest(&productv1.BatchGetProductsRequest{ProductIds: ids}))
	if err != nil {
		return nil, rpcerr.Upstream(ctx, s.logger, "ProductService.BatchGetProducts", err, ReasonProductUnavailable, productUnavailable)
	}
	out := make(map[string]*productv1.Product, len(res.Msg.GetProducts()))
	for _, p := range res.Msg.GetProducts() {
		out[p.GetProductId()] = p
	}
	return out, nil
}

func onSale(p *productv1.Product) bool {
	return p.GetStatus() == productv1.ProductStatus_PRODUCT_STATUS_ON_SALE
}
