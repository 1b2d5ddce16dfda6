package rpcerr_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"connectrpc.com/connect"

	"mall/services/platform/rpcerr"
	"mall/services/platform/testenv"
)

func TestSanitizeKeepsDomainErrorsAndHidesTheRest(t *testing.T) {
	logger := testenv.Logger()
	domain := rpcerr.New(connect.CodeFailedPrecondition, "OUT_OF_STOCK", "not enough stock")
	got := rpcerr.Sanitize(fmt.Errorf("reserve: %w", domain), logger, "/p")
	if connect.CodeOf(got) != connect.CodeFailedPrecondition || rpcerr.Reason(got) != "OUT_OF_STOCK" {
		t.Fatalf("domain error changed: %v (%q)", got, rpcerr.Reason(got))
	}
	got = rpcerr.Sanitize(errors.New("Error 1045: Access denied for user 'root'"), logger, "/p")
	if connect.CodeOf(got) != connect.CodeInternal || strings.Contains(got.Error(), "root") || rpcerr.Reason(got) != rpcerr.ReasonInternal {
		t.Fatalf("internal error leaked: %v", got)
	}
	if got := rpcerr.Sanitize(context.DeadlineExceeded, logger, "/p"); connect.CodeOf(got) != connect.CodeDeadlineExceeded {
		t.Fatalf("deadline became %v", got)
	}
	if rpcerr.Sanitize(nil, logger, "/p") != nil {
		t.Fatal("nil error became an error")
	}
}

// Metadata travels with the reason over the wire (as Connect encodes the
// detail) and is absent from errors made without it.
func TestMetadataTravelsWithTheReason(t *testing.T) {
	sent := rpcerr.NewWithMetadata(connect.CodeResourceExhausted, "UNPAID_ORDERS_LIMIT", "too many unpaid orders",
		map[string]string{"limit": "10", "current": "10"})
	wire := connect.NewWireError(sent.Code(), errors.New(sent.Message()))
	for _, d := range sent.Details() {
		wire.AddDetail(d)
	}
	got := rpcerr.Metadata(fmt.Errorf("checkout: %w", wire))
	if rpcerr.Reason(wire) != "UNPAID_ORDERS_LIMIT" || got["limit"] != "10" || got["current"] != "10" || len(got) != 2 {
		t.Fatalf("reason %q, metadata %v", rpcerr.Reason(wire), got)
	}
	if md := rpcerr.Metadata(rpcerr.New(connect.CodeNotFound, "ORDER_NOT_FOUND", "order not found")); md != nil {
		t.Fatalf("metadata of an error without: %v", md)
	}
	if md := rpcerr.Metadata(errors.New("plain")); md != nil {
		t.Fatalf("metadata of a plain error: %v", md)
	}
}
