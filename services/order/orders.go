package order

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/uptrace/bun"

	orderv1 "mall/gen/mall/order/v1"
	"mall/services/platform/auth"
	"mall/services/platform/db"
	"mall/services/platform/rpcerr"
)

// Page sizes when the request leaves page_size at 0.
const (
	defaultPageSize         = 20
	defaultInternalPageSize = 100
)

// errOrderExists ends CreateOrder's transaction when the order is there.
var errOrderExists = errors.New("order exists")

// CreateOrder creates a regular order as PENDING_PAYMENT, with lines and
// total computed here from the priced inputs, unless the buyer is at a cap
// on unpaid orders or units (failed_precondition: the saga releases the
// stock and tells the buyer). It is idempotent by order id: a repeat
// returns the existing order with created = false (the same id for another
// user is a conflict).
func (s *Service) CreateOrder(ctx context.Context, req *connect.Request[orderv1.CreateOrderRequest]) (*connect.Response[orderv1.CreateOrderResponse], error) {
	at := now()
	row, lines, first, units := draftOrder(req.Msg, at)
	err := db.InTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		// Under the buyer's lock the caps are exact however many of their
		// sagas reach this step at once; a repeat is answered below.
		if err := lockBuyer(ctx, tx, row.UserID, at); err != nil {
			return err
		}
		if _, err := selectOrder(ctx, tx, row.ID, false); err == nil {
			return errOrderExists
		} else if !isNoRows(err) {
			return err
		}
		if err := s.checkHoldings(ctx, tx, row.UserID, units, connect.CodeFailedPrecondition); err != nil {
			return err
		}
		return insertOrder(ctx, tx, row, lines, first)
	})
	if db.IsDuplicate(err) || errors.Is(err, errOrderExists) {
		existing, existingRow, err := loadOrder(ctx, s.db, row.ID)
		if err != nil {
			return nil, err
		}
		if existingRow.UserID != row.UserID {
			return nil, rpcerr.New(connect.CodeAlreadyExists, ReasonOrderIDConflict, "order id already used by another order")
		}
		return connect.NewResponse(&orderv1.CreateOrderResponse{Order: existing}), nil
	}
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orderv1.CreateOrderResponse{Order: orderProto(row, lines, []historyRow{*first}), Created: true}), nil
}

// draftOrder is the regular order msg asks for, as CreateOrder inserts it
// at at: PENDING_PAYMENT, its lines numbered from 1 in request order, the
// total of their prices times quantities, the history's first entry (from
// UNSPECIFIED), and the units it holds (for the unpaid-units cap).
func draftOrder(msg *orderv1.CreateOrderRequest, at time.Time) (*orderRow, []lineRow, *historyRow, int64) {
	row := &orderRow{
		ID: msg.GetOrderId(), UserID: msg.GetUserId(),
		Status: int32(orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT), Kind: int32(orderv1.OrderKind_ORDER_KIND_REGULAR),
		ShippingAddress: addressOf(msg.GetShippingAddress()),
		PaymentDeadline: sql.NullTime{Time: msg.GetPaymentDeadline().AsTime().UTC().Truncate(time.Microsecond), Valid: true},
		ReservationID:   msg.GetReservationId(),
		CreatedAt:       at, UpdatedAt: at,
	}
	lines := make([]lineRow, len(msg.GetLines()))
	var units int64
	for i, in := range msg.GetLines() {
		lines[i] = lineRow{
			OrderID: row.ID, LineNo: int32(i + 1), ProductID: in.GetProductId(), CategoryID: in.GetCategoryId(),
			Title: in.GetTitle(), ImageURL: in.GetImageUrl(), UnitPriceCents: in.GetUnitPriceCents(), Quantity: in.GetQuantity(),
		}
		// At most 100 lines of 1e11 cents x 1e4 each: far below int64's limit.
		row.TotalCents += in.GetUnitPriceCents() * int64(in.GetQuantity())
		units += int64(in.GetQuantity())
	}
	first := &historyRow{
		OrderID: row.ID, FromStatus: int32(orderv1.OrderStatus_ORDER_STATUS_UNSPECIFIED), ToStatus: row.Status,
		Reason: "order created", Cause: int32(orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_ORDER_CREATED), OccurredAt: at,
	}
	return row, lines, first, units
}

