package search

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"maps"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/valkey-io/valkey-go"
)

// Hot searches are counted in Valkey, per week: each first search of a
// query by a shopper (user, else address) in the week adds 2^(days since
// the week began) to the query's score, so a search counts half as much a
// day later (forward decay: old scores never need rewriting), and last
// week's scores weigh 2^-7 of this week's. A query is shown only once
// minSearchers different shoppers searched it in a week and it found
// products; a shopper repeating a query, or paging, counts once. A shopper's first
// hotPerSearcher queries of a week count, held in one small set per
// shopper: endless distinct queries from one shopper cost one bounded key.
const (
	minSearchers   = 3
	hotCandidates  = 50          // read from Valkey, for suggestions too
	hotMaxRunes    = 30          // longer queries are not hot-search material
	hotFlushEvery  = time.Second // counts are sent in batches
	hotPendingMax  = 10_000      // searches waiting to be counted; beyond, dropped
	hotWeek        = 7 * 24 * time.Hour
	hotKeyLifetime = 15 * 24 * time.Hour
	hotQueriesMax  = 10_000 // per week's set, about 3 MB in Valkey
	hotPerSearcher = 100    // queries a shopper counts in a week; beyond, not counted
)

// countSearch adds one shopper's search of a query once per week. KEYS: the
// set of queries the shopper had counted this week, the week's score set,
// its searcher count set, its set of queries minSearchers searched (the
// list is read from it alone: made-up queries that outscore the hot ones
// cannot push them out of the read); one hash slot, so a cluster keeps
// them together. ARGV: weight, query, the query's tag in the shopper's
// set, lifetimes of the shopper's set and of the week's sets in seconds,
// most queries a shopper has counted, most queries a week's sets keep
// (beyond, the lowest scored that are not listed leave them),
// minSearchers.
var countSearch = valkey.NewLuaScript(`
if redis.call('SISMEMBER', KEYS[1], ARGV[3]) == 1 then return 0 end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[6]) then return 0 end
redis.call('SADD', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
local score = redis.call('ZINCRBY', KEYS[2], ARGV[1], ARGV[2])
local searchers = tonumber(redis.call('ZINCRBY', KEYS[3], 1, ARGV[2]))
if searchers >= tonumber(ARGV[8]) then
  redis.call('ZADD', KEYS[4], score, ARGV[2])
  redis.call('EXPIRE', KEYS[4], ARGV[5])
end
redis.call('EXPIRE', KEYS[2], ARGV[5])
redis.call('EXPIRE', KEYS[3], ARGV[5])
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[7])
if over > 0 then
  for _, q in ipairs(redis.call('ZRANGE', KEYS[2], 0, over - 1)) do
    if not redis.call('ZSCORE', KEYS[4], q) then
      redis.call('ZREM', KEYS[2], q)
      redis.call('ZREM', KEYS[3], q)
    end
  end
end
return 1`)

type hotSearches struct {
	valkey valkey.Client
	prefix string
	logger *slog.Logger
	now    func() time.Time
	reuse  time.Duration // how long a list read is reused
	// maxQueries bounds the queries a week's sets hold: the least
	// searched go first (anyone can send endless distinct queries).
	maxQueries int
	// perSearcher bounds the queries one searcher has counted in a week.
	perSearcher int

	mu       sync.Mutex
	pending  map[[2]string]struct{} // {query, searcher}
	cached   []string
	cachedAt time.Time
}

func newHotSearches(client valkey.Client, prefix string, reuse time.Duration, logger *slog.Logger) *hotSearches {
	return &hotSearches{valkey: client, prefix: prefix, reuse: reuse, logger: logger, now: time.Now, maxQueries: hotQueriesMax, perSearcher: hotPerSearcher, pending: map[[2]string]struct{}{}}
}

