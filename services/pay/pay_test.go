package pay

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
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
	payv1 "mall/gen/mall/pay/v1"
	"mall/gen/mall/pay/v1/payv1connect"
	"mall/services/pay/provider"
	"mall/services/paysim"
	"mall/services/platform/auth"
	"mall/services/platform/rpcclient"
	"mall/services/platform/server"
	"mall/services/platform/temporalx"
	"mall/services/platform/testenv"
	"mall/workflows/payment"
)

// The pay service on its own database, with a real paysim, a Temporal dev
// server whose worker runs a stand-in PaymentWorkflow that records the
// webhook events forwarded to it, and a stand-in order service answering
// GetOrderInternal from a map. The real PaymentWorkflow against the real
// services is in services/app's payment tests.

var webhookSecret = []byte("whsec_test")

type fixture struct {
	svc      *Service
	db       *bun.DB
	sim      *paysim.Simulator
	provider *paysim.Client
	orders   *orderStandIn
	events   *eventRecorder
	clients  map[string]payv1connect.PayServiceClient
	keys     *auth.Keys
	service  string // service token
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	handle := testenv.MigratedDB(t, testenv.DatabasePrefix(t)+"pay", Migrations())
	sim := paysim.New(paysim.Options{APIKey: "sk_test", WebhookSecret: webhookSecret, Logger: testenv.Logger()})
	simServer := httptest.NewServer(sim.Handler())
	t.Cleanup(simServer.Close)
	simClient := paysim.NewClient(simServer.URL, "sk_test")

	tc, err := temporalx.Dial(ctx, testenv.Temporal(t), "default", testenv.Logger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tc.Close)
	taskQueue := "pay-test-" + testenv.RandomID(4)
	events := &eventRecorder{byWorkflow: map[string][]payment.ProviderEvent{}}
	w := temporalx.NewWorker(tc, taskQueue, func(r worker.Registry) {
		r.RegisterWorkflowWithOptions(events.run, workflow.RegisterOptions{Name: payment.WorkflowName})
	})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)

	keys, err := auth.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	orders := &orderStandIn{orders: map[string]*orderv1.Order{}}
	ordersURL := testenv.Serve(t, server.Options{}, func(srv *server.Server) {
		srv.Mount(orderv1connect.NewOrderServiceHandler(orders))
	})
	svc := NewService(handle, tc, orderv1connect.NewOrderServiceClient(rpcclient.HTTPClient(), ordersURL, connect.WithGRPC()),
		simClient.Client, testenv.Logger(), Options{TaskQueue: taskQueue, WebhookSecret: webhookSecret, PublicURL: "http://mall.test"})
	url := testenv.Serve(t, server.Options{Authenticator: auth.NewAuthenticator(keys, nil)}, func(srv *server.Server) {
		srv.Mount(payv1connect.NewPayServiceHandler(svc, srv.HandlerOptions()...))
	})
	f := &fixture{svc: svc, db: handle, sim: sim, provider: simClient, orders: orders, events: events, keys: keys,
		clients: map[string]payv1connect.PayServiceClient{
			"connect-json": payv1connect.NewPayServiceClient(http.DefaultClient, url, connect.WithProtoJSON()),
			"grpc":         payv1connect.NewPayServiceClient(rpcclient.HTTPClient(), url, connect.WithGRPC()),
		}}
	f.service = f.token(t, "payment-worker", auth.RoleService)
	return f
}

func (f *fixture) token(t *testing.T, subject string, roles ...string) string {
	t.Helper()
	return testenv.Token(t, f.keys, subject, roles...)
}

// paymentOf reads a payment as its buyer sees it.
func (f *fixture) paymentOf(t *testing.T, userID, paymentID string) (*payv1.Payment, error) {
	t.Helper()
	res, err := f.clients["grpc"].GetPayment(context.Background(),
		testenv.Bearer(f.token(t, userID, auth.RoleUser), &payv1.GetPaymentRequest{Lookup: &payv1.GetPaymentRequest_PaymentId{PaymentId: paymentID}}))
	if err != nil {
		return nil, err
	}
	return res.Msg.GetPayment(), nil
}

