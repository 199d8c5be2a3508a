// Package sqlite opens Forkline's embedded database, a SQLite file in WAL
// mode, and maps SQLite errors to Forkline error codes by their result codes.
//
// One writer connection takes every write transaction (BEGIN IMMEDIATE, so a
// transaction never upgrades from read to write and deadlocks); a pool of
// reader connections serves queries in parallel, which WAL allows.
package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"sync"

	"github.com/forkline/forkline"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// registerLower replaces SQLite's LOWER, which folds ASCII letters only, with
// Go's Unicode lower-casing, so that a search for "crème" finds "CRÈME
// FRAÎCHE" on SQLite as it does on PostgreSQL. The driver keeps registered
// functions for every connection it opens; registering once is enough.
var registerLower = sync.OnceValue(func() error {
	return sqlite.RegisterDeterministicScalarFunction("lower", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		switch v := args[0].(type) {
		case string:
			return strings.ToLower(v), nil
		case []byte:
			return strings.ToLower(string(v)), nil
		}
		return args[0], nil
	})
})

// Open opens (creating if needed) the SQLite database at path and returns
// the writer and the reader pools.
func Open(ctx context.Context, path string) (write, read *sql.DB, err error) {
	if err := registerLower(); err != nil {
		return nil, nil, fmt.Errorf("register lower: %w", err)
	}
	q := url.Values{}
	for _, p := range []string{
		"journal_mode(WAL)",
		"busy_timeout(10000)",
		"foreign_keys(ON)",
		"synchronous(NORMAL)", // durable across application crashes; WAL makes NORMAL safe from corruption
		"temp_store(MEMORY)",
		"cache_size(-32000)",
	} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	// The path is a URI path: escape what would end it or be decoded.
	file := "file:" + strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(path)
	dsn := file + "?" + q.Encode()
	write, err = sql.Open("sqlite", dsn)
	if err != nil {
		return nil, nil, fmt.Errorf("open sqlite: %w", err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	q.Set("_txlock", "deferred")
	q.Add("_pragma", "query_only(ON)")
	read, err = sql.Open("sqlite", file+"?"+q.Encode())
	if err != nil {
		write.Close()
		return nil, nil, fmt.Errorf("open sqlite: %w", err)
	}
	n := max(4, runtime.GOMAXPROCS(0)*2)
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	read.SetConnMaxLifetime(0)
	return write, read, nil
}

// MapError maps SQLite errors to Forkline errors by result code. Other
// errors pass through unchanged.
func MapError(err error) error {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return err
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return &forkline.Error{Code: forkline.Conflict, Msg: forkline.ErrDuplicate.Msg, Err: err}
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return &forkline.Error{Code: forkline.Invalid, Msg: "A referenced record does not exist.", Err: err}
	case sqlite3.SQLITE_CONSTRAINT_NOTNULL, sqlite3.SQLITE_CONSTRAINT_CHECK:
		return &forkline.Error{Code: forkline.Invalid, Msg: "A value breaks a database rule.", Err: err}
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_BUSY_SNAPSHOT:
		return &forkline.Error{Code: forkline.Unavailable, Msg: "The database is busy; try again.", Err: err}
	}
	return err
}
