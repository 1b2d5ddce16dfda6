// Package cart is the cart domain: its Connect handler, logic, bun models and
// queries, migrations and tests live in this folder.
package cart

import (
	"mall/gen/mall/cart/v1/cartv1connect"
)

// Handler serves CartService. RPCs whose issue has not landed yet answer
// Unimplemented through the embedded generated type; nothing pretends to work.
type Handler struct {
	cartv1connect.UnimplementedCartServiceHandler
}

// NewHandler returns the CartService handler.
func NewHandler() *Handler { return &Handler{} }
