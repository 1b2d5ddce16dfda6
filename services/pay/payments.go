package pay

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	orderv1 "mall/gen/mall/order/v1"
	payv1 "mall/gen/mall/pay/v1"
	"mall/services/pay/provider"
	"mall/services/platform/auth"
	"mall/services/platform/db"
	"mall/services/platform/rpcerr"
	"mall/workflows/payment"
)

// Pay starts (or resumes) paying one of the caller's PENDING_PAYMENT orders
// and returns the current attempt with its pay page. It is one update-with-start
// call: PaymentWorkflow (one per order) is started if it is not running,
// and its UpdatePay answers once the attempt's charge exists; after a
// decline the update starts a new attempt.
func (s *Service) Pay(ctx context.Context, req *connect.Request[payv1.PayRequest]) (*connect.Response[payv1.PayResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	orderID := req.Msg.GetOrderId()
	res, err := s.orders.GetOrderInternal(ctx, connect.NewRequest(&orderv1.GetOrderInternalRequest{OrderId: orderID}))
	if connect.CodeOf(err) == connect.CodeNotFound {
		return nil, errOrderNotFound()
	}
	if err != nil {
		return nil, rpcerr.Upstream(ctx, s.logger, "OrderService.GetOrderInternal", err, ReasonServiceUnavailable, serviceUnavailable)
	}
	order := res.Msg.GetOrder()
	if order.GetUserId() != userID {
		return nil, errOrderNotFound()
	}
	switch order.GetStatus() {
	case orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT:
	case orderv1.OrderStatus_ORDER_STATUS_CANCELLED:
		return nil, rpcerr.New(connect.CodeFailedPrecondition, ReasonOrderCancelled, "this order is cancelled")
	default:
		return nil, errAlreadyPaid()
	}
	deadline := order.GetPaymentDeadline().AsTime()
	if !deadline.After(time.Now()) {
		return nil, errDeadlinePassed()
	}

	in := payment.Input{
		OrderID: orderID, UserID: userID, AmountCents: order.GetTotalCents(), Deadline: deadline,
		ReturnURL: s.opts.PublicURL + "/orders/" + orderID, NotifyURL: s.opts.NotifyURL, PollInterval: s.opts.PollInterval,
		Kind: order.GetKind(),
	}
	start := s.temporal.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID:                       payment.WorkflowID(orderID),
		TaskQueue:                s.opts.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	}, payment.WorkflowName, in)
	handle, err := s.temporal.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions:          client.UpdateWorkflowOptions{UpdateName: payment.UpdatePay, WaitForStage: client.WorkflowUpdateStageCompleted},
	})
	var status payment.Status
	if err == nil {
		err = handle.Get(ctx, &status)
	}
	if err != nil {
		return nil, s.payError(ctx, orderID, err)
	}
	row, err := selectPayment(ctx, s.db, status.PaymentID)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&payv1.PayResponse{Payment: paymentProto(row)}), nil
}

// payError maps what Temporal answered Pay: a rejected update or a payment
// workflow that has closed tell the buyer why; the rest is unavailable.
func (s *Service) payError(ctx context.Context, orderID string, err error) error {
	var appErr *temporal.ApplicationError
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	switch {
	case errors.As(err, &appErr) && appErr.Type() == payment.RejectAlreadyPaid:
		return errAlreadyPaid()
	case errors.As(err, &appErr) && appErr.Type() == payment.RejectExpired:
		return errDeadlinePassed()
	case errors.As(err, &started):
		// The order's payment workflow has ended: it either took the money
		// or saw the deadline pass.
		if _, err := latestPayment(ctx, s.db, orderID, payv1.PaymentStatus_PAYMENT_STATUS_SUCCEEDED); err == nil {
			return errAlreadyPaid()
		}
		return errDeadlinePassed()
	}
	s.logger.ErrorContext(ctx, "pay update", "order_id", orderID, "err", err)
	return errUnavailable()
}

