package product

import (
	"context"
	"fmt"
	"hash/fnv"
	"net/url"
	"slices"
	"time"

	"github.com/uptrace/bun"
)

// The demo catalog: 8 categories of 25 products each, with Chinese and
// English titles, pictures the mall composes itself (pictures.go), banners
// and stock.
// Ids are fixed, and rows are inserted with INSERT IGNORE, so seeding twice
// changes nothing.

type seedCategory struct {
	id, zh, en string
	art        string // the category's icon: pictures/<art>.webp
	hue        int    // the colour of the category's pictures
	items      [5]seedItem
}

// seedItem is a base product. Its pictures show art (pictures/<art>.webp),
// the goods, and accent, when set, a small second object that tells it
// from goods drawn alike (sunscreen's sun beside its beach umbrella).
type seedItem struct {
	zh, en, art, accent string
}

var seedCategories = []seedCategory{
	{"c01", "茶饮", "Tea", "1f375", 100, [5]seedItem{{"龙井绿茶", "Longjing Green Tea", "1f375", "1f33f"}, {"普洱熟茶", "Ripe Pu-erh Tea", "1f96e", "1f342"}, {"铁观音", "Tieguanyin Oolong", "1f343", ""}, {"茉莉花茶", "Jasmine Tea", "1f33c", ""}, {"正山小种", "Lapsang Souchong", "2615", ""}}},
	{"c02", "手机数码", "Phones & Digital", "1f4f1", 215, [5]seedItem{{"智能手机", "Smartphone", "1f4f1", ""}, {"无线耳机", "Wireless Earbuds", "1f3a7", ""}, {"移动电源", "Power Bank", "1f50b", ""}, {"智能手表", "Smart Watch", "231a", ""}, {"蓝牙音箱", "Bluetooth Speaker", "1f4fb", ""}}},
	{"c03", "家用电器", "Home Appliances", "1f4fa", 190, [5]seedItem{{"电饭煲", "Rice Cooker", "1f35a", ""}, {"空气炸锅", "Air Fryer", "1f35f", ""}, {"扫地机器人", "Robot Vacuum", "1f916", ""}, {"电热水壶", "Electric Kettle", "1fad6", "26a1"}, {"空气净化器", "Air Purifier", "1f4a8", "1f343"}}},
	{"c04", "服饰鞋包", "Clothing & Bags", "1f457", 260, [5]seedItem{{"纯棉T恤", "Cotton T-shirt", "1f455", ""}, {"羽绒服", "Down Jacket", "1f9e5", ""}, {"运动鞋", "Running Shoes", "1f45f", ""}, {"双肩包", "Backpack", "1f392", ""}, {"羊毛围巾", "Wool Scarf", "1f9e3", ""}}},
	{"c05", "美妆个护", "Beauty & Care", "1f484", 330, [5]seedItem{{"保湿面霜", "Moisturizing Cream", "1fad9", "2728"}, {"洗发水", "Shampoo", "1f9f4", "1fae7"}, {"防晒霜", "Sunscreen", "26f1", "2600"}, {"口红", "Lipstick", "1f484", ""}, {"电动牙刷", "Electric Toothbrush", "1faa5", ""}}},
	{"c06", "食品生鲜", "Food & Fresh", "1f34e", 30, [5]seedItem{{"五常大米", "Wuchang Rice", "1f33e", ""}, {"坚果礼盒", "Mixed Nuts", "1f95c", "1f330"}, {"阳澄湖大闸蟹", "Hairy Crab", "1f980", ""}, {"赣南脐橙", "Navel Oranges", "1f34a", ""}, {"黑巧克力", "Dark Chocolate", "1f36b", ""}}},
	{"c07", "图书文具", "Books & Stationery", "1f4da", 45, [5]seedItem{{"三体", "The Three-Body Problem", "1f4d8", "1f6f8"}, {"钢笔", "Fountain Pen", "1f58b", ""}, {"笔记本", "Notebook", "1f4d2", ""}, {"红楼梦", "Dream of the Red Chamber", "1f4d5", "1f338"}, {"水彩颜料", "Watercolor Set", "1f3a8", ""}}},
	{"c08", "运动户外", "Sports & Outdoors", "26bd", 160, [5]seedItem{{"瑜伽垫", "Yoga Mat", "1f9d8", ""}, {"登山杖", "Trekking Poles", "1f97e", "1f3d4"}, {"帐篷", "Camping Tent", "26fa", ""}, {"羽毛球拍", "Badminton Racket", "1f3f8", ""}, {"保温水杯", "Insulated Bottle", "1f964", ""}}},
}

var seedVariants = [5][2]string{{"经典款", "Classic"}, {"升级版", "Plus"}, {"礼盒装", "Gift Box"}, {"家庭装", "Family Pack"}, {"限量版", "Limited Edition"}}

// seedEpoch is when the demo catalog was "created": fixed, so reseeding
// produces identical rows.
var seedEpoch = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func seedNumber(s string, modulo uint32) int64 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return int64(h.Sum32() % modulo)
}

// seedBanner is a banner of the demo catalog; its picture shows arts (the
// goods) on a festive background with the Chinese headline zh and the
// English subline en.
type seedBanner struct {
	id, zh, en, link, productID string
	arts                        [3]string
}

