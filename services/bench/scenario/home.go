package scenario

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	productv1 "mall/gen/mall/product/v1"
	"mall/gen/mall/product/v1/productv1connect"
	storefrontv1 "mall/gen/mall/storefront/v1"
	"mall/gen/mall/storefront/v1/storefrontv1connect"
	"mall/services/app"
	"mall/services/bench"
)

// HomeOptions are the flags of `mall bench home`.
type HomeOptions struct {
	Concurrency int
	Duration    time.Duration
	Warmup      time.Duration
	Encoding    string // Connect encoding: proto or json
	Gzip        bool   // clients accept gzip-compressed answers
	Decode      string // shallow or full
	Products    int    // how many product ids GetProduct rotates over
}

// Phase names; the ratios refer to them.
const (
	phaseNoop            = "noop GetHome"
	phaseNoopSizedGet    = "noop GET, home-sized"
	phaseHomeGet         = "GetHome GET"
	phaseHomeGetGzip     = "GetHome GET, gzip accepted"
	phaseHomeCacheOn     = "GetHome cache on"
	phaseProductCacheOn  = "GetProduct cache on"
	phaseHomeCacheOff    = "GetHome cache off"
	phaseProductCacheOff = "GetProduct cache off"
)

// noopStorefront answers GetHome with an empty page at once: the ceiling of
// the server and harness themselves.
type noopStorefront struct {
	storefrontv1connect.UnimplementedStorefrontServiceHandler
}

func (noopStorefront) GetHome(context.Context, *connect.Request[storefrontv1.GetHomeRequest]) (*connect.Response[storefrontv1.GetHomeResponse], error) {
	return connect.NewResponse(&storefrontv1.GetHomeResponse{}), nil
}

// sizedNoop answers every request to its path with the same encoded
// GetHome answer, made before the phase (the Connect GET a browser sends,
// answered as the platform serves any public GET but with no handler
// work): the ceiling for answers of the home page's size.
type sizedNoop struct {
	contentType string
	body        atomic.Pointer[[]byte]
}

func (n *sizedNoop) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", n.contentType)
	_, _ = w.Write(*n.body.Load())
}

// Home measures GetHome and GetProduct with every cache on and off against
// a no-op GetHome served with the same platform options, GetHome called
// with GET as a browser does (with and without gzip) against a no-op of the
// same size, and prints the report to env.Out.
func Home(ctx context.Context, env Env, o HomeOptions) error {
	if o.Concurrency < 1 || o.Duration <= 0 || o.Warmup < 0 || o.Products < 1 {
		return errors.New("bench home: --concurrency and --duration must be positive, --warmup not negative")
	}
	clientOpts, loadOpts, err := homeClientOptions(o)
	if err != nil {
		return err
	}
	servers, err := startHomeServers(ctx, env, o.Encoding)
	if err != nil {
		return err
	}
	defer servers.Close()

	// HTTP/1.1 keep-alive clients, one connection per worker.
	// DisableCompression: Connect negotiates compression itself (--gzip).
	transport := &http.Transport{MaxIdleConns: 2 * o.Concurrency, MaxIdleConnsPerHost: o.Concurrency, IdleConnTimeout: time.Minute, DisableCompression: true}
	defer transport.CloseIdleConnections()
	httpClient := &http.Client{Transport: transport}
	ids, err := productIDs(ctx, productv1connect.NewProductServiceClient(httpClient, servers.mallURL, clientOpts...), o.Products)
	if err != nil {
		return fmt.Errorf("bench home: listing products to rotate over: %w", err)
	}
	home, homeShape, err := sampleHome(ctx, storefrontv1connect.NewStorefrontServiceClient(httpClient, servers.mallURL, clientOpts...))
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Progress, homeShape)
	if err := servers.sized.serve(home, o.Encoding); err != nil {
		return err
	}

	summaries := runHomePhases(ctx, env, o, servers, httpClient, loadOpts, ids)
	if err := ctx.Err(); err != nil {
		return err
	}
	return homeReport(o, len(ids), homeShape, summaries).Render(env.Out)
}

