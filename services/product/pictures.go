package product

import (
	"embed"
	"encoding/base64"
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
	"sync"
)

// The demo catalog's pictures are SVG compositions of 256×256 WebP renders
// (pictures/, Microsoft's Fluent Emoji 3D, MIT: pictures/LICENSE): the goods
// on a background that tells the variant, with the variant's badge. A
// picture shown through <img> may load nothing outside itself, so the art
// travels inside it as a data: URI, once per picture however often it is
// drawn.

//go:embed pictures/*.webp
var pictureFiles embed.FS

// artSize is the side of every embedded render, in pixels.
const artSize = 256

// artURIs are the embedded renders as data: URIs, by name (the file name
// without .webp).
var artURIs = sync.OnceValue(func() map[string]string {
	uris := map[string]string{}
	entries, _ := pictureFiles.ReadDir("pictures") // embedded: it cannot fail
	for _, e := range entries {
		data, _ := pictureFiles.ReadFile("pictures/" + e.Name())
		uris[strings.TrimSuffix(e.Name(), ".webp")] = "data:image/webp;base64," + base64.StdEncoding.EncodeToString(data)
	}
	return uris
})

// pictureFont names the fonts a CJK badge may be drawn in, where the
// viewer has one of them.
const pictureFont = `'Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Microsoft YaHei',sans-serif`

// canvas builds one SVG: the shapes, then the definitions they use (each
// render once).
type canvas struct {
	width, height int
	defs, body    strings.Builder
	arts          map[string]bool
	err           error
}

func newCanvas(width, height int) *canvas {
	return &canvas{width: width, height: height, arts: map[string]bool{}}
}

// num writes a coordinate with one decimal at most.
func num(f float64) string {
	return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64)
}

func (c *canvas) def(format string, args ...any) { fmt.Fprintf(&c.defs, format, args...) }
func (c *canvas) add(format string, args ...any) { fmt.Fprintf(&c.body, format, args...) }

// art draws render name centred on (cx, cy), size wide, turned by rotate
// degrees, at opacity.
func (c *canvas) art(name string, cx, cy, size, rotate, opacity float64) {
	if !c.arts[name] {
		uri, ok := artURIs()[name]
		if !ok {
			c.err = fmt.Errorf("no picture %q", name)
			return
		}
		c.arts[name] = true
		c.def(`<image id="a%s" width="%d" height="%d" href="%s"/>`, name, artSize, artSize, uri)
	}
	c.add(`<use href="#a%s" transform="translate(%s %s) rotate(%s) scale(%s) translate(-%d -%d)"`,
		name, num(cx), num(cy), num(rotate), strconv.FormatFloat(size/artSize, 'f', 4, 64), artSize/2, artSize/2)
	if opacity < 1 {
		c.add(` opacity="%s"`, num(opacity))
	}
	c.add(`/>`)
}

// shadow draws the soft shadow of something standing on (cx, cy).
func (c *canvas) shadow(cx, cy, rx float64) {
	c.add(`<ellipse cx="%s" cy="%s" rx="%s" ry="%s" fill="url(#shadow)"/>`, num(cx), num(cy), num(rx), num(rx*0.16))
}

// text draws s (escaped) at (x, y).
func (c *canvas) text(x, y, size float64, fill, anchor, s string) {
	c.add(`<text x="%s" y="%s" font-family="%s" font-size="%s" font-weight="700" fill="%s" text-anchor="%s">%s</text>`,
		num(x), num(y), pictureFont, num(size), fill, anchor, html.EscapeString(s))
}

func (c *canvas) bytes() ([]byte, error) {
	if c.err != nil {
		return nil, c.err
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d"><defs>`,
		c.width, c.height, c.width, c.height)
	b.WriteString(`<radialGradient id="shadow"><stop offset="0" stop-color="#000" stop-opacity="0.28"/>` +
		`<stop offset="1" stop-color="#000" stop-opacity="0"/></radialGradient>`)
	b.WriteString(c.defs.String())
	b.WriteString(`</defs>`)
	b.WriteString(c.body.String())
	b.WriteString(`</svg>`)
	return []byte(b.String()), nil
}

// Variants, as indexes into seedVariants.
const (
	variantClassic = iota
	variantPlus
	variantGiftBox
	variantFamily
	variantLimited
)

// variantLook is how a variant's pictures are coloured.
type variantLook struct {
	from, to         string // background gradient
	pill, pillText   string // the badge with the variant's name
	box, boxText     string // the package
	lightBackground  bool
	accentBackground string // the floor or light behind the goods
}

