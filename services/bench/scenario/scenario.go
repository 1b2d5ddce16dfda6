// Package scenario holds the mall's benchmarks behind `mall bench`: each
// starts the system in this process on loopback as `mall dev` runs it
// (databases and Valkey keys of its own), adds the comparison servers it
// measures against (a no-op answering the recorded home page, the naive
// MySQL sale), drives its phases with package bench (wrk for home and
// seckill, each phase beside its ceiling, the seckill writers' comparison
// timed in process; the Go client for search and checkout), checks its
// invariants and prints the report.
package scenario

import (
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"connectrpc.com/connect"

	"mall/services/bench"
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

// GeneratorOptions are the flags of the benchmarks driven by wrk.
type GeneratorOptions struct {
	Wrk         string // the wrk binary; found on PATH when empty
	Threads     int
	Connections int
	Duration    time.Duration // of each phase, and of each ceiling
}

// generator is the wrk runner of these options, or an error saying how
// to install wrk when it is missing.
func (o GeneratorOptions) generator() (bench.Generator, error) {
	if o.Threads < 1 || o.Connections < o.Threads || o.Duration < time.Second {
		return bench.Generator{}, fmt.Errorf("bench: --threads must be positive, --concurrency at least --threads and --duration at least 1s")
	}
	binary, err := bench.FindWrk(o.Wrk)
	if err != nil {
		return bench.Generator{}, err
	}
	return bench.Generator{Binary: binary, Threads: o.Threads, Connections: o.Connections, Duration: o.Duration}, nil
}

// generatorSetup describes the generator's settings for a report.
func generatorSetup(g bench.Generator) string {
	return fmt.Sprintf("load from wrk (%s), a separate process: %d threads, %d connections over HTTP/1.1 keep-alive, %v per phase and per ceiling; each ceiling is measured with the phase's settings and Lua rotation (generator-bound: ceiling under 2x the phase)",
		g.Binary, g.Threads, g.Connections, g.Duration)
}

// checkOutcomes checks what the server counted during a phase (outcomes,
// from its metrics) against what wrk saw (s): every answer wrk saw was the
// outcome want (refused: want is answered with an error status), and the
// server counted want at least once per answer. Requests still in flight
// when wrk stopped (at most one per connection) are counted by the server
// but not by wrk, and are cut off when wrk closes their connection: they
// may end in other outcomes (an error, a cancelled lookup), up to that
// many. verified says what the counts show, for the report.
func checkOutcomes(s bench.Summary, outcomes bench.Counts, want string, refused bool, connections int) (verified string, err error) {
	got := int64(outcomes[want])
	others := maps.Clone(outcomes)
	delete(others, want)
	unseen := int64(outcomes.Total()) - s.Requests
	wantNonOK := int64(0)
	if refused {
		wantNonOK = s.Requests
	}
	verified = fmt.Sprintf("%s: %s %d of %d answered", s.Name, strings.ReplaceAll(want, "_", " "), got, s.Requests)
	if len(others) > 0 {
		verified += fmt.Sprintf("; of %d requests cut off when wrk stopped:%s", unseen, countsText(others))
	}
	switch {
	case s.Requests == 0:
		return verified, fmt.Errorf("%s: nothing answered", s.Name)
	case s.NonOK != wantNonOK:
		return verified, fmt.Errorf("%s: %d answers not 2xx of %d, want %d", s.Name, s.NonOK, s.Requests, wantNonOK)
	case got < s.Requests:
		return verified, fmt.Errorf("%s: the server counted %d %s for %d answers", s.Name, got, want, s.Requests)
	case int64(others.Total()) > unseen || unseen > int64(connections):
		return verified, fmt.Errorf("%s: the server counted outcomes other than %s:%s (%d requests unanswered when wrk stopped, at most %d in flight)",
			s.Name, want, countsText(others), unseen, connections)
	}
	return verified, nil
}

// countsText lists counts by label, sorted by label.
func countsText(counts bench.Counts) string {
	var text string
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		text += fmt.Sprintf(" %s %.0f;", k, counts[k])
	}
	return text
}
