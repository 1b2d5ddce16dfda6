// Package user is the accounts domain: registration, login with rate limits
// and revocable tokens, profiles, addresses (exactly one default) and
// favorites. Handler (this file) is thin; the logic is in Service.
package user

import (
	"context"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	userv1 "mall/gen/mall/user/v1"
	"mall/gen/mall/user/v1/userv1connect"
	"mall/services/platform/auth"
)

// Handler serves UserService.
type Handler struct {
	userv1connect.UnimplementedUserServiceHandler
	svc *Service
}

// NewHandler returns the UserService handler over svc.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

var _ userv1connect.UserServiceHandler = (*Handler)(nil)

func (h *Handler) Register(ctx context.Context, req *connect.Request[userv1.RegisterRequest]) (*connect.Response[userv1.RegisterResponse], error) {
	u, err := h.svc.Register(ctx, req.Msg, h.clientKey(req))
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&userv1.RegisterResponse{User: u}), nil
}

func (h *Handler) Login(ctx context.Context, req *connect.Request[userv1.LoginRequest]) (*connect.Response[userv1.LoginResponse], error) {
	token, expires, u, err := h.svc.Login(ctx, req.Msg.GetLogin(), req.Msg.GetPassword(), h.clientKey(req))
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&userv1.LoginResponse{AccessToken: token, ExpiresAt: timestamppb.New(expires), User: u}), nil
}

// clientKey is what per-client limits count under: the caller's address
// (behind trusted proxies only, the one they recorded), IPv6 by /64.
func (h *Handler) clientKey(req connect.AnyRequest) string {
	return h.svc.opts.Clients.KeyOf(req.Peer().Addr, req.Header())
}

func (h *Handler) ChangePassword(ctx context.Context, req *connect.Request[userv1.ChangePasswordRequest]) (*connect.Response[userv1.ChangePasswordResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	token, expires, err := h.svc.ChangePassword(ctx, userID, req.Msg.GetCurrentPassword(), req.Msg.GetNewPassword())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&userv1.ChangePasswordResponse{AccessToken: token, ExpiresAt: timestamppb.New(expires)}), nil
}

func (h *Handler) Logout(ctx context.Context, _ *connect.Request[userv1.LogoutRequest]) (*connect.Response[userv1.LogoutResponse], error) {
	if err := h.svc.Logout(ctx); err != nil {
		return nil, err
	}
	return connect.NewResponse(&userv1.LogoutResponse{}), nil
}

func (h *Handler) GetProfile(ctx context.Context, _ *connect.Request[userv1.GetProfileRequest]) (*connect.Response[userv1.GetProfileResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	u, err := h.svc.GetUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&userv1.GetProfileResponse{User: u}), nil
}

func (h *Handler) UpdateProfile(ctx context.Context, req *connect.Request[userv1.UpdateProfileRequest]) (*connect.Response[userv1.UpdateProfileResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	u, err := h.svc.UpdateProfile(ctx, userID, req.Msg)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&userv1.UpdateProfileResponse{User: u}), nil
}

func (h *Handler) CreateAddress(ctx context.Context, req *connect.Request[userv1.CreateAddressRequest]) (*connect.Response[userv1.CreateAddressResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	a, err := h.svc.CreateAddress(ctx, userID, req.Msg.GetAddress(), req.Msg.GetMakeDefault())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&userv1.CreateAddressResponse{Address: a}), nil
}

func (h *Handler) UpdateAddress(ctx context.Context, req *connect.Request[userv1.UpdateAddressRequest]) (*connect.Response[userv1.UpdateAddressResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	a, err := h.svc.UpdateAddress(ctx, userID, req.Msg.GetAddressId(), req.Msg.GetAddress())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&userv1.UpdateAddressResponse{Address: a}), nil
}

