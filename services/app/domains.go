// Package app wires the domains onto the platform: which services exist,
// which database each owns, and how each handler is built. It is the only
// place that knows every domain.
package app

import (
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"slices"
	"strings"

	"connectrpc.com/connect"
	"github.com/uptrace/bun"

	"mall/gen/mall/cart/v1/cartv1connect"
	"mall/gen/mall/order/v1/orderv1connect"
	"mall/gen/mall/pay/v1/payv1connect"
	"mall/gen/mall/product/v1/productv1connect"
	"mall/gen/mall/review/v1/reviewv1connect"
	"mall/gen/mall/seckill/v1/seckillv1connect"
	"mall/gen/mall/storefront/v1/storefrontv1connect"
	"mall/gen/mall/user/v1/userv1connect"
	"mall/services/cart"
	"mall/services/order"
	"mall/services/pay"
	"mall/services/product"
	"mall/services/review"
	"mall/services/seckill"
	"mall/services/storefront"
	"mall/services/user"
)

// Domain is one service of the mall.
type Domain struct {
	Name       string // short name: "product"; its database is <prefix><Name>
	Service    string // fully-qualified protobuf service name
	Migrations fs.FS  // nil when the domain owns no database
	Mount      func(deps *Deps, opts ...connect.HandlerOption) (string, http.Handler)
	Seed       func(ctx context.Context, db *bun.DB) error // demo data; nil when the domain has none
}

// Domains lists every service in a stable order.
func Domains() []Domain {
	return []Domain{
		{Name: "user", Service: userv1connect.UserServiceName, Migrations: user.Migrations(),
			Mount: func(_ *Deps, opts ...connect.HandlerOption) (string, http.Handler) {
				return userv1connect.NewUserServiceHandler(user.NewHandler(), opts...)
			}},
		{Name: "product", Service: productv1connect.ProductServiceName, Migrations: product.Migrations(),
			Mount: func(_ *Deps, opts ...connect.HandlerOption) (string, http.Handler) {
				return productv1connect.NewProductServiceHandler(product.NewHandler(), opts...)
			}},
		{Name: "cart", Service: cartv1connect.CartServiceName, Migrations: cart.Migrations(),
			Mount: func(_ *Deps, opts ...connect.HandlerOption) (string, http.Handler) {
				return cartv1connect.NewCartServiceHandler(cart.NewHandler(), opts...)
			}},
		{Name: "order", Service: orderv1connect.OrderServiceName, Migrations: order.Migrations(),
			Mount: func(_ *Deps, opts ...connect.HandlerOption) (string, http.Handler) {
				return orderv1connect.NewOrderServiceHandler(order.NewHandler(), opts...)
			}},
		{Name: "pay", Service: payv1connect.PayServiceName, Migrations: pay.Migrations(),
			Mount: func(_ *Deps, opts ...connect.HandlerOption) (string, http.Handler) {
				return payv1connect.NewPayServiceHandler(pay.NewHandler(), opts...)
			}},
		{Name: "seckill", Service: seckillv1connect.SeckillServiceName, Migrations: seckill.Migrations(),
			Mount: func(_ *Deps, opts ...connect.HandlerOption) (string, http.Handler) {
				return seckillv1connect.NewSeckillServiceHandler(seckill.NewHandler(), opts...)
			}},
		{Name: "review", Service: reviewv1connect.ReviewServiceName, Migrations: review.Migrations(),
			Mount: func(_ *Deps, opts ...connect.HandlerOption) (string, http.Handler) {
				return reviewv1connect.NewReviewServiceHandler(review.NewHandler(), opts...)
			}},
		{Name: "storefront", Service: storefrontv1connect.StorefrontServiceName,
			Mount: func(_ *Deps, opts ...connect.HandlerOption) (string, http.Handler) {
				return storefrontv1connect.NewStorefrontServiceHandler(storefront.NewHandler(), opts...)
			}},
	}
}

// Select returns the domains named in list ("all" or short names).
func Select(list []string) ([]Domain, error) {
	all := Domains()
	if len(list) == 0 || (len(list) == 1 && list[0] == "all") {
		return all, nil
	}
	var selected []Domain
	for _, name := range list {
		name = strings.TrimSpace(name)
		i := slices.IndexFunc(all, func(d Domain) bool { return d.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("unknown service %q (known: %s)", name, strings.Join(Names(all), ", "))
		}
		if !slices.ContainsFunc(selected, func(d Domain) bool { return d.Name == name }) {
			selected = append(selected, all[i])
		}
	}
	return selected, nil
}

// Names returns the short names of domains.
func Names(domains []Domain) []string {
	names := make([]string, len(domains))
	for i, d := range domains {
		names[i] = d.Name
	}
	return names
}
