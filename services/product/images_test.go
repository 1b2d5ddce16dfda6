package product

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/image/webp"
)

func get(t *testing.T, path string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.URL.Path = path // as the server's mux hands it over: decoded, not cleaned again
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	ImageHandler().ServeHTTP(rec, req)
	return rec
}

// svgElements are the elements a picture may hold: shapes, gradients,
// text and embedded images; nothing that runs, embeds documents or links out.
var svgElements = []string{"svg", "defs", "linearGradient", "radialGradient", "stop", "pattern",
	"rect", "circle", "ellipse", "path", "g", "text", "image", "use"}

// pictureReport is what checkPicture found in a picture.
type pictureReport struct {
	background []string       // stop colours of the gradient with id "bg"
	uses       map[string]int // how often each embedded image is drawn, by id
	texts      []string
}

// checkPicture parses an SVG and fails unless it is well formed, holds only
// svgElements, no event handler attributes, and only references inside
// itself: #ids it defines and data: URIs of WebP images that decode.
func checkPicture(t *testing.T, name string, svg []byte) pictureReport {
	t.Helper()
	report := pictureReport{uses: map[string]int{}}
	ids := map[string]bool{}
	var refs []string
	dec := xml.NewDecoder(bytes.NewReader(svg))
	var inBackground, inText bool
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: not well-formed XML: %v", name, err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			if !slices.Contains(svgElements, el.Name.Local) {
				t.Fatalf("%s: element <%s> is not allowed", name, el.Name.Local)
			}
			inText = el.Name.Local == "text"
			for _, a := range el.Attr {
				switch {
				case strings.HasPrefix(strings.ToLower(a.Name.Local), "on"):
					t.Fatalf("%s: event handler %s", name, a.Name.Local)
				case a.Name.Local == "id":
					ids[a.Value] = true
					inBackground = el.Name.Local == "linearGradient" && a.Value == "bg" || inBackground && el.Name.Local == "stop"
				case a.Name.Local == "href":
					refs = append(refs, a.Value)
					if el.Name.Local == "use" {
						report.uses[strings.TrimPrefix(a.Value, "#")]++
					} else {
						checkEmbeddedWebP(t, name, a.Value)
					}
				case strings.Contains(a.Value, "url(") && !strings.HasPrefix(a.Value, "url(#"):
					t.Fatalf("%s: %s=%q refers outside the picture", name, a.Name.Local, a.Value)
				case inBackground && a.Name.Local == "stop-color":
					report.background = append(report.background, a.Value)
				}
			}
		case xml.EndElement:
			if el.Name.Local == "linearGradient" {
				inBackground = false
			}
			inText = false
		case xml.CharData:
			if inText {
				report.texts = append(report.texts, string(el))
			}
		}
	}
	for _, ref := range refs {
		if id, ok := strings.CutPrefix(ref, "#"); ok && !ids[id] {
			t.Fatalf("%s: reference %s to nothing", name, ref)
		}
	}
	return report
}

// checkEmbeddedWebP fails unless href is a data: URI of a WebP image that
// decodes to a 256×256 picture.
func checkEmbeddedWebP(t *testing.T, name, href string) {
	t.Helper()
	encoded, ok := strings.CutPrefix(href, "data:image/webp;base64,")
	if !ok {
		t.Fatalf("%s: image href %.60q is not an embedded WebP", name, href)
	}
	data, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	img, err := webp.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: embedded WebP does not decode: %v", name, err)
	}
	if b := img.Bounds(); b.Dx() != artSize || b.Dy() != artSize {
		t.Fatalf("%s: embedded WebP is %v", name, b)
	}
}

// demoPictureURLs are the addresses of every picture of the demo catalog,
// spelled here rather than taken from the handler's helpers.
func demoPictureURLs() []string {
	var urls []string
	for n := 1; n <= 200; n++ {
		for picture := 1; picture <= 3; picture++ {
			urls = append(urls, fmt.Sprintf("/img/p/p%04d/%d.svg", n, picture))
		}
	}
	for n := 1; n <= 8; n++ {
		urls = append(urls, fmt.Sprintf("/img/c/c%02d.svg", n))
	}
	for n := 1; n <= 4; n++ {
		urls = append(urls, fmt.Sprintf("/img/b/b%d.svg", n))
	}
	return urls
}

