package seckill

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/twmb/franz-go/pkg/kadm"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	orderv1 "mall/gen/mall/order/v1"
	productv1 "mall/gen/mall/product/v1"
	seckillv1 "mall/gen/mall/seckill/v1"
	"mall/gen/mall/seckill/v1/seckillv1connect"
	"mall/services/platform/testenv"
)

// allocationOf is the units the catalog holds for a sale.
func (f *fixture) allocationOf(t *testing.T, eventID string) int64 {
	t.Helper()
	var quantity int64
	if err := f.productDB.NewSelect().Table("stock_allocations").Column("quantity").Where("id = ?", eventID).
		Scan(context.Background(), &quantity); err != nil {
		t.Fatal(err)
	}
	return quantity
}

func (f *fixture) adminList(t *testing.T, states ...seckillv1.EventState) map[string]*seckillv1.FlashSaleEvent {
	t.Helper()
	out := map[string]*seckillv1.FlashSaleEvent{}
	token := ""
	for {
		res, err := f.clients["connect-json"].AdminListEvents(context.Background(), testenv.Bearer(f.admin,
			&seckillv1.AdminListEventsRequest{States: states, PageSize: 2, PageToken: token}))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range res.Msg.GetEvents() {
			out[e.GetEventId()] = e
		}
		if token = res.Msg.GetNextPageToken(); token == "" {
			return out
		}
	}
}

