// Package order is the order domain: its Connect handler, logic, bun models and
// queries, migrations and tests live in this folder.
package order

import (
	"mall/gen/mall/order/v1/orderv1connect"
)

// Handler serves OrderService. RPCs whose issue has not landed yet answer
// Unimplemented through the embedded generated type; nothing pretends to work.
type Handler struct {
	orderv1connect.UnimplementedOrderServiceHandler
}

// NewHandler returns the OrderService handler.
func NewHandler() *Handler { return &Handler{} }
