package server

import (
	"bytes"
	"compress/gzip"
	"container/list"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/cespare/xxhash/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	commonv1 "mall/gen/mall/common/v1"
	"mall/services/platform/auth"
)

// PublicCacheControl is how long browsers and shared caches may keep the
// answer to a public, side-effect-free RPC called with GET (what the SPA's
// catalog reads are). Five seconds is about the age the storefront's own
// data already has (its home snapshot refreshes every second), and no
// staler than the SPA's polling of a flash sale's remaining stock; after
// that a cache may answer from its stale copy while it fetches a new one,
// for as long as the storefront itself keeps a part whose source fails
// (30 s in all).
const PublicCacheControl = "public, max-age=5, stale-while-revalidate=25"

// What the shared and personal answers are marked with: a personalised or
// authenticated answer, and a failure, must never be stored.
const (
	privateCacheControl = "private, no-store"
	errorCacheControl   = "no-store"
)

// Bounds of the memo of compressed bodies: the answers a shop repeats (the
// home page, popular product pages) are few; a body is compressed again
// when it has been forgotten.
const (
	compressedMemoEntries  = 512
	compressedMemoBytes    = 16 << 20
	compressedMemoMaxEntry = 1 << 20
)

var compressedBodies = promauto.NewCounterVec(prometheus.CounterOpts{
	Name: "mall_http_public_compressed_bodies_total",
	Help: "Compressed answers to public GET RPCs, by whether the compressed body was remembered (hit) or made (miss).",
}, []string{"result"})

// publicCache makes the answers to public GET RPCs cacheable over HTTP:
// it marks them with a strong ETag and PublicCacheControl, answers a
// matching If-None-Match with 304, and compresses them itself, once per
// distinct body (the Connect handler is asked for the plain body). Any
// other GET RPC (a non-public procedure, or a call with credentials, whose
// answer may be the caller's own) is marked uncacheable. POST, gRPC and
// every path that is not a procedure pass through untouched.
type publicCache struct {
	minCompress int
	memo        *bodyMemo
	buffers     sync.Pool
	gzips       sync.Pool
}

func newPublicCache(minCompress int) *publicCache {
	return &publicCache{
		minCompress: minCompress,
		memo:        newBodyMemo(compressedMemoEntries, compressedMemoBytes),
		buffers:     sync.Pool{New: func() any { return new(bytes.Buffer) }},
		gzips:       sync.Pool{New: func() any { return gzip.NewWriter(nil) }},
	}
}

func (c *publicCache) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			next.ServeHTTP(w, r)
			return
		}
		access, known := auth.AccessOf(r.URL.Path)
		if !known {
			next.ServeHTTP(w, r) // not one of the contracts' procedures
			return
		}
		if access != commonv1.Access_ACCESS_PUBLIC || r.Header.Get("Authorization") != "" {
			w.Header().Set("Cache-Control", privateCacheControl)
			next.ServeHTTP(w, r)
			return
		}
		c.serve(w, r, next)
	})
}

// serve answers a public GET RPC from the handler's plain answer.
func (c *publicCache) serve(w http.ResponseWriter, r *http.Request, next http.Handler) {
	acceptEncoding := r.Header.Get("Accept-Encoding")
	r.Header.Del("Accept-Encoding") // the handler answers plain: compression is done here
	buf := c.buffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= compressedMemoMaxEntry { // an outsized answer's buffer is not kept
			c.buffers.Put(buf)
		}
	}()
	recorder := &bufferedResponse{header: w.Header(), body: buf, status: http.StatusOK}
	next.ServeHTTP(recorder, r)

	h := w.Header()
	if recorder.status != http.StatusOK {
		h.Set("Cache-Control", errorCacheControl)
		w.WriteHeader(recorder.status)
		_, _ = w.Write(buf.Bytes())
		return
	}
	body := buf.Bytes()
	// The tag names the bytes as the handler made them, and the coding
	// they are sent in: each representation has its own. A 64-bit xxHash,
	// not a cryptographic digest: SHA-256 of a 14 kB page was a sixth of
	// the CPU of answering it. These answers are public and made by the
	// server, so nobody gains by forging a collision; a changed answer
	// keeps its old tag once in 2^64, and the compressed memo compares the
	// bytes themselves.
	var sum [8]byte
	binary.BigEndian.PutUint64(sum[:], xxhash.Sum64(body))
	tag := base64.RawURLEncoding.EncodeToString(sum[:])
	encoding := h.Get("Content-Encoding") // a handler that compressed (Connect does when the request was)
	if encoding == "" && len(body) >= c.minCompress && accepts(acceptEncoding, "gzip") {
		encoding = "gzip"
		body = c.gzipped(tag, body)
		h.Set("Content-Encoding", encoding)
	}
	if encoding != "" {
		tag += "-" + encoding
	}
	etag := `"` + tag + `"`
	h.Set("ETag", etag)
	h.Set("Cache-Control", PublicCacheControl)
	addVary(h, "Accept-Encoding", "Authorization")
	if noneMatch(r.Header.Get("If-None-Match"), etag) {
		for _, unsent := range []string{"Content-Type", "Content-Length", "Content-Encoding"} {
			h.Del(unsent)
		}
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body) // the client went away: nothing to do
}

