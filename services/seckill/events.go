package seckill

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	productv1 "mall/gen/mall/product/v1"
	seckillv1 "mall/gen/mall/seckill/v1"
	"mall/services/platform/audit"
	"mall/services/platform/auth"
	"mall/services/platform/rpcerr"
)

// Page size of ListEvents when the request leaves it at 0.
const defaultPageSize = 20

// createTimeout bounds CreateEvent, so a sale still allocating after
// AbandonAfter is known to be abandoned.
const createTimeout = 30 * time.Second

// CreateEvent creates a flash sale of a product (snapshotting its title,
// image, category and regular price) in preview, takes its units out of
// the product's available stock, and loads them into Valkey, so admission
// is ready when it is published. The event row is written first, as
// allocating: whatever fails after that, the allocation it names can be
// found and given back (abandon here, or SettleSales later); only then is
// the sale opened.
func (s *Service) CreateEvent(ctx context.Context, request *connect.Request[seckillv1.CreateEventRequest]) (*connect.Response[seckillv1.CreateEventResponse], error) {
	req := request.Msg
	ctx, cancel := context.WithTimeout(ctx, createTimeout)
	defer cancel()
	audit.Target(ctx, "product "+req.GetProductId())
	res, err := s.products.GetProduct(ctx, connect.NewRequest(&productv1.GetProductRequest{ProductId: req.GetProductId()}))
	if connect.CodeOf(err) == connect.CodeNotFound {
		return nil, rpcerr.New(connect.CodeFailedPrecondition, ReasonProductNotFound, "product not found")
	}
	if err != nil {
		return nil, s.catalogFailed(ctx, "ProductService.GetProduct", err)
	}
	p := res.Msg.GetProduct()
	row := &eventRow{
		ID: newEventID(), ProductID: p.GetProductId(), CategoryID: p.GetCategoryId(), Title: req.GetTitle(),
		OriginalPriceCents: p.GetPriceCents(), PriceCents: req.GetPriceCents(), Stock: req.GetStock(),
		PerUserLimit: req.GetPerUserLimit(), StockState: stockAllocating,
		StartsAt: dbTime(req.GetStartsAt().AsTime()), EndsAt: dbTime(req.GetEndsAt().AsTime()), CreatedAt: dbTime(time.Now()),
	}
	if row.Title == "" {
		row.Title = p.GetTitle()
	}
	if len(p.GetImageUrls()) > 0 {
		row.ImageURL = p.GetImageUrls()[0]
	}
	if err := insertEvent(ctx, s.db, row); err != nil {
		return nil, err
	}
	_, err = s.products.AllocateStock(ctx, connect.NewRequest(&productv1.AllocateStockRequest{
		AllocationId: row.ID, ProductId: row.ProductID, Quantity: row.Stock}))
	if refusal := allocationRefusal(err); refusal != nil {
		// Refused whole: nothing was taken, and the sale never existed.
		if delErr := deleteAllocatingEvent(context.WithoutCancel(ctx), s.db, row); delErr != nil {
			s.logger.WarnContext(ctx, "remove a refused sale (settling abandons it)", "event_id", row.ID, "err", delErr)
		}
		return nil, refusal
	}
	// Whatever fails from here on, the catalog may have taken the units:
	// they are given back, unless the sale turns out to be open after all.
	if err != nil {
		if opened := s.abandon(context.WithoutCancel(ctx), row.ID); !opened {
			return nil, s.catalogFailed(ctx, "ProductService.AllocateStock", err)
		}
	} else if err := updateStockState(ctx, s.db, row.ID, stockAllocating, stockAllocated); err != nil {
		s.logger.ErrorContext(ctx, "open flash sale; giving its units back", "event_id", row.ID, "err", err)
		if opened := s.abandon(context.WithoutCancel(ctx), row.ID); !opened {
			return nil, errCatalogUnavailable()
		}
	}
	row.StockState = stockAllocated
	if err := s.load(ctx, row.ID, row.Stock, nil); err != nil {
		// The event exists; publishing loads it.
		s.logger.ErrorContext(ctx, "load sale stock", "event_id", row.ID, "err", err)
	}
	ev := s.adminEventProto(ctx, row, time.Now())
	audit.Target(ctx, "flash sale "+row.ID)
	audit.After(ctx, ev)
	return connect.NewResponse(&seckillv1.CreateEventResponse{Event: ev}), nil
}

// Reasons of the product service's AllocateStock refusals, as it names them.
const (
	productOutOfStock = "OUT_OF_STOCK"
	productOffShelf   = "PRODUCT_OFF_SHELF"
	productNotFound   = "PRODUCT_NOT_FOUND"
)

// allocationRefusal is the answer to a refused AllocateStock (not enough
// stock, off shelf, no such product), or nil for any other outcome.
func allocationRefusal(err error) error {
	switch rpcerr.Reason(err) {
	case productOutOfStock:
		return rpcerr.New(connect.CodeFailedPrecondition, ReasonNotEnoughStock,
			"the product has fewer units available than the sale's stock")
	case productOffShelf:
		return rpcerr.New(connect.CodeFailedPrecondition, ReasonProductOffShelf, "the product is off shelf")
	case productNotFound:
		return rpcerr.New(connect.CodeFailedPrecondition, ReasonProductNotFound, "product not found")
	}
	return nil
}

const catalogUnavailable = "the catalog is unavailable; try again"

func errCatalogUnavailable() error {
	return rpcerr.New(connect.CodeUnavailable, ReasonUpstreamFailed, catalogUnavailable)
}

// catalogFailed is the answer to a failed call of the product service.
func (s *Service) catalogFailed(ctx context.Context, call string, err error) error {
	return rpcerr.Upstream(ctx, s.logger, call, err, ReasonUpstreamFailed, catalogUnavailable)
}

