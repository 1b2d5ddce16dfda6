// Package feed wakes this process's streaming RPCs when what they watch may
// have changed. A change is published as a hint (a string key, e.g. an
// order id) on one Valkey pub/sub channel after the writer's commit; every
// serving process holds one subscription to it and wakes its own watchers
// of that key, which then re-read the truth from their database. A hint can
// be lost (Valkey restarting, the subscription reconnecting), so a watcher
// also re-reads on a slow timer: a lost hint only delays. A hint may carry
// the state its writer committed (PublishStates): the watcher it wakes may
// use it instead of a read. The package knows no domain.
package feed

import (
	"context"
	"encoding/base64"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/valkey-io/valkey-go"

	"mall/services/platform/cache"
	"mall/services/platform/rpcerr"
)

// Reasons of the refused streams: the owner (or the process) holds too
// many; the server has no feed (the client polls instead).
const (
	ReasonTooManyStreams       = "TOO_MANY_STREAMS"
	ReasonStreamingUnavailable = "STREAMING_UNAVAILABLE"
)

// Options tune a Feed.
type Options struct {
	// Channel is the pub/sub channel of the hints (under the key prefix).
	Channel string
	// MaxPerOwner bounds one owner's open streams in this process;
	// MaxWatchers bounds them all.
	MaxPerOwner, MaxWatchers int
	// Recheck is how often a watcher re-reads without a hint.
	Recheck time.Duration
	// MaxLifetime ends a stream cleanly after this long; the client calls
	// again (a proxy or a load balancer would cut it some time anyway, and
	// a new call lands on whichever process serves now).
	MaxLifetime time.Duration
	// Retry is the pause before resubscribing after the subscription broke.
	Retry time.Duration
	// FreshFor is how long the feed remembers the keys it was hinted: a
	// client whose version is younger than that is current unless a hint
	// came meanwhile (see Stream's fresh), so its stream needs no first
	// read.
	FreshFor time.Duration
}

// DefaultOptions are the production settings, hints on channel.
func DefaultOptions(channel string) Options {
	return Options{Channel: channel, MaxPerOwner: 4, MaxWatchers: 50000, Recheck: 12 * time.Second,
		MaxLifetime: 5 * time.Minute, Retry: time.Second, FreshFor: 10 * time.Second}
}

// keysPerMessage bounds the keys one published message carries (a batch of
// results is published in a few messages, not one per key).
const keysPerMessage = 256

// Feed fans the hints out to this process's watchers, by key.
type Feed struct {
	client valkey.Client
	logger *slog.Logger
	opts   Options

	mu       sync.Mutex
	watchers map[string]map[*watcher]struct{} // key -> its watchers
	owners   map[string]int                   // owner -> open streams
	count    int
	// The keys hinted lately, in two generations of FreshFor each (so
	// together at least the last FreshFor), and since when the
	// subscription has stood without a break (zero: it does not stand).
	hinted, hintedBefore map[string]struct{}
	hintedSince          time.Time
	subscribedAt         time.Time
	// stopping is closed when Run ends: the open streams end cleanly (the
	// server is shutting down; their clients call again elsewhere).
	stopping chan struct{}
	stopOnce sync.Once
}

// watcher is one open stream; wake holds at most one pending hint, so a
// burst of hints costs a slow watcher one re-read, not a queue. state is
// what the last hint carried (nil: a bare hint, a timer or a resubscribe),
// guarded by the feed's mu.
type watcher struct {
	wake  chan struct{}
	state []byte
}

