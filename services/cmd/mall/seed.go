package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"mall/services/app"
)

func (c *cli) seedCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "seed",
		Short: "Load the demo data of every domain that has some (idempotent); with --dev also the demo admin",
		Long: `Loads the demo catalog, banners and flash sales. The demo admin account
(admin / admin-dev-123, a public password) is development data: only
` + "`mall seed --dev`" + ` (and ` + "`mall dev`" + `) create it. Create a production admin with
` + "`mall admin create`" + `.`,
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
