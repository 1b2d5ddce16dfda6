package seckill

import (
	"context"
	"database/sql"
	"time"

	"connectrpc.com/connect"
	"github.com/uptrace/bun"
	"google.golang.org/protobuf/types/known/timestamppb"

	productv1 "mall/gen/mall/product/v1"
	seckillv1 "mall/gen/mall/seckill/v1"
	"mall/services/platform/audit"
	"mall/services/platform/db"
	"mall/services/platform/rpcerr"
)

// The operators' side of a sale: it is created in preview (CreateEvent),
// changed while in preview (UpdateEvent), put on the storefront
// (PublishEvent) and maybe ended early (EndEvent). Shoppers never reach a
// sale in preview: the event cache only holds published sales, so
// Purchase, GetEvent and GetPurchaseResult answer not_found for it.
// Changes of a sale in preview and its publication take the event's row
// lock, so a sale is published with the units it was last given.

// adminEvent reads a sale operators can act on: its creation completed.
// An unknown id, a spelling of one, or a failed creation is not_found.
func adminEvent(ctx context.Context, handle bun.IDB, id string, lock func(context.Context, string) (*eventRow, error)) (*eventRow, error) {
	var row *eventRow
	var err error
	if lock != nil {
		row, err = lock(ctx, id)
	} else {
		row, err = selectEvent(ctx, handle, id)
	}
	switch {
	case isNoRows(err) || (err == nil && (row.ID != id || !row.exists())):
		return nil, errEventNotFound()
	case err != nil:
		return nil, err
	}
	return row, nil
}

func lockIn(tx bun.Tx) func(context.Context, string) (*eventRow, error) {
	return func(ctx context.Context, id string) (*eventRow, error) { return lockEvent(ctx, tx, id) }
}

// AdminListEvents lists every sale (previews, live, ended), latest start
// first, with a keyset cursor.
func (s *Service) AdminListEvents(ctx context.Context, request *connect.Request[seckillv1.AdminListEventsRequest]) (*connect.Response[seckillv1.AdminListEventsResponse], error) {
	req := request.Msg
	now := dbTime(time.Now())
	events, next, err := eventsPage(req.GetPageSize(), req.GetPageToken(),
		func(after *eventCursor, limit int) ([]eventRow, error) {
			return selectAdminEventPage(ctx, s.db, now, req.GetStates(), req.GetProductId(), after, limit)
		},
		func(r *eventRow) *seckillv1.FlashSaleEvent { return s.adminEventProto(ctx, r, now) })
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&seckillv1.AdminListEventsResponse{Events: events, NextPageToken: next}), nil
}

// UpdateEvent changes a sale in preview. A change of units resizes the
// sale's stock allocation first (the catalog refuses more than is
// available); the row and the sale's Valkey stock are written while the
// row is locked, so a concurrent PublishEvent publishes either the old
// sale or the new one whole.
func (s *Service) UpdateEvent(ctx context.Context, request *connect.Request[seckillv1.UpdateEventRequest]) (*connect.Response[seckillv1.UpdateEventResponse], error) {
	req := request.Msg
	id := req.GetEventId()
	ctx, cancel := context.WithTimeout(ctx, createTimeout)
	defer cancel()
	audit.Target(ctx, "flash sale "+id)
	var before, after eventRow
	resized := false
	err := db.InTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		row, err := adminEvent(ctx, tx, id, lockIn(tx))
		if err != nil {
			return err
		}
		now := dbTime(time.Now())
		switch {
		case row.PublishedAt.Valid:
			return rpcerr.New(connect.CodeFailedPrecondition, ReasonEventPublished, "a published flash sale cannot be changed")
		case row.StockState != stockAllocated || !now.Before(row.EndsAt):
			return errEnded()
		}
		before, after = *row, *row
		applyUpdate(&after, req)
		if !after.EndsAt.After(after.StartsAt) || !after.EndsAt.After(now) {
			return rpcerr.New(connect.CodeInvalidArgument, ReasonEventWindow, "the sale must end after it starts, in the future")
		}
		if after.Stock != before.Stock {
			_, err := s.products.ResizeAllocation(ctx, connect.NewRequest(&productv1.ResizeAllocationRequest{AllocationId: id, Quantity: after.Stock}))
			if refusal := allocationRefusal(err); refusal != nil {
				return refusal
			}
			if err != nil {
				return s.catalogFailed(ctx, "ProductService.ResizeAllocation", err)
			}
			resized = true
		}
		if err := updatePreviewEvent(ctx, tx, &after); err != nil {
			return err
		}
		// Nobody buys a sale in preview: its stock is loaded whole.
		return s.load(ctx, id, after.Stock, nil)
	})
	if err != nil {
		if resized {
			s.resizeBack(context.WithoutCancel(ctx), id, before.Stock)
		}
		if rpcerr.Reason(err) != "" {
			return nil, err
		}
		s.logger.ErrorContext(ctx, "update flash sale", "event_id", id, "err", err)
		return nil, errSaleState()
	}
	now := time.Now()
	audit.Before(ctx, s.adminEventProto(ctx, &before, now))
	ev := s.adminEventProto(ctx, &after, now)
	audit.After(ctx, ev)
	return connect.NewResponse(&seckillv1.UpdateEventResponse{Event: ev}), nil
}

