package cache

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/valkey-io/valkey-go"
	"golang.org/x/sync/singleflight"
)

// ErrNotFound is returned for keys whose loader found nothing; the absence
// itself is cached for a short time, so unknown ids do not reach the database.
var ErrNotFound = errors.New("not found")

// negative is the stored form of "the loader found nothing".
const negative = "\x00nf"

// Loader reads the value of one key from the source of truth.
type Loader func(ctx context.Context) (value []byte, found bool, err error)

// BatchLoader reads the values of many keys at once; keys it does not
// return are absent.
type BatchLoader func(ctx context.Context, keys []string) (map[string][]byte, error)

// AsideOptions tune an Aside cache.
type AsideOptions struct {
	TTL         time.Duration // base lifetime of a value in Valkey
	NegativeTTL time.Duration // lifetime of a cached absence
	Jitter      float64       // TTLs are stretched by a random 0..Jitter fraction
	LocalTTL    time.Duration // lifetime in the client-side cache (0: no client-side caching)
	// Name labels the cache's metrics (mall_cache_lookups_total{cache=...}).
	Name string
}

// Stats count what an Aside cache did, for tests, benchmarks and metrics.
type Stats struct {
	LocalHits  atomic.Int64 // answered from the client-side cache
	RemoteHits atomic.Int64 // answered by Valkey
	Loads      atomic.Int64 // loader calls (database reads)
}

// Aside is a cache-aside layer over Valkey with the usual defences:
//   - client-side caching (RESP3 tracking through DoCache) for hot keys;
//   - singleflight, so N concurrent misses of a key cause one load (breakdown);
//   - cached negatives, so unknown keys do not reach the loader (penetration);
//   - jittered TTLs, so keys written together do not expire together (avalanche);
//   - a generation guard against the stale-refill race: Invalidate bumps the
//     key's generation, and a fill started before it is refused, so an update
//     is visible to the next read.
type Aside struct {
	client  valkey.Client
	opts    AsideOptions
	group   singleflight.Group
	Stats   Stats
	metrics asideMetrics

	// invalidated holds the keys this process invalidated in the last
	// invalidationGrace (key -> until when): their client-side copies may
	// outlive the write by the moment Valkey's invalidation message takes,
	// so reads skip them, and a writer reads its own write at once.
	invalidated sync.Map
}

const invalidationGrace = 2 * time.Second

// fresh reports whether key's client-side copy can be trusted.
func (a *Aside) fresh(key string) bool {
	until, ok := a.invalidated.Load(key)
	if !ok {
		return true
	}
	if time.Now().After(until.(time.Time)) {
		a.invalidated.Delete(key)
		return true
	}
	return false
}

// NewAside returns a cache over client.
func NewAside(client valkey.Client, opts AsideOptions) *Aside {
	return &Aside{client: client, opts: opts, metrics: newAsideMetrics(opts.Name)}
}

// generationKey is where key's generation is counted: in key's cluster
// slot, so the fill and invalidate scripts can use both.
func generationKey(key string) string { return companionKey(key, ":gen") }

// ttl returns base stretched by the jitter.
func (a *Aside) ttl(base time.Duration) time.Duration {
	if a.opts.Jitter <= 0 {
		return base
	}
	return base + time.Duration(rand.Float64()*a.opts.Jitter*float64(base))
}

// fillScript stores a value only if the key's generation is still the one
// read before loading it: an invalidation in between wins.
var fillScript = valkey.NewLuaScript(`
local gen = redis.call('GET', KEYS[2]) or ''
if gen ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`)

// invalidateScript bumps the generation and drops the value atomically. The
// generation outlives any load in flight. KEYS: the value, its generation.
var invalidateScript = valkey.NewLuaScript(`
redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[1])
return 1`)

const generationTTL = time.Hour

func (a *Aside) lookup(ctx context.Context, key string) (valkey.ValkeyResult, bool) {
	if a.opts.LocalTTL > 0 && a.fresh(key) {
		res := a.client.DoCache(ctx, a.client.B().Get().Key(key).Cache(), a.opts.LocalTTL)
		return res, res.IsCacheHit()
	}
	return a.client.Do(ctx, a.client.B().Get().Key(key).Build()), false
}

