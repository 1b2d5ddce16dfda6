package flashsale

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/types/known/timestamppb"

	orderv1 "mall/gen/mall/order/v1"
	"mall/gen/mall/order/v1/orderv1connect"
	productv1 "mall/gen/mall/product/v1"
	"mall/gen/mall/product/v1/productv1connect"
	seckillv1 "mall/gen/mall/seckill/v1"
	"mall/gen/mall/seckill/v1/seckillv1connect"
)

func TestSweeperSweepsEveryIntervalAndContinuesAsNew(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	Register(env, &Activities{})
	var mu sync.Mutex
	var times []time.Time
	env.OnActivity(ActivitySweepExpired, mock.Anything, mock.Anything).Return(func(_ context.Context, in SweepInput) (SweepResult, error) {
		mu.Lock()
		defer mu.Unlock()
		times = append(times, in.Now)
		if len(times) == 3 {
			return SweepResult{}, errors.New("order service down") // retried: the sweep is not lost
		}
		return SweepResult{Cancelled: 2, Released: 2}, nil
	})
	env.OnActivity(ActivitySettleSales, mock.Anything).Return(SettleResult{Settled: 1, UnitsReturned: 3}, nil)
	var midway Status
	env.RegisterDelayedCallback(func() {
		val, err := env.QueryWorkflow(QueryStatus)
		if err != nil {
			t.Error(err)
			return
		}
		if err := val.Get(&midway); err != nil {
			t.Error(err)
		}
	}, 10*time.Minute+30*time.Second)
	env.ExecuteWorkflow(FlashSaleSweeperWorkflow, SweeperInput{Interval: time.Minute, Totals: SweepResult{Cancelled: 5}})
	// The status query answers the totals so far, carried-in ones included.
	if midway.Sweeps < 10 || midway.Sweeps > 11 || midway.Totals.Cancelled != 5+2*midway.Sweeps || midway.Totals.Released != 2*midway.Sweeps ||
		midway.Totals.SalesSettled != midway.Sweeps || midway.Totals.UnitsReturned != 3*int64(midway.Sweeps) {
		t.Fatalf("status after 10.5 minutes: %+v", midway)
	}
	var cont *workflow.ContinueAsNewError
	if !errors.As(env.GetWorkflowError(), &cont) {
		t.Fatalf("ended with %v, want continue-as-new", env.GetWorkflowError())
	}
	if len(times) < sweepsPerRun {
		t.Fatalf("%d sweeps", len(times))
	}
	if gap := times[1].Sub(times[0]); gap < time.Minute {
		t.Fatalf("sweeps %v apart", gap)
	}
	var next SweeperInput
	if err := converterFor(t).FromPayloads(cont.Input, &next); err != nil {
		t.Fatal(err)
	}
	// 5 carried in, 2 per sweep (the failed attempt was retried).
	if len(times) != sweepsPerRun+1 || next.Interval != time.Minute || next.Totals.Cancelled != 5+2*sweepsPerRun {
		t.Fatalf("continued with %+v", next)
	}
}

// orderBook is a stand-in order service: ListOrdersInternal and
// TransitionOrder over a map, honouring the filters and the from-statuses.
type orderBook struct {
	orderv1connect.UnimplementedOrderServiceHandler
	mu     sync.Mutex
	orders []*orderv1.Order
	// paidMeanwhile names orders whose payment wins the race: they become
	// PAID between the listing and the sweeper's transition.
	paidMeanwhile map[string]bool
	listings      int // ListOrdersInternal calls (pages served)
}

func (b *orderBook) ListOrdersInternal(_ context.Context, req *connect.Request[orderv1.ListOrdersInternalRequest]) (*connect.Response[orderv1.ListOrdersInternalResponse], error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.listings++
	var match []*orderv1.Order
	for _, o := range b.orders {
		m := req.Msg
		deadline := o.GetPaymentDeadline().AsTime()
		if o.GetKind() != m.GetKind() || !slices.Contains(m.GetStatuses(), o.GetStatus()) ||
			(m.GetPaymentDeadlineBefore() != nil && !deadline.Before(m.GetPaymentDeadlineBefore().AsTime())) ||
			(m.GetPaymentDeadlineAfter() != nil && deadline.Before(m.GetPaymentDeadlineAfter().AsTime())) {
			continue
		}
		match = append(match, o)
	}
	// A keyset cursor (the last id), as the order service's: cancelling
	// orders between pages neither skips nor repeats any.
	slices.SortFunc(match, func(x, y *orderv1.Order) int { return strings.Compare(x.GetOrderId(), y.GetOrderId()) })
	if after := req.Msg.GetPageToken(); after != "" {
		match = slices.DeleteFunc(match, func(o *orderv1.Order) bool { return o.GetOrderId() <= after })
	}
	res := &orderv1.ListOrdersInternalResponse{Orders: match}
	if size := int(req.Msg.GetPageSize()); len(match) > size {
		res.Orders = match[:size]
		res.NextPageToken = match[size-1].GetOrderId()
	}
	return connect.NewResponse(res), nil
}

