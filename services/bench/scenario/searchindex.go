package scenario

import (
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"connectrpc.com/connect"
	"github.com/twmb/franz-go/pkg/kadm"

	productv1 "mall/gen/mall/product/v1"
	searchv1 "mall/gen/mall/search/v1"
	"mall/gen/mall/search/v1/searchv1connect"
	"mall/services/app"
	"mall/services/platform/auth"
	"mall/services/platform/rpcerr"
	"mall/services/product"
	"mall/services/search"
)

// catalogTopic is the topic the search indexes are fed from.
const catalogTopic = product.CatalogChangesTopic

// catalogTimes is how long the catalog took to seed and to be found.
type catalogTimes struct {
	products, batch int
	seeding         time.Duration // the INSERTs
	indexing        time.Duration // from the end of seeding until search counted every product
	partitions      int           // of the topic
	diskBytes       int64         // the index's files
	heapBytes       uint64        // this process's live heap once indexed (the mall and the bench)
}

// rebuildTimes is how long a new serving process took, from its start,
// to answer (no longer warming) and to count every product.
type rebuildTimes struct {
	answered, complete time.Duration
}

// seedAndIndex deletes earlier runs' bench catalogs, seeds this run's,
// and waits until search counts every seeded product.
func (r *searchRun) seedAndIndex(ctx context.Context) (catalogTimes, error) {
	t := catalogTimes{products: r.o.Products, batch: r.o.Batch}
	db, err := r.sys.deps.Database(ctx, "product")
	if err != nil {
		return t, err
	}
	fmt.Fprintln(r.env.Progress, "deleting the catalogs of earlier runs")
	if err := product.DeleteBenchCatalogs(ctx, db, benchProductIDPrefix); err != nil {
		return t, err
	}
	// This run's, once it is over: the bench database keeps the demo catalog only.
	r.sys.add(func() {
		if err := product.DeleteBenchCatalogs(context.WithoutCancel(ctx), db, benchProductIDPrefix); err != nil {
			r.env.Logger.Warn("deleting the bench catalog failed", "err", err)
		}
	})
	fmt.Fprintf(r.env.Progress, "seeding %d products, %d rows per INSERT, marked %q\n", r.o.Products, r.o.Batch, r.marker)
	start := time.Now()
	r.ids, err = product.SeedBenchCatalog(ctx, db, product.BenchCatalog{IDPrefix: benchProductIDPrefix + r.sys.runID + "-",
		Marker: r.marker, Count: r.o.Products, Batch: r.o.Batch, Seed: searchCatalogSeed})
	if err != nil {
		return t, err
	}
	t.seeding = time.Since(start)
	fmt.Fprintf(r.env.Progress, "seeded in %v; waiting for search to find them all\n", t.seeding.Round(time.Millisecond))
	seeded := time.Now()
	if _, t.indexing, err = r.waitComplete(ctx, r.search, "indexing", seeded); err != nil {
		return t, err
	}
	if t.partitions, err = topicPartitions(ctx, r.sys.deps); err != nil {
		return t, err
	}
	t.diskBytes, err = folderBytes(r.sys.cfg.SearchIndexDir)
	runtime.GC()
	var mem runtime.MemStats
	runtime.ReadMemStats(&mem)
	t.heapBytes = mem.HeapAlloc
	return t, err
}

// folderBytes is the size of the files under dir.
func folderBytes(dir string) (int64, error) {
	var total int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		total += info.Size()
		return nil
	})
	return total, err
}

// waitComplete polls client's search for the marker word until its total
// is every seeded product, and returns when it first answered (rather
// than warming) and when it counted them all, both since start.
func (r *searchRun) waitComplete(ctx context.Context, client searchv1connect.SearchServiceClient, what string, start time.Time) (answered, complete time.Duration, err error) {
	deadline := start.Add(r.o.IndexTimeout)
	lastProgress := time.Now()
	var found int64
	lastErr := "none"
	for {
		res, err := client.SearchProducts(ctx, connect.NewRequest(&searchv1.SearchProductsRequest{Query: r.marker, PageSize: 1}))
		switch {
		case err == nil:
			if answered == 0 {
				answered = time.Since(start)
			}
			if found = res.Msg.GetTotal(); found >= int64(len(r.ids)) {
				return answered, time.Since(start), nil
			}
		case rpcerr.Reason(err) == search.ReasonIndexWarming:
		default:
			lastErr = err.Error()
		}
		if time.Now().After(deadline) {
			return 0, 0, fmt.Errorf("bench search: %s: %d of %d found after %v (last error: %s)", what, found, len(r.ids), r.o.IndexTimeout, lastErr)
		}
		if time.Since(lastProgress) >= time.Second {
			state := "warming"
			if answered > 0 {
				state = "answering"
			}
			fmt.Fprintf(r.env.Progress, "%-24s %5.0fs %8d/%d found (%s)\n", what, time.Since(start).Seconds(), found, len(r.ids), state)
			lastProgress = time.Now()
		}
		select {
		case <-ctx.Done():
			return 0, 0, ctx.Err()
		case <-time.After(searchPollEvery):
		}
	}
}

