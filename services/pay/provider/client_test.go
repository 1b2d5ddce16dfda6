package provider

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
)

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// A provider's refusal on the merits is final; the merchant's own
// credentials, a timeout or a rate limit are not the request's fault, and
// the network, 429 and 5xx are worth another try.
func TestRefusedAndRetryable(t *testing.T) {
	tests := []struct {
		name               string
		err                error
		refused, retryable bool
	}{
		{"nil", nil, false, false},
		{"400", &Error{Status: 400, Code: "invalid_request"}, true, false},
		{"404", &Error{Status: 404, Code: "not_found"}, true, false},
		{"409 conflict", &Error{Status: 409, Code: "idempotency_conflict"}, true, false},
		{"409 not_refundable, wrapped", fmt.Errorf("refund: %w", &Error{Status: 409, Code: "not_refundable"}), true, false},
		{"401 our key", &Error{Status: 401, Code: "unauthenticated"}, false, false},
		{"403", &Error{Status: 403, Code: "forbidden"}, false, false},
		{"408", &Error{Status: 408, Code: "request_timeout"}, false, false},
		{"429", &Error{Status: 429, Code: "rate_limited"}, false, true},
		{"500", &Error{Status: 500, Code: "internal"}, false, true},
		{"502", &Error{Status: 502}, false, true},
		{"503 wrapped", fmt.Errorf("create charge: %w", &Error{Status: 503, Code: "unavailable"}), false, true},
		{"connection refused", &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}}, false, true},
		{"net timeout", timeoutErr{}, false, true},
		{"deadline", context.DeadlineExceeded, false, true},
		{"deadline wrapped in url.Error", &url.Error{Op: "Get", URL: "http://x", Err: context.DeadlineExceeded}, false, true},
		{"cancelled", context.Canceled, false, false},
		{"cancelled wrapped in url.Error", &url.Error{Op: "Get", URL: "http://x", Err: context.Canceled}, false, false},
		{"an answer that cannot be read", errors.New("decode answer: bad json"), false, false},
		{"parse error", &strconv.NumError{Func: "ParseInt", Num: "x", Err: strconv.ErrSyntax}, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Refused(tc.err); got != tc.refused {
				t.Fatalf("Refused(%v) = %v, want %v", tc.err, got, tc.refused)
			}
			if got := Retryable(tc.err); got != tc.retryable {
				t.Fatalf("Retryable(%v) = %v, want %v", tc.err, got, tc.retryable)
			}
		})
	}
}

func TestRetryableAgainstARealClosedPort(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, err = NewClient("http://"+addr, "k").GetCharge(context.Background(), "ch_x")
	if err == nil || !Retryable(err) {
		t.Fatalf("GetCharge on a closed port: %v, Retryable=%v; want a retryable error", err, Retryable(err))
	}
}

// The client sends what the provider's API asks for (key, idempotency key,
// JSON body) and reads a refusal's code and message, or, from an answer
// without the provider's error body, the status.
func TestClientSpeaksTheProvidersAPI(t *testing.T) {
	// What the server last received, handed over once per call.
	type received struct {
		req  *http.Request
		body []byte
	}
	requests := make(chan received, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		requests <- received{r, body}
		switch r.URL.Path {
		case "/v1/charges":
			_, _ = w.Write([]byte(`{"id":"ch_1","amount_cents":2500,"currency":"CNY","reference":"pm-1","order_id":"o-1","status":"pending"}`))
		case "/v1/charges/ch_1/refunds":
			w.WriteHeader(http.StatusConflict)
			_, _ = w.Write([]byte(`{"error":{"code":"not_refundable","message":"charge ch_1 is pending"}}`))
		default:
			http.Error(w, "upstream down", http.StatusBadGateway)
		}
	}))
	defer srv.Close()
	client := NewClient(srv.URL+"/", "sk_test")
	ctx := context.Background()

	c, err := client.CreateCharge(ctx, "pm-1", CreateChargeRequest{AmountCents: 2500, Currency: "CNY", Reference: "pm-1", OrderID: "o-1"})
	if err != nil || c.ID != "ch_1" || c.Status != ChargePending || c.AmountCents != 2500 {
		t.Fatalf("CreateCharge = %+v, %v", c, err)
	}
	got := <-requests
	if got.req.Method != http.MethodPost || got.req.Header.Get("Authorization") != "Bearer sk_test" || got.req.Header.Get("Idempotency-Key") != "pm-1" ||
		got.req.Header.Get("Content-Type") != "application/json" || string(got.body) != `{"amount_cents":2500,"currency":"CNY","reference":"pm-1","order_id":"o-1"}` {
		t.Fatalf("request %s %s %v %s", got.req.Method, got.req.URL, got.req.Header, got.body)
	}

	_, err = client.RefundCharge(ctx, "ch_1", "refund-pm-1")
	var pe *Error
	if !errors.As(err, &pe) || pe.Status != http.StatusConflict || pe.Code != "not_refundable" || pe.Message != "charge ch_1 is pending" || !Refused(err) {
		t.Fatalf("RefundCharge of a pending charge: %v", err)
	}
	<-requests
	_, err = client.GetCharge(ctx, "ch/../x")
	if !errors.As(err, &pe) || pe.Status != http.StatusBadGateway || pe.Code != "bad_gateway" || pe.Message != "upstream down" || !Retryable(err) {
		t.Fatalf("GetCharge from a failing gateway: %v", err)
	}
	if got = <-requests; got.req.URL.EscapedPath() != "/v1/charges/ch%2F..%2Fx" {
		t.Fatalf("charge id not escaped: %s", got.req.URL.EscapedPath())
	}
}
