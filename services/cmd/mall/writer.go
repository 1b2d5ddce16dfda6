package main

import (
	"github.com/spf13/cobra"

	"mall/services/app"
)

func (c *cli) writerCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "writer",
		Short: "Run a batched flash-sale order writer (one consumer of the writers' Kafka group)",
		Long: `Consumes accepted flash-sale purchases from Kafka in the writers' consumer
group, writes each batch as orders with one multi-row insert (idempotent by
event and buyer), records the tickets' results, then commits the offsets.
Run as many as there are partitions to share; they rebalance on their own.
Give --kafka-brokers (the embedded broker of a local "mall dev" listens on
127.0.0.1:9092).`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := c.cfg.RefuseDevelopmentDefaults(needsOf("writer", nil)); err != nil {
				return err
			}
			deps, err := app.NewDeps(cmd.Context(), c.cfg, c.logger)
			if err != nil {
				return err
			}
			defer deps.Close()
			w, closeWriter, err := app.NewWriter(deps)
			if err != nil {
				return err
			}
			defer closeWriter()
			if _, err := c.startOps(cmd.Context()); err != nil {
				return err
			}
			c.logger.Info("writer consuming", "kafka", deps.Kafka.Brokers, "embedded", deps.Kafka.Embedded(), "services", c.cfg.InternalURL)
			err = w.Run(cmd.Context())
			c.logger.Info("writer stopped", "stats", w.Stats())
			return err
		},
	}
}
