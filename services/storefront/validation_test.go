package storefront_test

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	storefrontv1 "mall/gen/mall/storefront/v1"
	"mall/services/platform/testenv"
)

// The storefront's contract rules, as every server enforces them before a
// handler runs: each request either passes or breaks exactly the rules
// named, so a contract change that drops or loosens one fails here.
func TestStorefrontContractRules(t *testing.T) {
	for _, c := range []struct {
		name string
		msg  proto.Message
		want []string
	}{
		{"the home page", &storefrontv1.GetHomeRequest{}, nil},
		{"a product page", &storefrontv1.GetProductPageRequest{ProductId: "p1"}, nil},
		{"the page of no product", &storefrontv1.GetProductPageRequest{}, []string{"product_id string.min_len"}},
		{"a product id too long", &storefrontv1.GetProductPageRequest{ProductId: strings.Repeat("p", 65)}, []string{"product_id string.max_len"}},
	} {
		t.Run(c.name, func(t *testing.T) { testenv.WantViolations(t, c.msg, c.want...) })
	}
}
