package auth

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/valkey-io/valkey-go"

	"mall/services/platform/cache"
)

// ValkeyRevocations is the deny-list every authenticated request checks.
// Its truth is in Valkey, in three sorted sets of one hash slot: the token
// ids revoked one by one (logout), scored by when each token expires anyway;
// per subject the lowest session epoch still valid (a password change
// revokes every token issued before it); and until when each of those
// floors matters (the longest a token lives). Every change is published on
// a channel.
//
// The list is short (only tokens revoked before their expiry), so a process
// that runs Follow holds all of it in memory: loaded whenever its
// subscription stands again, kept current by the messages. A request then
// costs a map lookup, not a read per request and a cached entry per token
// ever seen. Until the copy is loaded, and while the subscription is
// broken, requests read Valkey. A process's own revocations apply to its
// copy at once, before the message comes back.
type ValkeyRevocations struct {
	client valkey.Client
	prefix string

	mu     sync.RWMutex
	tokens map[string]time.Time  // token id -> when the token expires
	floors map[string]epochFloor // subject -> lowest valid session epoch
	// complete: the maps hold every revocation in Valkey (loaded after
	// the subscription stood, which still stands). generation counts the
	// subscriptions that ended, so a load started under a broken one is
	// dropped.
	complete   bool
	generation uint64
	prunedAt   time.Time
}

type epochFloor struct {
	epoch int64
	until time.Time
}

// maxRemembered bounds the copy in memory: past it (a storm of logouts),
// requests read Valkey instead, until the subscription stands again.
const maxRemembered = 500_000

// NewValkeyRevocations returns a deny-list whose keys start with prefix.
func NewValkeyRevocations(client valkey.Client, prefix string) *ValkeyRevocations {
	return &ValkeyRevocations{client: client, prefix: prefix, tokens: map[string]time.Time{}, floors: map[string]epochFloor{}}
}

// The keys share one hash tag, so a script may touch them all on a cluster.
func (r *ValkeyRevocations) tokensKey() string      { return r.prefix + "{revocations}:tokens" }
func (r *ValkeyRevocations) floorsKey() string      { return r.prefix + "{revocations}:floors" }
func (r *ValkeyRevocations) floorsUntilKey() string { return r.prefix + "{revocations}:floors-until" }

// Channel is where every revocation is announced.
func (r *ValkeyRevocations) Channel() string { return r.prefix + "changes" }

// revokeTokenScript adds a token id until its expiry, forgets the ids that
// have expired anyway, and announces the new one.
var revokeTokenScript = valkey.NewLuaScript(`
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
redis.call('PUBLISH', ARGV[4], 't ' .. ARGV[2] .. ' ' .. ARGV[1])
return 0`)

// Revoke makes identity's token unusable from now on.
func (r *ValkeyRevocations) Revoke(ctx context.Context, identity Identity) error {
	now := time.Now()
	if !now.Before(identity.ExpiresAt) {
		return nil // already expired
	}
	expires := strconv.FormatInt(identity.ExpiresAt.UnixMilli(), 10)
	err := revokeTokenScript.Exec(ctx, r.client, []string{r.tokensKey()},
		[]string{identity.TokenID, expires, strconv.FormatInt(now.UnixMilli(), 10), r.Channel()}).Error()
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rememberToken(identity.TokenID, identity.ExpiresAt, now)
	return nil
}

// raiseFloorScript stores the subject's lowest valid epoch, but never lowers
// it: a late or repeated publication of an older epoch (a login that read
// the account just before a password change) changes nothing. It forgets
// the floors no token predating them outlives, and announces a raise.
var raiseFloorScript = valkey.NewLuaScript(`
local current = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]) or '0')
local raised = tonumber(ARGV[2]) > current
if raised then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
end
local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[4], 'LIMIT', 0, 1000)
for _, subject in ipairs(stale) do
  redis.call('ZREM', KEYS[1], subject)
  redis.call('ZREM', KEYS[2], subject)
end
if raised then
  redis.call('PUBLISH', ARGV[5], 'e ' .. ARGV[2] .. ' ' .. ARGV[3] .. ' ' .. ARGV[1])
end
return 0`)

