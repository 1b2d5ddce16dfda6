package server_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"net/http"
	"net/textproto"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	"mall/services/platform/server"
)

const getProduct = "/mall.product.v1.ProductService/GetProduct"

// answer is what a raw RPC request got back, whatever its protocol.
type answer struct {
	code    connect.Code // 0: ok
	message string
}

// rawCall posts body as the given content type and reads the RPC status
// the way each protocol carries it: Connect in the JSON error body, gRPC in
// the headers or trailers, gRPC-Web in the headers or the trailer frame.
func rawCall(t *testing.T, client *http.Client, url, contentType string, header http.Header, body io.Reader) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", contentType)
	if strings.HasPrefix(strings.ToLower(contentType), "application/grpc") {
		req.Header.Set("TE", "trailers")
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", contentType, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s: read answer: %v", contentType, err)
	}
	grpcStatus := func(h http.Header) (answer, bool) {
		if s := h.Get("Grpc-Status"); s != "" {
			n, _ := strconv.Atoi(s)
			return answer{code: connect.Code(n), message: h.Get("Grpc-Message")}, true
		}
		return answer{}, false
	}
	switch lower := strings.ToLower(contentType); {
	case strings.HasPrefix(lower, "application/grpc-web"):
		if a, ok := grpcStatus(resp.Header); ok {
			return a
		}
		for len(data) >= 5 { // find the trailer frame (flag 0x80)
			n := int(binary.BigEndian.Uint32(data[1:5]))
			if data[0]&0x80 != 0 {
				trailer, _ := textproto.NewReader(bufio.NewReader(io.MultiReader(bytes.NewReader(data[5:5+n]), strings.NewReader("\r\n")))).ReadMIMEHeader()
				if a, ok := grpcStatus(http.Header(trailer)); ok {
					return a
				}
			}
			data = data[5+n:]
		}
		t.Fatalf("grpc-web answer without a status")
	case strings.HasPrefix(lower, "application/grpc"):
		if a, ok := grpcStatus(resp.Header); ok {
			return a
		}
		if a, ok := grpcStatus(resp.Trailer); ok {
			return a
		}
		t.Fatalf("grpc answer without a status (HTTP %d)", resp.StatusCode)
	}
	if resp.StatusCode == http.StatusOK {
		return answer{}
	}
	var e struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(data, &e); err != nil {
		t.Fatalf("connect error body %q: %v", data, err)
	}
	var code connect.Code
	if err := code.UnmarshalText([]byte(e.Code)); err != nil {
		t.Fatalf("connect error code %q: %v", e.Code, err)
	}
	return answer{code: code, message: e.Message}
}

func envelope(flags byte, message []byte) []byte {
	out := make([]byte, 5, 5+len(message))
	out[0] = flags
	binary.BigEndian.PutUint32(out[1:], uint32(len(message)))
	return append(out, message...)
}

func gzipped(t *testing.T, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A body of about 100 KB that inflates to 100 MB, sent without a token over
// every protocol, is refused as too large, and answering it costs the
// server (in this process) far less than the inflated size.
func TestAnInflatingBodyIsRefusedWithoutGrowingTheServer(t *testing.T) {
	h := start(t)
	// Valid framing for each protocol: a JSON string or a protobuf string
	// field holding 100 MB of the same byte.
	const inflated = 100 << 20
	jsonBomb := gzipped(t, append(append([]byte(`{"productId":"`), bytes.Repeat([]byte("a"), inflated)...), `"}`...))
	protoField := append([]byte{0x0a}, binary.AppendUvarint(nil, inflated)...)
	protoBomb := gzipped(t, append(protoField, bytes.Repeat([]byte("a"), inflated)...))
	if len(jsonBomb) > 200<<10 || len(protoBomb) > 200<<10 {
		t.Fatalf("bombs are %d and %d bytes: not the small bodies the test means", len(jsonBomb), len(protoBomb))
	}
	http1, h2c := &http.Client{}, h2cClient(t)
	cases := []struct {
		name, contentType string
		client            *http.Client
		header            http.Header
		body              []byte
	}{
		{"connect-json", "application/json", http1, http.Header{"Content-Encoding": {"gzip"}}, jsonBomb},
		{"connect-binary", "application/proto", http1, http.Header{"Content-Encoding": {"gzip"}}, protoBomb},
		{"grpc", "application/grpc", h2c, http.Header{"Grpc-Encoding": {"gzip"}}, envelope(1, protoBomb)},
		{"grpc-web", "application/grpc-web+proto", http1, http.Header{"Grpc-Encoding": {"gzip"}}, envelope(1, protoBomb)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Warm the connection, so the measurement holds one request.
			rawCall(t, c.client, h.url+getProduct, c.contentType, nil, bytes.NewReader(nil))
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			got := rawCall(t, c.client, h.url+getProduct, c.contentType, c.header, bytes.NewReader(c.body))
			runtime.ReadMemStats(&after)
			if got.code != connect.CodeResourceExhausted {
				t.Fatalf("got %v %q, want resource_exhausted", got.code, got.message)
			}
			grown := after.TotalAlloc - before.TotalAlloc
			t.Logf("refusing it allocated %.1f MB", float64(grown)/(1<<20))
			if grown > 10<<20 {
				t.Fatalf("refusing the body allocated %d MB in the process, want < 10 MB", grown>>20)
			}
		})
	}
}

