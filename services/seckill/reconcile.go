package seckill

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"connectrpc.com/connect"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/valkey-io/valkey-go"
	"google.golang.org/protobuf/proto"

	orderv1 "mall/gen/mall/order/v1"
	seckillv1 "mall/gen/mall/seckill/v1"
	"mall/services/platform/rpcerr"
)

// A sale whose Valkey state is lost (FLUSHALL, a restart without
// persistence) has no ready flag, so admission answers unavailable and
// never oversells. The reconciler rebuilds the state from what cannot be
// lost: the orders the writers stored, plus the accepted purchases still in
// Kafka after the writers' committed offsets. Then it opens admission again.

// startReconcile rebuilds a sale's state in the background, once at a time
// per process (a Valkey lock keeps other processes out).
func (s *Service) startReconcile(eventID string) {
	go func() {
		_, _, _ = s.reconciles.Do(eventID, func() (any, error) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			err := s.Reconcile(ctx, eventID)
			if err != nil {
				s.logger.Error("reconcile flash sale", "event_id", eventID, "err", err)
			}
			return nil, err
		})
	}()
}

// WatchSales checks every ReconcileEvery that each live sale's state is in
// Valkey and rebuilds the ones that are not, so a sale recovers even when
// nobody is buying.
func (s *Service) WatchSales(ctx context.Context) error {
	return every(ctx, s.opts.ReconcileEvery, func() {
		events, err := liveEvents(ctx, s.db, dbTime(time.Now()))
		if err != nil {
			s.logger.WarnContext(ctx, "list live sales", "err", err)
			return
		}
		for _, ev := range events {
			if _, ready, err := s.remaining(ctx, ev.ID); err == nil && !ready {
				s.startReconcile(ev.ID)
			}
		}
	})
}

// every calls fn each period until ctx ends.
func every(ctx context.Context, period time.Duration, fn func()) error {
	ticker := time.NewTicker(period)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
			fn()
		}
	}
}

// Reconcile rebuilds one sale's stock and buyers. It is a no-op while the
// sale is ready, and when another process holds the rebuild lock.
func (s *Service) Reconcile(ctx context.Context, eventID string) error {
	ev, err := s.event(ctx, eventID)
	if err != nil {
		return err
	}
	k := s.keys(eventID)
	if _, ready, err := s.remaining(ctx, eventID); err != nil || ready {
		return err
	}
	token := randomToken()
	locked, err := s.valkey.Do(ctx, s.valkey.B().Set().Key(k.lock).Value(token).Nx().Px(2*time.Minute).Build()).ToString()
	if err != nil || locked != "OK" {
		return nil // held by another process (a nil reply is an error here)
	}
	defer s.unlock(context.WithoutCancel(ctx), k.lock, token)
	s.logger.WarnContext(ctx, "flash sale state lost: rebuilding", "event_id", eventID)

	// Purchases admitted just before the loss are still being handed to
	// Kafka (each for at most ProduceTimeout): let them land first.
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(s.opts.ReconcileGrace):
	}

	// Snapshot the writers' progress before reading the orders: a record
	// written after the snapshot is then read from Kafka (and maybe also
	// found as an order: buyers are keyed by user, so it counts once).
	from, to, err := s.unwrittenRange(ctx)
	if err != nil {
		return err
	}
	buyers := map[string]string{}
	var sold int64
	if err := s.eachOrder(ctx, eventID, func(o *orderv1.Order) {
		if o.GetStatus() == orderv1.OrderStatus_ORDER_STATUS_CANCELLED {
			buyers[o.GetUserId()] = releasedMark
			return
		}
		buyers[o.GetUserId()] = "order"
		for _, l := range o.GetLines() {
			sold += int64(l.GetQuantity())
		}
	}); err != nil {
		return err
	}
	// An accepted purchase not written yet counts once per buyer.
	queued := 0
	queue := func(r *seckillv1.PurchaseRecord) {
		if r.GetEventId() != eventID {
			return
		}
		if _, known := buyers[r.GetUserId()]; known {
			return
		}
		buyers[r.GetUserId()] = r.GetTicket()
		sold += int64(r.GetQuantity())
		queued++
	}
	if err := s.eachUnwritten(ctx, from, to, queue); err != nil {
		return err
	}
	// Admissions whose record may never have reached Kafka (their process
	// died; the relay will produce them) are sold too. Usually the outbox
	// went with the rest of the sale's state; when it survived, it counts.
	outbox, err := s.outbox(ctx, eventID)
	if err != nil {
		return err
	}
	for _, e := range outbox {
		if e.record != nil {
			queue(e.record)
		}
	}
	stock := ev.Stock - sold
	if stock < 0 {
		s.logger.ErrorContext(ctx, "more sold than the sale's stock", "event_id", eventID, "stock", ev.Stock, "sold", sold)
		stock = 0
	}
	if err := s.load(ctx, eventID, stock, buyers); err != nil {
		return err
	}
	s.logger.WarnContext(ctx, "flash sale rebuilt; admission open", "event_id", eventID,
		"remaining", stock, "buyers", len(buyers), "queued_in_kafka", queued)
	return nil
}

