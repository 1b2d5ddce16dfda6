package main

import (
	"context"
	"fmt"
	"net"

	"github.com/spf13/cobra"

	"mall/services/app"
)

func (c *cli) workerCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "worker",
		Short: "Run the Temporal worker for the mall's workflows and activities",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := c.cfg.RefuseDevelopmentDefaults(needsOf("worker", nil)); err != nil {
				return err
			}
			deps, err := app.NewDeps(cmd.Context(), c.cfg, c.logger)
			if err != nil {
				return err
			}
			defer deps.Close()
			tc, err := deps.Temporal(cmd.Context())
			if err != nil {
				return err
			}
			w, err := app.NewWorker(deps, tc)
			if err != nil {
				return err
			}
			if err := app.StartSweeper(cmd.Context(), deps, tc); err != nil {
				return err
			}
			if _, err := c.startOps(cmd.Context()); err != nil {
				return err
			}
			c.logger.Info("worker polling", "temporal", c.cfg.TemporalAddress, "task_queue", c.cfg.TaskQueue,
				"services", c.cfg.InternalURL, "kafka", deps.Kafka.Brokers)
			return w.Run(interruptOn(cmd.Context().Done()))
		},
	}
}

// interruptOn adapts a context's Done channel to the worker's interrupt channel.
func interruptOn(done <-chan struct{}) <-chan any {
	ch := make(chan any, 1)
	go func() { <-done; ch <- struct{}{} }()
	return ch
}

// startOps serves /metrics and gRPC health on --ops-addr, when given,
// until ctx ends, and returns the address it listens on ("" when none).
func (c *cli) startOps(ctx context.Context) (string, error) {
	if c.cfg.OpsAddr == "" {
		return "", nil
	}
	listener, err := net.Listen("tcp", c.cfg.OpsAddr)
	if err != nil {
		return "", fmt.Errorf("--ops-addr: %w", err)
	}
	c.logger.Info("ops endpoint (/metrics, gRPC health)", "addr", listener.Addr().String())
	go func() {
		if err := app.NewOpsServer(c.logger).Serve(ctx, listener); err != nil {
			c.logger.Error("ops endpoint stopped", "err", err)
		}
	}()
	return listener.Addr().String(), nil
}
