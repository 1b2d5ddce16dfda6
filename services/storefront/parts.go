package storefront

import (
	"context"
	"time"

	"google.golang.org/protobuf/proto"

	productv1 "mall/gen/mall/product/v1"
)

// within runs call under its own deadline d (never later than parent's).
func within[T any](parent context.Context, d time.Duration, call func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(parent, d)
	defer cancel()
	return call(ctx)
}

// card is a product as a list shows it: everything but the long description,
// which only the product page needs (it is most of a product's bytes).
func card(p *productv1.Product) *productv1.Product {
	if p.GetDescription() == "" {
		return p
	}
	c := proto.CloneOf(p)
	c.Description = ""
	return c
}

func cards(products []*productv1.Product) []*productv1.Product {
	out := make([]*productv1.Product, len(products))
	for i, p := range products {
		out[i] = card(p)
	}
	return out
}

func rankingCards(entries []*productv1.RankingEntry) []*productv1.RankingEntry {
	out := make([]*productv1.RankingEntry, len(entries))
	for i, e := range entries {
		if e.GetProduct().GetDescription() == "" {
			out[i] = e
			continue
		}
		out[i] = &productv1.RankingEntry{Rank: e.GetRank(), Product: card(e.GetProduct()), Score: e.GetScore()}
	}
	return out
}
