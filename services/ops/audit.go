package ops

import (
	"context"
	"database/sql"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"connectrpc.com/connect"

	opsv1 "mall/gen/mall/ops/v1"
	userv1 "mall/gen/mall/user/v1"
)

// maxJSONBytes bounds what is kept of a request or a before/after state:
// admin requests and states are small, and a huge one must not fill the log.
const maxJSONBytes = 64 << 10

// maxTargetBytes bounds an action's target: a bulk action's names each of
// its things (100 order ids), so that a search by any of them finds it.
const maxTargetBytes = 8 << 10

// usernameTimeout bounds asking the user service for the actor's username:
// the action waits for BeginAudit, and an entry without the name is still
// an entry (the actor id is there).
const usernameTimeout = 2 * time.Second

// BeginAudit stores an action before it runs, with the actor's username as
// it is now.
func (s *Service) BeginAudit(ctx context.Context, req *connect.Request[opsv1.BeginAuditRequest]) (*connect.Response[opsv1.BeginAuditResponse], error) {
	m := req.Msg
	procedure := m.GetProcedure()
	action := procedure[strings.LastIndex(procedure, "/")+1:]
	row := &auditRow{
		ID: m.GetEntryId(), At: m.GetAt().AsTime().UTC(), ActorID: m.GetActorId(), ActorUsername: s.username(ctx, m.GetActorId()),
		Procedure: procedure, Action: clip(action, 100), RequestJSON: clip(m.GetRequestJson(), maxJSONBytes),
	}
	if err := insertAuditEntry(ctx, s.db, row); err != nil {
		return nil, err
	}
	return connect.NewResponse(&opsv1.BeginAuditResponse{}), nil
}

// username is the user's username, or "" when the user service does not
// answer in time or does not know the user (a token minted for a script).
func (s *Service) username(ctx context.Context, userID string) string {
	ctx, cancel := context.WithTimeout(ctx, usernameTimeout)
	defer cancel()
	res, err := s.users.GetUserInternal(ctx, connect.NewRequest(&userv1.GetUserInternalRequest{UserId: userID}))
	if err != nil {
		if connect.CodeOf(err) != connect.CodeNotFound {
			s.logger.WarnContext(ctx, "audit: no username for the actor", "actor_id", userID, "err", err)
		}
		return ""
	}
	return clip(res.Msg.GetUser().GetUsername(), 64)
}

// FinishAudit records an action's outcome; the first one stays.
func (s *Service) FinishAudit(ctx context.Context, req *connect.Request[opsv1.FinishAuditRequest]) (*connect.Response[opsv1.FinishAuditResponse], error) {
	m := req.Msg
	exists, err := finishAuditEntry(ctx, s.db, m.GetEntryId(), auditOutcome{
		Code: m.GetOutcomeCode(), Reason: m.GetOutcomeReason(), Target: m.GetTarget(),
		Before: nullJSON(m.GetBeforeJson()), After: nullJSON(m.GetAfterJson()), At: s.now().UTC(),
	})
	if err != nil {
		return nil, err
	}
	if !exists {
		return nil, errAuditEntryNotFound()
	}
	return connect.NewResponse(&opsv1.FinishAuditResponse{}), nil
}

// ListAuditEntries lists actions newest first, a page at a time.
func (s *Service) ListAuditEntries(ctx context.Context, req *connect.Request[opsv1.ListAuditEntriesRequest]) (*connect.Response[opsv1.ListAuditEntriesResponse], error) {
	m := req.Msg
	size := int(m.GetPageSize())
	if size <= 0 {
		size = s.opts.DefaultPageSize
	}
	f := auditFilter{Actor: m.GetActor(), Action: m.GetAction(), TargetContains: m.GetTargetContains(), Limit: size + 1}
	// An invalid timestamp (a year past 9999, negative nanos) would be read
	// as some other time and list a window nobody asked for.
	if since := m.GetSince(); since != nil {
		if since.CheckValid() != nil {
			return nil, errBadTimeRange("since is not a valid time")
		}
		f.Since = since.AsTime()
	}
	if until := m.GetUntil(); until != nil {
		if until.CheckValid() != nil {
			return nil, errBadTimeRange("until is not a valid time")
		}
		f.Until = until.AsTime()
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Until.After(f.Since) {
		return nil, errBadTimeRange("until must be after since")
	}
	if token := m.GetPageToken(); token != "" {
		seq, ok := decodePageToken(token)
		if !ok {
			return nil, errBadPageToken()
		}
		f.AfterSeq = seq
	}
	rows, err := queryAuditEntries(ctx, s.db, f)
	if err != nil {
		return nil, err
	}
	res := &opsv1.ListAuditEntriesResponse{}
	if len(rows) > size {
		rows = rows[:size]
		res.NextPageToken = encodePageToken(rows[size-1].Seq)
	}
	for i := range rows {
		res.Entries = append(res.Entries, auditEntryProto(&rows[i]))
	}
	return connect.NewResponse(res), nil
}

const pageTokenPrefix = "audit:"

func encodePageToken(seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(pageTokenPrefix + strconv.FormatInt(seq, 10)))
}

func decodePageToken(token string) (int64, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return 0, false
	}
	digits, ok := strings.CutPrefix(string(raw), pageTokenPrefix)
	if !ok {
		return 0, false
	}
	seq, err := strconv.ParseInt(digits, 10, 64)
	return seq, err == nil && seq > 0
}

func nullJSON(s string) sql.NullString {
	if s == "" {
		return sql.NullString{}
	}
	return sql.NullString{String: clip(s, maxJSONBytes), Valid: true}
}

// clip cuts s to at most n bytes without splitting a character.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
