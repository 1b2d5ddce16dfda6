package payment

// The payment provider as the saga sees it: the three calls its activities
// make, the charge they answer, and what makes an answer this attempt's.
// The workflows module depends on gen only, so the provider's HTTP client
// lives with the pay service (services/pay/provider) and services/app hands
// the activities an adapter over it.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Provider is the merchant API the payment activities call. Its errors say
// whether repeating a call can help: a *RefusedError (the provider turned
// the request down on its merits) and an error wrapping
// ErrUnreadableAnswer are final; any other error (the network, a timeout,
// a rate limit, the provider failing, the merchant's own credentials) is
// retried.
type Provider interface {
	// CreateCharge asks for a pending charge; the same idempotency key with
	// the same request returns the same charge.
	CreateCharge(ctx context.Context, idempotencyKey string, req ChargeRequest) (Charge, error)
	// GetCharge returns a charge as the provider holds it.
	GetCharge(ctx context.Context, chargeID string) (Charge, error)
	// CancelCharge cancels a pending charge; one that is not pending comes
	// back unchanged.
	CancelCharge(ctx context.Context, chargeID string) (Charge, error)
}

// RefusedError is the provider turning a request down on its merits (an
// unknown charge, an invalid request, ...): repeating it changes nothing.
type RefusedError struct {
	Code    string // the provider's machine-readable code, e.g. "not_found"
	Message string
}

func (e *RefusedError) Error() string {
	return "payment provider refused the request: " + e.Code + ": " + e.Message
}

// ErrUnreadableAnswer is an answer of the provider that cannot be read:
// asking again would get the same.
var ErrUnreadableAnswer = errors.New("payment provider: unreadable answer")

// ChargeStatus is the state of a charge at the provider.
type ChargeStatus string

// Charge states. A charge starts pending; every other state is final except
// succeeded, which can still become refunded.
const (
	ChargePending   ChargeStatus = "pending"
	ChargeSucceeded ChargeStatus = "succeeded"
	ChargeDeclined  ChargeStatus = "declined"
	ChargeCancelled ChargeStatus = "cancelled"
	ChargeRefunded  ChargeStatus = "refunded"
)

// Final reports whether the customer's part is over: succeeded, declined,
// cancelled or refunded.
func (s ChargeStatus) Final() bool {
	switch s {
	case ChargeSucceeded, ChargeDeclined, ChargeCancelled, ChargeRefunded:
		return true
	}
	return false
}

// Charge is what the provider answered about a charge. It is an activity
// result recorded in workflow histories: the JSON names are kept stable.
type Charge struct {
	ID            string       `json:"id"`
	AmountCents   int64        `json:"amount_cents"`
	Currency      string       `json:"currency"`
	Reference     string       `json:"reference"` // the payment id it was asked for
	OrderID       string       `json:"order_id"`
	Status        ChargeStatus `json:"status"`
	DeclineReason string       `json:"decline_reason,omitempty"`
	PayURL        string       `json:"pay_url"` // the provider's page where the buyer pays
}

// ChargeRequest asks the provider for a charge.
type ChargeRequest struct {
	AmountCents int64
	Currency    string
	Reference   string // the payment id
	OrderID     string
	Description string
	ReturnURL   string // where the pay page sends the buyer back
	NotifyURL   string // the webhook target; empty: the provider's default
}

// Currency is the currency of every charge the mall asks for.
const Currency = "CNY"

// ChargeTerms are what the merchant asked the provider for. A charge the
// provider's API answers belongs to a payment attempt only if it matches
// them: the webhook is only a hint to ask, and a provider answer for
// another amount, currency, payment or order is not this payment.
type ChargeTerms struct {
	ChargeID    string // the attempt's charge; empty for the answer that creates it
	Reference   string // the attempt's payment id
	OrderID     string
	AmountCents int64
	Currency    string
}

// Check compares a charge the provider answered with the terms. It returns
// "" when they match; otherwise the first field that differs (charge_id,
// reference, order_id, amount or currency: a low-cardinality reason) and a
// description of every difference.
func (t ChargeTerms) Check(c Charge) (field, differences string) {
	var diffs []string
	differ := func(name, got, want string) {
		if field == "" {
			field = name
		}
		diffs = append(diffs, fmt.Sprintf("%s %q, want %q", name, clip(got), want))
	}
	if t.ChargeID != "" && c.ID != t.ChargeID {
		differ("charge_id", c.ID, t.ChargeID)
	}
	if c.Reference != t.Reference {
		differ("reference", c.Reference, t.Reference)
	}
	if c.OrderID != t.OrderID {
		differ("order_id", c.OrderID, t.OrderID)
	}
	if c.AmountCents != t.AmountCents {
		differ("amount", strconv.FormatInt(c.AmountCents, 10), strconv.FormatInt(t.AmountCents, 10))
	}
	if c.Currency != t.Currency {
		differ("currency", c.Currency, t.Currency)
	}
	return field, strings.Join(diffs, "; ")
}

// clip shortens a value from outside (a provider answer, a webhook) before
// it is quoted in a log line or a status.
func clip(s string) string {
	const limit = 80
	if len(s) > limit {
		s = s[:limit] + "..."
	}
	return strings.ToValidUTF8(s, "")
}
