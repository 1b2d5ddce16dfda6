package cart

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"connectrpc.com/connect"

	cartv1 "mall/gen/mall/cart/v1"
	productv1 "mall/gen/mall/product/v1"
	"mall/services/platform/rpcerr"
	"mall/services/platform/testenv"
)

func TestAddMergeUpdateRemoveAndList(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, protocol := range protocols {
		t.Run(protocol, func(t *testing.T) {
			client := f.clients[protocol]
			_, token := f.user(t)

			if got := f.list(t, client, token); len(got.GetLines()) != 0 || got.GetTotalQuantity() != 0 {
				t.Fatalf("new cart not empty: %v", got)
			}
			p1, p2 := f.getProduct(t, "p0001"), f.getProduct(t, "p0002")

			line := f.add(t, client, token, "p0001", 2)
			if line.GetQuantity() != 2 || !line.GetSelected() || line.GetUnitPriceCents() != p1.GetPriceCents() ||
				line.GetTitle() != p1.GetTitle() || line.GetImageUrl() != p1.GetImageUrls()[0] || line.GetAddedAt() == nil {
				t.Fatalf("added line: %v", line)
			}
			// Same product: one line, summed quantity.
			line = f.add(t, client, token, "p0001", 3)
			if line.GetQuantity() != 5 || line.GetLineTotalCents() != 5*p1.GetPriceCents() {
				t.Fatalf("merged line: %v", line)
			}
			f.add(t, client, token, "p0002", 1)

			cart := f.list(t, client, token)
			if len(cart.GetLines()) != 2 {
				t.Fatalf("want 2 lines, got %v", cart.GetLines())
			}
			if cart.GetLines()[0].GetProductId() != "p0002" || cart.GetLines()[1].GetProductId() != "p0001" {
				t.Fatalf("want most recently added first, got %s, %s", cart.GetLines()[0].GetProductId(), cart.GetLines()[1].GetProductId())
			}
			wantTotal := 5*p1.GetPriceCents() + p2.GetPriceCents()
			if cart.GetSelectedCount() != 2 || cart.GetSelectedTotalCents() != wantTotal || cart.GetTotalQuantity() != 6 {
				t.Fatalf("totals: count %d total %d quantity %d, want 2 %d 6", cart.GetSelectedCount(), cart.GetSelectedTotalCents(), cart.GetTotalQuantity(), wantTotal)
			}
			for _, l := range cart.GetLines() {
				if l.GetStockStatus() != cartv1.StockStatus_STOCK_STATUS_IN_STOCK || l.GetOffShelf() || l.GetAvailableStock() < 100 {
					t.Fatalf("seeded product line: %v", l)
				}
			}

			// Update sets (not adds) the quantity.
			res, err := client.UpdateItem(ctx, testenv.Bearer(token, &cartv1.UpdateItemRequest{ProductId: "p0001", Quantity: 7}))
			if err != nil {
				t.Fatal(err)
			}
			if res.Msg.GetLine().GetQuantity() != 7 || res.Msg.GetLine().GetLineTotalCents() != 7*p1.GetPriceCents() {
				t.Fatalf("updated line: %v", res.Msg.GetLine())
			}
			// Zero removes the line; the response has no line.
			res, err = client.UpdateItem(ctx, testenv.Bearer(token, &cartv1.UpdateItemRequest{ProductId: "p0002", Quantity: 0}))
			if err != nil {
				t.Fatal(err)
			}
			if res.Msg.GetLine() != nil {
				t.Fatalf("removed line returned: %v", res.Msg.GetLine())
			}
			_, err = client.UpdateItem(ctx, testenv.Bearer(token, &cartv1.UpdateItemRequest{ProductId: "p0002", Quantity: 3}))
			expectCode(t, err, connect.CodeNotFound, ReasonLineNotFound)
			_, err = client.UpdateItem(ctx, testenv.Bearer(token, &cartv1.UpdateItemRequest{ProductId: "p0002", Quantity: 0}))
			expectCode(t, err, connect.CodeNotFound, ReasonLineNotFound)

			cart = f.list(t, client, token)
			if len(cart.GetLines()) != 1 || cart.GetTotalQuantity() != 7 || cart.GetSelectedTotalCents() != 7*p1.GetPriceCents() {
				t.Fatalf("after update: %v", cart)
			}

			// RemoveItems ignores products that are not in the cart.
			f.add(t, client, token, "p0003", 1)
			removed, err := client.RemoveItems(ctx, testenv.Bearer(token, &cartv1.RemoveItemsRequest{ProductIds: []string{"p0001", "p0199", "no-such"}}))
			if err != nil {
				t.Fatal(err)
			}
			if removed.Msg.GetRemovedCount() != 1 {
				t.Fatalf("removed %d, want 1", removed.Msg.GetRemovedCount())
			}
			cart = f.list(t, client, token)
			if len(cart.GetLines()) != 1 || cart.GetLines()[0].GetProductId() != "p0003" {
				t.Fatalf("after remove: %v", cart.GetLines())
			}
		})
	}
}

