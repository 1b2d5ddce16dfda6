package user

import (
	"context"
	"database/sql"
	"time"

	"github.com/uptrace/bun"
)

// DevAdminLogin and DevAdminPassword are the demo admin account that
// development mode seeds (`mall dev`, `mall seed --dev`), so a fresh `make
// run` can drive the admin RPCs. The password is public: `mall serve`
// outside development refuses to start while an admin account has it.
const (
	DevAdminLogin    = "admin"
	DevAdminPassword = "admin-dev-123"
)

// SeedDevAdmin creates the demo admin account if it does not exist. Only
// development mode runs it.
func SeedDevAdmin(ctx context.Context, db *bun.DB) error {
	hash, err := hashPassword(DevAdminPassword)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	row := &userRow{ID: "u-admin", Username: sql.NullString{String: DevAdminLogin, Valid: true}, PasswordHash: hash,
		Nickname: "Admin", Role: roleAdmin, CreatedAt: now, UpdatedAt: now}
	return insertUserIfAbsent(ctx, db, row)
}
