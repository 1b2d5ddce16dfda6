package paysim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"mall/services/pay/provider"
	"mall/services/platform/testenv"
)

const (
	testKey    = "sk_test"
	testSecret = "whsec_test"
)

// receiver is a merchant's webhook endpoint: it verifies every delivery with
// provider.VerifyWebhook, answers failFirst requests with 503, and records the
// acknowledged events in arrival order.
type receiver struct {
	t         *testing.T
	srv       *httptest.Server
	failFirst int

	mu         sync.Mutex
	requests   int
	signatures map[string][]string // event id -> signature of every request
	acked      []provider.Event
}

func newReceiver(t *testing.T, failFirst int) *receiver {
	r := &receiver{t: t, failFirst: failFirst, signatures: map[string][]string{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) url() string { return r.srv.URL + "/mall.pay.v1.PayService/ProviderWebhook" }

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost || req.URL.Path != "/mall.pay.v1.PayService/ProviderWebhook" ||
		req.Header.Get("Content-Type") != "application/json" {
		r.t.Errorf("webhook request %s %s (%s)", req.Method, req.URL.Path, req.Header.Get("Content-Type"))
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	var body struct {
		Payload   []byte `json:"payload"` // base64 in JSON
		Signature string `json:"signature"`
	}
	if err := json.NewDecoder(req.Body).Decode(&body); err != nil {
		r.t.Errorf("webhook body: %v", err)
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	if err := provider.VerifyWebhook([]byte(testSecret), body.Payload, body.Signature, time.Now(), 3*time.Second); err != nil {
		r.t.Errorf("webhook signature %q: %v", body.Signature, err)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var ev provider.Event
	if err := json.Unmarshal(body.Payload, &ev); err != nil {
		r.t.Errorf("webhook payload: %v", err)
		http.Error(w, "bad payload", http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests++
	r.signatures[ev.ID] = append(r.signatures[ev.ID], body.Signature)
	if r.requests <= r.failFirst {
		http.Error(w, "not now", http.StatusServiceUnavailable)
		return
	}
	r.acked = append(r.acked, ev)
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, "{}")
}

func (r *receiver) events() []provider.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]provider.Event{}, r.acked...)
}

func (r *receiver) requestCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests
}

// byCharge groups acknowledged events by charge, in arrival order.
func byCharge(evs []provider.Event) map[string][]provider.Event {
	m := map[string][]provider.Event{}
	for _, ev := range evs {
		m[ev.Charge.ID] = append(m[ev.Charge.ID], ev)
	}
	return m
}

type env struct {
	sim *Simulator
	srv *httptest.Server
	p   *Client
}

// start serves a simulator (test key and secret, fast retries, fixed seed)
// and runs its webhook delivery until the test ends.
func start(t *testing.T, opts Options) *env {
	t.Helper()
	if opts.APIKey == "" {
		opts.APIKey = testKey
	}
	if opts.WebhookSecret == nil {
		opts.WebhookSecret = []byte(testSecret)
	}
	if opts.RetryMin == 0 {
		opts.RetryMin = 5 * time.Millisecond
	}
	if opts.RetryMax == 0 {
		opts.RetryMax = 50 * time.Millisecond
	}
	if opts.Seed == 0 {
		opts.Seed = 42
	}
	sim := New(opts)
	srv := httptest.NewServer(sim.Handler())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sim.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		srv.Close()
	})
	return &env{sim: sim, srv: srv, p: NewClient(srv.URL, opts.APIKey)}
}

func charge(n int) provider.CreateChargeRequest {
	return provider.CreateChargeRequest{
		AmountCents: 1234 + int64(n),
		Reference:   fmt.Sprintf("pay-%d", n),
		OrderID:     fmt.Sprintf("order-%d", n),
		Description: "Mall order",
	}
}

func (e *env) create(t *testing.T, n int, mutate ...func(*provider.CreateChargeRequest)) provider.Charge {
	t.Helper()
	req := charge(n)
	for _, m := range mutate {
		m(&req)
	}
	c, err := e.p.CreateCharge(context.Background(), fmt.Sprintf("key-%d", n), req)
	if err != nil {
		t.Fatalf("CreateCharge %d: %v", n, err)
	}
	return c
}

func wantProviderError(t *testing.T, err error, status int, code string) {
	t.Helper()
	var pe *provider.Error
	if !errors.As(err, &pe) || pe.Status != status || pe.Code != code {
		t.Fatalf("error %v, want the provider's %d %s", err, status, code)
	}
}