// Every picture of the demo catalog answers as a self-contained SVG that
// may run nothing, with the headers of a cacheable, sandboxed image, and
// only banners carry Latin text (their English subline): a product's
// picture is told by its art and Chinese badges.
func TestEveryDemoPictureIsASafeSVGOfDecodableArt(t *testing.T) {
	sizes := map[string]int{}
	drawn := map[string]bool{}
	for _, u := range demoPictureURLs() {
		rec := get(t, u)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: HTTP %d", u, rec.Code)
		}
		for header, want := range map[string]string{
			"Content-Type": "image/svg+xml", "X-Content-Type-Options": "nosniff",
			"Content-Security-Policy": "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox",
			"Cache-Control":           "public, max-age=86400, stale-while-revalidate=2592000",
		} {
			if got := rec.Header().Get(header); got != want {
				t.Fatalf("%s: %s %q, want %q", u, header, got, want)
			}
		}
		if etag := rec.Header().Get("ETag"); len(etag) < 10 || !strings.HasPrefix(etag, `"`) {
			t.Fatalf("%s: ETag %q", u, etag)
		}
		report := checkPicture(t, u, rec.Body.Bytes())
		if len(report.uses) == 0 {
			t.Fatalf("%s: draws no art", u)
		}
		if !strings.HasPrefix(u, "/img/b/") && latinWord.MatchString(strings.Join(report.texts, " ")) {
			t.Fatalf("%s: Latin text %q", u, report.texts)
		}
		for id := range report.uses {
			drawn[id] = true
		}
		kind := strings.Split(u, "/")[2]
		sizes[kind] = max(sizes[kind], rec.Body.Len())
	}
	// The repository carries only the renders the catalog draws.
	entries, err := pictureFiles.ReadDir("pictures")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !drawn["a"+strings.TrimSuffix(e.Name(), ".webp")] {
			t.Errorf("pictures/%s is drawn in no picture", e.Name())
		}
	}
	// A picture carries its art inline: it must stay a small download.
	for kind, limit := range map[string]int{"p": 40 << 10, "c": 16 << 10, "b": 64 << 10} {
		if sizes[kind] > limit {
			t.Errorf("largest /img/%s/ picture is %d bytes, over %d", kind, sizes[kind], limit)
		}
	}
}

// latinWord is English text; a single letter is part of a Chinese name
// (纯棉T恤).
var latinWord = regexp.MustCompile(`[A-Za-z]{2}`)

// The five variants of a base product are told apart at a glance: each has
// its own background and its name in a badge, the family pack's cover
// shows three of the goods, and a product's three pictures differ.
func TestVariantsOfAProductLookApart(t *testing.T) {
	badges := []string{"经典款", "升级版", "礼盒装", "家庭装", "限量版"}
	for base := range 40 {
		backgrounds := map[string]string{}
		for variant, badge := range badges {
			id := fmt.Sprintf("p%04d", base*5+variant+1)
			cover := get(t, "/img/p/"+id+"/1.svg").Body.Bytes()
			report := checkPicture(t, id, cover)
			background := strings.Join(report.background, " ")
			if other, taken := backgrounds[background]; taken || background == "" {
				t.Fatalf("%s has the background %q of %s", id, background, other)
			}
			backgrounds[background] = id
			if !slices.Contains(report.texts, badge) {
				t.Fatalf("%s: no badge %s in %q", id, badge, report.texts)
			}
			want := 1
			if badge == "家庭装" {
				want = 3
			}
			if most := slices.Max(mapValues(report.uses)); most != want {
				t.Fatalf("%s: the goods drawn %d times, want %d", id, most, want)
			}
			closeUp, pack := get(t, "/img/p/"+id+"/2.svg").Body.Bytes(), get(t, "/img/p/"+id+"/3.svg").Body.Bytes()
			if bytes.Equal(cover, closeUp) || bytes.Equal(cover, pack) || bytes.Equal(closeUp, pack) {
				t.Fatalf("%s: pictures repeat", id)
			}
		}
	}
}

func mapValues(m map[string]int) []int {
	var v []int
	for _, n := range m {
		v = append(v, n)
	}
	return v
}