// GetEvent returns an event with its remaining stock. A signed-in
// shopper's address book is read ahead (PrefetchAddress): they are about
// to buy.
func (s *Service) GetEvent(ctx context.Context, req *connect.Request[seckillv1.GetEventRequest]) (*connect.Response[seckillv1.GetEventResponse], error) {
	row, err := s.event(ctx, req.Msg.GetEventId())
	if err != nil {
		return nil, err
	}
	ev := s.eventProto(ctx, row, time.Now())
	if identity, ok := auth.FromContext(ctx); ok && identity.Has(auth.RoleUser) && ev.GetState() != seckillv1.EventState_EVENT_STATE_ENDED {
		s.PrefetchAddress(identity.Subject)
	}
	return connect.NewResponse(&seckillv1.GetEventResponse{Event: ev}), nil
}

// ListEvents lists events soonest first, filtered by state (default
// UPCOMING and LIVE) and product, with a keyset cursor.
func (s *Service) ListEvents(ctx context.Context, request *connect.Request[seckillv1.ListEventsRequest]) (*connect.Response[seckillv1.ListEventsResponse], error) {
	req := request.Msg
	now := dbTime(time.Now())
	states := req.GetStates()
	if len(states) == 0 {
		states = []seckillv1.EventState{seckillv1.EventState_EVENT_STATE_UPCOMING, seckillv1.EventState_EVENT_STATE_LIVE}
	}
	events, next, err := eventsPage(req.GetPageSize(), req.GetPageToken(),
		func(after *eventCursor, limit int) ([]eventRow, error) {
			return selectEventPage(ctx, s.db, now, states, req.GetProductId(), after, limit)
		},
		func(r *eventRow) *seckillv1.FlashSaleEvent { return s.eventProto(ctx, r, now) })
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&seckillv1.ListEventsResponse{Events: events, NextPageToken: next}), nil
}

// eventsPage is one page of a keyset-paged list of sales: pageSize (0: the
// default) of them after the cursor in pageToken, as selectPage reads them
// (asked for one more, to tell whether another page follows), rendered,
// with the cursor of the next page ("" on the last).
func eventsPage(pageSize int32, pageToken string, selectPage func(after *eventCursor, limit int) ([]eventRow, error),
	render func(*eventRow) *seckillv1.FlashSaleEvent) ([]*seckillv1.FlashSaleEvent, string, error) {
	size := int(pageSize)
	if size == 0 {
		size = defaultPageSize
	}
	var after *eventCursor
	if pageToken != "" {
		c, err := decodeCursor(pageToken)
		if err != nil {
			return nil, "", err
		}
		after = &c
	}
	rows, err := selectPage(after, size+1)
	if err != nil {
		return nil, "", err
	}
	var next string
	if len(rows) > size {
		rows = rows[:size]
		last := rows[size-1]
		next = encodeCursor(eventCursor{StartsAt: last.StartsAt.UnixMicro(), ID: last.ID})
	}
	events := make([]*seckillv1.FlashSaleEvent, len(rows))
	for i := range rows {
		events[i] = render(&rows[i])
	}
	return events, next, nil
}

// eventProto renders an event; the remaining stock is read from Valkey, or
// (while the sale's state is being rebuilt) left at the total.
func (s *Service) eventProto(ctx context.Context, r *eventRow, now time.Time) *seckillv1.FlashSaleEvent {
	e := &seckillv1.FlashSaleEvent{
		EventId: r.ID, ProductId: r.ProductID, Title: r.Title, ImageUrl: r.ImageURL,
		OriginalPriceCents: r.OriginalPriceCents, PriceCents: r.PriceCents, TotalStock: r.Stock, RemainingStock: r.Stock,
		PerUserLimit: r.PerUserLimit, StartsAt: timestamppb.New(r.StartsAt), EndsAt: timestamppb.New(r.EndsAt),
		State: stateAt(r, now), CreatedAt: timestamppb.New(r.CreatedAt),
	}
	left, ok, err := s.remaining(ctx, r.ID)
	switch {
	case err != nil:
		s.logger.WarnContext(ctx, "read remaining stock", "event_id", r.ID, "err", err)
	case ok:
		e.RemainingStock = left
	case e.State == seckillv1.EventState_EVENT_STATE_LIVE:
		s.startReconcile(r.ID)
	}
	return e
}

func stateAt(r *eventRow, now time.Time) seckillv1.EventState {
	switch {
	case !r.PublishedAt.Valid:
		return seckillv1.EventState_EVENT_STATE_PREVIEW
	case now.Before(r.StartsAt):
		return seckillv1.EventState_EVENT_STATE_UPCOMING
	case now.Before(r.EndsAt):
		return seckillv1.EventState_EVENT_STATE_LIVE
	}
	return seckillv1.EventState_EVENT_STATE_ENDED
}

func encodeCursor(c eventCursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(token string) (eventCursor, error) {
	var c eventCursor
	b, err := base64.RawURLEncoding.DecodeString(token)
	// A cursor names a sale's start as stored, which the database keeps
	// between the years 1000 and 9999: any other start is no cursor of ours.
	if err != nil || json.Unmarshal(b, &c) != nil || c.ID == "" || !storable(time.UnixMicro(c.StartsAt)) {
		return c, rpcerr.New(connect.CodeInvalidArgument, ReasonBadPageToken, "page_token is not valid")
	}
	return c, nil
}

func storable(t time.Time) bool {
	return t.UTC().Year() >= 1000 && t.UTC().Year() <= 9999
}

func newEventID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "ev-" + hex.EncodeToString(b)
}

// dbTime is t as the database stores it (UTC, microseconds).
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
