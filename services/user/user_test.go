package user

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"

	"mall/gen/mall/product/v1/productv1connect"
	userv1 "mall/gen/mall/user/v1"
	"mall/gen/mall/user/v1/userv1connect"
	"mall/services/platform/auth"
	"mall/services/platform/ratelimit"
	"mall/services/platform/rpcclient"
	"mall/services/platform/rpcerr"
	"mall/services/platform/server"
	"mall/services/platform/testenv"
)

func TestRegisterLoginProfileOverConnectJSONAndGRPC(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for protocol, client := range f.clients {
		t.Run(protocol, func(t *testing.T) {
			phone := fmt.Sprintf("138%08d", time.Now().UnixNano()%1e8)
			reg, err := client.Register(ctx, connect.NewRequest(&userv1.RegisterRequest{Identity: &userv1.RegisterRequest_Phone{Phone: phone}, Password: "abc12345"}))
			if err != nil {
				t.Fatal(err)
			}
			if reg.Msg.GetUser().GetNickname() == phone || reg.Msg.GetUser().GetRole() != userv1.Role_ROLE_USER {
				t.Fatalf("registered %v", reg.Msg.GetUser())
			}
			_, err = client.Register(ctx, connect.NewRequest(&userv1.RegisterRequest{Identity: &userv1.RegisterRequest_Phone{Phone: phone}, Password: "other1234"}))
			if connect.CodeOf(err) != connect.CodeAlreadyExists || rpcerr.Reason(err) != ReasonLoginTaken {
				t.Fatalf("duplicate phone: %v", err)
			}
			for name, password := range map[string]string{"short": "a1", "no digit": "abcdefghij", "no letter": "1234567890"} {
				_, err := client.Register(ctx, connect.NewRequest(&userv1.RegisterRequest{Identity: &userv1.RegisterRequest_Username{Username: "policy_" + protocol}, Password: password}))
				if connect.CodeOf(err) != connect.CodeInvalidArgument {
					t.Fatalf("password %s: %v", name, err)
				}
			}
			if _, err := client.Login(ctx, connect.NewRequest(&userv1.LoginRequest{Login: phone, Password: "wrong1234"})); connect.CodeOf(err) != connect.CodeUnauthenticated {
				t.Fatalf("wrong password: %v", err)
			}
			if _, err := client.Login(ctx, connect.NewRequest(&userv1.LoginRequest{Login: "nobody_here", Password: "abc12345"})); rpcerr.Reason(err) != ReasonBadCredentials {
				t.Fatalf("unknown login must look like a wrong password: %v", err)
			}
			login, err := client.Login(ctx, connect.NewRequest(&userv1.LoginRequest{Login: phone, Password: "abc12345"}))
			if err != nil {
				t.Fatal(err)
			}
			token := login.Msg.GetAccessToken()
			if !login.Msg.GetExpiresAt().AsTime().After(time.Now()) {
				t.Fatal("token already expired")
			}
			nickname := "小明"
			updated, err := client.UpdateProfile(ctx, testenv.Bearer(token, &userv1.UpdateProfileRequest{Nickname: &nickname}))
			if err != nil || updated.Msg.GetUser().GetNickname() != "小明" {
				t.Fatalf("update profile %v %v", updated, err)
			}
			profile, err := client.GetProfile(ctx, testenv.Bearer(token, &userv1.GetProfileRequest{}))
			if err != nil || profile.Msg.GetUser().GetUserId() != reg.Msg.GetUser().GetUserId() || profile.Msg.GetUser().GetNickname() != "小明" {
				t.Fatalf("profile %v %v", profile, err)
			}
		})
	}
}

