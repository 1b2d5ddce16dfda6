package order

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	orderv1 "mall/gen/mall/order/v1"
	"mall/gen/mall/order/v1/orderv1connect"
	productv1 "mall/gen/mall/product/v1"
	"mall/gen/mall/product/v1/productv1connect"
	seckillv1 "mall/gen/mall/seckill/v1"
	"mall/gen/mall/seckill/v1/seckillv1connect"
	"mall/services/platform/audit"
	"mall/services/platform/auth"
	"mall/services/platform/rpcclient"
	"mall/services/platform/server"
	"mall/services/platform/testenv"
	"mall/workflows/cancellation"
	"mall/workflows/checkout"
)

// ids lists the order ids of orders, in their order.
func ids(orders []*orderv1.Order) []string {
	out := make([]string, len(orders))
	for i, o := range orders {
		out[i] = o.GetOrderId()
	}
	return out
}

// adminList pages through AdminListOrders with req's filters, size orders a
// page, and returns every order id, newest first.
func (f *fixture) adminList(t *testing.T, client orderv1connect.OrderServiceClient, req *orderv1.AdminListOrdersRequest, size int32) []string {
	t.Helper()
	var all []string
	req = proto.CloneOf(req)
	req.PageSize = size
	for pages := 0; ; pages++ {
		if pages > 50 {
			t.Fatal("the listing does not end")
		}
		res, err := client.AdminListOrders(context.Background(), testenv.Bearer(f.admin, req))
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Msg.GetOrders()) > int(size) {
			t.Fatalf("a page of %d orders, asked for %d", len(res.Msg.GetOrders()), size)
		}
		all = append(all, ids(res.Msg.GetOrders())...)
		if res.Msg.GetNextPageToken() == "" {
			return all
		}
		req.PageToken = res.Msg.GetNextPageToken()
	}
}

// The console's filters each keep the orders they name, together too, and
// paging through a filtered listing shows every match once, newest first.
func TestAdminListOrdersFilters(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	client := f.clients["grpc"]
	alice, _ := f.user(t)
	bob, _ := f.user(t)
	var all, aliceOrders, paid, withCup []string // newest first
	var middle time.Time
	for i := range 9 {
		owner := bob
		if i%2 == 0 {
			owner = alice
		}
		req := orderRequest(owner, "o-"+testenv.RandomID(8))
		if i%3 == 0 { // only tea, no cup
			req.Lines = req.Lines[:1]
		} else {
			withCup = append([]string{req.GetOrderId()}, withCup...)
		}
		res, err := client.CreateOrder(ctx, testenv.Bearer(f.service, req))
		if err != nil {
			t.Fatal(err)
		}
		id := res.Msg.GetOrder().GetOrderId()
		if i == 4 {
			middle = res.Msg.GetOrder().GetCreatedAt().AsTime()
		}
		if i%4 == 1 {
			f.transition(t, client, id, statusPaid, "paid")
			paid = append([]string{id}, paid...)
		}
		if owner == alice {
			aliceOrders = append([]string{id}, aliceOrders...)
		}
		all = append([]string{id}, all...)
	}
	flash, err := client.CreateFlashSaleOrders(ctx, testenv.Bearer(f.service, &orderv1.CreateFlashSaleOrdersRequest{
		Orders: flashInputs("ev-"+testenv.RandomID(4), 1, 2)}))
	if err != nil {
		t.Fatal(err)
	}
	var flashIDs []string
	for _, r := range flash.Msg.GetResults() {
		flashIDs = append([]string{r.GetOrderId()}, flashIDs...)
	}
	// The flash orders were written in one batch: their relative order is
	// the batch's.
	flashListed := f.adminList(t, client, &orderv1.AdminListOrdersRequest{Kind: orderv1.OrderKind_ORDER_KIND_FLASH_SALE}, 10)
	if !sameSet(flashListed, flashIDs) {
		t.Fatalf("flash orders %v, want %v", flashListed, flashIDs)
	}
	everything := append(slices.Clone(flashListed), all...)

	for name, client := range f.clients {
		t.Run(name, func(t *testing.T) {
			cases := []struct {
				name string
				req  *orderv1.AdminListOrdersRequest
				want []string
			}{
				{"all", &orderv1.AdminListOrdersRequest{}, everything},
				{"user", &orderv1.AdminListOrdersRequest{UserId: alice}, aliceOrders},
				{"status", &orderv1.AdminListOrdersRequest{Statuses: []orderv1.OrderStatus{statusPaid}}, paid},
				{"product", &orderv1.AdminListOrdersRequest{ProductId: "p0002"}, withCup},
				{"regular", &orderv1.AdminListOrdersRequest{Kind: orderv1.OrderKind_ORDER_KIND_REGULAR}, all},
				{"order id", &orderv1.AdminListOrdersRequest{OrderId: all[3]}, all[3:4]},
				{"order id of nothing", &orderv1.AdminListOrdersRequest{OrderId: "o-nothing"}, nil},
				{"created from", &orderv1.AdminListOrdersRequest{CreatedAfter: timestamppb.New(middle), Kind: orderv1.OrderKind_ORDER_KIND_REGULAR}, all[:5]},
				{"created before", &orderv1.AdminListOrdersRequest{CreatedBefore: timestamppb.New(middle)}, all[5:]},
				{"user, status and product", &orderv1.AdminListOrdersRequest{UserId: alice, Statuses: []orderv1.OrderStatus{statusPending}, ProductId: "p0002"},
					intersect(aliceOrders, withCup, without(all, paid))},
				{"another user's order id", &orderv1.AdminListOrdersRequest{UserId: bob, OrderId: aliceOrders[0]}, nil},
			}
			for _, c := range cases {
				for _, size := range []int32{2, 100} {
					if got := f.adminList(t, client, c.req, size); !slices.Equal(got, c.want) {
						t.Errorf("%s (pages of %d): %v, want %v", c.name, size, got, c.want)
					}
				}
			}
			_, err := client.AdminListOrders(ctx, testenv.Bearer(f.admin, &orderv1.AdminListOrdersRequest{
				CreatedAfter: timestamppb.New(middle), CreatedBefore: timestamppb.New(middle.Add(-time.Second))}))
			testenv.WantCode(t, err, connect.CodeInvalidArgument, "")
			_, err = client.AdminListOrders(ctx, testenv.Bearer(f.admin, &orderv1.AdminListOrdersRequest{ProductId: strings.Repeat("p", 65)}))
			testenv.WantCode(t, err, connect.CodeInvalidArgument, "")
			_, err = client.AdminListOrders(ctx, testenv.Bearer(f.admin, &orderv1.AdminListOrdersRequest{ProductId: "p0002", PageToken: "x"}))
			testenv.WantCode(t, err, connect.CodeInvalidArgument, ReasonBadPageToken)
		})
	}
}

