package testenv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/valkey-io/valkey-go"

	"mall/services/platform/devserver"
)

// RedisCluster is a Redis Cluster of three primaries (no replicas) that a
// test started on free loopback ports with Debian's redis-server; it is
// stopped and its folder removed when the test ends.
type RedisCluster struct {
	Nodes []string                 // host:port of each primary
	nodes map[string]valkey.Client // a plain connection to each node, for looking at what it holds
}

// clusterSize is the number of primaries: the fewest a cluster spreads its
// slots over with redis-cli's defaults.
const clusterSize = 3

// StartRedisCluster starts a cluster for the test, waits until every node
// reports cluster_state:ok, and returns it. redis-server and redis-cli must
// be installed (Debian's redis-server package); a missing one fails the test.
func StartRedisCluster(t testing.TB) *RedisCluster {
	t.Helper()
	Integration(t)
	server, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redis-server is not installed (Debian: apt-get install redis-server): %v", err)
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Fatalf("redis-cli is not installed (Debian: apt-get install redis-tools): %v", err)
	}
	dir := t.TempDir()
	c := &RedisCluster{nodes: map[string]valkey.Client{}}
	for range clusterSize {
		port, err := clusterPort()
		if err != nil {
			t.Fatal(err)
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		c.Nodes = append(c.Nodes, addr)
		log := filepath.Join(dir, "redis-"+strconv.Itoa(port)+".log")
		cmd := exec.Command(server, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
			"--cluster-enabled", "yes", "--cluster-config-file", "nodes-"+strconv.Itoa(port)+".conf",
			"--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", log)
		dieWithTest(cmd)
		if err := cmd.Start(); err != nil {
			t.Fatalf("start redis-server: %v", err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			<-exited
		})
		if err := devserver.WaitFor(context.Background(), addr, 10*time.Second); err != nil {
			out, _ := os.ReadFile(log)
			t.Fatalf("redis-server on %s: %v\n%s", addr, err, out)
		}
		client, err := valkey.NewClient(valkey.ClientOption{InitAddress: []string{addr}, ForceSingleClient: true, DisableCache: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(client.Close)
		c.nodes[addr] = client
	}
	create := exec.Command(cli, append(append([]string{"--cluster", "create"}, c.Nodes...), "--cluster-replicas", "0", "--cluster-yes")...)
	if out, err := create.CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	// Each node learns the others' slots over the cluster bus; until then
	// it answers with CLUSTERDOWN.
	Eventually(t, 30*time.Second, "cluster_state:ok on every node", func() bool {
		for _, client := range c.nodes {
			info, err := client.Do(context.Background(), client.B().ClusterInfo().Build()).ToString()
			if err != nil || !strings.Contains(info, "cluster_state:ok") {
				return false
			}
		}
		return true
	})
	return c
}

// clusterPort picks a free loopback port whose cluster bus port (10000
// above it) is free too.
func clusterPort() (int, error) {
	for range 20 {
		port, err := devserver.FreePort()
		if err != nil {
			return 0, err
		}
		if port+10000 > 65535 {
			continue
		}
		bus, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port+10000)))
		if err != nil {
			continue
		}
		bus.Close()
		return port, nil
	}
	return 0, errors.New("no free port pair for a cluster node")
}

// Seeds is the node list as --redis-addr takes it with --redis-cluster.
func (c *RedisCluster) Seeds() string { return strings.Join(c.Nodes, ",") }

// ServeAsTestRedis makes Redis connect to this cluster for the rest of the
// test (MALL_TEST_REDIS_CLUSTER), so existing tests can run again on it.
func (c *RedisCluster) ServeAsTestRedis(t testing.TB) { t.Setenv("MALL_TEST_REDIS_CLUSTER", c.Seeds()) }

// Slot is key's hash slot, as the cluster computes it (CLUSTER KEYSLOT).
func (c *RedisCluster) Slot(t testing.TB, key string) int64 {
	t.Helper()
	client := c.nodes[c.Nodes[0]]
	slot, err := client.Do(context.Background(), client.B().ClusterKeyslot().Key(key).Build()).AsInt64()
	if err != nil {
		t.Fatal(err)
	}
	return slot
}

// NodeOf is the node that holds key's hash slot.
func (c *RedisCluster) NodeOf(t testing.TB, key string) string {
	t.Helper()
	slot := c.Slot(t, key)
	client := c.nodes[c.Nodes[0]]
	ranges, err := client.Do(context.Background(), client.B().ClusterSlots().Build()).ToArray()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range ranges {
		entry, err := r.ToArray()
		if err != nil || len(entry) < 3 {
			t.Fatalf("CLUSTER SLOTS entry %v: %v", r, err)
		}
		first, _ := entry[0].AsInt64()
		last, _ := entry[1].AsInt64()
		if slot < first || slot > last {
			continue
		}
		primary, err := entry[2].ToArray()
		if err != nil || len(primary) < 2 {
			t.Fatalf("CLUSTER SLOTS primary %v: %v", entry[2], err)
		}
		host, _ := primary[0].ToString()
		port, _ := primary[1].AsInt64()
		return net.JoinHostPort(host, strconv.FormatInt(port, 10))
	}
	t.Fatalf("no node serves slot %d of %q", slot, key)
	return ""
}

// Keys lists the keys matching pattern that node holds.
func (c *RedisCluster) Keys(t testing.TB, node, pattern string) []string {
	t.Helper()
	client, ok := c.nodes[node]
	if !ok {
		t.Fatalf("%s is not a node of the cluster %v", node, c.Nodes)
	}
	keys, err := client.Do(context.Background(), client.B().Keys().Pattern(pattern).Build()).AsStrSlice()
	if err != nil {
		t.Fatal(fmt.Errorf("KEYS on %s: %w", node, err))
	}
	return keys
}
