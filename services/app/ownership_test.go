package app_test

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/reflect/protoreflect"

	cartv1 "mall/gen/mall/cart/v1"
	"mall/gen/mall/cart/v1/cartv1connect"
	commonv1 "mall/gen/mall/common/v1"
	userv1 "mall/gen/mall/user/v1"
	"mall/gen/mall/user/v1/userv1connect"
	"mall/services/app"
	"mall/services/platform/auth"
	"mall/services/platform/config"
	"mall/services/platform/rpcclient"
	"mall/services/platform/testenv"
)

// startApp runs the whole mall in the test: every domain on fresh databases
// (migrated and seeded), real Valkey, an embedded Kafka broker, one server
// that is also the internal address the services call each other on.
func startApp(t *testing.T, mutate ...func(*appConfig)) (string, *app.Deps) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	cfg := testConfig(t)
	for _, m := range mutate {
		m(&cfg)
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + listener.Addr().String()
	cfg.InternalURL = url
	if cfg.PublicURL == "" {
		cfg.PublicURL = url // the provider's webhooks come here
	}
	if err := app.Migrate(ctx, cfg, app.Domains(), testenv.Logger()); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Seed(ctx, cfg, testenv.Logger()); err != nil {
		t.Fatal(err)
	}
	logger := testenv.Logger()
	if capturedLogger != nil {
		logger = capturedLogger
	}
	deps, err := app.NewDeps(ctx, cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := app.NewServer(ctx, deps, app.Domains())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = app.Serve(ctx, deps, srv, listener); close(done) }()
	t.Cleanup(func() { cancel(); <-done; deps.Close() })
	return url, deps
}

type appConfig = config.Config

// capturedLogger, when set, is the logger of the apps tests start (the
// telemetry test reads what the services log).
var capturedLogger *slog.Logger

// userProcedures lists the ACCESS_USER procedures of a service, from the contract.
func userProcedures(t *testing.T, service protoreflect.ServiceDescriptor) []string {
	t.Helper()
	var out []string
	for i := range service.Methods().Len() {
		procedure := "/" + string(service.FullName()) + "/" + string(service.Methods().Get(i).Name())
		if access, _ := auth.AccessOf(procedure); access == commonv1.Access_ACCESS_USER {
			out = append(out, procedure)
		}
	}
	return out
}

