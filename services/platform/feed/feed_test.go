package feed_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"mall/services/platform/feed"
	"mall/services/platform/testenv"
)

// When the subscription's connection is killed, the feed wakes its
// watchers (hints may have been lost) and subscribes again: a hint
// published after that reaches them, with no timer's help.
func TestFeedResubscribesAfterItsConnectionIsKilled(t *testing.T) {
	changes := testenv.Feed(t, feed.Options{Recheck: time.Hour, Retry: 10 * time.Millisecond})
	reads := &atomic.Int64{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- changes.Follow(ctx, "u-1", "order:o-1", func(context.Context, []byte) (bool, error) {
			reads.Add(1)
			return false, nil
		})
	}()
	defer func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("the stream ended with %v, want canceled", err)
		}
	}()
	testenv.Eventually(t, 10*time.Second, "the first read", func() bool { return reads.Load() == 1 && changes.Watchers() == 1 })

	killed := testenv.KillConnectionNamed(t, changes.ConnectionName())
	testenv.Eventually(t, 10*time.Second, "the watcher woken by the break", func() bool { return reads.Load() == 2 })
	// A new connection by that name is the new subscription.
	testenv.Eventually(t, 10*time.Second, "the subscription again", func() bool {
		return testenv.HasConnectionNamed(t, changes.ConnectionName(), killed)
	})
	testenv.Eventually(t, 10*time.Second, "a hint after the break", func() bool {
		changes.Publish(context.Background(), "order:o-1")
		return reads.Load() >= 3
	})
}

// A hint published with its state hands that state to the watchers of its
// key it wakes; a bare hint hands them none (what an earlier hint carried
// may be older than the change it announces), and neither wakes the
// watchers of another key.
func TestAHintCarriesItsStateToTheWatchersItWakes(t *testing.T) {
	changes := testenv.Feed(t, feed.Options{Recheck: time.Hour, FreshFor: 10 * time.Millisecond})
	type step struct{ state []byte }
	steps := make(chan step, 16)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- changes.Follow(ctx, "u-1", "purchase:t-1", func(_ context.Context, state []byte) (bool, error) {
			steps <- step{state}
			return string(state) == "final", nil
		})
	}()
	next := func(what string) step {
		t.Helper()
		select {
		case s := <-steps:
			return s
		case <-time.After(10 * time.Second):
			t.Fatalf("no step: %s", what)
			return step{}
		}
	}
	if first := next("the first read"); first.state != nil {
		t.Fatalf("the first step had state %q, want none", first.state)
	}
	// Standing for FreshFor with no hint of a key: the subscription stands.
	testenv.Eventually(t, 10*time.Second, "the subscription", func() bool { return changes.UnchangedLately("purchase:never") })

	changes.PublishStates(context.Background(), feed.State{Key: "purchase:t-2", Value: []byte("someone else's")},
		feed.State{Key: "purchase:t-1", Value: []byte("queued\twith\nodd bytes")})
	if s := next("the state's hint"); string(s.state) != "queued\twith\nodd bytes" {
		t.Fatalf("the step got state %q, want the published one", s.state)
	}
	changes.Publish(context.Background(), "purchase:t-1")
	if s := next("the bare hint"); s.state != nil {
		t.Fatalf("a bare hint's step got state %q, want none", s.state)
	}
	changes.PublishStates(context.Background(), feed.State{Key: "purchase:t-1", Value: []byte("final")})
	if s := next("the final state"); string(s.state) != "final" {
		t.Fatalf("the step got state %q, want final", s.state)
	}
	if err := <-done; err != nil {
		t.Fatalf("the stream ended with %v, want its final step", err)
	}
	cancel()
	select {
	case s := <-steps:
		t.Fatalf("a step after the final one, with state %q (another key's hint woke it?)", s.state)
	default:
	}
}
