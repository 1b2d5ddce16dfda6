package scenario

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"time"

	"go.temporal.io/sdk/client"

	"mall/services/app"
	"mall/services/platform/config"
	"mall/services/platform/devserver"
	"mall/services/platform/ratelimit"
)

// system is the whole mall started in this process for a benchmark:
// migrated and seeded databases, every service on a loopback port, and a
// Temporal worker (with a dev server of its own when none answers).
type system struct {
	cfg      config.Config
	deps     *app.Deps
	temporal client.Client
	runID    string // distinguishes this run's task queue, users and requests
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

	fmt.Fprintln(env.Progress, "preparing: migrating and seeding", s.cfg.DBPrefix+"* databases")
	if err := app.Migrate(ctx, s.cfg, app.Domains(), env.Logger); err != nil {
		return nil, err
	}
	if _, err := app.Seed(ctx, s.cfg, env.Logger); err != nil {
		return nil, err
	}
	if s.deps, err = app.NewDeps(ctx, s.cfg, env.Logger); err != nil {
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
	return s, nil
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
