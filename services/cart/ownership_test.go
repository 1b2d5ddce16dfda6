package cart

import (
	"context"
	"testing"
	"time"

	"connectrpc.com/connect"

	cartv1 "mall/gen/mall/cart/v1"
	"mall/services/platform/auth"
	"mall/services/platform/rpcerr"
	"mall/services/platform/testenv"
)

type userRPC struct {
	name string
	call func(ctx context.Context, client cartClient, token string) error
}

// userRPCs are every user RPC of CartService aimed at one product; AddItem
// comes last, since it gives the caller a line of that product.
func userRPCs(productID string) []userRPC {
	return []userRPC{
		{"UpdateItem", func(ctx context.Context, c cartClient, token string) error {
			_, err := c.UpdateItem(ctx, testenv.Bearer(token, &cartv1.UpdateItemRequest{ProductId: productID, Quantity: 9}))
			return err
		}},
		{"UpdateItem to zero", func(ctx context.Context, c cartClient, token string) error {
			_, err := c.UpdateItem(ctx, testenv.Bearer(token, &cartv1.UpdateItemRequest{ProductId: productID, Quantity: 0}))
			return err
		}},
		{"RemoveItems", func(ctx context.Context, c cartClient, token string) error {
			_, err := c.RemoveItems(ctx, testenv.Bearer(token, &cartv1.RemoveItemsRequest{ProductIds: []string{productID}}))
			return err
		}},
		{"SelectItems", func(ctx context.Context, c cartClient, token string) error {
			_, err := c.SelectItems(ctx, testenv.Bearer(token, &cartv1.SelectItemsRequest{ProductIds: []string{productID}, Selected: false}))
			return err
		}},
		{"SelectItems all", func(ctx context.Context, c cartClient, token string) error {
			_, err := c.SelectItems(ctx, testenv.Bearer(token, &cartv1.SelectItemsRequest{Selected: false}))
			return err
		}},
		{"ListCart", func(ctx context.Context, c cartClient, token string) error {
			_, err := c.ListCart(ctx, testenv.Bearer(token, &cartv1.ListCartRequest{}))
			return err
		}},
		{"AddItem", func(ctx context.Context, c cartClient, token string) error {
			_, err := c.AddItem(ctx, testenv.Bearer(token, &cartv1.AddItemRequest{ProductId: productID, Quantity: 1}))
			return err
		}},
	}
}

// TestUsersNeverSeeEachOthersLines walks every user RPC with another user's
// token: the victim's line never changes and is never shown. Single-line
// calls (UpdateItem) answer not_found; batch calls (RemoveItems,
// SelectItems) ignore ids that are not in the caller's cart.
func TestUsersNeverSeeEachOthersLines(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, protocol := range protocols {
		t.Run(protocol, func(t *testing.T) {
			client := f.clients[protocol]
			_, alice := f.user(t)
			_, bob := f.user(t)
			f.add(t, client, alice, "p0060", 4)
			f.add(t, client, alice, "p0061", 1)
			aliceCart := func() *cartv1.ListCartResponse { return f.list(t, client, alice) }
			before := aliceCart()

			for _, rpc := range userRPCs("p0060") {
				name := rpc.name
				err := rpc.call(ctx, client, bob)
				switch name {
				case "UpdateItem", "UpdateItem to zero":
					expectCode(t, err, connect.CodeNotFound, ReasonLineNotFound)
				default: // batch calls and ListCart succeed on bob's own cart
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
				}
				after := aliceCart()
				if len(after.GetLines()) != 2 || after.GetTotalQuantity() != 5 || after.GetSelectedCount() != 2 ||
					after.GetSelectedTotalCents() != before.GetSelectedTotalCents() {
					t.Fatalf("bob's %s changed alice's cart: %v", name, after)
				}
			}
			// Bob's cart holds only what bob did (the AddItem above), and his
			// RemoveItems removed his own line: nothing of alice's shows.
			bobCart := f.list(t, client, bob)
			for _, l := range bobCart.GetLines() {
				if l.GetProductId() == "p0061" {
					t.Fatalf("bob sees alice's line: %v", l)
				}
			}
			removed, err := client.RemoveItems(ctx, testenv.Bearer(bob, &cartv1.RemoveItemsRequest{ProductIds: []string{"p0061"}}))
			if err != nil || removed.Msg.GetRemovedCount() != 0 {
				t.Fatalf("bob removed alice's line: %v %v", removed, err)
			}
			if l := lineOf(aliceCart(), "p0061"); l == nil {
				t.Fatal("alice lost p0061")
			}
		})
	}
}

