package seckill

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
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
	userv1 "mall/gen/mall/user/v1"
	"mall/gen/mall/user/v1/userv1connect"
	"mall/services/platform/audit"
	"mall/services/platform/auth"
	"mall/services/platform/feed"
	"mall/services/platform/kafka"
	"mall/services/platform/ratelimit"
	"mall/services/platform/rpcclient"
	"mall/services/platform/server"
	"mall/services/platform/testenv"
	"mall/services/product"
	"mall/services/user"
)

// The seckill service on its own database, real Redis and an embedded
// Kafka (kfake), next to the real catalog and user services (each on its
// own database: stock allocations, buyers' addresses) and a stand-in for
// the order service (ListOrdersInternal over an in-test map, for the
// reconciler and settling). The writers and the real order service are
// exercised in services/app.

type fixture struct {
	svc       *Service
	db        *bun.DB
	productDB *bun.DB
	userDB    *bun.DB
	products  *product.Service
	valkey    valkey.Client
	cluster   *kafka.Cluster
	orders    *orderStandIn
	keys      *auth.Keys
	audits    *auditLog
	clients   map[string]seckillv1connect.SeckillServiceClient
	admin     string
	service   string
	// addressLookups counts the buyers' address lookups, userCalls those
	// that asked the user service (the book was not cached), eventReads
	// the SELECTs of flash_sale_events.
	addressLookups *atomic.Int64
	userCalls      *atomic.Int64
	eventReads     *atomic.Int64
}

// saleProduct is the product the fixture's sales are of; the fixture
// gives it saleProductStock units.
const (
	saleProduct      = "p0001"
	saleProductStock = 100000
)

type fixtureOptions struct {
	redisDB   int           // a Redis database of its own (tests that flush it)
	produce   time.Duration // ProduceTimeout
	brokers   []string      // Kafka brokers; empty: a fresh embedded one
	rate      ratelimit.Limit
	reconcile time.Duration // ReconcileEvery
	eventTTL  time.Duration // EventCacheTTL
	// paymentTimeout is PaymentTimeout when set; zeroPaymentTimeout makes
	// it 0 (an ended sale settles as soon as no order is pending).
	paymentTimeout     time.Duration
	zeroPaymentTimeout bool
	// lostAllocations makes every AllocateStock answer unavailable after
	// the catalog did it (the answer lost on the way back).
	lostAllocations bool
	// feed tunes the change feed (its channel is the test's own).
	feed feed.Options
}

