package order

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	orderv1 "mall/gen/mall/order/v1"
)

// This file holds the order database's queries; the logic files decide when
// to use them.

// insertOrder writes a new order with its lines and first history entry. A
// taken order id (or flash-sale (event, user)) fails with a duplicate-key error.
func insertOrder(ctx context.Context, tx bun.Tx, row *orderRow, lines []lineRow, first *historyRow) error {
	if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
		return err
	}
	if _, err := tx.NewInsert().Model(&lines).Exec(ctx); err != nil {
		return err
	}
	_, err := tx.NewInsert().Model(first).Exec(ctx)
	return err
}

// insertOrdersIfAbsent writes orders and their lines with INSERT IGNORE:
// an order whose id or (event, user) exists is left as it is.
func insertOrdersIfAbsent(ctx context.Context, tx bun.Tx, rows []orderRow, lines []lineRow) error {
	if _, err := tx.NewInsert().Model(&rows).Ignore().Exec(ctx); err != nil {
		return err
	}
	_, err := tx.NewInsert().Model(&lines).Ignore().Exec(ctx)
	return err
}

// lockOrders locks the rows of ids for the rest of tx, in id order.
func lockOrders(ctx context.Context, tx bun.Tx, ids []string) error {
	var locked []string
	return tx.NewSelect().Model((*orderRow)(nil)).Column("id").Where("id IN (?)", bun.List(ids)).OrderExpr("id").For("UPDATE").Scan(ctx, &locked)
}

// createdOrders returns those of ids whose history has its creation entry.
func createdOrders(ctx context.Context, db bun.IDB, ids []string) ([]string, error) {
	var recorded []string
	err := db.NewSelect().Model((*historyRow)(nil)).Column("order_id").Where("order_id IN (?)", bun.List(ids)).
		Where("from_status = ?", int32(orderv1.OrderStatus_ORDER_STATUS_UNSPECIFIED)).Scan(ctx, &recorded)
	return recorded, err
}

// insertHistory appends history entries.
func insertHistory(ctx context.Context, tx bun.Tx, entries []historyRow) error {
	_, err := tx.NewInsert().Model(&entries).Exec(ctx)
	return err
}

// lockBuyer takes the buyer's lock for the rest of tx: the upsert holds
// the row's exclusive lock until commit, so one buyer's order creations
// take turns.
func lockBuyer(ctx context.Context, tx bun.Tx, userID string, at time.Time) error {
	_, err := tx.ExecContext(ctx,
		"INSERT INTO buyer_locks (user_id, updated_at) VALUES (?, ?) ON DUPLICATE KEY UPDATE updated_at = ?", userID, at, at)
	return err
}

// unpaidHoldings counts a buyer's PENDING_PAYMENT orders and the units on them.
func unpaidHoldings(ctx context.Context, db bun.IDB, userID string) (orders, units int64, err error) {
	err = db.NewSelect().TableExpr("orders AS o").Join("JOIN order_lines AS l ON l.order_id = o.id").
		ColumnExpr("COUNT(DISTINCT o.id), COALESCE(SUM(l.quantity), 0)").
		Where("o.user_id = ?", userID).Where("o.status = ?", int32(orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT)).
		Scan(ctx, &orders, &units)
	return orders, units, err
}

// selectOrder reads one order row; lock takes it FOR UPDATE. A missing order
// is sql.ErrNoRows.
func selectOrder(ctx context.Context, db bun.IDB, id string, lock bool) (*orderRow, error) {
	row := &orderRow{}
	q := db.NewSelect().Model(row).Where("id = ?", id)
	if lock {
		q = q.For("UPDATE")
	}
	return row, q.Scan(ctx)
}

// updateStatus writes a row's new status (and the extra columns a
// transition sets) and appends the history entry.
func updateStatus(ctx context.Context, tx bun.Tx, row *orderRow, entry *historyRow, columns ...string) error {
	columns = append([]string{"status", "updated_at"}, columns...)
	if _, err := tx.NewUpdate().Model(row).Column(columns...).WherePK().Exec(ctx); err != nil {
		return err
	}
	_, err := tx.NewInsert().Model(entry).Exec(ctx)
	return err
}

