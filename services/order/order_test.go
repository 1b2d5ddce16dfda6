package order

import (
	"context"
	"slices"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	orderv1 "mall/gen/mall/order/v1"
	"mall/services/platform/testenv"
)

const (
	statusPending   = orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT
	statusPaid      = orderv1.OrderStatus_ORDER_STATUS_PAID
	statusShipped   = orderv1.OrderStatus_ORDER_STATUS_SHIPPED
	statusDelivered = orderv1.OrderStatus_ORDER_STATUS_DELIVERED
	statusCompleted = orderv1.OrderStatus_ORDER_STATUS_COMPLETED
	statusCancelled = orderv1.OrderStatus_ORDER_STATUS_CANCELLED
	statusRefunded  = orderv1.OrderStatus_ORDER_STATUS_REFUNDED
)

func TestCreateOrderIsIdempotentAndComputesTotals(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for name, client := range f.clients {
		t.Run(name, func(t *testing.T) {
			userID, _ := f.user(t)
			orderID := "o-" + testenv.RandomID(6)
			req := orderRequest(userID, orderID)
			// Totals come from the inputs, never from the caller.
			first, err := client.CreateOrder(ctx, testenv.Bearer(f.service, req))
			if err != nil {
				t.Fatal(err)
			}
			o := first.Msg.GetOrder()
			if !first.Msg.GetCreated() || o.GetStatus() != statusPending || o.GetKind() != orderv1.OrderKind_ORDER_KIND_REGULAR {
				t.Fatalf("first create %v", first.Msg)
			}
			if o.GetTotalCents() != 2*12800+1999 || len(o.GetLines()) != 2 || o.GetLines()[0].GetLineTotalCents() != 25600 ||
				o.GetLines()[0].GetTitle() != "西湖龙井 Longjing tea" || o.GetLines()[0].GetCategoryId() != "c-tea" ||
				o.GetLines()[0].GetImageUrl() != "/img/p0001.svg" || o.GetReservationId() != "r-"+orderID {
				t.Fatalf("lines/total %v", o)
			}
			if o.GetShippingAddress().GetCity() != "杭州" || o.GetPaymentDeadline() == nil || o.GetSeckillEventId() != "" {
				t.Fatalf("address/deadline %v", o)
			}
			if len(o.GetHistory()) != 1 || o.GetHistory()[0].GetFromStatus() != orderv1.OrderStatus_ORDER_STATUS_UNSPECIFIED ||
				o.GetHistory()[0].GetToStatus() != statusPending || o.GetHistory()[0].GetReason() == "" {
				t.Fatalf("history %v", o.GetHistory())
			}

			// A retry (even with other lines) returns the stored order.
			retry := proto.Clone(req).(*orderv1.CreateOrderRequest)
			retry.Lines = retry.Lines[:1]
			again, err := client.CreateOrder(ctx, testenv.Bearer(f.service, retry))
			if err != nil {
				t.Fatal(err)
			}
			if again.Msg.GetCreated() || !proto.Equal(again.Msg.GetOrder(), o) {
				t.Fatalf("retry answered %v, want %v unchanged", again.Msg, o)
			}
			got, err := client.GetOrderInternal(ctx, testenv.Bearer(f.service, &orderv1.GetOrderInternalRequest{OrderId: orderID}))
			if err != nil || !proto.Equal(got.Msg.GetOrder(), o) {
				t.Fatalf("stored order %v %v, want %v", got, err, o)
			}
			// The same id for another user is a conflict, not their order.
			_, err = client.CreateOrder(ctx, testenv.Bearer(f.service, orderRequest("someone-else", orderID)))
			testenv.WantCode(t, err, connect.CodeAlreadyExists, ReasonOrderIDConflict)
			_, err = client.GetOrderInternal(ctx, testenv.Bearer(f.service, &orderv1.GetOrderInternalRequest{OrderId: "o-missing"}))
			testenv.WantCode(t, err, connect.CodeNotFound, ReasonOrderNotFound)
		})
	}
}

