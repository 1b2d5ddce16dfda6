package seckill

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/uptrace/bun"
	"github.com/valkey-io/valkey-go"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	orderv1 "mall/gen/mall/order/v1"
	"mall/gen/mall/order/v1/orderv1connect"
	productv1 "mall/gen/mall/product/v1"
	"mall/gen/mall/product/v1/productv1connect"
	seckillv1 "mall/gen/mall/seckill/v1"
	"mall/gen/mall/seckill/v1/seckillv1connect"
	"mall/services/platform/auth"
	"mall/services/platform/kafka"
	"mall/services/platform/ratelimit"
	"mall/services/platform/rpcclient"
	"mall/services/platform/server"
	"mall/services/platform/testenv"
)

// The seckill service on its own database, real Redis and an embedded
// Kafka (kfake), with stand-ins for the catalog (GetProduct) and the order
// service (ListOrdersInternal over an in-test map, for the reconciler). The
// writers and the real order service are exercised in services/app.

type fixture struct {
	svc     *Service
	db      *bun.DB
	valkey  valkey.Client
	cluster *kafka.Cluster
	orders  *orderStandIn
	keys    *auth.Keys
	clients map[string]seckillv1connect.SeckillServiceClient
	admin   string
	service string
}

type fixtureOptions struct {
	redisDB   int           // a Redis database of its own (tests that flush it)
	produce   time.Duration // ProduceTimeout
	brokers   []string      // Kafka brokers; empty: a fresh embedded one
	rate      ratelimit.Limit
	reconcile time.Duration // ReconcileEvery
}

func newFixture(t *testing.T, o fixtureOptions) *fixture {
	t.Helper()
	handle := testenv.MigratedDB(t, testenv.DatabasePrefix(t)+"seckill", Migrations())
	client, err := valkey.NewClient(valkey.ClientOption{InitAddress: []string{testenv.RedisAddr()}, ForceSingleClient: true, SelectDB: o.redisDB})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(client.Close)
	cluster, err := kafka.Connect(o.brokers, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cluster.Close)
	producer, err := cluster.NewClient(kgo.RequiredAcks(kgo.AllISRAcks()), kgo.RecordRetries(2))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(producer.Close)

	orders := &orderStandIn{}
	upstream := testenv.Serve(t, server.Options{}, func(srv *server.Server) {
		srv.Mount(orderv1connect.NewOrderServiceHandler(orders))
		srv.Mount(productv1connect.NewProductServiceHandler(productStandIn{}))
	})
	opts := DefaultOptions()
	opts.KeyPrefix = "test:" + testenv.RandomID(5) + ":seckill:"
	opts.ReconcileGrace = 100 * time.Millisecond
	if o.produce > 0 {
		opts.ProduceTimeout = o.produce
	}
	if o.rate.Burst > 0 {
		opts.RateLimit = o.rate
	} else {
		opts.RateLimit = ratelimit.Limit{Burst: 1000, Period: time.Second}
	}
	if o.reconcile > 0 {
		opts.ReconcileEvery = o.reconcile
	}
	h := rpcclient.HTTPClient()
	svc := NewService(handle, client, Kafka{Producer: producer, NewClient: cluster.NewClient},
		productv1connect.NewProductServiceClient(h, upstream, connect.WithGRPC()),
		orderv1connect.NewOrderServiceClient(h, upstream, connect.WithGRPC()), testenv.Logger(), opts)
	clearing, stopClearing := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = svc.ClearOutboxes(clearing); close(done) }()
	t.Cleanup(func() { stopClearing(); <-done })
	keys, err := auth.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	url := testenv.Serve(t, server.Options{Authenticator: auth.NewAuthenticator(keys, nil)}, func(srv *server.Server) {
		srv.Mount(seckillv1connect.NewSeckillServiceHandler(NewHandler(svc), srv.HandlerOptions()...))
	})
	return &fixture{svc: svc, db: handle, valkey: client, cluster: cluster, orders: orders, keys: keys,
		clients: map[string]seckillv1connect.SeckillServiceClient{
			"connect-json": seckillv1connect.NewSeckillServiceClient(http.DefaultClient, url, connect.WithProtoJSON()),
			"grpc":         seckillv1connect.NewSeckillServiceClient(h, url, connect.WithGRPC()),
		},
		admin:   testenv.Token(t, keys, "admin-1", auth.RoleAdmin),
		service: testenv.Token(t, keys, "seckill-writer", auth.RoleService),
	}
}

