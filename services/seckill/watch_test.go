package seckill

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"google.golang.org/protobuf/proto"

	seckillv1 "mall/gen/mall/seckill/v1"
	"mall/gen/mall/seckill/v1/seckillv1connect"
	"mall/services/platform/feed"
	"mall/services/platform/testenv"
)

// hintsOnly is a feed whose watchers re-read only on a hint: a result that
// reaches a stream came through the pub/sub feed.
var hintsOnly = feed.Options{Recheck: time.Hour}

// watchResult opens a result stream; its context ends with the test.
func watchResult(t *testing.T, client seckillv1connect.SeckillServiceClient, token, ticket string) (*connect.ServerStreamForClient[seckillv1.WatchPurchaseResultResponse], context.CancelFunc) {
	t.Helper()
	return watch(t, client, token, &seckillv1.WatchPurchaseResultRequest{Ticket: ticket})
}

func watch(t *testing.T, client seckillv1connect.SeckillServiceClient, token string, req *seckillv1.WatchPurchaseResultRequest) (*connect.ServerStreamForClient[seckillv1.WatchPurchaseResultResponse], context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	stream, err := client.WatchPurchaseResult(ctx, testenv.Bearer(token, req))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = stream.Close() })
	return stream, cancel
}

// nextResult is the stream's next message; it fails the test when the
// stream ended instead.
func nextResult(t *testing.T, stream *connect.ServerStreamForClient[seckillv1.WatchPurchaseResultResponse]) *seckillv1.GetPurchaseResultResponse {
	t.Helper()
	if !stream.Receive() {
		t.Fatalf("the stream ended: %v", stream.Err())
	}
	return stream.Msg().GetResult()
}

// wantQueued fails the test unless the stream's next message says the
// purchase is queued.
func wantQueued(t *testing.T, stream *connect.ServerStreamForClient[seckillv1.WatchPurchaseResultResponse]) {
	t.Helper()
	if got := nextResult(t, stream); got.GetState() != seckillv1.PurchaseState_PURCHASE_STATE_QUEUED {
		t.Fatalf("the stream's next message is %v, want QUEUED", got)
	}
}

// wantEnd fails the test unless the stream ends cleanly with no more
// messages.
func wantEnd(t *testing.T, stream *connect.ServerStreamForClient[seckillv1.WatchPurchaseResultResponse]) {
	t.Helper()
	if stream.Receive() {
		t.Fatalf("one more message after the final state: %v", stream.Msg())
	}
	if err := stream.Err(); err != nil {
		t.Fatalf("the stream failed: %v", err)
	}
}

// A buyer's stream says QUEUED at once and the writers' result as soon as
// they record it (through the feed's hint: nothing re-reads on a timer
// here), nothing in between, then ends; the same through Connect and gRPC.
func TestWatchPurchaseResultPushesTheWritersResult(t *testing.T) {
	f := newFixture(t, fixtureOptions{feed: hintsOnly})
	ctx := context.Background()
	ev := f.event(t, 5, -time.Minute, time.Hour)
	for name, final := range map[string]*seckillv1.PurchaseResult{
		"connect-json": {State: seckillv1.PurchaseState_PURCHASE_STATE_ORDER_CREATED, OrderId: "o-watched"},
		"grpc":         {State: seckillv1.PurchaseState_PURCHASE_STATE_FAILED, FailureReason: "sold out", FailureCode: ReasonSoldOut},
	} {
		t.Run(name, func(t *testing.T) {
			client := f.clients[name]
			buyer := f.user(t, "u-watch-"+name)
			ticket, err := f.buy(client, buyer, ev.GetEventId())
			if err != nil {
				t.Fatal(err)
			}
			stream, _ := watchResult(t, client, buyer, ticket)
			first := nextResult(t, stream)
			if first.GetState() != seckillv1.PurchaseState_PURCHASE_STATE_QUEUED || first.GetTicket() != ticket || first.GetEventId() != ev.GetEventId() {
				t.Fatalf("first message %v", first)
			}
			// A hint without a change sends nothing: the next message is
			// the writers' result.
			f.svc.opts.Feed.Publish(ctx, resultHint(ticket))
			final.Ticket = ticket
			if _, err := client.RecordPurchaseResults(ctx, testenv.Bearer(f.service, &seckillv1.RecordPurchaseResultsRequest{
				Results: []*seckillv1.PurchaseResult{final}})); err != nil {
				t.Fatal(err)
			}
			got := nextResult(t, stream)
			if got.GetState() != final.GetState() || got.GetOrderId() != final.GetOrderId() || got.GetFailureCode() != final.GetFailureCode() ||
				got.GetFailureReason() != final.GetFailureReason() {
				t.Fatalf("final message %v, want %v", got, final)
			}
			wantEnd(t, stream)
			testenv.Eventually(t, 10*time.Second, "the watcher removed", func() bool { return f.svc.opts.Feed.Watchers() == 0 })
		})
	}
}

