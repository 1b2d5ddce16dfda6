package auth

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/valkey-io/valkey-go"
)

// ValkeyRevocations is the deny-list every authenticated request checks, in
// Valkey: single token ids (logout), kept until the token would have
// expired anyway, and per subject the lowest session epoch still valid (a
// password change revokes every token issued before it). Lookups go through
// the client-side cache, so a request costs no round trip until a
// revocation invalidates the local copy through RESP3 tracking. That
// message arrives a moment after the write, so the revoking process also
// remembers its own revocations: the caller is refused at once by the
// process that revoked, not a few milliseconds later.
type ValkeyRevocations struct {
	client valkey.Client
	prefix string

	mu     sync.Mutex
	local  map[string]time.Time  // token id -> when the token expires
	floors map[string]epochFloor // subject -> lowest valid session epoch set here
}

type epochFloor struct {
	epoch int64
	until time.Time
}

// revocationCacheTTL bounds how long a process keeps a looked-up answer
// in its client-side cache. Invalidation replaces it as soon as the key
// is written, and a broken connection drops that connection's cache, so
// the bound only needs to outlast a shopper's wait on a page: the buyers
// of a flash sale, seen while the sale page counted down, are not looked
// up again by their first purchase.
const revocationCacheTTL = 15 * time.Minute

// NewValkeyRevocations returns a deny-list whose keys start with prefix.
func NewValkeyRevocations(client valkey.Client, prefix string) *ValkeyRevocations {
	return &ValkeyRevocations{client: client, prefix: prefix, local: map[string]time.Time{}, floors: map[string]epochFloor{}}
}

func (r *ValkeyRevocations) tokenKey(tokenID string) string { return r.prefix + tokenID }

func (r *ValkeyRevocations) epochKey(subject string) string { return r.prefix + "epoch:" + subject }

// Revoke makes identity's token unusable from now on.
func (r *ValkeyRevocations) Revoke(ctx context.Context, identity Identity) error {
	ttl := time.Until(identity.ExpiresAt)
	if ttl <= 0 {
		return nil // already expired
	}
	if err := r.client.Do(ctx, r.client.B().Set().Key(r.tokenKey(identity.TokenID)).Value("1").Px(ttl).Build()).Error(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	for id, expires := range r.local { // forget what has expired anyway
		if now.After(expires) {
			delete(r.local, id)
		}
	}
	r.local[identity.TokenID] = identity.ExpiresAt
	return nil
}

// raiseEpochScript stores the subject's lowest valid epoch, but never
// lowers it: a late or repeated publication of an older epoch (a login
// that read the account just before a password change) changes nothing.
var raiseEpochScript = valkey.NewLuaScript(`
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
return 0`)

// RevokeSessions makes every token of subject issued in a session epoch
// below epoch unusable. ttl is the longest a token lives: after that no
// older token is left to refuse.
func (r *ValkeyRevocations) RevokeSessions(ctx context.Context, subject string, epoch int64, ttl time.Duration) error {
	if epoch <= 0 || ttl <= 0 {
		return nil
	}
	err := raiseEpochScript.Exec(ctx, r.client, []string{r.epochKey(subject)},
		[]string{strconv.FormatInt(epoch, 10), strconv.FormatInt(ttl.Milliseconds(), 10)}).Error()
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	for s, floor := range r.floors {
		if now.After(floor.until) {
			delete(r.floors, s)
		}
	}
	if floor, ok := r.floors[subject]; !ok || floor.epoch < epoch {
		r.floors[subject] = epochFloor{epoch: epoch, until: now.Add(ttl)}
	}
	return nil
}

// IsRevoked reports whether identity's token was revoked, by itself or
// with its subject's older sessions. Both keys are read through the
// client-side cache.
func (r *ValkeyRevocations) IsRevoked(ctx context.Context, identity Identity) (bool, error) {
	hasSessions := !identity.Has(RoleService) // a service credential is not a user's session
	r.mu.Lock()
	_, revokedHere := r.local[identity.TokenID]
	floor, floorHere := r.floors[identity.Subject]
	r.mu.Unlock()
	if revokedHere || (hasSessions && floorHere && identity.SessionEpoch < floor.epoch && time.Now().Before(floor.until)) {
		return true, nil
	}
	// Two lookups, not one multi-get: a multi-get of two keys on
	// different connections of the client's pipeline is split over
	// goroutines, which costs more than the two cache hits it saves.
	get := func(key string) valkey.ValkeyResult {
		return r.client.DoCache(ctx, r.client.B().Get().Key(key).Cache(), revocationCacheTTL)
	}
	if err := get(r.tokenKey(identity.TokenID)).Error(); err == nil {
		return true, nil
	} else if !valkey.IsValkeyNil(err) {
		return false, err
	}
	if !hasSessions {
		return false, nil
	}
	lowest, err := get(r.epochKey(identity.Subject)).AsInt64()
	if valkey.IsValkeyNil(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return identity.SessionEpoch < lowest, nil
}
