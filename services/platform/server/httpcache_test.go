package server_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"

	"mall/gen/mall/cart/v1/cartv1connect"
	productv1 "mall/gen/mall/product/v1"
	"mall/gen/mall/product/v1/productv1connect"
	"mall/services/platform/auth"
	"mall/services/platform/server"
	"mall/services/platform/testenv"
)

// changingProducts answers GetProduct with the current title: the data a
// cached answer must stop matching when it changes. "big" has a long
// description (an answer worth compressing), "fail" fails.
type changingProducts struct {
	productv1connect.UnimplementedProductServiceHandler
	title atomic.Value // string
}

func (p *changingProducts) GetProduct(_ context.Context, req *connect.Request[productv1.GetProductRequest]) (*connect.Response[productv1.GetProductResponse], error) {
	id := req.Msg.GetProductId()
	if id == "fail" {
		return nil, connect.NewError(connect.CodeUnavailable, nil)
	}
	product := &productv1.Product{ProductId: id, Title: p.title.Load().(string), PriceCents: 12900}
	if id == "big" {
		product.Description = strings.Repeat("明前龙井，产自西湖。", 200)
	}
	return connect.NewResponse(&productv1.GetProductResponse{Product: product}), nil
}

type cacheHarness struct {
	url      string
	products *changingProducts
	token    string // a shopper's
}

func startCaching(t *testing.T) cacheHarness {
	t.Helper()
	keys, err := auth.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := keys.Issue("alice", []string{auth.RoleUser}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	products := &changingProducts{}
	products.title.Store("龙井茶 Longjing tea")
	srv := server.New(server.Options{Logger: testenv.Logger(), Authenticator: auth.NewAuthenticator(keys, nil)})
	srv.Mount(productv1connect.NewProductServiceHandler(products, srv.HandlerOptions()...))
	srv.Mount(cartv1connect.NewCartServiceHandler(fixtureCart{}, srv.HandlerOptions()...))
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, listener) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return cacheHarness{url: "http://" + listener.Addr().String(), products: products, token: token}
}

// getURL is the Connect GET of procedure with a JSON message, as
// connect-web's useHttpGet sends it.
func (h cacheHarness) getURL(procedure, message string) string {
	query := url.Values{"connect": {"v1"}, "encoding": {"json"}, "message": {message}}
	return h.url + procedure + "?" + query.Encode()
}

func (h cacheHarness) product(id string) string {
	return h.getURL(productv1connect.ProductServiceGetProductProcedure, `{"productId":"`+id+`"}`)
}

// httpAnswer is one raw HTTP answer: no transparent decompression, so what
// the server chose to send is what the test sees.
type httpAnswer struct {
	status int
	header http.Header
	body   []byte
}

func do(t *testing.T, method, target string, header map[string]string, body string) httpAnswer {
	t.Helper()
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	transport := &http.Transport{DisableCompression: true}
	defer transport.CloseIdleConnections()
	res, err := transport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return httpAnswer{status: res.StatusCode, header: res.Header, body: data}
}

func get(t *testing.T, target string, header map[string]string) httpAnswer {
	t.Helper()
	return do(t, http.MethodGet, target, header, "")
}

func varies(h http.Header, name string) bool {
	for _, value := range h.Values("Vary") {
		for _, v := range strings.Split(value, ",") {
			if strings.EqualFold(strings.TrimSpace(v), name) {
				return true
			}
		}
	}
	return false
}

