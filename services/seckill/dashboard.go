package seckill

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"connectrpc.com/connect"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/valkey-io/valkey-go"
	"google.golang.org/protobuf/types/known/timestamppb"

	orderv1 "mall/gen/mall/order/v1"
	seckillv1 "mall/gen/mall/seckill/v1"
	"mall/services/platform/rpcerr"
)

// A sale's dashboard reads what the system already keeps: the stock left
// in Valkey, the writers' committed offsets in Kafka, the sale's orders in
// the order service. Admissions are counted per sale, second and outcome
// by each process in memory (a map increment on the hot path) and added
// to Valkey in one pipeline every flush interval (RecordAdmissions).

// Admission counts of the last dashboardSeconds are kept per second, for
// secondsKept; the totals for totalsKept.
const (
	dashboardSeconds = 60
	secondsKept      = 2 * time.Minute
	totalsKept       = 90 * 24 * time.Hour
	// admissionFlushEvery is how often a process adds its counts to Valkey.
	admissionFlushEvery = 500 * time.Millisecond
)

type tallyKey struct {
	eventID string
	second  int64
	outcome string
}

// admissionTally is a process's admission counts not yet in Valkey.
type admissionTally struct {
	mu     sync.Mutex
	counts map[tallyKey]int64
}

// count records one purchase attempt of a sale by outcome (the names of
// mall_seckill_admissions_total): in the metric, and for the sale's
// dashboard. eventID is a sale that exists (made-up ids are not counted
// per sale).
func (s *Service) count(eventID, outcome string) {
	admissions.WithLabelValues(outcome).Inc()
	k := tallyKey{eventID: eventID, second: time.Now().Unix(), outcome: outcome}
	s.tally.mu.Lock()
	s.tally.counts[k]++
	s.tally.mu.Unlock()
}

// RecordAdmissions adds this process's admission counts to Valkey every
// flush interval until ctx ends, and once more then.
func (s *Service) RecordAdmissions(ctx context.Context) error {
	err := every(ctx, admissionFlushEvery, func() { s.flushAdmissions(ctx) })
	s.flushAdmissions(context.WithoutCancel(ctx))
	return err
}

// flushAdmissions adds the counts gathered so far to the sales' hashes in
// one pipeline; counts that fail to arrive are dropped (the dashboard is
// an instrument, the metric keeps them).
func (s *Service) flushAdmissions(ctx context.Context) {
	s.tally.mu.Lock()
	counts := s.tally.counts
	s.tally.counts = make(map[tallyKey]int64, len(counts))
	s.tally.mu.Unlock()
	if len(counts) == 0 {
		return
	}
	cmds := make(valkey.Commands, 0, 3*len(counts))
	expiring := map[string]time.Duration{}
	for k, n := range counts {
		perSecond := s.admissionsKey(k.eventID, k.second)
		total := s.admissionsKey(k.eventID, 0)
		cmds = append(cmds,
			s.valkey.B().Hincrby().Key(perSecond).Field(k.outcome).Increment(n).Build(),
			s.valkey.B().Hincrby().Key(total).Field(k.outcome).Increment(n).Build())
		expiring[perSecond], expiring[total] = secondsKept, totalsKept
	}
	for key, ttl := range expiring {
		cmds = append(cmds, s.valkey.B().Expire().Key(key).Seconds(int64(ttl.Seconds())).Build())
	}
	for _, res := range s.valkey.DoMulti(ctx, cmds...) {
		if err := res.Error(); err != nil {
			s.logger.WarnContext(ctx, "record admission counts", "err", err)
			return
		}
	}
}

// admissionsKey is the hash of a sale's admissions in one second, or its
// totals for second 0.
func (s *Service) admissionsKey(eventID string, second int64) string {
	base := s.opts.KeyPrefix + "{" + eventID + "}:admissions"
	if second == 0 {
		return base
	}
	return base + ":" + strconv.FormatInt(second, 10)
}

// addOutcome adds n attempts of an outcome to the dashboard's groups.
func addOutcome(c *seckillv1.AdmissionCounts, outcome string, n int64) {
	switch outcome {
	case "accepted":
		c.Accepted += n
	case "sold_out":
		c.SoldOut += n
	case "already_bought", "over_limit":
		c.LimitReached += n
	case "rate_limited":
		c.RateLimited += n
	case "not_started":
		c.NotStarted += n
	case "ended":
		c.Ended += n
	default:
		c.Other += n
	}
}

