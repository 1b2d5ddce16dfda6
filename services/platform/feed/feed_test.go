package feed_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
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

	client := testenv.Redis(t)
	list, err := client.Do(context.Background(), client.B().ClientList().Build()).ToString()
	if err != nil {
		t.Fatal(err)
	}
	var id string
	for line := range strings.SplitSeq(list, "\n") {
		if strings.Contains(line, " name="+changes.ConnectionName()+" ") {
			id = strings.TrimPrefix(strings.Fields(line)[0], "id=")
		}
	}
	if id == "" {
		t.Fatalf("no connection named %s", changes.ConnectionName())
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Do(context.Background(), client.B().ClientKill().Id(n).Build()).Error(); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 10*time.Second, "the watcher woken by the break", func() bool { return reads.Load() == 2 })
	// A new connection by that name is the new subscription.
	testenv.Eventually(t, 10*time.Second, "the subscription again", func() bool {
		list, err := client.Do(context.Background(), client.B().ClientList().Build()).ToString()
		return err == nil && strings.Contains(list, " name="+changes.ConnectionName()+" ") && !strings.Contains(list, "id="+id+" ")
	})
	testenv.Eventually(t, 10*time.Second, "a hint after the break", func() bool {
		changes.Publish(context.Background(), "order:o-1")
		return reads.Load() >= 3
	})
}
