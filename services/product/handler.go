// Package product is the product domain: its Connect handler, logic, bun models and
// queries, migrations and tests live in this folder.
package product

import (
	"mall/gen/mall/product/v1/productv1connect"
)

// Handler serves ProductService. RPCs whose issue has not landed yet answer
// Unimplemented through the embedded generated type; nothing pretends to work.
type Handler struct {
	productv1connect.UnimplementedProductServiceHandler
}

// NewHandler returns the ProductService handler.
func NewHandler() *Handler { return &Handler{} }