func TestCreateChargeIsIdempotentByKey(t *testing.T) {
	e := start(t, Options{})
	ctx := context.Background()
	req := charge(1)
	first, err := e.p.CreateCharge(ctx, "k1", req)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(first.ID, "ch_") || first.Status != provider.ChargePending || first.Currency != "CNY" ||
		first.AmountCents != 1235 || first.Reference != "pay-1" || first.OrderID != "order-1" ||
		first.PayURL != e.srv.URL+"/pay/"+first.ID || first.CreatedAt.IsZero() {
		t.Fatalf("new charge %+v", first)
	}
	again, err := e.p.CreateCharge(ctx, "k1", req)
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != first.ID {
		t.Fatalf("same key, same request: charge %s then %s", first.ID, again.ID)
	}
	other, err := e.p.CreateCharge(ctx, "k2", req)
	if err != nil {
		t.Fatal(err)
	}
	if other.ID == first.ID {
		t.Fatal("a new key made no new charge")
	}

	changedAmount := req
	changedAmount.AmountCents++
	_, err = e.p.CreateCharge(ctx, "k1", changedAmount)
	wantProviderError(t, err, http.StatusConflict, "idempotency_conflict")
	changedRef := req
	changedRef.Reference = "pay-other"
	_, err = e.p.CreateCharge(ctx, "k1", changedRef)
	wantProviderError(t, err, http.StatusConflict, "idempotency_conflict")

	// The replay answers the charge as it is now.
	if _, err := e.p.SimulateCustomer(ctx, first.ID, true); err != nil {
		t.Fatal(err)
	}
	again, err = e.p.CreateCharge(ctx, "k1", req)
	if err != nil || again.ID != first.ID || again.Status != provider.ChargeSucceeded {
		t.Fatalf("replay after payment: %+v, %v", again, err)
	}

	for name, bad := range map[string]provider.CreateChargeRequest{
		"zero amount":     {AmountCents: 0, Reference: "r", OrderID: "o"},
		"no reference":    {AmountCents: 1, OrderID: "o"},
		"no order":        {AmountCents: 1, Reference: "r"},
		"bad currency":    {AmountCents: 1, Reference: "r", OrderID: "o", Currency: "yuan"},
		"relative notify": {AmountCents: 1, Reference: "r", OrderID: "o", NotifyURL: "/hook"},
	} {
		_, err := e.p.CreateCharge(ctx, "bad-"+name, bad)
		wantProviderError(t, err, http.StatusBadRequest, "invalid_request")
	}
	_, err = e.p.CreateCharge(ctx, "", req)
	wantProviderError(t, err, http.StatusBadRequest, "invalid_request")
}

func TestPublicURLIsTheBaseOfPayURL(t *testing.T) {
	e := start(t, Options{PublicURL: "https://pay.example.test/"})
	c := e.create(t, 1)
	if c.PayURL != "https://pay.example.test/pay/"+c.ID {
		t.Fatalf("pay_url %q", c.PayURL)
	}
}

func TestMerchantAPIRequiresTheAPIKey(t *testing.T) {
	e := start(t, Options{})
	c := e.create(t, 1)
	ctx := context.Background()

	wrong := NewClient(e.srv.URL, "sk_wrong")
	_, err := wrong.GetCharge(ctx, c.ID)
	wantProviderError(t, err, http.StatusUnauthorized, "unauthenticated")
	_, err = wrong.CreateCharge(ctx, "k", charge(2))
	wantProviderError(t, err, http.StatusUnauthorized, "unauthenticated")
	_, err = wrong.Ledger(ctx)
	wantProviderError(t, err, http.StatusUnauthorized, "unauthenticated")
	_, err = provider.NewClient(e.srv.URL, "").RefundCharge(ctx, c.ID, "k")
	wantProviderError(t, err, http.StatusUnauthorized, "unauthenticated")

	for _, path := range []string{"/v1/charges/" + c.ID, "/v1/ledger"} {
		res, err := http.Get(e.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Error struct{ Code string } `json:"error"`
		}
		_ = json.NewDecoder(res.Body).Decode(&body)
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized || body.Error.Code != "unauthenticated" ||
			!strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("GET %s without a key: %d %+v", path, res.StatusCode, body)
		}
	}

	// The pay page is the shopper's: no key.
	res, err := http.Get(c.PayURL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("pay page without a key: %d", res.StatusCode)
	}
	// Nothing changed with the wrong key.
	if got, err := e.p.GetCharge(ctx, c.ID); err != nil || got.Status != provider.ChargePending {
		t.Fatalf("charge after unauthenticated calls: %+v %v", got, err)
	}
	if _, err := e.p.GetCharge(ctx, "ch_missing"); err == nil {
		t.Fatal("unknown charge: no error")
	} else {
		wantProviderError(t, err, http.StatusNotFound, "not_found")
	}
}

