// Package audit records what operators do: every call to a procedure
// declared ACCESS_ADMIN that may change something (any idempotency level but
// NO_SIDE_EFFECTS) becomes an entry saying who called it, when, with what,
// the state before and after (as the handler noted them) and how it ended.
//
// The entry is recorded before the handler runs, so an action is never taken
// without a trace: when the recorder cannot be reached the call is refused
// (unavailable) and nothing changes. The outcome is recorded afterwards; an
// entry whose outcome never arrived says so.
package audit

import (
	"context"
	"crypto/sha256"
	"log/slog"
	"strings"
	"sync"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"

	commonv1 "mall/gen/mall/common/v1"
	"mall/services/platform/auth"
	"mall/services/platform/rpcerr"
)

// Entry is one operator action.
type Entry struct {
	ID        string    // chosen by the interceptor (a UUID), unique
	At        time.Time // when the call arrived
	ActorID   string    // the verified token's subject
	Procedure string    // "/mall.order.v1.OrderService/ShipOrder"
	Request   string    // the request as JSON, its passwords and tokens redacted
}

// Outcome is how an action ended.
type Outcome struct {
	Code   string // "ok" or the Connect code's name ("failed_precondition")
	Reason string // the ErrorInfo reason of a refusal, if any
	Target string // what the action was about ("order 0190…", "product p-12"), as noted by the handler
	Before string // the state before, as JSON ("" when the handler noted none)
	After  string // the state after, as JSON
}

// Recorder stores entries. Begin must be durable before it returns: the
// action runs only after it.
type Recorder interface {
	Begin(ctx context.Context, e Entry) error
	Finish(ctx context.Context, id string, o Outcome) error
}

// Audited reports whether a procedure's calls are recorded.
func Audited(procedure string) bool {
	access, ok := auth.AccessOf(procedure)
	if !ok || access != commonv1.Access_ACCESS_ADMIN {
		return false
	}
	md, ok := auth.MethodOf(procedure)
	if !ok {
		return false
	}
	opts, _ := md.Options().(*descriptorpb.MethodOptions)
	return opts.GetIdempotencyLevel() != descriptorpb.MethodOptions_NO_SIDE_EFFECTS
}

// Target names what an action is about, for the audit list ("order 0190…").
func Target(ctx context.Context, target string) {
	if n := notesFrom(ctx); n != nil {
		n.mu.Lock()
		n.target = target
		n.mu.Unlock()
	}
}

// Before notes the state of the thing an action changes, as it was before.
// It does nothing outside an audited call.
func Before(ctx context.Context, m proto.Message) {
	if n := notesFrom(ctx); n != nil {
		n.mu.Lock()
		n.before = marshal(m)
		n.mu.Unlock()
	}
}

// After notes the state after the change.
func After(ctx context.Context, m proto.Message) {
	if n := notesFrom(ctx); n != nil {
		n.mu.Lock()
		n.after = marshal(m)
		n.mu.Unlock()
	}
}

type notes struct {
	mu                    sync.Mutex
	target, before, after string
}

type notesKey struct{}

func notesFrom(ctx context.Context) *notes {
	n, _ := ctx.Value(notesKey{}).(*notes)
	return n
}

var jsonOptions = protojson.MarshalOptions{UseProtoNames: true, EmitDefaultValues: false}

// maxRecordedBytes is the longest bytes field kept as it is; a longer one
// (an uploaded picture) is recorded as its SHA-256, which names the file
// without copying it into the log.
const maxRecordedBytes = 64

func marshal(m proto.Message) string {
	if m == nil {
		return ""
	}
	// Operators' calls are few: a copy each costs nothing worth saving.
	m = proto.Clone(m)
	fingerprintBytes(m.ProtoReflect())
	redactSecrets(m.ProtoReflect())
	b, err := jsonOptions.Marshal(m)
	if err != nil {
		return ""
	}
	return string(b)
}

// NewInterceptor records audited calls with rec. newID gives entry ids.
func NewInterceptor(rec Recorder, newID func() string, logger *slog.Logger) connect.Interceptor {
	return &interceptor{rec: rec, newID: newID, logger: logger}
}

type interceptor struct {
	rec    Recorder
	newID  func() string
	logger *slog.Logger
}

// finishTimeout bounds recording an outcome after the action: the caller
// has its answer only once the outcome is stored or given up on.
const finishTimeout = 5 * time.Second

