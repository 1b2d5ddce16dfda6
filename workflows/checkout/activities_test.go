package checkout

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"connectrpc.com/connect"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	cartv1 "mall/gen/mall/cart/v1"
	"mall/gen/mall/cart/v1/cartv1connect"
	orderv1 "mall/gen/mall/order/v1"
	"mall/gen/mall/order/v1/orderv1connect"
	productv1 "mall/gen/mall/product/v1"
	"mall/gen/mall/product/v1/productv1connect"
	userv1 "mall/gen/mall/user/v1"
	"mall/gen/mall/user/v1/userv1connect"
)

// The activities against fake service clients: how they build requests and
// turn answers into lines, addresses and typed errors.

type fakeProducts struct {
	productv1connect.ProductServiceClient
	products   map[string]*productv1.Product
	reserveErr error
	reserved   *productv1.ReserveStockRequest
}

func (f *fakeProducts) BatchGetProducts(_ context.Context, req *connect.Request[productv1.BatchGetProductsRequest]) (*connect.Response[productv1.BatchGetProductsResponse], error) {
	res := &productv1.BatchGetProductsResponse{}
	for _, id := range req.Msg.GetProductIds() {
		if p, ok := f.products[id]; ok {
			res.Products = append(res.Products, p)
		} else {
			res.MissingIds = append(res.MissingIds, id)
		}
	}
	return connect.NewResponse(res), nil
}

func (f *fakeProducts) ReserveStock(_ context.Context, req *connect.Request[productv1.ReserveStockRequest]) (*connect.Response[productv1.ReserveStockResponse], error) {
	f.reserved = req.Msg
	if f.reserveErr != nil {
		return nil, f.reserveErr
	}
	return connect.NewResponse(&productv1.ReserveStockResponse{Reservation: &productv1.Reservation{
		ReservationId: req.Msg.GetReservationId(), State: productv1.ReservationState_RESERVATION_STATE_RESERVED}}), nil
}

type fakeCarts struct {
	cartv1connect.CartServiceClient
	items map[string]int32
}

func (f *fakeCarts) GetItemsInternal(_ context.Context, req *connect.Request[cartv1.GetItemsInternalRequest]) (*connect.Response[cartv1.GetItemsInternalResponse], error) {
	res := &cartv1.GetItemsInternalResponse{}
	for _, id := range req.Msg.GetProductIds() {
		if q, ok := f.items[id]; ok {
			res.Items = append(res.Items, &cartv1.CartItem{ProductId: id, Quantity: q, Selected: true})
		} else {
			res.MissingProductIds = append(res.MissingProductIds, id)
		}
	}
	return connect.NewResponse(res), nil
}

type fakeUsers struct {
	userv1connect.UserServiceClient
	err error
}

func (f *fakeUsers) GetAddressInternal(_ context.Context, req *connect.Request[userv1.GetAddressInternalRequest]) (*connect.Response[userv1.GetAddressInternalResponse], error) {
	if f.err != nil {
		return nil, f.err
	}
	return connect.NewResponse(&userv1.GetAddressInternalResponse{Address: &userv1.Address{AddressId: req.Msg.GetAddressId(),
		RecipientName: "张三", Phone: "13800138000", Province: "浙江", City: "杭州", District: "西湖区", Detail: "文三路 1 号"}}), nil
}

type fakeOrders struct {
	orderv1connect.OrderServiceClient
	created *orderv1.CreateOrderRequest
}

func (f *fakeOrders) CreateOrder(_ context.Context, req *connect.Request[orderv1.CreateOrderRequest]) (*connect.Response[orderv1.CreateOrderResponse], error) {
	f.created = req.Msg
	return connect.NewResponse(&orderv1.CreateOrderResponse{Created: true}), nil
}

type capturePublisher struct{ events []*orderv1.OrderEvent }

func (c *capturePublisher) Publish(_ context.Context, e *orderv1.OrderEvent) error {
	c.events = append(c.events, e)
	return nil
}

func catalog() *fakeProducts {
	return &fakeProducts{products: map[string]*productv1.Product{
		"p1": {ProductId: "p1", CategoryId: "c01", Title: "龙井", ImageUrls: []string{"/img/a.svg", "/img/b.svg"},
			PriceCents: 1000, Status: productv1.ProductStatus_PRODUCT_STATUS_ON_SALE},
		"p2": {ProductId: "p2", CategoryId: "c02", Title: "Tea cup", PriceCents: 500, Status: productv1.ProductStatus_PRODUCT_STATUS_ON_SALE},
		"p3": {ProductId: "p3", CategoryId: "c02", Title: "Old pot", PriceCents: 900, Status: productv1.ProductStatus_PRODUCT_STATUS_OFF_SHELF},
	}}
}

