package user

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/uptrace/bun"

	"mall/gen/mall/product/v1/productv1connect"
	userv1 "mall/gen/mall/user/v1"
	"mall/gen/mall/user/v1/userv1connect"
	"mall/services/platform/auth"
	"mall/services/platform/ratelimit"
	"mall/services/platform/rpcclient"
	"mall/services/platform/server"
	"mall/services/platform/testenv"
	"mall/services/product"
)

// fixture serves the real user service next to a real product service
// (each on its own fresh database) through the platform server.
type fixture struct {
	svc     *Service
	keys    *auth.Keys
	url     string
	clients map[string]userv1connect.UserServiceClient
	// addressReads counts the SELECTs that reached the addresses table.
	addressReads *tableReads
	// limits is the clock the rate limits count on: it stands still until
	// the test moves it.
	limits *testenv.Clock
}

// tableReads counts SELECTs of one table (a bun query hook).
type tableReads struct {
	table string
	n     atomic.Int64
}

func (r *tableReads) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }
func (r *tableReads) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	query := strings.ToUpper(e.Query)
	if strings.HasPrefix(query, "SELECT") && strings.Contains(query, "`"+strings.ToUpper(r.table)+"`") {
		r.n.Add(1)
	}
}

func newFixture(t *testing.T, mutate ...func(*Options)) *fixture {
	t.Helper()
	ctx := context.Background()
	prefix := testenv.DatabasePrefix(t)
	productDB := testenv.MigratedDB(t, prefix+"product", product.Migrations())
	if err := product.Seed(ctx, productDB); err != nil {
		t.Fatal(err)
	}
	userDB := testenv.MigratedDB(t, prefix+"user", Migrations())
	addressReads := &tableReads{table: "addresses"}
	userDB.AddQueryHook(addressReads)
	keys, err := auth.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	valkey := testenv.Redis(t)
	keyspace := "test:" + testenv.RandomID(4) + ":"
	productOpts := product.DefaultOptions()
	productOpts.KeyPrefix = keyspace
	products := product.NewService(productDB, valkey, testenv.Logger(), productOpts)
	t.Cleanup(products.Close)

	opts := DefaultOptions()
	opts.KeyPrefix = keyspace
	for _, m := range mutate {
		m(&opts)
	}
	revocations := auth.NewValkeyRevocations(valkey, keyspace+"revoked:")
	// The user service calls the catalog on the server it is mounted on, so
	// it is built once the server's address is known; nothing calls it before.
	f := &fixture{keys: keys, svc: &Service{}, addressReads: addressReads, limits: testenv.NewClock()}
	f.url = testenv.Serve(t, server.Options{Authenticator: auth.NewAuthenticator(keys, revocations)}, func(srv *server.Server) {
		srv.Mount(productv1connect.NewProductServiceHandler(products, srv.HandlerOptions()...))
		srv.Mount(userv1connect.NewUserServiceHandler(f.svc, srv.HandlerOptions()...))
	})
	catalog := productv1connect.NewProductServiceClient(rpcclient.HTTPClient(), f.url, rpcclient.NewServiceCredential(keys, "user").Options()...)
	limiter := ratelimit.New(valkey, keyspace+"rl:")
	limiter.Now = f.limits.Now
	*f.svc = *NewService(userDB, valkey, keys, revocations, limiter, catalog, testenv.Logger(), opts)
	f.clients = map[string]userv1connect.UserServiceClient{
		"connect-json": userv1connect.NewUserServiceClient(http.DefaultClient, f.url, connect.WithProtoJSON()),
		"grpc":         userv1connect.NewUserServiceClient(rpcclient.HTTPClient(), f.url, connect.WithGRPC()),
	}
	return f
}

// clientFrom is a Connect JSON client whose connections come from localIP
// (any 127.0.0.0/8 address is this machine): a caller at another address.
func (f *fixture) clientFrom(localIP string) userv1connect.UserServiceClient {
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(localIP)}}
	transport := &http.Transport{DialContext: dialer.DialContext}
	return userv1connect.NewUserServiceClient(&http.Client{Transport: transport}, f.url, connect.WithProtoJSON())
}

// signUp registers and logs in a fresh user, returning its token and id.
func (f *fixture) signUp(t *testing.T, client userv1connect.UserServiceClient) (string, string) {
	t.Helper()
	name := "u_" + testenv.RandomID(5)
	if _, err := client.Register(context.Background(), connect.NewRequest(&userv1.RegisterRequest{
		Identity: &userv1.RegisterRequest_Username{Username: name}, Password: "s3cret-pass"})); err != nil {
		t.Fatal(err)
	}
	res, err := client.Login(context.Background(), connect.NewRequest(&userv1.LoginRequest{Login: name, Password: "s3cret-pass"}))
	if err != nil {
		t.Fatal(err)
	}
	return res.Msg.GetAccessToken(), res.Msg.GetUser().GetUserId()
}

func (f *fixture) serviceToken(t *testing.T) string {
	t.Helper()
	token, _, err := f.keys.Issue("order", []string{auth.RoleService}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return token
}