// topicPartitions is how many partitions the catalog topic has.
func topicPartitions(ctx context.Context, deps *app.Deps) (int, error) {
	client, err := deps.Kafka.NewClient()
	if err != nil {
		return 0, err
	}
	defer client.Close()
	topics, err := kadm.NewClient(client).ListTopics(ctx, catalogTopic)
	if err != nil {
		return 0, err
	}
	detail, ok := topics[catalogTopic]
	if !ok || detail.Err != nil {
		return 0, fmt.Errorf("bench search: topic %s: %v", catalogTopic, detail.Err)
	}
	return len(detail.Partitions), nil
}

// rebuild starts a new serving process of the search role only (as
// `mall serve --services=search` beside the running mall), whose index
// starts empty and reads the topic from its start, and times it until it
// counts every seeded product.
func (r *searchRun) rebuild(ctx context.Context) (rebuildTimes, error) {
	domains, err := app.Select([]string{searchServiceRoleName})
	if err != nil {
		return rebuildTimes{}, err
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return rebuildTimes{}, err
	}
	var stop closers
	defer func() { stop.Close() }() // what is added below, too
	stop.add(func() { listener.Close() })
	cfg := r.sys.cfg
	cfg.KafkaBrokers = r.sys.deps.Kafka.Brokers // the running mall's broker
	fmt.Fprintln(r.env.Progress, "rebuild: starting a new search process")
	start := time.Now()
	deps, err := app.NewDeps(ctx, cfg, r.env.Logger)
	if err != nil {
		return rebuildTimes{}, err
	}
	stop.add(deps.Close)
	srv, err := app.NewServer(ctx, deps, domains)
	if err != nil {
		return rebuildTimes{}, err
	}
	serveCtx, stopServing := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- app.Serve(serveCtx, deps, srv, listener) }()
	stop.add(func() {
		stopServing()
		if err := <-served; err != nil {
			r.env.Logger.Warn("bench search process stopped with an error", "err", err)
		}
	})
	client := searchv1connect.NewSearchServiceClient(r.http, "http://"+listener.Addr().String())
	var t rebuildTimes
	t.answered, t.complete, err = r.waitComplete(ctx, client, "rebuild", start)
	return t, err
}

// freshness changes the title of a random seeded product o.Updates times,
// one after another, to contain a new word, and times each from the
// change's answer until search finds the product by that word.
func (r *searchRun) freshness(ctx context.Context) ([]time.Duration, error) {
	admin, _, err := r.sys.deps.Keys.Issue("bench-admin", []string{auth.RoleAdmin}, time.Hour)
	if err != nil {
		return nil, err
	}
	took := make([]time.Duration, 0, r.o.Updates)
	for i := range r.o.Updates {
		id := r.ids[rand.IntN(len(r.ids))]
		word := freshWord()
		if err := r.retitle(ctx, admin, id, word); err != nil {
			return nil, fmt.Errorf("bench search: changing %s: %w", id, err)
		}
		d, err := r.untilFound(ctx, word, id)
		if err != nil {
			return nil, err
		}
		took = append(took, d)
		fmt.Fprintf(r.env.Progress, "%-24s %2d/%d: %s searchable after %v\n", "freshness", i+1, r.o.Updates, id, d.Round(time.Millisecond))
	}
	return took, nil
}

// retitle adds word to product id's title through the operator's RPC.
func (r *searchRun) retitle(ctx context.Context, admin, id, word string) error {
	got, err := r.products.GetProduct(ctx, connect.NewRequest(&productv1.GetProductRequest{ProductId: id}))
	if err != nil {
		return err
	}
	p := got.Msg.GetProduct()
	_, err = r.products.UpdateProduct(ctx, withToken(admin, &productv1.UpdateProductRequest{ProductId: id, Product: &productv1.ProductSpec{
		CategoryId: p.GetCategoryId(), Title: p.GetTitle() + " " + word, Subtitle: p.GetSubtitle(), ImageUrls: p.GetImageUrls(),
		Description: p.GetDescription(), PriceCents: p.GetPriceCents(), Status: p.GetStatus(),
	}}))
	return err
}

// untilFound polls search for word until it finds product id, and
// returns how long that took; freshnessGiveUpAfter when it never did.
func (r *searchRun) untilFound(ctx context.Context, word, id string) (time.Duration, error) {
	start := time.Now()
	for time.Since(start) < freshnessGiveUpAfter {
		res, err := r.search.SearchProducts(ctx, connect.NewRequest(&searchv1.SearchProductsRequest{Query: word, PageSize: 5}))
		if err == nil && slices.ContainsFunc(res.Msg.GetHits(), func(h *searchv1.SearchHit) bool { return h.GetProduct().GetProductId() == id }) {
			return time.Since(start), nil
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(freshnessPollEvery):
		}
	}
	return freshnessGiveUpAfter, nil
}

// freshWord is a word of letters only that no title has yet.
func freshWord() string {
	b := []byte("fresh")
	for range 10 {
		b = append(b, byte('a'+rand.IntN(26)))
	}
	return string(b)
}
