package main

import (
	"os"
	"time"

	"github.com/spf13/cobra"

	"mall/services/bench/scenario"
	"mall/services/platform/logging"
)

func (c *cli) benchCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Load-test the mall in-process on loopback and print a report",
	}
	cmd.AddCommand(c.benchHomeCommand(), c.benchSeckillCommand(), c.benchCheckoutCommand(), c.benchSearchCommand())
	return cmd
}

// benchEnv is what a benchmark runs with: this command's configuration,
// its output, and the servers' logger: warnings only, unless --log-level
// was given, since one access-log line per request would measure the
// logger.
func (c *cli) benchEnv(cmd *cobra.Command) (scenario.Env, error) {
	env := scenario.Env{Config: c.cfg, Logger: c.logger, Out: cmd.OutOrStdout(), Progress: cmd.ErrOrStderr()}
	if cmd.Flags().Changed("log-level") {
		return env, nil
	}
	logger, err := logging.New(os.Stderr, "warn")
	env.Logger = logger
	return env, err
}

func (c *cli) benchHomeCommand() *cobra.Command {
	var o scenario.HomeOptions
	cmd := &cobra.Command{
		Use:   "home",
		Short: "GetHome and GetProduct with caches on and off, against a no-op handler on the same harness",
		Long: `Starts the mall in-process on 127.0.0.1 (migrating and seeding its databases),
plus servers with the same options hosting a no-op StorefrontService and a
no-op GET answer of the home page's size, then drives each phase over
HTTP/1.1 Connect from --concurrency clients: noop GetHome, GetHome and
GetProduct with every cache on, the home-sized no-op and GetHome over GET
(as browsers call it) without and with gzip, then GetHome and GetProduct
with every cache off. Prints req/s, p50/p99 latency and errors per phase,
and the ratios.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			env, err := c.benchEnv(cmd)
			if err != nil {
				return err
			}
			return scenario.Home(cmd.Context(), env, o)
		},
	}
	cmd.Flags().IntVar(&o.Concurrency, "concurrency", 64, "concurrent clients")
	cmd.Flags().DurationVar(&o.Duration, "duration", 10*time.Second, "measured time of each phase")
	cmd.Flags().DurationVar(&o.Warmup, "warmup", 2*time.Second, "unmeasured time before each phase")
	cmd.Flags().StringVar(&o.Encoding, "encoding", "proto", "Connect encoding of every phase: proto or json")
	cmd.Flags().BoolVar(&o.Gzip, "gzip", false, "let clients accept gzip-compressed answers (the server then compresses every non-empty answer)")
	cmd.Flags().StringVar(&o.Decode, "decode", "shallow", "what clients decode of each answer: shallow (status, framing and GetHome's degraded parts; proto only) or full")
	cmd.Flags().IntVar(&o.Products, "products", 1000, "how many product ids GetProduct rotates over")
	return cmd
}

func (c *cli) benchCheckoutCommand() *cobra.Command {
	var o scenario.CheckoutOptions
	cmd := &cobra.Command{
		Use:   "checkout",
		Short: "Concurrent shoppers checking out and paying through the saga; latency to PENDING_PAYMENT and stock conservation",
		Long: `Starts the mall in-process on 127.0.0.1 with a worker (and a Temporal dev
server if none answers at --temporal-address), registers one shopper per
client, then each client checks out one item at a time (buy-now) and waits
until the order is visible as PENDING_PAYMENT; payments are signalled to the
saga off the measured path. After the run it waits until every order is
PAID and checks available + reserved + sold of every product bought.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			env, err := c.benchEnv(cmd)
			if err != nil {
				return err
			}
			return scenario.Checkout(cmd.Context(), env, o)
		},
	}
	cmd.Flags().IntVar(&o.Concurrency, "concurrency", 8, "concurrent shoppers")
	cmd.Flags().DurationVar(&o.Duration, "duration", 15*time.Second, "measured time")
	cmd.Flags().StringVar(&o.TemporalBin, "temporal-bin", "tools/bin/temporal", "Temporal CLI for a dev server when none answers")
	return cmd
}

