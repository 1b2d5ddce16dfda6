package app_test

import (
	"context"
	"net"
	"slices"
	"testing"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpcreflect"
	"google.golang.org/protobuf/reflect/protoreflect"

	productv1 "mall/gen/mall/product/v1"
	"mall/gen/mall/product/v1/productv1connect"
	"mall/services/app"
	"mall/services/platform/auth"
	"mall/services/platform/config"
	"mall/services/platform/ratelimit"
	"mall/services/platform/rpcclient"
	"mall/services/platform/testenv"
)

// testConfig is a production configuration (not development mode: the
// signing key exists beforehand, the secrets are the test's own, no demo
// admin is seeded) on the test's databases, keys and task queue.
func testConfig(t *testing.T) config.Config {
	t.Helper()
	keyFile := testenv.SigningKeyFile(t)
	return config.Config{
		MySQLDSN:    testenv.MySQLDSN(),
		DBPrefix:    testenv.DatabasePrefix(t),
		RedisAddr:   testenv.RedisAddr(),
		CachePrefix: "test:" + testenv.RandomID(4) + ":",
		JWTKeyFile:  keyFile,
		// The order service starts sagas, so the whole app needs Temporal.
		TemporalAddress:       testenv.Temporal(t),
		TemporalNamespace:     "default",
		TaskQueue:             "test-" + testenv.RandomID(4),
		TokenTTL:              time.Hour,
		ProviderAPIKey:        "sk_test_" + testenv.RandomID(8),
		ProviderWebhookSecret: "whsec_test_" + testenv.RandomID(16),
		// Every shopper of a test registers from 127.0.0.1.
		RegisterLimitPerAddress: ratelimit.Limit{Burst: 100_000, Period: time.Second},
	}
}

func TestMigrationsGiveEachServiceItsOwnDatabaseAndRerunIsANoOp(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	if err := app.Migrate(ctx, cfg, app.Domains(), testenv.Logger()); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, d := range app.Domains() {
		if d.Migrations != nil {
			want = append(want, cfg.DBPrefix+d.Name)
		}
	}
	slices.Sort(want)
	got := testenv.Databases(t, cfg.DBPrefix)
	if !slices.Equal(got, want) {
		t.Fatalf("databases %v, want %v", got, want)
	}
	if len(got) != 8 {
		t.Fatalf("want 8 service databases (storefront and search own none), got %d", len(got))
	}
	for _, d := range app.Domains() {
		if d.Migrations == nil {
			continue
		}
		handle, err := app.OpenDatabase(ctx, cfg, d)
		if err != nil {
			t.Fatal(err)
		}
		applied, err := app.MigrateDomain(ctx, cfg, d)
		if err != nil {
			t.Fatal(err)
		}
		if len(applied) != 0 {
			t.Fatalf("%s: second run applied %v", d.Name, applied)
		}
		var tables int
		if err := handle.NewRaw("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name NOT LIKE 'bun_%'").Scan(ctx, &tables); err != nil {
			t.Fatal(err)
		}
		if tables == 0 {
			t.Fatalf("%s: migrations created no table", d.Name)
		}
		handle.Close()
	}
}

func TestServeAllListsEveryServiceByReflection(t *testing.T) {
	cfg := testConfig(t)
	cfg.Reflection = true
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := app.Migrate(ctx, cfg, app.Domains(), testenv.Logger()); err != nil {
		t.Fatal(err)
	}
	deps, err := app.NewDeps(ctx, cfg, testenv.Logger())
	if err != nil {
		t.Fatal(err)
	}
	defer deps.Close()
	srv, err := app.NewServer(ctx, deps, app.Domains())
	if err != nil {
		t.Fatal(err)
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ctx, listener) //nolint:errcheck // ends with the test
	url := "http://" + listener.Addr().String()

	reflection := grpcreflect.NewClient(rpcclient.HTTPClient(), url)
	stream := reflection.NewStream(ctx)
	names, err := stream.ListServices()
	if err != nil {
		t.Fatal(err)
	}
	_, _ = stream.Close()
	for _, d := range app.Domains() {
		if !slices.Contains(names, protoreflect.FullName(d.Service)) {
			t.Errorf("reflection does not list %s: %v", d.Service, names)
		}
	}
	if len(app.Domains()) != 10 {
		t.Fatalf("want ten domains, have %d", len(app.Domains()))
	}

	products := productv1connect.NewProductServiceClient(rpcclient.HTTPClient(), url, connect.WithGRPC())
	_, err = products.GetProduct(ctx, connect.NewRequest(&productv1.GetProductRequest{ProductId: "p"}))
	if connect.CodeOf(err) != connect.CodeNotFound {
		t.Fatalf("unknown product: want not_found, got %v", err)
	}
	admin, _, err := deps.Keys.Issue("admin-1", []string{auth.RoleAdmin}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	req := connect.NewRequest(&productv1.ReserveStockRequest{ReservationId: "r", Lines: []*productv1.StockLine{{ProductId: "p", Quantity: 1}}})
	req.Header().Set("Authorization", "Bearer "+admin)
	if _, err := products.ReserveStock(ctx, req); connect.CodeOf(err) != connect.CodePermissionDenied {
		t.Fatalf("admin token on an internal RPC: want permission_denied, got %v", err)
	}
}
