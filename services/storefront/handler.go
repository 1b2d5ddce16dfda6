// Package storefront is the storefront domain: its Connect handler, logic, bun models and
// queries, migrations and tests live in this folder.
package storefront

import (
	"mall/gen/mall/storefront/v1/storefrontv1connect"
)

// Handler serves StorefrontService. RPCs whose issue has not landed yet answer
// Unimplemented through the embedded generated type; nothing pretends to work.
type Handler struct {
	storefrontv1connect.UnimplementedStorefrontServiceHandler
}

// NewHandler returns the StorefrontService handler.
func NewHandler() *Handler { return &Handler{} }
