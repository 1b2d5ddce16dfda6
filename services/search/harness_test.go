package search

import (
	"context"
	"net/http"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/uptrace/bun"

	productv1 "mall/gen/mall/product/v1"
	searchv1 "mall/gen/mall/search/v1"
	"mall/gen/mall/search/v1/searchv1connect"
	"mall/services/platform/auth"
	"mall/services/platform/kafka"
	"mall/services/platform/rpcclient"
	"mall/services/platform/server"
	"mall/services/platform/testenv"
	"mall/services/product"
)

// fixture is the search path as it runs in a serving process: the product
// service on its own seeded database relaying catalog changes to an
// embedded Kafka, an indexer reading them into a bleve index, and the
// search service over it on the real platform server.
type fixture struct {
	catalog *product.Service
	db      *bun.DB
	cluster *kafka.Cluster
	indexer *Indexer
	svc     *Service
	// stopRelay ends the relay and waits for it (it also ends with the
	// test).
	stopRelay func()
	keys      *auth.Keys
	clients   map[string]searchv1connect.SearchServiceClient // "connect-json", "grpc"
}

func newFixture(t *testing.T, mutate ...func(*Options)) *fixture {
	t.Helper()
	testenv.Integration(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	handle := testenv.MigratedDB(t, testenv.DatabasePrefix(t)+"product", product.Migrations())
	if err := product.Seed(ctx, handle); err != nil {
		t.Fatal(err)
	}
	productOpts := product.DefaultOptions()
	productOpts.KeyPrefix = "test:" + testenv.RandomID(4) + ":"
	catalog := product.NewService(handle, testenv.Redis(t), testenv.Logger(), productOpts)
	t.Cleanup(catalog.Close)
	cluster, err := kafka.Connect(nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cluster.Close)
	f := &fixture{catalog: catalog, db: handle, cluster: cluster}
	f.relay(t, ctx)

	engine, err := NewBleveEngine(filepath.Join(t.TempDir(), "index"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = engine.Close() })
	f.indexer = NewIndexer(engine, testenv.Logger())
	opts := DefaultOptions()
	opts.KeyPrefix = productOpts.KeyPrefix
	opts.HotListFor = 0
	for _, m := range mutate {
		m(&opts)
	}
	f.svc = NewService(f.indexer, testenv.Redis(t), testenv.Logger(), opts)
	f.run(t, ctx)
	t.Cleanup(cancel) // first of the cleanups: the background work ends before it is waited for

	f.keys, err = auth.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	url := testenv.Serve(t, server.Options{Authenticator: auth.NewAuthenticator(f.keys, nil)}, func(srv *server.Server) {
		srv.Mount(searchv1connect.NewSearchServiceHandler(f.svc, srv.HandlerOptions()...))
	})
	f.clients = map[string]searchv1connect.SearchServiceClient{
		"connect-json": searchv1connect.NewSearchServiceClient(http.DefaultClient, url, connect.WithProtoJSON()),
		"grpc":         searchv1connect.NewSearchServiceClient(rpcclient.HTTPClient(), url, connect.WithGRPC()),
	}
	testenv.Eventually(t, 30*time.Second, "the seeded catalog indexed", func() bool {
		return f.indexer.IsReady() && f.indexer.Applied() >= 200
	})
	return f
}

// relay runs the product service's catalog change relay until the test
// ends.
func (f *fixture) relay(t *testing.T, ctx context.Context) {
	t.Helper()
	producer, err := f.cluster.NewClient(kgo.DefaultProduceTopic(product.CatalogChangesTopic))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = f.catalog.RelayCatalogChanges(ctx, producer); close(done) }()
	f.stopRelay = func() { cancel(); <-done }
	t.Cleanup(func() { f.stopRelay(); producer.Close() })
}

// run feeds the index and counts hot searches until the test ends.
func (f *fixture) run(t *testing.T, ctx context.Context) {
	t.Helper()
	consumer, err := f.cluster.NewClient(IndexerConsumerOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	indexed, counted := make(chan struct{}), make(chan struct{})
	go func() { _ = f.indexer.Run(ctx, consumer); close(indexed) }()
	go func() { _ = f.svc.Run(ctx); close(counted) }()
	t.Cleanup(func() { <-indexed; <-counted; consumer.Close() })
}

// search asks the search service as an anonymous shopper.
func (f *fixture) search(t *testing.T, client searchv1connect.SearchServiceClient, req *searchv1.SearchProductsRequest) *searchv1.SearchProductsResponse {
	t.Helper()
	res, err := client.SearchProducts(context.Background(), connect.NewRequest(req))
	if err != nil {
		t.Fatalf("search %q: %v", req.GetQuery(), err)
	}
	return res.Msg
}

// ids are the product ids of hits, in order.
func ids(hits []*searchv1.SearchHit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.GetProduct().GetProductId()
	}
	return out
}

// addProduct lists a product only this test has, through the catalog's own
// admin RPC (so through its triggers and relay).
func (f *fixture) addProduct(t *testing.T, spec *productv1.ProductSpec, stock int64) string {
	t.Helper()
	ctx := context.Background()
	created, err := f.catalog.CreateProduct(ctx, connect.NewRequest(&productv1.CreateProductRequest{Product: spec, InitialStock: stock}))
	if err != nil {
		t.Fatal(err)
	}
	return created.Msg.GetProduct().GetProductId()
}

// waitIndexed waits until the index holds id at its latest state: found by
// a query only that state matches.
func (f *fixture) waitIndexed(t *testing.T, query, id string) {
	t.Helper()
	f.waitFound(t, query, id+" found by "+query, func(p *productv1.Product) bool { return p.GetProductId() == id })
}

// waitSales waits until the index holds id's sales count.
func (f *fixture) waitSales(t *testing.T, query, id string, sales int64) {
	t.Helper()
	f.waitFound(t, query, id+" indexed with its sales", func(p *productv1.Product) bool {
		return p.GetProductId() == id && p.GetSalesCount() == sales
	})
}

// waitFound waits until query finds a product that match accepts.
func (f *fixture) waitFound(t *testing.T, query, what string, match func(*productv1.Product) bool) {
	t.Helper()
	testenv.Eventually(t, 5*time.Second, what, func() bool {
		res, err := f.svc.SearchProducts(context.Background(), connect.NewRequest(&searchv1.SearchProductsRequest{Query: query, PageSize: 50}))
		return err == nil && slices.ContainsFunc(res.Msg.GetHits(), func(h *searchv1.SearchHit) bool { return match(h.GetProduct()) })
	})
}
