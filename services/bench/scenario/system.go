package scenario

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"go.temporal.io/sdk/client"

	"mall/services/app"
	"mall/services/bench"
	"mall/services/platform/config"
	"mall/services/platform/devserver"
	"mall/services/platform/logging"
	"mall/services/platform/ratelimit"
	"mall/services/platform/server"
)

// system is the whole mall started in this process for a benchmark, in
// the shape `mall dev` runs it: migrated and seeded databases, every
// service on a loopback port with its access log on (written to a file),
// a Temporal worker (with a dev server of its own when none answers), the
// flash-sale sweeper, a batched order writer, and the ops endpoint whose
// /metrics the benchmarks read their outcomes from.
type system struct {
	cfg        config.Config
	deps       *app.Deps
	temporal   client.Client
	runID      string       // distinguishes this run's task queue, users and requests
	metricsURL string       // the ops endpoint's /metrics
	metrics    *http.Client // reads it
	logPath    string       // the servers' log, access log included
	stopWriter func()       // stops the running order writer (once; the system's closing too)
	closers
}

// closers undo what a benchmark started, last started first.
type closers []func()

func (c *closers) add(f func()) { *c = append(*c, f) }

func (c closers) Close() {
	for i := len(c) - 1; i >= 0; i-- {
		c[i]()
	}
}

// startSystem starts the system of the benchmark name on env's
// configuration, with the Temporal CLI at temporalBin for a dev server.
func startSystem(ctx context.Context, env Env, temporalBin, name string) (_ *system, err error) {
	s := &system{cfg: benchConfig(env.Config), runID: fmt.Sprintf("%06x", rand.Uint32()&0xffffff)}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	if !devserver.Answers(s.cfg.TemporalAddress) {
		fmt.Fprintln(env.Progress, "starting a Temporal dev server (in memory)")
		server, err := devserver.StartTemporal(ctx, devserver.TemporalOptions{Binary: temporalBin})
		if err != nil {
			return nil, err
		}
		s.add(server.Stop)
		s.cfg.TemporalAddress = server.Address
	}
	s.cfg.TaskQueue = name + "-" + s.runID
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.add(func() { listener.Close() })
	s.cfg.InternalURL = "http://" + listener.Addr().String()
	s.cfg.PublicURL = s.cfg.InternalURL

	logger, err := s.openLog(name)
	if err != nil {
		return nil, err
	}
	fmt.Fprintln(env.Progress, "the servers log (access log included) to", s.logPath)

	// Every run starts from empty databases: what earlier runs wrote
	// (a million orders after a few seckill runs) outgrows MariaDB's
	// buffer pool and would slow each run more than the one before.
	fmt.Fprintln(env.Progress, "preparing: emptying, migrating and seeding", s.cfg.DBPrefix+"* databases")
	if err := app.DropDatabases(ctx, s.cfg, app.Domains()); err != nil {
		return nil, err
	}
	if err := app.Migrate(ctx, s.cfg, app.Domains(), env.Logger); err != nil {
		return nil, err
	}
	if _, err := app.Seed(ctx, s.cfg, env.Logger); err != nil {
		return nil, err
	}
	if s.deps, err = app.NewDeps(ctx, s.cfg, logger); err != nil {
		return nil, err
	}
	s.add(s.deps.Close)
	srv, err := app.NewServer(ctx, s.deps, app.Domains())
	if err != nil {
		return nil, err
	}
	serveCtx, stopServing := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- app.Serve(serveCtx, s.deps, srv, listener) }()
	s.add(func() {
		stopServing()
		if err := <-served; err != nil {
			env.Logger.Warn("bench system stopped with an error", "err", err)
		}
	})
	if s.temporal, err = s.deps.Temporal(ctx); err != nil {
		return nil, err
	}
	w, err := app.NewWorker(s.deps, s.temporal)
	if err != nil {
		return nil, err
	}
	if err := w.Start(); err != nil {
		return nil, err
	}
	s.add(w.Stop)
	if err := app.StartSweeper(ctx, s.deps, s.temporal); err != nil {
		return nil, err
	}
	if err := s.startWriter(ctx); err != nil {
		return nil, err
	}
	return s, s.startOps(ctx, env)
}

