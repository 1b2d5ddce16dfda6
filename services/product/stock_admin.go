package product

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/uptrace/bun"

	productv1 "mall/gen/mall/product/v1"
	"mall/services/platform/audit"
	"mall/services/platform/auth"
	"mall/services/platform/db"
)

// maxStock bounds a product's available stock as operators set it.
const maxStock = 1_000_000_000

// Operators change available stock in two ways, SetStock (a new level) and
// AdjustStock (a delta with a reason); both lock the product, write the
// new level and keep the change in stock_adjustments in one transaction,
// so the history adds up to the stock. They are the only calls that change
// stock + reserved + sold + allocated.

// actorOf is the operator calling: the verified token's subject, or ""
// for an in-process call without one (seeding, tests of other services).
// Over the network the auth middleware lets only admin tokens through.
func actorOf(ctx context.Context) string {
	identity, _ := auth.FromContext(ctx)
	return identity.Subject
}

// lockKnownProduct locks a product's row for a change, or answers
// not_found.
func lockKnownProduct(ctx context.Context, tx bun.Tx, id string) (*productRow, error) {
	row, err := lockProduct(ctx, tx, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errProductNotFound()
	}
	return row, err
}

// SetStock sets the available stock; reserved, sold and allocated are
// untouched. Setting the level it has changes and records nothing.
func (s *Service) SetStock(ctx context.Context, req *connect.Request[productv1.SetStockRequest]) (*connect.Response[productv1.SetStockResponse], error) {
	actor := actorOf(ctx)
	id, level := req.Msg.GetProductId(), req.Msg.GetStock()
	audit.Target(ctx, "product "+id)
	var before, after *productv1.Product
	err := db.InTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		row, err := lockKnownProduct(ctx, tx, id)
		if err != nil {
			return err
		}
		before = row.proto()
		if row.Stock == level {
			after = before
			return nil
		}
		now := time.Now().UTC()
		adjustment := &stockAdjustmentRow{
			ID: "sa-" + uuid.NewString(), ProductID: id, Kind: adjustmentSet, Delta: level - row.Stock,
			Reason: req.Msg.GetReason(), ActorID: actor, StockBefore: row.Stock, StockAfter: level, CreatedAt: now,
		}
		if _, err := updateAvailableStock(ctx, tx, id, level, now); err != nil {
			return err
		}
		row.Stock, row.UpdatedAt = level, now
		after = row.proto()
		return insertRow(ctx, tx, adjustment)
	})
	if err != nil {
		return nil, err
	}
	s.afterCommit(ctx, id)
	audit.Before(ctx, before)
	audit.After(ctx, after)
	return connect.NewResponse(&productv1.SetStockResponse{Product: after}), nil
}

// AdjustStock adds a delta to a product's available stock, within 0 and
// maxStock, and records it. A repeated adjustment id answers the
// adjustment it made.
func (s *Service) AdjustStock(ctx context.Context, req *connect.Request[productv1.AdjustStockRequest]) (*connect.Response[productv1.AdjustStockResponse], error) {
	actor := actorOf(ctx)
	m := req.Msg
	id := m.GetProductId()
	audit.Target(ctx, "product "+id)
	var adjustment *stockAdjustmentRow
	var before, after *productv1.Product
	err := db.InTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		row, err := lockKnownProduct(ctx, tx, id)
		if err != nil {
			return err
		}
		// A repeat for the same product waits on the product's lock and
		// finds the adjustment here; one for another product meets the
		// unique id on insert.
		if done, err := selectStockAdjustment(ctx, tx, m.GetAdjustmentId()); err == nil {
			adjustment = done
			return nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		level := row.Stock + m.GetDelta()
		if level < 0 || level > maxStock {
			return errStockOutOfRange(row.Stock)
		}
		before = row.proto()
		now := time.Now().UTC()
		adjustment = &stockAdjustmentRow{
			ID: m.GetAdjustmentId(), ProductID: id, Kind: adjustmentAdjust, Delta: m.GetDelta(), Reason: m.GetReason(),
			ActorID: actor, StockBefore: row.Stock, StockAfter: level, CreatedAt: now,
		}
		if _, err := updateAvailableStock(ctx, tx, id, level, now); err != nil {
			return err
		}
		row.Stock, row.UpdatedAt = level, now
		after = row.proto()
		return insertRow(ctx, tx, adjustment)
	})
	if db.IsDuplicate(err) {
		adjustment, err = selectStockAdjustment(ctx, s.db, m.GetAdjustmentId())
	}
	if err != nil {
		return nil, err
	}
	if after == nil { // a repeat: the same adjustment, or a conflict
		if adjustment.ProductID != id || adjustment.Kind != adjustmentAdjust || adjustment.Delta != m.GetDelta() || adjustment.Reason != m.GetReason() {
			return nil, errAdjustmentConflict()
		}
		p, err := s.product(ctx, id)
		if err != nil {
			return nil, err
		}
		return connect.NewResponse(&productv1.AdjustStockResponse{Adjustment: adjustment.proto(), Product: p}), nil
	}
	s.afterCommit(ctx, id)
	audit.Before(ctx, before)
	audit.After(ctx, after)
	return connect.NewResponse(&productv1.AdjustStockResponse{Adjustment: adjustment.proto(), Product: after}), nil
}

// ListStockAdjustments returns a page of a product's stock history, newest
// first.
func (s *Service) ListStockAdjustments(ctx context.Context, req *connect.Request[productv1.ListStockAdjustmentsRequest]) (*connect.Response[productv1.ListStockAdjustmentsResponse], error) {
	id := req.Msg.GetProductId()
	exists, err := productExists(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	if !exists {
		return nil, errProductNotFound()
	}
	rows, next, err := seqPage(req.Msg.GetPageSize(), req.Msg.GetPageToken(), id, func(r *stockAdjustmentRow) int64 { return r.Seq },
		func(before int64, limit int) ([]stockAdjustmentRow, error) {
			return selectStockAdjustments(ctx, s.db, id, before, limit)
		})
	if err != nil {
		return nil, err
	}
	res := &productv1.ListStockAdjustmentsResponse{NextPageToken: next}
	for i := range rows {
		res.Adjustments = append(res.Adjustments, rows[i].proto())
	}
	return connect.NewResponse(res), nil
}
