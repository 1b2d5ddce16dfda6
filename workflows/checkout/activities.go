package checkout

import (
	"context"
	"fmt"
	"strings"
	"time"

	"connectrpc.com/connect"
	"go.temporal.io/sdk/activity"
	"google.golang.org/protobuf/types/known/timestamppb"

	cartv1 "mall/gen/mall/cart/v1"
	"mall/gen/mall/cart/v1/cartv1connect"
	orderv1 "mall/gen/mall/order/v1"
	"mall/gen/mall/order/v1/orderv1connect"
	productv1 "mall/gen/mall/product/v1"
	"mall/gen/mall/product/v1/productv1connect"
	userv1 "mall/gen/mall/user/v1"
	"mall/gen/mall/user/v1/userv1connect"
)

// OrderEventsTopic is the Kafka topic of order events (keyed by order id):
// the EventPublisher the worker injects writes there and the product
// service's rankings read it, so this is its one name.
const OrderEventsTopic = "mall.order.events"

// EventPublisher publishes an order event to OrderEventsTopic, keyed by
// order id. Consumers dedupe by event id, so publishing twice is harmless.
type EventPublisher interface {
	Publish(ctx context.Context, event *orderv1.OrderEvent) error
}

// Activities are the checkout saga's steps. Each calls a service over
// Connect (gRPC, with a service credential) and is idempotent: the services
// key every write by the order id (reservation id = order id).
type Activities struct {
	Products productv1connect.ProductServiceClient
	Carts    cartv1connect.CartServiceClient
	Users    userv1connect.UserServiceClient
	Orders   orderv1connect.OrderServiceClient
	Events   EventPublisher
}

// Line is one priced order line, snapshotted at checkout.
type Line struct {
	ProductID      string
	CategoryID     string
	Title          string
	ImageURL       string
	UnitPriceCents int64
	Quantity       int32
}

// Address is the shipping address snapshotted into the order.
type Address struct {
	RecipientName string
	Phone         string
	Province      string
	City          string
	District      string
	Detail        string
	PostalCode    string
}

// PriceLinesInput selects what to buy: cart lines or one buy-now item.
type PriceLinesInput struct {
	UserID         string
	CartProductIDs []string
	BuyNow         *Item
}

// PriceLines prices what the buyer checks out at the current prices: the
// quantities of cart lines come from the cart. Every product must exist and
// be on sale; problems are non-retryable business errors.
func (a *Activities) PriceLines(ctx context.Context, in PriceLinesInput) ([]Line, error) {
	var ids []string
	quantity := map[string]int32{}
	switch {
	case in.BuyNow != nil:
		if in.BuyNow.ProductID == "" || in.BuyNow.Quantity < 1 {
			return nil, businessError(ErrTypeEmptySelection, "nothing to buy")
		}
		ids = []string{in.BuyNow.ProductID}
		quantity[in.BuyNow.ProductID] = in.BuyNow.Quantity
	default:
		ids = unique(in.CartProductIDs)
		if len(ids) == 0 {
			return nil, businessError(ErrTypeEmptySelection, "no cart lines selected")
		}
		res, err := a.Carts.GetItemsInternal(ctx, connect.NewRequest(&cartv1.GetItemsInternalRequest{UserId: in.UserID, ProductIds: ids}))
		if err != nil {
			return nil, fromRPC(err)
		}
		if missing := res.Msg.GetMissingProductIds(); len(missing) > 0 {
			return nil, businessError(ErrTypeNotInCart, fmt.Sprintf("product %s is no longer in your cart", missing[0]))
		}
		for _, item := range res.Msg.GetItems() {
			quantity[item.GetProductId()] = item.GetQuantity()
		}
	}
	res, err := a.Products.BatchGetProducts(ctx, connect.NewRequest(&productv1.BatchGetProductsRequest{ProductIds: ids}))
	if err != nil {
		return nil, fromRPC(err)
	}
	if missing := res.Msg.GetMissingIds(); len(missing) > 0 {
		return nil, businessError(ErrTypeProductNotFound, fmt.Sprintf("product %s does not exist", missing[0]))
	}
	products := map[string]*productv1.Product{}
	for _, p := range res.Msg.GetProducts() {
		products[p.GetProductId()] = p
	}
	lines := make([]Line, 0, len(ids))
	for _, id := range ids {
		p, ok := products[id]
		switch {
		case !ok:
			return nil, businessError(ErrTypeProductNotFound, fmt.Sprintf("product %s does not exist", id))
		case p.GetStatus() != productv1.ProductStatus_PRODUCT_STATUS_ON_SALE:
			return nil, businessError(ErrTypeOffShelf, fmt.Sprintf("%s is no longer on sale", p.GetTitle()))
		case quantity[id] < 1:
			return nil, businessError(ErrTypeNotInCart, fmt.Sprintf("product %s is no longer in your cart", id))
		}
		line := Line{ProductID: id, CategoryID: p.GetCategoryId(), Title: p.GetTitle(),
			UnitPriceCents: p.GetPriceCents(), Quantity: quantity[id]}
		if images := p.GetImageUrls(); len(images) > 0 {
			line.ImageURL = images[0]
		}
		lines = append(lines, line)
	}
	return lines, nil
}

