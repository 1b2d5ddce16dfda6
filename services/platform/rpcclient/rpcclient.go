// Package rpcclient builds the clients services use to call each other: the
// gRPC protocol over h2c, authenticated with a short-lived service token.
package rpcclient

import (
	"context"
	"net/http"
	"sync"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/otelconnect"

	"mall/services/platform/auth"
)

// HTTPClient speaks HTTP/2 without TLS (h2c), as gRPC needs.
func HTTPClient() *http.Client {
	protocols := new(http.Protocols)
	protocols.SetUnencryptedHTTP2(true)
	return &http.Client{Transport: &http.Transport{Protocols: protocols, MaxIdleConnsPerHost: 64}}
}

const serviceTokenTTL = 10 * time.Minute

// ServiceCredential mints service tokens and renews them before they expire.
type ServiceCredential struct {
	keys *auth.Keys
	name string

	mu      sync.Mutex
	token   string
	renewAt time.Time
}

// NewServiceCredential returns the credential of the named caller.
func NewServiceCredential(keys *auth.Keys, name string) *ServiceCredential {
	return &ServiceCredential{keys: keys, name: name}
}

// Token returns a valid service token.
func (s *ServiceCredential) Token() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token != "" && time.Now().Before(s.renewAt) {
		return s.token, nil
	}
	token, _, err := s.keys.Issue(s.name, []string{auth.RoleService}, serviceTokenTTL)
	if err != nil {
		return "", err
	}
	s.token, s.renewAt = token, time.Now().Add(serviceTokenTTL/2)
	return token, nil
}

// Options are the client options for internal calls: gRPC plus the credential.
func (s *ServiceCredential) Options() []connect.ClientOption {
	return []connect.ClientOption{connect.WithGRPC(), connect.WithInterceptors(Tracing(), s)}
}

func (s *ServiceCredential) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		token, err := s.Token()
		if err != nil {
			return nil, err
		}
		req.Header().Set("Authorization", "Bearer "+token)
		return next(ctx, req)
	}
}

func (s *ServiceCredential) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return func(ctx context.Context, spec connect.Spec) connect.StreamingClientConn {
		conn := next(ctx, spec)
		if token, err := s.Token(); err == nil {
			conn.RequestHeader().Set("Authorization", "Bearer "+token)
		}
		return conn
	}
}

func (s *ServiceCredential) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return next
}

// Tracing starts a client span per call and sends its context
// (traceparent) to the callee, so one request is one trace across services.
func Tracing() connect.Interceptor {
	interceptor, err := otelconnect.NewInterceptor(otelconnect.WithoutMetrics())
	if err != nil {
		panic(err) // only invalid options fail
	}
	return interceptor
}
