package scenario

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync/atomic"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	storefrontv1 "mall/gen/mall/storefront/v1"
	"mall/gen/mall/storefront/v1/storefrontv1connect"
	"mall/services/app"
	"mall/services/bench"
)

// HomeOptions are the flags of `mall bench home`.
type HomeOptions struct {
	Generator   GeneratorOptions
	TemporalBin string // Temporal CLI for a dev server when none answers
}

// Phase names; the targets refer to them.
const (
	phaseHomeGet     = "GetHome GET"
	phaseHomeGetGzip = "GetHome GET, gzip accepted"
)

// homeCalls are the GetHome calls the server counts by code (its access
// log's metric), which the phases' answers are checked against.
var homeCalls = bench.Series{Name: "mall_rpc_server_requests_total", By: "code",
	Where: map[string]string{"procedure": storefrontv1connect.StorefrontServiceGetHomeProcedure}}

// homeGetPath is GetHome as the SPA calls it: a Connect GET of the empty
// request in JSON.
var homeGetPath = storefrontv1connect.StorefrontServiceGetHomeProcedure + "?connect=v1&encoding=json&message=" + url.QueryEscape("{}")

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

// Home drives GetHome as the SPA calls it (anonymous Connect GET, JSON),
// without and with gzip accepted, with wrk against the system as `mall
// dev` runs it; beside each phase its ceilings: the health check on the
// same server and a no-op answering the same recorded page (the same
// size, compressed alike). It prints the report to env.Out.
func Home(ctx context.Context, env Env, o HomeOptions) error {
	gen, err := o.Generator.generator()
	if err != nil {
		return err
	}
	sys, err := startSystem(ctx, env, o.TemporalBin, "bench-home")
	if err != nil {
		return err
	}
	defer sys.Close()
	sized, sizedURL, err := startSizedNoop(ctx, sys)
	if err != nil {
		return err
	}
	shape, err := recordHome(ctx, sys.cfg.InternalURL, sized)
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Progress, shape)

	var phases []bench.Summary
	var notes, failed []string
	for _, p := range []struct {
		name    string
		headers map[string]string
	}{{phaseHomeGet, nil}, {phaseHomeGetGzip, map[string]string{"Accept-Encoding": "gzip"}}} {
		load := bench.Load{Name: p.name, URL: sys.cfg.InternalURL, Method: http.MethodGet, Path: homeGetPath, Headers: p.headers}
		noop := load
		noop.Name, noop.URL = "ceiling: no-op, same answer", sizedURL
		s, codes, err := sys.measure(ctx, gen, env.Progress, homeCalls, load, load.Ceiling(), noop)
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
	if err := homeReport(gen, sys, shape, phases, notes, failed).Render(env.Out); err != nil {
		return err
	}
	if len(failed) > 0 {
		return fmt.Errorf("bench home: %d phases did not do what they say (see the report)", len(failed))
	}
	return nil
}

// startSizedNoop serves the sized no-op at GetHome's path on a server with
// the mall's options and no domain.
func startSizedNoop(ctx context.Context, sys *system) (*sizedNoop, string, error) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	sys.add(func() { listener.Close() })
	srv, err := app.NewServer(ctx, sys.deps, nil)
	if err != nil {
		return nil, "", err
	}
	sized := &sizedNoop{contentType: "application/json"}
	srv.Handle(storefrontv1connect.StorefrontServiceGetHomeProcedure, sized)
	serveCtx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(serveCtx, listener) }()
	sys.add(func() {
		stop()
		if err := <-served; err != nil && !errors.Is(err, context.Canceled) {
			sys.deps.Logger.Warn("bench sized no-op", "err", err)
		}
	})
	return sized, "http://" + listener.Addr().String(), nil
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

func homeReport(gen bench.Generator, sys *system, shape string, phases []bench.Summary, notes, failed []string) bench.Report {
	r := bench.Report{
		Title: "mall bench home",
		Setup: []string{
			generatorSetup(gen),
			"GetHome anonymous, Connect GET in JSON as the SPA calls it; the no-op ceiling answers the page recorded before the phases (the same bytes, gzip'd alike)",
			fmt.Sprintf("%d CPUs, %s; the mall in this process as `mall dev` runs it (writers, sweeper, worker, access log to %s)", runtime.NumCPU(), runtime.Version(), sys.logPath),
			shape,
		},
		Phases: phases,
		Ratios: []bench.RatioLine{
			{Label: "GetHome GET / its health ceiling", Num: phaseHomeGet, AtLeast: 0.6},
			{Label: "GetHome GET gzip / its health ceiling", Num: phaseHomeGetGzip, AtLeast: 0.6},
		},
		Notes: notes,
	}
	for _, f := range failed {
		r.Notes = append(r.Notes, "FAILED: "+f)
	}
	return r
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
