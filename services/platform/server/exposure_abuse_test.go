package server_test

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"connectrpc.com/grpcreflect"
	"google.golang.org/protobuf/reflect/protoreflect"

	"mall/gen/mall/product/v1/productv1connect"
	"mall/services/platform/server"
	"mall/services/platform/testenv"
)

// An API server publishes neither its metrics, its profiles nor a CORS
// grant: /metrics and /debug/pprof/ are only on a server built for the ops
// address, and with no origins
// configured no origin (not even a wildcard) is allowed to read answers
// from a browser. rs/cors would read an empty list as "*".
func TestTheAPIPublishesNoMetricsAndGrantsNoOriginByDefault(t *testing.T) {
	api := testenv.Serve(t, server.Options{}, func(srv *server.Server) {
		srv.Mount(productv1connect.NewProductServiceHandler(fixtureProducts{}, srv.HandlerOptions()...))
	})
	ops := testenv.Serve(t, server.Options{Metrics: true, Profiling: true}, func(*server.Server) {})

	get := func(url string) int {
		t.Helper()
		res, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	for _, path := range []string{"/metrics", "/debug/pprof/", "/debug/pprof/heap", "/debug/pprof/goroutine"} {
		if code := get(api + path); code != http.StatusNotFound {
			t.Errorf("API %s: HTTP %d, want 404", path, code)
		}
		if code := get(ops + path); code != http.StatusOK {
			t.Errorf("ops %s: HTTP %d, want 200", path, code)
		}
	}

	for _, origin := range []string{"https://evil.example", "null", "http://localhost:5173"} {
		req, _ := http.NewRequest(http.MethodOptions, api+productv1connect.ProductServiceGetProductProcedure, nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", http.MethodPost)
		req.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
		preflight, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		preflight.Body.Close()
		if got := preflight.Header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("origin %s: preflight allowed %q", origin, got)
		}
		post, _ := http.NewRequest(http.MethodPost, api+productv1connect.ProductServiceGetProductProcedure, nil)
		post.Header.Set("Origin", origin)
		post.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(post)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if got := res.Header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("origin %s: answer readable cross-origin (%q)", origin, got)
		}
	}
}

// Server reflection (a map of the API, and a client-streaming RPC) is off
// unless asked for; when on, its stream works beside the request limits,
// which read every unary call up front.
func TestReflectionIsServedOnlyWhenAskedFor(t *testing.T) {
	mount := func(srv *server.Server) {
		srv.Mount(productv1connect.NewProductServiceHandler(fixtureProducts{}, srv.HandlerOptions()...))
	}
	for _, on := range []bool{false, true} {
		url := testenv.Serve(t, server.Options{Reflection: on}, mount)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		stream := grpcreflect.NewClient(h2cClient(t), url).NewStream(ctx)
		names, err := stream.ListServices()
		_, _ = stream.Close()
		cancel()
		switch {
		case !on && err == nil:
			t.Errorf("reflection off, yet it listed %v", names)
		case on && (err != nil || !slices.Contains(names, protoreflect.FullName(productv1connect.ProductServiceName))):
			t.Errorf("reflection on: %v %v", names, err)
		}
	}
}
