package order

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	orderv1 "mall/gen/mall/order/v1"
)

// now is the current time as the database stores it (UTC, microseconds), so
// what an RPC returns equals what a later read returns.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// orderProto assembles an order from its row, lines and history.
func orderProto(r *orderRow, lines []lineRow, history []historyRow) *orderv1.Order {
	o := &orderv1.Order{
		OrderId:         r.ID,
		UserId:          r.UserID,
		Status:          orderv1.OrderStatus(r.Status),
		Kind:            orderv1.OrderKind(r.Kind),
		TotalCents:      r.TotalCents,
		ShippingAddress: r.ShippingAddress.proto(),
		SeckillEventId:  r.SeckillEventID.String,
		ReservationId:   r.ReservationID,
		Carrier:         r.Carrier,
		TrackingNumber:  r.TrackingNumber,
		CreatedAt:       timestamppb.New(r.CreatedAt),
		UpdatedAt:       timestamppb.New(r.UpdatedAt),
	}
	if r.PaymentDeadline.Valid {
		o.PaymentDeadline = timestamppb.New(r.PaymentDeadline.Time)
	}
	if r.RefundRequestedAt.Valid {
		o.RefundRequestedAt = timestamppb.New(r.RefundRequestedAt.Time)
	}
	o.RefundState = orderv1.RefundState(r.RefundState)
	if o.RefundState != orderv1.RefundState_REFUND_STATE_UNSPECIFIED {
		o.RefundCents = r.TotalCents // refunds return the whole payment
	}
	if r.RefundedAt.Valid {
		o.RefundedAt = timestamppb.New(r.RefundedAt.Time)
	}
	if r.RefundRefusedAt.Valid {
		o.RefundRefusedAt = timestamppb.New(r.RefundRefusedAt.Time)
	}
	o.Lines = make([]*orderv1.OrderLine, len(lines))
	for i, l := range lines {
		o.Lines[i] = &orderv1.OrderLine{
			ProductId: l.ProductID, CategoryId: l.CategoryID, Title: l.Title, ImageUrl: l.ImageURL,
			UnitPriceCents: l.UnitPriceCents, Quantity: l.Quantity, LineTotalCents: l.UnitPriceCents * int64(l.Quantity),
		}
	}
	o.History = make([]*orderv1.StatusChange, len(history))
	for i, h := range history {
		o.History[i] = &orderv1.StatusChange{
			FromStatus: orderv1.OrderStatus(h.FromStatus), ToStatus: orderv1.OrderStatus(h.ToStatus),
			Reason: h.Reason, Cause: orderv1.StatusChangeCause(h.Cause), OccurredAt: timestamppb.New(h.OccurredAt),
		}
	}
	return o
}

func (a *addressJSON) proto() *orderv1.ShippingAddress {
	if a == nil {
		return nil
	}
	return &orderv1.ShippingAddress{
		RecipientName: a.RecipientName, Phone: a.Phone, Province: a.Province, City: a.City,
		District: a.District, Detail: a.Detail, PostalCode: a.PostalCode,
	}
}

func addressOf(a *orderv1.ShippingAddress) *addressJSON {
	if a == nil {
		return nil
	}
	return &addressJSON{
		RecipientName: a.GetRecipientName(), Phone: a.GetPhone(), Province: a.GetProvince(), City: a.GetCity(),
		District: a.GetDistrict(), Detail: a.GetDetail(), PostalCode: a.GetPostalCode(),
	}
}
