package app_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"connectrpc.com/connect"

	orderv1 "mall/gen/mall/order/v1"
	"mall/gen/mall/order/v1/orderv1connect"
	seckillv1 "mall/gen/mall/seckill/v1"
	"mall/gen/mall/seckill/v1/seckillv1connect"
	"mall/services/platform/auth"
	"mall/services/platform/rpcclient"
	"mall/services/platform/testenv"
)

// A buyer follows a flash-sale purchase and then its order with the two
// streams, over the Connect protocol on HTTP/1.1 through the whole server
// (authentication, the public cache, the request limits, the access log):
// the purchase's stream ends with the order the writer made, the order's
// ends when the buyer's cancel makes it CANCELLED.
func TestFlashSaleBuyerFollowsPurchaseAndOrderByStreams(t *testing.T) {
	m := startMallWithWorker(t, time.Hour)
	m.startWriter(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	eventID := m.flashSale(t, seckillv1connect.NewSeckillServiceClient(rpcclient.HTTPClient(), m.url, connect.WithGRPC()), 3)
	seckillClient := seckillv1connect.NewSeckillServiceClient(http.DefaultClient, m.url, connect.WithProtoJSON())
	orderClient := orderv1connect.NewOrderServiceClient(http.DefaultClient, m.url, connect.WithProtoJSON())
	token := testenv.Token(t, m.deps.Keys, "u-streams", auth.RoleUser)
	giveAddresses(t, m.deps, "u-streams")

	bought, err := seckillClient.Purchase(ctx, testenv.Bearer(token, &seckillv1.PurchaseRequest{EventId: eventID}))
	if err != nil {
		t.Fatal(err)
	}
	results, err := seckillClient.WatchPurchaseResult(ctx, testenv.Bearer(token, &seckillv1.WatchPurchaseResultRequest{Ticket: bought.Msg.GetTicket()}))
	if err != nil {
		t.Fatal(err)
	}
	var last *seckillv1.GetPurchaseResultResponse
	for results.Receive() {
		last = results.Msg().GetResult()
		t.Logf("purchase: %v", last.GetState())
	}
	if err := results.Err(); err != nil || last.GetState() != seckillv1.PurchaseState_PURCHASE_STATE_ORDER_CREATED || last.GetOrderId() == "" {
		t.Fatalf("the purchase's stream ended at %v: %v", last, err)
	}

	orders, err := orderClient.WatchOrder(ctx, testenv.Bearer(token, &orderv1.WatchOrderRequest{OrderId: last.GetOrderId()}))
	if err != nil {
		t.Fatal(err)
	}
	if !orders.Receive() || orders.Msg().GetOrder().GetStatus() != orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT {
		t.Fatalf("the order's first message: %v %v", orders.Msg(), orders.Err())
	}
	if _, err := orderClient.CancelOrder(ctx, testenv.Bearer(token, &orderv1.CancelOrderRequest{OrderId: last.GetOrderId()})); err != nil {
		t.Fatal(err)
	}
	if !orders.Receive() || orders.Msg().GetOrder().GetStatus() != orderv1.OrderStatus_ORDER_STATUS_CANCELLED {
		t.Fatalf("after the cancel: %v %v", orders.Msg(), orders.Err())
	}
	if orders.Receive() || orders.Err() != nil {
		t.Fatalf("the order's stream went on after CANCELLED: %v %v", orders.Msg(), orders.Err())
	}
}