// New returns a feed over client; Run holds its subscription.
func New(client valkey.Client, logger *slog.Logger, opts Options) *Feed {
	defaults := DefaultOptions(opts.Channel)
	if opts.MaxPerOwner <= 0 {
		opts.MaxPerOwner = defaults.MaxPerOwner
	}
	if opts.MaxWatchers <= 0 {
		opts.MaxWatchers = defaults.MaxWatchers
	}
	if opts.Recheck <= 0 {
		opts.Recheck = defaults.Recheck
	}
	if opts.MaxLifetime <= 0 {
		opts.MaxLifetime = defaults.MaxLifetime
	}
	if opts.Retry <= 0 {
		opts.Retry = defaults.Retry
	}
	if opts.FreshFor <= 0 {
		opts.FreshFor = defaults.FreshFor
	}
	return &Feed{client: client, logger: logger, opts: opts,
		watchers: map[string]map[*watcher]struct{}{}, owners: map[string]int{}, stopping: make(chan struct{}),
		hinted: map[string]struct{}{}, hintedBefore: map[string]struct{}{}}
}

// Publish hints that keys changed. Call it after the change is committed;
// a failure is logged, not returned: the watchers' timer catches up. A nil
// feed publishes nothing.
func (f *Feed) Publish(ctx context.Context, keys ...string) {
	if f == nil {
		return
	}
	f.publish(ctx, keys)
}

// State is a hint that carries what its writer committed under Key.
type State struct {
	Key   string
	Value []byte
}

// PublishStates hints that each state's key changed, handing its watchers
// the value (as Publish, after the commit). A watcher woken by such a hint
// gets the value in its step; one whose last wake-up was not such a hint
// gets nil and reads.
func (f *Feed) PublishStates(ctx context.Context, states ...State) {
	if f == nil {
		return
	}
	lines := make([]string, len(states))
	for i, st := range states {
		lines[i] = st.Key + string(stateSeparator) + base64.RawStdEncoding.EncodeToString(st.Value)
	}
	f.publish(ctx, lines)
}

// stateSeparator ends a hint's key where a state follows it (keys are the
// domains' ids and prefixes: no tab, no newline).
const stateSeparator = '\t'

// publish sends hint lines, keysPerMessage to a message.
func (f *Feed) publish(ctx context.Context, lines []string) {
	for len(lines) > 0 {
		n := min(len(lines), keysPerMessage)
		message := strings.Join(lines[:n], "\n")
		lines = lines[n:]
		cmd := f.client.B().Publish().Channel(f.opts.Channel).Message(message).Build()
		if err := f.client.Do(context.WithoutCancel(ctx), cmd).Error(); err != nil {
			hintsPublishFailed.Inc()
			f.logger.WarnContext(ctx, "publish change hint", "channel", f.opts.Channel, "err", err)
		}
	}
}

// parseHint splits a hint line into its key and the state it carries (nil:
// none, or one that does not decode, which then costs its watchers a read).
func parseHint(line string) (string, []byte) {
	key, encoded, ok := strings.Cut(line, string(stateSeparator))
	if !ok {
		return key, nil
	}
	state, err := base64.RawStdEncoding.DecodeString(encoded)
	if err != nil {
		return key, nil
	}
	return key, state
}

// Run holds the process's subscription until ctx ends, resubscribing on a
// dedicated connection whenever it breaks; then it ends the open streams.
// Once the subscription stands again, every watcher re-reads: hints
// published while there was none are lost.
func (f *Feed) Run(ctx context.Context) error {
	defer f.stopOnce.Do(func() { close(f.stopping) })
	return cache.Subscription{
		Channel: f.opts.Channel,
		Name:    f.ConnectionName(),
		Retry:   f.opts.Retry,
		OnMessage: func(message string) {
			for line := range strings.SplitSeq(message, "\n") {
				f.wake(parseHint(line))
			}
		},
		OnStanding: func() {
			f.setSubscribed(true)
			f.wakeAll()
		},
		OnEnd: func() { f.setSubscribed(false) },
		OnBreak: func(err error) {
			subscriptionBreaks.Inc()
			f.logger.WarnContext(ctx, "change hints subscription broke; resubscribing", "channel", f.opts.Channel, "err", err)
		},
	}.Hold(ctx, f.client)
}

// ConnectionName is the client name of the subscription's connection.
func (f *Feed) ConnectionName() string { return "mall-feed:" + f.opts.Channel }

