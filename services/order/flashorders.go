package order

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/uptrace/bun"

	orderv1 "mall/gen/mall/order/v1"
	productv1 "mall/gen/mall/product/v1"
	seckillv1 "mall/gen/mall/seckill/v1"
	"mall/services/platform/db"
	"mall/services/platform/rpcerr"
)

// FlashOrderID is the order id of a flash-sale purchase: a function of the
// event and the buyer, who may have one order per event, so a purchase
// written twice names one order.
func FlashOrderID(eventID, userID string) string {
	sum := sha256.Sum256([]byte("flash\x00" + eventID + "\x00" + userID))
	return "o-" + hex.EncodeToString(sum[:12])
}

// flashOrderRows are the orders, of one line each, that a batch of
// purchases asks for at at, sorted by order id, and the inputs' order ids
// in input order. An order costs its unit price times its quantity.
func flashOrderRows(inputs []*orderv1.FlashSaleOrderInput, at time.Time) ([]string, []orderRow, []lineRow) {
	ids := make([]string, len(inputs))
	var rows []orderRow
	var lines []lineRow
	seen := map[string]bool{}
	for i, in := range inputs {
		ids[i] = FlashOrderID(in.GetSeckillEventId(), in.GetUserId())
		if seen[ids[i]] { // the same purchase twice in one batch
			continue
		}
		seen[ids[i]] = true
		// The reservation id is the order id: the units the order's payment
		// confirms from its sale's allocation are that reservation, so a
		// refund releases them like a checkout's.
		rows = append(rows, orderRow{
			ID: ids[i], UserID: in.GetUserId(), Status: int32(orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT),
			Kind: int32(orderv1.OrderKind_ORDER_KIND_FLASH_SALE), TotalCents: in.GetUnitPriceCents() * int64(in.GetQuantity()),
			ShippingAddress: addressOf(in.GetShippingAddress()),
			PaymentDeadline: sql.NullTime{Time: in.GetPaymentDeadline().AsTime().UTC().Truncate(time.Microsecond), Valid: true},
			SeckillEventID:  sql.NullString{String: in.GetSeckillEventId(), Valid: true},
			ReservationID:   ids[i],
			CreatedAt:       at, UpdatedAt: at,
		})
		lines = append(lines, lineRow{OrderID: ids[i], LineNo: 1, ProductID: in.GetProductId(), CategoryID: in.GetCategoryId(),
			Title: in.GetTitle(), ImageURL: in.GetImageUrl(), UnitPriceCents: in.GetUnitPriceCents(), Quantity: in.GetQuantity()})
	}
	// One lock order for every writer (by order id), so overlapping
	// batches wait for each other instead of deadlocking.
	slices.SortFunc(rows, func(a, b orderRow) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(lines, func(a, b lineRow) int { return strings.Compare(a.OrderID, b.OrderID) })
	return ids, rows, lines
}

// CreateFlashSaleOrders writes a batch of accepted flash-sale purchases as
// PENDING_PAYMENT orders: one multi-row INSERT IGNORE for the orders and
// one for their lines, made idempotent by the unique key (event, user) and
// the derived order id. The creation history is written only for the
// orders this call created: the batch's order rows are locked after the
// insert, so concurrent writers with overlapping batches (after a
// rebalance) take turns and the second sees the first's history. Results
// come back in input order; a purchase whose order existed has created =
// false.
func (s *Service) CreateFlashSaleOrders(ctx context.Context, req *connect.Request[orderv1.CreateFlashSaleOrdersRequest]) (*connect.Response[orderv1.CreateFlashSaleOrdersResponse], error) {
	inputs := req.Msg.GetOrders()
	at := now()
	ids, rows, lines := flashOrderRows(inputs, at)
	created := map[string]bool{}
	err := db.InTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		clear(created)
		// Fresh copies on every attempt: a retried transaction must not see
		// what bun wrote back into the models on a failed one.
		if err := insertOrdersIfAbsent(ctx, tx, slices.Clone(rows), slices.Clone(lines)); err != nil {
			return err
		}
		unique := make([]string, len(rows))
		for i := range rows {
			unique[i] = rows[i].ID
		}
		if err := lockOrders(ctx, tx, unique); err != nil {
			return err
		}
		recorded, err := createdOrders(ctx, tx, unique)
		if err != nil {
			return err
		}
		has := map[string]bool{}
		for _, id := range recorded {
			has[id] = true
		}
		var history []historyRow
		for _, id := range unique {
			if !has[id] {
				created[id] = true
				history = append(history, historyRow{OrderID: id, FromStatus: int32(orderv1.OrderStatus_ORDER_STATUS_UNSPECIFIED),
					ToStatus: int32(orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT), Reason: "flash-sale purchase",
					Cause: int32(orderv1.StatusChangeCause_STATUS_CHANGE_CAUSE_ORDER_CREATED), OccurredAt: at})
			}
		}
		if len(history) == 0 {
			return nil
		}
		return insertHistory(ctx, tx, history)
	})
	if err != nil {
		return nil, err
	}
	results := make([]*orderv1.FlashSaleOrderResult, len(inputs))
	for i, in := range inputs {
		results[i] = &orderv1.FlashSaleOrderResult{Ticket: in.GetTicket(), OrderId: ids[i], Created: created[ids[i]]}
		created[ids[i]] = false // a repeat within the batch did not create it
	}
	return connect.NewResponse(&orderv1.CreateFlashSaleOrdersResponse{Results: results}), nil
}