// homeClientOptions are the options of the clients that look (clientOpts)
// and of those that load (loadOpts), from the encoding flags.
func homeClientOptions(o HomeOptions) (clientOpts, loadOpts []connect.ClientOption, err error) {
	switch o.Encoding {
	case "proto":
	case "json":
		clientOpts = append(clientOpts, connect.WithProtoJSON())
	default:
		return nil, nil, fmt.Errorf("bench home: --encoding %q: want proto or json", o.Encoding)
	}
	if !o.Gzip {
		clientOpts = append(clientOpts, connect.WithAcceptCompression("gzip", nil, nil))
	}
	// The load runs on the same cores as the servers: decoding every answer
	// in full would bill the client's work to the bigger answers.
	loadOpts = clientOpts
	switch {
	case o.Decode == "full":
	case o.Decode == "shallow" && o.Encoding == "proto":
		loadOpts = append(slices.Clone(clientOpts), connect.WithCodec(shallowCodec{}))
	default:
		return nil, nil, fmt.Errorf("bench home: --decode %q: want full, or shallow with --encoding=proto", o.Decode)
	}
	return clientOpts, loadOpts, nil
}

// homeServers are the mall, the no-op storefront and the home-sized no-op,
// served in this process.
type homeServers struct {
	deps                       *app.Deps
	mallURL, noopURL, sizedURL string
	sized                      *sizedNoop
	closers
}

// startHomeServers migrates and seeds the bench databases and serves the
// mall and, with the same server options, the no-op storefront and the
// home-sized no-op.
func startHomeServers(ctx context.Context, env Env, encoding string) (_ *homeServers, err error) {
	s := &homeServers{sized: &sizedNoop{contentType: "application/" + encoding}}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	// Loopback only: both servers listen on 127.0.0.1 ports of the kernel's choosing.
	mallListener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.add(func() { mallListener.Close() })
	noopListener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.add(func() { noopListener.Close() })
	sizedListener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.add(func() { sizedListener.Close() })
	cfg := benchConfig(env.Config)
	cfg.HTTPAddr = mallListener.Addr().String()
	cfg.InternalURL = "http://" + cfg.HTTPAddr
	s.mallURL, s.noopURL, s.sizedURL = cfg.InternalURL, "http://"+noopListener.Addr().String(), "http://"+sizedListener.Addr().String()

	fmt.Fprintln(env.Progress, "preparing: migrating and seeding", cfg.DBPrefix+"* databases")
	if err := app.Migrate(ctx, cfg, app.Domains(), env.Logger); err != nil {
		return nil, err
	}
	if _, err := app.Seed(ctx, cfg, env.Logger); err != nil {
		return nil, err
	}
	if s.deps, err = app.NewDeps(ctx, cfg, env.Logger); err != nil {
		return nil, err
	}
	s.add(s.deps.Close)
	mall, err := app.NewServer(ctx, s.deps, app.Domains())
	if err != nil {
		return nil, err
	}
	noop, err := app.NewServer(ctx, s.deps, nil) // the same server options, no domain
	if err != nil {
		return nil, err
	}
	noop.Mount(storefrontv1connect.NewStorefrontServiceHandler(noopStorefront{}, noop.HandlerOptions()...))
	sized, err := app.NewServer(ctx, s.deps, nil)
	if err != nil {
		return nil, err
	}
	sized.Handle(storefrontv1connect.StorefrontServiceGetHomeProcedure, s.sized)

	serveCtx, stopServing := context.WithCancel(ctx)
	served := make(chan error, 3)
	go func() { served <- app.Serve(serveCtx, s.deps, mall, mallListener) }()
	go func() { served <- noop.Serve(serveCtx, noopListener) }()
	go func() { served <- sized.Serve(serveCtx, sizedListener) }()
	s.add(func() {
		stopServing()
		for range 3 {
			if err := <-served; err != nil && !errors.Is(err, context.Canceled) {
				env.Logger.Warn("bench server", "err", err)
			}
		}
	})
	return s, nil
}

// sampleHome is one GetHome answer and its description: how many of each
// part it has, and its size.
func sampleHome(ctx context.Context, home storefrontv1connect.StorefrontServiceClient) (*storefrontv1.GetHomeResponse, string, error) {
	sample, err := home.GetHome(ctx, connect.NewRequest(&storefrontv1.GetHomeRequest{}))
	if err != nil {
		return nil, "", fmt.Errorf("bench home: sample GetHome: %w", err)
	}
	s := sample.Msg
	return s, fmt.Sprintf("GetHome answers %d banners, %d flash sales, %d ranking entries, %d recommendations, %d categories (%d bytes in proto); degraded parts: %v",
		len(s.GetBanners()), len(s.GetFlashSales()), len(s.GetRanking()), len(s.GetRecommendations()), len(s.GetCategories()), proto.Size(s), s.GetDegradedParts()), nil
}

