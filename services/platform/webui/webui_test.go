package webui_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"mall/services/platform/webui"
)

func TestServesFilesAndTheAppForClientRoutes(t *testing.T) {
	dir := t.TempDir()
	if webui.Available(dir) {
		t.Fatal("an empty folder is not an app")
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "index.html"), []byte("<html>app</html>"), 0o644))
	must(os.MkdirAll(filepath.Join(dir, "assets"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "assets", "app-1234.js"), []byte("console.log(1)"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "favicon.svg"), []byte("<svg/>"), 0o644))
	if !webui.Available(dir) {
		t.Fatal("built app not found")
	}
	server := httptest.NewServer(webui.Handler(dir))
	defer server.Close()
	for _, tc := range []struct {
		path, body, cache string
		status            int
	}{
		{"/", "<html>app</html>", "no-cache", 200},
		{"/index.html", "<html>app</html>", "no-cache", 200},
		{"/orders/o-123", "<html>app</html>", "no-cache", 200},
		{"/product/p0001", "<html>app</html>", "no-cache", 200},
		{"/assets/app-1234.js", "console.log(1)", "public, max-age=31536000, immutable", 200},
		{"/favicon.svg", "<svg/>", "", 200},
		{"/assets/missing.js", "", "", 404},
		{"/../../etc/passwd", "", "", 400}, // never a file outside dir
	} {
		res, err := http.Get(server.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != tc.status || (tc.body != "" && string(body) != tc.body) || res.Header.Get("Cache-Control") != tc.cache {
			t.Errorf("%s: %d %q cache %q", tc.path, res.StatusCode, body, res.Header.Get("Cache-Control"))
		}
		for header, want := range map[string]string{
			"Content-Security-Policy": webui.ContentSecurityPolicy, "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
		} {
			if got := res.Header.Get(header); got != want {
				t.Errorf("%s: %s %q, want %q", tc.path, header, got, want)
			}
		}
	}
	res, err := http.Post(server.URL+"/", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST: %d", res.StatusCode)
	}
}

// indexHTML and indexBrotli are an index.html and its brotli form, as
// scripts/compress.mjs makes it (Node's zlib.brotliCompressSync).
const indexHTML = `<!doctype html><html lang="zh-CN"><title>Mall 商城</title><div id="root"></div></html>`

var indexBrotli = []byte{
	0x1b, 0x57, 0x00, 0x28, 0x9c, 0x07, 0xb6, 0x13, 0xfa, 0xbb, 0xc8, 0x96, 0xe7, 0x96, 0x85, 0x63, 0xf9, 0xc2, 0xd3, 0xd4,
	0x22, 0x43, 0x68, 0x7a, 0xd2, 0xa7, 0x85, 0xad, 0x9c, 0xc2, 0x9c, 0x72, 0xc0, 0x9e, 0xb4, 0x85, 0x2d, 0xc0, 0x40, 0x9b,
	0xff, 0xb0, 0x01, 0x27, 0x32, 0x2c, 0x8f, 0x4b, 0xa0, 0x7f, 0x7a, 0x7a, 0x7b, 0x09, 0x49, 0xff, 0x0f, 0x59, 0x62, 0x48,
	0x0f, 0x6b, 0xf9, 0xc4, 0x38, 0x78, 0x04,
}