// TestOrderLifecycleAndIllegalTransitions drives an order through every
// status with the RPCs that own each step, checks that each illegal step is
// refused without a trace, and that the history tells the whole story.
func TestOrderLifecycleAndIllegalTransitions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for name, client := range f.clients {
		t.Run(name, func(t *testing.T) {
			userID, token := f.user(t)
			orderID := "o-" + testenv.RandomID(6)
			f.createOrder(t, client, userID, orderID)
			illegal := func(err error) {
				t.Helper()
				testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonIllegalTransition)
			}

			_, err := client.ShipOrder(ctx, testenv.Bearer(f.admin, &orderv1.ShipOrderRequest{OrderId: orderID, Carrier: "SF", TrackingNumber: "SF1"}))
			illegal(err)
			_, err = client.MarkDelivered(ctx, testenv.Bearer(f.admin, &orderv1.MarkDeliveredRequest{OrderId: orderID}))
			illegal(err)
			_, err = client.ConfirmReceipt(ctx, testenv.Bearer(token, &orderv1.ConfirmReceiptRequest{OrderId: orderID}))
			illegal(err)
			_, err = client.TransitionOrder(ctx, testenv.Bearer(f.service, &orderv1.TransitionOrderRequest{OrderId: orderID, ToStatus: statusRefunded, Reason: "x"}))
			illegal(err)

			// The guard: PAID only from PENDING_PAYMENT (true here) ...
			paid, err := client.TransitionOrder(ctx, testenv.Bearer(f.service, &orderv1.TransitionOrderRequest{OrderId: orderID, ToStatus: statusPaid,
				Reason: "payment pay-1 succeeded", FromStatuses: []orderv1.OrderStatus{statusPending}}))
			if err != nil || !paid.Msg.GetChanged() || paid.Msg.GetOrder().GetStatus() != statusPaid {
				t.Fatalf("pay %v %v", paid, err)
			}
			// ... repeated: already PAID, nothing changes and no history is added.
			again, err := client.TransitionOrder(ctx, testenv.Bearer(f.service, &orderv1.TransitionOrderRequest{OrderId: orderID, ToStatus: statusPaid,
				Reason: "payment pay-1 succeeded (duplicate)", FromStatuses: []orderv1.OrderStatus{statusPending}}))
			if err != nil || again.Msg.GetChanged() || !proto.Equal(again.Msg.GetOrder(), paid.Msg.GetOrder()) {
				t.Fatalf("repeat %v %v", again, err)
			}
			// A guard that does not hold is refused even if the machine allows it.
			_, err = client.TransitionOrder(ctx, testenv.Bearer(f.service, &orderv1.TransitionOrderRequest{OrderId: orderID, ToStatus: statusRefunded,
				Reason: "refund", FromStatuses: []orderv1.OrderStatus{statusPending}}))
			testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonStatusMismatch)
			_, err = client.TransitionOrder(ctx, testenv.Bearer(f.service, &orderv1.TransitionOrderRequest{OrderId: orderID, ToStatus: statusCancelled, Reason: "late cancel"}))
			illegal(err)

			shipped, err := client.ShipOrder(ctx, testenv.Bearer(f.admin, &orderv1.ShipOrderRequest{OrderId: orderID, Carrier: "SF", TrackingNumber: "SF1234"}))
			if err != nil || shipped.Msg.GetOrder().GetStatus() != statusShipped || shipped.Msg.GetOrder().GetCarrier() != "SF" ||
				shipped.Msg.GetOrder().GetTrackingNumber() != "SF1234" {
				t.Fatalf("ship %v %v", shipped, err)
			}
			_, err = client.ConfirmReceipt(ctx, testenv.Bearer(token, &orderv1.ConfirmReceiptRequest{OrderId: orderID}))
			illegal(err)
			// No checkout workflow runs this order: the delivered signal has
			// nobody to go to, which is not an error.
			delivered, err := client.MarkDelivered(ctx, testenv.Bearer(f.admin, &orderv1.MarkDeliveredRequest{OrderId: orderID}))
			if err != nil || delivered.Msg.GetOrder().GetStatus() != statusDelivered {
				t.Fatalf("deliver %v %v", delivered, err)
			}
			done, err := client.ConfirmReceipt(ctx, testenv.Bearer(token, &orderv1.ConfirmReceiptRequest{OrderId: orderID}))
			if err != nil || done.Msg.GetOrder().GetStatus() != statusCompleted {
				t.Fatalf("confirm %v %v", done, err)
			}
			// Confirming twice answers the completed order.
			twice, err := client.ConfirmReceipt(ctx, testenv.Bearer(token, &orderv1.ConfirmReceiptRequest{OrderId: orderID}))
			if err != nil || !proto.Equal(twice.Msg.GetOrder(), done.Msg.GetOrder()) {
				t.Fatalf("confirm twice %v %v", twice, err)
			}
			for _, to := range []orderv1.OrderStatus{statusPending, statusPaid, statusShipped, statusDelivered, statusCancelled, statusRefunded} {
				_, err = client.TransitionOrder(ctx, testenv.Bearer(f.service, &orderv1.TransitionOrderRequest{OrderId: orderID, ToStatus: to, Reason: "after the end"}))
				illegal(err)
			}

			got, err := client.GetOrder(ctx, testenv.Bearer(token, &orderv1.GetOrderRequest{OrderId: orderID}))
			if err != nil {
				t.Fatal(err)
			}
			type step struct {
				from, to orderv1.OrderStatus
				reason   string
				cause    orderv1.StatusChangeCause
			}
			// Each entry says why in words and as a cause: given by the
			// caller, or the one cause there is for the status.
			want := []step{
				{orderv1.OrderStatus_ORDER_STATUS_UNSPECIFIED, statusPending, "order created", orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_ORDER_CREATED},
				{statusPending, statusPaid, "payment pay-1 succeeded", orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_PAID},
				{statusPaid, statusShipped, "shipped with SF SF1234", orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_SHIPPED},
				{statusShipped, statusDelivered, "delivered", orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_DELIVERED},
				{statusDelivered, statusCompleted, "receipt confirmed by the buyer", orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_RECEIPT_CONFIRMED},
			}
			history := got.Msg.GetOrder().GetHistory()
			if len(history) != len(want) {
				t.Fatalf("history %v", history)
			}
			for i, h := range history {
				if h.GetFromStatus() != want[i].from || h.GetToStatus() != want[i].to || h.GetReason() != want[i].reason || h.GetCause() != want[i].cause {
					t.Errorf("history[%d] = %v, want %v", i, h, want[i])
				}
				if i > 0 && h.GetOccurredAt().AsTime().Before(history[i-1].GetOccurredAt().AsTime()) {
					t.Errorf("history[%d] happened before history[%d]", i, i-1)
				}
			}
			if got.Msg.GetOrder().GetStatus() != statusCompleted || !got.Msg.GetOrder().GetUpdatedAt().AsTime().Equal(history[4].GetOccurredAt().AsTime()) {
				t.Fatalf("order %v", got.Msg.GetOrder())
			}
		})
	}
}

