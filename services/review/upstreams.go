package review

import (
	"context"

	"connectrpc.com/connect"

	orderv1 "mall/gen/mall/order/v1"
	userv1 "mall/gen/mall/user/v1"
)

// order fetches an order by id; nil (and no error) when it does not exist.
// Any other failure of the order service is unavailable: its codes and
// texts are not passed through to the review's callers.
func (s *Service) order(ctx context.Context, orderID string) (*orderv1.Order, error) {
	res, err := s.orders.GetOrderInternal(ctx, connect.NewRequest(&orderv1.GetOrderInternalRequest{OrderId: orderID}))
	if connect.CodeOf(err) == connect.CodeNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, s.dependencyError(ctx, "GetOrderInternal", err, errOrderUnavailable())
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
		return "", s.dependencyError(ctx, "GetUserInternal", err, errUserUnavailable())
	}
	return maskName(res.Msg.GetUser().GetNickname()), nil
}

func (s *Service) dependencyError(ctx context.Context, call string, err, answer error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr // the caller went away; the sanitizer keeps its meaning
	}
	s.logger.WarnContext(ctx, "dependency call failed", "call", call, "code", connect.CodeOf(err).String(), "err", err)
	return answer
}
