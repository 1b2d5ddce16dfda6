package app

import (
	"context"
	"log/slog"

	"connectrpc.com/connect"

	"mall/services/platform/config"
	"mall/services/product"
	"mall/services/seckill"
)

// Seed loads the demo data of every domain that has a Seeder, into its own
// database, then takes the demo flash sales' units out of the demo
// catalog's stock. Seeders are idempotent, so `mall dev` runs this at
// every start.
func Seed(ctx context.Context, cfg config.Config, logger *slog.Logger) ([]string, error) {
	var seeded []string
	for _, d := range Domains() {
		if d.Seed == nil {
			continue
		}
		handle, err := OpenDatabase(ctx, cfg, d)
		if err != nil {
			return seeded, err
		}
		err = d.Seed(ctx, handle)
		handle.Close()
		if err != nil {
			return seeded, err
		}
		logger.Info("seeded", "service", d.Name)
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
