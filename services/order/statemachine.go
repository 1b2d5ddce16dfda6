package order

import (
	"slices"
	"strings"

	orderv1 "mall/gen/mall/order/v1"
)

// The order state machine, the one place that says which status may follow
// which:
//
//	PENDING_PAYMENT -> PAID | CANCELLED
//	PAID            -> SHIPPED | REFUNDED
//	SHIPPED         -> DELIVERED
//	DELIVERED       -> COMPLETED
//	CANCELLED, REFUNDED, COMPLETED: terminal
//
// An order is born PENDING_PAYMENT (its history starts with an entry from
// UNSPECIFIED); that is creation, not a transition, so it is not in the table.
var transitions = map[orderv1.OrderStatus][]orderv1.OrderStatus{
	orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT: {orderv1.OrderStatus_ORDER_STATUS_PAID, orderv1.OrderStatus_ORDER_STATUS_CANCELLED},
	orderv1.OrderStatus_ORDER_STATUS_PAID:            {orderv1.OrderStatus_ORDER_STATUS_SHIPPED, orderv1.OrderStatus_ORDER_STATUS_REFUNDED},
	orderv1.OrderStatus_ORDER_STATUS_SHIPPED:         {orderv1.OrderStatus_ORDER_STATUS_DELIVERED},
	orderv1.OrderStatus_ORDER_STATUS_DELIVERED:       {orderv1.OrderStatus_ORDER_STATUS_COMPLETED},
}

// canTransition reports whether an order in from may move to to.
func canTransition(from, to orderv1.OrderStatus) bool {
	return slices.Contains(transitions[from], to)
}

// checkTransition is canTransition as an error: failed_precondition with
// reason ILLEGAL_TRANSITION.
func checkTransition(from, to orderv1.OrderStatus) error {
	if !canTransition(from, to) {
		return errIllegalTransition(from, to)
	}
	return nil
}

// isTerminal reports whether no status may follow status.
func isTerminal(status orderv1.OrderStatus) bool {
	return len(transitions[status]) == 0
}

func statusName(status orderv1.OrderStatus) string {
	return strings.TrimPrefix(status.String(), "ORDER_STATUS_")
}
