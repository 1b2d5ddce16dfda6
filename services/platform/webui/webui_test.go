package webui_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
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
