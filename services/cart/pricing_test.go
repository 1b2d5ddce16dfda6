package cart

import (
	"testing"
	"time"

	cartv1 "mall/gen/mall/cart/v1"
	productv1 "mall/gen/mall/product/v1"
)

// A cart is priced at the products' current prices: every line shows its
// unit price times its quantity, and the selected total adds up only the
// selected lines that can be bought now (on sale, enough stock); deleted,
// off-shelf and out-of-stock lines stay in the cart at no charge.
func TestCartIsPricedAtCurrentPrices(t *testing.T) {
	added := time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)
	row := func(product string, quantity int32, selected bool) cartLineRow {
		return cartLineRow{UserID: "alice", ProductID: product, Quantity: quantity, Selected: selected, CreatedAt: added}
	}
	product := func(id string, priceCents, stock int64, status productv1.ProductStatus) *productv1.Product {
		return &productv1.Product{ProductId: id, Title: "title " + id, ImageUrls: []string{"/img/" + id + ".jpg", "/img/second.jpg"},
			PriceCents: priceCents, Stock: stock, Status: status}
	}
	onSale, offShelf := productv1.ProductStatus_PRODUCT_STATUS_ON_SALE, productv1.ProductStatus_PRODUCT_STATUS_OFF_SHELF
	rows := []cartLineRow{
		row("tea", 3, true),      // 3 x 12900
		row("cup", 2, true),      // 2 x 999, low stock
		row("pot", 1, false),     // not selected
		row("gone", 4, true),     // deleted from the catalog
		row("shelved", 1, true),  // off shelf
		row("scarce", 5, true),   // 3 left, 5 wanted
		row("free", 2, true),     // a free gift
		row("sold-out", 1, true), // none left
		row("exactly", 10, true), // exactly enough
		row("notselected", 9, false),
	}
	products := map[string]*productv1.Product{
		"tea":         product("tea", 12900, 100, onSale),
		"cup":         product("cup", 999, 9, onSale),
		"pot":         product("pot", 45000, 100, onSale),
		"shelved":     product("shelved", 5000, 100, offShelf),
		"scarce":      product("scarce", 700, 3, onSale),
		"free":        product("free", 0, 50, onSale),
		"sold-out":    product("sold-out", 300, 0, onSale),
		"exactly":     product("exactly", 250, 10, onSale),
		"notselected": product("notselected", 1, 100, onSale),
	}
	cart := priceCart(rows, products)

	want := []struct {
		unit, total int64
		stock       cartv1.StockStatus
		offShelf    bool
	}{
		{12900, 38700, cartv1.StockStatus_STOCK_STATUS_IN_STOCK, false},
		{999, 1998, cartv1.StockStatus_STOCK_STATUS_LOW_STOCK, false},
		{45000, 45000, cartv1.StockStatus_STOCK_STATUS_IN_STOCK, false},
		{0, 0, cartv1.StockStatus_STOCK_STATUS_OUT_OF_STOCK, true},
		{5000, 5000, cartv1.StockStatus_STOCK_STATUS_IN_STOCK, true},
		{700, 3500, cartv1.StockStatus_STOCK_STATUS_OUT_OF_STOCK, false},
		{0, 0, cartv1.StockStatus_STOCK_STATUS_IN_STOCK, false},
		{300, 300, cartv1.StockStatus_STOCK_STATUS_OUT_OF_STOCK, false},
		{250, 2500, cartv1.StockStatus_STOCK_STATUS_IN_STOCK, false},
		{1, 9, cartv1.StockStatus_STOCK_STATUS_IN_STOCK, false},
	}
	if len(cart.GetLines()) != len(rows) {
		t.Fatalf("%d lines for %d rows", len(cart.GetLines()), len(rows))
	}
	for i, line := range cart.GetLines() {
		w := want[i]
		if line.GetProductId() != rows[i].ProductID || line.GetQuantity() != rows[i].Quantity || line.GetSelected() != rows[i].Selected ||
			!line.GetAddedAt().AsTime().Equal(added) {
			t.Errorf("line %d is not its row: %v", i, line)
		}
		if line.GetUnitPriceCents() != w.unit || line.GetLineTotalCents() != w.total || line.GetStockStatus() != w.stock || line.GetOffShelf() != w.offShelf {
			t.Errorf("%s: unit %d, total %d, %v, off shelf %v; want %d, %d, %v, %v", line.GetProductId(),
				line.GetUnitPriceCents(), line.GetLineTotalCents(), line.GetStockStatus(), line.GetOffShelf(), w.unit, w.total, w.stock, w.offShelf)
		}
	}
	if tea := cart.GetLines()[0]; tea.GetTitle() != "title tea" || tea.GetImageUrl() != "/img/tea.jpg" || tea.GetAvailableStock() != 100 {
		t.Errorf("tea line shows %v", tea)
	}
	// Selected and buyable: tea, cup, free, exactly.
	if cart.GetSelectedCount() != 4 || cart.GetSelectedTotalCents() != 38700+1998+0+2500 {
		t.Errorf("selected %d lines for %d cents, want 4 for %d", cart.GetSelectedCount(), cart.GetSelectedTotalCents(), 38700+1998+2500)
	}
	if cart.GetTotalQuantity() != 3+2+1+4+1+5+2+1+10+9 {
		t.Errorf("total quantity %d", cart.GetTotalQuantity())
	}
}

func TestAnEmptyCartCostsNothing(t *testing.T) {
	cart := priceCart(nil, nil)
	if len(cart.GetLines()) != 0 || cart.GetSelectedCount() != 0 || cart.GetSelectedTotalCents() != 0 || cart.GetTotalQuantity() != 0 {
		t.Fatalf("empty cart %v", cart)
	}
}

// Stock status against the threshold: fewer units than the line wants (or
// none) is out of stock, under LowStockThreshold is low, else in stock.
func TestStockStatus(t *testing.T) {
	for _, c := range []struct {
		available int64
		quantity  int32
		want      cartv1.StockStatus
	}{
		{0, 1, cartv1.StockStatus_STOCK_STATUS_OUT_OF_STOCK},
		{-3, 1, cartv1.StockStatus_STOCK_STATUS_OUT_OF_STOCK},
		{4, 5, cartv1.StockStatus_STOCK_STATUS_OUT_OF_STOCK},
		{5, 5, cartv1.StockStatus_STOCK_STATUS_LOW_STOCK},
		{LowStockThreshold - 1, 1, cartv1.StockStatus_STOCK_STATUS_LOW_STOCK},
		{LowStockThreshold, 1, cartv1.StockStatus_STOCK_STATUS_IN_STOCK},
		{LowStockThreshold, LowStockThreshold + 1, cartv1.StockStatus_STOCK_STATUS_OUT_OF_STOCK},
		{1000, 99, cartv1.StockStatus_STOCK_STATUS_IN_STOCK},
	} {
		if got := stockStatus(c.available, c.quantity); got != c.want {
			t.Errorf("%d available, %d wanted: %v, want %v", c.available, c.quantity, got, c.want)
		}
	}
}
