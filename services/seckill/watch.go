package seckill

import (
	"context"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	seckillv1 "mall/gen/mall/seckill/v1"
	"mall/services/platform/auth"
	"mall/services/platform/feed"
)

// resultHint is the feed key of a ticket's result.
func resultHint(ticket string) string { return "purchase:" + ticket }

// WatchPurchaseResult streams a ticket's result to its buyer (the verified
// caller): what GetPurchaseResult answers, at once and after every change,
// until a final state is sent. The feed's hint only wakes the stream; each
// message is read afresh as GetPurchaseResult reads it.
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
		func(ctx context.Context) (*seckillv1.WatchPurchaseResultResponse, string, bool, error) {
			result, err := s.purchaseResult(ctx, userID, ticket)
			if err != nil {
				return nil, "", false, err
			}
			version, err := resultVersion(result)
			if err != nil {
				return nil, "", false, err
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

// publishResults hints the watchers of rows' tickets, after they are stored.
func (s *Service) publishResults(ctx context.Context, rows []resultRow) {
	hints := make([]string, len(rows))
	for i, r := range rows {
		hints[i] = resultHint(r.Ticket)
	}
	s.opts.Feed.Publish(ctx, hints...)
}
