// Package sqlstore is the one implementation of every capability's Store, in
// SQL that runs unchanged on SQLite and PostgreSQL. The engine differences
// sit in dialect.go: how a database is opened, how driver errors map to
// Forkline codes, and which migration folder applies. Everything else,
// including every query, is shared; storetest proves both engines behave alike.
//
// Every store method is one transaction. Writes that change a record also
// append its audit entry in that transaction (see audit.go).
package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/forkline/forkline"
	"github.com/pressly/goose/v3"
)

//go:embed migrations
var migrations embed.FS

// DB is an open Forkline database.
type DB struct {
	write   *sql.DB // every write transaction; one connection on SQLite
	read    *sql.DB // queries; the same pool as write on PostgreSQL
	dialect dialect
	ids     *forkline.IDGenerator
	now     func() time.Time
}

// Engine returns "sqlite" or "postgres".
func (db *DB) Engine() string { return db.dialect.name }

// Close closes the database.
func (db *DB) Close() error {
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Ping checks that the database answers, for /readyz.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.read.PingContext(ctx); err != nil {
		return &forkline.Error{Code: forkline.Unavailable, Msg: "The database does not answer.", Err: err}
	}
	return nil
}

// Migrate applies every pending migration and returns the versions applied.
func (db *DB) Migrate(ctx context.Context) ([]int64, error) {
	sub, err := fs.Sub(migrations, "migrations/"+db.dialect.name)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	p, err := goose.NewProvider(db.dialect.goose, db.write, sub, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	var out []int64
	for _, r := range res {
		out = append(out, r.Source.Version)
	}
	return out, nil
}

// tx runs fn in one write transaction, committing if fn returns nil.
// Driver errors are mapped to Forkline errors.
func (db *DB) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return db.mapErr(fmt.Errorf("begin: %w", err))
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return db.mapErr(err)
	}
	if err := tx.Commit(); err != nil {
		return db.mapErr(fmt.Errorf("commit: %w", err))
	}
	return nil
}

// mapErr turns driver errors into Forkline errors; sql.ErrNoRows becomes NotFound.
func (db *DB) mapErr(err error) error {
	if err == nil {
		return nil
	}
	var fe *forkline.Error
	if errors.As(err, &fe) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return &forkline.Error{Code: forkline.NotFound, Msg: forkline.ErrNotFound.Msg, Err: err}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &forkline.Error{Code: forkline.Unavailable, Msg: "The request was cancelled or took too long.", Err: err}
	}
	return db.dialect.mapError(err)
}

// TimeFormat is how times are written to the database: fixed-width UTC, so
// that SQLite's text comparison is time order. PostgreSQL parses it into TIMESTAMPTZ.
const TimeFormat = "2006-01-02T15:04:05.000000Z"

// ts is a time as a query argument; the zero time is NULL.
type ts time.Time

func (t ts) Value() (driver.Value, error) {
	if time.Time(t).IsZero() {
		return nil, nil
	}
	return time.Time(t).UTC().Format(TimeFormat), nil
}

// scanTime scans a time column of either engine into a time.Time; NULL is the zero time.
type scanTime struct{ t *time.Time }

func (s scanTime) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*s.t = time.Time{}
	case time.Time:
		*s.t = v.UTC()
	case string:
		return s.parse(v)
	case []byte:
		return s.parse(string(v))
	default:
		return fmt.Errorf("scan time: unexpected %T", src)
	}
	return nil
}

func (s scanTime) parse(v string) error {
	if v == "" {
		*s.t = time.Time{}
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return fmt.Errorf("scan time %q: %w", v, err)
	}
	*s.t = t.UTC()
	return nil
}

// placeholders returns "$from, $from+1, ..." for n arguments.
func placeholders(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", from+i)
	}
	return b.String()
}

// queryer is what *sql.DB and *sql.Tx share.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}
