package app

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/valkey-io/valkey-go"
	"go.temporal.io/sdk/client"
	"golang.org/x/sync/errgroup"

	"mall/gen/mall/ops/v1/opsv1connect"
	"mall/services/ops"
	"mall/services/platform/audit"
	"mall/services/platform/auth"
	"mall/services/platform/cache"
	"mall/services/platform/config"
	"mall/services/platform/db"
	"mall/services/platform/feed"
	"mall/services/platform/kafka"
	"mall/services/platform/rpcclient"
	"mall/services/platform/server"
	"mall/services/platform/temporalx"
	"mall/services/platform/webui"
)

// Deps are what the domains are built from: configuration, the shared
// clients, and hooks for background work and cache switches.
type Deps struct {
	Config config.Config
	Logger *slog.Logger
	Keys   *auth.Keys
	Valkey valkey.Client
	Kafka  *kafka.Cluster
	// Revocations is the deny-list (logouts, password changes) every server checks.
	Revocations *auth.ValkeyRevocations

	internalClient *http.Client
	internalURL    string

	mu           sync.Mutex
	temporal     client.Client
	databases    map[string]*bun.DB
	background   []func(context.Context) error
	closers      []func()
	cacheToggles []func(bool)
	httpRoutes   map[string]http.Handler
	readyGates   []readyGate
	changes      *feed.Feed
}

type readyGate struct {
	service string
	ready   func() bool
}

// NewDeps connects what every role needs: signing keys, Valkey and Kafka
// (an embedded broker when no brokers are configured). Only development
// mode creates a missing key file.
func NewDeps(ctx context.Context, cfg config.Config, logger *slog.Logger) (*Deps, error) {
	loadKeys := auth.LoadKeys
	if cfg.Dev {
		loadKeys = auth.LoadOrCreateKeys
	}
	keys, err := loadKeys(cfg.JWTKeyFile)
	if err != nil {
		return nil, err
	}
	// Roles that call no other service (migrate, seed) may leave it empty.
	internalClient, internalURL := rpcclient.HTTPClient(), ""
	if cfg.InternalURL != "" {
		if internalClient, internalURL, err = rpcclient.Internal(cfg.InternalURL); err != nil {
			return nil, fmt.Errorf("--internal-url: %w", err)
		}
	}
	client, err := cache.Open(ctx, cfg.RedisAddr, cfg.RedisCluster)
	if err != nil {
		return nil, err
	}
	cluster, err := kafka.Connect(cfg.KafkaBrokers, cfg.KafkaPort)
	if err != nil {
		client.Close()
		return nil, err
	}
	d := &Deps{Config: cfg, Logger: logger, Keys: keys, Valkey: client, Kafka: cluster, databases: map[string]*bun.DB{},
		internalClient: internalClient, internalURL: internalURL,
		Revocations: auth.NewValkeyRevocations(client, revocationsPrefix(cfg))}
	d.OnClose(cluster.Close)
	d.OnClose(client.Close)
	return d, nil
}

// revocationsPrefix is where the deny-list lives in Valkey.
func revocationsPrefix(cfg config.Config) string { return cfg.CachePrefix + "revoked:" }

// Database returns the handle on a domain's own database.
func (d *Deps) Database(ctx context.Context, domain string) (*bun.DB, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if handle, ok := d.databases[domain]; ok {
		return handle, nil
	}
	handle, err := db.Open(ctx, d.Config.MySQLDSN, d.Config.DBPrefix+domain)
	if err != nil {
		return nil, err
	}
	d.databases[domain] = handle
	stopObserving := db.ObservePool(handle, d.Config.DBPrefix+domain)
	d.closers = append(d.closers, func() { stopObserving(); handle.Close() })
	return handle, nil
}

// Temporal returns the process's Temporal client, dialing it on first use
// (only the roles that start or run workflows need one).
func (d *Deps) Temporal(ctx context.Context) (client.Client, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.temporal != nil {
		return d.temporal, nil
	}
	tc, err := temporalx.Dial(ctx, d.Config.TemporalAddress, d.Config.TemporalNamespace, d.Logger)
	if err != nil {
		return nil, err
	}
	d.temporal = tc
	d.closers = append(d.closers, tc.Close)
	return tc, nil
}

// ServiceClientOptions are what a domain needs to call other services as
// caller: an h2c HTTP client (taking turns over the --internal-url list),
// their base URL, and gRPC with a service token.
func (d *Deps) ServiceClientOptions(caller string) (*http.Client, string, []connect.ClientOption) {
	return d.internalClient, d.internalURL, rpcclient.NewServiceCredential(d.Keys, caller).Options()
}

// Background registers work (consumers, refreshers) that runs while the
// process serves.
func (d *Deps) Background(run func(context.Context) error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.background = append(d.background, run)
}

// Feed returns the process's change feed (one subscription however many
// domains stream), starting its subscription with the background work.
func (d *Deps) Feed() *feed.Feed {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.changes == nil {
		d.changes = feed.New(d.Valkey, d.Logger, feed.DefaultOptions(FeedChannel(d.Config)))
		d.background = append(d.background, d.changes.Run)
	}
	return d.changes
}

// FeedChannel is the pub/sub channel of the change hints.
func FeedChannel(cfg config.Config) string { return cfg.CachePrefix + "feed:changes" }

// OnClose registers cleanup, run in reverse order by Close.
func (d *Deps) OnClose(fn func()) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closers = append(d.closers, fn)
}

// HandleHTTP registers a plain HTTP route (images, webhooks) on the server.
func (d *Deps) HandleHTTP(pattern string, handler http.Handler) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.httpRoutes == nil {
		d.httpRoutes = map[string]http.Handler{}
	}
	d.httpRoutes[pattern] = handler
}