// GetPayment returns one of the caller's payments by id, or the latest
// attempt of one of their orders.
func (s *Service) GetPayment(ctx context.Context, req *connect.Request[payv1.GetPaymentRequest]) (*connect.Response[payv1.GetPaymentResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	var row *paymentRow
	if paymentID := req.Msg.GetPaymentId(); paymentID != "" {
		row, err = selectPayment(ctx, s.db, paymentID)
	} else {
		row, err = latestPayment(ctx, s.db, req.Msg.GetOrderId())
	}
	if isNoRows(err) || (err == nil && row.UserID != userID) {
		return nil, errPaymentNotFound()
	}
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&payv1.GetPaymentResponse{Payment: paymentProto(row)}), nil
}

// maxListedPayments bounds AdminListPayments: an order's attempts are few
// (each needs a decline before the deadline), so this is a guard only.
const maxListedPayments = 100

// AdminListPayments returns any order's payment attempts, oldest first.
func (s *Service) AdminListPayments(ctx context.Context, req *connect.Request[payv1.AdminListPaymentsRequest]) (*connect.Response[payv1.AdminListPaymentsResponse], error) {
	rows, err := orderPayments(ctx, s.db, req.Msg.GetOrderId(), maxListedPayments)
	if err != nil {
		return nil, err
	}
	res := &payv1.AdminListPaymentsResponse{Payments: make([]*payv1.Payment, len(rows))}
	for i := range rows {
		res.Payments[i] = paymentProto(&rows[i])
	}
	return connect.NewResponse(res), nil
}

// CreatePaymentRecord records an attempt as PENDING; a repeat returns it
// (the same id for another order or amount is a conflict).
func (s *Service) CreatePaymentRecord(ctx context.Context, req *connect.Request[payv1.CreatePaymentRecordRequest]) (*connect.Response[payv1.CreatePaymentRecordResponse], error) {
	at := now()
	row := &paymentRow{
		ID: req.Msg.GetPaymentId(), OrderID: req.Msg.GetOrderId(), UserID: req.Msg.GetUserId(), AmountCents: req.Msg.GetAmountCents(),
		Status: int32(payv1.PaymentStatus_PAYMENT_STATUS_PENDING), CreatedAt: at, UpdatedAt: at,
	}
	err := insertPayment(ctx, s.db, row)
	if db.IsDuplicate(err) {
		existing, err := selectPayment(ctx, s.db, row.ID)
		if err != nil {
			return nil, err
		}
		if existing.OrderID != row.OrderID || existing.UserID != row.UserID || existing.AmountCents != row.AmountCents {
			return nil, rpcerr.New(connect.CodeAlreadyExists, ReasonPaymentConflict, "payment id already used for another payment")
		}
		row = existing
	} else if err != nil {
		return nil, err
	}
	return connect.NewResponse(&payv1.CreatePaymentRecordResponse{Payment: paymentProto(row)}), nil
}

// RecordCharge attaches the provider's charge to a pending attempt;
// recording the same charge again changes nothing, another one conflicts.
func (s *Service) RecordCharge(ctx context.Context, req *connect.Request[payv1.RecordChargeRequest]) (*connect.Response[payv1.RecordChargeResponse], error) {
	err := recordCharge(ctx, s.db, req.Msg.GetPaymentId(), req.Msg.GetProviderChargeId(), req.Msg.GetPayUrl(), now())
	if db.IsDuplicate(err) {
		return nil, rpcerr.New(connect.CodeAlreadyExists, ReasonChargeConflict, "charge already recorded for another payment")
	}
	if err != nil {
		return nil, err
	}
	row, err := selectPayment(ctx, s.db, req.Msg.GetPaymentId())
	if isNoRows(err) {
		return nil, errPaymentNotFound()
	}
	if err != nil {
		return nil, err
	}
	if row.ProviderChargeID.String != req.Msg.GetProviderChargeId() {
		return nil, rpcerr.New(connect.CodeAlreadyExists, ReasonChargeConflict, "payment already has another charge")
	}
	return connect.NewResponse(&payv1.RecordChargeResponse{Payment: paymentProto(row)}), nil
}

