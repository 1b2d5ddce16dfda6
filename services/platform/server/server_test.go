package server_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	cartv1 "mall/gen/mall/cart/v1"
	"mall/gen/mall/cart/v1/cartv1connect"
	productv1 "mall/gen/mall/product/v1"
	"mall/gen/mall/product/v1/productv1connect"
	"mall/services/platform/auth"
	"mall/services/platform/rpcclient"
	"mall/services/platform/server"
	"mall/services/platform/testenv"
)

// secret is text that must never reach a client.
const secret = "dsn=root:hunter2@tcp(db)"

// fixtureProducts answers GetProduct from memory; special ids panic or fail.
type fixtureProducts struct {
	productv1connect.UnimplementedProductServiceHandler
}

func (fixtureProducts) GetProduct(_ context.Context, req *connect.Request[productv1.GetProductRequest]) (*connect.Response[productv1.GetProductResponse], error) {
	switch req.Msg.GetProductId() {
	case "panic":
		panic(secret)
	case "fail":
		return nil, errors.New(secret)
	}
	var description string
	if req.Msg.GetProductId() == "big" {
		description = strings.Repeat("明前龙井，产自西湖。", 200)
	}
	return connect.NewResponse(&productv1.GetProductResponse{Product: &productv1.Product{
		Description: description,
		ProductId:   req.Msg.GetProductId(),
		Title:       "龙井茶 Longjing tea",
		ImageUrls:   []string{"https://img.example/1.jpg", "https://img.example/2.jpg"},
		PriceCents:  12900,
		Stock:       42,
		CreatedAt:   timestamppb.New(time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)),
	}}), nil
}

// fixtureCart echoes the verified caller in ListCart.
type fixtureCart struct {
	cartv1connect.UnimplementedCartServiceHandler
}

func (fixtureCart) ListCart(ctx context.Context, _ *connect.Request[cartv1.ListCartRequest]) (*connect.Response[cartv1.ListCartResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&cartv1.ListCartResponse{Lines: []*cartv1.CartLine{{ProductId: "owner:" + userID}}}), nil
}

type harness struct {
	url  string
	keys *auth.Keys
}

func start(t *testing.T, options ...func(*server.Options)) harness {
	t.Helper()
	keys, err := auth.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	opts := server.Options{
		Logger:        testenv.Logger(),
		Authenticator: auth.NewAuthenticator(keys, nil),
		CORSOrigins:   []string{"https://shop.example"},
	}
	for _, option := range options {
		option(&opts)
	}
	srv := server.New(opts)
	srv.Mount(productv1connect.NewProductServiceHandler(fixtureProducts{}, srv.HandlerOptions()...))
	srv.Mount(cartv1connect.NewCartServiceHandler(fixtureCart{}, srv.HandlerOptions()...))
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, listener) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return harness{url: "http://" + listener.Addr().String(), keys: keys}
}

// h2cClient is an h2c client (as gRPC needs) whose connections close when
// the test ends. Called after the test's server started, it closes them
// before the server's shutdown, which would otherwise wait a second for an
// idle HTTP/2 connection to go.
func h2cClient(t *testing.T) *http.Client {
	t.Helper()
	client := rpcclient.HTTPClient()
	t.Cleanup(client.CloseIdleConnections)
	return client
}

// protocols are the four wire protocols every endpoint serves, plus Connect
// GET for side-effect-free methods, each from its own client.
func protocols(t *testing.T) map[string]struct {
	client *http.Client
	opts   []connect.ClientOption
} {
	http1 := &http.Client{}
	h2c := h2cClient(t)
	return map[string]struct {
		client *http.Client
		opts   []connect.ClientOption
	}{
		"connect-json":   {http1, []connect.ClientOption{connect.WithProtoJSON()}},
		"connect-binary": {http1, nil},
		"connect-get":    {http1, []connect.ClientOption{connect.WithProtoJSON(), connect.WithHTTPGet()}},
		"grpc":           {h2c, []connect.ClientOption{connect.WithGRPC()}},
		"grpc-web":       {http1, []connect.ClientOption{connect.WithGRPCWeb()}},
	}
}

