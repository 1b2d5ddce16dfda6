// Package db opens a bun handle on a service's own database and applies its
// embedded, versioned migrations.
package db

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"regexp"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/mysqldialect"
	"github.com/uptrace/bun/extra/bunotel"
	"github.com/uptrace/bun/migrate"
)

var validName = regexp.MustCompile(`^[a-zA-Z0-9_]{1,64}$`)

// Open creates database name on the server of serverDSN if needed and returns
// a bun handle on it. Times are UTC with microseconds; text is utf8mb4.
func Open(ctx context.Context, serverDSN, name string) (*bun.DB, error) {
	if !validName.MatchString(name) {
		return nil, fmt.Errorf("invalid database name %q", name)
	}
	cfg, err := mysql.ParseDSN(serverDSN)
	if err != nil {
		return nil, fmt.Errorf("parse mysql dsn: %w", err)
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["charset"] = "utf8mb4"
	cfg.Params["time_zone"] = "'+00:00'"
	cfg.MultiStatements = false

	cfg.DBName = ""
	if err := createDatabase(ctx, cfg.FormatDSN(), name); err != nil {
		return nil, err
	}
	cfg.DBName = name
	sqldb, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return nil, err
	}
	sqldb.SetMaxOpenConns(32)
	sqldb.SetMaxIdleConns(16)
	sqldb.SetConnMaxLifetime(30 * time.Minute)
	// Dialect detection (MariaDB vs MySQL) needs a live server, which
	// createDatabase just proved.
	handle := bun.NewDB(sqldb, mysqldialect.New())
	// A span per query (the statement with its placeholders, never the
	// values), in the trace of the request that ran it.
	handle.AddQueryHook(bunotel.NewQueryHook(bunotel.WithDBName(name)))
	return handle, nil
}

// ObservePool exports the connection pool's statistics of a long-lived
// handle as Prometheus metrics labelled db_name=name (go_sql_*: open, in
// use, idle, waits and their duration); the returned function stops it.
func ObservePool(handle *bun.DB, name string) (stop func()) {
	collector := collectors.NewDBStatsCollector(handle.DB, name)
	if err := prometheus.Register(collector); err != nil {
		return func() {} // this database is observed already
	}
	return func() { prometheus.Unregister(collector) }
}

func createDatabase(ctx context.Context, dsn, name string) error {
	return execOnServer(ctx, dsn, "create database "+name,
		"CREATE DATABASE IF NOT EXISTS `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
}

// DropDatabase removes the database name and everything in it, if it
// exists: for tools whose databases are their own (the benchmarks).
func DropDatabase(ctx context.Context, dsn, name string) error {
	return execOnServer(ctx, dsn, "drop database "+name, "DROP DATABASE IF EXISTS `"+name+"`")
}

// execOnServer runs one statement on the server of dsn, on a connection
// of its own; a failure is named what.
func execOnServer(ctx context.Context, dsn, what, statement string) error {
	server, err := sql.Open("mysql", dsn)
	if err != nil {
		return err
	}
	defer server.Close()
	if _, err := server.ExecContext(ctx, statement); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// Migrate applies the migrations in fsys (files NNN_name.up.sql /
// .down.sql, bun's format) that are not applied yet, and returns the names it
// applied; re-running it applies nothing.
func Migrate(ctx context.Context, db *bun.DB, fsys fs.FS) ([]string, error) {
	migrations := migrate.NewMigrations()
	if err := migrations.Discover(fsys); err != nil {
		return nil, fmt.Errorf("discover migrations: %w", err)
	}
	migrator := migrate.NewMigrator(db, migrations)
	if err := migrator.Init(ctx); err != nil {
		return nil, fmt.Errorf("init migrations: %w", err)
	}
	if err := migrator.Lock(ctx); err != nil {
		return nil, fmt.Errorf("lock migrations: %w", err)
	}
	defer migrator.Unlock(context.WithoutCancel(ctx)) //nolint:errcheck // best effort; a stale lock is reported by the next run
	group, err := migrator.Migrate(ctx)
	if err != nil {
		return nil, err
	}
	var applied []string
	for _, m := range group.Migrations {
		applied = append(applied, m.Name)
	}
	return applied, nil
}
