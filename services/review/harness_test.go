package review

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/valkey-io/valkey-go"

	orderv1 "mall/gen/mall/order/v1"
	"mall/gen/mall/order/v1/orderv1connect"
	reviewv1 "mall/gen/mall/review/v1"
	"mall/gen/mall/review/v1/reviewv1connect"
	userv1 "mall/gen/mall/user/v1"
	"mall/gen/mall/user/v1/userv1connect"
	"mall/services/platform/auth"
	"mall/services/platform/rpcclient"
	"mall/services/platform/rpcerr"
	"mall/services/platform/server"
	"mall/services/platform/testenv"
)

// queryCounter counts the SELECTs that read the reviews table.
type queryCounter struct{ reviewReads atomic.Int64 }

func (q *queryCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

func (q *queryCounter) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	query := strings.ToUpper(e.Query)
	if strings.HasPrefix(query, "SELECT") && strings.Contains(query, "`REVIEWS`") {
		q.reviewReads.Add(1)
	}
}

// world is what the order and user services know in a test: the review
// service's only view of them is GetOrderInternal and GetUserInternal, so
// the stand-ins below serve exactly those two from these maps. They are
// other services (not the review's database or cache), mounted on a real
// platform server that requires a service credential for them.
type world struct {
	mu        sync.Mutex
	orders    map[string]*orderv1.Order
	nicknames map[string]string // user id -> nickname; absent: not_found
	callers   map[string]int    // service-token subjects that called
	down      atomic.Bool       // both services fail with an internal error
}

func newWorld() *world {
	return &world{orders: map[string]*orderv1.Order{}, nicknames: map[string]string{}, callers: map[string]int{}}
}

// secretText is what a failing dependency says; it must never reach a client.
const secretText = "dial tcp 10.0.0.7:3306: password for root@orders rejected"

func (w *world) enter(ctx context.Context) error {
	w.mu.Lock()
	if identity, ok := auth.FromContext(ctx); ok {
		w.callers[identity.Subject]++
	}
	w.mu.Unlock()
	if w.down.Load() {
		return errors.New(secretText)
	}
	return nil
}

type orderStandIn struct {
	orderv1connect.UnimplementedOrderServiceHandler
	w *world
}

func (s orderStandIn) GetOrderInternal(ctx context.Context, req *connect.Request[orderv1.GetOrderInternalRequest]) (*connect.Response[orderv1.GetOrderInternalResponse], error) {
	if err := s.w.enter(ctx); err != nil {
		return nil, err
	}
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	o, ok := s.w.orders[req.Msg.GetOrderId()]
	if !ok {
		return nil, rpcerr.New(connect.CodeNotFound, "ORDER_NOT_FOUND", "order not found")
	}
	return connect.NewResponse(&orderv1.GetOrderInternalResponse{Order: o}), nil
}

type userStandIn struct {
	userv1connect.UnimplementedUserServiceHandler
	w *world
}

func (s userStandIn) GetUserInternal(ctx context.Context, req *connect.Request[userv1.GetUserInternalRequest]) (*connect.Response[userv1.GetUserInternalResponse], error) {
	if err := s.w.enter(ctx); err != nil {
		return nil, err
	}
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	nickname, ok := s.w.nicknames[req.Msg.GetUserId()]
	if !ok {
		return nil, rpcerr.New(connect.CodeNotFound, "USER_NOT_FOUND", "user not found")
	}
	return connect.NewResponse(&userv1.GetUserInternalResponse{User: &userv1.User{
		UserId: req.Msg.GetUserId(), Username: "login-" + req.Msg.GetUserId(), Nickname: nickname}}), nil
}

// clock is the service's clock in tests: each reading advances it by step
// (zero: several reviews share one created_at, to exercise the id tie-break).
type clock struct {
	mu   sync.Mutex
	t    time.Time
	step time.Duration
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.t
	c.t = c.t.Add(c.step)
	return t
}

// advance moves the clock on by d.
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// peek returns the next reading without advancing.
func (c *clock) peek() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) setStep(step time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.step = step
}

// fixture is the review service on its own fresh database and its own
// Valkey key prefix, served by the real platform server, calling stand-ins
// of the order and user services (on another real server) over gRPC with
// the "review" service credential, as in the app.
type fixture struct {
	svc     *Service
	db      *bun.DB
	reads   *queryCounter
	redis   valkey.Client
	keys    *auth.Keys
	world   *world
	clock   *clock
	opts    Options
	url     string
	clients map[string]reviewv1connect.ReviewServiceClient // "connect-json", "grpc"
}

// protocols are the client flavours every test runs over.
var protocols = []string{"connect-json", "grpc"}

