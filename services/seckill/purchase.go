package seckill

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	orderv1 "mall/gen/mall/order/v1"
	seckillv1 "mall/gen/mall/seckill/v1"
	"mall/services/platform/auth"
	"mall/services/platform/ratelimit"
	"mall/services/platform/rpcerr"
)

// Purchase is the hot path of a flash sale: check the window and the
// quantity, resolve the buyer's shipping address, then rate-limit and
// admit with one Valkey script, hand the accepted purchase (with the
// address) to Kafka and answer with a ticket. Nothing here touches MySQL
// (the event comes from the process's cache, the address from the user
// service's cached address book). If Kafka does not take the record, the
// admission is undone and the caller gets unavailable. The buyer is the
// verified caller.
func (s *Service) Purchase(ctx context.Context, request *connect.Request[seckillv1.PurchaseRequest]) (*connect.Response[seckillv1.PurchaseResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	ticket, accepted, err := s.purchase(ctx, userID, request.Msg)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&seckillv1.PurchaseResponse{Ticket: ticket, AcceptedAt: timestamppb.New(accepted)}), nil
}

// purchase is Purchase for the buyer userID: the ticket and when it was
// accepted.
func (s *Service) purchase(ctx context.Context, userID string, req *seckillv1.PurchaseRequest) (string, time.Time, error) {
	ev, err := s.event(ctx, req.GetEventId())
	if err != nil {
		admissions.WithLabelValues("unknown_event").Inc()
		return "", time.Time{}, err
	}
	now := time.Now()
	qty := int32(1)
	if req.Quantity != nil {
		qty = req.GetQuantity()
	}
	if outcome, err := checkOpen(ev, now, qty); err != nil {
		s.count(ev.ID, outcome)
		return "", time.Time{}, err
	}
	if outcome, known := s.knownRefusal(ctx, ev.ID, userID, qty); known {
		s.count(ev.ID, admitLabel(outcome))
		refusedFromMemory.WithLabelValues(admitLabel(outcome)).Inc()
		return "", time.Time{}, admissionRefusal(outcome, 0)
	}
	ticket := newTicket(ev.ID, userID)
	accepted := now.UTC()
	record := &seckillv1.PurchaseRecord{
		Ticket: ticket, EventId: ev.ID, UserId: userID, ProductId: ev.ProductID, PriceCents: ev.PriceCents, Quantity: qty,
		AcceptedAt: timestamppb.New(accepted), AddressId: req.GetAddressId(),
		Title: ev.Title, ImageUrl: ev.ImageURL, CategoryId: ev.CategoryID,
	}
	value, outcome, detail, err := s.admitWithAddress(ctx, ev.ID, record)
	if err != nil {
		return "", time.Time{}, err
	}
	s.count(ev.ID, admitLabel(outcome))
	if err := s.refusal(ev.ID, outcome, detail); err != nil {
		return "", time.Time{}, err
	}
	if err := s.handOver(ctx, record, value); err != nil {
		return "", time.Time{}, err
	}
	s.buyers.add(ev, userID, now)
	return ticket, accepted, nil
}

// stockCacheTTL bounds how long a process answers "sold out" from its
// cached copy of a sale's stock; Valkey tells it of every change sooner
// (client-side caching with server-assisted invalidation).
const stockCacheTTL = time.Second

// knownRefusal answers, without asking Valkey, a purchase this process
// knows the admission script would refuse: the buyer's own purchase in
// this sale went through this process (one that stands is never taken
// back: an expired order keeps its buyer's mark), or the sale is sold out
// by the stock cached in memory. Only a sale this process has seen sold
// out is read from the cache (while units sell, every admission changes
// the stock, and the script answers in the same round trip a read would
// take). A unit that comes back invalidates every process's copy at once;
// the script still decides every purchase not refused here.
func (s *Service) knownRefusal(ctx context.Context, eventID, userID string, qty int32) (int64, bool) {
	if s.buyers.has(eventID, userID) {
		return admitAlreadyBought, true
	}
	if !s.seenSoldOut(eventID) {
		return 0, false
	}
	left, err := s.valkey.DoCache(ctx, s.valkey.B().Get().Key(s.keys(eventID).stock).Cache(), stockCacheTTL).AsInt64()
	if err != nil { // not loaded (the sale is being rebuilt) or unreachable: the script decides
		return 0, false
	}
	return admitSoldOut, left < int64(qty)
}

