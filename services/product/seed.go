package product

import (
	"context"
	"fmt"
	"hash/fnv"
	"net/url"
	"time"

	"github.com/uptrace/bun"
)

// The demo catalog: 8 categories of 25 products each, with Chinese and
// English titles, SVG images the mall renders itself, banners and stock.
// Ids are fixed, and rows are inserted with INSERT IGNORE, so seeding twice
// changes nothing.

type seedCategory struct {
	id, zh, en string
	items      [5][2]string // base products: Chinese, English
}

var seedCategories = []seedCategory{
	{"c01", "茶饮", "Tea", [5][2]string{{"龙井绿茶", "Longjing Green Tea"}, {"普洱熟茶", "Ripe Pu-erh Tea"}, {"铁观音", "Tieguanyin Oolong"}, {"茉莉花茶", "Jasmine Tea"}, {"正山小种", "Lapsang Souchong"}}},
	{"c02", "手机数码", "Phones & Digital", [5][2]string{{"智能手机", "Smartphone"}, {"无线耳机", "Wireless Earbuds"}, {"移动电源", "Power Bank"}, {"智能手表", "Smart Watch"}, {"蓝牙音箱", "Bluetooth Speaker"}}},
	{"c03", "家用电器", "Home Appliances", [5][2]string{{"电饭煲", "Rice Cooker"}, {"空气炸锅", "Air Fryer"}, {"扫地机器人", "Robot Vacuum"}, {"电热水壶", "Electric Kettle"}, {"空气净化器", "Air Purifier"}}},
	{"c04", "服饰鞋包", "Clothing & Bags", [5][2]string{{"纯棉T恤", "Cotton T-shirt"}, {"羽绒服", "Down Jacket"}, {"运动鞋", "Running Shoes"}, {"双肩包", "Backpack"}, {"羊毛围巾", "Wool Scarf"}}},
	{"c05", "美妆个护", "Beauty & Care", [5][2]string{{"保湿面霜", "Moisturizing Cream"}, {"洗发水", "Shampoo"}, {"防晒霜", "Sunscreen"}, {"口红", "Lipstick"}, {"电动牙刷", "Electric Toothbrush"}}},
	{"c06", "食品生鲜", "Food & Fresh", [5][2]string{{"五常大米", "Wuchang Rice"}, {"坚果礼盒", "Mixed Nuts"}, {"阳澄湖大闸蟹", "Hairy Crab"}, {"赣南脐橙", "Navel Oranges"}, {"黑巧克力", "Dark Chocolate"}}},
	{"c07", "图书文具", "Books & Stationery", [5][2]string{{"三体", "The Three-Body Problem"}, {"钢笔", "Fountain Pen"}, {"笔记本", "Notebook"}, {"红楼梦", "Dream of the Red Chamber"}, {"水彩颜料", "Watercolor Set"}}},
	{"c08", "运动户外", "Sports & Outdoors", [5][2]string{{"瑜伽垫", "Yoga Mat"}, {"登山杖", "Trekking Poles"}, {"帐篷", "Camping Tent"}, {"羽毛球拍", "Badminton Racket"}, {"保温水杯", "Insulated Bottle"}}},
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

// ImageURL is the address of the SVG the mall renders for label.
func ImageURL(label string) string {
	return "/img/" + url.PathEscape(label) + ".svg"
}

// Seed loads the demo catalog into db (the product database).
func Seed(ctx context.Context, db *bun.DB) error {
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var categories []categoryRow
		var products []productRow
		for ci, c := range seedCategories {
			categories = append(categories, categoryRow{ID: c.id, Name: c.zh + " " + c.en, IconURL: ImageURL(c.en),
				SortOrder: int32(ci), CreatedAt: seedEpoch})
			for ii, item := range c.items {
				for vi, variant := range seedVariants {
					n := ci*25 + ii*5 + vi + 1
					id := fmt.Sprintf("p%04d", n)
					title := fmt.Sprintf("%s %s · %s %s", item[0], variant[0], item[1], variant[1])
					created := seedEpoch.Add(time.Duration(n) * time.Hour)
					products = append(products, productRow{
						ID: id, CategoryID: c.id, Title: title,
						Subtitle:    fmt.Sprintf("%s精选 · Selected %s", c.zh, c.en),
						Description: fmt.Sprintf("%s（%s）。%s — %s, %s edition.", item[0], variant[0], c.zh, item[1], variant[1]),
						ImageURLs:   []string{ImageURL(item[1]), ImageURL(item[1] + " " + variant[1])},
						PriceCents:  (seedNumber(id, 990)+10)*100 - 1 + seedNumber(item[1], 3)*1000,
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
		banners := []bannerRow{
			{ID: "b1", Title: "双十二茶节 Tea Festival", ImageURL: ImageURL("Tea Festival"), LinkURL: "/category/c01", SortOrder: 0},
			{ID: "b2", Title: "数码新品 New Gadgets", ImageURL: ImageURL("New Gadgets"), LinkURL: "/product/p0026", ProductID: "p0026", SortOrder: 1},
			{ID: "b3", Title: "冬季户外 Winter Outdoors", ImageURL: ImageURL("Winter Outdoors"), LinkURL: "/category/c08", SortOrder: 2},
			{ID: "b4", Title: "好书推荐 Book Picks", ImageURL: ImageURL("Book Picks"), LinkURL: "/category/c07", SortOrder: 3},
		}
		for i := range banners {
			banners[i].StartsAt, banners[i].EndsAt, banners[i].CreatedAt = seedEpoch, seedEpoch.AddDate(10, 0, 0), seedEpoch
		}
		return insertBannersIgnore(ctx, tx, banners)
	})
}
