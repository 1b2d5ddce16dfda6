package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"mall/services/paysim"
)

// paysimCommand runs the payment provider simulator: the merchant API the pay
// service calls, the pay page shoppers are sent to, and signed webhooks back
// to the mall, with injectable faults.
func (c *cli) paysimCommand() *cobra.Command {
	var (
		addr, notifyURL, misreport                        string
		declineRate, duplicateRate, reorderRate, lossRate float64
		refundRefusalRate                                 float64
		latency                                           time.Duration
	)
	cmd := &cobra.Command{
		Use:   "paysim",
		Short: "Run the payment provider simulator (merchant API, pay page, signed webhooks with fault injection)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			for name, rate := range map[string]float64{
				"decline-rate": declineRate, "duplicate-rate": duplicateRate,
				"reorder-rate": reorderRate, "loss-rate": lossRate, "refund-refusal-rate": refundRefusalRate,
			} {
				if rate < 0 || rate > 1 {
					return fmt.Errorf("--%s=%v: a rate is between 0 and 1", name, rate)
				}
			}
			if latency < 0 {
				return fmt.Errorf("--latency=%v: must not be negative", latency)
			}
			if err := paysim.CheckMisreport(misreport); err != nil {
				return fmt.Errorf("--%w", err)
			}
			if err := c.cfg.RefuseDevelopmentDefaults(needsOf("paysim", nil)); err != nil {
				return err
			}
			opts := c.paysimOptions(notifyURL)
			opts.DeclineRate, opts.DuplicateRate, opts.ReorderRate, opts.LossRate = declineRate, duplicateRate, reorderRate, lossRate
			opts.RefundRefusalRate, opts.Misreport, opts.Latency = refundRefusalRate, misreport, latency
			notifyURL = opts.NotifyURL
			sim := paysim.New(opts)
			listener, err := net.Listen("tcp", addr)
			if err != nil {
				return err
			}
			c.logger.Info("paysim listening", "addr", listener.Addr().String(), "public_url", c.cfg.ProviderURL,
				"notify_url", notifyURL, "decline_rate", declineRate, "duplicate_rate", duplicateRate,
				"reorder_rate", reorderRate, "loss_rate", lossRate, "refund_refusal_rate", refundRefusalRate,
				"misreport", misreport, "latency", latency.String())
			err = runPaysim(cmd.Context(), sim, listener, c.cfg.ShutdownTimeout)
			c.logger.Info("paysim stopped", "err", err)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:8090", "address the simulator listens on (its public URL is --provider-url)")
	f.StringVar(&notifyURL, "notify-url", "", "default webhook URL (default: <internal-url>/mall.pay.v1.PayService/ProviderWebhook)")
	f.Float64Var(&declineRate, "decline-rate", 0, "probability that an approved payment is declined anyway")
	f.Float64Var(&duplicateRate, "duplicate-rate", 0, "probability that a webhook is delivered twice")
	f.Float64Var(&reorderRate, "reorder-rate", 0, "probability that a webhook is held back so later ones overtake it")
	f.Float64Var(&lossRate, "loss-rate", 0, "probability that a webhook is never delivered")
	f.Float64Var(&refundRefusalRate, "refund-refusal-rate", 0, "probability that a refund of a succeeded charge is refused (409 refund_refused)")
	f.StringVar(&misreport, "misreport", "", "settle approved charges with this field changed: "+
		strings.Join(paysim.MisreportFields, ", ")+" (1 cent, USD, another reference or order); empty: none")
	f.DurationVar(&latency, "latency", 0, "delay added before answering every merchant API call")
	return cmd
}

// paysimOptions are the simulator's settings from the shared configuration,
// without faults; notifyURL "" means the mall's webhook at the internal URL.
func (c *cli) paysimOptions(notifyURL string) paysim.Options {
	if notifyURL == "" {
		// The first of the serve processes (the list's others take over by
		// the pay service's polling if it is down).
		first, _, _ := strings.Cut(c.cfg.InternalURL, ",")
		notifyURL = strings.TrimRight(strings.TrimSpace(first), "/") + "/mall.pay.v1.PayService/ProviderWebhook"
	}
	return paysim.Options{
		APIKey:        c.cfg.ProviderAPIKey,
		WebhookSecret: []byte(c.cfg.ProviderWebhookSecret),
		NotifyURL:     notifyURL,
		PublicURL:     c.cfg.ProviderURL,
		Logger:        c.logger.With("component", "paysim"),
	}
}

// runPaysim serves sim on listener and delivers its webhooks until ctx is done,
// then shuts the server down gracefully.
func runPaysim(ctx context.Context, sim *paysim.Simulator, listener net.Listener, shutdownTimeout time.Duration) error {
	srv := &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 10 * time.Second}
	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	runDone := make(chan error, 1)
	go func() { runDone <- sim.Run(runCtx) }()
	serveDone := make(chan error, 1)
	go func() { serveDone <- srv.Serve(listener) }()

	var err error
	select {
	case <-ctx.Done():
		shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
		err = srv.Shutdown(shutdownCtx)
		cancel()
		if serveErr := <-serveDone; err == nil && !errors.Is(serveErr, http.ErrServerClosed) {
			err = serveErr
		}
	case err = <-serveDone:
	}
	stopRun()
	if runErr := <-runDone; err == nil {
		err = runErr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