// knownBuyers are the buyers whose purchase this process handed to Kafka,
// by sale, kept until the sale ends: a repeat from them is refused from
// memory. About maxKnownBuyers per sale (concurrent adds may pass it by a
// few); past that the script answers.
// Every purchase reads it and every accepted one writes it, so it takes no
// lock: under one mutex, the accepted purchases of a sale queued behind
// each other (Go's mutex hands itself over in turn once waiters starve).
type knownBuyers struct {
	sales sync.Map // event id -> *saleBuyers
}

type saleBuyers struct {
	endsAt time.Time
	users  sync.Map // user id -> struct{}
	count  atomic.Int64
}

const maxKnownBuyers = 100_000

func (k *knownBuyers) has(eventID, userID string) bool {
	sale, ok := k.sales.Load(eventID)
	if !ok {
		return false
	}
	_, ok = sale.(*saleBuyers).users.Load(userID)
	return ok
}

// add records userID as a buyer in ev; a sale's first buyer here also
// drops the buyers of the sales that have ended.
func (k *knownBuyers) add(ev *eventRow, userID string, now time.Time) {
	value, ok := k.sales.Load(ev.ID)
	if !ok {
		k.sales.Range(func(id, other any) bool {
			if !now.Before(other.(*saleBuyers).endsAt) {
				k.sales.Delete(id)
			}
			return true
		})
		value, _ = k.sales.LoadOrStore(ev.ID, &saleBuyers{endsAt: ev.EndsAt})
	}
	sale := value.(*saleBuyers)
	if sale.count.Load() >= maxKnownBuyers {
		return
	}
	if _, known := sale.users.LoadOrStore(userID, struct{}{}); !known {
		sale.count.Add(1)
	}
}

// forget drops every sale's buyers, as a process that did not take them.
func (k *knownBuyers) forget() { k.sales.Clear() }

// checkOpen refuses a purchase outside the sale's window or over its
// per-buyer limit, from the process's copy of the event, and names the
// outcome for the counts.
func checkOpen(ev *eventRow, now time.Time, qty int32) (string, error) {
	switch {
	case now.Before(ev.StartsAt):
		return "not_started", rpcerr.New(connect.CodeFailedPrecondition, ReasonNotStarted, "this flash sale has not started")
	case !now.Before(ev.EndsAt):
		return "ended", errEnded()
	case qty > ev.PerUserLimit:
		return "over_limit", rpcerr.New(connect.CodeFailedPrecondition, ReasonOverLimit, "more units than one buyer may buy in this flash sale")
	}
	return "", nil
}

// admitWithAddress runs the admission script for record and returns the
// record as admitted (marshalled), the script's outcome and its detail.
// The address is resolved before admission, so a refused address takes
// nothing from the sale. Once this process has seen the sale sold out,
// the script is asked first without it: a refusal then costs no lookup,
// and a unit that came back is answered admitNeedsAddress (nothing taken,
// nothing counted) and asked for again with it.
func (s *Service) admitWithAddress(ctx context.Context, eventID string, record *seckillv1.PurchaseRecord) ([]byte, int64, int64, error) {
	addressResolved := false
	resolveAddress := func() error {
		address, err := s.shippingAddress(ctx, record.GetUserId(), record.GetAddressId())
		if err != nil {
			s.count(eventID, "address_refused")
			return err
		}
		record.ShippingAddress, addressResolved = address, true
		return nil
	}
	if !s.seenSoldOut(eventID) {
		if err := resolveAddress(); err != nil {
			return nil, 0, 0, err
		}
	}
	for {
		value, err := proto.Marshal(record)
		if err != nil {
			return nil, 0, 0, err
		}
		outcome, detail, err := s.admit(ctx, eventID, record.GetUserId(), record.GetTicket(), record.GetQuantity(), value, addressResolved)
		if err != nil {
			s.logger.ErrorContext(ctx, "admit", "event_id", eventID, "err", err)
			s.count(eventID, "error")
			return nil, 0, 0, errSaleState()
		}
		s.noteSoldOut(eventID, outcome == admitSoldOut)
		if outcome != admitNeedsAddress {
			return value, outcome, detail, nil
		}
		if err := resolveAddress(); err != nil {
			return nil, 0, 0, err
		}
	}
}

