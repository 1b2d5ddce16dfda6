package ops_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/types/known/timestamppb"

	opsv1 "mall/gen/mall/ops/v1"
	"mall/gen/mall/ops/v1/opsv1connect"
	orderv1 "mall/gen/mall/order/v1"
	"mall/gen/mall/order/v1/orderv1connect"
	"mall/gen/mall/user/v1/userv1connect"
	"mall/services/ops"
	"mall/services/platform/auth"
	"mall/services/platform/rpcclient"
	"mall/services/platform/server"
	"mall/services/platform/temporalx"
	"mall/services/platform/testenv"
)

// orders is the order service as the attention list asks it: the unpaid
// orders it holds, filtered by the request as the real one filters, and
// the requests it was asked.
type orders struct {
	orderv1connect.UnimplementedOrderServiceHandler
	mu     sync.Mutex
	unpaid []*orderv1.Order
	asked  []*orderv1.ListOrdersInternalRequest
}

func (o *orders) ListOrdersInternal(_ context.Context, req *connect.Request[orderv1.ListOrdersInternalRequest]) (*connect.Response[orderv1.ListOrdersInternalResponse], error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.asked = append(o.asked, req.Msg)
	res := &orderv1.ListOrdersInternalResponse{}
	if len(req.Msg.GetRefundStates()) > 0 {
		return connect.NewResponse(res), nil // no refused refund in this world
	}
	for _, order := range o.unpaid {
		if order.GetPaymentDeadline().AsTime().Before(req.Msg.GetPaymentDeadlineBefore().AsTime()) {
			res.Orders = append(res.Orders, order)
		}
	}
	return connect.NewResponse(res), nil
}

// providerDown makes failingStep fail, as a step whose service is down does.
var providerDown atomic.Bool

func failingStep(context.Context) error {
	if providerDown.Load() {
		return errors.New("the provider is down")
	}
	return nil
}

// stuckWorkflow runs failingStep with retries 10 ms, 1 s and then 100 s
// apart: from the fourth attempt on, only a reset runs it again soon.
func stuckWorkflow(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 10 * time.Millisecond, BackoffCoefficient: 100, MaximumInterval: time.Hour},
	})
	return workflow.ExecuteActivity(ctx, "FailingStep").Get(ctx, nil)
}

