package order

import (
	"context"
	"crypto/sha256"
	"encoding/base64"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	orderv1 "mall/gen/mall/order/v1"
	"mall/services/platform/auth"
	"mall/services/platform/feed"
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
	orderID := req.Msg.GetOrderId()
	return feed.Stream(ctx, s.opts.Feed, userID, orderHint(orderID), req.Msg.GetCursor(), false, stream,
		func(ctx context.Context, _ []byte) (*orderv1.WatchOrderResponse, string, bool, error) {
			o, err := s.order(ctx, orderID, userID)
			if err != nil {
				return nil, "", false, err
			}
			cursor, err := orderCursor(o)
			if err != nil {
				return nil, "", false, err
			}
			return &orderv1.WatchOrderResponse{Order: o, Cursor: cursor}, cursor, isTerminal(o.GetStatus()), nil
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
