package seckill

import (
	"context"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	seckillv1 "mall/gen/mall/seckill/v1"
	"mall/services/platform/testenv"
)

// TestAnAdmissionWhoseProducerDiedIsRelayed: a purchase admitted by a
// process that died before producing it (admitted here without the
// produce) stays in the sale's outbox; the relay produces it once it is
// older than RelayAfter, and empties the outbox. A purchase that went
// through Purchase leaves nothing there, and a young entry is left alone
// (its producer may still be at work).
func TestAnAdmissionWhoseProducerDiedIsRelayed(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	ctx := context.Background()
	ev := f.event(t, 5, -time.Minute, time.Hour)
	eventID := ev.GetEventId()
	if _, err := f.buy(f.clients["grpc"], f.user(t, "u-alive"), eventID); err != nil {
		t.Fatal(err)
	}
	outboxLen := func() int64 {
		n, err := f.valkey.Do(ctx, f.valkey.B().Hlen().Key(f.svc.keys(eventID).outbox).Build()).AsInt64()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	seen := int64(-1)
	testenv.Eventually(t, 5*time.Second, "the outbox emptied after a completed purchase", func() bool {
		n := outboxLen()
		if n != seen && n != 0 {
			t.Logf("%d outbox entries after a completed purchase", n)
		}
		seen = n
		return n == 0
	})

	admitted := func(user string, at time.Time) {
		ticket := newTicket(eventID, user)
		record, _ := proto.Marshal(&seckillv1.PurchaseRecord{Ticket: ticket, EventId: eventID, UserId: user, ProductId: "p0001",
			PriceCents: 990, Quantity: 1, AcceptedAt: timestamppb.New(at)})
		outcome, _, err := f.svc.admit(ctx, eventID, user, ticket, 1, record, true)
		if err != nil || outcome != admitAccepted {
			t.Fatalf("admit %s: %d %v", user, outcome, err)
		}
	}
	now := time.Now()
	admitted("u-dead", now.Add(-time.Minute)) // its process died a minute ago
	admitted("u-young", now)                  // its process is producing right now
	if left := f.stock(t, eventID); left != 2 {
		t.Fatalf("stock %d, want 2", left)
	}

	n, err := f.svc.relayOutbox(ctx, eventID, now)
	if err != nil || n != 1 {
		t.Fatalf("relayed %d (%v), want 1", n, err)
	}
	records := f.records(t, 2)
	buyers := map[string]bool{}
	for _, r := range records {
		if r == nil {
			t.Fatalf("more records than purchases: %v", records)
		}
		buyers[r.GetUserId()] = true
	}
	if len(records) != 2 || !buyers["u-alive"] || !buyers["u-dead"] {
		t.Fatalf("records of %v", buyers)
	}
	if n := outboxLen(); n != 1 {
		t.Fatalf("%d outbox entries left, want the young one", n)
	}
	// Later the young one's producer is gone too: relayed as well.
	if n, err := f.svc.relayOutbox(ctx, eventID, now.Add(time.Minute)); err != nil || n != 1 || outboxLen() != 0 {
		t.Fatalf("second round relayed %d (%v), outbox %d", n, err, outboxLen())
	}
}