// GetOrder returns one of the caller's orders; another user's order is not
// found (it does not reveal that the id exists).
func (s *Service) GetOrder(ctx context.Context, req *connect.Request[orderv1.GetOrderRequest]) (*connect.Response[orderv1.GetOrderResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	o, err := s.order(ctx, req.Msg.GetOrderId(), userID)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orderv1.GetOrderResponse{Order: o}), nil
}

// GetOrderInternal returns any order, for the services that act on it.
func (s *Service) GetOrderInternal(ctx context.Context, req *connect.Request[orderv1.GetOrderInternalRequest]) (*connect.Response[orderv1.GetOrderInternalResponse], error) {
	o, err := s.order(ctx, req.Msg.GetOrderId(), "")
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orderv1.GetOrderInternalResponse{Order: o}), nil
}

// order returns an order. With ownerID set, another user's order is not
// found (it does not reveal that the id exists).
func (s *Service) order(ctx context.Context, orderID, ownerID string) (*orderv1.Order, error) {
	o, row, err := loadOrder(ctx, s.db, orderID)
	if isNoRows(err) || (err == nil && ownerID != "" && row.UserID != ownerID) {
		return nil, errOrderNotFound()
	}
	return o, err
}

// ListOrders returns a page of the caller's orders, newest first.
func (s *Service) ListOrders(ctx context.Context, req *connect.Request[orderv1.ListOrdersRequest]) (*connect.Response[orderv1.ListOrdersResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	orders, next, err := s.listOrders(ctx, listFilter{
		UserID: userID, Statuses: req.Msg.GetStatuses(), WithRefund: req.Msg.GetWithRefund(),
		PageSize: pageSize(req.Msg.GetPageSize(), defaultPageSize), PageToken: req.Msg.GetPageToken(),
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orderv1.ListOrdersResponse{Orders: orders, NextPageToken: next}), nil
}

// CountOrders counts the caller's orders per status and those with a
// refund, with one grouped query over the caller's rows of one index.
func (s *Service) CountOrders(ctx context.Context, _ *connect.Request[orderv1.CountOrdersRequest]) (*connect.Response[orderv1.CountOrdersResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	groups, err := countOrders(ctx, s.db, userID)
	if err != nil {
		return nil, err
	}
	res := &orderv1.CountOrdersResponse{}
	for _, g := range groups {
		res.Total += g.N
		if g.RefundState != int32(orderv1.RefundState_REFUND_STATE_UNSPECIFIED) {
			res.WithRefund += g.N
		}
		switch orderv1.OrderStatus(g.Status) {
		case orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT:
			res.PendingPayment += g.N
		case orderv1.OrderStatus_ORDER_STATUS_PAID:
			res.Paid += g.N
		case orderv1.OrderStatus_ORDER_STATUS_SHIPPED:
			res.Shipped += g.N
		case orderv1.OrderStatus_ORDER_STATUS_DELIVERED:
			res.Delivered += g.N
		case orderv1.OrderStatus_ORDER_STATUS_COMPLETED:
			res.Completed += g.N
		case orderv1.OrderStatus_ORDER_STATUS_CANCELLED:
			res.Cancelled += g.N
		case orderv1.OrderStatus_ORDER_STATUS_REFUNDED:
			res.Refunded += g.N
		}
	}
	return connect.NewResponse(res), nil
}

// AdminListOrders returns a page of every order matching the filters
// (user, status, kind, creation time, product, order id), newest first.
func (s *Service) AdminListOrders(ctx context.Context, req *connect.Request[orderv1.AdminListOrdersRequest]) (*connect.Response[orderv1.AdminListOrdersResponse], error) {
	msg := req.Msg
	f := listFilter{
		UserID: msg.GetUserId(), Statuses: msg.GetStatuses(), Kind: msg.GetKind(),
		ProductID: msg.GetProductId(), OrderID: msg.GetOrderId(),
		PageSize: pageSize(msg.GetPageSize(), defaultPageSize), PageToken: msg.GetPageToken(),
	}
	// An invalid timestamp (a year past 9999, negative nanos) would be read
	// as some other time and list orders nobody asked for.
	if after := msg.GetCreatedAfter(); after != nil {
		if after.CheckValid() != nil {
			return nil, errBadTimeRange("created_after")
		}
		f.CreatedAfter = after.AsTime()
	}
	if before := msg.GetCreatedBefore(); before != nil {
		if before.CheckValid() != nil {
			return nil, errBadTimeRange("created_before")
		}
		f.CreatedBefore = before.AsTime()
	}
	orders, next, err := s.listOrders(ctx, f)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orderv1.AdminListOrdersResponse{Orders: orders, NextPageToken: next}), nil
}

// ListOrdersInternal returns a page of the orders the sweepers and
// reconcilers ask for (by user, sale, kind, status, payment deadline),
// newest first.
func (s *Service) ListOrdersInternal(ctx context.Context, req *connect.Request[orderv1.ListOrdersInternalRequest]) (*connect.Response[orderv1.ListOrdersInternalResponse], error) {
	f := listFilter{
		UserID: req.Msg.GetUserId(), SeckillEventID: req.Msg.GetSeckillEventId(), Kind: req.Msg.GetKind(),
		Statuses: req.Msg.GetStatuses(), RefundStates: req.Msg.GetRefundStates(), PageToken: req.Msg.GetPageToken(),
		PageSize: pageSize(req.Msg.GetPageSize(), defaultInternalPageSize),
	}
	if req.Msg.GetPaymentDeadlineBefore() != nil {
		f.DeadlineBefore = req.Msg.GetPaymentDeadlineBefore().AsTime()
	}
	if req.Msg.GetPaymentDeadlineAfter() != nil {
		f.DeadlineAfter = req.Msg.GetPaymentDeadlineAfter().AsTime()
	}
	orders, next, err := s.listOrders(ctx, f)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orderv1.ListOrdersInternalResponse{Orders: orders, NextPageToken: next}), nil
}

// listOrders returns a page of orders matching f, newest first.
func (s *Service) listOrders(ctx context.Context, f listFilter) ([]*orderv1.Order, string, error) {
	rows, next, err := queryOrders(ctx, s.db, f)
	if err != nil {
		return nil, "", err
	}
	orders, err := hydrate(ctx, s.db, rows)
	return orders, next, err
}

func pageSize(requested int32, fallback int) int {
	if requested <= 0 {
		return fallback
	}
	return int(requested)
}

// transitionSpec is one status change.
type transitionSpec struct {
	OrderID string
	To      orderv1.OrderStatus
	Reason  string
	// Cause is recorded with Reason; UNSPECIFIED means the usual cause of a
	// move to To (defaultCause).
	Cause orderv1.StatusChangeCause
	// OwnerID, when set, makes another user's order not found.
	OwnerID string
	// From, when set, is a guard: the order must be in one of these statuses
	// (or already in To).
	From []orderv1.OrderStatus
	// Check, when set, may refuse the change after the row is locked.
	Check func(row *orderRow) error
	// Apply sets the columns a change writes besides status and updated_at,
	// and returns their names.
	Apply func(row *orderRow) []string
	// Locked, when set, is shown the order as it is once locked, before
	// anything changes (what an operator's audit entry calls its before).
	Locked func(before *orderv1.Order)
}

// TransitionOrder moves an order for the sagas and sweepers (transition),
// optionally guarded by the statuses it may leave.
func (s *Service) TransitionOrder(ctx context.Context, req *connect.Request[orderv1.TransitionOrderRequest]) (*connect.Response[orderv1.TransitionOrderResponse], error) {
	o, changed, err := s.transition(ctx, transitionSpec{
		OrderID: req.Msg.GetOrderId(), To: req.Msg.GetToStatus(), Reason: req.Msg.GetReason(), Cause: req.Msg.GetCause(),
		From: req.Msg.GetFromStatuses(),
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orderv1.TransitionOrderResponse{Order: o, Changed: changed}), nil
}

// transition moves an order to spec.To through the state machine, in one
// transaction that locks the order row: an order already in To is returned
// unchanged (changed = false, no history entry); a guard miss or a move the
// machine forbids is failed_precondition; otherwise the status changes and
// the history gains an entry with the time and reason.
func (s *Service) transition(ctx context.Context, spec transitionSpec) (*orderv1.Order, bool, error) {
	var result *orderv1.Order
	var changed bool
	var from orderv1.OrderStatus
	err := db.InTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		changed = false
		row, err := selectOrder(ctx, tx, spec.OrderID, true)
		if isNoRows(err) || (err == nil && spec.OwnerID != "" && row.UserID != spec.OwnerID) {
			return errOrderNotFound()
		}
		if err != nil {
			return err
		}
		from = orderv1.OrderStatus(row.Status)
		if spec.Locked != nil {
			before, err := hydrate(ctx, tx, []orderRow{*row})
			if err != nil {
				return err
			}
			spec.Locked(before[0])
		}
		if from != spec.To {
			if err := applyTransition(ctx, tx, row, spec); err != nil {
				return err
			}
			changed = true
		}
		orders, err := hydrate(ctx, tx, []orderRow{*row})
		if err != nil {
			return err
		}
		result = orders[0]
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	if changed {
		statusChanges.WithLabelValues(statusName(from), statusName(spec.To)).Inc()
		s.publishChange(ctx, spec.OrderID)
	}
	return result, changed, nil
}

// applyTransition moves row (locked by tx) from its status to spec.To, if
// spec and the machine allow it, and records the history entry.
func applyTransition(ctx context.Context, tx bun.Tx, row *orderRow, spec transitionSpec) error {
	from := orderv1.OrderStatus(row.Status)
	if err := refuseTransition(row, spec); err != nil {
		return err
	}
	at := now()
	row.Status, row.UpdatedAt = int32(spec.To), at
	var columns []string
	if spec.Apply != nil {
		columns = spec.Apply(row)
	}
	if spec.To == orderv1.OrderStatus_ORDER_STATUS_REFUNDED {
		// However it came about, a refunded order is one the buyer was
		// refunded for: the after-sale tab lists it.
		row.RefundState, row.RefundedAt = int32(orderv1.RefundState_REFUND_STATE_REFUNDED), sql.NullTime{Time: at, Valid: true}
		if !row.RefundRequestedAt.Valid {
			row.RefundRequestedAt = row.RefundedAt
		}
		columns = append(columns, "refund_state", "refunded_at", "refund_requested_at")
	}
	cause := spec.Cause
	if cause == orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_UNSPECIFIED {
		cause = defaultCause(spec.To)
	}
	entry := &historyRow{OrderID: row.ID, FromStatus: int32(from), ToStatus: int32(spec.To), Reason: spec.Reason, Cause: int32(cause), OccurredAt: at}
	return updateStatus(ctx, tx, row, entry, columns...)
}

// defaultCause is the cause of a move to status when its caller named
// none: the one cause there is for a status reached one way only; a
// cancel or a completion may have several, and stays UNSPECIFIED.
func defaultCause(to orderv1.OrderStatus) orderv1.StatusChangeCause {
	switch to {
	case orderv1.OrderStatus_ORDER_STATUS_PAID:
		return orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_PAID
	case orderv1.OrderStatus_ORDER_STATUS_SHIPPED:
		return orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_SHIPPED
	case orderv1.OrderStatus_ORDER_STATUS_DELIVERED:
		return orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_DELIVERED
	case orderv1.OrderStatus_ORDER_STATUS_REFUNDED:
		return orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_REFUNDED
	}
	return orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_UNSPECIFIED
}

// refuseTransition is why spec may not move row from its status (nil: it
// may), asked in this order: spec's guard, the state machine, spec.Check.
func refuseTransition(row *orderRow, spec transitionSpec) error {
	from := orderv1.OrderStatus(row.Status)
	if len(spec.From) > 0 && !slices.Contains(spec.From, from) {
		return rpcerr.New(connect.CodeFailedPrecondition, ReasonStatusMismatch,
			"the order is "+statusName(from)+", not in the expected statuses")
	}
	if err := checkTransition(from, spec.To); err != nil {
		return err
	}
	if spec.Check != nil {
		return spec.Check(row)
	}
	return nil
}

// statusChanges counts status changes: the outcomes of the sagas that make
// them (PENDING_PAYMENT→PAID a checkout paid, →CANCELLED one compensated or
// expired, PAID→REFUNDED a cancellation, DELIVERED→COMPLETED a receipt).
var statusChanges = promauto.NewCounterVec(prometheus.CounterOpts{
	Name: "mall_order_transitions_total",
	Help: "Order status changes, by from and to status.",
}, []string{"from", "to"})
