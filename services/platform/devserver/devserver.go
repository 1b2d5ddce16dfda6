// Package devserver starts the local parts a developer machine and the
// integration tests need: MariaDB and Redis when installed but not answering,
// and the Temporal CLI dev server as a child process.
package devserver

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"mall/workflows/searchattr"
)

// Answers reports whether something accepts TCP connections at addr.
func Answers(addr string) bool {
	conn, err := net.DialTimeout("tcp", addr, 500*time.Millisecond)
	if err != nil {
		return false
	}
	conn.Close()
	return true
}

// WaitFor polls addr until it answers or timeout passes.
func WaitFor(ctx context.Context, addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for !Answers(addr) {
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer within %s", addr, timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return nil
}

// localStarters are the commands that start Debian's MariaDB and Redis the
// way this machine's image does.
var localStarters = map[string][]string{
	"mariadb": {"start-stop-daemon", "--start", "--oknodo", "--background", "--exec", "/usr/sbin/mariadbd"},
	"redis":   {"redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379", "--save", "", "--appendonly", "no"},
}

// EnsureLocal starts the named local server ("mariadb" or "redis") if addr
// does not answer, and waits for it. Servers it starts are daemons that keep
// running after this process, like the ones the machine starts.
func EnsureLocal(ctx context.Context, logger *slog.Logger, name, addr string) error {
	if Answers(addr) {
		return nil
	}
	argv, ok := localStarters[name]
	if !ok {
		return fmt.Errorf("no starter for %s", name)
	}
	if _, err := exec.LookPath(argv[0]); err != nil {
		return fmt.Errorf("%s is not answering at %s and %s is not installed", name, addr, argv[0])
	}
	logger.Info("starting local server", "server", name, "addr", addr)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("start %s: %w: %s", name, err, out)
	}
	return WaitFor(ctx, addr, 30*time.Second)
}

// Temporal is a running Temporal CLI dev server.
type Temporal struct {
	Address string // frontend host:port
	UIURL   string // empty when headless
	cmd     *exec.Cmd
	done    chan struct{}
}

// TemporalOptions say how to run the dev server.
type TemporalOptions struct {
	Binary   string // path of the temporal CLI
	Port     int    // frontend port; 0 picks a free one
	UIPort   int    // 0 runs headless (no Web UI)
	DBFile   string // SQLite file; empty keeps everything in memory
	LogLevel string
	Output   io.Writer // where the server's own log goes; nil discards it
}

// errExitedEarly: the dev server ended before its frontend answered.
var errExitedEarly = errors.New("temporal dev server exited before answering")

// StartTemporal runs `temporal server start-dev` and waits for its frontend.
// On a port of its own choosing (opts.Port 0) a server that exits before
// answering is started again on another, up to three times: the port was
// free when picked, but the dev server binds further ports of its own
// choosing, and another process can take any of them meanwhile.
func StartTemporal(ctx context.Context, opts TemporalOptions) (*Temporal, error) {
	if _, err := os.Stat(opts.Binary); err != nil {
		return nil, fmt.Errorf("temporal CLI not found at %s (build it with `make tools`): %w", opts.Binary, err)
	}
	for attempt := 1; ; attempt++ {
		port := opts.Port
		if port == 0 {
			var err error
			if port, err = FreePort(); err != nil {
				return nil, err
			}
		}
		t, err := startTemporal(ctx, opts, port)
		if err == nil || opts.Port != 0 || attempt == 3 || !errors.Is(err, errExitedEarly) {
			return t, err
		}
	}
}

func startTemporal(ctx context.Context, opts TemporalOptions, port int) (*Temporal, error) {
	args := []string{"server", "start-dev", "--ip", "127.0.0.1", "--port", strconv.Itoa(port),
		"--log-level", cmp.Or(opts.LogLevel, "warn")}
	if opts.UIPort > 0 {
		args = append(args, "--ui-port", strconv.Itoa(opts.UIPort))
	} else {
		args = append(args, "--headless")
	}
	args = append(args, searchAttributeFlags()...)
	if opts.DBFile != "" {
		if err := os.MkdirAll(filepath.Dir(opts.DBFile), 0o755); err != nil {
			return nil, err
		}
		args = append(args, "--db-filename", opts.DBFile)
	}
	cmd := exec.Command(opts.Binary, args...)
	cmd.Stdout, cmd.Stderr = opts.Output, opts.Output
	// The OTEL_* variables are the mall's tracing settings; the dev server
	// reads them too and refuses some (e.g. the console exporter).
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "OTEL_") })
	// Its own process group, so a Ctrl-C aimed at us is handled by us and we
	// stop it in order.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start temporal: %w", err)
	}
	t := &Temporal{Address: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), cmd: cmd, done: make(chan struct{})}
	if opts.UIPort > 0 {
		t.UIURL = fmt.Sprintf("http://127.0.0.1:%d", opts.UIPort)
	}
	go func() { cmd.Wait(); close(t.done) }() //nolint:errcheck // exit status is reported by Stop's caller through done
	select {
	case <-t.done:
		return nil, fmt.Errorf("%w: at start (is another one using its port or database file?)", errExitedEarly)
	default:
	}
	if err := waitOrExit(ctx, t, 60*time.Second); err != nil {
		t.Stop()
		return nil, err
	}
	return t, nil
}

func waitOrExit(ctx context.Context, t *Temporal, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for !Answers(t.Address) {
		select {
		case <-t.done:
			return errExitedEarly
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("temporal dev server did not answer within %s", timeout)
		}
	}
	return nil
}

// Stop ends the server and waits until the process has exited, so its
// database file is free for the next start.
func (t *Temporal) Stop() {
	if t.cmd.Process == nil {
		return
	}
	_ = t.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-t.done:
	case <-time.After(10 * time.Second):
		_ = t.cmd.Process.Kill()
		<-t.done
	}
}

// searchAttributeFlags register the sagas' search attributes: without them
// every saga's first workflow task would fail. Registering them again on a
// kept database file is harmless.
func searchAttributeFlags() []string {
	var flags []string
	for _, key := range searchattr.All {
		flags = append(flags, "--search-attribute", key.GetName()+"="+searchattr.TypeName(key))
	}
	return flags
}

// FreePort asks the kernel for a free TCP port on loopback.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
