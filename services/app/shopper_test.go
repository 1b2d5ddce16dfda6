package app_test

import (
	"context"
	"testing"

	"connectrpc.com/connect"

	cartv1 "mall/gen/mall/cart/v1"
	"mall/gen/mall/cart/v1/cartv1connect"
	userv1 "mall/gen/mall/user/v1"
	"mall/gen/mall/user/v1/userv1connect"
	"mall/services/platform/rpcclient"
	"mall/services/platform/testenv"
)

// TestShopperFlowOverGRPC is the README's curl walk-through, through gRPC
// clients against the whole system: register, log in, add an address,
// favorite a product, add it to the cart, list the cart.
func TestShopperFlowOverGRPC(t *testing.T) {
	url, _ := startApp(t)
	ctx := context.Background()
	users := userv1connect.NewUserServiceClient(rpcclient.HTTPClient(), url, connect.WithGRPC())
	carts := cartv1connect.NewCartServiceClient(rpcclient.HTTPClient(), url, connect.WithGRPC())

	if _, err := users.Register(ctx, connect.NewRequest(&userv1.RegisterRequest{Identity: &userv1.RegisterRequest_Phone{Phone: "13900000000"}, Password: "grpc1234"})); err != nil {
		t.Fatal(err)
	}
	login, err := users.Login(ctx, connect.NewRequest(&userv1.LoginRequest{Login: "13900000000", Password: "grpc1234"}))
	if err != nil {
		t.Fatal(err)
	}
	token := login.Msg.GetAccessToken()
	address, err := users.CreateAddress(ctx, testenv.Bearer(token, &userv1.CreateAddressRequest{Address: &userv1.AddressSpec{
		RecipientName: "李四", Phone: "13900000000", Province: "广东", City: "深圳", District: "南山区", Detail: "科技园 8 号"}}))
	if err != nil || !address.Msg.GetAddress().GetIsDefault() {
		t.Fatalf("address %v %v", address, err)
	}
	if _, err := users.AddFavorite(ctx, testenv.Bearer(token, &userv1.AddFavoriteRequest{ProductId: "p0042"})); err != nil {
		t.Fatal(err)
	}
	favorites, err := users.ListFavorites(ctx, testenv.Bearer(token, &userv1.ListFavoritesRequest{}))
	if err != nil || len(favorites.Msg.GetFavorites()) != 1 || favorites.Msg.GetFavorites()[0].GetProduct().GetTitle() == "" {
		t.Fatalf("favorites %v %v", favorites, err)
	}
	if _, err := carts.AddItem(ctx, testenv.Bearer(token, &cartv1.AddItemRequest{ProductId: "p0042", Quantity: 3})); err != nil {
		t.Fatal(err)
	}
	cart, err := carts.ListCart(ctx, testenv.Bearer(token, &cartv1.ListCartRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	lines := cart.Msg.GetLines()
	price := favorites.Msg.GetFavorites()[0].GetProduct().GetPriceCents()
	if len(lines) != 1 || lines[0].GetQuantity() != 3 || cart.Msg.GetSelectedTotalCents() != 3*price {
		t.Fatalf("cart %v (unit price %d)", cart.Msg, price)
	}
}
