// Command mall runs any role of the mall: serve, worker, writer, paysim,
// migrate, seed, admin, dev, bench, and health (the container probe).
// Outside development mode (`mall dev`, or --dev) a role refuses to start
// with a public development secret or a missing signing key.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"mall/services/app"
	"mall/services/platform/config"
	"mall/services/platform/logging"
	"mall/services/platform/telemetry"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c, root := newCLI()
	err := root.ExecuteContext(ctx)
	// The log is buffered: what a failed command logged comes out too.
	c.closeLog()
	if err != nil {
		fmt.Fprintln(os.Stderr, "mall:", err)
		os.Exit(1)
	}
}

// cli carries the parsed configuration to every subcommand.
type cli struct {
	cfg           config.Config
	logger        *slog.Logger
	flushLog      func() error // nil until the logger is made
	stopTelemetry func(context.Context) error
}

// closeLog writes out and stops the process log's buffer.
func (c *cli) closeLog() {
	if c.flushLog != nil {
		_ = c.flushLog() // stderr that cannot be written has no one to tell
	}
}

func newRootCommand() *cobra.Command {
	_, root := newCLI()
	return root
}

// newCLI returns the root command and the configuration its flags set.
func newCLI() (*cli, *cobra.Command) {
	c := &cli{}
	root := &cobra.Command{
		Use:           "mall",
		Short:         "Mall: a high-concurrency e-commerce system on Connect, Kafka and Temporal",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := config.ApplyEnv(cmd.Flags()); err != nil {
				return err
			}
			c.applyDevelopmentMode(cmd)
			// Buffered: a write system call per access-log line cost a
			// busy server as much as the line itself.
			logger, flushLog, err := logging.NewBuffered(os.Stderr, c.cfg.LogLevel)
			if err != nil {
				return err
			}
			c.logger, c.flushLog = logger, flushLog
			slog.SetDefault(logger)
			shutdown, err := telemetry.Setup(cmd.Context(), cmd.Name())
			if err != nil {
				return err
			}
			c.stopTelemetry = shutdown
			return nil
		},
		PersistentPostRunE: func(cmd *cobra.Command, _ []string) error {
			// Send the spans still buffered; a collector that is gone does
			// not hold the process.
			ctx, cancel := context.WithTimeout(context.WithoutCancel(cmd.Context()), 5*time.Second)
			defer cancel()
			return c.stopTelemetry(ctx)
		},
	}
	c.cfg.Register(root.PersistentFlags())
	root.AddCommand(c.serveCommand(), c.workerCommand(), c.writerCommand(), c.migrateCommand(), c.seedCommand(), c.adminCommand(),
		c.devCommand(), c.healthCommand(), c.benchCommand(), c.paysimCommand())
	return c, root
}

// applyDevelopmentMode gives development mode what it needs and was not
// configured: the Vite dev server (web/, `npm run dev`) as a CORS origin.
func (c *cli) applyDevelopmentMode(cmd *cobra.Command) {
	if c.cfg.Dev && !cmd.Flags().Changed("cors-origins") {
		c.cfg.CORSOrigins = config.DevCORSOrigins
	}
}

// Needs of each long-running role: the settings it uses that have
// development defaults. `mall <role>` refuses to start outside development
// mode while any of them has its development value.
var roleNeeds = map[string]config.Needs{
	"serve":  {SigningKey: true, ProviderAPIKey: true, WebhookSecret: true, BrowserOrigins: true},
	"worker": {SigningKey: true, ProviderAPIKey: true},
	"writer": {SigningKey: true},
	"paysim": {ProviderAPIKey: true, WebhookSecret: true},
}

// needsOf is what role needs when it runs domains: only the pay service of
// a serve process talks to the provider.
func needsOf(role string, domains []app.Domain) config.Needs {
	needs := roleNeeds[role]
	if role == "serve" && !slices.ContainsFunc(domains, func(d app.Domain) bool { return d.Name == "pay" }) {
		needs.ProviderAPIKey, needs.WebhookSecret = false, false
	}
	return needs
}
