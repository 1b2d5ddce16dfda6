package product

import (
	"context"
	"strings"
	"testing"
	"time"

	"mall/services/platform/testenv"
)

// The bench catalog is seeded in multi-row statements: every product
// arrives on sale with the marker word, spread over the category tree's
// leaves, with the same rows for the same seed; deleting by prefix takes
// exactly the bench's products, and leaves none of their changes queued.
func TestBenchCatalogIsSeededSpreadAndDeletedByPrefix(t *testing.T) {
	ctx := context.Background()
	db := testenv.MigratedDB(t, testenv.DatabasePrefix(t)+"product", Migrations())
	if err := Seed(ctx, db); err != nil {
		t.Fatal(err)
	}
	// A leaf under c02: its goods go there, not to c02 itself.
	if err := insertRow(ctx, db, &categoryRow{ID: "c02-1", ParentID: "c02", Name: "耳机 Earbuds", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	const n = 2500
	ids, err := SeedBenchCatalog(ctx, db, BenchCatalog{IDPrefix: "bench-x-", Marker: "mallbenchzz", Count: n, Batch: 1000, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != n || ids[0] != "bench-x-000001" || ids[n-1] != "bench-x-002500" {
		t.Fatalf("ids %d: %s .. %s", len(ids), ids[0], ids[len(ids)-1])
	}
	var rows []productRow
	if err := db.NewSelect().Model(&rows).Where("id LIKE 'bench-x-%'").Scan(ctx); err != nil {
		t.Fatal(err)
	}
	categories := map[string]int{}
	for _, r := range rows {
		categories[r.CategoryID]++
		if r.Status != statusOnSale || !strings.HasSuffix(r.Title, " mallbenchzz") || r.PriceCents <= 0 || len(r.ImageURLs) == 0 {
			t.Fatalf("row %+v", r)
		}
	}
	if len(rows) != n || categories["c02"] != 0 || categories["c02-1"] == 0 || len(categories) != 8 {
		t.Fatalf("%d rows over categories %v", len(rows), categories)
	}
	again, err := SeedBenchCatalog(ctx, db, BenchCatalog{IDPrefix: "bench-y-", Marker: "mallbenchzz", Count: 3, Batch: 1000, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var first, repeat productRow
	if err := db.NewSelect().Model(&first).Where("id = ?", ids[0]).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.NewSelect().Model(&repeat).Where("id = ?", again[0]).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	if first.Title != repeat.Title || first.PriceCents != repeat.PriceCents || first.CategoryID != repeat.CategoryID {
		t.Fatalf("the same seed drew %q and %q", first.Title, repeat.Title)
	}

	if err := DeleteBenchCatalogs(ctx, db, "bench-"); err != nil {
		t.Fatal(err)
	}
	left, err := db.NewSelect().Model((*productRow)(nil)).Count(ctx)
	if err != nil || left != len(seedProductIDs()) {
		t.Fatalf("%d products left (%v), want the %d demo ones", left, err, len(seedProductIDs()))
	}
	queued, err := db.NewSelect().Model((*catalogChangeRow)(nil)).Where("product_id LIKE 'bench-%'").Count(ctx)
	if err != nil || queued != 0 {
		t.Fatalf("%d bench changes still queued (%v)", queued, err)
	}
}
