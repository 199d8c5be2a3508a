package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/audit"
)

// appendAudit writes the audit entry for ch inside tx. The first statement
// takes the row lock on the chain head, so concurrent writers on PostgreSQL
// append one after another and the chain never forks.
func (db *DB) appendAudit(ctx context.Context, tx *sql.Tx, ch audit.Change) error {
	a, ok := forkline.ActorFrom(ctx)
	if !ok {
		return fmt.Errorf("audit %s %s: no actor in context", ch.Action, ch.Entity)
	}
	before, err := audit.Snapshot(ch.Before)
	if err != nil {
		return err
	}
	after, err := audit.Snapshot(ch.After)
	if err != nil {
		return err
	}
	var seq int64
	var prev string
	if err := tx.QueryRowContext(ctx, `UPDATE audit_chain SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash`).Scan(&seq, &prev); err != nil {
		return fmt.Errorf("lock audit chain: %w", err)
	}
	e := audit.Entry{
		ID: db.ids.New(), At: db.now(), ActorKind: a.Kind, ActorID: a.ID, ActorName: a.Name,
		Action: ch.Action, Entity: ch.Entity, EntityID: ch.EntityID, SiteID: ch.SiteID,
		Reason: strings.TrimSpace(ch.Reason), Before: before, After: after,
	}
	audit.Seal(&e, seq-1, prev)
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_entries
		(seq, id, at, actor_kind, actor_id, actor_name, action, entity, entity_id, site_id, reason, before_json, after_json, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		e.Seq, e.ID, ts(e.At), e.ActorKind, e.ActorID, e.ActorName, e.Action, e.Entity, e.EntityID, e.SiteID,
		e.Reason, e.Before, e.After, e.PrevHash, e.Hash); err != nil {
		return fmt.Errorf("insert audit entry: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_chain SET hash = $1 WHERE id = 1`, e.Hash); err != nil {
		return fmt.Errorf("advance audit chain: %w", err)
	}
	return nil
}

const auditColumns = `seq, id, at, actor_kind, actor_id, actor_name, action, entity, entity_id, site_id, reason, before_json, after_json, prev_hash, hash`

func scanAudit(r interface{ Scan(...any) error }) (audit.Entry, error) {
	var e audit.Entry
	err := r.Scan(&e.Seq, &e.ID, scanTime{&e.At}, &e.ActorKind, &e.ActorID, &e.ActorName, &e.Action, &e.Entity,
		&e.EntityID, &e.SiteID, &e.Reason, &e.Before, &e.After, &e.PrevHash, &e.Hash)
	return e, err
}

// FindAuditEntries returns entries matching f, newest first.
func (db *DB) FindAuditEntries(ctx context.Context, f audit.Filter) ([]audit.Entry, error) {
	var where []string
	var args []any
	add := func(cond string, vals ...any) {
		where = append(where, fmt.Sprintf(cond, placeholders(len(args)+1, len(vals))))
		args = append(args, vals...)
	}
	if f.Entity != "" {
		add("entity = %s", f.Entity)
	}
	if f.EntityID != "" {
		add("entity_id = %s", f.EntityID)
	}
	if f.SiteIDs != nil && len(f.SiteIDs) == 0 {
		where = append(where, "1 = 0") // no site: nothing; "IN ()" is not SQL that PostgreSQL accepts
	} else if f.SiteIDs != nil {
		vals := make([]any, len(f.SiteIDs))
		for i, s := range f.SiteIDs {
			vals[i] = s
		}
		add("site_id IN (%s)", vals...)
	}
	if f.BeforeSeq > 0 {
		add("seq < %s", f.BeforeSeq)
	}
	q := "SELECT " + auditColumns + " FROM audit_entries"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += fmt.Sprintf(" ORDER BY seq DESC LIMIT %d", max(1, f.Limit))
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, db.mapErr(err)
	}
	defer rows.Close()
	var out []audit.Entry
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, db.mapErr(err)
		}
		out = append(out, e)
	}
	return out, db.mapErr(rows.Err())
}

// WalkAuditEntries calls fn for every entry in seq order, in pages, then
// returns the chain head. It reads the head first and walks only the entries
// up to it, so entries appended meanwhile do not look like a broken chain;
// FindUnchainedAuditEntry looks for entries beyond the head. It stops at fn's first error and returns it.
func (db *DB) WalkAuditEntries(ctx context.Context, fn func(audit.Entry) error) (int64, string, error) {
	var headSeq int64
	var headHash string
	if err := db.read.QueryRowContext(ctx, `SELECT seq, hash FROM audit_chain WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		return 0, "", db.mapErr(err)
	}
	after := int64(-1 << 62)
	for {
		rows, err := db.read.QueryContext(ctx, "SELECT "+auditColumns+" FROM audit_entries WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT 1000", after, headSeq)
		if err != nil {
			return 0, "", db.mapErr(err)
		}
		n := 0
		for rows.Next() {
			e, err := scanAudit(rows)
			if err != nil {
				rows.Close()
				return 0, "", db.mapErr(err)
			}
			n++
			after = e.Seq
			if err := fn(e); err != nil {
				rows.Close()
				return headSeq, headHash, err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, "", db.mapErr(err)
		}
		if n < 1000 {
			return headSeq, headHash, nil
		}
	}
}

// FindUnchainedAuditEntry returns the first entry beyond the chain head, in
// one statement so that an append committing meanwhile (entry and head
// together) is never mistaken for one.
func (db *DB) FindUnchainedAuditEntry(ctx context.Context) (int64, bool, error) {
	var seq int64
	err := db.read.QueryRowContext(ctx, `SELECT seq FROM audit_entries
		WHERE seq > (SELECT seq FROM audit_chain WHERE id = 1) ORDER BY seq LIMIT 1`).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, db.mapErr(err)
	}
	return seq, true, nil
}