func sameSet(a, b []string) bool {
	return len(a) == len(b) && len(intersect(a, b)) == len(a)
}

// intersect keeps the ids of first that every other list has, in first's order.
func intersect(first []string, others ...[]string) []string {
	var out []string
	for _, id := range first {
		if !slices.ContainsFunc(others, func(o []string) bool { return !slices.Contains(o, id) }) {
			out = append(out, id)
		}
	}
	return out
}

func without(all, drop []string) []string {
	return slices.DeleteFunc(slices.Clone(all), func(id string) bool { return slices.Contains(drop, id) })
}

// The console's filtered listings read a range of an index, newest first,
// without sorting: by status through (status, seq), by product through the
// lines' product index.
func TestAdminListingsUseTheirIndexes(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	client := f.clients["grpc"]
	var last string
	for i := range 40 {
		id := "o-" + testenv.RandomID(8)
		last = id
		f.createOrder(t, client, "u-"+testenv.RandomID(4), id)
		if i%8 == 0 {
			f.transition(t, client, id, statusPaid, "paid")
		}
	}
	if _, err := f.db.ExecContext(ctx, "ANALYZE TABLE orders, order_lines"); err != nil {
		t.Fatal(err)
	}
	explain := func(filter listFilter) []map[string]string {
		t.Helper()
		filter.PageSize = 20
		q, err := ordersQuery(f.db, filter)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := f.db.QueryContext(ctx, "EXPLAIN "+q.String())
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		plan, err := scanRows(rows)
		if err != nil {
			t.Fatal(err)
		}
		return plan
	}
	for _, token := range []string{"", encodePageToken(1 << 40)} {
		plan := explain(listFilter{Statuses: []orderv1.OrderStatus{statusPaid}, PageToken: token})
		if len(plan) != 1 || plan[0]["key"] != "idx_orders_status_seq" || strings.Contains(plan[0]["Extra"], "filesort") {
			t.Errorf("by status (token %q): %v, want idx_orders_status_seq without a sort", token, plan)
		}
	}
	plan := explain(listFilter{ProductID: "p0002"})
	if !slices.ContainsFunc(plan, func(step map[string]string) bool {
		return step["key"] == "idx_order_lines_product"
	}) {
		t.Errorf("by product: %v, want the lines read through idx_order_lines_product", plan)
	}
	plan = explain(listFilter{OrderID: last, Kind: orderv1.OrderKind_ORDER_KIND_REGULAR})
	if !slices.ContainsFunc(plan, func(step map[string]string) bool { return step["key"] == "uq_orders_id" }) {
		t.Errorf("by order id: %v, want uq_orders_id", plan)
	}
}