// productUnitsConfirmed is the product service's reason for refusing to
// release units a payment has confirmed, as it names it.
const productUnitsConfirmed = "UNITS_CONFIRMED"

// cancelFlashOrder cancels an unpaid flash-sale order (one of userID's
// when userID is set) for cause, in the sweeper's order: first its units' claim is released at the catalog, so
// a payment racing in can no longer confirm them (and a payment that got
// there first refuses the cancel: it is being paid); then the order is
// CANCELLED; then its units go back to the sale, once (ReleasePurchase is
// idempotent, and the sweeper releases recent cancellations again if this
// last step fails).
func (s *Service) cancelFlashOrder(ctx context.Context, userID string, o *orderv1.Order, reason string, cause orderv1.StatusChangeCause) (*orderv1.Order, error) {
	quantity := flashQuantity(o)
	_, err := s.flash.Products.ReleaseAllocatedStock(ctx, connect.NewRequest(&productv1.ReleaseAllocatedStockRequest{
		AllocationId: o.GetSeckillEventId(), OrderId: o.GetOrderId(), Quantity: quantity}))
	switch {
	case rpcerr.Reason(err) == productUnitsConfirmed:
		return nil, rpcerr.New(connect.CodeFailedPrecondition, ReasonPaymentInProgress,
			"this order's payment is being recorded; once it is paid, cancel it for a refund")
	case err != nil:
		return nil, rpcerr.Upstream(ctx, s.logger, "ProductService.ReleaseAllocatedStock", err, ReasonUpstreamUnavailable,
			"the order could not be cancelled right now; try again")
	}
	cancelled, _, err := s.transition(ctx, transitionSpec{OrderID: o.GetOrderId(), OwnerID: userID,
		To: orderv1.OrderStatus_ORDER_STATUS_CANCELLED, Reason: reason, Cause: cause,
		From: []orderv1.OrderStatus{orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT}})
	if err != nil {
		return nil, err
	}
	if _, err := s.flash.Seckill.ReleasePurchase(ctx, connect.NewRequest(&seckillv1.ReleasePurchaseRequest{
		EventId: o.GetSeckillEventId(), UserId: o.GetUserId(), OrderId: o.GetOrderId(), Quantity: quantity})); err != nil {
		s.logger.WarnContext(ctx, "return a cancelled flash-sale order's units to its sale (the sweeper retries)", "order_id", o.GetOrderId(),
			"call", "SeckillService.ReleasePurchase", "code", connect.CodeOf(err).String(), "reason", rpcerr.Reason(err), "err", err)
	}
	return cancelled, nil
}

// flashQuantity is the units of a flash-sale order (one line).
func flashQuantity(o *orderv1.Order) int32 {
	var n int32
	for _, l := range o.GetLines() {
		n += l.GetQuantity()
	}
	return max(n, 1)
}

// CountFlashSaleOrders counts a flash sale's orders and units by status,
// in one grouped query.
func (s *Service) CountFlashSaleOrders(ctx context.Context, req *connect.Request[orderv1.CountFlashSaleOrdersRequest]) (*connect.Response[orderv1.CountFlashSaleOrdersResponse], error) {
	groups, err := countFlashSaleOrders(ctx, s.db, req.Msg.GetSeckillEventId())
	if err != nil {
		return nil, err
	}
	res := &orderv1.CountFlashSaleOrdersResponse{}
	for _, g := range groups {
		res.Counts = append(res.Counts, &orderv1.OrderStatusCount{Status: orderv1.OrderStatus(g.Status), Orders: g.Orders, Units: g.Units})
	}
	return connect.NewResponse(res), nil
}