// orderStandIn answers GetOrderInternal from a map.
type orderStandIn struct {
	orderv1connect.UnimplementedOrderServiceHandler
	mu     sync.Mutex
	orders map[string]*orderv1.Order
}

func (o *orderStandIn) put(order *orderv1.Order) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.orders[order.GetOrderId()] = order
}

func (o *orderStandIn) GetOrderInternal(_ context.Context, req *connect.Request[orderv1.GetOrderInternalRequest]) (*connect.Response[orderv1.GetOrderInternalResponse], error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	order, ok := o.orders[req.Msg.GetOrderId()]
	if !ok {
		return nil, connect.NewError(connect.CodeNotFound, nil)
	}
	return connect.NewResponse(&orderv1.GetOrderInternalResponse{Order: order}), nil
}

// eventRecorder is a stand-in PaymentWorkflow: it records the provider
// events signalled to it until a "stop" signal.
type eventRecorder struct {
	mu         sync.Mutex
	byWorkflow map[string][]payment.ProviderEvent
}

func (e *eventRecorder) run(ctx workflow.Context, _ payment.Input) (payment.Status, error) {
	id := workflow.GetInfo(ctx).WorkflowExecution.ID
	events := workflow.GetSignalChannel(ctx, payment.SignalProviderEvent)
	stop := workflow.GetSignalChannel(ctx, "stop")
	for done := false; !done; {
		sel := workflow.NewSelector(ctx)
		sel.AddReceive(events, func(ch workflow.ReceiveChannel, _ bool) {
			var ev payment.ProviderEvent
			ch.Receive(ctx, &ev)
			if !workflow.IsReplaying(ctx) {
				e.mu.Lock()
				e.byWorkflow[id] = append(e.byWorkflow[id], ev)
				e.mu.Unlock()
			}
		})
		sel.AddReceive(stop, func(ch workflow.ReceiveChannel, _ bool) { ch.Receive(ctx, nil); done = true })
		sel.Select(ctx)
	}
	return payment.Status{}, nil
}

func (e *eventRecorder) of(workflowID string) []payment.ProviderEvent {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]payment.ProviderEvent(nil), e.byWorkflow[workflowID]...)
}

