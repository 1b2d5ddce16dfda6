package seckill

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	orderv1 "mall/gen/mall/order/v1"
	"mall/gen/mall/order/v1/orderv1connect"
	seckillv1 "mall/gen/mall/seckill/v1"
	"mall/gen/mall/seckill/v1/seckillv1connect"
	"mall/services/platform/kafka"
)

// WriterOptions tune a batched order writer.
type WriterOptions struct {
	// A batch closes at BatchSize records or BatchWait after its first.
	BatchSize int
	BatchWait time.Duration
	// PaymentTimeout is a flash-sale order's time to pay, from acceptance.
	PaymentTimeout time.Duration
}

// DefaultWriterOptions are the production settings.
func DefaultWriterOptions() WriterOptions {
	return WriterOptions{BatchSize: 500, BatchWait: 50 * time.Millisecond, PaymentTimeout: 10 * time.Minute}
}

// WriterStats count what a writer did.
type WriterStats struct {
	Batches, Records, Created, Skipped int64
}

// Writer turns accepted purchases from Kafka into orders, a batch at a
// time: one CreateFlashSaleOrders call (one multi-row INSERT, idempotent by
// (event, user)), then the tickets' results, then the batch's offsets. A
// batch that fails is retried until it is written; offsets are committed
// only for written records, so delivery is at least once and the effect
// exactly once. Several writers in WriterGroup share the partitions.
type Writer struct {
	client  *kgo.Client
	orders  orderv1connect.OrderServiceClient
	results seckillv1connect.SeckillServiceClient
	logger  *slog.Logger
	opts    WriterOptions

	batches, records, created, skipped atomic.Int64
}