func lookOf(variant, hue int) variantLook {
	switch variant {
	case variantPlus:
		return variantLook{from: "#16205e", to: "#5b2ca0", pill: "#37d5ff", pillText: "#0b1440", box: "#2a2f8f", boxText: "#fff",
			accentBackground: "rgba(120,210,255,0.35)"}
	case variantGiftBox:
		return variantLook{from: "#e3283c", to: "#8e0619", pill: "#ffd66b", pillText: "#8e0619", box: "#c8102e", boxText: "#ffe7a3",
			accentBackground: "rgba(255,214,107,0.3)"}
	case variantFamily:
		return variantLook{from: "#fff6d5", to: "#ffc466", pill: "#f0701e", pillText: "#fff", box: "#f08a24", boxText: "#fff",
			lightBackground: true, accentBackground: "rgba(255,255,255,0.6)"}
	case variantLimited:
		return variantLook{from: "#2c2416", to: "#0d0d0d", pill: "#e2b84a", pillText: "#1a1406", box: "#1b1b1b", boxText: "#e2b84a",
			accentBackground: "rgba(226,184,74,0.28)"}
	}
	return variantLook{from: fmt.Sprintf("hsl(%d,60%%,97%%)", hue), to: fmt.Sprintf("hsl(%d,45%%,82%%)", hue),
		pill: fmt.Sprintf("hsl(%d,45%%,36%%)", hue), pillText: "#fff", box: fmt.Sprintf("hsl(%d,45%%,42%%)", hue), boxText: "#fff",
		lightBackground: true, accentBackground: "rgba(255,255,255,0.7)"}
}

// productPicture draws picture n of a demo product: 1 the cover, 2 a
// close-up, 3 the goods beside their package.
func productPicture(ref seedRef, n int) ([]byte, error) {
	cat := seedCategories[ref.category]
	item := cat.items[ref.item]
	look := lookOf(ref.variant, cat.hue)
	c := newCanvas(400, 400)
	variantBackground(c, ref.variant, look)
	switch n {
	case 1:
		coverScene(c, item, ref.variant)
	case 2:
		closeUpScene(c, item, look)
	default:
		packageScene(c, item, ref.variant, look)
	}
	variantFrame(c, ref.variant)
	variantBadge(c, ref.variant, look)
	return c.bytes()
}

// variantBackground fills the picture: a pale tint of the category for the
// classic, deep blue with rings for Plus, red with stripes and a ribbon for
// the gift box, warm yellow for the family pack, black with gold sparkles
// for the limited edition.
func variantBackground(c *canvas, variant int, look variantLook) {
	c.def(`<linearGradient id="bg" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="%s"/><stop offset="1" stop-color="%s"/></linearGradient>`,
		look.from, look.to)
	c.add(`<rect width="400" height="400" fill="url(#bg)"/>`)
	switch variant {
	case variantPlus:
		for i, r := range []int{70, 115, 160, 205} {
			c.add(`<circle cx="200" cy="205" r="%d" fill="none" stroke="#7fd8ff" stroke-opacity="%s" stroke-width="2"/>`, r, num(0.45-float64(i)*0.1))
		}
	case variantGiftBox:
		c.def(`<pattern id="stripes" width="24" height="24" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">` +
			`<rect width="10" height="24" fill="#fff" fill-opacity="0.07"/></pattern>` +
			`<linearGradient id="gold" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#fff0b3"/><stop offset="1" stop-color="#d49a1c"/></linearGradient>`)
		c.add(`<rect width="400" height="400" fill="url(#stripes)"/>`)
		c.add(`<rect x="318" width="34" height="400" fill="url(#gold)"/><rect y="48" width="400" height="34" fill="url(#gold)"/>`)
	case variantFamily:
		c.add(`<circle cx="200" cy="215" r="170" fill="#fff" fill-opacity="0.45"/>`)
	case variantLimited:
		for _, s := range [][3]float64{{60, 110, 10}, {340, 140, 7}, {90, 320, 6}, {320, 330, 9}, {45, 220, 5}, {360, 250, 5}, {150, 60, 5}} {
			sparkle(c, s[0], s[1], s[2], "#e2b84a", 0.7)
		}
	}
}

