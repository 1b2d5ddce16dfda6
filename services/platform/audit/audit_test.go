package audit_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	neturl "net/url"
	"sync"
	"sync/atomic"
	"testing"

	"connectrpc.com/connect"

	orderv1 "mall/gen/mall/order/v1"
	"mall/gen/mall/order/v1/orderv1connect"
	"mall/services/platform/audit"
	"mall/services/platform/auth"
	"mall/services/platform/rpcclient"
	"mall/services/platform/rpcerr"
	"mall/services/platform/server"
	"mall/services/platform/testenv"
)

// recorder keeps what the interceptor records; Begin fails while down.
type recorder struct {
	mu       sync.Mutex
	begun    []audit.Entry
	finished map[string]audit.Outcome
	down     atomic.Bool
}

func (r *recorder) Begin(_ context.Context, e audit.Entry) error {
	if r.down.Load() {
		return errors.New("ops service unreachable")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.begun = append(r.begun, e)
	return nil
}

func (r *recorder) Finish(_ context.Context, id string, o audit.Outcome) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.finished[id] = o
	return nil
}

func (r *recorder) entries() ([]audit.Entry, map[string]audit.Outcome) {
	r.mu.Lock()
	defer r.mu.Unlock()
	finished := map[string]audit.Outcome{}
	for id, o := range r.finished {
		finished[id] = o
	}
	return append([]audit.Entry(nil), r.begun...), finished
}

// orders is an order service whose ShipOrder notes what it changes the
// way the real one does; order "refused" is refused, order "broken" fails
// with an internal error.
type orders struct {
	orderv1connect.UnimplementedOrderServiceHandler
	ships, lists, gets atomic.Int32
}

func (o *orders) ShipOrder(ctx context.Context, req *connect.Request[orderv1.ShipOrderRequest]) (*connect.Response[orderv1.ShipOrderResponse], error) {
	o.ships.Add(1)
	id := req.Msg.GetOrderId()
	audit.Target(ctx, "order "+id)
	before := &orderv1.Order{OrderId: id, Status: orderv1.OrderStatus_ORDER_STATUS_PAID}
	audit.Before(ctx, before)
	switch id {
	case "refused":
		return nil, rpcerr.New(connect.CodeFailedPrecondition, "ILLEGAL_TRANSITION", "not paid")
	case "broken":
		return nil, errors.New("dial tcp 10.0.0.7:3306: connection refused")
	}
	after := &orderv1.Order{OrderId: id, Status: orderv1.OrderStatus_ORDER_STATUS_SHIPPED, Carrier: req.Msg.GetCarrier()}
	audit.After(ctx, after)
	return connect.NewResponse(&orderv1.ShipOrderResponse{Order: after}), nil
}

func (o *orders) AdminListOrders(context.Context, *connect.Request[orderv1.AdminListOrdersRequest]) (*connect.Response[orderv1.AdminListOrdersResponse], error) {
	o.lists.Add(1)
	return connect.NewResponse(&orderv1.AdminListOrdersResponse{}), nil
}

func (o *orders) GetOrder(context.Context, *connect.Request[orderv1.GetOrderRequest]) (*connect.Response[orderv1.GetOrderResponse], error) {
	o.gets.Add(1)
	return connect.NewResponse(&orderv1.GetOrderResponse{Order: &orderv1.Order{}}), nil
}