// serve makes page, encoded as the load clients ask for it, the answer.
func (n *sizedNoop) serve(page *storefrontv1.GetHomeResponse, encoding string) error {
	var body []byte
	var err error
	if encoding == "json" {
		body, err = protojson.Marshal(page)
	} else {
		body, err = proto.Marshal(page)
	}
	if err != nil {
		return fmt.Errorf("bench home: encoding the home-sized answer: %w", err)
	}
	n.body.Store(&body)
	return nil
}

// runHomePhases runs the phases in the order of the report: the no-op,
// then GetHome and GetProduct with every cache on; the home-sized no-op and
// GetHome over GET, plain and gzip'd; then GetHome and GetProduct with
// every cache off. Caches are on again afterwards.
func runHomePhases(ctx context.Context, env Env, o HomeOptions, servers *homeServers, httpClient *http.Client, loadOpts []connect.ClientOption, ids []string) []bench.Summary {
	noopHome := storefrontv1connect.NewStorefrontServiceClient(httpClient, servers.noopURL, loadOpts...)
	home := storefrontv1connect.NewStorefrontServiceClient(httpClient, servers.mallURL, loadOpts...)
	// GET clients, as connect-web's useHttpGet: one that accepts only plain
	// answers, one that accepts gzip whatever --gzip says.
	plainGet := append(slices.Clone(loadOpts), connect.WithHTTPGet(), connect.WithAcceptCompression("gzip", nil, nil))
	gzipGet := append(slices.Clone(loadOpts), connect.WithHTTPGet(), connect.WithAcceptCompression("gzip",
		func() connect.Decompressor { return &gzip.Reader{} }, func() connect.Compressor { return gzip.NewWriter(nil) }))
	sizedNoopGet := storefrontv1connect.NewStorefrontServiceClient(httpClient, servers.sizedURL, plainGet...)
	homeGet := storefrontv1connect.NewStorefrontServiceClient(httpClient, servers.mallURL, plainGet...)
	homeGetGzip := storefrontv1connect.NewStorefrontServiceClient(httpClient, servers.mallURL, gzipGet...)
	products := productv1connect.NewProductServiceClient(httpClient, servers.mallURL, loadOpts...)
	callProduct := func(ctx context.Context, worker, i int) error {
		// Workers start spread over the catalog and walk it.
		id := ids[(worker*len(ids)/o.Concurrency+i)%len(ids)]
		_, err := products.GetProduct(ctx, connect.NewRequest(&productv1.GetProductRequest{ProductId: id}))
		return err
	}
	phase := func(name string, call func(context.Context, int, int) error) bench.Summary {
		return bench.Run(ctx, bench.Phase{Name: name, Concurrency: o.Concurrency, Warmup: o.Warmup, Duration: o.Duration, Call: call}, env.Progress)
	}

	var summaries []bench.Summary
	summaries = append(summaries, phase(phaseNoop, callHome(noopHome)))
	servers.deps.SetCacheEnabled(true)
	summaries = append(summaries, phase(phaseHomeCacheOn, callHome(home)), phase(phaseProductCacheOn, callProduct))
	summaries = append(summaries, phase(phaseNoopSizedGet, callHome(sizedNoopGet)),
		phase(phaseHomeGet, callHome(homeGet)), phase(phaseHomeGetGzip, callHome(homeGetGzip)))
	servers.deps.SetCacheEnabled(false)
	summaries = append(summaries, phase(phaseHomeCacheOff, callHome(home)), phase(phaseProductCacheOff, callProduct))
	servers.deps.SetCacheEnabled(true)
	return summaries
}

// callHome is a GetHome call to client; an answer with degraded parts is
// partial, naming them.
func callHome(client storefrontv1connect.StorefrontServiceClient) func(context.Context, int, int) error {
	return func(ctx context.Context, _, _ int) error {
		res, err := client.GetHome(ctx, connect.NewRequest(&storefrontv1.GetHomeRequest{}))
		if err != nil {
			return err
		}
		if parts := res.Msg.GetDegradedParts(); len(parts) > 0 {
			missing := make([]string, len(parts))
			for i, p := range parts {
				missing[i] = strings.TrimPrefix(p.String(), "HOME_PART_")
			}
			return bench.Partial(missing...)
		}
		return nil
	}
}

