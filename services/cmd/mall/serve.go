package main

import (
	"net"

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
			if err := c.cfg.RefuseDevelopmentDefaults(needsOf("serve", domains)); err != nil {
				return err
			}
			deps, err := app.NewDeps(cmd.Context(), c.cfg, c.logger)
			if err != nil {
				return err
			}
			defer deps.Close()
			if err := app.RefuseDevelopmentAccounts(cmd.Context(), deps, domains); err != nil {
				return err
			}
			srv, err := app.NewServer(cmd.Context(), deps, domains)
			if err != nil {
				return err
			}
			listener, err := net.Listen("tcp", c.cfg.HTTPAddr)
			if err != nil {
				return err
			}
			if _, err := c.startOps(cmd.Context()); err != nil {
				listener.Close()
				return err
			}
			c.logger.Info("serving", "addr", c.cfg.HTTPAddr, "services", app.Names(domains), "development_mode", c.cfg.Dev)
			return app.Serve(cmd.Context(), deps, srv, listener)
		},
	}
	cmd.Flags().StringSliceVar(&services, "services", []string{"all"}, "services to serve: all, or a list such as product,order")
	return cmd
}
