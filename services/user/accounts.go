package user

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
	"google.golang.org/protobuf/types/known/timestamppb"

	userv1 "mall/gen/mall/user/v1"
	"mall/services/platform/auth"
	"mall/services/platform/db"
	"mall/services/platform/ratelimit"
	"mall/services/platform/rpcerr"
)

// Register creates an account; a taken username or phone is already_exists.
// Registrations are limited per client address before the (deliberately
// slow) hash, which also bounds how fast taken names can be probed.
func (s *Service) Register(ctx context.Context, req *connect.Request[userv1.RegisterRequest]) (*connect.Response[userv1.RegisterResponse], error) {
	msg := req.Msg
	if err := s.allow(ctx, "register:addr:"+s.clientKey(req), s.opts.RegisterLimit, "too many registrations from this address; retry later"); err != nil {
		return nil, err
	}
	hash, err := hashPassword(msg.GetPassword())
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	row := &userRow{ID: "u-" + uuid.NewString(), PasswordHash: hash, Nickname: msg.GetNickname(), Role: roleUser, CreatedAt: now, UpdatedAt: now}
	if username := msg.GetUsername(); username != "" {
		row.Username = sql.NullString{String: username, Valid: true}
		if row.Nickname == "" {
			row.Nickname = username
		}
	} else {
		row.Phone = sql.NullString{String: msg.GetPhone(), Valid: true}
		if row.Nickname == "" {
			row.Nickname = maskPhone(msg.GetPhone())
		}
	}
	if err := insertUser(ctx, s.db, row); err != nil {
		if db.IsDuplicate(err) {
			return nil, rpcerr.New(connect.CodeAlreadyExists, ReasonLoginTaken, "this username or phone is already registered")
		}
		return nil, err
	}
	return connect.NewResponse(&userv1.RegisterResponse{User: row.proto()}), nil
}

// clientKey is what per-client limits count under: the caller's address
// (behind trusted proxies only, the one they recorded), IPv6 by /64.
func (s *Service) clientKey(req connect.AnyRequest) string {
	return s.opts.Clients.KeyOf(req.Peer().Addr, req.Header())
}

func maskPhone(phone string) string {
	if len(phone) < 7 {
		return "user"
	}
	return phone[:3] + strings.Repeat("*", len(phone)-7) + phone[len(phone)-4:]
}

// allow records one attempt under key and refuses it past limit.
func (s *Service) allow(ctx context.Context, key string, limit ratelimit.Limit, refusal string) error {
	wait, err := s.limiter.Allow(ctx, key, limit)
	if err != nil {
		return err
	}
	if wait > 0 {
		return ratelimit.Exhausted(refusal, wait)
	}
	return nil
}

// normalizeLogin is the limiter's name for a login that matches no
// account: Unicode NFKC (full-width letters become ASCII), case-folded,
// trimmed, so no spelling of one name gets a budget of its own.
func normalizeLogin(login string) string {
	return strings.TrimSpace(cases.Fold().String(norm.NFKC.String(login)))
}

// Login checks a password and issues a token. The account is looked up
// first (the column's collation ignores case, trailing spaces and width, so
// every spelling of a login finds the same row), and attempts are counted
// under what was found: the account's id, or for an unknown login its
// normalized form. The per-account budget is per client address, so an
// attacker who exhausts it locks out their own address only; a budget per
// address across accounts stops password spraying. An unknown login costs
// a lookup, the limiter and a password hash like a known one, and gets the
// same answers.
func (s *Service) Login(ctx context.Context, req *connect.Request[userv1.LoginRequest]) (*connect.Response[userv1.LoginResponse], error) {
	login, password, client := req.Msg.GetLogin(), req.Msg.GetPassword(), s.clientKey(req)
	// The address's budget comes first: past it, an attempt costs not even
	// the lookup.
	const refusal = "too many login attempts; retry later"
	if err := s.allow(ctx, "login:addr:"+client, s.opts.AddressLimit, refusal); err != nil {
		return nil, err
	}
	row, err := selectUserByLogin(ctx, s.db, login)
	found := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	account := "name:" + normalizeLogin(login)
	if found {
		account = "id:" + row.ID
	}
	if err := s.allow(ctx, "login:account:"+account+":addr:"+client, s.opts.AccountLimit, refusal); err != nil {
		return nil, err
	}
	if !found {
		_, _ = checkPassword(dummyHash, password)
		return nil, errBadCredentials()
	}
	ok, err := checkPassword(row.PasswordHash, password)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errBadCredentials()
	}
	if row.SessionEpoch > 0 {
		// Publish the account's epoch again: a password change whose
		// publication failed, or a Valkey that lost it, is repaired by the
		// owner's next sign-in. The stored value never goes down.
		if err := s.revocations.RevokeSessions(ctx, row.ID, row.SessionEpoch, s.opts.TokenTTL); err != nil {
			return nil, err
		}
	}
	token, identity, err := s.keys.IssueSession(row.ID, rolesOf(row), row.SessionEpoch, s.opts.TokenTTL)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&userv1.LoginResponse{AccessToken: token, ExpiresAt: timestamppb.New(identity.ExpiresAt), User: row.proto()}), nil
}

func rolesOf(row *userRow) []string {
	roles := []string{auth.RoleUser}
	if row.Role == roleAdmin {
		roles = append(roles, auth.RoleAdmin)
	}
	return roles
}

