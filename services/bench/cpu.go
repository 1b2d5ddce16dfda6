package bench

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// CPU is the CPU time (user + system) the processes on this machine used
// while a generator ran a load, from its start to its exit: this process's
// (the benchmarks run the mall's roles in it, as `mall dev` does), the
// data stores' (StoresCPU) and the generator's own. Together they show
// where a 2-core machine's time went, and which of them had none to spare.
type CPU struct {
	Wall                      time.Duration // the generator process, start to exit
	Server, Stores, Generator time.Duration
}

// Cores is d over the wall time: the cores used on average.
func (c CPU) Cores(d time.Duration) float64 {
	if c.Wall <= 0 {
		return 0
	}
	return d.Seconds() / c.Wall.Seconds()
}

// PerRequest is the server side's CPU (this process and the stores) over
// the requests it answered.
func (c CPU) PerRequest(requests int64) time.Duration {
	if requests <= 0 {
		return 0
	}
	return (c.Server + c.Stores) / time.Duration(requests)
}

// CPUMark is where this process's and the stores' CPU time stood when a
// measured run began, and when it began (MarkCPU).
type CPUMark struct {
	server, stores time.Duration
	at             time.Time
}

// MarkCPU marks the start of a measured run.
func MarkCPU() CPUMark {
	return CPUMark{server: ProcessCPU(), stores: storesCPUTime(), at: time.Now()}
}

// Since is the CPU used from m until now, the exited child process's own
// (the generator's, or a client's) as Generator.
func (m CPUMark) Since(child *os.ProcessState) CPU {
	return CPU{Wall: time.Since(m.at), Server: ProcessCPU() - m.server, Stores: storesCPUTime() - m.stores,
		Generator: child.UserTime() + child.SystemTime()}
}

// ProcessCPU is the user and system CPU time this process has used.
func ProcessCPU() time.Duration {
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		return 0
	}
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
}

// storeProcesses are the data stores' server processes whose CPU time is
// the server's as much as the mall's: a poll is mostly a MySQL read, made
// in MariaDB's process, not the mall's. Counted when they run on this
// machine, as make run's do.
var storeProcesses = []string{"mariadbd", "mysqld", "valkey-server", "redis-server"}

// userHZ is the unit of the CPU times in /proc/<pid>/stat (USER_HZ, 100
// on every Linux architecture Go builds for).
const userHZ = 100

// StoresCPU is the user and system CPU time the store processes on this
// machine have used so far, and the names of those found (none: 0, nil).
func StoresCPU() (time.Duration, []string) {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	var total time.Duration
	var names []string
	for _, dir := range dirs {
		comm, err := os.ReadFile(filepath.Join(dir, "comm"))
		name := strings.TrimSpace(string(comm))
		if err != nil || !slices.Contains(storeProcesses, name) {
			continue
		}
		stat, err := os.ReadFile(filepath.Join(dir, "stat"))
		if err != nil {
			continue // it exited
		}
		cpu, err := statCPU(string(stat))
		if err != nil {
			continue
		}
		total += cpu
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return total, names
}

// storesCPUTime is StoresCPU's time alone.
func storesCPUTime() time.Duration {
	cpu, _ := StoresCPU()
	return cpu
}

// statCPU is utime + stime of a /proc/<pid>/stat line. The command name,
// in parentheses, may hold spaces and parentheses itself: the fields
// counted are those after its last ')'.
func statCPU(stat string) (time.Duration, error) {
	end := strings.LastIndexByte(stat, ')')
	if end < 0 {
		return 0, errors.New("no command name in the stat line")
	}
	// After the name: state (field 3), ... utime (14), stime (15).
	fields := strings.Fields(stat[end+1:])
	if len(fields) < 13 {
		return 0, errors.New("a short stat line")
	}
	var ticks int64
	for _, f := range fields[11:13] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}