// RevokeSessions makes every token of subject issued in a session epoch
// below epoch unusable. ttl is the longest a token lives: after that no
// older token is left to refuse.
func (r *ValkeyRevocations) RevokeSessions(ctx context.Context, subject string, epoch int64, ttl time.Duration) error {
	if epoch <= 0 || ttl <= 0 {
		return nil
	}
	now := time.Now()
	until := now.Add(ttl)
	err := raiseFloorScript.Exec(ctx, r.client, []string{r.floorsKey(), r.floorsUntilKey()},
		[]string{subject, strconv.FormatInt(epoch, 10), strconv.FormatInt(until.UnixMilli(), 10),
			strconv.FormatInt(now.UnixMilli(), 10), r.Channel()}).Error()
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rememberFloor(subject, epochFloor{epoch: epoch, until: until}, now)
	return nil
}

// IsRevoked reports whether identity's token was revoked, by itself or
// with its subject's older sessions: from the copy in memory when it is
// complete, else from Valkey.
func (r *ValkeyRevocations) IsRevoked(ctx context.Context, identity Identity) (bool, error) {
	now := time.Now()
	hasSessions := !identity.Has(RoleService) // a service credential is not a user's session
	r.mu.RLock()
	revoked := r.revokedIn(identity, hasSessions, now)
	complete := r.complete
	r.mu.RUnlock()
	if revoked || complete {
		return revoked, nil
	}
	revocationReads.Inc()
	tokenExpires, err := r.client.Do(ctx, r.client.B().Zscore().Key(r.tokensKey()).Member(identity.TokenID).Build()).AsFloat64()
	if err == nil {
		return now.UnixMilli() < int64(tokenExpires), nil
	} else if !valkey.IsValkeyNil(err) {
		return false, err
	}
	if !hasSessions {
		return false, nil
	}
	lowest, err := r.client.Do(ctx, r.client.B().Zscore().Key(r.floorsKey()).Member(identity.Subject).Build()).AsFloat64()
	if valkey.IsValkeyNil(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return identity.SessionEpoch < int64(lowest), nil
}

// revokedIn answers from the copy in memory. Call with mu held.
func (r *ValkeyRevocations) revokedIn(identity Identity, hasSessions bool, now time.Time) bool {
	if expires, ok := r.tokens[identity.TokenID]; ok && now.Before(expires) {
		return true
	}
	floor, ok := r.floors[identity.Subject]
	return hasSessions && ok && identity.SessionEpoch < floor.epoch && now.Before(floor.until)
}

// rememberToken and rememberFloor add to the copy in memory, which also
// forgets, once a minute, what has expired. Call with mu held for writing.
func (r *ValkeyRevocations) rememberToken(tokenID string, expires, now time.Time) {
	r.prune(now)
	if len(r.tokens) >= maxRemembered {
		r.complete = false
		return
	}
	r.tokens[tokenID] = expires
}

func (r *ValkeyRevocations) rememberFloor(subject string, floor epochFloor, now time.Time) {
	r.prune(now)
	if len(r.floors) >= maxRemembered {
		r.complete = false
		return
	}
	if current, ok := r.floors[subject]; !ok || current.epoch < floor.epoch {
		r.floors[subject] = floor
	}
}

func (r *ValkeyRevocations) prune(now time.Time) {
	if now.Sub(r.prunedAt) < time.Minute {
		return
	}
	r.prunedAt = now
	for id, expires := range r.tokens {
		if !now.Before(expires) {
			delete(r.tokens, id)
		}
	}
	for subject, floor := range r.floors {
		if !now.Before(floor.until) {
			delete(r.floors, subject)
		}
	}
}

// Follow keeps this process's copy of the list until ctx ends: it
// subscribes to the channel on a connection of its own, loads the whole
// list once the subscription stands (the messages cover what changes
// during the load), and starts again when the connection breaks.
func (r *ValkeyRevocations) Follow(ctx context.Context, logger *slog.Logger) error {
	return cache.Subscription{
		Channel:   r.Channel(),
		Name:      r.ConnectionName(),
		Retry:     time.Second,
		OnMessage: r.apply,
		OnStanding: func() {
			r.mu.RLock()
			generation := r.generation
			r.mu.RUnlock()
			// Not on the subscription's reading goroutine: the load waits
			// for replies.
			go r.load(ctx, generation, logger)
		},
		OnEnd: func() {
			r.mu.Lock()
			r.complete = false
			r.generation++
			r.mu.Unlock()
		},
		OnBreak: func(err error) {
			logger.WarnContext(ctx, "revocations subscription broke; reading Valkey per request until it stands again", "err", err)
		},
	}.Hold(ctx, r.client)
}

// ConnectionName is the client name of the subscription's connection.
func (r *ValkeyRevocations) ConnectionName() string { return "mall-revocations:" + r.prefix }

// load reads the whole list into the copy and marks it complete, unless
// the subscription it was started for broke meanwhile.
func (r *ValkeyRevocations) load(ctx context.Context, generation uint64, logger *slog.Logger) {
	now := time.Now()
	nowMillis := strconv.FormatInt(now.UnixMilli(), 10)
	results := r.client.DoMulti(ctx,
		r.client.B().Zrangebyscore().Key(r.tokensKey()).Min(nowMillis).Max("+inf").Withscores().Build(),
		r.client.B().Zrange().Key(r.floorsKey()).Min("0").Max("-1").Withscores().Build(),
		r.client.B().Zrangebyscore().Key(r.floorsUntilKey()).Min(nowMillis).Max("+inf").Withscores().Build())
	var lists [3][]valkey.ZScore
	for i, result := range results {
		var err error
		if lists[i], err = result.AsZScores(); err != nil {
			logger.WarnContext(ctx, "load the revocations; reading Valkey per request", "err", err)
			return
		}
	}
	if len(lists[0]) >= maxRemembered || len(lists[1]) >= maxRemembered {
		logger.WarnContext(ctx, "too many revocations to hold in memory; reading Valkey per request", "tokens", len(lists[0]), "floors", len(lists[1]))
		return
	}
	epochs := make(map[string]int64, len(lists[1]))
	for _, floor := range lists[1] {
		epochs[floor.Member] = int64(floor.Score)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.generation != generation {
		return
	}
	for _, token := range lists[0] {
		r.rememberToken(token.Member, time.UnixMilli(int64(token.Score)), now)
	}
	for _, until := range lists[2] {
		if epoch, ok := epochs[until.Member]; ok {
			r.rememberFloor(until.Member, epochFloor{epoch: epoch, until: time.UnixMilli(int64(until.Score))}, now)
		}
	}
	r.complete = len(r.tokens) < maxRemembered && len(r.floors) < maxRemembered
}

// apply adds an announced revocation to the copy: "t <expires ms> <token
// id>" or "e <epoch> <until ms> <subject>". An unreadable message makes the
// copy incomplete: requests read Valkey until the subscription stands
// again.
func (r *ValkeyRevocations) apply(message string) {
	now := time.Now()
	kind, rest, _ := strings.Cut(message, " ")
	r.mu.Lock()
	defer r.mu.Unlock()
	switch kind {
	case "t":
		expires, tokenID, ok := strings.Cut(rest, " ")
		if millis, err := strconv.ParseInt(expires, 10, 64); ok && err == nil {
			r.rememberToken(tokenID, time.UnixMilli(millis), now)
			return
		}
	case "e":
		fields := strings.SplitN(rest, " ", 3)
		if len(fields) == 3 {
			epoch, epochErr := strconv.ParseInt(fields[0], 10, 64)
			until, untilErr := strconv.ParseInt(fields[1], 10, 64)
			if epochErr == nil && untilErr == nil {
				r.rememberFloor(fields[2], epochFloor{epoch: epoch, until: time.UnixMilli(until)}, now)
				return
			}
		}
	}
	r.complete = false
}

var revocationReads = promauto.NewCounter(prometheus.CounterOpts{
	Name: "mall_auth_revocation_reads_total",
	Help: "Requests whose token was checked against the deny-list in Valkey, because this process's copy was not complete (not loaded yet, its subscription broken, or too large to hold).",
})
