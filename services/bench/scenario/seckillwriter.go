package scenario

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	orderv1 "mall/gen/mall/order/v1"
	"mall/gen/mall/order/v1/orderv1connect"
	seckillv1 "mall/gen/mall/seckill/v1"
	"mall/services/bench"
	"mall/services/platform/rpcclient"
)

// writerComparison is the writers' batching against single-row inserts,
// timed in this process (neither is an HTTP load): a batched writer
// draining records queued while no writer ran, and the same kind of
// record written one per call.
type writerComparison struct {
	batched, single bench.Summary
}

// writerPhases stops the system's writer, has each of the drain buyers
// (--users) buy once from a sale with a unit for each (not measured: it
// fills the topic), then starts a writer afresh and times it until every
// order is written; then writes --single-rows orders one per
// CreateFlashSaleOrders call. The writer runs again afterwards.
func (r *seckillRun) writerPhases(ctx context.Context) (writerComparison, error) {
	var c writerComparison
	eventID, err := r.createEvent(ctx, int64(len(r.drain.ids)))
	if err != nil {
		return c, err
	}
	r.sys.stopWriter()
	fmt.Fprintf(r.progress, "writer stopped: %d purchases to queue (not measured)\n", len(r.drain.ids))
	err = inParallel(32, len(r.drain.ids), func(i int) error {
		_, err := r.seckill.Purchase(ctx, withToken(r.drain.tokens[i], &seckillv1.PurchaseRequest{EventId: eventID}))
		return err
	})
	drainStart := time.Now()
	if startErr := r.sys.startWriter(ctx); startErr != nil || err != nil {
		return c, fmt.Errorf("queueing the writer's records: %w", errors.Join(err, startErr))
	}
	want := int64(len(r.drain.ids))
	if err := waitCount(ctx, r.progress, "writer draining", want, func() (int, error) { return r.written(ctx, eventID) }, 5*time.Minute); err != nil {
		return c, err
	}
	c.batched = bench.Summarize(phaseWriterBatched, nil, 0, 0, time.Since(drainStart))
	c.batched.Requests = want
	orders := orderv1connect.NewOrderServiceClient(rpcclient.HTTPClient(), r.sys.cfg.InternalURL,
		append(rpcclient.NewServiceCredential(r.sys.deps.Keys, "bench").Options(), connect.WithGRPC())...)
	c.single, err = singleRowWrites(ctx, orders, "single-"+r.sys.runID, r.o.SingleRows, r.progress)
	return c, err
}

// singleRowWrites writes n flash-sale orders one per CreateFlashSaleOrders
// call, as a writer without batching would.
func singleRowWrites(ctx context.Context, orders orderv1connect.OrderServiceClient, eventID string, n int, progress io.Writer) (bench.Summary, error) {
	latencies := make([]time.Duration, 0, n)
	start := time.Now()
	deadline := timestamppb.New(time.Now().Add(time.Hour))
	for i := range n {
		t0 := time.Now()
		_, err := orders.CreateFlashSaleOrders(ctx, connect.NewRequest(&orderv1.CreateFlashSaleOrdersRequest{Orders: []*orderv1.FlashSaleOrderInput{{
			Ticket: fmt.Sprintf("%s.single.%d", eventID, i), SeckillEventId: eventID, UserId: fmt.Sprintf("single-%d", i),
			ProductId: "p0001", UnitPriceCents: 990, Quantity: 1, AcceptedAt: timestamppb.Now(), PaymentDeadline: deadline, Title: "single row",
			ShippingAddress: benchAddress}}}))
		if err != nil {
			return bench.Summary{Name: phaseWriterSingle}, err
		}
		latencies = append(latencies, time.Since(t0))
	}
	s := bench.Summarize(phaseWriterSingle, latencies, 0, 0, time.Since(start))
	fmt.Fprintf(progress, "%-24s done: %d rows, %.0f rows/s\n", phaseWriterSingle, n, s.RPS())
	return s, nil
}

// benchAddress is the shipping address of the single-row baseline's
// orders (the batched writer's carry their buyers' addresses).
var benchAddress = &orderv1.ShippingAddress{RecipientName: "买家", Phone: "13700000000", Province: "江苏", City: "南京", Detail: "中山路 100 号"}
