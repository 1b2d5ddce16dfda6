package product

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"testing"

	"connectrpc.com/connect"

	productv1 "mall/gen/mall/product/v1"
	"mall/services/platform/testenv"
)

// fullWidth spells s's ASCII letters and digits in their full-width forms
// ("a1" → "ａ１"), which a case- and width-insensitive collation equates.
func fullWidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '!' && r <= '~' && r != '-' {
			return r + 0xFEE0
		}
		return r
	}, s)
}

// A product id spelled in another case, in full-width characters or with
// a trailing space names no product: the console's stock actions answer
// not_found and the stock stays. Adjustment ids, the callers' idempotency
// keys, are as exact: "ADJ-1" is not a replay of "adj-1".
func TestAProductIDSpelledOtherwiseNamesNoProduct(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	client := f.clients["grpc"]
	product := f.newProduct(t)
	if _, err := f.adjust("adj-"+product, product, 10, "received"); err != nil {
		t.Fatal(err)
	}
	for _, spelling := range []string{strings.ToUpper(product), fullWidth(product), product + " "} {
		_, err := client.GetProduct(ctx, testenv.Bearer(f.admin, &productv1.GetProductRequest{ProductId: spelling}))
		testenv.WantCode(t, err, connect.CodeNotFound, ReasonProductNotFound)
		_, err = client.SetStock(ctx, testenv.Bearer(f.admin, &productv1.SetStockRequest{ProductId: spelling, Stock: 999, Reason: "slip"}))
		testenv.WantCode(t, err, connect.CodeNotFound, ReasonProductNotFound)
		_, err = f.adjust("adj-other-"+testenv.RandomID(4), spelling, 5, "slip")
		testenv.WantCode(t, err, connect.CodeNotFound, ReasonProductNotFound)
		_, err = client.ListStockAdjustments(ctx, testenv.Bearer(f.admin, &productv1.ListStockAdjustmentsRequest{ProductId: spelling}))
		testenv.WantCode(t, err, connect.CodeNotFound, ReasonProductNotFound)
	}
	// Another adjustment whose id differs only in case is its own.
	res, err := f.adjust(strings.ToUpper("adj-"+product), product, 3, "received more")
	if err != nil {
		t.Fatalf("an adjustment id differing in case only: %v, want its own adjustment", err)
	}
	if got := res.GetProduct().GetStock(); got != 13 {
		t.Errorf("stock %d after +10 and +3, want 13", got)
	}
	if n := len(f.history(t, product)); n != 2 {
		t.Errorf("%d adjustments in the history, want 2", n)
	}
}

// The same adjustment sent 50 times at once (a double click, a retried
// request) is one adjustment: the stock moves once, the history keeps one
// entry, and every answer is that adjustment.
func TestFiftyConcurrentCopiesOfOneAdjustmentAdjustOnce(t *testing.T) {
	f := newFixture(t)
	product := f.newProduct(t)
	var wg sync.WaitGroup
	ids := make([]string, 50)
	for i := range ids {
		wg.Go(func() {
			res, err := f.adjust("adj-once-"+product, product, 7, "received")
			if err != nil {
				t.Errorf("copy %d: %v", i, err)
				return
			}
			ids[i] = res.GetAdjustment().GetAdjustmentId()
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id != "adj-once-"+product {
			t.Fatalf("answers name adjustments %v", ids)
		}
	}
	if got := f.stockOf(t, product); got != 7 {
		t.Errorf("stock %d after one adjustment of +7 sent 50 times, want 7", got)
	}
	if n := len(f.history(t, product)); n != 1 {
		t.Errorf("%d adjustments in the history, want 1", n)
	}
}

func (f *fixture) stockOf(t *testing.T, product string) int64 {
	t.Helper()
	res, err := f.clients["grpc"].GetProduct(context.Background(), testenv.Bearer(f.admin, &productv1.GetProductRequest{ProductId: product}))
	if err != nil {
		t.Fatal(err)
	}
	return res.Msg.GetProduct().GetStock()
}

// The console's product listings refuse cursors that are not their own
// (another listing's, another product's, forged) with invalid_argument,
// never internal.
func TestTheConsolesProductListingsRefuseBadCursors(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	client := f.clients["grpc"]
	product := f.newProduct(t)
	other := f.newProduct(t)
	for i := range 3 {
		if _, err := f.adjust(fmt.Sprintf("adj-%d-%s", i, other), other, 1, "received"); err != nil {
			t.Fatal(err)
		}
	}
	page, err := client.ListStockAdjustments(ctx, testenv.Bearer(f.admin, &productv1.ListStockAdjustmentsRequest{ProductId: other, PageSize: 1}))
	if err != nil || page.Msg.GetNextPageToken() == "" {
		t.Fatalf("a first page: %v %v", page, err)
	}
	otherProducts := page.Msg.GetNextPageToken()
	cursor := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	bad := map[string]string{
		"not base64":            "!!!",
		"not JSON":              cursor("12"),
		"another product's":     otherProducts,
		"seq zero":              cursor(`{"b":"` + product + `","s":0}`),
		"seq past int64":        cursor(`{"b":"` + product + `","s":99999999999999999999}`),
		"binding of wrong type": cursor(`{"b":7,"s":1}`),
	}
	for name, token := range bad {
		_, err := client.ListStockAdjustments(ctx, testenv.Bearer(f.admin, &productv1.ListStockAdjustmentsRequest{ProductId: product, PageToken: token}))
		testenv.WantCode(t, err, connect.CodeInvalidArgument, ReasonBadPageToken)
		_, err = client.AdminListProducts(ctx, testenv.Bearer(f.admin, &productv1.AdminListProductsRequest{PageToken: token}))
		if connect.CodeOf(err) != connect.CodeInvalidArgument {
			t.Errorf("AdminListProducts with a cursor %s: %v, want invalid_argument", name, err)
		}
	}
}
