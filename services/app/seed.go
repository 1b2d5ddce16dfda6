package app

import (
	"context"
	"log/slog"

	"mall/services/platform/config"
)

// Seed loads the demo data of every domain that has a Seeder, into its own
// database. Seeders are idempotent, so `mall dev` runs this at every start.
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
	return seeded, nil
}
