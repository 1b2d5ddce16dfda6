package seckill

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"mall/services/platform/ratelimit"
	"mall/services/platform/testenv"
)

// newAdmission is a purchase of one unit by user, its record made up.
func newAdmission(eventID, user string, addressResolved bool) *admission {
	ticket := newTicket(eventID, user)
	return &admission{userID: user, ticket: ticket, qty: 1, record: []byte("record of " + ticket), resolved: addressResolved,
		done: make(chan struct{})}
}

// One script call decides a batch of purchases as they would be decided
// one after another: a buyer asking without an address while a unit is
// left is told to resolve it (nothing counted), the same buyer then gets
// a unit, is already_bought on the next try and rate-limited on the one
// after, the next buyer takes the last unit and the one after finds it
// sold out; only the two accepted are marked, with their tickets, and
// have their records in the outbox.
func TestABatchIsDecidedAsItsPurchasesOneAfterAnother(t *testing.T) {
	f := newFixture(t, fixtureOptions{rate: ratelimit.Limit{Burst: 2, Period: time.Minute}})
	ctx := context.Background()
	eventID := f.event(t, 2, -time.Minute, time.Hour).GetEventId()
	f.stock(t, eventID) // the sale is loaded and ready
	batch := []*admission{
		newAdmission(eventID, "u-a", false),
		newAdmission(eventID, "u-a", true),
		newAdmission(eventID, "u-a", true),
		newAdmission(eventID, "u-a", true),
		newAdmission(eventID, "u-b", true),
		newAdmission(eventID, "u-c", false),
	}
	f.svc.admitBatch(ctx, eventID, batch)
	want := []int64{admitNeedsAddress, admitAccepted, admitAlreadyBought, admitRateLimited, admitAccepted, admitSoldOut}
	for i, a := range batch {
		select {
		case <-a.done:
		default:
			t.Fatalf("purchase %d not done", i)
		}
		if a.err != nil || a.outcome != want[i] {
			t.Errorf("purchase %d (%s): outcome %d err %v, want %d", i, a.userID, a.outcome, a.err, want[i])
		}
	}
	if batch[1].value != 1 || batch[4].value != 0 || batch[3].value <= 0 {
		t.Errorf("units left %d then %d; rate-limited for %d ms", batch[1].value, batch[4].value, batch[3].value)
	}
	if left := f.stock(t, eventID); left != 0 {
		t.Errorf("stock %d, want 0", left)
	}
	k := f.svc.keys(eventID)
	marks, err := f.valkey.Do(ctx, f.valkey.B().Hgetall().Key(k.buyers).Build()).AsStrMap()
	if err != nil || len(marks) != 2 || marks["u-a"] != batch[1].ticket || marks["u-b"] != batch[4].ticket {
		t.Errorf("buyers %v (%v)", marks, err)
	}
	outbox, err := f.valkey.Do(ctx, f.valkey.B().Hgetall().Key(k.outbox).Build()).AsStrMap()
	if err != nil || len(outbox) != 2 || outbox[batch[1].ticket] != string(batch[1].record) || outbox[batch[4].ticket] != string(batch[4].record) {
		t.Errorf("outbox %v (%v)", outbox, err)
	}
}

// Purchases that arrive while every place is taken wait in the sale's
// queue; the runner that frees a place takes them in batches of at most
// maxAdmissionBatch, leaving the rest to a runner of its own, and gives
// its place up once none wait. Every buyer learns its outcome: exactly
// the stock is admitted, once per buyer.
func TestQueuedPurchasesAreAdmittedInBatchesUntilNoneWait(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	ctx := context.Background()
	const stock, buyers = 20, maxAdmissionBatch + 36
	eventID := f.event(t, stock, -time.Minute, time.Hour).GetEventId()
	f.stock(t, eventID)
	q := &admissionQueue{running: maxAdmissionBatchesInFlight}
	f.svc.admissionQueues.Store(eventID, q)

	outcomes := make([]int64, buyers)
	var wg sync.WaitGroup
	for i := range buyers {
		wg.Go(func() {
			user := fmt.Sprintf("u-%03d", i)
			outcome, _, err := f.svc.admit(ctx, eventID, user, newTicket(eventID, user), 1, []byte(user), true)
			if err != nil {
				t.Errorf("%s: %v", user, err)
			}
			outcomes[i] = outcome
		})
	}
	testenv.Eventually(t, 10*time.Second, "every purchase queued", func() bool {
		q.mu.Lock()
		defer q.mu.Unlock()
		return len(q.pending) == buyers
	})
	f.svc.runAdmissions(ctx, eventID, q) // as the runner holding a place
	answered := make(chan struct{})
	go func() { wg.Wait(); close(answered) }()
	select {
	case <-answered:
	case <-time.After(10 * time.Second):
		t.Fatal("purchases left waiting in the queue")
	}
	accepted := 0
	for i, o := range outcomes {
		switch o {
		case admitAccepted:
			accepted++
		case admitSoldOut:
		default:
			t.Errorf("buyer %d: outcome %d", i, o)
		}
	}
	if accepted != stock {
		t.Errorf("%d accepted, want %d", accepted, stock)
	}
	if left := f.stock(t, eventID); left != 0 {
		t.Errorf("stock %d, want 0", left)
	}
	testenv.Eventually(t, 5*time.Second, "the place given up", func() bool {
		q.mu.Lock()
		defer q.mu.Unlock()
		return q.running == maxAdmissionBatchesInFlight-1 && len(q.pending) == 0
	})
}
