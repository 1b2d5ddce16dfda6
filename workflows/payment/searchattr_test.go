package payment

import (
	"testing"
	"time"

	orderv1 "mall/gen/mall/order/v1"
	"mall/workflows/searchattr"
	"mall/workflows/searchattr/searchattrtest"
)

// expectAttributes checks what the payment set: the buyer, the amount and
// the kind from the start, and the order statuses it learnt.
func (h *harness) expectAttributes(kind string, statuses ...string) {
	h.t.Helper()
	h.attrs.Expect(h.t, searchattrtest.Want{UserID: "u-1", Kind: kind, AmountCents: testAmount, Statuses: statuses})
}

func TestAPaymentListsTheOrderPaidOnceTheOrderIs(t *testing.T) {
	h := newHarness(t)
	h.at(time.Minute, func() { h.providerSays(charge1, ChargeSucceeded, false) })
	if status := h.run(); status.State != StateSucceeded {
		t.Fatalf("status %+v", status)
	}
	h.expectAttributes(searchattr.KindCheckout, "PAID")
}

func TestAPaymentTooLateListsTheOrderCancelled(t *testing.T) {
	h := newHarness(t)
	h.onCancel = ChargeSucceeded
	h.order = orderv1.OrderStatus_ORDER_STATUS_CANCELLED
	if status := h.run(); status.State != StateRefundedLate {
		t.Fatalf("status %+v", status)
	}
	h.expectAttributes(searchattr.KindCheckout, "CANCELLED")
}

// An expired payment never learnt what became of the order.
func TestAnExpiredPaymentSetsNoOrderStatus(t *testing.T) {
	h := newHarness(t)
	if status := h.run(); status.State != StateExpired {
		t.Fatalf("status %+v", status)
	}
	h.expectAttributes(searchattr.KindCheckout)
}

func TestAFlashSalePaymentIsListedAsFlash(t *testing.T) {
	h, _ := flashHarness(t, nil)
	h.at(time.Minute, func() { h.providerSays(charge1, ChargeSucceeded, false) })
	if status := h.run(); status.State != StateSucceeded {
		t.Fatalf("status %+v", status)
	}
	h.expectAttributes(searchattr.KindFlash, "PAID")
}
