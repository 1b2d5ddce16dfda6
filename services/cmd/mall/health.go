package main

import (
	"context"
	"fmt"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"
	"github.com/spf13/cobra"

	"mall/services/platform/rpcclient"
)

// healthCommand is the container health probe: it asks a serve process's
// gRPC health endpoint and fails unless the answer is SERVING.
func (c *cli) healthCommand() *cobra.Command {
	var url, service string
	cmd := &cobra.Command{
		Use:   "health",
		Short: "Check that a serve process answers SERVING on the gRPC health protocol",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), 3*time.Second)
			defer cancel()
			client := grpchealth.NewClient(rpcclient.HTTPClient(), url, connect.WithGRPC())
			res, err := client.Check(ctx, &grpchealth.CheckRequest{Service: service})
			if err != nil {
				return err
			}
			if res.Status != grpchealth.StatusServing {
				return fmt.Errorf("status %s", res.Status)
			}
			fmt.Fprintln(cmd.OutOrStdout(), res.Status)
			return nil
		},
	}
	cmd.Flags().StringVar(&url, "url", "http://127.0.0.1:8080", "base URL of the serve process")
	cmd.Flags().StringVar(&service, "service", "", "service to check (empty: the whole server)")
	return cmd
}
