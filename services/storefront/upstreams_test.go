package storefront_test

import (
	"context"
	"slices"
	"testing"

	"connectrpc.com/connect"

	userv1 "mall/gen/mall/user/v1"
	"mall/services/platform/rpcclient"
	"mall/services/storefront"
)

// NewUpstreams' clients carry the storefront's service credential: the
// user service's internal RPCs accept them (a user token would be refused).
func TestNewUpstreamsCallInternalRPCsAsTheStorefront(t *testing.T) {
	e := startEnv(t, envOptions{})
	client := rpcclient.HTTPClient()
	t.Cleanup(client.CloseIdleConnections) // before the servers stop, so shutdown does not wait for them
	up := storefront.NewUpstreams(client, e.url+"/", rpcclient.NewServiceCredential(e.keys, "storefront").Options()...)
	res, err := up.User.ListFavoriteProductIds(context.Background(), connect.NewRequest(&userv1.ListFavoriteProductIdsRequest{UserId: "alice"}))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Msg.GetProductIds(), []string{"p2", "p1"}) {
		t.Fatalf("favorites %v", res.Msg.GetProductIds())
	}
	if callers := e.ctl.callerSubjects("ListFavoriteProductIds"); !slices.Equal(callers, []string{"storefront"}) {
		t.Fatalf("called as %v", callers)
	}
}