func TestEveryUserRPCRefusesBadTokens(t *testing.T) {
	f := newFixture(t)
	other, err := auth.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	forged, _, err := other.Issue("u-forged", []string{auth.RoleUser}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	expired, _, err := f.keys.Issue("u-expired", []string{auth.RoleUser}, -1)
	if err != nil {
		t.Fatal(err)
	}
	service := f.token(t, "order", auth.RoleService)
	for _, protocol := range protocols {
		for _, rpc := range userRPCs("p0001") {
			name, call := rpc.name, rpc.call
			for _, bad := range []struct{ label, token string }{{"none", ""}, {"garbage", "not-a-jwt"}, {"forged", forged}, {"expired", expired}} {
				err := call(context.Background(), f.clients[protocol], bad.token)
				if connect.CodeOf(err) != connect.CodeUnauthenticated {
					t.Errorf("%s %s with %s token: %v", protocol, name, bad.label, err)
				}
			}
			// A service credential is not a user.
			if err := call(context.Background(), f.clients[protocol], service); connect.CodeOf(err) != connect.CodePermissionDenied {
				t.Errorf("%s %s with a service token: %v", protocol, name, err)
			}
		}
	}
}

func TestInternalRPCsNeedAServiceCredential(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, protocol := range protocols {
		t.Run(protocol, func(t *testing.T) {
			client := f.clients[protocol]
			userID, token := f.user(t)
			f.add(t, client, token, "p0070", 2)
			f.add(t, client, token, "p0071", 3)
			f.add(t, client, token, "p0072", 1)
			if _, err := client.SelectItems(ctx, testenv.Bearer(token, &cartv1.SelectItemsRequest{ProductIds: []string{"p0071"}})); err != nil {
				t.Fatal(err)
			}

			for _, tok := range []string{token, f.admin} { // a user's and an admin's token
				_, err := client.GetItemsInternal(ctx, testenv.Bearer(tok, &cartv1.GetItemsInternalRequest{UserId: userID}))
				expectCode(t, err, connect.CodePermissionDenied, rpcerr.ReasonForbidden)
				_, err = client.RemoveCheckedOutItems(ctx, testenv.Bearer(tok, &cartv1.RemoveCheckedOutItemsRequest{UserId: userID, ProductIds: []string{"p0070"}}))
				expectCode(t, err, connect.CodePermissionDenied, rpcerr.ReasonForbidden)
			}
			if n, _ := countLines(ctx, f.db, userID); n != 3 {
				t.Fatalf("refused calls removed lines: %d left", n)
			}
			_, err := client.GetItemsInternal(ctx, testenv.Bearer("", &cartv1.GetItemsInternalRequest{UserId: userID}))
			expectCode(t, err, connect.CodeUnauthenticated, "")

			service := f.token(t, "order", auth.RoleService)
			// Empty product ids: the selected lines, most recently added first.
			res, err := client.GetItemsInternal(ctx, testenv.Bearer(service, &cartv1.GetItemsInternalRequest{UserId: userID}))
			if err != nil {
				t.Fatal(err)
			}
			items := res.Msg.GetItems()
			if len(items) != 2 || items[0].GetProductId() != "p0072" || items[1].GetProductId() != "p0070" ||
				items[1].GetQuantity() != 2 || !items[1].GetSelected() || len(res.Msg.GetMissingProductIds()) != 0 {
				t.Fatalf("selected items: %v", res.Msg)
			}
			// Named products, in request order, selected or not, plus the missing ones.
			res, err = client.GetItemsInternal(ctx, testenv.Bearer(service, &cartv1.GetItemsInternalRequest{UserId: userID, ProductIds: []string{"p0071", "p0099", "p0070"}}))
			if err != nil {
				t.Fatal(err)
			}
			items = res.Msg.GetItems()
			if len(items) != 2 || items[0].GetProductId() != "p0071" || items[0].GetQuantity() != 3 || items[0].GetSelected() ||
				items[1].GetProductId() != "p0070" || len(res.Msg.GetMissingProductIds()) != 1 || res.Msg.GetMissingProductIds()[0] != "p0099" {
				t.Fatalf("named items: %v", res.Msg)
			}
			// Another user's id sees only that user's (empty) cart.
			res, err = client.GetItemsInternal(ctx, testenv.Bearer(service, &cartv1.GetItemsInternalRequest{UserId: "u-someone-else"}))
			if err != nil || len(res.Msg.GetItems()) != 0 {
				t.Fatalf("other user: %v %v", res, err)
			}

			// RemoveCheckedOutItems is idempotent.
			for call, want := range []int32{2, 0} {
				removed, err := client.RemoveCheckedOutItems(ctx, testenv.Bearer(service, &cartv1.RemoveCheckedOutItemsRequest{UserId: userID, ProductIds: []string{"p0070", "p0072"}}))
				if err != nil {
					t.Fatal(err)
				}
				if got := removed.Msg.GetRemovedCount(); got != want {
					t.Fatalf("call %d removed %d, want %d", call+1, got, want)
				}
			}
			cart := f.list(t, client, token)
			if len(cart.GetLines()) != 1 || cart.GetLines()[0].GetProductId() != "p0071" {
				t.Fatalf("after checkout removal: %v", cart.GetLines())
			}
		})
	}
}

// TestProductServiceDownMeansUnavailable: a cart whose product service does
// not answer fails ListCart and AddItem with unavailable (no half data) and
// writes nothing.
func TestProductServiceDownMeansUnavailable(t *testing.T) {
	f := newFixture(t)
	userID, token := f.user(t)
	f.add(t, f.clients["grpc"], token, "p0080", 2)

	// A second server: the same cart database, a product client aimed at a
	// closed port.
	dead := testenv.Listen(t)
	deadURL := "http://" + dead.Addr().String()
	dead.Close()
	broken := NewService(f.db, productClientFor(f, deadURL), f.svc.logger)
	for name, client := range f.serveAnother(t, broken) {
		_, err := client.ListCart(context.Background(), testenv.Bearer(token, &cartv1.ListCartRequest{}))
		expectCode(t, err, connect.CodeUnavailable, ReasonProductUnavailable)
		_, err = client.AddItem(context.Background(), testenv.Bearer(token, &cartv1.AddItemRequest{ProductId: "p0081", Quantity: 1}))
		expectCode(t, err, connect.CodeUnavailable, ReasonProductUnavailable)
		_, err = client.UpdateItem(context.Background(), testenv.Bearer(token, &cartv1.UpdateItemRequest{ProductId: "p0080", Quantity: 5}))
		expectCode(t, err, connect.CodeUnavailable, ReasonProductUnavailable)
		// Writes that need no product data still work.
		if _, err := client.SelectItems(context.Background(), testenv.Bearer(token, &cartv1.SelectItemsRequest{Selected: true})); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	res, err := f.clients["grpc"].GetItemsInternal(context.Background(),
		testenv.Bearer(f.token(t, "order", auth.RoleService), &cartv1.GetItemsInternalRequest{UserId: userID}))
	if err != nil {
		t.Fatal(err)
	}
	items := res.Msg.GetItems()
	if len(items) != 1 || items[0].GetProductId() != "p0080" || items[0].GetQuantity() != 2 {
		t.Fatalf("a failed call wrote: %v", items)
	}
}
