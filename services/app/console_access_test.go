package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/emptypb"

	commonv1 "mall/gen/mall/common/v1"
	userv1 "mall/gen/mall/user/v1"
	"mall/gen/mall/user/v1/userv1connect"
	"mall/services/platform/auth"
	"mall/services/platform/rpcclient"
	"mall/services/platform/testenv"
)

// consoleProcedures lists every ACCESS_ADMIN procedure the contracts
// declare: the operators' console and nothing else calls them.
func consoleProcedures() []string {
	var out []string
	protoregistry.GlobalFiles.RangeFiles(func(file protoreflect.FileDescriptor) bool {
		if !strings.HasPrefix(string(file.Package()), "mall.") {
			return true
		}
		for i := range file.Services().Len() {
			service := file.Services().Get(i)
			for j := range service.Methods().Len() {
				procedure := "/" + string(service.FullName()) + "/" + string(service.Methods().Get(j).Name())
				if access, _ := auth.AccessOf(procedure); access == commonv1.Access_ACCESS_ADMIN {
					out = append(out, procedure)
				}
			}
		}
		return true
	})
	return out
}

// TestAShopperCallingAnyConsoleRPCIsRefused calls every ACCESS_ADMIN
// procedure of the contracts with a shopper's token, over Connect JSON and
// over gRPC: each answers permission_denied (without a token,
// unauthenticated), so hiding the console's menu is not what protects it.
// The operator's token passes the same gate on each.
func TestAShopperCallingAnyConsoleRPCIsRefused(t *testing.T) {
	url, deps := startApp(t)
	ctx := context.Background()
	users := userv1connect.NewUserServiceClient(http.DefaultClient, url, connect.WithProtoJSON())
	if _, err := users.Register(ctx, connect.NewRequest(&userv1.RegisterRequest{
		Identity: &userv1.RegisterRequest_Username{Username: "shopper"}, Password: "pass1234word"})); err != nil {
		t.Fatal(err)
	}
	res, err := users.Login(ctx, connect.NewRequest(&userv1.LoginRequest{Login: "shopper", Password: "pass1234word"}))
	if err != nil {
		t.Fatal(err)
	}
	shopper := res.Msg.GetAccessToken()
	operator := testenv.Token(t, deps.Keys, "u-console-admin", auth.RoleAdmin)

	procedures := consoleProcedures()
	// The contracts' console: a table that shrank to nothing would prove
	// nothing.
	if len(procedures) < 11 {
		t.Fatalf("found %d ACCESS_ADMIN procedures in the contracts, want the console's (at least 11): %v", len(procedures), procedures)
	}
	overJSON := func(procedure, token string) connect.Code {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+procedure, strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		switch res.StatusCode {
		case http.StatusOK:
			return 0
		case http.StatusUnauthorized:
			return connect.CodeUnauthenticated
		case http.StatusForbidden:
			return connect.CodePermissionDenied
		default:
			return connect.CodeUnknown // another refusal: past the gate
		}
	}
	overGRPC := func(procedure, token string) connect.Code {
		client := connect.NewClient[emptypb.Empty, emptypb.Empty](rpcclient.HTTPClient(), url+procedure, connect.WithGRPC())
		_, err := client.CallUnary(ctx, testenv.Bearer(token, &emptypb.Empty{}))
		return connect.CodeOf(err)
	}
	for _, procedure := range procedures {
		for name, call := range map[string]func(string, string) connect.Code{"Connect JSON": overJSON, "gRPC": overGRPC} {
			if code := call(procedure, shopper); code != connect.CodePermissionDenied {
				t.Errorf("%s over %s with a shopper's token: %v, want permission_denied", procedure, name, code)
			}
			if code := call(procedure, ""); code != connect.CodeUnauthenticated {
				t.Errorf("%s over %s without a token: %v, want unauthenticated", procedure, name, code)
			}
			if code := call(procedure, operator); code == connect.CodePermissionDenied || code == connect.CodeUnauthenticated {
				t.Errorf("%s over %s with the operator's token: %v, want it past the gate", procedure, name, code)
			}
		}
	}
}
