package ratelimit

import (
	"context"
	"testing"
	"time"

	"mall/services/platform/testenv"
)

// On a clock the test moves: the burst passes, the next attempt waits
// exactly one interval (Period/Burst), each interval readmits one, and a
// whole period readmits the whole burst. The period is far longer than the
// test runs, so Valkey's real-time expiry of the key plays no part.
func TestLimitRefusesPastTheBurstAndRecoversOnItsClock(t *testing.T) {
	clock := testenv.NewClock()
	limiter := New(testenv.Redis(t), "test:rl:"+testenv.RandomID(4)+":")
	limiter.Now = clock.Now
	limit := Limit{Burst: 5, Period: time.Hour}
	interval := limit.Period / time.Duration(limit.Burst)
	ctx := context.Background()
	allow := func(key string) time.Duration {
		t.Helper()
		wait, err := limiter.Allow(ctx, key, limit)
		if err != nil {
			t.Fatal(err)
		}
		return wait
	}
	burst := func(when string) {
		t.Helper()
		for i := range limit.Burst {
			if wait := allow("alice"); wait != 0 {
				t.Fatalf("%s, attempt %d refused (wait %v)", when, i+1, wait)
			}
		}
	}

	burst("at first")
	if wait := allow("alice"); wait != interval {
		t.Fatalf("past the burst: wait %v, want one interval (%v)", wait, interval)
	}
	if wait := allow("bob"); wait != 0 {
		t.Fatal("another key was limited too")
	}

	clock.Advance(interval - time.Millisecond)
	if wait := allow("alice"); wait != time.Millisecond {
		t.Fatalf("a millisecond before the interval: wait %v, want 1ms", wait)
	}
	clock.Advance(time.Millisecond)
	if wait := allow("alice"); wait != 0 {
		t.Fatalf("after one interval: refused (wait %v)", wait)
	}
	if wait := allow("alice"); wait != interval {
		t.Fatalf("one interval readmits one: wait %v, want %v", wait, interval)
	}

	clock.Advance(limit.Period)
	burst("after a whole period")
	if wait := allow("alice"); wait != interval {
		t.Fatalf("past the new burst: wait %v, want %v", wait, interval)
	}
}

// Without a clock of its own the limiter counts on Valkey's (production):
// the burst passes, and the next attempt is refused with a hint no longer
// than one interval.
func TestLimitOnTheServersClock(t *testing.T) {
	limiter := New(testenv.Redis(t), "test:rl:"+testenv.RandomID(4)+":")
	limit := Limit{Burst: 5, Period: time.Hour}
	ctx := context.Background()
	for i := range limit.Burst {
		if wait, err := limiter.Allow(ctx, "alice", limit); err != nil || wait != 0 {
			t.Fatalf("attempt %d refused: %v %v", i+1, wait, err)
		}
	}
	wait, err := limiter.Allow(ctx, "alice", limit)
	if err != nil {
		t.Fatal(err)
	}
	if interval := limit.Period / time.Duration(limit.Burst); wait <= 0 || wait > interval {
		t.Fatalf("sixth attempt: wait %v, want a hint in (0, %v]", wait, interval)
	}
}

func TestLimitParsesAsAFlag(t *testing.T) {
	var l Limit
	if err := l.Set("5/1m"); err != nil || l.Burst != 5 || l.Period != time.Minute {
		t.Fatalf("5/1m: %+v %v", l, err)
	}
	var again Limit
	if err := again.Set(l.String()); err != nil || again != l {
		t.Fatalf("%q does not parse back: %+v %v", l.String(), again, err)
	}
	for _, bad := range []string{"", "5", "0/1m", "-1/1m", "x/1m", "5/soon", "5/0s", "5/-1m"} {
		if err := new(Limit).Set(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