func (c *cli) benchSeckillCommand() *cobra.Command {
	var o scenario.SeckillOptions
	cmd := &cobra.Command{
		Use:   "seckill",
		Short: "A flash-sale burst against one event: admission latency, rejections, writers' drain, no oversell, nothing lost",
		Long: `Starts the mall in-process (migrated, seeded, with a Temporal worker and one
batched order writer) plus a second server with identical options that hosts
a no-op Purchase and a naive one (per request: UPDATE stock WHERE stock > 0
and INSERT the order in MySQL). Then, with the same harness and request count:

  1. no-op Purchase;
  2. Purchase with stock for everyone (every request accepted: rate limit,
     Lua admission, Kafka produce), writers paused;
  3. the naive Purchase with stock for everyone;
  4. the writers drain phase 2's records (batched) — and the same number of
     records written one per call (single-row inserts);
  5. the sale: --users buyers (plus --duplicates of them again) hitting one
     event with --stock units at --concurrency, writers running.

It waits for the writers, then checks the sale: orders in MySQL, oversell,
accepted purchases without an order (lost), and duplicate orders. Every
buyer's token is verified once before the measured phases, as shoppers are
signed in before a sale. The sales are of a product the bench creates with
stock for both; every buyer gets a default address (a purchase resolves
it before admission), whose address book is read once before the measured
phases, as the sale page does for a signed-in shopper, unless
--warm-addresses=false (every purchase of phase 2 then loads one).`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			env, err := c.benchEnv(cmd)
			if err != nil {
				return err
			}
			return scenario.Seckill(cmd.Context(), env, o)
		},
	}
	cmd.Flags().IntVar(&o.Users, "users", 20000, "distinct buyers in the sale (and requests per comparison phase)")
	cmd.Flags().Int64Var(&o.Stock, "stock", 500, "units in the sale")
	cmd.Flags().IntVar(&o.Concurrency, "concurrency", 200, "concurrent requests")
	cmd.Flags().Float64Var(&o.Duplicates, "duplicates", 0.1, "share of buyers who send a second purchase")
	cmd.Flags().IntVar(&o.SingleRows, "single-rows", 2000, "records written one per call for the single-row baseline")
	cmd.Flags().StringVar(&o.TemporalBin, "temporal-bin", "tools/bin/temporal", "Temporal CLI for a dev server when none answers")
	cmd.Flags().BoolVar(&o.WarmAddresses, "warm-addresses", true, "read every buyer's address book once before the measured phases (false: the accepted phase loads each from MySQL)")
	return cmd
}

func (c *cli) benchSearchCommand() *cobra.Command {
	var o scenario.SearchOptions
	cmd := &cobra.Command{
		Use:   "search",
		Short: "A large catalog: seeding, indexing and rebuild times, SearchProducts against GetProduct and no-op ceilings, freshness",
		Long: `Starts the mall in-process on 127.0.0.1 (migrated, seeded, with a worker and
a Temporal dev server if none answers), then:

  1. seeds --products on-sale products into its own product database in
     multi-row INSERTs (the demo goods with brands, series, colours, sizes,
     prices, stock and sales varied; a marker word in every title);
  2. times indexing: from the end of seeding until SearchProducts counts
     every product for the marker word; then a rebuild: a new process of
     the search role alone, whose index reads the topic from its start,
     until it answers (no longer warming) and counts them all;
  3. drives, from --concurrency clients over HTTP/1.1 Connect: the load
     generator's ceiling (a bare HTTP server answering a recorded search
     answer), a no-op SearchProducts on a server with the mall's options,
     GetProduct of random seeded ids, SearchProducts over a mix of
     --queries queries drawn with a Zipf frequency, and SearchProducts
     with every request distinct;
  4. changes --updates titles through UpdateProduct and polls search every
     10 ms until each is found.

Prints req/s, p50/p99 per phase, the ratios and the targets.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			env, err := c.benchEnv(cmd)
			if err != nil {
				return err
			}
			return scenario.Search(cmd.Context(), env, o)
		},
	}
	cmd.Flags().IntVar(&o.Products, "products", 100000, "products seeded into the bench catalog")
	cmd.Flags().IntVar(&o.Batch, "batch", 1000, "rows per INSERT when seeding")
	cmd.Flags().IntVar(&o.Queries, "queries", 200, "distinct queries in the mix")
	cmd.Flags().IntVar(&o.Concurrency, "concurrency", 32, "concurrent clients")
	cmd.Flags().DurationVar(&o.Duration, "duration", 10*time.Second, "measured time of each phase")
	cmd.Flags().DurationVar(&o.Warmup, "warmup", 2*time.Second, "unmeasured time before each phase")
	cmd.Flags().IntVar(&o.Updates, "updates", 20, "title changes timed until searchable")
	cmd.Flags().DurationVar(&o.IndexTimeout, "index-timeout", 10*time.Minute, "how long indexing, and the rebuild, may take")
	cmd.Flags().StringVar(&o.TemporalBin, "temporal-bin", "tools/bin/temporal", "Temporal CLI for a dev server when none answers")
	return cmd
}
