package cart

import (
	"fmt"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	cartv1 "mall/gen/mall/cart/v1"
	"mall/services/platform/testenv"
)

// The cart's contract rules, as every server enforces them before a
// handler runs: each request either passes or breaks exactly the rules
// named, so a contract change that drops or loosens one fails here.
func TestCartContractRules(t *testing.T) {
	ids := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("p%d", i)
		}
		return out
	}
	for _, c := range []struct {
		name string
		msg  proto.Message
		want []string
	}{
		{"add one", &cartv1.AddItemRequest{ProductId: "p1", Quantity: 1}, nil},
		{"add the most", &cartv1.AddItemRequest{ProductId: "p1", Quantity: 99}, nil},
		{"add none", &cartv1.AddItemRequest{ProductId: "p1"}, []string{"quantity int32.gte_lte"}},
		{"add too many", &cartv1.AddItemRequest{ProductId: "p1", Quantity: 100}, []string{"quantity int32.gte_lte"}},
		{"add no product", &cartv1.AddItemRequest{Quantity: 1}, []string{"product_id string.min_len"}},
		{"a product id too long", &cartv1.AddItemRequest{ProductId: strings.Repeat("p", 65), Quantity: 1}, []string{"product_id string.max_len"}},
		{"update to zero (removes)", &cartv1.UpdateItemRequest{ProductId: "p1"}, nil},
		{"update below zero", &cartv1.UpdateItemRequest{ProductId: "p1", Quantity: -1}, []string{"quantity int32.gte_lte"}},
		{"update too many", &cartv1.UpdateItemRequest{ProductId: "p1", Quantity: 100}, []string{"quantity int32.gte_lte"}},
		{"remove some", &cartv1.RemoveItemsRequest{ProductIds: ids(100)}, nil},
		{"remove none", &cartv1.RemoveItemsRequest{}, []string{"product_ids repeated.min_items"}},
		{"remove too many", &cartv1.RemoveItemsRequest{ProductIds: ids(101)}, []string{"product_ids repeated.max_items"}},
		{"remove one twice", &cartv1.RemoveItemsRequest{ProductIds: []string{"p1", "p1"}}, []string{"product_ids repeated.unique"}},
		{"remove an empty id", &cartv1.RemoveItemsRequest{ProductIds: []string{"p1", ""}}, []string{"product_ids[1] string.min_len"}},
		{"select every line", &cartv1.SelectItemsRequest{Selected: true}, nil},
		{"select one twice", &cartv1.SelectItemsRequest{ProductIds: []string{"p1", "p1"}}, []string{"product_ids repeated.unique"}},
		{"items of nobody", &cartv1.GetItemsInternalRequest{}, []string{"user_id string.min_len"}},
		{"remove checked out items of nobody", &cartv1.RemoveCheckedOutItemsRequest{ProductIds: []string{"p1"}}, []string{"user_id string.min_len"}},
		{"remove no checked out items", &cartv1.RemoveCheckedOutItemsRequest{UserId: "u-1"}, []string{"product_ids repeated.min_items"}},
	} {
		t.Run(c.name, func(t *testing.T) { testenv.WantViolations(t, c.msg, c.want...) })
	}
}