// refusal is the answer to an admission outcome other than accepted (nil
// for accepted); a sale found not ready is reconciled meanwhile.
func (s *Service) refusal(eventID string, outcome, detail int64) error {
	if outcome == admitNotReady {
		s.startReconcile(eventID)
	}
	return admissionRefusal(outcome, detail)
}

// admissionRefusal is what the buyer is told for an outcome of admitScript
// and its value: nil only for accepted; an outcome this code does not know
// is no admission, but the sale's state failing.
func admissionRefusal(outcome, detail int64) error {
	switch outcome {
	case admitAccepted:
		return nil
	case admitRateLimited:
		return ratelimit.Exhausted("too many purchase attempts; retry shortly", time.Duration(detail)*time.Millisecond)
	case admitAlreadyBought:
		return rpcerr.New(connect.CodeAlreadyExists, ReasonAlreadyPurchased, "you have already bought in this flash sale")
	case admitSoldOut:
		return rpcerr.New(connect.CodeFailedPrecondition, ReasonSoldOut, "sold out")
	case admitNotReady:
		return rpcerr.New(connect.CodeUnavailable, ReasonRecovering, "the flash sale is recovering; try again in a moment")
	case admitClosed:
		return errEnded()
	}
	return errSaleState()
}

// handOver produces an admitted purchase to Kafka, or undoes its
// admission. Neither the caller's cancellation nor its deadline may
// interrupt the hand-over: an interrupted produce could land after being
// undone.
func (s *Service) handOver(ctx context.Context, record *seckillv1.PurchaseRecord, value []byte) error {
	eventID, userID, ticket := record.GetEventId(), record.GetUserId(), record.GetTicket()
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.ProduceTimeout)
	defer cancel()
	if err := s.kafka.Producer.ProduceSync(pctx, &kgo.Record{Topic: PurchasesTopic, Key: []byte(userID), Value: value}).FirstErr(); err != nil {
		s.logger.ErrorContext(ctx, "produce purchase; undoing the admission", "event_id", eventID, "err", err)
		if undoErr := s.undo(context.WithoutCancel(ctx), eventID, userID, ticket, record.GetQuantity()); undoErr != nil {
			s.logger.ErrorContext(ctx, "undo admission", "event_id", eventID, "ticket", ticket, "err", undoErr)
		}
		admissionsUndone.Inc()
		return rpcerr.New(connect.CodeUnavailable, ReasonQueueUnavailable, "the flash sale queue is unavailable; try again")
	}
	s.clearFromOutbox(pctx, eventID, ticket)
	return nil
}