// A body over the limit is refused as soon as its declared length says so,
// and a chunked one as soon as it passes the limit.
func TestAnOversizedBodyIsRefused(t *testing.T) {
	h := start(t, func(o *server.Options) { o.MaxRequestBytes = 64 << 10 })
	big := append(append([]byte(`{"productId":"`), bytes.Repeat([]byte("a"), 200<<10)...), `"}`...)
	declared := rawCall(t, &http.Client{}, h.url+getProduct, "application/json", nil, bytes.NewReader(big))
	// io.MultiReader hides the length: the body goes chunked.
	chunked := rawCall(t, &http.Client{}, h.url+getProduct, "application/json", nil, io.MultiReader(bytes.NewReader(big)))
	for name, got := range map[string]answer{"declared": declared, "chunked": chunked} {
		if got.code != connect.CodeResourceExhausted {
			t.Errorf("%s: got %v %q, want resource_exhausted", name, got.code, got.message)
		}
	}
	// Under the limit still works.
	small := rawCall(t, &http.Client{}, h.url+getProduct, "application/json", nil, strings.NewReader(`{"productId":"p-1"}`))
	if small.code != 0 {
		t.Fatalf("a small request got %v %q", small.code, small.message)
	}
}

// trickle writes body one byte every gap until the reader stops reading.
func trickle(body []byte, gap time.Duration) io.ReadCloser {
	r, w := io.Pipe()
	go func() {
		for _, b := range body {
			if _, err := w.Write([]byte{b}); err != nil {
				return
			}
			time.Sleep(gap)
		}
		_ = w.Close() // a pipe writer's Close never fails
	}()
	return r
}

// A body trickled in slower than the read timeout is cut off with
// deadline_exceeded instead of holding a connection and a goroutine.
func TestATrickledBodyIsCutOff(t *testing.T) {
	h := start(t, func(o *server.Options) { o.RequestReadTimeout = 300 * time.Millisecond })
	body := []byte(`{"productId":"p-1"}`)
	for name, c := range map[string]struct {
		client      *http.Client
		contentType string
		body        []byte
	}{
		"connect-json": {&http.Client{}, "application/json", body},
		"grpc":         {h2cClient(t), "application/grpc", envelope(0, []byte("\x0a\x03p-1"))},
	} {
		t.Run(name, func(t *testing.T) {
			// 100 ms per byte: the whole body would take seconds.
			got := rawCall(t, c.client, h.url+getProduct, c.contentType, nil, trickle(c.body, 100*time.Millisecond))
			if got.code != connect.CodeDeadlineExceeded {
				t.Fatalf("got %v %q, want deadline_exceeded", got.code, got.message)
			}
		})
	}
	// The timeout is for the body only: a request whose body came at once
	// is answered however long the handler takes (here: at once).
	if got := rawCall(t, &http.Client{}, h.url+getProduct, "application/json", nil, bytes.NewReader(body)); got.code != 0 {
		t.Fatalf("a prompt request got %v %q", got.code, got.message)
	}
}

// Malformed gRPC and gRPC-Web envelopes are the client's fault: never
// internal, never internal text.
func TestMalformedEnvelopesAreTheClientsFault(t *testing.T) {
	h := start(t)
	message := []byte("\x0a\x03p-1") // GetProductRequest{product_id: "p-1"}
	declareLength := func(frame []byte, n uint32) []byte {
		binary.BigEndian.PutUint32(frame[1:5], n)
		return frame
	}
	cases := []struct {
		name   string
		header http.Header
		body   []byte
		want   connect.Code
	}{
		{"empty body", nil, nil, connect.CodeInvalidArgument},
		{"cut header", nil, []byte{0, 0, 0}, connect.CodeInvalidArgument},
		{"promises more than it sends", nil, declareLength(envelope(0, message), 1000), connect.CodeInvalidArgument},
		{"promises 2 GB", nil, declareLength(envelope(0, message), 1<<31), connect.CodeResourceExhausted},
		{"bytes after the message", nil, append(envelope(0, message), 1, 2), connect.CodeInvalidArgument},
		{"two messages in a unary call", nil, append(envelope(0, message), envelope(0, message)...), connect.CodeInvalidArgument},
		{"compressed without an encoding", nil, envelope(1, message), connect.CodeInvalidArgument},
		{"unknown flags", nil, envelope(0x42, message), connect.CodeInvalidArgument},
		{"not gzip although it says so", http.Header{"Grpc-Encoding": {"gzip"}}, envelope(1, message), connect.CodeInvalidArgument},
		{"not protobuf", nil, envelope(0, []byte{0xff, 0xff, 0xff}), connect.CodeInvalidArgument},
	}
	for _, protocol := range []struct {
		contentType string
		client      *http.Client
	}{
		{"application/grpc", h2cClient(t)}, {"application/grpc-web+proto", &http.Client{}},
		// Media types are case-insensitive: so is the check.
		{"Application/GRPC", h2cClient(t)}, {"APPLICATION/grpc-web", &http.Client{}},
	} {
		for _, c := range cases {
			t.Run(protocol.contentType+"/"+c.name, func(t *testing.T) {
				got := rawCall(t, protocol.client, h.url+getProduct, protocol.contentType, c.header, bytes.NewReader(c.body))
				if got.code != c.want {
					t.Fatalf("got %v %q, want %v", got.code, got.message, c.want)
				}
				if strings.Contains(got.message, "protocol error") || strings.Contains(got.message, secret) {
					t.Fatalf("internal text in %q", got.message)
				}
			})
		}
	}
	// The well-formed call still answers.
	if got := rawCall(t, h2cClient(t), h.url+getProduct, "application/grpc", nil, bytes.NewReader(envelope(0, message))); got.code != 0 {
		t.Fatalf("well-formed gRPC call got %v %q", got.code, got.message)
	}
}

// Headers beyond the limit are refused by the HTTP server itself.
func TestOversizedHeadersAreRefused(t *testing.T) {
	h := start(t)
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, h.url+getProduct, strings.NewReader(`{"productId":"p-1"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Padding", strings.Repeat("a", 200<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("HTTP %d, want 431", resp.StatusCode)
	}
}
