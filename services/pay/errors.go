package pay

import (
	"connectrpc.com/connect"

	"mall/services/platform/rpcerr"
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

func errUnavailable() error {
	return rpcerr.New(connect.CodeUnavailable, ReasonServiceUnavailable, "payment is unavailable right now; try again")
}
