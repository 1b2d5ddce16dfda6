// Package provider is the payment provider's merchant API as the mall knows
// it: the HTTP client the pay service (refunds) and the payment saga (through
// an adapter in services/app) call, the wire types and the webhook
// signature. It imports only the standard library so that the simulator
// (services/paysim) serves the same types and signs the same way: client
// and server cannot drift.
package provider

import (
	"fmt"
	"strings"
	"time"
)

// ChargeStatus is the state of a charge at the provider. A charge starts
// pending; every other state is final except succeeded, which can still
// become refunded.
type ChargeStatus string

// Charge states.
const (
	ChargePending   ChargeStatus = "pending"
	ChargeSucceeded ChargeStatus = "succeeded"
	ChargeDeclined  ChargeStatus = "declined"
	ChargeCancelled ChargeStatus = "cancelled"
	ChargeRefunded  ChargeStatus = "refunded"
)

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

// CreateChargeRequest is the body of POST /v1/charges.
type CreateChargeRequest struct {
	AmountCents int64  `json:"amount_cents"` // > 0
	Currency    string `json:"currency"`     // default "CNY"
	Reference   string `json:"reference"`    // required
	OrderID     string `json:"order_id"`     // required
	Description string `json:"description,omitempty"`
	ReturnURL   string `json:"return_url,omitempty"` // where the pay page sends the customer back
	NotifyURL   string `json:"notify_url,omitempty"` // webhook URL; empty = the provider's default
}

// Refund is a (full) refund of a succeeded charge.
type Refund struct {
	ID          string    `json:"id"` // "re_<random>"
	ChargeID    string    `json:"charge_id"`
	AmountCents int64     `json:"amount_cents"`
	Status      string    `json:"status"` // "succeeded"
	CreatedAt   time.Time `json:"created_at"`
}

// Check compares a refund the provider answered with the charge and amount
// refunded; "" when it is the full, succeeded refund of that charge. Values
// from the answer are quoted cut to 80 characters, for a log line.
func (r Refund) Check(chargeID string, amountCents int64) string {
	var diffs []string
	if r.ChargeID != chargeID {
		diffs = append(diffs, fmt.Sprintf("charge_id %.80q, want %q", r.ChargeID, chargeID))
	}
	if r.AmountCents != amountCents {
		diffs = append(diffs, fmt.Sprintf("amount %d, want %d", r.AmountCents, amountCents))
	}
	if r.Status != "succeeded" {
		diffs = append(diffs, fmt.Sprintf("status %.80q, want \"succeeded\"", r.Status))
	}
	return strings.Join(diffs, "; ")
}

// Event is a webhook event.
type Event struct {
	ID       string `json:"id"`       // "evt_<random>", unique per event (a duplicate delivery repeats the id)
	Type     string `json:"type"`     // "charge.pending" | "charge.succeeded" | "charge.declined" | "charge.cancelled" | "charge.refunded"
	Created  int64  `json:"created"`  // unix seconds
	Sequence int64  `json:"sequence"` // per charge, increasing with every status change: lets a consumer drop stale events
	Charge   Charge `json:"charge"`   // the charge as of this event
}
