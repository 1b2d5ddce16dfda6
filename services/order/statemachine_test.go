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

// A status change is refused by the first of: its guard (the statuses the
// caller expects the order in), the state machine, its own check; the
// check is asked only when the guard and the machine let the change pass.
func TestTransitionRefusalsComeInOrder(t *testing.T) {
	const (
		pending   = orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT
		paid      = orderv1.OrderStatus_ORDER_STATUS_PAID
		shipped   = orderv1.OrderStatus_ORDER_STATUS_SHIPPED
		cancelled = orderv1.OrderStatus_ORDER_STATUS_CANCELLED
	)
	errChecked := rpcerr.New(connect.CodeFailedPrecondition, ReasonRefundInProgress, "refused by the check")
	for _, c := range []struct {
		name       string
		from       orderv1.OrderStatus
		spec       transitionSpec
		wantReason string // "" allowed
		wantCheck  bool
	}{
		{"allowed, no guard", paid, transitionSpec{To: shipped}, "", false},
		{"allowed, guard met", pending, transitionSpec{To: cancelled, From: []orderv1.OrderStatus{pending}}, "", false},
		{"allowed, check passes", paid, transitionSpec{To: shipped, Check: func(*orderRow) error { return nil }}, "", true},
		{"guard missed", paid, transitionSpec{To: cancelled, From: []orderv1.OrderStatus{pending}}, ReasonStatusMismatch, false},
		{"guard missed on an illegal move", shipped, transitionSpec{To: cancelled, From: []orderv1.OrderStatus{pending}}, ReasonStatusMismatch, false},
		{"guard met, move illegal", shipped, transitionSpec{To: cancelled, From: []orderv1.OrderStatus{shipped}}, ReasonIllegalTransition, false},
		{"illegal move, check not asked", pending, transitionSpec{To: shipped, Check: func(*orderRow) error { return errChecked }}, ReasonIllegalTransition, false},
		{"check refuses", paid, transitionSpec{To: shipped, Check: func(*orderRow) error { return errChecked }}, ReasonRefundInProgress, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			row := &orderRow{ID: "o-1", Status: int32(c.from)}
			checked := false
			if check := c.spec.Check; check != nil {
				c.spec.Check = func(r *orderRow) error {
					checked = true
					if r != row {
						t.Error("the check got another row")
					}
					return check(r)
				}
			}
			err := refuseTransition(row, c.spec)
			switch {
			case c.wantReason == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.wantReason != "" && (connect.CodeOf(err) != connect.CodeFailedPrecondition || rpcerr.Reason(err) != c.wantReason):
				t.Fatalf("got %v (%s), want failed_precondition %s", err, rpcerr.Reason(err), c.wantReason)
			}
			if checked != c.wantCheck {
				t.Fatalf("check asked: %v, want %v", checked, c.wantCheck)
			}
			if row.Status != int32(c.from) {
				t.Fatal("deciding changed the row")
			}
		})
	}
}
