package ops

import (
	"connectrpc.com/connect"

	"mall/services/platform/rpcerr"
)

// Reasons the ops service gives in its errors' ErrorInfo.
const (
	// FinishAudit of an entry BeginAudit never stored.
	ReasonAuditEntryNotFound = "AUDIT_ENTRY_NOT_FOUND"
	ReasonBadPageToken       = "BAD_PAGE_TOKEN"
	// since or until is no time a timestamp can say, or until is not after
	// since.
	ReasonBadTimeRange = "BAD_TIME_RANGE"
	// The item is not on the attention list (any more): it was resolved
	// or marked handled meanwhile, or never existed.
	ReasonAttentionItemGone = "ATTENTION_ITEM_GONE"
	// The item's trouble cannot be retried from the console; the message
	// says why (mark it handled once settled by hand).
	ReasonAttentionRetryUnsupported = "ATTENTION_RETRY_UNSUPPORTED"
	ReasonOrderUnavailable          = "ORDER_SERVICE_UNAVAILABLE"
	ReasonWorkflowUnavailable       = "WORKFLOW_UNAVAILABLE"
)

func errAuditEntryNotFound() error {
	return rpcerr.New(connect.CodeNotFound, ReasonAuditEntryNotFound, "no audit entry with this id")
}

func errBadPageToken() error {
	return rpcerr.New(connect.CodeInvalidArgument, ReasonBadPageToken, "page_token is not valid for this request")
}

func errBadTimeRange(why string) error {
	return rpcerr.New(connect.CodeInvalidArgument, ReasonBadTimeRange, why)
}

func errItemGone() error {
	return rpcerr.New(connect.CodeFailedPrecondition, ReasonAttentionItemGone, "this item is not on the attention list any more")
}

func errItemHandled() error {
	return rpcerr.New(connect.CodeFailedPrecondition, ReasonAttentionItemGone, "this item was marked handled; it is not on the attention list any more")
}

func errRetryUnsupported(why string) error {
	return rpcerr.New(connect.CodeFailedPrecondition, ReasonAttentionRetryUnsupported, why)
}

func errOrderUnavailable() (reason, message string) {
	return ReasonOrderUnavailable, "order service unavailable, try again"
}

func errWorkflowUnavailable() error {
	return rpcerr.New(connect.CodeUnavailable, ReasonWorkflowUnavailable, "Temporal is unavailable; try again")
}
