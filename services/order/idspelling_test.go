package order

import (
	"context"
	"strings"
	"testing"

	"connectrpc.com/connect"

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