func TestApproveAndDecline(t *testing.T) {
	e := start(t, Options{})
	ctx := context.Background()
	paid, declined := e.create(t, 1), e.create(t, 2)

	got, err := e.p.SimulateCustomer(ctx, paid.ID, true)
	if err != nil || got.Status != provider.ChargeSucceeded || got.DeclineReason != "" {
		t.Fatalf("approve: %+v, %v", got, err)
	}
	got, err = e.p.SimulateCustomer(ctx, declined.ID, false)
	if err != nil || got.Status != provider.ChargeDeclined || got.DeclineReason != "declined by customer" {
		t.Fatalf("decline: %+v, %v", got, err)
	}
	for _, c := range []provider.Charge{paid, declined} {
		for _, approve := range []bool{true, false} {
			_, err := e.p.SimulateCustomer(ctx, c.ID, approve)
			wantProviderError(t, err, http.StatusConflict, "not_pending")
		}
	}
	if got, _ := e.p.GetCharge(ctx, paid.ID); got.Status != provider.ChargeSucceeded {
		t.Fatalf("GET after approve: %s", got.Status)
	}
	_, err = e.p.SimulateCustomer(ctx, "ch_missing", true)
	wantProviderError(t, err, http.StatusNotFound, "not_found")

	ledger, err := e.p.Ledger(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ledger) != 1 || ledger[0].Kind != "charge" || ledger[0].ChargeID != paid.ID ||
		ledger[0].AmountCents != paid.AmountCents || ledger[0].Reference != "pay-1" || ledger[0].OrderID != "order-1" {
		t.Fatalf("ledger %+v: want one charge entry for %s", ledger, paid.ID)
	}
}

func TestDeclineRateOneDeclinesEveryApproval(t *testing.T) {
	e := start(t, Options{DeclineRate: 1})
	ctx := context.Background()
	for i := range 20 {
		c := e.create(t, i)
		got, err := e.p.SimulateCustomer(ctx, c.ID, true)
		if err != nil || got.Status != provider.ChargeDeclined || got.DeclineReason != "card declined (simulated)" {
			t.Fatalf("approve with decline rate 1: %+v, %v", got, err)
		}
	}
	if ledger, err := e.p.Ledger(ctx); err != nil || len(ledger) != 0 {
		t.Fatalf("ledger %+v, %v: want no money taken", ledger, err)
	}
}

func TestDeclineRateHalfDeclinesSome(t *testing.T) {
	e := start(t, Options{DeclineRate: 0.5})
	ctx := context.Background()
	counts := map[provider.ChargeStatus]int{}
	for i := range 100 {
		got, err := e.p.SimulateCustomer(ctx, e.create(t, i).ID, true)
		if err != nil {
			t.Fatal(err)
		}
		counts[got.Status]++
	}
	if counts[provider.ChargeSucceeded] < 20 || counts[provider.ChargeDeclined] < 20 {
		t.Fatalf("decline rate 0.5 over 100 approvals: %v", counts)
	}
}

func TestCancel(t *testing.T) {
	e := start(t, Options{})
	ctx := context.Background()
	c := e.create(t, 1)
	got, err := e.p.CancelCharge(ctx, c.ID)
	if err != nil || got.Status != provider.ChargeCancelled {
		t.Fatalf("cancel pending: %+v, %v", got, err)
	}
	got, err = e.p.CancelCharge(ctx, c.ID)
	if err != nil || got.Status != provider.ChargeCancelled {
		t.Fatalf("cancel again: %+v, %v", got, err)
	}
	_, err = e.p.SimulateCustomer(ctx, c.ID, true)
	wantProviderError(t, err, http.StatusConflict, "not_pending")

	paid := e.create(t, 2)
	if _, err := e.p.SimulateCustomer(ctx, paid.ID, true); err != nil {
		t.Fatal(err)
	}
	got, err = e.p.CancelCharge(ctx, paid.ID)
	if err != nil || got.Status != provider.ChargeSucceeded {
		t.Fatalf("cancel a succeeded charge: %+v, %v; want it unchanged", got, err)
	}
	_, err = e.p.CancelCharge(ctx, "ch_missing")
	wantProviderError(t, err, http.StatusNotFound, "not_found")
}

