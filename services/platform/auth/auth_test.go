package auth_test

import (
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	_ "mall/gen/mall/cart/v1"
	commonv1 "mall/gen/mall/common/v1"
	_ "mall/gen/mall/ops/v1"
	_ "mall/gen/mall/order/v1"
	_ "mall/gen/mall/pay/v1"
	_ "mall/gen/mall/product/v1"
	_ "mall/gen/mall/review/v1"
	_ "mall/gen/mall/search/v1"
	_ "mall/gen/mall/seckill/v1"
	_ "mall/gen/mall/storefront/v1"
	_ "mall/gen/mall/user/v1"
	"mall/services/platform/auth"
)

// allProcedures walks every mall service in the registry.
func allProcedures(t *testing.T) []string {
	t.Helper()
	var procedures []string
	protoregistry.GlobalFiles.RangeFiles(func(file protoreflect.FileDescriptor) bool {
		if !strings.HasPrefix(string(file.Package()), "mall.") {
			return true
		}
		services := file.Services()
		for i := range services.Len() {
			methods := services.Get(i).Methods()
			for j := range methods.Len() {
				procedures = append(procedures, "/"+string(services.Get(i).FullName())+"/"+string(methods.Get(j).Name()))
			}
		}
		return true
	})
	slices.Sort(procedures)
	if len(procedures) < 50 {
		t.Fatalf("found only %d procedures", len(procedures))
	}
	return procedures
}

func TestEveryProcedureDeclaresItsAccess(t *testing.T) {
	for _, procedure := range allProcedures(t) {
		access, ok := auth.AccessOf(procedure)
		if !ok || access == commonv1.Access_ACCESS_UNSPECIFIED {
			t.Errorf("%s declares no access level", procedure)
		}
	}
}

// publicProcedures is the explicit list of what answers without a token. A
// new public RPC must be added here on purpose.
var publicProcedures = []string{
	"/mall.pay.v1.PayService/ProviderWebhook",
	"/mall.product.v1.ProductService/BatchGetProducts",
	"/mall.product.v1.ProductService/GetProduct",
	"/mall.product.v1.ProductService/GetRanking",
	"/mall.product.v1.ProductService/GetRecommendations",
	"/mall.product.v1.ProductService/ListBanners",
	"/mall.product.v1.ProductService/ListCategories",
	"/mall.product.v1.ProductService/ListProducts",
	"/mall.product.v1.ProductService/SearchProducts",
	"/mall.review.v1.ReviewService/GetReviewSummary",
	"/mall.review.v1.ReviewService/ListReviews",
	"/mall.search.v1.SearchService/GetHotSearches",
	"/mall.search.v1.SearchService/SearchProducts",
	"/mall.search.v1.SearchService/SuggestSearches",
	"/mall.seckill.v1.SeckillService/GetEvent",
	"/mall.seckill.v1.SeckillService/ListEvents",
	"/mall.storefront.v1.StorefrontService/GetHome",
	"/mall.storefront.v1.StorefrontService/GetProductPage",
	"/mall.user.v1.UserService/Login",
	"/mall.user.v1.UserService/Register",
}

func TestPublicProceduresAreExactlyTheListedOnes(t *testing.T) {
	var public []string
	for _, procedure := range allProcedures(t) {
		if access, _ := auth.AccessOf(procedure); access == commonv1.Access_ACCESS_PUBLIC {
			public = append(public, procedure)
		}
	}
	if !slices.Equal(public, publicProcedures) {
		t.Fatalf("public procedures:\n got %v\nwant %v", public, publicProcedures)
	}
}