func (b *orderBook) TransitionOrder(_ context.Context, req *connect.Request[orderv1.TransitionOrderRequest]) (*connect.Response[orderv1.TransitionOrderResponse], error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, o := range b.orders {
		if o.GetOrderId() == req.Msg.GetOrderId() {
			if b.paidMeanwhile[o.GetOrderId()] {
				o.Status = orderv1.OrderStatus_ORDER_STATUS_PAID
			}
			if o.GetStatus() == req.Msg.GetToStatus() {
				return connect.NewResponse(&orderv1.TransitionOrderResponse{Order: o}), nil // idempotent, as the order service
			}
			if !slices.Contains(req.Msg.GetFromStatuses(), o.GetStatus()) {
				return nil, connect.NewError(connect.CodeFailedPrecondition, errors.New("status mismatch"))
			}
			o.Status = req.Msg.GetToStatus()
			return connect.NewResponse(&orderv1.TransitionOrderResponse{Order: o, Changed: true}), nil
		}
	}
	return nil, connect.NewError(connect.CodeNotFound, nil)
}

// catalog is a stand-in catalog: releases of flash-sale orders' units,
// refused (as the product service does) for orders whose payment
// confirmed them.
type catalog struct {
	productv1connect.UnimplementedProductServiceHandler
	mu        sync.Mutex
	confirmed map[string]bool
	released  []string // order ids, in the order their units were released
}

func (c *catalog) ReleaseAllocatedStock(_ context.Context, req *connect.Request[productv1.ReleaseAllocatedStockRequest]) (*connect.Response[productv1.ReleaseAllocatedStockResponse], error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.confirmed[req.Msg.GetOrderId()] {
		err := connect.NewError(connect.CodeFailedPrecondition, errors.New("this order's flash-sale units are sold"))
		if detail, detailErr := connect.NewErrorDetail(&errdetails.ErrorInfo{Reason: productUnitsConfirmed}); detailErr == nil {
			err.AddDetail(detail)
		}
		return nil, err
	}
	if !slices.Contains(c.released, req.Msg.GetOrderId()) {
		c.released = append(c.released, req.Msg.GetOrderId())
	}
	return connect.NewResponse(&productv1.ReleaseAllocatedStockResponse{}), nil
}

// sale is a stand-in seckill service: releases, once per order.
type sale struct {
	seckillv1connect.UnimplementedSeckillServiceHandler
	mu       sync.Mutex
	released map[string]int32
	calls    int
	down     map[string]bool // releases of these orders fail (unavailable)
	settle   *seckillv1.SettleSalesResponse
}

func (s *sale) SettleSales(context.Context, *connect.Request[seckillv1.SettleSalesRequest]) (*connect.Response[seckillv1.SettleSalesResponse], error) {
	return connect.NewResponse(s.settle), nil
}

func (s *sale) ReleasePurchase(_ context.Context, req *connect.Request[seckillv1.ReleasePurchaseRequest]) (*connect.Response[seckillv1.ReleasePurchaseResponse], error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.down[req.Msg.GetOrderId()] {
		return nil, connect.NewError(connect.CodeUnavailable, errors.New("valkey down"))
	}
	_, done := s.released[req.Msg.GetOrderId()]
	if !done {
		s.released[req.Msg.GetOrderId()] = req.Msg.GetQuantity()
	}
	return connect.NewResponse(&seckillv1.ReleasePurchaseResponse{Released: !done}), nil
}

var sweepNow = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// flashOrder is a flash-sale order of 2 units whose payment deadline is
// sweepNow+deadline.
func flashOrder(id string, status orderv1.OrderStatus, deadline time.Duration) *orderv1.Order {
	return &orderv1.Order{OrderId: id, UserId: "u-" + id, SeckillEventId: "ev-1", Kind: orderv1.OrderKind_ORDER_KIND_FLASH_SALE, Status: status,
		PaymentDeadline: timestampAt(sweepNow.Add(deadline)), Lines: []*orderv1.OrderLine{{ProductId: "p1", Quantity: 2}}}
}

// standIns serves the stand-in services over HTTP (Connect protocol, as
// the real clients are built) and returns activities calling them.
func standIns(t *testing.T, orders ...*orderv1.Order) (*Activities, *orderBook, *sale) {
	a, book, s, _ := standInsWithCatalog(t, orders...)
	return a, book, s
}

