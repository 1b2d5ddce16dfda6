package review

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"hash/fnv"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"

	reviewv1 "mall/gen/mall/review/v1"
	"mall/services/platform/ratelimit"
	"mall/services/platform/rpcerr"
	"mall/services/platform/testenv"
)

// testPNG is a width x height PNG whose pixels are drawn from seed, so
// two seeds make two different files.
func testPNG(t testing.TB, width, height int, seed string) []byte {
	t.Helper()
	h := fnv.New32a()
	h.Write([]byte(seed))
	base := h.Sum32()
	img := image.NewNRGBA(image.Rect(0, 0, width, height))
	for y := range height {
		for x := range width {
			v := base + uint32(x*31+y*17)
			img.Set(x, y, color.NRGBA{R: uint8(v), G: uint8(v >> 8), B: uint8(v >> 16), A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// testJPEG is a width x height JPEG.
func testJPEG(t testing.TB, width, height int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	for y := range height {
		for x := range width {
			img.Set(x, y, color.RGBA{R: uint8(x * 7), G: uint8(y * 5), B: 90, A: 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Three 1 x 1 WebP files, one of each kind (the ones browsers are
// commonly probed with): lossy (VP8), lossless (VP8L), and extended with
// alpha (VP8X).
var testWebPs = map[string]string{
	"lossy":    "UklGRiIAAABXRUJQVlA4IBYAAAAwAQCdASoBAAEADsD+JaQAA3AAAAAA",
	"lossless": "UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==",
	"extended": "UklGRkoAAABXRUJQVlA4WAoAAAAQAAAAAAAAAAAAQUxQSAwAAAARBxAR/Q9ERP8DAABWUDggGAAAABQBAJ0BKgEAAQAAAP4AAA3AAP7mtQAAAA==",
}

func testWebP(t testing.TB, kind string) []byte {
	t.Helper()
	data, err := base64.StdEncoding.DecodeString(testWebPs[kind])
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// get fetches a picture's address from the fixture's server.
func (f *fixture) get(t *testing.T, method, path string, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, f.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
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

// Every kind of picture the service takes is stored as uploaded, with the
// type and size read from its content, and served byte for byte with
// headers that let a browser show it and nothing else.
func TestPicturesAreStoredAndServedAsUploaded(t *testing.T) {
	f := newFixture(t)
	for _, name := range protocols {
		client := f.clients[name]
		t.Run(name, func(t *testing.T) {
			_, token := f.user(t, "晒图")
			for _, c := range []struct {
				name          string
				data          []byte
				contentType   string
				width, height int32
			}{
				{"png", testPNG(t, 64, 48, name), "image/png", 64, 48},
				{"jpeg", testJPEG(t, 33, 17), "image/jpeg", 33, 17},
				{"the widest png", testPNG(t, MaxImageSide, 1, name), "image/png", MaxImageSide, 1},
				{"webp lossy", testWebP(t, "lossy"), "image/webp", 1, 1},
				{"webp lossless", testWebP(t, "lossless"), "image/webp", 1, 1},
				{"webp with alpha", testWebP(t, "extended"), "image/webp", 1, 1},
			} {
				img := f.upload(t, client, token, c.data)
				if !uploads.IsID(img.GetImageId()) || img.GetUrl() != "/review-img/"+img.GetImageId() ||
					img.GetContentType() != c.contentType || img.GetWidth() != c.width || img.GetHeight() != c.height ||
					img.GetSizeBytes() != int64(len(c.data)) || img.GetCreatedAt() == nil {
					t.Fatalf("%s: uploaded %v", c.name, img)
				}
				res, body := f.get(t, http.MethodGet, img.GetUrl(), nil)
				h := res.Header
				if res.StatusCode != http.StatusOK || !bytes.Equal(body, c.data) || h.Get("Content-Type") != c.contentType ||
					h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Content-Security-Policy") != "default-src 'none'; sandbox" ||
					h.Get("Cache-Control") != "public, max-age=31536000, immutable" || h.Get("ETag") == "" {
					t.Fatalf("%s: served %d %v (%d bytes, same: %v)", c.name, res.StatusCode, h, len(body), bytes.Equal(body, c.data))
				}
				// A browser that has it asks again with its ETag: not modified.
				again, _ := f.get(t, http.MethodGet, img.GetUrl(), http.Header{"If-None-Match": {h.Get("ETag")}})
				if again.StatusCode != http.StatusNotModified {
					t.Fatalf("%s: revalidation %d", c.name, again.StatusCode)
				}
				head, body := f.get(t, http.MethodHead, img.GetUrl(), nil)
				if head.StatusCode != http.StatusOK || len(body) != 0 || head.ContentLength != int64(len(c.data)) {
					t.Fatalf("%s: HEAD %d %d", c.name, head.StatusCode, head.ContentLength)
				}
				// The same bytes again (a retried upload) are the same picture.
				if same := f.upload(t, client, token, c.data); same.GetImageId() != img.GetImageId() {
					t.Fatalf("%s: a second upload made %s besides %s", c.name, same.GetImageId(), img.GetImageId())
				}
			}
			// Another shopper's copy of the same bytes is a picture of their own.
			_, other := f.user(t, "另一位")
			mine := f.upload(t, client, token, testJPEG(t, 33, 17))
			if theirs := f.upload(t, client, other, testJPEG(t, 33, 17)); theirs.GetImageId() == mine.GetImageId() {
				t.Fatal("two shoppers share one picture")
			}
		})
	}
	// Addresses that name no picture, in any spelling, and other methods.
	_, someone := f.user(t, "某人")
	known := f.upload(t, f.clients["grpc"], someone, testPNG(t, 2, 2, "known")).GetImageId()
	for _, path := range []string{"/review-img/" + uploads.NewID(), "/review-img/" + strings.ToUpper(known), "/review-img/" + known + "x",
		"/review-img/" + known + "/", "/review-img/", "/review-img/../img/x.svg", "/review-img/ri-%00"} {
		if res, _ := f.get(t, http.MethodGet, path, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, res.StatusCode)
		}
	}
	if res, _ := f.get(t, http.MethodPost, "/review-img/"+known, nil); res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d, want 405", res.StatusCode)
	}
}

// What is not a whole JPEG, PNG or WebP of at most 4096 x 4096 pixels is
// refused with a reason, whatever it is named or claims, and nothing is
// stored.
func TestUploadsThatAreNotPicturesAreRefused(t *testing.T) {
	f := newFixture(t, unpaced)
	ctx := context.Background()
	_, token := f.user(t, "攻击者")
	picture := testPNG(t, 16, 16, "base")
	idat := bytes.Index(picture, []byte("IDAT"))
	iend := picture[len(picture)-12:]
	// A PNG cut inside its pixel data that still ends with a proper IEND
	// chunk: its header is fine, only decoding it tells.
	cutInside := append(bytes.Clone(picture[:idat+12]), iend...)
	wideWebP := testWebP(t, "extended")
	binary.LittleEndian.PutUint32(wideWebP[24:28], uint32(4999)|binary.LittleEndian.Uint32(wideWebP[24:28])&0xff000000) // canvas width - 1, 24 bits
	badRIFF := testWebP(t, "lossy")
	binary.LittleEndian.PutUint32(badRIFF[4:8], 1000)
	for _, c := range []struct {
		name   string
		data   []byte
		reason string
	}{
		{"an HTML page", []byte("<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"), ReasonImageType},
		{"an SVG with a script", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), ReasonImageType},
		{"an SVG with an XML prolog", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>`), ReasonImageType},
		{"HTML after a byte order mark", append([]byte("\xef\xbb\xbf"), "<html><body onload=alert(1)>"...), ReasonImageType},
		{"a GIF", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), ReasonImageType},
		{"a PDF", []byte("%PDF-1.7\n%âãÏÓ\n"), ReasonImageType},
		{"PNG's signature and then HTML", append([]byte("\x89PNG\r\n\x1a\n"), "<html><script>alert(1)</script>"...), ReasonImageInvalid},
		{"a PNG with HTML appended", append(bytes.Clone(picture), "<html><script>alert(1)</script></html>"...), ReasonImageInvalid},
		{"a JPEG with a ZIP appended", append(testJPEG(t, 8, 8), "PK\x03\x04 payload"...), ReasonImageInvalid},
		{"a PNG cut short", picture[:len(picture)/2], ReasonImageInvalid},
		{"a PNG cut inside its pixels", cutInside, ReasonImageInvalid},
		{"a JPEG cut short", testJPEG(t, 64, 64)[:200], ReasonImageInvalid},
		{"a WebP whose size lies", badRIFF, ReasonImageInvalid},
		{"a PNG one pixel too wide", testPNG(t, MaxImageSide+1, 1, "wide"), ReasonImageDimensions},
		{"a JPEG one pixel too tall", testJPEG(t, 1, MaxImageSide+1), ReasonImageDimensions},
		{"a WebP 5000 pixels wide", wideWebP, ReasonImageDimensions},
	} {
		for _, name := range protocols {
			_, err := f.clients[name].UploadReviewImage(ctx, testenv.Bearer(token, &reviewv1.UploadReviewImageRequest{Data: c.data}))
			testenv.WantCode(t, err, connect.CodeInvalidArgument, c.reason)
			if c.reason == ReasonImageDimensions && rpcerr.Metadata(err)["limit"] != fmt.Sprint(MaxImageSide) {
				t.Errorf("%s: metadata %v", c.name, rpcerr.Metadata(err))
			}
		}
	}
	// Too big: past the contract's 700 KiB, and past the server's 1 MiB
	// body limit (refused before it is read).
	_, err := f.clients["grpc"].UploadReviewImage(ctx, testenv.Bearer(token, &reviewv1.UploadReviewImageRequest{Data: make([]byte, 700<<10+1)}))
	testenv.WantCode(t, err, connect.CodeInvalidArgument, "")
	_, err = f.clients["connect-json"].UploadReviewImage(ctx, testenv.Bearer(token, &reviewv1.UploadReviewImageRequest{Data: make([]byte, 800<<10)}))
	testenv.WantCode(t, err, connect.CodeResourceExhausted, "REQUEST_TOO_LARGE")
	// The largest picture still fits as JSON, where bytes travel as base64.
	large := append(bytes.Clone(picture[:len(picture)-12]), make([]byte, 0, 700<<10)...)
	large = appendPNGChunk(large, "tEXt", make([]byte, 700<<10-len(large)-12-12))
	large = append(large, iend...)
	if len(large) != 700<<10 {
		t.Fatalf("the large picture is %d bytes", len(large))
	}
	if img := f.upload(t, f.clients["connect-json"], token, large); img.GetSizeBytes() != 700<<10 {
		t.Fatalf("the largest picture: %v", img)
	}
	// Without a token, nothing.
	_, err = f.clients["grpc"].UploadReviewImage(ctx, testenv.Bearer("", &reviewv1.UploadReviewImageRequest{Data: picture}))
	testenv.WantCode(t, err, connect.CodeUnauthenticated, "")
	if n, err := f.db.NewSelect().Model((*imageRow)(nil)).Count(ctx); err != nil || n != 1 {
		t.Fatalf("%d pictures stored (%v), want the large one only", n, err)
	}
}

// unpaced lifts the upload pace, for tests of what else refuses uploads.
func unpaced(o *Options) { o.UploadLimit = ratelimit.Limit{Burst: 1000, Period: time.Minute} }

// One shopper's new uploads are paced, refused ones included (each costs
// a decode); a retried upload is not a new one; another shopper has a
// pace of their own.
func TestUploadsArePacedPerShopper(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.UploadLimit = ratelimit.Limit{Burst: 3, Period: time.Hour} })
	ctx := context.Background()
	client := f.clients["connect-json"]
	_, token := f.user(t, "快手")
	first := f.upload(t, client, token, testPNG(t, 4, 4, "pace-1"))
	_, err := client.UploadReviewImage(ctx, testenv.Bearer(token, &reviewv1.UploadReviewImageRequest{Data: []byte("<svg/>")}))
	testenv.WantCode(t, err, connect.CodeInvalidArgument, ReasonImageType)
	f.upload(t, client, token, testPNG(t, 4, 4, "pace-2"))
	_, err = client.UploadReviewImage(ctx, testenv.Bearer(token, &reviewv1.UploadReviewImageRequest{Data: testPNG(t, 4, 4, "pace-3")}))
	testenv.WantCode(t, err, connect.CodeResourceExhausted, "RATE_LIMITED")
	if again := f.upload(t, client, token, testPNG(t, 4, 4, "pace-1")); again.GetImageId() != first.GetImageId() {
		t.Fatalf("a retried upload: %v", again)
	}
	_, other := f.user(t, "慢手")
	f.upload(t, client, other, testPNG(t, 4, 4, "pace-3"))
}

// appendPNGChunk appends a chunk (with its CRC) to a PNG without its IEND.
func appendPNGChunk(data []byte, kind string, payload []byte) []byte {
	var head [8]byte
	binary.BigEndian.PutUint32(head[:4], uint32(len(payload)))
	copy(head[4:], kind)
	data = append(data, head[:]...)
	data = append(data, payload...)
	crc := crc32.ChecksumIEEE(append([]byte(kind), payload...))
	return binary.BigEndian.AppendUint32(data, crc)
}

// A review takes only its author's unused pictures, each once: another
// user's or an unknown one is not found, a used one is in use, however
// many reviews reach for it at once; nothing is stored when one is refused.
func TestPicturesBelongToTheirUploaderAndOneReview(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	client := f.clients["connect-json"]
	alice, aliceToken := f.user(t, "爱丽丝")
	_, bobToken, bobOrder := f.buyer(t, "p-pic")
	products := make([]string, 21)
	for i := range products {
		products[i] = fmt.Sprintf("p-pic-%d", i)
	}
	aliceOrder := f.order(t, alice, statusDelivered, products...)
	mine := f.upload(t, client, aliceToken, testPNG(t, 12, 12, "alice-1"))
	review := func(token, orderID, productID string, ids ...string) (*reviewv1.Review, error) {
		res, err := client.CreateReview(ctx, testenv.Bearer(token, &reviewv1.CreateReviewRequest{OrderId: orderID, ProductId: productID, Rating: 5, ImageIds: ids}))
		if err != nil {
			return nil, err
		}
		return res.Msg.GetReview(), nil
	}

	// Bob cannot show Alice's picture, nor one that does not exist.
	_, err := review(bobToken, bobOrder, "p-pic", mine.GetImageId())
	testenv.WantCode(t, err, connect.CodeNotFound, ReasonImageNotFound)
	_, err = review(bobToken, bobOrder, "p-pic", uploads.NewID())
	testenv.WantCode(t, err, connect.CodeNotFound, ReasonImageNotFound)
	// One of his own beside one of hers: nothing of the review is stored.
	his := f.upload(t, client, bobToken, testPNG(t, 12, 12, "bob-1"))
	_, err = review(bobToken, bobOrder, "p-pic", his.GetImageId(), mine.GetImageId())
	testenv.WantCode(t, err, connect.CodeNotFound, ReasonImageNotFound)
	if n := f.countRows(t, "1 = 1"); n != 0 {
		t.Fatalf("%d reviews stored by refused calls", n)
	}
	// His picture is still his to use.
	if r, err := review(bobToken, bobOrder, "p-pic", his.GetImageId()); err != nil || len(r.GetImageUrls()) != 1 || r.GetImageUrls()[0] != his.GetUrl() {
		t.Fatalf("bob's review %v %v", r, err)
	}

	// Twenty of Alice's reviews reach for one picture at once: one gets it.
	shared := f.upload(t, client, aliceToken, testPNG(t, 12, 12, "alice-shared"))
	var wg sync.WaitGroup
	var mu sync.Mutex
	got, inUse := 0, 0
	for i := range 20 {
		wg.Go(func() {
			_, err := review(aliceToken, aliceOrder, products[i], shared.GetImageId())
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				got++
			case rpcerr.Reason(err) == ReasonImageInUse:
				inUse++
			default:
				t.Errorf("review %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if got != 1 || inUse != 19 || f.countRows(t, "user_id = ?", alice) != 1 {
		t.Fatalf("%d reviews got the picture, %d were refused, %d stored", got, inUse, f.countRows(t, "user_id = ?", alice))
	}
	// A line already reviewed keeps its review, and the picture offered
	// with the second one stays unused.
	var reviewed string
	for _, p := range products[:20] {
		if f.countRows(t, "order_id = ? AND product_id = ?", aliceOrder, p) == 1 {
			reviewed = p
		}
	}
	_, err = review(aliceToken, aliceOrder, reviewed, mine.GetImageId())
	testenv.WantCode(t, err, connect.CodeAlreadyExists, ReasonAlreadyReviewed)
	r, err := review(aliceToken, aliceOrder, products[20], mine.GetImageId())
	if err != nil || len(r.GetImageUrls()) != 1 || r.GetImageUrls()[0] != mine.GetUrl() {
		t.Fatalf("the picture after a refused review: %v %v", r, err)
	}

	// The product's reviews with pictures show them.
	list, err := client.ListReviews(ctx, connect.NewRequest(&reviewv1.ListReviewsRequest{ProductId: products[20], Filter: reviewv1.ReviewFilter_REVIEW_FILTER_WITH_IMAGES}))
	if err != nil || len(list.Msg.GetReviews()) != 1 || list.Msg.GetReviews()[0].GetImageUrls()[0] != mine.GetUrl() {
		t.Fatalf("with pictures: %v %v", list, err)
	}
	if s := f.summary(t, client, products[20]); s.GetWithImagesCount() != 1 {
		t.Fatalf("summary %v", s)
	}
}

// One shopper holds at most the quota of unused pictures, also when
// uploads arrive all at once; using one frees its place; unused ones
// expire (the uploader's on their next upload, anyone's in batches), used
// ones never.
func TestUnusedPicturesAreCappedAndExpire(t *testing.T) {
	const quota = 3
	f := newFixture(t, unpaced, func(o *Options) { o.ImageQuota, o.ImageTTL = quota, time.Hour })
	ctx := context.Background()
	client := f.clients["grpc"]
	unused := func(userID string) int {
		t.Helper()
		// Every stored row, expired or not: expiry must have deleted them.
		n, err := f.db.NewSelect().Model((*imageRow)(nil)).Where("user_id = ?", userID).Where("review_id IS NULL").Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	// Fifty different pictures at once: the quota's worth are stored.
	carol, carolToken := f.user(t, "卡罗尔")
	var wg sync.WaitGroup
	var mu sync.Mutex
	stored, refused := 0, 0
	for i := range 50 {
		wg.Go(func() {
			_, err := client.UploadReviewImage(ctx, testenv.Bearer(carolToken, &reviewv1.UploadReviewImageRequest{Data: testPNG(t, 4, 4, fmt.Sprint("burst-", i))}))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				stored++
			case connect.CodeOf(err) == connect.CodeResourceExhausted && rpcerr.Reason(err) == ReasonImageQuota:
				if md := rpcerr.Metadata(err); md["limit"] != fmt.Sprint(quota) || md["current"] != fmt.Sprint(quota) {
					t.Errorf("quota metadata %v", md)
				}
				refused++
			default:
				t.Errorf("upload %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if stored != quota || refused != 50-quota || unused(carol) != quota {
		t.Fatalf("stored %d, refused %d, holding %d", stored, refused, unused(carol))
	}
	// Another shopper has a quota of their own.
	dave, daveToken := f.user(t, "戴夫")
	first := f.upload(t, client, daveToken, testPNG(t, 4, 4, "dave-1"))
	// Using a picture frees its place.
	for i := 2; i <= quota; i++ {
		f.upload(t, client, daveToken, testPNG(t, 4, 4, fmt.Sprint("dave-", i)))
	}
	_, err := client.UploadReviewImage(ctx, testenv.Bearer(daveToken, &reviewv1.UploadReviewImageRequest{Data: testPNG(t, 4, 4, "dave-extra")}))
	testenv.WantCode(t, err, connect.CodeResourceExhausted, ReasonImageQuota)
	// At the quota, a retried upload is still answered with its picture.
	if again := f.upload(t, client, daveToken, testPNG(t, 4, 4, "dave-1")); again.GetImageId() != first.GetImageId() {
		t.Fatalf("a retry at the quota: %v", again)
	}
	order := f.order(t, dave, statusDelivered, "p-quota")
	f.create(t, client, daveToken, order, "p-quota", 5) // without pictures: nothing freed
	_, err = client.UploadReviewImage(ctx, testenv.Bearer(daveToken, &reviewv1.UploadReviewImageRequest{Data: testPNG(t, 4, 4, "dave-extra")}))
	testenv.WantCode(t, err, connect.CodeResourceExhausted, ReasonImageQuota)
	second := f.order(t, dave, statusDelivered, "p-quota-2")
	if _, err := client.CreateReview(ctx, testenv.Bearer(daveToken, &reviewv1.CreateReviewRequest{OrderId: second, ProductId: "p-quota-2", Rating: 4,
		ImageIds: []string{first.GetImageId()}})); err != nil {
		t.Fatal(err)
	}
	f.upload(t, client, daveToken, testPNG(t, 4, 4, "dave-extra"))

	// A day later: Dave's next upload deletes his expired unused pictures,
	// and a batch of anyone's (Carol's); the used one stays, and is served.
	f.clock.advance(2 * time.Hour)
	f.upload(t, client, daveToken, testPNG(t, 4, 4, "dave-later"))
	if unused(dave) != 1 || unused(carol) != 0 {
		t.Fatalf("after expiry: dave holds %d unused, carol %d", unused(dave), unused(carol))
	}
	if res, body := f.get(t, http.MethodGet, first.GetUrl(), nil); res.StatusCode != http.StatusOK || len(body) == 0 {
		t.Fatalf("the used picture after expiry: %d", res.StatusCode)
	}
	var gone []imageRow
	if err := f.db.NewSelect().Model(&gone).Column("id").Where("user_id = ?", dave).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	if len(gone) != 2 { // the used one and the new one
		t.Fatalf("dave keeps %d pictures", len(gone))
	}
}
