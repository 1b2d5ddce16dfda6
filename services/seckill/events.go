package seckill

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"time"

	"connectrpc.com/connect"
	"github.com/uptrace/bun"
	"google.golang.org/protobuf/types/known/timestamppb"

	productv1 "mall/gen/mall/product/v1"
	seckillv1 "mall/gen/mall/seckill/v1"
	"mall/services/platform/rpcerr"
)

// Page size of ListEvents when the request leaves it at 0.
const defaultPageSize = 20

// createTimeout bounds CreateEvent, so a sale still allocating after
// AbandonAfter is known to be abandoned.
const createTimeout = 30 * time.Second

// CreateEvent creates a flash sale of a product (snapshotting its title,
// image, category and regular price), takes its units out of the
// product's available stock, and loads them into Valkey, so admission is
// ready before the sale starts. The event row is written first, as
// allocating: whatever fails after that, the allocation it names can be
// found and given back (abandon here, or SettleSales later); only then is
// the sale opened.
func (s *Service) CreateEvent(ctx context.Context, req *seckillv1.CreateEventRequest) (*seckillv1.FlashSaleEvent, error) {
	ctx, cancel := context.WithTimeout(ctx, createTimeout)
	defer cancel()
	res, err := s.products.GetProduct(ctx, connect.NewRequest(&productv1.GetProductRequest{ProductId: req.GetProductId()}))
	if connect.CodeOf(err) == connect.CodeNotFound {
		return nil, rpcerr.New(connect.CodeFailedPrecondition, ReasonProductNotFound, "product not found")
	}
	if err != nil {
		s.logger.ErrorContext(ctx, "read product", "product_id", req.GetProductId(), "err", err)
		return nil, errCatalogUnavailable()
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
	if _, err := s.db.NewInsert().Model(row).Exec(ctx); err != nil {
		return nil, err
	}
	_, err = s.products.AllocateStock(ctx, connect.NewRequest(&productv1.AllocateStockRequest{
		AllocationId: row.ID, ProductId: row.ProductID, Quantity: row.Stock}))
	if refusal := allocationRefusal(err); refusal != nil {
		// Refused whole: nothing was taken, and the sale never existed.
		if _, delErr := s.db.NewDelete().Model(row).WherePK().Where("stock_state = ?", stockAllocating).Exec(context.WithoutCancel(ctx)); delErr != nil {
			s.logger.WarnContext(ctx, "remove a refused sale (settling abandons it)", "event_id", row.ID, "err", delErr)
		}
		return nil, refusal
	}
	if err == nil {
		err = updateStockState(ctx, s.db, row.ID, stockAllocating, stockAllocated)
	}
	if err != nil {
		s.logger.ErrorContext(ctx, "create flash sale; giving its units back", "event_id", row.ID, "err", err)
		if opened := s.abandon(context.WithoutCancel(ctx), row.ID); !opened {
			return nil, errCatalogUnavailable()
		}
	}
	row.StockState = stockAllocated
	s.cacheEvent(row)
	if err := s.load(ctx, row.ID, row.Stock, nil); err != nil {
		// The event exists; the reconciler loads it on first use.
		s.logger.ErrorContext(ctx, "load sale stock", "event_id", row.ID, "err", err)
	}
	return s.eventProto(ctx, row, time.Now()), nil
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

func errCatalogUnavailable() error {
	return rpcerr.New(connect.CodeUnavailable, ReasonUpstreamFailed, "the catalog is unavailable; try again")
}

// GetEvent returns an event with its remaining stock.
func (s *Service) GetEvent(ctx context.Context, id string) (*seckillv1.FlashSaleEvent, error) {
	row, err := s.event(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.eventProto(ctx, row, time.Now()), nil
}

// eventCursor is the keyset of ListEvents (starts_at, id ascending).
type eventCursor struct {
	StartsAt int64  `json:"s"` // unix microseconds
	ID       string `json:"i"`
}

// ListEvents lists events soonest first, filtered by state (default
// UPCOMING and LIVE) and product, with a keyset cursor.
func (s *Service) ListEvents(ctx context.Context, req *seckillv1.ListEventsRequest) ([]*seckillv1.FlashSaleEvent, string, error) {
	now := dbTime(time.Now())
	states := req.GetStates()
	if len(states) == 0 {
		states = []seckillv1.EventState{seckillv1.EventState_EVENT_STATE_UPCOMING, seckillv1.EventState_EVENT_STATE_LIVE}
	}
	size := int(req.GetPageSize())
	if size == 0 {
		size = defaultPageSize
	}
	var rows []eventRow
	q := s.db.NewSelect().Model(&rows).Where("stock_state IN (?)", bun.In(visibleStockStates)).OrderExpr("starts_at ASC, id ASC").Limit(size + 1)
	q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
		for _, st := range states {
			switch st {
			case seckillv1.EventState_EVENT_STATE_UPCOMING:
				q = q.WhereOr("starts_at > ?", now)
			case seckillv1.EventState_EVENT_STATE_LIVE:
				q = q.WhereOr("(starts_at <= ? AND ends_at > ?)", now, now)
			case seckillv1.EventState_EVENT_STATE_ENDED:
				q = q.WhereOr("ends_at <= ?", now)
			}
		}
		return q
	})
	if req.GetProductId() != "" {
		q = q.Where("product_id = ?", req.GetProductId())
	}
	if token := req.GetPageToken(); token != "" {
		c, err := decodeCursor(token)
		if err != nil {
			return nil, "", err
		}
		at := time.UnixMicro(c.StartsAt).UTC()
		q = q.Where("(starts_at > ? OR (starts_at = ? AND id > ?))", at, at, c.ID)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, "", err
	}
	next := ""
	if len(rows) > size {
		rows = rows[:size]
		last := rows[size-1]
		next = encodeCursor(eventCursor{StartsAt: last.StartsAt.UnixMicro(), ID: last.ID})
	}
	out := make([]*seckillv1.FlashSaleEvent, len(rows))
	for i := range rows {
		out[i] = s.eventProto(ctx, &rows[i], now)
	}
	return out, next, nil
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
	if err != nil || json.Unmarshal(b, &c) != nil || c.ID == "" {
		return c, rpcerr.New(connect.CodeInvalidArgument, ReasonBadPageToken, "page_token is not valid")
	}
	return c, nil
}

func newEventID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "ev-" + hex.EncodeToString(b)
}

// dbTime is t as the database stores it (UTC, microseconds).
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
