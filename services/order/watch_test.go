package order

import (
	"context"
	"testing"
	"time"

	"connectrpc.com/connect"

	orderv1 "mall/gen/mall/order/v1"
	"mall/gen/mall/order/v1/orderv1connect"
	"mall/services/platform/feed"
	"mall/services/platform/ratelimit"
	"mall/services/platform/testenv"
)

type orderStream = connect.ServerStreamForClient[orderv1.WatchOrderResponse]

// watchOrder opens an order stream; its context ends with the test.
func watchOrder(t *testing.T, client orderv1connect.OrderServiceClient, token, orderID, cursor string) *orderStream {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	stream, err := client.WatchOrder(ctx, testenv.Bearer(token, &orderv1.WatchOrderRequest{OrderId: orderID, Cursor: cursor}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = stream.Close() })
	return stream
}

// nextOrder is the stream's next message, which must show the order in
// status want.
func nextOrder(t *testing.T, stream *orderStream, want orderv1.OrderStatus) *orderv1.WatchOrderResponse {
	t.Helper()
	if !stream.Receive() {
		t.Fatalf("the stream ended waiting for %v: %v", want, stream.Err())
	}
	msg := stream.Msg()
	if msg.GetOrder().GetStatus() != want || msg.GetCursor() == "" {
		t.Fatalf("got %v (cursor %q), want %v", msg.GetOrder().GetStatus(), msg.GetCursor(), want)
	}
	return msg
}

// watchNewOrder creates a pending order of a new user and opens its
// stream, which shows it PENDING_PAYMENT at once.
func (f *fixture) watchNewOrder(t *testing.T, client orderv1connect.OrderServiceClient) (string, string, *orderStream, *orderv1.WatchOrderResponse) {
	t.Helper()
	userID, token := f.user(t)
	orderID := "o-" + testenv.RandomID(6)
	f.createOrder(t, client, userID, orderID)
	stream := watchOrder(t, client, token, orderID, "")
	return token, orderID, stream, nextOrder(t, stream, statusPending)
}

func wantOrderStreamEnd(t *testing.T, stream *orderStream) {
	t.Helper()
	if stream.Receive() {
		t.Fatalf("one more message after the terminal status: %v", stream.Msg().GetOrder().GetStatus())
	}
	if err := stream.Err(); err != nil {
		t.Fatalf("the stream failed: %v", err)
	}
}

// The buyer's stream shows the order at once and after every change, each
// through the feed's hint (nothing re-reads on a timer here), and ends
// after a terminal status: to COMPLETED over Connect, to REFUNDED (through
// the buyer's cancel of a paid order) over gRPC.
func TestWatchOrderFollowsEachTransition(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	t.Run("connect-json", func(t *testing.T) {
		client := f.clients["connect-json"]
		token, orderID, stream, _ := f.watchNewOrder(t, client)
		f.transition(t, client, orderID, statusPaid, "paid")
		nextOrder(t, stream, statusPaid)
		if _, err := client.ShipOrder(ctx, testenv.Bearer(f.admin, &orderv1.ShipOrderRequest{OrderId: orderID, Carrier: "SF", TrackingNumber: "SF77"})); err != nil {
			t.Fatal(err)
		}
		if shipped := nextOrder(t, stream, statusShipped); shipped.GetOrder().GetTrackingNumber() != "SF77" {
			t.Fatalf("shipped %v", shipped.GetOrder())
		}
		if _, err := client.MarkDelivered(ctx, testenv.Bearer(f.admin, &orderv1.MarkDeliveredRequest{OrderId: orderID})); err != nil {
			t.Fatal(err)
		}
		nextOrder(t, stream, statusDelivered)
		if _, err := client.ConfirmReceipt(ctx, testenv.Bearer(token, &orderv1.ConfirmReceiptRequest{OrderId: orderID})); err != nil {
			t.Fatal(err)
		}
		if done := nextOrder(t, stream, statusCompleted); len(done.GetOrder().GetHistory()) != 5 {
			t.Fatalf("history %v", done.GetOrder().GetHistory())
		}
		wantOrderStreamEnd(t, stream)
	})
	t.Run("grpc", func(t *testing.T) {
		client := f.clients["grpc"]
		userID, token := f.user(t)
		orderID := "o-" + testenv.RandomID(6)
		f.createOrder(t, client, userID, orderID)
		f.transition(t, client, orderID, statusPaid, "paid")
		stream := watchOrder(t, client, token, orderID, "")
		paid := nextOrder(t, stream, statusPaid)
		// The buyer's cancel asks for a refund: still PAID, the refund under way.
		if _, err := client.CancelOrder(ctx, testenv.Bearer(token, &orderv1.CancelOrderRequest{OrderId: orderID})); err != nil {
			t.Fatal(err)
		}
		asked := nextOrder(t, stream, statusPaid)
		if asked.GetOrder().GetRefundState() != orderv1.RefundState_REFUND_STATE_REQUESTED || asked.GetCursor() == paid.GetCursor() {
			t.Fatalf("refund asked %v cursor %q", asked.GetOrder().GetRefundState(), asked.GetCursor())
		}
		f.transition(t, client, orderID, statusRefunded, "refunded")
		nextOrder(t, stream, statusRefunded)
		wantOrderStreamEnd(t, stream)
	})
	testenv.Eventually(t, 10*time.Second, "the watchers removed", func() bool { return f.svc.opts.Feed.Watchers() == 0 })
}

