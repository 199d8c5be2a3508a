package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/audit"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/recipe"
)

// Recipes returns the store of recipes and their versions.
func (db *DB) Recipes() recipe.Store { return recipeStore{db} }

type recipeStore struct{ db *DB }

func (s recipeStore) FindRecipeItem(ctx context.Context, id forkline.ID) (recipe.Item, error) {
	var it recipe.Item
	var allergens []plant.Allergen
	err := s.db.read.QueryRowContext(ctx, `SELECT id, site_id, code, name, base_unit, pack_sizes, allergens, active FROM items WHERE id = $1`, id).
		Scan(&it.ID, &it.SiteID, &it.Code, &it.Name, &it.BaseUnit, packSizesCol{&it.PackSizes}, allergensCol{&allergens}, &it.Active)
	for _, a := range allergens {
		it.Allergens = append(it.Allergens, string(a))
	}
	return it, s.db.mapErr(err)
}

func (s recipeStore) CreateRecipe(ctx context.Context, r recipe.Recipe, v recipe.Version, chs []audit.Change) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO recipes (id, site_id, item_id, code, name, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			r.ID, r.SiteID, r.ItemID, r.Code, r.Name, ts(r.CreatedAt)); err != nil {
			return fmt.Errorf("insert recipe: %w", err)
		}
		if err := insertVersion(ctx, tx, v); err != nil {
			return err
		}
		for _, ch := range chs {
			if err := s.db.appendAudit(ctx, tx, ch); err != nil {
				return err
			}
		}
		return nil
	})
}

// insertVersion writes a version row and its content.
func insertVersion(ctx context.Context, tx *sql.Tx, v recipe.Version) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO recipe_versions (id, recipe_id, number, status, batch_qty, batch_unit, content_hash, revision, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, v.ID, v.RecipeID, v.Number, v.Status, v.BatchSize.Micros(), v.BatchSize.Unit,
		v.ContentHash, v.Revision, ts(v.CreatedAt), ts(v.UpdatedAt)); err != nil {
		return fmt.Errorf("insert recipe version: %w", err)
	}
	return insertContent(ctx, tx, v.ID, v.Content)
}

