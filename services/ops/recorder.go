package ops

import (
	"context"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	opsv1 "mall/gen/mall/ops/v1"
	"mall/gen/mall/ops/v1/opsv1connect"
	"mall/services/platform/audit"
)

// AuditRecorder is the audit interceptor's recorder on every server: it
// stores the entries through OpsService (BeginAudit, FinishAudit) with the
// caller's service credential, wherever the ops service runs.
type AuditRecorder struct {
	client opsv1connect.OpsServiceClient
}

var _ audit.Recorder = (*AuditRecorder)(nil)

// NewAuditRecorder records through client.
func NewAuditRecorder(client opsv1connect.OpsServiceClient) *AuditRecorder {
	return &AuditRecorder{client: client}
}

// Begin stores the entry; the action runs only once it answered.
func (r *AuditRecorder) Begin(ctx context.Context, e audit.Entry) error {
	_, err := r.client.BeginAudit(ctx, connect.NewRequest(&opsv1.BeginAuditRequest{
		EntryId: e.ID, At: timestamppb.New(e.At), ActorId: e.ActorID, Procedure: e.Procedure, RequestJson: e.Request,
	}))
	return err
}

// Finish records the outcome.
func (r *AuditRecorder) Finish(ctx context.Context, id string, o audit.Outcome) error {
	_, err := r.client.FinishAudit(ctx, connect.NewRequest(&opsv1.FinishAuditRequest{
		EntryId: id, OutcomeCode: o.Code, OutcomeReason: clip(o.Reason, 64), Target: clip(o.Target, maxTargetBytes),
		BeforeJson: o.Before, AfterJson: o.After,
	}))
	return err
}
