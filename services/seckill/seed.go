package seckill

import (
	"context"
	"database/sql"
	"time"

	"github.com/uptrace/bun"
)

// DemoSale is the stock a demo flash sale takes from the demo catalog: the
// product allocation named by its event id holds Units of ProductID.
type DemoSale struct {
	EventID, ProductID string
	Units              int64
}

// demoEvents are the demo flash sales of a developer machine: one live
// for 30 days from the first seed and one starting a day later, on
// products of the demo catalog (their snapshot copied from it: the image is
// the product's cover, product.PictureURL).
func demoEvents(now time.Time) []eventRow {
	return []eventRow{
		{ID: "ev-demo-longjing", ProductID: "p0001", CategoryID: "c01", Title: "限时秒杀 · 龙井绿茶 经典款 Longjing Green Tea",
			ImageURL: "/img/p/p0001/1.svg", OriginalPriceCents: 43999, PriceCents: 9900, Stock: 100, PerUserLimit: 1,
			StockState: stockAllocated, StartsAt: now.Add(-time.Minute), EndsAt: now.Add(30 * 24 * time.Hour), CreatedAt: now,
			PublishedAt: sql.NullTime{Time: now, Valid: true}},
		{ID: "ev-demo-phone", ProductID: "p0027", CategoryID: "c02", Title: "整点秒杀 · 智能手机 升级版 Smartphone Plus",
			ImageURL: "/img/p/p0027/1.svg", OriginalPriceCents: 4399, PriceCents: 1999, Stock: 50, PerUserLimit: 1,
			StockState: stockAllocated, StartsAt: now.Add(24 * time.Hour), EndsAt: now.Add(25 * time.Hour), CreatedAt: now,
			PublishedAt: sql.NullTime{Time: now, Valid: true}},
	}
}

// DemoSales are the units the demo sales take from the demo catalog: the
// seed allocates them from the products' stock (services/app) before
// Seed writes the sales.
func DemoSales() []DemoSale {
	events := demoEvents(time.Now())
	out := make([]DemoSale, len(events))
	for i, e := range events {
		out[i] = DemoSale{EventID: e.ID, ProductID: e.ProductID, Units: e.Stock}
	}
	return out
}

// earlierDemoImages are the images an earlier seed gave the demo sales
// (label tiles, which still answer), by event id.
var earlierDemoImages = map[string]string{
	"ev-demo-longjing": "/img/Longjing%20Green%20Tea.svg",
	"ev-demo-phone":    "/img/Smartphone.svg",
}

// Seed adds the demo flash sales. Fixed ids and INSERT IGNORE make
// reseeding a no-op; the sales' stock reaches Valkey through the
// reconciler the first time they are used. A demo sale an earlier seed
// wrote gets its product's cover, if it still has that seed's image.
func Seed(ctx context.Context, db *bun.DB) error {
	events := demoEvents(dbTime(time.Now()))
	if err := insertEventsIgnore(ctx, db, events); err != nil {
		return err
	}
	for _, e := range events {
		if _, err := db.NewUpdate().Table("flash_sale_events").Set("image_url = ?", e.ImageURL).
			Where("id = ? AND image_url = ?", e.ID, earlierDemoImages[e.ID]).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}
