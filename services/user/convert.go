package user

import (
	"google.golang.org/protobuf/types/known/timestamppb"

	userv1 "mall/gen/mall/user/v1"
)

func (r *userRow) proto() *userv1.User {
	return &userv1.User{
		UserId: r.ID, Username: r.Username.String, Phone: r.Phone.String, Nickname: r.Nickname,
		AvatarUrl: r.AvatarURL, Role: userv1.Role(r.Role), CreatedAt: timestamppb.New(r.CreatedAt),
	}
}

func (r *addressRow) proto() *userv1.Address {
	return &userv1.Address{
		AddressId: r.ID, RecipientName: r.RecipientName, Phone: r.Phone, Province: r.Province, City: r.City,
		District: r.District, Detail: r.Detail, PostalCode: r.PostalCode, IsDefault: r.IsDefault,
		CreatedAt: timestamppb.New(r.CreatedAt), UpdatedAt: timestamppb.New(r.UpdatedAt),
	}
}

func applyAddress(r *addressRow, spec *userv1.AddressSpec) {
	r.RecipientName = spec.GetRecipientName()
	r.Phone = spec.GetPhone()
	r.Province = spec.GetProvince()
	r.City = spec.GetCity()
	r.District = spec.GetDistrict()
	r.Detail = spec.GetDetail()
	r.PostalCode = spec.GetPostalCode()
}
