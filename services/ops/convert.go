package ops

import (
	"google.golang.org/protobuf/types/known/timestamppb"

	opsv1 "mall/gen/mall/ops/v1"
)

func auditEntryProto(r *auditRow) *opsv1.AuditEntry {
	e := &opsv1.AuditEntry{
		EntryId: r.ID, At: timestamppb.New(r.At), ActorId: r.ActorID, ActorUsername: r.ActorUsername,
		Procedure: r.Procedure, Action: r.Action, RequestJson: r.RequestJSON, Target: r.Target,
		OutcomeCode: r.OutcomeCode, OutcomeReason: r.OutcomeReason, BeforeJson: r.BeforeJSON.String, AfterJson: r.AfterJSON.String,
	}
	if r.FinishedAt.Valid {
		e.FinishedAt = timestamppb.New(r.FinishedAt.Time)
	}
	return e
}
