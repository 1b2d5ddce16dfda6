package cache_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mall/services/platform/cache"
	"mall/services/platform/testenv"
)

func newAside(t *testing.T, opts cache.AsideOptions) (*cache.Aside, string) {
	t.Helper()
	client := testenv.Redis(t)
	prefix := "test:aside:" + testenv.RandomID(4) + ":"
	return cache.NewAside(client, opts), prefix
}

var defaults = cache.AsideOptions{TTL: time.Minute, NegativeTTL: 10 * time.Second, Jitter: 0.2, LocalTTL: time.Minute}

func TestConcurrentMissesOfOneKeyLoadOnce(t *testing.T) {
	aside, prefix := newAside(t, defaults)
	var loads atomic.Int32
	load := func(context.Context) ([]byte, bool, error) {
		loads.Add(1)
		time.Sleep(100 * time.Millisecond) // a slow query: every caller arrives during it
		return []byte("value"), true, nil
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			value, err := aside.Get(context.Background(), prefix+"hot", load)
			if err == nil && string(value) != "value" {
				err = fmt.Errorf("got %q", value)
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := loads.Load(); n != 1 {
		t.Fatalf("64 concurrent misses caused %d loads, want 1", n)
	}
}

func TestUnknownKeyIsCachedAsNegative(t *testing.T) {
	aside, prefix := newAside(t, defaults)
	var loads atomic.Int32
	load := func(context.Context) ([]byte, bool, error) { loads.Add(1); return nil, false, nil }
	for range 20 {
		if _, err := aside.Get(context.Background(), prefix+"missing", load); !errors.Is(err, cache.ErrNotFound) {
			t.Fatalf("want ErrNotFound, got %v", err)
		}
	}
	if n := loads.Load(); n != 1 {
		t.Fatalf("20 lookups of an unknown key reached the loader %d times, want 1", n)
	}
}

func TestTTLsAreJittered(t *testing.T) {
	opts := defaults
	opts.LocalTTL = 0
	aside, prefix := newAside(t, opts)
	client := testenv.Redis(t)
	seen := map[int64]bool{}
	for i := range 50 {
		key := fmt.Sprintf("%sk%d", prefix, i)
		if _, err := aside.Get(context.Background(), key, func(context.Context) ([]byte, bool, error) { return []byte("v"), true, nil }); err != nil {
			t.Fatal(err)
		}
		pttl, err := client.Do(context.Background(), client.B().Pttl().Key(key).Build()).AsInt64()
		if err != nil {
			t.Fatal(err)
		}
		if pttl < (time.Minute-time.Second).Milliseconds() || pttl > (time.Minute+12*time.Second).Milliseconds() {
			t.Fatalf("ttl %dms outside [60s, 72s]", pttl)
		}
		seen[pttl/100] = true // 100ms buckets
	}
	if len(seen) < 20 {
		t.Fatalf("50 keys written together share only %d distinct TTLs: they would expire together", len(seen))
	}
}

func TestInvalidationWinsOverAStaleRefill(t *testing.T) {
	aside, prefix := newAside(t, defaults)
	key := prefix + "product"
	var mu sync.Mutex
	current := "old"
	read := func() string { mu.Lock(); defer mu.Unlock(); return current }

	// A reader misses and reads the old row; before it writes the cache, a
	// writer commits the new row and invalidates.
	readOld := make(chan struct{})
	writerDone := make(chan struct{})
	go func() {
		<-readOld
		mu.Lock()
		current = "new"
		mu.Unlock()
		if err := aside.Invalidate(context.Background(), key); err != nil {
			t.Error(err)
		}
		close(writerDone)
	}()
	value, err := aside.Get(context.Background(), key, func(context.Context) ([]byte, bool, error) {
		v := read()
		close(readOld)
		<-writerDone
		return []byte(v), true, nil
	})
	if err != nil || string(value) != "old" {
		t.Fatalf("the racing reader itself got %q, %v", value, err)
	}
	value, err = aside.Get(context.Background(), key, func(context.Context) ([]byte, bool, error) {
		return []byte(read()), true, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if string(value) != "new" {
		t.Fatalf("after the update committed and invalidated, the next read got %q", value)
	}
}

func TestHotKeysAreServedClientSideAndInvalidated(t *testing.T) {
	aside, prefix := newAside(t, defaults)
	key := prefix + "hot"
	version := "v1"
	load := func(context.Context) ([]byte, bool, error) { return []byte(version), true, nil }
	// The first reads fill Valkey and then the client-side cache.
	servedLocally := func(a *cache.Aside) func() bool {
		return func() bool {
			if _, err := a.Get(context.Background(), key, load); err != nil {
				t.Fatal(err)
			}
			return a.Stats.LocalHits.Load() > 0
		}
	}
	testenv.Eventually(t, 2*time.Second, "a hot key served from the client-side cache", servedLocally(aside))
	before := aside.Stats.LocalHits.Load()
	for range 10 {
		if _, err := aside.Get(context.Background(), key, load); err != nil {
			t.Fatal(err)
		}
	}
	if hits := aside.Stats.LocalHits.Load() - before; hits != 10 {
		t.Fatalf("only %d of 10 reads of a warm hot key were served client-side", hits)
	}
	// Another process holds its own client-side copy.
	other := cache.NewAside(testenv.Redis(t), defaults)
	testenv.Eventually(t, 2*time.Second, "the other process serving the key from its client-side cache", servedLocally(other))
	version = "v2"
	if err := aside.Invalidate(context.Background(), key); err != nil {
		t.Fatal(err)
	}
	// The process that invalidated reads its own write at once, without
	// waiting for Valkey's invalidation message.
	if value, err := aside.Get(context.Background(), key, load); err != nil || string(value) != "v2" {
		t.Fatalf("right after its own invalidation: %q %v", value, err)
	}
	// The other process's copy goes through RESP3 tracking.
	seen := ""
	testenv.Eventually(t, 2*time.Second, "the other process's client-side copy invalidated (serving v2)", func() bool {
		value, err := other.Get(context.Background(), key, load)
		if err != nil {
			t.Fatal(err)
		}
		if string(value) == "v2" {
			return true
		}
		if string(value) != seen {
			seen = string(value)
			t.Logf("the other process serves %q", value)
		}
		return false
	})
}

func TestGetManyReadsHitsTogetherAndLoadsMissesInOneBatch(t *testing.T) {
	aside, prefix := newAside(t, defaults)
	keys := []string{prefix + "a", prefix + "b", prefix + "c", prefix + "nope"}
	var batches [][]string
	load := func(_ context.Context, missing []string) (map[string][]byte, error) {
		batches = append(batches, missing)
		out := map[string][]byte{}
		for _, k := range missing {
			if k != prefix+"nope" {
				out[k] = []byte("v:" + k)
			}
		}
		return out, nil
	}
	for round := range 2 {
		got, err := aside.GetMany(context.Background(), keys, load)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 || string(got[prefix+"b"]) != "v:"+prefix+"b" {
			t.Fatalf("round %d: %v", round, got)
		}
	}
	if len(batches) != 1 || len(batches[0]) != 4 {
		t.Fatalf("loads %v: want one batch of the four misses, then none", batches)
	}
}

// A process that only reads a cache another one fills and invalidates
// (Peek): answered from its client-side copy, which the owner's
// invalidation reaches; a miss or a cached absence loads nothing.
func TestPeekReadsWhatAnotherProcessCachesAndFollowsItsInvalidation(t *testing.T) {
	owner, prefix := newAside(t, defaults)
	reader := cache.NewAside(testenv.Redis(t), defaults) // another process: its own connection and client-side cache
	ctx := context.Background()
	key := prefix + "book"
	if _, found, err := reader.Peek(ctx, key); found || err != nil {
		t.Fatalf("peek before anything is cached: %v %v", found, err)
	}
	version := "v1"
	load := func(context.Context) ([]byte, bool, error) { return []byte(version), true, nil }
	if _, err := owner.Get(ctx, key, load); err != nil {
		t.Fatal(err)
	}
	// Answered client-side once the reader's copy of the earlier miss was
	// invalidated by the fill.
	testenv.Eventually(t, 5*time.Second, "peeks answered from the reader's client-side copy", func() bool {
		if value, found, err := reader.Peek(ctx, key); !found || err != nil || string(value) != "v1" {
			t.Fatalf("peek: %q %v %v", value, found, err)
		}
		return reader.Stats.LocalHits.Load() > 0
	})
	version = "v2"
	if err := owner.Invalidate(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Get(ctx, key, load); err != nil {
		t.Fatal(err)
	}
	seen := ""
	testenv.Eventually(t, 5*time.Second, "the reader seeing v2 after the owner's invalidation", func() bool {
		value, _, err := reader.Peek(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if string(value) == "v2" {
			return true
		}
		if string(value) != seen {
			seen = string(value)
			t.Logf("the reader sees %q", value)
		}
		return false
	})
	if _, err := owner.Get(ctx, prefix+"absent", func(context.Context) ([]byte, bool, error) { return nil, false, nil }); !errors.Is(err, cache.ErrNotFound) {
		t.Fatal(err)
	}
	if _, found, err := reader.Peek(ctx, prefix+"absent"); found || err != nil {
		t.Fatalf("peek of a cached absence: %v %v", found, err)
	}
	if reader.Stats.Loads.Load() != 0 {
		t.Fatalf("peeking loaded %d times", reader.Stats.Loads.Load())
	}
}
