package storefront

import (
	"strings"

	"mall/gen/mall/product/v1/productv1connect"
	"mall/gen/mall/review/v1/reviewv1connect"
	"mall/gen/mall/seckill/v1/seckillv1connect"
	"mall/gen/mall/user/v1/userv1connect"
	"mall/services/platform/auth"
	"mall/services/platform/rpcclient"
)

// Upstreams are the services the storefront aggregates. Storefront owns no
// data: every part of a page comes from one of these clients.
type Upstreams struct {
	Product productv1connect.ProductServiceClient
	Seckill seckillv1connect.SeckillServiceClient
	User    userv1connect.UserServiceClient
	Review  reviewv1connect.ReviewServiceClient
}

// NewUpstreams builds the clients for services reachable at baseURL: the
// gRPC protocol over h2c with the storefront's service credential, so the
// internal RPCs (favorites on behalf of the verified caller) are allowed.
func NewUpstreams(baseURL string, keys *auth.Keys) Upstreams {
	baseURL = strings.TrimRight(baseURL, "/")
	httpClient := rpcclient.HTTPClient()
	opts := rpcclient.NewServiceCredential(keys, "storefront").Options()
	return Upstreams{
		Product: productv1connect.NewProductServiceClient(httpClient, baseURL, opts...),
		Seckill: seckillv1connect.NewSeckillServiceClient(httpClient, baseURL, opts...),
		User:    userv1connect.NewUserServiceClient(httpClient, baseURL, opts...),
		Review:  reviewv1connect.NewReviewServiceClient(httpClient, baseURL, opts...),
	}
}