// TestListOrdersTabsAndCursor pages through a user's orders by status tab
// while orders keep arriving, and checks the admin and internal listings.
func TestListOrdersTabsAndCursor(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	client := f.clients["connect-json"]
	alice, aliceToken := f.user(t)
	bob, _ := f.user(t)
	var all, pending, paid []string // newest first
	for i := range 7 {
		id := "o-alice-" + testenv.RandomID(4)
		f.createOrder(t, client, alice, id)
		if i%3 == 0 {
			f.transition(t, client, id, statusPaid, "paid")
			paid = append([]string{id}, paid...)
		} else {
			pending = append([]string{id}, pending...)
		}
		all = append([]string{id}, all...)
		f.createOrder(t, client, bob, "o-bob-"+testenv.RandomID(4))
	}

	for name, client := range f.clients {
		t.Run(name, func(t *testing.T) {
			page := func(statuses []orderv1.OrderStatus, size int32, token string) ([]string, string) {
				t.Helper()
				res, err := client.ListOrders(ctx, testenv.Bearer(aliceToken, &orderv1.ListOrdersRequest{Statuses: statuses, PageSize: size, PageToken: token}))
				if err != nil {
					t.Fatal(err)
				}
				var ids []string
				for _, o := range res.Msg.GetOrders() {
					if o.GetUserId() != alice || len(o.GetLines()) != 2 || len(o.GetHistory()) == 0 {
						t.Fatalf("listed %v", o)
					}
					ids = append(ids, o.GetOrderId())
				}
				return ids, res.Msg.GetNextPageToken()
			}
			walk := func(statuses []orderv1.OrderStatus, size int32) []string {
				t.Helper()
				var ids []string
				token := ""
				for first := true; first || token != ""; first = false {
					var got []string
					got, token = page(statuses, size, token)
					if len(got) > int(size) {
						t.Fatalf("page of %d > %d", len(got), size)
					}
					ids = append(ids, got...)
				}
				return ids
			}
			if got := walk(nil, 2); !slices.Equal(got, all) {
				t.Fatalf("all tab %v, want %v", got, all)
			}
			if got := walk([]orderv1.OrderStatus{statusPending}, 2); !slices.Equal(got, pending) {
				t.Fatalf("pending tab %v, want %v", got, pending)
			}
			if got := walk([]orderv1.OrderStatus{statusPaid}, 1); !slices.Equal(got, paid) {
				t.Fatalf("paid tab %v, want %v", got, paid)
			}
			if got := walk([]orderv1.OrderStatus{statusPaid, statusPending}, 3); !slices.Equal(got, all) {
				t.Fatalf("paid+pending %v, want %v", got, all)
			}
			if got, next := page([]orderv1.OrderStatus{statusShipped}, 0, ""); len(got) != 0 || next != "" {
				t.Fatalf("shipped tab %v %q", got, next)
			}
			// The default page size (20) holds all seven.
			if got, next := page(nil, 0, ""); !slices.Equal(got, all) || next != "" {
				t.Fatalf("default page %v %q", got, next)
			}

			// New orders arriving between pages neither repeat nor push
			// earlier ones onto the next page.
			first, token := page(nil, 3, "")
			newer := "o-alice-new-" + testenv.RandomID(4)
			f.createOrder(t, client, alice, newer)
			rest := walkFrom(t, page, 3, token)
			if got := append(first, rest...); !slices.Equal(got, all) {
				t.Fatalf("paging while an order arrived: %v, want %v", got, all)
			}
			all = append([]string{newer}, all...)
			pending = append([]string{newer}, pending...)

			_, err := client.ListOrders(ctx, testenv.Bearer(aliceToken, &orderv1.ListOrdersRequest{PageToken: "not-a-cursor"}))
			testenv.WantCode(t, err, connect.CodeInvalidArgument, ReasonBadPageToken)
		})
	}

	// Admins see everyone's orders, or one user's.
	adminAll, err := client.AdminListOrders(ctx, testenv.Bearer(f.admin, &orderv1.AdminListOrdersRequest{PageSize: 100}))
	if err != nil || len(adminAll.Msg.GetOrders()) != len(all)+7 {
		t.Fatalf("admin list %d orders %v, want %d", len(adminAll.Msg.GetOrders()), err, len(all)+7)
	}
	adminBob, err := client.AdminListOrders(ctx, testenv.Bearer(f.admin, &orderv1.AdminListOrdersRequest{UserId: bob, Statuses: []orderv1.OrderStatus{statusPending}}))
	if err != nil || len(adminBob.Msg.GetOrders()) != 7 {
		t.Fatalf("admin list of bob %v %v", adminBob, err)
	}

	// Internal listing: filters combine; the payment deadline filter finds
	// the orders whose deadline passed.
	expired := orderRequest(bob, "o-bob-expired")
	expired.PaymentDeadline = timestamppb.New(time.Now().Add(-time.Minute))
	if _, err := client.CreateOrder(ctx, testenv.Bearer(f.service, expired)); err != nil {
		t.Fatal(err)
	}
	overdue, err := client.ListOrdersInternal(ctx, testenv.Bearer(f.service, &orderv1.ListOrdersInternalRequest{
		Statuses: []orderv1.OrderStatus{statusPending}, Kind: orderv1.OrderKind_ORDER_KIND_REGULAR,
		PaymentDeadlineBefore: timestamppb.Now()}))
	if err != nil || len(overdue.Msg.GetOrders()) != 1 || overdue.Msg.GetOrders()[0].GetOrderId() != "o-bob-expired" {
		t.Fatalf("overdue %v %v", overdue, err)
	}
	// A window of deadlines: after excludes older ones.
	for after, want := range map[time.Duration]int{-2 * time.Minute: 1, -30 * time.Second: 0} {
		window, err := client.ListOrdersInternal(ctx, testenv.Bearer(f.service, &orderv1.ListOrdersInternalRequest{
			Statuses: []orderv1.OrderStatus{statusPending}, PaymentDeadlineBefore: timestamppb.Now(),
			PaymentDeadlineAfter: timestamppb.New(time.Now().Add(after))}))
		if err != nil || len(window.Msg.GetOrders()) != want {
			t.Fatalf("deadline after now%v: %v %v", after, window, err)
		}
	}
	alicePaid, err := client.ListOrdersInternal(ctx, testenv.Bearer(f.service, &orderv1.ListOrdersInternalRequest{UserId: alice,
		Statuses: []orderv1.OrderStatus{statusPaid}, PageSize: 1}))
	if err != nil || len(alicePaid.Msg.GetOrders()) != 1 || alicePaid.Msg.GetOrders()[0].GetOrderId() != paid[0] || alicePaid.Msg.GetNextPageToken() == "" {
		t.Fatalf("alice paid %v %v", alicePaid, err)
	}
	flash, err := client.ListOrdersInternal(ctx, testenv.Bearer(f.service, &orderv1.ListOrdersInternalRequest{Kind: orderv1.OrderKind_ORDER_KIND_FLASH_SALE}))
	if err != nil || len(flash.Msg.GetOrders()) != 0 {
		t.Fatalf("flash-sale orders %v %v", flash, err)
	}
}

