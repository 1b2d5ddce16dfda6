package seckill

import (
	"context"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"google.golang.org/protobuf/proto"

	seckillv1 "mall/gen/mall/seckill/v1"
	"mall/services/platform/auth"
	"mall/services/platform/feed"
)

// resultHint is the feed key of a ticket's result.
func resultHint(ticket string) string { return "purchase:" + ticket }

// WatchPurchaseResult streams a ticket's result to its buyer (the verified
// caller): what GetPurchaseResult answers, at once and after every change,
// until a final state is sent. A message is read afresh as
// GetPurchaseResult reads it, unless the hint that woke the stream carried
// the ticket's final result: the writers' RecordPurchaseResults publishes
// each result it stored with its hint, which spares every watcher a read
// of MySQL (two-thirds of the handler's CPU in a profile).
func (s *Service) WatchPurchaseResult(ctx context.Context, req *connect.Request[seckillv1.WatchPurchaseResultRequest], stream *connect.ServerStream[seckillv1.WatchPurchaseResultResponse]) error {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return err
	}
	ticket := req.Msg.GetTicket()
	// A buyer who has just purchased holds the QUEUED result: the stream
	// starts from it. Another buyer's ticket, or one of a sale that does
	// not exist, is still not_found at once.
	var since string
	if req.Msg.GetJustPurchased() {
		eventID, err := s.ticketEvent(ctx, userID, ticket)
		if err != nil {
			return err
		}
		if since, err = resultVersion(&seckillv1.GetPurchaseResultResponse{Ticket: ticket, EventId: eventID,
			State: seckillv1.PurchaseState_PURCHASE_STATE_QUEUED}); err != nil {
			return err
		}
	}
	return feed.Stream(ctx, s.opts.Feed, userID, resultHint(ticket), since, since != "", stream,
		func(ctx context.Context, state []byte) (*seckillv1.WatchPurchaseResultResponse, string, bool, error) {
			result, version := hintedResult(ticket, state)
			if result != nil {
				resultsFromHints.Inc()
			} else {
				var err error
				if result, err = s.purchaseResult(ctx, userID, ticket); err != nil {
					return nil, "", false, err
				}
				if version, err = resultVersion(result); err != nil {
					return nil, "", false, err
				}
			}
			final := result.GetState() != seckillv1.PurchaseState_PURCHASE_STATE_QUEUED
			return &seckillv1.WatchPurchaseResultResponse{Result: result}, version, final, nil
		})
}

// resultVersion names a result in a stream: the answer is small, so its
// bytes are its version.
func resultVersion(result *seckillv1.GetPurchaseResultResponse) (string, error) {
	version, err := proto.MarshalOptions{Deterministic: true}.Marshal(result)
	return string(version), err
}

// hintedResult is the result a hint carried for ticket if it is final,
// with its version (the hint's bytes: publishResults made them with
// resultVersion), else nil (the stream reads instead): a QUEUED result may
// be overtaken by a later one whose hint came first, and bytes of another
// ticket, or that do not decode, are no answer for this one. The stream's
// owner was checked before it stood (its first read, or ticketEvent); the
// ticket's key wakes only its own streams.
func hintedResult(ticket string, state []byte) (*seckillv1.GetPurchaseResultResponse, string) {
	if state == nil {
		return nil, ""
	}
	result := &seckillv1.GetPurchaseResultResponse{}
	if proto.Unmarshal(state, result) != nil || result.GetTicket() != ticket {
		return nil, ""
	}
	switch result.GetState() {
	case seckillv1.PurchaseState_PURCHASE_STATE_ORDER_CREATED, seckillv1.PurchaseState_PURCHASE_STATE_FAILED:
		return result, string(state)
	}
	return nil, ""
}

// publishResults hints the watchers of rows' tickets, after they are
// stored, each hint carrying its result as GetPurchaseResult answers it,
// marshalled as its version, so that no watcher marshals it again.
func (s *Service) publishResults(ctx context.Context, rows []resultRow) {
	states := make([]feed.State, len(rows))
	for i := range rows {
		// A result that does not marshal goes out with an empty state,
		// which names no ticket: its watchers read it.
		version, _ := resultVersion(rows[i].response())
		states[i] = feed.State{Key: resultHint(rows[i].Ticket), Value: []byte(version)}
	}
	s.opts.Feed.PublishStates(ctx, states...)
}

var resultsFromHints = promauto.NewCounter(prometheus.CounterOpts{
	Name: "mall_seckill_results_from_hints_total",
	Help: "Final purchase results a WatchPurchaseResult stream sent from the state its hint carried, without reading MySQL.",
})
