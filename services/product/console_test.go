package product

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	productv1 "mall/gen/mall/product/v1"
	"mall/services/platform/rpcerr"
	"mall/services/platform/testenv"
)

// The operator console's catalog RPCs, as an admin and as an attacker.

func (f *fixture) createCategory(t *testing.T, parent, name string) string {
	t.Helper()
	res, err := f.clients["grpc"].CreateCategory(context.Background(), testenv.Bearer(f.admin, &productv1.CreateCategoryRequest{ParentId: parent, Name: name}))
	if err != nil {
		t.Fatal(err)
	}
	return res.Msg.GetCategory().GetCategoryId()
}

func (f *fixture) moveCategory(parent, id, name string) error {
	_, err := f.clients["grpc"].UpdateCategory(context.Background(), testenv.Bearer(f.admin, &productv1.UpdateCategoryRequest{CategoryId: id, ParentId: parent, Name: name}))
	return err
}

// parentsOf is the public category tree as child -> parent.
func (f *fixture) parentsOf(t *testing.T) map[string]string {
	t.Helper()
	res, err := f.clients["grpc"].ListCategories(context.Background(), connect.NewRequest(&productv1.ListCategoriesRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, c := range res.Msg.GetCategories() {
		out[c.GetCategoryId()] = c.GetParentId()
	}
	return out
}

func TestCategoriesMoveWithinTheTreeAndNeverUnderThemselves(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a := f.createCategory(t, "", "甲 A")
	b := f.createCategory(t, a, "乙 B")
	c := f.createCategory(t, b, "丙 C")
	f.parentsOf(t) // the public tree is cached from here on

	for _, move := range []struct{ id, parent string }{{a, a}, {a, b}, {a, c}, {b, c}} {
		testenv.WantCode(t, f.moveCategory(move.parent, move.id, "x"), connect.CodeFailedPrecondition, ReasonCategoryCycle)
	}
	testenv.WantCode(t, f.moveCategory("c-nope", b, "x"), connect.CodeNotFound, ReasonCategoryNotFound)
	testenv.WantCode(t, f.moveCategory("", "c-nope", "x"), connect.CodeNotFound, ReasonCategoryNotFound)
	if parents := f.parentsOf(t); parents[a] != "" || parents[b] != a || parents[c] != b {
		t.Fatalf("refused moves changed the tree: %v", parents)
	}

	// C to the root and renamed, B under the demo category c01: the
	// storefront's tree shows both at once.
	if err := f.moveCategory("", c, "丙 C renamed"); err != nil {
		t.Fatal(err)
	}
	if err := f.moveCategory("c01", b, "乙 B"); err != nil {
		t.Fatal(err)
	}
	if parents := f.parentsOf(t); parents[c] != "" || parents[b] != "c01" {
		t.Fatalf("after the moves: %v", parents)
	}
	if got := f.audit.last(t, "UpdateCategory"); got.Target != "category "+b || !strings.Contains(got.Before, `"parent_id":"`+a) || !strings.Contains(got.After, `"parent_id":"c01"`) {
		t.Fatalf("audit %+v", got)
	}

	// The console lists empty categories too, with their counts.
	res, err := f.clients["connect-json"].AdminListCategories(ctx, testenv.Bearer(f.admin, &productv1.AdminListCategoriesRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int64{}
	var order []string
	for _, ac := range res.Msg.GetCategories() {
		counts[ac.GetCategory().GetCategoryId()] = ac.GetProductCount()
		order = append(order, ac.GetCategory().GetCategoryId())
	}
	if n, ok := counts[a]; !ok || n != 0 || counts["c01"] != 25 {
		t.Fatalf("counts %v", counts)
	}
	if slices.Index(order, "c01") > slices.Index(order, b) {
		t.Fatalf("a child before its parent: %v", order)
	}
}

// Two operators moving two categories under each other at once: one of
// them wins, the other is refused, and the tree never loops.
func TestConcurrentCrossMovesNeverMakeACycle(t *testing.T) {
	f := newFixture(t)
	for round := range 10 {
		x := f.createCategory(t, "", fmt.Sprintf("X%d", round))
		y := f.createCategory(t, "", fmt.Sprintf("Y%d", round))
		var wg sync.WaitGroup
		errs := make([]error, 2)
		wg.Go(func() { errs[0] = f.moveCategory(y, x, "X") })
		wg.Go(func() { errs[1] = f.moveCategory(x, y, "Y") })
		wg.Wait()
		refused := 0
		for _, err := range errs {
			if err != nil {
				testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonCategoryCycle)
				refused++
			}
		}
		if parents := f.parentsOf(t); refused != 1 || (parents[x] == y && parents[y] == x) {
			t.Fatalf("round %d: %d refused, parents %s->%s %s->%s", round, refused, x, parents[x], y, parents[y])
		}
	}
}

func spec(category, title string, status productv1.ProductStatus) *productv1.ProductSpec {
	return &productv1.ProductSpec{CategoryId: category, Title: title, ImageUrls: []string{"/img/x.svg"}, PriceCents: 990, Status: status}
}

// A product the console creates is on the storefront at once (listings and
// detail are cached); taken off sale it leaves the listings at once but
// stays in the console's list.
func TestConsoleProductsReachTheStorefrontAtOnceAndListWithFilters(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	client := f.clients["grpc"]
	listed := func() map[string]bool {
		return uniqueIDs(listAll(t, f, &productv1.ListProductsRequest{CategoryId: "c02", PageSize: 100}, nil))
	}
	listed() // warm the listing's sorted set

	created, err := client.CreateProduct(ctx, testenv.Bearer(f.admin, &productv1.CreateProductRequest{Product: spec("c02", "控制台新品 Console Novelty", productv1.ProductStatus_PRODUCT_STATUS_ON_SALE), InitialStock: 5}))
	if err != nil {
		t.Fatal(err)
	}
	id := created.Msg.GetProduct().GetProductId()
	if !listed()[id] {
		t.Fatal("the new product is not listed at once")
	}
	if got := f.audit.last(t, "CreateProduct"); got.Target != "product "+id || !strings.Contains(got.After, "Console Novelty") {
		t.Fatalf("audit %+v", got)
	}
	if _, err := client.UpdateProduct(ctx, testenv.Bearer(f.admin, &productv1.UpdateProductRequest{ProductId: id, Product: spec("c02", "控制台新品 Console Novelty", productv1.ProductStatus_PRODUCT_STATUS_OFF_SHELF)})); err != nil {
		t.Fatal(err)
	}
	if listed()[id] {
		t.Fatal("an off-shelf product is still listed")
	}
	if got := f.audit.last(t, "UpdateProduct"); !strings.Contains(got.Before, "PRODUCT_STATUS_ON_SALE") || !strings.Contains(got.After, "PRODUCT_STATUS_OFF_SHELF") {
		t.Fatalf("audit %+v", got)
	}
	_, err = client.UpdateProduct(ctx, testenv.Bearer(f.admin, &productv1.UpdateProductRequest{ProductId: "p-nope", Product: spec("c02", "x", productv1.ProductStatus_PRODUCT_STATUS_ON_SALE)}))
	testenv.WantCode(t, err, connect.CodeNotFound, ReasonProductNotFound)

	adminList := func(req *productv1.AdminListProductsRequest) []*productv1.AdminProduct {
		t.Helper()
		var out []*productv1.AdminProduct
		for page := 0; ; page++ {
			res, err := client.AdminListProducts(ctx, testenv.Bearer(f.admin, req))
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, res.Msg.GetProducts()...)
			if res.Msg.GetNextPageToken() == "" || page > 100 {
				return out
			}
			req.PageToken = res.Msg.GetNextPageToken()
		}
	}
	off := adminList(&productv1.AdminListProductsRequest{Status: productv1.ProductStatus_PRODUCT_STATUS_OFF_SHELF})
	if len(off) != 1 || off[0].GetProduct().GetProductId() != id || off[0].GetProduct().GetStock() != 5 {
		t.Fatalf("off shelf: %v", off)
	}
	if got := adminList(&productv1.AdminListProductsRequest{Query: "novelty"}); len(got) != 1 {
		t.Fatalf("by text: %v", got)
	}
	if got := adminList(&productv1.AdminListProductsRequest{Query: id}); len(got) != 1 {
		t.Fatalf("by id: %v", got)
	}
	// Pages of 7 through a category: every product once, newest first.
	all := adminList(&productv1.AdminListProductsRequest{CategoryId: "c02", PageSize: 7})
	ids := map[string]bool{}
	for i, p := range all {
		ids[p.GetProduct().GetProductId()] = true
		if i > 0 && p.GetProduct().GetCreatedAt().AsTime().After(all[i-1].GetProduct().GetCreatedAt().AsTime()) {
			t.Fatalf("not newest first at %d", i)
		}
	}
	if len(all) != 26 || len(ids) != 26 || all[0].GetProduct().GetProductId() != id {
		t.Fatalf("%d products, %d unique", len(all), len(ids))
	}
	first, err := client.AdminListProducts(ctx, testenv.Bearer(f.admin, &productv1.AdminListProductsRequest{CategoryId: "c02", PageSize: 7}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.AdminListProducts(ctx, testenv.Bearer(f.admin, &productv1.AdminListProductsRequest{CategoryId: "c03", PageSize: 7, PageToken: first.Msg.GetNextPageToken()}))
	testenv.WantCode(t, err, connect.CodeInvalidArgument, ReasonBadPageToken)
}

// testPNG is a width x height PNG of a gradient.
func testPNG(t *testing.T, width, height int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, width, height))
	for y := range height {
		for x := range width {
			img.Set(x, y, color.NRGBA{R: uint8(x * 7), G: uint8(y * 5), B: 90, A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// claimSize rewrites a PNG's header to claim width x height (with a valid
// checksum): a few hundred bytes that would decode to gigabytes.
func claimSize(data []byte, width, height uint32) []byte {
	out := bytes.Clone(data)
	ihdr := out[12:29] // type and 13 bytes of data
	binary.BigEndian.PutUint32(ihdr[4:8], width)
	binary.BigEndian.PutUint32(ihdr[8:12], height)
	binary.BigEndian.PutUint32(out[29:33], crc32.ChecksumIEEE(ihdr))
	return out
}

func (f *fixture) fetch(t *testing.T, path string) (*http.Response, []byte) {
	t.Helper()
	res, err := http.Get(f.url + path)
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

func TestUploadedPicturesAreCheckedStoredAndServedForGood(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	client := f.clients["connect-json"]
	webp, err := pictureFiles.ReadFile("pictures/1f375.webp")
	if err != nil {
		t.Fatal(err)
	}

	uploaded, err := client.UploadProductImage(ctx, testenv.Bearer(f.admin, &productv1.UploadProductImageRequest{Data: webp}))
	if err != nil {
		t.Fatal(err)
	}
	img := uploaded.Msg.GetImage()
	if !uploads.IsID(img.GetImageId()) || img.GetUrl() != UploadedImagePath+img.GetImageId() || img.GetContentType() != "image/webp" || img.GetWidth() != 256 || img.GetSizeBytes() != int64(len(webp)) {
		t.Fatalf("uploaded %v", img)
	}
	res, body := f.fetch(t, img.GetUrl())
	if res.StatusCode != 200 || !bytes.Equal(body, webp) || res.Header.Get("Content-Type") != "image/webp" ||
		res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("served %d %v", res.StatusCode, res.Header)
	}
	for _, path := range []string{UploadedImagePath + "pi-nope", UploadedImagePath + strings.ToUpper(img.GetImageId()), UploadedImagePath + "../img/x.svg"} {
		if res, _ := f.fetch(t, path); res.StatusCode != 404 {
			t.Fatalf("%s: %d", path, res.StatusCode)
		}
	}
	again, err := client.UploadProductImage(ctx, testenv.Bearer(f.admin, &productv1.UploadProductImageRequest{Data: webp}))
	if err != nil || again.Msg.GetImage().GetImageId() != img.GetImageId() {
		t.Fatalf("the same bytes again: %v %v", again, err)
	}

	// A product shows the picture on its page.
	created, err := client.CreateProduct(ctx, testenv.Bearer(f.admin, &productv1.CreateProductRequest{Product: &productv1.ProductSpec{
		CategoryId: "c01", Title: "带图 Pictured", ImageUrls: []string{img.GetUrl()}, PriceCents: 100, Status: productv1.ProductStatus_PRODUCT_STATUS_ON_SALE}}))
	if err != nil {
		t.Fatal(err)
	}
	got, err := client.GetProduct(ctx, connect.NewRequest(&productv1.GetProductRequest{ProductId: created.Msg.GetProduct().GetProductId()}))
	if err != nil || !slices.Equal(got.Msg.GetProduct().GetImageUrls(), []string{img.GetUrl()}) {
		t.Fatalf("product %v %v", got, err)
	}

	pic := testPNG(t, 16, 16)
	for _, c := range []struct {
		name   string
		data   []byte
		reason string
	}{
		{"an HTML page", []byte("<!DOCTYPE html><script>alert(1)</script>"), ReasonProductImageType},
		{"an SVG", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), ReasonProductImageType},
		{"a GIF", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), ReasonProductImageType},
		{"a PNG with HTML appended", append(bytes.Clone(pic), "<html>"...), ReasonProductImageInvalid},
		{"a PNG cut short", pic[:len(pic)/2], ReasonProductImageInvalid},
		{"a WebP whose size lies", append(bytes.Clone(webp), 0, 0), ReasonProductImageInvalid},
		{"a PNG one pixel too wide", testPNG(t, 4097, 1), ReasonProductImageDimensions},
		{"a 60000 x 60000 bomb", claimSize(pic, 60000, 60000), ReasonProductImageDimensions},
	} {
		_, err := client.UploadProductImage(ctx, testenv.Bearer(f.admin, &productv1.UploadProductImageRequest{Data: c.data}))
		testenv.WantCode(t, err, connect.CodeInvalidArgument, c.reason)
		if c.reason == ReasonProductImageDimensions && rpcerr.Metadata(err)["limit"] != "4096" {
			t.Fatalf("%s: metadata %v", c.name, rpcerr.Metadata(err))
		}
	}
	_, err = f.clients["grpc"].UploadProductImage(ctx, testenv.Bearer(f.admin, &productv1.UploadProductImageRequest{Data: make([]byte, 700<<10+1)}))
	testenv.WantCode(t, err, connect.CodeInvalidArgument, "")
	_, err = client.UploadProductImage(ctx, testenv.Bearer(f.admin, &productv1.UploadProductImageRequest{Data: make([]byte, 800<<10)}))
	testenv.WantCode(t, err, connect.CodeResourceExhausted, "")

	shopper, _, _ := f.keys.Issue("u1", []string{"user"}, time.Hour)
	_, err = client.UploadProductImage(ctx, testenv.Bearer(shopper, &productv1.UploadProductImageRequest{Data: pic}))
	testenv.WantCode(t, err, connect.CodePermissionDenied, "")
	var stored int
	if err := f.db.NewSelect().Table("product_images").ColumnExpr("COUNT(*)").Scan(ctx, &stored); err != nil || stored != 1 {
		t.Fatalf("%d pictures stored (%v), want only the good one", stored, err)
	}
}

// newProduct is a product on sale with no stock.
func (f *fixture) newProduct(t *testing.T) string {
	t.Helper()
	res, err := f.clients["grpc"].CreateProduct(context.Background(), testenv.Bearer(f.admin, &productv1.CreateProductRequest{Product: spec("c04", "库存测试 Stock test", productv1.ProductStatus_PRODUCT_STATUS_ON_SALE)}))
	if err != nil {
		t.Fatal(err)
	}
	return res.Msg.GetProduct().GetProductId()
}

func (f *fixture) adjust(id, product string, delta int64, reason string) (*productv1.AdjustStockResponse, error) {
	res, err := f.clients["grpc"].AdjustStock(context.Background(), testenv.Bearer(f.admin, &productv1.AdjustStockRequest{AdjustmentId: id, ProductId: product, Delta: delta, Reason: reason}))
	if err != nil {
		return nil, err
	}
	return res.Msg, nil
}

func (f *fixture) history(t *testing.T, product string) []*productv1.StockAdjustment {
	t.Helper()
	var out []*productv1.StockAdjustment
	req := &productv1.ListStockAdjustmentsRequest{ProductId: product, PageSize: 3}
	for {
		res, err := f.clients["grpc"].ListStockAdjustments(context.Background(), testenv.Bearer(f.admin, req))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, res.Msg.GetAdjustments()...)
		if req.PageToken = res.Msg.GetNextPageToken(); req.PageToken == "" {
			return out
		}
	}
}

func TestStockAdjustmentsAreKeptAndNeverMakeStockNegative(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	client := f.clients["grpc"]
	product := f.newProduct(t)
	if _, err := client.SetStock(ctx, testenv.Bearer(f.admin, &productv1.SetStockRequest{ProductId: product, Stock: 20, Reason: "盘点 stocktake"})); err != nil {
		t.Fatal(err)
	}
	// A checkout holds 3 meanwhile: adjustments move available stock only.
	if _, err := client.ReserveStock(ctx, testenv.Bearer(f.service(t), &productv1.ReserveStockRequest{ReservationId: "r1", Lines: []*productv1.StockLine{{ProductId: product, Quantity: 3}}})); err != nil {
		t.Fatal(err)
	}
	conserved(t, f, product, 20)
	res, err := f.adjust("adj-1", product, 5, "到货 delivery")
	if err != nil {
		t.Fatal(err)
	}
	if a := res.GetAdjustment(); a.GetStockBefore() != 17 || a.GetStockAfter() != 22 || a.GetActorId() != "admin-1" || a.GetKind() != productv1.StockAdjustmentKind_STOCK_ADJUSTMENT_KIND_ADJUST || res.GetProduct().GetStock() != 22 {
		t.Fatalf("adjusted %v", res)
	}
	if got := f.audit.last(t, "AdjustStock"); got.Target != "product "+product || !strings.Contains(got.Before, `"stock":"17"`) || !strings.Contains(got.After, `"stock":"22"`) {
		t.Fatalf("audit %+v", got)
	}
	// The product page shows it at once.
	if p, err := client.GetProduct(ctx, connect.NewRequest(&productv1.GetProductRequest{ProductId: product})); err != nil || p.Msg.GetProduct().GetStock() != 22 {
		t.Fatalf("product %v %v", p, err)
	}
	// A replay answers the same adjustment and changes nothing; the id
	// for anything else is a conflict.
	again, err := f.adjust("adj-1", product, 5, "到货 delivery")
	if err != nil || again.GetAdjustment().GetStockAfter() != 22 || again.GetProduct().GetStock() != 22 {
		t.Fatalf("replay %v %v", again, err)
	}
	_, err = f.adjust("adj-1", product, 6, "到货 delivery")
	testenv.WantCode(t, err, connect.CodeAlreadyExists, ReasonAdjustmentConflict)
	_, err = f.adjust("adj-1", "p0031", 5, "到货 delivery")
	testenv.WantCode(t, err, connect.CodeAlreadyExists, ReasonAdjustmentConflict)
	_, err = f.adjust("adj-1", product, 5, "另一个 another")
	testenv.WantCode(t, err, connect.CodeAlreadyExists, ReasonAdjustmentConflict)
	// Below zero or above the limit: refused, nothing changed.
	_, err = f.adjust("adj-2", product, -23, "损耗 loss")
	testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonStockOutOfRange)
	if md := rpcerr.Metadata(err); md["available"] != "22" {
		t.Fatalf("metadata %v", md)
	}
	_, err = f.adjust("adj-3", product, 1_000_000_000, "x")
	testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonStockOutOfRange)
	_, err = f.adjust("adj-4", "p-nope", 1, "x")
	testenv.WantCode(t, err, connect.CodeNotFound, ReasonProductNotFound)
	for name, req := range map[string]*productv1.AdjustStockRequest{
		"no change":     {AdjustmentId: "a", ProductId: product, Delta: 0, Reason: "x"},
		"no reason":     {AdjustmentId: "a", ProductId: product, Delta: 1, Reason: "  "},
		"huge delta":    {AdjustmentId: "a", ProductId: product, Delta: 1 << 40, Reason: "x"},
		"huge reason":   {AdjustmentId: "a", ProductId: product, Delta: 1, Reason: strings.Repeat("x", 201)},
		"no adjustment": {ProductId: product, Delta: 1, Reason: "x"},
	} {
		_, err := client.AdjustStock(ctx, testenv.Bearer(f.admin, req))
		if connect.CodeOf(err) != connect.CodeInvalidArgument {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if _, err := f.adjust("adj-5", product, -22, "损耗 loss"); err != nil {
		t.Fatal(err)
	}
	conserved(t, f, product, 20+5-22)

	// The history, newest first, chains before and after.
	h := f.history(t, product)
	if len(h) != 3 || h[0].GetAdjustmentId() != "adj-5" || h[1].GetAdjustmentId() != "adj-1" || h[2].GetKind() != productv1.StockAdjustmentKind_STOCK_ADJUSTMENT_KIND_SET || h[2].GetReason() != "盘点 stocktake" {
		t.Fatalf("history %v", h)
	}
	for i := range len(h) - 1 {
		if h[i].GetStockBefore() != h[i+1].GetStockAfter()+reservedBetween(i) {
			t.Fatalf("history does not chain at %d: %v", i, h)
		}
	}
	shopper, _, _ := f.keys.Issue("u1", []string{"user"}, time.Hour)
	_, err = client.AdjustStock(ctx, testenv.Bearer(shopper, &productv1.AdjustStockRequest{AdjustmentId: "s", ProductId: product, Delta: 100, Reason: "x"}))
	testenv.WantCode(t, err, connect.CodePermissionDenied, "")
	_, err = client.ListStockAdjustments(ctx, testenv.Bearer(shopper, &productv1.ListStockAdjustmentsRequest{ProductId: product}))
	testenv.WantCode(t, err, connect.CodePermissionDenied, "")
	_, err = client.ListStockAdjustments(ctx, testenv.Bearer(f.admin, &productv1.ListStockAdjustmentsRequest{ProductId: "p-nope"}))
	testenv.WantCode(t, err, connect.CodeNotFound, ReasonProductNotFound)
}

// reservedBetween is what a checkout took between history entries i+1 and
// i of TestStockAdjustmentsAreKeptAndNeverMakeStockNegative (3 units,
// between the SetStock and the first adjustment).
func reservedBetween(i int) int64 {
	if i == 1 {
		return -3
	}
	return 0
}

func TestFiftyConcurrentRemovalsOfOneFromTenSucceedTenTimes(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	product := f.newProduct(t)
	if _, err := f.clients["grpc"].SetStock(ctx, testenv.Bearer(f.admin, &productv1.SetStockRequest{ProductId: product, Stock: 10})); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 50)
	for i := range errs {
		wg.Go(func() { _, errs[i] = f.adjust(fmt.Sprintf("minus-%d", i), product, -1, "破损 damaged") })
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else {
			testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonStockOutOfRange)
		}
	}
	if ok != 10 {
		t.Fatalf("%d removals succeeded, want 10", ok)
	}
	if s, _ := conserved(t, f, product, 0); s.Stock != 0 {
		t.Fatalf("stock %d", s.Stock)
	}
	if h := f.history(t, product); len(h) != 11 {
		t.Fatalf("%d history entries, want 10 removals and the SetStock", len(h))
	}
}

func window(from, to time.Duration) (*timestamppb.Timestamp, *timestamppb.Timestamp) {
	now := time.Now()
	return timestamppb.New(now.Add(from)), timestamppb.New(now.Add(to))
}

func (f *fixture) createBanner(t *testing.T, title string, from, to time.Duration) string {
	t.Helper()
	starts, ends := window(from, to)
	res, err := f.clients["grpc"].CreateBanner(context.Background(), testenv.Bearer(f.admin, &productv1.CreateBannerRequest{Banner: &productv1.BannerSpec{
		Title: title, ImageUrl: "/img/b/b1.svg", ProductId: "p0001", SortOrder: 5000, StartsAt: starts, EndsAt: ends}}))
	if err != nil {
		t.Fatal(err)
	}
	return res.Msg.GetBanner().GetBannerId()
}

func (f *fixture) liveBanners(t *testing.T) []string {
	t.Helper()
	res, err := f.clients["grpc"].ListBanners(context.Background(), connect.NewRequest(&productv1.ListBannersRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, b := range res.Msg.GetBanners() {
		ids = append(ids, b.GetBannerId())
	}
	return ids
}

func TestBannersShowOnlyInTheirWindowInTheOrderSet(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.BannerRefresh = time.Hour }) // only writes refresh the cache
	ctx := context.Background()
	client := f.clients["grpc"]
	if ids := f.liveBanners(t); !slices.Equal(ids, []string{"b1", "b2", "b3", "b4"}) {
		t.Fatalf("seeded banners %v", ids)
	}
	live := f.createBanner(t, "现在 Now", -time.Hour, time.Hour)
	later := f.createBanner(t, "以后 Later", time.Hour, 2*time.Hour)
	ended := f.createBanner(t, "结束 Ended", -2*time.Hour, -time.Hour)
	if ids := f.liveBanners(t); !slices.Equal(ids, []string{"b1", "b2", "b3", "b4", live}) {
		t.Fatalf("live banners %v", ids)
	}
	states := func() map[string]productv1.BannerState {
		res, err := client.AdminListBanners(ctx, testenv.Bearer(f.admin, &productv1.AdminListBannersRequest{}))
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]productv1.BannerState{}
		for _, b := range res.Msg.GetBanners() {
			out[b.GetBanner().GetBannerId()] = b.GetState()
		}
		return out
	}
	if s := states(); s[live] != productv1.BannerState_BANNER_STATE_LIVE || s[later] != productv1.BannerState_BANNER_STATE_SCHEDULED || s[ended] != productv1.BannerState_BANNER_STATE_ENDED || len(s) != 7 {
		t.Fatalf("states %v", s)
	}

	// Rescheduled to start now, the later one shows at once; its target
	// becomes a category.
	starts, ends := window(-time.Minute, time.Hour)
	updated, err := client.UpdateBanner(ctx, testenv.Bearer(f.admin, &productv1.UpdateBannerRequest{BannerId: later, Banner: &productv1.BannerSpec{
		Title: "以后 Later", ImageUrl: "/img/b/b2.svg", CategoryId: "c03", SortOrder: 5000, StartsAt: starts, EndsAt: ends}}))
	if err != nil || updated.Msg.GetBanner().GetCategoryId() != "c03" || updated.Msg.GetBanner().GetProductId() != "" {
		t.Fatalf("updated %v %v", updated, err)
	}
	if ids := f.liveBanners(t); !slices.Contains(ids, later) {
		t.Fatalf("rescheduled banner not live: %v", ids)
	}
	if got := f.audit.last(t, "UpdateBanner"); got.Target != "banner "+later || !strings.Contains(got.Before, "p0001") || !strings.Contains(got.After, "c03") {
		t.Fatalf("audit %+v", got)
	}

	// Reordered: the named first, in order, the rest after as they were.
	prior, err := client.AdminListBanners(ctx, testenv.Bearer(f.admin, &productv1.AdminListBannersRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{later, "b3"}
	for _, b := range prior.Msg.GetBanners() {
		if id := b.GetBanner().GetBannerId(); id != later && id != "b3" {
			want = append(want, id)
		}
	}
	reordered, err := client.ReorderBanners(ctx, testenv.Bearer(f.admin, &productv1.ReorderBannersRequest{BannerIds: []string{later, "b3"}}))
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, b := range reordered.Msg.GetBanners() {
		order = append(order, b.GetBanner().GetBannerId())
	}
	if !slices.Equal(order, want) {
		t.Fatalf("order %v, want %v", order, want)
	}
	if ids := f.liveBanners(t); !slices.Equal(ids, slices.DeleteFunc(want, func(id string) bool { return id == ended })) {
		t.Fatalf("storefront order %v", ids)
	}
	_, err = client.ReorderBanners(ctx, testenv.Bearer(f.admin, &productv1.ReorderBannersRequest{BannerIds: []string{"b4", "b-nope"}}))
	testenv.WantCode(t, err, connect.CodeNotFound, ReasonBannerNotFound)
	_, err = client.ReorderBanners(ctx, testenv.Bearer(f.admin, &productv1.ReorderBannersRequest{BannerIds: []string{"b4", "b4"}}))
	testenv.WantCode(t, err, connect.CodeInvalidArgument, "")
	if ids := f.liveBanners(t); ids[0] != later {
		t.Fatalf("a refused reorder changed the order: %v", ids)
	}

	// Targets: one at most, and one that exists.
	starts, ends = window(0, time.Hour)
	for name, c := range map[string]struct {
		spec *productv1.BannerSpec
		code connect.Code
	}{
		"two targets":      {&productv1.BannerSpec{Title: "x", ImageUrl: "/x.png", ProductId: "p0001", Keyword: "茶", StartsAt: starts, EndsAt: ends}, connect.CodeInvalidArgument},
		"unknown product":  {&productv1.BannerSpec{Title: "x", ImageUrl: "/x.png", ProductId: "p-nope", StartsAt: starts, EndsAt: ends}, connect.CodeNotFound},
		"another spelling": {&productv1.BannerSpec{Title: "x", ImageUrl: "/x.png", ProductId: "P0001", StartsAt: starts, EndsAt: ends}, connect.CodeNotFound},
		"unknown category": {&productv1.BannerSpec{Title: "x", ImageUrl: "/x.png", CategoryId: "c-nope", StartsAt: starts, EndsAt: ends}, connect.CodeNotFound},
		"ends before":      {&productv1.BannerSpec{Title: "x", ImageUrl: "/x.png", StartsAt: ends, EndsAt: starts}, connect.CodeInvalidArgument},
	} {
		_, err := client.CreateBanner(ctx, testenv.Bearer(f.admin, &productv1.CreateBannerRequest{Banner: c.spec}))
		if connect.CodeOf(err) != c.code {
			t.Fatalf("%s: %v", name, err)
		}
	}
	search, err := client.CreateBanner(ctx, testenv.Bearer(f.admin, &productv1.CreateBannerRequest{Banner: &productv1.BannerSpec{Title: "搜索 Search", ImageUrl: "/x.png", Keyword: "龙井", StartsAt: starts, EndsAt: ends}}))
	if err != nil || search.Msg.GetBanner().GetKeyword() != "龙井" {
		t.Fatalf("search banner %v %v", search, err)
	}

	if _, err := client.DeleteBanner(ctx, testenv.Bearer(f.admin, &productv1.DeleteBannerRequest{BannerId: live})); err != nil {
		t.Fatal(err)
	}
	if ids := f.liveBanners(t); slices.Contains(ids, live) {
		t.Fatalf("a deleted banner is live: %v", ids)
	}
	if got := f.audit.last(t, "DeleteBanner"); got.Target != "banner "+live || !strings.Contains(got.Before, "Now") {
		t.Fatalf("audit %+v", got)
	}
	shopper, _, _ := f.keys.Issue("u1", []string{"user"}, time.Hour)
	_, err = client.ReorderBanners(ctx, testenv.Bearer(shopper, &productv1.ReorderBannersRequest{BannerIds: []string{"b4"}}))
	testenv.WantCode(t, err, connect.CodePermissionDenied, "")
	_, err = client.AdminListBanners(ctx, testenv.Bearer(shopper, &productv1.AdminListBannersRequest{}))
	testenv.WantCode(t, err, connect.CodePermissionDenied, "")
}
