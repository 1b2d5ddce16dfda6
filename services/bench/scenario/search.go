package scenario

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"runtime"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	productv1 "mall/gen/mall/product/v1"
	"mall/gen/mall/product/v1/productv1connect"
	searchv1 "mall/gen/mall/search/v1"
	"mall/gen/mall/search/v1/searchv1connect"
	"mall/services/app"
	"mall/services/bench"
)

// SearchOptions are the flags of `mall bench search`.
type SearchOptions struct {
	Products     int // seeded into the bench catalog
	Batch        int // rows per INSERT
	Queries      int // distinct queries in the mix
	Concurrency  int
	Duration     time.Duration
	Warmup       time.Duration
	Updates      int           // title changes timed until searchable
	IndexTimeout time.Duration // how long indexing (and the rebuild) may take
	TemporalBin  string        // Temporal CLI for a dev server when none answers
}

// Phase names; the ratios refer to them.
const (
	phaseGenerator      = "generator ceiling"
	phaseSearchNoop     = "noop SearchProducts"
	phaseSearchProduct  = "GetProduct"
	phaseSearchMix      = "SearchProducts mix"
	phaseSearchDistinct = "SearchProducts distinct"
)

// Search targets.
const (
	searchP99Target       = 30 * time.Millisecond
	searchPerProduct      = 0.3 // search req/s against GetProduct's
	freshnessTarget       = time.Second
	generatorBoundBelowX  = 2.0 // a phase is generator-bound when the ceiling is under this many times its rate
	searchPollEvery       = 50 * time.Millisecond
	freshnessPollEvery    = 10 * time.Millisecond
	freshnessGiveUpAfter  = 10 * time.Second
	benchProductIDPrefix  = "bench-"
	searchCatalogSeed     = 20261203
	searchMixSeed         = 7
	searchServiceRoleName = "search"
	maxSearchPageSize     = 50 // the contract's bound
)

