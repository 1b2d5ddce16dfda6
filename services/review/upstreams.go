package review

import (
	"context"

	"connectrpc.com/connect"

	orderv1 "mall/gen/mall/order/v1"
	userv1 "mall/gen/mall/user/v1"
	"mall/services/platform/rpcerr"
)

// order fetches an order by id; nil (and no error) when it does not exist.
// Any other failure of the order service is unavailable (rpcerr.Upstream):
// its codes and texts are not passed through to the review's callers.
func (s *Service) order(ctx context.Context, orderID string) (*orderv1.Order, error) {
	res, err := s.orders.GetOrderInternal(ctx, connect.NewRequest(&orderv1.GetOrderInternalRequest{OrderId: orderID}))
	if connect.CodeOf(err) == connect.CodeNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, rpcerr.Upstream(ctx, s.logger, "OrderService.GetOrderInternal", err, ReasonOrderUnavailable, "order service unavailable, try again")
	}
	return res.Msg.GetOrder(), nil
}

// authorName is the masked nickname of a user. A user the user service does
// not know (deleted after the token was issued) is shown as anonymous.
func (s *Service) authorName(ctx context.Context, userID string) (string, error) {
	res, err := s.users.GetUserInternal(ctx, connect.NewRequest(&userv1.GetUserInternalRequest{UserId: userID}))
	if connect.CodeOf(err) == connect.CodeNotFound {
		return maskName(""), nil
	}
	if err != nil {
		return "", rpcerr.Upstream(ctx, s.logger, "UserService.GetUserInternal", err, ReasonUserUnavailable, "user service unavailable, try again")
	}
	return maskName(res.Msg.GetUser().GetNickname()), nil
}
