package user

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"connectrpc.com/connect"
	"github.com/uptrace/bun"

	"mall/services/platform/rpcerr"
)

// This file holds the user database's queries; the logic files decide when
// to use them.

// Accounts.

// insertUser writes a new account; a taken username or phone is a
// duplicate-key error.
func insertUser(ctx context.Context, idb bun.IDB, row *userRow) error {
	_, err := idb.NewInsert().Model(row).Exec(ctx)
	return err
}

// insertUserIfAbsent writes an account unless its id, username or phone is
// taken.
func insertUserIfAbsent(ctx context.Context, idb bun.IDB, row *userRow) error {
	_, err := idb.NewInsert().Model(row).Ignore().Exec(ctx)
	return err
}

// selectUser reads one account; lock takes it FOR UPDATE. A missing account
// is sql.ErrNoRows.
func selectUser(ctx context.Context, idb bun.IDB, id string, lock bool) (*userRow, error) {
	row := &userRow{}
	q := idb.NewSelect().Model(row).Where("id = ?", id)
	if lock {
		q = q.For("UPDATE")
	}
	return row, q.Scan(ctx)
}

// selectUserByLogin reads the account whose username or phone is login, in
// any spelling the columns' collation equates; none is sql.ErrNoRows.
func selectUserByLogin(ctx context.Context, idb bun.IDB, login string) (*userRow, error) {
	row := &userRow{}
	return row, idb.NewSelect().Model(row).Where("username = ? OR phone = ?", login, login).Limit(1).Scan(ctx)
}

// lockUserByUsername reads and locks the account named username; none is
// sql.ErrNoRows.
func lockUserByUsername(ctx context.Context, tx bun.Tx, username string) (*userRow, error) {
	row := &userRow{}
	return row, tx.NewSelect().Model(row).Where("username = ?", username).For("UPDATE").Scan(ctx)
}

// selectAdmins reads the admin accounts' names and password hashes.
func selectAdmins(ctx context.Context, idb bun.IDB) ([]userRow, error) {
	var admins []userRow
	err := idb.NewSelect().Model(&admins).Column("id", "username", "phone", "password_hash").
		Where("role = ?", roleAdmin).Scan(ctx)
	return admins, err
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

// updateProfile sets the profile fields that are not nil.
func updateProfile(ctx context.Context, idb bun.IDB, id string, nickname, avatarURL *string, at time.Time) error {
	q := idb.NewUpdate().Table("users").Set("updated_at = ?", at).Where("id = ?", id)
	if nickname != nil {
		q = q.Set("nickname = ?", *nickname)
	}
	if avatarURL != nil {
		q = q.Set("avatar_url = ?", *avatarURL)
	}
	_, err := q.Exec(ctx)
	return err
}

// Addresses.

// lockUser locks the user's row for the rest of tx (see addresses.go); an
// unknown user is not_found.
func lockUser(ctx context.Context, tx bun.Tx, userID string) error {
	var id string
	err := tx.NewSelect().Table("users").Column("id").Where("id = ?", userID).For("UPDATE").Scan(ctx, &id)
	if errors.Is(err, sql.ErrNoRows) {
		return rpcerr.New(connect.CodeNotFound, ReasonUserNotFound, "user not found")
	}
	return err
}

// ownAddress loads an address of userID; another user's address is not found.
func ownAddress(ctx context.Context, tx bun.IDB, userID, addressID string) (*addressRow, error) {
	row := &addressRow{}
	err := tx.NewSelect().Model(row).Where("id = ? AND user_id = ?", addressID, userID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errAddressNotFound()
	}
	return row, err
}

// selectAddresses reads every address of userID, default first, then newest
// first.
func selectAddresses(ctx context.Context, idb bun.IDB, userID string) ([]addressRow, error) {
	var rows []addressRow
	err := idb.NewSelect().Model(&rows).Where("user_id = ?", userID).OrderExpr("is_default DESC, created_at DESC, id DESC").Scan(ctx)
	return rows, err
}

func countAddresses(ctx context.Context, idb bun.IDB, userID string) (int, error) {
	return idb.NewSelect().Model((*addressRow)(nil)).Where("user_id = ?", userID).Count(ctx)
}

func insertAddress(ctx context.Context, tx bun.Tx, row *addressRow) error {
	_, err := tx.NewInsert().Model(row).Exec(ctx)
	return err
}

// insertAddressesIfAbsent writes addresses in one statement, keeping any
// whose id exists.
func insertAddressesIfAbsent(ctx context.Context, idb bun.IDB, rows []addressRow) error {
	_, err := idb.NewInsert().Model(&rows).Ignore().Exec(ctx)
	return err
}

// updateAddress writes every column of an address.
func updateAddress(ctx context.Context, tx bun.Tx, row *addressRow) error {
	_, err := tx.NewUpdate().Model(row).WherePK().Exec(ctx)
	return err
}

// updateAddressDefault writes an address's default flag (and updated_at).
func updateAddressDefault(ctx context.Context, tx bun.Tx, row *addressRow) error {
	_, err := tx.NewUpdate().Model(row).Column("is_default", "updated_at").WherePK().Exec(ctx)
	return err
}

func clearDefault(ctx context.Context, tx bun.Tx, userID string) error {
	_, err := tx.NewUpdate().Table("addresses").Set("is_default = FALSE").Where("user_id = ? AND is_default", userID).Exec(ctx)
	return err
}

func deleteAddress(ctx context.Context, tx bun.Tx, row *addressRow) error {
	_, err := tx.NewDelete().Model(row).WherePK().Exec(ctx)
	return err
}

// promoteNewestAddress makes the user's most recent address the default.
func promoteNewestAddress(ctx context.Context, tx bun.Tx, userID string) error {
	_, err := tx.NewRaw("UPDATE addresses SET is_default = TRUE WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT 1", userID).Exec(ctx)
	return err
}

// Favorites.

// insertFavoriteIfAbsent marks a product; a mark that exists is kept.
func insertFavoriteIfAbsent(ctx context.Context, idb bun.IDB, row *favoriteRow) error {
	_, err := idb.NewInsert().Model(row).Ignore().Exec(ctx)
	return err
}

func deleteFavorite(ctx context.Context, idb bun.IDB, userID, productID string) error {
	_, err := idb.NewDelete().Model((*favoriteRow)(nil)).Where("user_id = ? AND product_id = ?", userID, productID).Exec(ctx)
	return err
}

func favoriteExists(ctx context.Context, idb bun.IDB, userID, productID string) (bool, error) {
	return idb.NewSelect().Model((*favoriteRow)(nil)).Where("user_id = ? AND product_id = ?", userID, productID).Exists(ctx)
}

// selectFavorites reads up to limit of userID's favorites newest first,
// those older than the seq before when it is not 0.
func selectFavorites(ctx context.Context, idb bun.IDB, userID string, limit int, before int64) ([]favoriteRow, error) {
	q := idb.NewSelect().Model((*favoriteRow)(nil)).Where("user_id = ?", userID).OrderExpr("seq DESC").Limit(limit)
	if before > 0 {
		q = q.Where("seq < ?", before)
	}
	var rows []favoriteRow
	err := q.Scan(ctx, &rows)
	return rows, err
}

// favoriteProductIDs reads up to limit of userID's favorite products, newest
// first.
func favoriteProductIDs(ctx context.Context, idb bun.IDB, userID string, limit int) ([]string, error) {
	var ids []string
	err := idb.NewSelect().Model((*favoriteRow)(nil)).Column("product_id").Where("user_id = ?", userID).
		OrderExpr("seq DESC").Limit(limit).Scan(ctx, &ids)
	return ids, err
}