func TestSelectItemsAndSelectedTotal(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, protocol := range protocols {
		t.Run(protocol, func(t *testing.T) {
			client := f.clients[protocol]
			_, token := f.user(t)
			price := map[string]int64{}
			for i, id := range []string{"p0011", "p0012", "p0013"} {
				price[id] = f.getProduct(t, id).GetPriceCents()
				f.add(t, client, token, id, int32(i+1))
			}
			sel := func(selected bool, ids ...string) {
				t.Helper()
				if _, err := client.SelectItems(ctx, testenv.Bearer(token, &cartv1.SelectItemsRequest{ProductIds: ids, Selected: selected})); err != nil {
					t.Fatal(err)
				}
			}
			check := func(count int32, total int64) {
				t.Helper()
				cart := f.list(t, client, token)
				if cart.GetSelectedCount() != count || cart.GetSelectedTotalCents() != total || cart.GetTotalQuantity() != 6 {
					t.Fatalf("selected %d total %d quantity %d; want %d %d 6", cart.GetSelectedCount(), cart.GetSelectedTotalCents(), cart.GetTotalQuantity(), count, total)
				}
			}
			all := price["p0011"] + 2*price["p0012"] + 3*price["p0013"]
			check(3, all)

			sel(false, "p0012", "not-in-cart") // unknown ids are ignored
			check(2, all-2*price["p0012"])
			if l := lineOf(f.list(t, client, token), "p0012"); l.GetSelected() {
				t.Fatal("p0012 still selected")
			}
			sel(false) // empty: every line
			check(0, 0)
			sel(true, "p0013")
			check(1, 3*price["p0013"])
			sel(true)
			check(3, all)

			// Adding again selects the line.
			sel(false, "p0011")
			f.add(t, client, token, "p0011", 1)
			if l := lineOf(f.list(t, client, token), "p0011"); !l.GetSelected() || l.GetQuantity() != 2 {
				t.Fatalf("re-added line: %v", l)
			}
		})
	}
}

