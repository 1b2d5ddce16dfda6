// Package seckill is the flash-sale domain: events in its own database, the
// live sale (stock, buyers) in Valkey behind one Lua admission script,
// accepted purchases handed to Kafka for the batched order writers
// (writer.go), and the reconciler that rebuilds a lost sale. Service
// implements SeckillService: the RPCs are in events.go, purchase.go and
// settle.go, the SQL in store.go.
package seckill

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/uptrace/bun"
	"github.com/valkey-io/valkey-go"
	"golang.org/x/sync/singleflight"

	"mall/gen/mall/order/v1/orderv1connect"
	"mall/gen/mall/product/v1/productv1connect"
	"mall/gen/mall/seckill/v1/seckillv1connect"
	userv1 "mall/gen/mall/user/v1"
	"mall/services/platform/feed"
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
	// PaymentTimeout is a flash-sale order's time to pay (the writers'
	// setting): SettleSales gives a sale's unsold units back to the
	// product once it ended this long ago and no order of it is pending.
	PaymentTimeout time.Duration
	// AbandonAfter is how long a sale may stay allocating (its CreateEvent
	// died or failed in doubt) before SettleSales gives back whatever it
	// took. Longer than CreateEvent can run (createTimeout).
	AbandonAfter time.Duration
	// Feed wakes WatchPurchaseResult streams when the writers record
	// results; nil: no streaming (GetPurchaseResult still answers).
	Feed *feed.Feed
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
		PaymentTimeout: 10 * time.Minute,
		AbandonAfter:   2 * time.Minute,
	}
}

// Kafka is what the service needs of the cluster: the producer of accepted
// purchases, and fresh clients for the reconciler to read the topic.
type Kafka struct {
	Producer  *kgo.Client
	NewClient func(opts ...kgo.Opt) (*kgo.Client, error)
}

// Service is the seckill domain: events in MySQL, the live sale in Valkey,
// accepted purchases to Kafka, results from the writers. Purchase and
// GetPurchaseResult take the buyer only from the verified token; the
// internal RPCs are called by the writers and the sweeper with a service
// credential.
type Service struct {
	db        *bun.DB
	valkey    valkey.Client
	kafka     Kafka
	products  productv1connect.ProductServiceClient
	orders    orderv1connect.OrderServiceClient
	addresses Addresses
	logger    *slog.Logger
	opts      Options

	events     sync.Map // event id -> cachedEvent (row nil: no such visible event)
	eventLoads singleflight.Group
	// unknownEvents counts the absent ids cached in events, to bound them.
	unknownEvents atomic.Int64
	// soldOut holds the sales whose last admission in this process found
	// them sold out (event id -> true): Purchase asks those first without
	// resolving the buyer's address.
	soldOut sync.Map
	// buyers are the buyers whose purchase this process handed to Kafka
	// (knownRefusal).
	buyers knownBuyers
	// prefetching bounds the address prefetches in flight (PrefetchAddress).
	prefetching chan struct{}
	reconciles  singleflight.Group
	// produced are tickets whose record Kafka has, to clear from their
	// sale's outbox in batches (ClearOutboxes).
	produced chan producedTicket
	// tally holds the admission counts not yet in Valkey (RecordAdmissions).
	tally admissionTally
}

type cachedEvent struct {
	row     *eventRow // nil: no visible event has this id
	expires time.Time
}

// maxPrefetches bounds the address prefetches in flight; more are skipped.
const maxPrefetches = 64

// maxUnknownEvents bounds the absent ids the event cache holds, so a flood
// of made-up ids cannot grow it without limit.
const maxUnknownEvents = 10000

// Addresses resolves a buyer's shipping address: addressID if it is
// theirs, else their default; connect's not_found when they have no such
// address. Purchase asks it on the sale's hot path, so it must be cheap
// (services/app wires the user domain's cached reader).
type Addresses interface {
	Address(ctx context.Context, userID, addressID string) (*userv1.Address, error)
}

var _ seckillv1connect.SeckillServiceHandler = (*Service)(nil)

// NewService returns the seckill service.
func NewService(db *bun.DB, client valkey.Client, kafka Kafka, products productv1connect.ProductServiceClient,
	orders orderv1connect.OrderServiceClient, addresses Addresses, logger *slog.Logger, opts Options) *Service {
	return &Service{db: db, valkey: client, kafka: kafka, products: products, orders: orders, addresses: addresses, logger: logger,
		opts: opts, produced: make(chan producedTicket, 4096), prefetching: make(chan struct{}, maxPrefetches),
		tally: admissionTally{counts: map[tallyKey]int64{}}}
}

// event returns a visible event (allocated or settled), from this
// process's short-lived copy when fresh. An unknown id is remembered as
// absent for as long, and concurrent misses of one id share one query, so
// a flood of made-up ids does not reach MySQL per call.
func (s *Service) event(ctx context.Context, id string) (*eventRow, error) {
	if v, ok := s.events.Load(id); ok && time.Now().Before(v.(cachedEvent).expires) {
		if row := v.(cachedEvent).row; row != nil {
			return row, nil
		}
		return nil, errEventNotFound()
	}
	loaded, err, _ := s.eventLoads.Do(id, func() (any, error) {
		row, err := selectEvent(context.WithoutCancel(ctx), s.db, id)
		switch {
		// The id column's collation also matches spellings of an id (case,
		// width, trailing spaces): only the id itself names the sale, so a
		// spelling is an unknown id, cached as absent like one, instead of
		// a copy of the sale under a key of the caller's choosing.
		case isNoRows(err) || (err == nil && (row.ID != id || !row.visible())):
			row = nil
			if s.unknownEvents.Add(1) > maxUnknownEvents {
				s.forgetUnknownEvents()
			}
		case err != nil:
			return nil, err
		}
		s.events.Store(id, cachedEvent{row: row, expires: time.Now().Add(s.opts.EventCacheTTL)})
		return row, nil
	})
	if err != nil {
		return nil, err
	}
	if row := loaded.(*eventRow); row != nil {
		return row, nil
	}
	return nil, errEventNotFound()
}

// PrefetchAddress reads a signed-in viewer's address book in the
// background, best effort: shoppers wait on a sale's page before it
// starts, so their Purchase then finds the book cached instead of loading
// it on the sale's hot path. When too many are in flight it does nothing
// (the purchase looks the address up itself).
func (s *Service) PrefetchAddress(userID string) {
	select {
	case s.prefetching <- struct{}{}:
	default:
		return
	}
	go func() {
		defer func() { <-s.prefetching }()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, _ = s.addresses.Address(ctx, userID, "")
	}()
}

// cacheEvent puts a row this process just wrote into its copy; a sale
// shoppers do not see (in preview) is dropped from it instead.
func (s *Service) cacheEvent(row *eventRow) {
	if !row.visible() {
		s.events.Delete(row.ID)
		return
	}
	s.events.Store(row.ID, cachedEvent{row: row, expires: time.Now().Add(s.opts.EventCacheTTL)})
}

// forgetUnknownEvents drops the cached absences (they are only a shield
// for the database) and counts them again from zero.
func (s *Service) forgetUnknownEvents() {
	s.events.Range(func(key, value any) bool {
		if value.(cachedEvent).row == nil {
			s.events.Delete(key)
		}
		return true
	})
	s.unknownEvents.Store(0)
}
