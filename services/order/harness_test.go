package order

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/uptrace/bun"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/types/known/timestamppb"

	orderv1 "mall/gen/mall/order/v1"
	"mall/gen/mall/order/v1/orderv1connect"
	"mall/services/platform/auth"
	"mall/services/platform/feed"
	"mall/services/platform/ratelimit"
	"mall/services/platform/rpcclient"
	"mall/services/platform/server"
	"mall/services/platform/temporalx"
	"mall/services/platform/testenv"
	"mall/workflows/checkout"
)

// fixture is the order service on its own fresh database, served by the
// real platform server, starting workflows on a Temporal dev server of its
// own whose test worker runs the stand-in saga below.
type fixture struct {
	svc      *Service
	db       *bun.DB
	url      string
	keys     *auth.Keys
	temporal client.Client
	saga     *standIn
	clients  map[string]orderv1connect.OrderServiceClient // "connect-json", "grpc"
	service  string                                       // service (internal) token
	admin    string                                       // admin token
}

func newFixture(t *testing.T, options ...func(*Options)) *fixture {
	t.Helper()
	ctx := context.Background()
	handle := testenv.MigratedDB(t, testenv.DatabasePrefix(t)+"order", Migrations())

	tc, err := temporalx.Dial(ctx, testenv.Temporal(t), "default", testenv.Logger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tc.Close)
	taskQueue := "order-test-" + testenv.RandomID(4)
	saga := newStandIn()
	w := temporalx.NewWorker(tc, taskQueue, func(r worker.Registry) {
		r.RegisterWorkflowWithOptions(saga.run, workflow.RegisterOptions{Name: checkout.WorkflowName})
	})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)

	opts := DefaultOptions()
	opts.PaymentTimeout, opts.AutoComplete = 3*time.Minute, time.Hour
	// Streams re-read only on a hint unless a test says otherwise.
	opts.Feed = testenv.Feed(t, feed.Options{Recheck: time.Hour})
	for _, option := range options {
		option(&opts)
	}
	limiter := ratelimit.New(testenv.Redis(t), "test:"+testenv.RandomID(6)+":checkout:")
	svc := NewService(handle, tc, taskQueue, FlashSaleClients{}, limiter, testenv.Logger(), opts)
	keys, err := auth.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	url := testenv.Serve(t, server.Options{Authenticator: auth.NewAuthenticator(keys, nil)}, func(srv *server.Server) {
		srv.Mount(orderv1connect.NewOrderServiceHandler(svc, srv.HandlerOptions()...))
	})
	f := &fixture{
		svc: svc, db: handle, url: url, keys: keys, temporal: tc, saga: saga,
		clients: map[string]orderv1connect.OrderServiceClient{
			"connect-json": orderv1connect.NewOrderServiceClient(http.DefaultClient, url, connect.WithProtoJSON()),
			"grpc":         orderv1connect.NewOrderServiceClient(rpcclient.HTTPClient(), url, connect.WithGRPC()),
		},
	}
	f.service = f.token(t, "checkout-worker", auth.RoleService)
	f.admin = f.token(t, "admin-1", auth.RoleAdmin)
	return f
}

func (f *fixture) token(t *testing.T, subject string, roles ...string) string {
	t.Helper()
	return testenv.Token(t, f.keys, subject, roles...)
}

// user returns a fresh user id and its token.
func (f *fixture) user(t *testing.T) (string, string) {
	t.Helper()
	id := "u-" + testenv.RandomID(6)
	return id, f.token(t, id, auth.RoleUser)
}

// createOrder creates a PENDING_PAYMENT order for userID through the
// internal RPC, as the checkout saga does.
func (f *fixture) createOrder(t *testing.T, client orderv1connect.OrderServiceClient, userID, orderID string) *orderv1.Order {
	t.Helper()
	res, err := client.CreateOrder(context.Background(), testenv.Bearer(f.service, orderRequest(userID, orderID)))
	if err != nil {
		t.Fatal(err)
	}
	return res.Msg.GetOrder()
}

func orderRequest(userID, orderID string) *orderv1.CreateOrderRequest {
	return &orderv1.CreateOrderRequest{
		OrderId: orderID, UserId: userID, ReservationId: "r-" + orderID,
		Lines: []*orderv1.OrderLineInput{
			{ProductId: "p0001", CategoryId: "c-tea", Title: "西湖龙井 Longjing tea", ImageUrl: "/img/p0001.svg", UnitPriceCents: 12800, Quantity: 2},
			{ProductId: "p0002", CategoryId: "c-tea", Title: "Tea cup", UnitPriceCents: 1999, Quantity: 1},
		},
		ShippingAddress: &orderv1.ShippingAddress{RecipientName: "张三", Phone: "13800138000", Province: "浙江", City: "杭州",
			District: "西湖区", Detail: "文三路 1 号"},
		PaymentDeadline: timestamppb.New(time.Now().Add(30 * time.Minute)),
	}
}

