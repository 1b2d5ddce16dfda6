// Package user is the user domain: its Connect handler, logic, bun models and
// queries, migrations and tests live in this folder.
package user

import (
	"mall/gen/mall/user/v1/userv1connect"
)

// Handler serves UserService. RPCs whose issue has not landed yet answer
// Unimplemented through the embedded generated type; nothing pretends to work.
type Handler struct {
	userv1connect.UnimplementedUserServiceHandler
}

// NewHandler returns the UserService handler.
func NewHandler() *Handler { return &Handler{} }