// gzipped is body gzip'd, made once per distinct body while remembered.
func (c *publicCache) gzipped(tag string, body []byte) []byte {
	key := tag + "/gzip"
	if compressed, ok := c.memo.get(key, body); ok {
		compressedBodies.WithLabelValues("hit").Inc()
		return compressed
	}
	compressedBodies.WithLabelValues("miss").Inc()
	var out bytes.Buffer
	zw := c.gzips.Get().(*gzip.Writer)
	zw.Reset(&out)
	_, _ = zw.Write(body) // a bytes.Buffer takes every write
	_ = zw.Close()
	c.gzips.Put(zw)
	compressed := out.Bytes()
	if len(compressed) <= compressedMemoMaxEntry {
		c.memo.put(key, body, compressed)
	}
	return compressed
}

// bufferedResponse holds a handler's answer until it is complete: its
// status and body; its headers go straight to the real response's.
type bufferedResponse struct {
	header http.Header
	body   *bytes.Buffer
	status int
	wrote  bool
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(status int) {
	if !b.wrote {
		b.status, b.wrote = status, true
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	b.wrote = true
	return b.body.Write(p)
}

// accepts reports whether an Accept-Encoding value allows coding: named
// with a weight above zero, or not named and covered by a "*" that is.
func accepts(acceptEncoding, coding string) bool {
	wildcard := false
	for _, part := range strings.Split(acceptEncoding, ",") {
		name, params, _ := strings.Cut(part, ";")
		switch name = strings.TrimSpace(name); {
		case strings.EqualFold(name, coding):
			return weight(params) > 0
		case name == "*":
			wildcard = weight(params) > 0
		}
	}
	return wildcard
}

// weight is the q parameter of an Accept-Encoding entry (1 when absent; 0
// when malformed, which excludes rather than guesses).
func weight(params string) float64 {
	for _, param := range strings.Split(params, ";") {
		key, value, ok := strings.Cut(strings.TrimSpace(param), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(key), "q") {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil || q < 0 || q > 1 {
			return 0
		}
		return q
	}
	return 1
}

// noneMatch reports whether an If-None-Match value names etag (compared
// weakly, as RFC 9110 says for If-None-Match) or is "*".
func noneMatch(ifNoneMatch, etag string) bool {
	for _, candidate := range strings.Split(ifNoneMatch, ",") {
		candidate = strings.TrimPrefix(strings.TrimSpace(candidate), "W/")
		if candidate == "*" || candidate == etag {
			return true
		}
	}
	return false
}

// addVary adds the names missing from the Vary header.
func addVary(h http.Header, names ...string) {
	for _, name := range names {
		present := false
		for _, value := range h.Values("Vary") {
			for _, existing := range strings.Split(value, ",") {
				if strings.EqualFold(strings.TrimSpace(existing), name) {
					present = true
				}
			}
		}
		if !present {
			h.Add("Vary", name)
		}
	}
}

// bodyMemo remembers compressed bodies by key, forgetting the least
// recently used beyond a number of entries or of bytes.
type bodyMemo struct {
	mu         sync.Mutex
	entries    map[string]*list.Element
	order      *list.List // front: most recently used
	bytes      int
	maxEntries int
	maxBytes   int
}

type memoEntry struct {
	key    string
	source []byte // what body was made from
	body   []byte
}

func newBodyMemo(maxEntries, maxBytes int) *bodyMemo {
	return &bodyMemo{entries: map[string]*list.Element{}, order: list.New(), maxEntries: maxEntries, maxBytes: maxBytes}
}

// get returns the body remembered under key, made from source: shared,
// never to be changed. A key whose body was made from other bytes (its
// hash collided) is a miss.
func (m *bodyMemo) get(key string, source []byte) ([]byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	element, ok := m.entries[key]
	if !ok || !bytes.Equal(element.Value.(*memoEntry).source, source) {
		return nil, false
	}
	m.order.MoveToFront(element)
	return element.Value.(*memoEntry).body, true
}

// put remembers body, made from source (copied: the caller reuses it).
func (m *bodyMemo) put(key string, source, body []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.entries[key]; ok {
		return // made twice at once (or a collision): the first one stays
	}
	m.entries[key] = m.order.PushFront(&memoEntry{key: key, source: bytes.Clone(source), body: body})
	m.bytes += len(source) + len(body)
	for m.order.Len() > m.maxEntries || m.bytes > m.maxBytes {
		oldest := m.order.Back()
		entry := oldest.Value.(*memoEntry)
		m.order.Remove(oldest)
		delete(m.entries, entry.key)
		m.bytes -= len(entry.source) + len(entry.body)
	}
}
