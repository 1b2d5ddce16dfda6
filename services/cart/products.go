package cart

import (
	"context"

	"connectrpc.com/connect"

	productv1 "mall/gen/mall/product/v1"
)

// product fetches one product; nil (and no error) when it does not exist.
// Any other failure of the product service is unavailable: its own codes
// (and texts) are not passed through to the cart's callers.
func (s *Service) product(ctx context.Context, id string) (*productv1.Product, error) {
	res, err := s.products.GetProduct(ctx, connect.NewRequest(&productv1.GetProductRequest{ProductId: id}))
	if connect.CodeOf(err) == connect.CodeNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, s.dependencyError(ctx, "GetProduct", err)
	}
	return res.Msg.GetProduct(), nil
}

// batchProducts fetches products by id in one call; ids that do not exist
// are absent from the map.
func (s *Service) batchProducts(ctx context.Context, ids []string) (map[string]*productv1.Product, error) {
	res, err := s.products.BatchGetProducts(ctx, connect.NewRequest(&productv1.BatchGetProductsRequest{ProductIds: ids}))
	if err != nil {
		return nil, s.dependencyError(ctx, "BatchGetProducts", err)
	}
	out := make(map[string]*productv1.Product, len(res.Msg.GetProducts()))
	for _, p := range res.Msg.GetProducts() {
		out[p.GetProductId()] = p
	}
	return out, nil
}

func (s *Service) dependencyError(ctx context.Context, call string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr // the caller went away; the sanitizer keeps its meaning
	}
	s.logger.WarnContext(ctx, "product service call failed", "call", call, "code", connect.CodeOf(err).String(), "err", err)
	return errProductUnavailable()
}

func onSale(p *productv1.Product) bool {
	return p.GetStatus() == productv1.ProductStatus_PRODUCT_STATUS_ON_SALE
}
