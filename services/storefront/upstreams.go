package storefront

import (
	"net/http"
	"strings"

	"connectrpc.com/connect"

	"mall/gen/mall/product/v1/productv1connect"
	"mall/gen/mall/review/v1/reviewv1connect"
	"mall/gen/mall/seckill/v1/seckillv1connect"
	"mall/gen/mall/user/v1/userv1connect"
)

// Upstreams are the services the storefront aggregates. Storefront owns no
// data: every part of a page comes from one of these clients.
type Upstreams struct {
	Product productv1connect.ProductServiceClient
	Seckill seckillv1connect.SeckillServiceClient
	User    userv1connect.UserServiceClient
	Review  reviewv1connect.ReviewServiceClient
}

// NewUpstreams builds the clients for services reachable at baseURL through
// httpClient, with opts (the platform's: gRPC over h2c with the
// storefront's service credential, so the internal RPCs, favorites on
// behalf of the verified caller, are allowed).
func NewUpstreams(httpClient *http.Client, baseURL string, opts ...connect.ClientOption) Upstreams {
	baseURL = strings.TrimRight(baseURL, "/")
	return Upstreams{
		Product: productv1connect.NewProductServiceClient(httpClient, baseURL, opts...),
		Seckill: seckillv1connect.NewSeckillServiceClient(httpClient, baseURL, opts...),
		User:    userv1connect.NewUserServiceClient(httpClient, baseURL, opts...),
		Review:  reviewv1connect.NewReviewServiceClient(httpClient, baseURL, opts...),
	}
}
