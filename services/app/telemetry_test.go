package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	orderv1 "mall/gen/mall/order/v1"
	"mall/gen/mall/order/v1/orderv1connect"
	seckillv1 "mall/gen/mall/seckill/v1"
	"mall/gen/mall/seckill/v1/seckillv1connect"
	userv1 "mall/gen/mall/user/v1"
	"mall/services/app"
	"mall/services/platform/logging"
	"mall/services/platform/rpcclient"
	"mall/services/platform/testenv"
)

// spans records every span of this test binary, sampled. The global tracer
// provider can be given once only (instrumentation keeps the first), so
// every test that reads spans shares it.
var spans = sync.OnceValue(func() *tracetest.SpanRecorder {
	recorder := tracetest.NewSpanRecorder()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(recorder), sdktrace.WithSampler(sdktrace.AlwaysSample())))
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	return recorder
})

// captureLogs makes the apps this test starts log JSON, with trace ids,
// into the returned buffer.
func captureLogs(t *testing.T) *testenv.LogBuffer {
	logs := &testenv.LogBuffer{}
	capturedLogger = slog.New(logging.WithTraceIDs(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { capturedLogger = nil })
	return logs
}

// inTrace returns the ended spans of one trace.
func inTrace(id trace.TraceID) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range spans().Ended() {
		if s.SpanContext().TraceID() == id {
			out = append(out, s)
		}
	}
	return out
}

func spanNames(ss []sdktrace.ReadOnlySpan) []string {
	names := make([]string, len(ss))
	for i, s := range ss {
		names[i] = s.Name()
	}
	return names
}

func hasSpan(ss []sdktrace.ReadOnlySpan, match func(sdktrace.ReadOnlySpan) bool) bool {
	for _, s := range ss {
		if match(s) {
			return true
		}
	}
	return false
}

func attr(s sdktrace.ReadOnlySpan, key string) string {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == key {
			return kv.Value.String()
		}
	}
	return ""
}