func newFixture(t *testing.T, options ...func(*Options)) *fixture {
	t.Helper()
	handle := testenv.MigratedDB(t, testenv.DatabasePrefix(t)+"review", Migrations())
	reads := &queryCounter{}
	handle.AddQueryHook(reads)

	keys, err := auth.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld()
	upstream := testenv.Serve(t, server.Options{Authenticator: auth.NewAuthenticator(keys, nil)}, func(srv *server.Server) {
		srv.Mount(orderv1connect.NewOrderServiceHandler(orderStandIn{w: w}, srv.HandlerOptions()...))
		srv.Mount(userv1connect.NewUserServiceHandler(userStandIn{w: w}, srv.HandlerOptions()...))
	})
	credential := rpcclient.NewServiceCredential(keys, "review").Options()

	opts := DefaultOptions()
	opts.KeyPrefix = "test:" + testenv.RandomID(4) + ":"
	for _, option := range options {
		option(&opts)
	}
	redis := testenv.Redis(t)
	svc := NewService(handle,
		orderv1connect.NewOrderServiceClient(rpcclient.HTTPClient(), upstream, credential...),
		userv1connect.NewUserServiceClient(rpcclient.HTTPClient(), upstream, credential...),
		redis, testenv.Logger(), opts)
	clk := &clock{t: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC), step: time.Millisecond}
	svc.now = clk.now

	url := testenv.Serve(t, server.Options{Authenticator: auth.NewAuthenticator(keys, nil)}, func(srv *server.Server) {
		srv.Mount(reviewv1connect.NewReviewServiceHandler(svc, srv.HandlerOptions()...))
		srv.Handle(ImagePath, svc.ImageHandler())
	})
	return &fixture{
		svc: svc, db: handle, reads: reads, redis: redis, keys: keys, world: w, clock: clk, opts: opts, url: url,
		clients: map[string]reviewv1connect.ReviewServiceClient{
			"connect-json": reviewv1connect.NewReviewServiceClient(http.DefaultClient, url, connect.WithProtoJSON()),
			"grpc":         reviewv1connect.NewReviewServiceClient(rpcclient.HTTPClient(), url, connect.WithGRPC()),
		},
	}
}

func (f *fixture) token(t *testing.T, subject string, roles ...string) string {
	t.Helper()
	return testenv.Token(t, f.keys, subject, roles...)
}

// user registers a fresh user with nickname at the user stand-in and
// returns its id (shaped like the user service's) and token.
func (f *fixture) user(t *testing.T, nickname string) (string, string) {
	t.Helper()
	id := "u-" + uuid.NewString() // 38 characters, as the user service makes them
	f.world.mu.Lock()
	f.world.nicknames[id] = nickname
	f.world.mu.Unlock()
	return id, f.token(t, id, auth.RoleUser)
}

// order gives userID an order in status with one line per product.
func (f *fixture) order(t *testing.T, userID string, status orderv1.OrderStatus, productIDs ...string) string {
	t.Helper()
	id := "o-" + testenv.RandomID(12)
	o := &orderv1.Order{OrderId: id, UserId: userID, Status: status, Kind: orderv1.OrderKind_ORDER_KIND_REGULAR}
	for _, p := range productIDs {
		o.Lines = append(o.Lines, &orderv1.OrderLine{ProductId: p, Title: "title of " + p, UnitPriceCents: 100, Quantity: 1, LineTotalCents: 100})
	}
	f.world.mu.Lock()
	f.world.orders[id] = o
	f.world.mu.Unlock()
	return id
}

// buyer is a fresh user with a DELIVERED order of productID.
func (f *fixture) buyer(t *testing.T, productID string) (userID, token, orderID string) {
	t.Helper()
	userID, token = f.user(t, "买家"+testenv.RandomID(2))
	return userID, token, f.order(t, userID, statusDelivered, productID)
}

// create reviews a product through client and fails the test on an error.
// Each of images names a picture the reviewer uploads first (a PNG drawn
// from the name).
func (f *fixture) create(t *testing.T, client reviewv1connect.ReviewServiceClient, token, orderID, productID string, rating int32, images ...string) *reviewv1.Review {
	t.Helper()
	var ids []string
	for _, name := range images {
		ids = append(ids, f.upload(t, client, token, testPNG(t, 8, 6, name)).GetImageId())
	}
	res, err := client.CreateReview(context.Background(), testenv.Bearer(token, &reviewv1.CreateReviewRequest{
		OrderId: orderID, ProductId: productID, Rating: rating, Text: "评价 review of " + productID, ImageIds: ids}))
	if err != nil {
		t.Fatalf("review %s/%s: %v", orderID, productID, err)
	}
	return res.Msg.GetReview()
}

// upload stores a picture as the token's user and fails the test on an
// error.
func (f *fixture) upload(t *testing.T, client reviewv1connect.ReviewServiceClient, token string, data []byte) *reviewv1.ReviewImage {
	t.Helper()
	res, err := client.UploadReviewImage(context.Background(), testenv.Bearer(token, &reviewv1.UploadReviewImageRequest{Data: data}))
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	return res.Msg.GetImage()
}

// review writes one review of productID by a fresh buyer.
func (f *fixture) review(t *testing.T, client reviewv1connect.ReviewServiceClient, productID string, rating int32, images ...string) *reviewv1.Review {
	t.Helper()
	_, token, orderID := f.buyer(t, productID)
	return f.create(t, client, token, orderID, productID, rating, images...)
}

func (f *fixture) summary(t *testing.T, client reviewv1connect.ReviewServiceClient, productID string) *reviewv1.ReviewSummary {
	t.Helper()
	res, err := client.GetReviewSummary(context.Background(), connect.NewRequest(&reviewv1.GetReviewSummaryRequest{ProductId: productID}))
	if err != nil {
		t.Fatal(err)
	}
	return res.Msg.GetSummary()
}

func (f *fixture) countRows(t *testing.T, where string, args ...any) int {
	t.Helper()
	n, err := f.db.NewSelect().Model((*reviewRow)(nil)).Where(where, args...).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

const (
	statusPending   = orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT
	statusPaid      = orderv1.OrderStatus_ORDER_STATUS_PAID
	statusShipped   = orderv1.OrderStatus_ORDER_STATUS_SHIPPED
	statusDelivered = orderv1.OrderStatus_ORDER_STATUS_DELIVERED
	statusCompleted = orderv1.OrderStatus_ORDER_STATUS_COMPLETED
	statusCancelled = orderv1.OrderStatus_ORDER_STATUS_CANCELLED
	statusRefunded  = orderv1.OrderStatus_ORDER_STATUS_REFUNDED
)
