package testenv

import (
	"testing"
	"time"
)

// Eventually polls cond until it holds and fails the test, naming what it
// waited for, when it still does not after within. The polls start a few
// milliseconds apart and slow to 100 ms, so a condition that holds at once
// costs nothing and a long wait does not spin.
func Eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	if !Poll(within, cond) {
		t.Fatalf("still waiting after %v: %s", within, what)
	}
}

// Poll polls cond as Eventually does and reports whether it held within
// the time. It is for a goroutine the test started, which must not call
// t.Fatal: the caller reports the failure its own way.
func Poll(within time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	pause := 2 * time.Millisecond
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(pause)
		pause = min(2*pause, 100*time.Millisecond)
	}
	return true
}

// Integration marks a test that runs against the local servers (MariaDB,
// Redis, a Temporal dev server, the mall binary). `go test -short`, the fast
// tier `make test` runs first, leaves it for the full run; every helper here
// that reaches a server calls it, so a test using one needs no mark of its own.
func Integration(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: runs in the full tier (without -short)")
	}
}
