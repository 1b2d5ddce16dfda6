package scenario

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync/atomic"

	"connectrpc.com/connect"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	productv1 "mall/gen/mall/product/v1"
	"mall/gen/mall/product/v1/productv1connect"
	storefrontv1 "mall/gen/mall/storefront/v1"
	"mall/gen/mall/storefront/v1/storefrontv1connect"
	"mall/services/bench"
	"mall/services/platform/rpcclient"
	"mall/services/platform/server"
)

// HomeOptions are the flags of `mall bench home`.
type HomeOptions struct {
	Generator   GeneratorOptions
	Products    int    // how many product ids GetProduct rotates over
	TemporalBin string // Temporal CLI for a dev server when none answers
}

// Phase names; the targets refer to them.
const (
	phaseHomeGet         = "GetHome GET"
	phaseHomeGetGzip     = "GetHome GET, gzip accepted"
	phaseProductGet      = "GetProduct GET"
	phaseHomeCacheOff    = "GetHome GET, caches off"
	phaseProductCacheOff = "GetProduct GET, caches off"
)

// rpcCalls are the calls of procedure the server counts by code (its
// access log's metric), which a phase's answers are checked against.
func rpcCalls(procedure string) bench.Series {
	return bench.Series{Name: "mall_rpc_server_requests_total", By: "code", Where: map[string]string{"procedure": procedure}}
}

// connectGet is the path of a Connect GET of procedure with the JSON
// request message, as the SPA (connect-web, useHttpGet) sends it.
func connectGet(procedure, message string) string {
	return procedure + "?connect=v1&encoding=json&message=" + url.QueryEscape(message)
}

// homeGetPath is GetHome as the SPA calls it: a Connect GET of the empty
// request in JSON.
var homeGetPath = connectGet(storefrontv1connect.StorefrontServiceGetHomeProcedure, "{}")

// sizedNoop answers every request to its path with the same recorded
// answer (gzip'd when it has one and the request accepts gzip), with no
// handler work: the ceiling for answers of a page's size.
type sizedNoop struct {
	contentType string
	body        atomic.Pointer[[]byte]
	gzipped     atomic.Pointer[[]byte] // the same answer gzip'd; nil: never compressed
}

func (n *sizedNoop) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", n.contentType)
	if gz := n.gzipped.Load(); gz != nil && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(*gz)
		return
	}
	_, _ = w.Write(*n.body.Load())
}

// Home drives GetHome and GetProduct as the SPA calls them (anonymous
// Connect GET, JSON) with wrk against the system as `mall dev` runs it:
// GetHome without and with gzip accepted and GetProduct rotating over
// --products ids, caches on; then GetHome and GetProduct with every cache
// off. Beside each phase its ceilings: the health check on the same server
// and, for GetHome with caches on, a no-op answering the same recorded page
// (the same size, compressed alike). It prints the report to env.Out.
func Home(ctx context.Context, env Env, o HomeOptions) error {
	if o.Products < 1 {
		return errors.New("bench home: --products must be positive")
	}
	gen, err := o.Generator.generator()
	if err != nil {
		return err
	}
	sys, err := startSystem(ctx, env, o.TemporalBin, "bench-home")
	if err != nil {
		return err
	}
	defer sys.Close()
	sized := &sizedNoop{contentType: "application/json"}
	sizedURL, err := sys.serveComparison(ctx, "sized no-op", func(srv *server.Server) {
		srv.Handle(storefrontv1connect.StorefrontServiceGetHomeProcedure, sized)
	})
	if err != nil {
		return err
	}
	shape, err := recordHome(ctx, sys.cfg.InternalURL, sized)
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Progress, shape)
	ids, err := productIDs(ctx, productv1connect.NewProductServiceClient(rpcclient.HTTPClient(), sys.cfg.InternalURL), o.Products)
	if err != nil {
		return fmt.Errorf("bench home: listing products to rotate over: %w", err)
	}
	if len(ids) < gen.Threads {
		return fmt.Errorf("bench home: %d products to rotate over for %d wrk threads", len(ids), gen.Threads)
	}

	var phases []bench.Summary
	var notes, failed []string
	defer sys.deps.SetCacheEnabled(true)
	for _, p := range homePhases(sys.cfg.InternalURL, sizedURL, ids) {
		sys.deps.SetCacheEnabled(!p.cachesOff)
		s, codes, err := sys.measure(ctx, gen, env.Progress, rpcCalls(p.procedure), p.load, append([]bench.Load{p.load.Ceiling()}, p.ceilings...)...)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err == nil {
			var note string
			note, err = checkOutcomes(s, codes, "ok", false, gen.Connections)
			notes = append(notes, "verified from the server's metrics: "+note)
		}
		if err != nil {
			failed = append(failed, err.Error())
		}
		if s.Name != "" {
			phases = append(phases, s)
		}
	}
	if err := homeReport(gen, sys, shape, len(ids), phases, notes, failed).Render(env.Out); err != nil {
		return err
	}
	if len(failed) > 0 {
		return fmt.Errorf("bench home: %d phases did not do what they say (see the report)", len(failed))
	}
	return nil
}

