package order

import (
	"context"
	"database/sql"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	orderv1 "mall/gen/mall/order/v1"
	"mall/gen/mall/order/v1/orderv1connect"
	"mall/services/platform/testenv"
)

// A buyer's orders in every status and refund state: CountOrders counts
// each tab exactly as ListOrders lists it, only the caller's, and the
// after-sale tab lists the orders with a refund with where each stands.
func TestTabCountsAndTheAfterSaleTab(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	setup := f.clients["grpc"]
	alice, aliceToken := f.user(t)
	bob, bobToken := f.user(t)
	order := func(owner string, path ...orderv1.OrderStatus) string {
		id := "o-" + testenv.RandomID(8)
		f.createOrder(t, setup, owner, id)
		for _, to := range path {
			f.transition(t, setup, id, to, "test")
		}
		return id
	}
	cancelPaid := func(token, id string) *orderv1.Order {
		res, err := setup.CancelOrder(ctx, testenv.Bearer(token, &orderv1.CancelOrderRequest{OrderId: id, Reason: "changed my mind"}))
		if err != nil {
			t.Fatal(err)
		}
		return res.Msg.GetOrder()
	}
	order(alice)
	order(alice)
	order(alice, statusPaid)
	order(alice, statusPaid, statusShipped)
	order(alice, statusPaid, statusShipped, statusDelivered)
	order(alice, statusPaid, statusShipped, statusDelivered, statusCompleted)
	order(alice, statusCancelled)
	requested := order(alice, statusPaid)
	if o := cancelPaid(aliceToken, requested); o.GetRefundState() != orderv1.RefundState_REFUND_STATE_REQUESTED ||
		o.GetRefundCents() != o.GetTotalCents() || o.GetRefundRequestedAt() == nil || o.GetRefundedAt() != nil {
		t.Fatalf("refund requested: %v", o)
	}
	refunded := order(alice, statusPaid)
	cancelPaid(aliceToken, refunded)
	f.transition(t, setup, refunded, statusRefunded, "refunded: changed my mind")
	refused := order(alice, statusPaid)
	cancelPaid(aliceToken, refused)
	res, err := setup.RecordRefundRefused(ctx, testenv.Bearer(f.service, &orderv1.RecordRefundRefusedRequest{OrderId: refused}))
	if err != nil || res.Msg.GetOrder().GetRefundState() != orderv1.RefundState_REFUND_STATE_REFUSED || res.Msg.GetOrder().GetStatus() != statusPaid {
		t.Fatalf("record refused: %v %v", res, err)
	}
	// A buyer asking again after the refusal changes nothing: the
	// refusal stands.
	if o := cancelPaid(aliceToken, refused); o.GetRefundState() != orderv1.RefundState_REFUND_STATE_REFUSED {
		t.Fatalf("cancel after the refusal: %v", o)
	}
	order(bob, statusPaid)
	bobRefund := order(bob, statusPaid)
	cancelPaid(bobToken, bobRefund)

	want := &orderv1.CountOrdersResponse{PendingPayment: 2, Paid: 3, Shipped: 1, Delivered: 1, Completed: 1, Cancelled: 1, Refunded: 1,
		WithRefund: 3, Total: 10}
	for name, client := range f.clients {
		t.Run(name, func(t *testing.T) {
			counts, err := client.CountOrders(ctx, testenv.Bearer(aliceToken, &orderv1.CountOrdersRequest{}))
			if err != nil || !proto.Equal(counts.Msg, want) {
				t.Fatalf("alice's counts %v %v, want %v", counts, err, want)
			}
			// Each tab's count is what its listing lists.
			tabs := map[int64]*orderv1.ListOrdersRequest{
				want.GetPendingPayment(): {Statuses: []orderv1.OrderStatus{statusPending}},
				want.GetPaid():           {Statuses: []orderv1.OrderStatus{statusPaid}},
				want.GetShipped():        {Statuses: []orderv1.OrderStatus{statusShipped}},
				want.GetTotal():          {},
			}
			for n, req := range tabs {
				if got := listAll(t, client, aliceToken, req); len(got) != int(n) {
					t.Errorf("%v lists %d orders, counted %d", req, len(got), n)
				}
			}
			after := listAll(t, client, aliceToken, &orderv1.ListOrdersRequest{WithRefund: true})
			var ids []string
			for _, o := range after {
				ids = append(ids, o.GetOrderId())
				if o.GetRefundCents() != o.GetTotalCents() || o.GetRefundRequestedAt() == nil {
					t.Errorf("after-sale order %v", o)
				}
			}
			if !slices.Equal(ids, []string{refused, refunded, requested}) { // newest first
				t.Fatalf("after-sale tab %v, want %v", ids, []string{refused, refunded, requested})
			}
			if o := after[0]; o.GetRefundState() != orderv1.RefundState_REFUND_STATE_REFUSED || o.GetRefundRefusedAt() == nil || o.GetRefundedAt() != nil {
				t.Errorf("refused %v", o)
			}
			if o := after[1]; o.GetRefundState() != orderv1.RefundState_REFUND_STATE_REFUNDED || o.GetStatus() != statusRefunded ||
				o.GetRefundedAt() == nil || o.GetRefundRefusedAt() != nil || o.GetHistory()[len(o.GetHistory())-1].GetCause() != orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_REFUNDED {
				t.Errorf("refunded %v", o)
			}
			if o := after[2]; o.GetRefundState() != orderv1.RefundState_REFUND_STATE_REQUESTED || o.GetStatus() != statusPaid {
				t.Errorf("requested %v", o)
			}
			// With statuses, both must hold: the paid orders with a refund.
			paidRefunds := listAll(t, client, aliceToken, &orderv1.ListOrdersRequest{WithRefund: true, Statuses: []orderv1.OrderStatus{statusPaid}})
			if len(paidRefunds) != 2 || paidRefunds[0].GetOrderId() != refused || paidRefunds[1].GetOrderId() != requested {
				t.Fatalf("paid with a refund: %v", paidRefunds)
			}
			// Bob counts and lists his own only.
			counts, err = client.CountOrders(ctx, testenv.Bearer(bobToken, &orderv1.CountOrdersRequest{}))
			if err != nil || !proto.Equal(counts.Msg, &orderv1.CountOrdersResponse{Paid: 2, WithRefund: 1, Total: 2}) {
				t.Fatalf("bob's counts %v %v", counts, err)
			}
			if got := listAll(t, client, bobToken, &orderv1.ListOrdersRequest{WithRefund: true}); len(got) != 1 || got[0].GetOrderId() != bobRefund {
				t.Fatalf("bob's after-sale tab %v", got)
			}
			// A shopper with no orders has nothing to count; no token, no counts.
			_, nobody := f.user(t)
			counts, err = client.CountOrders(ctx, testenv.Bearer(nobody, &orderv1.CountOrdersRequest{}))
			if err != nil || !proto.Equal(counts.Msg, &orderv1.CountOrdersResponse{}) {
				t.Fatalf("no orders: %v %v", counts, err)
			}
			_, err = client.CountOrders(ctx, testenv.Bearer("", &orderv1.CountOrdersRequest{}))
			testenv.WantCode(t, err, connect.CodeUnauthenticated, "")
		})
	}
}