func TestOneRPCAnswersIdenticallyOverEveryProtocol(t *testing.T) {
	h := start(t)
	var reference *productv1.GetProductResponse
	for name, p := range protocols(t) {
		t.Run(name, func(t *testing.T) {
			client := productv1connect.NewProductServiceClient(p.client, h.url, p.opts...)
			res, err := client.GetProduct(context.Background(), connect.NewRequest(&productv1.GetProductRequest{ProductId: "p-1"}))
			if err != nil {
				t.Fatal(err)
			}
			if res.Msg.GetProduct().GetTitle() != "龙井茶 Longjing tea" || res.Msg.GetProduct().GetPriceCents() != 12900 {
				t.Fatalf("unexpected product %v", res.Msg)
			}
			if reference == nil {
				reference = res.Msg
			} else if !proto.Equal(reference, res.Msg) {
				t.Fatalf("%s answered %v, another protocol %v", name, res.Msg, reference)
			}
		})
	}
}

func TestErrorsAreTheSameOverEveryProtocol(t *testing.T) {
	h := start(t)
	userToken, _, err := h.keys.Issue("user-1", []string{auth.RoleUser}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range protocols(t) {
		t.Run(name, func(t *testing.T) {
			products := productv1connect.NewProductServiceClient(p.client, h.url, p.opts...)
			ctx := context.Background()

			_, err := products.GetProduct(ctx, connect.NewRequest(&productv1.GetProductRequest{}))
			if connect.CodeOf(err) != connect.CodeInvalidArgument {
				t.Fatalf("empty id: want invalid_argument, got %v", err)
			}
			violations := fieldViolations(t, err)
			if len(violations) != 1 || violations[0] != "product_id" {
				t.Fatalf("want one violation on product_id, got %v", violations)
			}

			for _, id := range []string{"panic", "fail"} {
				_, err = products.GetProduct(ctx, connect.NewRequest(&productv1.GetProductRequest{ProductId: id}))
				if connect.CodeOf(err) != connect.CodeInternal {
					t.Fatalf("%s: want internal, got %v", id, err)
				}
				if strings.Contains(err.Error(), "hunter2") {
					t.Fatalf("%s: internal text leaked: %v", id, err)
				}
			}

			// Reserving stock is internal: no token, then a user token.
			_, err = products.ReserveStock(ctx, connect.NewRequest(&productv1.ReserveStockRequest{}))
			if connect.CodeOf(err) != connect.CodeUnauthenticated {
				t.Fatalf("internal RPC without token: want unauthenticated, got %v", err)
			}
			req := connect.NewRequest(&productv1.ReserveStockRequest{})
			req.Header().Set("Authorization", "Bearer "+userToken)
			_, err = products.ReserveStock(ctx, req)
			if connect.CodeOf(err) != connect.CodePermissionDenied {
				t.Fatalf("internal RPC with a user token: want permission_denied, got %v", err)
			}
		})
	}
}

func TestUserRPCTakesIdentityFromTheVerifiedToken(t *testing.T) {
	h := start(t)
	other, err := auth.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	valid, _, _ := h.keys.Issue("alice", []string{auth.RoleUser}, time.Minute)
	expired, _, _ := h.keys.Issue("alice", []string{auth.RoleUser}, -time.Minute)
	forged, _, _ := other.Issue("alice", []string{auth.RoleUser}, time.Minute)
	service, _, _ := h.keys.Issue("order", []string{auth.RoleService}, time.Minute)
	cases := []struct {
		name  string
		token string
		code  connect.Code
	}{
		{"no token", "", connect.CodeUnauthenticated},
		{"garbage", "not-a-jwt", connect.CodeUnauthenticated},
		{"expired", expired, connect.CodeUnauthenticated},
		{"signed by another key", forged, connect.CodeUnauthenticated},
		{"service credential", service, connect.CodePermissionDenied},
		{"valid", valid, 0},
	}
	for protocol, p := range protocols(t) {
		cart := cartv1connect.NewCartServiceClient(p.client, h.url, p.opts...)
		for _, tc := range cases {
			t.Run(protocol+"/"+tc.name, func(t *testing.T) {
				req := connect.NewRequest(&cartv1.ListCartRequest{})
				if tc.token != "" {
					req.Header().Set("Authorization", "Bearer "+tc.token)
				}
				res, err := cart.ListCart(context.Background(), req)
				if connect.CodeOf(err) != tc.code && (tc.code != 0 || err != nil) {
					t.Fatalf("want %v, got %v", tc.code, err)
				}
				if tc.code == 0 && res.Msg.GetLines()[0].GetProductId() != "owner:alice" {
					t.Fatalf("handler saw %v", res.Msg)
				}
			})
		}
	}
}

func TestHealthAndCORS(t *testing.T) {
	h := start(t)
	health := grpchealth.NewClient(h2cClient(t), h.url, connect.WithGRPC())
	res, err := health.Check(context.Background(), &grpchealth.CheckRequest{Service: productv1connect.ProductServiceName})
	if err != nil || res.Status != grpchealth.StatusServing {
		t.Fatalf("health: %v %v", res, err)
	}

	req, _ := http.NewRequest(http.MethodOptions, h.url+productv1connect.ProductServiceGetProductProcedure, nil)
	req.Header.Set("Origin", "https://shop.example")
	req.Header.Set("Access-Control-Request-Method", http.MethodPost)
	req.Header.Set("Access-Control-Request-Headers", "authorization,connect-protocol-version,content-type")
	preflight, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	preflight.Body.Close()
	if got := preflight.Header.Get("Access-Control-Allow-Origin"); got != "https://shop.example" {
		t.Fatalf("preflight allowed origin %q", got)
	}
	req.Header.Set("Origin", "https://evil.example")
	denied, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	denied.Body.Close()
	if got := denied.Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Fatalf("unlisted origin allowed: %q", got)
	}
}

