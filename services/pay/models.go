package pay

import (
	"database/sql"
	"time"

	"github.com/uptrace/bun"
)

// paymentRow is one payment attempt; status uses payv1.PaymentStatus numbers.
type paymentRow struct {
	bun.BaseModel `bun:"table:payments"`

	ID               string         `bun:"id,pk"`
	OrderID          string         `bun:"order_id"`
	UserID           string         `bun:"user_id"`
	AmountCents      int64          `bun:"amount_cents"`
	Status           int32          `bun:"status"`
	ProviderChargeID sql.NullString `bun:"provider_charge_id"`
	PayURL           string         `bun:"pay_url"`
	DeclineReason    string         `bun:"decline_reason"`
	CreatedAt        time.Time      `bun:"created_at"`
	UpdatedAt        time.Time      `bun:"updated_at"`
	PaidAt           sql.NullTime   `bun:"paid_at"`
	RefundedAt       sql.NullTime   `bun:"refunded_at"`
	// RefundFailureReason and RefundFailedAt are set when the provider
	// refused the refund (status REFUND_FAILED).
	RefundFailureReason string       `bun:"refund_failure_reason"`
	RefundFailedAt      sql.NullTime `bun:"refund_failed_at"`
}

// providerEventRow is a verified webhook event; handled_at is set once it
// has been forwarded to the payment workflow.
type providerEventRow struct {
	bun.BaseModel `bun:"table:provider_events"`

	EventID    string       `bun:"event_id,pk"`
	ChargeID   string       `bun:"charge_id"`
	PaymentID  string       `bun:"payment_id"`
	Type       string       `bun:"type"`
	Sequence   int64        `bun:"sequence"`
	ReceivedAt time.Time    `bun:"received_at"`
	HandledAt  sql.NullTime `bun:"handled_at"`
}

// forwardedHintRow records that a final status of a charge has been
// forwarded to the payment workflow (by the event event_id): every other
// event claiming the same is stored but not forwarded.
type forwardedHintRow struct {
	bun.BaseModel `bun:"table:forwarded_hints"`

	ChargeID    string    `bun:"charge_id,pk"`
	Status      string    `bun:"status,pk"`
	EventID     string    `bun:"event_id"`
	ForwardedAt time.Time `bun:"forwarded_at"`
}
