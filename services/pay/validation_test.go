package pay

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	payv1 "mall/gen/mall/pay/v1"
	"mall/services/platform/testenv"
)

// The pay service's contract rules, as every server enforces them before a
// handler runs: each request either passes or breaks exactly the rules
// named, so a contract change that drops or loosens one fails here.
func TestPayContractRules(t *testing.T) {
	const (
		pending   = payv1.PaymentStatus_PAYMENT_STATUS_PENDING
		succeeded = payv1.PaymentStatus_PAYMENT_STATUS_SUCCEEDED
		declined  = payv1.PaymentStatus_PAYMENT_STATUS_DECLINED
		expired   = payv1.PaymentStatus_PAYMENT_STATUS_EXPIRED
		refunded  = payv1.PaymentStatus_PAYMENT_STATUS_REFUNDED
	)
	for _, c := range []struct {
		name string
		msg  proto.Message
		want []string
	}{
		{"pay", &payv1.PayRequest{OrderId: "o-1"}, nil},
		{"pay for no order", &payv1.PayRequest{}, []string{"order_id string.min_len"}},
		{"a payment by id", &payv1.GetPaymentRequest{Lookup: &payv1.GetPaymentRequest_PaymentId{PaymentId: "pm-1"}}, nil},
		{"a payment by order", &payv1.GetPaymentRequest{Lookup: &payv1.GetPaymentRequest_OrderId{OrderId: "o-1"}}, nil},
		{"a payment of nothing", &payv1.GetPaymentRequest{}, []string{"lookup required"}},
		{"a payment by an empty id", &payv1.GetPaymentRequest{Lookup: &payv1.GetPaymentRequest_PaymentId{}}, []string{"payment_id string.min_len"}},

		{"a webhook", &payv1.ProviderWebhookRequest{Payload: []byte(`{}`), Signature: "t=1,v1=ab"}, nil},
		{"an empty webhook", &payv1.ProviderWebhookRequest{Signature: "t=1,v1=ab"}, []string{"payload bytes.min_len"}},
		{"a webhook too big", &payv1.ProviderWebhookRequest{Payload: make([]byte, 65537), Signature: "t=1,v1=ab"}, []string{"payload bytes.max_len"}},
		{"an unsigned webhook", &payv1.ProviderWebhookRequest{Payload: []byte(`{}`)}, []string{"signature string.min_len"}},
		{"a signature too long", &payv1.ProviderWebhookRequest{Payload: []byte(`{}`), Signature: strings.Repeat("a", 513)}, []string{"signature string.max_len"}},

		{"refund", &payv1.RefundRequest{OrderId: "o-1", Reason: "cancelled"}, nil},
		{"a refund reason too long", &payv1.RefundRequest{OrderId: "o-1", Reason: strings.Repeat("r", 201)}, []string{"reason string.max_len"}},

		{"record a payment", &payv1.CreatePaymentRecordRequest{PaymentId: "pm-1", OrderId: "o-1", UserId: "u-1", AmountCents: 1}, nil},
		{"record a free payment", &payv1.CreatePaymentRecordRequest{PaymentId: "pm-1", OrderId: "o-1", UserId: "u-1"}, []string{"amount_cents int64.gt_lte"}},
		{"record a payment past the cap", &payv1.CreatePaymentRecordRequest{PaymentId: "pm-1", OrderId: "o-1", UserId: "u-1", AmountCents: 100_000_000_001},
			[]string{"amount_cents int64.gt_lte"}},
		{"record a payment of nobody", &payv1.CreatePaymentRecordRequest{PaymentId: "pm-1", OrderId: "o-1", AmountCents: 1}, []string{"user_id string.min_len"}},

		{"record a charge", &payv1.RecordChargeRequest{PaymentId: "pm-1", ProviderChargeId: "ch_1", PayUrl: "https://pay.example/ch_1"}, nil},
		{"a pay URL that is not absolute", &payv1.RecordChargeRequest{PaymentId: "pm-1", ProviderChargeId: "ch_1", PayUrl: "/pay/ch_1"}, []string{"pay_url string.uri"}},
		{"a charge id too long", &payv1.RecordChargeRequest{PaymentId: "pm-1", ProviderChargeId: strings.Repeat("c", 129), PayUrl: "https://pay.example/"},
			[]string{"provider_charge_id string.max_len"}},

		{"settle succeeded", &payv1.SettlePaymentRequest{PaymentId: "pm-1", Status: succeeded, ProviderChargeId: "ch_1", AmountCents: 100}, nil},
		{"settle declined", &payv1.SettlePaymentRequest{PaymentId: "pm-1", Status: declined, DeclineReason: "card declined"}, nil},
		{"settle expired", &payv1.SettlePaymentRequest{PaymentId: "pm-1", Status: expired}, nil},
		{"settle as pending", &payv1.SettlePaymentRequest{PaymentId: "pm-1", Status: pending}, []string{"status enum.in"}},
		{"settle as refunded", &payv1.SettlePaymentRequest{PaymentId: "pm-1", Status: refunded}, []string{"status enum.in"}},
		{"settle as nothing", &payv1.SettlePaymentRequest{PaymentId: "pm-1"}, []string{"status enum.in"}},
		{"settle a negative amount", &payv1.SettlePaymentRequest{PaymentId: "pm-1", Status: succeeded, AmountCents: -1}, []string{"amount_cents int64.gte_lte"}},
	} {
		t.Run(c.name, func(t *testing.T) { testenv.WantViolations(t, c.msg, c.want...) })
	}
}