// A stream woken by a hint that carries its ticket's final result sends
// that result without reading it (here MySQL has no result at all, so only
// the hint can have told it); a hint carrying another ticket's result, a
// QUEUED one or bytes that do not decode costs a read instead, which finds
// nothing new and sends nothing.
func TestWatchPurchaseResultSendsTheFinalResultItsHintCarried(t *testing.T) {
	f := newFixture(t, fixtureOptions{feed: hintsOnly})
	ctx := context.Background()
	ev := f.event(t, 5, -time.Minute, time.Hour)
	buyer := f.user(t, "u-hinted")
	ticket, err := f.buy(f.clients["connect-json"], buyer, ev.GetEventId())
	if err != nil {
		t.Fatal(err)
	}
	stream, _ := watchResult(t, f.clients["connect-json"], buyer, ticket)
	wantQueued(t, stream)
	carrying := func(result *seckillv1.GetPurchaseResultResponse) feed.State {
		value, err := proto.Marshal(result)
		if err != nil {
			t.Fatal(err)
		}
		return feed.State{Key: resultHint(ticket), Value: value}
	}
	created := func(ticket, order string) *seckillv1.GetPurchaseResultResponse {
		return &seckillv1.GetPurchaseResultResponse{Ticket: ticket, EventId: ev.GetEventId(),
			State: seckillv1.PurchaseState_PURCHASE_STATE_ORDER_CREATED, OrderId: order}
	}
	queued := created(ticket, "")
	queued.State = seckillv1.PurchaseState_PURCHASE_STATE_QUEUED
	// One at a time, each given time to wake the stream: a state it took
	// as its answer would be the next message.
	for _, wrong := range []feed.State{carrying(created(ticket+"x", "o-someone-elses")), carrying(queued),
		{Key: resultHint(ticket), Value: []byte("not a result")}} {
		f.svc.opts.Feed.PublishStates(ctx, wrong)
		time.Sleep(300 * time.Millisecond)
	}
	fromHints := testutil.ToFloat64(resultsFromHints)
	f.svc.opts.Feed.PublishStates(ctx, carrying(created(ticket, "o-hinted")))
	if got := nextResult(t, stream); got.GetState() != seckillv1.PurchaseState_PURCHASE_STATE_ORDER_CREATED || got.GetOrderId() != "o-hinted" ||
		got.GetTicket() != ticket || got.GetEventId() != ev.GetEventId() {
		t.Fatalf("after the hints %v, want the hinted o-hinted (nothing from the others)", got)
	}
	wantEnd(t, stream)
	if n := testutil.ToFloat64(resultsFromHints) - fromHints; n < 1 {
		t.Errorf("results sent from hints went up by %v, want at least 1", n)
	}
}