// openLog opens the servers' log: JSON lines at info level, buffered, as
// a deployment writes them, into a file so that the terminal keeps the
// report.
func (s *system) openLog(name string) (*slog.Logger, error) {
	f, err := os.CreateTemp("", "mall-"+name+"-*.log")
	if err != nil {
		return nil, err
	}
	s.add(func() { _ = f.Close() })
	s.logPath = f.Name()
	logger, flushLog, err := logging.NewBuffered(f, "info")
	if err != nil {
		return nil, err
	}
	// Buffered as a deployment's is; closed (written out) before the file,
	// after the servers that log to it have stopped.
	s.add(func() { _ = flushLog() })
	return logger, nil
}

// startWriter runs a batched flash-sale order writer until s.stopWriter
// is called or the system closes.
func (s *system) startWriter(ctx context.Context) error {
	writer, closeWriter, err := app.NewWriter(s.deps)
	if err != nil {
		return err
	}
	writerCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- writer.Run(writerCtx) }()
	s.stopWriter = sync.OnceFunc(func() {
		stop()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			s.deps.Logger.Warn("bench writer stopped with an error", "err", err)
		}
		closeWriter()
	})
	s.add(s.stopWriter)
	return nil
}

// serveComparison serves a comparison server beside the mall: the mall's
// server options, no domain, what mount adds; it answers on a loopback
// port (its URL returned) until the system closes.
func (s *system) serveComparison(ctx context.Context, name string, mount func(*server.Server)) (string, error) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	s.add(func() { listener.Close() })
	srv, err := app.NewServer(ctx, s.deps, nil)
	if err != nil {
		return "", err
	}
	mount(srv)
	serveCtx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(serveCtx, listener) }()
	s.add(func() {
		stop()
		if err := <-served; err != nil && !errors.Is(err, context.Canceled) {
			s.deps.Logger.Warn("bench "+name, "err", err)
		}
	})
	return "http://" + listener.Addr().String(), nil
}

// startOps serves the ops endpoint (/metrics, /debug/pprof/) on a
// loopback port, printed so a phase can be profiled while it runs.
func (s *system) startOps(ctx context.Context, env Env) error {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	s.metricsURL = "http://" + listener.Addr().String() + "/metrics"
	fmt.Fprintf(env.Progress, "ops endpoint: http://%s (/metrics; profiles under /debug/pprof/)\n", listener.Addr())
	s.metrics = &http.Client{Transport: &http.Transport{}}
	opsCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- app.NewOpsServer(s.deps.Logger).Serve(opsCtx, listener) }()
	s.add(func() {
		s.metrics.CloseIdleConnections() // or the ops server waits for them
		stop()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			env.Logger.Warn("bench ops endpoint stopped with an error", "err", err)
		}
	})
	return nil
}

// measure runs load with gen after its ceilings and returns what the
// server counted of series meanwhile.
func (s *system) measure(ctx context.Context, gen bench.Generator, progress io.Writer, series bench.Series, load bench.Load, ceilings ...bench.Load) (bench.Summary, bench.Counts, error) {
	var measured []bench.Summary
	for _, c := range ceilings {
		m, err := gen.Run(ctx, c, progress)
		if err != nil {
			return bench.Summary{Name: load.Name}, nil, err
		}
		measured = append(measured, m)
	}
	before, err := bench.ScrapeCounter(ctx, s.metrics, s.metricsURL, series)
	if err != nil {
		return bench.Summary{Name: load.Name}, nil, err
	}
	summary, runErr := gen.Run(ctx, load, progress)
	summary.Ceilings = measured
	after, err := bench.ScrapeCounter(ctx, s.metrics, s.metricsURL, series)
	if err != nil {
		return summary, nil, errors.Join(runErr, err)
	}
	return summary, after.Sub(before), runErr
}

// benchConfig is cfg for a system the benchmark runs on this machine: in
// development mode (a generated key, the demo data), and with registration
// unthrottled, since every benchmark shopper comes from one address. Its
// databases and Valkey keys are its own (<db-prefix>bench_*, <cache
// prefix>bench:), so the demo data and the demo admin never reach the
// databases of a deployment the benchmark is pointed at.
func benchConfig(cfg config.Config) config.Config {
	cfg.Dev = true
	cfg.DBPrefix += "bench_"
	cfg.CachePrefix += "bench:"
	cfg.RegisterLimitPerAddress = ratelimit.Limit{Burst: 1 << 20, Period: time.Second}
	return cfg
}
