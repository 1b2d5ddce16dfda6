package product

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"mall/gen/mall/product/v1/productv1connect"
	"mall/services/platform/audit"
	"mall/services/platform/auth"
	"mall/services/platform/rpcclient"
	"mall/services/platform/server"
	"mall/services/platform/testenv"
)

// queryCounter counts SELECTs that read the products table.
type queryCounter struct{ productReads atomic.Int64 }

func (q *queryCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}
func (q *queryCounter) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	query := strings.ToUpper(e.Query)
	if strings.HasPrefix(query, "SELECT") && strings.Contains(query, "`PRODUCTS`") {
		q.productReads.Add(1)
	}
}

// fixture is a product service on its own fresh database (migrated and
// seeded with the demo catalog) and its own Valkey key prefix, served by the
// real platform server.
type fixture struct {
	svc     *Service
	db      *bun.DB
	reads   *queryCounter
	url     string
	keys    *auth.Keys
	clients map[string]productv1connect.ProductServiceClient // "connect-json", "grpc"
	admin   string                                           // admin bearer token
	audit   *auditLog                                        // the operator actions recorded
}

// auditLog keeps the audited calls in memory, finished ones with their
// outcome.
type auditLog struct {
	mu       sync.Mutex
	entries  map[string]audit.Entry
	outcomes []auditRecord
}

type auditRecord struct {
	audit.Entry
	audit.Outcome
}

func (l *auditLog) Begin(_ context.Context, e audit.Entry) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.entries == nil {
		l.entries = map[string]audit.Entry{}
	}
	l.entries[e.ID] = e
	return nil
}

func (l *auditLog) Finish(_ context.Context, id string, o audit.Outcome) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.outcomes = append(l.outcomes, auditRecord{Entry: l.entries[id], Outcome: o})
	return nil
}

// last is the latest finished action of procedure (its short name, e.g.
// "AdjustStock").
func (l *auditLog) last(t *testing.T, procedure string) auditRecord {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := len(l.outcomes) - 1; i >= 0; i-- {
		if strings.HasSuffix(l.outcomes[i].Procedure, "/"+procedure) {
			return l.outcomes[i]
		}
	}
	t.Fatalf("no %s recorded", procedure)
	return auditRecord{}
}

func newFixture(t *testing.T, mutate ...func(*Options)) *fixture {
	t.Helper()
	ctx := context.Background()
	handle := testenv.MigratedDB(t, testenv.DatabasePrefix(t)+"product", Migrations())
	if err := Seed(ctx, handle); err != nil {
		t.Fatal(err)
	}
	reads := &queryCounter{}
	handle.AddQueryHook(reads)
	opts := DefaultOptions()
	opts.KeyPrefix = "test:" + testenv.RandomID(4) + ":"
	for _, m := range mutate {
		m(&opts)
	}
	svc := NewService(handle, testenv.Redis(t), testenv.Logger(), opts)
	t.Cleanup(svc.Close)

	keys, err := auth.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	recorded := &auditLog{}
	url := testenv.Serve(t, server.Options{Authenticator: auth.NewAuthenticator(keys, nil)}, func(srv *server.Server) {
		opts := append(srv.HandlerOptions(), connect.WithInterceptors(audit.NewInterceptor(recorded, uuid.NewString, testenv.Logger())))
		srv.Mount(productv1connect.NewProductServiceHandler(svc, opts...))
		srv.Handle(UploadedImagePath, svc.UploadedImageHandler())
	})
	admin, _, err := keys.Issue("admin-1", []string{auth.RoleAdmin}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{
		svc: svc, db: handle, reads: reads, url: url, keys: keys, admin: admin, audit: recorded,
		clients: map[string]productv1connect.ProductServiceClient{
			"connect-json": productv1connect.NewProductServiceClient(http.DefaultClient, url, connect.WithProtoJSON()),
			"grpc":         productv1connect.NewProductServiceClient(rpcclient.HTTPClient(), url, connect.WithGRPC()),
		},
	}
}

// service returns a service token for internal RPCs.
func (f *fixture) service(t *testing.T) string {
	t.Helper()
	token, _, err := f.keys.Issue("order", []string{auth.RoleService}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return token
}