func TestRefundHappensOnce(t *testing.T) {
	e := start(t, Options{})
	ctx := context.Background()
	c := e.create(t, 1)
	if _, err := e.p.SimulateCustomer(ctx, c.ID, true); err != nil {
		t.Fatal(err)
	}

	// Many refunds at once, each with its own key: one refund.
	const n = 20
	refunds := make([]provider.Refund, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { refunds[i], errs[i] = e.p.RefundCharge(ctx, c.ID, fmt.Sprintf("refund-key-%d", i)) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("refund %d: %v", i, errs[i])
		}
		if refunds[i].ID != refunds[0].ID {
			t.Fatalf("two refunds of one charge: %s and %s", refunds[0].ID, refunds[i].ID)
		}
	}
	r := refunds[0]
	if !strings.HasPrefix(r.ID, "re_") || r.ChargeID != c.ID || r.AmountCents != c.AmountCents || r.Status != "succeeded" {
		t.Fatalf("refund %+v", r)
	}
	got, err := e.p.GetCharge(ctx, c.ID)
	if err != nil || got.Status != provider.ChargeRefunded || got.RefundedCents != c.AmountCents {
		t.Fatalf("charge after refund: %+v, %v", got, err)
	}
	again, err := e.p.RefundCharge(ctx, c.ID, "refund-key-3")
	if err != nil || again.ID != r.ID {
		t.Fatalf("replayed refund: %+v, %v", again, err)
	}

	ledger, err := e.p.Ledger(ctx)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, le := range ledger {
		if le.ChargeID != c.ID || le.AmountCents != c.AmountCents {
			t.Fatalf("ledger entry %+v", le)
		}
		kinds[le.Kind]++
	}
	if len(ledger) != 2 || kinds["charge"] != 1 || kinds["refund"] != 1 || ledger[0].Kind != "charge" {
		t.Fatalf("ledger %+v: want one charge then one refund", ledger)
	}

	// A refund key belongs to its charge.
	other := e.create(t, 2)
	if _, err := e.p.SimulateCustomer(ctx, other.ID, true); err != nil {
		t.Fatal(err)
	}
	_, err = e.p.RefundCharge(ctx, other.ID, "refund-key-0")
	wantProviderError(t, err, http.StatusConflict, "idempotency_conflict")
	_, err = e.p.RefundCharge(ctx, other.ID, "")
	wantProviderError(t, err, http.StatusBadRequest, "invalid_request")
	_, err = e.p.RefundCharge(ctx, "ch_missing", "k")
	wantProviderError(t, err, http.StatusNotFound, "not_found")
}

func TestOnlySucceededChargesAreRefundable(t *testing.T) {
	e := start(t, Options{})
	ctx := context.Background()
	pending := e.create(t, 1)
	declined := e.create(t, 2)
	cancelled := e.create(t, 3)
	if _, err := e.p.SimulateCustomer(ctx, declined.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := e.p.CancelCharge(ctx, cancelled.ID); err != nil {
		t.Fatal(err)
	}
	for _, c := range []provider.Charge{pending, declined, cancelled} {
		_, err := e.p.RefundCharge(ctx, c.ID, "r-"+c.ID)
		wantProviderError(t, err, http.StatusConflict, "not_refundable")
	}
	// The pending one can still be paid, then refunded, with the key that failed before.
	if _, err := e.p.SimulateCustomer(ctx, pending.ID, true); err != nil {
		t.Fatal(err)
	}
	if r, err := e.p.RefundCharge(ctx, pending.ID, "r-"+pending.ID); err != nil || r.ChargeID != pending.ID {
		t.Fatalf("refund after payment: %+v, %v", r, err)
	}
}

func TestLatencyDelaysMerchantCalls(t *testing.T) {
	e := start(t, Options{Latency: 80 * time.Millisecond})
	c := e.create(t, 1)
	began := time.Now()
	if _, err := e.p.GetCharge(context.Background(), c.ID); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(began); took < 80*time.Millisecond {
		t.Fatalf("GetCharge took %v with 80ms latency", took)
	}
}

func noRedirects() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func getPage(t *testing.T, u string) (int, string) {
	t.Helper()
	res, err := http.Get(u)
	return readPage(t, res, err)
}

func postForm(t *testing.T, u string) (int, string) {
	t.Helper()
	res, err := noRedirects().PostForm(u, url.Values{})
	return readPage(t, res, err)
}

func readPage(t *testing.T, res *http.Response, err error) (int, string) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

func TestPayPage(t *testing.T) {
	e := start(t, Options{})
	c := e.create(t, 0, func(r *provider.CreateChargeRequest) {
		r.Description = `<script>alert("x")</script>`
		r.ReturnURL = "https://shop.example.test/orders/order-0?tab=pay"
	})
	status, page := getPage(t, c.PayURL)
	if status != http.StatusOK {
		t.Fatalf("pay page: %d", status)
	}
	for _, want := range []string{
		"¥12.34", "order-0", "pay-0",
		`action="/pay/` + c.ID + `/approve"`, `action="/pay/` + c.ID + `/decline"`,
		`name="viewport"`, "&lt;script&gt;",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("pay page lacks %q", want)
		}
	}
	if strings.Contains(page, `<script>alert`) {
		t.Error("the description is not escaped")
	}

	// The browser's click: a form post, answered with a redirect to the shop.
	res, err := noRedirects().PostForm(e.srv.URL+"/pay/"+c.ID+"/approve", url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve form: %d, want 303", res.StatusCode)
	}
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	q := loc.Query()
	if loc.Host != "shop.example.test" || loc.Path != "/orders/order-0" || q.Get("tab") != "pay" ||
		q.Get("charge") != c.ID || q.Get("status") != "succeeded" {
		t.Fatalf("redirect to %s", loc)
	}

	// Again: the charge is no longer pending.
	status, page = postForm(t, e.srv.URL+"/pay/"+c.ID+"/decline")
	if status != http.StatusConflict || !strings.Contains(page, "succeeded") || strings.Contains(page, "/decline\"") {
		t.Fatalf("acting twice: %d\n%s", status, page)
	}
	// The page now shows the outcome and no buttons.
	_, page = getPage(t, c.PayURL)
	if !strings.Contains(page, "succeeded") || strings.Contains(page, "<form") {
		t.Fatalf("pay page of a paid charge:\n%s", page)
	}

	// Without a return_url: an HTML result page.
	plain := e.create(t, 1)
	status, page = postForm(t, e.srv.URL+"/pay/"+plain.ID+"/decline")
	if status != http.StatusOK || !strings.Contains(page, "declined") || !strings.Contains(page, "declined by customer") {
		t.Fatalf("decline without return_url: %d\n%s", status, page)
	}

	status, _ = getPage(t, e.srv.URL+"/pay/ch_missing")
	if status != http.StatusNotFound {
		t.Fatalf("pay page of an unknown charge: %d", status)
	}
	status, _ = getPage(t, e.srv.URL+"/healthz")
	if status != http.StatusOK {
		t.Fatalf("healthz: %d", status)
	}
}