// AdminGetOrder shows any buyer's order with its sagas and where the
// Temporal UI shows them; an unknown id is not found.
func TestAdminGetOrder(t *testing.T) {
	f := newFixture(t, func(o *Options) {
		o.TemporalUIURL, o.TemporalNamespace = "http://127.0.0.1:8233/", "default"
	})
	ctx := context.Background()
	alice, _ := f.user(t)
	for name, client := range f.clients {
		t.Run(name, func(t *testing.T) {
			id := "o-" + testenv.RandomID(8)
			f.createOrder(t, client, alice, id)
			f.transition(t, client, id, statusPaid, "paid")
			if _, err := client.ShipOrder(ctx, testenv.Bearer(f.admin, &orderv1.ShipOrderRequest{OrderId: id, Carrier: "SF Express", TrackingNumber: "SF123"})); err != nil {
				t.Fatal(err)
			}
			res, err := client.AdminGetOrder(ctx, testenv.Bearer(f.admin, &orderv1.AdminGetOrderRequest{OrderId: id}))
			if err != nil {
				t.Fatal(err)
			}
			o := res.Msg.GetOrder()
			if o.GetUserId() != alice || o.GetStatus() != statusShipped || o.GetCarrier() != "SF Express" || o.GetTrackingNumber() != "SF123" ||
				len(o.GetLines()) != 2 || o.GetShippingAddress().GetCity() != "杭州" || len(o.GetHistory()) != 3 ||
				o.GetHistory()[2].GetCause() != orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_SHIPPED {
				t.Fatalf("order %v", o)
			}
			if res.Msg.GetTemporalUiUrl() != "http://127.0.0.1:8233" || res.Msg.GetTemporalNamespace() != "default" {
				t.Errorf("temporal %q %q", res.Msg.GetTemporalUiUrl(), res.Msg.GetTemporalNamespace())
			}
			want := []string{"SAGA_KIND_CHECKOUT " + checkout.WorkflowID(id), "SAGA_KIND_PAYMENT payment-" + id}
			if got := sagaList(res.Msg.GetSagas()); !slices.Equal(got, want) {
				t.Errorf("sagas %v, want %v", got, want)
			}

			_, err = client.AdminGetOrder(ctx, testenv.Bearer(f.admin, &orderv1.AdminGetOrderRequest{OrderId: "o-unknown"}))
			testenv.WantCode(t, err, connect.CodeNotFound, ReasonOrderNotFound)
			_, err = client.AdminGetOrder(ctx, testenv.Bearer(f.admin, &orderv1.AdminGetOrderRequest{OrderId: ""}))
			testenv.WantCode(t, err, connect.CodeInvalidArgument, "")
		})
	}
	// A flash-sale order has no checkout saga; a refunded one has its
	// cancellation saga.
	flash, err := f.clients["grpc"].CreateFlashSaleOrders(ctx, testenv.Bearer(f.service, &orderv1.CreateFlashSaleOrdersRequest{
		Orders: flashInputs("ev-"+testenv.RandomID(4), 1)}))
	if err != nil {
		t.Fatal(err)
	}
	flashID := flash.Msg.GetResults()[0].GetOrderId()
	f.transition(t, f.clients["grpc"], flashID, statusPaid, "paid")
	if _, err := f.clients["grpc"].AdminCancelOrder(ctx, testenv.Bearer(f.admin, &orderv1.AdminCancelOrderRequest{OrderId: flashID, Reason: "sold twice"})); err != nil {
		t.Fatal(err)
	}
	res, err := f.clients["grpc"].AdminGetOrder(ctx, testenv.Bearer(f.admin, &orderv1.AdminGetOrderRequest{OrderId: flashID}))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"SAGA_KIND_PAYMENT payment-" + flashID, "SAGA_KIND_CANCELLATION " + cancellation.WorkflowID(flashID)}
	if got := sagaList(res.Msg.GetSagas()); !slices.Equal(got, want) {
		t.Errorf("flash-sale sagas %v, want %v", got, want)
	}
}

