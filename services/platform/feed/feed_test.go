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
		done <- changes.Follow(ctx, "u-1", "order:o-1", func(context.Context) (bool, error) {
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
