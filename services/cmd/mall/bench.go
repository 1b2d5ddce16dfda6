package main

import (
	"context"
	"os"
	"os/exec"
	"time"

	"github.com/spf13/cobra"

	"mall/services/bench/scenario"
	"mall/services/platform/logging"
)

func (c *cli) benchCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Load-test the mall in-process on loopback (home, seckill: with wrk) and print a report",
	}
	cmd.AddCommand(c.benchHomeCommand(), c.benchSeckillCommand(), c.benchCheckoutCommand(), c.benchSearchCommand(), benchWatchClientCommand())
	return cmd
}

// benchWatchClientCommand is the buyers' process of bench seckill's
// results phases, which starts it (hidden: it reads its job as JSON on
// stdin and answers JSON on stdout).
func benchWatchClientCommand() *cobra.Command {
	return &cobra.Command{
		Use:    "watch-client",
		Short:  "The buyers of bench seckill's results phases, in a process of their own (a job as JSON on stdin, results as JSON on stdout)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return scenario.RunWatchClient(cmd.Context(), cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
}

// watchClient starts this binary's `bench watch-client`.
func watchClient(ctx context.Context) *exec.Cmd {
	self, err := os.Executable()
	if err != nil {
		self = os.Args[0]
	}
	return exec.CommandContext(ctx, self, "bench", "watch-client")
}

// benchEnv is what a benchmark runs with: this command's configuration,
// its output, and the logger of its own preparation: warnings only, unless
// --log-level was given. The servers it starts log at info level, access
// log included, to a file of their own (as deployed, without flooding the
// terminal that shows the report).
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
		Short: "GetHome and GetProduct as the SPA calls them, caches on and off, driven by wrk beside the server's health-check ceiling (and, for GetHome, a no-op of the same answer)",
		Long: `Starts the mall in-process on 127.0.0.1 as ` + "`mall dev`" + ` runs it (migrated, seeded, a
Temporal worker, the flash-sale sweeper, a batched order writer, the access
log written to a file), records the home page it answers, then drives
anonymous calls over Connect GET in JSON (as the SPA calls them) with wrk:

  1. GetHome GET, caches on;
  2. GetHome GET with Accept-Encoding: gzip, caches on;
  3. GetProduct GET, caches on, each wrk thread walking its slice of
     --products on-sale product ids;
  4. GetHome GET with every cache off;
  5. GetProduct GET with every cache off (caches are on again afterwards).

Before each phase, with the same wrk settings, headers and rotation, its
ceiling: grpc.health.v1.Health/Check on the same server; for phases 1 and
2 also a no-op server with the mall's options answering the recorded page
(the same bytes, gzip'd alike). Every answer must be counted ok by the
server's mall_rpc_server_requests_total; a phase with any answer other
than 2xx fails the bench. Under the phases, where the machine's CPU went
in each phase and ceiling: the cores this process (the mall), the data
stores' processes on this machine and wrk used while wrk ran, and the
server side's CPU per answer. Targets: phases 1 and 2 >= 0.6x their health
ceiling, GetHome cached / uncached >= 20x; GetProduct cached / uncached
and GetProduct / its ceiling are printed.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			env, err := c.benchEnv(cmd)
			if err != nil {
				return err
			}
			return scenario.Home(cmd.Context(), env, o)
		},
	}
	generatorFlags(cmd, &o.Generator, 64, 10*time.Second)
	cmd.Flags().IntVar(&o.Products, "products", 1000, "how many product ids GetProduct rotates over")
	cmd.Flags().StringVar(&o.TemporalBin, "temporal-bin", "tools/bin/temporal", "Temporal CLI for a dev server when none answers")
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
		Short: "Purchase sold out, accepted, naive MySQL and in a sale, driven by wrk beside the server's health-check ceiling; outcomes from the server's metrics; no oversell, nothing lost; the writer's batching against single-row inserts; watching results against polling",
		Long: `Starts the mall in-process on 127.0.0.1 as ` + "`mall dev`" + ` runs it (migrated, seeded, a
Temporal worker, the flash-sale sweeper, a batched order writer, the access
log written to a file, the ops endpoint), then drives Purchase over Connect
JSON with wrk (a separate process; see --wrk), each phase right after its
ceiling: grpc.health.v1.Health/Check on the same server with the same wrk
settings and the same per-request Lua rotation.

  1. Purchase sold out: a sale whose only unit is bought, a fresh buyer per
     request (--phase-buyers minted), each of whom had the sale page open
     before (one GetEvent with their token, not measured: the server has
     seen the token, as it has a signed-in shopper's); wrk wraps around
     them if the phase outruns them (buyers retrying: a refusal costs a
     retry what it cost the first try);
  2. sold out, unseen tokens: the same sale, a fresh buyer per request
     whose token the server has never seen (a first signature check per
     request);
  3. Purchase accepted: a sale with a unit for each of --phase-buyers fresh
     buyers with an address, one per request, the sale page opened before,
     writers running;
  4. naive MySQL Purchase: a server of its own with the mall's options
     whose Purchase is, per request, one transaction (UPDATE stock = stock
     - 1 WHERE stock > 0, INSERT the order); a unit for each of
     --phase-buyers fresh buyers, one per request, beside its own health
     ceiling;
  5. the sale: --users buyers (plus --duplicates of them again), the sale
     page opened before, in a random order for --stock units; wrk wraps
     around them (shoppers retrying);
  6. writers, timed in this process (not HTTP): the writer is stopped,
     --users fresh buyers each buy once (not measured), then a writer
     started afresh drains their records (batched, records/s); then
     --single-rows orders are written one per CreateFlashSaleOrders call;
  7. the results phases (--watchers 0 skips them), each with --watchers
     fresh buyers and a sale with a unit for each, the buyers in a client
     process of their own (this binary, re-executed) over Connect JSON on
     HTTP/2 (h2c, 200 buyers per connection), --watch-concurrency
     purchases in flight:
       buy only: every buyer buys, nobody asks for the result;
       buy, then watch: every buyer opens WatchPurchaseResult with its
         ticket at once, until the final message;
       buy, then poll every 2s: every buyer calls GetPurchaseResult (GET)
         2 s after its purchase and every 2 s until final.
     Each phase ends when the client has exited and the last order is
     written. Its server CPU is this process's CPU time over the phase
     and that of the data stores' processes on this machine (mariadbd,
     redis-server or valkey-server, from /proc: a poll is mostly their
     work), the mall's printed apart (and the client's beside it); the
     CPU of reading results is a phase's minus buy only's. Delivery is the receipt of a buyer's final
     message minus its order row's created_at (microseconds).

