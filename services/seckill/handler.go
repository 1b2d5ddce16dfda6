// Package seckill is the seckill domain: its Connect handler, logic, bun models and
// queries, migrations and tests live in this folder.
package seckill

import (
	"mall/gen/mall/seckill/v1/seckillv1connect"
)

// Handler serves SeckillService. RPCs whose issue has not landed yet answer
// Unimplemented through the embedded generated type; nothing pretends to work.
type Handler struct {
	seckillv1connect.UnimplementedSeckillServiceHandler
}

// NewHandler returns the SeckillService handler.
func NewHandler() *Handler { return &Handler{} }
