package payment

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"
)

func TestSignAndVerifyWebhook(t *testing.T) {
	secret := []byte("whsec_test")
	payload := []byte(`{"id":"evt_1","type":"charge.succeeded","sequence":2}`)
	signedAt := time.Unix(1_800_000_000, 0)
	header := SignWebhook(secret, payload, signedAt)

	if !strings.HasPrefix(header, "t=1800000000,v1=") || len(header) != len("t=1800000000,v1=")+64 {
		t.Fatalf("header %q: want t=<unix>,v1=<64 hex>", header)
	}
	// Same inputs, same signature; a different time, a different one.
	if again := SignWebhook(secret, payload, signedAt); again != header {
		t.Fatalf("not deterministic: %q vs %q", header, again)
	}
	if other := SignWebhook(secret, payload, signedAt.Add(time.Second)); other == header {
		t.Fatal("the timestamp is not part of the signature")
	}

	tolerance := 5 * time.Minute
	tests := []struct {
		name    string
		secret  []byte
		payload []byte
		header  string
		now     time.Time
		want    error
	}{
		{"good", secret, payload, header, signedAt, nil},
		{"good within tolerance after", secret, payload, header, signedAt.Add(tolerance), nil},
		{"good within tolerance before (clock skew)", secret, payload, header, signedAt.Add(-tolerance), nil},
		{"tampered payload", secret, []byte(strings.Replace(string(payload), "succeeded", "declined ", 1)), header, signedAt, ErrBadSignature},
		{"payload with a byte appended", secret, append(append([]byte{}, payload...), ' '), header, signedAt, ErrBadSignature},
		{"wrong secret", []byte("whsec_other"), payload, header, signedAt, ErrBadSignature},
		{"stale", secret, payload, header, signedAt.Add(tolerance + time.Second), ErrStaleSignature},
		{"from the future", secret, payload, header, signedAt.Add(-tolerance - time.Second), ErrStaleSignature},
		{"timestamp changed", secret, payload, strings.Replace(header, "t=1800000000", "t=1800000001", 1), signedAt, ErrBadSignature},
		{"empty header", secret, payload, "", signedAt, ErrBadSignature},
		{"no v1", secret, payload, "t=1800000000", signedAt, ErrBadSignature},
		{"no t", secret, payload, header[strings.Index(header, "v1="):], signedAt, ErrBadSignature},
		{"garbage", secret, payload, "not a signature", signedAt, ErrBadSignature},
		{"t not a number", secret, payload, strings.Replace(header, "t=1800000000", "t=soon", 1), signedAt, ErrBadSignature},
		{"v1 not hex", secret, payload, "t=1800000000,v1=zz" + strings.Repeat("0", 62), signedAt, ErrBadSignature},
		{"v1 truncated", secret, payload, header[:len(header)-2], signedAt, ErrBadSignature},
		{"two timestamps", secret, payload, header + ",t=1800000000", signedAt, ErrBadSignature},
		{"rotated secret: one of two v1 matches", secret, payload,
			SignWebhook([]byte("old"), payload, signedAt) + ",v1=" + header[strings.Index(header, "v1=")+3:], signedAt, nil},
		{"spaces after commas", secret, payload, strings.Replace(header, ",", ", ", 1), signedAt, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := VerifyWebhook(tc.secret, tc.payload, tc.header, tc.now, tolerance)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("VerifyWebhook: %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("VerifyWebhook: %v, want %v", err, tc.want)
			}
		})
	}
}

// A stale signature is reported only once the HMAC is right: a forged old
// delivery is a bad signature, not a stale one.
func TestVerifyWebhookChecksTheHMACBeforeTheAge(t *testing.T) {
	payload := []byte(`{}`)
	old := time.Unix(1_700_000_000, 0)
	header := SignWebhook([]byte("attacker"), payload, old)
	err := VerifyWebhook([]byte("secret"), payload, header, old.Add(time.Hour), time.Minute)
	if !errors.Is(err, ErrBadSignature) {
		t.Fatalf("got %v, want ErrBadSignature", err)
	}
}

