package order

import (
	"context"
	"strings"

	"connectrpc.com/connect"

	orderv1 "mall/gen/mall/order/v1"
	"mall/services/platform/audit"
	"mall/services/platform/rpcerr"
	"mall/workflows/cancellation"
	"mall/workflows/checkout"
	"mall/workflows/payment"
)

// The operator's procedures: every one that changes an order notes it for
// the audit log (audit.Target, Before, After).

// ShipOrder moves a paid order to SHIPPED with its carrier and tracking
// number (ship).
func (s *Service) ShipOrder(ctx context.Context, req *connect.Request[orderv1.ShipOrderRequest]) (*connect.Response[orderv1.ShipOrderResponse], error) {
	orderID := req.Msg.GetOrderId()
	audit.Target(ctx, "order "+orderID)
	o, _, err := s.ship(ctx, orderID, req.Msg.GetCarrier(), req.Msg.GetTrackingNumber(), func(before *orderv1.Order) {
		audit.Before(ctx, before)
	})
	if err != nil {
		return nil, err
	}
	audit.After(ctx, o)
	return connect.NewResponse(&orderv1.ShipOrderResponse{Order: o}), nil
}

// ship moves a paid order to SHIPPED with its carrier and tracking number,
// unless the buyer has cancelled it for a refund. An order already shipped
// is returned as it is (changed = false): its carrier and tracking number
// stay. locked, when set, sees the order before the change.
func (s *Service) ship(ctx context.Context, orderID, carrier, trackingNumber string, locked func(*orderv1.Order)) (*orderv1.Order, bool, error) {
	o, changed, err := s.transition(ctx, transitionSpec{
		OrderID: orderID, To: orderv1.OrderStatus_ORDER_STATUS_SHIPPED, Reason: "shipped with " + carrier + " " + trackingNumber,
		Locked: locked,
		Check: func(row *orderRow) error {
			if row.RefundRequestedAt.Valid {
				return rpcerr.New(connect.CodeFailedPrecondition, ReasonRefundInProgress, "the buyer cancelled this order; it is being refunded")
			}
			return nil
		},
		Apply: func(row *orderRow) []string {
			row.Carrier, row.TrackingNumber = carrier, trackingNumber
			return []string{"carrier", "tracking_number"}
		},
	})
	if err == nil && changed {
		// The saga waits for delivery, not shipment: the signal only moves
		// the order's status in the Temporal Web UI, so a failure to send
		// it is logged, not the operator's problem.
		if serr := s.signal(ctx, orderID, checkout.SignalShipped); serr != nil {
			s.logger.WarnContext(ctx, "signal shipped", "order_id", orderID, "err", serr)
		}
	}
	return o, changed, err
}

// BulkShipOrders ships each item's order on its own (ship): an order that
// cannot ship is reported with the reason ShipOrder would give and the
// others ship. Each order changes in one transaction under its row lock,
// so concurrent calls naming the same order ship it once; the others
// report it ALREADY_SHIPPED.
func (s *Service) BulkShipOrders(ctx context.Context, req *connect.Request[orderv1.BulkShipOrdersRequest]) (*connect.Response[orderv1.BulkShipOrdersResponse], error) {
	items := req.Msg.GetItems()
	ids := make([]string, len(items))
	for i, item := range items {
		ids[i] = item.GetOrderId()
	}
	audit.Target(ctx, "orders "+strings.Join(ids, ", "))
	before := &orderv1.AdminListOrdersResponse{}
	res := &orderv1.BulkShipOrdersResponse{Results: make([]*orderv1.ShipResult, len(items))}
	for i, item := range items {
		result := &orderv1.ShipResult{OrderId: item.GetOrderId()}
		o, changed, err := s.ship(ctx, item.GetOrderId(), item.GetCarrier(), item.GetTrackingNumber(), func(o *orderv1.Order) {
			before.Orders = append(before.Orders, o)
		})
		switch {
		case err == nil && changed:
			result.Outcome, result.Order = orderv1.ShipOutcome_SHIP_OUTCOME_SHIPPED, o
		case err == nil:
			result.Outcome, result.Order = orderv1.ShipOutcome_SHIP_OUTCOME_ALREADY_SHIPPED, o
		default:
			result.Outcome, result.Reason = orderv1.ShipOutcome_SHIP_OUTCOME_REFUSED, s.refusal(ctx, item.GetOrderId(), err)
			if result.Reason != ReasonOrderNotFound {
				result.Order, _ = s.order(ctx, item.GetOrderId(), "")
			}
		}
		res.Results[i] = result
	}
	// The audit's before is the shipped orders as they were, in one
	// message (the listing's shape).
	audit.Before(ctx, before)
	audit.After(ctx, res)
	return connect.NewResponse(res), nil
}