func insertContent(ctx context.Context, tx *sql.Tx, version forkline.ID, c recipe.Content) error {
	for i, in := range c.Ingredients {
		if _, err := tx.ExecContext(ctx, `INSERT INTO recipe_ingredients (version_id, position, item_id, qty, unit, tolerance) VALUES ($1, $2, $3, $4, $5, $6)`,
			version, i, in.ItemID, in.Quantity.Micros(), in.Quantity.Unit, int64(in.Tolerance)); err != nil {
			return fmt.Errorf("insert ingredient %d: %w", i, err)
		}
		for k, sub := range in.Substitutes {
			if _, err := tx.ExecContext(ctx, `INSERT INTO recipe_substitutes (version_id, ingredient, position, item_id) VALUES ($1, $2, $3, $4)`,
				version, i, k, sub); err != nil {
				return fmt.Errorf("insert substitute: %w", err)
			}
		}
	}
	for i, st := range c.Steps {
		if _, err := tx.ExecContext(ctx, `INSERT INTO recipe_steps (version_id, position, instruction) VALUES ($1, $2, $3)`, version, i, st.Instruction); err != nil {
			return fmt.Errorf("insert step %d: %w", i, err)
		}
		for k, p := range st.Parameters {
			if _, err := tx.ExecContext(ctx, `INSERT INTO recipe_parameters (version_id, step, position, name, unit, target, min_value, max_value, ccp)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, version, i, k, p.Name, p.Unit, int64(p.Target), int64(p.Min), int64(p.Max), p.CCP); err != nil {
				return fmt.Errorf("insert parameter: %w", err)
			}
		}
		for k, id := range st.Additions {
			if _, err := tx.ExecContext(ctx, `INSERT INTO recipe_step_additions (version_id, step, position, item_id) VALUES ($1, $2, $3, $4)`,
				version, i, k, id); err != nil {
				return fmt.Errorf("insert step addition: %w", err)
			}
		}
	}
	return nil
}

func deleteContent(ctx context.Context, tx *sql.Tx, version forkline.ID) error {
	for _, t := range []string{"recipe_step_additions", "recipe_parameters", "recipe_steps", "recipe_substitutes", "recipe_ingredients"} {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+t+" WHERE version_id = $1", version); err != nil {
			return fmt.Errorf("clear %s: %w", t, err)
		}
	}
	return nil
}

const versionCols = `v.id, v.recipe_id, r.site_id, r.item_id, v.number, v.status, v.batch_qty, v.batch_unit, v.content_hash, v.revision, v.created_at, v.updated_at,
	s.id, s.signer_id, s.signer_name, s.meaning, s.signed_at, s.content_hash`

const versionFrom = ` FROM recipe_versions v JOIN recipes r ON r.id = v.recipe_id LEFT JOIN electronic_signatures s ON s.id = v.signature_id`

func scanVersion(r interface{ Scan(...any) error }) (recipe.Version, error) {
	var v recipe.Version
	var micros int64
	var unit forkline.Unit
	var sig recipe.Signature
	err := r.Scan(&v.ID, &v.RecipeID, &v.SiteID, &v.ItemID, &v.Number, &v.Status, &micros, &unit, &v.ContentHash, &v.Revision,
		scanTime{&v.CreatedAt}, scanTime{&v.UpdatedAt},
		nullString{&sig.ID}, nullString{&sig.SignerID}, nullString{&sig.SignerName}, nullString{&sig.Meaning}, scanTime{&sig.SignedAt}, nullString{&sig.ContentHash})
	v.BatchSize = forkline.QuantityFromMicros(micros, unit)
	if sig.ID != "" {
		v.Signature = &sig
	}
	return v, err
}

// loadContent reads the content of versions, in place.
func loadContent(ctx context.Context, q queryer, vs []recipe.Version) error {
	for i := range vs {
		v := &vs[i]
		v.Ingredients, v.Steps = nil, nil
		rows, err := q.QueryContext(ctx, `SELECT item_id, qty, unit, tolerance FROM recipe_ingredients WHERE version_id = $1 ORDER BY position`, v.ID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var in recipe.Ingredient
			var micros, tol int64
			var unit forkline.Unit
			if err := rows.Scan(&in.ItemID, &micros, &unit, &tol); err != nil {
				rows.Close()
				return err
			}
			in.Quantity, in.Tolerance = forkline.QuantityFromMicros(micros, unit), recipe.Decimal(tol)
			v.Ingredients = append(v.Ingredients, in)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if err := scanRows(ctx, q, `SELECT ingredient, item_id FROM recipe_substitutes WHERE version_id = $1 ORDER BY ingredient, position`, []any{v.ID},
			func(r *sql.Rows) error {
				var i int
				var id forkline.ID
				if err := r.Scan(&i, &id); err != nil {
					return err
				}
				if i < 0 || i >= len(v.Ingredients) {
					return fmt.Errorf("recipe version %s: substitute of ingredient %d, which does not exist", v.ID, i)
				}
				v.Ingredients[i].Substitutes = append(v.Ingredients[i].Substitutes, id)
				return nil
			}); err != nil {
			return err
		}
		if err := scanRows(ctx, q, `SELECT instruction FROM recipe_steps WHERE version_id = $1 ORDER BY position`, []any{v.ID},
			func(r *sql.Rows) error {
				var st recipe.Step
				if err := r.Scan(&st.Instruction); err != nil {
					return err
				}
				v.Steps = append(v.Steps, st)
				return nil
			}); err != nil {
			return err
		}
		step := func(i int) (*recipe.Step, error) {
			if i < 0 || i >= len(v.Steps) {
				return nil, fmt.Errorf("recipe version %s: row of step %d, which does not exist", v.ID, i)
			}
			return &v.Steps[i], nil
		}
		if err := scanRows(ctx, q, `SELECT step, name, unit, target, min_value, max_value, ccp FROM recipe_parameters WHERE version_id = $1 ORDER BY step, position`, []any{v.ID},
			func(r *sql.Rows) error {
				var i int
				var p recipe.Parameter
				var target, lo, hi int64
				if err := r.Scan(&i, &p.Name, &p.Unit, &target, &lo, &hi, &p.CCP); err != nil {
					return err
				}
				p.Target, p.Min, p.Max = recipe.Decimal(target), recipe.Decimal(lo), recipe.Decimal(hi)
				st, err := step(i)
				if err != nil {
					return err
				}
				st.Parameters = append(st.Parameters, p)
				return nil
			}); err != nil {
			return err
		}
		if err := scanRows(ctx, q, `SELECT step, item_id FROM recipe_step_additions WHERE version_id = $1 ORDER BY step, position`, []any{v.ID},
			func(r *sql.Rows) error {
				var i int
				var id forkline.ID
				if err := r.Scan(&i, &id); err != nil {
					return err
				}
				st, err := step(i)
				if err != nil {
					return err
				}
				st.Additions = append(st.Additions, id)
				return nil
			}); err != nil {
			return err
		}
	}
	return nil
}

// scanRows runs a query and calls fn for each row.
func scanRows(ctx context.Context, q queryer, query string, args []any, fn func(*sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// loadVersion reads one version with its content and signature.
func loadVersion(ctx context.Context, q queryer, id forkline.ID) (recipe.Version, error) {
	v, err := scanVersion(q.QueryRowContext(ctx, `SELECT `+versionCols+versionFrom+` WHERE v.id = $1`, id))
	if err != nil {
		return v, err
	}
	vs := []recipe.Version{v}
	if err := loadContent(ctx, q, vs); err != nil {
		return v, err
	}
	return vs[0], nil
}

func (s recipeStore) FindVersion(ctx context.Context, id forkline.ID) (recipe.Version, error) {
	v, err := loadVersion(ctx, s.db.read, id)
	return v, s.db.mapErr(err)
}

func (s recipeStore) FindRecipe(ctx context.Context, id forkline.ID) (recipe.Recipe, error) {
	var r recipe.Recipe
	err := s.db.read.QueryRowContext(ctx, `SELECT id, site_id, item_id, code, name, created_at FROM recipes WHERE id = $1`, id).
		Scan(&r.ID, &r.SiteID, &r.ItemID, &r.Code, &r.Name, scanTime{&r.CreatedAt})
	if err != nil {
		return r, s.db.mapErr(err)
	}
	err = scanRows(ctx, s.db.read, `SELECT `+versionCols+versionFrom+` WHERE v.recipe_id = $1 ORDER BY v.number`, []any{id},
		func(rows *sql.Rows) error {
			v, err := scanVersion(rows)
			r.Versions = append(r.Versions, v)
			return err
		})
	if err != nil {
		return r, s.db.mapErr(err)
	}
	return r, s.db.mapErr(loadContent(ctx, s.db.read, r.Versions))
}

func (s recipeStore) FindRecipes(ctx context.Context, f recipe.Filter) ([]recipe.Recipe, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.SiteIDs != nil {
		if len(f.SiteIDs) == 0 {
			return nil, nil
		}
		var ps []string
		for _, id := range f.SiteIDs {
			ps = append(ps, arg(id))
		}
		where = append(where, "site_id IN ("+strings.Join(ps, ", ")+")")
	}
	if f.ItemID != "" {
		where = append(where, "item_id = "+arg(f.ItemID))
	}
	if q := strings.ToLower(strings.TrimSpace(f.Search)); q != "" {
		p := arg("%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(q) + "%")
		where = append(where, fmt.Sprintf(`(LOWER(code) LIKE %s ESCAPE '\' OR LOWER(name) LIKE %s ESCAPE '\')`, p, p))
	}
	q := `SELECT id, site_id, item_id, code, name, created_at FROM recipes`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += fmt.Sprintf(" ORDER BY code, id LIMIT %d", max(1, f.Limit))
	var out []recipe.Recipe
	idx := map[forkline.ID]int{}
	err := scanRows(ctx, s.db.read, q, args, func(rows *sql.Rows) error {
		var r recipe.Recipe
		if err := rows.Scan(&r.ID, &r.SiteID, &r.ItemID, &r.Code, &r.Name, scanTime{&r.CreatedAt}); err != nil {
			return err
		}
		idx[r.ID] = len(out)
		out = append(out, r)
		return nil
	})
	if err != nil || len(out) == 0 {
		return out, s.db.mapErr(err)
	}
	ids := make([]any, len(out))
	for i, r := range out {
		ids[i] = r.ID
	}
	err = scanRows(ctx, s.db.read, `SELECT `+versionCols+versionFrom+` WHERE v.recipe_id IN (`+placeholders(1, len(ids))+`) ORDER BY v.number`, ids,
		func(rows *sql.Rows) error {
			v, err := scanVersion(rows)
			if err != nil {
				return err
			}
			r := &out[idx[v.RecipeID]]
			r.Versions = append(r.Versions, v)
			return nil
		})
	return out, s.db.mapErr(err)
}

// versionRefused explains why a guarded update of a version found no row.
func versionRefused(ctx context.Context, tx *sql.Tx, id forkline.ID) error {
	var status recipe.Status
	var number int
	if err := tx.QueryRowContext(ctx, `SELECT status, number FROM recipe_versions WHERE id = $1`, id).Scan(&status, &number); err != nil {
		return err // sql.ErrNoRows: not found
	}
	if status != recipe.Draft {
		return forkline.Errorf(forkline.Conflict, "Version %d is %s: only a draft is edited or approved; make a new version instead.", number, status)
	}
	return forkline.ErrStaleVersion
}

func (s recipeStore) SaveDraft(ctx context.Context, v recipe.Version, prevRevision int, ch audit.Change) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `UPDATE recipe_versions SET batch_qty = $1, batch_unit = $2, content_hash = $3, revision = $4, updated_at = $5
			WHERE id = $6 AND status = 'draft' AND revision = $7`, v.BatchSize.Micros(), v.BatchSize.Unit, v.ContentHash, v.Revision, ts(v.UpdatedAt), v.ID, prevRevision)
		if err != nil {
			return fmt.Errorf("update draft: %w", err)
		}
		if n, err := r.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return versionRefused(ctx, tx, v.ID)
		}
		if err := deleteContent(ctx, tx, v.ID); err != nil {
			return err
		}
		if err := insertContent(ctx, tx, v.ID, v.Content); err != nil {
			return err
		}
		return s.db.appendAudit(ctx, tx, ch)
	})
}

