package ops_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	opsv1 "mall/gen/mall/ops/v1"
	"mall/gen/mall/ops/v1/opsv1connect"
	"mall/gen/mall/order/v1/orderv1connect"
	"mall/gen/mall/user/v1/userv1connect"
	"mall/services/ops"
	"mall/services/platform/auth"
	"mall/services/platform/rpcclient"
	"mall/services/platform/server"
	"mall/services/platform/testenv"
)

// The audit listing refuses what it cannot mean with invalid_argument, never
// internal: timestamps outside what a timestamp can say (or the log can
// hold), a window that ends before it starts, cursors that are not its own.
// An operator's token cannot write the log: BeginAudit and FinishAudit are
// the recorders'.
func TestTheAuditListingRefusesBadInputAndOperatorsCannotWriteTheLog(t *testing.T) {
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
	client := opsv1connect.NewOpsServiceClient(http.DefaultClient, url)
	admin := testenv.Token(t, keys, "u-ops", auth.RoleAdmin)

	bad := map[string]*opsv1.ListAuditEntriesRequest{
		"since past year 9999":      {Since: &timestamppb.Timestamp{Seconds: 1e15}},
		"until before year 1":       {Until: &timestamppb.Timestamp{Seconds: -1e15}},
		"since with negative nanos": {Since: &timestamppb.Timestamp{Seconds: 1, Nanos: -1}},
		"until before since":        {Since: timestamppb.Now(), Until: &timestamppb.Timestamp{Seconds: 1}},
		"page size above 200":       {PageSize: 201},
		"negative page size":        {PageSize: -1},
		"cursor not base64":         {PageToken: "!!!"},
		"cursor of another kind":    {PageToken: base64.RawURLEncoding.EncodeToString([]byte("orders:12"))},
		"cursor past int64":         {PageToken: base64.RawURLEncoding.EncodeToString([]byte("audit:99999999999999999999"))},
		"cursor at zero":            {PageToken: base64.RawURLEncoding.EncodeToString([]byte("audit:0"))},
		"huge cursor":               {PageToken: strings.Repeat("A", 513)},
		"huge actor":                {Actor: strings.Repeat("a", 65)},
		"huge target":               {TargetContains: strings.Repeat("订", 201)},
	}
	for name, req := range bad {
		_, err := client.ListAuditEntries(ctx, testenv.Bearer(admin, req))
		if connect.CodeOf(err) != connect.CodeInvalidArgument {
			t.Errorf("ListAuditEntries with %s: %v, want invalid_argument", name, err)
		}
	}
	// The widest window a timestamp can say lists, empty.
	res, err := client.ListAuditEntries(ctx, testenv.Bearer(admin, &opsv1.ListAuditEntriesRequest{
		Since: &timestamppb.Timestamp{Seconds: -62135596800}, Until: &timestamppb.Timestamp{Seconds: 253402300799}}))
	if err != nil || len(res.Msg.GetEntries()) != 0 {
		t.Errorf("the widest window: %v entries, %v; want none, no error", len(res.Msg.GetEntries()), err)
	}

	_, err = client.BeginAudit(ctx, testenv.Bearer(admin, &opsv1.BeginAuditRequest{EntryId: "forged", ActorId: "someone-else", Procedure: "/x/Y", At: timestamppb.Now()}))
	testenv.WantCode(t, err, connect.CodePermissionDenied, "")
	_, err = client.FinishAudit(ctx, testenv.Bearer(admin, &opsv1.FinishAuditRequest{EntryId: "forged", OutcomeCode: "ok"}))
	testenv.WantCode(t, err, connect.CodePermissionDenied, "")
}