func newFixture(t *testing.T, o fixtureOptions) *fixture {
	t.Helper()
	prefix := testenv.DatabasePrefix(t)
	handle := testenv.MigratedDB(t, prefix+"seckill", Migrations())
	eventReads := &selectCounter{table: "flash_sale_events"}
	handle.AddQueryHook(eventReads)
	client := testenv.RedisDatabase(t, o.redisDB)
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

	productDB := testenv.MigratedDB(t, prefix+"product", product.Migrations())
	if err := product.Seed(context.Background(), productDB); err != nil {
		t.Fatal(err)
	}
	keyspace := "test:" + testenv.RandomID(5) + ":"
	shared := testenv.Redis(t)
	productOpts := product.DefaultOptions()
	productOpts.KeyPrefix = keyspace
	products := product.NewService(productDB, shared, testenv.Logger(), productOpts)
	t.Cleanup(products.Close)
	if _, err := products.SetStock(context.Background(), connect.NewRequest(&productv1.SetStockRequest{ProductId: saleProduct, Stock: saleProductStock})); err != nil {
		t.Fatal(err)
	}
	userDB := testenv.MigratedDB(t, prefix+"user", user.Migrations())
	keys, err := auth.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	userOpts := user.DefaultOptions()
	userOpts.KeyPrefix = keyspace
	orders := &orderStandIn{}
	users := &user.Service{}
	upstream := testenv.Serve(t, server.Options{}, func(srv *server.Server) {
		srv.Mount(orderv1connect.NewOrderServiceHandler(orders))
		srv.Mount(productv1connect.NewProductServiceHandler(products))
		srv.Mount(userv1connect.NewUserServiceHandler(users))
	})
	h := rpcclient.HTTPClient()
	*users = *user.NewService(userDB, shared, keys, auth.NewValkeyRevocations(shared, keyspace+"revoked:"),
		ratelimit.New(shared, keyspace+"rl:"), productv1connect.NewProductServiceClient(h, upstream, connect.WithGRPC()), testenv.Logger(), userOpts)
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
	if o.eventTTL > 0 {
		opts.EventCacheTTL = o.eventTTL
	}
	opts.Feed = testenv.Feed(t, o.feed)
	if o.paymentTimeout > 0 || o.zeroPaymentTimeout {
		opts.PaymentTimeout = o.paymentTimeout
	}
	// The reader is on a Valkey connection of its own, as in another
	// process; userCalls counts what it asked the user service, once
	// answered (by then the user service has cached the book).
	userCalls := &atomic.Int64{}
	counted := connect.WithInterceptors(connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			defer userCalls.Add(1)
			return next(ctx, req)
		}
	}))
	addresses := &countedAddresses{Addresses: user.NewAddressReader(testenv.Redis(t), userOpts,
		userv1connect.NewUserServiceClient(h, upstream, connect.WithGRPC(), counted))}
	catalogOpts := []connect.ClientOption{connect.WithGRPC()}
	if o.lostAllocations {
		catalogOpts = append(catalogOpts, connect.WithInterceptors(connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
			return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
				res, err := next(ctx, req)
				if err == nil && req.Spec().Procedure == productv1connect.ProductServiceAllocateStockProcedure {
					return nil, connect.NewError(connect.CodeUnavailable, errors.New("connection reset"))
				}
				return res, err
			}
		})))
	}
	svc := NewService(handle, client, Kafka{Producer: producer, NewClient: cluster.NewClient},
		productv1connect.NewProductServiceClient(h, upstream, catalogOpts...),
		orderv1connect.NewOrderServiceClient(h, upstream, connect.WithGRPC()),
		addresses, testenv.Logger(), opts)
	clearing, stopClearing := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = svc.ClearOutboxes(clearing); close(done) }()
	t.Cleanup(func() { stopClearing(); <-done })
	audits := &auditLog{outcomes: map[string]audit.Outcome{}}
	url := testenv.Serve(t, server.Options{Authenticator: auth.NewAuthenticator(keys, nil)}, func(srv *server.Server) {
		opts := append(srv.HandlerOptions(), connect.WithInterceptors(audit.NewInterceptor(audits, func() string { return testenv.RandomID(8) }, testenv.Logger())))
		srv.Mount(seckillv1connect.NewSeckillServiceHandler(svc, opts...))
	})
	return &fixture{svc: svc, db: handle, productDB: productDB, userDB: userDB, products: products, valkey: client, cluster: cluster,
		orders: orders, keys: keys, audits: audits, addressLookups: &addresses.n, userCalls: userCalls, eventReads: &eventReads.n,
		clients: map[string]seckillv1connect.SeckillServiceClient{
			"connect-json": seckillv1connect.NewSeckillServiceClient(http.DefaultClient, url, connect.WithProtoJSON()),
			"grpc":         seckillv1connect.NewSeckillServiceClient(h, url, connect.WithGRPC()),
		},
		admin:   testenv.Token(t, keys, "admin-1", auth.RoleAdmin),
		service: testenv.Token(t, keys, "seckill-writer", auth.RoleService),
	}
}

// event creates and publishes a sale through the admin RPCs; window is
// relative to now.
func (f *fixture) event(t *testing.T, stock int64, from, to time.Duration) *seckillv1.FlashSaleEvent {
	t.Helper()
	ev := f.preview(t, stock, from, to)
	res, err := f.clients["grpc"].PublishEvent(context.Background(), testenv.Bearer(f.admin, &seckillv1.PublishEventRequest{EventId: ev.GetEventId()}))
	if err != nil {
		t.Fatal(err)
	}
	return res.Msg.GetEvent()
}

// preview creates a sale through the admin RPC and leaves it in preview.
func (f *fixture) preview(t *testing.T, stock int64, from, to time.Duration) *seckillv1.FlashSaleEvent {
	t.Helper()
	res, err := f.clients["grpc"].CreateEvent(context.Background(), testenv.Bearer(f.admin, &seckillv1.CreateEventRequest{
		ProductId: saleProduct, PriceCents: 990, Stock: stock, PerUserLimit: 1,
		StartsAt: timestamppb.New(time.Now().Add(from)), EndsAt: timestamppb.New(time.Now().Add(to))}))
	if err != nil {
		t.Fatal(err)
	}
	return res.Msg.GetEvent()
}

// user returns a token of a buyer with a default shipping address.
func (f *fixture) user(t *testing.T, id string) string {
	t.Helper()
	if err := user.SeedAddresses(context.Background(), f.userDB, []string{id}); err != nil {
		t.Fatal(err)
	}
	return f.shopper(t, id)
}

// shopper returns a token of a buyer without giving them an address.
func (f *fixture) shopper(t *testing.T, id string) string {
	return testenv.Token(t, f.keys, id, auth.RoleUser)
}