func activityEnv(a *Activities) *testsuite.TestActivityEnvironment {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivityWithOptions(a, activity.RegisterOptions{Name: ActivityPrefix})
	return env
}

func TestPriceLinesSnapshotsCartLinesAtCurrentPrices(t *testing.T) {
	a := &Activities{Products: catalog(), Carts: &fakeCarts{items: map[string]int32{"p1": 3, "p2": 1}}}
	value, err := activityEnv(a).ExecuteActivity(ActivityPriceLines, PriceLinesInput{UserID: "u-1", CartProductIDs: []string{"p2", "p1", "p2"}})
	if err != nil {
		t.Fatal(err)
	}
	var lines []Line
	if err := value.Get(&lines); err != nil {
		t.Fatal(err)
	}
	want := []Line{
		{ProductID: "p2", CategoryID: "c02", Title: "Tea cup", UnitPriceCents: 500, Quantity: 1},
		{ProductID: "p1", CategoryID: "c01", Title: "龙井", ImageURL: "/img/a.svg", UnitPriceCents: 1000, Quantity: 3},
	}
	if !slices.Equal(lines, want) {
		t.Fatalf("lines %+v", lines)
	}
}

func TestPriceLinesBuyNowTakesTheGivenQuantity(t *testing.T) {
	a := &Activities{Products: catalog()} // no cart client: buy-now never calls it
	value, err := activityEnv(a).ExecuteActivity(ActivityPriceLines, PriceLinesInput{UserID: "u-1", BuyNow: &Item{ProductID: "p1", Quantity: 2}})
	if err != nil {
		t.Fatal(err)
	}
	var lines []Line
	if err := value.Get(&lines); err != nil || len(lines) != 1 || lines[0].Quantity != 2 || lines[0].UnitPriceCents != 1000 {
		t.Fatalf("lines %+v %v", lines, err)
	}
}

func TestPriceLinesRejectsWhatCannotBeBought(t *testing.T) {
	a := &Activities{Products: catalog(), Carts: &fakeCarts{items: map[string]int32{"p1": 1, "p3": 1, "p9": 1}}}
	for _, tc := range []struct {
		name     string
		in       PriceLinesInput
		wantType string
	}{
		{"empty selection", PriceLinesInput{UserID: "u-1"}, ErrTypeEmptySelection},
		{"zero buy-now quantity", PriceLinesInput{UserID: "u-1", BuyNow: &Item{ProductID: "p1"}}, ErrTypeEmptySelection},
		{"not in the cart", PriceLinesInput{UserID: "u-1", CartProductIDs: []string{"p1", "p2"}}, ErrTypeNotInCart},
		{"off shelf", PriceLinesInput{UserID: "u-1", CartProductIDs: []string{"p1", "p3"}}, ErrTypeOffShelf},
		{"unknown product", PriceLinesInput{UserID: "u-1", CartProductIDs: []string{"p9"}}, ErrTypeProductNotFound},
		{"unknown buy-now product", PriceLinesInput{UserID: "u-1", BuyNow: &Item{ProductID: "p9", Quantity: 1}}, ErrTypeProductNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := activityEnv(a).ExecuteActivity(ActivityPriceLines, tc.in)
			var appErr *temporal.ApplicationError
			if !errors.As(err, &appErr) || appErr.Type() != tc.wantType || !appErr.NonRetryable() || appErr.Message() == "" {
				t.Fatalf("error %v, want non-retryable %s", err, tc.wantType)
			}
		})
	}
}

