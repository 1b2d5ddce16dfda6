package testenv

import (
	"fmt"
	"testing"
	"time"
)

func TestPollReportsWhetherTheConditionHeld(t *testing.T) {
	calls := 0
	if !Poll(time.Minute, func() bool { calls++; return calls == 3 }) || calls != 3 {
		t.Fatalf("a condition that holds on the third poll: %d polls", calls)
	}
	if Poll(10*time.Millisecond, func() bool { return false }) {
		t.Fatal("a condition that never holds was reported as held")
	}
}

// fatalRecorder stands in for the test Eventually fails.
type fatalRecorder struct {
	testing.TB
	fatal string
}

func (r *fatalRecorder) Helper() {}

func (r *fatalRecorder) Fatalf(format string, args ...any) { r.fatal = fmt.Sprintf(format, args...) }

func TestEventuallyFailsNamingWhatItWaitedFor(t *testing.T) {
	r := &fatalRecorder{TB: t}
	calls := 0
	Eventually(r, time.Minute, "the third poll", func() bool { calls++; return calls == 3 })
	if r.fatal != "" {
		t.Fatalf("a condition that held failed the test: %s", r.fatal)
	}
	Eventually(r, 10*time.Millisecond, "the order paid", func() bool { return false })
	if want := "still waiting after 10ms: the order paid"; r.fatal != want {
		t.Fatalf("failure %q, want %q", r.fatal, want)
	}
}