// A buyer who has just purchased says so and is sent nothing until the
// result changes: the stream does not read what the buyer holds. Only a
// change this process heard of lately is read at once, so a result stored
// without its hint (what the recheck timer is for) waits for a hint; a
// result recorded with its hint reaches a late stream at once; and
// another buyer's ticket is still refused at once.
func TestWatchPurchaseResultAfterAPurchaseStartsWithoutARead(t *testing.T) {
	const freshFor = 2 * time.Second
	f := newFixture(t, fixtureOptions{feed: feed.Options{Recheck: time.Hour, FreshFor: freshFor}})
	ctx := context.Background()
	ev := f.event(t, 5, -time.Minute, time.Hour)
	time.Sleep(freshFor) // the subscription has stood that long: no hint can have been missed
	justBought := func(token, ticket string) *connect.ServerStreamForClient[seckillv1.WatchPurchaseResultResponse] {
		stream, _ := watch(t, f.clients["connect-json"], token, &seckillv1.WatchPurchaseResultRequest{Ticket: ticket, JustPurchased: true})
		return stream
	}
	created := func(ticket, order string) resultRow {
		return resultRow{Ticket: ticket, EventID: ev.GetEventId(), State: int32(seckillv1.PurchaseState_PURCHASE_STATE_ORDER_CREATED),
			OrderID: order, UpdatedAt: dbTime(time.Now())}
	}

	unhinted := f.user(t, "u-quiet")
	ticket, err := f.buy(f.clients["grpc"], unhinted, ev.GetEventId())
	if err != nil {
		t.Fatal(err)
	}
	if err := upsertResults(ctx, f.db, []resultRow{created(ticket, "o-quiet")}); err != nil {
		t.Fatal(err)
	}
	stream := justBought(unhinted, ticket)
	received := make(chan *seckillv1.GetPurchaseResultResponse, 1)
	go func() {
		if stream.Receive() {
			received <- stream.Msg().GetResult()
		}
		close(received)
	}()
	select {
	case got := <-received:
		t.Fatalf("the stream read at once and sent %v", got)
	case <-time.After(500 * time.Millisecond):
	}
	f.svc.opts.Feed.Publish(ctx, resultHint(ticket))
	if got := <-received; got.GetState() != seckillv1.PurchaseState_PURCHASE_STATE_ORDER_CREATED || got.GetOrderId() != "o-quiet" {
		t.Fatalf("after the hint %v", got)
	}
	wantEnd(t, stream)

	late := f.user(t, "u-late")
	ticket, err = f.buy(f.clients["grpc"], late, ev.GetEventId())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.clients["grpc"].RecordPurchaseResults(ctx, testenv.Bearer(f.service, &seckillv1.RecordPurchaseResultsRequest{
		Results: []*seckillv1.PurchaseResult{{Ticket: ticket, State: seckillv1.PurchaseState_PURCHASE_STATE_ORDER_CREATED, OrderId: "o-late"}}})); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 10*time.Second, "the hint heard", func() bool { return !f.svc.opts.Feed.UnchangedLately(resultHint(ticket)) })
	stream = justBought(late, ticket)
	if got := nextResult(t, stream); got.GetOrderId() != "o-late" {
		t.Fatalf("a stream after a hinted change %v", got)
	}
	wantEnd(t, stream)

	stream = justBought(f.user(t, "u-other"), ticket)
	if stream.Receive() {
		t.Fatalf("a message for another buyer's ticket: %v", stream.Msg())
	}
	testenv.WantCode(t, stream.Err(), connect.CodeNotFound, ReasonTicketNotFound)
}

