package order

import (
	"context"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	orderv1 "mall/gen/mall/order/v1"
	"mall/services/platform/testenv"
)

// fullWidth spells s's ASCII letters and digits in their full-width forms
// ("a1" → "ａ１"), which a case- and width-insensitive collation equates.
func fullWidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '!' && r <= '~' && r != '-' {
			return r + 0xFEE0
		}
		return r
	}, s)
}

// An order id spelled in another case or in full-width characters names no
// order: the console's lookups and actions answer not_found and change
// nothing (a lookup that matched it would act on the order under a
// spelling its sagas and the audit log do not know: MarkDelivered would
// signal a checkout workflow that does not exist and the order would never
// complete by itself).
func TestAnOrderIDSpelledOtherwiseNamesNoOrder(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	client := f.clients["connect-json"]
	userID, userToken := f.user(t)
	orderID := "ord-" + testenv.RandomID(8) + "-abc"
	f.createOrder(t, client, userID, orderID)
	f.transition(t, client, orderID, orderv1.OrderStatus_ORDER_STATUS_PAID, "paid")

	for _, spelling := range []string{strings.ToUpper(orderID), fullWidth(orderID), orderID + " "} {
		checks := map[string]error{}
		_, checks["AdminGetOrder"] = client.AdminGetOrder(ctx, testenv.Bearer(f.admin, &orderv1.AdminGetOrderRequest{OrderId: spelling}))
		_, checks["ShipOrder"] = client.ShipOrder(ctx, testenv.Bearer(f.admin, &orderv1.ShipOrderRequest{OrderId: spelling, Carrier: "SF", TrackingNumber: "SF1"}))
		_, checks["AdminCancelOrder"] = client.AdminCancelOrder(ctx, testenv.Bearer(f.admin, &orderv1.AdminCancelOrderRequest{OrderId: spelling, Reason: "slip"}))
		_, checks["GetOrder"] = client.GetOrder(ctx, testenv.Bearer(userToken, &orderv1.GetOrderRequest{OrderId: spelling}))
		for name, err := range checks {
			if connect.CodeOf(err) != connect.CodeNotFound {
				t.Errorf("%s(%q): %v, want not_found", name, spelling, err)
			}
		}
		res, err := client.AdminListOrders(ctx, testenv.Bearer(f.admin, &orderv1.AdminListOrdersRequest{OrderId: spelling}))
		if err != nil {
			t.Fatal(err)
		}
		if n := len(res.Msg.GetOrders()); n != 0 {
			t.Errorf("AdminListOrders(order_id %q): %d orders, want none", spelling, n)
		}
	}
	res, err := client.AdminGetOrder(ctx, testenv.Bearer(f.admin, &orderv1.AdminGetOrderRequest{OrderId: orderID}))
	if err != nil {
		t.Fatal(err)
	}
	if o := res.Msg.GetOrder(); o.GetStatus() != orderv1.OrderStatus_ORDER_STATUS_PAID || o.GetRefundState() != orderv1.RefundState_REFUND_STATE_UNSPECIFIED {
		t.Errorf("the order is %v (refund %v) after the misspelt actions, want PAID untouched", o.GetStatus(), o.GetRefundState())
	}
}

// The console's order listing refuses what it cannot mean with
// invalid_argument, never internal: creation times no timestamp can say,
// cursors that are not its own, sizes past its limit.
func TestAdminListOrdersRefusesBadInput(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	client := f.clients["grpc"] // binary: JSON cannot even spell an invalid timestamp
	bad := map[string]*orderv1.AdminListOrdersRequest{
		"created_after past year 9999":      {CreatedAfter: &timestamppb.Timestamp{Seconds: 1e15}},
		"created_before before year 1":      {CreatedBefore: &timestamppb.Timestamp{Seconds: -1e15}},
		"created_after with negative nanos": {CreatedAfter: &timestamppb.Timestamp{Seconds: 1, Nanos: -1}},
		"created_before before after":       {CreatedAfter: timestamppb.Now(), CreatedBefore: &timestamppb.Timestamp{Seconds: 1}},
		"page size above 100":               {PageSize: 101},
		"cursor not a number":               {PageToken: "abc"},
		"cursor negative":                   {PageToken: "-5"},
		"cursor past int64":                 {PageToken: "99999999999999999999"},
		"huge cursor":                       {PageToken: strings.Repeat("9", 513)},
		"huge user id":                      {UserId: strings.Repeat("u", 65)},
	}
	for name, req := range bad {
		_, err := client.AdminListOrders(ctx, testenv.Bearer(f.admin, req))
		if connect.CodeOf(err) != connect.CodeInvalidArgument {
			t.Errorf("AdminListOrders with %s: %v, want invalid_argument", name, err)
		}
	}
}
