package scenario

import (
	"context"
	"sync"
	"testing"

	"mall/services/platform/db"
	"mall/services/platform/rpcerr"
	"mall/services/platform/testenv"
	"mall/services/seckill"
)

// The naive sale, the baseline the flash sale is measured against, is a
// correct one: under concurrent buyers it sells exactly its stock, one
// order row per sale, and answers the rest sold out as the real sale does.
func TestTheNaiveSaleSellsExactlyItsStock(t *testing.T) {
	ctx := context.Background()
	handle, err := db.Open(ctx, testenv.MySQLDSN(), testenv.DatabasePrefix(t)+"bench")
	if err != nil {
		t.Fatal(err)
	}
	defer handle.Close()
	const stock, buyers = 5, 40
	sale, err := newNaiveSale(ctx, handle, "naive-test", stock)
	if err != nil {
		t.Fatal(err)
	}
	errs := make([]error, buyers)
	var wg sync.WaitGroup
	for i := range buyers {
		wg.Go(func() { errs[i] = sale.buy(ctx, "u"+testenv.RandomID(4)) })
	}
	wg.Wait()
	sold := 0
	for _, err := range errs {
		switch {
		case err == nil:
			sold++
		case rpcerr.Reason(err) != seckill.ReasonSoldOut:
			t.Fatalf("a buyer got %v, want a sale or sold out", err)
		}
	}
	orders, left, err := sale.sold(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sold != stock || orders != stock || left != 0 {
		t.Fatalf("sold %d, %d order rows, %d left; want %d, %d, 0", sold, orders, left, stock, stock)
	}
}