// A sale in preview is the operators' alone: shoppers neither see nor buy
// it, whatever they ask, until it is published; while in preview it can
// be changed (its units move between the product and the sale), once
// published it cannot.
func TestASaleInPreviewIsInvisibleUntilPublished(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	ctx := context.Background()
	available := func() int64 { a, _, _ := f.productColumns(t, saleProduct); return a }
	before := available()
	ev := f.preview(t, 5, -time.Minute, time.Hour)
	id := ev.GetEventId()
	if ev.GetState() != seckillv1.EventState_EVENT_STATE_PREVIEW || ev.GetPublishedAt() != nil || available() != before-5 {
		t.Fatalf("created %v; available %d of %d", ev, available(), before)
	}
	shopper := f.user(t, "u-early")
	for name, client := range f.clients {
		t.Run(name, func(t *testing.T) {
			_, err := client.GetEvent(ctx, connect.NewRequest(&seckillv1.GetEventRequest{EventId: id}))
			testenv.WantCode(t, err, connect.CodeNotFound, ReasonEventNotFound)
			_, err = f.buy(client, shopper, id)
			testenv.WantCode(t, err, connect.CodeNotFound, ReasonEventNotFound)
			for _, req := range []*seckillv1.ListEventsRequest{{}, {ProductId: saleProduct}, {States: []seckillv1.EventState{
				seckillv1.EventState_EVENT_STATE_UPCOMING, seckillv1.EventState_EVENT_STATE_LIVE, seckillv1.EventState_EVENT_STATE_ENDED}}} {
				list, err := client.ListEvents(ctx, connect.NewRequest(req))
				if err != nil || len(list.Msg.GetEvents()) != 0 {
					t.Fatalf("listed to shoppers (%v): %v %v", req, list, err)
				}
			}
			// Every console RPC is the operators'.
			for _, call := range []func() error{
				func() error {
					_, err := client.AdminListEvents(ctx, testenv.Bearer(shopper, &seckillv1.AdminListEventsRequest{}))
					return err
				},
				func() error {
					_, err := client.PublishEvent(ctx, testenv.Bearer(shopper, &seckillv1.PublishEventRequest{EventId: id}))
					return err
				},
				func() error {
					_, err := client.UpdateEvent(ctx, testenv.Bearer(shopper, &seckillv1.UpdateEventRequest{EventId: id, Stock: proto.Int64(1)}))
					return err
				},
				func() error {
					_, err := client.EndEvent(ctx, testenv.Bearer(shopper, &seckillv1.EndEventRequest{EventId: id}))
					return err
				},
				func() error {
					_, err := client.GetEventDashboard(ctx, testenv.Bearer(shopper, &seckillv1.GetEventDashboardRequest{EventId: id}))
					return err
				},
			} {
				testenv.WantCode(t, call(), connect.CodePermissionDenied, "")
			}
		})
	}
	if listed := f.adminList(t); listed[id].GetState() != seckillv1.EventState_EVENT_STATE_PREVIEW {
		t.Fatalf("operators' list: %v", listed)
	}
	if previews := f.adminList(t, seckillv1.EventState_EVENT_STATE_PREVIEW); len(previews) != 1 || previews[id] == nil {
		t.Fatalf("previews: %v", previews)
	}
	if live := f.adminList(t, seckillv1.EventState_EVENT_STATE_LIVE); len(live) != 0 {
		t.Fatalf("live: %v", live)
	}

	client := f.clients["grpc"]
	update := func(req *seckillv1.UpdateEventRequest) (*seckillv1.FlashSaleEvent, error) {
		req.EventId = id
		res, err := client.UpdateEvent(ctx, testenv.Bearer(f.admin, req))
		if err != nil {
			return nil, err
		}
		return res.Msg.GetEvent(), nil
	}
	updated, err := update(&seckillv1.UpdateEventRequest{Stock: proto.Int64(8), PriceCents: proto.Int64(500), PerUserLimit: proto.Int32(2), Title: "预览 preview"})
	if err != nil || updated.GetTotalStock() != 8 || updated.GetRemainingStock() != 8 || updated.GetPriceCents() != 500 || updated.GetPerUserLimit() != 2 ||
		updated.GetTitle() != "预览 preview" || updated.GetState() != seckillv1.EventState_EVENT_STATE_PREVIEW || available() != before-8 || f.allocationOf(t, id) != 8 {
		t.Fatalf("updated %v %v; available %d", updated, err, available())
	}
	// More units than the product has, or a window that ends before it
	// starts: refused, nothing changed.
	_, err = update(&seckillv1.UpdateEventRequest{Stock: proto.Int64(saleProductStock + 1), PriceCents: proto.Int64(1)})
	testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonNotEnoughStock)
	_, err = update(&seckillv1.UpdateEventRequest{StartsAt: timestamppb.New(time.Now().Add(2 * time.Hour)), PriceCents: proto.Int64(1)})
	testenv.WantCode(t, err, connect.CodeInvalidArgument, ReasonEventWindow)
	if list := f.adminList(t); !proto.Equal(list[id], updated) || available() != before-8 || f.allocationOf(t, id) != 8 {
		t.Fatalf("a refused update changed %v into %v; available %d", updated, list[id], available())
	}
	_, err = client.UpdateEvent(ctx, testenv.Bearer(f.admin, &seckillv1.UpdateEventRequest{EventId: "ev-missing", Stock: proto.Int64(1)}))
	testenv.WantCode(t, err, connect.CodeNotFound, ReasonEventNotFound)
	_, err = client.PublishEvent(ctx, testenv.Bearer(f.admin, &seckillv1.PublishEventRequest{EventId: "ev-missing"}))
	testenv.WantCode(t, err, connect.CodeNotFound, ReasonEventNotFound)

	published, err := client.PublishEvent(ctx, testenv.Bearer(f.admin, &seckillv1.PublishEventRequest{EventId: id}))
	if err != nil || published.Msg.GetEvent().GetState() != seckillv1.EventState_EVENT_STATE_LIVE || published.Msg.GetEvent().GetPublishedAt() == nil {
		t.Fatalf("published %v %v", published, err)
	}
	again, err := client.PublishEvent(ctx, testenv.Bearer(f.admin, &seckillv1.PublishEventRequest{EventId: id}))
	if err != nil || !again.Msg.GetEvent().GetPublishedAt().AsTime().Equal(published.Msg.GetEvent().GetPublishedAt().AsTime()) {
		t.Fatalf("published again %v %v", again, err)
	}
	got, err := client.GetEvent(ctx, connect.NewRequest(&seckillv1.GetEventRequest{EventId: id}))
	if err != nil || got.Msg.GetEvent().GetRemainingStock() != 8 || got.Msg.GetEvent().GetPriceCents() != 500 {
		t.Fatalf("shoppers see %v %v", got, err)
	}
	if _, err := f.buy(client, shopper, id); err != nil {
		t.Fatal(err)
	}
	_, err = update(&seckillv1.UpdateEventRequest{Stock: proto.Int64(100)})
	testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonEventPublished)
	if f.stock(t, id) != 7 || f.allocationOf(t, id) != 8 {
		t.Fatalf("after a purchase: %d left, %d allocated", f.stock(t, id), f.allocationOf(t, id))
	}

	// A sale ended in preview is never published.
	cancelled := f.preview(t, 3, time.Hour, 2*time.Hour)
	if _, err := client.EndEvent(ctx, testenv.Bearer(f.admin, &seckillv1.EndEventRequest{EventId: cancelled.GetEventId()})); err != nil {
		t.Fatal(err)
	}
	_, err = client.PublishEvent(ctx, testenv.Bearer(f.admin, &seckillv1.PublishEventRequest{EventId: cancelled.GetEventId()}))
	testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonEnded)
	_, err = client.UpdateEvent(ctx, testenv.Bearer(f.admin, &seckillv1.UpdateEventRequest{EventId: cancelled.GetEventId(), Stock: proto.Int64(1)}))
	testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonEnded)
}

