package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"mall/services/app"
)

func (c *cli) seedCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "seed",
		Short: "Load the demo data of every domain that has some (idempotent)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			seeded, err := app.Seed(cmd.Context(), c.cfg, c.logger)
			if err != nil {
				return err
			}
			if len(seeded) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "no domain has demo data yet")
			}
			return nil
		},
	}
}