// eachOrder calls fn for every order of the event.
func (s *Service) eachOrder(ctx context.Context, eventID string, fn func(*orderv1.Order)) error {
	token := ""
	for {
		res, err := s.orders.ListOrdersInternal(ctx, connect.NewRequest(&orderv1.ListOrdersInternalRequest{
			SeckillEventId: eventID, Kind: orderv1.OrderKind_ORDER_KIND_FLASH_SALE, PageSize: 1000, PageToken: token}))
		if err != nil {
			return s.ordersFailed(ctx, err)
		}
		for _, o := range res.Msg.GetOrders() {
			fn(o)
		}
		if token = res.Msg.GetNextPageToken(); token == "" {
			return nil
		}
	}
}

// ordersFailed is the answer to a failed ListOrdersInternal.
func (s *Service) ordersFailed(ctx context.Context, err error) error {
	return rpcerr.Upstream(ctx, s.logger, "OrderService.ListOrdersInternal", err, ReasonUpstreamFailed, "orders are unavailable; try again")
}

// unwrittenRange is, per partition of the purchases topic with records
// not written yet, the writers' committed offset (or the log start) and
// the end offset now.
func (s *Service) unwrittenRange(ctx context.Context) (map[int32]int64, map[int32]int64, error) {
	offsets, err := s.writerOffsets(ctx)
	if err != nil {
		return nil, nil, err
	}
	from, to := map[int32]int64{}, map[int32]int64{}
	for _, o := range offsets {
		if o.start < o.end {
			from[o.partition], to[o.partition] = o.start, o.end
		}
	}
	return from, to, nil
}

// eachUnwritten reads the records in [from, to) of every partition.
func (s *Service) eachUnwritten(ctx context.Context, from, to map[int32]int64, fn func(*seckillv1.PurchaseRecord)) error {
	if len(from) == 0 {
		return nil
	}
	partitions := map[int32]kgo.Offset{}
	for p, off := range from {
		partitions[p] = kgo.NewOffset().At(off)
	}
	client, err := s.kafka.NewClient(kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{PurchasesTopic: partitions}))
	if err != nil {
		return err
	}
	defer client.Close()
	pending := len(from)
	next := map[int32]int64{}
	for pending > 0 {
		fetches := client.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return err
		}
		var fetchErr error
		fetches.EachError(func(_ string, _ int32, err error) { fetchErr = err })
		if fetchErr != nil {
			return fmt.Errorf("read unwritten purchases: %w", fetchErr)
		}
		fetches.EachRecord(func(r *kgo.Record) {
			if r.Offset >= to[r.Partition] || next[r.Partition] >= to[r.Partition] {
				return
			}
			next[r.Partition] = r.Offset + 1
			if next[r.Partition] >= to[r.Partition] {
				pending--
			}
			var rec seckillv1.PurchaseRecord
			if proto.Unmarshal(r.Value, &rec) == nil {
				fn(&rec)
			}
		})
	}
	return nil
}

// unlockScript deletes a lock only while it still holds the token it was
// taken with: a rebuild that outlived the lock's expiry must not delete the
// lock another process has taken since. KEYS: lock; ARGV: token.
var unlockScript = valkey.NewLuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)

// unlock releases the rebuild lock if it is still this token's; a failure
// is logged (the lock expires by itself).
func (s *Service) unlock(ctx context.Context, lock, token string) {
	if err := unlockScript.Exec(ctx, s.valkey, []string{lock}, []string{token}).Error(); err != nil {
		s.logger.WarnContext(ctx, "release the rebuild lock (it expires by itself)", "lock", lock, "err", err)
	}
}

func randomToken() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