func TestLogoutRevokesOnlyThatToken(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	client := f.clients["grpc"]
	first, _ := f.signUp(t, client)
	profile, err := client.GetProfile(ctx, testenv.Bearer(first, &userv1.GetProfileRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	second, err := client.Login(ctx, connect.NewRequest(&userv1.LoginRequest{Login: profile.Msg.GetUser().GetUsername(), Password: "s3cret-pass"}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Logout(ctx, testenv.Bearer(first, &userv1.LogoutRequest{})); err != nil {
		t.Fatal(err)
	}
	for _, c := range f.clients {
		if _, err := c.GetProfile(ctx, testenv.Bearer(first, &userv1.GetProfileRequest{})); connect.CodeOf(err) != connect.CodeUnauthenticated {
			t.Fatalf("logged-out token still works: %v", err)
		}
	}
	if _, err := client.GetProfile(ctx, testenv.Bearer(second.Msg.GetAccessToken(), &userv1.GetProfileRequest{})); err != nil {
		t.Fatalf("another session was logged out too: %v", err)
	}
}

func TestLoginLimiterPerAccountRefusesThenRecovers(t *testing.T) {
	// Three attempts an hour: one every 20 minutes after the burst. The
	// limits' clock moves; the hour is far longer than the test runs.
	window := time.Hour
	f := newFixture(t, func(o *Options) { o.AccountLimit = ratelimit.Limit{Burst: 3, Period: window} })
	ctx := context.Background()
	client := f.clients["connect-json"]
	for i := range 3 {
		if _, err := client.Login(ctx, connect.NewRequest(&userv1.LoginRequest{Login: "victim", Password: "guess1234"})); connect.CodeOf(err) != connect.CodeUnauthenticated {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
	}
	_, err := client.Login(ctx, connect.NewRequest(&userv1.LoginRequest{Login: "victim", Password: "guess1234"}))
	if connect.CodeOf(err) != connect.CodeResourceExhausted {
		t.Fatalf("fourth attempt: want resource_exhausted, got %v", err)
	}
	if delay := retryDelay(t, err); delay != window/3 {
		t.Fatalf("retry hint %v, want %v", delay, window/3)
	}
	// Another account from the same address is not affected.
	if _, err := client.Login(ctx, connect.NewRequest(&userv1.LoginRequest{Login: "bystander", Password: "guess1234"})); connect.CodeOf(err) != connect.CodeUnauthenticated {
		t.Fatalf("other account: %v", err)
	}
	f.limits.Advance(window/3 - time.Second)
	if _, err := client.Login(ctx, connect.NewRequest(&userv1.LoginRequest{Login: "victim", Password: "guess1234"})); connect.CodeOf(err) != connect.CodeResourceExhausted {
		t.Fatalf("a second before the hint: want resource_exhausted, got %v", err)
	}
	f.limits.Advance(time.Second)
	if _, err := client.Login(ctx, connect.NewRequest(&userv1.LoginRequest{Login: "victim", Password: "guess1234"})); connect.CodeOf(err) != connect.CodeUnauthenticated {
		t.Fatalf("after the hint: %v", err)
	}
}

func TestLoginLimiterPerClientAddress(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.AddressLimit = ratelimit.Limit{Burst: 4, Period: time.Hour} })
	ctx := context.Background()
	client := f.clients["grpc"]
	// Four different accounts from one address, then the address is refused
	// whatever account it tries.
	for i := range 4 {
		if _, err := client.Login(ctx, connect.NewRequest(&userv1.LoginRequest{Login: fmt.Sprintf("spray%d", i), Password: "guess1234"})); connect.CodeOf(err) != connect.CodeUnauthenticated {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
	}
	_, err := client.Login(ctx, connect.NewRequest(&userv1.LoginRequest{Login: "spray9", Password: "guess1234"}))
	if connect.CodeOf(err) != connect.CodeResourceExhausted || rpcerr.Reason(err) != ratelimit.ReasonRateLimited {
		t.Fatalf("fifth account from one address: %v", err)
	}
}

func retryDelay(t *testing.T, err error) time.Duration {
	t.Helper()
	var connectErr *connect.Error
	if !errors.As(err, &connectErr) {
		t.Fatal(err)
	}
	for _, d := range connectErr.Details() {
		if v, _ := d.Value(); v != nil {
			if info, ok := v.(*errdetails.RetryInfo); ok {
				return info.GetRetryDelay().AsDuration()
			}
		}
	}
	t.Fatal("no RetryInfo detail")
	return 0
}

func address(name string) *userv1.AddressSpec {
	return &userv1.AddressSpec{RecipientName: name, Phone: "13800138000", Province: "浙江", City: "杭州", District: "西湖区", Detail: "文三路 1 号", PostalCode: "310000"}
}

func TestExactlyOneDefaultAddress(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	client := f.clients["grpc"]
	token, _ := f.signUp(t, client)
	var ids []string
	for i := range 4 {
		res, err := client.CreateAddress(ctx, testenv.Bearer(token, &userv1.CreateAddressRequest{Address: address(fmt.Sprintf("收件人%d", i))}))
		if err != nil {
			t.Fatal(err)
		}
		if res.Msg.GetAddress().GetIsDefault() != (i == 0) {
			t.Fatalf("address %d default=%t", i, res.Msg.GetAddress().GetIsDefault())
		}
		ids = append(ids, res.Msg.GetAddress().GetAddressId())
	}
	defaults := func() []string {
		list, err := client.ListAddresses(ctx, testenv.Bearer(token, &userv1.ListAddressesRequest{}))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, a := range list.Msg.GetAddresses() {
			if a.GetIsDefault() {
				out = append(out, a.GetAddressId())
			}
		}
		return out
	}
	// Concurrent default switches end with exactly one default.
	var wg sync.WaitGroup
	for round := range 5 {
		for _, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := client.SetDefaultAddress(ctx, testenv.Bearer(token, &userv1.SetDefaultAddressRequest{AddressId: id})); err != nil {
					t.Errorf("round %d: %v", round, err)
				}
			}()
		}
	}
	wg.Wait()
	if d := defaults(); len(d) != 1 {
		t.Fatalf("defaults after concurrent switches: %v", d)
	}
	// Deleting the default promotes another.
	current := defaults()[0]
	if _, err := client.DeleteAddress(ctx, testenv.Bearer(token, &userv1.DeleteAddressRequest{AddressId: current})); err != nil {
		t.Fatal(err)
	}
	if d := defaults(); len(d) != 1 || d[0] == current {
		t.Fatalf("after deleting the default: %v", d)
	}
	if _, err := client.DeleteAddress(ctx, testenv.Bearer(token, &userv1.DeleteAddressRequest{AddressId: current})); connect.CodeOf(err) != connect.CodeNotFound {
		t.Fatalf("deleting twice: %v", err)
	}
	_, err := client.CreateAddress(ctx, testenv.Bearer(token, &userv1.CreateAddressRequest{Address: &userv1.AddressSpec{RecipientName: "x", Phone: "not a phone", Province: "p", City: "c", Detail: "d"}}))
	if connect.CodeOf(err) != connect.CodeInvalidArgument {
		t.Fatalf("bad phone: %v", err)
	}
	// The saga reads the default through the internal RPC.
	got, err := client.GetAddressInternal(ctx, testenv.Bearer(f.serviceToken(t), &userv1.GetAddressInternalRequest{UserId: userOf(t, client, token)}))
	if err != nil || !got.Msg.GetAddress().GetIsDefault() {
		t.Fatalf("internal default address %v %v", got, err)
	}
	if _, err := client.GetAddressInternal(ctx, testenv.Bearer(token, &userv1.GetAddressInternalRequest{UserId: userOf(t, client, token)})); connect.CodeOf(err) != connect.CodePermissionDenied {
		t.Fatalf("user token on an internal RPC: %v", err)
	}
}

func userOf(t *testing.T, client interface {
	GetProfile(context.Context, *connect.Request[userv1.GetProfileRequest]) (*connect.Response[userv1.GetProfileResponse], error)
}, token string) string {
	t.Helper()
	res, err := client.GetProfile(context.Background(), testenv.Bearer(token, &userv1.GetProfileRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	return res.Msg.GetUser().GetUserId()
}

func TestFavoritesAddRemoveReaddAndList(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	client := f.clients["connect-json"]
	token, _ := f.signUp(t, client)
	for _, id := range []string{"p0001", "p0002", "p0003", "p0004", "p0005"} {
		if _, err := client.AddFavorite(ctx, testenv.Bearer(token, &userv1.AddFavoriteRequest{ProductId: id})); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := client.AddFavorite(ctx, testenv.Bearer(token, &userv1.AddFavoriteRequest{ProductId: "p0003"})); err != nil {
		t.Fatalf("adding twice: %v", err)
	}
	if _, err := client.AddFavorite(ctx, testenv.Bearer(token, &userv1.AddFavoriteRequest{ProductId: "ghost"})); connect.CodeOf(err) != connect.CodeNotFound {
		t.Fatalf("unknown product: %v", err)
	}
	if _, err := client.RemoveFavorite(ctx, testenv.Bearer(token, &userv1.RemoveFavoriteRequest{ProductId: "p0002"})); err != nil {
		t.Fatal(err)
	}
	if _, err := client.AddFavorite(ctx, testenv.Bearer(token, &userv1.AddFavoriteRequest{ProductId: "p0002"})); err != nil {
		t.Fatal(err)
	}
	is, err := client.IsFavorite(ctx, testenv.Bearer(token, &userv1.IsFavoriteRequest{ProductId: "p0002"}))
	if err != nil || !is.Msg.GetFavorite() {
		t.Fatalf("re-added favorite: %v %v", is, err)
	}
	var order []string
	req := &userv1.ListFavoritesRequest{PageSize: 2}
	for {
		page, err := client.ListFavorites(ctx, testenv.Bearer(token, req))
		if err != nil {
			t.Fatal(err)
		}
		for _, fav := range page.Msg.GetFavorites() {
			if fav.GetProduct().GetTitle() == "" {
				t.Fatalf("favorite %s not hydrated", fav.GetProductId())
			}
			order = append(order, fav.GetProductId())
		}
		if page.Msg.GetNextPageToken() == "" {
			break
		}
		req.PageToken = page.Msg.GetNextPageToken()
	}
	want := []string{"p0002", "p0005", "p0004", "p0003", "p0001"}
	if fmt.Sprint(order) != fmt.Sprint(want) {
		t.Fatalf("favorites %v, want %v (newest first, re-added first)", order, want)
	}
	if _, err := client.ListFavorites(ctx, testenv.Bearer(token, &userv1.ListFavoritesRequest{PageToken: "x"})); connect.CodeOf(err) != connect.CodeInvalidArgument {
		t.Fatalf("bad token: %v", err)
	}
}

// TestACatalogFailureIsUnavailableToTheShopper: whatever code a failing
// product service answers (here unimplemented: the internal URL reaches a
// process that does not serve the catalog), the shopper gets unavailable
// CATALOG_UNAVAILABLE with the user service's own message, and nothing is
// marked.
func TestACatalogFailureIsUnavailableToTheShopper(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	token, _ := f.signUp(t, f.clients["grpc"])
	if _, err := f.clients["grpc"].AddFavorite(ctx, testenv.Bearer(token, &userv1.AddFavoriteRequest{ProductId: "p0001"})); err != nil {
		t.Fatal(err)
	}
	withoutCatalog := testenv.Serve(t, server.Options{}, func(*server.Server) {})
	misrouted := *f.svc
	misrouted.products = productv1connect.NewProductServiceClient(rpcclient.HTTPClient(), withoutCatalog, connect.WithGRPC())
	url := testenv.Serve(t, server.Options{Authenticator: auth.NewAuthenticator(f.keys, f.svc.revocations)}, func(srv *server.Server) {
		srv.Mount(userv1connect.NewUserServiceHandler(&misrouted, srv.HandlerOptions()...))
	})
	client := userv1connect.NewUserServiceClient(http.DefaultClient, url, connect.WithProtoJSON())
	unavailable := func(call string, err error) {
		t.Helper()
		var connectErr *connect.Error
		if connect.CodeOf(err) != connect.CodeUnavailable || rpcerr.Reason(err) != ReasonCatalogUnavailable ||
			!errors.As(err, &connectErr) || connectErr.Message() != catalogUnavailable {
			t.Fatalf("%s: %v (reason %q), want unavailable %s %q", call, err, rpcerr.Reason(err), ReasonCatalogUnavailable, catalogUnavailable)
		}
	}
	_, err := client.AddFavorite(ctx, testenv.Bearer(token, &userv1.AddFavoriteRequest{ProductId: "p0002"}))
	unavailable("AddFavorite", err)
	_, err = client.ListFavorites(ctx, testenv.Bearer(token, &userv1.ListFavoritesRequest{}))
	unavailable("ListFavorites", err)
	is, err := client.IsFavorite(ctx, testenv.Bearer(token, &userv1.IsFavoriteRequest{ProductId: "p0002"}))
	if err != nil || is.Msg.GetFavorite() {
		t.Fatalf("a refused AddFavorite marked the product: %v %v", is, err)
	}
}
