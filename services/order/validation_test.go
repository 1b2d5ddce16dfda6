package order

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	orderv1 "mall/gen/mall/order/v1"
	"mall/services/platform/testenv"
)

// The order service's contract rules, as every server enforces them before
// a handler runs: each request either passes or breaks exactly the rules
// named, so a contract change that drops or loosens one fails here.
func TestOrderContractRules(t *testing.T) {
	deadline := timestamppb.New(time.Date(2026, 11, 28, 8, 15, 0, 0, time.UTC))
	address := func(edit func(*orderv1.ShippingAddress)) *orderv1.ShippingAddress {
		a := &orderv1.ShippingAddress{RecipientName: "张三", Phone: "13800138000", Province: "浙江", City: "杭州", Detail: "文三路 1 号"}
		if edit != nil {
			edit(a)
		}
		return a
	}
	line := func(edit func(*orderv1.OrderLineInput)) *orderv1.OrderLineInput {
		l := &orderv1.OrderLineInput{ProductId: "p1", CategoryId: "c01", Title: "龙井茶", UnitPriceCents: 12900, Quantity: 1}
		if edit != nil {
			edit(l)
		}
		return l
	}
	create := func(edit func(*orderv1.CreateOrderRequest)) *orderv1.CreateOrderRequest {
		r := &orderv1.CreateOrderRequest{OrderId: "o-1", UserId: "u-1", Lines: []*orderv1.OrderLineInput{line(nil)},
			ShippingAddress: address(nil), ReservationId: "r-1", PaymentDeadline: deadline}
		if edit != nil {
			edit(r)
		}
		return r
	}
	cart := func(requestID string, ids ...string) *orderv1.CheckoutRequest {
		return &orderv1.CheckoutRequest{RequestId: requestID, AddressId: "a-home",
			Items: &orderv1.CheckoutRequest_Cart{Cart: &orderv1.CartSelection{ProductIds: ids}}}
	}
	buyNow := func(quantity int32) *orderv1.CheckoutRequest {
		return &orderv1.CheckoutRequest{RequestId: "req-12345678", AddressId: "a-home",
			Items: &orderv1.CheckoutRequest_BuyNow{BuyNow: &orderv1.BuyNowItem{ProductId: "p1", Quantity: quantity}}}
	}
	flash := func(edit func(*orderv1.FlashSaleOrderInput)) *orderv1.CreateFlashSaleOrdersRequest {
		in := &orderv1.FlashSaleOrderInput{Ticket: "ev-1.0123456789abcdef.a1", SeckillEventId: "ev-1", UserId: "u-1", ProductId: "p1",
			UnitPriceCents: 9900, Quantity: 1, AcceptedAt: deadline, PaymentDeadline: deadline}
		if edit != nil {
			edit(in)
		}
		return &orderv1.CreateFlashSaleOrdersRequest{Orders: []*orderv1.FlashSaleOrderInput{in}}
	}
	manyIDs := make([]string, 101)
	for i := range manyIDs {
		manyIDs[i] = fmt.Sprintf("p%d", i)
	}
	const (
		pending   = orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT
		paid      = orderv1.OrderStatus_ORDER_STATUS_PAID
		cancelled = orderv1.OrderStatus_ORDER_STATUS_CANCELLED
	)
	for _, c := range []struct {
		name string
		msg  proto.Message
		want []string
	}{
		{"check out the cart", cart("req-12345678", "p1", "p2"), nil},
		{"buy now", buyNow(99), nil},
		{"a request id too short", cart("short", "p1"), []string{"request_id string.pattern"}},
		{"a request id with spaces", cart("has spaces in it", "p1"), []string{"request_id string.pattern"}},
		{"a request id too long", cart(strings.Repeat("r", 65), "p1"), []string{"request_id string.pattern"}},
		{"nothing to buy", &orderv1.CheckoutRequest{RequestId: "req-12345678", AddressId: "a-home"}, []string{"items required"}},
		{"no address", &orderv1.CheckoutRequest{RequestId: "req-12345678", Items: &orderv1.CheckoutRequest_BuyNow{BuyNow: &orderv1.BuyNowItem{ProductId: "p1", Quantity: 1}}},
			[]string{"address_id string.min_len"}},
		{"an empty cart selection", cart("req-12345678"), []string{"cart.product_ids repeated.min_items"}},
		{"a product selected twice", cart("req-12345678", "p1", "p1"), []string{"cart.product_ids repeated.unique"}},
		{"too many products selected", cart("req-12345678", manyIDs...), []string{"cart.product_ids repeated.max_items"}},
		{"buy none now", buyNow(0), []string{"buy_now.quantity int32.gte_lte"}},
		{"buy too many now", buyNow(100), []string{"buy_now.quantity int32.gte_lte"}},

		{"list orders", &orderv1.ListOrdersRequest{Statuses: []orderv1.OrderStatus{pending, paid}, PageSize: 100}, nil},
		{"a page too big", &orderv1.ListOrdersRequest{PageSize: 101}, []string{"page_size int32.gte_lte"}},
		{"list an unspecified status", &orderv1.ListOrdersRequest{Statuses: []orderv1.OrderStatus{0}}, []string{"statuses[0] enum.not_in"}},
		{"list an unknown status", &orderv1.ListOrdersRequest{Statuses: []orderv1.OrderStatus{42}}, []string{"statuses[0] enum.defined_only"}},
		{"list a status twice", &orderv1.ListOrdersRequest{Statuses: []orderv1.OrderStatus{paid, paid}}, []string{"statuses repeated.unique"}},
		{"a page token too long", &orderv1.ListOrdersRequest{PageToken: strings.Repeat("9", 513)}, []string{"page_token string.max_len"}},
		{"list the orders with a refund", &orderv1.ListOrdersRequest{WithRefund: true, Statuses: []orderv1.OrderStatus{paid}}, nil},
		{"count orders", &orderv1.CountOrdersRequest{}, nil},
		{"an internal page of 1000", &orderv1.ListOrdersInternalRequest{PageSize: 1000}, nil},
		{"an internal page too big", &orderv1.ListOrdersInternalRequest{PageSize: 1001}, []string{"page_size int32.gte_lte"}},
		{"an unknown kind", &orderv1.ListOrdersInternalRequest{Kind: 9}, []string{"kind enum.defined_only"}},

		{"cancel", &orderv1.CancelOrderRequest{OrderId: "o-1", Reason: "changed my mind"}, nil},
		{"a cancel reason too long", &orderv1.CancelOrderRequest{OrderId: "o-1", Reason: strings.Repeat("r", 201)}, []string{"reason string.max_len"}},
		{"cancel no order", &orderv1.CancelOrderRequest{}, []string{"order_id string.min_len"}},
		{"ship without tracking", &orderv1.ShipOrderRequest{OrderId: "o-1", Carrier: "SF"}, []string{"tracking_number string.min_len"}},

		{"create an order", create(nil), nil},
		{"create an order of no lines", create(func(r *orderv1.CreateOrderRequest) { r.Lines = nil }), []string{"lines repeated.min_items"}},
		{"create an order of 101 lines", create(func(r *orderv1.CreateOrderRequest) {
			r.Lines = slices.Repeat([]*orderv1.OrderLineInput{line(nil)}, 101)
		}), []string{"lines repeated.max_items"}},
		{"a line of none", create(func(r *orderv1.CreateOrderRequest) { r.Lines[0].Quantity = 0 }), []string{"lines[0].quantity int32.gte_lte"}},
		{"a line of too many", create(func(r *orderv1.CreateOrderRequest) { r.Lines[0].Quantity = 10001 }), []string{"lines[0].quantity int32.gte_lte"}},
		{"a negative price", create(func(r *orderv1.CreateOrderRequest) { r.Lines[0].UnitPriceCents = -1 }), []string{"lines[0].unit_price_cents int64.gte_lte"}},
		{"a price past the cap", create(func(r *orderv1.CreateOrderRequest) { r.Lines[0].UnitPriceCents = 100_000_000_001 }),
			[]string{"lines[0].unit_price_cents int64.gte_lte"}},
		{"a title too long", create(func(r *orderv1.CreateOrderRequest) { r.Lines[0].Title = strings.Repeat("茶", 201) }), []string{"lines[0].title string.max_len"}},
		{"an order without an address", create(func(r *orderv1.CreateOrderRequest) { r.ShippingAddress = nil }), []string{"shipping_address required"}},
		{"an address with a bad phone", create(func(r *orderv1.CreateOrderRequest) { r.ShippingAddress.Phone = "12345" }),
			[]string{"shipping_address.phone string.pattern"}},
		{"no payment deadline", create(func(r *orderv1.CreateOrderRequest) { r.PaymentDeadline = nil }), []string{"payment_deadline required"}},
		{"no reservation", create(func(r *orderv1.CreateOrderRequest) { r.ReservationId = "" }), []string{"reservation_id string.min_len"}},

		{"transition", &orderv1.TransitionOrderRequest{OrderId: "o-1", ToStatus: cancelled, Reason: "expired", FromStatuses: []orderv1.OrderStatus{pending}}, nil},
		{"transition to unspecified", &orderv1.TransitionOrderRequest{OrderId: "o-1", Reason: "x"}, []string{"to_status enum.not_in"}},
		{"transition without a reason", &orderv1.TransitionOrderRequest{OrderId: "o-1", ToStatus: paid}, []string{"reason string.min_len"}},
		{"transition with its cause", &orderv1.TransitionOrderRequest{OrderId: "o-1", ToStatus: cancelled, Reason: "expired",
			Cause: orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_PAYMENT_EXPIRED}, nil},
		{"transition for an unknown cause", &orderv1.TransitionOrderRequest{OrderId: "o-1", ToStatus: cancelled, Reason: "x", Cause: 99},
			[]string{"cause enum.defined_only"}},
		{"record a refused refund", &orderv1.RecordRefundRefusedRequest{OrderId: "o-1"}, nil},
		{"record a refused refund of no order", &orderv1.RecordRefundRefusedRequest{}, []string{"order_id string.min_len"}},
		{"guard on an unknown status", &orderv1.TransitionOrderRequest{OrderId: "o-1", ToStatus: paid, Reason: "x", FromStatuses: []orderv1.OrderStatus{77}},
			[]string{"from_statuses[0] enum.defined_only"}},

		{"flash-sale orders", flash(nil), nil},
		{"no flash-sale orders", &orderv1.CreateFlashSaleOrdersRequest{}, []string{"orders repeated.min_items"}},
		{"a flash-sale order of 101", flash(func(in *orderv1.FlashSaleOrderInput) { in.Quantity = 101 }), []string{"orders[0].quantity int32.gte_lte"}},
		{"a flash-sale order never accepted", flash(func(in *orderv1.FlashSaleOrderInput) { in.AcceptedAt = nil }), []string{"orders[0].accepted_at required"}},
		{"a flash-sale order without a ticket", flash(func(in *orderv1.FlashSaleOrderInput) { in.Ticket = "" }), []string{"orders[0].ticket string.min_len"}},
	} {
		t.Run(c.name, func(t *testing.T) { testenv.WantViolations(t, c.msg, c.want...) })
	}
}