// An address that names no picture is not found, however it is spelled:
// unknown ids, other spellings of known ones, paths that climb or are too
// long to be an address of the catalog. Only GET and HEAD are answered.
func TestAddressesThatNameNoPictureAreNotFound(t *testing.T) {
	for _, path := range []string{
		"/img/p/p0000/1.svg", "/img/p/p0201/1.svg", "/img/p/p001/1.svg", "/img/p/p00001/1.svg", "/img/p/P0001/1.svg",
		"/img/p/p0001/0.svg", "/img/p/p0001/4.svg", "/img/p/p0001/01.svg", "/img/p/p0001/+1.svg", "/img/p/p0001.svg",
		"/img/p/p0001/1", "/img/p/p0001/1.png", "/img/p/p0001/1/2.svg", "/img/c/c09.svg", "/img/c/.svg", "/img/b/b5.svg",
		"/img/.svg", "/img/p/../../../etc/passwd.svg", "/img/../../etc/passwd.svg", "/img/a\\b.svg",
		"/img/p/p0001/../../../x.svg", "/img/" + strings.Repeat("a", 300) + ".svg", "/img/p/p0001/" + strings.Repeat("1", 300) + ".svg",
		"/other/p/p0001/1.svg",
	} {
		if rec := get(t, path); rec.Code != http.StatusNotFound {
			t.Errorf("%.80s: HTTP %d, want 404", path, rec.Code)
		}
	}
	rec := httptest.NewRecorder()
	ImageHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/img/p/p0001/1.svg", nil))
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: HTTP %d, Allow %q", rec.Code, rec.Header().Get("Allow"))
	}
}

// A cached picture is revalidated by its ETag: unchanged, the answer is a
// 304 without a body.
func TestAPictureRevalidatesByItsETag(t *testing.T) {
	first := get(t, "/img/p/p0042/2.svg")
	again := get(t, "/img/p/p0042/2.svg", "If-None-Match", first.Header().Get("ETag"))
	if again.Code != http.StatusNotModified || again.Body.Len() != 0 {
		t.Fatalf("HTTP %d with %d bytes, want 304 and none", again.Code, again.Body.Len())
	}
	if other := get(t, "/img/p/p0043/2.svg"); other.Header().Get("ETag") == first.Header().Get("ETag") {
		t.Fatal("two pictures share an ETag")
	}
}

// The label tiles an earlier seed stored (products, their variants,
// categories, banners, flash sales) still answer, with the picture that
// replaced them.
func TestEarlierSeedLabelsShowTheirNewPictures(t *testing.T) {
	for label, current := range map[string]string{
		"Longjing Green Tea":               "/img/p/p0001/1.svg",
		"Longjing Green Tea Classic":       "/img/p/p0001/1.svg",
		"Longjing Green Tea Gift Box":      "/img/p/p0003/1.svg",
		"Smartphone":                       "/img/p/p0026/1.svg",
		"Insulated Bottle Limited Edition": "/img/p/p0200/1.svg",
		"Hairy Crab Family Pack":           "/img/p/p0139/1.svg",
		"Phones & Digital":                 "/img/c/c02.svg",
		"Tea Festival":                     "/img/b/b1.svg",
		"Book Picks":                       "/img/b/b4.svg",
	} {
		old := get(t, "/img/"+label+".svg")
		if old.Code != http.StatusOK || !bytes.Equal(old.Body.Bytes(), get(t, current).Body.Bytes()) {
			t.Errorf("%s: HTTP %d, not the picture of %s", label, old.Code, current)
		}
	}
	for _, c := range seedCategories {
		for _, item := range c.items {
			for _, v := range seedVariants {
				u := legacyImageURL(item.en + " " + v[1])
				path, _ := url.PathUnescape(u)
				if rec := get(t, path); rec.Code != http.StatusOK || !bytes.Contains(rec.Body.Bytes(), []byte("data:image/webp")) {
					t.Fatalf("%s: HTTP %d, not a picture of the goods", u, rec.Code)
				}
			}
		}
	}
}

// Any other label is the old tile: its label is escaped, and the SVG,
// opened on its own, may run nothing and is never sniffed as another type.
func TestOtherLabelsAreEscapedTilesThatRunNothing(t *testing.T) {
	rec := get(t, "/img/<svg onload=alert(1)>.svg")
	body := rec.Body.String()
	if rec.Code != http.StatusOK || strings.Contains(body, "<svg onload") || !strings.Contains(body, "&lt;svg onload=alert(1)&gt;") {
		t.Fatalf("HTTP %d: %s", rec.Code, body)
	}
	checkPicture(t, "tile", rec.Body.Bytes())
	for header, want := range map[string]string{
		"Content-Type": "image/svg+xml", "X-Content-Type-Options": "nosniff",
		"Content-Security-Policy": "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox",
	} {
		if got := rec.Header().Get(header); got != want {
			t.Errorf("%s: %q, want %q", header, got, want)
		}
	}
}