func (i *interceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		procedure := req.Spec().Procedure
		if !Audited(procedure) {
			return next(ctx, req)
		}
		identity, _ := auth.FromContext(ctx)
		entry := Entry{
			ID: i.newID(), At: time.Now().UTC(), ActorID: identity.Subject,
			Procedure: procedure,
		}
		if m, ok := req.Any().(proto.Message); ok {
			entry.Request = marshal(m)
		}
		if err := i.rec.Begin(ctx, entry); err != nil {
			i.logger.ErrorContext(ctx, "audit: cannot record an operator action; refused", "procedure", procedure, "err", err)
			return nil, rpcerr.New(connect.CodeUnavailable, rpcerr.ReasonUnavailable, "the audit log cannot be written; nothing was changed")
		}
		n := &notes{}
		res, err := next(context.WithValue(ctx, notesKey{}, n), req)
		n.mu.Lock()
		outcome := Outcome{Code: "ok", Target: n.target, Before: n.before, After: n.after}
		n.mu.Unlock()
		if err != nil {
			outcome.Code = connect.CodeOf(err).String()
			outcome.Reason = rpcerr.Reason(err)
		}
		finishCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
		defer cancel()
		if ferr := i.rec.Finish(finishCtx, entry.ID, outcome); ferr != nil {
			i.logger.ErrorContext(ctx, "audit: cannot record an action's outcome", "procedure", procedure, "entry", entry.ID, "err", ferr)
		}
		return res, err
	}
}

func (i *interceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

// WrapStreamingHandler refuses audited streaming calls: none is declared
// today, and one that slipped in unrecorded would be worse than refused.
func (i *interceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		if Audited(conn.Spec().Procedure) {
			return rpcerr.New(connect.CodeUnimplemented, rpcerr.ReasonInternal, "audited streaming procedures are not supported")
		}
		return next(ctx, conn)
	}
}

// fingerprintBytes replaces, in place, every bytes field longer than
// maxRecordedBytes by its SHA-256, in nested messages too.
func fingerprintBytes(m protoreflect.Message) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.Kind() == protoreflect.BytesKind && !fd.IsList() && !fd.IsMap():
			if b := v.Bytes(); len(b) > maxRecordedBytes {
				sum := sha256.Sum256(b)
				m.Set(fd, protoreflect.ValueOfBytes(sum[:]))
			}
		case fd.Kind() == protoreflect.BytesKind && fd.IsList():
			list := v.List()
			for i := range list.Len() {
				if b := list.Get(i).Bytes(); len(b) > maxRecordedBytes {
					sum := sha256.Sum256(b)
					list.Set(i, protoreflect.ValueOfBytes(sum[:]))
				}
			}
		case fd.Message() != nil && fd.IsList():
			list := v.List()
			for i := range list.Len() {
				fingerprintBytes(list.Get(i).Message())
			}
		case fd.Message() != nil && !fd.IsMap():
			fingerprintBytes(v.Message())
		}
		return true
	})
}

// redacted stands in the log for a secret's value.
const redacted = "[redacted]"

// secretField reports a field whose value is a credential: a password, a
// secret, an access or refresh token (a page token is a cursor, kept).
func secretField(fd protoreflect.FieldDescriptor) bool {
	name := strings.ToLower(string(fd.Name()))
	switch {
	case strings.Contains(name, "password"), strings.Contains(name, "secret"):
		return true
	case strings.HasSuffix(name, "page_token"):
		return false
	}
	return name == "token" || strings.HasSuffix(name, "_token")
}

// redactSecrets replaces, in place, every set string field that holds a
// credential by redacted, in nested messages too: whatever request an
// operator's action carries, its secrets do not reach a log every
// operator reads.
func redactSecrets(m protoreflect.Message) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.Kind() == protoreflect.StringKind && !fd.IsMap() && secretField(fd):
			if fd.IsList() {
				list := v.List()
				for i := range list.Len() {
					list.Set(i, protoreflect.ValueOfString(redacted))
				}
			} else {
				m.Set(fd, protoreflect.ValueOfString(redacted))
			}
		case fd.Message() != nil && fd.IsList():
			list := v.List()
			for i := range list.Len() {
				redactSecrets(list.Get(i).Message())
			}
		case fd.Message() != nil && fd.IsMap():
			if fd.MapValue().Message() != nil {
				v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
					redactSecrets(mv.Message())
					return true
				})
			}
		case fd.Message() != nil:
			redactSecrets(v.Message())
		}
		return true
	})
}
