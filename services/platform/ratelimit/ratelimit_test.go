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
