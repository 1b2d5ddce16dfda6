package order

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	orderv1 "mall/gen/mall/order/v1"
	"mall/gen/mall/order/v1/orderv1connect"
	"mall/gen/mall/product/v1/productv1connect"
	"mall/gen/mall/seckill/v1/seckillv1connect"
	"mall/services/platform/auth"
	"mall/services/platform/rpcclient"
	"mall/services/platform/rpcerr"
	"mall/services/platform/server"
	"mall/services/platform/testenv"
)

func flashInputs(eventID string, users ...int) []*orderv1.FlashSaleOrderInput {
	deadline := timestamppb.New(time.Now().Add(10 * time.Minute).Truncate(time.Microsecond))
	out := make([]*orderv1.FlashSaleOrderInput, len(users))
	for i, u := range users {
		out[i] = &orderv1.FlashSaleOrderInput{Ticket: fmt.Sprintf("%s.t%d", eventID, u), SeckillEventId: eventID,
			UserId: fmt.Sprintf("u-flash-%04d", u), ProductId: "p0001", UnitPriceCents: 990, Quantity: 1,
			AcceptedAt: timestamppb.Now(), PaymentDeadline: deadline, Title: "龙井 flash", ImageUrl: "/img/p.svg", CategoryId: "c01",
			ShippingAddress: &orderv1.ShippingAddress{RecipientName: fmt.Sprintf("买家 %d", u), Phone: "13800138000", Province: "浙江",
				City: "杭州", Detail: "文三路 1 号"}}
	}
	return out
}