// SettlePayment moves a PENDING attempt to its final status; an attempt
// that is final already is returned unchanged (settled = false). SUCCEEDED
// needs the charge and amount the provider confirmed to be the attempt's
// (compared exactly, not by the column's case-insensitive collation):
// otherwise the attempt stays pending and the answer is failed_precondition.
func (s *Service) SettlePayment(ctx context.Context, req *connect.Request[payv1.SettlePaymentRequest]) (*connect.Response[payv1.SettlePaymentResponse], error) {
	msg := req.Msg
	succeeded := msg.GetStatus() == payv1.PaymentStatus_PAYMENT_STATUS_SUCCEEDED
	row, err := selectPayment(ctx, s.db, msg.GetPaymentId())
	if isNoRows(err) {
		return nil, errPaymentNotFound()
	}
	if err != nil {
		return nil, err
	}
	// The charge and amount of an attempt never change once recorded, so
	// this check holds for the update below.
	if succeeded && row.Status == int32(payv1.PaymentStatus_PAYMENT_STATUS_PENDING) &&
		(row.ProviderChargeID.String != msg.GetProviderChargeId() || row.AmountCents != msg.GetAmountCents()) {
		s.logger.ErrorContext(ctx, "payment not settled: the confirmed charge is not the attempt's", "payment_id", row.ID,
			"order_id", row.OrderID, "charge_id", msg.GetProviderChargeId(), "recorded_charge_id", row.ProviderChargeID.String,
			"amount_cents", msg.GetAmountCents(), "recorded_amount_cents", row.AmountCents)
		return nil, rpcerr.New(connect.CodeFailedPrecondition, ReasonChargeMismatch, "the charge is not this payment's")
	}
	settled, err := settlePending(ctx, s.db, row.ID, msg.GetStatus(), msg.GetDeclineReason(), now())
	if err != nil {
		return nil, err
	}
	if row, err = selectPayment(ctx, s.db, row.ID); err != nil {
		return nil, err
	}
	return connect.NewResponse(&payv1.SettlePaymentResponse{Payment: paymentProto(row), Settled: settled}), nil
}

// Refund refunds an order's successful payment in full through the
// provider (idempotency key per payment, so concurrent or repeated refunds
// refund once) and records it; a refunded payment is returned with
// refunded = false. An order without a successful payment is
// failed_precondition NOT_PAID. A refund the provider refuses, or answers
// for another charge or amount, is final: the payment becomes REFUND_FAILED
// and this and every later call answer failed_precondition REFUND_REFUSED
// without asking the provider again, unless retry_refused asks again (an
// operator's retry, under an idempotency key of its own per refusal: a
// provider may answer a key's refusal again without looking). A provider
// that cannot be reached (or
// answers 401/403, 408, 429, 5xx) answers unavailable: worth retrying.
func (s *Service) Refund(ctx context.Context, req *connect.Request[payv1.RefundRequest]) (*connect.Response[payv1.RefundResponse], error) {
	row, err := latestPayment(ctx, s.db, req.Msg.GetOrderId(), payv1.PaymentStatus_PAYMENT_STATUS_SUCCEEDED,
		payv1.PaymentStatus_PAYMENT_STATUS_REFUNDED, payv1.PaymentStatus_PAYMENT_STATUS_REFUND_FAILED)
	if isNoRows(err) {
		return nil, rpcerr.New(connect.CodeFailedPrecondition, ReasonNotPaid, "this order has no successful payment")
	}
	if err != nil {
		return nil, err
	}
	switch payv1.PaymentStatus(row.Status) {
	case payv1.PaymentStatus_PAYMENT_STATUS_REFUNDED:
		return connect.NewResponse(&payv1.RefundResponse{Payment: paymentProto(row)}), nil
	case payv1.PaymentStatus_PAYMENT_STATUS_REFUND_FAILED:
		if !req.Msg.GetRetryRefused() {
			return nil, errRefundRefused(row.RefundFailureReason)
		}
	}
	chargeID := row.ProviderChargeID.String
	key := "refund-" + row.ID
	if row.RefundFailedAt.Valid {
		key += "-after-" + strconv.FormatInt(row.RefundFailedAt.Time.UnixMicro(), 36)
	}
	refund, err := s.provider.RefundCharge(ctx, chargeID, key)
	switch {
	case provider.Refused(err):
		var pe *provider.Error
		errors.As(err, &pe)
		return s.refundRefused(ctx, row, refusalProvider, "the payment provider refused the refund ("+clip(pe.Code)+")", err.Error())
	case err != nil:
		s.logger.ErrorContext(ctx, "provider refund", "payment_id", row.ID, "err", err)
		return nil, errUnavailable()
	}
	if diff := refund.Check(chargeID, row.AmountCents); diff != "" {
		return s.refundRefused(ctx, row, refusalMismatch, "the payment provider's refund does not match the payment", diff)
	}
	// From REFUND_FAILED too: a concurrent call may have recorded a refusal
	// that the provider's refund, answered here, overrides.
	refunded, err := markRefunded(ctx, s.db, row.ID, now())
	if err != nil {
		return nil, err
	}
	if row, err = selectPayment(ctx, s.db, row.ID); err != nil {
		return nil, err
	}
	return connect.NewResponse(&payv1.RefundResponse{Payment: paymentProto(row), Refunded: refunded}), nil
}

