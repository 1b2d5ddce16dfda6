package provider

import (
	"bytes"
	"context"
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

// Error is a non-2xx answer: Status is the HTTP status, Code a machine-readable
// code ("not_found", "idempotency_conflict", "invalid_request", "not_refundable", ...).
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string {
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
	var pe *Error
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
	var pe *Error
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

// Client is the merchant-side client of the payment provider's HTTP API.
type Client struct {
	BaseURL string
	APIKey  string
	HTTP    *http.Client
}

// NewClient returns a client for the provider at baseURL (for example
// http://127.0.0.1:8090) with an HTTP client that times out after 10 s.
func NewClient(baseURL, apiKey string) *Client {
	return &Client{
		BaseURL: strings.TrimRight(baseURL, "/"),
		APIKey:  apiKey,
		HTTP:    &http.Client{Timeout: 10 * time.Second},
	}
}

// CreateCharge creates a pending charge. The same idempotency key with the same
// request returns the same charge; with a different one, a 409 idempotency_conflict.
func (p *Client) CreateCharge(ctx context.Context, idempotencyKey string, req CreateChargeRequest) (Charge, error) {
	var c Charge
	err := p.Call(ctx, http.MethodPost, "/v1/charges", idempotencyKey, req, &c)
	return c, err
}

// GetCharge returns a charge by id.
func (p *Client) GetCharge(ctx context.Context, chargeID string) (Charge, error) {
	var c Charge
	err := p.Call(ctx, http.MethodGet, "/v1/charges/"+url.PathEscape(chargeID), "", nil, &c)
	return c, err
}

// CancelCharge cancels a pending charge; a charge that is not pending is returned unchanged (no error).
func (p *Client) CancelCharge(ctx context.Context, chargeID string) (Charge, error) {
	var c Charge
	err := p.Call(ctx, http.MethodPost, "/v1/charges/"+url.PathEscape(chargeID)+"/cancel", "", nil, &c)
	return c, err
}

// RefundCharge refunds a succeeded charge in full. Idempotent by key; a charge that
// is already refunded returns its existing refund whatever the key. A charge that
// never succeeded answers an *Error with Code "not_refundable" (409).
func (p *Client) RefundCharge(ctx context.Context, chargeID, idempotencyKey string) (Refund, error) {
	var r Refund
	err := p.Call(ctx, http.MethodPost, "/v1/charges/"+url.PathEscape(chargeID)+"/refunds", idempotencyKey, struct{}{}, &r)
	return r, err
}

// Call makes one request of the provider (in: the JSON body, nil for none)
// and decodes its answer into out (nil: ignored). A non-2xx answer is an
// *Error. The merchant API's calls above use it; so does a client of
// endpoints only one provider has (the simulator's pay page and ledger).
func (p *Client) Call(ctx context.Context, method, path, idempotencyKey string, in, out any) error {
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
		pe := &Error{Status: resp.StatusCode}
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
