package product

import (
	"context"
	"time"

	"connectrpc.com/connect"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/valkey-io/valkey-go"
	"google.golang.org/protobuf/proto"

	orderv1 "mall/gen/mall/order/v1"
	productv1 "mall/gen/mall/product/v1"
	"mall/services/platform/kafka"
	"mall/workflows/checkout"
)

// Rankings are Valkey sorted sets of units sold: one global, one per
// category. They are seeded from the products' sales counts when missing
// and then refreshed by order events (PAID and REFUNDED) from Kafka.

const defaultRankingSize = 10

func (s *Service) rankingKey(categoryID string) string {
	if categoryID == "" {
		return s.key("rank", "global")
	}
	return s.key("rank", "cat", categoryID)
}

// GetRanking returns the top on-sale sellers, globally or in one category.
func (s *Service) GetRanking(ctx context.Context, req *connect.Request[productv1.GetRankingRequest]) (*connect.Response[productv1.GetRankingResponse], error) {
	entries, err := s.ranking(ctx, req.Msg.GetCategoryId(), int(req.Msg.GetLimit()))
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&productv1.GetRankingResponse{Entries: entries}), nil
}

// ranking is the top limit (0: the default) on-sale sellers of a category
// ("" for all).
func (s *Service) ranking(ctx context.Context, categoryID string, limit int) ([]*productv1.RankingEntry, error) {
	if limit == 0 {
		limit = defaultRankingSize
	}
	if err := s.ensureRankings(ctx); err != nil {
		return nil, err
	}
	// Fetch more than asked: off-shelf products are skipped.
	entries, err := s.valkey.Do(ctx, s.valkey.B().Zrange().Key(s.rankingKey(categoryID)).Min("+inf").Max("-inf").
		Byscore().Rev().Limit(0, int64(limit*2+10)).Withscores().Build()).AsZScores()
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(entries))
	for _, e := range entries {
		if e.Member != listingSentinel {
			ids = append(ids, e.Member)
		}
	}
	byID, err := s.productsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	var out []*productv1.RankingEntry
	for _, e := range entries {
		p, ok := byID[e.Member]
		if !ok || p.GetStatus() != productv1.ProductStatus_PRODUCT_STATUS_ON_SALE {
			continue
		}
		out = append(out, &productv1.RankingEntry{Rank: int32(len(out) + 1), Product: p, Score: int64(e.Score)})
		if len(out) == limit {
			break
		}
	}
	return out, nil
}

// ensureRankings seeds the ranking sets from MySQL when the global one is
// missing (a fresh Valkey, or before any order exists).
func (s *Service) ensureRankings(ctx context.Context) error {
	global := s.rankingKey("")
	exists, err := s.valkey.Do(ctx, s.valkey.B().Exists().Key(global).Build()).AsInt64()
	if err != nil || exists == 1 {
		return err
	}
	_, err, _ = s.builds.Do(global, func() (any, error) {
		rows, err := selectAllSalesCounts(context.WithoutCancel(ctx), s.db)
		if err != nil {
			return nil, err
		}
		cmds := valkey.Commands{s.valkey.B().Zadd().Key(global).Nx().ScoreMember().ScoreMember(-1, listingSentinel).Build()}
		for _, r := range rows {
			// NX: an event counted meanwhile is not overwritten.
			cmds = append(cmds,
				s.valkey.B().Zadd().Key(global).Nx().ScoreMember().ScoreMember(float64(r.SalesCount), r.ID).Build(),
				s.valkey.B().Zadd().Key(s.rankingKey(r.CategoryID)).Nx().ScoreMember().ScoreMember(float64(r.SalesCount), r.ID).Build())
		}
		for _, res := range s.valkey.DoMulti(context.WithoutCancel(ctx), cmds...) {
			if err := res.Error(); err != nil {
				return nil, err
			}
		}
		return nil, nil
	})
	return err
}