// transition moves an order through the internal RPC.
func (f *fixture) transition(t *testing.T, client orderv1connect.OrderServiceClient, orderID string, to orderv1.OrderStatus, reason string) *orderv1.Order {
	t.Helper()
	res, err := client.TransitionOrder(context.Background(), testenv.Bearer(f.service, &orderv1.TransitionOrderRequest{OrderId: orderID, ToStatus: to, Reason: reason}))
	if err != nil {
		t.Fatal(err)
	}
	return res.Msg.GetOrder()
}

// standIn stands in for the real checkout saga, which its own package
// (workflows/checkout) tests with the Temporal test suite and the app's
// end-to-end tests run for real: the order service only starts, queries
// and signals CheckoutWorkflow, so this small workflow registered under the
// same name records what it was started with and the signals it got,
// answers the status query, and ends on a cancel or receipt signal. A
// buy-now of failProductID ends at once as FAILED, like a checkout whose
// stock ran out.
type standIn struct {
	mu      sync.Mutex
	runs    map[string]int                   // workflow id -> executions
	signals map[string][]string              // workflow id -> signal names, in order
	cancels map[string]checkout.CancelSignal // workflow id -> the cancel signal
}

const (
	failProductID = "p-sold-out"
	// failOddlyProductID fails with a code the contract does not name.
	failOddlyProductID = "p-odd-failure"
	queryInput         = "test-input"
)

func newStandIn() *standIn {
	return &standIn{runs: map[string]int{}, signals: map[string][]string{}, cancels: map[string]checkout.CancelSignal{}}
}

func (s *standIn) run(ctx workflow.Context, in checkout.Input) (checkout.Status, error) {
	id := workflow.GetInfo(ctx).WorkflowExecution.ID
	if !workflow.IsReplaying(ctx) {
		s.mu.Lock()
		s.runs[id]++
		s.mu.Unlock()
	}
	status := checkout.Status{OrderID: in.OrderID, UserID: in.UserID, State: checkout.StateProcessing}
	if in.BuyNow != nil && in.BuyNow.ProductID == failOddlyProductID {
		status.State, status.FailureReason, status.FailureCode = checkout.StateFailed, "checkout could not be completed", "SOME_WORKFLOW_TYPE"
		return status, nil
	}
	if in.BuyNow != nil && in.BuyNow.ProductID == failProductID {
		status.State, status.FailureReason, status.FailureCode = checkout.StateFailed, "out of stock: "+failProductID, checkout.ErrTypeOutOfStock
		return status, nil
	}
	if err := workflow.SetQueryHandler(ctx, checkout.QueryStatus, func() (checkout.Status, error) { return status, nil }); err != nil {
		return status, err
	}
	if err := workflow.SetQueryHandler(ctx, queryInput, func() (checkout.Input, error) { return in, nil }); err != nil {
		return status, err
	}
	record := func(name string) {
		if !workflow.IsReplaying(ctx) {
			s.mu.Lock()
			s.signals[id] = append(s.signals[id], name)
			s.mu.Unlock()
		}
	}
	for done := false; !done; {
		selector := workflow.NewSelector(ctx)
		selector.AddReceive(workflow.GetSignalChannel(ctx, checkout.SignalCancel), func(c workflow.ReceiveChannel, _ bool) {
			var sig checkout.CancelSignal
			c.Receive(ctx, &sig)
			record(checkout.SignalCancel)
			if !workflow.IsReplaying(ctx) {
				s.mu.Lock()
				s.cancels[id] = sig
				s.mu.Unlock()
			}
			status.State, done = checkout.StateCancelled, true
		})
		for _, name := range []string{checkout.SignalShipped, checkout.SignalDelivered} {
			selector.AddReceive(workflow.GetSignalChannel(ctx, name), func(c workflow.ReceiveChannel, _ bool) {
				c.Receive(ctx, nil)
				record(name)
			})
		}
		selector.AddReceive(workflow.GetSignalChannel(ctx, checkout.SignalReceived), func(c workflow.ReceiveChannel, _ bool) {
			c.Receive(ctx, nil)
			record(checkout.SignalReceived)
			status.State, done = checkout.StateCompleted, true
		})
		selector.Select(ctx)
	}
	return status, nil
}

func (s *standIn) runsOf(workflowID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.runs[workflowID]
}

func (s *standIn) total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, runs := range s.runs {
		n += runs
	}
	return n
}

func (s *standIn) signalsOf(workflowID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.signals[workflowID]...)
}

func (s *standIn) reasonOf(workflowID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cancels[workflowID].Reason
}

func (s *standIn) cancelOf(workflowID string) (checkout.CancelSignal, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sig, ok := s.cancels[workflowID]
	return sig, ok
}

// waitWorkflow blocks until the checkout workflow of orderID ends and
// returns its result.
func (f *fixture) waitWorkflow(t *testing.T, orderID string) checkout.Status {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var status checkout.Status
	if err := f.temporal.GetWorkflow(ctx, checkout.WorkflowID(orderID), "").Get(ctx, &status); err != nil {
		t.Fatal(err)
	}
	return status
}
