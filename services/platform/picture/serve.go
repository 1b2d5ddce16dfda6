package picture

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/hex"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// Stored is an uploaded picture as a domain keeps it.
type Stored struct {
	ContentType string // as Inspect found it
	SHA256      []byte // of Data: the picture's ETag
	Data        []byte
}

// Uploads names a domain's uploaded pictures: ids "<Prefix>-" and 128
// random bits in lower-case base32 (not guessable from one another),
// served at Path + id.
type Uploads struct {
	Prefix string // "ri" (review pictures), "pi" (product pictures)
	Path   string // "/review-img/"
}

// NewID is a fresh picture id.
func (u Uploads) NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return u.Prefix + "-" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

// IsID reports whether id has the shape of these pictures' ids.
func (u Uploads) IsID(id string) bool { return u.shape().MatchString(id) }

func (u Uploads) shape() *regexp.Regexp {
	return regexp.MustCompile(`^` + regexp.QuoteMeta(u.Prefix) + `-[a-z2-7]{26}$`)
}

// URL is where the picture with this id is served.
func (u Uploads) URL(id string) string { return u.Path + id }

// Handler serves the pictures load finds at Path + id: the bytes as
// uploaded, with the type read from them, never sniffed or run as anything
// else, cached for good (an id names the same bytes forever). load answers
// nil for an id it does not know.
func (u Uploads) Handler(logger *slog.Logger, load func(ctx context.Context, id string) (*Stored, error)) http.Handler {
	shape := u.shape()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		id, ok := strings.CutPrefix(r.URL.Path, u.Path)
		if !ok || !shape.MatchString(id) {
			http.NotFound(w, r)
			return
		}
		img, err := load(r.Context(), id)
		if err != nil {
			logger.ErrorContext(r.Context(), "read an uploaded picture", "path", u.Path, "image_id", id, "err", err)
			http.Error(w, "picture unavailable", http.StatusServiceUnavailable)
			return
		}
		if img == nil {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", img.ContentType)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		h.Set("ETag", `"`+hex.EncodeToString(img.SHA256)+`"`)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(img.Data))
	})
}
