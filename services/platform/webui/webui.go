// Package webui serves a built single-page app on the API's own origin, so
// the browser calls the services without CORS.
package webui

import (
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Available reports whether dir holds a built app (an index.html).
func Available(dir string) bool {
	info, err := os.Stat(filepath.Join(dir, "index.html"))
	return err == nil && !info.IsDir()
}

// ContentSecurityPolicy lets the app load only its own scripts, styles and
// fonts and call only its own origin; pictures may also come from a CDN
// (https) or be inlined. No page may frame it (clickjacking).
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; " +
	"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// setSecurityHeaders marks every answer: the policy above, no MIME
// sniffing, no framing (for browsers without frame-ancestors), and no
// full URLs (order ids) in the Referer sent to other sites.
func setSecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
}

// Handler serves the app built into dir: its files as they are (the
// fingerprinted ones under /assets/ cached for good), and index.html for
// any other path without a file extension, so client-side routes such as
// /orders/o-123 load the app. A missing file with an extension is a 404.
func Handler(dir string) http.Handler {
	files := http.FileServer(http.Dir(dir))
	index := filepath.Join(dir, "index.html")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setSecurityHeaders(w.Header())
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		clean := path.Clean("/" + r.URL.Path)
		if clean != "/" {
			if info, err := os.Stat(filepath.Join(dir, filepath.FromSlash(clean))); err == nil && !info.IsDir() {
				if strings.HasPrefix(clean, "/assets/") {
					w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
				}
				files.ServeHTTP(w, r)
				return
			}
			if path.Ext(clean) != "" {
				http.NotFound(w, r)
				return
			}
		}
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeFile(w, r, index)
	})
}
