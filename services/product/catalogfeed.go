package product

import (
	"context"
	"errors"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/uptrace/bun"
	"google.golang.org/protobuf/proto"

	productv1 "mall/gen/mall/product/v1"
	"mall/services/platform/db"
)

// CatalogChangesTopic holds every product's latest searchable state
// (productv1.CatalogChange records keyed by product id). It is compacted:
// a reader starting from its beginning rebuilds the whole catalog.
const CatalogChangesTopic = "mall.product.changes"

// catalogChangesPartitions spreads the topic for readers that share it out;
// every search index reads them all.
const catalogChangesPartitions = 8

// relayBatch is how many queued changes one relay round publishes.
const relayBatch = 500

// relayIdle is how long the relay waits when the queue is empty: a change
// becomes searchable within it plus the index's own batching.
const relayIdle = 100 * time.Millisecond

// RelayCatalogChanges publishes the queued catalog changes (the products
// table's triggers queue every insert and update) to CatalogChangesTopic
// until ctx ends. Every serving process runs one; a relay takes the changes
// no other relay holds, and a record published twice is harmless since
// readers keep the highest revision.
func (s *Service) RelayCatalogChanges(ctx context.Context, producer *kgo.Client) error {
	if err := ensureCatalogTopic(ctx, producer); err != nil {
		s.logger.Warn("catalog change topic not created; relying on automatic creation", "err", err)
	}
	if err := s.requeueIntoEmptyTopic(ctx, producer); err != nil {
		s.logger.Warn("could not check the catalog change topic for a lost catalog", "err", err)
	}
	for {
		n, err := s.relayCatalogChanges(ctx, producer)
		if err != nil && ctx.Err() == nil {
			s.logger.Warn("relay catalog changes failed", "err", err)
		}
		if n == relayBatch && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(relayIdle):
		}
	}
}

// relayCatalogChanges publishes one batch and unqueues it in the same
// transaction: a crash before the commit leaves it queued for the next
// round (published twice at worst).
func (s *Service) relayCatalogChanges(ctx context.Context, producer *kgo.Client) (int, error) {
	relayed := 0
	err := db.InTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		queued, err := lockCatalogChanges(ctx, tx, relayBatch)
		if err != nil || len(queued) == 0 {
			return err
		}
		records, err := s.catalogChangeRecords(ctx, tx, queued)
		if err != nil {
			return err
		}
		if err := producer.ProduceSync(ctx, records...).FirstErr(); err != nil {
			return err
		}
		relayed = len(queued)
		return deleteCatalogChanges(ctx, tx, queued)
	})
	return relayed, err
}

// catalogChangeRecords reads the queued products' current state. A queued
// id whose product is gone is published with only its id (and no status):
// readers drop it.
func (s *Service) catalogChangeRecords(ctx context.Context, tx bun.Tx, queued []catalogChangeRow) ([]*kgo.Record, error) {
	ids := make([]string, len(queued))
	for i, q := range queued {
		ids[i] = q.ProductID
	}
	rows, err := selectProducts(ctx, tx, ids)
	if err != nil {
		return nil, err
	}
	tree, err := s.loadCategoryTree(ctx)
	if err != nil {
		return nil, err
	}
	parents := make(map[string]string, len(tree))
	for _, c := range tree {
		parents[c.GetCategoryId()] = c.GetParentId()
	}
	byID := make(map[string]*productRow, len(rows))
	for i := range rows {
		byID[rows[i].ID] = &rows[i]
	}
	records := make([]*kgo.Record, 0, len(queued))
	for _, q := range queued {
		change := &productv1.CatalogChange{Product: &productv1.Product{ProductId: q.ProductID}, Revision: q.Revision}
		if row, ok := byID[q.ProductID]; ok {
			change = &productv1.CatalogChange{Product: row.proto(), Revision: row.Revision, CategoryPath: categoryPath(parents, row.CategoryID)}
		}
		value, err := proto.Marshal(change)
		if err != nil {
			return nil, err
		}
		records = append(records, &kgo.Record{Topic: CatalogChangesTopic, Key: []byte(q.ProductID), Value: value})
	}
	return records, nil
}

// categoryPath is id and its ancestors, root first (a cycle or an unknown
// parent ends it).
func categoryPath(parents map[string]string, id string) []string {
	var path []string
	seen := map[string]bool{}
	for id != "" && !seen[id] {
		seen[id] = true
		path = append([]string{id}, path...)
		id = parents[id]
	}
	return path
}

// ensureCatalogTopic creates the topic compacted: with time-based deletion
// a new reader would find only the products changed lately.
func ensureCatalogTopic(ctx context.Context, client *kgo.Client) error {
	compact := "compact"
	res, err := kadm.NewClient(client).CreateTopic(ctx, catalogChangesPartitions, -1,
		map[string]*string{"cleanup.policy": &compact}, CatalogChangesTopic)
	if err == nil {
		err = res.Err
	}
	if errors.Is(err, kerr.TopicAlreadyExists) {
		return nil
	}
	return err
}

// requeueIntoEmptyTopic queues the whole catalog when the topic holds
// nothing: a new Kafka cluster (or the embedded one of a development
// process, which forgets on exit) would otherwise never see the products
// that did not change since.
func (s *Service) requeueIntoEmptyTopic(ctx context.Context, client *kgo.Client) error {
	ends, err := CatalogTopicEnds(ctx, client)
	if err != nil {
		return err
	}
	for _, end := range ends {
		if end > 0 {
			return nil
		}
	}
	queued, err := queueWholeCatalog(ctx, s.db)
	if err == nil && queued > 0 {
		s.logger.Info("catalog change topic was empty; queued the whole catalog", "products", queued)
	}
	return err
}

// CatalogTopicEnds is where each partition of CatalogChangesTopic ends
// now. A partition Kafka does not know yet (the topic does not exist, or
// was just created) is left out: it holds nothing.
func CatalogTopicEnds(ctx context.Context, client *kgo.Client) (map[int32]int64, error) {
	listed, err := kadm.NewClient(client).ListEndOffsets(ctx, CatalogChangesTopic)
	if err != nil {
		return nil, err
	}
	ends := map[int32]int64{}
	var failed error
	listed.Each(func(o kadm.ListedOffset) {
		switch {
		case errors.Is(o.Err, kerr.UnknownTopicOrPartition):
		case o.Err != nil:
			failed = errors.Join(failed, o.Err)
		default:
			ends[o.Partition] = o.Offset
		}
	})
	return ends, failed
}

// PendingCatalogChanges is how many product changes wait for the relay.
func (s *Service) PendingCatalogChanges(ctx context.Context) (int, error) {
	return countCatalogChanges(ctx, s.db)
}