// ResolveAddressInput names one of the buyer's addresses ("" is the default).
type ResolveAddressInput struct {
	UserID    string
	AddressID string
}

// ResolveAddress reads the buyer's address for the order's snapshot. An
// address that is not the buyer's is an invalid address (non-retryable).
func (a *Activities) ResolveAddress(ctx context.Context, in ResolveAddressInput) (Address, error) {
	res, err := a.Users.GetAddressInternal(ctx, connect.NewRequest(&userv1.GetAddressInternalRequest{UserId: in.UserID, AddressId: in.AddressID}))
	switch connect.CodeOf(err) {
	case connect.CodeNotFound, connect.CodeInvalidArgument:
		return Address{}, businessError(ErrTypeInvalidAddress, "invalid address: choose another shipping address")
	}
	if err != nil {
		return Address{}, fromRPC(err)
	}
	addr := res.Msg.GetAddress()
	return Address{RecipientName: addr.GetRecipientName(), Phone: addr.GetPhone(), Province: addr.GetProvince(),
		City: addr.GetCity(), District: addr.GetDistrict(), Detail: addr.GetDetail(), PostalCode: addr.GetPostalCode()}, nil
}

// ReserveStockInput reserves the lines' quantities under ReservationID.
type ReserveStockInput struct {
	ReservationID string
	Lines         []Item
}

// ReserveStock holds stock for every line, all or nothing. Idempotent by
// reservation id. Out of stock and off shelf are failed_precondition from
// the product service, hence non-retryable, and reserve nothing.
func (a *Activities) ReserveStock(ctx context.Context, in ReserveStockInput) error {
	lines := make([]*productv1.StockLine, 0, len(in.Lines))
	for _, l := range in.Lines {
		lines = append(lines, &productv1.StockLine{ProductId: l.ProductID, Quantity: l.Quantity})
	}
	res, err := a.Products.ReserveStock(ctx, connect.NewRequest(&productv1.ReserveStockRequest{ReservationId: in.ReservationID, Lines: lines}))
	if err != nil {
		return fromRPC(err)
	}
	// A repeat answers the reservation as it is now: one that was released
	// (only a compensation does that) must not be used for an order.
	if res.Msg.GetReservation().GetState() == productv1.ReservationState_RESERVATION_STATE_RELEASED {
		return businessError(ErrTypeReservationGone, genericFailure)
	}
	return nil
}

// ConfirmReservation turns the reserved stock into sold stock. Idempotent.
func (a *Activities) ConfirmReservation(ctx context.Context, reservationID string) error {
	_, err := a.Products.ConfirmReservation(ctx, connect.NewRequest(&productv1.ConfirmReservationRequest{ReservationId: reservationID}))
	return fromRPC(err)
}

// ReleaseReservation gives the reserved stock back. Idempotent; releasing an
// unknown reservation is a no-op.
func (a *Activities) ReleaseReservation(ctx context.Context, reservationID string) error {
	_, err := a.Products.ReleaseReservation(ctx, connect.NewRequest(&productv1.ReleaseReservationRequest{ReservationId: reservationID}))
	return fromRPC(err)
}

// CreateOrderInput is the order to create as PENDING_PAYMENT.
type CreateOrderInput struct {
	OrderID         string
	UserID          string
	Lines           []Line
	Address         Address
	ReservationID   string
	PaymentDeadline time.Time
}