func TestPublicGetAnswersCarryAnETagAndAreRevalidated(t *testing.T) {
	h := startCaching(t)
	first := get(t, h.product("p-1"), nil)
	etag := first.header.Get("ETag")
	if first.status != http.StatusOK || !strings.Contains(string(first.body), "Longjing") {
		t.Fatalf("first answer: %d %s", first.status, first.body)
	}
	if !strings.HasPrefix(etag, `"`) || !strings.HasSuffix(etag, `"`) || len(etag) < 10 {
		t.Fatalf("want a strong ETag, got %q", etag)
	}
	if got := first.header.Get("Cache-Control"); got != server.PublicCacheControl {
		t.Errorf("Cache-Control %q, want %q", got, server.PublicCacheControl)
	}
	for _, name := range []string{"Accept-Encoding", "Authorization"} {
		if !varies(first.header, name) {
			t.Errorf("Vary %v lacks %s", first.header.Values("Vary"), name)
		}
	}

	again := get(t, h.product("p-1"), nil)
	if again.header.Get("ETag") != etag || !bytes.Equal(again.body, first.body) {
		t.Fatalf("the same answer got ETag %q (was %q)", again.header.Get("ETag"), etag)
	}
	if other := get(t, h.product("p-2"), nil); other.header.Get("ETag") == etag {
		t.Fatal("another product's answer has the same ETag")
	}

	for _, ifNoneMatch := range []string{etag, `"elsewhere", ` + etag, "W/" + etag} {
		revalidated := get(t, h.product("p-1"), map[string]string{"If-None-Match": ifNoneMatch})
		if revalidated.status != http.StatusNotModified || len(revalidated.body) != 0 {
			t.Fatalf("If-None-Match %s: %d with %d bytes, want 304 and none", ifNoneMatch, revalidated.status, len(revalidated.body))
		}
		if revalidated.header.Get("ETag") != etag || revalidated.header.Get("Cache-Control") != server.PublicCacheControl {
			t.Errorf("304 headers: ETag %q, Cache-Control %q", revalidated.header.Get("ETag"), revalidated.header.Get("Cache-Control"))
		}
	}

	h.products.title.Store("碧螺春 Biluochun tea")
	changed := get(t, h.product("p-1"), map[string]string{"If-None-Match": etag})
	if changed.status != http.StatusOK || !strings.Contains(string(changed.body), "Biluochun") {
		t.Fatalf("after the data changed, If-None-Match of the old answer got %d %s", changed.status, changed.body)
	}
	if newTag := changed.header.Get("ETag"); newTag == "" || newTag == etag {
		t.Fatalf("after the data changed, ETag %q (was %q)", newTag, etag)
	}
}

func TestPublicGetAnswersAreCompressedPerRepresentation(t *testing.T) {
	h := startCaching(t)
	plain := get(t, h.product("big"), nil)
	if plain.status != http.StatusOK || plain.header.Get("Content-Encoding") != "" {
		t.Fatalf("without Accept-Encoding: %d, Content-Encoding %q", plain.status, plain.header.Get("Content-Encoding"))
	}
	plainTag := plain.header.Get("ETag")

	gzipped := get(t, h.product("big"), map[string]string{"Accept-Encoding": "gzip, deflate, br"})
	gzipTag := gzipped.header.Get("ETag")
	if gzipped.header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding %q, want gzip", gzipped.header.Get("Content-Encoding"))
	}
	if gzipTag == "" || gzipTag == plainTag {
		t.Fatalf("the gzip'd answer's ETag %q must differ from the plain one's %q", gzipTag, plainTag)
	}
	if got := gzipped.header.Get("Content-Length"); got != strconv.Itoa(len(gzipped.body)) {
		t.Errorf("Content-Length %s, body %d bytes", got, len(gzipped.body))
	}
	if len(gzipped.body) >= len(plain.body) {
		t.Errorf("gzip'd %d bytes, plain %d", len(gzipped.body), len(plain.body))
	}
	zr, err := gzip.NewReader(bytes.NewReader(gzipped.body))
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(decoded, plain.body) {
		t.Fatalf("the gzip'd answer decodes to %d bytes (%v), not the plain answer's %d", len(decoded), err, len(plain.body))
	}
	if again := get(t, h.product("big"), map[string]string{"Accept-Encoding": "gzip"}); !bytes.Equal(again.body, gzipped.body) || again.header.Get("ETag") != gzipTag {
		t.Fatal("the same answer gzip'd again differs")
	}

	for _, tc := range []struct {
		acceptEncoding, ifNoneMatch string
		status                      int
		encoding                    string
	}{
		{"gzip", gzipTag, http.StatusNotModified, ""},
		{"gzip", plainTag, http.StatusOK, "gzip"}, // another representation's tag
		{"", gzipTag, http.StatusOK, ""},
		{"", plainTag, http.StatusNotModified, ""},
		{"gzip;q=0, br", "", http.StatusOK, ""},
		{"*", "", http.StatusOK, "gzip"},
		{"*, gzip;q=0", "", http.StatusOK, ""},
		{"identity", "", http.StatusOK, ""},
	} {
		headers := map[string]string{"Accept-Encoding": tc.acceptEncoding}
		if tc.ifNoneMatch != "" {
			headers["If-None-Match"] = tc.ifNoneMatch
		}
		a := get(t, h.product("big"), headers)
		if a.status != tc.status || (a.status == http.StatusOK && a.header.Get("Content-Encoding") != tc.encoding) {
			t.Errorf("Accept-Encoding %q, If-None-Match %s: %d %q, want %d %q",
				tc.acceptEncoding, tc.ifNoneMatch, a.status, a.header.Get("Content-Encoding"), tc.status, tc.encoding)
		}
	}

	// A small answer costs more to compress than it saves.
	if small := get(t, h.product("p-1"), map[string]string{"Accept-Encoding": "gzip"}); small.header.Get("Content-Encoding") != "" {
		t.Errorf("a small answer was compressed: %q", small.header.Get("Content-Encoding"))
	}
}