// GetEventDashboard answers a sale's live numbers. The writers' lag is -1
// when Kafka does not answer: the rest of the dashboard still does.
func (s *Service) GetEventDashboard(ctx context.Context, request *connect.Request[seckillv1.GetEventDashboardRequest]) (*connect.Response[seckillv1.GetEventDashboardResponse], error) {
	id := request.Msg.GetEventId()
	row, err := adminEvent(ctx, s.db, id, nil)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	out := &seckillv1.GetEventDashboardResponse{Event: s.adminEventProto(ctx, row, now), At: timestamppb.New(now)}
	if out.Admissions, out.AdmissionsTotal, err = s.admissionCounts(ctx, id, now); err != nil {
		s.logger.ErrorContext(ctx, "read admission counts", "event_id", id, "err", err)
		return nil, errSaleState()
	}
	if out.WriterLagPartitions, out.WriterLag, err = s.writerLag(ctx); err != nil {
		s.logger.WarnContext(ctx, "read the writers' lag", "err", err)
		out.WriterLag = -1
	}
	counts, err := s.orders.CountFlashSaleOrders(ctx, connect.NewRequest(&orderv1.CountFlashSaleOrdersRequest{SeckillEventId: id}))
	if err != nil {
		return nil, rpcerr.Upstream(ctx, s.logger, "OrderService.CountFlashSaleOrders", err, ReasonUpstreamFailed, "orders are unavailable; try again")
	}
	for _, c := range counts.Msg.GetCounts() {
		out.OrdersWritten += c.GetOrders()
		out.UnitsOrdered += c.GetUnits()
		switch c.GetStatus() {
		case orderv1.OrderStatus_ORDER_STATUS_PAID, orderv1.OrderStatus_ORDER_STATUS_SHIPPED, orderv1.OrderStatus_ORDER_STATUS_DELIVERED,
			orderv1.OrderStatus_ORDER_STATUS_COMPLETED, orderv1.OrderStatus_ORDER_STATUS_REFUNDED:
			out.OrdersPaid += c.GetOrders()
		case orderv1.OrderStatus_ORDER_STATUS_CANCELLED:
			out.OrdersExpired += c.GetOrders()
			out.UnitsExpired += c.GetUnits()
		}
	}
	if out.OrdersWritten > 0 {
		out.PaymentConversion = float64(out.OrdersPaid) / float64(out.OrdersWritten)
	}
	// Units are alike: whatever was ordered beyond the sale's stock was a
	// unit that came back from an expired order and sold again.
	out.UnitsResold = max(0, out.UnitsOrdered-row.Stock)
	return connect.NewResponse(out), nil
}

// admissionCounts reads a sale's admissions of the last dashboardSeconds
// (oldest first, one entry per second up to now's) and its totals, in one
// round trip.
func (s *Service) admissionCounts(ctx context.Context, eventID string, now time.Time) ([]*seckillv1.AdmissionSecond, *seckillv1.AdmissionCounts, error) {
	last := now.Unix()
	cmds := make(valkey.Commands, 0, dashboardSeconds+1)
	cmds = append(cmds, s.valkey.B().Hgetall().Key(s.admissionsKey(eventID, 0)).Build())
	for sec := last - dashboardSeconds + 1; sec <= last; sec++ {
		cmds = append(cmds, s.valkey.B().Hgetall().Key(s.admissionsKey(eventID, sec)).Build())
	}
	results := s.valkey.DoMulti(ctx, cmds...)
	read := func(res valkey.ValkeyResult) (*seckillv1.AdmissionCounts, error) {
		m, err := res.AsIntMap()
		if err != nil {
			return nil, err
		}
		c := &seckillv1.AdmissionCounts{}
		for outcome, n := range m {
			addOutcome(c, outcome, n)
		}
		return c, nil
	}
	total, err := read(results[0])
	if err != nil {
		return nil, nil, err
	}
	seconds := make([]*seckillv1.AdmissionSecond, 0, dashboardSeconds)
	for i, res := range results[1:] {
		c, err := read(res)
		if err != nil {
			return nil, nil, err
		}
		at := time.Unix(last-dashboardSeconds+1+int64(i), 0)
		seconds = append(seconds, &seckillv1.AdmissionSecond{At: timestamppb.New(at), Counts: c})
	}
	return seconds, total, nil
}

// partitionOffsets is where the writers are on one partition of the
// purchases topic: their committed offset (or the log start, when they
// have none or it was truncated past) and the end.
type partitionOffsets struct {
	partition  int32
	start, end int64
}

// writerOffsets reads the writers' progress on every partition of the
// purchases topic.
func (s *Service) writerOffsets(ctx context.Context) ([]partitionOffsets, error) {
	adm := kadm.NewClient(s.kafka.Producer)
	ends, err := adm.ListEndOffsets(ctx, PurchasesTopic)
	if err != nil {
		return nil, fmt.Errorf("end offsets: %w", err)
	}
	starts, err := adm.ListStartOffsets(ctx, PurchasesTopic)
	if err != nil {
		return nil, fmt.Errorf("start offsets: %w", err)
	}
	committed, err := adm.FetchOffsets(ctx, WriterGroup)
	if errors.Is(err, kerr.GroupIDNotFound) {
		err = nil // no writer has committed yet: everything is unwritten
	}
	if err != nil {
		return nil, fmt.Errorf("writer offsets: %w", err)
	}
	var out []partitionOffsets
	ends.Each(func(o kadm.ListedOffset) {
		if o.Err != nil {
			return
		}
		start := int64(0)
		if so, ok := starts.Lookup(PurchasesTopic, o.Partition); ok && so.Err == nil {
			start = so.Offset
		}
		if c, ok := committed.Lookup(PurchasesTopic, o.Partition); ok && c.Err == nil && c.At > start {
			start = c.At
		}
		out = append(out, partitionOffsets{partition: o.Partition, start: start, end: o.Offset})
	})
	return out, nil
}

// writerLag is how many purchase records the writers have not committed,
// per partition (in partition order) and in all.
func (s *Service) writerLag(ctx context.Context) ([]*seckillv1.PartitionLag, int64, error) {
	offsets, err := s.writerOffsets(ctx)
	if err != nil {
		return nil, 0, err
	}
	slices.SortFunc(offsets, func(a, b partitionOffsets) int { return cmp.Compare(a.partition, b.partition) })
	out := make([]*seckillv1.PartitionLag, len(offsets))
	var total int64
	for i, o := range offsets {
		lag := max(0, o.end-o.start)
		total += lag
		out[i] = &seckillv1.PartitionLag{Topic: PurchasesTopic, Partition: o.partition, EndOffset: o.end, CommittedOffset: o.start, Lag: lag}
	}
	return out, total, nil
}
