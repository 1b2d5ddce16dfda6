package db

import (
	"context"
	"database/sql"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/uptrace/bun"
)

const txAttempts = 8

// MySQL error numbers the services react to.
const (
	errDuplicateEntry = 1062
	errDeadlock       = 1213
	errLockTimeout    = 1205
)

// IsDuplicate reports whether err is a unique-key violation.
func IsDuplicate(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == errDuplicateEntry
}

func isRetryable(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && (me.Number == errDeadlock || me.Number == errLockTimeout)
}

// InTx runs fn in a READ COMMITTED transaction and runs it again, up to
// eight times in all, when InnoDB chose it as a deadlock victim: the
// database rolled it back whole, so retrying is safe. Retries wait a short,
// growing, jittered pause, so the transactions that collided do not collide
// again in lockstep.
//
// READ COMMITTED because the services serialise what must be serialised by
// locking rows explicitly (FOR UPDATE on a user, an order, a reservation);
// REPEATABLE READ would add gap locks on secondary-index ranges, and then
// two users' inserts next to each other in an index deadlock.
func InTx(ctx context.Context, db *bun.DB, fn func(ctx context.Context, tx bun.Tx) error) error {
	var err error
	for attempt := range txAttempts {
		if attempt > 0 {
			pause := time.Duration(attempt) * 5 * time.Millisecond
			select {
			case <-ctx.Done():
				return errors.Join(err, ctx.Err())
			case <-time.After(pause/2 + rand.N(pause)):
			}
		}
		err = db.RunInTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted}, fn)
		if !isRetryable(err) {
			return err
		}
	}
	return err
}