func TestConnectClientsReadCachedAnswers(t *testing.T) {
	h := startCaching(t)
	// connect-go asks for gzip: the answers are compressed by the cache layer.
	client := productv1connect.NewProductServiceClient(&http.Client{}, h.url, connect.WithHTTPGet(), connect.WithProtoJSON())
	for _, id := range []string{"p-1", "big"} {
		res, err := client.GetProduct(context.Background(), connect.NewRequest(&productv1.GetProductRequest{ProductId: id}))
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if res.Msg.GetProduct().GetProductId() != id || res.Header().Get("ETag") == "" {
			t.Fatalf("%s: %v, ETag %q", id, res.Msg, res.Header().Get("ETag"))
		}
	}
}

func TestPersonalAndFailedAnswersAreNotCacheable(t *testing.T) {
	h := startCaching(t)
	bearer := map[string]string{"Authorization": "Bearer " + h.token}
	for name, tc := range map[string]struct {
		target       string
		header       map[string]string
		status       int
		cacheControl string
	}{
		"public, with a token":       {h.product("p-1"), bearer, http.StatusOK, "private, no-store"},
		"public, with a stale token": {h.product("p-1"), map[string]string{"Authorization": "Bearer expired"}, http.StatusOK, "private, no-store"},
		"a shopper's own":            {h.getURL(cartv1connect.CartServiceListCartProcedure, "{}"), bearer, http.StatusOK, "private, no-store"},
		"a shopper's own, no token":  {h.getURL(cartv1connect.CartServiceListCartProcedure, "{}"), nil, http.StatusUnauthorized, "private, no-store"},
		"public, failed":             {h.product("fail"), nil, http.StatusServiceUnavailable, "no-store"},
		"public, invalid":            {h.product(""), nil, http.StatusBadRequest, "no-store"},
	} {
		t.Run(name, func(t *testing.T) {
			a := get(t, tc.target, tc.header)
			if a.status != tc.status {
				t.Fatalf("status %d, want %d: %s", a.status, tc.status, a.body)
			}
			if got := a.header.Get("Cache-Control"); got != tc.cacheControl {
				t.Errorf("Cache-Control %q, want %q", got, tc.cacheControl)
			}
			if a.header.Get("ETag") != "" {
				t.Errorf("ETag %q on an answer no cache may keep", a.header.Get("ETag"))
			}
		})
	}
	// The shopper's cart reached the handler as theirs.
	if mine := get(t, h.getURL(cartv1connect.CartServiceListCartProcedure, "{}"), bearer); !strings.Contains(string(mine.body), "owner:alice") {
		t.Fatalf("cart answer %s", mine.body)
	}
}

func TestPostAndGRPCAreUntouched(t *testing.T) {
	h := startCaching(t)
	post := do(t, http.MethodPost, h.url+productv1connect.ProductServiceGetProductProcedure,
		map[string]string{"Content-Type": "application/json", "Accept-Encoding": "gzip"}, `{"productId":"big"}`)
	if post.status != http.StatusOK || post.header.Get("ETag") != "" || post.header.Get("Cache-Control") != "" {
		t.Fatalf("POST: %d, ETag %q, Cache-Control %q", post.status, post.header.Get("ETag"), post.header.Get("Cache-Control"))
	}
	if post.header.Get("Content-Encoding") != "gzip" {
		t.Errorf("POST of a big answer: Content-Encoding %q, want Connect's own gzip", post.header.Get("Content-Encoding"))
	}

	for name, opts := range map[string][]connect.ClientOption{
		"grpc":     {connect.WithGRPC()},
		"grpc-web": {connect.WithGRPCWeb()},
	} {
		client := productv1connect.NewProductServiceClient(h2cClient(t), h.url, opts...)
		res, err := client.GetProduct(context.Background(), connect.NewRequest(&productv1.GetProductRequest{ProductId: "big"}))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if res.Header().Get("ETag") != "" || res.Header().Get("Cache-Control") != "" {
			t.Errorf("%s: ETag %q, Cache-Control %q", name, res.Header().Get("ETag"), res.Header().Get("Cache-Control"))
		}
	}
}