func seq(from, to int) []int {
	var out []int
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

func TestCreateFlashSaleOrdersIsOneIdempotentBatch(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	client := f.clients["grpc"]
	eventID := "ev-" + testenv.RandomID(4)
	batch := flashInputs(eventID, seq(0, 500)...)
	batch = append(batch, flashInputs(eventID, 7)...) // a duplicate record in the batch
	res, err := client.CreateFlashSaleOrders(ctx, testenv.Bearer(f.service, &orderv1.CreateFlashSaleOrdersRequest{Orders: batch}))
	if err != nil {
		t.Fatal(err)
	}
	results := res.Msg.GetResults()
	if len(results) != 501 {
		t.Fatalf("%d results", len(results))
	}
	createdCount := 0
	for i, r := range results {
		if r.GetTicket() != batch[i].GetTicket() || r.GetOrderId() != FlashOrderID(eventID, batch[i].GetUserId()) {
			t.Fatalf("result %d %v", i, r)
		}
		if r.GetCreated() {
			createdCount++
		}
	}
	if createdCount != 500 || results[500].GetCreated() || results[500].GetOrderId() != results[7].GetOrderId() {
		t.Fatalf("created %d; duplicate %v", createdCount, results[500])
	}
	// The same batch again creates nothing and names the same orders.
	again, err := client.CreateFlashSaleOrders(ctx, testenv.Bearer(f.service, &orderv1.CreateFlashSaleOrdersRequest{Orders: batch}))
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range again.Msg.GetResults() {
		if r.GetCreated() || r.GetOrderId() != results[i].GetOrderId() {
			t.Fatalf("replay %d %v", i, r)
		}
	}
	// The buyer sees a complete order.
	buyer := testenv.Token(t, f.keys, "u-flash-0003", "user")
	got, err := client.GetOrder(ctx, testenv.Bearer(buyer, &orderv1.GetOrderRequest{OrderId: results[3].GetOrderId()}))
	if err != nil {
		t.Fatal(err)
	}
	o := got.Msg.GetOrder()
	if o.GetKind() != orderv1.OrderKind_ORDER_KIND_FLASH_SALE || o.GetStatus() != orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT ||
		o.GetTotalCents() != 990 || o.GetSeckillEventId() != eventID || len(o.GetLines()) != 1 || o.GetLines()[0].GetTitle() != "龙井 flash" ||
		!o.GetPaymentDeadline().AsTime().Equal(batch[3].GetPaymentDeadline().AsTime()) || len(o.GetHistory()) != 1 {
		t.Fatalf("order %v", o)
	}
	// It ships to the address the purchase resolved, and its paid units
	// will be the reservation named by the order id.
	if a := o.GetShippingAddress(); a.GetRecipientName() != "买家 3" || a.GetCity() != "杭州" || a.GetDetail() != "文三路 1 号" ||
		o.GetReservationId() != o.GetOrderId() {
		t.Fatalf("address %v, reservation %q", a, o.GetReservationId())
	}
	listed, err := client.ListOrdersInternal(ctx, testenv.Bearer(f.service, &orderv1.ListOrdersInternalRequest{SeckillEventId: eventID, PageSize: 1000}))
	if err != nil || len(listed.Msg.GetOrders()) != 500 {
		t.Fatalf("listed %d %v", len(listed.Msg.GetOrders()), err)
	}
	// Users cannot call it.
	_, err = client.CreateFlashSaleOrders(ctx, testenv.Bearer(buyer, &orderv1.CreateFlashSaleOrdersRequest{Orders: batch[:1]}))
	testenv.WantCode(t, err, connect.CodePermissionDenied, "")
}

// Two writers with overlapping batches (as after a rebalance) at once:
// one order and one creation entry per purchase.
func TestOverlappingFlashBatchesCreateEachOrderOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	eventID := "ev-" + testenv.RandomID(4)
	var wg sync.WaitGroup
	createdBy := make([]int, 4)
	for w := range 4 {
		wg.Go(func() {
			for round := range 5 {
				from := round*100 + w*25 // overlapping windows of 150
				res, err := f.svc.CreateFlashSaleOrders(ctx, connect.NewRequest(&orderv1.CreateFlashSaleOrdersRequest{
					Orders: flashInputs(eventID, seq(from, from+150)...)}))
				if err != nil {
					t.Error(err)
					return
				}
				for _, r := range res.Msg.GetResults() {
					if r.GetCreated() {
						createdBy[w]++
					}
				}
			}
		})
	}
	wg.Wait()
	total := 0
	for _, n := range createdBy {
		total += n
	}
	orders, err := f.db.NewSelect().Table("orders").Where("seckill_event_id = ?", eventID).Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var entries int
	if err := f.db.NewSelect().Table("order_status_history").ColumnExpr("COUNT(*)").
		Where("order_id IN (SELECT id FROM orders WHERE seckill_event_id = ?)", eventID).Scan(ctx, &entries); err != nil {
		t.Fatal(err)
	}
	if orders != 625 || total != 625 || entries != 625 {
		t.Fatalf("orders %d, reported created %d, history entries %d (want 625 each)", orders, total, entries)
	}
}