// listAll pages through a listing of the caller's orders.
func listAll(t *testing.T, client orderv1connect.OrderServiceClient, token string, req *orderv1.ListOrdersRequest) []*orderv1.Order {
	t.Helper()
	var orders []*orderv1.Order
	req = proto.CloneOf(req)
	req.PageSize = 2
	for {
		res, err := client.ListOrders(context.Background(), testenv.Bearer(token, req))
		if err != nil {
			t.Fatal(err)
		}
		orders = append(orders, res.Msg.GetOrders()...)
		if req.PageToken = res.Msg.GetNextPageToken(); req.PageToken == "" {
			return orders
		}
	}
}

// A refused refund is recorded once however often, or however many
// times at once, the saga says so; only on a paid order whose buyer asked
// for a refund.
func TestARefusedRefundIsRecordedOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	client := f.clients["connect-json"]
	alice, aliceToken := f.user(t)
	id := "o-" + testenv.RandomID(8)
	f.createOrder(t, client, alice, id)
	record := func(orderID string) (*orderv1.Order, error) {
		res, err := client.RecordRefundRefused(ctx, testenv.Bearer(f.service, &orderv1.RecordRefundRefusedRequest{OrderId: orderID}))
		if err != nil {
			return nil, err
		}
		return res.Msg.GetOrder(), nil
	}
	// Unpaid, then paid without a refund request: nothing to refuse.
	_, err := record(id)
	testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonStatusMismatch)
	f.transition(t, client, id, statusPaid, "paid")
	_, err = record(id)
	testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonStatusMismatch)
	_, err = record("o-nothing-" + testenv.RandomID(4))
	testenv.WantCode(t, err, connect.CodeNotFound, ReasonOrderNotFound)

	if _, err := client.CancelOrder(ctx, testenv.Bearer(aliceToken, &orderv1.CancelOrderRequest{OrderId: id})); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	answers := make([]*orderv1.Order, 20)
	for i := range answers {
		wg.Go(func() {
			o, err := record(id)
			if err != nil {
				t.Errorf("record %d: %v", i, err)
			}
			answers[i] = o
		})
	}
	wg.Wait()
	first := answers[0].GetRefundRefusedAt().AsTime()
	for i, o := range answers {
		if o.GetRefundState() != orderv1.RefundState_REFUND_STATE_REFUSED || !o.GetRefundRefusedAt().AsTime().Equal(first) {
			t.Fatalf("answer %d: %v", i, o)
		}
	}
	again, err := record(id)
	if err != nil || !again.GetRefundRefusedAt().AsTime().Equal(first) || len(again.GetHistory()) != len(answers[0].GetHistory()) {
		t.Fatalf("a later repeat: %v %v", again, err)
	}
}