// giveAddress adds another (not default) address to a buyer's address
// book in the user database and returns its id.
func (f *fixture) giveAddress(t *testing.T, userID string) string {
	t.Helper()
	id := "a-" + userID + "-" + testenv.RandomID(4)
	now := time.Now().UTC()
	if _, err := f.userDB.NewInsert().Table("addresses").Model(&map[string]any{
		"id": id, "user_id": userID, "recipient_name": "收件人 " + userID, "phone": "13800138000", "province": "浙江",
		"city": "杭州", "district": "西湖区", "detail": "文三路 " + id, "postal_code": "310000", "is_default": false,
		"created_at": now, "updated_at": now,
	}).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	return id
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

// countedAddresses counts the address lookups Purchase makes.
type countedAddresses struct {
	Addresses
	n atomic.Int64
}

func (c *countedAddresses) Address(ctx context.Context, userID, addressID string) (*userv1.Address, error) {
	c.n.Add(1)
	return c.Addresses.Address(ctx, userID, addressID)
}

// selectCounter counts SELECTs of one table (a bun query hook).
type selectCounter struct {
	table string
	n     atomic.Int64
}

func (c *selectCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}
func (c *selectCounter) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	query := strings.ToUpper(e.Query)
	if strings.HasPrefix(query, "SELECT") && strings.Contains(query, "`"+strings.ToUpper(c.table)+"`") {
		c.n.Add(1)
	}
}

// orderStandIn answers ListOrdersInternal by event (and status, when
// asked) from a map.
type orderStandIn struct {
	orderv1connect.UnimplementedOrderServiceHandler
	mu     sync.Mutex
	orders []*orderv1.Order
	// beforeList, when set, runs (once) as the next ListOrdersInternal
	// begins: a test holds a caller there, or fails the call with its error.
	beforeList func() error
}

// holdNextList makes the next ListOrdersInternal run hold before it
// answers; an error it returns is the answer.
func (o *orderStandIn) holdNextList(hold func() error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.beforeList = hold
}

func (o *orderStandIn) add(order *orderv1.Order) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.orders = append(o.orders, order)
}

// CountFlashSaleOrders counts the map's orders of a sale by status.
func (o *orderStandIn) CountFlashSaleOrders(_ context.Context, req *connect.Request[orderv1.CountFlashSaleOrdersRequest]) (*connect.Response[orderv1.CountFlashSaleOrdersResponse], error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	byStatus := map[orderv1.OrderStatus]*orderv1.OrderStatusCount{}
	res := &orderv1.CountFlashSaleOrdersResponse{}
	for _, order := range o.orders {
		if order.GetSeckillEventId() != req.Msg.GetSeckillEventId() {
			continue
		}
		c := byStatus[order.GetStatus()]
		if c == nil {
			c = &orderv1.OrderStatusCount{Status: order.GetStatus()}
			byStatus[order.GetStatus()] = c
			res.Counts = append(res.Counts, c)
		}
		c.Orders++
		for _, l := range order.GetLines() {
			c.Units += int64(l.GetQuantity())
		}
	}
	return connect.NewResponse(res), nil
}

func (o *orderStandIn) ListOrdersInternal(_ context.Context, req *connect.Request[orderv1.ListOrdersInternalRequest]) (*connect.Response[orderv1.ListOrdersInternalResponse], error) {
	o.mu.Lock()
	hold := o.beforeList
	o.beforeList = nil
	o.mu.Unlock()
	if hold != nil {
		if err := hold(); err != nil {
			return nil, err
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []*orderv1.Order
	for _, order := range o.orders {
		statuses := req.Msg.GetStatuses()
		if order.GetSeckillEventId() == req.Msg.GetSeckillEventId() && (len(statuses) == 0 || slices.Contains(statuses, order.GetStatus())) {
			out = append(out, order)
		}
	}
	return connect.NewResponse(&orderv1.ListOrdersInternalResponse{Orders: out}), nil
}

// auditLog records the operators' actions in memory (audit.Recorder).
type auditLog struct {
	mu       sync.Mutex
	entries  []audit.Entry
	outcomes map[string]audit.Outcome
}

func (a *auditLog) Begin(_ context.Context, e audit.Entry) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.entries = append(a.entries, e)
	return nil
}

func (a *auditLog) Finish(_ context.Context, id string, o audit.Outcome) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.outcomes[id] = o
	return nil
}

// of returns the recorded actions on a procedure, with their outcomes,
// oldest first.
func (a *auditLog) of(procedure string) ([]audit.Entry, []audit.Outcome) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var entries []audit.Entry
	var outcomes []audit.Outcome
	for _, e := range a.entries {
		if e.Procedure == procedure {
			entries = append(entries, e)
			outcomes = append(outcomes, a.outcomes[e.ID])
		}
	}
	return entries, outcomes
}
