package main

import (
	"github.com/spf13/cobra"

	"mall/services/app"
)

func (c *cli) workerCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "worker",
		Short: "Run the Temporal worker for the mall's workflows and activities",
		RunE: func(cmd *cobra.Command, _ []string) error {
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
