package user

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"

	userv1 "mall/gen/mall/user/v1"
	"mall/gen/mall/user/v1/userv1connect"
	"mall/services/platform/rpcclient"
	"mall/services/platform/testenv"
)

// A flash-sale purchase resolves its buyer's address on the sale's hot
// path: lookups come from the cached address book, not MySQL, and every
// change is visible to the next lookup.
func TestAddressLookupsAreCachedAndFollowChanges(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	client := f.clients["grpc"]
	service := f.serviceToken(t)
	token, userID := f.signUp(t, client)
	otherToken, otherID := f.signUp(t, client)
	lookup := func(user, addressID string) (*userv1.Address, error) {
		res, err := client.GetAddressInternal(ctx, testenv.Bearer(service, &userv1.GetAddressInternalRequest{UserId: user, AddressId: addressID}))
		if err != nil {
			return nil, err
		}
		return res.Msg.GetAddress(), nil
	}

	// No address yet: not found, and asking again does not reach MySQL.
	_, err := lookup(userID, "")
	testenv.WantCode(t, err, connect.CodeNotFound, ReasonAddressNotFound)
	reads := f.addressReads.n.Load()
	for range 20 {
		_, err = lookup(userID, "")
		testenv.WantCode(t, err, connect.CodeNotFound, ReasonAddressNotFound)
	}
	if n := f.addressReads.n.Load() - reads; n != 0 {
		t.Fatalf("%d reads of the addresses table for 20 lookups of an empty address book", n)
	}

	home, err := client.CreateAddress(ctx, testenv.Bearer(token, &userv1.CreateAddressRequest{Address: address("家")}))
	if err != nil {
		t.Fatal(err)
	}
	homeID := home.Msg.GetAddress().GetAddressId()
	if got, err := lookup(userID, ""); err != nil || got.GetAddressId() != homeID {
		t.Fatalf("default after the first address: %v %v", got, err)
	}
	reads = f.addressReads.n.Load()
	for range 50 {
		if got, err := lookup(userID, homeID); err != nil || got.GetRecipientName() != "家" {
			t.Fatalf("lookup %v %v", got, err)
		}
	}
	if n := f.addressReads.n.Load() - reads; n != 0 {
		t.Fatalf("%d reads of the addresses table for 50 cached lookups", n)
	}
	// Another user's address id is not theirs: the same answer as an id that does not exist.
	_, err = lookup(otherID, homeID)
	testenv.WantCode(t, err, connect.CodeNotFound, ReasonAddressNotFound)
	_, err = lookup(userID, "a-made-up")
	testenv.WantCode(t, err, connect.CodeNotFound, ReasonAddressNotFound)
	if _, err := client.DeleteAddress(ctx, testenv.Bearer(otherToken, &userv1.DeleteAddressRequest{AddressId: homeID})); connect.CodeOf(err) != connect.CodeNotFound {
		t.Fatalf("another user deleting the address: %v", err)
	}

	// Every change is seen by the next lookup.
	spec := address("家")
	spec.Detail = "文三路 2 号"
	if _, err := client.UpdateAddress(ctx, testenv.Bearer(token, &userv1.UpdateAddressRequest{AddressId: homeID, Address: spec})); err != nil {
		t.Fatal(err)
	}
	if got, err := lookup(userID, ""); err != nil || got.GetDetail() != "文三路 2 号" {
		t.Fatalf("after the update: %v %v", got, err)
	}
	office, err := client.CreateAddress(ctx, testenv.Bearer(token, &userv1.CreateAddressRequest{Address: address("公司"), MakeDefault: true}))
	if err != nil {
		t.Fatal(err)
	}
	officeID := office.Msg.GetAddress().GetAddressId()
	if got, err := lookup(userID, ""); err != nil || got.GetAddressId() != officeID {
		t.Fatalf("after the new default: %v %v", got, err)
	}
	if _, err := client.SetDefaultAddress(ctx, testenv.Bearer(token, &userv1.SetDefaultAddressRequest{AddressId: homeID})); err != nil {
		t.Fatal(err)
	}
	if got, err := lookup(userID, ""); err != nil || got.GetAddressId() != homeID {
		t.Fatalf("after switching the default back: %v %v", got, err)
	}
	if _, err := client.DeleteAddress(ctx, testenv.Bearer(token, &userv1.DeleteAddressRequest{AddressId: homeID})); err != nil {
		t.Fatal(err)
	}
	if got, err := lookup(userID, ""); err != nil || got.GetAddressId() != officeID || !got.GetIsDefault() {
		t.Fatalf("after deleting the default: %v %v", got, err)
	}
	_, err = lookup(userID, homeID)
	testenv.WantCode(t, err, connect.CodeNotFound, ReasonAddressNotFound)
	list, err := client.ListAddresses(ctx, testenv.Bearer(token, &userv1.ListAddressesRequest{}))
	if err != nil || len(list.Msg.GetAddresses()) != 1 || list.Msg.GetAddresses()[0].GetAddressId() != officeID {
		t.Fatalf("list %v %v", list, err)
	}
}