func TestListCartShowsCurrentPriceStockAndOffShelf(t *testing.T) {
	f := newFixture(t)
	for _, protocol := range protocols {
		t.Run(protocol, func(t *testing.T) {
			client := f.clients[protocol]
			_, token := f.user(t)
			// Each protocol edits its own products.
			priced, stocked, shelved := "p0021", "p0022", "p0023"
			if protocol == "grpc" {
				priced, stocked, shelved = "p0031", "p0032", "p0033"
			}
			f.add(t, client, token, priced, 2)
			f.add(t, client, token, stocked, 6)
			f.add(t, client, token, shelved, 1)
			before := f.list(t, client, token)

			// A price change shows at once: the cart stores no price.
			f.editProduct(t, priced, func(s *productv1.ProductSpec) { s.PriceCents = 12345 })
			cart := f.list(t, client, token)
			if l := lineOf(cart, priced); l.GetUnitPriceCents() != 12345 || l.GetLineTotalCents() != 2*12345 {
				t.Fatalf("price not current: %v", l)
			}
			if want := before.GetSelectedTotalCents() - lineOf(before, priced).GetLineTotalCents() + 2*12345; cart.GetSelectedTotalCents() != want {
				t.Fatalf("total %d, want %d", cart.GetSelectedTotalCents(), want)
			}

			stockCases := []struct {
				stock  int64
				status cartv1.StockStatus
			}{
				{500, cartv1.StockStatus_STOCK_STATUS_IN_STOCK},
				{10, cartv1.StockStatus_STOCK_STATUS_IN_STOCK},
				{9, cartv1.StockStatus_STOCK_STATUS_LOW_STOCK},
				{6, cartv1.StockStatus_STOCK_STATUS_LOW_STOCK},
				{5, cartv1.StockStatus_STOCK_STATUS_OUT_OF_STOCK}, // fewer than the line's 6
				{0, cartv1.StockStatus_STOCK_STATUS_OUT_OF_STOCK},
			}
			for _, c := range stockCases {
				f.setStock(t, stocked, c.stock)
				cart := f.list(t, client, token)
				l := lineOf(cart, stocked)
				if l.GetStockStatus() != c.status || l.GetAvailableStock() != c.stock {
					t.Fatalf("stock %d: line %v, want %v", c.stock, l, c.status)
				}
				counted := cart.GetSelectedCount() == 3
				if counted != (c.status != cartv1.StockStatus_STOCK_STATUS_OUT_OF_STOCK) {
					t.Fatalf("stock %d: selected count %d", c.stock, cart.GetSelectedCount())
				}
			}
			f.setStock(t, stocked, 500)

			// Off shelf: flagged, not counted, and cannot be added again.
			f.editProduct(t, shelved, func(s *productv1.ProductSpec) { s.Status = productv1.ProductStatus_PRODUCT_STATUS_OFF_SHELF })
			cart = f.list(t, client, token)
			l := lineOf(cart, shelved)
			if !l.GetOffShelf() || !l.GetSelected() || l.GetTitle() == "" {
				t.Fatalf("off-shelf line: %v", l)
			}
			want := lineOf(cart, priced).GetLineTotalCents() + lineOf(cart, stocked).GetLineTotalCents()
			if cart.GetSelectedCount() != 2 || cart.GetSelectedTotalCents() != want || cart.GetTotalQuantity() != 9 {
				t.Fatalf("with an off-shelf line: count %d total %d (want %d) quantity %d", cart.GetSelectedCount(), cart.GetSelectedTotalCents(), want, cart.GetTotalQuantity())
			}
			_, err := client.AddItem(context.Background(), testenv.Bearer(token, &cartv1.AddItemRequest{ProductId: shelved, Quantity: 1}))
			expectCode(t, err, connect.CodeFailedPrecondition, ReasonProductOffShelf)
			if l := lineOf(f.list(t, client, token), shelved); l.GetQuantity() != 1 {
				t.Fatalf("refused add changed the line: %v", l)
			}
			// Back on sale: counted again.
			f.editProduct(t, shelved, func(s *productv1.ProductSpec) { s.Status = productv1.ProductStatus_PRODUCT_STATUS_ON_SALE })
			if cart := f.list(t, client, token); cart.GetSelectedCount() != 3 || lineOf(cart, shelved).GetOffShelf() {
				t.Fatalf("back on sale: %v", cart)
			}

			_, err = client.AddItem(context.Background(), testenv.Bearer(token, &cartv1.AddItemRequest{ProductId: "no-such-product", Quantity: 1}))
			expectCode(t, err, connect.CodeNotFound, ReasonProductNotFound)
		})
	}
}

