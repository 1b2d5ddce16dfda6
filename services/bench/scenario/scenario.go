// Package scenario holds the mall's benchmarks behind `mall bench`: each
// starts the system in this process on loopback (databases and Valkey keys
// of its own), adds the comparison servers it measures against (no-op
// handlers, a naive MySQL flash sale), drives its phases with the harness
// of package bench, checks its invariants and prints the report.
package scenario

import (
	"io"
	"log/slog"

	"connectrpc.com/connect"

	"mall/services/platform/config"
)

// Env is what a benchmark runs with: the configuration it derives its
// system's from, the servers' logger, and where the report and the
// progress lines go.
type Env struct {
	Config   config.Config
	Logger   *slog.Logger
	Out      io.Writer // the report
	Progress io.Writer // a line a second while a phase runs
}

// withToken is a request carrying a user's (or admin's) bearer token.
func withToken[T any](token string, msg *T) *connect.Request[T] {
	req := connect.NewRequest(msg)
	req.Header().Set("Authorization", "Bearer "+token)
	return req
}

// verdict names whether a target was reached, for a report's notes.
func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "missed"
}