// ChangePassword replaces the caller's password after checking the current
// one, revokes every token issued before the change and returns a fresh
// token. Attempts are limited per account. The account's row is locked
// while the current password is checked and replaced, so of concurrent
// changes with one current password exactly one succeeds.
func (s *Service) ChangePassword(ctx context.Context, req *connect.Request[userv1.ChangePasswordRequest]) (*connect.Response[userv1.ChangePasswordResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	current, next := req.Msg.GetCurrentPassword(), req.Msg.GetNewPassword()
	if err := s.allow(ctx, "password:"+userID, s.opts.PasswordChangeLimit, "too many password change attempts; retry later"); err != nil {
		return nil, err
	}
	hash, err := hashPassword(next) // before the lock: hashing is the slow part
	if err != nil {
		return nil, err
	}
	var row *userRow
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		row, err = selectUser(ctx, tx, userID, true)
		if errors.Is(err, sql.ErrNoRows) {
			return rpcerr.New(connect.CodeUnauthenticated, rpcerr.ReasonUnauthenticated, "login required")
		}
		if err != nil {
			return err
		}
		ok, err := checkPassword(row.PasswordHash, current)
		if err != nil {
			return err
		}
		if !ok {
			return rpcerr.New(connect.CodePermissionDenied, ReasonWrongPassword, "the current password is wrong")
		}
		// An admin keeps the admin policy whichever way the password changes.
		if row.Role == roleAdmin {
			if problem := adminPasswordProblem(next); problem != "" {
				return rpcerr.New(connect.CodeInvalidArgument, ReasonWeakPassword, problem)
			}
		}
		return replacePassword(ctx, tx, row, hash)
	})
	if err != nil {
		return nil, err
	}
	// The change is committed: its revocation must not depend on the
	// caller staying connected.
	publishCtx := context.WithoutCancel(ctx)
	if err := s.revocations.RevokeSessions(publishCtx, userID, row.SessionEpoch, s.opts.TokenTTL); err != nil {
		s.logger.ErrorContext(ctx, "password changed, older sessions not revoked yet", "user_id", userID, "err", err)
		return nil, rpcerr.New(connect.CodeUnavailable, ReasonSessionsNotRevoked,
			"the password was changed, but other sessions could not be signed out yet; sign in with the new password to finish")
	}
	token, identity, err := s.keys.IssueSession(userID, rolesOf(row), row.SessionEpoch, s.opts.TokenTTL)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&userv1.ChangePasswordResponse{AccessToken: token, ExpiresAt: timestamppb.New(identity.ExpiresAt)}), nil
}

// Logout revokes the caller's token until it expires.
func (s *Service) Logout(ctx context.Context, _ *connect.Request[userv1.LogoutRequest]) (*connect.Response[userv1.LogoutResponse], error) {
	identity, ok := auth.FromContext(ctx)
	if !ok {
		return nil, rpcerr.New(connect.CodeUnauthenticated, rpcerr.ReasonUnauthenticated, "login required")
	}
	if err := s.revocations.Revoke(ctx, identity); err != nil {
		return nil, err
	}
	return connect.NewResponse(&userv1.LogoutResponse{}), nil
}

// GetProfile returns the caller's account.
func (s *Service) GetProfile(ctx context.Context, _ *connect.Request[userv1.GetProfileRequest]) (*connect.Response[userv1.GetProfileResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	u, err := s.user(ctx, userID)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&userv1.GetProfileResponse{User: u}), nil
}

// GetUserInternal returns any account, for the services that show a user
// (a review's author).
func (s *Service) GetUserInternal(ctx context.Context, req *connect.Request[userv1.GetUserInternalRequest]) (*connect.Response[userv1.GetUserInternalResponse], error) {
	u, err := s.user(ctx, req.Msg.GetUserId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&userv1.GetUserInternalResponse{User: u}), nil
}

// AdminFindUser returns the account whose username or phone is the login.
func (s *Service) AdminFindUser(ctx context.Context, req *connect.Request[userv1.AdminFindUserRequest]) (*connect.Response[userv1.AdminFindUserResponse], error) {
	row, err := selectUserByLogin(ctx, s.db, req.Msg.GetLogin())
	if errors.Is(err, sql.ErrNoRows) {
		return nil, rpcerr.New(connect.CodeNotFound, ReasonUserNotFound, "user not found")
	}
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&userv1.AdminFindUserResponse{User: row.proto()}), nil
}

// user returns one account.
func (s *Service) user(ctx context.Context, id string) (*userv1.User, error) {
	row, err := selectUser(ctx, s.db, id, false)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, rpcerr.New(connect.CodeNotFound, ReasonUserNotFound, "user not found")
	}
	if err != nil {
		return nil, err
	}
	return row.proto(), nil
}

// UpdateProfile changes the fields of the caller's profile that are set.
func (s *Service) UpdateProfile(ctx context.Context, req *connect.Request[userv1.UpdateProfileRequest]) (*connect.Response[userv1.UpdateProfileResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	if err := updateProfile(ctx, s.db, userID, req.Msg.Nickname, req.Msg.AvatarUrl, time.Now().UTC()); err != nil {
		return nil, err
	}
	u, err := s.user(ctx, userID)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&userv1.UpdateProfileResponse{User: u}), nil
}