Each phase's outcomes are read from the server's metrics before and after
it (mall_seckill_admissions_total; for the naive server, its
mall_rpc_server_requests_total of Purchase): every answer of phases 1 and
2 must be sold out, of phase 3 accepted (and written by the writers), of
phase 4 ok with one order in MySQL per ok and its units taken from its
stock, and the sale must sell its stock. The sale is then checked in MySQL: oversell,
accepted purchases without an order (lost), duplicate orders. In each
results phase every buyer must buy and have one order in MySQL, and every
watcher and poller must receive that order's id. A phase that did not do
what it says fails the bench. Under the phases, where the machine's CPU
went in each phase and ceiling (this process, the data stores' processes
on this machine, wrk; the server side's CPU per answer), and what an
accepted purchase cost the server beside a health check. Targets: sold
out >= 0.7x its ceiling, accepted >= 0.35x, accepted / naive >= 10x,
writer batched / single-row >= 15x, the sale's p99 < 20 ms; every watcher's final message within 1 s
of its order being written, and reading results by watching costs the
server no more CPU than polling every 2 s.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			env, err := c.benchEnv(cmd)
			if err != nil {
				return err
			}
			return scenario.Seckill(cmd.Context(), env, o)
		},
	}
	generatorFlags(cmd, &o.Generator, 200, 10*time.Second)
	cmd.Flags().IntVar(&o.Users, "users", 20000, "distinct buyers in the sale, and records queued for the writer's batched drain")
	cmd.Flags().Int64Var(&o.Stock, "stock", 500, "units in the sale")
	cmd.Flags().Float64Var(&o.Duplicates, "duplicates", 0.1, "share of the sale's buyers who send a second purchase")
	cmd.Flags().IntVar(&o.PhaseBuyers, "phase-buyers", 300000, "fresh buyers minted for each of the two sold-out, the accepted and the naive phases (a phase that needs more fails: shorten --duration or raise this)")
	cmd.Flags().IntVar(&o.SingleRows, "single-rows", 2000, "records written one per call for the single-row baseline")
	cmd.Flags().StringVar(&o.TemporalBin, "temporal-bin", "tools/bin/temporal", "Temporal CLI for a dev server when none answers")
	cmd.Flags().IntVar(&o.Watchers, "watchers", 20000, "fresh buyers of each results phase (buy only, buy then watch, buy then poll); 0 skips them")
	cmd.Flags().IntVar(&o.WatchConcurrency, "watch-concurrency", 200, "purchases in flight in the results phases")
	o.ClientCommand = watchClient
	cmd.Flags().BoolVar(&o.WarmAddresses, "warm-addresses", true, "read every buyer's address book once before the phases, as a shopper's recent visit would: it is then in Valkey, and for a minute in this process's client-side cache (false: each accepted purchase loads one from MySQL)")
	return cmd
}

// generatorFlags are the flags of a benchmark driven by wrk.
func generatorFlags(cmd *cobra.Command, o *scenario.GeneratorOptions, connections int, duration time.Duration) {
	cmd.Flags().StringVar(&o.Wrk, "wrk", "wrk", "the wrk load generator (Debian: apt-get install wrk)")
	cmd.Flags().IntVar(&o.Threads, "threads", 2, "wrk threads")
	cmd.Flags().IntVar(&o.Connections, "concurrency", connections, "concurrent connections, held by wrk")
	cmd.Flags().DurationVar(&o.Duration, "duration", duration, "measured time of each phase and of each ceiling (whole seconds)")
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
