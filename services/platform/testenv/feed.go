package testenv

import (
	"context"
	"testing"
	"time"

	"mall/services/platform/feed"
)

// Feed runs a change feed on a channel of the test's own (opts.Channel is
// replaced) until the test ends, and returns it once its subscription
// stands: a hint published after Feed returns reaches its watchers.
func Feed(t testing.TB, opts feed.Options) *feed.Feed {
	t.Helper()
	client := Redis(t)
	opts.Channel = "test:" + RandomID(6) + ":feed"
	changes := feed.New(client, Logger(), opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = changes.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	Eventually(t, 10*time.Second, "the feed's subscription", func() bool {
		reply, err := client.Do(ctx, client.B().PubsubNumsub().Channel(opts.Channel).Build()).ToArray()
		if err != nil || len(reply) != 2 {
			t.Fatalf("PUBSUB NUMSUB %s: %v %v", opts.Channel, reply, err)
		}
		n, err := reply[1].AsInt64()
		return err == nil && n > 0
	})
	return changes
}
