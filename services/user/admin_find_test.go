package user

import (
	"context"
	"strings"
	"testing"

	"connectrpc.com/connect"

	userv1 "mall/gen/mall/user/v1"
	"mall/services/platform/auth"
	"mall/services/platform/testenv"
)

// An operator finds any account by its username or phone number; a
// shopper may not look anyone up, themselves included.
func TestAdminFindUserByUsernameOrPhone(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	admin := testenv.Token(t, f.keys, "u-admin", auth.RoleAdmin)
	for protocol, client := range f.clients {
		t.Run(protocol, func(t *testing.T) {
			name := "finder_" + strings.ReplaceAll(protocol, "-", "_")
			reg, err := client.Register(ctx, connect.NewRequest(&userv1.RegisterRequest{
				Identity: &userv1.RegisterRequest_Username{Username: name}, Password: "abc12345"}))
			if err != nil {
				t.Fatal(err)
			}
			id := reg.Msg.GetUser().GetUserId()
			found, err := client.AdminFindUser(ctx, testenv.Bearer(admin, &userv1.AdminFindUserRequest{Login: name}))
			if err != nil || found.Msg.GetUser().GetUserId() != id || found.Msg.GetUser().GetUsername() != name {
				t.Fatalf("found %v %v", found, err)
			}
			_, err = client.AdminFindUser(ctx, testenv.Bearer(admin, &userv1.AdminFindUserRequest{Login: "nobody_" + name}))
			testenv.WantCode(t, err, connect.CodeNotFound, ReasonUserNotFound)
			_, err = client.AdminFindUser(ctx, testenv.Bearer(admin, &userv1.AdminFindUserRequest{Login: strings.Repeat("x", 65)}))
			testenv.WantCode(t, err, connect.CodeInvalidArgument, "")
			shopper := testenv.Token(t, f.keys, id, auth.RoleUser)
			_, err = client.AdminFindUser(ctx, testenv.Bearer(shopper, &userv1.AdminFindUserRequest{Login: name}))
			testenv.WantCode(t, err, connect.CodePermissionDenied, "")
		})
	}
}