// Operators changing and publishing one sale at once, 50 calls: it is
// published with exactly the units the catalog holds for it, and Valkey
// sells exactly those.
func TestConcurrentUpdatesAndPublishingAgreeOnTheUnits(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	ctx := context.Background()
	id := f.preview(t, 10, -time.Minute, time.Hour).GetEventId()
	var wg sync.WaitGroup
	for i := range 50 {
		client := f.clients[[]string{"grpc", "connect-json"}[i%2]]
		wg.Go(func() {
			var err error
			if i%2 == 0 {
				_, err = client.UpdateEvent(ctx, testenv.Bearer(f.admin, &seckillv1.UpdateEventRequest{EventId: id, Stock: proto.Int64(int64(10 + i))}))
			} else {
				_, err = client.PublishEvent(ctx, testenv.Bearer(f.admin, &seckillv1.PublishEventRequest{EventId: id}))
			}
			if err != nil && connect.CodeOf(err) != connect.CodeFailedPrecondition {
				t.Errorf("call %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	ev := f.adminList(t)[id]
	if ev.GetPublishedAt() == nil || f.allocationOf(t, id) != ev.GetTotalStock() || f.stock(t, id) != ev.GetTotalStock() {
		t.Fatalf("published %v; allocated %d, Valkey %d", ev, f.allocationOf(t, id), f.stock(t, id))
	}
}

// Ending a sale early stops admission at once, in every process (here: a
// copy of the event that still says live), and settling then gives back
// exactly what it did not sell, once.
func TestEndingASaleEarlyStopsAdmissionAndSettlesOnce(t *testing.T) {
	f := newFixture(t, fixtureOptions{zeroPaymentTimeout: true})
	ctx := context.Background()
	const product = "p0005"
	if _, err := f.products.SetStock(ctx, connect.NewRequest(&productv1.SetStockRequest{ProductId: product, Stock: 100})); err != nil {
		t.Fatal(err)
	}
	ev, err := f.createEvent(product, 10, -time.Minute, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	id := ev.GetEventId()
	client := f.clients["grpc"]
	for i := range 3 {
		user := fmt.Sprintf("u-end-%d", i)
		if _, err := f.buy(client, f.user(t, user), id); err != nil {
			t.Fatal(err)
		}
		// The writers wrote it and it was paid.
		o := &orderv1.Order{OrderId: "o-" + user, UserId: user, SeckillEventId: id, Status: orderv1.OrderStatus_ORDER_STATUS_PAID,
			Kind: orderv1.OrderKind_ORDER_KIND_FLASH_SALE, Lines: []*orderv1.OrderLine{{ProductId: product, Quantity: 1}}}
		f.orders.add(o)
		if _, err := f.products.ConfirmAllocatedStock(ctx, connect.NewRequest(&productv1.ConfirmAllocatedStockRequest{AllocationId: id, OrderId: o.GetOrderId(), Quantity: 1})); err != nil {
			t.Fatal(err)
		}
	}
	live, err := f.svc.event(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	stale := *live

	var wg sync.WaitGroup
	ends := make(chan *seckillv1.FlashSaleEvent, 50)
	for i := range 50 {
		wg.Go(func() {
			res, err := f.clients[[]string{"grpc", "connect-json"}[i%2]].EndEvent(ctx, testenv.Bearer(f.admin, &seckillv1.EndEventRequest{EventId: id}))
			if err != nil {
				t.Errorf("end: %v", err)
				return
			}
			ends <- res.Msg.GetEvent()
		})
	}
	wg.Wait()
	close(ends)
	var endedAt time.Time
	for e := range ends {
		if e.GetState() != seckillv1.EventState_EVENT_STATE_ENDED || (!endedAt.IsZero() && !e.GetEndsAt().AsTime().Equal(endedAt)) {
			t.Fatalf("ended %v, another call at %v", e, endedAt)
		}
		endedAt = e.GetEndsAt().AsTime()
	}
	if !endedAt.Before(ev.GetEndsAt().AsTime()) {
		t.Fatalf("ends at %v, was %v", endedAt, ev.GetEndsAt().AsTime())
	}
	_, err = f.buy(client, f.user(t, "u-late"), id)
	testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonEnded)
	// A process whose copy of the event still says live is refused too.
	f.svc.events.Store(id, cachedEvent{row: &stale, expires: time.Now().Add(time.Hour)})
	_, err = f.buy(client, f.user(t, "u-stale"), id)
	testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonEnded)
	if f.stock(t, id) != 7 {
		t.Fatalf("%d left after the end", f.stock(t, id))
	}

	settle := func() *seckillv1.SettleSalesResponse {
		t.Helper()
		res, err := f.svc.SettleSales(ctx, connect.NewRequest(&seckillv1.SettleSalesRequest{}))
		if err != nil {
			t.Fatal(err)
		}
		return res.Msg
	}
	if res := settle(); len(res.GetSettledEventIds()) != 1 || res.GetReturnedUnits() != 7 {
		t.Fatalf("settled %v", res)
	}
	if res := settle(); len(res.GetSettledEventIds()) != 0 || res.GetReturnedUnits() != 0 {
		t.Fatalf("settled again %v", res)
	}
	if available, sold, allocated := f.productColumns(t, product); available != 97 || sold != 3 || allocated != 0 {
		t.Fatalf("after settling: available %d sold %d allocated %d", available, sold, allocated)
	}
	ended := f.adminList(t, seckillv1.EventState_EVENT_STATE_ENDED)[id]
	if ended.GetSettledAt() == nil || ended.GetReturnedUnits() != 7 {
		t.Fatalf("listed %v", ended)
	}
	// Ending it again changes nothing.
	res, err := client.EndEvent(ctx, testenv.Bearer(f.admin, &seckillv1.EndEventRequest{EventId: id}))
	if err != nil || !res.Msg.GetEvent().GetEndsAt().AsTime().Equal(endedAt) {
		t.Fatalf("ended again %v %v", res, err)
	}
}

// The dashboard's numbers are what a run produced: admissions by outcome,
// the records the writers have not committed, the sale's orders.
func TestTheDashboardCountsWhatARunProduced(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	ctx := context.Background()
	ev := f.event(t, 20, -time.Minute, time.Hour)
	id := ev.GetEventId()
	client := f.clients["grpc"]
	var accepted []string
	for i := range 30 {
		user := fmt.Sprintf("u-dash-%02d", i)
		token := f.user(t, user)
		if _, err := f.buy(client, token, id); err != nil {
			testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonSoldOut)
			continue
		}
		accepted = append(accepted, user)
		if len(accepted) <= 5 {
			_, err := f.buy(client, token, id) // again: the limit
			testenv.WantCode(t, err, connect.CodeAlreadyExists, ReasonAlreadyPurchased)
		}
	}
	_, err := client.Purchase(ctx, testenv.Bearer(f.user(t, "u-dash-greedy"), &seckillv1.PurchaseRequest{EventId: id, Quantity: proto.Int32(2)}))
	testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonOverLimit)
	_, err = f.buy(client, f.user(t, "u-dash-x"), "ev-made-up")
	testenv.WantCode(t, err, connect.CodeNotFound, ReasonEventNotFound)
	f.svc.flushAdmissions(ctx)

	// The writers wrote every accepted purchase; 12 were paid, 3 expired
	// and their units sold again to two more buyers.
	for i, user := range accepted {
		status := orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT
		switch {
		case i < 12:
			status = orderv1.OrderStatus_ORDER_STATUS_PAID
		case i < 15:
			status = orderv1.OrderStatus_ORDER_STATUS_CANCELLED
		}
		f.orders.add(&orderv1.Order{OrderId: "o-" + user, UserId: user, SeckillEventId: id, Status: status,
			Kind: orderv1.OrderKind_ORDER_KIND_FLASH_SALE, Lines: []*orderv1.OrderLine{{ProductId: saleProduct, Quantity: 1}}})
	}
	for _, user := range []string{"u-resold-1", "u-resold-2"} {
		f.orders.add(&orderv1.Order{OrderId: "o-" + user, UserId: user, SeckillEventId: id, Status: orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT,
			Kind: orderv1.OrderKind_ORDER_KIND_FLASH_SALE, Lines: []*orderv1.OrderLine{{ProductId: saleProduct, Quantity: 1}}})
	}
	dashboard := func() *seckillv1.GetEventDashboardResponse {
		t.Helper()
		res, err := f.clients["connect-json"].GetEventDashboard(ctx, testenv.Bearer(f.admin, &seckillv1.GetEventDashboardRequest{EventId: id}))
		if err != nil {
			t.Fatal(err)
		}
		return res.Msg
	}
	d := dashboard()
	want := &seckillv1.AdmissionCounts{Accepted: 20, SoldOut: 10, LimitReached: 6}
	if len(accepted) != 20 || !proto.Equal(d.GetAdmissionsTotal(), want) {
		t.Fatalf("%d accepted; totals %v, want %v", len(accepted), d.GetAdmissionsTotal(), want)
	}
	sum := &seckillv1.AdmissionCounts{}
	for _, s := range d.GetAdmissions() {
		c := s.GetCounts()
		sum.Accepted, sum.SoldOut, sum.LimitReached = sum.Accepted+c.GetAccepted(), sum.SoldOut+c.GetSoldOut(), sum.LimitReached+c.GetLimitReached()
	}
	if len(d.GetAdmissions()) != dashboardSeconds || !proto.Equal(sum, want) {
		t.Fatalf("%d seconds summing to %v", len(d.GetAdmissions()), sum)
	}
	if d.GetEvent().GetRemainingStock() != 0 || d.GetOrdersWritten() != 22 || d.GetUnitsOrdered() != 22 || d.GetOrdersPaid() != 12 ||
		d.GetOrdersExpired() != 3 || d.GetUnitsExpired() != 3 || d.GetUnitsResold() != 2 || d.GetPaymentConversion() != 12.0/22 {
		t.Fatalf("dashboard %v", d)
	}
	// No writer has committed: every accepted purchase is lag.
	var partitions int64
	for _, p := range d.GetWriterLagPartitions() {
		partitions += p.GetLag()
	}
	if d.GetWriterLag() != 20 || partitions != 20 {
		t.Fatalf("lag %d, partitions %v", d.GetWriterLag(), d.GetWriterLagPartitions())
	}
	// The writers commit what they wrote: no lag.
	adm := kadm.NewClient(f.svc.kafka.Producer)
	ends, err := adm.ListEndOffsets(ctx, PurchasesTopic)
	if err != nil {
		t.Fatal(err)
	}
	committed, err := adm.CommitOffsets(ctx, WriterGroup, ends.Offsets())
	if err != nil || committed.Error() != nil {
		t.Fatalf("commit %v %v", err, committed.Error())
	}
	if d := dashboard(); d.GetWriterLag() != 0 {
		t.Fatalf("lag after the commit: %v", d.GetWriterLagPartitions())
	}

	_, err = f.clients["grpc"].GetEventDashboard(ctx, testenv.Bearer(f.admin, &seckillv1.GetEventDashboardRequest{EventId: "ev-made-up"}))
	testenv.WantCode(t, err, connect.CodeNotFound, ReasonEventNotFound)
	// A sale in preview has a dashboard too, with nothing in it.
	preview := f.preview(t, 4, time.Hour, 2*time.Hour)
	res, err := f.clients["grpc"].GetEventDashboard(ctx, testenv.Bearer(f.admin, &seckillv1.GetEventDashboardRequest{EventId: preview.GetEventId()}))
	if err != nil || res.Msg.GetEvent().GetRemainingStock() != 4 || res.Msg.GetAdmissionsTotal().GetAccepted() != 0 || res.Msg.GetOrdersWritten() != 0 {
		t.Fatalf("preview dashboard %v %v", res, err)
	}
}

// Every change an operator makes to a sale is recorded with who, what and
// the sale before and after; reading the dashboard is not.
func TestEveryChangeOfASaleIsAudited(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	ctx := context.Background()
	client := f.clients["grpc"]
	ev := f.preview(t, 3, -time.Minute, time.Hour)
	id := ev.GetEventId()
	if _, err := client.UpdateEvent(ctx, testenv.Bearer(f.admin, &seckillv1.UpdateEventRequest{EventId: id, PriceCents: proto.Int64(777)})); err != nil {
		t.Fatal(err)
	}
	if _, err := client.PublishEvent(ctx, testenv.Bearer(f.admin, &seckillv1.PublishEventRequest{EventId: id})); err != nil {
		t.Fatal(err)
	}
	if _, err := client.GetEventDashboard(ctx, testenv.Bearer(f.admin, &seckillv1.GetEventDashboardRequest{EventId: id})); err != nil {
		t.Fatal(err)
	}
	if _, err := client.EndEvent(ctx, testenv.Bearer(f.admin, &seckillv1.EndEventRequest{EventId: id})); err != nil {
		t.Fatal(err)
	}
	_, err := client.EndEvent(ctx, testenv.Bearer(f.admin, &seckillv1.EndEventRequest{EventId: "ev-made-up"}))
	testenv.WantCode(t, err, connect.CodeNotFound, ReasonEventNotFound)

	state := func(outcome string) string {
		var e seckillv1.FlashSaleEvent
		if outcome == "" {
			return ""
		}
		if err := protojson.Unmarshal([]byte(outcome), &e); err != nil {
			t.Fatalf("%s: %v", outcome, err)
		}
		return fmt.Sprintf("%s %d", e.GetState(), e.GetPriceCents())
	}
	for _, c := range []struct {
		procedure     string
		before, after string
	}{
		{seckillv1connect.SeckillServiceCreateEventProcedure, "", "EVENT_STATE_PREVIEW 990"},
		{seckillv1connect.SeckillServiceUpdateEventProcedure, "EVENT_STATE_PREVIEW 990", "EVENT_STATE_PREVIEW 777"},
		{seckillv1connect.SeckillServicePublishEventProcedure, "EVENT_STATE_PREVIEW 777", "EVENT_STATE_LIVE 777"},
		{seckillv1connect.SeckillServiceEndEventProcedure, "EVENT_STATE_LIVE 777", "EVENT_STATE_ENDED 777"},
	} {
		entries, outcomes := f.audits.of(c.procedure)
		if len(entries) == 0 || entries[0].ActorID != "admin-1" || outcomes[0].Target != "flash sale "+id || outcomes[0].Code != "ok" ||
			state(outcomes[0].Before) != c.before || state(outcomes[0].After) != c.after {
			t.Fatalf("%s: %+v %+v", c.procedure, entries, outcomes)
		}
	}
	if entries, outcomes := f.audits.of(seckillv1connect.SeckillServiceEndEventProcedure); len(entries) != 2 || outcomes[1].Reason != ReasonEventNotFound {
		t.Fatalf("the refused end: %+v %+v", entries, outcomes)
	}
	if entries, _ := f.audits.of(seckillv1connect.SeckillServiceGetEventDashboardProcedure); len(entries) != 0 {
		t.Fatalf("a read was audited: %+v", entries)
	}
}
