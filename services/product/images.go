package product

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"html"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// picturesPerProduct is how many pictures a demo product has: its cover,
// a close-up and its package.
const picturesPerProduct = 3

// maxPicturePath bounds what the handler reads of a path: every address
// it answers is far shorter.
const maxPicturePath = 200

// PictureURL is the address of picture n (1 is the cover) of a demo
// product.
func PictureURL(productID string, n int) string {
	return "/img/p/" + productID + "/" + strconv.Itoa(n) + ".svg"
}

// CategoryIconURL is the address of a demo category's icon.
func CategoryIconURL(categoryID string) string {
	return "/img/c/" + categoryID + ".svg"
}

// BannerImageURL is the address of a demo banner's picture.
func BannerImageURL(bannerID string) string {
	return "/img/b/" + bannerID + ".svg"
}

// ImageHandler serves the demo catalog's pictures (/img/p/<product>/<n>.svg,
// /img/c/<category>.svg, /img/b/<banner>.svg), composed from the embedded
// art, and the label tiles of earlier seeds (/img/<label>.svg): a label of
// the demo catalog shows its new picture. Anything else is not found.
func ImageHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		rest, ok := strings.CutPrefix(r.URL.Path, "/img/")
		name, isSVG := strings.CutSuffix(rest, ".svg")
		if !ok || !isSVG || name == "" || len(rest) > maxPicturePath {
			http.NotFound(w, r)
			return
		}
		svg, found, err := renderPicture(name)
		if err != nil {
			http.Error(w, "picture unavailable", http.StatusInternalServerError)
			return
		}
		if !found {
			http.NotFound(w, r)
			return
		}
		sum := sha256.Sum256(svg)
		h := w.Header()
		h.Set("Content-Type", "image/svg+xml")
		h.Set("ETag", `"`+hex.EncodeToString(sum[:12])+`"`)
		// An address names the same picture for good, but a new build may
		// draw it anew: fresh for a day, then shown from cache while it is
		// revalidated (a 304 by the ETag when nothing changed).
		h.Set("Cache-Control", "public, max-age=86400, stale-while-revalidate=2592000")
		// An SVG opened on its own is a document that could run script:
		// this one never needs to, loads nothing but its own data: images,
		// and is never read as anything else.
		h.Set("Content-Security-Policy", "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox")
		h.Set("X-Content-Type-Options", "nosniff")
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(svg))
	})
}

// renderPicture draws the picture a path names (without /img/ and .svg);
// found is false for a name that names none.
func renderPicture(name string) (svg []byte, found bool, err error) {
	kind, key, _ := strings.Cut(name, "/")
	switch kind {
	case "p":
		id, n, _ := strings.Cut(key, "/")
		ref, ok := lookupSeedProduct(id)
		number, err := strconv.Atoi(n)
		if !ok || err != nil || n != strconv.Itoa(number) || number < 1 || number > picturesPerProduct {
			return nil, false, nil
		}
		svg, err = productPicture(ref, number)
		return svg, true, err
	case "c":
		for _, c := range seedCategories {
			if c.id == key {
				svg, err = categoryIcon(c)
				return svg, true, err
			}
		}
		return nil, false, nil
	case "b":
		for _, b := range seedBanners {
			if b.id == key {
				svg, err = bannerPicture(b)
				return svg, true, err
			}
		}
		return nil, false, nil
	}
	return renderLegacyLabel(name)
}

// renderLegacyLabel draws /img/<label>.svg: a label an earlier seed used
// for the demo catalog shows the picture that replaced it, any other the
// label tile of old. A label never holds a path separator or "..": nothing
// here reads files, but such a path is no label either.
func renderLegacyLabel(label string) ([]byte, bool, error) {
	if strings.ContainsAny(label, `/\`) || strings.Contains(label, "..") {
		return nil, false, nil
	}
	if current, ok := legacyLabels()[label]; ok {
		return renderPicture(current)
	}
	h := fnv.New32a()
	h.Write([]byte(label))
	hue := h.Sum32() % 360
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400" viewBox="0 0 400 400">`+
		`<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">`+
		`<stop offset="0" stop-color="hsl(%d,70%%,62%%)"/><stop offset="1" stop-color="hsl(%d,70%%,42%%)"/></linearGradient></defs>`+
		`<rect width="400" height="400" fill="url(#g)"/>`+
		`<circle cx="200" cy="160" r="70" fill="rgba(255,255,255,0.25)"/>`+
		`<text x="200" y="300" font-family="sans-serif" font-size="28" fill="#fff" text-anchor="middle">%s</text></svg>`,
		hue, (hue+40)%360, html.EscapeString(label))
	return b.Bytes(), true, nil
}

// legacyLabels maps each label an earlier seed stored (product, product
// variant, category, banner) to the name of the picture that replaced it.
var legacyLabels = sync.OnceValue(func() map[string]string {
	labels := make(map[string]string, len(seedCategories)*31+len(seedBanners))
	for ci, c := range seedCategories {
		labels[c.en] = "c/" + c.id
		for ii, item := range c.items {
			labels[item.en] = "p/" + seedProductID(ci, ii, 0) + "/1"
			for vi, v := range seedVariants {
				labels[item.en+" "+v[1]] = "p/" + seedProductID(ci, ii, vi) + "/1"
			}
		}
	}
	for _, b := range seedBanners {
		labels[b.en] = "b/" + b.id
	}
	return labels
})

// seedRef places a demo product in the catalog: its category, base product
// and variant (indexes into seedCategories, items and seedVariants).
type seedRef struct{ category, item, variant int }

// lookupSeedProduct finds a demo product by id (p0001 … p0200, exactly as
// seedProductID writes them).
func lookupSeedProduct(id string) (seedRef, bool) {
	digits, ok := strings.CutPrefix(id, "p")
	n, err := strconv.Atoi(digits)
	if !ok || err != nil || len(digits) != 4 || n < 1 || n > len(seedCategories)*25 {
		return seedRef{}, false
	}
	ref := seedRef{category: (n - 1) / 25, item: (n - 1) % 25 / 5, variant: (n - 1) % 5}
	return ref, seedProductID(ref.category, ref.item, ref.variant) == id
}
