package payment

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"go.temporal.io/sdk/temporal"
)

// What a Provider's error says decides whether an activity retries: a
// refusal and an unreadable answer are final (and typed, for the workflow
// to tell them from a failure of the services), anything else is retried.
func TestWhatActivitiesRetry(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		stop     bool   // fromProvider(err) is non-retryable
		wantType string // its type when it is
	}{
		{"refused", &RefusedError{Code: "not_found", Message: "no charge ch_x"}, true, "PROVIDER_not_found"},
		{"refused, wrapped", fmt.Errorf("get charge: %w", &RefusedError{Code: "invalid_request"}), true, "PROVIDER_invalid_request"},
		{"unreadable answer", fmt.Errorf("%w: decode answer: bad json", ErrUnreadableAnswer), true, "PROVIDER_ERROR"},
		{"anything else", errors.New("payment provider: 503 unavailable"), false, ""},
		{"deadline", context.DeadlineExceeded, false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := fromProvider(tc.err)
			var appErr *temporal.ApplicationError
			stop := errors.As(got, &appErr) && appErr.NonRetryable()
			if stop != tc.stop || providerRefused(got) != tc.stop {
				t.Fatalf("fromProvider(%v) stops retrying: %v, want %v", tc.err, stop, tc.stop)
			}
			if stop && appErr.Type() != tc.wantType {
				t.Fatalf("type %q, want %q", appErr.Type(), tc.wantType)
			}
			if !stop && got != tc.err {
				t.Fatalf("a retryable error changed: %v", got)
			}
		})
	}
	if fromProvider(nil) != nil {
		t.Fatal("no error became one")
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