func fieldViolations(t *testing.T, err error) []string {
	t.Helper()
	var connectErr *connect.Error
	if !errors.As(err, &connectErr) {
		t.Fatalf("not a connect error: %v", err)
	}
	var fields []string
	for _, detail := range connectErr.Details() {
		value, valueErr := detail.Value()
		if valueErr != nil {
			t.Fatal(valueErr)
		}
		if v, ok := value.(*validate.Violations); ok {
			for _, violation := range v.GetViolations() {
				var path []string
				for _, element := range violation.GetField().GetElements() {
					path = append(path, element.GetFieldName())
				}
				fields = append(fields, strings.Join(path, "."))
			}
		}
	}
	return fields
}

// Small answers go out uncompressed (a flate reset costs more than the
// bytes it saves); big ones are gzipped for a client that accepts it.
func TestOnlyBigAnswersAreCompressed(t *testing.T) {
	h := start(t)
	for id, want := range map[string]string{"p-1": "", "big": "gzip"} {
		req, err := http.NewRequest(http.MethodPost, h.url+productv1connect.ProductServiceGetProductProcedure,
			strings.NewReader(`{"productId":"`+id+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept-Encoding", "gzip")
		res, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Encoding") != want {
			t.Errorf("%s: status %d, Content-Encoding %q, want %q", id, res.StatusCode, res.Header.Get("Content-Encoding"), want)
		}
	}
}

// A readiness gate holds its service, and the process as a whole, out of
// gRPC health until it opens; the other services answer serving meanwhile.
func TestReadinessGatesHoldHealthBack(t *testing.T) {
	var ready atomic.Bool
	url := testenv.Serve(t, server.Options{Logger: testenv.Logger()}, func(srv *server.Server) {
		srv.Mount(productv1connect.NewProductServiceHandler(fixtureProducts{}, srv.HandlerOptions()...))
		srv.Mount(cartv1connect.NewCartServiceHandler(fixtureCart{}, srv.HandlerOptions()...))
		srv.ReadyWhen(productv1connect.ProductServiceName, ready.Load)
	})
	client := h2cClient(t)
	for _, protocol := range []connect.ClientOption{connect.WithGRPC(), connect.WithProtoJSON()} {
		health := grpchealth.NewClient(client, url, protocol)
		status := func(service string) grpchealth.Status {
			t.Helper()
			res, err := health.Check(context.Background(), &grpchealth.CheckRequest{Service: service})
			if err != nil {
				t.Fatalf("health of %q: %v", service, err)
			}
			return res.Status
		}
		ready.Store(false)
		if got := status(""); got != grpchealth.StatusNotServing {
			t.Errorf("the process with a closed gate: %v", got)
		}
		if got := status(productv1connect.ProductServiceName); got != grpchealth.StatusNotServing {
			t.Errorf("the gated service: %v", got)
		}
		if got := status(cartv1connect.CartServiceName); got != grpchealth.StatusServing {
			t.Errorf("an ungated service: %v", got)
		}
		ready.Store(true)
		for _, service := range []string{"", productv1connect.ProductServiceName, cartv1connect.CartServiceName} {
			if got := status(service); got != grpchealth.StatusServing {
				t.Errorf("%q once the gate opened: %v", service, got)
			}
		}
	}
}
