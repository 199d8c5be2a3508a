package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/audit"
	"github.com/forkline/forkline/internal/plant"
)

// table stores one kind of master record: the columns every record has,
// then the kind's own columns. It implements plant.Table[T].
type table[T any] struct {
	db   *DB
	name string
	cols []string               // the kind's own columns
	base func(*T) *plant.Record // the common part
	args func(*T) []any         // values for cols
	dest func(*T) []any         // scan targets for cols
	// afterWrite writes child rows after an insert or update.
	afterWrite func(ctx context.Context, tx *sql.Tx, rec *T) error
	// load reads child rows for records just scanned.
	load func(ctx context.Context, q queryer, recs []T) error
}

var commonCols = []string{"id", "site_id", "code", "name", "active", "version", "created_at", "updated_at"}

func (t *table[T]) allCols() string {
	return strings.Join(append(commonCols[:len(commonCols):len(commonCols)], t.cols...), ", ")
}

func (t *table[T]) values(rec *T) []any {
	b := t.base(rec)
	return append([]any{b.ID, b.SiteID, b.Code, b.Name, b.Active, b.Version, ts(b.CreatedAt), ts(b.UpdatedAt)}, t.args(rec)...)
}

func (t *table[T]) scan(r interface{ Scan(...any) error }) (T, error) {
	var rec T
	b := t.base(&rec)
	dst := append([]any{&b.ID, &b.SiteID, &b.Code, &b.Name, &b.Active, &b.Version, scanTime{&b.CreatedAt}, scanTime{&b.UpdatedAt}}, t.dest(&rec)...)
	err := r.Scan(dst...)
	return rec, err
}

func (t *table[T]) insert(ctx context.Context, tx *sql.Tx, rec *T, ch audit.Change) error {
	vals := t.values(rec)
	q := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", t.name, t.allCols(), placeholders(1, len(vals)))
	if _, err := tx.ExecContext(ctx, q, vals...); err != nil {
		return fmt.Errorf("insert %s: %w", t.name, err)
	}
	if t.afterWrite != nil {
		if err := t.afterWrite(ctx, tx, rec); err != nil {
			return err
		}
	}
	return t.db.appendAudit(ctx, tx, ch)
}

// Insert adds a record and its audit entry.
func (t *table[T]) Insert(ctx context.Context, rec T, ch audit.Change) error {
	return t.db.tx(ctx, func(tx *sql.Tx) error { return t.insert(ctx, tx, &rec, ch) })
}

// InsertMany adds records and their audit entries in one transaction.
func (t *table[T]) InsertMany(ctx context.Context, recs []T, chs []audit.Change) error {
	return t.db.tx(ctx, func(tx *sql.Tx) error {
		for i := range recs {
			if err := t.insert(ctx, tx, &recs[i], chs[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// Update replaces a record guarded by its previous version.
func (t *table[T]) Update(ctx context.Context, rec T, prevVersion int, ch audit.Change) error {
	return t.db.tx(ctx, func(tx *sql.Tx) error {
		vals := t.values(&rec)
		cols := append(commonCols[2:len(commonCols):len(commonCols)], t.cols...) // everything but id and site_id
		set := make([]string, len(cols))
		for i, c := range cols {
			set[i] = fmt.Sprintf("%s = $%d", c, i+1)
		}
		args := append(vals[2:], vals[0], prevVersion)
		q := fmt.Sprintf("UPDATE %s SET %s WHERE id = $%d AND version = $%d", t.name, strings.Join(set, ", "), len(cols)+1, len(cols)+2)
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("update %s: %w", t.name, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			var one int
			if err := tx.QueryRowContext(ctx, "SELECT 1 FROM "+t.name+" WHERE id = $1", vals[0]).Scan(&one); err != nil {
				return err // sql.ErrNoRows: not found
			}
			return forkline.ErrStaleVersion
		}
		if t.afterWrite != nil {
			if err := t.afterWrite(ctx, tx, &rec); err != nil {
				return err
			}
		}
		return t.db.appendAudit(ctx, tx, ch)
	})
}

// Find returns one record by ID.
func (t *table[T]) Find(ctx context.Context, id forkline.ID) (T, error) {
	rec, err := t.scan(t.db.read.QueryRowContext(ctx, "SELECT "+t.allCols()+" FROM "+t.name+" WHERE id = $1", id))
	if err != nil {
		return rec, t.db.mapErr(err)
	}
	if t.load != nil {
		recs := []T{rec}
		if err := t.load(ctx, t.db.read, recs); err != nil {
			return rec, t.db.mapErr(err)
		}
		rec = recs[0]
	}
	return rec, nil
}

// FindMany returns the records matching f, by code then ID.
func (t *table[T]) FindMany(ctx context.Context, f plant.Filter) ([]T, error) {
	var where []string
	var args []any
	in := func(col string, vals []string) {
		if vals == nil {
			return
		}
		if len(vals) == 0 {
			where = append(where, "1 = 0")
			return
		}
		where = append(where, fmt.Sprintf("%s IN (%s)", col, placeholders(len(args)+1, len(vals))))
		for _, v := range vals {
			args = append(args, v)
		}
	}
	in("site_id", f.SiteIDs)
	in("code", f.Codes)
	if !f.IncludeInactive {
		where = append(where, "active = TRUE")
	}
	if s := strings.ToLower(strings.TrimSpace(f.Search)); s != "" {
		s = "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(s) + "%"
		where = append(where, fmt.Sprintf(`(LOWER(code) LIKE $%d ESCAPE '\' OR LOWER(name) LIKE $%d ESCAPE '\')`, len(args)+1, len(args)+1))
		args = append(args, s)
	}
	if f.AfterCode != "" || f.AfterID != "" {
		where = append(where, fmt.Sprintf("(code > $%d OR (code = $%d AND id > $%d))", len(args)+1, len(args)+1, len(args)+2))
		args = append(args, f.AfterCode, f.AfterID)
	}
	q := "SELECT " + t.allCols() + " FROM " + t.name
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += fmt.Sprintf(" ORDER BY code, id LIMIT %d", max(1, f.Limit))
	rows, err := t.db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, t.db.mapErr(err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		rec, err := t.scan(rows)
		if err != nil {
			return nil, t.db.mapErr(err)
		}
		out = append(out, rec)
	}
	if err := rows.Err(); err != nil {
		return nil, t.db.mapErr(err)
	}
	if t.load != nil && len(out) > 0 {
		if err := t.load(ctx, t.db.read, out); err != nil {
			return nil, t.db.mapErr(err)
		}
	}
	return out, nil
}