func TestResolveAddressOfAnotherUserIsAnInvalidAddress(t *testing.T) {
	a := &Activities{Users: &fakeUsers{err: connect.NewError(connect.CodeNotFound, errors.New("address not found"))}}
	_, err := activityEnv(a).ExecuteActivity(ActivityResolveAddress, ResolveAddressInput{UserID: "u-1", AddressID: "a-of-bob"})
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != ErrTypeInvalidAddress || !appErr.NonRetryable() {
		t.Fatalf("error %v", err)
	}

	a.Users = &fakeUsers{err: connect.NewError(connect.CodeUnavailable, errors.New("down"))}
	_, err = activityEnv(a).ExecuteActivity(ActivityResolveAddress, ResolveAddressInput{UserID: "u-1"})
	if !errors.As(err, &appErr) || appErr.NonRetryable() {
		t.Fatalf("an unavailable user service must be retried: %v", err)
	}

	a.Users = &fakeUsers{}
	value, err := activityEnv(a).ExecuteActivity(ActivityResolveAddress, ResolveAddressInput{UserID: "u-1", AddressID: "a-1"})
	var addr Address
	if err != nil || value.Get(&addr) != nil || addr.RecipientName != "张三" || addr.District != "西湖区" {
		t.Fatalf("address %+v %v", addr, err)
	}
}

func TestReserveStockOutOfStockIsNonRetryable(t *testing.T) {
	products := catalog()
	products.reserveErr = serviceErrorRaw(connect.CodeFailedPrecondition, "OUT_OF_STOCK", "not enough stock for product p1")
	a := &Activities{Products: products}
	_, err := activityEnv(a).ExecuteActivity(ActivityReserveStock, ReserveStockInput{ReservationID: "o-1", Lines: []Item{{"p1", 2}}})
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != ErrTypeOutOfStock || !appErr.NonRetryable() {
		t.Fatalf("error %v", err)
	}
	if products.reserved.GetReservationId() != "o-1" || products.reserved.GetLines()[0].GetQuantity() != 2 {
		t.Fatalf("request %v", products.reserved)
	}
}

func TestCreateOrderSendsTheSnapshot(t *testing.T) {
	orders := &fakeOrders{}
	deadline := time.Date(2026, 11, 28, 10, 30, 0, 0, time.UTC)
	in := CreateOrderInput{OrderID: "o-1", UserID: "u-1", ReservationID: "o-1", PaymentDeadline: deadline,
		Lines:   []Line{{ProductID: "p1", CategoryID: "c01", Title: "龙井", ImageURL: "/img/a.svg", UnitPriceCents: 1000, Quantity: 3}},
		Address: Address{RecipientName: "张三", Phone: "13800138000", Province: "浙江", City: "杭州", Detail: "文三路 1 号"}}
	if _, err := activityEnv(&Activities{Orders: orders}).ExecuteActivity(ActivityCreateOrder, in); err != nil {
		t.Fatal(err)
	}
	got := orders.created
	if got.GetOrderId() != "o-1" || got.GetReservationId() != "o-1" || !got.GetPaymentDeadline().AsTime().Equal(deadline) ||
		got.GetShippingAddress().GetCity() != "杭州" || got.GetLines()[0].GetCategoryId() != "c01" || got.GetLines()[0].GetQuantity() != 3 {
		t.Fatalf("request %v", got)
	}
}

func TestPublishOrderEventBuildsThePaidEvent(t *testing.T) {
	events := &capturePublisher{}
	at := time.Date(2026, 11, 28, 10, 3, 0, 0, time.UTC)
	in := OrderEventInput{Type: orderv1.OrderEventType_ORDER_EVENT_TYPE_PAID, OrderID: "o-1", UserID: "u-1", OccurredAt: at,
		Lines: []Line{{ProductID: "p1", CategoryID: "c01", UnitPriceCents: 1000, Quantity: 2}, {ProductID: "p2", CategoryID: "c02", UnitPriceCents: 500, Quantity: 1}}}
	if _, err := activityEnv(&Activities{Events: events}).ExecuteActivity(ActivityPublishOrderEvent, in); err != nil {
		t.Fatal(err)
	}
	e := events.events[0]
	if e.GetEventId() != "o-1:PAID" || e.GetType() != orderv1.OrderEventType_ORDER_EVENT_TYPE_PAID || e.GetOrderId() != "o-1" ||
		e.GetUserId() != "u-1" || e.GetKind() != orderv1.OrderKind_ORDER_KIND_REGULAR || e.GetTotalCents() != 2500 ||
		!e.GetOccurredAt().AsTime().Equal(at) || len(e.GetLines()) != 2 ||
		e.GetLines()[1].GetCategoryId() != "c02" || e.GetLines()[0].GetQuantity() != 2 {
		t.Fatalf("event %v", e)
	}
}

// serviceErrorRaw is a Connect error as a service answers it (before fromRPC).
func serviceErrorRaw(code connect.Code, reason, message string) error {
	var connectErr *connect.Error
	errors.As(serviceError(code, reason, message), &connectErr)
	return connectErr
}
