package app

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.temporal.io/sdk/temporal"

	"mall/services/pay/provider"
	"mall/workflows/payment"
)

// The payment activities over sagaProvider against a provider answering
// over HTTP: a refusal on the request's merits and an answer that cannot be
// read stop the activity's retries (typed for the workflow), while the
// provider failing, a rate limit, a timeout, the merchant's own credentials
// and a provider that cannot be reached are retried.
func TestPaymentActivitiesRetryWhatTheProviderMayAnswerLater(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		final    bool
		wantType string
	}{
		{"not found", 404, `{"error":{"code":"not_found","message":"no charge ch_1"}}`, true, "PROVIDER_not_found"},
		{"invalid request", 400, `{"error":{"code":"invalid_request","message":"amount_cents must be > 0"}}`, true, "PROVIDER_invalid_request"},
		{"conflict", 409, `{"error":{"code":"idempotency_conflict","message":"key reused"}}`, true, "PROVIDER_idempotency_conflict"},
		{"an answer that cannot be read", 200, `{"id": "ch_1", "status":`, true, "PROVIDER_ERROR"},
		{"our key", 401, `{"error":{"code":"unauthenticated","message":"wrong API key"}}`, false, ""},
		{"forbidden", 403, `{"error":{"code":"forbidden","message":"no"}}`, false, ""},
		{"timeout", 408, ``, false, ""},
		{"rate limited", 429, `{"error":{"code":"rate_limited","message":"slow down"}}`, false, ""},
		{"unavailable", 503, `upstream down`, false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			activities := &payment.Activities{Provider: sagaProvider{provider.NewClient(srv.URL, "sk_test")}}
			_, err := activities.GetCharge(context.Background(), "ch_1")
			if err == nil {
				t.Fatal("no error")
			}
			var appErr *temporal.ApplicationError
			final := errors.As(err, &appErr) && appErr.NonRetryable()
			if final != tc.final {
				t.Fatalf("%v: final %v, want %v", err, final, tc.final)
			}
			if final && appErr.Type() != tc.wantType {
				t.Fatalf("type %q, want %q", appErr.Type(), tc.wantType)
			}
		})
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone := "http://" + l.Addr().String()
	l.Close()
	_, err = (&payment.Activities{Provider: sagaProvider{provider.NewClient(gone, "sk_test")}}).CancelCharge(context.Background(), "ch_1")
	var appErr *temporal.ApplicationError
	if err == nil || (errors.As(err, &appErr) && appErr.NonRetryable()) {
		t.Fatalf("nothing listening: %v, want a retryable error", err)
	}
}

// What the saga asks for reaches the provider as its API spells it, and the
// provider's answer reaches the saga with every field it checks.
func TestPaymentActivitiesAskTheProviderAndReadItsCharge(t *testing.T) {
	asked := make(chan provider.CreateChargeRequest, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req provider.CreateChargeRequest
		if r.Header.Get("Idempotency-Key") != "pm-o-1-1" || json.NewDecoder(r.Body).Decode(&req) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		asked <- req
		_ = json.NewEncoder(w).Encode(provider.Charge{ID: "ch_1", AmountCents: req.AmountCents, Currency: req.Currency,
			Reference: req.Reference, OrderID: req.OrderID, Description: req.Description, Status: provider.ChargeDeclined,
			DeclineReason: "card declined", PayURL: "http://paysim.test/pay/ch_1", ReturnURL: req.ReturnURL})
	}))
	defer srv.Close()
	activities := &payment.Activities{Provider: sagaProvider{provider.NewClient(srv.URL, "sk_test")}}
	charge, err := activities.CreateCharge(context.Background(), payment.ChargeInput{PaymentID: "pm-o-1-1", OrderID: "o-1",
		AmountCents: 2500, ReturnURL: "http://mall.test/orders/o-1", NotifyURL: "http://mall.test/webhook"})
	if err != nil {
		t.Fatal(err)
	}
	want := provider.CreateChargeRequest{AmountCents: 2500, Currency: payment.Currency, Reference: "pm-o-1-1", OrderID: "o-1",
		Description: "Mall order o-1", ReturnURL: "http://mall.test/orders/o-1", NotifyURL: "http://mall.test/webhook"}
	if got := <-asked; got != want {
		t.Fatalf("the provider was asked for %+v, want %+v", got, want)
	}
	wantCharge := payment.Charge{ID: "ch_1", AmountCents: 2500, Currency: payment.Currency, Reference: "pm-o-1-1", OrderID: "o-1",
		Status: payment.ChargeDeclined, DeclineReason: "card declined", PayURL: "http://paysim.test/pay/ch_1"}
	if charge != wantCharge {
		t.Fatalf("the saga read %+v, want %+v", charge, wantCharge)
	}
}

// The saga's charge states are the provider's, so a status crosses as it is.
func TestTheSagaReadsEveryChargeStatusOfTheProvider(t *testing.T) {
	for from, want := range map[provider.ChargeStatus]payment.ChargeStatus{
		provider.ChargePending: payment.ChargePending, provider.ChargeSucceeded: payment.ChargeSucceeded,
		provider.ChargeDeclined: payment.ChargeDeclined, provider.ChargeCancelled: payment.ChargeCancelled,
		provider.ChargeRefunded: payment.ChargeRefunded,
	} {
		if got := sagaCharge(provider.Charge{Status: from}).Status; got != want {
			t.Errorf("%q reads as %q, want %q", from, got, want)
		}
	}
}
