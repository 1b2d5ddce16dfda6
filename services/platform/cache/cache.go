// Package cache connects to Valkey (or Redis 7, which speaks RESP3) with
// valkey-go, whose client-side caching and auto-pipelining the domains use.
package cache

import (
	"context"
	"fmt"
	"time"

	"github.com/valkey-io/valkey-go"
)

// Open connects to addr and checks the server answers.
func Open(ctx context.Context, addr string) (valkey.Client, error) {
	client, err := valkey.NewClient(valkey.ClientOption{
		InitAddress: []string{addr},
		// A dev Redis is a single node; do not probe for a cluster.
		ForceSingleClient: true,
	})
	if err != nil {
		return nil, fmt.Errorf("connect valkey %s: %w", addr, err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := client.Do(pingCtx, client.B().Ping().Build()).Error(); err != nil {
		client.Close()
		return nil, fmt.Errorf("ping valkey %s: %w", addr, err)
	}
	return Traced(client), nil
}