func gzipOf(t *testing.T, data string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write([]byte(data)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// decode undoes a Content-Encoding: gzip by decompressing, br by finding
// the brotli form made of the original (Go's library has no brotli reader).
func decode(t *testing.T, encoding string, body []byte) string {
	t.Helper()
	switch encoding {
	case "":
		return string(body)
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		plain, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		return string(plain)
	case "br":
		if bytes.Equal(body, indexBrotli) {
			return indexHTML
		}
		t.Fatalf("a brotli body that is not index.html's: %x", body)
	}
	t.Fatalf("unexpected Content-Encoding %q", encoding)
	return ""
}

// precompressedApp is a built app with twins: index.html has both, the
// script only a gzip one, the icon and the picture none.
func precompressedApp(t *testing.T) (dir, script string) {
	t.Helper()
	dir = t.TempDir()
	script = strings.Repeat("console.log('商城');\n", 50)
	files := map[string][]byte{
		"index.html":            []byte(indexHTML),
		"index.html.gz":         gzipOf(t, indexHTML),
		"index.html.br":         indexBrotli,
		"assets/app-1234.js":    []byte(script),
		"assets/app-1234.js.gz": gzipOf(t, script),
		"favicon.svg":           []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`),
		"assets/logo-1234.png":  {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'},
	}
	for name, data := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir, script
}

func request(t *testing.T, method, url string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	// No transparent decompression: the test sees what was sent.
	transport := &http.Transport{DisableCompression: true}
	defer transport.CloseIdleConnections()
	res, err := transport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, body
}

func TestServesThePrecompressedTwinTheClientAccepts(t *testing.T) {
	dir, script := precompressedApp(t)
	server := httptest.NewServer(webui.Handler(dir))
	defer server.Close()
	for _, tc := range []struct {
		path, acceptEncoding  string
		encoding, body, ctype string
		vary                  bool
	}{
		{"/", "gzip, deflate, br, zstd", "br", indexHTML, "text/html; charset=utf-8", true},
		{"/orders/o-123", "gzip", "gzip", indexHTML, "text/html; charset=utf-8", true},
		{"/", "br;q=0, gzip", "gzip", indexHTML, "text/html; charset=utf-8", true},
		{"/", "gzip;q=0.8, br;q=0.5", "gzip", indexHTML, "text/html; charset=utf-8", true},
		{"/", "br, gzip, identity;q=0.1", "br", indexHTML, "text/html; charset=utf-8", true},
		{"/", "gzip;q=0.5, identity", "", indexHTML, "text/html; charset=utf-8", true},
		{"/", "*", "br", indexHTML, "text/html; charset=utf-8", true},
		{"/", "*;q=0", "", indexHTML, "text/html; charset=utf-8", true},
		{"/", "br;q=0, gzip;q=0", "", indexHTML, "text/html; charset=utf-8", true},
		{"/", "", "", indexHTML, "text/html; charset=utf-8", true},
		{"/assets/app-1234.js", "br, gzip", "gzip", script, "javascript", true},
		{"/assets/app-1234.js", "br", "", script, "javascript", true},
		{"/favicon.svg", "br, gzip", "", `<svg xmlns="http://www.w3.org/2000/svg"/>`, "image/svg+xml", false},
		{"/assets/logo-1234.png", "br, gzip", "", "\x89PNG\r\n\x1a\n", "image/png", false},
	} {
		res, body := request(t, http.MethodGet, server.URL+tc.path, map[string]string{"Accept-Encoding": tc.acceptEncoding})
		name := tc.path + " (Accept-Encoding: " + tc.acceptEncoding + ")"
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", name, res.StatusCode)
		}
		if got := res.Header.Get("Content-Encoding"); got != tc.encoding {
			t.Errorf("%s: Content-Encoding %q, want %q", name, got, tc.encoding)
			continue
		}
		if got := decode(t, tc.encoding, body); got != tc.body {
			t.Errorf("%s: decodes to %q", name, got)
		}
		if got := res.Header.Get("Content-Length"); got != strconv.Itoa(len(body)) {
			t.Errorf("%s: Content-Length %q, body %d bytes", name, got, len(body))
		}
		if got := res.Header.Get("Content-Type"); !strings.Contains(got, tc.ctype) {
			t.Errorf("%s: Content-Type %q, want %q", name, got, tc.ctype)
		}
		if got := res.Header.Get("Vary") == "Accept-Encoding"; got != tc.vary {
			t.Errorf("%s: Vary %q", name, res.Header.Get("Vary"))
		}
		if got := res.Header.Get("Content-Security-Policy"); got != webui.ContentSecurityPolicy {
			t.Errorf("%s: Content-Security-Policy %q", name, got)
		}
		if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q", name, got)
		}
	}
}

func TestHeadRangesAndRevalidationOfACompressedFile(t *testing.T) {
	dir, script := precompressedApp(t)
	server := httptest.NewServer(webui.Handler(dir))
	defer server.Close()
	gz, err := os.ReadFile(filepath.Join(dir, "assets", "app-1234.js.gz"))
	if err != nil {
		t.Fatal(err)
	}
	gzipped := map[string]string{"Accept-Encoding": "gzip"}

	head, body := request(t, http.MethodHead, server.URL+"/assets/app-1234.js", gzipped)
	if head.StatusCode != http.StatusOK || len(body) != 0 || head.Header.Get("Content-Encoding") != "gzip" ||
		head.Header.Get("Content-Length") != strconv.Itoa(len(gz)) {
		t.Errorf("HEAD: %d, %d bytes, Content-Encoding %q, Content-Length %q (gzip'd file %d bytes)",
			head.StatusCode, len(body), head.Header.Get("Content-Encoding"), head.Header.Get("Content-Length"), len(gz))
	}

	// A range of a compressed answer is a range of its compressed bytes.
	ranged, body := request(t, http.MethodGet, server.URL+"/assets/app-1234.js", map[string]string{"Accept-Encoding": "gzip", "Range": "bytes=0-9"})
	if ranged.StatusCode != http.StatusPartialContent || !bytes.Equal(body, gz[:10]) ||
		ranged.Header.Get("Content-Range") != "bytes 0-9/"+strconv.Itoa(len(gz)) || ranged.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("gzip'd range: %d %x, Content-Range %q, Content-Encoding %q",
			ranged.StatusCode, body, ranged.Header.Get("Content-Range"), ranged.Header.Get("Content-Encoding"))
	}
	plain, body := request(t, http.MethodGet, server.URL+"/assets/app-1234.js", map[string]string{"Range": "bytes=0-9"})
	if plain.StatusCode != http.StatusPartialContent || string(body) != script[:10] || plain.Header.Get("Content-Encoding") != "" {
		t.Errorf("plain range: %d %q", plain.StatusCode, body)
	}

	full, _ := request(t, http.MethodGet, server.URL+"/assets/app-1234.js", gzipped)
	lastModified := full.Header.Get("Last-Modified")
	if lastModified == "" {
		t.Fatal("no Last-Modified")
	}
	revalidated, body := request(t, http.MethodGet, server.URL+"/assets/app-1234.js",
		map[string]string{"Accept-Encoding": "gzip", "If-Modified-Since": lastModified})
	if revalidated.StatusCode != http.StatusNotModified || len(body) != 0 {
		t.Errorf("If-Modified-Since: %d with %d bytes", revalidated.StatusCode, len(body))
	}
}