func TestWebhooksAreSignedAndInOrder(t *testing.T) {
	def, own := newReceiver(t, 0), newReceiver(t, 0)
	e := start(t, Options{NotifyURL: def.url()})
	ctx := context.Background()
	c := e.create(t, 1)
	if _, err := e.p.SimulateCustomer(ctx, c.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := e.p.RefundCharge(ctx, c.ID, "r"); err != nil {
		t.Fatal(err)
	}
	cancelled := e.create(t, 2, func(r *provider.CreateChargeRequest) { r.NotifyURL = own.url() })
	if _, err := e.p.CancelCharge(ctx, cancelled.ID); err != nil {
		t.Fatal(err)
	}

	testenv.Eventually(t, 5*time.Second, "4 webhooks acknowledged", func() bool {
		return len(def.events()) == 3 && len(own.events()) == 2 && e.sim.idle()
	})
	evs := def.events()
	wantTypes := []string{"charge.pending", "charge.succeeded", "charge.refunded"}
	wantStatus := []provider.ChargeStatus{provider.ChargePending, provider.ChargeSucceeded, provider.ChargeRefunded}
	ids := map[string]bool{}
	for i, ev := range evs {
		if ev.Type != wantTypes[i] || ev.Sequence != int64(i+1) || ev.Charge.ID != c.ID ||
			ev.Charge.Status != wantStatus[i] || !strings.HasPrefix(ev.ID, "evt_") || ev.Created == 0 {
			t.Fatalf("event %d: %+v", i, ev)
		}
		ids[ev.ID] = true
	}
	if len(ids) != 3 {
		t.Fatalf("event ids not unique: %v", ids)
	}
	if evs[2].Charge.RefundedCents != c.AmountCents {
		t.Fatalf("refunded event carries %+v", evs[2].Charge)
	}
	ownEvs := own.events()
	if ownEvs[0].Type != "charge.pending" || ownEvs[1].Type != "charge.cancelled" || ownEvs[1].Sequence != 2 ||
		ownEvs[1].Charge.ID != cancelled.ID {
		t.Fatalf("events at the charge's own notify_url: %+v", ownEvs)
	}

	// A receiver with another secret rejects them all.
	if err := provider.VerifyWebhook([]byte("other"), []byte("{}"), def.signatures[evs[0].ID][0], time.Now(), time.Minute); !errors.Is(err, provider.ErrBadSignature) {
		t.Fatalf("verify with another secret: %v", err)
	}
}

func TestWebhooksAreRetriedUntilAcknowledged(t *testing.T) {
	const fails = 4
	rcv := newReceiver(t, fails)
	e := start(t, Options{NotifyURL: rcv.url()})
	ctx := context.Background()
	c := e.create(t, 1)
	if _, err := e.p.SimulateCustomer(ctx, c.ID, true); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 5*time.Second, "both events acknowledged", func() bool { return len(rcv.events()) == 2 && e.sim.idle() })
	evs := rcv.events()
	// The refused event is retried and keeps its place: pending, then succeeded.
	if evs[0].Sequence != 1 || evs[1].Sequence != 2 {
		t.Fatalf("arrival order %d, %d", evs[0].Sequence, evs[1].Sequence)
	}
	rcv.mu.Lock()
	pendingAttempts, succeededAttempts := len(rcv.signatures[evs[0].ID]), len(rcv.signatures[evs[1].ID])
	rcv.mu.Unlock()
	if pendingAttempts != fails+1 || succeededAttempts != 1 || rcv.requestCount() != fails+2 {
		t.Fatalf("attempts: pending %d, succeeded %d, requests %d", pendingAttempts, succeededAttempts, rcv.requestCount())
	}
	if st := e.sim.deliveryStats(); st.failedAttempts != fails || st.acknowledged != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func TestEveryAttemptIsSignedAnew(t *testing.T) {
	rcv := newReceiver(t, 1)
	// One retry after more than a second: the two signatures have different timestamps.
	e := start(t, Options{NotifyURL: rcv.url(), RetryMin: 1100 * time.Millisecond, RetryMax: 1100 * time.Millisecond})
	e.create(t, 1)
	testenv.Eventually(t, 5*time.Second, "the event acknowledged", func() bool { return len(rcv.events()) == 1 })
	rcv.mu.Lock()
	sigs := rcv.signatures[rcv.acked[0].ID]
	rcv.mu.Unlock()
	if len(sigs) != 2 || sigs[0] == sigs[1] || strings.Split(sigs[0], ",")[0] == strings.Split(sigs[1], ",")[0] {
		t.Fatalf("signatures of the two attempts: %q", sigs)
	}
}

func TestWebhooksWaitForRun(t *testing.T) {
	rcv := newReceiver(t, 0)
	sim := New(Options{APIKey: testKey, WebhookSecret: []byte(testSecret), NotifyURL: rcv.url(), Seed: 1})
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	if _, err := provider.NewClient(srv.URL, testKey).CreateCharge(context.Background(), "k", charge(1)); err != nil {
		t.Fatal(err)
	}
	if sim.idle() || rcv.requestCount() != 0 {
		t.Fatal("the event is not waiting for Run")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sim.Run(ctx) }()
	testenv.Eventually(t, 5*time.Second, "the event delivered once Run runs", func() bool { return len(rcv.events()) == 1 })
	if err := sim.Run(ctx); err == nil {
		t.Error("a second concurrent Run did not fail")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after its context was cancelled")
	}
}

func TestLossRateOneDeliversNothing(t *testing.T) {
	rcv := newReceiver(t, 0)
	e := start(t, Options{NotifyURL: rcv.url(), LossRate: 1})
	ctx := context.Background()
	for i := range 10 {
		c := e.create(t, i)
		if _, err := e.p.SimulateCustomer(ctx, c.ID, true); err != nil {
			t.Fatal(err)
		}
	}
	// Nothing was queued at all, so nothing can arrive later either.
	if st := e.sim.deliveryStats(); st.emitted != 20 || st.dropped != 20 || !e.sim.idle() {
		t.Fatalf("stats %+v, idle %v: want all 20 events dropped", st, e.sim.idle())
	}
	if n := rcv.requestCount(); n != 0 {
		t.Fatalf("%d webhooks delivered with loss rate 1", n)
	}
	// The merchant polls instead.
	ledger, err := e.p.Ledger(ctx)
	if err != nil || len(ledger) != 10 {
		t.Fatalf("ledger %d entries, %v", len(ledger), err)
	}
}

func TestDuplicateRateOneDeliversEveryEventTwice(t *testing.T) {
	rcv := newReceiver(t, 0)
	e := start(t, Options{NotifyURL: rcv.url(), DuplicateRate: 1})
	ctx := context.Background()
	for i := range 10 {
		c := e.create(t, i)
		if _, err := e.p.SimulateCustomer(ctx, c.ID, i%2 == 0); err != nil {
			t.Fatal(err)
		}
	}
	testenv.Eventually(t, 5*time.Second, "40 deliveries and nothing left to send", func() bool {
		return len(rcv.events()) >= 40 && e.sim.idle()
	})
	count := map[string]int{}
	seen := map[string]provider.Event{}
	for _, ev := range rcv.events() {
		count[ev.ID]++
		if prev, ok := seen[ev.ID]; ok && (prev.Sequence != ev.Sequence || prev.Type != ev.Type || prev.Created != ev.Created) {
			t.Fatalf("a duplicate differs: %+v vs %+v", prev, ev)
		}
		seen[ev.ID] = ev
	}
	if len(count) != 20 {
		t.Fatalf("%d distinct events, want 20", len(count))
	}
	for id, n := range count {
		if n != 2 {
			t.Fatalf("event %s delivered %d times, want 2", id, n)
		}
	}
}

func TestReorderRateOneReordersButDeliversAll(t *testing.T) {
	rcv := newReceiver(t, 0)
	e := start(t, Options{NotifyURL: rcv.url(), ReorderRate: 1, RetryMax: 20 * time.Millisecond})
	ctx := context.Background()
	const n = 40
	for i := range n {
		c := e.create(t, i)
		if _, err := e.p.SimulateCustomer(ctx, c.ID, true); err != nil {
			t.Fatal(err)
		}
	}
	testenv.Eventually(t, 5*time.Second, "every event delivered", func() bool { return len(rcv.events()) == 2*n && e.sim.idle() })
	outOfOrder := 0
	groups := byCharge(rcv.events())
	if len(groups) != n {
		t.Fatalf("events of %d charges, want %d", len(groups), n)
	}
	for id, evs := range groups {
		if len(evs) != 2 || evs[0].ID == evs[1].ID {
			t.Fatalf("charge %s: events %+v", id, evs)
		}
		if evs[0].Sequence > evs[1].Sequence {
			outOfOrder++
		}
	}
	if outOfOrder == 0 {
		t.Fatalf("reorder rate 1: all %d charges' events arrived in order", n)
	}
	t.Logf("%d of %d charges had their events reordered", outOfOrder, n)
}

// Hundreds of charges at once, every operation racing: the state stays
// consistent, and without faults each charge's webhooks arrive exactly once
// and in order.
func TestManyConcurrentCharges(t *testing.T) {
	rcv := newReceiver(t, 0)
	e := start(t, Options{NotifyURL: rcv.url()})
	ctx := context.Background()
	const n = 300
	type outcome struct {
		charge   provider.Charge
		refunded bool
	}
	outcomes := make([]outcome, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			key := fmt.Sprintf("key-%d", i)
			c, err := e.p.CreateCharge(ctx, key, charge(i))
			if err != nil {
				t.Errorf("create %d: %v", i, err)
				return
			}
			id := c.ID
			var inner sync.WaitGroup
			for range 3 { // replays race with the customer
				inner.Go(func() {
					if again, err := e.p.CreateCharge(ctx, key, charge(i)); err != nil || again.ID != id {
						t.Errorf("replay %d: %s, %v", i, again.ID, err)
					}
				})
			}
			switch i % 3 {
			case 0:
				c, err = e.p.SimulateCustomer(ctx, id, true)
			case 1:
				c, err = e.p.SimulateCustomer(ctx, id, false)
			case 2:
				c, err = e.p.CancelCharge(ctx, id)
			}
			if err != nil {
				t.Errorf("act on %d: %v", i, err)
				return
			}
			refunded := false
			if i%6 == 0 {
				for k := range 2 {
					inner.Go(func() {
						if _, err := e.p.RefundCharge(ctx, id, fmt.Sprintf("refund-%d-%d", i, k)); err != nil {
							t.Errorf("refund %d: %v", i, err)
						}
					})
				}
				refunded = true
			}
			inner.Wait()
			outcomes[i] = outcome{c, refunded}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	var wantCharges, wantRefunds, wantEvents int
	for _, o := range outcomes {
		wantEvents += 2
		if o.charge.Status == provider.ChargeSucceeded {
			wantCharges++
		}
		if o.refunded {
			wantRefunds++
			wantEvents++
		}
	}
	ledger, err := e.p.Ledger(ctx)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, le := range ledger {
		kinds[le.Kind]++
	}
	if wantCharges != n/3 || kinds["charge"] != wantCharges || kinds["refund"] != wantRefunds {
		t.Fatalf("ledger %v, want %d charges and %d refunds", kinds, wantCharges, wantRefunds)
	}

	testenv.Eventually(t, 10*time.Second, "every webhook delivered", func() bool { return len(rcv.events()) == wantEvents && e.sim.idle() })
	groups := byCharge(rcv.events())
	for i, o := range outcomes {
		evs := groups[o.charge.ID]
		want := 2
		if o.refunded {
			want = 3
		}
		if len(evs) != want {
			t.Fatalf("charge %d: %d events, want %d", i, len(evs), want)
		}
		for k, ev := range evs {
			if ev.Sequence != int64(k+1) {
				t.Fatalf("charge %d: event %d has sequence %d (out of order)", i, k, ev.Sequence)
			}
		}
		if last := evs[len(evs)-1].Charge.Status; last == provider.ChargePending {
			t.Fatalf("charge %d: last event status %s", i, last)
		}
	}
}

func TestRefundRefusalRateOneRefusesEveryRefund(t *testing.T) {
	e := start(t, Options{RefundRefusalRate: 1})
	ctx := context.Background()
	c := e.create(t, 1)
	if _, err := e.p.SimulateCustomer(ctx, c.ID, true); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		_, err := e.p.RefundCharge(ctx, c.ID, "refund-1")
		wantProviderError(t, err, http.StatusConflict, "refund_refused")
		if !provider.Refused(err) || provider.Retryable(err) {
			t.Fatalf("a refused refund must read as refused, not retryable: %v", err)
		}
	}
	if got, err := e.p.GetCharge(ctx, c.ID); err != nil || got.Status != provider.ChargeSucceeded || got.RefundedCents != 0 {
		t.Fatalf("charge after refused refunds: %+v, %v", got, err)
	}
	// The fault can be lifted while the simulator runs.
	e.sim.SetRefundRefusalRate(0)
	if r, err := e.p.RefundCharge(ctx, c.ID, "refund-1"); err != nil || r.Check(c.ID, c.AmountCents) != "" {
		t.Fatalf("refund once refusals stopped: %+v, %v", r, err)
	}
}

func TestMisreportSettlesAChargeOtherThanAskedFor(t *testing.T) {
	e := start(t, Options{})
	ctx := context.Background()
	if err := e.sim.SetMisreport("price"); err == nil {
		t.Fatal("an unknown field was accepted")
	}
	for n, field := range MisreportFields {
		t.Run(field, func(t *testing.T) {
			if err := e.sim.SetMisreport(field); err != nil {
				t.Fatal(err)
			}
			asked := e.create(t, n)
			if asked.AmountCents != charge(n).AmountCents || asked.Currency != "CNY" || asked.Reference != charge(n).Reference ||
				asked.OrderID != charge(n).OrderID {
				t.Fatalf("the created charge already differs: %+v", asked)
			}
			if _, err := e.p.SimulateCustomer(ctx, asked.ID, true); err != nil {
				t.Fatal(err)
			}
			got, err := e.p.GetCharge(ctx, asked.ID)
			if err != nil || got.Status != provider.ChargeSucceeded {
				t.Fatalf("charge %+v, %v", got, err)
			}
			var differs []string
			for name, same := range map[string]bool{"amount": got.AmountCents == asked.AmountCents, "currency": got.Currency == asked.Currency,
				"reference": got.Reference == asked.Reference, "order": got.OrderID == asked.OrderID, "id": got.ID == asked.ID} {
				if !same {
					differs = append(differs, name)
				}
			}
			if len(differs) != 1 || differs[0] != field {
				t.Fatalf("settled charge %+v differs by %v, want only %s", got, differs, field)
			}
		})
	}
	ledger, err := e.p.Ledger(ctx)
	if err != nil || len(ledger) != len(MisreportFields) || ledger[0].AmountCents != 1 {
		t.Fatalf("ledger %+v %v: the misreported amount is what was taken", ledger, err)
	}
}

func TestRefuseNextRefundsRefusesThatManyThenRefunds(t *testing.T) {
	e := start(t, Options{})
	ctx := context.Background()
	c := e.create(t, 1)
	if _, err := e.p.SimulateCustomer(ctx, c.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := e.p.RefuseNextRefunds(ctx, 2); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		_, err := e.p.RefundCharge(ctx, c.ID, "r-1")
		wantProviderError(t, err, http.StatusConflict, "refund_refused")
	}
	if r, err := e.p.RefundCharge(ctx, c.ID, "r-1"); err != nil || r.ChargeID != c.ID {
		t.Fatalf("third refund: %+v, %v", r, err)
	}
	for _, bad := range []int{-1, maxRefuseNext + 1} {
		wantProviderError(t, e.p.RefuseNextRefunds(ctx, bad), http.StatusBadRequest, "invalid_request")
	}
	err := NewClient(e.srv.URL, "wrong").RefuseNextRefunds(ctx, 1)
	wantProviderError(t, err, http.StatusUnauthorized, "unauthenticated")
}
