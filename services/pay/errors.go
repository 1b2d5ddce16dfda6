package pay

import (
	"connectrpc.com/connect"

	"mall/services/platform/rpcerr"
	"mall/workflows/payment"
)

// Reasons the pay service gives in its errors' ErrorInfo.
const (
	ReasonOrderNotFound      = "ORDER_NOT_FOUND"
	ReasonPaymentNotFound    = "PAYMENT_NOT_FOUND"
	ReasonAlreadyPaid        = "ALREADY_PAID"
	ReasonOrderCancelled     = "ORDER_CANCELLED"
	ReasonDeadlinePassed     = "PAYMENT_DEADLINE_PASSED"
	ReasonNotPaid            = "NOT_PAID"
	ReasonPaymentConflict    = "PAYMENT_ID_CONFLICT"
	ReasonChargeConflict     = "CHARGE_CONFLICT"
	ReasonBadSignature       = "BAD_SIGNATURE"
	ReasonStaleSignature     = "STALE_SIGNATURE"
	ReasonBadPayload         = "BAD_PAYLOAD"
	ReasonUnknownCharge      = "UNKNOWN_CHARGE"
	ReasonServiceUnavailable = "PAYMENT_UNAVAILABLE"
	// ReasonRefundRefused: the provider refused the refund (or answered it
	// for another charge or amount); the payment is REFUND_FAILED. The
	// workflows branch on it, so it is theirs.
	ReasonRefundRefused = payment.ErrTypeRefundRefused
	// ReasonChargeMismatch: a payment was to be settled as succeeded with a
	// charge or amount that is not the attempt's.
	ReasonChargeMismatch = "CHARGE_MISMATCH"
)

func errOrderNotFound() error {
	return rpcerr.New(connect.CodeNotFound, ReasonOrderNotFound, "order not found")
}

func errPaymentNotFound() error {
	return rpcerr.New(connect.CodeNotFound, ReasonPaymentNotFound, "payment not found")
}

func errAlreadyPaid() error {
	return rpcerr.New(connect.CodeFailedPrecondition, ReasonAlreadyPaid, "this order is already paid")
}

func errDeadlinePassed() error {
	return rpcerr.New(connect.CodeFailedPrecondition, ReasonDeadlinePassed, "the payment deadline of this order has passed")
}

// serviceUnavailable is the message of every unavailable answer.
const serviceUnavailable = "payment is unavailable right now; try again"

func errUnavailable() error {
	return rpcerr.New(connect.CodeUnavailable, ReasonServiceUnavailable, serviceUnavailable)
}

// errRefundRefused carries why the provider refused; reason is the stored
// refund_failure_reason (the provider's code, never its free text).
func errRefundRefused(reason string) error {
	return rpcerr.New(connect.CodeFailedPrecondition, ReasonRefundRefused, reason)
}
