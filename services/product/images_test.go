package product

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A picture's label comes from the URL: it is escaped, and the SVG, opened
// on its own, may run nothing and is never sniffed as another type.
func TestPicturesEscapeTheirLabelAndRunNothing(t *testing.T) {
	rec := httptest.NewRecorder()
	ImageHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/img/%3Cscript%3Ealert(1)%3C%2Fscript%3E.svg", nil))
	body, _ := io.ReadAll(rec.Result().Body)
	if rec.Code != http.StatusOK || strings.Contains(string(body), "<script") || !strings.Contains(string(body), "&lt;script&gt;") {
		t.Fatalf("HTTP %d: %s", rec.Code, body)
	}
	for header, want := range map[string]string{
		"Content-Type": "image/svg+xml", "X-Content-Type-Options": "nosniff",
		"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
	} {
		if got := rec.Header().Get(header); got != want {
			t.Errorf("%s: %q, want %q", header, got, want)
		}
	}
}