// sparkle draws a four-pointed star of radius r at (cx, cy).
func sparkle(c *canvas, cx, cy, r float64, fill string, opacity float64) {
	q := r / 4
	c.add(`<path d="M%s %sQ%s %s %s %sQ%s %s %s %sQ%s %s %s %sQ%s %s %s %sZ" fill="%s" fill-opacity="%s"/>`,
		num(cx), num(cy-r), num(cx+q), num(cy-q), num(cx+r), num(cy), num(cx+q), num(cy+q), num(cx), num(cy+r),
		num(cx-q), num(cy+q), num(cx-r), num(cy), num(cx-q), num(cy-q), num(cx), num(cy-r), fill, num(opacity))
}

// star draws a five-pointed star of outer radius r at (cx, cy).
func star(c *canvas, cx, cy, r float64, fill, stroke string) {
	var d strings.Builder
	for i := range 10 {
		radius := r
		if i%2 == 1 {
			radius = r * 0.45
		}
		angle := -math.Pi/2 + float64(i)*math.Pi/5
		cmd := "L"
		if i == 0 {
			cmd = "M"
		}
		fmt.Fprintf(&d, "%s%s %s", cmd, num(cx+radius*math.Cos(angle)), num(cy+radius*math.Sin(angle)))
	}
	c.add(`<path d="%sZ" fill="%s" stroke="%s" stroke-width="3" stroke-linejoin="round"/>`, d.String(), fill, stroke)
}

// coverScene: the goods large in the middle, the family pack's three
// copies, the accent beside them.
func coverScene(c *canvas, item seedItem, variant int) {
	if variant == variantFamily {
		c.shadow(200, 338, 150)
		c.art(item.art, 118, 205, 150, -8, 1)
		c.art(item.art, 282, 205, 150, 8, 1)
		c.art(item.art, 200, 245, 185, 0, 1)
	} else {
		c.shadow(200, 335, 110)
		c.art(item.art, 200, 212, 235, 0, 1)
	}
	if item.accent != "" {
		c.art(item.accent, 322, 300, 86, 0, 1)
	}
}

// closeUpScene: one of the goods, large and turned, under a spotlight.
func closeUpScene(c *canvas, item seedItem, look variantLook) {
	c.def(`<radialGradient id="spot"><stop offset="0" stop-color="#fff" stop-opacity="0.75"/><stop offset="1" stop-color="#fff" stop-opacity="0"/></radialGradient>`)
	c.add(`<circle cx="215" cy="225" r="175" fill="url(#spot)"/>`)
	c.add(`<circle cx="215" cy="225" r="130" fill="%s"/>`, look.accentBackground)
	c.art(item.art, 222, 236, 330, -12, 1)
}

// packageScene: the goods standing beside their package on a shelf.
func packageScene(c *canvas, item seedItem, variant int, look variantLook) {
	floor := "#000"
	if !look.lightBackground {
		floor = "#fff"
	}
	c.add(`<rect y="300" width="400" height="100" fill="%s" fill-opacity="0.08"/><rect y="300" width="400" height="2" fill="%s" fill-opacity="0.15"/>`, floor, floor)
	drawPackage(c, item, variant, look)
	switch variant {
	case variantFamily:
		c.shadow(300, 330, 95)
		for i, x := range []float64{240, 300, 360} {
			c.art(item.art, x, 282-float64(i%2)*8, 96, 0, 1)
		}
	default:
		c.shadow(292, 328, 80)
		c.art(item.art, 292, 255, 160, 0, 1)
	}
	if item.accent != "" {
		c.art(item.accent, 345, 150, 70, 0, 1)
	}
}

// drawPackage draws the box the goods come in, with their Chinese name and
// a small picture of them on its front.
func drawPackage(c *canvas, item seedItem, variant int, look variantLook) {
	const x, y, w, h, depth = 40.0, 120.0, 150.0, 195.0, 26.0
	c.shadow(x+w/2+10, y+h, 100)
	top := [][2]float64{{x, y}, {x + depth, y - depth}, {x + w + depth, y - depth}, {x + w, y}}
	side := [][2]float64{{x + w, y}, {x + w + depth, y - depth}, {x + w + depth, y + h - depth}, {x + w, y + h}}
	quad(c, top, look.box, 1)
	quad(c, top, "#fff", 0.3)
	quad(c, side, look.box, 1)
	quad(c, side, "#000", 0.3)
	c.add(`<rect x="%s" y="%s" width="%s" height="%s" fill="%s"/>`, num(x), num(y), num(w), num(h), look.box)
	switch variant {
	case variantGiftBox:
		// The ribbon runs between the picture and the name, tied on top.
		c.add(`<rect x="%s" y="%s" width="%s" height="12" fill="url(#gold)"/>`, num(x), num(y+97), num(w))
		bow(c, x+w/2+depth/2, y-depth/2, 0.7)
	case variantLimited:
		c.add(`<rect x="%s" y="%s" width="%s" height="%s" fill="none" stroke="#e2b84a" stroke-width="3"/>`, num(x+6), num(y+6), num(w-12), num(h-12))
	}
	c.art(item.art, x+w/2, y+52, 74, 0, 1)
	name := item.zh
	size := math.Min(26, (w-20)/float64(len([]rune(name))))
	c.text(x+w/2, y+145, size, look.boxText, "middle", name)
	c.text(x+w/2, y+175, 15, look.boxText, "middle", seedVariants[variant][0])
}

