package payment

// This file is the merchant-side client of the payment provider, the provider's
// wire types and webhook signing. It imports only the standard library so that
// the simulator (services/paysim) can share it: client and server cannot drift.

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

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

// Charge is a payment request at the provider.
type Charge struct {
	ID            string       `json:"id"` // "ch_<random>"
	AmountCents   int64        `json:"amount_cents"`
	Currency      string       `json:"currency"`  // "CNY"
	Reference     string       `json:"reference"` // merchant's payment id
	OrderID       string       `json:"order_id"`
	Description   string       `json:"description,omitempty"`
	Status        ChargeStatus `json:"status"`
	DeclineReason string       `json:"decline_reason,omitempty"`
	PayURL        string       `json:"pay_url"` // <public-url>/pay/<id>
	ReturnURL     string       `json:"return_url,omitempty"`
	NotifyURL     string       `json:"notify_url,omitempty"`
	RefundedCents int64        `json:"refunded_cents"`
	CreatedAt     time.Time    `json:"created_at"`
	UpdatedAt     time.Time    `json:"updated_at"`
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

// Check compares a refund the provider answered with the charge and amount
// refunded; "" when it is the full, succeeded refund of that charge.
func (r Refund) Check(chargeID string, amountCents int64) string {
	var diffs []string
	if r.ChargeID != chargeID {
		diffs = append(diffs, fmt.Sprintf("charge_id %q, want %q", clip(r.ChargeID), chargeID))
	}
	if r.AmountCents != amountCents {
		diffs = append(diffs, fmt.Sprintf("amount %d, want %d", r.AmountCents, amountCents))
	}
	if r.Status != "succeeded" {
		diffs = append(diffs, fmt.Sprintf("status %q, want \"succeeded\"", clip(r.Status)))
	}
	return strings.Join(diffs, "; ")
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

// CreateChargeRequest is the body of POST /v1/charges.
type CreateChargeRequest struct {
	AmountCents int64  `json:"amount_cents"` // > 0
	Currency    string `json:"currency"`     // default "CNY"
	Reference   string `json:"reference"`    // required
	OrderID     string `json:"order_id"`     // required
	Description string `json:"description,omitempty"`
	ReturnURL   string `json:"return_url,omitempty"` // where the pay page sends the customer back
	NotifyURL   string `json:"notify_url,omitempty"` // webhook URL; empty = the simulator's default
}

// Refund is a (full) refund of a succeeded charge.
type Refund struct {
	ID          string    `json:"id"` // "re_<random>"
	ChargeID    string    `json:"charge_id"`
	AmountCents int64     `json:"amount_cents"`
	Status      string    `json:"status"` // "succeeded"
	CreatedAt   time.Time `json:"created_at"`
}

// Event is a webhook event.
type Event struct {
	ID       string `json:"id"`       // "evt_<random>", unique per event (a duplicate delivery repeats the id)
	Type     string `json:"type"`     // "charge.pending" | "charge.succeeded" | "charge.declined" | "charge.cancelled" | "charge.refunded"
	Created  int64  `json:"created"`  // unix seconds
	Sequence int64  `json:"sequence"` // per charge, increasing with every status change: lets a consumer drop stale events
	Charge   Charge `json:"charge"`   // the charge as of this event
}

// LedgerEntry is one movement of money at the provider.
type LedgerEntry struct {
	ChargeID    string    `json:"charge_id"`
	Reference   string    `json:"reference"`
	OrderID     string    `json:"order_id"`
	Kind        string    `json:"kind"` // "charge" (money taken) | "refund" (money returned)
	AmountCents int64     `json:"amount_cents"`
	At          time.Time `json:"at"`
}

// ProviderError is a non-2xx answer: Status is the HTTP status, Code a machine-readable
// code ("not_found", "idempotency_conflict", "invalid_request", "not_refundable", ...).
type ProviderError struct {
	Status  int
	Code    string
	Message string
}

func (e *ProviderError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("payment provider: %d %s", e.Status, e.Code)
	}
	return fmt.Sprintf("payment provider: %d %s: %s", e.Status, e.Code, e.Message)
}

// Refused reports whether err is the provider turning a request down on
// its merits (not_refundable, not_found, invalid_request, ...): a 4xx other
// than 401 and 403 (the merchant's own credentials, fixed by configuration),
// 408 (a timeout) and 429 (a rate limit). Repeating the request changes
// nothing.
func Refused(err error) bool {
	var pe *ProviderError
	if !errors.As(err, &pe) || pe.Status < 400 || pe.Status > 499 {
		return false
	}
	switch pe.Status {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusRequestTimeout, http.StatusTooManyRequests:
		return false
	}
	return true
}

// Retryable reports whether err is worth retrying: network errors, timeouts, 429 and 5xx.
// A cancelled context is not retryable; a deadline is (it is a timeout).
func Retryable(err error) bool {
	if err == nil {
		return false
	}
	var pe *ProviderError
	if errors.As(err, &pe) {
		return pe.Status == http.StatusTooManyRequests || pe.Status >= 500
	}
	if errors.Is(err, context.Canceled) {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return true
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return true
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return true
	}
	return false
}

// Provider is the merchant-side client of the payment provider's HTTP API.
type Provider struct {
	BaseURL string
	APIKey  string
	HTTP    *http.Client
}

// NewProvider returns a client for the provider at baseURL (for example
// http://127.0.0.1:8090) with an HTTP client that times out after 10 s.
func NewProvider(baseURL, apiKey string) *Provider {
	return &Provider{
		BaseURL: strings.TrimRight(baseURL, "/"),
		APIKey:  apiKey,
		HTTP:    &http.Client{Timeout: 10 * time.Second},
	}
}

// CreateCharge creates a pending charge. The same idempotency key with the same
// request returns the same charge; with a different one, a 409 idempotency_conflict.
func (p *Provider) CreateCharge(ctx context.Context, idempotencyKey string, req CreateChargeRequest) (Charge, error) {
	var c Charge
	err := p.do(ctx, http.MethodPost, "/v1/charges", idempotencyKey, req, &c)
	return c, err
}

// GetCharge returns a charge by id.
func (p *Provider) GetCharge(ctx context.Context, chargeID string) (Charge, error) {
	var c Charge
	err := p.do(ctx, http.MethodGet, "/v1/charges/"+url.PathEscape(chargeID), "", nil, &c)
	return c, err
}

// CancelCharge cancels a pending charge; a charge that is not pending is returned unchanged (no error).
func (p *Provider) CancelCharge(ctx context.Context, chargeID string) (Charge, error) {
	var c Charge
	err := p.do(ctx, http.MethodPost, "/v1/charges/"+url.PathEscape(chargeID)+"/cancel", "", nil, &c)
	return c, err
}

// RefundCharge refunds a succeeded charge in full. Idempotent by key; a charge that
// is already refunded returns its existing refund whatever the key. A charge that
// never succeeded answers a ProviderError with Code "not_refundable" (409).
func (p *Provider) RefundCharge(ctx context.Context, chargeID, idempotencyKey string) (Refund, error) {
	var r Refund
	err := p.do(ctx, http.MethodPost, "/v1/charges/"+url.PathEscape(chargeID)+"/refunds", idempotencyKey, struct{}{}, &r)
	return r, err
}

// Ledger returns every money movement, oldest first.
func (p *Provider) Ledger(ctx context.Context) ([]LedgerEntry, error) {
	var body struct {
		Entries []LedgerEntry `json:"entries"`
	}
	err := p.do(ctx, http.MethodGet, "/v1/ledger", "", nil, &body)
	return body.Entries, err
}

// SimulateCustomer is the customer's click on the pay page (simulator only):
// approve (which the simulator may still decline, per its decline rate) or decline.
func (p *Provider) SimulateCustomer(ctx context.Context, chargeID string, approve bool) (Charge, error) {
	action := "decline"
	if approve {
		action = "approve"
	}
	var c Charge
	err := p.do(ctx, http.MethodPost, "/pay/"+url.PathEscape(chargeID)+"/"+action, "", nil, &c)
	return c, err
}

func (p *Provider) do(ctx context.Context, method, path, idempotencyKey string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("payment provider: encode request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(p.BaseURL, "/")+path, body)
	if err != nil {
		return fmt.Errorf("payment provider: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if p.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+p.APIKey)
	}
	if idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", idempotencyKey)
	}
	hc := p.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("payment provider: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("payment provider: %s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		pe := &ProviderError{Status: resp.StatusCode}
		var eb struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if json.Unmarshal(data, &eb) == nil && eb.Error.Code != "" {
			pe.Code, pe.Message = eb.Error.Code, eb.Error.Message
		} else {
			pe.Code = strings.ToLower(strings.ReplaceAll(http.StatusText(resp.StatusCode), " ", "_"))
			if pe.Code == "" {
				pe.Code = "http_" + strconv.Itoa(resp.StatusCode)
			}
			pe.Message = strings.TrimSpace(string(data))
			if len(pe.Message) > 200 {
				pe.Message = pe.Message[:200]
			}
		}
		return pe
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("payment provider: %s %s: decode answer: %w", method, path, err)
	}
	return nil
}

// Webhook signatures.

var (
	// ErrBadSignature: the header is malformed or the HMAC does not match.
	ErrBadSignature = errors.New("payment webhook: bad signature")
	// ErrStaleSignature: the signature is valid but its timestamp is outside
	// the tolerance (a replay of an old delivery).
	ErrStaleSignature = errors.New("payment webhook: stale signature")
)

// SignWebhook returns the signature header value for payload signed at t:
// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + payload)>".
func SignWebhook(secret, payload []byte, t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(webhookMAC(secret, ts, payload))
}

func webhookMAC(secret []byte, ts string, payload []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(payload)
	return m.Sum(nil)
}

// VerifyWebhook checks the HMAC in constant time and that |now - t| <= tolerance
// (ErrStaleSignature otherwise: a replay of an old delivery). A malformed header
// or a wrong HMAC is ErrBadSignature. Several v1 values are accepted (any may match),
// which allows rotating the secret.
func VerifyWebhook(secret, payload []byte, header string, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fmt.Errorf("%w: malformed header", ErrBadSignature)
		}
		switch k {
		case "t":
			if ts != "" {
				return fmt.Errorf("%w: malformed header", ErrBadSignature)
			}
			ts = v
		case "v1":
			b, err := hex.DecodeString(v)
			if err != nil || len(b) != sha256.Size {
				return fmt.Errorf("%w: malformed v1", ErrBadSignature)
			}
			sigs = append(sigs, b)
		}
	}
	if ts == "" || len(sigs) == 0 {
		return fmt.Errorf("%w: missing t or v1", ErrBadSignature)
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: malformed t", ErrBadSignature)
	}
	want := webhookMAC(secret, ts, payload)
	match := false
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			match = true
		}
	}
	if !match {
		return ErrBadSignature
	}
	age := now.Sub(time.Unix(unix, 0))
	if age < 0 {
		age = -age
	}
	if age > tolerance {
		return ErrStaleSignature
	}
	return nil
}
