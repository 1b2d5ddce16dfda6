package user

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"

	userv1 "mall/gen/mall/user/v1"
	"mall/services/platform/auth"
	"mall/services/platform/db"
	"mall/services/platform/ratelimit"
	"mall/services/platform/rpcerr"
)

// Register creates an account; a taken username or phone is already_exists.
func (s *Service) Register(ctx context.Context, req *userv1.RegisterRequest) (*userv1.User, error) {
	hash, err := hashPassword(req.GetPassword())
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	row := &userRow{ID: "u-" + uuid.NewString(), PasswordHash: hash, Nickname: req.GetNickname(), Role: roleUser, CreatedAt: now, UpdatedAt: now}
	if username := req.GetUsername(); username != "" {
		row.Username = sql.NullString{String: username, Valid: true}
		if row.Nickname == "" {
			row.Nickname = username
		}
	} else {
		row.Phone = sql.NullString{String: req.GetPhone(), Valid: true}
		if row.Nickname == "" {
			row.Nickname = maskPhone(req.GetPhone())
		}
	}
	if _, err := s.db.NewInsert().Model(row).Exec(ctx); err != nil {
		if db.IsDuplicate(err) {
			return nil, rpcerr.New(connect.CodeAlreadyExists, ReasonLoginTaken, "this username or phone is already registered")
		}
		return nil, err
	}
	return row.proto(), nil
}

func maskPhone(phone string) string {
	if len(phone) < 7 {
		return "user"
	}
	return phone[:3] + strings.Repeat("*", len(phone)-7) + phone[len(phone)-4:]
}

// Login checks a password and issues a token. Attempts are limited per
// account and per client address, before the (deliberately slow) hash check.
func (s *Service) Login(ctx context.Context, login, password, clientAddr string) (string, time.Time, *userv1.User, error) {
	for _, check := range []struct {
		key   string
		limit ratelimit.Limit
	}{{"account:" + strings.ToLower(login), s.opts.AccountLimit}, {"addr:" + clientAddr, s.opts.AddressLimit}} {
		wait, err := s.limiter.Allow(ctx, check.key, check.limit)
		if err != nil {
			return "", time.Time{}, nil, err
		}
		if wait > 0 {
			return "", time.Time{}, nil, ratelimit.Exhausted("too many login attempts; retry later", wait)
		}
	}
	row := &userRow{}
	err := s.db.NewSelect().Model(row).Where("username = ? OR phone = ?", login, login).Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		_, _ = checkPassword(dummyHash, password)
		return "", time.Time{}, nil, errBadCredentials()
	}
	if err != nil {
		return "", time.Time{}, nil, err
	}
	ok, err := checkPassword(row.PasswordHash, password)
	if err != nil {
		return "", time.Time{}, nil, err
	}
	if !ok {
		return "", time.Time{}, nil, errBadCredentials()
	}
	roles := []string{auth.RoleUser}
	if row.Role == roleAdmin {
		roles = append(roles, auth.RoleAdmin)
	}
	token, identity, err := s.keys.Issue(row.ID, roles, s.opts.TokenTTL)
	if err != nil {
		return "", time.Time{}, nil, err
	}
	return token, identity.ExpiresAt, row.proto(), nil
}

// Logout revokes the caller's token until it expires.
func (s *Service) Logout(ctx context.Context) error {
	identity, ok := auth.FromContext(ctx)
	if !ok {
		return rpcerr.New(connect.CodeUnauthenticated, rpcerr.ReasonUnauthenticated, "login required")
	}
	return s.revocations.Revoke(ctx, identity)
}

// GetUser returns one account.
func (s *Service) GetUser(ctx context.Context, id string) (*userv1.User, error) {
	row := &userRow{}
	err := s.db.NewSelect().Model(row).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, rpcerr.New(connect.CodeNotFound, ReasonUserNotFound, "user not found")
	}
	if err != nil {
		return nil, err
	}
	return row.proto(), nil
}

// UpdateProfile changes the fields that are set.
func (s *Service) UpdateProfile(ctx context.Context, id string, req *userv1.UpdateProfileRequest) (*userv1.User, error) {
	q := s.db.NewUpdate().Table("users").Set("updated_at = ?", time.Now().UTC()).Where("id = ?", id)
	if req.Nickname != nil {
		q = q.Set("nickname = ?", req.GetNickname())
	}
	if req.AvatarUrl != nil {
		q = q.Set("avatar_url = ?", req.GetAvatarUrl())
	}
	if _, err := q.Exec(ctx); err != nil {
		return nil, err
	}
	return s.GetUser(ctx, id)
}
