package cart

import (
	"google.golang.org/protobuf/types/known/timestamppb"

	cartv1 "mall/gen/mall/cart/v1"
	productv1 "mall/gen/mall/product/v1"
)

// hydrate builds a cart line from its row and the product as it is now; a
// nil product (deleted from the catalog) is shown off shelf and out of stock.
func hydrate(r *cartLineRow, p *productv1.Product) *cartv1.CartLine {
	line := &cartv1.CartLine{
		ProductId: r.ProductID,
		Quantity:  r.Quantity,
		Selected:  r.Selected,
		AddedAt:   timestamppb.New(r.CreatedAt),
	}
	if p == nil {
		line.OffShelf = true
		line.StockStatus = cartv1.StockStatus_STOCK_STATUS_OUT_OF_STOCK
		return line
	}
	line.Title = p.GetTitle()
	if images := p.GetImageUrls(); len(images) > 0 {
		line.ImageUrl = images[0]
	}
	line.UnitPriceCents = p.GetPriceCents()
	line.LineTotalCents = p.GetPriceCents() * int64(r.Quantity)
	line.AvailableStock = p.GetStock()
	line.StockStatus = stockStatus(p.GetStock(), r.Quantity)
	line.OffShelf = !onSale(p)
	return line
}

// priceCart is the cart of rows at the products' current prices (by
// product id; a missing one was deleted): every line, their total quantity,
// and the count and total of the selected lines that can be bought now.
func priceCart(rows []cartLineRow, products map[string]*productv1.Product) *cartv1.ListCartResponse {
	res := &cartv1.ListCartResponse{}
	for i := range rows {
		line := hydrate(&rows[i], products[rows[i].ProductID])
		res.Lines = append(res.Lines, line)
		res.TotalQuantity += line.GetQuantity()
		if line.GetSelected() && buyable(line) {
			res.SelectedCount++
			res.SelectedTotalCents += line.GetLineTotalCents()
		}
	}
	return res
}

// stockStatus: out of stock when fewer units are available than the line
// wants, low below LowStockThreshold, else in stock.
func stockStatus(available int64, quantity int32) cartv1.StockStatus {
	switch {
	case available <= 0 || available < int64(quantity):
		return cartv1.StockStatus_STOCK_STATUS_OUT_OF_STOCK
	case available < LowStockThreshold:
		return cartv1.StockStatus_STOCK_STATUS_LOW_STOCK
	default:
		return cartv1.StockStatus_STOCK_STATUS_IN_STOCK
	}
}

// buyable reports whether a line can be checked out now.
func buyable(l *cartv1.CartLine) bool {
	return !l.GetOffShelf() && l.GetStockStatus() != cartv1.StockStatus_STOCK_STATUS_OUT_OF_STOCK
}
