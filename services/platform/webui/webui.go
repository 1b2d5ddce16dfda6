// Package webui serves a built single-page app on the API's own origin, so
// the browser calls the services without CORS.
package webui

import (
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
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
//
// A file with a precompressed twin beside it (name.br, name.gz: the build
// writes them) is sent as the best of them the request accepts, so nothing
// is compressed per request.
func Handler(dir string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setSecurityHeaders(w.Header())
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if slices.Contains(strings.Split(r.URL.Path, "/"), "..") {
			http.Error(w, "invalid URL path", http.StatusBadRequest)
			return
		}
		clean := path.Clean("/" + r.URL.Path)
		if clean != "/" && clean != "/index.html" { // the app is always revalidated
			name := filepath.Join(dir, filepath.FromSlash(clean))
			if info, err := os.Stat(name); err == nil && !info.IsDir() {
				if strings.HasPrefix(clean, "/assets/") {
					w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
				}
				serveFile(w, r, name)
				return
			}
			if path.Ext(clean) != "" {
				http.NotFound(w, r)
				return
			}
		}
		w.Header().Set("Cache-Control", "no-cache")
		serveFile(w, r, filepath.Join(dir, "index.html"))
	})
}

// encodings are the precompressed twins a file may have, by suffix, in the
// order the server prefers them when the client likes them equally.
var encodings = []struct{ name, suffix string }{{"br", ".br"}, {"gzip", ".gz"}}

// serveFile sends the file at name, or its precompressed twin in the
// encoding the request accepts best. The answer carries the file's own
// Content-Type and modification time whichever bytes are sent; ranges,
// conditional requests and HEAD are http.ServeContent's, applied to the
// bytes sent (a range of a compressed answer is a range of its
// compressed bytes, as HTTP defines it).
func serveFile(w http.ResponseWriter, r *http.Request, name string) {
	original, err := os.Open(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer func() { _ = original.Close() }() // only read from
	info, err := original.Stat()
	if err != nil {
		http.Error(w, "cannot read file", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", contentType(name, original))
	var available []string
	for _, e := range encodings {
		if twin, err := os.Stat(name + e.suffix); err == nil && twin.Mode().IsRegular() {
			available = append(available, e.name)
		}
	}
	if len(available) == 0 {
		http.ServeContent(w, r, filepath.Base(name), info.ModTime(), original)
		return
	}
	// The answer depends on Accept-Encoding whichever is chosen: a shared
	// cache must not give a compressed body to a client that cannot read it.
	h.Add("Vary", "Accept-Encoding")
	chosen := negotiate(r.Header.Get("Accept-Encoding"), available)
	if chosen == "" {
		http.ServeContent(w, r, filepath.Base(name), info.ModTime(), original)
		return
	}
	twin, err := os.Open(name + suffixOf(chosen))
	if err != nil {
		http.ServeContent(w, r, filepath.Base(name), info.ModTime(), original)
		return
	}
	defer func() { _ = twin.Close() }()
	twinInfo, err := twin.Stat()
	if err != nil {
		http.Error(w, "cannot read file", http.StatusInternalServerError)
		return
	}
	h.Set("Content-Encoding", chosen)
	http.ServeContent(&encodedWriter{ResponseWriter: w, size: twinInfo.Size()}, r, filepath.Base(name), info.ModTime(), twin)
}

// contentType is the type of the file at name: by its extension, else
// sniffed from its first bytes (never from a compressed twin's).
func contentType(name string, f *os.File) string {
	if ctype := mime.TypeByExtension(filepath.Ext(name)); ctype != "" {
		return ctype
	}
	var buf [512]byte
	n, _ := f.ReadAt(buf[:], 0) // a short read sniffs what there is
	return http.DetectContentType(buf[:n])
}

// encodedWriter declares the length of a whole precompressed body, which
// http.ServeContent leaves out when Content-Encoding is set (it cannot
// tell a precompressed body from one a wrapper compresses on the fly).
type encodedWriter struct {
	http.ResponseWriter
	size int64
}

func (w *encodedWriter) WriteHeader(code int) {
	if code == http.StatusOK && w.Header().Get("Content-Length") == "" {
		w.Header().Set("Content-Length", strconv.FormatInt(w.size, 10))
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *encodedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func suffixOf(encoding string) string {
	for _, e := range encodings {
		if e.name == encoding {
			return e.suffix
		}
	}
	return ""
}

// negotiate picks, of the available encodings (in the server's order of
// preference, which breaks ties), the one acceptEncoding rates highest; ""
// means the file as it is. An encoding rated q=0, or not named when there
// is no "*", is not acceptable.
func negotiate(acceptEncoding string, available []string) string {
	ratings := map[string]float64{}
	for _, part := range strings.Split(acceptEncoding, ",") {
		coding, params, _ := strings.Cut(part, ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding == "" {
			continue
		}
		q := 1.0
		for _, param := range strings.Split(params, ";") {
			key, value, ok := strings.Cut(strings.TrimSpace(param), "=")
			if ok && strings.EqualFold(strings.TrimSpace(key), "q") {
				parsed, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
				if err != nil || parsed < 0 || parsed > 1 {
					parsed = 0 // a malformed weight excludes rather than guesses
				}
				q = parsed
			}
		}
		ratings[coding] = q
	}
	best, bestQ := "", 0.0
	for _, encoding := range available {
		q, named := ratings[encoding]
		if !named {
			q = ratings["*"]
		}
		if q > bestQ {
			best, bestQ = encoding, q
		}
	}
	// The file as it is, when the client rates it above every coding.
	if q, named := ratings["identity"]; named && q > bestQ {
		return ""
	}
	return best
}