func standInsWithCatalog(t *testing.T, orders ...*orderv1.Order) (*Activities, *orderBook, *sale, *catalog) {
	t.Helper()
	book := &orderBook{orders: orders, paidMeanwhile: map[string]bool{}}
	s := &sale{released: map[string]int32{}, down: map[string]bool{}}
	c := &catalog{confirmed: map[string]bool{}}
	mux := http.NewServeMux()
	mux.Handle(orderv1connect.NewOrderServiceHandler(book))
	mux.Handle(seckillv1connect.NewSeckillServiceHandler(s))
	mux.Handle(productv1connect.NewProductServiceHandler(c))
	server := httptest.NewServer(mux)
	t.Cleanup(server.Close)
	return &Activities{Orders: orderv1connect.NewOrderServiceClient(server.Client(), server.URL),
		Products: productv1connect.NewProductServiceClient(server.Client(), server.URL),
		Seckill:  seckillv1connect.NewSeckillServiceClient(server.Client(), server.URL)}, book, s, c
}

// sweep runs SweepExpired once in the activity test environment.
func sweep(t *testing.T, a *Activities, in SweepInput) (SweepResult, error) {
	t.Helper()
	env := (&testsuite.WorkflowTestSuite{}).NewTestActivityEnvironment()
	env.RegisterActivity(a)
	val, err := env.ExecuteActivity(a.SweepExpired, in)
	if err != nil {
		return SweepResult{}, err
	}
	var out SweepResult
	if err := val.Get(&out); err != nil {
		t.Fatal(err)
	}
	return out, nil
}

func (b *orderBook) status(id string) orderv1.OrderStatus {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, o := range b.orders {
		if o.GetOrderId() == id {
			return o.GetStatus()
		}
	}
	return orderv1.OrderStatus_ORDER_STATUS_UNSPECIFIED
}

func TestSweepCancelsThenReleasesOnce(t *testing.T) {
	a, book, s := standIns(t,
		flashOrder("o1", orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT, -time.Minute),
		flashOrder("o2", orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT, -2*time.Minute),
		flashOrder("o3", orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT, -3*time.Minute),
		flashOrder("o4", orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT, time.Minute), // not due yet
		flashOrder("o5", orderv1.OrderStatus_ORDER_STATUS_PAID, -time.Minute),
		flashOrder("o6", orderv1.OrderStatus_ORDER_STATUS_CANCELLED, -5*time.Minute), // a sweep died before releasing it
		flashOrder("o7", orderv1.OrderStatus_ORDER_STATUS_CANCELLED, -48*time.Hour),  // long ago: out of the lookback
	)
	in := SweepInput{Now: sweepNow, Lookback: time.Hour, PageSize: 2}

	first, err := sweep(t, a, in)
	if err != nil {
		t.Fatal(err)
	}
	// o1-o3 cancelled and released (2 units each); o6 released; the second
	// pass finds o1-o3 again (already released).
	if first.Cancelled != 3 || first.Released != 4 || first.AlreadyReleased != 3 || first.PaidMeanwhile != 0 {
		t.Fatalf("first sweep %+v", first)
	}
	for _, id := range []string{"o1", "o2", "o3", "o6"} {
		if s.released[id] != 2 {
			t.Fatalf("released %v", s.released)
		}
	}
	for _, id := range []string{"o1", "o2", "o3"} {
		if book.status(id) != orderv1.OrderStatus_ORDER_STATUS_CANCELLED {
			t.Fatalf("%s is %v", id, book.status(id))
		}
	}
	if _, ok := s.released["o4"]; ok || len(s.released) != 4 || book.status("o4") != orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT {
		t.Fatalf("released %v, o4 %v", s.released, book.status("o4"))
	}
	// Paging: 3 expired orders in pages of 2 (2 pages), then 4 recent
	// cancellations (o1-o3, o6) in pages of 2 (2 pages).
	if book.listings != 4 {
		t.Fatalf("%d pages listed", book.listings)
	}
	// A second sweep cancels nothing and releases nothing new.
	second, err := sweep(t, a, in)
	if err != nil || second.Cancelled != 0 || second.Released != 0 || len(s.released) != 4 {
		t.Fatalf("second sweep %+v %v, released %v", second, err, s.released)
	}
}

