package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/audit"
	"github.com/forkline/forkline/internal/auth"
)

// Auth returns the store of users, sessions and tokens.
func (db *DB) Auth() auth.Store { return authStore{db} }

type authStore struct{ db *DB }

const userCols = "id, username, display_name, active, version, failed_logins, locked_until, created_at, updated_at, badge"

func scanUser(r interface{ Scan(...any) error }, extra ...any) (auth.User, error) {
	var u auth.User
	err := r.Scan(append([]any{&u.ID, &u.Username, &u.DisplayName, &u.Active, &u.Version, &u.FailedLogins,
		scanTime{&u.LockedUntil}, scanTime{&u.CreatedAt}, scanTime{&u.UpdatedAt}, nullString{&u.Badge}}, extra...)...)
	return u, err
}

func (s authStore) loadGrants(ctx context.Context, q queryer, u *auth.User) error {
	rows, err := q.QueryContext(ctx, `SELECT site_id, role FROM user_grants WHERE user_id = $1 ORDER BY site_id, role`, u.ID)
	if err != nil {
		return fmt.Errorf("grants: %w", err)
	}
	defer rows.Close()
	u.Grants = nil
	for rows.Next() {
		var g forkline.Grant
		if err := rows.Scan(&g.SiteID, &g.Role); err != nil {
			return err
		}
		u.Grants = append(u.Grants, g)
	}
	return rows.Err()
}

func (s authStore) CreateUser(ctx context.Context, u auth.User, hash string, ch audit.Change) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO users (id, username, display_name, password_hash, active, version, failed_logins, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8)`, u.ID, u.Username, u.DisplayName, hash, u.Active, u.Version, ts(u.CreatedAt), ts(u.UpdatedAt)); err != nil {
			return fmt.Errorf("insert user: %w", err)
		}
		return s.db.appendAudit(ctx, tx, ch)
	})
}

func (s authStore) FindUserByID(ctx context.Context, id forkline.ID) (auth.User, error) {
	u, err := scanUser(s.db.read.QueryRowContext(ctx, "SELECT "+userCols+" FROM users WHERE id = $1", id))
	if err == nil {
		err = s.loadGrants(ctx, s.db.read, &u)
	}
	return u, s.db.mapErr(err)
}

func (s authStore) FindCredentials(ctx context.Context, username string) (auth.User, string, error) {
	var hash string
	u, err := scanUser(s.db.read.QueryRowContext(ctx, "SELECT "+userCols+", password_hash FROM users WHERE username = $1", username), &hash)
	if err == nil {
		err = s.loadGrants(ctx, s.db.read, &u)
	}
	return u, hash, s.db.mapErr(err)
}

func (s authStore) FindUsers(ctx context.Context) ([]auth.User, error) {
	rows, err := s.db.read.QueryContext(ctx, "SELECT "+userCols+" FROM users ORDER BY username")
	if err != nil {
		return nil, s.db.mapErr(err)
	}
	var out []auth.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			rows.Close()
			return nil, s.db.mapErr(err)
		}
		out = append(out, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, s.db.mapErr(err)
	}
	for i := range out {
		if err := s.loadGrants(ctx, s.db.read, &out[i]); err != nil {
			return nil, s.db.mapErr(err)
		}
	}
	return out, nil
}

// guardVersion bumps a user's version from prev, or returns NotFound or ErrStaleVersion.
func guardVersion(ctx context.Context, tx *sql.Tx, id forkline.ID, prev int) error {
	res, err := tx.ExecContext(ctx, `UPDATE users SET version = $1 WHERE id = $2 AND version = $3`, prev+1, id, prev)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM users WHERE id = $1`, id).Scan(&one); err != nil {
			return err
		}
		return forkline.ErrStaleVersion
	}
	return nil
}

func (s authStore) UpdateUser(ctx context.Context, u auth.User, prev int, hash string, ch audit.Change) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		if err := guardVersion(ctx, tx, u.ID, prev); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET display_name = $1, active = $2, updated_at = $3 WHERE id = $4`,
			u.DisplayName, u.Active, ts(u.UpdatedAt), u.ID); err != nil {
			return fmt.Errorf("update user: %w", err)
		}
		if hash != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1, failed_logins = 0, locked_until = NULL WHERE id = $2`, hash, u.ID); err != nil {
				return fmt.Errorf("set password: %w", err)
			}
		}
		if !u.Active || hash != "" {
			// A disabled user, or one whose password was reset, is signed out everywhere.
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, u.ID); err != nil {
				return fmt.Errorf("end sessions: %w", err)
			}
		}
		return s.db.appendAudit(ctx, tx, ch)
	})
}

