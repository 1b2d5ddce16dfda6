package seckill

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	seckillv1 "mall/gen/mall/seckill/v1"
	"mall/services/platform/testenv"
)

// The seckill service's contract rules, as every server enforces them
// before a handler runs: each request either passes or breaks exactly the
// rules named, so a contract change that drops or loosens one fails here.
func TestSeckillContractRules(t *testing.T) {
	// Hours from now: the end of a new sale must be in the future.
	soon := time.Now().Add(time.Hour)
	event := func(edit func(*seckillv1.CreateEventRequest)) *seckillv1.CreateEventRequest {
		r := &seckillv1.CreateEventRequest{ProductId: "p1", PriceCents: 9900, Stock: 100, PerUserLimit: 1,
			StartsAt: timestamppb.New(soon), EndsAt: timestamppb.New(soon.Add(time.Hour))}
		if edit != nil {
			edit(r)
		}
		return r
	}
	result := func(state seckillv1.PurchaseState) *seckillv1.RecordPurchaseResultsRequest {
		return &seckillv1.RecordPurchaseResultsRequest{Results: []*seckillv1.PurchaseResult{{Ticket: "ev-1.0123456789abcdef.a1", State: state, OrderId: "o-1"}}}
	}
	resultWith := func(edit func(*seckillv1.PurchaseResult)) *seckillv1.RecordPurchaseResultsRequest {
		r := result(seckillv1.PurchaseState_PURCHASE_STATE_FAILED)
		edit(r.Results[0])
		return r
	}
	const (
		upcoming = seckillv1.EventState_EVENT_STATE_UPCOMING
		live     = seckillv1.EventState_EVENT_STATE_LIVE
		ended    = seckillv1.EventState_EVENT_STATE_ENDED
	)
	for _, c := range []struct {
		name string
		msg  proto.Message
		want []string
	}{
		{"buy one", &seckillv1.PurchaseRequest{EventId: "ev-1"}, nil},
		{"buy the most", &seckillv1.PurchaseRequest{EventId: "ev-1", Quantity: proto.Int32(100), AddressId: "a-home"}, nil},
		{"buy none", &seckillv1.PurchaseRequest{EventId: "ev-1", Quantity: proto.Int32(0)}, []string{"quantity int32.gte_lte"}},
		{"buy too many", &seckillv1.PurchaseRequest{EventId: "ev-1", Quantity: proto.Int32(101)}, []string{"quantity int32.gte_lte"}},
		{"buy in no sale", &seckillv1.PurchaseRequest{}, []string{"event_id string.min_len"}},
		{"an address id too long", &seckillv1.PurchaseRequest{EventId: "ev-1", AddressId: strings.Repeat("a", 65)}, []string{"address_id string.max_len"}},
		{"the result of no ticket", &seckillv1.GetPurchaseResultRequest{}, []string{"ticket string.min_len"}},

		{"list sales", &seckillv1.ListEventsRequest{States: []seckillv1.EventState{upcoming, live, ended}, PageSize: 100}, nil},
		{"a page too big", &seckillv1.ListEventsRequest{PageSize: 101}, []string{"page_size int32.gte_lte"}},
		{"list a state twice", &seckillv1.ListEventsRequest{States: []seckillv1.EventState{live, live}}, []string{"states repeated.unique"}},
		{"list an unspecified state", &seckillv1.ListEventsRequest{States: []seckillv1.EventState{0}}, []string{"states[0] enum.not_in"}},
		{"list four states", &seckillv1.ListEventsRequest{States: []seckillv1.EventState{upcoming, live, ended, 5}},
			[]string{"states repeated.max_items", "states[3] enum.defined_only"}},
		{"list the sales in preview", &seckillv1.ListEventsRequest{States: []seckillv1.EventState{seckillv1.EventState_EVENT_STATE_PREVIEW}},
			[]string{"states[0] enum.not_in"}},

		{"create a sale", event(nil), nil},
		{"a sale ending before it starts", event(func(r *seckillv1.CreateEventRequest) { r.EndsAt = timestamppb.New(soon.Add(-time.Minute)) }),
			[]string{"event.window"}},
		{"a sale that has ended", event(func(r *seckillv1.CreateEventRequest) {
			r.StartsAt, r.EndsAt = timestamppb.New(soon.Add(-3*time.Hour)), timestamppb.New(soon.Add(-2*time.Hour))
		}), []string{"ends_at timestamp.gt_now"}},
		{"a sale without a window", event(func(r *seckillv1.CreateEventRequest) { r.StartsAt, r.EndsAt = nil, nil }),
			[]string{"starts_at required", "ends_at required", "event.window"}},
		{"a sale of no stock", event(func(r *seckillv1.CreateEventRequest) { r.Stock = 0 }), []string{"stock int64.gte_lte"}},
		{"a sale of too much stock", event(func(r *seckillv1.CreateEventRequest) { r.Stock = 10_000_001 }), []string{"stock int64.gte_lte"}},
		{"a sale no one may buy in", event(func(r *seckillv1.CreateEventRequest) { r.PerUserLimit = 0 }), []string{"per_user_limit int32.gte_lte"}},
		{"a negative price", event(func(r *seckillv1.CreateEventRequest) { r.PriceCents = -1 }), []string{"price_cents int64.gte_lte"}},
		{"a title too long", event(func(r *seckillv1.CreateEventRequest) { r.Title = strings.Repeat("秒", 201) }), []string{"title string.max_len"}},

		{"an order created", result(seckillv1.PurchaseState_PURCHASE_STATE_ORDER_CREATED), nil},
		{"a purchase failed", result(seckillv1.PurchaseState_PURCHASE_STATE_FAILED), nil},
		{"a failure with its code", resultWith(func(r *seckillv1.PurchaseResult) { r.FailureCode = "SOLD_OUT" }), nil},
		{"a failure code that is text", resultWith(func(r *seckillv1.PurchaseResult) { r.FailureCode = "sold out" }),
			[]string{"results[0].failure_code string.pattern"}},
		{"a result still queued", result(seckillv1.PurchaseState_PURCHASE_STATE_QUEUED), []string{"results[0].state enum.in"}},
		{"no results", &seckillv1.RecordPurchaseResultsRequest{}, []string{"results repeated.min_items"}},
		{"release none", &seckillv1.ReleasePurchaseRequest{EventId: "ev-1", UserId: "u-1", OrderId: "o-1"}, []string{"quantity int32.gte_lte"}},
	} {
		t.Run(c.name, func(t *testing.T) { testenv.WantViolations(t, c.msg, c.want...) })
	}
}