// quad fills the four-cornered shape p.
func quad(c *canvas, p [][2]float64, fill string, opacity float64) {
	c.add(`<path d="M%s %sL%s %sL%s %sL%s %sZ" fill="%s" fill-opacity="%s"/>`,
		num(p[0][0]), num(p[0][1]), num(p[1][0]), num(p[1][1]), num(p[2][0]), num(p[2][1]), num(p[3][0]), num(p[3][1]), fill, num(opacity))
}

// bow draws a gift ribbon's bow centred on (cx, cy).
func bow(c *canvas, cx, cy, scale float64) {
	c.add(`<g transform="translate(%s %s) scale(%s)" fill="url(#gold)" stroke="#b07a10" stroke-width="2">`+
		`<path d="M0 0C-30 -34 -62 -22 -52 2C-44 20 -16 12 0 0Z"/><path d="M0 0C30 -34 62 -22 52 2C44 20 16 12 0 0Z"/>`+
		`<path d="M-4 4L-22 40L-8 34L0 46L4 6Z"/><path d="M4 4L22 40L8 34L0 46L-4 6Z"/><circle r="11"/></g>`,
		num(cx), num(cy), num(scale))
}

// variantFrame draws what frames the whole picture: the gift box's bow
// where its ribbons cross, the limited edition's gold border.
func variantFrame(c *canvas, variant int) {
	switch variant {
	case variantGiftBox:
		bow(c, 335, 65, 1)
	case variantLimited:
		c.add(`<rect x="8" y="8" width="384" height="384" rx="14" fill="none" stroke="#e2b84a" stroke-width="4"/>`)
	}
}

// variantBadge names the variant in a pill at the top left and marks it at
// the top right: a plus for Plus, ×3 for the family pack, a gold star for
// the limited edition (the gift box has its bow).
func variantBadge(c *canvas, variant int, look variantLook) {
	name := seedVariants[variant][0]
	width := 30 + 22*float64(len([]rune(name)))
	c.add(`<rect x="18" y="18" width="%s" height="40" rx="20" fill="%s"/>`, num(width), look.pill)
	c.text(18+width/2, 46, 22, look.pillText, "middle", name)
	switch variant {
	case variantPlus:
		c.add(`<circle cx="350" cy="50" r="30" fill="#37d5ff"/><path d="M350 32V68M332 50H368" stroke="#0b1440" stroke-width="8" stroke-linecap="round"/>`)
	case variantFamily:
		c.add(`<circle cx="346" cy="54" r="36" fill="#f0701e" stroke="#fff" stroke-width="4"/>`)
		c.text(346, 66, 32, "#fff", "middle", "×3")
	case variantLimited:
		star(c, 345, 55, 40, "#e2b84a", "#fff3c4")
		c.text(345, 64, 17, "#1a1406", "middle", "限量")
	}
}

// categoryIcon draws a category's round icon.
func categoryIcon(cat seedCategory) ([]byte, error) {
	c := newCanvas(96, 96)
	c.def(`<radialGradient id="bg" cx="0.5" cy="0.4"><stop offset="0" stop-color="hsl(%d,70%%,97%%)"/><stop offset="1" stop-color="hsl(%d,55%%,80%%)"/></radialGradient>`,
		cat.hue, cat.hue)
	c.add(`<circle cx="48" cy="48" r="48" fill="url(#bg)"/>`)
	c.art(cat.art, 48, 50, 68, 0, 1)
	return c.bytes()
}

// bannerTheme colours a banner.
type bannerTheme struct{ from, via, to, ink string }