func (s authStore) SetGrants(ctx context.Context, id forkline.ID, prev int, grants []forkline.Grant, ch audit.Change) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		if err := guardVersion(ctx, tx, id, prev); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM user_grants WHERE user_id = $1`, id); err != nil {
			return fmt.Errorf("grants: %w", err)
		}
		for _, g := range grants {
			if _, err := tx.ExecContext(ctx, `INSERT INTO user_grants (user_id, site_id, role) VALUES ($1, $2, $3)`, id, g.SiteID, g.Role); err != nil {
				return fmt.Errorf("grant: %w", err)
			}
		}
		return s.db.appendAudit(ctx, tx, ch)
	})
}

func (s authStore) RecordLoginFailure(ctx context.Context, id forkline.ID, lockUntil func(int) time.Time) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		var failures int
		if err := tx.QueryRowContext(ctx, `UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins`, id).Scan(&failures); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE users SET locked_until = $1 WHERE id = $2`, ts(lockUntil(failures)), id)
		return err
	})
}

func (s authStore) RecordLoginSuccess(ctx context.Context, sess auth.Session) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1`, sess.UserID); err != nil {
			return err
		}
		// Expired sessions of this user are tidied away at each sign-in.
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND expires_at < $2`, sess.UserID, ts(sess.CreatedAt)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
			sess.Hash, sess.UserID, ts(sess.CreatedAt), ts(sess.ExpiresAt))
		return err
	})
}

func (s authStore) FindSession(ctx context.Context, hash string, now time.Time) (auth.User, error) {
	u, err := scanUser(s.db.read.QueryRowContext(ctx, `SELECT u.id, u.username, u.display_name, u.active, u.version, u.failed_logins,
		u.locked_until, u.created_at, u.updated_at, u.badge FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.hash = $1 AND s.expires_at > $2 AND u.active = TRUE`, hash, ts(now)))
	if err == nil {
		err = s.loadGrants(ctx, s.db.read, &u)
	}
	return u, s.db.mapErr(err)
}

func (s authStore) DeleteSession(ctx context.Context, hash string) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE hash = $1`, hash)
		return err
	})
}

const tokenCols = "id, name, site_id, role, created_by, created_at, expires_at, revoked_at"

func scanToken(r interface{ Scan(...any) error }) (auth.Token, error) {
	var t auth.Token
	err := r.Scan(&t.ID, &t.Name, &t.SiteID, &t.Role, &t.CreatedBy, scanTime{&t.CreatedAt}, scanTime{&t.ExpiresAt}, scanTime{&t.RevokedAt})
	return t, err
}

func (s authStore) CreateToken(ctx context.Context, t auth.Token, hash string, ch audit.Change) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (id, hash, name, site_id, role, created_by, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, t.ID, hash, t.Name, t.SiteID, t.Role, t.CreatedBy, ts(t.CreatedAt), ts(t.ExpiresAt)); err != nil {
			return fmt.Errorf("insert token: %w", err)
		}
		return s.db.appendAudit(ctx, tx, ch)
	})
}

func (s authStore) FindTokenByHash(ctx context.Context, hash string, now time.Time) (auth.Token, error) {
	t, err := scanToken(s.db.read.QueryRowContext(ctx, `SELECT `+tokenCols+` FROM api_tokens
		WHERE hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)`, hash, ts(now)))
	return t, s.db.mapErr(err)
}

func (s authStore) FindTokens(ctx context.Context) ([]auth.Token, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT `+tokenCols+` FROM api_tokens ORDER BY created_at DESC, id DESC`)
	if err != nil {
		return nil, s.db.mapErr(err)
	}
	defer rows.Close()
	var out []auth.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, s.db.mapErr(err)
		}
		out = append(out, t)
	}
	return out, s.db.mapErr(rows.Err())
}

func (s authStore) RevokeToken(ctx context.Context, id forkline.ID, at time.Time, ch audit.Change) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, ts(at), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			var one int
			if err := tx.QueryRowContext(ctx, `SELECT 1 FROM api_tokens WHERE id = $1`, id).Scan(&one); err != nil {
				return err
			}
			return forkline.Errorf(forkline.Conflict, "The token is already revoked.")
		}
		return s.db.appendAudit(ctx, tx, ch)
	})
}

func (s authStore) FindCredentialsByBadge(ctx context.Context, badge string) (auth.User, string, error) {
	var hash string
	u, err := scanUser(s.db.read.QueryRowContext(ctx, "SELECT "+userCols+", pin_hash FROM users WHERE badge = $1", badge), &hash)
	if err == nil {
		err = s.loadGrants(ctx, s.db.read, &u)
	}
	return u, hash, s.db.mapErr(err)
}

func (s authStore) SetBadge(ctx context.Context, id forkline.ID, prev int, badge, pinHash string, ch audit.Change) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		if err := guardVersion(ctx, tx, id, prev); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET badge = $1, pin_hash = $2 WHERE id = $3`, nullIfEmpty(badge), pinHash, id); err != nil {
			return fmt.Errorf("set badge: %w", err)
		}
		return s.db.appendAudit(ctx, tx, ch)
	})
}