// event creates a sale through the admin RPC; window is relative to now.
func (f *fixture) event(t *testing.T, stock int64, from, to time.Duration) *seckillv1.FlashSaleEvent {
	t.Helper()
	res, err := f.clients["grpc"].CreateEvent(context.Background(), testenv.Bearer(f.admin, &seckillv1.CreateEventRequest{
		ProductId: "p0001", PriceCents: 990, Stock: stock, PerUserLimit: 1,
		StartsAt: timestamppb.New(time.Now().Add(from)), EndsAt: timestamppb.New(time.Now().Add(to))}))
	if err != nil {
		t.Fatal(err)
	}
	return res.Msg.GetEvent()
}

func (f *fixture) user(t *testing.T, id string) string {
	return testenv.Token(t, f.keys, id, auth.RoleUser)
}

func (f *fixture) buy(client seckillv1connect.SeckillServiceClient, token, eventID string) (string, error) {
	res, err := client.Purchase(context.Background(), testenv.Bearer(token, &seckillv1.PurchaseRequest{EventId: eventID}))
	if err != nil {
		return "", err
	}
	return res.Msg.GetTicket(), nil
}

// records reads every purchase record of the topic so far.
func (f *fixture) records(t *testing.T, want int) []*seckillv1.PurchaseRecord {
	t.Helper()
	client, err := f.cluster.NewClient(kgo.ConsumeTopics(PurchasesTopic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	var out []*seckillv1.PurchaseRecord
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for len(out) < want && ctx.Err() == nil {
		client.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
			var rec seckillv1.PurchaseRecord
			if err := proto.Unmarshal(r.Value, &rec); err != nil {
				t.Errorf("record %v", err)
			}
			if string(r.Key) != rec.GetUserId() {
				t.Errorf("record keyed %q, buyer %q", r.Key, rec.GetUserId())
			}
			out = append(out, &rec)
		})
	}
	// Nothing beyond what was expected.
	extra, cancelExtra := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancelExtra()
	client.PollFetches(extra).EachRecord(func(*kgo.Record) { out = append(out, nil) })
	return out
}

// stock is the sale's units left in Valkey.
func (f *fixture) stock(t *testing.T, eventID string) int64 {
	t.Helper()
	left, ready, err := f.svc.remaining(context.Background(), eventID)
	if err != nil || !ready {
		t.Fatalf("remaining %d ready %v err %v", left, ready, err)
	}
	return left
}

// orderStandIn answers ListOrdersInternal by event from a map.
type orderStandIn struct {
	orderv1connect.UnimplementedOrderServiceHandler
	mu     sync.Mutex
	orders []*orderv1.Order
}

func (o *orderStandIn) add(order *orderv1.Order) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.orders = append(o.orders, order)
}

func (o *orderStandIn) ListOrdersInternal(_ context.Context, req *connect.Request[orderv1.ListOrdersInternalRequest]) (*connect.Response[orderv1.ListOrdersInternalResponse], error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []*orderv1.Order
	for _, order := range o.orders {
		if order.GetSeckillEventId() == req.Msg.GetSeckillEventId() {
			out = append(out, order)
		}
	}
	return connect.NewResponse(&orderv1.ListOrdersInternalResponse{Orders: out}), nil
}

type productStandIn struct {
	productv1connect.UnimplementedProductServiceHandler
}

func (productStandIn) GetProduct(_ context.Context, req *connect.Request[productv1.GetProductRequest]) (*connect.Response[productv1.GetProductResponse], error) {
	if req.Msg.GetProductId() != "p0001" {
		return nil, connect.NewError(connect.CodeNotFound, nil)
	}
	return connect.NewResponse(&productv1.GetProductResponse{Product: &productv1.Product{ProductId: "p0001", CategoryId: "c01",
		Title: "龙井绿茶 Longjing", ImageUrls: []string{"/img/longjing.svg"}, PriceCents: 43999}}), nil
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 30 s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