// WriterClientOptions are the consumer-group options a writer's kgo client
// must be built with. Rebalances wait until a polled batch is written and
// committed (BlockRebalanceOnPoll), so a partition never moves mid-batch. A
// writer that dies without leaving the group loses its partitions after
// the session timeout: 6 s rather than Kafka's 45 s, so a crashed writer's
// share of a sale waits seconds, not most of a minute.
func WriterClientOptions() []kgo.Opt {
	return []kgo.Opt{
		kgo.ConsumerGroup(WriterGroup),
		kgo.ConsumeTopics(PurchasesTopic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.DisableAutoCommit(),
		kgo.BlockRebalanceOnPoll(),
		kgo.FetchMaxWait(100 * time.Millisecond),
		kgo.SessionTimeout(6 * time.Second),
		kgo.HeartbeatInterval(time.Second),
	}
}

// NewWriter returns a writer reading with client (built with
// WriterClientOptions).
func NewWriter(client *kgo.Client, orders orderv1connect.OrderServiceClient, results seckillv1connect.SeckillServiceClient,
	logger *slog.Logger, opts WriterOptions) *Writer {
	return &Writer{client: client, orders: orders, results: results, logger: logger, opts: opts}
}

// Stats returns the counts so far.
func (w *Writer) Stats() WriterStats {
	return WriterStats{Batches: w.batches.Load(), Records: w.records.Load(), Created: w.created.Load(), Skipped: w.skipped.Load()}
}

// Run writes batches until ctx ends.
func (w *Writer) Run(ctx context.Context) error {
	// Polling blocks rebalances until AllowRebalance; a Run that ends
	// mid-batch must still allow them, or closing the client (which leaves
	// the group) waits for ever.
	defer w.client.AllowRebalance()
	for ctx.Err() == nil {
		batch := w.collect(ctx)
		if len(batch) > 0 {
			batchCtx, span := startBatchSpan(ctx, batch)
			err := w.write(batchCtx, batch)
			span.End()
			if err != nil {
				return nil // ctx ended mid-batch: not committed, another writer redoes it
			}
			batchRecords.Observe(float64(len(batch)))
			w.commit(ctx, batch)
		}
		w.client.AllowRebalance()
	}
	return nil
}

// collect polls until BatchSize records, or BatchWait after the first.
func (w *Writer) collect(ctx context.Context) []*kgo.Record {
	fetches := w.client.PollRecords(ctx, w.opts.BatchSize)
	w.logFetchErrors(fetches)
	kafka.ObserveLag(WriterGroup, fetches)
	batch := fetches.Records()
	if len(batch) == 0 {
		return nil
	}
	closeAt := time.Now().Add(w.opts.BatchWait)
	for len(batch) < w.opts.BatchSize && time.Now().Before(closeAt) && ctx.Err() == nil {
		waitCtx, cancel := context.WithDeadline(ctx, closeAt)
		more := w.client.PollRecords(waitCtx, w.opts.BatchSize-len(batch))
		cancel()
		w.logFetchErrors(more)
		kafka.ObserveLag(WriterGroup, more)
		batch = append(batch, more.Records()...)
	}
	return batch
}

func (w *Writer) logFetchErrors(fetches kgo.Fetches) {
	fetches.EachError(func(topic string, partition int32, err error) {
		if err != context.Canceled && err != context.DeadlineExceeded {
			w.logger.Warn("fetch", "topic", topic, "partition", partition, "err", err)
		}
	})
}

// write stores one batch's orders and results, retrying until both are
// stored or ctx ends.
func (w *Writer) write(ctx context.Context, batch []*kgo.Record) error {
	inputs := make([]*orderv1.FlashSaleOrderInput, 0, len(batch))
	for _, r := range batch {
		var rec seckillv1.PurchaseRecord
		err := proto.Unmarshal(r.Value, &rec)
		if _, _, ticketOK := splitTicket(rec.GetTicket()); err != nil || !ticketOK || rec.GetEventId() == "" ||
			rec.GetUserId() == "" || rec.GetProductId() == "" || rec.GetQuantity() < 1 || rec.GetAcceptedAt() == nil {
			w.logger.Error("skipping a malformed purchase record", "partition", r.Partition, "offset", r.Offset, "err", err)
			w.skipped.Add(1)
			continue
		}
		inputs = append(inputs, &orderv1.FlashSaleOrderInput{
			Ticket: rec.GetTicket(), SeckillEventId: rec.GetEventId(), UserId: rec.GetUserId(), ProductId: rec.GetProductId(),
			UnitPriceCents: rec.GetPriceCents(), Quantity: rec.GetQuantity(), AddressId: rec.GetAddressId(), AcceptedAt: rec.GetAcceptedAt(),
			PaymentDeadline: timestamppb.New(rec.GetAcceptedAt().AsTime().Add(w.opts.PaymentTimeout)),
			Title:           rec.GetTitle(), ImageUrl: rec.GetImageUrl(), CategoryId: rec.GetCategoryId(),
			ShippingAddress: rec.GetShippingAddress(),
		})
	}
	if len(inputs) == 0 {
		return nil
	}
	var res *connect.Response[orderv1.CreateFlashSaleOrdersResponse]
	if err := retry(ctx, w.logger, "write flash-sale orders", func() error {
		var err error
		res, err = w.orders.CreateFlashSaleOrders(ctx, connect.NewRequest(&orderv1.CreateFlashSaleOrdersRequest{Orders: inputs}))
		return err
	}); err != nil {
		return err
	}
	results := make([]*seckillv1.PurchaseResult, 0, len(res.Msg.GetResults()))
	created := 0
	for _, r := range res.Msg.GetResults() {
		results = append(results, &seckillv1.PurchaseResult{Ticket: r.GetTicket(),
			State: seckillv1.PurchaseState_PURCHASE_STATE_ORDER_CREATED, OrderId: r.GetOrderId()})
		if r.GetCreated() {
			created++
		}
	}
	if err := retry(ctx, w.logger, "record purchase results", func() error {
		_, err := w.results.RecordPurchaseResults(ctx, connect.NewRequest(&seckillv1.RecordPurchaseResultsRequest{Results: results}))
		return err
	}); err != nil {
		return err
	}
	w.batches.Add(1)
	w.records.Add(int64(len(inputs)))
	w.created.Add(int64(created))
	return nil
}

// commit commits the batch's offsets; a failure is logged (the records
// are written, so a redelivery changes nothing).
func (w *Writer) commit(ctx context.Context, batch []*kgo.Record) {
	if err := w.client.CommitRecords(ctx, batch...); err != nil && ctx.Err() == nil {
		w.logger.Warn("commit offsets", "records", len(batch), "err", err)
	}
}

// retry calls fn until it succeeds or ctx ends, backing off from 100 ms to 5 s.
func retry(ctx context.Context, logger *slog.Logger, what string, fn func() error) error {
	pause := 100 * time.Millisecond
	for {
		err := fn()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		logger.Warn(what+" failed; retrying", "in", pause, "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
		pause = min(2*pause, 5*time.Second)
	}
}

var batchRecords = promauto.NewHistogram(prometheus.HistogramOpts{
	Name:    "mall_seckill_writer_batch_records",
	Help:    "Purchase records per batch the flash-sale writer stored.",
	Buckets: []float64{1, 5, 10, 25, 50, 100, 200, 300, 400, 500, 1000},
})

// maxBatchLinks bounds the links of one batch span (trace backends cap
// them too); a batch beyond it links its first records.
const maxBatchLinks = 128

// startBatchSpan starts the span of one batch write, linked to the
// receive span of each record (itself a child of the purchase that
// produced it), so a purchase's trace leads to the batch that stored it
// and the batch to its purchases.
func startBatchSpan(ctx context.Context, batch []*kgo.Record) (context.Context, trace.Span) {
	links := make([]trace.Link, 0, min(len(batch), maxBatchLinks))
	for _, r := range batch[:min(len(batch), maxBatchLinks)] {
		if r.Context == nil {
			continue
		}
		if sc := trace.SpanContextFromContext(r.Context); sc.IsValid() {
			links = append(links, trace.Link{SpanContext: sc})
		}
	}
	return otel.Tracer("mall/seckill").Start(ctx, "seckill.writer.batch", trace.WithNewRoot(), trace.WithLinks(links...),
		trace.WithAttributes(attribute.Int("mall.batch.records", len(batch))))
}
