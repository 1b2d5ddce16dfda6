package ops

import (
	"database/sql"
	"time"

	"github.com/uptrace/bun"
)

// auditRow is one operator action. Seq orders the listing; the JSON
// columns hold what the interceptor sent, cut to maxJSONBytes.
type auditRow struct {
	bun.BaseModel `bun:"table:audit_entries"`

	Seq           int64          `bun:"seq,pk,autoincrement"`
	ID            string         `bun:"id"`
	At            time.Time      `bun:"at"`
	ActorID       string         `bun:"actor_id"`
	ActorUsername string         `bun:"actor_username"`
	Procedure     string         `bun:"procedure_name"`
	Action        string         `bun:"action"`
	RequestJSON   string         `bun:"request_json"`
	Target        string         `bun:"target"`
	OutcomeCode   string         `bun:"outcome_code"`
	OutcomeReason string         `bun:"outcome_reason"`
	BeforeJSON    sql.NullString `bun:"before_json"`
	AfterJSON     sql.NullString `bun:"after_json"`
	FinishedAt    sql.NullTime   `bun:"finished_at"`
}

// markRow is an attention item an operator marked handled.
type markRow struct {
	bun.BaseModel `bun:"table:attention_marks"`

	ItemID     string    `bun:"item_id,pk"`
	Kind       int32     `bun:"kind"`
	OrderID    string    `bun:"order_id"`
	WorkflowID string    `bun:"workflow_id"`
	Note       string    `bun:"note"`
	HandledBy  string    `bun:"handled_by"`
	HandledAt  time.Time `bun:"handled_at"`
}
