package user

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	userv1 "mall/gen/mall/user/v1"
	"mall/services/platform/testenv"
)

// The user service's contract rules, as every server enforces them before
// a handler runs: each request either passes or breaks exactly the rules
// named (field path and rule id), so a contract change that drops or
// loosens one fails here, without a server.
func TestUserContractRules(t *testing.T) {
	spec := func(edit func(*userv1.AddressSpec)) *userv1.AddressSpec {
		a := &userv1.AddressSpec{RecipientName: "张三", Phone: "13800138000", Province: "浙江", City: "杭州", District: "西湖区",
			Detail: "文三路 1 号", PostalCode: "310000"}
		if edit != nil {
			edit(a)
		}
		return a
	}
	register := func(username, password string) *userv1.RegisterRequest {
		return &userv1.RegisterRequest{Identity: &userv1.RegisterRequest_Username{Username: username}, Password: password}
	}
	byPhone := func(phone string) *userv1.RegisterRequest {
		return &userv1.RegisterRequest{Identity: &userv1.RegisterRequest_Phone{Phone: phone}, Password: "s3cret-pass"}
	}
	long := func(n int) string { return strings.Repeat("x", n) }
	for _, c := range []struct {
		name string
		msg  proto.Message
		want []string
	}{
		{"register by username", register("alice_01", "s3cret-pass"), nil},
		{"register by phone", &userv1.RegisterRequest{Identity: &userv1.RegisterRequest_Phone{Phone: "13800138000"}, Password: "s3cret-pass"}, nil},
		{"register with no identity", &userv1.RegisterRequest{Password: "s3cret-pass"}, []string{"identity required"}},
		{"a username too short", register("al", "s3cret-pass"), []string{"username string.pattern"}},
		{"a username too long", register(strings.Repeat("a", 33), "s3cret-pass"), []string{"username string.pattern"}},
		{"a username with a space", register("alice smith", "s3cret-pass"), []string{"username string.pattern"}},
		{"a username of digits alone", register("13800138000", "s3cret-pass"), []string{"username username.not_digits"}},
		{"a bad phone", &userv1.RegisterRequest{Identity: &userv1.RegisterRequest_Phone{Phone: "138-0013"}, Password: "s3cret-pass"}, []string{"phone string.pattern"}},
		{"a short phone", &userv1.RegisterRequest{Identity: &userv1.RegisterRequest_Phone{Phone: "12345"}, Password: "s3cret-pass"}, []string{"phone string.pattern"}},
		{"a phone of 10 digits", byPhone("1380013800"), []string{"phone string.pattern"}},
		{"a phone of 12 digits", byPhone("138001380000"), []string{"phone string.pattern"}},
		{"a phone with a country code", byPhone("+8613800138000"), []string{"phone string.pattern"}},
		{"a phone with 86 before it", byPhone("8613800138000"), []string{"phone string.pattern"}},
		{"a phone with spaces", byPhone("138 0013 8000"), []string{"phone string.pattern"}},
		{"a phone that is no mobile (second digit 2)", byPhone("12800138000"), []string{"phone string.pattern"}},
		{"a phone in full-width digits", byPhone("１３８００１３８０００"), []string{"phone string.pattern"}},
		{"the lowest mobile prefix", byPhone("13000000000"), nil},
		{"the highest mobile prefix", byPhone("19999999999"), nil},
		{"a password too short", register("alice", "s3cr3t"), []string{"password string.min_len"}},
		{"a password too long", register("alice", strings.Repeat("a1", 65)), []string{"password string.max_len"}},
		{"a password without a digit", register("alice", "secret-pass"), []string{"password password.letter_and_digit"}},
		{"a password without a letter", register("alice", "12345678"), []string{"password password.letter_and_digit"}},
		{"a nickname too long", &userv1.RegisterRequest{Identity: &userv1.RegisterRequest_Username{Username: "alice"}, Password: "s3cret-pass", Nickname: long(33)},
			[]string{"nickname string.max_len"}},

		{"login", &userv1.LoginRequest{Login: "alice", Password: "x"}, nil},
		{"login with nothing", &userv1.LoginRequest{}, []string{"login string.min_len", "password string.min_len"}},
		{"a login too long", &userv1.LoginRequest{Login: long(65), Password: "x"}, []string{"login string.max_len"}},
		{"login by phone", &userv1.LoginRequest{Login: "13800138000", Password: "x"}, nil},
		{"login by a 10-digit number", &userv1.LoginRequest{Login: "1380013800", Password: "x"}, []string{"login login.phone"}},
		{"login by digits that are no mobile", &userv1.LoginRequest{Login: "23800138000", Password: "x"}, []string{"login login.phone"}},
		// Accounts registered with the earlier, looser phone rule keep
		// signing in: the rule is about digits alone.
		{"login by a phone with a country code", &userv1.LoginRequest{Login: "+8613800138000", Password: "x"}, nil},
		{"login by a username with digits", &userv1.LoginRequest{Login: "li_lei_1380013800", Password: "x"}, nil},

		{"update nothing", &userv1.UpdateProfileRequest{}, nil},
		{"an empty nickname", &userv1.UpdateProfileRequest{Nickname: proto.String("")}, []string{"nickname string.min_len"}},
		{"an avatar that is no URL", &userv1.UpdateProfileRequest{AvatarUrl: proto.String("http://[::1")}, []string{"avatar_url string.uri_ref"}},
		{"a relative avatar", &userv1.UpdateProfileRequest{AvatarUrl: proto.String("/img/me.png")}, nil},

		{"change password", &userv1.ChangePasswordRequest{CurrentPassword: "old", NewPassword: "n3w-password"}, nil},
		{"a weak new password", &userv1.ChangePasswordRequest{CurrentPassword: "old", NewPassword: "password"},
			[]string{"new_password password.letter_and_digit"}},

		{"create an address", &userv1.CreateAddressRequest{Address: spec(nil)}, nil},
		{"an address with the optional parts empty", &userv1.CreateAddressRequest{Address: spec(func(a *userv1.AddressSpec) { a.District, a.PostalCode = "", "" })}, nil},
		{"create no address", &userv1.CreateAddressRequest{}, []string{"address required"}},
		{"an address with a bad phone", &userv1.CreateAddressRequest{Address: spec(func(a *userv1.AddressSpec) { a.Phone = "call me" })}, []string{"address.phone string.pattern"}},
		{"an address with a 10-digit phone", &userv1.CreateAddressRequest{Address: spec(func(a *userv1.AddressSpec) { a.Phone = "1380013800" })},
			[]string{"address.phone string.pattern"}},
		{"an address with a landline", &userv1.CreateAddressRequest{Address: spec(func(a *userv1.AddressSpec) { a.Phone = "057188888888" })},
			[]string{"address.phone string.pattern"}},
		{"an address with a country code", &userv1.CreateAddressRequest{Address: spec(func(a *userv1.AddressSpec) { a.Phone = "+8613800138000" })},
			[]string{"address.phone string.pattern"}},
		{"an address without a recipient", &userv1.CreateAddressRequest{Address: spec(func(a *userv1.AddressSpec) { a.RecipientName = "" })},
			[]string{"address.recipient_name string.min_len"}},
		{"an address with a long detail", &userv1.CreateAddressRequest{Address: spec(func(a *userv1.AddressSpec) { a.Detail = long(257) })},
			[]string{"address.detail string.max_len"}},
		{"an address with a bad postal code", &userv1.CreateAddressRequest{Address: spec(func(a *userv1.AddressSpec) { a.PostalCode = "31000#" })},
			[]string{"address.postal_code string.pattern"}},
		{"update an address without its id", &userv1.UpdateAddressRequest{Address: spec(nil)}, []string{"address_id string.min_len"}},
		{"delete an address by a long id", &userv1.DeleteAddressRequest{AddressId: long(65)}, []string{"address_id string.max_len"}},

		{"favorite nothing", &userv1.AddFavoriteRequest{}, []string{"product_id string.min_len"}},
		{"list favorites", &userv1.ListFavoritesRequest{PageSize: 100}, nil},
		{"a page too big", &userv1.ListFavoritesRequest{PageSize: 101}, []string{"page_size int32.gte_lte"}},
		{"a negative page", &userv1.ListFavoritesRequest{PageSize: -1}, []string{"page_size int32.gte_lte"}},
		{"a page token too long", &userv1.ListFavoritesRequest{PageToken: long(513)}, []string{"page_token string.max_len"}},

		{"an address of nobody", &userv1.GetAddressInternalRequest{}, []string{"user_id string.min_len"}},
		{"the default address", &userv1.GetAddressInternalRequest{UserId: "u-1"}, nil},
		{"too many favorite ids", &userv1.ListFavoriteProductIdsRequest{UserId: "u-1", Limit: 501}, []string{"limit int32.gte_lte"}},
	} {
		t.Run(c.name, func(t *testing.T) { testenv.WantViolations(t, c.msg, c.want...) })
	}
}
