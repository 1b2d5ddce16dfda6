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
	"mall/services/platform/server"
	"mall/services/seckill"
)

// naiveSeckill is the comparison handler: Purchase does the naive MySQL
// sale.
type naiveSeckill struct {
	seckillv1connect.UnimplementedSeckillServiceHandler
	naive *naiveSale
}

func (n *naiveSeckill) Purchase(ctx context.Context, _ *connect.Request[seckillv1.PurchaseRequest]) (*connect.Response[seckillv1.PurchaseResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	if err := n.naive.buy(ctx, userID); err != nil {
		return nil, err
	}
	return connect.NewResponse(&seckillv1.PurchaseResponse{Ticket: "naive", AcceptedAt: timestamppb.Now()}), nil
}

// serveNaiveSale serves, beside the mall, a server with its options whose
// Purchase is a naive sale of stock units; it returns the sale and the
// server's URL.
func serveNaiveSale(ctx context.Context, sys *system, stock int64) (*naiveSale, string, error) {
	seckillDB, err := sys.deps.Database(ctx, "seckill")
	if err != nil {
		return nil, "", err
	}
	sale, err := newNaiveSale(ctx, seckillDB, "naive-"+sys.runID, stock)
	if err != nil {
		return nil, "", err
	}
	url, err := sys.serveComparison(ctx, "naive sale", func(srv *server.Server) {
		srv.Mount(seckillv1connect.NewSeckillServiceHandler(&naiveSeckill{naive: sale}, srv.HandlerOptions()...))
	})
	return sale, url, err
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

// sold counts the naive sale's orders and the stock it has left.
func (n *naiveSale) sold(ctx context.Context) (orders int, left int64, err error) {
	if orders, err = n.db.NewSelect().Table("bench_naive_orders").Where("event_id = ?", n.eventID).Count(ctx); err != nil {
		return 0, 0, err
	}
	err = n.db.NewSelect().Table("bench_naive_stock").Column("stock").Where("event_id = ?", n.eventID).Scan(ctx, &left)
	return orders, left, err
}
