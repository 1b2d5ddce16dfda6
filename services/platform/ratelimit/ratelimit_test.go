package ratelimit

import (
	"context"
	"testing"
	"time"

	"mall/services/platform/testenv"
)

func TestLimitRefusesPastTheBurstAndRecoversAfterTheWindow(t *testing.T) {
	limiter := New(testenv.Redis(t), "test:rl:"+testenv.RandomID(4)+":")
	limit := Limit{Burst: 5, Period: 500 * time.Millisecond}
	ctx := context.Background()
	for i := range 5 {
		if wait, err := limiter.Allow(ctx, "alice", limit); err != nil || wait != 0 {
			t.Fatalf("attempt %d refused: %v %v", i+1, wait, err)
		}
	}
	wait, err := limiter.Allow(ctx, "alice", limit)
	if err != nil {
		t.Fatal(err)
	}
	if wait <= 0 || wait > limit.Period {
		t.Fatalf("sixth attempt: wait %v, want a hint in (0, %v]", wait, limit.Period)
	}
	if wait, _ := limiter.Allow(ctx, "bob", limit); wait != 0 {
		t.Fatal("another key was limited too")
	}
	time.Sleep(limit.Period + 50*time.Millisecond)
	for i := range 5 {
		if wait, err := limiter.Allow(ctx, "alice", limit); err != nil || wait != 0 {
			t.Fatalf("after the window, attempt %d refused: %v %v", i+1, wait, err)
		}
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