// refusal is the ErrorInfo reason of why an order of a bulk action was
// refused; a failure that is not a refusal (the database) is logged and
// reported as INTERNAL, without its text.
func (s *Service) refusal(ctx context.Context, orderID string, err error) string {
	switch connect.CodeOf(err) {
	case connect.CodeNotFound, connect.CodeFailedPrecondition:
		if reason := rpcerr.Reason(err); reason != "" {
			return reason
		}
	}
	s.logger.ErrorContext(ctx, "bulk action on an order failed", "order_id", orderID, "err", err)
	return rpcerr.ReasonInternal
}

// MarkDelivered moves a shipped order to DELIVERED, then signals its saga so
// the auto-complete timer starts. The signal must arrive for the order to
// complete by itself, so a failure to send it is an error; the call is safe
// to repeat (the order stays DELIVERED and the signal goes again).
func (s *Service) MarkDelivered(ctx context.Context, req *connect.Request[orderv1.MarkDeliveredRequest]) (*connect.Response[orderv1.MarkDeliveredResponse], error) {
	orderID := req.Msg.GetOrderId()
	audit.Target(ctx, "order "+orderID)
	o, _, err := s.transition(ctx, transitionSpec{
		OrderID: orderID, To: orderv1.OrderStatus_ORDER_STATUS_DELIVERED, Reason: "delivered",
		Locked: func(before *orderv1.Order) { audit.Before(ctx, before) },
	})
	if err != nil {
		return nil, err
	}
	audit.After(ctx, o)
	if err := s.signal(ctx, orderID, checkout.SignalDelivered); err != nil {
		s.logger.ErrorContext(ctx, "signal delivered", "order_id", orderID, "err", err)
		return nil, errWorkflowUnavailable()
	}
	return connect.NewResponse(&orderv1.MarkDeliveredResponse{Order: o}), nil
}

// AdminGetOrder returns any order with the workflow ids of its sagas and
// where the Temporal Web UI is.
func (s *Service) AdminGetOrder(ctx context.Context, req *connect.Request[orderv1.AdminGetOrderRequest]) (*connect.Response[orderv1.AdminGetOrderResponse], error) {
	o, err := s.order(ctx, req.Msg.GetOrderId(), "")
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orderv1.AdminGetOrderResponse{
		Order: o, Sagas: sagasOf(o),
		TemporalUiUrl: strings.TrimRight(s.opts.TemporalUIURL, "/"), TemporalNamespace: s.opts.TemporalNamespace,
	}), nil
}

