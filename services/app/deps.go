package app

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/uptrace/bun"

	"mall/services/platform/auth"
	"mall/services/platform/config"
	"mall/services/platform/db"
	"mall/services/platform/server"
)

// Deps are what the domains' handlers are built from.
type Deps struct {
	Config config.Config
	Logger *slog.Logger
	Keys   *auth.Keys
}

// NewDeps loads what every role needs: configuration, logger and signing keys.
func NewDeps(cfg config.Config, logger *slog.Logger) (*Deps, error) {
	keys, err := auth.LoadOrCreateKeys(cfg.JWTKeyFile)
	if err != nil {
		return nil, err
	}
	return &Deps{Config: cfg, Logger: logger, Keys: keys}, nil
}

// OpenDatabase opens the domain's own database, creating it if needed.
func OpenDatabase(ctx context.Context, cfg config.Config, d Domain) (*bun.DB, error) {
	return db.Open(ctx, cfg.MySQLDSN, cfg.DBPrefix+d.Name)
}

// MigrateDomain applies the domain's pending migrations and returns their names.
func MigrateDomain(ctx context.Context, cfg config.Config, d Domain) ([]string, error) {
	handle, err := OpenDatabase(ctx, cfg, d)
	if err != nil {
		return nil, err
	}
	defer handle.Close()
	applied, err := db.Migrate(ctx, handle, d.Migrations)
	if err != nil {
		return nil, fmt.Errorf("migrate %s%s: %w", cfg.DBPrefix, d.Name, err)
	}
	return applied, nil
}

// Migrate applies each domain's migrations to its own database.
func Migrate(ctx context.Context, cfg config.Config, domains []Domain, logger *slog.Logger) error {
	for _, d := range domains {
		if d.Migrations == nil {
			continue
		}
		applied, err := MigrateDomain(ctx, cfg, d)
		if err != nil {
			return err
		}
		logger.Info("migrated", "database", cfg.DBPrefix+d.Name, "applied", applied)
	}
	return nil
}

// NewServer mounts the domains' handlers on a platform server.
func NewServer(deps *Deps, domains []Domain) *server.Server {
	srv := server.New(server.Options{
		Logger:          deps.Logger,
		Authenticator:   auth.NewAuthenticator(deps.Keys, nil),
		CORSOrigins:     deps.Config.CORSOrigins,
		ShutdownTimeout: deps.Config.ShutdownTimeout,
	})
	for _, d := range domains {
		srv.Mount(d.Mount(deps, srv.HandlerOptions()...))
	}
	return srv
}
