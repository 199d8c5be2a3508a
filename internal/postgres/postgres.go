// Package postgres opens a PostgreSQL database through pgx and maps
// PostgreSQL errors to Forkline error codes by SQLSTATE.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/forkline/forkline"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// Open opens the database at url (postgres://...) with a pool of maxConns.
func Open(ctx context.Context, url string, maxConns int) (*sql.DB, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	return db, nil
}

// MapError maps PostgreSQL errors to Forkline errors by SQLSTATE. Other
// errors pass through unchanged.
func MapError(err error) error {
	var e *pgconn.PgError
	if !errors.As(err, &e) {
		return err
	}
	switch e.Code {
	case "23505": // unique_violation
		return &forkline.Error{Code: forkline.Conflict, Msg: forkline.ErrDuplicate.Msg, Err: err}
	case "23503": // foreign_key_violation
		return &forkline.Error{Code: forkline.Invalid, Msg: "A referenced record does not exist.", Err: err}
	case "23502", "23514", "22001", "22P02": // not_null, check, string too long, invalid text
		return &forkline.Error{Code: forkline.Invalid, Msg: "A value breaks a database rule.", Err: err}
	case "40001", "40P01", "55P03", "57P03", "53300": // serialization, deadlock, lock not available, cannot connect now, too many connections
		return &forkline.Error{Code: forkline.Unavailable, Msg: "The database is busy; try again.", Err: err}
	}
	return err
}