// markRefundRequested sets refund_requested_at on one of userID's orders if
// it is PAID; it reports whether the order is (now or already) marked. The
// row update serializes with ShipOrder's locked transition.
func markRefundRequested(ctx context.Context, db bun.IDB, orderID, userID string, at time.Time) (bool, error) {
	res, err := db.NewUpdate().Model((*orderRow)(nil)).
		Set("refund_requested_at = COALESCE(refund_requested_at, ?)", at).
		Set("refund_state = IF(refund_state = 0, ?, refund_state)", int32(orderv1.RefundState_REFUND_STATE_REQUESTED)).
		Set("updated_at = ?", at).
		Where("id = ?", orderID).Where("user_id = ?", userID).
		Where("status = ?", int32(orderv1.OrderStatus_ORDER_STATUS_PAID)).Exec(ctx)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// markRefundRefused records that the provider refused the refund of an
// order whose buyer asked for one and that is still PAID, once.
func markRefundRefused(ctx context.Context, db bun.IDB, orderID string, at time.Time) error {
	_, err := db.NewUpdate().Model((*orderRow)(nil)).
		Set("refund_state = ?", int32(orderv1.RefundState_REFUND_STATE_REFUSED)).
		Set("refund_refused_at = ?", at).Set("updated_at = ?", at).
		Where("id = ?", orderID).Where("status = ?", int32(orderv1.OrderStatus_ORDER_STATUS_PAID)).
		Where("refund_requested_at IS NOT NULL").
		Where("refund_state <> ?", int32(orderv1.RefundState_REFUND_STATE_REFUSED)).Exec(ctx)
	return err
}

// markRefundRetried asks again for a refund the provider refused: a PAID
// order's refund_state goes from REFUSED back to REQUESTED, with its refund
// run owed. It reports whether this call changed it.
func markRefundRetried(ctx context.Context, db bun.IDB, orderID string, at time.Time) (bool, error) {
	res, err := db.NewUpdate().Model((*orderRow)(nil)).
		Set("refund_state = ?", int32(orderv1.RefundState_REFUND_STATE_REQUESTED)).
		Set("refund_run_owed = 1").Set("updated_at = ?", at).
		Where("id = ?", orderID).Where("status = ?", int32(orderv1.OrderStatus_ORDER_STATUS_PAID)).
		Where("refund_state = ?", int32(orderv1.RefundState_REFUND_STATE_REFUSED)).Exec(ctx)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// refundRunStarted notes that the refund run a retry owed has started.
func refundRunStarted(ctx context.Context, db bun.IDB, orderID string) error {
	_, err := db.NewUpdate().Model((*orderRow)(nil)).Set("refund_run_owed = 0").
		Where("id = ?", orderID).Where("refund_run_owed = 1").Exec(ctx)
	return err
}

// orderGroup is one group of countOrders: how many of a user's orders are
// in a status with a refund state.
type orderGroup struct {
	Status      int32 `bun:"status"`
	RefundState int32 `bun:"refund_state"`
	N           int64 `bun:"n"`
}

// countOrders counts a user's orders by status and refund state.
func countOrders(ctx context.Context, db bun.IDB, userID string) ([]orderGroup, error) {
	var groups []orderGroup
	err := countOrdersQuery(db, userID).Scan(ctx, &groups)
	return groups, err
}

// countOrdersQuery is countOrders' statement: the index (user_id, status,
// refund_state) answers it alone, a range of the user's entries already
// in group order.
func countOrdersQuery(db bun.IDB, userID string) *bun.SelectQuery {
	return db.NewSelect().Model((*orderRow)(nil)).ColumnExpr("status, refund_state, COUNT(*) AS n").
		Where("user_id = ?", userID).GroupExpr("status, refund_state")
}

// hydrate loads the lines and history of rows with one query each and
// returns the orders in the rows' order.
func hydrate(ctx context.Context, db bun.IDB, rows []orderRow) ([]*orderv1.Order, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]string, len(rows))
	for i := range rows {
		ids[i] = rows[i].ID
	}
	var lines []lineRow
	if err := db.NewSelect().Model(&lines).Where("order_id IN (?)", bun.List(ids)).Order("order_id", "line_no").Scan(ctx); err != nil {
		return nil, err
	}
	var history []historyRow
	if err := db.NewSelect().Model(&history).Where("order_id IN (?)", bun.List(ids)).Order("order_id", "id").Scan(ctx); err != nil {
		return nil, err
	}
	linesOf := map[string][]lineRow{}
	for _, l := range lines {
		linesOf[l.OrderID] = append(linesOf[l.OrderID], l)
	}
	historyOf := map[string][]historyRow{}
	for _, h := range history {
		historyOf[h.OrderID] = append(historyOf[h.OrderID], h)
	}
	out := make([]*orderv1.Order, len(rows))
	for i := range rows {
		out[i] = orderProto(&rows[i], linesOf[rows[i].ID], historyOf[rows[i].ID])
	}
	return out, nil
}

// loadOrder reads one whole order; a missing one is sql.ErrNoRows.
func loadOrder(ctx context.Context, db bun.IDB, id string) (*orderv1.Order, *orderRow, error) {
	row, err := selectOrder(ctx, db, id, false)
	if err != nil {
		return nil, nil, err
	}
	orders, err := hydrate(ctx, db, []orderRow{*row})
	if err != nil {
		return nil, nil, err
	}
	return orders[0], row, nil
}

