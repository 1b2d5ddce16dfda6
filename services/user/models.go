package user

import (
	"database/sql"
	"time"

	"github.com/uptrace/bun"
)

// Stored roles (same numbers as userv1.Role).
const (
	roleUser  = 1
	roleAdmin = 2
)

type userRow struct {
	bun.BaseModel `bun:"table:users"`

	ID           string         `bun:"id,pk"`
	Username     sql.NullString `bun:"username"`
	Phone        sql.NullString `bun:"phone"`
	PasswordHash string         `bun:"password_hash"`
	Nickname     string         `bun:"nickname"`
	AvatarURL    string         `bun:"avatar_url"`
	Role         int32          `bun:"role"`
	SessionEpoch int64          `bun:"session_epoch"` // raised by every password change
	CreatedAt    time.Time      `bun:"created_at"`
	UpdatedAt    time.Time      `bun:"updated_at"`
}

type addressRow struct {
	bun.BaseModel `bun:"table:addresses"`

	ID            string    `bun:"id,pk"`
	UserID        string    `bun:"user_id"`
	RecipientName string    `bun:"recipient_name"`
	Phone         string    `bun:"phone"`
	Province      string    `bun:"province"`
	City          string    `bun:"city"`
	District      string    `bun:"district"`
	Detail        string    `bun:"detail"`
	PostalCode    string    `bun:"postal_code"`
	IsDefault     bool      `bun:"is_default"`
	CreatedAt     time.Time `bun:"created_at"`
	UpdatedAt     time.Time `bun:"updated_at"`
}

type favoriteRow struct {
	bun.BaseModel `bun:"table:favorites"`

	Seq       int64     `bun:"seq,pk,autoincrement"`
	UserID    string    `bun:"user_id"`
	ProductID string    `bun:"product_id"`
	CreatedAt time.Time `bun:"created_at"`
}
