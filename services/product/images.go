package product

import (
	"fmt"
	"hash/fnv"
	"html"
	"net/http"
	"strings"
)

// ImageHandler renders the demo catalog's pictures: a coloured SVG tile with
// the label from the path (/img/<label>.svg). Deterministic, cacheable.
func ImageHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		label, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/img/"), ".svg")
		if !ok || label == "" || len(label) > 200 {
			http.NotFound(w, r)
			return
		}
		h := fnv.New32a()
		h.Write([]byte(label))
		hue := h.Sum32() % 360
		w.Header().Set("Content-Type", "image/svg+xml")
		w.Header().Set("Cache-Control", "public, max-age=86400")
		// An SVG opened on its own is a document that could run script:
		// this one never needs to, and is never read as anything else.
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400" viewBox="0 0 400 400">`+
			`<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">`+
			`<stop offset="0" stop-color="hsl(%d,70%%,62%%)"/><stop offset="1" stop-color="hsl(%d,70%%,42%%)"/></linearGradient></defs>`+
			`<rect width="400" height="400" fill="url(#g)"/>`+
			`<circle cx="200" cy="160" r="70" fill="rgba(255,255,255,0.25)"/>`+
			`<text x="200" y="300" font-family="sans-serif" font-size="28" fill="#fff" text-anchor="middle">%s</text></svg>`,
			hue, (hue+40)%360, html.EscapeString(label))
	})
}