// Watchers is the number of open streams in this process.
func (f *Feed) Watchers() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.count
}

// Follow serves one stream of owner watching key: step reads the truth and
// sends it if the client lacks it, and says whether the stream is over
// (a final state was sent); it is given the state the hint that woke it
// carried, or nil (the first step, the timer, a bare hint: read). Follow
// runs step at once, then on every hint of key, on the recheck timer,
// until step is final or fails, the client goes away, the stream's
// lifetime is up or the feed stops. Too many
// streams of owner (or of the process) are refused with resource_exhausted
// before step runs. A nil feed refuses every stream as unavailable.
func (f *Feed) Follow(ctx context.Context, owner, key string, step func(ctx context.Context, state []byte) (bool, error)) error {
	if f == nil {
		return rpcerr.New(connect.CodeUnavailable, ReasonStreamingUnavailable, "streaming is unavailable here; ask again instead")
	}
	// Registered before the first read: a change committed after that read
	// has its hint delivered to this watcher.
	w, err := f.add(owner, key)
	if err != nil {
		return err
	}
	defer f.remove(owner, key, w)
	// Each stream's timer runs 0.75–1.25 of Recheck, so the streams a
	// sale opened together do not all re-read their database at once.
	recheck := time.NewTicker(f.opts.Recheck*3/4 + rand.N(f.opts.Recheck/2+1))
	defer recheck.Stop()
	lifetime := time.NewTimer(f.opts.MaxLifetime)
	defer lifetime.Stop()
	var state []byte
	for {
		final, err := step(ctx, state)
		if err != nil || final {
			return err
		}
		state = nil
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-lifetime.C:
			return nil
		case <-f.stopping:
			return nil
		case <-w.wake:
			state = f.takeState(w)
		case <-recheck.C:
		}
	}
}

// takeState hands over (and forgets) the state w's last hint carried.
func (f *Feed) takeState(w *watcher) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	state := w.state
	w.state = nil
	return state
}

// Stream serves a server stream with Follow: read returns what the client
// should hold now, a version naming it, and whether it is final, given the
// state a hint carried (nil: read the truth). A message is sent only when
// its version differs from the last one sent (at first: since, the
// version the client says it holds); when the first read has
// nothing new to send, the response headers go out alone, so the client
// (which waits for them) knows the stream stands. fresh says the client
// got since moments ago (under Options.FreshFor): when no hint of key came
// since then, nothing can have changed unseen, and the first read is
// skipped (the headers go out alone).
func Stream[Res any](ctx context.Context, f *Feed, owner, key, since string, fresh bool, stream *connect.ServerStream[Res],
	read func(ctx context.Context, state []byte) (*Res, string, bool, error)) error {
	sent, first := since, true
	return f.Follow(ctx, owner, key, func(ctx context.Context, state []byte) (bool, error) {
		if first && fresh && since != "" && f.UnchangedLately(key) {
			first = false
			firstReadsSkipped.Inc()
			return false, stream.Send(nil)
		}
		msg, version, final, err := read(ctx, state)
		if err != nil {
			return false, err
		}
		switch {
		case version != sent:
			if err := stream.Send(msg); err != nil {
				return false, err
			}
			sent = version
		case first && !final:
			if err := stream.Send(nil); err != nil {
				return false, err
			}
		}
		first = false
		return final, nil
	})
}

// UnchangedLately reports whether key cannot have changed in the last
// FreshFor without this process hearing of it: the subscription has stood
// all that time and brought no hint of key. A hint lost on the way (its
// publisher failing after the commit) is what the recheck timer is for.
func (f *Feed) UnchangedLately(key string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.unchangedAt(key, time.Now())
}

func (f *Feed) unchangedAt(key string, now time.Time) bool {
	f.rotateHinted(now)
	if f.subscribedAt.IsZero() || now.Sub(f.subscribedAt) < f.opts.FreshFor {
		return false
	}
	_, recent := f.hinted[key]
	_, before := f.hintedBefore[key]
	return !recent && !before
}

