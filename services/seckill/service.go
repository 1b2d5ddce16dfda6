package seckill

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/uptrace/bun"
	"github.com/valkey-io/valkey-go"
	"golang.org/x/sync/singleflight"

	"mall/gen/mall/order/v1/orderv1connect"
	"mall/gen/mall/product/v1/productv1connect"
	"mall/services/platform/ratelimit"
)

// Options tune the seckill service.
type Options struct {
	// KeyPrefix starts every Valkey key of the sales ("<cache prefix>seckill:").
	KeyPrefix string
	// RateLimit bounds Purchase calls per user and event (checked inside
	// the admission script, in the same round trip).
	RateLimit ratelimit.Limit
	// ProduceTimeout bounds handing an accepted purchase to Kafka; after it
	// the admission is undone and the caller gets unavailable.
	ProduceTimeout time.Duration
	// EventCacheTTL is how long a process trusts its copy of an event.
	EventCacheTTL time.Duration
	// ReconcileEvery is how often live sales are checked for lost Valkey
	// state (Purchase also starts a rebuild when it finds one).
	ReconcileEvery time.Duration
	// ReconcileGrace is how long a rebuild waits for purchases admitted
	// before the loss to reach Kafka (longer than ProduceTimeout).
	ReconcileGrace time.Duration
	// RelayEvery is how often the outbox relay looks for admitted purchases
	// that never reached Kafka; RelayAfter is how old such an entry must be
	// (longer than ProduceTimeout: younger ones may still be on their way).
	RelayEvery, RelayAfter time.Duration
}

// DefaultOptions are the production settings.
func DefaultOptions() Options {
	return Options{
		KeyPrefix:      "mall:seckill:",
		RateLimit:      ratelimit.Limit{Burst: 5, Period: time.Second},
		ProduceTimeout: 2 * time.Second,
		EventCacheTTL:  2 * time.Second,
		ReconcileEvery: 5 * time.Second,
		ReconcileGrace: 3 * time.Second,
		RelayEvery:     2 * time.Second,
		RelayAfter:     5 * time.Second,
	}
}

// Kafka is what the service needs of the cluster: the producer of accepted
// purchases, and fresh clients for the reconciler to read the topic.
type Kafka struct {
	Producer  *kgo.Client
	NewClient func(opts ...kgo.Opt) (*kgo.Client, error)
}

// Service is the seckill domain: events in MySQL, the live sale in Valkey,
// accepted purchases to Kafka, results from the writers.
type Service struct {
	db       *bun.DB
	valkey   valkey.Client
	kafka    Kafka
	products productv1connect.ProductServiceClient
	orders   orderv1connect.OrderServiceClient
	logger   *slog.Logger
	opts     Options

	events     sync.Map // event id -> cachedEvent
	reconciles singleflight.Group
	// produced are tickets whose record Kafka has, to clear from their
	// sale's outbox in batches (ClearOutboxes).
	produced chan producedTicket
}

type cachedEvent struct {
	row     *eventRow
	expires time.Time
}

// NewService returns the seckill service.
func NewService(db *bun.DB, client valkey.Client, kafka Kafka, products productv1connect.ProductServiceClient,
	orders orderv1connect.OrderServiceClient, logger *slog.Logger, opts Options) *Service {
	return &Service{db: db, valkey: client, kafka: kafka, products: products, orders: orders, logger: logger, opts: opts,
		produced: make(chan producedTicket, 4096)}
}

// event returns an event, from this process's short-lived copy when fresh.
func (s *Service) event(ctx context.Context, id string) (*eventRow, error) {
	if v, ok := s.events.Load(id); ok && time.Now().Before(v.(cachedEvent).expires) {
		return v.(cachedEvent).row, nil
	}
	row := &eventRow{}
	err := s.db.NewSelect().Model(row).Where("id = ?", id).Scan(ctx)
	if isNoRows(err) {
		return nil, errEventNotFound()
	}
	if err != nil {
		return nil, err
	}
	s.events.Store(id, cachedEvent{row: row, expires: time.Now().Add(s.opts.EventCacheTTL)})
	return row, nil
}