// Another process (the flash-sale service) reads the cached address books
// without calling the user service once a book is cached, refuses an
// address that is not the buyer's, and sees every change.
func TestAddressReaderOfAnotherProcessFollowsChanges(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	client := f.clients["grpc"]
	token, userID := f.signUp(t, client)
	_, otherID := f.signUp(t, client)
	home, err := client.CreateAddress(ctx, testenv.Bearer(token, &userv1.CreateAddressRequest{Address: address("家")}))
	if err != nil {
		t.Fatal(err)
	}
	homeID := home.Msg.GetAddress().GetAddressId()
	var calls atomic.Int64
	counted := connect.WithInterceptors(connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			calls.Add(1)
			return next(ctx, req)
		}
	}))
	users := userv1connect.NewUserServiceClient(rpcclient.HTTPClient(), f.url,
		append(rpcclient.NewServiceCredential(f.keys, "seckill").Options(), connect.WithGRPC(), counted)...)
	reader := NewAddressReader(testenv.Redis(t), f.svc.opts, users)

	for range 50 {
		if a, err := reader.Address(ctx, userID, ""); err != nil || a.GetAddressId() != homeID {
			t.Fatalf("default %v %v", a, err)
		}
	}
	if n := calls.Load(); n > 1 {
		t.Fatalf("%d calls to the user service for 50 lookups of one buyer", n)
	}
	_, err = reader.Address(ctx, otherID, homeID)
	testenv.WantCode(t, err, connect.CodeNotFound, ReasonAddressNotFound)
	_, err = reader.Address(ctx, userID, "a-made-up")
	testenv.WantCode(t, err, connect.CodeNotFound, ReasonAddressNotFound)

	spec := address("家")
	spec.Detail = "文三路 3 号"
	if _, err := client.UpdateAddress(ctx, testenv.Bearer(token, &userv1.UpdateAddressRequest{AddressId: homeID, Address: spec})); err != nil {
		t.Fatal(err)
	}
	waitForAddress := func(what string, ok func(*userv1.Address, error) bool) {
		t.Helper()
		seen := ""
		testenv.Eventually(t, 5*time.Second, what, func() bool {
			a, err := reader.Address(ctx, userID, "")
			if ok(a, err) {
				return true
			}
			if answer := fmt.Sprint(a, err); answer != seen {
				seen = answer
				t.Logf("the reader answers %s", answer)
			}
			return false
		})
	}
	waitForAddress("the reader answering the updated address", func(a *userv1.Address, err error) bool { return err == nil && a.GetDetail() == "文三路 3 号" })
	if _, err := client.DeleteAddress(ctx, testenv.Bearer(token, &userv1.DeleteAddressRequest{AddressId: homeID})); err != nil {
		t.Fatal(err)
	}
	waitForAddress("the reader answering not found after the only address was deleted", func(_ *userv1.Address, err error) bool { return connect.CodeOf(err) == connect.CodeNotFound })
}
