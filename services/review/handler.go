// Package review is the review domain: its Connect handler, logic, bun models and
// queries, migrations and tests live in this folder.
package review

import (
	"mall/gen/mall/review/v1/reviewv1connect"
)

// Handler serves ReviewService. RPCs whose issue has not landed yet answer
// Unimplemented through the embedded generated type; nothing pretends to work.
type Handler struct {
	reviewv1connect.UnimplementedReviewServiceHandler
}

// NewHandler returns the ReviewService handler.
func NewHandler() *Handler { return &Handler{} }
