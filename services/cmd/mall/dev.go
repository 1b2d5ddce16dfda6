package main

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"mall/services/app"
	"mall/services/paysim"
	"mall/services/platform/devserver"
	"mall/services/user"
	"mall/workflows/healthcheck"
)

func (c *cli) devCommand() *cobra.Command {
	var (
		temporalBin    string
		temporalUIPort int
		stateDir       string
		startLocal     bool
	)
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run the whole mall on this machine: databases, Temporal, Kafka, every service, the worker and a writer",
		RunE: func(cmd *cobra.Command, _ []string) error {
			// Development mode, whatever --dev says: the public defaults,
			// a generated key, the demo admin.
			c.cfg.Dev = true
			c.applyDevelopmentMode(cmd)
			if c.cfg.OpsAddr == "" {
				c.cfg.OpsAddr = "127.0.0.1:0" // a free local port, printed below
			}
			if !cmd.Flags().Changed("kafka-port") && os.Getenv("MALL_KAFKA_PORT") == "" {
				c.cfg.KafkaPort = 9092 // a fixed port, so other local processes can join
			}
			return c.runDev(cmd.Context(), temporalBin, temporalUIPort, stateDir, startLocal)
		},
	}
	cmd.Flags().StringVar(&temporalBin, "temporal-bin", "tools/bin/temporal", "Temporal CLI used for the dev server")
	cmd.Flags().IntVar(&temporalUIPort, "temporal-ui-port", 8233, "port of the Temporal Web UI")
	cmd.Flags().StringVar(&stateDir, "state-dir", ".mall", "folder for local state (Temporal database, logs, dev keys)")
	cmd.Flags().BoolVar(&startLocal, "start-local", true, "start MariaDB and Redis if installed but not answering")
	return cmd
}

func (c *cli) runDev(ctx context.Context, temporalBin string, uiPort int, stateDir string, startLocal bool) error {
	log := c.logger
	if startLocal {
		if err := c.ensureLocalServers(ctx); err != nil {
			return err
		}
	}
	temporalUI, stopTemporal, err := c.ensureTemporal(ctx, temporalBin, uiPort, stateDir)
	if err != nil {
		return err
	}
	defer stopTemporal()
	if c.cfg.TemporalUIURL == "" && strings.HasPrefix(temporalUI, "http") {
		c.cfg.TemporalUIURL = temporalUI
	}

	domains := app.Domains()
	if err := app.Migrate(ctx, c.cfg, domains, log); err != nil {
		return err
	}
	if _, err := app.Seed(ctx, c.cfg, log); err != nil {
		return err
	}
	deps, err := app.NewDeps(ctx, c.cfg, log)
	if err != nil {
		return err
	}
	defer deps.Close()
	srv, err := app.NewServer(ctx, deps, domains)
	if err != nil {
		return err
	}
	listener, err := net.Listen("tcp", c.cfg.HTTPAddr)
	if err != nil {
		return err
	}
	serving := false
	defer func() {
		if !serving {
			listener.Close()
		}
	}()
	paysimNote, err := c.startDevPaysim(ctx)
	if err != nil {
		return err
	}
	opsAddr, err := c.startOps(ctx)
	if err != nil {
		return err
	}
	stopRoles, err := c.startDevRoles(ctx, deps)
	if err != nil {
		return err
	}
	defer stopRoles()

	fmt.Fprintf(os.Stdout, `
Mall is running. Ctrl-C stops everything this command started.
  API (Connect, gRPC, gRPC-Web)  http://localhost%s
  Temporal Web UI                %s
  Temporal frontend              %s
  Payment simulator (pay pages)  %s
  Metrics, health (ops)          http://%s/metrics
  Kafka brokers                  %v (embedded: %t)
  MySQL / Redis                  %s / %s
  Demo admin (development only)  %s / %s
  try: grpcurl -plaintext localhost%s list
`, portOf(c.cfg.HTTPAddr), temporalUI, c.cfg.TemporalAddress, paysimNote, opsAddr, deps.Kafka.Brokers, deps.Kafka.Embedded(),
		c.cfg.MySQLDSN, c.cfg.RedisAddr, user.DevAdminLogin, user.DevAdminPassword, portOf(c.cfg.HTTPAddr))

	serving = true
	err = app.Serve(ctx, deps, srv, listener)
	log.Info("shutting down")
	return err
}

