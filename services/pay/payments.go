package pay

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"connectrpc.com/connect"
	"github.com/uptrace/bun"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	orderv1 "mall/gen/mall/order/v1"
	payv1 "mall/gen/mall/pay/v1"
	"mall/services/platform/db"
	"mall/services/platform/rpcerr"
	"mall/workflows/payment"
)

// Pay starts (or resumes) paying one of userID's PENDING_PAYMENT orders and
// returns the current attempt with its pay page. It is one update-with-start
// call: PaymentWorkflow (one per order) is started if it is not running,
// and its UpdatePay answers once the attempt's charge exists; after a
// decline the update starts a new attempt.
func (s *Service) Pay(ctx context.Context, userID, orderID string) (*payv1.Payment, error) {
	res, err := s.orders.GetOrderInternal(ctx, connect.NewRequest(&orderv1.GetOrderInternalRequest{OrderId: orderID}))
	if connect.CodeOf(err) == connect.CodeNotFound {
		return nil, errOrderNotFound()
	}
	if err != nil {
		s.logger.ErrorContext(ctx, "read order", "order_id", orderID, "err", err)
		return nil, errUnavailable()
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
	return paymentProto(row), nil
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

// GetPayment returns one of userID's payments by id, or the latest attempt
// of one of their orders.
func (s *Service) GetPayment(ctx context.Context, userID, paymentID, orderID string) (*payv1.Payment, error) {
	var row *paymentRow
	var err error
	if paymentID != "" {
		row, err = selectPayment(ctx, s.db, paymentID)
	} else {
		row, err = latestPayment(ctx, s.db, orderID)
	}
	if isNoRows(err) || (err == nil && row.UserID != userID) {
		return nil, errPaymentNotFound()
	}
	if err != nil {
		return nil, err
	}
	return paymentProto(row), nil
}

// CreatePaymentRecord records an attempt as PENDING; a repeat returns it
// (the same id for another order or amount is a conflict).
func (s *Service) CreatePaymentRecord(ctx context.Context, req *payv1.CreatePaymentRecordRequest) (*payv1.Payment, error) {
	at := now()
	row := &paymentRow{
		ID: req.GetPaymentId(), OrderID: req.GetOrderId(), UserID: req.GetUserId(), AmountCents: req.GetAmountCents(),
		Status: int32(payv1.PaymentStatus_PAYMENT_STATUS_PENDING), CreatedAt: at, UpdatedAt: at,
	}
	_, err := s.db.NewInsert().Model(row).Exec(ctx)
	if db.IsDuplicate(err) {
		existing, err := selectPayment(ctx, s.db, row.ID)
		if err != nil {
			return nil, err
		}
		if existing.OrderID != row.OrderID || existing.UserID != row.UserID || existing.AmountCents != row.AmountCents {
			return nil, rpcerr.New(connect.CodeAlreadyExists, ReasonPaymentConflict, "payment id already used for another payment")
		}
		return paymentProto(existing), nil
	}
	if err != nil {
		return nil, err
	}
	return paymentProto(row), nil
}

// RecordCharge attaches the provider's charge to a pending attempt;
// recording the same charge again changes nothing, another one conflicts.
func (s *Service) RecordCharge(ctx context.Context, req *payv1.RecordChargeRequest) (*payv1.Payment, error) {
	_, err := updatePayment(ctx, s.db, req.GetPaymentId(),
		map[string]any{"provider_charge_id": req.GetProviderChargeId(), "pay_url": req.GetPayUrl(), "updated_at": now()},
		func(q *bun.UpdateQuery) *bun.UpdateQuery { return q.Where("provider_charge_id IS NULL") })
	if db.IsDuplicate(err) {
		return nil, rpcerr.New(connect.CodeAlreadyExists, ReasonChargeConflict, "charge already recorded for another payment")
	}
	if err != nil {
		return nil, err
	}
	row, err := selectPayment(ctx, s.db, req.GetPaymentId())
	if isNoRows(err) {
		return nil, errPaymentNotFound()
	}
	if err != nil {
		return nil, err
	}
	if row.ProviderChargeID.String != req.GetProviderChargeId() {
		return nil, rpcerr.New(connect.CodeAlreadyExists, ReasonChargeConflict, "payment already has another charge")
	}
	return paymentProto(row), nil
}

// SettlePayment moves a PENDING attempt to its final status; an attempt
// that is final already is returned unchanged (settled = false).
func (s *Service) SettlePayment(ctx context.Context, req *payv1.SettlePaymentRequest) (*payv1.Payment, bool, error) {
	at := now()
	set := map[string]any{"status": int32(req.GetStatus()), "decline_reason": req.GetDeclineReason(), "updated_at": at}
	if req.GetStatus() == payv1.PaymentStatus_PAYMENT_STATUS_SUCCEEDED {
		set["paid_at"] = at
	}
	settled, err := updatePayment(ctx, s.db, req.GetPaymentId(), set, func(q *bun.UpdateQuery) *bun.UpdateQuery {
		return q.Where("status = ?", int32(payv1.PaymentStatus_PAYMENT_STATUS_PENDING))
	})
	if err != nil {
		return nil, false, err
	}
	row, err := selectPayment(ctx, s.db, req.GetPaymentId())
	if isNoRows(err) {
		return nil, false, errPaymentNotFound()
	}
	if err != nil {
		return nil, false, err
	}
	return paymentProto(row), settled, nil
}

// Refund refunds an order's successful payment in full through the
// provider (idempotency key per payment, so concurrent or repeated refunds
// refund once) and records it; a refunded payment is returned with
// refunded = false. An order without a successful payment is
// failed_precondition.
func (s *Service) Refund(ctx context.Context, orderID string) (*payv1.Payment, bool, error) {
	row, err := latestPayment(ctx, s.db, orderID, payv1.PaymentStatus_PAYMENT_STATUS_SUCCEEDED, payv1.PaymentStatus_PAYMENT_STATUS_REFUNDED)
	if isNoRows(err) {
		return nil, false, rpcerr.New(connect.CodeFailedPrecondition, ReasonNotPaid, "this order has no successful payment")
	}
	if err != nil {
		return nil, false, err
	}
	if row.Status == int32(payv1.PaymentStatus_PAYMENT_STATUS_REFUNDED) {
		return paymentProto(row), false, nil
	}
	if _, err := s.provider.RefundCharge(ctx, row.ProviderChargeID.String, "refund-"+row.ID); err != nil {
		s.logger.ErrorContext(ctx, "provider refund", "payment_id", row.ID, "err", err)
		return nil, false, errUnavailable()
	}
	at := now()
	refunded, err := updatePayment(ctx, s.db, row.ID,
		map[string]any{"status": int32(payv1.PaymentStatus_PAYMENT_STATUS_REFUNDED), "refunded_at": sql.NullTime{Time: at, Valid: true}, "updated_at": at},
		func(q *bun.UpdateQuery) *bun.UpdateQuery {
			return q.Where("status = ?", int32(payv1.PaymentStatus_PAYMENT_STATUS_SUCCEEDED))
		})
	if err != nil {
		return nil, false, err
	}
	if row, err = selectPayment(ctx, s.db, row.ID); err != nil {
		return nil, false, err
	}
	return paymentProto(row), refunded, nil
}