func TestTheAttentionListFindsStuckPaymentsAndRetryingWorkflows(t *testing.T) {
	ctx := context.Background()
	db := testenv.MigratedDB(t, testenv.DatabasePrefix(t)+"ops", ops.Migrations())
	tc, err := temporalx.Dial(ctx, testenv.Temporal(t), "default", testenv.Logger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tc.Close)
	taskQueue := "ops-test-" + testenv.RandomID(4)
	w := worker.New(tc, taskQueue, worker.Options{})
	w.RegisterWorkflowWithOptions(stuckWorkflow, workflow.RegisterOptions{Name: "StuckWorkflow"})
	w.RegisterActivityWithOptions(failingStep, activity.RegisterOptions{Name: "FailingStep"})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)

	keys, err := auth.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	orderService := &orders{unpaid: []*orderv1.Order{
		{OrderId: "o-stuck", UserId: "u-1", TotalCents: 990, Kind: orderv1.OrderKind_ORDER_KIND_REGULAR,
			Status: orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT, PaymentDeadline: timestamppb.New(now.Add(-time.Hour))},
		{OrderId: "o-flash", UserId: "u-2", TotalCents: 100, Kind: orderv1.OrderKind_ORDER_KIND_FLASH_SALE,
			Status: orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT, PaymentDeadline: timestamppb.New(now.Add(-time.Hour))},
		// Past its deadline, but within the grace period: the saga may still be cancelling it.
		{OrderId: "o-late", UserId: "u-3", TotalCents: 100, Kind: orderv1.OrderKind_ORDER_KIND_REGULAR,
			Status: orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT, PaymentDeadline: timestamppb.New(now.Add(-time.Minute))},
	}}
	listener := testenv.Listen(t)
	url := "http://" + listener.Addr().String()
	credential := rpcclient.NewServiceCredential(keys, "ops").Options()
	svc := ops.NewService(db,
		orderv1connect.NewOrderServiceClient(rpcclient.HTTPClient(), url, credential...),
		userv1connect.NewUserServiceClient(rpcclient.HTTPClient(), url, credential...),
		tc, testenv.Logger(), ops.Options{TemporalUIURL: "http://ui", PaymentGrace: 5 * time.Minute, RetryAttempts: 4,
			RetryAge: time.Hour, ScanInterval: 100 * time.Millisecond})
	srv := server.New(server.Options{Logger: testenv.Logger(), Authenticator: auth.NewAuthenticator(keys, nil)})
	srv.Mount(opsv1connect.NewOpsServiceHandler(svc, srv.HandlerOptions()...))
	srv.Mount(orderv1connect.NewOrderServiceHandler(orderService, srv.HandlerOptions()...))
	srv.Mount(userv1connect.NewUserServiceHandler(userv1connect.UnimplementedUserServiceHandler{}, srv.HandlerOptions()...))
	testenv.ServeOn(t, srv, listener)
	opsClient := opsv1connect.NewOpsServiceClient(http.DefaultClient, url)
	admin := testenv.Token(t, keys, "u-admin", auth.RoleAdmin)
	list := func() *opsv1.ListAttentionResponse {
		t.Helper()
		res, err := opsClient.ListAttention(ctx, testenv.Bearer(admin, &opsv1.ListAttentionRequest{}))
		if err != nil {
			t.Fatal(err)
		}
		return res.Msg
	}
	find := func(items []*opsv1.AttentionItem, kind opsv1.AttentionKind, orderID string) *opsv1.AttentionItem {
		for _, item := range items {
			if item.GetKind() == kind && item.GetOrderId() == orderID {
				return item
			}
		}
		return nil
	}

	t.Run("unpaid orders past the grace period are stuck payments", func(t *testing.T) {
		items := list().GetItems()
		stuck := find(items, opsv1.AttentionKind_ATTENTION_KIND_PAYMENT_STUCK, "o-stuck")
		flash := find(items, opsv1.AttentionKind_ATTENTION_KIND_PAYMENT_STUCK, "o-flash")
		if stuck == nil || flash == nil || find(items, opsv1.AttentionKind_ATTENTION_KIND_PAYMENT_STUCK, "o-late") != nil {
			t.Fatalf("items %v", items)
		}
		if stuck.GetWorkflowId() != "checkout-o-stuck" || stuck.GetReasonCode() != ops.CodePaymentDeadline || stuck.GetAmountCents() != 990 ||
			!stuck.GetSince().AsTime().Equal(orderService.unpaid[0].GetPaymentDeadline().AsTime()) || flash.GetWorkflowId() != "" {
			t.Fatalf("stuck %v, flash %v", stuck, flash)
		}
		orderService.mu.Lock()
		asked := orderService.asked[len(orderService.asked)-1]
		orderService.mu.Unlock()
		if before := asked.GetPaymentDeadlineBefore().AsTime(); before.After(time.Now().Add(-5*time.Minute)) || before.Before(now.Add(-6*time.Minute)) {
			t.Fatalf("asked for deadlines before %v", before)
		}
		// No saga holds either order (the checkout saga never ran here): a
		// person settles them, and says so.
		for _, item := range []*opsv1.AttentionItem{stuck, flash} {
			_, err := opsClient.RetryAttention(ctx, testenv.Bearer(admin, &opsv1.RetryAttentionRequest{ItemId: item.GetItemId()}))
			testenv.WantCode(t, err, connect.CodeFailedPrecondition, ops.ReasonAttentionRetryUnsupported)
		}
		if _, err := opsClient.MarkAttentionHandled(ctx, testenv.Bearer(admin, &opsv1.MarkAttentionHandledRequest{
			ItemId: stuck.GetItemId(), Note: "cancelled by hand"})); err != nil {
			t.Fatal(err)
		}
		if find(list().GetItems(), opsv1.AttentionKind_ATTENTION_KIND_PAYMENT_STUCK, "o-stuck") != nil {
			t.Fatal("a handled item is listed")
		}
		// A page that still shows it cannot act on it any more.
		_, err := opsClient.RetryAttention(ctx, testenv.Bearer(admin, &opsv1.RetryAttentionRequest{ItemId: stuck.GetItemId()}))
		testenv.WantCode(t, err, connect.CodeFailedPrecondition, ops.ReasonAttentionItemGone)
	})

	t.Run("an activity retrying past the threshold is listed with its failure, and reset on retry", func(t *testing.T) {
		providerDown.Store(true)
		run, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "payment-o-retry", TaskQueue: taskQueue}, "StuckWorkflow")
		if err != nil {
			t.Fatal(err)
		}
		var item *opsv1.AttentionItem
		testenv.Eventually(t, 30*time.Second, "the retrying activity listed", func() bool {
			item = find(list().GetItems(), opsv1.AttentionKind_ATTENTION_KIND_WORKFLOW_RETRYING, "o-retry")
			return item != nil
		})
		if item.GetWorkflowId() != "payment-o-retry" || item.GetRunId() != run.GetRunID() || item.GetActivityType() != "FailingStep" ||
			item.GetAttempt() != 4 || item.GetReason() != "the provider is down" || item.GetReasonCode() != ops.CodeActivityRetrying || item.GetSince() == nil {
			t.Fatalf("item %v", item)
		}
		// The provider is back; the next attempt would be 100 s away, but
		// the reset runs it now and the workflow completes.
		providerDown.Store(false)
		if _, err := opsClient.RetryAttention(ctx, testenv.Bearer(admin, &opsv1.RetryAttentionRequest{ItemId: item.GetItemId()})); err != nil {
			t.Fatal(err)
		}
		waitCtx, cancel := context.WithTimeout(ctx, 50*time.Second)
		defer cancel()
		if err := run.Get(waitCtx, nil); err != nil {
			t.Fatalf("the workflow did not complete after the reset: %v", err)
		}
		testenv.Eventually(t, 30*time.Second, "the completed workflow off the list", func() bool {
			return find(list().GetItems(), opsv1.AttentionKind_ATTENTION_KIND_WORKFLOW_RETRYING, "o-retry") == nil
		})
	})
}
