// Package pay is the pay domain: its Connect handler, logic, bun models and
// queries, migrations and tests live in this folder.
package pay

import (
	"mall/gen/mall/pay/v1/payv1connect"
)

// Handler serves PayService. RPCs whose issue has not landed yet answer
// Unimplemented through the embedded generated type; nothing pretends to work.
type Handler struct {
	payv1connect.UnimplementedPayServiceHandler
}

// NewHandler returns the PayService handler.
func NewHandler() *Handler { return &Handler{} }
