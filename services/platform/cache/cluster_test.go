package cache_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"mall/services/platform/cache"
	"mall/services/platform/testenv"
)

// Keys of every shape the hash-tag rule distinguishes: none, a tag, an
// empty tag, a brace that never closes, a closing brace with no opening.
var oddKeys = []string{"plain", "mall:product:p:p0001", "{t}z", "x{tag}y{other}", "{}y", "a{b", "a}b", "}x", "x{}}y", "{", "}", "键{商品}"}

func TestSlotsAndCompanionKeysAgreeWithTheCluster(t *testing.T) {
	cluster := testenv.StartRedisCluster(t)
	for _, key := range oddKeys {
		slot := cluster.Slot(t, key)
		if got := int64(cache.SlotOf(key)); got != slot {
			t.Errorf("slot of %q: computed %d, the cluster says %d", key, got, slot)
		}
		companion := cache.CompanionKey(key, ":gen")
		if !strings.Contains(companion, key) {
			t.Errorf("companion %q does not name %q", companion, key)
		}
		if got := cluster.Slot(t, companion); got != slot {
			t.Errorf("companion %q of %q is in slot %d, the key in %d", companion, key, got, slot)
		}
	}
}

// TestAsideOnAClusterFillsAndInvalidatesKeysOfManySlots: gets fill, and one
// Invalidate of keys in different slots (on different nodes) drops them all,
// whatever the keys' shape; a cross-slot script would be refused.
func TestAsideOnAClusterFillsAndInvalidatesKeysOfManySlots(t *testing.T) {
	cluster := testenv.StartRedisCluster(t)
	ctx := context.Background()
	client, err := cache.Open(ctx, cluster.Seeds(), true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(client.Close)
	aside := cache.NewAside(client, defaults)
	var loads atomic.Int32
	load := func(context.Context) ([]byte, bool, error) {
		loads.Add(1)
		return []byte("value"), true, nil
	}
	nodes := map[string]bool{}
	for _, key := range oddKeys {
		nodes[cluster.NodeOf(t, key)] = true
		for range 2 {
			if value, err := aside.Get(ctx, key, load); err != nil || string(value) != "value" {
				t.Fatalf("get %q: %q %v", key, value, err)
			}
		}
	}
	if len(nodes) < 2 {
		t.Fatalf("the keys all live on %v: the test needs them spread", nodes)
	}
	if n := int(loads.Load()); n != len(oddKeys) {
		t.Fatalf("%d loads for %d keys read twice", n, len(oddKeys))
	}
	if err := aside.Invalidate(ctx, oddKeys...); err != nil {
		t.Fatal(err)
	}
	for _, key := range oddKeys {
		if _, err := aside.Get(ctx, key, load); err != nil {
			t.Fatalf("get %q after the invalidation: %v", key, err)
		}
	}
	if n := int(loads.Load()); n != 2*len(oddKeys) {
		t.Fatalf("%d loads after invalidating %d keys, want each loaded again", n, len(oddKeys))
	}
	found, err := aside.GetMany(ctx, oddKeys, func(context.Context, []string) (map[string][]byte, error) {
		t.Error("GetMany loaded keys that are cached")
		return nil, nil
	})
	if err != nil || len(found) != len(oddKeys) {
		t.Fatalf("GetMany over the cluster: %d of %d, %v", len(found), len(oddKeys), err)
	}
}

func TestOpenInClusterModeRefusesASingleServer(t *testing.T) {
	testenv.Integration(t)
	if client, err := cache.Open(context.Background(), testenv.RedisAddr(), true); err == nil {
		client.Close()
		t.Fatalf("cluster mode accepted the single server at %s", testenv.RedisAddr())
	}
}

func TestOpenRefusesASeedListWithoutClusterMode(t *testing.T) {
	_, err := cache.Open(context.Background(), "127.0.0.1:1,127.0.0.1:2", false)
	if err == nil || !strings.Contains(err.Error(), "cluster") {
		t.Fatalf("a node list without cluster mode: %v", err)
	}
}