func (h *Handler) DeleteAddress(ctx context.Context, req *connect.Request[userv1.DeleteAddressRequest]) (*connect.Response[userv1.DeleteAddressResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	if err := h.svc.DeleteAddress(ctx, userID, req.Msg.GetAddressId()); err != nil {
		return nil, err
	}
	return connect.NewResponse(&userv1.DeleteAddressResponse{}), nil
}

func (h *Handler) ListAddresses(ctx context.Context, _ *connect.Request[userv1.ListAddressesRequest]) (*connect.Response[userv1.ListAddressesResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	addresses, err := h.svc.ListAddresses(ctx, userID)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&userv1.ListAddressesResponse{Addresses: addresses}), nil
}

func (h *Handler) SetDefaultAddress(ctx context.Context, req *connect.Request[userv1.SetDefaultAddressRequest]) (*connect.Response[userv1.SetDefaultAddressResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	a, err := h.svc.SetDefaultAddress(ctx, userID, req.Msg.GetAddressId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&userv1.SetDefaultAddressResponse{Address: a}), nil
}

func (h *Handler) AddFavorite(ctx context.Context, req *connect.Request[userv1.AddFavoriteRequest]) (*connect.Response[userv1.AddFavoriteResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	if err := h.svc.AddFavorite(ctx, userID, req.Msg.GetProductId()); err != nil {
		return nil, err
	}
	return connect.NewResponse(&userv1.AddFavoriteResponse{}), nil
}

func (h *Handler) RemoveFavorite(ctx context.Context, req *connect.Request[userv1.RemoveFavoriteRequest]) (*connect.Response[userv1.RemoveFavoriteResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	if err := h.svc.RemoveFavorite(ctx, userID, req.Msg.GetProductId()); err != nil {
		return nil, err
	}
	return connect.NewResponse(&userv1.RemoveFavoriteResponse{}), nil
}

func (h *Handler) ListFavorites(ctx context.Context, req *connect.Request[userv1.ListFavoritesRequest]) (*connect.Response[userv1.ListFavoritesResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	favorites, next, err := h.svc.ListFavorites(ctx, userID, int(req.Msg.GetPageSize()), req.Msg.GetPageToken())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&userv1.ListFavoritesResponse{Favorites: favorites, NextPageToken: next}), nil
}

func (h *Handler) IsFavorite(ctx context.Context, req *connect.Request[userv1.IsFavoriteRequest]) (*connect.Response[userv1.IsFavoriteResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	favorite, err := h.svc.IsFavorite(ctx, userID, req.Msg.GetProductId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&userv1.IsFavoriteResponse{Favorite: favorite}), nil
}

// Internal procedures: the caller is a service acting for the user named in
// the request (the authn layer admits only service credentials here).

func (h *Handler) GetUserInternal(ctx context.Context, req *connect.Request[userv1.GetUserInternalRequest]) (*connect.Response[userv1.GetUserInternalResponse], error) {
	u, err := h.svc.GetUser(ctx, req.Msg.GetUserId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&userv1.GetUserInternalResponse{User: u}), nil
}

func (h *Handler) GetAddressInternal(ctx context.Context, req *connect.Request[userv1.GetAddressInternalRequest]) (*connect.Response[userv1.GetAddressInternalResponse], error) {
	a, err := h.svc.GetAddress(ctx, req.Msg.GetUserId(), req.Msg.GetAddressId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&userv1.GetAddressInternalResponse{Address: a}), nil
}

func (h *Handler) IsFavoriteInternal(ctx context.Context, req *connect.Request[userv1.IsFavoriteInternalRequest]) (*connect.Response[userv1.IsFavoriteInternalResponse], error) {
	favorite, err := h.svc.IsFavorite(ctx, req.Msg.GetUserId(), req.Msg.GetProductId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&userv1.IsFavoriteInternalResponse{Favorite: favorite}), nil
}

func (h *Handler) ListFavoriteProductIds(ctx context.Context, req *connect.Request[userv1.ListFavoriteProductIdsRequest]) (*connect.Response[userv1.ListFavoriteProductIdsResponse], error) {
	ids, err := h.svc.FavoriteProductIDs(ctx, req.Msg.GetUserId(), int(req.Msg.GetLimit()))
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&userv1.ListFavoriteProductIdsResponse{ProductIds: ids}), nil
}