// applyUpdate sets on row the fields the request sets.
func applyUpdate(row *eventRow, req *seckillv1.UpdateEventRequest) {
	if req.PriceCents != nil {
		row.PriceCents = req.GetPriceCents()
	}
	if req.Stock != nil {
		row.Stock = req.GetStock()
	}
	if req.PerUserLimit != nil {
		row.PerUserLimit = req.GetPerUserLimit()
	}
	if req.GetStartsAt() != nil {
		row.StartsAt = dbTime(req.GetStartsAt().AsTime())
	}
	if req.GetEndsAt() != nil {
		row.EndsAt = dbTime(req.GetEndsAt().AsTime())
	}
	if req.GetTitle() != "" {
		row.Title = req.GetTitle()
	}
}

// resizeBack gives a sale's allocation the units its row still names,
// after an update that resized it failed to commit.
func (s *Service) resizeBack(ctx context.Context, id string, units int64) {
	if _, err := s.products.ResizeAllocation(ctx, connect.NewRequest(&productv1.ResizeAllocationRequest{AllocationId: id, Quantity: units})); err != nil {
		s.logger.ErrorContext(ctx, "resize a flash sale's allocation back after a failed update", "event_id", id, "units", units, "err", err)
	}
}

// PublishEvent puts a sale in preview on the storefront. Its stock is
// (re)loaded into Valkey under the row lock first: nobody can have bought
// it, and the units are the ones the row names.
func (s *Service) PublishEvent(ctx context.Context, request *connect.Request[seckillv1.PublishEventRequest]) (*connect.Response[seckillv1.PublishEventResponse], error) {
	id := request.Msg.GetEventId()
	audit.Target(ctx, "flash sale "+id)
	var before, after eventRow
	err := db.InTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		row, err := adminEvent(ctx, tx, id, lockIn(tx))
		if err != nil {
			return err
		}
		before, after = *row, *row
		if row.PublishedAt.Valid {
			return nil
		}
		now := dbTime(time.Now())
		if row.StockState != stockAllocated || !now.Before(row.EndsAt) {
			return errEnded()
		}
		if err := s.load(ctx, id, row.Stock, nil); err != nil {
			s.logger.ErrorContext(ctx, "load a sale being published", "event_id", id, "err", err)
			return errSaleState()
		}
		if _, err := publishEvent(ctx, tx, id, now); err != nil {
			return err
		}
		after.PublishedAt = sql.NullTime{Time: now, Valid: true}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.cacheEvent(&after)
	now := time.Now()
	audit.Before(ctx, s.adminEventProto(ctx, &before, now))
	ev := s.adminEventProto(ctx, &after, now)
	audit.After(ctx, ev)
	return connect.NewResponse(&seckillv1.PublishEventResponse{Event: ev}), nil
}

// EndEvent ends a sale now. Its end moves to now in MySQL, and its ready
// flag in Valkey becomes closed, so every process refuses admission at
// once, whatever its copy of the event says. Settling gives its unsold
// units back as for a sale that ended on time: once none of its orders can
// still be paid.
func (s *Service) EndEvent(ctx context.Context, request *connect.Request[seckillv1.EndEventRequest]) (*connect.Response[seckillv1.EndEventResponse], error) {
	id := request.Msg.GetEventId()
	audit.Target(ctx, "flash sale "+id)
	// Under the sale's row lock: concurrent ends queue up behind the first
	// (and a deadlock victim is run again) instead of racing on the row.
	var before, after *eventRow
	err := db.InTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if before, err = adminEvent(ctx, tx, id, lockIn(tx)); err != nil {
			return err
		}
		now := dbTime(time.Now())
		if before.EndsAt.After(now) {
			if _, err := endEvent(ctx, tx, id, before.EndsAt, now); err != nil {
				return err
			}
		}
		after, err = adminEvent(ctx, tx, id, nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	// Closed again on a repeat too: a call that failed here is finished
	// by its retry.
	if after.StockState == stockAllocated {
		if err := s.close(ctx, id); err != nil {
			s.logger.ErrorContext(ctx, "close an ended sale's admission", "event_id", id, "err", err)
			return nil, errSaleState()
		}
	}
	s.cacheEvent(after)
	at := time.Now()
	audit.Before(ctx, s.adminEventProto(ctx, before, at))
	ev := s.adminEventProto(ctx, after, at)
	audit.After(ctx, ev)
	return connect.NewResponse(&seckillv1.EndEventResponse{Event: ev}), nil
}

// adminEventProto renders a sale for operators: with its publication and
// settlement.
func (s *Service) adminEventProto(ctx context.Context, r *eventRow, now time.Time) *seckillv1.FlashSaleEvent {
	e := s.eventProto(ctx, r, now)
	if r.PublishedAt.Valid {
		e.PublishedAt = timestamppb.New(r.PublishedAt.Time)
	}
	if r.SettledAt.Valid {
		e.SettledAt = timestamppb.New(r.SettledAt.Time)
		e.ReturnedUnits = r.ReturnedUnits
	}
	return e
}
