package auth

import (
	"context"
	"time"

	"github.com/valkey-io/valkey-go"
)

// ValkeyRevocations is a deny-list of token ids in Valkey, kept until each
// token would have expired anyway. Every authenticated request checks it,
// so lookups go through the client-side cache: a revocation reaches every
// process's local copy through RESP3 invalidation.
type ValkeyRevocations struct {
	client valkey.Client
	prefix string
}

// NewValkeyRevocations returns a deny-list whose keys start with prefix.
func NewValkeyRevocations(client valkey.Client, prefix string) *ValkeyRevocations {
	return &ValkeyRevocations{client: client, prefix: prefix}
}

// Revoke makes identity's token unusable from now on.
func (r *ValkeyRevocations) Revoke(ctx context.Context, identity Identity) error {
	ttl := time.Until(identity.ExpiresAt)
	if ttl <= 0 {
		return nil // already expired
	}
	return r.client.Do(ctx, r.client.B().Set().Key(r.prefix+identity.TokenID).Value("1").Px(ttl).Build()).Error()
}

// IsRevoked reports whether tokenID was revoked.
func (r *ValkeyRevocations) IsRevoked(ctx context.Context, tokenID string) (bool, error) {
	err := r.client.DoCache(ctx, r.client.B().Get().Key(r.prefix+tokenID).Cache(), time.Minute).Error()
	if valkey.IsValkeyNil(err) {
		return false, nil
	}
	return err == nil, err
}
