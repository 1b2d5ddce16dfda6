package seckill

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/uptrace/bun"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	orderv1 "mall/gen/mall/order/v1"
	"mall/gen/mall/order/v1/orderv1connect"
	seckillv1 "mall/gen/mall/seckill/v1"
	"mall/gen/mall/seckill/v1/seckillv1connect"
	"mall/services/order"
	"mall/services/platform/auth"
	"mall/services/platform/kafka"
	"mall/services/platform/rpcclient"
	"mall/services/platform/server"
	"mall/services/platform/testenv"
)

// The batched writer against an embedded Kafka (kfake), the real order
// service on a database of its own, and a stand-in seckill service that
// records RecordPurchaseResults. Both are served with authentication; the
// writer calls them with a service credential, as in production. The
// writer as separate `mall writer` processes (SIGKILL) is tested in
// services/app (writer_crash_test.go).

const writerTestPartitions = 6

type writerHarness struct {
	cluster  *kafka.Cluster
	producer *kgo.Client
	orderDB  *bun.DB
	results  *resultsStandIn
	orders   orderv1connect.OrderServiceClient
	seckill  seckillv1connect.SeckillServiceClient
}

func newWriterHarness(t *testing.T) *writerHarness {
	t.Helper()
	ctx := context.Background()
	handle := testenv.MigratedDB(t, testenv.DatabasePrefix(t)+"order", order.Migrations())
	// CreateFlashSaleOrders starts no workflow and paces no checkout: no
	// Temporal client or limiter needed.
	orders := order.NewService(handle, nil, "", order.FlashSaleClients{}, nil, testenv.Logger(), order.DefaultOptions())
	keys, err := auth.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	results := &resultsStandIn{byTicket: map[string]*seckillv1.PurchaseResult{}}
	url := testenv.Serve(t, server.Options{Authenticator: auth.NewAuthenticator(keys, nil)}, func(srv *server.Server) {
		srv.Mount(orderv1connect.NewOrderServiceHandler(orders, srv.HandlerOptions()...))
		srv.Mount(seckillv1connect.NewSeckillServiceHandler(results, srv.HandlerOptions()...))
	})

	cluster, err := kafka.Connect(nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cluster.Close)
	producer, err := cluster.NewClient(kgo.RequiredAcks(kgo.AllISRAcks()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(producer.Close)
	created, err := kadm.NewClient(producer).CreateTopic(ctx, writerTestPartitions, 1, nil, PurchasesTopic)
	if err == nil {
		err = created.Err
	}
	if err != nil {
		t.Fatal(err)
	}

	cred := rpcclient.NewServiceCredential(keys, "writer")
	h := rpcclient.HTTPClient()
	return &writerHarness{cluster: cluster, producer: producer, orderDB: handle, results: results,
		orders:  orderv1connect.NewOrderServiceClient(h, url, cred.Options()...),
		seckill: seckillv1connect.NewSeckillServiceClient(h, url, cred.Options()...)}
}

// runningWriter is one writer in the group, running until stopped.
type runningWriter struct {
	w      *Writer
	client *kgo.Client
	cancel context.CancelFunc
	done   chan error
}

var writerTestOptions = WriterOptions{BatchSize: 500, BatchWait: 50 * time.Millisecond, PaymentTimeout: 10 * time.Minute}

func (h *writerHarness) start(t *testing.T) *runningWriter {
	t.Helper()
	client, err := h.cluster.NewClient(WriterClientOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &runningWriter{w: NewWriter(client, h.orders, h.seckill, testenv.Logger(), writerTestOptions),
		client: client, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- r.w.Run(ctx) }()
	t.Cleanup(r.stop)
	return r
}

// stop ends Run (mid-batch if it is in one: nothing is committed then) and
// leaves the group. Safe to call twice.
func (r *runningWriter) stop() {
	r.cancel()
	if err, ok := <-r.done; ok {
		close(r.done)
		_ = err
		r.client.Close()
	}
}

// purchases are n accepted purchases of distinct buyers in one event, as
// Purchase produces them, plus dups records delivered a second time.
func purchases(eventID string, n, dups int) (records []*kgo.Record, recs []*seckillv1.PurchaseRecord) {
	accepted := time.Now().Truncate(time.Microsecond)
	for i := range n {
		user := fmt.Sprintf("u-%s-%05d", eventID, i)
		rec := &seckillv1.PurchaseRecord{Ticket: newTicket(eventID, user), EventId: eventID, UserId: user, ProductId: "p0001",
			PriceCents: 990, Quantity: 1 + int32(i%3), AcceptedAt: timestamppb.New(accepted), AddressId: "a-1",
			Title: "龙井 flash", ImageUrl: "/img/p0001.svg", CategoryId: "c01"}
		recs = append(recs, rec)
		value, _ := proto.Marshal(rec)
		records = append(records, &kgo.Record{Topic: PurchasesTopic, Key: []byte(user), Value: value})
	}
	for i := range dups {
		records = append(records, &kgo.Record{Topic: PurchasesTopic, Key: records[i*n/dups].Key, Value: records[i*n/dups].Value})
	}
	return records, recs
}

func (h *writerHarness) produce(t *testing.T, records []*kgo.Record) {
	t.Helper()
	if err := h.producer.ProduceSync(context.Background(), records...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

func (h *writerHarness) orderCount(t *testing.T, eventID string) int {
	t.Helper()
	n, err := h.orderDB.NewSelect().Table("orders").Where("seckill_event_id = ?", eventID).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// checkWritten: exactly one order per purchase, with its price, quantity,
// line and deadline; exactly one creation entry in its history; and the
// purchase's ticket recorded as ORDER_CREATED with that order.
func (h *writerHarness) checkWritten(t *testing.T, eventID string, recs []*seckillv1.PurchaseRecord) {
	t.Helper()
	ctx := context.Background()
	type orderRow struct {
		ID              string    `bun:"id"`
		UserID          string    `bun:"user_id"`
		Status          int32     `bun:"status"`
		Kind            int32     `bun:"kind"`
		TotalCents      int64     `bun:"total_cents"`
		PaymentDeadline time.Time `bun:"payment_deadline"`
		Lines           int       `bun:"line_count"`
		Quantity        int32     `bun:"quantity"`
		Title           string    `bun:"title"`
		History         int       `bun:"history"`
	}
	var rows []orderRow
	if err := h.orderDB.NewSelect().TableExpr("orders AS o").
		ColumnExpr("o.id, o.user_id, o.status, o.kind, o.total_cents, o.payment_deadline").
		ColumnExpr("(SELECT COUNT(*) FROM order_lines l WHERE l.order_id = o.id) AS line_count").
		ColumnExpr("(SELECT MAX(l.quantity) FROM order_lines l WHERE l.order_id = o.id) AS quantity").
		ColumnExpr("(SELECT MAX(l.title) FROM order_lines l WHERE l.order_id = o.id) AS title").
		ColumnExpr("(SELECT COUNT(*) FROM order_status_history s WHERE s.order_id = o.id) AS history").
		Where("o.seckill_event_id = ?", eventID).Scan(ctx, &rows); err != nil {
		t.Fatal(err)
	}
	byUser := map[string]orderRow{}
	for _, r := range rows {
		if _, dup := byUser[r.UserID]; dup {
			t.Fatalf("%s has two orders", r.UserID)
		}
		byUser[r.UserID] = r
	}
	if len(rows) != len(recs) {
		t.Fatalf("%d orders for %d purchases", len(rows), len(recs))
	}
	for _, rec := range recs {
		o, ok := byUser[rec.GetUserId()]
		wantDeadline := rec.GetAcceptedAt().AsTime().Add(writerTestOptions.PaymentTimeout)
		switch {
		case !ok:
			t.Fatalf("purchase of %s lost", rec.GetUserId())
		case o.ID != order.FlashOrderID(eventID, rec.GetUserId()) ||
			o.Status != int32(orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT) || o.Kind != int32(orderv1.OrderKind_ORDER_KIND_FLASH_SALE) ||
			o.TotalCents != rec.GetPriceCents()*int64(rec.GetQuantity()) || o.Lines != 1 || o.Quantity != rec.GetQuantity() ||
			o.Title != rec.GetTitle() || !o.PaymentDeadline.Equal(wantDeadline) || o.History != 1:
			t.Fatalf("order of %s: %+v (deadline want %v)", rec.GetUserId(), o, wantDeadline)
		}
		got := h.results.get(rec.GetTicket())
		if got == nil || got.GetState() != seckillv1.PurchaseState_PURCHASE_STATE_ORDER_CREATED || got.GetOrderId() != o.ID {
			t.Fatalf("ticket of %s: %v", rec.GetUserId(), got)
		}
	}
}

// committedToTheEnd: the group's committed offset of every partition is
// the partition's end.
func (h *writerHarness) committedToTheEnd(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	adm := kadm.NewClient(h.producer)
	ends, err := adm.ListEndOffsets(ctx, PurchasesTopic)
	if err != nil {
		t.Fatal(err)
	}
	committed, err := adm.FetchOffsets(ctx, WriterGroup)
	if err == nil {
		err = committed.Error()
	}
	if err != nil {
		t.Fatal(err)
	}
	ends.Each(func(end kadm.ListedOffset) {
		c, ok := committed.Lookup(end.Topic, end.Partition)
		if end.Offset > 0 && (!ok || c.At != end.Offset) {
			t.Errorf("partition %d: committed %v, end %d", end.Partition, c.At, end.Offset)
		}
	})
}

// TestWriterWritesEachPurchaseOnce: 2 000 records, 10 % of them repeats,
// plus two it cannot read: one order per purchase, every ticket recorded,
// every offset committed; a fresh writer in the group then reads only
// what is produced after.
func TestWriterWritesEachPurchaseOnce(t *testing.T) {
	h := newWriterHarness(t)
	eventID := "ev-w" + testenv.RandomID(3)
	records, recs := purchases(eventID, 1800, 200)
	records = append(records,
		&kgo.Record{Topic: PurchasesTopic, Key: []byte("junk"), Value: []byte{0xff, 0x01, 0x02}},
		&kgo.Record{Topic: PurchasesTopic, Key: []byte("no-ticket"), Value: func() []byte {
			b, _ := proto.Marshal(&seckillv1.PurchaseRecord{EventId: eventID, UserId: "u-x", ProductId: "p0001", Quantity: 1})
			return b
		}()})
	h.produce(t, records)

	began := time.Now()
	first := h.start(t)
	testenv.Eventually(t, time.Minute, "every record read", func() bool {
		s := first.w.Stats()
		return s.Records+s.Skipped == int64(len(records))
	})
	t.Logf("%d records written in %v: %+v", len(records), time.Since(began), first.w.Stats())
	if s := first.w.Stats(); s.Created != 1800 || s.Skipped != 2 || s.Records != 2000 || s.Batches < 4 {
		t.Fatalf("stats %+v", s)
	}
	h.checkWritten(t, eventID, recs)
	if n := h.results.calls.Load(); n != first.w.Stats().Batches {
		t.Fatalf("%d RecordPurchaseResults calls for %d batches", n, first.w.Stats().Batches)
	}
	// Offsets are committed only after the write, so wait for the last one.
	testenv.Eventually(t, 10*time.Second, "offsets committed", func() bool {
		ok := true
		h.committedCheck(func(committed, end int64) { ok = ok && committed == end })
		return ok
	})
	h.committedToTheEnd(t)
	first.stop()

	// A fresh writer in the group: one new record on every partition, each
	// behind whatever of the old ones would be uncommitted. It reads exactly
	// those.
	fresh := h.start(t)
	sentinels, sentinelRecs := purchases(eventID+"-next", writerTestPartitions, 0)
	manual, err := h.cluster.NewClient(kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer manual.Close()
	for i, r := range sentinels {
		r.Partition = int32(i)
	}
	if err := manual.ProduceSync(context.Background(), sentinels...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, time.Minute, "the new records written", func() bool {
		return fresh.w.Stats().Records >= writerTestPartitions
	})
	h.checkWritten(t, eventID+"-next", sentinelRecs)
	if s := fresh.w.Stats(); s.Records != writerTestPartitions || s.Created != writerTestPartitions || s.Skipped != 0 {
		t.Fatalf("the fresh writer re-read committed records: %+v", s)
	}
	if n := h.orderCount(t, eventID); n != 1800 {
		t.Fatalf("%d orders after the fresh writer", n)
	}
}

// committedCheck calls fn with the committed and end offset of every
// partition that has records.
func (h *writerHarness) committedCheck(fn func(committed, end int64)) {
	ctx := context.Background()
	adm := kadm.NewClient(h.producer)
	ends, err := adm.ListEndOffsets(ctx, PurchasesTopic)
	if err != nil {
		fn(-1, 0)
		return
	}
	committed, err := adm.FetchOffsets(ctx, WriterGroup)
	if err != nil {
		fn(-1, 0)
		return
	}
	ends.Each(func(end kadm.ListedOffset) {
		if end.Offset == 0 {
			return
		}
		c, ok := committed.Lookup(end.Topic, end.Partition)
		if !ok {
			fn(-1, end.Offset)
			return
		}
		fn(c.At, end.Offset)
	})
}

// TestWriterHandOverLosesNothing: records stream in while writers come
// and go. The first writer is stopped while it retries a batch whose
// orders are written but whose results are not (the seckill service is
// down): that batch's offsets are not committed, so the writers that take
// over its partitions write it again, which creates nothing twice. Every
// purchase ends as one order with one creation entry, every ticket has
// its result, and the orders created add up over the writers.
func TestWriterHandOverLosesNothing(t *testing.T) {
	h := newWriterHarness(t)
	eventID := "ev-h" + testenv.RandomID(3)
	records, recs := purchases(eventID, 3000, 300)
	// Spread the repeats over the stream instead of at its end.
	for i := range 300 {
		j := 10*i + 5
		records[j], records[3000+i] = records[3000+i], records[j]
	}

	var produced sync.WaitGroup
	streamed := make(chan []*kgo.Record, 100)
	produced.Go(func() {
		for batch := range streamed {
			if err := h.producer.ProduceSync(context.Background(), batch...).FirstErr(); err != nil {
				t.Error(err)
			}
		}
	})
	send := func(from, to int) {
		for i := from; i < to; i += 150 {
			streamed <- records[i:min(i+150, to)]
		}
	}

	began := time.Now()
	a := h.start(t)
	send(0, 1200)
	testenv.Eventually(t, time.Minute, "the first writer writing", func() bool { return a.w.Stats().Records >= 500 })

	// The seckill service goes down: a's next batch is written as orders
	// but cannot be completed.
	h.results.down.Store(true)
	send(1200, 1800)
	failed := h.results.failed.Load()
	testenv.Eventually(t, time.Minute, "a batch stuck on its results", func() bool { return h.results.failed.Load() > failed })
	stuckAt := h.orderCount(t, eventID)
	a.stop()
	if n := h.orderCount(t, eventID); n != stuckAt || int64(n) <= a.w.Stats().Created {
		t.Fatalf("orders %d (then %d); the stopped writer reported %d created", n, stuckAt, a.w.Stats().Created)
	}
	h.results.down.Store(false)

	// Two writers take over, one of them stopped halfway, and a third joins.
	b, c := h.start(t), h.start(t)
	send(1800, 2600)
	testenv.Eventually(t, time.Minute, "the new writers writing", func() bool { return b.w.Stats().Records+c.w.Stats().Records >= 800 })
	b.stop()
	d := h.start(t)
	send(2600, len(records))
	close(streamed)
	produced.Wait()

	testenv.Eventually(t, 2*time.Minute, "every ticket recorded", func() bool { return h.results.count() == len(recs) })
	testenv.Eventually(t, 30*time.Second, "offsets committed", func() bool {
		ok := true
		h.committedCheck(func(committed, end int64) { ok = ok && committed == end })
		return ok
	})
	t.Logf("%d records through 4 writers in %v", len(records), time.Since(began))
	h.checkWritten(t, eventID, recs)
	h.committedToTheEnd(t)
	created := int64(0)
	for _, w := range []*runningWriter{a, b, c, d} {
		created += w.w.Stats().Created
		t.Logf("writer stats %+v", w.w.Stats())
	}
	// No order is counted twice. The batches a and b were stopped in were
	// created by them but not counted (a writer counts a batch once its
	// results are recorded); their successors found those orders existing.
	if orders := int64(h.orderCount(t, eventID)); created > orders || created < orders-2*int64(writerTestOptions.BatchSize) {
		t.Fatalf("writers report %d created for %d orders", created, orders)
	}
}

// resultsStandIn is the seckill service's RecordPurchaseResults: it keeps
// the results by ticket, and answers unavailable while down.
type resultsStandIn struct {
	seckillv1connect.UnimplementedSeckillServiceHandler
	down          atomic.Bool
	calls, failed atomic.Int64
	mu            sync.Mutex
	byTicket      map[string]*seckillv1.PurchaseResult
}

func (r *resultsStandIn) RecordPurchaseResults(_ context.Context, req *connect.Request[seckillv1.RecordPurchaseResultsRequest]) (*connect.Response[seckillv1.RecordPurchaseResultsResponse], error) {
	if r.down.Load() {
		r.failed.Add(1)
		return nil, connect.NewError(connect.CodeUnavailable, fmt.Errorf("down for the test"))
	}
	r.calls.Add(1)
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, res := range req.Msg.GetResults() {
		if prev, ok := r.byTicket[res.GetTicket()]; ok && prev.GetOrderId() != res.GetOrderId() {
			return nil, connect.NewError(connect.CodeFailedPrecondition, fmt.Errorf("ticket %s: order %s, then %s", res.GetTicket(), prev.GetOrderId(), res.GetOrderId()))
		}
		r.byTicket[res.GetTicket()] = res
	}
	return connect.NewResponse(&seckillv1.RecordPurchaseResultsResponse{}), nil
}

func (r *resultsStandIn) get(ticket string) *seckillv1.PurchaseResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byTicket[ticket]
}

func (r *resultsStandIn) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.byTicket)
}