// homePhase is a phase of the home benchmark: its load, the procedure
// whose calls the server counts, its ceilings besides the health check,
// and whether every cache is off during it.
type homePhase struct {
	load      bench.Load
	procedure string
	ceilings  []bench.Load
	cachesOff bool
}

// homePhases are the phases in the order they run: caches on, then off.
func homePhases(mallURL, sizedURL string, ids []string) []homePhase {
	home := func(name string, headers map[string]string) bench.Load {
		return bench.Load{Name: name, URL: mallURL, Method: http.MethodGet, Path: homeGetPath, Headers: headers}
	}
	sizedCeiling := func(l bench.Load) []bench.Load {
		l.Name, l.URL = "ceiling: no-op, same answer", sizedURL
		return []bench.Load{l}
	}
	// Each wrk thread walks its own slice of the catalog, wrapping around.
	paths := make([]string, len(ids))
	for i, id := range ids {
		paths[i] = connectGet(productv1connect.ProductServiceGetProductProcedure, fmt.Sprintf(`{"productId":%q}`, id))
	}
	product := func(name string) bench.Load {
		return bench.Load{Name: name, URL: mallURL, Method: http.MethodGet, Paths: paths}
	}
	const getHome, getProduct = storefrontv1connect.StorefrontServiceGetHomeProcedure, productv1connect.ProductServiceGetProductProcedure
	plain, gzipped := home(phaseHomeGet, nil), home(phaseHomeGetGzip, map[string]string{"Accept-Encoding": "gzip"})
	return []homePhase{
		{load: plain, procedure: getHome, ceilings: sizedCeiling(plain)},
		{load: gzipped, procedure: getHome, ceilings: sizedCeiling(gzipped)},
		{load: product(phaseProductGet), procedure: getProduct},
		{load: home(phaseHomeCacheOff, nil), procedure: getHome, cachesOff: true},
		{load: product(phaseProductCacheOff), procedure: getProduct, cachesOff: true},
	}
}

// recordHome fetches the home page from the mall as the phases will, plain
// and gzip'd, makes the exact bytes the sized no-op's answers, and describes
// the page.
func recordHome(ctx context.Context, mallURL string, sized *sizedNoop) (string, error) {
	// DisableCompression: the gzip'd answer is kept as it came.
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	defer client.CloseIdleConnections()
	get := func(acceptGzip bool) ([]byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, mallURL+homeGetPath, nil)
		if err != nil {
			return nil, err
		}
		if acceptGzip {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		res, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		if err != nil {
			return nil, err
		}
		if res.StatusCode != http.StatusOK || (acceptGzip && res.Header.Get("Content-Encoding") != "gzip") {
			return nil, fmt.Errorf("bench home: GetHome answered %s (Content-Encoding %q): %.200s", res.Status, res.Header.Get("Content-Encoding"), body)
		}
		return body, nil
	}
	plain, err := get(false)
	if err != nil {
		return "", err
	}
	gz, err := get(true)
	if err != nil {
		return "", err
	}
	sized.body.Store(&plain)
	sized.gzipped.Store(&gz)
	var page storefrontv1.GetHomeResponse
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(plain, &page); err != nil {
		return "", fmt.Errorf("bench home: the recorded GetHome: %w", err)
	}
	return fmt.Sprintf("GetHome answers %d banners, %d flash sales, %d ranking entries, %d recommendations, %d categories (%d bytes of JSON, %d gzip'd); degraded parts: %v",
		len(page.GetBanners()), len(page.GetFlashSales()), len(page.GetRanking()), len(page.GetRecommendations()), len(page.GetCategories()),
		len(plain), len(gz), page.GetDegradedParts()), nil
}

func homeReport(gen bench.Generator, sys *system, shape string, products int, phases []bench.Summary, notes, failed []string) bench.Report {
	r := bench.Report{
		Title: "mall bench home",
		Setup: []string{
			generatorSetup(gen),
			"GetHome anonymous, Connect GET in JSON as the SPA calls it; the no-op ceiling answers the page recorded before the phases (the same bytes, gzip'd alike)",
			fmt.Sprintf("GetProduct anonymous, Connect GET in JSON, each wrk thread walking its slice of %d products; caches off: every registered cache off (deps.SetCacheEnabled(false)), on again after", products),
			fmt.Sprintf("%d CPUs, %s; the mall in this process as `mall dev` runs it (writers, sweeper, worker, access log to %s)", runtime.NumCPU(), runtime.Version(), sys.logPath),
			shape,
		},
		Phases: phases,
		Ratios: []bench.RatioLine{
			{Label: "GetHome GET / its health ceiling", Num: phaseHomeGet, AtLeast: 0.6},
			{Label: "GetHome GET gzip / its health ceiling", Num: phaseHomeGetGzip, AtLeast: 0.6},
			{Label: "GetHome cached / uncached", Num: phaseHomeGet, Den: phaseHomeCacheOff, AtLeast: 20},
			{Label: "GetProduct / its health ceiling", Num: phaseProductGet},
			{Label: "GetProduct cached / uncached", Num: phaseProductGet, Den: phaseProductCacheOff},
		},
		Notes: append(notes, "caches off: GetHome parts that miss their deadline are left out of the page (degraded), still answered 200; wrk does not see which"),
	}
	for _, f := range failed {
		r.Notes = append(r.Notes, "FAILED: "+f)
	}
	return r
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
