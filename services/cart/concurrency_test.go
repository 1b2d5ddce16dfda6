package cart

import (
	"context"
	"sync"
	"testing"

	"connectrpc.com/connect"

	cartv1 "mall/gen/mall/cart/v1"
	"mall/services/platform/testenv"
)

func TestConcurrentAddsOfOneProductMakeOneLine(t *testing.T) {
	f := newFixture(t)
	userID, token := f.user(t)
	const adds = 50
	var wg sync.WaitGroup
	for i := range adds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := f.clients[protocols[i%len(protocols)]]
			if _, err := client.AddItem(context.Background(), testenv.Bearer(token, &cartv1.AddItemRequest{ProductId: "p0050", Quantity: 1})); err != nil {
				t.Errorf("add %d: %v", i, err)
			}
		}()
	}
	wg.Wait()

	var rows []cartLineRow
	if err := f.db.NewSelect().Model(&rows).Where("user_id = ?", userID).Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Quantity != adds {
		t.Fatalf("want one line of %d, got %+v", adds, rows)
	}
	cart := f.list(t, f.clients["connect-json"], token)
	if len(cart.GetLines()) != 1 || cart.GetTotalQuantity() != adds {
		t.Fatalf("listed: %v", cart)
	}
}

// The cap on lines holds when different products are added at once: a cart
// one line short of MaxLines - 4 takes exactly 5 of 10 concurrent new lines.
func TestConcurrentAddsRespectTheLineCap(t *testing.T) {
	f := newFixture(t)
	userID, token := f.user(t)
	for i := 1; i <= MaxLines-5; i++ {
		f.add(t, f.clients["grpc"], token, productID(i), 1)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	accepted, full := 0, 0
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := f.clients[protocols[i%len(protocols)]]
			_, err := client.AddItem(context.Background(), testenv.Bearer(token, &cartv1.AddItemRequest{ProductId: productID(150 + i), Quantity: 1}))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				accepted++
			case connect.CodeOf(err) == connect.CodeFailedPrecondition:
				full++
			default:
				t.Errorf("add %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	n, err := countLines(context.Background(), f.db, userID)
	if err != nil {
		t.Fatal(err)
	}
	if accepted != 5 || full != 5 || n != MaxLines {
		t.Fatalf("accepted %d, refused %d, lines %d; want 5, 5, %d", accepted, full, n, MaxLines)
	}
}
