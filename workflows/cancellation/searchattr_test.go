package cancellation

import (
	"slices"
	"testing"

	orderv1 "mall/gen/mall/order/v1"
	"mall/workflows/searchattr"
)

func (h *harness) expectAttributes(kind string, statuses ...string) {
	h.t.Helper()
	user, _ := h.attrs.Keyword(searchattr.UserID)
	amount, _ := h.attrs.Int64(searchattr.AmountCents)
	gotKind, _ := h.attrs.Keyword(searchattr.OrderKind)
	if user != "u-1" || amount != 200 || gotKind != kind { // 2 x 1.00
		h.t.Errorf("UserId %q AmountCents %d OrderKind %q, want u-1 200 %s", user, amount, gotKind, kind)
	}
	if got := h.attrs.Statuses(); !slices.Equal(got, statuses) {
		h.t.Errorf("OrderStatus set to %v, want %v", got, statuses)
	}
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
