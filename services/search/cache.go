package search

import (
	"sync"
	"time"

	searchv1 "mall/gen/mall/search/v1"
)

// resultCache keeps answered first and later pages: search traffic repeats
// (the hot searches are most of it) and an answer holds until the index
// changes. An answer made before the latest change may still be given for
// staleGrace, so a busy catalog (stock moving every moment) does not empty
// the cache on every batch, and a change is still found within a second.
type resultCache struct {
	mu      sync.Mutex
	entries map[string]cachedResult
	limit   int
	now     func() time.Time
}

type cachedResult struct {
	generation uint64
	madeAt     time.Time
	response   *searchv1.SearchProductsResponse
}

const staleGrace = 300 * time.Millisecond

func newResultCache(limit int) *resultCache {
	return &resultCache{entries: map[string]cachedResult{}, limit: limit, now: time.Now}
}

// get is the answer for key made at generation, or one made shortly
// before a later change.
func (c *resultCache) get(key string, generation uint64) (*searchv1.SearchProductsResponse, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		return nil, false
	}
	if e.generation != generation && c.now().Sub(e.madeAt) > staleGrace {
		delete(c.entries, key)
		return nil, false
	}
	return e.response, true
}

// put keeps an answer; when full, it starts over (older answers are the
// likelier to be stale anyway).
func (c *resultCache) put(key string, generation uint64, response *searchv1.SearchProductsResponse) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.limit {
		clear(c.entries)
	}
	c.entries[key] = cachedResult{generation: generation, madeAt: c.now(), response: response}
}
