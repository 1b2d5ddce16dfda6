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
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/types/known/timestamppb"

	orderv1 "mall/gen/mall/order/v1"
	"mall/gen/mall/order/v1/orderv1connect"
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
	env.ExecuteWorkflow(FlashSaleSweeperWorkflow, SweeperInput{Interval: time.Minute, Totals: SweepResult{Cancelled: 5}})
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
}

func (b *orderBook) ListOrdersInternal(_ context.Context, req *connect.Request[orderv1.ListOrdersInternalRequest]) (*connect.Response[orderv1.ListOrdersInternalResponse], error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var match []*orderv1.Order
	for _, o := range b.orders {
		m := req.Msg
		deadline := o.GetPaymentDeadline().AsTime()
		if o.GetKind() != m.GetKind() || !slices.Contains(m.GetStatuses(), o.GetStatus()) ||
			!deadline.Before(m.GetPaymentDeadlineBefore().AsTime()) ||
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
			if !slices.Contains(req.Msg.GetFromStatuses(), o.GetStatus()) {
				return nil, connect.NewError(connect.CodeFailedPrecondition, errors.New("status mismatch"))
			}
			o.Status = req.Msg.GetToStatus()
			return connect.NewResponse(&orderv1.TransitionOrderResponse{Order: o, Changed: true}), nil
		}
	}
	return nil, connect.NewError(connect.CodeNotFound, nil)
}

// sale is a stand-in seckill service: releases, once per order.
type sale struct {
	seckillv1connect.UnimplementedSeckillServiceHandler
	mu       sync.Mutex
	released map[string]int32
}

func (s *sale) ReleasePurchase(_ context.Context, req *connect.Request[seckillv1.ReleasePurchaseRequest]) (*connect.Response[seckillv1.ReleasePurchaseResponse], error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, done := s.released[req.Msg.GetOrderId()]
	if !done {
		s.released[req.Msg.GetOrderId()] = req.Msg.GetQuantity()
	}
	return connect.NewResponse(&seckillv1.ReleasePurchaseResponse{Released: !done}), nil
}

func TestSweepCancelsThenReleasesOnce(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	order := func(id string, status orderv1.OrderStatus, deadline time.Duration) *orderv1.Order {
		return &orderv1.Order{OrderId: id, UserId: "u-" + id, SeckillEventId: "ev-1", Kind: orderv1.OrderKind_ORDER_KIND_FLASH_SALE, Status: status,
			PaymentDeadline: timestampAt(now.Add(deadline)), Lines: []*orderv1.OrderLine{{ProductId: "p1", Quantity: 2}}}
	}
	book := &orderBook{orders: []*orderv1.Order{
		order("o1", orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT, -time.Minute),
		order("o2", orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT, -2*time.Minute),
		order("o3", orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT, -3*time.Minute),
		order("o4", orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT, time.Minute), // not due yet
		order("o5", orderv1.OrderStatus_ORDER_STATUS_PAID, -time.Minute),
		order("o6", orderv1.OrderStatus_ORDER_STATUS_CANCELLED, -5*time.Minute), // a sweep died before releasing it
		order("o7", orderv1.OrderStatus_ORDER_STATUS_CANCELLED, -48*time.Hour),  // long ago: out of the lookback
	}}
	s := &sale{released: map[string]int32{}}
	mux := http.NewServeMux()
	mux.Handle(orderv1connect.NewOrderServiceHandler(book))
	mux.Handle(seckillv1connect.NewSeckillServiceHandler(s))
	server := httptest.NewServer(mux)
	defer server.Close()
	a := &Activities{Orders: orderv1connect.NewOrderServiceClient(server.Client(), server.URL),
		Seckill: seckillv1connect.NewSeckillServiceClient(server.Client(), server.URL)}
	env := (&testsuite.WorkflowTestSuite{}).NewTestActivityEnvironment()
	env.RegisterActivity(a)
	in := SweepInput{Now: now, Lookback: time.Hour, PageSize: 2}

	val, err := env.ExecuteActivity(a.SweepExpired, in)
	if err != nil {
		t.Fatal(err)
	}
	var first SweepResult
	if err := val.Get(&first); err != nil {
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
	if _, ok := s.released["o4"]; ok || len(s.released) != 4 {
		t.Fatalf("released %v", s.released)
	}
	// A second sweep cancels nothing and releases nothing new.
	val, err = env.ExecuteActivity(a.SweepExpired, in)
	if err != nil {
		t.Fatal(err)
	}
	var second SweepResult
	if err := val.Get(&second); err != nil || second.Cancelled != 0 || second.Released != 0 {
		t.Fatalf("second sweep %+v %v", second, err)
	}
}

func timestampAt(t time.Time) *timestamppb.Timestamp { return timestamppb.New(t) }

func converterFor(*testing.T) converter.DataConverter { return converter.GetDefaultDataConverter() }