// pendingPayment records a payment attempt with a real charge at paysim,
// as PaymentWorkflow's first steps do, and returns its charge.
func (f *fixture) pendingPayment(t *testing.T, client payv1connect.PayServiceClient, userID, orderID string) (string, provider.Charge) {
	t.Helper()
	ctx := context.Background()
	paymentID := payment.PaymentID(orderID, 1)
	if _, err := client.CreatePaymentRecord(ctx, testenv.Bearer(f.service, &payv1.CreatePaymentRecordRequest{
		PaymentId: paymentID, OrderId: orderID, UserId: userID, AmountCents: 2500})); err != nil {
		t.Fatal(err)
	}
	charge, err := f.provider.CreateCharge(ctx, paymentID, provider.CreateChargeRequest{AmountCents: 2500, Reference: paymentID, OrderID: orderID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.RecordCharge(ctx, testenv.Bearer(f.service, &payv1.RecordChargeRequest{
		PaymentId: paymentID, ProviderChargeId: charge.ID, PayUrl: charge.PayURL})); err != nil {
		t.Fatal(err)
	}
	return paymentID, charge
}

// paidPayment is pendingPayment approved by the customer at paysim and
// settled as PaymentWorkflow settles it.
func (f *fixture) paidPayment(t *testing.T, client payv1connect.PayServiceClient, userID, orderID string) (string, provider.Charge) {
	t.Helper()
	ctx := context.Background()
	paymentID, charge := f.pendingPayment(t, client, userID, orderID)
	charge, err := f.provider.SimulateCustomer(ctx, charge.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.SettlePayment(ctx, testenv.Bearer(f.service, &payv1.SettlePaymentRequest{PaymentId: paymentID,
		Status: payv1.PaymentStatus_PAYMENT_STATUS_SUCCEEDED, ProviderChargeId: charge.ID, AmountCents: charge.AmountCents})); err != nil {
		t.Fatal(err)
	}
	return paymentID, charge
}

// signed is a webhook body for ev, signed at t with secret.
func signed(t *testing.T, secret []byte, ev provider.Event, at time.Time) *payv1.ProviderWebhookRequest {
	t.Helper()
	payload, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return &payv1.ProviderWebhookRequest{Payload: payload, Signature: provider.SignWebhook(secret, payload, at)}
}

func TestWebhooksAreVerifiedStoredOnceAndForwarded(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for name, client := range f.clients {
		t.Run(name, func(t *testing.T) {
			userID, orderID := "u-"+testenv.RandomID(5), "o-"+testenv.RandomID(6)
			paymentID, charge := f.pendingPayment(t, client, userID, orderID)
			workflowID := payment.WorkflowID(orderID)
			if _, err := f.svc.temporal.ExecuteWorkflow(ctx, client2Options(workflowID, f.svc.opts.TaskQueue), payment.WorkflowName, payment.Input{}); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = f.svc.temporal.SignalWorkflow(ctx, workflowID, "", "stop", nil) })
			charge.Status = provider.ChargeSucceeded
			ev := provider.Event{ID: "evt_" + testenv.RandomID(6), Type: "charge.succeeded", Created: time.Now().Unix(), Sequence: 2, Charge: charge}

			// Forged: wrong secret, tampered payload, garbage header, stale.
			forged := signed(t, []byte("not the secret"), ev, time.Now())
			_, err := client.ProviderWebhook(ctx, connect.NewRequest(forged))
			testenv.WantCode(t, err, connect.CodeUnauthenticated, ReasonBadSignature)
			tampered := signed(t, webhookSecret, ev, time.Now())
			tampered.Payload = []byte(string(tampered.Payload[:len(tampered.Payload)-1]) + " }")
			_, err = client.ProviderWebhook(ctx, connect.NewRequest(tampered))
			testenv.WantCode(t, err, connect.CodeUnauthenticated, ReasonBadSignature)
			_, err = client.ProviderWebhook(ctx, connect.NewRequest(&payv1.ProviderWebhookRequest{Payload: tampered.Payload, Signature: "v1=abc"}))
			testenv.WantCode(t, err, connect.CodeUnauthenticated, ReasonBadSignature)
			stale := signed(t, webhookSecret, ev, time.Now().Add(-10*time.Minute)) // a captured delivery replayed later
			_, err = client.ProviderWebhook(ctx, connect.NewRequest(stale))
			testenv.WantCode(t, err, connect.CodeUnauthenticated, ReasonStaleSignature)
			if n := f.storedEvents(t, charge.ID); n != 0 || len(f.events.of(workflowID)) != 0 {
				t.Fatalf("refused webhooks left %d events, forwarded %v", n, f.events.of(workflowID))
			}

			// Genuine: stored and forwarded once, however often it comes.
			for range 3 {
				if _, err := client.ProviderWebhook(ctx, connect.NewRequest(signed(t, webhookSecret, ev, time.Now()))); err != nil {
					t.Fatal(err)
				}
			}
			if n := f.storedEvents(t, charge.ID); n != 1 {
				t.Fatalf("%d events stored", n)
			}
			testenv.Eventually(t, 20*time.Second, "the event forwarded to the workflow", func() bool { return len(f.events.of(workflowID)) == 1 })
			got := f.events.of(workflowID)[0]
			if got.EventID != ev.ID || got.ChargeID != charge.ID || got.Status != payment.ChargeSucceeded || got.Sequence != 2 {
				t.Fatalf("forwarded %+v", got)
			}
			// The webhook itself never settles a payment: the workflow does.
			p, err := f.paymentOf(t, userID, paymentID)
			if err != nil || p.GetStatus() != payv1.PaymentStatus_PAYMENT_STATUS_PENDING {
				t.Fatalf("payment %v %v", p, err)
			}

			// A signed event for a charge that is not ours is acknowledged and ignored.
			foreign := ev
			foreign.ID, foreign.Charge.ID, foreign.Charge.Reference = "evt_"+testenv.RandomID(6), "ch_other", "pm-unknown"
			if _, err := client.ProviderWebhook(ctx, connect.NewRequest(signed(t, webhookSecret, foreign, time.Now()))); err != nil {
				t.Fatal(err)
			}
			if n := f.storedEvents(t, "ch_other"); n != 0 {
				t.Fatalf("foreign event stored")
			}
			// Signed but not an event: invalid_argument.
			junk := &payv1.ProviderWebhookRequest{Payload: []byte(`{"hello":1}`)}
			junk.Signature = provider.SignWebhook(webhookSecret, junk.Payload, time.Now())
			_, err = client.ProviderWebhook(ctx, connect.NewRequest(junk))
			testenv.WantCode(t, err, connect.CodeInvalidArgument, ReasonBadPayload)
		})
	}
}

func TestInternalRecordsAreIdempotent(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	client := f.clients["grpc"]
	userID, orderID := "u-"+testenv.RandomID(5), "o-"+testenv.RandomID(6)
	paymentID, charge := f.pendingPayment(t, client, userID, orderID)
	// Repeats return the same record; a different use of the id conflicts.
	if res, err := client.CreatePaymentRecord(ctx, testenv.Bearer(f.service, &payv1.CreatePaymentRecordRequest{
		PaymentId: paymentID, OrderId: orderID, UserId: userID, AmountCents: 2500})); err != nil || res.Msg.GetPayment().GetProviderChargeId() != charge.ID {
		t.Fatalf("repeat create %v %v", res, err)
	}
	_, err := client.CreatePaymentRecord(ctx, testenv.Bearer(f.service, &payv1.CreatePaymentRecordRequest{
		PaymentId: paymentID, OrderId: orderID, UserId: userID, AmountCents: 9999}))
	testenv.WantCode(t, err, connect.CodeAlreadyExists, ReasonPaymentConflict)
	if _, err := client.RecordCharge(ctx, testenv.Bearer(f.service, &payv1.RecordChargeRequest{PaymentId: paymentID, ProviderChargeId: charge.ID, PayUrl: charge.PayURL})); err != nil {
		t.Fatal(err)
	}
	_, err = client.RecordCharge(ctx, testenv.Bearer(f.service, &payv1.RecordChargeRequest{PaymentId: paymentID, ProviderChargeId: "ch_other", PayUrl: charge.PayURL}))
	testenv.WantCode(t, err, connect.CodeAlreadyExists, ReasonChargeConflict)
	// Settling: once; a repeat (or a different outcome later) changes nothing.
	settle := func(status payv1.PaymentStatus) *payv1.SettlePaymentResponse {
		res, err := client.SettlePayment(ctx, testenv.Bearer(f.service, &payv1.SettlePaymentRequest{PaymentId: paymentID, Status: status,
			ProviderChargeId: charge.ID, AmountCents: 2500}))
		if err != nil {
			t.Fatal(err)
		}
		return res.Msg
	}
	if res := settle(payv1.PaymentStatus_PAYMENT_STATUS_SUCCEEDED); !res.GetSettled() || res.GetPayment().GetPaidAt() == nil {
		t.Fatalf("settle %v", res)
	}
	if res := settle(payv1.PaymentStatus_PAYMENT_STATUS_SUCCEEDED); res.GetSettled() {
		t.Fatal("settled twice")
	}
	if res := settle(payv1.PaymentStatus_PAYMENT_STATUS_EXPIRED); res.GetSettled() || res.GetPayment().GetStatus() != payv1.PaymentStatus_PAYMENT_STATUS_SUCCEEDED {
		t.Fatalf("a final payment changed: %v", res)
	}
	// Users cannot call the internal RPCs.
	_, userToken := userID, f.token(t, userID, auth.RoleUser)
	_, err = client.SettlePayment(ctx, testenv.Bearer(userToken, &payv1.SettlePaymentRequest{PaymentId: paymentID, Status: payv1.PaymentStatus_PAYMENT_STATUS_EXPIRED}))
	testenv.WantCode(t, err, connect.CodePermissionDenied, "")
}

func TestRefundRefundsOnceThroughTheProvider(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	client := f.clients["connect-json"]
	userID, orderID := "u-"+testenv.RandomID(5), "o-"+testenv.RandomID(6)
	_, err := client.Refund(ctx, testenv.Bearer(f.service, &payv1.RefundRequest{OrderId: orderID}))
	testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonNotPaid)

	f.paidPayment(t, client, userID, orderID)
	// Concurrent and repeated refunds: one refund at the provider, one "refunded".
	var wg sync.WaitGroup
	results := make(chan bool, 6)
	for range 6 {
		wg.Go(func() {
			res, err := client.Refund(ctx, testenv.Bearer(f.service, &payv1.RefundRequest{OrderId: orderID, Reason: "buyer cancelled"}))
			if err != nil {
				t.Error(err)
				return
			}
			if res.Msg.GetPayment().GetStatus() != payv1.PaymentStatus_PAYMENT_STATUS_REFUNDED || res.Msg.GetPayment().GetRefundedAt() == nil {
				t.Errorf("refund answered %v", res.Msg)
			}
			results <- res.Msg.GetRefunded()
		})
	}
	wg.Wait()
	close(results)
	refunded := 0
	for r := range results {
		if r {
			refunded++
		}
	}
	if refunded != 1 {
		t.Fatalf("%d refunds reported", refunded)
	}
	ledger, err := f.provider.Ledger(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var charged, returned int64
	for _, e := range ledger {
		if e.OrderID != orderID {
			continue
		}
		switch e.Kind {
		case "charge":
			charged += e.AmountCents
		case "refund":
			returned += e.AmountCents
		}
	}
	if charged != 2500 || returned != 2500 {
		t.Fatalf("ledger: charged %d, refunded %d", charged, returned)
	}
}

func TestPayChecksTheOrderAndGetPaymentItsOwner(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for name, client := range f.clients {
		t.Run(name, func(t *testing.T) {
			alice, bob := "u-"+testenv.RandomID(5), "u-"+testenv.RandomID(5)
			aliceToken, bobToken := f.token(t, alice, auth.RoleUser), f.token(t, bob, auth.RoleUser)
			order := func(status orderv1.OrderStatus, deadline time.Duration) string {
				id := "o-" + testenv.RandomID(6)
				f.orders.put(&orderv1.Order{OrderId: id, UserId: alice, Status: status, TotalCents: 2500,
					PaymentDeadline: timestamppb.New(time.Now().Add(deadline))})
				return id
			}
			_, err := client.Pay(ctx, testenv.Bearer(aliceToken, &payv1.PayRequest{OrderId: "o-missing"}))
			testenv.WantCode(t, err, connect.CodeNotFound, ReasonOrderNotFound)
			pending := order(orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT, time.Hour)
			_, err = client.Pay(ctx, testenv.Bearer(bobToken, &payv1.PayRequest{OrderId: pending}))
			testenv.WantCode(t, err, connect.CodeNotFound, ReasonOrderNotFound)
			_, err = client.Pay(ctx, testenv.Bearer("", &payv1.PayRequest{OrderId: pending}))
			testenv.WantCode(t, err, connect.CodeUnauthenticated, "")
			_, err = client.Pay(ctx, testenv.Bearer(aliceToken, &payv1.PayRequest{OrderId: order(orderv1.OrderStatus_ORDER_STATUS_PAID, time.Hour)}))
			testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonAlreadyPaid)
			_, err = client.Pay(ctx, testenv.Bearer(aliceToken, &payv1.PayRequest{OrderId: order(orderv1.OrderStatus_ORDER_STATUS_CANCELLED, time.Hour)}))
			testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonOrderCancelled)
			_, err = client.Pay(ctx, testenv.Bearer(aliceToken, &payv1.PayRequest{OrderId: order(orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT, -time.Second)}))
			testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonDeadlinePassed)
			_, err = client.Pay(ctx, testenv.Bearer(aliceToken, &payv1.PayRequest{OrderId: ""}))
			testenv.WantCode(t, err, connect.CodeInvalidArgument, "")

			paymentID, _ := f.pendingPayment(t, client, alice, pending)
			for _, req := range []*payv1.GetPaymentRequest{
				{Lookup: &payv1.GetPaymentRequest_PaymentId{PaymentId: paymentID}},
				{Lookup: &payv1.GetPaymentRequest_OrderId{OrderId: pending}},
			} {
				res, err := client.GetPayment(ctx, testenv.Bearer(aliceToken, req))
				if err != nil || res.Msg.GetPayment().GetPaymentId() != paymentID || res.Msg.GetPayment().GetPayUrl() == "" {
					t.Fatalf("owner's GetPayment %v %v", res, err)
				}
				_, err = client.GetPayment(ctx, testenv.Bearer(bobToken, req))
				testenv.WantCode(t, err, connect.CodeNotFound, ReasonPaymentNotFound)
			}
		})
	}
}

