package checkout

import (
	"testing"
	"time"

	"connectrpc.com/connect"

	"mall/workflows/searchattr"
	"mall/workflows/searchattr/searchattrtest"
)

// expectAttributes checks the search attributes the workflow set: the
// buyer, the kind, the total once the order exists (0: never set), and the
// order statuses in the order they were set.
func (h *harness) expectAttributes(amountCents int64, statuses ...string) {
	h.t.Helper()
	h.attrs.Expect(h.t, searchattrtest.Want{UserID: "u-1", Kind: searchattr.KindCheckout, AmountCents: amountCents, Statuses: statuses})
}

func TestSearchAttributesFollowTheOrderToAutoCompletion(t *testing.T) {
	h := newHarness(t)
	h.after(3*time.Minute, func() { h.signal(SignalPaid, PaidSignal{PaymentID: "pay-1"}) })
	h.after(48*time.Hour, func() { h.signal(SignalDelivered, nil) })
	h.runTo(cartInput(), StateCompleted)
	// 2 x 10.00 + 1 x 5.00
	h.expectAttributes(2500, "PENDING_PAYMENT", "PAID", "DELIVERED", "COMPLETED")
}

func TestSearchAttributesShowAShippedOrderShipped(t *testing.T) {
	h := newHarness(t)
	h.after(3*time.Minute, func() { h.signal(SignalPaid, PaidSignal{PaymentID: "pay-1"}) })
	h.after(24*time.Hour, func() { h.signal(SignalShipped, nil) })
	h.after(48*time.Hour, func() { h.signal(SignalDelivered, nil) })
	h.runTo(cartInput(), StateCompleted)
	h.expectAttributes(2500, "PENDING_PAYMENT", "PAID", "SHIPPED", "DELIVERED", "COMPLETED")
}

func TestSearchAttributesOfARefundedOrder(t *testing.T) {
	h := newHarness(t)
	h.after(time.Minute, func() { h.signal(SignalPaid, PaidSignal{PaymentID: "pay-1"}) })
	h.after(time.Hour, func() { h.signal(SignalRefunded, nil) })
	h.runTo(buyNowInput(), StateRefunded)
	h.expectAttributes(2000, "PENDING_PAYMENT", "PAID", "REFUNDED")
}

func TestSearchAttributesOfAnOrderCancelledAtItsDeadline(t *testing.T) {
	h := newHarness(t)
	h.runTo(buyNowInput(), StateCancelled)
	h.expectAttributes(2000, "PENDING_PAYMENT", "CANCELLED")
}

func TestACheckoutWithoutAnOrderHasNoOrderStatus(t *testing.T) {
	h := newHarness(t)
	h.reserveErr = serviceError(connect.CodeFailedPrecondition, "OUT_OF_STOCK", "not enough stock for product p1")
	h.runTo(cartInput(), StateFailed)
	h.expectAttributes(0)
}

func TestAnOrderWrittenByAFailedCreateIsListedCancelled(t *testing.T) {
	h := newHarness(t)
	h.createErr = serviceError(connect.CodeUnavailable, "", "order service down")
	h.runTo(cartInput(), StateFailed)
	h.expectAttributes(2500, "CANCELLED")
}
