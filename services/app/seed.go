package app

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/uptrace/bun"

	"connectrpc.com/connect"

	"mall/services/platform/config"
	"mall/services/product"
	"mall/services/seckill"
	"mall/services/user"
)

// Seed loads the demo data of every domain that has some, into its own
// database, and in development mode (cfg.Dev) also the development-only
// data (the demo admin); then it takes the demo flash sales' units out of
// the demo catalog's stock. Seeders are idempotent, so `mall dev` runs this at
// every start.
func Seed(ctx context.Context, cfg config.Config, logger *slog.Logger) ([]string, error) {
	var seeded []string
	for _, d := range Domains() {
		seeders := []func(context.Context, *bun.DB) error{d.Seed}
		if cfg.Dev {
			seeders = append(seeders, d.DevSeed)
		}
		seeders = slices.DeleteFunc(seeders, func(seed func(context.Context, *bun.DB) error) bool { return seed == nil })
		if len(seeders) == 0 {
			continue
		}
		handle, err := OpenDatabase(ctx, cfg, d)
		if err != nil {
			return seeded, err
		}
		for _, seed := range seeders {
			if err = seed(ctx, handle); err != nil {
				break
			}
		}
		handle.Close()
		if err != nil {
			return seeded, err
		}
		logger.Info("seeded", "service", d.Name, "development_data", cfg.Dev && d.DevSeed != nil)
		seeded = append(seeded, d.Name)
	}
	return seeded, allocateDemoSales(ctx, cfg, logger)
}

// allocateDemoSales allocates each demo sale's units from its product,
// idempotently by event id. A catalog that cannot spare them (an older
// database whose stock was sold meanwhile) is logged, not fatal: that sale
// then cannot confirm paid orders, which are refunded.
func allocateDemoSales(ctx context.Context, cfg config.Config, logger *slog.Logger) error {
	handle, err := OpenDatabase(ctx, cfg, Domain{Name: "product"})
	if err != nil {
		return err
	}
	defer handle.Close()
	for _, sale := range seckill.DemoSales() {
		err := product.SeedAllocation(ctx, handle, sale.EventID, sale.ProductID, sale.Units)
		switch connect.CodeOf(err) {
		case connect.CodeFailedPrecondition, connect.CodeNotFound:
			logger.Warn("demo flash sale's units not allocated", "event_id", sale.EventID, "product_id", sale.ProductID, "err", err)
		default:
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// RefuseDevelopmentAccounts fails when a selected domain's database holds
// an account with a public development credential (the demo admin a
// development seed created): outside development mode serve refuses to
// start with one.
func RefuseDevelopmentAccounts(ctx context.Context, deps *Deps, domains []Domain) error {
	if deps.Config.Dev || !slices.ContainsFunc(domains, func(d Domain) bool { return d.Name == "user" }) {
		return nil
	}
	handle, err := deps.Database(ctx, "user")
	if err != nil {
		return err
	}
	exposed, err := user.DevAdminPasswordInUse(ctx, handle)
	if err != nil {
		return err
	}
	if len(exposed) > 0 {
		return fmt.Errorf("refusing to start: admin account(s) %s still have the public development password %q; "+
			"set a new one with `mall admin set-password --username <name>` (reads MALL_ADMIN_PASSWORD or stdin), "+
			"or start with --dev on a developer machine only", strings.Join(exposed, ", "), user.DevAdminPassword)
	}
	return nil
}