// Get returns the value of key, loading and caching it on a miss.
func (a *Aside) Get(ctx context.Context, key string, load Loader) ([]byte, error) {
	res, local := a.lookup(ctx, key)
	value, err := res.AsBytes()
	switch {
	case err == nil:
		a.countHit(local)
		if string(value) == negative {
			return nil, ErrNotFound
		}
		return value, nil
	case !valkey.IsValkeyNil(err):
		return nil, err
	}
	loaded, err, _ := a.group.Do(key, func() (any, error) {
		// A load must not be cut short because its first caller gave up:
		// the others share it.
		loadCtx := context.WithoutCancel(ctx)
		// The client-side cache may still hold the miss after another fill;
		// ask Valkey itself before going to the source.
		if value, err := a.client.Do(loadCtx, a.client.B().Get().Key(key).Build()).AsBytes(); err == nil {
			a.countHit(false)
			if string(value) == negative {
				return nil, ErrNotFound
			}
			return value, nil
		} else if !valkey.IsValkeyNil(err) {
			return nil, err
		}
		generation, err := a.generation(loadCtx, key)
		if err != nil {
			return nil, err
		}
		a.Stats.Loads.Add(1)
		a.metrics.misses.Inc()
		value, found, err := load(loadCtx)
		if err != nil {
			return nil, err
		}
		stored, ttl := value, a.ttl(a.opts.TTL)
		if !found {
			stored, ttl = []byte(negative), a.ttl(a.opts.NegativeTTL)
		}
		if err := a.fill(loadCtx, key, generation, stored, ttl); err != nil {
			return nil, err
		}
		if !found {
			return nil, ErrNotFound
		}
		return value, nil
	})
	if err != nil {
		return nil, err
	}
	return loaded.([]byte), nil
}

// Peek returns the cached value of key without loading it on a miss
// (found is false then, as for a cached absence): for a process that reads
// a cache another service fills and invalidates.
func (a *Aside) Peek(ctx context.Context, key string) (value []byte, found bool, err error) {
	res, local := a.lookup(ctx, key)
	value, err = res.AsBytes()
	if local && valkey.IsValkeyNil(err) {
		// A cached miss may predate a fill whose invalidation is still on
		// its way (as in Get): ask Valkey itself.
		res, local = a.client.Do(ctx, a.client.B().Get().Key(key).Build()), false
		value, err = res.AsBytes()
	}
	switch {
	case valkey.IsValkeyNil(err):
		return nil, false, nil
	case err != nil:
		return nil, false, err
	}
	a.countHit(local)
	if string(value) == negative {
		return nil, false, nil
	}
	return value, true, nil
}

// collect puts the values results hold for keys into found (a negative is
// no value) and returns the keys Valkey had nothing for.
func (a *Aside) collect(results []valkey.ValkeyResult, keys []string, found map[string][]byte) ([]string, error) {
	var missing []string
	for i, res := range results {
		value, err := res.AsBytes()
		switch {
		case err == nil:
			a.countHit(res.IsCacheHit())
			if string(value) != negative {
				found[keys[i]] = value
			}
		case valkey.IsValkeyNil(err):
			missing = append(missing, keys[i])
		default:
			return nil, err
		}
	}
	return missing, nil
}