// CreateOrder creates the order as PENDING_PAYMENT. Idempotent by order id
// (a repeat returns the existing order).
func (a *Activities) CreateOrder(ctx context.Context, in CreateOrderInput) error {
	lines := make([]*orderv1.OrderLineInput, 0, len(in.Lines))
	for _, l := range in.Lines {
		lines = append(lines, &orderv1.OrderLineInput{ProductId: l.ProductID, CategoryId: l.CategoryID, Title: l.Title,
			ImageUrl: l.ImageURL, UnitPriceCents: l.UnitPriceCents, Quantity: l.Quantity})
	}
	addr := in.Address
	_, err := a.Orders.CreateOrder(ctx, connect.NewRequest(&orderv1.CreateOrderRequest{
		OrderId: in.OrderID, UserId: in.UserID, Lines: lines, ReservationId: in.ReservationID,
		ShippingAddress: &orderv1.ShippingAddress{RecipientName: addr.RecipientName, Phone: addr.Phone, Province: addr.Province,
			City: addr.City, District: addr.District, Detail: addr.Detail, PostalCode: addr.PostalCode},
		PaymentDeadline: timestamppb.New(in.PaymentDeadline),
	}))
	return fromRPC(err)
}

// TransitionInput moves an order to To, only from one of From (when set).
type TransitionInput struct {
	OrderID string
	To      orderv1.OrderStatus
	From    []orderv1.OrderStatus
	Reason  string
	Cause   orderv1.StatusChangeCause // UNSPECIFIED: the usual one for To
}

// TransitionOrder moves an order to another status. Idempotent: an order
// already in To is left as it is. An order in another status than From
// answers failed_precondition (non-retryable).
func (a *Activities) TransitionOrder(ctx context.Context, in TransitionInput) error {
	_, err := a.Orders.TransitionOrder(ctx, connect.NewRequest(&orderv1.TransitionOrderRequest{
		OrderId: in.OrderID, ToStatus: in.To, FromStatuses: in.From, Reason: in.Reason, Cause: in.Cause}))
	return fromRPC(err)
}

// RemoveCartLinesInput names the cart lines a checkout bought.
type RemoveCartLinesInput struct {
	UserID     string
	ProductIDs []string
}

// RemoveCartLines removes the checked-out lines from the buyer's cart.
// Idempotent.
func (a *Activities) RemoveCartLines(ctx context.Context, in RemoveCartLinesInput) error {
	_, err := a.Carts.RemoveCheckedOutItems(ctx, connect.NewRequest(&cartv1.RemoveCheckedOutItemsRequest{
		UserId: in.UserID, ProductIds: unique(in.ProductIDs)}))
	return fromRPC(err)
}

// OrderEventInput is an order event to publish.
type OrderEventInput struct {
	Type       orderv1.OrderEventType
	OrderID    string
	UserID     string
	Lines      []Line
	OccurredAt time.Time
	// Kind is the order's kind (zero: regular); a flash-sale order's event
	// also names its sale.
	Kind           orderv1.OrderKind
	SeckillEventID string
}

// PublishOrderEvent publishes an order event (e.g. PAID, which the rankings
// consume). Its id is "<order_id>:<TYPE>", so a repeat is deduped downstream.
func (a *Activities) PublishOrderEvent(ctx context.Context, in OrderEventInput) error {
	if a.Events == nil {
		return businessError("NO_EVENT_PUBLISHER", "no event publisher configured")
	}
	event := &orderv1.OrderEvent{
		EventId:        EventID(in.OrderID, in.Type),
		Type:           in.Type,
		OrderId:        in.OrderID,
		UserId:         in.UserID,
		Kind:           in.Kind,
		SeckillEventId: in.SeckillEventID,
		OccurredAt:     timestamppb.New(in.OccurredAt),
	}
	if event.Kind == orderv1.OrderKind_ORDER_KIND_UNSPECIFIED {
		event.Kind = orderv1.OrderKind_ORDER_KIND_REGULAR
	}
	for _, l := range in.Lines {
		event.Lines = append(event.Lines, &orderv1.OrderEventLine{ProductId: l.ProductID, CategoryId: l.CategoryID,
			Quantity: l.Quantity, UnitPriceCents: l.UnitPriceCents})
		event.TotalCents += l.UnitPriceCents * int64(l.Quantity)
	}
	if err := a.Events.Publish(ctx, event); err != nil {
		activity.GetLogger(ctx).Warn("publishing order event failed", "event_id", event.GetEventId(), "error", err)
		return err // retryable: the broker may come back
	}
	return nil
}

// EventID is the id of an order's event of type t: "<order_id>:PAID".
func EventID(orderID string, t orderv1.OrderEventType) string {
	return orderID + ":" + strings.TrimPrefix(t.String(), "ORDER_EVENT_TYPE_")
}

// unique returns ids without repeats, in first-seen order.
func unique(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
