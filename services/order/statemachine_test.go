package order

import (
	"testing"

	"connectrpc.com/connect"

	orderv1 "mall/gen/mall/order/v1"
	"mall/services/platform/rpcerr"
)

// TestStateMachineTable checks every (from, to) pair of statuses, including
// UNSPECIFIED, against the machine written out by hand here.
func TestStateMachineTable(t *testing.T) {
	const (
		unspecified = orderv1.OrderStatus_ORDER_STATUS_UNSPECIFIED
		pending     = orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT
		paid        = orderv1.OrderStatus_ORDER_STATUS_PAID
		shipped     = orderv1.OrderStatus_ORDER_STATUS_SHIPPED
		delivered   = orderv1.OrderStatus_ORDER_STATUS_DELIVERED
		completed   = orderv1.OrderStatus_ORDER_STATUS_COMPLETED
		cancelled   = orderv1.OrderStatus_ORDER_STATUS_CANCELLED
		refunded    = orderv1.OrderStatus_ORDER_STATUS_REFUNDED
	)
	legal := map[[2]orderv1.OrderStatus]bool{
		{pending, paid}:        true,
		{pending, cancelled}:   true,
		{paid, shipped}:        true,
		{paid, refunded}:       true,
		{shipped, delivered}:   true,
		{delivered, completed}: true,
	}
	var all []orderv1.OrderStatus
	for n := range orderv1.OrderStatus_name {
		all = append(all, orderv1.OrderStatus(n))
	}
	if len(all) != 8 {
		t.Fatalf("the contract has %d statuses; update this table", len(all))
	}
	for _, from := range all {
		for _, to := range all {
			want := legal[[2]orderv1.OrderStatus{from, to}]
			if got := canTransition(from, to); got != want {
				t.Errorf("%s -> %s: allowed %v, want %v", from, to, got, want)
			}
			err := checkTransition(from, to)
			if want != (err == nil) {
				t.Errorf("%s -> %s: error %v", from, to, err)
			}
			if err != nil && (connect.CodeOf(err) != connect.CodeFailedPrecondition || rpcerr.Reason(err) != ReasonIllegalTransition) {
				t.Errorf("%s -> %s: error %v (%s), want failed_precondition ILLEGAL_TRANSITION", from, to, err, rpcerr.Reason(err))
			}
		}
	}
	for _, terminal := range []orderv1.OrderStatus{completed, cancelled, refunded} {
		if !isTerminal(terminal) {
			t.Errorf("%s is not terminal", terminal)
		}
	}
	for _, open := range []orderv1.OrderStatus{pending, paid, shipped, delivered} {
		if isTerminal(open) {
			t.Errorf("%s is terminal", open)
		}
	}
	if canTransition(unspecified, pending) {
		t.Error("creation is not a transition")
	}
}
