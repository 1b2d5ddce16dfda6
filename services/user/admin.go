package user

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"buf.build/go/protovalidate"
	"github.com/google/uuid"
	"github.com/uptrace/bun"

	userv1 "mall/gen/mall/user/v1"
	"mall/services/platform/auth"
	"mall/services/platform/db"
)

// Operator tools (`mall admin`): they run against the user database
// directly, so the first admin exists before any token can be issued.

// minAdminPasswordLen is longer than a shopper's minimum: an admin
// password opens every order and the catalog.
const minAdminPasswordLen = 12

// ErrAccountExists is CreateAdmin's answer for a username in use.
var ErrAccountExists = errors.New("an account with this username exists")

// ErrNoSuchAccount is SetPassword's answer for an unknown username.
var ErrNoSuchAccount = errors.New("no account has this username")

// checkAdminCredentials applies Register's rules (the contract's) to the
// username and password, plus the admin minimum length, and refuses the
// public development password.
func checkAdminCredentials(username, password string) error {
	if err := protovalidate.Validate(&userv1.RegisterRequest{
		Identity: &userv1.RegisterRequest_Username{Username: username}, Password: password}); err != nil {
		return err
	}
	if problem := adminPasswordProblem(password); problem != "" {
		return errors.New(problem)
	}
	return nil
}

// adminPasswordProblem says what is wrong with password for an admin
// account ("" when nothing is), on every path that sets one.
func adminPasswordProblem(password string) string {
	switch {
	case len(password) < minAdminPasswordLen:
		return fmt.Sprintf("an admin password has at least %d characters", minAdminPasswordLen)
	case password == DevAdminPassword:
		return "this is the public development password"
	}
	return ""
}

// CreateAdmin adds an admin account with password. A username in use (by
// any account, in any spelling the column's collation equates) is
// ErrAccountExists, and nothing changes.
func CreateAdmin(ctx context.Context, handle *bun.DB, username, password string) (*userv1.User, error) {
	if err := checkAdminCredentials(username, password); err != nil {
		return nil, err
	}
	hash, err := hashPassword(password)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	row := &userRow{ID: "u-" + uuid.NewString(), Username: sql.NullString{String: username, Valid: true}, PasswordHash: hash,
		Nickname: username, Role: roleAdmin, CreatedAt: now, UpdatedAt: now}
	if err := insertUser(ctx, handle, row); err != nil {
		if db.IsDuplicate(err) {
			return nil, fmt.Errorf("%s: %w", username, ErrAccountExists)
		}
		return nil, err
	}
	return row.proto(), nil
}

// SetPassword replaces the password of the account named username (an
// operator's reset, e.g. of the development admin) and revokes its
// sessions, as ChangePassword does. The password must meet the admin
// policy, whoever the account is.
func SetPassword(ctx context.Context, handle *bun.DB, revocations *auth.ValkeyRevocations, tokenTTL time.Duration, username, password string) error {
	if err := checkAdminCredentials(username, password); err != nil {
		return err
	}
	hash, err := hashPassword(password)
	if err != nil {
		return err
	}
	var row *userRow
	err = handle.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		row, err = lockUserByUsername(ctx, tx, username)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%s: %w", username, ErrNoSuchAccount)
		}
		if err != nil {
			return err
		}
		return replacePassword(ctx, tx, row, hash)
	})
	if err != nil {
		return err
	}
	return revocations.RevokeSessions(ctx, row.ID, row.SessionEpoch, tokenTTL)
}

// DevAdminPasswordInUse names the admin accounts whose password is still
// the public development one.
func DevAdminPasswordInUse(ctx context.Context, handle *bun.DB) ([]string, error) {
	admins, err := selectAdmins(ctx, handle)
	if err != nil {
		return nil, err
	}
	var exposed []string
	for _, a := range admins {
		ok, err := checkPassword(a.PasswordHash, DevAdminPassword)
		if err != nil {
			return nil, err
		}
		if ok {
			name := a.Username.String
			if name == "" {
				name = a.Phone.String
			}
			exposed = append(exposed, name)
		}
	}
	return exposed, nil
}