// CountOrders reads the buyer's entries of one index and nothing else,
// however many orders other buyers have.
func TestCountOrdersReadsOneIndexOnly(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	client := f.clients["grpc"]
	alice, _ := f.user(t)
	for i := range 30 {
		owner := "u-other-" + testenv.RandomID(4)
		if i%5 == 0 {
			owner = alice
		}
		f.createOrder(t, client, owner, "o-"+testenv.RandomID(8))
	}
	if _, err := f.db.ExecContext(ctx, "ANALYZE TABLE orders"); err != nil {
		t.Fatal(err)
	}
	rows, err := f.db.QueryContext(ctx, "EXPLAIN "+countOrdersQuery(f.db, alice).String())
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	plan, err := scanRows(rows)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan) != 1 || plan[0]["key"] != "idx_orders_user_status_refund" || plan[0]["type"] != "ref" ||
		!strings.Contains(plan[0]["Extra"], "Using index") || strings.Contains(plan[0]["Extra"], "filesort") ||
		strings.Contains(plan[0]["Extra"], "temporary") {
		t.Fatalf("CountOrders' plan %v: want a ref read of idx_orders_user_status_refund alone", plan)
	}
}

// The backfill of the migration that added refund states and causes gives
// the orders and history entries written before it what they would have
// now.
func TestTheMigrationBackfillsRefundsAndCauses(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	client := f.clients["grpc"]
	alice, _ := f.user(t)
	order := func(path ...orderv1.OrderStatus) string {
		id := "o-" + testenv.RandomID(8)
		f.createOrder(t, client, alice, id)
		for _, to := range path {
			f.transition(t, client, id, to, "test")
		}
		return id
	}
	requested, refunded, plain := order(statusPaid), order(statusPaid, statusRefunded), order(statusPaid)
	cancelled := map[string]string{}
	for _, reason := range []string{"payment deadline passed", "cancelled by buyer: too slow", "cancelled by the buyer", "checkout failed",
		"checkout cancelled by operations", "something else"} {
		id := order()
		f.transition(t, client, id, statusCancelled, reason)
		cancelled[reason] = id
	}
	auto, confirmed := order(statusPaid, statusShipped, statusDelivered), order(statusPaid, statusShipped, statusDelivered)
	f.transition(t, client, auto, statusCompleted, "auto-completed")
	f.transition(t, client, confirmed, statusCompleted, "receipt confirmed by the buyer")
	// As the rows were before the migration: a refund only as its request
	// time, no causes.
	for _, stmt := range []string{
		"UPDATE orders SET refund_state = 0, refunded_at = NULL, refund_refused_at = NULL, refund_requested_at = NULL",
		"UPDATE orders SET refund_requested_at = '2026-12-01 10:00:00' WHERE id = '" + requested + "'",
		"UPDATE order_status_history SET cause = 0",
	} {
		if _, err := f.db.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	// The migration's data statements, as written.
	script, err := fs.ReadFile(Migrations(), "20261210000001_refunds_and_causes.up.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range strings.Split(string(script), "--bun:split") {
		if strings.Contains(stmt, "UPDATE") {
			if _, err := f.db.ExecContext(ctx, stmt); err != nil {
				t.Fatal(err)
			}
		}
	}
	get := func(id string) *orderv1.Order {
		res, err := client.GetOrderInternal(ctx, testenv.Bearer(f.service, &orderv1.GetOrderInternalRequest{OrderId: id}))
		if err != nil {
			t.Fatal(err)
		}
		return res.Msg.GetOrder()
	}
	if o := get(requested); o.GetRefundState() != orderv1.RefundState_REFUND_STATE_REQUESTED {
		t.Errorf("requested %v", o)
	}
	if o := get(refunded); o.GetRefundState() != orderv1.RefundState_REFUND_STATE_REFUNDED || o.GetRefundedAt() == nil ||
		!o.GetRefundRequestedAt().AsTime().Equal(o.GetRefundedAt().AsTime()) || !o.GetRefundedAt().AsTime().Equal(o.GetHistory()[2].GetOccurredAt().AsTime()) {
		t.Errorf("refunded %v", o)
	}
	if o := get(plain); o.GetRefundState() != orderv1.RefundState_REFUND_STATE_UNSPECIFIED {
		t.Errorf("no refund %v", o)
	}
	lastCause := func(id string) orderv1.StatusChangeCause {
		h := get(id).GetHistory()
		if h[0].GetCause() != orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_ORDER_CREATED {
			t.Errorf("%s created %v", id, h[0])
		}
		return h[len(h)-1].GetCause()
	}
	for reason, want := range map[string]orderv1.StatusChangeCause{
		"payment deadline passed":          orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_PAYMENT_EXPIRED,
		"cancelled by buyer: too slow":     orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_CANCELLED_BY_BUYER,
		"cancelled by the buyer":           orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_CANCELLED_BY_BUYER,
		"checkout failed":                  orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_CHECKOUT_FAILED,
		"checkout cancelled by operations": orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_CANCELLED_BY_OPERATIONS,
		"something else":                   orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_UNSPECIFIED,
	} {
		if got := lastCause(cancelled[reason]); got != want {
			t.Errorf("cancelled %q: %v, want %v", reason, got, want)
		}
	}
	for id, want := range map[string]orderv1.StatusChangeCause{
		auto: orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_AUTO_COMPLETED, confirmed: orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_RECEIPT_CONFIRMED,
		refunded: orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_REFUNDED, plain: orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_PAID,
	} {
		if got := lastCause(id); got != want {
			t.Errorf("%s: %v, want %v", id, got, want)
		}
	}
}

// The code GetCheckout gives for a failed checkout is a reason the
// contract names, whatever the saga recorded.
func TestCheckoutFailureCodesAreTheContracts(t *testing.T) {
	for recorded, want := range map[string]string{
		"EMPTY_SELECTION":      ReasonEmptySelection,
		"NOT_IN_CART":          ReasonNotInCart,
		"INVALID_ADDRESS":      ReasonAddressNotFound,
		"OUT_OF_STOCK":         "OUT_OF_STOCK",
		"PRODUCT_OFF_SHELF":    "PRODUCT_OFF_SHELF",
		"PRODUCT_NOT_FOUND":    "PRODUCT_NOT_FOUND",
		"UNPAID_ORDERS_LIMIT":  ReasonUnpaidOrdersLimit,
		"UNPAID_UNITS_LIMIT":   ReasonUnpaidUnitsLimit,
		"RESERVATION_RELEASED": ReasonCheckoutFailed,
		"FAILED_PRECONDITION":  ReasonCheckoutFailed,
		"<script>":             ReasonCheckoutFailed,
		"":                     ReasonCheckoutFailed,
	} {
		if got := checkoutFailureCode(recorded); got != want {
			t.Errorf("checkoutFailureCode(%q) = %q, want %q", recorded, got, want)
		}
	}
}

// scanRows reads rows as maps of column to text (EXPLAIN's columns differ
// between MySQL and MariaDB).
func scanRows(rows *sql.Rows) ([]map[string]string, error) {
	columns, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []map[string]string
	for rows.Next() {
		values := make([]sql.NullString, len(columns))
		targets := make([]any, len(columns))
		for i := range values {
			targets[i] = &values[i]
		}
		if err := rows.Scan(targets...); err != nil {
			return nil, err
		}
		row := map[string]string{}
		for i, c := range columns {
			row[c] = values[i].String
		}
		out = append(out, row)
	}
	return out, rows.Err()
}
