package search

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/protobuf/proto"

	productv1 "mall/gen/mall/product/v1"
	"mall/services/platform/kafka"
	"mall/services/product"
)

// IndexerGroup names the indexers in the consumer lag metric (they read
// without a consumer group: every index reads every partition).
const IndexerGroup = "search-index"

var (
	indexedProducts = promauto.NewGauge(prometheus.GaugeOpts{
		Name: "mall_search_index_products",
		Help: "On-sale products in this process's search index.",
	})
	indexReady = promauto.NewGauge(prometheus.GaugeOpts{
		Name: "mall_search_index_ready",
		Help: "1 once this process's search index has caught up with the catalog change topic (searches answer), else 0.",
	})
)

// Indexer keeps an Engine and the found products' cards current from the
// catalog change topic. Records of one product may come twice or out of
// order; the highest revision wins.
type Indexer struct {
	engine Engine
	logger *slog.Logger

	mu       sync.RWMutex
	products map[string]*indexedProduct
	onSale   int // products with a card

	generation atomic.Uint64 // bumped by every applied batch
	applied    atomic.Int64  // records applied since start
	ready      chan struct{}
	readyOnce  sync.Once
}

// indexedProduct is what the indexer holds of one product.
type indexedProduct struct {
	revision int64
	// card is the on-sale product without its description (nil when it is
	// not on sale, so not searchable).
	card *productv1.Product
}

// NewIndexer returns an indexer over engine; Run feeds it.
func NewIndexer(engine Engine, logger *slog.Logger) *Indexer {
	return &Indexer{engine: engine, logger: logger, products: map[string]*indexedProduct{}, ready: make(chan struct{})}
}

// Ready is closed once the index has caught up with the topic as it was
// when Run started.
func (ix *Indexer) Ready() <-chan struct{} { return ix.ready }

// IsReady reports whether Ready is closed.
func (ix *Indexer) IsReady() bool {
	select {
	case <-ix.ready:
		return true
	default:
		return false
	}
}

// Generation changes whenever the index does.
func (ix *Indexer) Generation() uint64 { return ix.generation.Load() }

// Applied is how many change records the index has taken in.
func (ix *Indexer) Applied() int64 { return ix.applied.Load() }

// card is the indexed on-sale product id, if any.
func (ix *Indexer) card(id string) (*productv1.Product, bool) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	p, ok := ix.products[id]
	if !ok || p.card == nil {
		return nil, false
	}
	return p.card, true
}

// IndexerConsumerOptions read the whole topic from its start without a
// consumer group: every index holds every product.
func IndexerConsumerOptions() []kgo.Opt {
	return []kgo.Opt{
		kgo.ConsumeTopics(product.CatalogChangesTopic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(100 * time.Millisecond),
	}
}

// Run applies the topic's records until ctx ends. An index that cannot
// take a batch ends Run with the error (the process exits, and its
// replacement rebuilds from the topic).
func (ix *Indexer) Run(ctx context.Context, client *kgo.Client) error {
	ends, err := ix.waitForEndOffsets(ctx, client)
	if err != nil {
		return nil // ctx ended
	}
	positions := map[int32]int64{}
	ix.markReadyIfCaughtUp(ends, positions)
	for {
		fetches := client.PollRecords(ctx, 1000)
		if ctx.Err() != nil {
			return nil
		}
		kafka.ObserveLag(IndexerGroup, fetches)
		fetches.EachError(func(topic string, partition int32, err error) {
			ix.logger.Warn("catalog change fetch failed", "topic", topic, "partition", partition, "err", err)
		})
		var changes []*productv1.CatalogChange
		fetches.EachRecord(func(r *kgo.Record) {
			positions[r.Partition] = r.Offset + 1
			change := &productv1.CatalogChange{}
			if err := proto.Unmarshal(r.Value, change); err != nil {
				ix.logger.Error("catalog change record unreadable; skipped", "offset", r.Offset, "partition", r.Partition, "err", err)
				return
			}
			changes = append(changes, change)
		})
		if err := ix.Apply(changes); err != nil {
			return err
		}
		ix.markReadyIfCaughtUp(ends, positions)
	}
}

// waitForEndOffsets asks Kafka where the topic ends until it answers: the
// process serves everything else meanwhile, and searches wait.
func (ix *Indexer) waitForEndOffsets(ctx context.Context, client *kgo.Client) (map[int32]int64, error) {
	for wait := time.Second; ; wait = min(2*wait, 30*time.Second) {
		ends, err := product.CatalogTopicEnds(ctx, client)
		if err == nil {
			return ends, nil
		}
		ix.logger.Warn("catalog change topic unreachable; search waits", "err", err, "retry_in", wait)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
	}
}

func (ix *Indexer) markReadyIfCaughtUp(ends, positions map[int32]int64) {
	for partition, end := range ends {
		if positions[partition] < end {
			return
		}
	}
	ix.readyOnce.Do(func() {
		close(ix.ready)
		indexReady.Set(1)
	})
}

// Apply takes in changes: a newer revision replaces what the index holds,
// an older one is dropped, a product off sale leaves the index.
func (ix *Indexer) Apply(changes []*productv1.CatalogChange) error {
	if len(changes) == 0 {
		return nil
	}
	newest := map[string]*productv1.CatalogChange{}
	for _, c := range changes {
		id := c.GetProduct().GetProductId()
		if id == "" {
			continue
		}
		if held, ok := newest[id]; !ok || c.GetRevision() >= held.GetRevision() {
			newest[id] = c
		}
	}
	var docs []Document
	var removed []string
	ix.mu.RLock()
	for id, c := range newest {
		if held, ok := ix.products[id]; ok && held.revision > c.GetRevision() {
			delete(newest, id)
			continue
		}
		if c.GetProduct().GetStatus() == productv1.ProductStatus_PRODUCT_STATUS_ON_SALE {
			docs = append(docs, documentOf(c))
		} else {
			removed = append(removed, id)
		}
	}
	ix.mu.RUnlock()
	if err := ix.engine.Put(docs, removed); err != nil {
		return err
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for id, c := range newest {
		held := &indexedProduct{revision: c.GetRevision()}
		if c.GetProduct().GetStatus() == productv1.ProductStatus_PRODUCT_STATUS_ON_SALE {
			card := proto.CloneOf(c.GetProduct())
			card.Description = ""
			held.card = card
		}
		if prior, ok := ix.products[id]; ok && prior.card != nil {
			ix.onSale--
		}
		if held.card != nil {
			ix.onSale++
		}
		ix.products[id] = held
	}
	indexedProducts.Set(float64(ix.onSale))
	ix.applied.Add(int64(len(changes)))
	ix.generation.Add(1)
	return nil
}

func documentOf(c *productv1.CatalogChange) Document {
	p := c.GetProduct()
	return Document{
		ID:          p.GetProductId(),
		Title:       p.GetTitle(),
		Subtitle:    p.GetSubtitle(),
		Description: p.GetDescription(),
		Categories:  c.GetCategoryPath(),
		PriceCents:  p.GetPriceCents(),
		Sales:       p.GetSalesCount(),
		InStock:     p.GetStock() > 0,
		Created:     p.GetCreatedAt().AsTime(),
	}
}