// ReadyWhen keeps the server's gRPC health (the readiness probe) not
// serving for service, and for the process, until ready answers true.
func (d *Deps) ReadyWhen(service string, ready func() bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.readyGates = append(d.readyGates, readyGate{service: service, ready: ready})
}

// OnCacheToggle registers a cache switch (benchmarks compare on and off).
func (d *Deps) OnCacheToggle(fn func(enabled bool)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cacheToggles = append(d.cacheToggles, fn)
}

// SetCacheEnabled turns every registered cache on or off.
func (d *Deps) SetCacheEnabled(enabled bool) {
	d.mu.Lock()
	toggles := append([]func(bool){}, d.cacheToggles...)
	d.mu.Unlock()
	for _, toggle := range toggles {
		toggle(enabled)
	}
}

// Close releases everything, last opened first.
func (d *Deps) Close() {
	d.mu.Lock()
	closers := d.closers
	d.closers = nil
	d.mu.Unlock()
	for i := len(closers) - 1; i >= 0; i-- {
		closers[i]()
	}
}

// OpenDatabase opens the domain's own database, creating it if needed.
func OpenDatabase(ctx context.Context, cfg config.Config, d Domain) (*bun.DB, error) {
	return db.Open(ctx, cfg.MySQLDSN, cfg.DBPrefix+d.Name)
}

// MigrateDomain applies the domain's pending migrations and returns their names.
func MigrateDomain(ctx context.Context, cfg config.Config, d Domain) ([]string, error) {
	handle, err := OpenDatabase(ctx, cfg, d)
	if err != nil {
		return nil, err
	}
	defer handle.Close()
	applied, err := db.Migrate(ctx, handle, d.Migrations)
	if err != nil {
		return nil, fmt.Errorf("migrate %s%s: %w", cfg.DBPrefix, d.Name, err)
	}
	return applied, nil
}

// DropDatabases removes each domain's database under cfg's prefix: only
// for a configuration whose databases are a tool's own (the benchmarks').
func DropDatabases(ctx context.Context, cfg config.Config, domains []Domain) error {
	for _, d := range domains {
		if err := db.DropDatabase(ctx, cfg.MySQLDSN, cfg.DBPrefix+d.Name); err != nil {
			return err
		}
	}
	return nil
}

// Migrate applies each domain's migrations to its own database.
func Migrate(ctx context.Context, cfg config.Config, domains []Domain, logger *slog.Logger) error {
	for _, d := range domains {
		if d.Migrations == nil {
			continue
		}
		applied, err := MigrateDomain(ctx, cfg, d)
		if err != nil {
			return err
		}
		logger.Info("migrated", "database", cfg.DBPrefix+d.Name, "applied", applied)
	}
	return nil
}

// NewServer builds the domains and mounts their handlers on a platform server.
func NewServer(ctx context.Context, deps *Deps, domains []Domain) (*server.Server, error) {
	srv := server.New(server.Options{
		Logger:             deps.Logger,
		Authenticator:      auth.NewAuthenticator(deps.Keys, deps.Revocations),
		CORSOrigins:        deps.Config.CORSOrigins,
		ShutdownTimeout:    deps.Config.ShutdownTimeout,
		MaxRequestBytes:    deps.Config.MaxRequestBytes,
		RequestReadTimeout: deps.Config.RequestReadTimeout,
		Reflection:         deps.Config.Reflection || deps.Config.Dev,
		Interceptors:       []connect.Interceptor{auditInterceptor(deps)},
	})
	// The serving process holds the deny-list in memory: every
	// authenticated request checks it.
	deps.Background(func(ctx context.Context) error { return deps.Revocations.Follow(ctx, deps.Logger) })
	for _, d := range domains {
		path, handler, err := d.Mount(ctx, deps, srv.HandlerOptions()...)
		if err != nil {
			return nil, fmt.Errorf("build %s: %w", d.Name, err)
		}
		srv.Mount(path, handler)
	}
	deps.mu.Lock()
	defer deps.mu.Unlock()
	for pattern, handler := range deps.httpRoutes {
		srv.Handle(pattern, handler)
	}
	for _, g := range deps.readyGates {
		srv.ReadyWhen(g.service, g.ready)
	}
	if dir := deps.Config.WebDir; dir != "" && len(domains) > 0 {
		if webui.Available(dir) {
			srv.Handle("/", webui.Handler(dir))
		} else {
			deps.Logger.Info("no built web storefront to serve", "web_dir", dir)
		}
	}
	return srv, nil
}

// auditInterceptor records every operator action through the ops service
// (wherever it runs), as the "audit" service.
func auditInterceptor(deps *Deps) connect.Interceptor {
	httpClient, url, clientOpts := deps.ServiceClientOptions("audit")
	recorder := ops.NewAuditRecorder(opsv1connect.NewOpsServiceClient(httpClient, url, clientOpts...))
	return audit.NewInterceptor(recorder, uuid.NewString, deps.Logger)
}

// NewOpsServer is the ops endpoint of any role: /metrics, gRPC health and
// Go's profiles (/debug/pprof/), no services, served apart from the API so
// what the process measures is not published to its clients.
func NewOpsServer(logger *slog.Logger) *server.Server {
	return server.New(server.Options{Logger: logger, ShutdownTimeout: time.Second, Metrics: true, Profiling: true})
}

// Serve answers on listener and runs the domains' background work until
// ctx ends or either fails.
func Serve(ctx context.Context, deps *Deps, srv *server.Server, listener net.Listener) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return srv.Serve(ctx, listener) })
	deps.mu.Lock()
	background := append([]func(context.Context) error{}, deps.background...)
	deps.mu.Unlock()
	for _, run := range background {
		g.Go(func() error { return run(ctx) })
	}
	return g.Wait()
}