func TestTheInterceptorRecordsOperatorActionsBeforeTheyRun(t *testing.T) {
	keys, err := auth.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{finished: map[string]audit.Outcome{}}
	var ids atomic.Int32
	newID := func() string { return "entry-" + string(rune('a'+ids.Add(1)-1)) }
	handler := &orders{}
	url := testenv.Serve(t, server.Options{
		Authenticator: auth.NewAuthenticator(keys, nil),
		Interceptors:  []connect.Interceptor{audit.NewInterceptor(rec, newID, testenv.Logger())},
	}, func(srv *server.Server) {
		srv.Mount(orderv1connect.NewOrderServiceHandler(handler, srv.HandlerOptions()...))
	})
	client := orderv1connect.NewOrderServiceClient(http.DefaultClient, url)
	ctx := context.Background()
	admin := testenv.Token(t, keys, "u-admin", auth.RoleAdmin)
	shopper := testenv.Token(t, keys, "u-shopper", auth.RoleUser)

	t.Run("an action is recorded before it runs, with its outcome, target and states", func(t *testing.T) {
		if _, err := client.ShipOrder(ctx, testenv.Bearer(admin, &orderv1.ShipOrderRequest{OrderId: "o-1", Carrier: "SF", TrackingNumber: "T1"})); err != nil {
			t.Fatal(err)
		}
		begun, finished := rec.entries()
		if len(begun) != 1 {
			t.Fatalf("entries %v", begun)
		}
		e := begun[0]
		if e.ID != "entry-a" || e.ActorID != "u-admin" || e.Procedure != orderv1connect.OrderServiceShipOrderProcedure || e.At.IsZero() {
			t.Fatalf("entry %+v", e)
		}
		var request map[string]string
		if err := json.Unmarshal([]byte(e.Request), &request); err != nil || request["order_id"] != "o-1" || request["carrier"] != "SF" {
			t.Fatalf("request %q (%v)", e.Request, err)
		}
		o := finished["entry-a"]
		if o.Code != "ok" || o.Reason != "" || o.Target != "order o-1" {
			t.Fatalf("outcome %+v", o)
		}
		var before, after map[string]string
		if json.Unmarshal([]byte(o.Before), &before) != nil || json.Unmarshal([]byte(o.After), &after) != nil ||
			before["status"] != "ORDER_STATUS_PAID" || after["status"] != "ORDER_STATUS_SHIPPED" || after["carrier"] != "SF" {
			t.Fatalf("before %q after %q", o.Before, o.After)
		}
	})

	t.Run("reads and other levels are not recorded", func(t *testing.T) {
		if _, err := client.AdminListOrders(ctx, testenv.Bearer(admin, &orderv1.AdminListOrdersRequest{})); err != nil {
			t.Fatal(err)
		}
		if _, err := client.GetOrder(ctx, testenv.Bearer(shopper, &orderv1.GetOrderRequest{OrderId: "o-1"})); err != nil {
			t.Fatal(err)
		}
		// A shopper's ShipOrder is refused by authentication, before any interceptor.
		_, err := client.ShipOrder(ctx, testenv.Bearer(shopper, &orderv1.ShipOrderRequest{OrderId: "o-1", Carrier: "SF", TrackingNumber: "T1"}))
		testenv.WantCode(t, err, connect.CodePermissionDenied, rpcerr.ReasonForbidden)
		if begun, _ := rec.entries(); len(begun) != 1 || handler.lists.Load() != 1 || handler.gets.Load() != 1 || handler.ships.Load() != 1 {
			t.Fatalf("entries %d, lists %d, gets %d, ships %d", len(begun), handler.lists.Load(), handler.gets.Load(), handler.ships.Load())
		}
	})

	t.Run("a refusal is recorded with its code and reason, an internal error as the client sees it", func(t *testing.T) {
		_, err := client.ShipOrder(ctx, testenv.Bearer(admin, &orderv1.ShipOrderRequest{OrderId: "refused", Carrier: "SF", TrackingNumber: "T1"}))
		testenv.WantCode(t, err, connect.CodeFailedPrecondition, "ILLEGAL_TRANSITION")
		_, err = client.ShipOrder(ctx, testenv.Bearer(admin, &orderv1.ShipOrderRequest{OrderId: "broken", Carrier: "SF", TrackingNumber: "T1"}))
		testenv.WantCode(t, err, connect.CodeInternal, rpcerr.ReasonInternal)
		_, finished := rec.entries()
		if o := finished["entry-b"]; o.Code != "failed_precondition" || o.Reason != "ILLEGAL_TRANSITION" || o.Target != "order refused" || o.Before == "" || o.After != "" {
			t.Fatalf("refusal recorded as %+v", o)
		}
		if o := finished["entry-c"]; o.Code != "internal" || o.Reason != rpcerr.ReasonInternal {
			t.Fatalf("internal error recorded as %+v", o)
		}
	})

	t.Run("an action that cannot be recorded is refused and does not run", func(t *testing.T) {
		rec.down.Store(true)
		defer rec.down.Store(false)
		ships := handler.ships.Load()
		_, err := client.ShipOrder(ctx, testenv.Bearer(admin, &orderv1.ShipOrderRequest{OrderId: "o-2", Carrier: "SF", TrackingNumber: "T2"}))
		testenv.WantCode(t, err, connect.CodeUnavailable, rpcerr.ReasonUnavailable)
		if handler.ships.Load() != ships {
			t.Fatal("the handler ran without an audit entry")
		}
		if _, finished := rec.entries(); len(finished) != 3 {
			t.Fatalf("an outcome was recorded for the refused call: %v", finished)
		}
		// Reads go on while the log is down.
		if _, err := client.AdminListOrders(ctx, testenv.Bearer(admin, &orderv1.AdminListOrdersRequest{})); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("every protocol is recorded; a GET cannot reach an action", func(t *testing.T) {
		before, _ := rec.entries()
		ships := handler.ships.Load()
		for name, options := range map[string][]connect.ClientOption{
			"gRPC": {connect.WithGRPC()}, "gRPC-Web": {connect.WithGRPCWeb()}, "Connect JSON": {connect.WithProtoJSON()},
		} {
			c := orderv1connect.NewOrderServiceClient(rpcclient.HTTPClient(), url, options...)
			if _, err := c.ShipOrder(ctx, testenv.Bearer(admin, &orderv1.ShipOrderRequest{OrderId: "o-" + name, Carrier: "SF", TrackingNumber: "T3"})); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		get, err := http.NewRequestWithContext(ctx, http.MethodGet, url+orderv1connect.OrderServiceShipOrderProcedure+
			"?encoding=json&message="+neturl.QueryEscape(`{"order_id":"o-get","carrier":"SF","tracking_number":"T4"}`), nil)
		if err != nil {
			t.Fatal(err)
		}
		get.Header.Set("Authorization", "Bearer "+admin)
		res, err := http.DefaultClient.Do(get)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode == http.StatusOK {
			t.Fatal("a GET shipped an order")
		}
		after, _ := rec.entries()
		if len(after)-len(before) != 3 || handler.ships.Load()-ships != 3 {
			t.Fatalf("%d entries and %d ships for three calls and a GET", len(after)-len(before), handler.ships.Load()-ships)
		}
		for _, e := range after[len(before):] {
			if e.ActorID != "u-admin" {
				t.Fatalf("entry %+v", e)
			}
		}
	})
}
