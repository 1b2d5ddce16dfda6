package seckill

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"

	"mall/services/platform/ratelimit"
	"mall/services/platform/rpcerr"
)

// Every outcome of the admission script has one answer: accepted is the
// only one that admits (no error); the others are refusals with their code
// and reason, the rate limit's with the script's wait as the retry hint;
// an outcome the code does not know is no admission but the sale's state
// failing.
func TestAdmissionOutcomesAnswerTheBuyer(t *testing.T) {
	for _, c := range []struct {
		name    string
		outcome int64
		detail  int64
		code    connect.Code // 0: admitted
		reason  string
		label   string
	}{
		{"accepted", admitAccepted, 41, 0, "", "accepted"},
		{"already bought", admitAlreadyBought, 0, connect.CodeAlreadyExists, ReasonAlreadyPurchased, "already_bought"},
		{"sold out", admitSoldOut, 0, connect.CodeFailedPrecondition, ReasonSoldOut, "sold_out"},
		{"not ready", admitNotReady, 0, connect.CodeUnavailable, ReasonRecovering, "not_ready"},
		{"rate limited", admitRateLimited, 1500, connect.CodeResourceExhausted, ratelimit.ReasonRateLimited, "rate_limited"},
		{"unknown", 99, 0, connect.CodeUnavailable, ReasonSaleStateFailed, "error"},
		{"negative", -1, 0, connect.CodeUnavailable, ReasonSaleStateFailed, "error"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := admissionRefusal(c.outcome, c.detail)
			if c.code == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
			} else if connect.CodeOf(err) != c.code || rpcerr.Reason(err) != c.reason {
				t.Fatalf("got %v (reason %q), want %v %s", err, rpcerr.Reason(err), c.code, c.reason)
			}
			if got := admitLabel(c.outcome); got != c.label {
				t.Errorf("counted as %q, want %q", got, c.label)
			}
		})
	}
	var connectErr *connect.Error
	if !errors.As(admissionRefusal(admitRateLimited, 1500), &connectErr) {
		t.Fatal("the rate limit's refusal is not a Connect error")
	}
	var hint time.Duration
	for _, d := range connectErr.Details() {
		if v, _ := d.Value(); v != nil {
			if info, ok := v.(*errdetails.RetryInfo); ok {
				hint = info.GetRetryDelay().AsDuration()
			}
		}
	}
	if hint != 1500*time.Millisecond {
		t.Fatalf("retry hint %v, want the script's 1.5s", hint)
	}
}

// Before the script, the process's copy of the event refuses a purchase
// outside the sale's window (the start is in it, the end is not) or over
// the per-buyer limit.
func TestPurchasesOutsideTheSaleAreRefused(t *testing.T) {
	start := time.Date(2026, 11, 28, 20, 0, 0, 0, time.UTC)
	ev := &eventRow{ID: "ev-1", StartsAt: start, EndsAt: start.Add(time.Hour), PerUserLimit: 2}
	for _, c := range []struct {
		name   string
		at     time.Time
		qty    int32
		reason string // "" open
	}{
		{"a moment early", start.Add(-time.Millisecond), 1, ReasonNotStarted},
		{"at the start", start, 1, ""},
		{"up to the limit", start.Add(30 * time.Minute), 2, ""},
		{"over the limit", start.Add(30 * time.Minute), 3, ReasonOverLimit},
		{"the last moment", start.Add(time.Hour - time.Nanosecond), 1, ""},
		{"at the end", start.Add(time.Hour), 1, ReasonEnded},
		{"over the limit after the end", start.Add(2 * time.Hour), 3, ReasonEnded},
	} {
		_, err := checkOpen(ev, c.at, c.qty)
		switch {
		case c.reason == "" && err != nil:
			t.Errorf("%s: refused: %v", c.name, err)
		case c.reason != "" && (connect.CodeOf(err) != connect.CodeFailedPrecondition || rpcerr.Reason(err) != c.reason):
			t.Errorf("%s: got %v, want failed_precondition %s", c.name, err, c.reason)
		}
	}
}

// A ticket names its event and can be read by its buyer only: another
// user, a malformed or a made-up ticket owns nothing.
func TestTicketsBelongToTheirBuyer(t *testing.T) {
	ticket := newTicket("ev-1a2b", "alice")
	if ticket == newTicket("ev-1a2b", "alice") {
		t.Fatal("two purchases got the same ticket")
	}
	if len(ticket) > 64 {
		t.Fatalf("ticket %q is longer than the contract's 64 characters", ticket)
	}
	if event, ok := ticketOwner(ticket, "alice"); !ok || event != "ev-1a2b" {
		t.Fatalf("alice's ticket: %q, %v", event, ok)
	}
	parts := strings.Split(ticket, ".")
	for what, bad := range map[string]struct{ ticket, user string }{
		"another buyer":        {ticket, "bob"},
		"no event":             {"." + parts[1] + "." + parts[2], "alice"},
		"a short digest":       {parts[0] + "." + parts[1][:15] + "." + parts[2], "alice"},
		"an altered digest":    {parts[0] + "." + strings.Repeat("0", 16) + "." + parts[2], "alice"},
		"too many parts":       {ticket + ".x", "alice"},
		"not a ticket":         {"garbage", "alice"},
		"empty":                {"", "alice"},
		"another event's name": {"ev-other." + parts[1], "alice"},
	} {
		if event, ok := ticketOwner(bad.ticket, bad.user); ok {
			t.Errorf("%s: %q is %s's ticket of %q", what, bad.ticket, bad.user, event)
		}
	}
	// Another event, same buyer: still theirs, naming that event.
	if event, ok := ticketOwner("ev-other."+parts[1]+"."+parts[2], "alice"); !ok || event != "ev-other" {
		t.Fatalf("alice's ticket of another event: %q, %v", event, ok)
	}
}

// The event listing's page token reads back as its keyset position; a
// token that is garbage, cut, or has no event id is refused with
// invalid_argument BAD_PAGE_TOKEN.
func TestEventPageTokens(t *testing.T) {
	position := eventCursor{StartsAt: time.Date(2026, 11, 28, 20, 0, 0, 0, time.UTC).UnixMicro(), ID: "ev-1a2b3c"}
	token := encodeCursor(position)
	if got, err := decodeCursor(token); err != nil || got != position {
		t.Fatalf("the token reads back as %+v, %v", got, err)
	}
	bad := []string{
		"garbage!", "", "12",
		base64.RawURLEncoding.EncodeToString([]byte(`{"s":1}`)),
		base64.URLEncoding.EncodeToString([]byte(`{"s":1,"i":"ev-12"}`)), // padded
		base64.RawURLEncoding.EncodeToString([]byte(`{"s":"now","i":"ev-1"}`)),
	}
	for n := 1; n < len(token); n++ {
		bad = append(bad, token[:n])
	}
	for _, b := range bad {
		if _, err := decodeCursor(b); connect.CodeOf(err) != connect.CodeInvalidArgument || rpcerr.Reason(err) != ReasonBadPageToken {
			t.Errorf("%q: got %v, want invalid_argument %s", b, err, ReasonBadPageToken)
		}
	}
}