var bannerThemes = map[string]bannerTheme{
	"b1": {"#b3001b", "#e8262f", "#ff7a3d", "#fff3c4"},
	"b2": {"#0c1445", "#2c3fb8", "#7b2ff7", "#e8f0ff"},
	"b3": {"#0b3d6e", "#2f7fc1", "#8fd0f5", "#ffffff"},
	"b4": {"#1f4d3a", "#2f7a5a", "#9bd1a6", "#fffbe8"},
}

// bannerPicture draws a wide banner: the Chinese headline with its English
// subline on the left, the goods on a stage on the right, and the
// decoration of the season.
func bannerPicture(b seedBanner) ([]byte, error) {
	theme := bannerThemes[b.id]
	c := newCanvas(1200, 400)
	c.def(`<linearGradient id="bg" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="%s"/><stop offset="0.55" stop-color="%s"/><stop offset="1" stop-color="%s"/></linearGradient>`,
		theme.from, theme.via, theme.to)
	c.def(`<radialGradient id="glow"><stop offset="0" stop-color="#fff" stop-opacity="0.55"/><stop offset="1" stop-color="#fff" stop-opacity="0"/></radialGradient>`)
	c.add(`<rect width="1200" height="400" fill="url(#bg)"/>`)
	bannerDecoration(c, b.id)
	c.add(`<circle cx="900" cy="230" r="260" fill="url(#glow)"/>`)
	c.add(`<ellipse cx="900" cy="345" rx="300" ry="42" fill="#fff" fill-opacity="0.25"/><ellipse cx="900" cy="338" rx="270" ry="32" fill="#fff" fill-opacity="0.3"/>`)
	// The first of the goods stands in the middle, in front.
	for _, spot := range []struct {
		art        int
		x, y, size float64
	}{{1, 720, 250, 190}, {2, 1075, 250, 190}, {0, 900, 215, 250}} {
		c.shadow(spot.x, 335, spot.size*0.42)
		c.art(b.arts[spot.art], spot.x, spot.y, spot.size, 0, 1)
	}
	// The headline stays in the upper part: the storefront lays the
	// banner's title over its bottom left.
	c.add(`<g fill-opacity="0.25">`)
	c.text(76, 176, 104, "#000", "start", b.zh)
	c.add(`</g>`)
	c.text(70, 170, 104, theme.ink, "start", b.zh)
	c.add(`<text x="74" y="228" font-family="%s" font-size="34" fill="%s" fill-opacity="0.9" letter-spacing="2">%s</text>`,
		pictureFont, theme.ink, html.EscapeString(b.en))
	return c.bytes()
}

// bannerDecoration draws a banner's season: lanterns and confetti for the
// tea festival, a circuit grid for gadgets, snow for winter, and leaves of
// paper for books.
func bannerDecoration(c *canvas, id string) {
	switch id {
	case "b1":
		for i, x := range []float64{560, 1150} {
			c.add(`<rect x="%s" y="0" width="3" height="%d" fill="#ffd66b"/>`, num(x-1.5), 30+i*20)
			c.art("1f3ee", x, 80+float64(i)*20, 110, 0, 1)
		}
		for i := range 14 {
			c.add(`<circle cx="%d" cy="%d" r="%d" fill="#ffd66b" fill-opacity="0.5"/>`, 40+i*83%1150, 30+i*57%340, 3+i%4)
		}
	case "b2":
		for x := 0; x <= 1200; x += 60 {
			c.add(`<path d="M%d 0V400" stroke="#fff" stroke-opacity="0.06"/>`, x)
		}
		for y := 0; y <= 400; y += 60 {
			c.add(`<path d="M0 %dH1200" stroke="#fff" stroke-opacity="0.06"/>`, y)
		}
		c.art("2728", 590, 90, 90, 0, 1)
	case "b3":
		c.add(`<path d="M0 330Q300 260 600 320T1200 300V400H0Z" fill="#fff" fill-opacity="0.9"/>`)
		for i, s := range [][3]float64{{540, 70, 70}, {640, 180, 44}, {1150, 60, 60}, {470, 300, 36}} {
			c.art("2744", s[0], s[1], s[2], float64(i*15), 0.85)
		}
	case "b4":
		for i := range 9 {
			c.add(`<rect x="%d" y="%d" width="46" height="60" rx="4" fill="#fff" fill-opacity="0.08" transform="rotate(%d %d %d)"/>`,
				520+i*73%640, 20+i*97%300, -20+i*9, 543+i*73%640, 50+i*97%300)
		}
	}
}
