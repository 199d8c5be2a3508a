package sqlstore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/postgres"
	"github.com/forkline/forkline/internal/sqlite"
	"github.com/pressly/goose/v3"
)

// dialect is everything that differs between the engines. Keep it small.
type dialect struct {
	name     string // also the migrations folder
	goose    goose.Dialect
	mapError func(error) error
	// forUpdate ends a SELECT that locks the rows it reads until the
	// transaction ends: " FOR UPDATE" on PostgreSQL; nothing on SQLite, whose
	// write transactions (BEGIN IMMEDIATE) already run one at a time.
	forUpdate string
}

var (
	sqliteDialect   = dialect{name: "sqlite", goose: goose.DialectSQLite3, mapError: sqlite.MapError}
	postgresDialect = dialect{name: "postgres", goose: goose.DialectPostgres, mapError: postgres.MapError, forUpdate: " FOR UPDATE"}
)

// IsPostgres reports whether dsn names a PostgreSQL database rather than a SQLite file.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens the database dsn: a postgres:// URL or a SQLite file path
// (created, with its folder, if missing). It does not migrate.
func Open(ctx context.Context, dsn string, ids *forkline.IDGenerator, now func() time.Time) (*DB, error) {
	if IsPostgres(dsn) {
		pg, err := postgres.Open(ctx, dsn, 16)
		if err != nil {
			return nil, err
		}
		return &DB{write: pg, read: pg, dialect: postgresDialect, ids: ids, now: now}, nil
	}
	if dir := filepath.Dir(dsn); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create database folder: %w", err)
		}
	}
	w, r, err := sqlite.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	return &DB{write: w, read: r, dialect: sqliteDialect, ids: ids, now: now}, nil
}