func TestSignWebhookMatchesTheDocumentedFormula(t *testing.T) {
	// HMAC-SHA256("key", "1.{}"), computed independently:
	//   printf '1.{}' | openssl dgst -sha256 -hmac key
	got := SignWebhook([]byte("key"), []byte("{}"), time.Unix(1, 0))
	want := "t=1,v1=1ba6b8171186efc613e8bcc0cbdab2748f24984d7c5a84faa2637afa0e40d224"
	if got != want {
		t.Fatalf("SignWebhook = %q, want %q", got, want)
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestRetryable(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"429", &ProviderError{Status: 429, Code: "rate_limited"}, true},
		{"500", &ProviderError{Status: 500, Code: "internal"}, true},
		{"502", &ProviderError{Status: 502}, true},
		{"503 wrapped", fmt.Errorf("create charge: %w", &ProviderError{Status: 503, Code: "unavailable"}), true},
		{"400", &ProviderError{Status: 400, Code: "invalid_request"}, false},
		{"401", &ProviderError{Status: 401, Code: "unauthenticated"}, false},
		{"404", &ProviderError{Status: 404, Code: "not_found"}, false},
		{"409 conflict", &ProviderError{Status: 409, Code: "idempotency_conflict"}, false},
		{"409 not_refundable", &ProviderError{Status: 409, Code: "not_refundable"}, false},
		{"connection refused", &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}}, true},
		{"net timeout", timeoutErr{}, true},
		{"deadline", context.DeadlineExceeded, true},
		{"deadline wrapped in url.Error", &url.Error{Op: "Get", URL: "http://x", Err: context.DeadlineExceeded}, true},
		{"cancelled", context.Canceled, false},
		{"cancelled wrapped in url.Error", &url.Error{Op: "Get", URL: "http://x", Err: context.Canceled}, false},
		{"plain error", errors.New("decode answer: bad json"), false},
		{"parse error", &strconv.NumError{Func: "ParseInt", Num: "x", Err: strconv.ErrSyntax}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Retryable(tc.err); got != tc.want {
				t.Fatalf("Retryable(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

// A provider's refusal on the merits is final; the merchant's own
// credentials, a timeout or a rate limit are not the request's fault, and
// an activity retries them.
func TestRefusedAndWhatActivitiesRetry(t *testing.T) {
	tests := []struct {
		name          string
		err           error
		refused, stop bool // Refused(err); fromProvider(err) is non-retryable
	}{
		{"400", &ProviderError{Status: 400, Code: "invalid_request"}, true, true},
		{"404", &ProviderError{Status: 404, Code: "not_found"}, true, true},
		{"409 not_refundable", fmt.Errorf("refund: %w", &ProviderError{Status: 409, Code: "not_refundable"}), true, true},
		{"401 our key", &ProviderError{Status: 401, Code: "unauthenticated"}, false, false},
		{"403", &ProviderError{Status: 403, Code: "forbidden"}, false, false},
		{"408", &ProviderError{Status: 408, Code: "request_timeout"}, false, false},
		{"429", &ProviderError{Status: 429, Code: "rate_limited"}, false, false},
		{"503", &ProviderError{Status: 503, Code: "unavailable"}, false, false},
		{"connection refused", &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("refused")}}, false, false},
		{"an answer that cannot be read", errors.New("decode answer: bad json"), false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Refused(tc.err); got != tc.refused {
				t.Fatalf("Refused = %v, want %v", got, tc.refused)
			}
			var appErr *temporal.ApplicationError
			stop := errors.As(fromProvider(tc.err), &appErr) && appErr.NonRetryable()
			if stop != tc.stop || providerRefused(fromProvider(tc.err)) != tc.stop {
				t.Fatalf("fromProvider stops retrying: %v, want %v", stop, tc.stop)
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
	p := NewProvider("http://"+addr, "k")
	_, err = p.GetCharge(context.Background(), "ch_x")
	if err == nil || !Retryable(err) {
		t.Fatalf("GetCharge on a closed port: %v, Retryable=%v; want a retryable error", err, Retryable(err))
	}
}

func TestChargeStatusFinal(t *testing.T) {
	for s, want := range map[ChargeStatus]bool{
		ChargePending: false, ChargeSucceeded: true, ChargeDeclined: true, ChargeCancelled: true, ChargeRefunded: true, "": false,
	} {
		if s.Final() != want {
			t.Errorf("%q.Final() = %v, want %v", s, s.Final(), want)
		}
	}
}