// record notes a search to count with the next batch.
func (h *hotSearches) record(query, searcher string) {
	if utf8.RuneCountInString(query) > hotMaxRunes {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.pending) < hotPendingMax {
		h.pending[[2]string{query, searcher}] = struct{}{}
	}
}

func (h *hotSearches) run(ctx context.Context) error {
	ticker := time.NewTicker(hotFlushEvery)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			h.flush(context.WithoutCancel(ctx))
			return nil
		case <-ticker.C:
			h.flush(ctx)
		}
	}
}

// flush counts the pending searches.
func (h *hotSearches) flush(ctx context.Context) {
	h.mu.Lock()
	pending := h.pending
	h.pending = make(map[[2]string]struct{}, len(pending))
	h.mu.Unlock()
	if len(pending) == 0 {
		return
	}
	week, weight := h.week(h.now())
	scores, searchers, listed := h.weekKeys(week)
	seenTTL := strconv.Itoa(int(hotWeek.Seconds()) + 3600)
	setTTL := strconv.Itoa(int(hotKeyLifetime.Seconds()))
	execs := make([]valkey.LuaExec, 0, len(pending))
	for p := range pending {
		query, searcher := sha256.Sum256([]byte(p[0])), sha256.Sum256([]byte(p[1]))
		seen := h.prefix + "{hot:" + week + "}:by:" + hex.EncodeToString(searcher[:12])
		execs = append(execs, valkey.LuaExec{
			Keys: []string{seen, scores, searchers, listed},
			Args: []string{strconv.FormatFloat(weight, 'f', -1, 64), p[0], string(query[:8]), seenTTL, setTTL,
				strconv.Itoa(h.perSearcher), strconv.Itoa(h.maxQueries), strconv.Itoa(minSearchers)},
		})
	}
	for _, r := range countSearch.ExecMulti(ctx, h.valkey, execs...) {
		if err := r.Error(); err != nil {
			h.logger.Warn("hot search count failed", "err", err)
			return
		}
	}
}

// week names the week t is in and the weight of a search at t.
func (h *hotSearches) week(t time.Time) (string, float64) {
	start := t.Unix() / int64(hotWeek.Seconds())
	days := float64(t.Unix()-start*int64(hotWeek.Seconds())) / (24 * 3600)
	return strconv.FormatInt(start, 10), math.Exp2(days)
}

func (h *hotSearches) weekKeys(week string) (scores, searchers, listed string) {
	at := h.prefix + "{hot:" + week + "}:"
	return at + "score", at + "searchers", at + "listed"
}

// top is the hot searches, most searched first (a list read is reused
// for h.reuse).
func (h *hotSearches) top(ctx context.Context) ([]string, error) {
	h.mu.Lock()
	if h.cached != nil && h.now().Sub(h.cachedAt) < h.reuse {
		defer h.mu.Unlock()
		return h.cached, nil
	}
	h.mu.Unlock()
	now := h.now()
	week, _ := h.week(now)
	lastWeek, _ := h.week(now.Add(-hotWeek))
	scores := map[string]float64{}
	for i, w := range []string{week, lastWeek} {
		_, _, listed := h.weekKeys(w)
		top, err := h.valkey.Do(ctx, h.valkey.B().Zrange().Key(listed).Min("+inf").Max("-inf").Byscore().Rev().
			Limit(0, hotCandidates).Withscores().Build()).AsZScores()
		if err != nil {
			return nil, err
		}
		for _, z := range top {
			scores[z.Member] += z.Score * math.Exp2(-7*float64(i))
		}
	}
	queries := slices.Collect(maps.Keys(scores))
	slices.SortFunc(queries, func(a, b string) int {
		return cmp.Or(cmp.Compare(scores[b], scores[a]), cmp.Compare(a, b))
	})
	queries = queries[:min(len(queries), hotCandidates)]
	h.mu.Lock()
	h.cached, h.cachedAt = queries, now
	h.mu.Unlock()
	return queries, nil
}