func walkFrom(t *testing.T, page func([]orderv1.OrderStatus, int32, string) ([]string, string), size int32, token string) []string {
	t.Helper()
	var ids []string
	for token != "" {
		var got []string
		got, token = page(nil, size, token)
		ids = append(ids, got...)
	}
	return ids
}

// TestOwnershipOfOrders: another user's order is not found for every user
// RPC, and stays as it was.
func TestOwnershipOfOrders(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for name, client := range f.clients {
		t.Run(name, func(t *testing.T) {
			alice, aliceToken := f.user(t)
			_, malloryToken := f.user(t)
			pendingID := "o-" + testenv.RandomID(6)
			f.createOrder(t, client, alice, pendingID)
			deliveredID := "o-" + testenv.RandomID(6)
			f.createOrder(t, client, alice, deliveredID)
			f.transition(t, client, deliveredID, statusPaid, "paid")
			f.transition(t, client, deliveredID, statusShipped, "shipped")
			f.transition(t, client, deliveredID, statusDelivered, "delivered")

			for _, id := range []string{pendingID, deliveredID} {
				_, err := client.GetOrder(ctx, testenv.Bearer(malloryToken, &orderv1.GetOrderRequest{OrderId: id}))
				testenv.WantCode(t, err, connect.CodeNotFound, ReasonOrderNotFound)
				_, err = client.CancelOrder(ctx, testenv.Bearer(malloryToken, &orderv1.CancelOrderRequest{OrderId: id}))
				testenv.WantCode(t, err, connect.CodeNotFound, ReasonOrderNotFound)
				_, err = client.ConfirmReceipt(ctx, testenv.Bearer(malloryToken, &orderv1.ConfirmReceiptRequest{OrderId: id}))
				testenv.WantCode(t, err, connect.CodeNotFound, ReasonOrderNotFound)
				_, err = client.GetCheckout(ctx, testenv.Bearer(malloryToken, &orderv1.GetCheckoutRequest{OrderId: id}))
				testenv.WantCode(t, err, connect.CodeNotFound, "")
			}
			list, err := client.ListOrders(ctx, testenv.Bearer(malloryToken, &orderv1.ListOrdersRequest{}))
			if err != nil || len(list.Msg.GetOrders()) != 0 {
				t.Fatalf("mallory lists %v %v", list, err)
			}
			for id, status := range map[string]orderv1.OrderStatus{pendingID: statusPending, deliveredID: statusDelivered} {
				got, err := client.GetOrder(ctx, testenv.Bearer(aliceToken, &orderv1.GetOrderRequest{OrderId: id}))
				if err != nil || got.Msg.GetOrder().GetStatus() != status {
					t.Fatalf("alice's order %s after mallory: %v %v", id, got, err)
				}
			}
			// Without a token, user RPCs are unauthenticated.
			_, err = client.GetOrder(ctx, testenv.Bearer("", &orderv1.GetOrderRequest{OrderId: pendingID}))
			testenv.WantCode(t, err, connect.CodeUnauthenticated, "")
		})
	}
}