// ApplyOrderEvent refreshes the rankings of the products of a PAID or
// REFUNDED order event; other types are ignored. The score written is the
// product's sales count in MySQL, which confirming and releasing stock keep
// current, so applying an event twice, late or out of order changes nothing
// and a ranking rebuilt after a Valkey loss agrees with the events.
func (s *Service) ApplyOrderEvent(ctx context.Context, event *orderv1.OrderEvent) error {
	switch event.GetType() {
	case orderv1.OrderEventType_ORDER_EVENT_TYPE_PAID, orderv1.OrderEventType_ORDER_EVENT_TYPE_REFUNDED:
	default:
		return nil
	}
	if err := s.ensureRankings(ctx); err != nil {
		return err
	}
	ids := make([]string, 0, len(event.GetLines()))
	for _, line := range event.GetLines() {
		ids = append(ids, line.GetProductId())
	}
	rows, err := selectSalesCounts(ctx, s.db, ids)
	if err != nil {
		return err
	}
	cmds := make(valkey.Commands, 0, 2*len(rows))
	for _, r := range rows {
		cmds = append(cmds,
			s.valkey.B().Zadd().Key(s.rankingKey("")).ScoreMember().ScoreMember(float64(r.SalesCount), r.ID).Build(),
			s.valkey.B().Zadd().Key(s.rankingKey(r.CategoryID)).ScoreMember().ScoreMember(float64(r.SalesCount), r.ID).Build())
	}
	for _, res := range s.valkey.DoMulti(ctx, cmds...) {
		if err := res.Error(); err != nil {
			return err
		}
	}
	return nil
}

// ConsumeOrderEvents feeds rankings from the order-events topic until ctx
// ends. A record that cannot be applied (Valkey down) is retried until it
// is, so none is skipped; offsets are committed after their records are
// applied (at least once; ApplyOrderEvent makes redelivery harmless).
func (s *Service) ConsumeOrderEvents(ctx context.Context, client *kgo.Client) error {
	for {
		fetches := client.PollFetches(ctx)
		if ctx.Err() != nil {
			return nil
		}
		fetches.EachError(func(topic string, partition int32, err error) {
			s.logger.Warn("order events fetch failed", "topic", topic, "partition", partition, "err", err)
		})
		kafka.ObserveLag(RankingGroup, fetches)
		var records []*kgo.Record
		fetches.EachRecord(func(record *kgo.Record) { records = append(records, record) })
		for _, record := range records {
			event := &orderv1.OrderEvent{}
			if err := proto.Unmarshal(record.Value, event); err != nil {
				s.logger.Error("undecodable order event skipped", "offset", record.Offset, "err", err)
				continue
			}
			for attempt := 1; ; attempt++ {
				err := s.ApplyOrderEvent(ctx, event)
				if err == nil {
					break
				}
				s.logger.Warn("order event not applied; retrying", "event", event.GetEventId(), "attempt", attempt, "err", err)
				select {
				case <-ctx.Done():
					return nil
				case <-time.After(min(time.Duration(attempt)*100*time.Millisecond, 5*time.Second)):
				}
			}
		}
		if len(records) > 0 {
			if err := client.CommitRecords(ctx, records...); err != nil && ctx.Err() == nil {
				s.logger.Warn("commit order-event offsets failed", "err", err)
			}
		}
	}
}

// RankingGroup is the consumer group of the rankings consumers.
const RankingGroup = "product-rankings"

// RankingConsumerOptions are the franz-go options of the rankings consumer.
func RankingConsumerOptions() []kgo.Opt {
	return []kgo.Opt{
		kgo.ConsumeTopics(checkout.OrderEventsTopic),
		kgo.ConsumerGroup(RankingGroup),
		kgo.DisableAutoCommit(),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
	}
}

// GetRecommendations ("guess you like") returns on-sale top sellers of the
// preferred categories in order, then global top sellers, skipping
// excluded ids. Deterministic for a given state.
func (s *Service) GetRecommendations(ctx context.Context, req *connect.Request[productv1.GetRecommendationsRequest]) (*connect.Response[productv1.GetRecommendationsResponse], error) {
	categoryIDs, exclude, limit := req.Msg.GetCategoryIds(), req.Msg.GetExcludeProductIds(), int(req.Msg.GetLimit())
	if limit == 0 {
		limit = defaultRankingSize
	}
	seen := make(map[string]bool, len(exclude))
	for _, id := range exclude {
		seen[id] = true
	}
	var out []*productv1.Product
	for _, source := range append(append([]string(nil), categoryIDs...), "") {
		if len(out) == limit {
			break
		}
		entries, err := s.ranking(ctx, source, limit+len(exclude))
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			id := e.GetProduct().GetProductId()
			if seen[id] {
				continue
			}
			seen[id] = true
			out = append(out, e.GetProduct())
			if len(out) == limit {
				break
			}
		}
	}
	return connect.NewResponse(&productv1.GetRecommendationsResponse{Products: out}), nil
}
