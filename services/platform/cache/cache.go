// Package cache connects to Valkey (or Redis 7, which speaks RESP3) with
// valkey-go, whose client-side caching and auto-pipelining the domains use.
package cache

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/valkey-io/valkey-go"
)

// Open connects to Valkey and checks it answers. Without cluster, addr is
// the one server (a developer machine's Redis), asked for nothing else.
// With cluster, addr lists seed nodes of a Valkey/Redis Cluster separated
// by commas; the client learns the slot map from them and follows it, and
// the cluster must report itself healthy.
func Open(ctx context.Context, addr string, cluster bool) (valkey.Client, error) {
	seeds := strings.Split(addr, ",")
	for i := range seeds {
		seeds[i] = strings.TrimSpace(seeds[i])
		if seeds[i] == "" {
			return nil, fmt.Errorf("valkey address %q names an empty node", addr)
		}
	}
	if len(seeds) > 1 && !cluster {
		return nil, fmt.Errorf("valkey address %q lists several nodes: that is a cluster's seed list, which needs cluster mode", addr)
	}
	client, err := valkey.NewClient(valkey.ClientOption{
		InitAddress: seeds,
		// A single server is used as one; probing it for a cluster would
		// cost a refused CLUSTER command at every start.
		ForceSingleClient: !cluster,
	})
	if err != nil {
		return nil, fmt.Errorf("connect valkey %s: %w", addr, err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	check := checkAnswers
	if cluster {
		check = checkCluster
	}
	if err := check(pingCtx, client); err != nil {
		client.Close()
		return nil, fmt.Errorf("valkey %s: %w", addr, err)
	}
	return Traced(client), nil
}

func checkAnswers(ctx context.Context, client valkey.Client) error {
	return client.Do(ctx, client.B().Ping().Build()).Error()
}

// checkCluster refuses a server that is not a healthy cluster: valkey-go
// quietly treats a lone seed without cluster support as a single server,
// which would hide a wrong address behind a working start.
func checkCluster(ctx context.Context, client valkey.Client) error {
	info, err := client.Do(ctx, client.B().ClusterInfo().Build()).ToString()
	if err != nil {
		return fmt.Errorf("cluster mode, but CLUSTER INFO failed: %w", err)
	}
	if !strings.Contains(info, "cluster_state:ok") {
		return errors.New("cluster mode, but the cluster does not report cluster_state:ok")
	}
	return nil
}