// sagasOf names the workflows o may have: a regular order's checkout saga,
// the payment saga of any order (it exists once someone tried to pay), and
// the refund saga once a refund was asked for.
func sagasOf(o *orderv1.Order) []*orderv1.OrderSaga {
	var sagas []*orderv1.OrderSaga
	if o.GetKind() == orderv1.OrderKind_ORDER_KIND_REGULAR {
		sagas = append(sagas, &orderv1.OrderSaga{Kind: orderv1.SagaKind_SAGA_KIND_CHECKOUT, WorkflowId: checkout.WorkflowID(o.GetOrderId())})
	}
	sagas = append(sagas, &orderv1.OrderSaga{Kind: orderv1.SagaKind_SAGA_KIND_PAYMENT, WorkflowId: payment.WorkflowID(o.GetOrderId())})
	if o.GetRefundState() != orderv1.RefundState_REFUND_STATE_UNSPECIFIED {
		sagas = append(sagas, &orderv1.OrderSaga{Kind: orderv1.SagaKind_SAGA_KIND_CANCELLATION, WorkflowId: cancellation.WorkflowID(o.GetOrderId())})
	}
	return sagas
}

// AdminCancelOrder cancels or refunds any order for operations, the way a
// buyer's cancel does (cancelOrder) but with the operator's reason and
// cause: an unpaid order is cancelled by its checkout saga (or here, for a
// flash-sale order) as CANCELLED_BY_OPERATIONS; a paid order that has not
// shipped is refunded by the cancellation saga. A refund under way is
// answered as it is; a refund the provider refused is retried elsewhere
// (REFUND_REFUSED); a closed or shipped order cannot be cancelled.
func (s *Service) AdminCancelOrder(ctx context.Context, req *connect.Request[orderv1.AdminCancelOrderRequest]) (*connect.Response[orderv1.AdminCancelOrderResponse], error) {
	orderID, reason := req.Msg.GetOrderId(), req.Msg.GetReason()
	audit.Target(ctx, "order "+orderID)
	o, err := s.order(ctx, orderID, "")
	if err != nil {
		return nil, err
	}
	audit.Before(ctx, o)
	after, err := s.cancelForOperations(ctx, o, reason)
	if err != nil {
		return nil, err
	}
	audit.After(ctx, after)
	return connect.NewResponse(&orderv1.AdminCancelOrderResponse{Order: after}), nil
}

func (s *Service) cancelForOperations(ctx context.Context, o *orderv1.Order, reason string) (*orderv1.Order, error) {
	switch o.GetStatus() {
	case orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT:
		if o.GetKind() == orderv1.OrderKind_ORDER_KIND_FLASH_SALE {
			return s.cancelFlashOrder(ctx, "", o, checkout.ReasonText(operationsReason+reason),
				orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_CANCELLED_BY_OPERATIONS)
		}
		err := s.temporal.SignalWorkflow(ctx, checkout.WorkflowID(o.GetOrderId()), "", checkout.SignalCancel,
			checkout.CancelSignal{Reason: reason, ByOperations: true})
		if isWorkflowNotFound(err) {
			return nil, rpcerr.New(connect.CodeFailedPrecondition, ReasonCheckoutNotRunning, "no checkout saga holds this order any more; it cannot be cancelled here")
		}
		if err != nil {
			s.logger.ErrorContext(ctx, "signal cancel", "order_id", o.GetOrderId(), "err", err)
			return nil, errWorkflowUnavailable()
		}
		return o, nil
	case orderv1.OrderStatus_ORDER_STATUS_PAID:
		if o.GetRefundState() == orderv1.RefundState_REFUND_STATE_REFUSED {
			return nil, rpcerr.New(connect.CodeFailedPrecondition, ReasonRefundRefused, "the payment provider refused this order's refund; retry the refund instead")
		}
		return s.refund(ctx, o.GetUserId(), o.GetOrderId(), operationsReason+reason)
	case orderv1.OrderStatus_ORDER_STATUS_CANCELLED, orderv1.OrderStatus_ORDER_STATUS_REFUNDED:
		return nil, rpcerr.New(connect.CodeFailedPrecondition, ReasonOrderClosed, "the order is "+statusName(o.GetStatus())+" already")
	}
	return nil, errShipped()
}

// operationsReason starts the history text of what operations cancelled.
const operationsReason = "cancelled by operations: "
