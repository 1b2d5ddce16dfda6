package main

import (
	"github.com/spf13/cobra"

	"mall/services/app"
)

func (c *cli) migrateCommand() *cobra.Command {
	var services []string
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Create each service's database and apply its pending migrations",
		RunE: func(cmd *cobra.Command, _ []string) error {
			domains, err := app.Select(services)
			if err != nil {
				return err
			}
			return app.Migrate(cmd.Context(), c.cfg, domains, c.logger)
		},
	}
	cmd.Flags().StringSliceVar(&services, "services", []string{"all"}, "services whose databases to migrate")
	return cmd
}
