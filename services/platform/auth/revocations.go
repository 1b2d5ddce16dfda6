package auth

import (
	"context"
	"sync"
	"time"

	"github.com/valkey-io/valkey-go"
)

// ValkeyRevocations is a deny-list of token ids in Valkey, kept until each
// token would have expired anyway. Every authenticated request checks it,
// so lookups go through the client-side cache: a revocation reaches every
// process's local copy through RESP3 invalidation. That message arrives a
// moment after the write, so the revoking process also remembers its own
// revocations: the caller who logged out is refused at once by the
// process that logged them out, not a few milliseconds later.
type ValkeyRevocations struct {
	client valkey.Client
	prefix string

	mu    sync.Mutex
	local map[string]time.Time // token id -> when the token expires
}

// NewValkeyRevocations returns a deny-list whose keys start with prefix.
func NewValkeyRevocations(client valkey.Client, prefix string) *ValkeyRevocations {
	return &ValkeyRevocations{client: client, prefix: prefix, local: map[string]time.Time{}}
}

// Revoke makes identity's token unusable from now on.
func (r *ValkeyRevocations) Revoke(ctx context.Context, identity Identity) error {
	ttl := time.Until(identity.ExpiresAt)
	if ttl <= 0 {
		return nil // already expired
	}
	if err := r.client.Do(ctx, r.client.B().Set().Key(r.prefix+identity.TokenID).Value("1").Px(ttl).Build()).Error(); err != nil {
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

// IsRevoked reports whether tokenID was revoked.
func (r *ValkeyRevocations) IsRevoked(ctx context.Context, tokenID string) (bool, error) {
	r.mu.Lock()
	_, revokedHere := r.local[tokenID]
	r.mu.Unlock()
	if revokedHere {
		return true, nil
	}
	err := r.client.DoCache(ctx, r.client.B().Get().Key(r.prefix+tokenID).Cache(), time.Minute).Error()
	if valkey.IsValkeyNil(err) {
		return false, nil
	}
	return err == nil, err
}
