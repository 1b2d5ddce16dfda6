package testenv

import (
	"testing"
	"time"

	"connectrpc.com/connect"

	"mall/services/platform/auth"
	"mall/services/platform/rpcerr"
)

// Bearer wraps msg in a request that carries token as its bearer
// credential; an empty token sends none.
func Bearer[T any](token string, msg *T) *connect.Request[T] {
	req := connect.NewRequest(msg)
	if token != "" {
		req.Header().Set("Authorization", "Bearer "+token)
	}
	return req
}

// SigningKeyFile creates a signing key in a file of the test's own, as an
// operator does before starting a production process, and returns its path.
func SigningKeyFile(t testing.TB) string {
	t.Helper()
	path := t.TempDir() + "/jwt.pem"
	if _, err := auth.LoadOrCreateKeys(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// Token issues an hour-long token for subject with roles, signed by keys.
func Token(t testing.TB, keys *auth.Keys, subject string, roles ...string) string {
	t.Helper()
	token, _, err := keys.Issue(subject, roles, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// WantCode fails the test unless err has code and, when reason is not
// empty, that ErrorInfo reason.
func WantCode(t testing.TB, err error, code connect.Code, reason string) {
	t.Helper()
	if connect.CodeOf(err) != code || (reason != "" && rpcerr.Reason(err) != reason) {
		t.Fatalf("got %v (reason %q), want %v %s", err, rpcerr.Reason(err), code, reason)
	}
}
