package payment

import (
	"context"
	"errors"
	"strings"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	orderv1 "mall/gen/mall/order/v1"
	"mall/gen/mall/order/v1/orderv1connect"
	payv1 "mall/gen/mall/pay/v1"
	"mall/gen/mall/pay/v1/payv1connect"
	productv1 "mall/gen/mall/product/v1"
	"mall/gen/mall/product/v1/productv1connect"
	"mall/workflows/checkout"
	"mall/workflows/rpcfailure"
)

// Activities are the payment saga's steps: calls to the pay and order
// services (Connect over gRPC with a service credential) and to the payment
// provider. Each is idempotent: payment records are keyed by payment id,
// and the provider's charge by the same id as idempotency key.
type Activities struct {
	Pay      payv1connect.PayServiceClient
	Orders   orderv1connect.OrderServiceClient
	Products productv1connect.ProductServiceClient
	Provider Provider
}

// ErrTypeOrderPending is the (retryable) error of AwaitOrderOutcome while
// the order is still PENDING_PAYMENT.
const ErrTypeOrderPending = "ORDER_STILL_PENDING"

// RecordInput creates the record of one attempt.
type RecordInput struct {
	PaymentID   string
	OrderID     string
	UserID      string
	AmountCents int64
}

// CreatePaymentRecord records an attempt as PENDING in the pay database.
func (a *Activities) CreatePaymentRecord(ctx context.Context, in RecordInput) error {
	_, err := a.Pay.CreatePaymentRecord(ctx, connect.NewRequest(&payv1.CreatePaymentRecordRequest{
		PaymentId: in.PaymentID, OrderId: in.OrderID, UserId: in.UserID, AmountCents: in.AmountCents}))
	return rpcfailure.FromRPC(err)
}

// ChargeInput asks the provider for a charge.
type ChargeInput struct {
	PaymentID   string
	OrderID     string
	AmountCents int64
	ReturnURL   string
	NotifyURL   string
}

// CreateCharge requests the charge of an attempt from the provider, with
// the payment id as idempotency key: a retry returns the same charge.
func (a *Activities) CreateCharge(ctx context.Context, in ChargeInput) (Charge, error) {
	charge, err := a.Provider.CreateCharge(ctx, in.PaymentID, ChargeRequest{
		AmountCents: in.AmountCents, Currency: Currency, Reference: in.PaymentID, OrderID: in.OrderID,
		Description: "Mall order " + in.OrderID, ReturnURL: in.ReturnURL, NotifyURL: in.NotifyURL,
	})
	return charge, fromProvider(err)
}

// RecordChargeInput attaches a charge to its attempt.
type RecordChargeInput struct {
	PaymentID string
	ChargeID  string
	PayURL    string
}

// RecordCharge stores the provider's charge id and pay page with the attempt.
func (a *Activities) RecordCharge(ctx context.Context, in RecordChargeInput) error {
	_, err := a.Pay.RecordCharge(ctx, connect.NewRequest(&payv1.RecordChargeRequest{
		PaymentId: in.PaymentID, ProviderChargeId: in.ChargeID, PayUrl: in.PayURL}))
	return rpcfailure.FromRPC(err)
}

// GetCharge asks the provider's API for a charge (polling, or checking a
// webhook's hint).
func (a *Activities) GetCharge(ctx context.Context, chargeID string) (Charge, error) {
	charge, err := a.Provider.GetCharge(ctx, chargeID)
	return charge, fromProvider(err)
}

// CancelCharge closes a pending charge at the deadline; a charge that
// settled meanwhile comes back as it is (succeeded charges are honoured).
func (a *Activities) CancelCharge(ctx context.Context, chargeID string) (Charge, error) {
	charge, err := a.Provider.CancelCharge(ctx, chargeID)
	return charge, fromProvider(err)
}

// SettleInput is an attempt's final outcome; a success carries the charge
// and amount the provider confirmed.
type SettleInput struct {
	PaymentID     string
	Status        payv1.PaymentStatus
	DeclineReason string
	ChargeID      string
	AmountCents   int64
}

// SettlePayment records an attempt's outcome; settling twice changes nothing.
func (a *Activities) SettlePayment(ctx context.Context, in SettleInput) error {
	_, err := a.Pay.SettlePayment(ctx, connect.NewRequest(&payv1.SettlePaymentRequest{
		PaymentId: in.PaymentID, Status: in.Status, DeclineReason: in.DeclineReason,
		ProviderChargeId: in.ChargeID, AmountCents: in.AmountCents}))
	return rpcfailure.FromRPC(err)
}

// VerificationFailure is a provider answer a payment refused: Reason is
// the counter's label (ReasonUnconfirmedHint, or the first field of
// ChargeTerms.Check that differed), Detail every difference.
type VerificationFailure struct {
	OrderID   string
	PaymentID string
	ChargeID  string
	Reason    string
	Detail    string
}

