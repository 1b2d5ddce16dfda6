package bench

import (
	"slices"
	"testing"
	"time"
)

func TestStatCPUAddsUserAndSystemTimeAfterTheCommandName(t *testing.T) {
	// A command name with spaces and a parenthesis of its own; utime 250
	// and stime 31 ticks (fields 14 and 15).
	line := "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 31 0 0 20 0 8 0 100 1000 50 18446744073709551615\n"
	got, err := statCPU(line)
	if err != nil || got != 2810*time.Millisecond {
		t.Fatalf("statCPU = %v, %v; want 2.81s", got, err)
	}
	for _, bad := range []string{"4242 no name here", "4242 (short) S 1 2 3", "4242 (x) S 1 1 1 0 -1 0 0 0 0 0 ten 31 0"} {
		if _, err := statCPU(bad); err == nil {
			t.Errorf("statCPU(%q) took it", bad)
		}
	}
}

// The tests' MariaDB and Redis run on this machine, as make run's do: both
// are found, with the CPU time they have used.
func TestStoresCPUFindsTheLocalDatabaseAndCache(t *testing.T) {
	cpu, names := StoresCPU()
	hasDB := slices.Contains(names, "mariadbd") || slices.Contains(names, "mysqld")
	hasCache := slices.Contains(names, "redis-server") || slices.Contains(names, "valkey-server")
	if !hasDB || !hasCache || cpu <= 0 {
		t.Fatalf("stores found: %v, CPU %v", names, cpu)
	}
}
