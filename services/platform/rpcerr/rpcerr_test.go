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