// Another buyer's ticket, or a made-up one, is refused as GetPurchaseResult
// refuses it, and no watcher stays behind.
func TestWatchPurchaseResultIsTheBuyers(t *testing.T) {
	// The feed vouches for quiet keys soon, so a stream that says it has
	// just purchased would skip its read if the refusals depended on it.
	const freshFor = 200 * time.Millisecond
	f := newFixture(t, fixtureOptions{feed: feed.Options{FreshFor: freshFor, Recheck: time.Hour}})
	ev := f.event(t, 5, -time.Minute, time.Hour)
	time.Sleep(freshFor)
	alice, bob := f.user(t, "u-alice"), f.user(t, "u-bob")
	ticket, err := f.buy(f.clients["grpc"], alice, ev.GetEventId())
	if err != nil {
		t.Fatal(err)
	}
	// Alice's own digest on a sale that does not exist.
	missingSale := "ev-missing." + buyerDigest("u-alice") + ".00"
	for _, name := range []string{"connect-json", "grpc"} {
		// Saying "just purchased" skips no check: it only spares the read.
		for _, justPurchased := range []bool{false, true} {
			for _, tc := range []struct{ token, ticket string }{{bob, ticket}, {alice, "garbage"}, {alice, "missing.0123456789abcdef.00"}, {alice, missingSale}} {
				stream, _ := watch(t, f.clients[name], tc.token, &seckillv1.WatchPurchaseResultRequest{Ticket: tc.ticket, JustPurchased: justPurchased})
				if stream.Receive() {
					t.Fatalf("%s (just purchased: %t): a message for %s: %v", name, justPurchased, tc.ticket, stream.Msg())
				}
				testenv.WantCode(t, stream.Err(), connect.CodeNotFound, ReasonTicketNotFound)
			}
			// The contract's rules hold for a stream's request too.
			stream, _ := watch(t, f.clients[name], alice, &seckillv1.WatchPurchaseResultRequest{Ticket: strings.Repeat("x", 65), JustPurchased: justPurchased})
			if stream.Receive() {
				t.Fatalf("%s: a message for an oversized ticket", name)
			}
			testenv.WantCode(t, stream.Err(), connect.CodeInvalidArgument, "")
		}
	}
	if n := f.svc.opts.Feed.Watchers(); n != 0 {
		t.Fatalf("%d watchers left", n)
	}
}

// One buyer holds at most MaxPerOwner streams in a process; the next is
// refused with a reason while other buyers still stream, and a stream
// whose client went away frees its place (its watcher is removed).
func TestWatchPurchaseResultStreamsPerBuyerAreCapped(t *testing.T) {
	f := newFixture(t, fixtureOptions{feed: feed.Options{MaxPerOwner: 2, Recheck: time.Hour}})
	ev := f.event(t, 5, -time.Minute, time.Hour)
	alice, bob := f.user(t, "u-alice"), f.user(t, "u-bob")
	aliceTicket, err := f.buy(f.clients["grpc"], alice, ev.GetEventId())
	if err != nil {
		t.Fatal(err)
	}
	bobTicket, err := f.buy(f.clients["grpc"], bob, ev.GetEventId())
	if err != nil {
		t.Fatal(err)
	}
	var cancels []context.CancelFunc
	for range 2 {
		stream, cancel := watchResult(t, f.clients["connect-json"], alice, aliceTicket)
		nextResult(t, stream)
		cancels = append(cancels, cancel)
	}
	over, _ := watchResult(t, f.clients["grpc"], alice, aliceTicket)
	if over.Receive() {
		t.Fatalf("a third stream: %v", over.Msg())
	}
	testenv.WantCode(t, over.Err(), connect.CodeResourceExhausted, feed.ReasonTooManyStreams)
	other, _ := watchResult(t, f.clients["grpc"], bob, bobTicket)
	if got := nextResult(t, other); got.GetTicket() != bobTicket {
		t.Fatalf("bob's stream %v", got)
	}
	if n := f.svc.opts.Feed.Watchers(); n != 3 {
		t.Fatalf("%d watchers, want 3", n)
	}
	cancels[0]()
	testenv.Eventually(t, 10*time.Second, "the disconnected watcher removed", func() bool { return f.svc.opts.Feed.Watchers() == 2 })
	again, _ := watchResult(t, f.clients["grpc"], alice, aliceTicket)
	wantQueued(t, again)
}