func TestValidationAndLimits(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, protocol := range protocols {
		t.Run(protocol, func(t *testing.T) {
			client := f.clients[protocol]
			_, token := f.user(t)

			invalid := []struct {
				name string
				call func() error
			}{
				{"add quantity 0", func() error {
					_, err := client.AddItem(ctx, testenv.Bearer(token, &cartv1.AddItemRequest{ProductId: "p0001", Quantity: 0}))
					return err
				}},
				{"add negative", func() error {
					_, err := client.AddItem(ctx, testenv.Bearer(token, &cartv1.AddItemRequest{ProductId: "p0001", Quantity: -1}))
					return err
				}},
				{"add 100", func() error {
					_, err := client.AddItem(ctx, testenv.Bearer(token, &cartv1.AddItemRequest{ProductId: "p0001", Quantity: 100}))
					return err
				}},
				{"add no product", func() error {
					_, err := client.AddItem(ctx, testenv.Bearer(token, &cartv1.AddItemRequest{Quantity: 1}))
					return err
				}},
				{"update negative", func() error {
					_, err := client.UpdateItem(ctx, testenv.Bearer(token, &cartv1.UpdateItemRequest{ProductId: "p0001", Quantity: -1}))
					return err
				}},
				{"update 100", func() error {
					_, err := client.UpdateItem(ctx, testenv.Bearer(token, &cartv1.UpdateItemRequest{ProductId: "p0001", Quantity: 100}))
					return err
				}},
				{"remove nothing", func() error {
					_, err := client.RemoveItems(ctx, testenv.Bearer(token, &cartv1.RemoveItemsRequest{}))
					return err
				}},
				{"remove duplicates", func() error {
					_, err := client.RemoveItems(ctx, testenv.Bearer(token, &cartv1.RemoveItemsRequest{ProductIds: []string{"p0001", "p0001"}}))
					return err
				}},
			}
			for _, c := range invalid {
				expectCode(t, c.call(), connect.CodeInvalidArgument, "")
			}
			if cart := f.list(t, client, token); len(cart.GetLines()) != 0 {
				t.Fatalf("invalid calls changed the cart: %v", cart.GetLines())
			}

			// A merged line holds at most 99 units; beyond, nothing changes.
			f.add(t, client, token, "p0001", 60)
			_, err := client.AddItem(ctx, testenv.Bearer(token, &cartv1.AddItemRequest{ProductId: "p0001", Quantity: 40}))
			expectCode(t, err, connect.CodeFailedPrecondition, ReasonQuantityLimit)
			// The refusal says the limit and what the line holds, for the page to word.
			if md := rpcerr.Metadata(err); md["limit"] != strconv.Itoa(MaxLineQuantity) || md["current"] != "60" {
				t.Fatalf("quantity limit metadata %v", md)
			}
			if l := lineOf(f.list(t, client, token), "p0001"); l.GetQuantity() != 60 {
				t.Fatalf("refused merge changed the line: %v", l)
			}
			if l := f.add(t, client, token, "p0001", 39); l.GetQuantity() != MaxLineQuantity {
				t.Fatalf("merge up to the cap: %v", l)
			}
			_, err = client.AddItem(ctx, testenv.Bearer(token, &cartv1.AddItemRequest{ProductId: "p0001", Quantity: 1}))
			expectCode(t, err, connect.CodeFailedPrecondition, ReasonQuantityLimit)
		})
	}
}

func TestCartHoldsAtMostMaxLines(t *testing.T) {
	f := newFixture(t)
	client := f.clients["grpc"]
	_, token := f.user(t)
	for i := 1; i <= MaxLines; i++ {
		f.add(t, client, token, productID(i), 1)
	}
	_, err := client.AddItem(context.Background(), testenv.Bearer(token, &cartv1.AddItemRequest{ProductId: productID(MaxLines + 1), Quantity: 1}))
	expectCode(t, err, connect.CodeFailedPrecondition, ReasonCartFull)
	if md := rpcerr.Metadata(err); md["limit"] != strconv.Itoa(MaxLines) {
		t.Fatalf("cart full metadata %v", md)
	}
	// A full cart still merges into its lines.
	if l := f.add(t, client, token, productID(1), 2); l.GetQuantity() != 3 {
		t.Fatalf("merge into a full cart: %v", l)
	}
	cart := f.list(t, f.clients["connect-json"], token)
	if len(cart.GetLines()) != MaxLines || lineOf(cart, productID(MaxLines+1)) != nil {
		t.Fatalf("full cart has %d lines", len(cart.GetLines()))
	}
	// Freeing a line makes room again.
	if _, err := client.RemoveItems(context.Background(), testenv.Bearer(token, &cartv1.RemoveItemsRequest{ProductIds: []string{productID(5)}})); err != nil {
		t.Fatal(err)
	}
	f.add(t, client, token, productID(MaxLines+1), 1)
}

func TestCartSurvivesARestart(t *testing.T) {
	f := newFixture(t)
	_, token := f.user(t)
	f.add(t, f.clients["grpc"], token, "p0040", 4)
	if _, err := f.clients["grpc"].SelectItems(context.Background(), testenv.Bearer(token, &cartv1.SelectItemsRequest{ProductIds: []string{"p0040"}})); err != nil {
		t.Fatal(err)
	}

	// A new process: a new handle on the same database, a new service.
	handle := openCartDB(t, f.prefix)
	restarted := NewService(handle, f.svc.products, f.svc.logger)
	cart := f.list(t, f.serveAnother(t, restarted)["grpc"], token)
	if len(cart.GetLines()) != 1 || cart.GetLines()[0].GetQuantity() != 4 || cart.GetLines()[0].GetSelected() {
		t.Fatalf("after restart: %v", cart.GetLines())
	}
}

// productID names a seeded product (p0001 ... p0200).
func productID(n int) string { return fmt.Sprintf("p%04d", n) }
