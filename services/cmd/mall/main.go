// Command mall runs any role of the mall: serve, worker, migrate, seed, dev,
// and health (the container probe).
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"mall/services/platform/config"
	"mall/services/platform/logging"
	"mall/services/platform/telemetry"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newRootCommand().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "mall:", err)
		os.Exit(1)
	}
}

// cli carries the parsed configuration to every subcommand.
type cli struct {
	cfg           config.Config
	logger        *slog.Logger
	stopTelemetry func(context.Context) error
}

func newRootCommand() *cobra.Command {
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
			logger, err := logging.New(os.Stderr, c.cfg.LogLevel)
			if err != nil {
				return err
			}
			c.logger = logger
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
	root.AddCommand(c.serveCommand(), c.workerCommand(), c.writerCommand(), c.migrateCommand(), c.seedCommand(), c.devCommand(), c.healthCommand(), c.benchCommand(), c.paysimCommand())
	return root
}
