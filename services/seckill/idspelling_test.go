package seckill

import (
	"context"
	"encoding/base64"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"

	productv1 "mall/gen/mall/product/v1"
	seckillv1 "mall/gen/mall/seckill/v1"
	"mall/services/platform/rpcerr"
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

// A sale id spelled in another case, in full-width characters or with a
// trailing space names no sale: the console's actions answer not_found and
// the sale stays in preview. The console's listing refuses cursors that
// are not its own with invalid_argument, never internal.
func TestASaleIDSpelledOtherwiseNamesNoSale(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	ctx := context.Background()
	client := f.clients["grpc"]
	ev := f.preview(t, 5, time.Hour, 2*time.Hour)
	id := ev.GetEventId()
	for _, spelling := range []string{strings.ToUpper(id), fullWidth(id), id + " "} {
		_, err := client.GetEventDashboard(ctx, testenv.Bearer(f.admin, &seckillv1.GetEventDashboardRequest{EventId: spelling}))
		testenv.WantCode(t, err, connect.CodeNotFound, ReasonEventNotFound)
		_, err = client.PublishEvent(ctx, testenv.Bearer(f.admin, &seckillv1.PublishEventRequest{EventId: spelling}))
		testenv.WantCode(t, err, connect.CodeNotFound, ReasonEventNotFound)
		_, err = client.EndEvent(ctx, testenv.Bearer(f.admin, &seckillv1.EndEventRequest{EventId: spelling}))
		testenv.WantCode(t, err, connect.CodeNotFound, ReasonEventNotFound)
		_, err = client.GetEvent(ctx, connect.NewRequest(&seckillv1.GetEventRequest{EventId: spelling}))
		testenv.WantCode(t, err, connect.CodeNotFound, ReasonEventNotFound)
	}
	if got := f.adminList(t)[id].GetState(); got != seckillv1.EventState_EVENT_STATE_PREVIEW {
		t.Errorf("the sale is %v after the misspelt actions, want PREVIEW", got)
	}

	cursor := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for name, token := range map[string]string{
		"not base64":         "!!!",
		"not JSON":           cursor("ev-1"),
		"no id":              cursor(`{"s":1}`),
		"start past int64":   cursor(`{"s":99999999999999999999,"i":"ev-1"}`),
		"start at int64 max": cursor(`{"s":9223372036854775807,"i":"ev-1"}`),
		"start at int64 min": cursor(`{"s":-9223372036854775808,"i":"ev-1"}`),
	} {
		_, err := client.AdminListEvents(ctx, testenv.Bearer(f.admin, &seckillv1.AdminListEventsRequest{PageToken: token}))
		if connect.CodeOf(err) != connect.CodeInvalidArgument {
			t.Errorf("AdminListEvents with a cursor %s: %v, want invalid_argument", name, err)
		}
	}
}

// 50 operators creating 10-unit sales of a product with 100 units at once:
// ten sales are created, the others are refused whole, and the product's
// units are all in the ten sales, none twice, none lost.
func TestConcurrentSalesNeverTakeMoreThanTheProductHas(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	ctx := context.Background()
	const product = "p0007"
	if _, err := f.products.SetStock(ctx, connect.NewRequest(&productv1.SetStockRequest{ProductId: product, Stock: 100})); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var created []string
	for range 50 {
		wg.Go(func() {
			ev, err := f.createEvent(product, 10, time.Hour, 2*time.Hour)
			if connect.CodeOf(err) == connect.CodeFailedPrecondition && rpcerr.Reason(err) == ReasonNotEnoughStock {
				return
			}
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			created = append(created, ev.GetEventId())
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(created) != 10 {
		t.Errorf("%d sales of 10 units created from 100 units, want 10", len(created))
	}
	var total int64
	for _, id := range created {
		total += f.allocationOf(t, id)
	}
	if available, sold, allocated := f.productColumns(t, product); available != 0 || sold != 0 || allocated != 100 || total != 100 {
		t.Errorf("available %d sold %d allocated %d, the sales hold %d; want 0, 0, 100, 100", available, sold, allocated, total)
	}
	if n, err := f.db.NewSelect().Model((*eventRow)(nil)).Where("product_id = ?", product).Count(ctx); err != nil || n != len(created) {
		t.Errorf("%d sale rows for %d sales created (%v)", n, len(created), err)
	}
}
