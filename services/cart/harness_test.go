package cart

import (
	"context"
	"net/http"
	"testing"

	"connectrpc.com/connect"
	"github.com/uptrace/bun"

	cartv1 "mall/gen/mall/cart/v1"
	"mall/gen/mall/cart/v1/cartv1connect"
	productv1 "mall/gen/mall/product/v1"
	"mall/gen/mall/product/v1/productv1connect"
	"mall/services/platform/auth"
	"mall/services/platform/rpcclient"
	"mall/services/platform/rpcerr"
	"mall/services/platform/server"
	"mall/services/platform/testenv"
	"mall/services/product"
)

// fixture is the cart service on its own fresh database and a REAL product
// service (its own fresh database, seeded with the demo catalog, and its own
// Valkey key prefix), both mounted on one real platform server. The cart
// reaches the product service over gRPC with the "cart" service credential,
// exactly as in the app.
type fixture struct {
	svc      *Service
	db       *bun.DB
	products *product.Service
	keys     *auth.Keys
	url      string
	prefix   string
	clients  map[string]cartv1connect.CartServiceClient // "connect-json", "grpc"
	catalog  productv1connect.ProductServiceClient      // for admin changes
	admin    string                                     // admin bearer token
}

// protocols are the client flavours every user-facing test runs over.
var protocols = []string{"connect-json", "grpc"}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	prefix := testenv.DatabasePrefix(t)

	productDB := testenv.MigratedDB(t, prefix+"product", product.Migrations())
	if err := product.Seed(ctx, productDB); err != nil {
		t.Fatal(err)
	}
	opts := product.DefaultOptions()
	opts.KeyPrefix = "test:" + testenv.RandomID(4) + ":"
	products := product.NewService(productDB, testenv.Redis(t), testenv.Logger(), opts)
	t.Cleanup(products.Close)

	cartDB := openCartDB(t, prefix)

	keys, err := auth.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	listener := testenv.Listen(t)
	url := "http://" + listener.Addr().String()
	productClient := productv1connect.NewProductServiceClient(rpcclient.HTTPClient(), url,
		rpcclient.NewServiceCredential(keys, "cart").Options()...)
	svc := NewService(cartDB, productClient, testenv.Logger())

	srv := server.New(server.Options{Logger: testenv.Logger(), Authenticator: auth.NewAuthenticator(keys, nil)})
	srv.Mount(productv1connect.NewProductServiceHandler(products, srv.HandlerOptions()...))
	srv.Mount(cartv1connect.NewCartServiceHandler(svc, srv.HandlerOptions()...))
	testenv.ServeOn(t, srv, listener)

	f := &fixture{svc: svc, db: cartDB, products: products, keys: keys, url: url, prefix: prefix}
	f.admin = f.token(t, "admin-1", auth.RoleAdmin)
	f.catalog = productv1connect.NewProductServiceClient(rpcclient.HTTPClient(), url, connect.WithGRPC())
	f.clients = cartClients(url)
	return f
}

func openCartDB(t *testing.T, prefix string) *bun.DB {
	t.Helper()
	handle := testenv.MigratedDB(t, prefix+"cart", Migrations())
	return handle
}

type cartClient = cartv1connect.CartServiceClient

// productClientFor is the product client the cart uses in the app: gRPC with
// the "cart" service credential.
func productClientFor(f *fixture, url string) productv1connect.ProductServiceClient {
	return productv1connect.NewProductServiceClient(rpcclient.HTTPClient(), url,
		rpcclient.NewServiceCredential(f.keys, "cart").Options()...)
}

// serveAnother serves svc on a server of its own, as another process
// would, and returns clients of it.
func (f *fixture) serveAnother(t *testing.T, svc *Service) map[string]cartv1connect.CartServiceClient {
	t.Helper()
	url := testenv.Serve(t, server.Options{Authenticator: auth.NewAuthenticator(f.keys, nil)}, func(srv *server.Server) {
		srv.Mount(cartv1connect.NewCartServiceHandler(svc, srv.HandlerOptions()...))
	})
	return cartClients(url)
}

func cartClients(url string) map[string]cartv1connect.CartServiceClient {
	return map[string]cartv1connect.CartServiceClient{
		"connect-json": cartv1connect.NewCartServiceClient(http.DefaultClient, url, connect.WithProtoJSON()),
		"grpc":         cartv1connect.NewCartServiceClient(rpcclient.HTTPClient(), url, connect.WithGRPC()),
	}
}

// token issues a bearer token for subject with roles.
func (f *fixture) token(t *testing.T, subject string, roles ...string) string {
	t.Helper()
	return testenv.Token(t, f.keys, subject, roles...)
}

// user returns a fresh user id and its token.
func (f *fixture) user(t *testing.T) (string, string) {
	t.Helper()
	id := "u-" + testenv.RandomID(6)
	return id, f.token(t, id, auth.RoleUser)
}

// expectCode fails unless err has code (and reason, when given).
func expectCode(t *testing.T, err error, code connect.Code, reason string) {
	t.Helper()
	if connect.CodeOf(err) != code {
		t.Fatalf("want %v, got %v", code, err)
	}
	if reason != "" && rpcerr.Reason(err) != reason {
		t.Fatalf("want reason %s, got %q (%v)", reason, rpcerr.Reason(err), err)
	}
}

func (f *fixture) list(t *testing.T, client cartv1connect.CartServiceClient, token string) *cartv1.ListCartResponse {
	t.Helper()
	res, err := client.ListCart(context.Background(), testenv.Bearer(token, &cartv1.ListCartRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	return res.Msg
}

func (f *fixture) add(t *testing.T, client cartv1connect.CartServiceClient, token, productID string, quantity int32) *cartv1.CartLine {
	t.Helper()
	res, err := client.AddItem(context.Background(), testenv.Bearer(token, &cartv1.AddItemRequest{ProductId: productID, Quantity: quantity}))
	if err != nil {
		t.Fatalf("add %s x%d: %v", productID, quantity, err)
	}
	return res.Msg.GetLine()
}

// getProduct reads a product as the catalog serves it now.
func (f *fixture) getProduct(t *testing.T, id string) *productv1.Product {
	t.Helper()
	res, err := f.catalog.GetProduct(context.Background(), connect.NewRequest(&productv1.GetProductRequest{ProductId: id}))
	if err != nil {
		t.Fatal(err)
	}
	return res.Msg.GetProduct()
}

// editProduct changes a product through the catalog's admin RPC.
func (f *fixture) editProduct(t *testing.T, id string, edit func(*productv1.ProductSpec)) {
	t.Helper()
	p := f.getProduct(t, id)
	spec := &productv1.ProductSpec{
		CategoryId: p.GetCategoryId(), Title: p.GetTitle(), Subtitle: p.GetSubtitle(), ImageUrls: p.GetImageUrls(),
		Description: p.GetDescription(), PriceCents: p.GetPriceCents(), Status: p.GetStatus(),
	}
	edit(spec)
	if _, err := f.catalog.UpdateProduct(context.Background(), testenv.Bearer(f.admin, &productv1.UpdateProductRequest{ProductId: id, Product: spec})); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) setStock(t *testing.T, id string, stock int64) {
	t.Helper()
	if _, err := f.catalog.SetStock(context.Background(), testenv.Bearer(f.admin, &productv1.SetStockRequest{ProductId: id, Stock: stock})); err != nil {
		t.Fatal(err)
	}
}

func lineOf(res *cartv1.ListCartResponse, productID string) *cartv1.CartLine {
	for _, l := range res.GetLines() {
		if l.GetProductId() == productID {
			return l
		}
	}
	return nil
}