// listFilter selects orders for the listings; zero fields do not filter.
type listFilter struct {
	UserID         string
	SeckillEventID string
	Kind           orderv1.OrderKind
	Statuses       []orderv1.OrderStatus
	DeadlineBefore time.Time
	DeadlineAfter  time.Time
	WithRefund     bool
	CreatedAfter   time.Time // inclusive
	CreatedBefore  time.Time // exclusive
	ProductID      string    // orders with a line of it
	OrderID        string
	RefundStates   []orderv1.RefundState
	PageSize       int
	PageToken      string
}

// queryOrders reads one page of orders newest first (by seq, which is
// unique, so pages never repeat or skip an order) and the next page token.
func queryOrders(ctx context.Context, db bun.IDB, f listFilter) ([]orderRow, string, error) {
	q, err := ordersQuery(db, f)
	if err != nil {
		return nil, "", err
	}
	var rows []orderRow
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, "", err
	}
	next := ""
	if len(rows) > f.PageSize {
		rows = rows[:f.PageSize]
		next = encodePageToken(rows[f.PageSize-1].Seq)
	}
	return rows, next, nil
}

// ordersQuery is queryOrders' statement: one page and one row more (which
// says whether there is a next page). Every filter is a condition on the
// orders' own columns, so the page token's seq bound holds with any of them.
func ordersQuery(db bun.IDB, f listFilter) (*bun.SelectQuery, error) {
	q := db.NewSelect().Model((*orderRow)(nil)).OrderExpr("seq DESC").Limit(f.PageSize + 1)
	if f.PageToken != "" {
		after, err := decodePageToken(f.PageToken)
		if err != nil {
			return nil, err
		}
		q = q.Where("seq < ?", after)
	}
	if f.UserID != "" {
		q = q.Where("user_id = ?", f.UserID)
	}
	if f.SeckillEventID != "" {
		q = q.Where("seckill_event_id = ?", f.SeckillEventID)
	}
	if f.Kind != orderv1.OrderKind_ORDER_KIND_UNSPECIFIED {
		q = q.Where("kind = ?", int32(f.Kind))
	}
	if len(f.Statuses) > 0 {
		statuses := make([]int32, len(f.Statuses))
		for i, s := range f.Statuses {
			statuses[i] = int32(s)
		}
		q = q.Where("status IN (?)", bun.List(statuses))
	}
	if len(f.RefundStates) > 0 {
		states := make([]int32, len(f.RefundStates))
		for i, s := range f.RefundStates {
			states[i] = int32(s)
		}
		q = q.Where("refund_state IN (?)", bun.List(states))
	}
	if !f.DeadlineBefore.IsZero() {
		q = q.Where("payment_deadline < ?", f.DeadlineBefore.UTC())
	}
	if !f.DeadlineAfter.IsZero() {
		q = q.Where("payment_deadline >= ?", f.DeadlineAfter.UTC())
	}
	if f.WithRefund {
		q = q.Where("refund_state <> ?", int32(orderv1.RefundState_REFUND_STATE_UNSPECIFIED))
	}
	if !f.CreatedAfter.IsZero() {
		q = q.Where("created_at >= ?", f.CreatedAfter.UTC())
	}
	if !f.CreatedBefore.IsZero() {
		q = q.Where("created_at < ?", f.CreatedBefore.UTC())
	}
	if f.OrderID != "" {
		q = q.Where("id = ?", f.OrderID)
	}
	if f.ProductID != "" {
		q = q.Where("id IN (?)", db.NewSelect().Model((*lineRow)(nil)).Column("order_id").Where("product_id = ?", f.ProductID))
	}
	return q, nil
}

// A page token of the order listings is the seq of the last order shown:
// pages are keyset pages over seq, newest first, and every listing filters
// by its caller again, so a token names a position and nothing else.
func encodePageToken(seq int64) string { return strconv.FormatInt(seq, 10) }

func decodePageToken(token string) (int64, error) {
	seq, err := strconv.ParseInt(token, 10, 64)
	if err != nil || seq <= 0 {
		return 0, errBadPageToken()
	}
	return seq, nil
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// flashGroup is one group of countFlashSaleOrders.
type flashGroup struct {
	Status int32 `bun:"status"`
	Orders int64 `bun:"orders"`
	Units  int64 `bun:"units"`
}

// countFlashSaleOrders counts a flash sale's orders and their units by
// status: the (seckill_event_id, user_id) key finds the sale's orders, the
// lines' primary key their units.
func countFlashSaleOrders(ctx context.Context, db bun.IDB, eventID string) ([]flashGroup, error) {
	var groups []flashGroup
	err := db.NewSelect().TableExpr("orders AS o").Join("JOIN order_lines AS l ON l.order_id = o.id").
		ColumnExpr("o.status AS status, COUNT(DISTINCT o.id) AS orders, COALESCE(SUM(l.quantity), 0) AS units").
		Where("o.seckill_event_id = ?", eventID).GroupExpr("o.status").OrderExpr("o.status").Scan(ctx, &groups)
	return groups, err
}