// TestAccessLevels: internal RPCs take only service credentials, admin RPCs
// only admins.
func TestAccessLevels(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, userToken := f.user(t)
	for name, client := range f.clients {
		t.Run(name, func(t *testing.T) {
			internal := func(token string) []error {
				var errs []error
				_, err := client.CreateOrder(ctx, testenv.Bearer(token, orderRequest("u-x", "o-forged")))
				errs = append(errs, err)
				_, err = client.TransitionOrder(ctx, testenv.Bearer(token, &orderv1.TransitionOrderRequest{OrderId: "o-forged", ToStatus: statusPaid, Reason: "free"}))
				errs = append(errs, err)
				_, err = client.GetOrderInternal(ctx, testenv.Bearer(token, &orderv1.GetOrderInternalRequest{OrderId: "o-forged"}))
				errs = append(errs, err)
				_, err = client.ListOrdersInternal(ctx, testenv.Bearer(token, &orderv1.ListOrdersInternalRequest{}))
				errs = append(errs, err)
				_, err = client.RecordRefundRefused(ctx, testenv.Bearer(token, &orderv1.RecordRefundRefusedRequest{OrderId: "o-forged"}))
				errs = append(errs, err)
				return errs
			}
			for _, token := range []string{userToken, f.admin} {
				for _, err := range internal(token) {
					testenv.WantCode(t, err, connect.CodePermissionDenied, "")
				}
			}
			for _, err := range internal("") {
				testenv.WantCode(t, err, connect.CodeUnauthenticated, "")
			}
			_, err := client.AdminListOrders(ctx, testenv.Bearer(userToken, &orderv1.AdminListOrdersRequest{}))
			testenv.WantCode(t, err, connect.CodePermissionDenied, "")
			_, err = client.ShipOrder(ctx, testenv.Bearer(userToken, &orderv1.ShipOrderRequest{OrderId: "o-forged", Carrier: "SF", TrackingNumber: "1"}))
			testenv.WantCode(t, err, connect.CodePermissionDenied, "")
			_, err = client.MarkDelivered(ctx, testenv.Bearer(userToken, &orderv1.MarkDeliveredRequest{OrderId: "o-forged"}))
			testenv.WantCode(t, err, connect.CodePermissionDenied, "")
			_, err = client.AdminGetOrder(ctx, testenv.Bearer(userToken, &orderv1.AdminGetOrderRequest{OrderId: "o-forged"}))
			testenv.WantCode(t, err, connect.CodePermissionDenied, "")
			_, err = client.AdminCancelOrder(ctx, testenv.Bearer(userToken, &orderv1.AdminCancelOrderRequest{OrderId: "o-forged", Reason: "mine"}))
			testenv.WantCode(t, err, connect.CodePermissionDenied, "")
			_, err = client.BulkShipOrders(ctx, testenv.Bearer(userToken, &orderv1.BulkShipOrdersRequest{Items: []*orderv1.ShipItem{{OrderId: "o-forged", Carrier: "SF", TrackingNumber: "1"}}}))
			testenv.WantCode(t, err, connect.CodePermissionDenied, "")
			// Nothing was created by the refused calls.
			_, err = client.GetOrderInternal(ctx, testenv.Bearer(f.service, &orderv1.GetOrderInternalRequest{OrderId: "o-forged"}))
			testenv.WantCode(t, err, connect.CodeNotFound, ReasonOrderNotFound)
			// Flash-sale orders: an empty batch is invalid; only a service writes one.
			_, err = client.CreateFlashSaleOrders(ctx, testenv.Bearer(f.service, &orderv1.CreateFlashSaleOrdersRequest{}))
			testenv.WantCode(t, err, connect.CodeInvalidArgument, "")
			_, err = client.CreateFlashSaleOrders(ctx, testenv.Bearer(userToken, &orderv1.CreateFlashSaleOrdersRequest{Orders: []*orderv1.FlashSaleOrderInput{{
				Ticket: "t1", SeckillEventId: "e1", UserId: "u1", ProductId: "p1", UnitPriceCents: 1, Quantity: 1,
				AcceptedAt: timestamppb.Now(), PaymentDeadline: timestamppb.Now()}}}))
			testenv.WantCode(t, err, connect.CodePermissionDenied, "")
		})
	}
}