// TestACheckoutIsOneTraceAcrossServicesTemporalAndTheDatabase: a checkout
// started inside a client's span is one trace: the order service's server
// span, the saga's workflow and activity spans on the worker, the product
// service's ReserveStock it calls, and the SQL below them. Every log line
// written for it carries that trace's id; no line carries the password or
// the token.
func TestACheckoutIsOneTraceAcrossServicesTemporalAndTheDatabase(t *testing.T) {
	spans()
	logs := captureLogs(t)
	m := startMallWithWorker(t, time.Hour)
	token := m.shopper(t, "traced")
	address := m.defaultAddress(t, token)

	// The client sends its span's context (traceparent) like any traced client.
	orders := orderv1connect.NewOrderServiceClient(rpcclient.HTTPClient(), m.url, connect.WithGRPC(), connect.WithInterceptors(rpcclient.Tracing()))
	ctx, root := otel.Tracer("test").Start(context.Background(), "shopper checks out")
	res, err := orders.Checkout(ctx, testenv.Bearer(token, &orderv1.CheckoutRequest{RequestId: "trace-" + testenv.RandomID(4), AddressId: address,
		Items: &orderv1.CheckoutRequest_BuyNow{BuyNow: &orderv1.BuyNowItem{ProductId: "p0007", Quantity: 1}}}))
	if err != nil {
		t.Fatal(err)
	}
	m.waitStatus(t, token, res.Msg.GetOrderId(), orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT)
	root.End()
	id := root.SpanContext().TraceID()

	want := map[string]func(sdktrace.ReadOnlySpan) bool{
		"the Checkout server span": func(s sdktrace.ReadOnlySpan) bool {
			return s.Name() == "mall.order.v1.OrderService/Checkout" && s.SpanKind() == trace.SpanKindServer
		},
		"the saga's start":          func(s sdktrace.ReadOnlySpan) bool { return s.Name() == "StartWorkflow:CheckoutWorkflow" },
		"an activity on the worker": func(s sdktrace.ReadOnlySpan) bool { return s.Name() == "RunActivity:Checkout.ReserveStock" },
		"ReserveStock on the product service": func(s sdktrace.ReadOnlySpan) bool {
			return s.Name() == "mall.product.v1.ProductService/ReserveStock" && s.SpanKind() == trace.SpanKindServer
		},
		"a SQL query": func(s sdktrace.ReadOnlySpan) bool { return attr(s, "db.system") == "mysql" },
	}
	waitForSpans(t, id, want)
	// The activity's own SQL hangs below it: ReserveStock's statements
	// have the activity span among their ancestors.
	byID := map[trace.SpanID]sdktrace.ReadOnlySpan{}
	for _, s := range inTrace(id) {
		byID[s.SpanContext().SpanID()] = s
	}
	underActivity := func(s sdktrace.ReadOnlySpan) bool {
		for p, ok := byID[s.Parent().SpanID()]; ok; p, ok = byID[p.Parent().SpanID()] {
			if p.Name() == "RunActivity:Checkout.ReserveStock" {
				return true
			}
		}
		return false
	}
	if !hasSpan(inTrace(id), func(s sdktrace.ReadOnlySpan) bool { return attr(s, "db.system") == "mysql" && underActivity(s) }) {
		t.Fatalf("no SQL below the ReserveStock activity: %v", spanNames(inTrace(id)))
	}

	traced := 0
	for _, line := range logs.Lines(t) {
		if line["msg"] != "rpc" {
			continue
		}
		traceID, _ := line["trace_id"].(string)
		if traceID == "" || line["span_id"] == nil {
			t.Fatalf("an access-log line without trace ids: %v", line)
		}
		if traceID == id.String() {
			traced++
		}
	}
	if traced < 2 { // Checkout, and the calls the saga made for it
		t.Fatalf("%d access-log lines in the checkout's trace", traced)
	}
	// A login and a cancel later: neither the password nor any token is in
	// the logs, and the saga's outcome is counted.
	login, err := m.users.Login(context.Background(), connect.NewRequest(&userv1.LoginRequest{Login: "traced", Password: "buyer1234"}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.orders.CancelOrder(context.Background(), testenv.Bearer(token, &orderv1.CancelOrderRequest{OrderId: res.Msg.GetOrderId()})); err != nil {
		t.Fatal(err)
	}
	m.waitStatus(t, token, res.Msg.GetOrderId(), orderv1.OrderStatus_ORDER_STATUS_CANCELLED)
	// The workflow's own span ends with the saga, which the cancel ended.
	waitForSpans(t, id, map[string]func(sdktrace.ReadOnlySpan) bool{
		"the saga's run": func(s sdktrace.ReadOnlySpan) bool { return s.Name() == "RunWorkflow:CheckoutWorkflow" },
	})
	text := logs.String()
	for _, secret := range []string{"buyer1234", token, login.Msg.GetAccessToken()} {
		if strings.Contains(text, secret) {
			t.Fatalf("a secret reached the logs: %q", secret)
		}
	}
	if metrics := metricsOf(t); !strings.Contains(metrics, `mall_order_transitions_total{from="PENDING_PAYMENT",to="CANCELLED"}`) {
		t.Fatalf("/metrics lacks the cancelled checkout:\n%s", metrics)
	}
}

// waitForSpans waits until trace id has a span matching each of want.
func waitForSpans(t *testing.T, id trace.TraceID, want map[string]func(sdktrace.ReadOnlySpan) bool) {
	t.Helper()
	names := slices.Sorted(maps.Keys(want))
	var missing, have []string
	defer func() {
		if len(missing) > 0 { // the wait gave up: say what the trace does have
			t.Logf("no %s in the trace; it has %v", strings.Join(missing, ", "), have)
		}
	}()
	testenv.Eventually(t, 10*time.Second, "spans in the trace: "+strings.Join(names, ", "), func() bool {
		ended := inTrace(id)
		missing, have = nil, spanNames(ended)
		for _, name := range names {
			if !hasSpan(ended, want[name]) {
				missing = append(missing, name)
			}
		}
		return len(missing) == 0
	})
}

// metricsOf scrapes the process's metrics where a deployment does: an ops
// endpoint (the API does not publish them).
func metricsOf(t *testing.T) string {
	t.Helper()
	listener := testenv.Listen(t)
	testenv.ServeOn(t, app.NewOpsServer(testenv.Logger()), listener)
	res, err := http.Get("http://" + listener.Addr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %d %v", res.StatusCode, err)
	}
	return string(body)
}

// TestAFlashPurchaseLinksToTheWriterBatchThatStoredIt: the purchase's
// trace continues through Kafka (the record's headers), and the writer's
// batch span links to it; the batch's CreateFlashSaleOrders call is in the
// batch's trace. The process's /metrics then shows the admission, the
// batch, the consumer lag, RPCs by procedure, cache lookups and the pool.
func TestAFlashPurchaseLinksToTheWriterBatchThatStoredIt(t *testing.T) {
	spans()
	m := startMallWithWorker(t, time.Hour)
	m.startWriter(t)
	client := seckillv1connect.NewSeckillServiceClient(rpcclient.HTTPClient(), m.url, connect.WithGRPC(), connect.WithInterceptors(rpcclient.Tracing()))
	eventID := m.flashSale(t, client, 5)
	token := m.shopper(t, "flash_traced")

	ctx, root := otel.Tracer("test").Start(context.Background(), "shopper buys in the flash sale")
	purchase, err := client.Purchase(ctx, testenv.Bearer(token, &seckillv1.PurchaseRequest{EventId: eventID}))
	root.End()
	if err != nil {
		t.Fatal(err)
	}
	id := root.SpanContext().TraceID()
	seen := ""
	testenv.Eventually(t, 30*time.Second, "an order for the purchase", func() bool {
		res, err := client.GetPurchaseResult(context.Background(), testenv.Bearer(token, &seckillv1.GetPurchaseResultRequest{Ticket: purchase.Msg.GetTicket()}))
		if err == nil && res.Msg.GetState() == seckillv1.PurchaseState_PURCHASE_STATE_ORDER_CREATED {
			return true
		}
		now := fmt.Sprint(err)
		if err == nil {
			now = res.Msg.GetState().String()
		}
		if now != seen {
			seen = now
			t.Logf("the purchase's result: %s", now)
		}
		return false
	})

	if !hasSpan(inTrace(id), func(s sdktrace.ReadOnlySpan) bool { return s.SpanKind() == trace.SpanKindProducer }) {
		t.Fatalf("no Kafka publish span in the purchase's trace: %v", spanNames(inTrace(id)))
	}
	// The batch's span ends when its write returns, a moment after the
	// result the buyer reads is stored.
	var batch sdktrace.ReadOnlySpan
	testenv.Eventually(t, 10*time.Second, "a writer batch span linking to the purchase's trace", func() bool {
		for _, s := range spans().Ended() {
			if s.Name() != "seckill.writer.batch" {
				continue
			}
			for _, link := range s.Links() {
				if link.SpanContext.TraceID() == id {
					batch = s
				}
			}
		}
		return batch != nil
	})
	if !hasSpan(inTrace(batch.SpanContext().TraceID()), func(s sdktrace.ReadOnlySpan) bool {
		return s.Name() == "mall.order.v1.OrderService/CreateFlashSaleOrders" && s.SpanKind() == trace.SpanKindServer
	}) {
		t.Fatalf("the batch's trace lacks the order service's CreateFlashSaleOrders: %v", spanNames(inTrace(batch.SpanContext().TraceID())))
	}

	// The home page reads the product cache; then the metrics.
	if _, err := http.Get(m.url + "/mall.storefront.v1.StorefrontService/GetHome?encoding=json&message=%7B%7D"); err != nil {
		t.Fatal(err)
	}
	metrics := metricsOf(t)
	for _, want := range []string{
		`mall_rpc_server_requests_total{code="ok",procedure="/mall.seckill.v1.SeckillService/Purchase"}`,
		`mall_rpc_server_duration_seconds_bucket{procedure="/mall.order.v1.OrderService/CreateFlashSaleOrders",le="+Inf"}`,
		`mall_seckill_admissions_total{outcome="accepted"}`,
		`mall_seckill_writer_batch_records_count`,
		`mall_kafka_consumer_lag_records{group="mall-seckill-writers",partition=`,
		`mall_cache_lookups_total{cache="products",result="miss"}`,
		`go_sql_open_connections{db_name="` + m.deps.Config.DBPrefix + `order"}`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", metrics)
	}
}
