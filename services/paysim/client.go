package paysim

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"mall/services/pay/provider"
)

// LedgerEntry is one movement of money at the simulator.
type LedgerEntry struct {
	ChargeID    string    `json:"charge_id"`
	Reference   string    `json:"reference"`
	OrderID     string    `json:"order_id"`
	Kind        string    `json:"kind"` // "charge" (money taken) | "refund" (money returned)
	AmountCents int64     `json:"amount_cents"`
	At          time.Time `json:"at"`
}

// Client is the merchant's provider client plus what only the simulator
// offers: the shopper's click on the pay page and the ledger of money
// moved. Tests use it to play the shopper and to check what was taken.
type Client struct {
	*provider.Client
}

// NewClient returns a client of the simulator at baseURL.
func NewClient(baseURL, apiKey string) *Client {
	return &Client{provider.NewClient(baseURL, apiKey)}
}

// SimulateCustomer is the customer's click on the pay page: approve (which
// the simulator may still decline, per its decline rate) or decline.
func (c *Client) SimulateCustomer(ctx context.Context, chargeID string, approve bool) (provider.Charge, error) {
	action := "decline"
	if approve {
		action = "approve"
	}
	var charge provider.Charge
	err := c.Call(ctx, http.MethodPost, "/pay/"+url.PathEscape(chargeID)+"/"+action, "", nil, &charge)
	return charge, err
}

// Ledger returns every money movement, oldest first.
func (c *Client) Ledger(ctx context.Context) ([]LedgerEntry, error) {
	var body struct {
		Entries []LedgerEntry `json:"entries"`
	}
	err := c.Call(ctx, http.MethodGet, "/v1/ledger", "", nil, &body)
	return body.Entries, err
}

// RefuseNextRefunds makes the simulator refuse the next n refunds, whatever
// its refusal rate (0 stops refusing).
func (c *Client) RefuseNextRefunds(ctx context.Context, n int) error {
	return c.Call(ctx, http.MethodPost, "/v1/simulator/refund-refusals", "", map[string]int{"next": n}, nil)
}
