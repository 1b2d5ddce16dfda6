package product

import (
	"context"
	"slices"
	"testing"

	"mall/services/platform/testenv"
)

// The seed gives the demo rows their pictures; on a database an earlier
// seed filled with label tiles it moves exactly the rows that still hold
// that seed's addresses, leaves an operator's own pictures alone, and a
// second run changes nothing more.
func TestSeedMovesOnlyRowsStillHoldingTheEarlierSeedsPictures(t *testing.T) {
	ctx := context.Background()
	db := testenv.MigratedDB(t, testenv.DatabasePrefix(t)+"product", Migrations())
	if err := Seed(ctx, db); err != nil {
		t.Fatal(err)
	}
	product := func(id string) productRow {
		t.Helper()
		var row productRow
		if err := db.NewSelect().Model(&row).Where("id = ?", id).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		return row
	}
	icon := func(id string) (url string) {
		t.Helper()
		if err := db.NewSelect().Table("categories").Column("icon_url").Where("id = ?", id).Scan(ctx, &url); err != nil {
			t.Fatal(err)
		}
		return url
	}
	banner := func(id string) (url string) {
		t.Helper()
		if err := db.NewSelect().Table("banners").Column("image_url").Where("id = ?", id).Scan(ctx, &url); err != nil {
			t.Fatal(err)
		}
		return url
	}
	exec := func(query string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, query, args...); err != nil {
			t.Fatal(err)
		}
	}
	fresh := product("p0003")
	if want := []string{"/img/p/p0003/1.svg", "/img/p/p0003/2.svg", "/img/p/p0003/3.svg"}; !slices.Equal(fresh.ImageURLs, want) {
		t.Fatalf("p0003 pictures %q, want %q", fresh.ImageURLs, want)
	}
	if icon("c05") != "/img/c/c05.svg" || banner("b3") != "/img/b/b3.svg" {
		t.Fatalf("icon %q, banner %q", icon("c05"), banner("b3"))
	}

	// What the earlier seed wrote, and what an operator changed since.
	exec(`UPDATE products SET image_urls = ? WHERE id = 'p0003'`, `["/img/Longjing%20Green%20Tea.svg","/img/Longjing%20Green%20Tea%20Gift%20Box.svg"]`)
	exec(`UPDATE products SET image_urls = ? WHERE id = 'p0004'`, `["/img/Longjing%20Green%20Tea.svg","/img/mine.jpg"]`)
	exec(`UPDATE products SET image_urls = ? WHERE id = 'p0005'`, `["/img/Longjing%20Green%20Tea.svg","/img/Longjing%20Green%20Tea%20Gift%20Box.svg"]`)
	exec(`UPDATE categories SET icon_url = '/img/Beauty%20&%20Care.svg' WHERE id = 'c05'`)
	exec(`UPDATE categories SET icon_url = '/img/Tea.svg' WHERE id = 'c06'`)
	exec(`UPDATE banners SET image_url = '/img/Winter%20Outdoors.svg' WHERE id = 'b3'`)
	exec(`UPDATE banners SET image_url = '/img/sale.jpg' WHERE id = 'b4'`)
	for range 2 {
		if err := Seed(ctx, db); err != nil {
			t.Fatal(err)
		}
	}
	moved := product("p0003")
	if !slices.Equal(moved.ImageURLs, fresh.ImageURLs) || !moved.UpdatedAt.After(fresh.UpdatedAt) {
		t.Fatalf("p0003 holds %q (updated %v), want %q", moved.ImageURLs, moved.UpdatedAt, fresh.ImageURLs)
	}
	for id, want := range map[string][]string{
		"p0004": {"/img/Longjing%20Green%20Tea.svg", "/img/mine.jpg"},
		// The pictures of another variant are not this product's.
		"p0005": {"/img/Longjing%20Green%20Tea.svg", "/img/Longjing%20Green%20Tea%20Gift%20Box.svg"},
	} {
		if got := product(id).ImageURLs; !slices.Equal(got, want) {
			t.Errorf("%s holds %q, want the operator's %q", id, got, want)
		}
	}
	for name, pair := range map[string][2]string{
		"icon c05": {icon("c05"), "/img/c/c05.svg"}, "icon c06": {icon("c06"), "/img/Tea.svg"},
		"banner b3": {banner("b3"), "/img/b/b3.svg"}, "banner b4": {banner("b4"), "/img/sale.jpg"},
	} {
		if pair[0] != pair[1] {
			t.Errorf("%s: %q, want %q", name, pair[0], pair[1])
		}
	}
	if again := product("p0001"); !again.UpdatedAt.Equal(product("p0001").UpdatedAt) || !slices.Equal(again.ImageURLs, seedProductPictures("p0001")) {
		t.Errorf("p0001 changed: %+v", again)
	}
}