// TestOwnershipAcrossUserAndCart walks every user-level RPC of the user and
// cart services twice: with bad tokens (each must answer unauthenticated),
// and as Bob against Alice's data (each must leave it alone and show Bob
// nothing of it).
func TestOwnershipAcrossUserAndCart(t *testing.T) {
	url, deps := startApp(t)
	ctx := context.Background()
	users := userv1connect.NewUserServiceClient(http.DefaultClient, url, connect.WithProtoJSON())
	carts := cartv1connect.NewCartServiceClient(rpcclient.HTTPClient(), url, connect.WithGRPC())

	signUp := func(name string) string {
		if _, err := users.Register(ctx, connect.NewRequest(&userv1.RegisterRequest{Identity: &userv1.RegisterRequest_Username{Username: name}, Password: "pass1234word"})); err != nil {
			t.Fatal(err)
		}
		res, err := users.Login(ctx, connect.NewRequest(&userv1.LoginRequest{Login: name, Password: "pass1234word"}))
		if err != nil {
			t.Fatal(err)
		}
		return res.Msg.GetAccessToken()
	}
	alice, bob, carol := signUp("alice"), signUp("bob"), signUp("carol")
	if _, err := users.Logout(ctx, testenv.Bearer(carol, &userv1.LogoutRequest{})); err != nil {
		t.Fatal(err)
	}
	otherKeys, _ := auth.GenerateKeys()
	forged, _, _ := otherKeys.Issue("u-alice", []string{auth.RoleUser}, time.Hour)
	expired, _, _ := deps.Keys.Issue("u-alice", []string{auth.RoleUser}, -time.Minute)
	badTokens := map[string]string{"none": "", "garbage": "x.y.z", "forged": forged, "expired": expired, "logged out": carol}

	procedures := append(userProcedures(t, userv1.File_mall_user_v1_user_proto.Services().Get(0)),
		userProcedures(t, cartv1.File_mall_cart_v1_cart_proto.Services().Get(0))...)
	for _, procedure := range procedures {
		for name, token := range badTokens {
			req, _ := http.NewRequest(http.MethodPost, url+procedure, strings.NewReader("{}"))
			req.Header.Set("Content-Type", "application/json")
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s with %s token: HTTP %d, want 401 unauthenticated", procedure, name, res.StatusCode)
			}
		}
	}

	// Alice's data.
	addr, err := users.CreateAddress(ctx, testenv.Bearer(alice, &userv1.CreateAddressRequest{Address: &userv1.AddressSpec{
		RecipientName: "Alice", Phone: "13800000001", Province: "上海", City: "上海", Detail: "南京路 1 号"}}))
	if err != nil {
		t.Fatal(err)
	}
	aliceAddress := addr.Msg.GetAddress().GetAddressId()
	if _, err := users.AddFavorite(ctx, testenv.Bearer(alice, &userv1.AddFavoriteRequest{ProductId: "p0001"})); err != nil {
		t.Fatal(err)
	}
	if _, err := carts.AddItem(ctx, testenv.Bearer(alice, &cartv1.AddItemRequest{ProductId: "p0001", Quantity: 2})); err != nil {
		t.Fatal(err)
	}

	// Bob against Alice's data, one case per user-level RPC.
	notFound := func(err error) bool { return connect.CodeOf(err) == connect.CodeNotFound }
	spec := &userv1.AddressSpec{RecipientName: "Bob", Phone: "13800000002", Province: "北京", City: "北京", Detail: "长安街 1 号"}
	cases := map[string]func() bool{
		userv1connect.UserServiceUpdateAddressProcedure: func() bool {
			_, err := users.UpdateAddress(ctx, testenv.Bearer(bob, &userv1.UpdateAddressRequest{AddressId: aliceAddress, Address: spec}))
			return notFound(err)
		},
		userv1connect.UserServiceDeleteAddressProcedure: func() bool {
			_, err := users.DeleteAddress(ctx, testenv.Bearer(bob, &userv1.DeleteAddressRequest{AddressId: aliceAddress}))
			return notFound(err)
		},
		userv1connect.UserServiceSetDefaultAddressProcedure: func() bool {
			_, err := users.SetDefaultAddress(ctx, testenv.Bearer(bob, &userv1.SetDefaultAddressRequest{AddressId: aliceAddress}))
			return notFound(err)
		},
		userv1connect.UserServiceListAddressesProcedure: func() bool {
			res, err := users.ListAddresses(ctx, testenv.Bearer(bob, &userv1.ListAddressesRequest{}))
			return err == nil && !slices.ContainsFunc(res.Msg.GetAddresses(), func(a *userv1.Address) bool { return a.GetAddressId() == aliceAddress })
		},
		userv1connect.UserServiceCreateAddressProcedure: func() bool {
			res, err := users.CreateAddress(ctx, testenv.Bearer(bob, &userv1.CreateAddressRequest{Address: spec, MakeDefault: true}))
			return err == nil && res.Msg.GetAddress().GetIsDefault() // Bob's own default; Alice's stays hers
		},
		userv1connect.UserServiceRemoveFavoriteProcedure: func() bool {
			_, err := users.RemoveFavorite(ctx, testenv.Bearer(bob, &userv1.RemoveFavoriteRequest{ProductId: "p0001"}))
			return err == nil
		},
		userv1connect.UserServiceIsFavoriteProcedure: func() bool {
			res, err := users.IsFavorite(ctx, testenv.Bearer(bob, &userv1.IsFavoriteRequest{ProductId: "p0001"}))
			return err == nil && !res.Msg.GetFavorite()
		},
		userv1connect.UserServiceListFavoritesProcedure: func() bool {
			res, err := users.ListFavorites(ctx, testenv.Bearer(bob, &userv1.ListFavoritesRequest{}))
			return err == nil && !slices.ContainsFunc(res.Msg.GetFavorites(), func(f *userv1.Favorite) bool { return f.GetProductId() == "p0001" })
		},
		userv1connect.UserServiceAddFavoriteProcedure: func() bool {
			_, err := users.AddFavorite(ctx, testenv.Bearer(bob, &userv1.AddFavoriteRequest{ProductId: "p0002"}))
			return err == nil
		},
		userv1connect.UserServiceGetProfileProcedure: func() bool {
			res, err := users.GetProfile(ctx, testenv.Bearer(bob, &userv1.GetProfileRequest{}))
			return err == nil && res.Msg.GetUser().GetUsername() == "bob"
		},
		userv1connect.UserServiceUpdateProfileProcedure: func() bool {
			nickname := "Bobby"
			res, err := users.UpdateProfile(ctx, testenv.Bearer(bob, &userv1.UpdateProfileRequest{Nickname: &nickname}))
			return err == nil && res.Msg.GetUser().GetUsername() == "bob"
		},
		userv1connect.UserServiceLogoutProcedure: func() bool { return true }, // revokes only the caller's own token: TestLogoutRevokesOnlyThatToken
		userv1connect.UserServiceChangePasswordProcedure: func() bool {
			// Bob changes his own password (and goes on with his new token);
			// Alice's session and password are untouched.
			res, err := users.ChangePassword(ctx, testenv.Bearer(bob, &userv1.ChangePasswordRequest{CurrentPassword: "pass1234word", NewPassword: "bob5678word"}))
			if err != nil {
				return false
			}
			bob = res.Msg.GetAccessToken()
			_, aliceErr := users.GetProfile(ctx, testenv.Bearer(alice, &userv1.GetProfileRequest{}))
			_, loginErr := users.Login(ctx, connect.NewRequest(&userv1.LoginRequest{Login: "alice", Password: "pass1234word"}))
			return aliceErr == nil && loginErr == nil
		},
		cartv1connect.CartServiceUpdateItemProcedure: func() bool {
			_, err := carts.UpdateItem(ctx, testenv.Bearer(bob, &cartv1.UpdateItemRequest{ProductId: "p0001", Quantity: 9}))
			return notFound(err)
		},
		cartv1connect.CartServiceRemoveItemsProcedure: func() bool {
			res, err := carts.RemoveItems(ctx, testenv.Bearer(bob, &cartv1.RemoveItemsRequest{ProductIds: []string{"p0001"}}))
			return (err == nil && res.Msg.GetRemovedCount() == 0) || notFound(err)
		},
		cartv1connect.CartServiceSelectItemsProcedure: func() bool {
			_, err := carts.SelectItems(ctx, testenv.Bearer(bob, &cartv1.SelectItemsRequest{ProductIds: []string{"p0001"}, Selected: false}))
			return err == nil || notFound(err)
		},
		cartv1connect.CartServiceListCartProcedure: func() bool {
			res, err := carts.ListCart(ctx, testenv.Bearer(bob, &cartv1.ListCartRequest{}))
			return err == nil && !slices.ContainsFunc(res.Msg.GetLines(), func(l *cartv1.CartLine) bool { return l.GetProductId() == "p0001" })
		},
		cartv1connect.CartServiceAddItemProcedure: func() bool {
			// Another product: Bob's p0001 cases above rely on his having no p0001 line.
			res, err := carts.AddItem(ctx, testenv.Bearer(bob, &cartv1.AddItemRequest{ProductId: "p0002", Quantity: 1}))
			return err == nil && res.Msg.GetLine().GetQuantity() == 1
		},
	}
	for _, procedure := range procedures {
		check, ok := cases[procedure]
		if !ok {
			t.Errorf("%s has no other-user case: add one", procedure)
			continue
		}
		if !check() {
			t.Errorf("%s: Bob reached Alice's data or got the wrong answer", procedure)
		}
	}

	// Alice's data is untouched.
	addresses, err := users.ListAddresses(ctx, testenv.Bearer(alice, &userv1.ListAddressesRequest{}))
	if err != nil || len(addresses.Msg.GetAddresses()) != 1 || !addresses.Msg.GetAddresses()[0].GetIsDefault() || addresses.Msg.GetAddresses()[0].GetRecipientName() != "Alice" {
		t.Fatalf("Alice's addresses %v %v", addresses, err)
	}
	favorite, err := users.IsFavorite(ctx, testenv.Bearer(alice, &userv1.IsFavoriteRequest{ProductId: "p0001"}))
	if err != nil || !favorite.Msg.GetFavorite() {
		t.Fatalf("Alice's favorite %v %v", favorite, err)
	}
	cart, err := carts.ListCart(ctx, testenv.Bearer(alice, &cartv1.ListCartRequest{}))
	if err != nil || len(cart.Msg.GetLines()) != 1 || cart.Msg.GetLines()[0].GetQuantity() != 2 || !cart.Msg.GetLines()[0].GetSelected() {
		t.Fatalf("Alice's cart %v %v", cart, err)
	}
	if !slices.Contains(procedures, cartv1connect.CartServiceListCartProcedure) || len(procedures) < 15 {
		t.Fatalf("the walk covered only %v", procedures)
	}
}