// ensureLocalServers starts MariaDB and Redis when they are installed but
// not answering.
func (c *cli) ensureLocalServers(ctx context.Context) error {
	dsn, err := mysql.ParseDSN(c.cfg.MySQLDSN)
	if err != nil {
		return err
	}
	if err := devserver.EnsureLocal(ctx, c.logger, "mariadb", dsn.Addr); err != nil {
		return err
	}
	if c.cfg.RedisCluster {
		return nil // a cluster is the operator's to start; it is checked on connecting
	}
	return devserver.EnsureLocal(ctx, c.logger, "redis", c.cfg.RedisAddr)
}

// ensureTemporal starts a Temporal dev server at --temporal-address unless
// one answers there, and returns its Web UI's address and how to stop it.
func (c *cli) ensureTemporal(ctx context.Context, temporalBin string, uiPort int, stateDir string) (string, func(), error) {
	if devserver.Answers(c.cfg.TemporalAddress) {
		c.logger.Info("using the Temporal server already answering", "addr", c.cfg.TemporalAddress)
		return "(an external Temporal server is in use)", func() {}, nil
	}
	_, portText, err := net.SplitHostPort(c.cfg.TemporalAddress)
	if err != nil {
		return "", nil, err
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return "", nil, err
	}
	logFile, err := openLog(filepath.Join(stateDir, "temporal.log"))
	if err != nil {
		return "", nil, err
	}
	c.logger.Info("starting Temporal dev server", "addr", c.cfg.TemporalAddress, "log", logFile.Name())
	temporal, err := devserver.StartTemporal(ctx, devserver.TemporalOptions{
		Binary: temporalBin, Port: port, UIPort: uiPort,
		DBFile: filepath.Join(stateDir, "temporal.db"), Output: logFile,
	})
	if err != nil {
		_ = logFile.Close() // the start failed: that is the error to report
		return "", nil, err
	}
	return temporal.UIURL, func() {
		temporal.Stop()
		_ = logFile.Close() // the dev server wrote to it: nothing of ours to flush
	}, nil
}

// startDevRoles runs the worker (checked to be polling), the flash-sale
// sweeper and a writer in this process, and returns how to stop them.
func (c *cli) startDevRoles(ctx context.Context, deps *app.Deps) (func(), error) {
	tc, err := deps.Temporal(ctx)
	if err != nil {
		return nil, err
	}
	w, err := app.NewWorker(deps, tc)
	if err != nil {
		return nil, err
	}
	if err := w.Start(); err != nil {
		return nil, err
	}
	if err := checkWorker(ctx, tc, c.cfg.TaskQueue); err != nil {
		w.Stop()
		return nil, err
	}
	if err := app.StartSweeper(ctx, deps, tc); err != nil {
		w.Stop()
		return nil, err
	}
	writer, closeWriter, err := app.NewWriter(deps)
	if err != nil {
		w.Stop()
		return nil, err
	}
	go func() { _ = writer.Run(ctx) }()
	return func() { closeWriter(); w.Stop() }, nil
}

// startDevPaysim runs the payment simulator in this process at the
// provider URL, unless something answers there already (e.g. a `mall
// paysim` with injected faults). It stops with ctx.
func (c *cli) startDevPaysim(ctx context.Context) (string, error) {
	u, err := url.Parse(c.cfg.ProviderURL)
	if err != nil {
		return "", fmt.Errorf("--provider-url: %w", err)
	}
	if devserver.Answers(u.Host) {
		c.logger.Info("using the payment provider already answering", "url", c.cfg.ProviderURL)
		return c.cfg.ProviderURL + " (external)", nil
	}
	listener, err := net.Listen("tcp", u.Host)
	if err != nil {
		return "", err
	}
	go func() {
		if err := runPaysim(ctx, paysim.New(c.paysimOptions("")), listener, c.cfg.ShutdownTimeout); err != nil {
			c.logger.Error("payment simulator stopped", "err", err)
		}
	}()
	return c.cfg.ProviderURL, nil
}

// checkWorker runs the health-check workflow once, proving the worker polls.
func checkWorker(ctx context.Context, tc client.Client, taskQueue string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	run, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:        "dev-healthcheck-" + strconv.FormatInt(time.Now().UnixNano(), 36),
		TaskQueue: taskQueue,
	}, healthcheck.WorkflowName, "ready")
	if err != nil {
		return fmt.Errorf("start health-check workflow: %w", err)
	}
	var result healthcheck.Result
	if err := run.Get(ctx, &result); err != nil {
		return fmt.Errorf("health-check workflow: %w", err)
	}
	return nil
}

func openLog(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	return os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
}

func portOf(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return ":" + port
}
