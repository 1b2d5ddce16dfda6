package user

import (
	"connectrpc.com/connect"

	"mall/services/platform/rpcerr"
)

// Reasons the user service gives in its errors' ErrorInfo.
const (
	ReasonLoginTaken         = "LOGIN_TAKEN"
	ReasonBadCredentials     = "BAD_CREDENTIALS"
	ReasonWrongPassword      = "WRONG_PASSWORD"       // ChangePassword: the current password does not match
	ReasonSessionsNotRevoked = "SESSIONS_NOT_REVOKED" // ChangePassword: changed, but the revocation is not published yet
	ReasonWeakPassword       = "WEAK_PASSWORD"        // an admin password outside the policy
	ReasonUserNotFound       = "USER_NOT_FOUND"
	ReasonAddressNotFound    = "ADDRESS_NOT_FOUND"
	ReasonTooManyAddresses   = "TOO_MANY_ADDRESSES"
	ReasonProductNotFound    = "PRODUCT_NOT_FOUND"
	ReasonBadPageToken       = "BAD_PAGE_TOKEN"
	ReasonCatalogUnavailable = "CATALOG_UNAVAILABLE"
)

func errAddressNotFound() error {
	return rpcerr.New(connect.CodeNotFound, ReasonAddressNotFound, "address not found")
}

// errBadCredentials is the one answer for an unknown login and a wrong
// password, so the answer does not reveal which accounts exist.
func errBadCredentials() error {
	return rpcerr.New(connect.CodeUnauthenticated, ReasonBadCredentials, "wrong login or password")
}
