// Package pay is the pay domain: payment attempts, the provider's webhooks
// and refunds, in the pay service's own database, with PaymentWorkflow on
// Temporal doing the talking to the provider. Handler (this file) is thin;
// the logic is in payments.go and webhook.go, the SQL in store.go.
package pay

import (
	"context"

	"connectrpc.com/connect"

	payv1 "mall/gen/mall/pay/v1"
	"mall/gen/mall/pay/v1/payv1connect"
	"mall/services/platform/auth"
)

// Handler serves PayService. User RPCs take the caller only from the
// verified token; internal ones are called by the payment and cancellation
// workflows with a service credential; the webhook is public and
// authenticated by its signature.
type Handler struct {
	payv1connect.UnimplementedPayServiceHandler
	svc *Service
}

// NewHandler returns the PayService handler over svc.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

var _ payv1connect.PayServiceHandler = (*Handler)(nil)

func (h *Handler) Pay(ctx context.Context, req *connect.Request[payv1.PayRequest]) (*connect.Response[payv1.PayResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	p, err := h.svc.Pay(ctx, userID, req.Msg.GetOrderId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&payv1.PayResponse{Payment: p}), nil
}

func (h *Handler) GetPayment(ctx context.Context, req *connect.Request[payv1.GetPaymentRequest]) (*connect.Response[payv1.GetPaymentResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	p, err := h.svc.GetPayment(ctx, userID, req.Msg.GetPaymentId(), req.Msg.GetOrderId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&payv1.GetPaymentResponse{Payment: p}), nil
}

func (h *Handler) ProviderWebhook(ctx context.Context, req *connect.Request[payv1.ProviderWebhookRequest]) (*connect.Response[payv1.ProviderWebhookResponse], error) {
	if err := h.svc.HandleWebhook(ctx, req.Msg.GetPayload(), req.Msg.GetSignature()); err != nil {
		return nil, err
	}
	return connect.NewResponse(&payv1.ProviderWebhookResponse{}), nil
}

func (h *Handler) Refund(ctx context.Context, req *connect.Request[payv1.RefundRequest]) (*connect.Response[payv1.RefundResponse], error) {
	p, refunded, err := h.svc.Refund(ctx, req.Msg.GetOrderId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&payv1.RefundResponse{Payment: p, Refunded: refunded}), nil
}

func (h *Handler) CreatePaymentRecord(ctx context.Context, req *connect.Request[payv1.CreatePaymentRecordRequest]) (*connect.Response[payv1.CreatePaymentRecordResponse], error) {
	p, err := h.svc.CreatePaymentRecord(ctx, req.Msg)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&payv1.CreatePaymentRecordResponse{Payment: p}), nil
}

func (h *Handler) RecordCharge(ctx context.Context, req *connect.Request[payv1.RecordChargeRequest]) (*connect.Response[payv1.RecordChargeResponse], error) {
	p, err := h.svc.RecordCharge(ctx, req.Msg)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&payv1.RecordChargeResponse{Payment: p}), nil
}

func (h *Handler) SettlePayment(ctx context.Context, req *connect.Request[payv1.SettlePaymentRequest]) (*connect.Response[payv1.SettlePaymentResponse], error) {
	p, settled, err := h.svc.SettlePayment(ctx, req.Msg)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&payv1.SettlePaymentResponse{Payment: p, Settled: settled}), nil
}
