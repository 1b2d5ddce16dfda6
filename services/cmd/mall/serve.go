package main

import (
	"github.com/spf13/cobra"

	"mall/services/app"
)

func (c *cli) serveCommand() *cobra.Command {
	var services []string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the selected services (Connect, gRPC and gRPC-Web) on one port",
		RunE: func(cmd *cobra.Command, _ []string) error {
			domains, err := app.Select(services)
			if err != nil {
				return err
			}
			deps, err := app.NewDeps(c.cfg, c.logger)
			if err != nil {
				return err
			}
			srv := app.NewServer(deps, domains)
			c.logger.Info("serving", "addr", c.cfg.HTTPAddr, "services", app.Names(domains))
			return srv.ListenAndServe(cmd.Context(), c.cfg.HTTPAddr)
		},
	}
	cmd.Flags().StringSliceVar(&services, "services", []string{"all"}, "services to serve: all, or a list such as product,order")
	return cmd
}