var seedBanners = []seedBanner{
	{"b1", "双十二茶节", "Tea Festival", "/category/c01", "", [3]string{"1f375", "1fad6", "1f33c"}},
	{"b2", "数码新品", "New Gadgets", "/product/p0026", "p0026", [3]string{"1f4f1", "1f3a7", "231a"}},
	{"b3", "冬季户外", "Winter Outdoors", "/category/c08", "", [3]string{"26fa", "1f9e5", "1f97e"}},
	{"b4", "好书推荐", "Book Picks", "/category/c07", "", [3]string{"1f4da", "1f4d5", "1f58b"}},
}

// seedProductID is the id of variant vi of item ii of category ci.
func seedProductID(ci, ii, vi int) string {
	return fmt.Sprintf("p%04d", ci*25+ii*5+vi+1)
}

// legacyImageURL is the address an earlier seed stored for label: a tile
// the mall still renders (ImageHandler), so rows and order lines that kept
// it show a picture.
func legacyImageURL(label string) string {
	return "/img/" + url.PathEscape(label) + ".svg"
}

// seedProductPictures are the pictures of a demo product, cover first.
func seedProductPictures(id string) []string {
	urls := make([]string, picturesPerProduct)
	for n := range urls {
		urls[n] = PictureURL(id, n+1)
	}
	return urls
}

// Seed loads the demo catalog into db (the product database), and moves
// rows an earlier seed wrote to the current pictures.
func Seed(ctx context.Context, db *bun.DB) error {
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var categories []categoryRow
		var products []productRow
		for ci, c := range seedCategories {
			categories = append(categories, categoryRow{ID: c.id, Name: c.zh + " " + c.en, IconURL: CategoryIconURL(c.id),
				SortOrder: int32(ci), CreatedAt: seedEpoch})
			for ii, item := range c.items {
				for vi, variant := range seedVariants {
					n := ci*25 + ii*5 + vi + 1
					id := seedProductID(ci, ii, vi)
					title := fmt.Sprintf("%s %s · %s %s", item.zh, variant[0], item.en, variant[1])
					created := seedEpoch.Add(time.Duration(n) * time.Hour)
					products = append(products, productRow{
						ID: id, CategoryID: c.id, Title: title,
						Subtitle:    fmt.Sprintf("%s精选 · Selected %s", c.zh, c.en),
						Description: fmt.Sprintf("%s（%s）。%s — %s, %s edition.", item.zh, variant[0], c.zh, item.en, variant[1]),
						ImageURLs:   seedProductPictures(id),
						PriceCents:  (seedNumber(id, 990)+10)*100 - 1 + seedNumber(item.en, 3)*1000,
						Stock:       100 + seedNumber(id+"stock", 900),
						SalesCount:  seedNumber(id+"sales", 5000),
						Status:      statusOnSale,
						CreatedAt:   created, UpdatedAt: created,
					})
				}
			}
		}
		if err := insertCategoriesIgnore(ctx, tx, categories); err != nil {
			return err
		}
		// One statement per product (insertProductIgnore says why).
		for i := range products {
			if err := insertProductIgnore(ctx, tx, &products[i]); err != nil {
				return err
			}
		}
		banners := make([]bannerRow, len(seedBanners))
		for i, b := range seedBanners {
			banners[i] = bannerRow{ID: b.id, Title: b.zh + " " + b.en, ImageURL: BannerImageURL(b.id), LinkURL: b.link,
				ProductID: b.productID, SortOrder: int32(i), StartsAt: seedEpoch, EndsAt: seedEpoch.AddDate(10, 0, 0), CreatedAt: seedEpoch}
		}
		if err := insertBannersIgnore(ctx, tx, banners); err != nil {
			return err
		}
		return movePicturesOfEarlierSeed(ctx, tx)
	})
}

// movePicturesOfEarlierSeed gives the demo rows of a database seeded
// before the catalog had pictures of its goods (INSERT IGNORE left them
// as they were) the current pictures: only rows that still hold exactly
// what that seed wrote, so an operator's edit stays.
func movePicturesOfEarlierSeed(ctx context.Context, tx bun.Tx) error {
	for _, c := range seedCategories {
		if _, err := tx.NewUpdate().Table("categories").Set("icon_url = ?", CategoryIconURL(c.id)).
			Where("id = ? AND icon_url = ?", c.id, legacyImageURL(c.en)).Exec(ctx); err != nil {
			return err
		}
	}
	for _, b := range seedBanners {
		if _, err := tx.NewUpdate().Table("banners").Set("image_url = ?", BannerImageURL(b.id)).
			Where("id = ? AND image_url = ?", b.id, legacyImageURL(b.en)).Exec(ctx); err != nil {
			return err
		}
	}
	var rows []productRow
	if err := tx.NewSelect().Model(&rows).Column("seq", "id", "image_urls").
		Where("id IN (?)", bun.List(seedProductIDs())).For("UPDATE").Scan(ctx); err != nil {
		return err
	}
	now := time.Now().UTC()
	for _, row := range rows {
		ref, _ := lookupSeedProduct(row.ID)
		item := seedCategories[ref.category].items[ref.item]
		earlier := []string{legacyImageURL(item.en), legacyImageURL(item.en + " " + seedVariants[ref.variant][1])}
		if !slices.Equal(row.ImageURLs, earlier) {
			continue
		}
		row.ImageURLs, row.UpdatedAt = seedProductPictures(row.ID), now
		if _, err := tx.NewUpdate().Model(&row).Column("image_urls", "updated_at").WherePK().Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// seedProductIDs are the ids of every demo product.
func seedProductIDs() []string {
	ids := make([]string, 0, len(seedCategories)*25)
	for ci := range seedCategories {
		for ii := range 5 {
			for vi := range seedVariants {
				ids = append(ids, seedProductID(ci, ii, vi))
			}
		}
	}
	return ids
}