// rotateHinted starts a new generation of hinted keys once the current one
// is FreshFor old, dropping the one before it. Call with mu held.
func (f *Feed) rotateHinted(now time.Time) {
	switch age := now.Sub(f.hintedSince); {
	case age >= 2*f.opts.FreshFor:
		// No hint came in the last FreshFor (a hint rotates first).
		clear(f.hinted)
		clear(f.hintedBefore)
		f.hintedSince = now
	case age >= f.opts.FreshFor:
		f.hinted, f.hintedBefore = f.hintedBefore, f.hinted
		clear(f.hinted)
		f.hintedSince = f.hintedSince.Add(f.opts.FreshFor)
	}
}

// noteHint remembers that key was hinted at now. Call with mu held.
func (f *Feed) noteHint(key string, now time.Time) {
	f.rotateHinted(now)
	f.hinted[key] = struct{}{}
}

// setSubscribed records the subscription standing from now, or broken.
func (f *Feed) setSubscribed(standing bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.subscribedAt = time.Time{}
	if standing {
		f.subscribedAt = time.Now()
	}
}

func (f *Feed) add(owner, key string) (*watcher, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.owners[owner] >= f.opts.MaxPerOwner {
		streamsRefused.Inc()
		return nil, rpcerr.New(connect.CodeResourceExhausted, ReasonTooManyStreams, "too many open streams; close one first")
	}
	if f.count >= f.opts.MaxWatchers {
		streamsRefused.Inc()
		return nil, rpcerr.New(connect.CodeResourceExhausted, ReasonTooManyStreams, "too many open streams on this server; try again shortly")
	}
	w := &watcher{wake: make(chan struct{}, 1)}
	if f.watchers[key] == nil {
		f.watchers[key] = map[*watcher]struct{}{}
	}
	f.watchers[key][w] = struct{}{}
	f.owners[owner]++
	f.count++
	openStreams.Inc()
	return w, nil
}

func (f *Feed) remove(owner, key string, w *watcher) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.watchers[key], w)
	if len(f.watchers[key]) == 0 {
		delete(f.watchers, key)
	}
	if f.owners[owner]--; f.owners[owner] <= 0 {
		delete(f.owners, owner)
	}
	f.count--
	openStreams.Dec()
}

// wake signals key's watchers, leaving each the state the hint carried
// (a bare hint leaves none: what an earlier one carried may be older).
func (f *Feed) wake(key string, state []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.noteHint(key, time.Now())
	for w := range f.watchers[key] {
		w.state = state
		w.signal()
	}
}

func (f *Feed) wakeAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, watchers := range f.watchers {
		for w := range watchers {
			w.state = nil
			w.signal()
		}
	}
}

// signal leaves a hint unless one is pending already.
func (w *watcher) signal() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

var (
	openStreams = promauto.NewGauge(prometheus.GaugeOpts{
		Name: "mall_feed_open_streams",
		Help: "Streaming RPCs open in this process, waiting for changes.",
	})
	firstReadsSkipped = promauto.NewCounter(prometheus.CounterOpts{
		Name: "mall_feed_first_reads_skipped_total",
		Help: "Streams opened by a client holding a fresh version with no hint since, so not read at once.",
	})
	streamsRefused = promauto.NewCounter(prometheus.CounterOpts{
		Name: "mall_feed_streams_refused_total",
		Help: "Streams refused for too many open streams of their owner or the process.",
	})
	hintsPublishFailed = promauto.NewCounter(prometheus.CounterOpts{
		Name: "mall_feed_publish_failures_total",
		Help: "Change hints that could not be published (watchers catch up on their timer).",
	})
	subscriptionBreaks = promauto.NewCounter(prometheus.CounterOpts{
		Name: "mall_feed_subscription_breaks_total",
		Help: "Times the change hints subscription broke and was resubscribed.",
	})
)
