package ops_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	opsv1 "mall/gen/mall/ops/v1"
	"mall/gen/mall/ops/v1/opsv1connect"
	"mall/gen/mall/order/v1/orderv1connect"
	userv1 "mall/gen/mall/user/v1"
	"mall/gen/mall/user/v1/userv1connect"
	"mall/services/ops"
	"mall/services/platform/auth"
	"mall/services/platform/rpcclient"
	"mall/services/platform/rpcerr"
	"mall/services/platform/server"
	"mall/services/platform/testenv"
)

// users knows one operator by username.
type users struct {
	userv1connect.UnimplementedUserServiceHandler
}

func (users) GetUserInternal(_ context.Context, req *connect.Request[userv1.GetUserInternalRequest]) (*connect.Response[userv1.GetUserInternalResponse], error) {
	if req.Msg.GetUserId() != "u-ops" {
		return nil, rpcerr.New(connect.CodeNotFound, "USER_NOT_FOUND", "no such user")
	}
	return connect.NewResponse(&userv1.GetUserInternalResponse{User: &userv1.User{UserId: "u-ops", Username: "ops_lead"}}), nil
}

func TestTheAuditLogKeepsEachActionOnceWithItsFirstOutcome(t *testing.T) {
	ctx := context.Background()
	db := testenv.MigratedDB(t, testenv.DatabasePrefix(t)+"ops", ops.Migrations())
	keys, err := auth.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	listener := testenv.Listen(t)
	url := "http://" + listener.Addr().String()
	credential := rpcclient.NewServiceCredential(keys, "ops").Options()
	svc := ops.NewService(db, orderv1connect.NewOrderServiceClient(rpcclient.HTTPClient(), url, credential...),
		userv1connect.NewUserServiceClient(rpcclient.HTTPClient(), url, credential...), nil, testenv.Logger(), ops.Options{})
	srv := server.New(server.Options{Logger: testenv.Logger(), Authenticator: auth.NewAuthenticator(keys, nil)})
	srv.Mount(opsv1connect.NewOpsServiceHandler(svc, srv.HandlerOptions()...))
	srv.Mount(userv1connect.NewUserServiceHandler(users{}, srv.HandlerOptions()...))
	testenv.ServeOn(t, srv, listener)
	opsClient := opsv1connect.NewOpsServiceClient(http.DefaultClient, url)
	service := testenv.Token(t, keys, "audit", auth.RoleService)
	admin := testenv.Token(t, keys, "u-ops", auth.RoleAdmin)
	at := time.Now().UTC().Truncate(time.Microsecond)

	begin := func(id, actor, procedure, request string) {
		t.Helper()
		if _, err := opsClient.BeginAudit(ctx, testenv.Bearer(service, &opsv1.BeginAuditRequest{
			EntryId: id, At: timestamppb.New(at), ActorId: actor, Procedure: procedure, RequestJson: request})); err != nil {
			t.Fatal(err)
		}
	}
	list := func(req *opsv1.ListAuditEntriesRequest) []*opsv1.AuditEntry {
		t.Helper()
		res, err := opsClient.ListAuditEntries(ctx, testenv.Bearer(admin, req))
		if err != nil {
			t.Fatal(err)
		}
		return res.Msg.GetEntries()
	}

	// 20 deliveries of one entry at once store it once.
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() { begin("e-1", "u-ops", "/mall.order.v1.OrderService/ShipOrder", `{"order_id":"o-1"}`) })
	}
	wg.Wait()
	// A request above 64 KiB is kept cut short; an actor the user service
	// does not know is kept by id.
	begin("e-2", "u-script", "/mall.product.v1.ProductService/CreateProduct", `{"title":"`+strings.Repeat("商", 30_000)+`"}`)

	finish := func(id, code string) error {
		_, err := opsClient.FinishAudit(ctx, testenv.Bearer(service, &opsv1.FinishAuditRequest{
			EntryId: id, OutcomeCode: code, Target: "order o-1", BeforeJson: `{"status":"PAID"}`, AfterJson: `{"status":"SHIPPED"}`}))
		return err
	}
	if err := finish("e-1", "ok"); err != nil {
		t.Fatal(err)
	}
	if err := finish("e-1", "internal"); err != nil { // a late repeat: the first outcome stays
		t.Fatal(err)
	}
	testenv.WantCode(t, finish("e-missing", "ok"), connect.CodeNotFound, ops.ReasonAuditEntryNotFound)

	all := list(&opsv1.ListAuditEntriesRequest{})
	if len(all) != 2 || all[0].GetEntryId() != "e-2" || all[1].GetEntryId() != "e-1" {
		t.Fatalf("entries %v", all)
	}
	shipped, created := all[1], all[0]
	if shipped.GetActorUsername() != "ops_lead" || shipped.GetAction() != "ShipOrder" || shipped.GetOutcomeCode() != "ok" ||
		shipped.GetTarget() != "order o-1" || shipped.GetAfterJson() != `{"status":"SHIPPED"}` || !shipped.GetAt().AsTime().Equal(at) {
		t.Fatalf("shipped %v", shipped)
	}
	if created.GetActorUsername() != "" || created.GetOutcomeCode() != "" || created.GetFinishedAt() != nil ||
		len(created.GetRequestJson()) > 64<<10 || !strings.HasPrefix(created.GetRequestJson(), `{"title":"商商`) {
		t.Fatalf("created: %d bytes, %v", len(created.GetRequestJson()), created.GetOutcomeCode())
	}

	for name, c := range map[string]struct {
		req  *opsv1.ListAuditEntriesRequest
		want int
	}{
		"by username":        {&opsv1.ListAuditEntriesRequest{Actor: "ops_lead"}, 1},
		"by user id":         {&opsv1.ListAuditEntriesRequest{Actor: "u-script"}, 1},
		"by action":          {&opsv1.ListAuditEntriesRequest{Action: "ShipOrder"}, 1},
		"by procedure":       {&opsv1.ListAuditEntriesRequest{Action: "/mall.product.v1.ProductService/CreateProduct"}, 1},
		"by target part":     {&opsv1.ListAuditEntriesRequest{TargetContains: "o-1"}, 1},
		"a LIKE pattern":     {&opsv1.ListAuditEntriesRequest{TargetContains: "%"}, 0},
		"since the action":   {&opsv1.ListAuditEntriesRequest{Since: timestamppb.New(at)}, 2},
		"until the action":   {&opsv1.ListAuditEntriesRequest{Until: timestamppb.New(at)}, 0},
		"no such operator":   {&opsv1.ListAuditEntriesRequest{Actor: "someone"}, 0},
		"one page of one":    {&opsv1.ListAuditEntriesRequest{PageSize: 1}, 1},
		"a part of a method": {&opsv1.ListAuditEntriesRequest{Action: "Ship"}, 0},
	} {
		if got := list(c.req); len(got) != c.want {
			t.Errorf("%s: %d entries, want %d", name, len(got), c.want)
		}
	}
	_, err = opsClient.ListAuditEntries(ctx, testenv.Bearer(admin, &opsv1.ListAuditEntriesRequest{PageToken: "x"}))
	testenv.WantCode(t, err, connect.CodeInvalidArgument, ops.ReasonBadPageToken)
}
