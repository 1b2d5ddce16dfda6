package seckill

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"mall/services/platform/testenv"
	"mall/services/product"
)

// A demo sale shows its product's cover, a picture the catalog serves.
func TestDemoSalesShowTheirProductsCover(t *testing.T) {
	for _, e := range demoEvents(time.Now()) {
		if e.ImageURL != product.PictureURL(e.ProductID, 1) {
			t.Errorf("%s: image %q, want the cover of %s", e.ID, e.ImageURL, e.ProductID)
		}
		rec := httptest.NewRecorder()
		product.ImageHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, e.ImageURL, nil))
		if rec.Code != http.StatusOK {
			t.Errorf("%s: %s answers HTTP %d", e.ID, e.ImageURL, rec.Code)
		}
	}
}

// Reseeding a database an earlier seed filled gives its demo sales their
// cover, unless an operator changed the image since.
func TestSeedMovesDemoSalesOffTheEarlierSeedsImage(t *testing.T) {
	ctx := context.Background()
	db := testenv.MigratedDB(t, testenv.DatabasePrefix(t)+"seckill", Migrations())
	if err := Seed(ctx, db); err != nil {
		t.Fatal(err)
	}
	image := func(id string) (url string) {
		t.Helper()
		if err := db.NewSelect().Table("flash_sale_events").Column("image_url").Where("id = ?", id).Scan(ctx, &url); err != nil {
			t.Fatal(err)
		}
		return url
	}
	for _, q := range []string{
		`UPDATE flash_sale_events SET image_url = '/img/Longjing%20Green%20Tea.svg' WHERE id = 'ev-demo-longjing'`,
		`UPDATE flash_sale_events SET image_url = '/img/phone-promo.jpg' WHERE id = 'ev-demo-phone'`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if err := Seed(ctx, db); err != nil {
		t.Fatal(err)
	}
	if got, want := image("ev-demo-longjing"), product.PictureURL("p0001", 1); got != want {
		t.Errorf("ev-demo-longjing: %q, want %q", got, want)
	}
	if got := image("ev-demo-phone"); got != "/img/phone-promo.jpg" {
		t.Errorf("ev-demo-phone: %q, want the operator's image", got)
	}
}