func sagaList(sagas []*orderv1.OrderSaga) []string {
	out := make([]string, len(sagas))
	for i, s := range sagas {
		out[i] = s.GetKind().String() + " " + s.GetWorkflowId()
	}
	return out
}

// cancellationInput is what the cancellation workflow of orderID was
// started with.
func (f *fixture) cancellationInput(t *testing.T, orderID string) cancellation.Input {
	t.Helper()
	ctx := context.Background()
	it := f.temporal.GetWorkflowHistory(ctx, cancellation.WorkflowID(orderID), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	first, err := it.Next()
	if err != nil {
		t.Fatal(err)
	}
	var in cancellation.Input
	payloads := first.GetWorkflowExecutionStartedEventAttributes().GetInput()
	if err := converter.GetDefaultDataConverter().FromPayloads(payloads, &in); err != nil {
		t.Fatal(err)
	}
	return in
}

// An operator cancels an unpaid order through its saga, as theirs and with
// their reason; refunds a paid one through the buyer's refund saga; and
// cannot cancel a shipped, closed or refund-refused order.
func TestAdminCancelOrder(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	client := f.clients["connect-json"]
	alice, aliceToken := f.user(t)
	cancel := func(id, reason string) (*orderv1.Order, error) {
		res, err := client.AdminCancelOrder(ctx, testenv.Bearer(f.admin, &orderv1.AdminCancelOrderRequest{OrderId: id, Reason: reason}))
		if err != nil {
			return nil, err
		}
		return res.Msg.GetOrder(), nil
	}

	// Unpaid, with its checkout saga running.
	started, err := client.Checkout(ctx, testenv.Bearer(aliceToken, cartCheckout("req-"+testenv.RandomID(8), "p0001")))
	if err != nil {
		t.Fatal(err)
	}
	pending := started.Msg.GetOrderId()
	f.createOrder(t, client, alice, pending)
	o, err := cancel(pending, "address is a parcel locker")
	if err != nil || o.GetStatus() != statusPending {
		t.Fatalf("cancel unpaid: %v %v", o, err)
	}
	if status := f.waitWorkflow(t, pending); status.State != checkout.StateCancelled {
		t.Fatalf("saga %+v", status)
	}
	if sig, _ := f.saga.cancelOf(checkout.WorkflowID(pending)); !sig.ByOperations || sig.Reason != "address is a parcel locker" {
		t.Fatalf("cancel signal %+v", sig)
	}

	// Paid: the refund saga starts with the operator's reason.
	paid := "o-" + testenv.RandomID(8)
	f.createOrder(t, client, alice, paid)
	f.transition(t, client, paid, statusPaid, "paid")
	o, err = cancel(paid, "damaged in stock")
	if err != nil || o.GetStatus() != statusPaid || o.GetRefundState() != orderv1.RefundState_REFUND_STATE_REQUESTED {
		t.Fatalf("cancel paid: %v %v", o, err)
	}
	if in := f.cancellationInput(t, paid); in.OrderID != paid || in.Reason != "cancelled by operations: damaged in stock" {
		t.Fatalf("cancellation input %+v", in)
	}
	// Repeated while the refund is under way: the same refund.
	if again, err := cancel(paid, "damaged in stock"); err != nil || again.GetRefundState() != orderv1.RefundState_REFUND_STATE_REQUESTED {
		t.Fatalf("repeat: %v %v", again, err)
	}
	// The refund is under way: it can no longer ship.
	_, err = client.ShipOrder(ctx, testenv.Bearer(f.admin, &orderv1.ShipOrderRequest{OrderId: paid, Carrier: "SF", TrackingNumber: "1"}))
	testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonRefundInProgress)

	// Refused by the provider: retried elsewhere, not asked for again.
	if _, err := client.RecordRefundRefused(ctx, testenv.Bearer(f.service, &orderv1.RecordRefundRefusedRequest{OrderId: paid})); err != nil {
		t.Fatal(err)
	}
	_, err = cancel(paid, "again")
	testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonRefundRefused)

	shipped := "o-" + testenv.RandomID(8)
	f.createOrder(t, client, alice, shipped)
	f.transition(t, client, shipped, statusPaid, "paid")
	f.transition(t, client, shipped, statusShipped, "shipped")
	_, err = cancel(shipped, "too late")
	testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonOrderShipped)

	closed := "o-" + testenv.RandomID(8)
	f.createOrder(t, client, alice, closed)
	f.transition(t, client, closed, statusCancelled, "cancelled")
	_, err = cancel(closed, "twice")
	testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonOrderClosed)

	// Unpaid without a saga (none runs it any more): refused, unchanged.
	orphan := "o-" + testenv.RandomID(8)
	f.createOrder(t, client, alice, orphan)
	_, err = cancel(orphan, "no saga")
	testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonCheckoutNotRunning)

	_, err = cancel("o-unknown", "who")
	testenv.WantCode(t, err, connect.CodeNotFound, ReasonOrderNotFound)
	_, err = cancel(shipped, "")
	testenv.WantCode(t, err, connect.CodeInvalidArgument, "")
	_, err = cancel(shipped, strings.Repeat("长", 151))
	testenv.WantCode(t, err, connect.CodeInvalidArgument, "")

	for _, id := range []string{shipped, closed, orphan} {
		got, err := client.GetOrderInternal(ctx, testenv.Bearer(f.service, &orderv1.GetOrderInternalRequest{OrderId: id}))
		if err != nil || got.Msg.GetOrder().GetRefundState() != orderv1.RefundState_REFUND_STATE_UNSPECIFIED {
			t.Fatalf("%s changed: %v %v", id, got, err)
		}
	}
}