// A stream resumed with the cursor of the last message does not send the
// order again: its first message is the next change. A cursor of an older
// state gets the order as it is at once; the cursor of a terminal state
// ends the stream with nothing sent.
func TestWatchOrderResumesFromItsCursor(t *testing.T) {
	f := newFixture(t)
	client := f.clients["grpc"]
	token, orderID, first, pending := f.watchNewOrder(t, client)
	f.transition(t, client, orderID, statusPaid, "paid")
	paid := nextOrder(t, first, statusPaid)
	_ = first.Close()

	resumed := watchOrder(t, client, token, orderID, paid.GetCursor())
	f.transition(t, client, orderID, statusRefunded, "refunded")
	refunded := nextOrder(t, resumed, statusRefunded)
	wantOrderStreamEnd(t, resumed)

	stale := watchOrder(t, client, token, orderID, pending.GetCursor())
	nextOrder(t, stale, statusRefunded)
	wantOrderStreamEnd(t, stale)

	caughtUp := watchOrder(t, client, token, orderID, refunded.GetCursor())
	wantOrderStreamEnd(t, caughtUp)
}

// Another user's order answers exactly as a missing one, over both
// protocols, and leaves no watcher.
func TestWatchOrderIsTheBuyers(t *testing.T) {
	f := newFixture(t)
	owner, _ := f.user(t)
	_, other := f.user(t)
	orderID := "o-" + testenv.RandomID(6)
	f.createOrder(t, f.clients["grpc"], owner, orderID)
	for name, client := range f.clients {
		for _, id := range []string{orderID, "o-missing"} {
			stream := watchOrder(t, client, other, id, "")
			if stream.Receive() {
				t.Fatalf("%s: a message of %s: %v", name, id, stream.Msg())
			}
			testenv.WantCode(t, stream.Err(), connect.CodeNotFound, ReasonOrderNotFound)
		}
	}
	if n := f.svc.opts.Feed.Watchers(); n != 0 {
		t.Fatalf("%d watchers left", n)
	}
}

// A change made where no hint is published (a process whose publish
// failed, Valkey restarting) reaches the stream on the watcher's timer.
func TestWatchOrderCatchesUpWithoutAHint(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.Feed = testenv.Feed(t, feed.Options{Recheck: 200 * time.Millisecond}) })
	client := f.clients["connect-json"]
	_, orderID, stream, _ := f.watchNewOrder(t, client)
	silent := NewService(f.db, f.temporal, "unused", FlashSaleClients{}, ratelimit.New(testenv.Redis(t), "test:"+testenv.RandomID(6)+":"),
		testenv.Logger(), DefaultOptions())
	if _, _, err := silent.transition(context.Background(), transitionSpec{OrderID: orderID, To: statusCancelled, Reason: "expired"}); err != nil {
		t.Fatal(err)
	}
	nextOrder(t, stream, statusCancelled)
	wantOrderStreamEnd(t, stream)
}
