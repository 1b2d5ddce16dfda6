package searchattr

import (
	"testing"

	"go.temporal.io/sdk/temporal"

	orderv1 "mall/gen/mall/order/v1"
)

func TestTypeNamesAreTheCLIs(t *testing.T) {
	for _, c := range []struct {
		key  temporal.SearchAttributeKey
		want string
	}{
		{OrderStatus, "Keyword"},
		{AmountCents, "Int"},
		{temporal.NewSearchAttributeKeyString("Note"), "Text"},
		{temporal.NewSearchAttributeKeyFloat64("Weight"), "Double"},
		{temporal.NewSearchAttributeKeyBool("Gift"), "Bool"},
		{temporal.NewSearchAttributeKeyTime("ShippedAt"), "Datetime"},
		{temporal.NewSearchAttributeKeyKeywordList("Tags"), "KeywordList"},
	} {
		if got := TypeName(c.key); got != c.want {
			t.Errorf("TypeName(%s) = %q, want %q", c.key.GetName(), got, c.want)
		}
	}
}

func TestValuesAreTheOrderBooks(t *testing.T) {
	if got := Status(orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT); got != "PENDING_PAYMENT" {
		t.Errorf("Status = %q", got)
	}
	if Kind(orderv1.OrderKind_ORDER_KIND_FLASH_SALE) != KindFlash || Kind(orderv1.OrderKind_ORDER_KIND_REGULAR) != KindCheckout {
		t.Error("kinds")
	}
}
