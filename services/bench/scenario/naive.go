package scenario

import (
	"context"
	"errors"
	"time"

	"connectrpc.com/connect"
	"github.com/uptrace/bun"
	"google.golang.org/protobuf/types/known/timestamppb"

	seckillv1 "mall/gen/mall/seckill/v1"
	"mall/gen/mall/seckill/v1/seckillv1connect"
	"mall/services/platform/auth"
	"mall/services/platform/db"
	"mall/services/platform/rpcerr"
	"mall/services/seckill"
)

// noopEventID is the event whose Purchase the comparison server answers at
// once, measuring the server and the harness alone.
const noopEventID = "noop"

// baselineSeckill is the comparison handler: Purchase answers at once for
// the no-op event, and does the naive MySQL sale for any other.
type baselineSeckill struct {
	seckillv1connect.UnimplementedSeckillServiceHandler
	naive *naiveSale
}

func (b *baselineSeckill) Purchase(ctx context.Context, req *connect.Request[seckillv1.PurchaseRequest]) (*connect.Response[seckillv1.PurchaseResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	if req.Msg.GetEventId() == noopEventID {
		return connect.NewResponse(&seckillv1.PurchaseResponse{Ticket: "noop", AcceptedAt: timestamppb.Now()}), nil
	}
	if err := b.naive.buy(ctx, userID); err != nil {
		return nil, err
	}
	return connect.NewResponse(&seckillv1.PurchaseResponse{Ticket: "naive", AcceptedAt: timestamppb.Now()}), nil
}

// naiveSale is what a flash sale looks like without a cache and a queue:
// per request, one transaction that decrements the stock row if positive
// and inserts the order row.
type naiveSale struct {
	db      *bun.DB
	eventID string
}

func newNaiveSale(ctx context.Context, handle *bun.DB, eventID string, stock int64) (*naiveSale, error) {
	for _, stmt := range []string{
		`CREATE TABLE IF NOT EXISTS bench_naive_stock (event_id VARCHAR(64) PRIMARY KEY, stock BIGINT NOT NULL) ENGINE=InnoDB`,
		`CREATE TABLE IF NOT EXISTS bench_naive_orders (event_id VARCHAR(64) NOT NULL, user_id VARCHAR(64) NOT NULL,
			created_at DATETIME(6) NOT NULL, PRIMARY KEY (event_id, user_id)) ENGINE=InnoDB`,
	} {
		if _, err := handle.ExecContext(ctx, stmt); err != nil {
			return nil, err
		}
	}
	if _, err := handle.ExecContext(ctx, `INSERT INTO bench_naive_stock (event_id, stock) VALUES (?, ?)`, eventID, stock); err != nil {
		return nil, err
	}
	return &naiveSale{db: handle, eventID: eventID}, nil
}

var errNaiveSoldOut = rpcerr.New(connect.CodeFailedPrecondition, seckill.ReasonSoldOut, "sold out")

func (n *naiveSale) buy(ctx context.Context, userID string) error {
	return db.InTx(ctx, n.db, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE bench_naive_stock SET stock = stock - 1 WHERE event_id = ? AND stock > 0`, n.eventID)
		if err != nil {
			return err
		}
		if rows, err := res.RowsAffected(); err != nil || rows == 0 {
			return errors.Join(err, errNaiveSoldOut)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO bench_naive_orders (event_id, user_id, created_at) VALUES (?, ?, ?)`, n.eventID, userID, time.Now().UTC())
		return err
	})
}