// Fifty streams of one buyer opened at once, saying they have just
// purchased: MaxPerOwner stand, every other one is refused with a reason,
// and none is left behind once their clients go.
func TestFiftyConcurrentWatchesOfOneBuyerAreCapped(t *testing.T) {
	f := newFixture(t, fixtureOptions{feed: feed.Options{MaxPerOwner: 4, Recheck: time.Hour}})
	ev := f.event(t, 5, -time.Minute, time.Hour)
	buyer := f.user(t, "u-many")
	ticket, err := f.buy(f.clients["grpc"], buyer, ev.GetEventId())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[connect.Code]int{}
	standing := 0
	for range 50 {
		wg.Go(func() {
			stream, err := f.clients["connect-json"].WatchPurchaseResult(ctx, testenv.Bearer(buyer,
				&seckillv1.WatchPurchaseResultRequest{Ticket: ticket, JustPurchased: true}))
			if err != nil {
				t.Error(err)
				return
			}
			defer func() { _ = stream.Close() }()
			// A refused stream ends at once; a standing one waits for a
			// change (none comes) until the test lets it go.
			received := make(chan bool, 1)
			go func() { received <- stream.Receive() }()
			select {
			case got := <-received:
				if got {
					t.Errorf("a message: %v", stream.Msg())
				}
				mu.Lock()
				codes[connect.CodeOf(stream.Err())]++
				mu.Unlock()
				if connect.CodeOf(stream.Err()) == connect.CodeResourceExhausted {
					testenv.WantCode(t, stream.Err(), connect.CodeResourceExhausted, feed.ReasonTooManyStreams)
				}
			case <-time.After(2 * time.Second):
				mu.Lock()
				standing++
				mu.Unlock()
				<-ctx.Done()
			}
		})
	}
	testenv.Eventually(t, 20*time.Second, "every stream answered or standing", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return standing+codes[connect.CodeResourceExhausted] == 50 || len(codes) > 1
	})
	mu.Lock()
	if standing != 4 || codes[connect.CodeResourceExhausted] != 46 || len(codes) != 1 {
		t.Errorf("%d streams standing, refusals by code %v; want 4 standing and 46 resource_exhausted", standing, codes)
	}
	mu.Unlock()
	cancel()
	wg.Wait()
	testenv.Eventually(t, 10*time.Second, "the watchers removed", func() bool { return f.svc.opts.Feed.Watchers() == 0 })
}

// A result whose hint never came (stored without publishing, as when
// Valkey lost the message) reaches the stream on the watcher's timer.
func TestWatchPurchaseResultCatchesUpWithoutAHint(t *testing.T) {
	f := newFixture(t, fixtureOptions{feed: feed.Options{Recheck: 200 * time.Millisecond}})
	ev := f.event(t, 5, -time.Minute, time.Hour)
	buyer := f.user(t, "u-unhinted")
	ticket, err := f.buy(f.clients["grpc"], buyer, ev.GetEventId())
	if err != nil {
		t.Fatal(err)
	}
	stream, _ := watchResult(t, f.clients["grpc"], buyer, ticket)
	wantQueued(t, stream)
	if err := upsertResults(context.Background(), f.db, []resultRow{{Ticket: ticket, EventID: ev.GetEventId(),
		State: int32(seckillv1.PurchaseState_PURCHASE_STATE_ORDER_CREATED), OrderID: "o-unhinted", UpdatedAt: dbTime(time.Now())}}); err != nil {
		t.Fatal(err)
	}
	if got := nextResult(t, stream); got.GetState() != seckillv1.PurchaseState_PURCHASE_STATE_ORDER_CREATED || got.GetOrderId() != "o-unhinted" {
		t.Fatalf("caught up %v", got)
	}
	wantEnd(t, stream)
}

// A stream that reaches its lifetime ends cleanly; the buyer calls again
// and is told where the purchase stands.
func TestWatchPurchaseResultEndsAtItsLifetime(t *testing.T) {
	f := newFixture(t, fixtureOptions{feed: feed.Options{MaxLifetime: 300 * time.Millisecond, Recheck: time.Hour}})
	ev := f.event(t, 5, -time.Minute, time.Hour)
	buyer := f.user(t, "u-long")
	ticket, err := f.buy(f.clients["grpc"], buyer, ev.GetEventId())
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		stream, _ := watchResult(t, f.clients["connect-json"], buyer, ticket)
		wantQueued(t, stream)
		wantEnd(t, stream)
	}
	testenv.Eventually(t, 10*time.Second, "the watchers removed", func() bool { return f.svc.opts.Feed.Watchers() == 0 })
}
