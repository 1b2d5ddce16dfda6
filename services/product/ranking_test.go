package product

import (
	"context"
	"fmt"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/protobuf/proto"

	orderv1 "mall/gen/mall/order/v1"
	productv1 "mall/gen/mall/product/v1"
	"mall/services/platform/kafka"
	"mall/services/platform/testenv"
	"mall/workflows/checkout"
)

func TestRankingsAreSeededFromSalesAndMovedByOrderEvents(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	seeded, err := f.svc.GetRanking(ctx, connect.NewRequest(&productv1.GetRankingRequest{Limit: 5}))
	if err != nil || len(seeded.Msg.GetEntries()) != 5 {
		t.Fatalf("seeded ranking %v %v", seeded, err)
	}
	top := seeded.Msg.GetEntries()
	for i := 1; i < len(top); i++ {
		if top[i-1].GetScore() < top[i].GetScore() || top[i].GetRank() != int32(i+1) {
			t.Fatalf("ranking out of order at %d: %v", i, top)
		}
		if top[i].GetScore() != top[i].GetProduct().GetSalesCount() {
			t.Fatalf("seeded score %d != sales %d", top[i].GetScore(), top[i].GetProduct().GetSalesCount())
		}
	}
	leader := top[0]

	cluster, err := kafka.Connect(nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	consumer, err := cluster.NewClient(RankingConsumerOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	go f.svc.ConsumeOrderEvents(ctx, consumer) //nolint:errcheck // ends with ctx

	// A bottom product of category c05 sells enough to lead both rankings
	// (through reservations, as checkouts do), and its PAID event arrives
	// twice (at-least-once delivery); then one of its orders is refunded.
	underdog := "p0101"
	before, err := f.svc.GetProduct(ctx, connect.NewRequest(&productv1.GetProductRequest{ProductId: underdog}))
	if err != nil {
		t.Fatal(err)
	}
	p := before.Msg.GetProduct()
	big := leader.GetScore() + 100
	if _, err := f.svc.SetStock(ctx, connect.NewRequest(&productv1.SetStockRequest{ProductId: underdog, Stock: big + 100})); err != nil {
		t.Fatal(err)
	}
	for id, quantity := range map[string]int64{"o1": big - 50, "o2": 50} {
		if _, err := f.svc.ReserveStock(ctx, connect.NewRequest(&productv1.ReserveStockRequest{ReservationId: id, Lines: []*productv1.StockLine{{ProductId: underdog, Quantity: int32(quantity)}}})); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.ConfirmReservation(ctx, connect.NewRequest(&productv1.ConfirmReservationRequest{ReservationId: id})); err != nil {
			t.Fatal(err)
		}
	}
	event := func(order string, kind orderv1.OrderEventType) *orderv1.OrderEvent {
		return &orderv1.OrderEvent{EventId: order + ":" + kind.String(), Type: kind, OrderId: order,
			Lines: []*orderv1.OrderEventLine{{ProductId: underdog, CategoryId: "c05", Quantity: 1}}}
	}
	producer, err := cluster.NewClient(kgo.DefaultProduceTopic(checkout.OrderEventsTopic))
	if err != nil {
		t.Fatal(err)
	}
	defer producer.Close()
	publish := func(events ...*orderv1.OrderEvent) {
		for _, e := range events {
			value, _ := proto.Marshal(e)
			if err := producer.ProduceSync(ctx, &kgo.Record{Key: []byte(e.GetOrderId()), Value: value}).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
	}
	waitForTop := func(want int64) {
		t.Helper()
		seen := ""
		testenv.Eventually(t, time.Minute, fmt.Sprintf("the ranking showing %s on top at %d", underdog, want), func() bool {
			res, err := f.svc.GetRanking(ctx, connect.NewRequest(&productv1.GetRankingRequest{Limit: 1}))
			if err != nil {
				t.Fatal(err)
			}
			top := res.Msg.GetEntries()[0]
			if top.GetProduct().GetProductId() == underdog && top.GetScore() == want {
				return true
			}
			if now := fmt.Sprint(top.GetProduct().GetProductId(), " at ", top.GetScore()); now != seen {
				seen = now
				t.Logf("the ranking's top: %s", now)
			}
			return false
		})
	}
	publish(event("o1", orderv1.OrderEventType_ORDER_EVENT_TYPE_PAID), event("o2", orderv1.OrderEventType_ORDER_EVENT_TYPE_PAID), event("o1", orderv1.OrderEventType_ORDER_EVENT_TYPE_PAID))
	waitForTop(p.GetSalesCount() + big)
	if _, err := f.svc.ReleaseReservation(ctx, connect.NewRequest(&productv1.ReleaseReservationRequest{ReservationId: "o2"})); err != nil { // the refund returns its stock
		t.Fatal(err)
	}
	publish(event("o2", orderv1.OrderEventType_ORDER_EVENT_TYPE_REFUNDED))
	waitForTop(p.GetSalesCount() + big - 50)
	inCategory, err := f.svc.GetRanking(ctx, connect.NewRequest(&productv1.GetRankingRequest{CategoryId: "c05", Limit: 3}))
	if err != nil || inCategory.Msg.GetEntries()[0].GetProduct().GetProductId() != underdog {
		t.Fatalf("category ranking %v %v", inCategory, err)
	}
	for _, e := range inCategory.Msg.GetEntries() {
		if e.GetProduct().GetCategoryId() != "c05" {
			t.Fatalf("%s in c05's ranking", e.GetProduct().GetProductId())
		}
	}
}

func TestRecommendationsPreferCategoriesThenTopSellersAndSkipOffShelf(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	res, err := f.svc.GetRecommendations(ctx, connect.NewRequest(&productv1.GetRecommendationsRequest{CategoryIds: []string{"c07"}, Limit: 30}))
	if err != nil {
		t.Fatal(err)
	}
	got := res.Msg.GetProducts()
	if len(got) != 30 {
		t.Fatalf("%d recommendations", len(got))
	}
	for i, p := range got[:25] {
		if p.GetCategoryId() != "c07" {
			t.Fatalf("recommendation %d is %s of %s before c07 is exhausted", i, p.GetProductId(), p.GetCategoryId())
		}
	}
	again, err := f.svc.GetRecommendations(ctx, connect.NewRequest(&productv1.GetRecommendationsRequest{CategoryIds: []string{"c07"}, Limit: 30}))
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		if got[i].GetProductId() != again.Msg.GetProducts()[i].GetProductId() {
			t.Fatal("recommendations are not deterministic")
		}
	}
	// Taking the first one off shelf and excluding the second removes both.
	first, second := got[0], got[1]
	spec := &productv1.ProductSpec{CategoryId: first.GetCategoryId(), Title: first.GetTitle(), ImageUrls: first.GetImageUrls(),
		PriceCents: first.GetPriceCents(), Status: productv1.ProductStatus_PRODUCT_STATUS_OFF_SHELF}
	if _, err := f.svc.UpdateProduct(ctx, connect.NewRequest(&productv1.UpdateProductRequest{ProductId: first.GetProductId(), Product: spec})); err != nil {
		t.Fatal(err)
	}
	res, err = f.svc.GetRecommendations(ctx, connect.NewRequest(&productv1.GetRecommendationsRequest{CategoryIds: []string{"c07"}, ExcludeProductIds: []string{second.GetProductId()}, Limit: 5}))
	if err != nil {
		t.Fatal(err)
	}
	after := res.Msg.GetProducts()
	for _, p := range after {
		if p.GetProductId() == first.GetProductId() || p.GetProductId() == second.GetProductId() {
			t.Fatalf("%s still recommended", p.GetProductId())
		}
	}
	if after[0].GetProductId() != got[2].GetProductId() {
		t.Fatalf("want %s first, got %s", got[2].GetProductId(), after[0].GetProductId())
	}
}
