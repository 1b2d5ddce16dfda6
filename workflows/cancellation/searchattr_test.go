package cancellation

import (
	"testing"

	orderv1 "mall/gen/mall/order/v1"
	"mall/workflows/searchattr"
	"mall/workflows/searchattr/searchattrtest"
)

// expectAttributes checks what the cancellation set from the order it
// loaded (2 × ¥1.00 by u-1) and the statuses it set.
func (h *harness) expectAttributes(kind string, statuses ...string) {
	h.t.Helper()
	h.attrs.Expect(h.t, searchattrtest.Want{UserID: "u-1", Kind: kind, AmountCents: 200, Statuses: statuses})
}

func TestARefundListsTheOrderPaidThenRefunded(t *testing.T) {
	h := newHarness(t)
	if status := h.run(); status.State != StateRefunded {
		t.Fatalf("status %+v", status)
	}
	h.expectAttributes(searchattr.KindCheckout, "PAID", "REFUNDED")
}

func TestAFlashSaleRefundIsListedAsFlash(t *testing.T) {
	h := newHarness(t)
	h.flash = true
	if status := h.run(); status.State != StateRefunded {
		t.Fatalf("status %+v", status)
	}
	h.expectAttributes(searchattr.KindFlash, "PAID", "REFUNDED")
}

func TestAnOrderThatWasNotPaidKeepsItsStatus(t *testing.T) {
	h := newHarness(t)
	h.status = orderv1.OrderStatus_ORDER_STATUS_SHIPPED
	if status := h.run(); status.State != StateNotPaid {
		t.Fatalf("status %+v", status)
	}
	h.expectAttributes(searchattr.KindCheckout, "SHIPPED")
}