// verificationFailures counts provider answers refused by payments.
var verificationFailures = promauto.NewCounterVec(prometheus.CounterOpts{
	Name: "mall_payment_verification_failures_total",
	Help: "Provider answers a payment refused, by reason: unconfirmed_hint (a final webhook the provider's API did not confirm), " +
		"unknown_charge (the provider's API refused to answer for the attempt's charge), " +
		"or the first field of the charge that was not the attempt's (charge_id, reference, order_id, amount, currency).",
}, []string{"reason"})

// ReportVerificationFailure makes a refused provider answer visible: an
// error log line and mall_payment_verification_failures_total{reason}.
func (a *Activities) ReportVerificationFailure(ctx context.Context, f VerificationFailure) error {
	activity.GetLogger(ctx).Error("payment provider answer refused", "order_id", f.OrderID, "payment_id", f.PaymentID,
		"charge_id", f.ChargeID, "reason", f.Reason, "differences", f.Detail)
	verificationFailures.WithLabelValues(f.Reason).Inc()
	return nil
}

// AwaitOrderOutcome returns the order's status once it has left
// PENDING_PAYMENT; until then it fails with the retryable
// ErrTypeOrderPending, so the retry policy paces the polling.
func (a *Activities) AwaitOrderOutcome(ctx context.Context, orderID string) (orderv1.OrderStatus, error) {
	res, err := a.Orders.GetOrderInternal(ctx, connect.NewRequest(&orderv1.GetOrderInternalRequest{OrderId: orderID}))
	if err != nil {
		return orderv1.OrderStatus_ORDER_STATUS_UNSPECIFIED, rpcfailure.FromRPC(err)
	}
	status := res.Msg.GetOrder().GetStatus()
	if status == orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT {
		return status, temporal.NewApplicationError("the order is still pending payment", ErrTypeOrderPending)
	}
	return status, nil
}

// FlashOrder is what a paid flash-sale order's PAID event needs.
type FlashOrder struct {
	UserID         string
	SeckillEventID string
	Lines          []checkout.Line
}

// ConfirmFlashSaleUnits moves a flash-sale order's units from its sale's
// allocation to sold, as the reservation named by the order id
// (idempotent). failed_precondition (non-retryable) means the order cannot
// be paid: its units were released first (the sweeper or the buyer is
// cancelling it) or the sale was settled.
func (a *Activities) ConfirmFlashSaleUnits(ctx context.Context, orderID string) (FlashOrder, error) {
	res, err := a.Orders.GetOrderInternal(ctx, connect.NewRequest(&orderv1.GetOrderInternalRequest{OrderId: orderID}))
	if err != nil {
		return FlashOrder{}, rpcfailure.FromRPC(err)
	}
	o := res.Msg.GetOrder()
	out := FlashOrder{UserID: o.GetUserId(), SeckillEventID: o.GetSeckillEventId()}
	var quantity int32
	for _, l := range o.GetLines() {
		out.Lines = append(out.Lines, checkout.Line{ProductID: l.GetProductId(), CategoryID: l.GetCategoryId(), Title: l.GetTitle(),
			ImageURL: l.GetImageUrl(), UnitPriceCents: l.GetUnitPriceCents(), Quantity: l.GetQuantity()})
		quantity += l.GetQuantity()
	}
	_, err = a.Products.ConfirmAllocatedStock(ctx, connect.NewRequest(&productv1.ConfirmAllocatedStockRequest{
		AllocationId: o.GetSeckillEventId(), OrderId: orderID, Quantity: max(quantity, 1)}))
	return out, rpcfailure.FromRPC(err)
}

// RefundOrder refunds the order's successful payment in full (idempotent by
// order): used when a payment succeeded for an order that was cancelled.
func (a *Activities) RefundOrder(ctx context.Context, orderID string) error {
	_, err := a.Pay.Refund(ctx, connect.NewRequest(&payv1.RefundRequest{OrderId: orderID, Reason: "paid after the order was cancelled"}))
	return rpcfailure.FromRPC(err)
}

// fromProvider makes the provider's refusals (typed "PROVIDER_<code>") and
// answers that cannot be read (typed "PROVIDER_ERROR") non-retryable; every
// other error stays retryable (see Provider).
func fromProvider(err error) error {
	var refused *RefusedError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &refused):
		return temporal.NewNonRetryableApplicationError(refused.Message, errTypeProviderPrefix+refused.Code, err)
	case errors.Is(err, ErrUnreadableAnswer):
		return temporal.NewNonRetryableApplicationError(err.Error(), errTypeProviderPrefix+"ERROR", err)
	}
	return err
}

// errTypeProviderPrefix starts the type of every non-retryable provider error.
const errTypeProviderPrefix = "PROVIDER_"

// providerRefused reports whether an activity error is the provider
// refusing a request (or answering one that cannot be read).
func providerRefused(err error) bool {
	var appErr *temporal.ApplicationError
	return errors.As(err, &appErr) && appErr.NonRetryable() && strings.HasPrefix(appErr.Type(), errTypeProviderPrefix)
}

// refusalText is what a refused provider request says, for a report.
func refusalText(err error) string {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return appErr.Type() + ": " + clip(appErr.Message())
	}
	return clip(err.Error())
}