// GetPurchaseResult tells the buyer (the verified caller) what became of a
// ticket: the writers' result once they reported it, else QUEUED while the
// admission stands.
func (s *Service) GetPurchaseResult(ctx context.Context, req *connect.Request[seckillv1.GetPurchaseResultRequest]) (*connect.Response[seckillv1.GetPurchaseResultResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	out, err := s.purchaseResult(ctx, userID, req.Msg.GetTicket())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(out), nil
}

// purchaseResult is what became of userID's ticket (GetPurchaseResult and
// each message of WatchPurchaseResult).
func (s *Service) purchaseResult(ctx context.Context, userID, ticket string) (*seckillv1.GetPurchaseResultResponse, error) {
	eventID, err := s.ticketEvent(ctx, userID, ticket)
	if err != nil {
		return nil, err
	}
	row, err := selectResult(ctx, s.db, ticket)
	switch {
	case err == nil:
		return row.response(), nil
	case !isNoRows(err):
		return nil, err
	}
	out := &seckillv1.GetPurchaseResultResponse{Ticket: ticket, EventId: eventID}
	mark, err := s.valkey.Do(ctx, s.valkey.B().Hget().Key(s.keys(eventID).buyers).Field(userID).Build()).ToString()
	if err == nil && mark == ticket {
		out.State = seckillv1.PurchaseState_PURCHASE_STATE_QUEUED
		return out, nil
	}
	return nil, errTicketNotFound()
}

// ticketEvent is the sale of userID's ticket; another buyer's ticket, or
// one of a sale that does not exist, is not_found. Both are known without
// a read of MySQL: the ticket names its buyer, and the sale is answered
// from the event cache, so made-up tickets do not reach MySQL.
func (s *Service) ticketEvent(ctx context.Context, userID, ticket string) (string, error) {
	eventID, ok := ticketOwner(ticket, userID)
	if !ok {
		return "", errTicketNotFound()
	}
	if _, err := s.event(ctx, eventID); connect.CodeOf(err) == connect.CodeNotFound {
		return "", errTicketNotFound()
	} else if err != nil {
		return "", err
	}
	return eventID, nil
}

// RecordPurchaseResults stores what the writers made of purchases.
func (s *Service) RecordPurchaseResults(ctx context.Context, req *connect.Request[seckillv1.RecordPurchaseResultsRequest]) (*connect.Response[seckillv1.RecordPurchaseResultsResponse], error) {
	results := req.Msg.GetResults()
	rows := make([]resultRow, 0, len(results))
	at := dbTime(time.Now())
	for _, r := range results {
		eventID, _, ok := splitTicket(r.GetTicket())
		if !ok {
			return nil, rpcerr.New(connect.CodeInvalidArgument, ReasonTicketNotFound, "not a purchase ticket: "+r.GetTicket())
		}
		rows = append(rows, resultRow{Ticket: r.GetTicket(), EventID: eventID, State: int32(r.GetState()),
			OrderID: r.GetOrderId(), FailureReason: r.GetFailureReason(), FailureCode: r.GetFailureCode(), UpdatedAt: at})
	}
	if err := upsertResults(ctx, s.db, rows); err != nil {
		return nil, err
	}
	s.publishResults(ctx, rows)
	return connect.NewResponse(&seckillv1.RecordPurchaseResultsResponse{}), nil
}

// ReleasePurchase returns an expired order's units to its sale, once.
func (s *Service) ReleasePurchase(ctx context.Context, request *connect.Request[seckillv1.ReleasePurchaseRequest]) (*connect.Response[seckillv1.ReleasePurchaseResponse], error) {
	req := request.Msg
	released, err := s.release(ctx, req.GetEventId(), req.GetUserId(), req.GetQuantity())
	if err != nil {
		s.logger.ErrorContext(ctx, "release purchase", "event_id", req.GetEventId(), "order_id", req.GetOrderId(), "err", err)
		return nil, errSaleState()
	}
	if released {
		s.logger.InfoContext(ctx, "flash-sale units returned", "event_id", req.GetEventId(), "order_id", req.GetOrderId(), "quantity", req.GetQuantity())
	}
	return connect.NewResponse(&seckillv1.ReleasePurchaseResponse{Released: released}), nil
}

// shippingAddress resolves the buyer's address for the order's snapshot:
// the given one if it is theirs (another user's id gets the same answer as
// one that does not exist), else their default; none at all is a failed
// precondition.
func (s *Service) shippingAddress(ctx context.Context, userID, addressID string) (*orderv1.ShippingAddress, error) {
	a, err := s.addresses.Address(ctx, userID, addressID)
	switch {
	case connect.CodeOf(err) == connect.CodeNotFound && addressID == "":
		return nil, rpcerr.New(connect.CodeFailedPrecondition, ReasonAddressRequired, "add a shipping address before buying in a flash sale")
	case connect.CodeOf(err) == connect.CodeNotFound:
		return nil, rpcerr.New(connect.CodeNotFound, ReasonAddressNotFound, "address not found")
	case err != nil:
		return nil, rpcerr.Upstream(ctx, s.logger, "UserService.GetAddressInternal", err, ReasonUpstreamFailed, "addresses are unavailable; try again")
	}
	return &orderv1.ShippingAddress{RecipientName: a.GetRecipientName(), Phone: a.GetPhone(), Province: a.GetProvince(),
		City: a.GetCity(), District: a.GetDistrict(), Detail: a.GetDetail(), PostalCode: a.GetPostalCode()}, nil
}

// seenSoldOut reports whether this process's last admission of the sale
// found it sold out.
func (s *Service) seenSoldOut(eventID string) bool {
	v, ok := s.soldOut.Load(eventID)
	return ok && v.(bool)
}

// noteSoldOut remembers whether the sale was just found sold out (written
// only when it changes: the hot path mostly reads it).
func (s *Service) noteSoldOut(eventID string, soldOut bool) {
	if s.seenSoldOut(eventID) != soldOut {
		s.soldOut.Store(eventID, soldOut)
	}
}

// A ticket is "<event id>.<buyer digest>.<random>": it names its event, and
// only its buyer can read it, without a lookup.
func newTicket(eventID, userID string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return eventID + "." + buyerDigest(userID) + "." + hex.EncodeToString(b)
}

func buyerDigest(userID string) string {
	sum := sha256.Sum256([]byte("seckill-ticket\x00" + userID))
	return hex.EncodeToString(sum[:8])
}

func splitTicket(ticket string) (eventID, digest string, ok bool) {
	parts := strings.Split(ticket, ".")
	if len(parts) != 3 || parts[0] == "" || len(parts[1]) != 16 {
		return "", "", false
	}
	return parts[0], parts[1], true
}

// ticketOwner returns the ticket's event if it belongs to userID.
func ticketOwner(ticket, userID string) (string, bool) {
	eventID, digest, ok := splitTicket(ticket)
	if !ok || digest != buyerDigest(userID) {
		return "", false
	}
	return eventID, true
}

// admitLabel names an outcome of admitScript in metrics.
func admitLabel(outcome int64) string {
	switch outcome {
	case admitAccepted:
		return "accepted"
	case admitAlreadyBought:
		return "already_bought"
	case admitSoldOut:
		return "sold_out"
	case admitNotReady:
		return "not_ready"
	case admitRateLimited:
		return "rate_limited"
	case admitClosed:
		return "ended"
	}
	return "error"
}

// Admission metrics: every Purchase is counted once by its outcome (the
// script's verdict, or the check that refused it before); an accepted one
// whose hand-over to Kafka failed is also counted as undone.
var (
	admissions = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "mall_seckill_admissions_total",
		Help: "Flash-sale purchase attempts by outcome (accepted, sold_out, already_bought, rate_limited, not_ready, not_started, ended, over_limit, unknown_event, address_refused, error).",
	}, []string{"outcome"})
	refusedFromMemory = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "mall_seckill_refused_from_memory_total",
		Help: "Flash-sale purchases refused without a Valkey round trip (also counted in mall_seckill_admissions_total): sold_out from the cached stock, already_bought by a buyer whose purchase this process took.",
	}, []string{"outcome"})
	admissionsUndone = promauto.NewCounter(prometheus.CounterOpts{
		Name: "mall_seckill_admissions_undone_total",
		Help: "Accepted purchases undone because Kafka did not take them (the buyer was told to retry).",
	})
)