// TestAFlashCancelTheCatalogCannotTakeChangesNothing: when the catalog
// cannot release a flash order's units (here it answers unimplemented: the
// internal URL reaches a process without the product service), the buyer
// gets unavailable UPSTREAM_UNAVAILABLE with the order service's own
// message, and the order stays unpaid.
func TestAFlashCancelTheCatalogCannotTakeChangesNothing(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	eventID := "ev-" + testenv.RandomID(4)
	in := flashInputs(eventID, 1)
	res, err := f.clients["grpc"].CreateFlashSaleOrders(ctx, testenv.Bearer(f.service, &orderv1.CreateFlashSaleOrdersRequest{Orders: in}))
	if err != nil {
		t.Fatal(err)
	}
	orderID := res.Msg.GetResults()[0].GetOrderId()
	buyer := f.token(t, in[0].GetUserId(), auth.RoleUser)

	withoutCatalog := testenv.Serve(t, server.Options{}, func(*server.Server) {})
	misrouted := *f.svc
	misrouted.flash = FlashSaleClients{
		Products: productv1connect.NewProductServiceClient(rpcclient.HTTPClient(), withoutCatalog, connect.WithGRPC()),
		Seckill:  seckillv1connect.NewSeckillServiceClient(rpcclient.HTTPClient(), withoutCatalog, connect.WithGRPC()),
	}
	url := testenv.Serve(t, server.Options{Authenticator: auth.NewAuthenticator(f.keys, nil)}, func(srv *server.Server) {
		srv.Mount(orderv1connect.NewOrderServiceHandler(&misrouted, srv.HandlerOptions()...))
	})
	client := orderv1connect.NewOrderServiceClient(http.DefaultClient, url, connect.WithProtoJSON())
	_, err = client.CancelOrder(ctx, testenv.Bearer(buyer, &orderv1.CancelOrderRequest{OrderId: orderID}))
	var connectErr *connect.Error
	if connect.CodeOf(err) != connect.CodeUnavailable || rpcerr.Reason(err) != ReasonUpstreamUnavailable ||
		!errors.As(err, &connectErr) || connectErr.Message() != "the order could not be cancelled right now; try again" {
		t.Fatalf("cancel: %v (reason %q), want unavailable %s", err, rpcerr.Reason(err), ReasonUpstreamUnavailable)
	}
	got, err := f.clients["grpc"].GetOrder(ctx, testenv.Bearer(buyer, &orderv1.GetOrderRequest{OrderId: orderID}))
	if err != nil || got.Msg.GetOrder().GetStatus() != orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT || len(got.Msg.GetOrder().GetHistory()) != 1 {
		t.Fatalf("after the refused cancel: %v %v", got, err)
	}
}

// A flash sale's dashboard counts its orders and units by status: only
// that sale's, and only for services.
func TestCountFlashSaleOrdersGroupsOneSaleByStatus(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	client := f.clients["grpc"]
	eventID, other := "ev-"+testenv.RandomID(4), "ev-"+testenv.RandomID(4)
	batch := append(flashInputs(eventID, seq(0, 6)...), flashInputs(other, 1, 2)...)
	batch[5].Quantity = 3
	res, err := client.CreateFlashSaleOrders(ctx, testenv.Bearer(f.service, &orderv1.CreateFlashSaleOrdersRequest{Orders: batch}))
	if err != nil {
		t.Fatal(err)
	}
	ids := res.Msg.GetResults()
	f.transition(t, client, ids[0].GetOrderId(), orderv1.OrderStatus_ORDER_STATUS_PAID, "paid")
	f.transition(t, client, ids[1].GetOrderId(), orderv1.OrderStatus_ORDER_STATUS_PAID, "paid")
	f.transition(t, client, ids[5].GetOrderId(), orderv1.OrderStatus_ORDER_STATUS_CANCELLED, "payment deadline passed")
	counted, err := client.CountFlashSaleOrders(ctx, testenv.Bearer(f.service, &orderv1.CountFlashSaleOrdersRequest{SeckillEventId: eventID}))
	if err != nil {
		t.Fatal(err)
	}
	got := map[orderv1.OrderStatus][2]int64{}
	for _, c := range counted.Msg.GetCounts() {
		got[c.GetStatus()] = [2]int64{c.GetOrders(), c.GetUnits()}
	}
	want := map[orderv1.OrderStatus][2]int64{
		orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT: {3, 3},
		orderv1.OrderStatus_ORDER_STATUS_PAID:            {2, 2},
		orderv1.OrderStatus_ORDER_STATUS_CANCELLED:       {1, 3},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("counts %v, want %v", got, want)
	}
	none, err := client.CountFlashSaleOrders(ctx, testenv.Bearer(f.service, &orderv1.CountFlashSaleOrdersRequest{SeckillEventId: "ev-none"}))
	if err != nil || len(none.Msg.GetCounts()) != 0 {
		t.Fatalf("unknown sale: %v %v", none, err)
	}
	buyer := testenv.Token(t, f.keys, "u-flash-0001", "user")
	_, err = client.CountFlashSaleOrders(ctx, testenv.Bearer(buyer, &orderv1.CountFlashSaleOrdersRequest{SeckillEventId: eventID}))
	testenv.WantCode(t, err, connect.CodePermissionDenied, "")
}
