// Package testenv gives integration tests the real parts they run against:
// the local MariaDB and Redis, an embedded Kafka broker, and a Temporal dev
// server started by the test itself. A missing part fails the test; nothing
// is skipped, except that `go test -short` (the fast tier of pure logic)
// leaves out every test that reaches one of those servers.
package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/go-sql-driver/mysql" // registers the mysql driver
	"github.com/uptrace/bun"
	"github.com/valkey-io/valkey-go"

	"mall/services/platform/cache"
	"mall/services/platform/db"
	"mall/services/platform/devserver"
)

// MySQLDSN is the server DSN of the test database server.
func MySQLDSN() string {
	if dsn := os.Getenv("MALL_TEST_MYSQL_DSN"); dsn != "" {
		return dsn
	}
	return "root@tcp(127.0.0.1:3306)/"
}

// RedisAddr is the address of the test Redis/Valkey.
func RedisAddr() string {
	if addr := os.Getenv("MALL_TEST_REDIS_ADDR"); addr != "" {
		return addr
	}
	return "127.0.0.1:6379"
}

// RedisClusterSeeds is MALL_TEST_REDIS_CLUSTER: when set, the seed nodes
// (comma-separated) of a Valkey/Redis Cluster that Redis connects to
// instead of the test server, to run a package's tests against a cluster.
func RedisClusterSeeds() string { return os.Getenv("MALL_TEST_REDIS_CLUSTER") }

// Logger discards output unless MALL_TEST_LOG is set.
func Logger() *slog.Logger {
	if os.Getenv("MALL_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// RandomID returns n random bytes as hex, for names no other test uses.
func RandomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// DatabasePrefix returns a fresh database-name prefix and drops every
// database with it when the test ends.
func DatabasePrefix(t testing.TB) string {
	t.Helper()
	Integration(t)
	prefix := "t" + RandomID(4) + "_"
	server, err := sql.Open("mysql", MySQLDSN())
	if err != nil {
		t.Fatal(err)
	}
	if err := server.Ping(); err != nil {
		t.Fatalf("MariaDB at %s: %v (start it; see README)", MySQLDSN(), err)
	}
	t.Cleanup(func() {
		defer server.Close()
		rows, err := server.Query("SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE ?", prefix+"%")
		if err != nil {
			t.Errorf("list test databases: %v", err)
			return
		}
		var names []string
		for rows.Next() {
			var name string
			if rows.Scan(&name) == nil {
				names = append(names, name)
			}
		}
		rows.Close()
		for _, name := range names {
			if _, err := server.Exec("DROP DATABASE `" + name + "`"); err != nil {
				t.Errorf("drop %s: %v", name, err)
			}
		}
	})
	return prefix
}

// Databases lists the databases whose names start with prefix.
func Databases(t testing.TB, prefix string) []string {
	t.Helper()
	Integration(t)
	server, err := sql.Open("mysql", MySQLDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	rows, err := server.Query("SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE ? ORDER BY schema_name", prefix+"%")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	return names
}

// Redis connects to the test Redis (the cluster MALL_TEST_REDIS_CLUSTER
// names, if any).
func Redis(t testing.TB) valkey.Client {
	t.Helper()
	Integration(t)
	addr, cluster := RedisAddr(), false
	if seeds := RedisClusterSeeds(); seeds != "" {
		addr, cluster = seeds, true
	}
	client, err := cache.Open(context.Background(), addr, cluster)
	if err != nil {
		t.Fatalf("Redis at %s: %v (start it; see README)", addr, err)
	}
	t.Cleanup(client.Close)
	return client
}

// RedisDatabase connects to database db of the test Redis, for a test
// that flushes what it wrote. Database 0 is Redis's; any other is on the
// single test server, as a cluster has database 0 only.
func RedisDatabase(t testing.TB, db int) valkey.Client {
	t.Helper()
	if db == 0 {
		return Redis(t)
	}
	Integration(t)
	client, err := valkey.NewClient(valkey.ClientOption{InitAddress: []string{RedisAddr()}, ForceSingleClient: true, SelectDB: db})
	if err != nil {
		t.Fatalf("Redis at %s: %v (start it; see README)", RedisAddr(), err)
	}
	t.Cleanup(client.Close)
	return client
}

// Temporal starts a headless, in-memory Temporal dev server for the test and
// returns its frontend address.
func Temporal(t testing.TB) string {
	t.Helper()
	Integration(t)
	server, err := devserver.StartTemporal(context.Background(), devserver.TemporalOptions{Binary: TemporalBinary(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(server.Stop)
	return server.Address
}

// TemporalBinary is the Temporal CLI built by `make tools`, or MALL_TEMPORAL_BIN.
func TemporalBinary(t testing.TB) string {
	if bin := os.Getenv("MALL_TEMPORAL_BIN"); bin != "" {
		return bin
	}
	return filepath.Join(RepoRoot(t), "tools", "bin", "temporal")
}

// RepoRoot finds the repository root (the folder holding go.work).
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.work not found above the test's folder")
		}
		dir = parent
	}
}

// MigratedDB opens database name (created if missing; name should start
// with the test's DatabasePrefix, which drops it afterwards), applies
// migrations, and closes the handle when the test ends.
func MigratedDB(t testing.TB, name string, migrations fs.FS) *bun.DB {
	t.Helper()
	Integration(t)
	ctx := context.Background()
	handle, err := db.Open(ctx, MySQLDSN(), name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { handle.Close() })
	if _, err := db.Migrate(ctx, handle, migrations); err != nil {
		t.Fatal(err)
	}
	return handle
}
