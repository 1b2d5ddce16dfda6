package main

import (
	"github.com/spf13/cobra"

	"mall/services/platform/temporalx"
	"mall/workflows/healthcheck"
)

// registrars are every workflow package the worker runs.
var registrars = []temporalx.Registrar{healthcheck.Register}

func (c *cli) workerCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "worker",
		Short: "Run the Temporal worker for the mall's workflows and activities",
		RunE: func(cmd *cobra.Command, _ []string) error {
			tc, err := temporalx.Dial(cmd.Context(), c.cfg.TemporalAddress, c.cfg.TemporalNamespace, c.logger)
			if err != nil {
				return err
			}
			defer tc.Close()
			w := temporalx.NewWorker(tc, c.cfg.TaskQueue, registrars...)
			c.logger.Info("worker polling", "temporal", c.cfg.TemporalAddress, "task_queue", c.cfg.TaskQueue)
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