// Search seeds a large catalog into the bench's product database and
// measures how long the search index takes to take it in, and to be
// rebuilt by a new serving process from the topic; then SearchProducts
// (a skewed mix of queries, and distinct queries) beside GetProduct, a
// no-op SearchProducts and the load generator's own ceiling; and how soon
// a changed title is found. It prints the report to env.Out.
func Search(ctx context.Context, env Env, o SearchOptions) error {
	if o.Products < 1 || o.Batch < 1 || o.Queries < 20 || o.Concurrency < 1 || o.Duration <= 0 || o.Warmup < 0 || o.Updates < 1 || o.IndexTimeout <= 0 {
		return errors.New("bench search: --products, --batch, --concurrency, --duration, --updates, --index-timeout must be positive, --queries at least 20")
	}
	// The indexes are built in a folder of the bench's, to weigh them.
	indexDir, err := os.MkdirTemp(env.Config.SearchIndexDir, "mall-bench-search-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(indexDir) }()
	env.Config.SearchIndexDir = indexDir
	sys, err := startSystem(ctx, env, o.TemporalBin, "bench-search")
	if err != nil {
		return err
	}
	defer func() { sys.Close() }() // with what the run adds (its catalog's deletion)
	transport := &http.Transport{MaxIdleConns: 4 * o.Concurrency, MaxIdleConnsPerHost: o.Concurrency, IdleConnTimeout: time.Minute, DisableCompression: true}
	defer transport.CloseIdleConnections()
	r := newSearchRun(env, o, sys, &http.Client{Transport: transport})

	var res searchResults
	if res.catalog, err = r.seedAndIndex(ctx); err != nil {
		return err
	}
	if res.rebuild, err = r.rebuild(ctx); err != nil {
		return err
	}
	mix := searchMix(o.Queries, searchMixSeed)
	sample, shape, err := r.tryMix(ctx, mix)
	if err != nil {
		return err
	}
	res.mixShape, res.totals = mixShape(mix), shape
	ceilings, err := startSearchCeilings(ctx, sys, sample)
	if err != nil {
		return err
	}
	defer ceilings.Close()
	res.sampleBytes = proto.Size(sample)
	res.phases = r.runPhases(ctx, ceilings, mix)
	if err := ctx.Err(); err != nil {
		return err
	}
	if res.freshness, err = r.freshness(ctx); err != nil {
		return err
	}
	return searchReport(searchSetup(o, sys), res).Render(env.Out)
}

// searchRun is what the steps share.
type searchRun struct {
	env      Env
	o        SearchOptions
	sys      *system
	marker   string // the word every seeded title has
	ids      []string
	search   searchv1connect.SearchServiceClient   // full decoding, for checks
	products productv1connect.ProductServiceClient // full decoding
	load     []connect.ClientOption                // the load clients' options
	http     *http.Client
}

func newSearchRun(env Env, o SearchOptions, sys *system, httpClient *http.Client) *searchRun {
	return &searchRun{
		env: env, o: o, sys: sys, http: httpClient,
		marker:   markerWord(sys.runID),
		search:   searchv1connect.NewSearchServiceClient(httpClient, sys.cfg.InternalURL),
		products: productv1connect.NewProductServiceClient(httpClient, sys.cfg.InternalURL),
		// GET, as the SPA calls public reads; plain answers, as bench home
		// measures by default (the platform gzips a public GET answer once
		// per distinct body); framing checked, nothing else decoded.
		load: []connect.ClientOption{connect.WithCodec(shallowCodec{}), connect.WithHTTPGet(), connect.WithAcceptCompression("gzip", nil, nil)},
	}
}

// markerWord is a word of letters only (the analyzer keeps it whole) that
// no catalog has but this run's.
func markerWord(runID string) string {
	b := []byte("mallbench")
	for _, c := range runID {
		b = append(b, byte('a'+int(c)%26))
	}
	return string(b)
}

// searchResults is everything the report shows.
type searchResults struct {
	catalog     catalogTimes
	rebuild     rebuildTimes
	mixShape    string
	totals      string
	sampleBytes int
	phases      searchPhases
	freshness   []time.Duration // time to searchable of each title change; freshnessGiveUpAfter when never
}

// searchPhases are the measured load phases.
type searchPhases struct {
	generator, noop, product, mix, distinct bench.Summary
}

func (p searchPhases) all() []bench.Summary {
	return []bench.Summary{p.generator, p.noop, p.product, p.mix, p.distinct}
}

// runPhases drives the load phases: the generator's and the server's
// ceilings, GetProduct of random seeded ids, the mix and distinct queries.
func (r *searchRun) runPhases(ctx context.Context, c *searchCeilings, mix []searchQuery) searchPhases {
	o := r.o
	phase := func(name string, call func(context.Context, int, int) error) bench.Summary {
		return bench.Run(ctx, bench.Phase{Name: name, Concurrency: o.Concurrency, Warmup: o.Warmup, Duration: o.Duration, Call: call}, r.env.Progress)
	}
	searchAt := func(url string) searchv1connect.SearchServiceClient {
		return searchv1connect.NewSearchServiceClient(r.http, url, r.load...)
	}
	search := searchAt(r.sys.cfg.InternalURL)
	products := productv1connect.NewProductServiceClient(r.http, r.sys.cfg.InternalURL, r.load...)

	var p searchPhases
	p.generator = phase(phaseGenerator, callMix(searchAt(c.generatorURL), mix, o.Concurrency))
	p.noop = phase(phaseSearchNoop, callMix(searchAt(c.noopURL), mix, o.Concurrency))
	p.product = phase(phaseSearchProduct, func(ctx context.Context, _, _ int) error {
		_, err := products.GetProduct(ctx, connect.NewRequest(&productv1.GetProductRequest{ProductId: r.ids[rand.IntN(len(r.ids))]}))
		return err
	})
	p.mix = phase(phaseSearchMix, callMix(search, mix, o.Concurrency))
	p.distinct = phase(phaseSearchDistinct, callDistinct(search, mix))
	return p
}

// callMix draws a query of mix by its frequency for each call; each
// worker draws with a generator of its own.
func callMix(client searchv1connect.SearchServiceClient, mix []searchQuery, workers int) func(context.Context, int, int) error {
	draws := make([]*rand.Zipf, workers)
	for w := range draws {
		draws[w] = rand.NewZipf(rand.New(rand.NewPCG(uint64(w), searchMixSeed)), zipfS, zipfV, uint64(len(mix)-1))
	}
	return func(ctx context.Context, worker, _ int) error {
		_, err := client.SearchProducts(ctx, connect.NewRequest(mix[draws[worker].Uint64()].req))
		return err
	}
}

// callDistinct makes every request of the phase (warm-up included) one
// the server has not answered before, with what the mix asks unchanged:
// the queries of the mix in turn, each time with another page size
// (1..50). That makes len(mix)*50 distinct requests; past them, a price
// floor one cent higher each round (no product costs a few cents) keeps
// them distinct.
func callDistinct(client searchv1connect.SearchServiceClient, mix []searchQuery) func(context.Context, int, int) error {
	var next atomic.Int64
	return func(ctx context.Context, _, _ int) error {
		n := int(next.Add(1) - 1)
		req := proto.Clone(mix[n%len(mix)].req).(*searchv1.SearchProductsRequest)
		req.PageSize = int32(1 + n/len(mix)%maxSearchPageSize)
		if round := int64(n / (len(mix) * maxSearchPageSize)); round > 0 {
			floor := req.GetMinPriceCents() + round
			req.MinPriceCents = &floor
		}
		_, err := client.SearchProducts(ctx, connect.NewRequest(req))
		return err
	}
}

// tryMix runs every query of the mix once, fails on any error, and
// returns the answer of the most frequent query that found products (the
// no-op's answer) and how many products the queries match.
func (r *searchRun) tryMix(ctx context.Context, mix []searchQuery) (*searchv1.SearchProductsResponse, string, error) {
	var sample *searchv1.SearchProductsResponse
	totals := make([]int64, len(mix))
	fallbacks := 0
	for i, q := range mix {
		res, err := r.search.SearchProducts(ctx, connect.NewRequest(q.req))
		if err != nil {
			return nil, "", fmt.Errorf("bench search: query %q of the mix: %w", q.req.GetQuery(), err)
		}
		if sample == nil && len(res.Msg.GetHits()) > 0 {
			sample = res.Msg
		}
		totals[i] = res.Msg.GetTotal()
		if res.Msg.GetFallback() != searchv1.SearchFallback_SEARCH_FALLBACK_UNSPECIFIED {
			fallbacks++
		}
	}
	if sample == nil {
		return nil, "", errors.New("bench search: no query of the mix found a product")
	}
	return sample, totalsShape(totals, fallbacks), nil
}

// searchCeilings are the comparison servers: the same platform options
// as the mall's answering a recorded SearchProducts answer (the server's
// ceiling), and a bare net/http server answering the same bytes (the load
// generator's).
type searchCeilings struct {
	noopURL, generatorURL string
	closers
}

// noopSearch answers every SearchProducts with the same recorded answer.
type noopSearch struct {
	searchv1connect.UnimplementedSearchServiceHandler
	answer *searchv1.SearchProductsResponse
}

func (n noopSearch) SearchProducts(context.Context, *connect.Request[searchv1.SearchProductsRequest]) (*connect.Response[searchv1.SearchProductsResponse], error) {
	return connect.NewResponse(n.answer), nil
}

func startSearchCeilings(ctx context.Context, sys *system, answer *searchv1.SearchProductsResponse) (_ *searchCeilings, err error) {
	c := &searchCeilings{}
	defer func() {
		if err != nil {
			c.Close()
		}
	}()
	noopListener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	c.add(func() { noopListener.Close() })
	bareListener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	c.add(func() { bareListener.Close() })
	c.noopURL, c.generatorURL = "http://"+noopListener.Addr().String(), "http://"+bareListener.Addr().String()

	noop, err := app.NewServer(ctx, sys.deps, nil) // the same server options, no domain
	if err != nil {
		return nil, err
	}
	noop.Mount(searchv1connect.NewSearchServiceHandler(noopSearch{answer: answer}, noop.HandlerOptions()...))
	body, err := proto.Marshal(answer)
	if err != nil {
		return nil, err
	}
	bare := &sizedNoop{contentType: "application/proto"}
	bare.body.Store(&body)
	bareServer := &http.Server{Handler: bare, ReadHeaderTimeout: 5 * time.Second}

	serveCtx, stopServing := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- noop.Serve(serveCtx, noopListener) }()
	go func() { _ = bareServer.Serve(bareListener) }()
	c.add(func() {
		stopServing()
		_ = bareServer.Close()
		if err := <-served; err != nil && !errors.Is(err, context.Canceled) {
			sys.deps.Logger.Warn("bench comparison server", "err", err)
		}
	})
	return c, nil
}

// searchSetup is the report's description of the run.
func searchSetup(o SearchOptions, sys *system) []string {
	return []string{
		fmt.Sprintf("%d clients over HTTP/1.1 (Connect GET as the SPA calls public reads, proto, gzip not accepted, answers checked for framing only); %v measured after %v warm-up per phase",
			o.Concurrency, o.Duration, o.Warmup),
		fmt.Sprintf("%d CPUs, %s; the mall in this process as `mall dev` runs it; MySQL, Valkey %s, Kafka %v (embedded: %t)",
			runtime.NumCPU(), runtime.Version(), sys.cfg.RedisAddr, sys.deps.Kafka.Brokers, sys.deps.Kafka.Embedded()),
	}
}
