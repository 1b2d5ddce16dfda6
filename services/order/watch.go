package order

import (
	"context"
	"crypto/sha256"
	"encoding/base64"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	orderv1 "mall/gen/mall/order/v1"
	"mall/services/platform/auth"
)

// orderHint is the feed key of an order.
func orderHint(orderID string) string { return "order:" + orderID }

// WatchOrder streams one of the caller's orders: the order at once unless
// the request's cursor names it as it is, then the order after each change,
// until it is sent in a terminal status. The feed's hint only wakes the
// stream; each message is read afresh as GetOrder reads it.
func (s *Service) WatchOrder(ctx context.Context, req *connect.Request[orderv1.WatchOrderRequest], stream *connect.ServerStream[orderv1.WatchOrderResponse]) error {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return err
	}
	orderID, sent := req.Msg.GetOrderId(), req.Msg.GetCursor()
	first := true
	return s.opts.Feed.Follow(ctx, userID, orderHint(orderID), func(ctx context.Context) (bool, error) {
		o, err := s.order(ctx, orderID, userID)
		if err != nil {
			return false, err
		}
		cursor, err := orderCursor(o)
		if err != nil {
			return false, err
		}
		final := isTerminal(o.GetStatus())
		switch {
		case cursor != sent:
			if err := stream.Send(&orderv1.WatchOrderResponse{Order: o, Cursor: cursor}); err != nil {
				return false, err
			}
			sent = cursor
		case first && !final:
			// The client has the order as it is: the response headers go
			// out alone, so it knows the stream stands (a client waits for
			// them before it reads).
			if err := stream.Send(nil); err != nil {
				return false, err
			}
		}
		first = false
		return final, nil
	})
}

// orderCursor names an order as it is: a digest of all the buyer is sent,
// so any change (a status, a refund's progress, a tracking number) gives
// another cursor, and a client holding the same cursor holds the same order.
func orderCursor(o *orderv1.Order) (string, error) {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(o)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return base64.RawURLEncoding.EncodeToString(sum[:18]), nil
}

// publishChange hints the watchers of orderID, after the change is committed.
func (s *Service) publishChange(ctx context.Context, orderID string) {
	s.opts.Feed.Publish(ctx, orderHint(orderID))
}
