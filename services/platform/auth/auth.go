// Package auth verifies tokens and enforces each procedure's access level.
// The level is declared in the contract (the mall.common.v1.access method
// option), so the .proto files are the one list of what is public, what needs
// a user, an admin, or a service credential.
package auth

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"connectrpc.com/authn"
	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	commonv1 "mall/gen/mall/common/v1"
	"mall/services/platform/rpcerr"
)

// Roles carried in tokens.
const (
	RoleUser    = "user"
	RoleAdmin   = "admin"
	RoleService = "service"
)

// Identity is who a verified token names.
type Identity struct {
	Subject   string // user id, or service name for service credentials
	Roles     []string
	TokenID   string
	ExpiresAt time.Time
	// SessionEpoch is the subject's session epoch the token was issued in.
	SessionEpoch int64
}

// Has reports whether the identity carries role.
func (i Identity) Has(role string) bool { return slices.Contains(i.Roles, role) }

// infrastructureServices answer without a token: load balancers and tools
// probe health, grpcurl and buf curl read the schema.
var infrastructureServices = []string{
	"grpc.health.v1.Health",
	"grpc.reflection.v1.ServerReflection",
	"grpc.reflection.v1alpha.ServerReflection",
}

// Revocations tells whether a token was revoked before its expiry: by
// itself (logout) or with every session of its subject up to an epoch (a
// password change).
type Revocations interface {
	IsRevoked(ctx context.Context, identity Identity) (bool, error)
}

// Authenticator is the authn function of every server.
type Authenticator struct {
	keys        *Keys
	revocations Revocations // optional
}

// NewAuthenticator verifies tokens with keys; revocations may be nil.
func NewAuthenticator(keys *Keys, revocations Revocations) *Authenticator {
	return &Authenticator{keys: keys, revocations: revocations}
}

// Middleware wraps an HTTP handler so every RPC is authenticated first.
func (a *Authenticator) Middleware() *authn.Middleware {
	return authn.NewMiddleware(a.authenticate)
}

// AccessOf returns the declared access level of a procedure
// ("/pkg.Service/Method"), and false if it is not one of ours.
func AccessOf(procedure string) (commonv1.Access, bool) {
	if access, ok := accessOf.Load(procedure); ok {
		return access.(commonv1.Access), true
	}
	method, ok := MethodOf(procedure)
	if !ok {
		return commonv1.Access_ACCESS_UNSPECIFIED, false
	}
	access, _ := proto.GetExtension(method.Options(), commonv1.E_Access).(commonv1.Access)
	accessOf.Store(procedure, access)
	return access, true
}

// accessOf caches AccessOf for our procedures (every call asks, some
// twice; the registry's lookup takes a lock and the extension a copy).
// Only procedures that exist are kept, so requests for made-up paths
// cannot grow it.
var accessOf sync.Map // procedure -> commonv1.Access

// MethodOf finds a procedure's ("/pkg.Service/Method") descriptor among
// the registered protobuf files.
func MethodOf(procedure string) (protoreflect.MethodDescriptor, bool) {
	service, method, ok := strings.Cut(strings.TrimPrefix(procedure, "/"), "/")
	if !ok {
		return nil, false
	}
	desc, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(service + "." + method))
	if err != nil {
		return nil, false
	}
	md, ok := desc.(protoreflect.MethodDescriptor)
	return md, ok
}

func (a *Authenticator) authenticate(ctx context.Context, req authn.Request) (any, error) {
	procedure := req.Procedure()
	service, _, _ := strings.Cut(strings.TrimPrefix(procedure, "/"), "/")
	if slices.Contains(infrastructureServices, service) {
		return nil, nil
	}
	access, known := AccessOf(procedure)
	if !known {
		return nil, nil // no handler serves it; the mux answers 404
	}
	if access == commonv1.Access_ACCESS_PUBLIC && req.Header().Get("Authorization") == "" {
		return nil, nil // an anonymous visitor: no error to build and drop
	}
	identity, err := a.identify(ctx, req)
	if access == commonv1.Access_ACCESS_PUBLIC {
		if err != nil {
			return nil, nil // a stale token does not stop browsing
		}
		return identity, nil
	}
	if err != nil {
		return nil, err
	}
	var allowed bool
	switch access {
	case commonv1.Access_ACCESS_USER:
		allowed = identity.Has(RoleUser) || identity.Has(RoleAdmin)
	case commonv1.Access_ACCESS_ADMIN:
		allowed = identity.Has(RoleAdmin)
	case commonv1.Access_ACCESS_INTERNAL:
		allowed = identity.Has(RoleService)
	}
	if !allowed {
		return nil, rpcerr.New(connect.CodePermissionDenied, rpcerr.ReasonForbidden, "this credential may not call "+procedure)
	}
	return identity, nil
}

// identify verifies the bearer token of req.
func (a *Authenticator) identify(ctx context.Context, req authn.Request) (Identity, error) {
	unauthenticated := func(msg string) error {
		return rpcerr.New(connect.CodeUnauthenticated, rpcerr.ReasonUnauthenticated, msg)
	}
	header := req.Header().Get("Authorization")
	token, ok := strings.CutPrefix(header, "Bearer ")
	if !ok || token == "" {
		return Identity{}, unauthenticated("missing bearer token")
	}
	identity, err := a.keys.Verify(token)
	if err != nil {
		return Identity{}, unauthenticated("invalid or expired token")
	}
	if a.revocations != nil {
		revoked, err := a.revocations.IsRevoked(ctx, identity)
		if err != nil {
			return Identity{}, rpcerr.New(connect.CodeUnavailable, rpcerr.ReasonUnavailable, "cannot check token")
		}
		if revoked {
			return Identity{}, unauthenticated("token revoked")
		}
	}
	return identity, nil
}

// FromContext returns the caller's verified identity, if any.
func FromContext(ctx context.Context) (Identity, bool) {
	identity, ok := authn.GetInfo(ctx).(Identity)
	return identity, ok
}

// UserID returns the verified caller's subject, or an Unauthenticated error.
// Handlers take the user id from here and never from a request field.
func UserID(ctx context.Context) (string, error) {
	identity, ok := FromContext(ctx)
	if !ok {
		return "", rpcerr.New(connect.CodeUnauthenticated, rpcerr.ReasonUnauthenticated, "login required")
	}
	return identity.Subject, nil
}