// Labels of mall_payment_refunds_refused_total.
const (
	refusalProvider = "provider_refused" // the provider answered a 4xx refusal
	refusalMismatch = "answer_mismatch"  // the refund answered is for another charge or amount, or not succeeded
)

// refundsRefused counts payments that became REFUND_FAILED: money an
// operator has to return by hand.
var refundsRefused = promauto.NewCounterVec(prometheus.CounterOpts{
	Name: "mall_payment_refunds_refused_total",
	Help: "Refunds the payment provider refused (provider_refused) or answered for another charge or amount (answer_mismatch); each leaves a payment REFUND_FAILED.",
}, []string{"reason"})

// refundRefused records the refusal on a SUCCEEDED payment (once: concurrent
// refusals record, log and count it once) and answers Refund with it. The
// stored reason is client-safe; detail (the provider's own words, the
// differences) goes to the log only. A payment a concurrent call has
// refunded meanwhile stays refunded.
func (s *Service) refundRefused(ctx context.Context, row *paymentRow, kind, reason, detail string) (*connect.Response[payv1.RefundResponse], error) {
	var retried sql.NullTime
	if row.Status == int32(payv1.PaymentStatus_PAYMENT_STATUS_REFUND_FAILED) {
		retried = row.RefundFailedAt
	}
	recorded, err := markRefundFailed(ctx, s.db, row.ID, reason, retried, now())
	if err != nil {
		return nil, err
	}
	if recorded {
		refundsRefused.WithLabelValues(kind).Inc()
		s.logger.ErrorContext(ctx, "refund refused: the payment needs an operator", "order_id", row.OrderID, "payment_id", row.ID,
			"charge_id", row.ProviderChargeID.String, "amount_cents", row.AmountCents, "reason", reason, "detail", detail)
		return nil, errRefundRefused(reason)
	}
	current, err := selectPayment(ctx, s.db, row.ID)
	if err != nil {
		return nil, err
	}
	if current.Status == int32(payv1.PaymentStatus_PAYMENT_STATUS_REFUNDED) {
		return connect.NewResponse(&payv1.RefundResponse{Payment: paymentProto(current)}), nil
	}
	return nil, errRefundRefused(current.RefundFailureReason)
}

// clip shortens text from the provider to what a stored reason holds.
func clip(text string) string {
	const limit = 64
	if len(text) > limit {
		text = text[:limit]
	}
	return strings.ToValidUTF8(text, "")
}
