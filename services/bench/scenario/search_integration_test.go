package scenario

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"mall/services/platform/config"
	"mall/services/platform/testenv"
)

// The search bench end to end on a small catalog: it seeds, waits for the
// index and a rebuilt one, drives every phase without an error, times the
// title changes, and reports all of it.
func TestSearchBenchRunsEndToEnd(t *testing.T) {
	cfg := systemTestConfig(t)
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err := Search(ctx, Env{Config: cfg, Logger: testenv.Logger(), Out: &out, Progress: io.Discard}, SearchOptions{
		Products: 1000, Batch: 300, Queries: 40, Concurrency: 4, Duration: 500 * time.Millisecond,
		Updates: 3, IndexTimeout: 30 * time.Second,
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	report := out.String()
	for _, want := range []string{
		"note: seeding 1000 products took", "note: indexing 1000 products took", "counted all 1000 products after",
		"SearchProducts distinct", "note: freshness: 3 title changes (UpdateProduct) searchable after",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	if strings.Contains(report, "first error") || strings.Contains(report, "not found within") {
		t.Errorf("errors or titles never found:\n%s", report)
	}
}

// systemTestConfig is the configuration of a bench system a test starts:
// its own databases, cache prefix and key file, the test's Temporal.
func systemTestConfig(t *testing.T) config.Config {
	t.Helper()
	keyFile := testenv.SigningKeyFile(t)
	return config.Config{
		MySQLDSN: testenv.MySQLDSN(), DBPrefix: testenv.DatabasePrefix(t), RedisAddr: testenv.RedisAddr(),
		CachePrefix: "test:" + testenv.RandomID(4) + ":", JWTKeyFile: keyFile,
		TemporalAddress: testenv.Temporal(t), TemporalNamespace: "default", TokenTTL: time.Hour,
	}
}