// GetMany returns the values of keys (absent keys are missing from the
// map), reading all hits in one round trip and all misses with one batch load.
func (a *Aside) GetMany(ctx context.Context, keys []string, load BatchLoader) (map[string][]byte, error) {
	found := make(map[string][]byte, len(keys))
	if len(keys) == 0 {
		return found, nil
	}
	var results []valkey.ValkeyResult
	if a.opts.LocalTTL > 0 && !slices.ContainsFunc(keys, func(k string) bool { return !a.fresh(k) }) {
		cmds := make([]valkey.CacheableTTL, len(keys))
		for i, key := range keys {
			cmds[i] = valkey.CT(a.client.B().Get().Key(key).Cache(), a.opts.LocalTTL)
		}
		results = a.client.DoMultiCache(ctx, cmds...)
	} else {
		cmds := make(valkey.Commands, len(keys))
		for i, key := range keys {
			cmds[i] = a.client.B().Get().Key(key).Build()
		}
		results = a.client.DoMulti(ctx, cmds...)
	}
	missing, err := a.collect(results, keys, found)
	if err != nil || len(missing) == 0 {
		return found, err
	}
	// As in Get: client-side misses may be stale, so ask Valkey directly.
	recheck := make(valkey.Commands, len(missing))
	for i, key := range missing {
		recheck[i] = a.client.B().Get().Key(key).Build()
	}
	if missing, err = a.collect(a.client.DoMulti(ctx, recheck...), missing, found); err != nil || len(missing) == 0 {
		return found, err
	}
	generations := make([]string, len(missing))
	for i, key := range missing {
		generation, err := a.generation(ctx, key)
		if err != nil {
			return nil, err
		}
		generations[i] = generation
	}
	a.Stats.Loads.Add(1)
	a.metrics.misses.Add(float64(len(missing)))
	loaded, err := load(ctx, missing)
	if err != nil {
		return nil, err
	}
	for i, key := range missing {
		value, ok := loaded[key]
		stored, ttl := value, a.ttl(a.opts.TTL)
		if !ok {
			stored, ttl = []byte(negative), a.ttl(a.opts.NegativeTTL)
		} else {
			found[key] = value
		}
		if err := a.fill(ctx, key, generations[i], stored, ttl); err != nil {
			return nil, err
		}
	}
	return found, nil
}

func (a *Aside) countHit(local bool) {
	if local {
		a.Stats.LocalHits.Add(1)
		a.metrics.localHits.Inc()
	} else {
		a.Stats.RemoteHits.Add(1)
		a.metrics.remoteHits.Inc()
	}
}

// lookups counts the keys every Aside cache was asked for, by how they
// were answered; the hit ratio of a cache is
// sum(rate(...{result=~".*_hit"})) / sum(rate(...)) for its label.
var lookups = promauto.NewCounterVec(prometheus.CounterOpts{
	Name: "mall_cache_lookups_total",
	Help: "Keys looked up in a cache-aside cache, by cache and result (local_hit, remote_hit, miss: loaded from the source).",
}, []string{"cache", "result"})

type asideMetrics struct{ localHits, remoteHits, misses prometheus.Counter }

func newAsideMetrics(name string) asideMetrics {
	if name == "" {
		name = "unnamed"
	}
	return asideMetrics{
		localHits:  lookups.WithLabelValues(name, "local_hit"),
		remoteHits: lookups.WithLabelValues(name, "remote_hit"),
		misses:     lookups.WithLabelValues(name, "miss"),
	}
}

func (a *Aside) generation(ctx context.Context, key string) (string, error) {
	generation, err := a.client.Do(ctx, a.client.B().Get().Key(generationKey(key)).Build()).ToString()
	if valkey.IsValkeyNil(err) {
		return "", nil
	}
	return generation, err
}

func (a *Aside) fill(ctx context.Context, key, generation string, value []byte, ttl time.Duration) error {
	return fillScript.Exec(ctx, a.client, []string{key, generationKey(key)},
		[]string{generation, string(value), strconv.FormatInt(ttl.Milliseconds(), 10)}).Error()
}

// Invalidate drops keys after their source changed. Call it after the
// change committed; a fill that read the old state before is refused.
func (a *Aside) Invalidate(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	until := time.Now().Add(invalidationGrace)
	for _, key := range keys {
		a.invalidated.Store(key, until)
	}
	// One script per key, sent together: keys of different cluster slots
	// cannot share a script.
	ttl := []string{strconv.FormatInt(generationTTL.Milliseconds(), 10)}
	execs := make([]valkey.LuaExec, len(keys))
	for i, key := range keys {
		execs[i] = valkey.LuaExec{Keys: []string{key, generationKey(key)}, Args: ttl}
	}
	for _, res := range invalidateScript.ExecMulti(ctx, a.client, execs...) {
		if err := res.Error(); err != nil {
			return err
		}
	}
	return nil
}
