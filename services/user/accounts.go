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

	userv1 "mall/gen/mall/user/v1"
	"mall/services/platform/auth"
	"mall/services/platform/db"
	"mall/services/platform/ratelimit"
	"mall/services/platform/rpcerr"
)

// Register creates an account; a taken username or phone is already_exists.
// Registrations are limited per client address before the (deliberately
// slow) hash, which also bounds how fast taken names can be probed.
func (s *Service) Register(ctx context.Context, req *userv1.RegisterRequest, client string) (*userv1.User, error) {
	if err := s.allow(ctx, "register:addr:"+client, s.opts.RegisterLimit, "too many registrations from this address; retry later"); err != nil {
		return nil, err
	}
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
func (s *Service) Login(ctx context.Context, login, password, client string) (string, time.Time, *userv1.User, error) {
	// The address's budget comes first: past it, an attempt costs not even
	// the lookup.
	const refusal = "too many login attempts; retry later"
	if err := s.allow(ctx, "login:addr:"+client, s.opts.AddressLimit, refusal); err != nil {
		return "", time.Time{}, nil, err
	}
	row := &userRow{}
	err := s.db.NewSelect().Model(row).Where("username = ? OR phone = ?", login, login).Limit(1).Scan(ctx)
	found := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", time.Time{}, nil, err
	}
	account := "name:" + normalizeLogin(login)
	if found {
		account = "id:" + row.ID
	}
	if err := s.allow(ctx, "login:account:"+account+":addr:"+client, s.opts.AccountLimit, refusal); err != nil {
		return "", time.Time{}, nil, err
	}
	if !found {
		_, _ = checkPassword(dummyHash, password)
		return "", time.Time{}, nil, errBadCredentials()
	}
	ok, err := checkPassword(row.PasswordHash, password)
	if err != nil {
		return "", time.Time{}, nil, err
	}
	if !ok {
		return "", time.Time{}, nil, errBadCredentials()
	}
	if row.SessionEpoch > 0 {
		// Publish the account's epoch again: a password change whose
		// publication failed, or a Valkey that lost it, is repaired by the
		// owner's next sign-in. The stored value never goes down.
		if err := s.revocations.RevokeSessions(ctx, row.ID, row.SessionEpoch, s.opts.TokenTTL); err != nil {
			return "", time.Time{}, nil, err
		}
	}
	token, identity, err := s.keys.IssueSession(row.ID, rolesOf(row), row.SessionEpoch, s.opts.TokenTTL)
	if err != nil {
		return "", time.Time{}, nil, err
	}
	return token, identity.ExpiresAt, row.proto(), nil
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
func (s *Service) ChangePassword(ctx context.Context, userID, current, next string) (string, time.Time, error) {
	if err := s.allow(ctx, "password:"+userID, s.opts.PasswordChangeLimit, "too many password change attempts; retry later"); err != nil {
		return "", time.Time{}, err
	}
	hash, err := hashPassword(next) // before the lock: hashing is the slow part
	if err != nil {
		return "", time.Time{}, err
	}
	row := &userRow{}
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		err := tx.NewSelect().Model(row).Where("id = ?", userID).For("UPDATE").Scan(ctx)
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
		return "", time.Time{}, err
	}
	// The change is committed: its revocation must not depend on the
	// caller staying connected.
	publishCtx := context.WithoutCancel(ctx)
	if err := s.revocations.RevokeSessions(publishCtx, userID, row.SessionEpoch, s.opts.TokenTTL); err != nil {
		s.logger.ErrorContext(ctx, "password changed, older sessions not revoked yet", "user_id", userID, "err", err)
		return "", time.Time{}, rpcerr.New(connect.CodeUnavailable, ReasonSessionsNotRevoked,
			"the password was changed, but other sessions could not be signed out yet; sign in with the new password to finish")
	}
	token, identity, err := s.keys.IssueSession(userID, rolesOf(row), row.SessionEpoch, s.opts.TokenTTL)
	if err != nil {
		return "", time.Time{}, err
	}
	return token, identity.ExpiresAt, nil
}

// replacePassword stores hash as the locked row's password and raises its
// session epoch, so every token issued before is revoked once the epoch is
// published.
func replacePassword(ctx context.Context, tx bun.Tx, row *userRow, hash string) error {
	row.SessionEpoch++
	_, err := tx.NewUpdate().Table("users").Set("password_hash = ?", hash).Set("session_epoch = ?", row.SessionEpoch).
		Set("updated_at = ?", time.Now().UTC()).Where("id = ?", row.ID).Exec(ctx)
	return err
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