// A bulk shipment ships the orders that can ship and reports each other
// one with ShipOrder's reason, unchanged; a repeat changes nothing.
func TestBulkShipOrdersReportsEachOrder(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	client := f.clients["grpc"]
	alice, aliceToken := f.user(t)
	order := func(path ...orderv1.OrderStatus) string {
		id := "o-" + testenv.RandomID(8)
		f.createOrder(t, client, alice, id)
		for _, to := range path {
			f.transition(t, client, id, to, "test")
		}
		return id
	}
	paid1, paid2 := order(statusPaid), order(statusPaid)
	pending := order()
	shipped := order(statusPaid, statusShipped)
	refunding := order(statusPaid)
	if _, err := client.CancelOrder(ctx, testenv.Bearer(aliceToken, &orderv1.CancelOrderRequest{OrderId: refunding})); err != nil {
		t.Fatal(err)
	}
	items := []*orderv1.ShipItem{
		{OrderId: paid1, Carrier: "SF Express", TrackingNumber: "SF1"},
		{OrderId: pending, Carrier: "SF Express", TrackingNumber: "SF2"},
		{OrderId: "o-unknown", Carrier: "SF Express", TrackingNumber: "SF3"},
		{OrderId: shipped, Carrier: "SF Express", TrackingNumber: "SF4"},
		{OrderId: refunding, Carrier: "SF Express", TrackingNumber: "SF5"},
		{OrderId: paid2, Carrier: "YTO", TrackingNumber: "YT6"},
	}
	want := []string{
		paid1 + " SHIP_OUTCOME_SHIPPED  SHIPPED",
		pending + " SHIP_OUTCOME_REFUSED ILLEGAL_TRANSITION PENDING_PAYMENT",
		"o-unknown SHIP_OUTCOME_REFUSED ORDER_NOT_FOUND ORDER_STATUS_UNSPECIFIED",
		shipped + " SHIP_OUTCOME_ALREADY_SHIPPED  SHIPPED",
		refunding + " SHIP_OUTCOME_REFUSED REFUND_IN_PROGRESS PAID",
		paid2 + " SHIP_OUTCOME_SHIPPED  SHIPPED",
	}
	res, err := client.BulkShipOrders(ctx, testenv.Bearer(f.admin, &orderv1.BulkShipOrdersRequest{Items: items}))
	if err != nil {
		t.Fatal(err)
	}
	if got := shipResults(res.Msg.GetResults()); !slices.Equal(got, want) {
		t.Fatalf("results\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, r := range res.Msg.GetResults()[:1] {
		if o := r.GetOrder(); o.GetCarrier() != "SF Express" || o.GetTrackingNumber() != "SF1" {
			t.Errorf("shipped %v", o)
		}
	}
	// Repeated: everything shipped already, the refusals stand.
	res, err = client.BulkShipOrders(ctx, testenv.Bearer(f.admin, &orderv1.BulkShipOrdersRequest{Items: items}))
	if err != nil {
		t.Fatal(err)
	}
	want[0] = paid1 + " SHIP_OUTCOME_ALREADY_SHIPPED  SHIPPED"
	want[5] = paid2 + " SHIP_OUTCOME_ALREADY_SHIPPED  SHIPPED"
	if got := shipResults(res.Msg.GetResults()); !slices.Equal(got, want) {
		t.Fatalf("repeat\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, id := range []string{paid1, paid2, shipped} {
		if n := shippedEntries(t, f, id); n != 1 {
			t.Errorf("%s has %d SHIPPED entries", id, n)
		}
	}
	for _, id := range []string{pending, refunding} {
		if n := shippedEntries(t, f, id); n != 0 {
			t.Errorf("%s was shipped", id)
		}
	}

	// Refused as a whole, before anything ships: the same order twice, too
	// many orders, an item without a tracking number, a shopper.
	fresh := order(statusPaid)
	for name, req := range map[string]*orderv1.BulkShipOrdersRequest{
		"twice":       {Items: []*orderv1.ShipItem{{OrderId: fresh, Carrier: "SF", TrackingNumber: "1"}, {OrderId: fresh, Carrier: "SF", TrackingNumber: "2"}}},
		"101":         {Items: manyItems(fresh, 101)},
		"no tracking": {Items: []*orderv1.ShipItem{{OrderId: fresh, Carrier: "SF"}}},
		"none":        {},
	} {
		_, err := client.BulkShipOrders(ctx, testenv.Bearer(f.admin, req))
		if connect.CodeOf(err) != connect.CodeInvalidArgument {
			t.Errorf("%s: %v", name, err)
		}
	}
	_, err = client.BulkShipOrders(ctx, testenv.Bearer(aliceToken, &orderv1.BulkShipOrdersRequest{Items: manyItems(fresh, 1)}))
	testenv.WantCode(t, err, connect.CodePermissionDenied, "")
	if n := shippedEntries(t, f, fresh); n != 0 {
		t.Errorf("a refused bulk shipment shipped %s", fresh)
	}
}

func manyItems(first string, n int) []*orderv1.ShipItem {
	items := []*orderv1.ShipItem{{OrderId: first, Carrier: "SF", TrackingNumber: "T0"}}
	for i := 1; i < n; i++ {
		items = append(items, &orderv1.ShipItem{OrderId: fmt.Sprintf("o-many-%d", i), Carrier: "SF", TrackingNumber: fmt.Sprintf("T%d", i)})
	}
	return items
}

func shipResults(results []*orderv1.ShipResult) []string {
	out := make([]string, len(results))
	for i, r := range results {
		out[i] = fmt.Sprintf("%s %s %s %s", r.GetOrderId(), r.GetOutcome(), r.GetReason(), strings.TrimPrefix(r.GetOrder().GetStatus().String(), "ORDER_STATUS_"))
		if r.GetOrder() == nil {
			out[i] = fmt.Sprintf("%s %s %s %s", r.GetOrderId(), r.GetOutcome(), r.GetReason(), orderv1.OrderStatus_ORDER_STATUS_UNSPECIFIED)
		}
	}
	return out
}

// shippedEntries counts the SHIPPED entries of an order's history.
func shippedEntries(t *testing.T, f *fixture, orderID string) int {
	t.Helper()
	res, err := f.clients["grpc"].GetOrderInternal(context.Background(), testenv.Bearer(f.service, &orderv1.GetOrderInternalRequest{OrderId: orderID}))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, h := range res.Msg.GetOrder().GetHistory() {
		if h.GetToStatus() == statusShipped {
			n++
		}
	}
	return n
}

// 50 identical bulk shipments at once ship each order once: one call
// reports it SHIPPED, the others ALREADY_SHIPPED, and its history has one
// SHIPPED entry.
func TestConcurrentBulkShipmentsShipEachOrderOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	client := f.clients["grpc"]
	alice, _ := f.user(t)
	var items []*orderv1.ShipItem
	for i := range 3 {
		id := "o-" + testenv.RandomID(8)
		f.createOrder(t, client, alice, id)
		f.transition(t, client, id, statusPaid, "paid")
		items = append(items, &orderv1.ShipItem{OrderId: id, Carrier: "SF Express", TrackingNumber: fmt.Sprintf("SF%d", i)})
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	shippedBy := map[string]int{}
	errs := make(chan error, 50)
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := client.BulkShipOrders(ctx, testenv.Bearer(f.admin, &orderv1.BulkShipOrdersRequest{Items: items}))
			if err != nil {
				errs <- err
				return
			}
			mu.Lock()
			defer mu.Unlock()
			for _, r := range res.Msg.GetResults() {
				switch r.GetOutcome() {
				case orderv1.ShipOutcome_SHIP_OUTCOME_SHIPPED:
					shippedBy[r.GetOrderId()]++
				case orderv1.ShipOutcome_SHIP_OUTCOME_ALREADY_SHIPPED:
				default:
					errs <- fmt.Errorf("%s: %v %s", r.GetOrderId(), r.GetOutcome(), r.GetReason())
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, item := range items {
		if shippedBy[item.GetOrderId()] != 1 {
			t.Errorf("%s reported shipped %d times", item.GetOrderId(), shippedBy[item.GetOrderId()])
		}
		if n := shippedEntries(t, f, item.GetOrderId()); n != 1 {
			t.Errorf("%s has %d SHIPPED entries", item.GetOrderId(), n)
		}
	}
}

// recorder keeps the audit entries' outcomes in memory.
type recorder struct {
	mu       sync.Mutex
	outcomes []audit.Outcome
}

func (r *recorder) Begin(context.Context, audit.Entry) error { return nil }

func (r *recorder) Finish(_ context.Context, _ string, o audit.Outcome) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.outcomes = append(r.outcomes, o)
	return nil
}

func (r *recorder) last(t *testing.T) audit.Outcome {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.outcomes) == 0 {
		t.Fatal("nothing audited")
	}
	return r.outcomes[len(r.outcomes)-1]
}

// Every operator action on orders names its order and notes the order
// before and after for the audit log.
func TestOperatorActionsNoteTheirAudit(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	rec := &recorder{}
	url := testenv.Serve(t, server.Options{Authenticator: auth.NewAuthenticator(f.keys, nil)}, func(srv *server.Server) {
		srv.Mount(orderv1connect.NewOrderServiceHandler(f.svc, append(srv.HandlerOptions(),
			connect.WithInterceptors(audit.NewInterceptor(rec, func() string { return testenv.RandomID(8) }, testenv.Logger())))...))
	})
	client := orderv1connect.NewOrderServiceClient(rpcclient.HTTPClient(), url, connect.WithGRPC())
	alice, _ := f.user(t)
	id := "o-" + testenv.RandomID(8)
	f.createOrder(t, client, alice, id)
	f.transition(t, client, id, statusPaid, "paid")
	check := func(action, target, before, after string) {
		t.Helper()
		o := rec.last(t)
		if o.Code != "ok" || o.Target != target || !strings.Contains(o.Before, before) || !strings.Contains(o.After, after) {
			t.Errorf("%s: %+v", action, o)
		}
	}
	if _, err := client.ShipOrder(ctx, testenv.Bearer(f.admin, &orderv1.ShipOrderRequest{OrderId: id, Carrier: "SF", TrackingNumber: "SF9"})); err != nil {
		t.Fatal(err)
	}
	check("ship", "order "+id, `"status":"ORDER_STATUS_PAID"`, `"tracking_number":"SF9"`)
	if _, err := client.MarkDelivered(ctx, testenv.Bearer(f.admin, &orderv1.MarkDeliveredRequest{OrderId: id})); err != nil {
		t.Fatal(err)
	}
	check("deliver", "order "+id, `"status":"ORDER_STATUS_SHIPPED"`, `"status":"ORDER_STATUS_DELIVERED"`)

	other := "o-" + testenv.RandomID(8)
	f.createOrder(t, client, alice, other)
	f.transition(t, client, other, statusPaid, "paid")
	if _, err := client.BulkShipOrders(ctx, testenv.Bearer(f.admin, &orderv1.BulkShipOrdersRequest{Items: []*orderv1.ShipItem{
		{OrderId: other, Carrier: "YTO", TrackingNumber: "YT1"}, {OrderId: id, Carrier: "YTO", TrackingNumber: "YT2"}}})); err != nil {
		t.Fatal(err)
	}
	check("bulk ship", "orders "+other+", "+id, `"status":"ORDER_STATUS_PAID"`, `"outcome":"SHIP_OUTCOME_SHIPPED"`)

	refund := "o-" + testenv.RandomID(8)
	f.createOrder(t, client, alice, refund)
	f.transition(t, client, refund, statusPaid, "paid")
	if _, err := client.AdminCancelOrder(ctx, testenv.Bearer(f.admin, &orderv1.AdminCancelOrderRequest{OrderId: refund, Reason: "out of stock"})); err != nil {
		t.Fatal(err)
	}
	check("cancel", "order "+refund, `"status":"ORDER_STATUS_PAID"`, `"refund_state":"REFUND_STATE_REQUESTED"`)

	_, err := client.AdminCancelOrder(ctx, testenv.Bearer(f.admin, &orderv1.AdminCancelOrderRequest{OrderId: id, Reason: "late"}))
	testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonOrderShipped)
	if o := rec.last(t); o.Code != "failed_precondition" || o.Reason != ReasonOrderShipped || o.Target != "order "+id || o.After != "" {
		t.Errorf("refused cancel: %+v", o)
	}
}

// flashStandIns answer the calls a flash-sale order's cancel makes to the
// catalog and the sale, and remember them.
type flashStandIns struct {
	productv1connect.UnimplementedProductServiceHandler
	seckillv1connect.UnimplementedSeckillServiceHandler
	mu    sync.Mutex
	calls []string
}

func (s *flashStandIns) record(call string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, call)
}