func (f *fixture) storedEvents(t *testing.T, chargeID string) int {
	t.Helper()
	n, err := f.db.NewSelect().Model((*providerEventRow)(nil)).Where("charge_id = ?", chargeID).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func client2Options(id, taskQueue string) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{ID: id, TaskQueue: taskQueue}
}

// An operator sees every attempt of any buyer's order, oldest first; a
// buyer cannot list them, not even their own.
func TestAdminListPaymentsShowsEveryAttempt(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	client := f.clients["connect-json"]
	userID, orderID := "u-"+testenv.RandomID(5), "o-"+testenv.RandomID(6)
	first, _ := f.pendingPayment(t, client, userID, orderID)
	if _, err := client.SettlePayment(ctx, testenv.Bearer(f.service, &payv1.SettlePaymentRequest{PaymentId: first,
		Status: payv1.PaymentStatus_PAYMENT_STATUS_DECLINED, DeclineReason: "card declined"})); err != nil {
		t.Fatal(err)
	}
	second := first + "-2"
	if _, err := client.CreatePaymentRecord(ctx, testenv.Bearer(f.service, &payv1.CreatePaymentRecordRequest{
		PaymentId: second, OrderId: orderID, UserId: userID, AmountCents: 2500})); err != nil {
		t.Fatal(err)
	}
	admin := f.token(t, "admin-1", auth.RoleAdmin)
	res, err := client.AdminListPayments(ctx, testenv.Bearer(admin, &payv1.AdminListPaymentsRequest{OrderId: orderID}))
	if err != nil {
		t.Fatal(err)
	}
	got := res.Msg.GetPayments()
	if len(got) != 2 || got[0].GetPaymentId() != first || got[0].GetStatus() != payv1.PaymentStatus_PAYMENT_STATUS_DECLINED ||
		got[0].GetDeclineReason() != "card declined" || got[1].GetPaymentId() != second || got[1].GetStatus() != payv1.PaymentStatus_PAYMENT_STATUS_PENDING ||
		got[1].GetAmountCents() != 2500 {
		t.Fatalf("payments %v", got)
	}
	none, err := client.AdminListPayments(ctx, testenv.Bearer(admin, &payv1.AdminListPaymentsRequest{OrderId: "o-unpaid"}))
	if err != nil || len(none.Msg.GetPayments()) != 0 {
		t.Fatalf("an order nobody paid: %v %v", none, err)
	}
	_, err = client.AdminListPayments(ctx, testenv.Bearer(f.token(t, userID, auth.RoleUser), &payv1.AdminListPaymentsRequest{OrderId: orderID}))
	testenv.WantCode(t, err, connect.CodePermissionDenied, "")
	_, err = client.AdminListPayments(ctx, testenv.Bearer(admin, &payv1.AdminListPaymentsRequest{}))
	testenv.WantCode(t, err, connect.CodeInvalidArgument, "")
}