func (s recipeStore) CreateVersion(ctx context.Context, v recipe.Version, ch audit.Change) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		if err := insertVersion(ctx, tx, v); err != nil {
			if errors.Is(s.db.mapErr(err), forkline.ErrDuplicate) {
				return &forkline.Error{Code: forkline.Conflict, Msg: "The recipe got a new version meanwhile: reload it and edit that draft.", Err: err}
			}
			return err
		}
		return s.db.appendAudit(ctx, tx, ch)
	})
}

// insertSignature writes an electronic signature.
func insertSignature(ctx context.Context, tx *sql.Tx, site forkline.ID, entity string, entityID forkline.ID, id, signer forkline.ID, name, meaning string, at ts, hash string) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO electronic_signatures (id, site_id, entity, entity_id, signer_id, signer_name, meaning, signed_at, content_hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, id, site, entity, entityID, signer, name, meaning, at, hash); err != nil {
		return fmt.Errorf("insert signature: %w", err)
	}
	return nil
}

func (s recipeStore) ApproveVersion(ctx context.Context, a recipe.Approval) error {
	v := a.Version
	sig := v.Signature
	if sig == nil {
		return fmt.Errorf("approve version %s: no signature", v.ID)
	}
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		// The version approved until now goes first: the database allows one approved version per recipe.
		if a.ObsoleteID != "" {
			r, err := tx.ExecContext(ctx, `UPDATE recipe_versions SET status = 'obsolete', updated_at = $1 WHERE id = $2 AND recipe_id = $3 AND status = 'approved'`,
				ts(v.UpdatedAt), a.ObsoleteID, v.RecipeID)
			if err != nil {
				return fmt.Errorf("obsolete version: %w", err)
			}
			if n, err := r.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				return &forkline.Error{Code: forkline.Conflict, Msg: "Another version of the recipe was approved meanwhile; reload it."}
			}
		}
		if err := insertSignature(ctx, tx, v.SiteID, "recipe_version", v.ID, sig.ID, sig.SignerID, sig.SignerName, sig.Meaning, ts(sig.SignedAt), sig.ContentHash); err != nil {
			return err
		}
		r, err := tx.ExecContext(ctx, `UPDATE recipe_versions SET status = 'approved', content_hash = $1, signature_id = $2, updated_at = $3
			WHERE id = $4 AND status = 'draft' AND revision = $5`, v.ContentHash, sig.ID, ts(v.UpdatedAt), v.ID, a.PrevRevision)
		if err != nil {
			if errors.Is(s.db.mapErr(err), forkline.ErrDuplicate) {
				return &forkline.Error{Code: forkline.Conflict, Msg: "Another version of the recipe was approved meanwhile; reload it.", Err: err}
			}
			return fmt.Errorf("approve version: %w", err)
		}
		if n, err := r.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return versionRefused(ctx, tx, v.ID)
		}
		for _, ch := range a.Audit {
			if err := s.db.appendAudit(ctx, tx, ch); err != nil {
				return err
			}
		}
		return nil
	})
}