func (s *flashStandIns) ReleaseAllocatedStock(_ context.Context, req *connect.Request[productv1.ReleaseAllocatedStockRequest]) (*connect.Response[productv1.ReleaseAllocatedStockResponse], error) {
	s.record(fmt.Sprintf("ReleaseAllocatedStock %s %d", req.Msg.GetOrderId(), req.Msg.GetQuantity()))
	return connect.NewResponse(&productv1.ReleaseAllocatedStockResponse{}), nil
}

func (s *flashStandIns) ReleasePurchase(_ context.Context, req *connect.Request[seckillv1.ReleasePurchaseRequest]) (*connect.Response[seckillv1.ReleasePurchaseResponse], error) {
	s.record(fmt.Sprintf("ReleasePurchase %s %d", req.Msg.GetOrderId(), req.Msg.GetQuantity()))
	return connect.NewResponse(&seckillv1.ReleasePurchaseResponse{Released: true}), nil
}

// An operator cancels an unpaid flash-sale order as the buyer's cancel
// does (units released at the catalog, then back to the sale), recorded
// as theirs with their reason.
func TestAdminCancelOfAnUnpaidFlashSaleOrder(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	standIns := &flashStandIns{}
	upstream := testenv.Serve(t, server.Options{}, func(srv *server.Server) {
		srv.Mount(productv1connect.NewProductServiceHandler(standIns))
		srv.Mount(seckillv1connect.NewSeckillServiceHandler(standIns))
	})
	withFlash := *f.svc
	withFlash.flash = FlashSaleClients{
		Products: productv1connect.NewProductServiceClient(rpcclient.HTTPClient(), upstream, connect.WithGRPC()),
		Seckill:  seckillv1connect.NewSeckillServiceClient(rpcclient.HTTPClient(), upstream, connect.WithGRPC()),
	}
	url := testenv.Serve(t, server.Options{Authenticator: auth.NewAuthenticator(f.keys, nil)}, func(srv *server.Server) {
		srv.Mount(orderv1connect.NewOrderServiceHandler(&withFlash, srv.HandlerOptions()...))
	})
	client := orderv1connect.NewOrderServiceClient(rpcclient.HTTPClient(), url, connect.WithGRPC())
	res, err := client.CreateFlashSaleOrders(ctx, testenv.Bearer(f.service, &orderv1.CreateFlashSaleOrdersRequest{
		Orders: flashInputs("ev-"+testenv.RandomID(4), 1)}))
	if err != nil {
		t.Fatal(err)
	}
	id := res.Msg.GetResults()[0].GetOrderId()
	cancelled, err := client.AdminCancelOrder(ctx, testenv.Bearer(f.admin, &orderv1.AdminCancelOrderRequest{OrderId: id, Reason: "bought by a bot"}))
	if err != nil {
		t.Fatal(err)
	}
	o := cancelled.Msg.GetOrder()
	last := o.GetHistory()[len(o.GetHistory())-1]
	if o.GetStatus() != statusCancelled || last.GetCause() != orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_CANCELLED_BY_OPERATIONS ||
		last.GetReason() != "cancelled by operations: bought by a bot" {
		t.Fatalf("cancelled %v", o)
	}
	want := []string{"ReleaseAllocatedStock " + id + " 1", "ReleasePurchase " + id + " 1"}
	if !slices.Equal(standIns.calls, want) {
		t.Fatalf("calls %v, want %v", standIns.calls, want)
	}
	_, err = client.AdminCancelOrder(ctx, testenv.Bearer(f.admin, &orderv1.AdminCancelOrderRequest{OrderId: id, Reason: "again"}))
	testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonOrderClosed)
}
