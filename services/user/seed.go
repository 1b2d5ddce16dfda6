package user

import (
	"context"
	"database/sql"
	"time"

	"github.com/uptrace/bun"
)

// DevAdminLogin and DevAdminPassword are the demo admin account `mall seed`
// creates, so a fresh `make run` can drive the admin RPCs. Change or delete
// it anywhere that is not a developer machine.
const (
	DevAdminLogin    = "admin"
	DevAdminPassword = "admin-dev-123"
)

// Seed creates the demo admin account if it does not exist.
func Seed(ctx context.Context, db *bun.DB) error {
	hash, err := hashPassword(DevAdminPassword)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	row := &userRow{ID: "u-admin", Username: sql.NullString{String: DevAdminLogin, Valid: true}, PasswordHash: hash,
		Nickname: "Admin", Role: roleAdmin, CreatedAt: now, UpdatedAt: now}
	_, err = db.NewInsert().Model(row).Ignore().Exec(ctx)
	return err
}
