package pay

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	payv1 "mall/gen/mall/pay/v1"
)

// now is the current time as the database stores it (UTC, microseconds).
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

func paymentProto(r *paymentRow) *payv1.Payment {
	p := &payv1.Payment{
		PaymentId: r.ID, OrderId: r.OrderID, UserId: r.UserID, AmountCents: r.AmountCents,
		Status: payv1.PaymentStatus(r.Status), ProviderChargeId: r.ProviderChargeID.String, PayUrl: r.PayURL,
		DeclineReason: r.DeclineReason, RefundFailureReason: r.RefundFailureReason, CreatedAt: timestamppb.New(r.CreatedAt), UpdatedAt: timestamppb.New(r.UpdatedAt),
	}
	if r.PaidAt.Valid {
		p.PaidAt = timestamppb.New(r.PaidAt.Time)
	}
	if r.RefundedAt.Valid {
		p.RefundedAt = timestamppb.New(r.RefundedAt.Time)
	}
	if r.RefundFailedAt.Valid {
		p.RefundFailedAt = timestamppb.New(r.RefundFailedAt.Time)
	}
	return p
}