// An expired order whose payment confirmed its units (it is being marked
// PAID) is left alone: the catalog refuses to release its units, so it is
// neither cancelled nor resold. Every order the sweep cancels had its
// units released at the catalog first, so no payment can confirm them.
func TestSweepLeavesAnOrderBeingPaid(t *testing.T) {
	a, book, s, c := standInsWithCatalog(t,
		flashOrder("o1", orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT, -time.Minute),
		flashOrder("o2", orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT, -time.Minute),
	)
	c.confirmed["o1"] = true // listed as pending; its payment confirmed the units first
	got, err := sweep(t, a, SweepInput{Now: sweepNow, Lookback: time.Hour, PageSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	if got.PaidMeanwhile != 1 || got.Cancelled != 1 || got.Released != 1 {
		t.Fatalf("sweep %+v", got)
	}
	if _, ok := s.released["o1"]; ok || book.status("o1") != orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT {
		t.Fatalf("the order being paid was released (%v) or changed (%v)", s.released, book.status("o1"))
	}
	if s.released["o2"] != 2 || book.status("o2") != orderv1.OrderStatus_ORDER_STATUS_CANCELLED || !slices.Equal(c.released, []string{"o2"}) {
		t.Fatalf("released to the sale %v, at the catalog %v, o2 %v", s.released, c.released, book.status("o2"))
	}
}

// An order its buyer cancelled before its deadline, whose units did not
// make it back to the sale (the cancel died after cancelling), is released
// by the next sweep, once.
func TestSweepReleasesAnOrderItsBuyerCancelled(t *testing.T) {
	a, _, s := standIns(t, flashOrder("o1", orderv1.OrderStatus_ORDER_STATUS_CANCELLED, 8*time.Minute))
	for _, want := range []SweepResult{{Released: 1}, {AlreadyReleased: 1}} {
		got, err := sweep(t, a, SweepInput{Now: sweepNow, Lookback: time.Hour, PageSize: 10})
		if err != nil || got != want {
			t.Fatalf("sweep %+v %v, want %+v", got, err, want)
		}
	}
	if s.released["o1"] != 2 || s.calls != 2 {
		t.Fatalf("released %v in %d calls", s.released, s.calls)
	}
}

// SettleSales reports what the seckill service settled.
func TestSettleSalesReportsTheSettledSales(t *testing.T) {
	a, _, s := standIns(t)
	s.settle = &seckillv1.SettleSalesResponse{SettledEventIds: []string{"ev-1", "ev-2"}, AbandonedEventIds: []string{"ev-3"}, ReturnedUnits: 42}
	env := (&testsuite.WorkflowTestSuite{}).NewTestActivityEnvironment()
	env.RegisterActivity(a)
	val, err := env.ExecuteActivity(a.SettleSales)
	if err != nil {
		t.Fatal(err)
	}
	var got SettleResult
	if err := val.Get(&got); err != nil || got != (SettleResult{Settled: 2, Abandoned: 1, UnitsReturned: 42}) {
		t.Fatalf("settle %+v %v", got, err)
	}
}

// A sweep that fails between cancelling and releasing (the seckill service
// is down) leaves a cancelled, unreleased order; the next sweep (the
// activity's retry, or the next interval's) releases it from the lookback
// listing, exactly once.
func TestSweepReleasesWhatAFailedSweepCancelled(t *testing.T) {
	a, book, s := standIns(t,
		flashOrder("o1", orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT, -time.Minute),
		flashOrder("o2", orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT, -time.Minute),
		flashOrder("o3", orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT, -time.Minute),
	)
	in := SweepInput{Now: sweepNow, Lookback: time.Hour, PageSize: 2}
	s.down["o2"] = true
	_, err := sweep(t, a, in)
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.NonRetryable() {
		t.Fatalf("failed sweep answered %v, want a retryable error", err)
	}
	if book.status("o2") != orderv1.OrderStatus_ORDER_STATUS_CANCELLED || s.released["o2"] != 0 {
		t.Fatalf("o2 %v, released %v", book.status("o2"), s.released)
	}

	s.down["o2"] = false
	in.Now = sweepNow.Add(15 * time.Second)
	got, err := sweep(t, a, in)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"o1", "o2", "o3"} {
		if s.released[id] != 2 || book.status(id) != orderv1.OrderStatus_ORDER_STATUS_CANCELLED {
			t.Fatalf("%s: released %v, status %v", id, s.released, book.status(id))
		}
	}
	// o3 (not reached by the failed sweep) cancelled and released; o2
	// released from the lookback listing, where o1 and o3 are repeats.
	if got != (SweepResult{Cancelled: 1, Released: 2, AlreadyReleased: 2}) {
		t.Fatalf("second sweep %+v", got)
	}
	// Out of the lookback window, nothing is listed again.
	calls := s.calls
	if _, err := sweep(t, a, SweepInput{Now: sweepNow.Add(2 * time.Hour), Lookback: time.Hour, PageSize: 2}); err != nil || s.calls != calls {
		t.Fatalf("late sweep: %v, %d releases asked", err, s.calls-calls)
	}
}

func timestampAt(t time.Time) *timestamppb.Timestamp { return timestamppb.New(t) }

func converterFor(*testing.T) converter.DataConverter { return converter.GetDefaultDataConverter() }
