// Package storetest runs one behaviour suite against every storage engine:
// SQLite always, PostgreSQL when FORKLINE_TEST_POSTGRES_URL is set (each test
// gets its own schema, dropped afterwards). Under CI (CI=true) a missing
// PostgreSQL URL fails the run instead of skipping.
package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/sqlstore"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for creating schemas
)

// PostgresEnv names the variable that holds a PostgreSQL URL for tests.
const PostgresEnv = "FORKLINE_TEST_POSTGRES_URL"

// Clock is a settable test clock.
type Clock struct{ t atomic.Int64 }

// NewClock returns a clock at t.
func NewClock(t time.Time) *Clock {
	c := &Clock{}
	c.Set(t)
	return c
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time { return time.Unix(0, c.t.Load()).UTC() }

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) { c.t.Store(t.UnixNano()) }

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) { c.t.Add(int64(d)) }

// Engine is one storage engine under test.
type Engine struct {
	Name string
	// DSN returns the data source name of a fresh, empty database for t,
	// removed when t ends; ok is false (after t.Skip) when the engine is absent.
	DSN func(t testing.TB) string
}

// Engines returns SQLite and, when configured, PostgreSQL.
func Engines() []Engine {
	return []Engine{
		{Name: "sqlite", DSN: func(t testing.TB) string { return filepath.Join(t.TempDir(), "forkline.db") }},
		{Name: "postgres", DSN: PostgresDSN},
	}
}

var schemaSeq atomic.Int64

// PostgresDSN creates a schema for t on the PostgreSQL server named by
// FORKLINE_TEST_POSTGRES_URL and returns a URL whose search_path is that
// schema. It skips t when the variable is unset, or fails it under CI.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: CI must run the PostgreSQL tests", PostgresEnv)
		}
		t.Skipf("PostgreSQL tests skipped: set %s=postgres://user@host:5432/db to run them", PostgresEnv)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { admin.Close() })
	schema := fmt.Sprintf("t_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9, schemaSeq.Add(1))
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema (is PostgreSQL at %s running?): %v", base, err)
	}
	t.Cleanup(func() {
		if _, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open opens and migrates a fresh database of engine e for t, with clock c.
func Open(t testing.TB, e Engine, c *Clock) *sqlstore.DB {
	t.Helper()
	dsn := e.DSN(t)
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, dsn, forkline.NewIDGenerator(c.Now), c.Now)
	if err != nil {
		t.Fatalf("open %s: %v", e.Name, err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate %s: %v", e.Name, err)
	}
	return db
}

// Run runs fn as a subtest on every engine, with a fresh database each.
func Run(t *testing.T, fn func(t *testing.T, db *sqlstore.DB, c *Clock)) {
	t.Helper()
	for _, e := range Engines() {
		t.Run(e.Name, func(t *testing.T) {
			c := NewClock(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
			fn(t, Open(t, e, c), c)
		})
	}
}

// SystemContext returns a context acting as the system actor.
func SystemContext() context.Context {
	return forkline.WithActor(context.Background(), forkline.System)
}

// SchemaName reports the schema in a DSN made by PostgresDSN, for tests that
// tamper with tables directly.
func SchemaName(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(u.Query().Get("search_path"))
}