func homeReport(o HomeOptions, products int, homeShape string, summaries []bench.Summary) bench.Report {
	encoding := "Connect " + o.Encoding
	if o.Gzip {
		encoding += " (gzip accepted)"
	}
	encoding += ", " + o.Decode + " decoding"
	return bench.Report{
		Title: "mall bench home",
		Setup: []string{
			fmt.Sprintf("%d clients over HTTP/1.1, %s; %v measured after %v warm-up per phase", o.Concurrency, encoding, o.Duration, o.Warmup),
			fmt.Sprintf("%d CPUs, %s; GetProduct rotates over %d products", runtime.NumCPU(), runtime.Version(), products),
			homeShape,
		},
		Phases: summaries,
		Ratios: []bench.RatioLine{
			{Label: "GetHome cache on / noop", Num: phaseHomeCacheOn, Den: phaseNoop, AtLeast: 0.7},
			{Label: "GetHome cache on / cache off", Num: phaseHomeCacheOn, Den: phaseHomeCacheOff, AtLeast: 20},
			{Label: "GetProduct cache on / noop", Num: phaseProductCacheOn, Den: phaseNoop},
			{Label: "GetProduct cache on / cache off", Num: phaseProductCacheOn, Den: phaseProductCacheOff},
			{Label: "GetHome GET / home-sized noop GET", Num: phaseHomeGet, Den: phaseNoopSizedGet},
			{Label: "GetHome GET gzip / GetHome GET", Num: phaseHomeGetGzip, Den: phaseHomeGet, AtLeast: 0.8},
		},
		Notes: []string{"partial: answered with degraded parts (a source failed, was not built yet, or missed its deadline)"},
	}
}

// productIDs lists up to limit on-sale product ids.
func productIDs(ctx context.Context, products productv1connect.ProductServiceClient, limit int) ([]string, error) {
	var ids []string
	token := ""
	for len(ids) < limit {
		res, err := products.ListProducts(ctx, connect.NewRequest(&productv1.ListProductsRequest{PageSize: 100, PageToken: token}))
		if err != nil {
			return nil, err
		}
		for _, p := range res.Msg.GetProducts() {
			if len(ids) < limit {
				ids = append(ids, p.GetProductId())
			}
		}
		token = res.Msg.GetNextPageToken()
		if token == "" {
			break
		}
	}
	if len(ids) == 0 {
		return nil, errors.New("the catalog is empty")
	}
	return ids, nil
}

// shallowCodec is the load clients' protobuf codec: it checks that an answer
// is well-framed protobuf and decodes only GetHome's degraded parts, so that
// the clients (on the servers' cores) do not pay for decoding every product.
type shallowCodec struct{}

// Connect GET requires a codec that marshals stably.
var _ interface {
	MarshalStable(m any) ([]byte, error)
	IsBinary() bool
} = shallowCodec{}

func (shallowCodec) Name() string { return "proto" }

func (shallowCodec) Marshal(m any) ([]byte, error) {
	msg, ok := m.(proto.Message)
	if !ok {
		return nil, fmt.Errorf("%T is not a proto.Message", m)
	}
	return proto.Marshal(msg)
}

// MarshalStable and IsBinary let the GET clients put requests in URLs.
func (shallowCodec) MarshalStable(m any) ([]byte, error) {
	msg, ok := m.(proto.Message)
	if !ok {
		return nil, fmt.Errorf("%T is not a proto.Message", m)
	}
	return proto.MarshalOptions{Deterministic: true}.Marshal(msg)
}

func (shallowCodec) IsBinary() bool { return true }

func (shallowCodec) Unmarshal(data []byte, m any) error {
	home, _ := m.(*storefrontv1.GetHomeResponse)
	const degradedParts = 6 // storefront.v1.GetHomeResponse.degraded_parts
	for len(data) > 0 {
		num, typ, n := protowire.ConsumeTag(data)
		if n < 0 {
			return protowire.ParseError(n)
		}
		data = data[n:]
		if home != nil && num == degradedParts {
			switch typ {
			case protowire.BytesType: // packed
				packed, n := protowire.ConsumeBytes(data)
				if n < 0 {
					return protowire.ParseError(n)
				}
				for len(packed) > 0 {
					v, k := protowire.ConsumeVarint(packed)
					if k < 0 {
						return protowire.ParseError(k)
					}
					home.DegradedParts = append(home.DegradedParts, storefrontv1.HomePart(v))
					packed = packed[k:]
				}
				data = data[n:]
				continue
			case protowire.VarintType:
				v, n := protowire.ConsumeVarint(data)
				if n < 0 {
					return protowire.ParseError(n)
				}
				home.DegradedParts = append(home.DegradedParts, storefrontv1.HomePart(v))
				data = data[n:]
				continue
			}
		}
		n = protowire.ConsumeFieldValue(num, typ, data)
		if n < 0 {
			return protowire.ParseError(n)
		}
		data = data[n:]
	}
	return nil
}
