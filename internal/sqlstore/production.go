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
	"github.com/forkline/forkline/internal/production"
	"github.com/forkline/forkline/internal/recipe"
)

// Production returns the store of production orders and their batch records.
func (db *DB) Production() production.Store { return prodStore{db} }

type prodStore struct{ db *DB }

func (s prodStore) FindProductionItem(ctx context.Context, id forkline.ID) (production.Item, error) {
	var it production.Item
	var allergens []plant.Allergen
	err := s.db.read.QueryRowContext(ctx, `SELECT id, site_id, code, name, base_unit, pack_sizes, allergens, shelf_life_days, active FROM items WHERE id = $1`, id).
		Scan(&it.ID, &it.SiteID, &it.Code, &it.Name, &it.BaseUnit, packSizesCol{&it.PackSizes}, allergensCol{&allergens}, &it.ShelfLifeDays, &it.Active)
	for _, a := range allergens {
		it.Allergens = append(it.Allergens, string(a))
	}
	return it, s.db.mapErr(err)
}

func (s prodStore) FindProductionLine(ctx context.Context, id forkline.ID) (production.Line, error) {
	var l production.Line
	err := s.db.read.QueryRowContext(ctx, `SELECT id, site_id, code, name, active FROM lines WHERE id = $1`, id).Scan(&l.ID, &l.SiteID, &l.Code, &l.Name, &l.Active)
	return l, s.db.mapErr(err)
}

// FindFormula reads a recipe version and recomputes its content hash and
// allergen roll-up with the recipe package's own rules.
func (s prodStore) FindFormula(ctx context.Context, version forkline.ID) (production.Formula, error) {
	v, err := loadVersion(ctx, s.db.read, version)
	if err != nil {
		return production.Formula{}, s.db.mapErr(err)
	}
	f := production.Formula{RecipeID: v.RecipeID, VersionID: v.ID, Number: v.Number, Status: string(v.Status), ItemID: v.ItemID,
		BatchSize: v.BatchSize, ContentHash: recipe.ContentHash(v)}
	if err := s.db.read.QueryRowContext(ctx, `SELECT code FROM recipes WHERE id = $1`, v.RecipeID).Scan(&f.RecipeCode); err != nil {
		return f, s.db.mapErr(err)
	}
	if v.Signature != nil {
		f.SignedHash = v.Signature.ContentHash
	}
	items := map[forkline.ID]recipe.Item{}
	rs := recipeStore(s)
	for _, id := range v.ItemIDs() {
		it, err := rs.FindRecipeItem(ctx, id)
		if err != nil {
			return f, err
		}
		items[id] = it
	}
	f.Allergens = recipe.Allergens(v.Content, items)
	for _, in := range v.Ingredients {
		f.Ingredients = append(f.Ingredients, production.Ingredient{ItemID: in.ItemID, Quantity: in.Quantity,
			Tolerance: production.Decimal(in.Tolerance), Substitutes: in.Substitutes})
	}
	for _, st := range v.Steps {
		ps := production.Step{Instruction: st.Instruction, Additions: st.Additions}
		for _, p := range st.Parameters {
			ps.Parameters = append(ps.Parameters, production.Parameter{Name: p.Name, Unit: p.Unit,
				Target: production.Decimal(p.Target), Min: production.Decimal(p.Min), Max: production.Decimal(p.Max), CCP: p.CCP})
		}
		f.Steps = append(f.Steps, ps)
	}
	return f, nil
}

func (s prodStore) FindApprovedFormulas(ctx context.Context, site, item forkline.ID) ([]production.Formula, error) {
	var ids []forkline.ID
	err := scanRows(ctx, s.db.read, `SELECT v.id FROM recipe_versions v JOIN recipes r ON r.id = v.recipe_id
		WHERE r.site_id = $1 AND r.item_id = $2 AND v.status = 'approved' ORDER BY r.code`, []any{site, item}, func(r *sql.Rows) error {
		var id forkline.ID
		err := r.Scan(&id)
		ids = append(ids, id)
		return err
	})
	if err != nil {
		return nil, s.db.mapErr(err)
	}
	var out []production.Formula
	for _, id := range ids {
		f, err := s.FindFormula(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

const orderCols = `o.id, o.site_id, o.number, o.item_id, o.recipe_id, o.version_id, o.content_hash, o.allergens, o.planned_qty, o.unit, o.line_id,
	o.planned_start, o.planned_end, o.erp_ref, o.state, o.held_from, o.started_at, o.stopped_at, o.completed_at, o.actual_qty, o.theoretical_qty,
	o.yield_pct, o.created_at, o.updated_at, o.version, s.id, s.signer_id, s.signer_name, s.meaning, s.signed_at, s.content_hash`

const orderFrom = ` FROM production_orders o LEFT JOIN electronic_signatures s ON s.id = o.batch_signature_id`

func scanOrder(r interface{ Scan(...any) error }) (production.Order, error) {
	var o production.Order
	var planned, actual, theo int64
	var unit forkline.Unit
	var allergens string
	var sig production.Signature
	err := r.Scan(&o.ID, &o.SiteID, &o.Number, &o.ItemID, nullString{&o.RecipeID}, nullString{&o.VersionID}, &o.ContentHash, &allergens,
		&planned, &unit, &o.LineID, scanTime{&o.PlannedStart}, scanTime{&o.PlannedEnd}, &o.ERPRef, &o.State, &o.HeldFrom,
		scanTime{&o.StartedAt}, scanTime{&o.StoppedAt}, scanTime{&o.CompletedAt}, &actual, &theo, &o.Yield.Percent,
		scanTime{&o.CreatedAt}, scanTime{&o.UpdatedAt}, &o.Version,
		nullString{&sig.ID}, nullString{&sig.SignerID}, nullString{&sig.SignerName}, nullString{&sig.Meaning}, scanTime{&sig.SignedAt}, nullString{&sig.ContentHash})
	o.PlannedQuantity = forkline.QuantityFromMicros(planned, unit)
	if !o.CompletedAt.IsZero() {
		o.Yield.Actual, o.Yield.Theoretical = forkline.QuantityFromMicros(actual, unit), forkline.QuantityFromMicros(theo, unit)
	}
	o.Allergens = splitList(allergens)
	if sig.ID != "" {
		sig.Entity, sig.EntityID = "batch_record", o.ID
		o.BatchRelease = &sig
	}
	return o, err
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func (s prodStore) CreateOrders(ctx context.Context, os []production.Order, chs []audit.Change) (int, error) {
	failed := 0
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		for i, o := range os {
			failed = i
			if _, err := tx.ExecContext(ctx, `INSERT INTO production_orders (id, site_id, number, item_id, recipe_id, planned_qty, unit, line_id,
				planned_start, planned_end, erp_ref, state, created_at, updated_at, version)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
				o.ID, o.SiteID, o.Number, o.ItemID, nullIfEmpty(o.RecipeID), o.PlannedQuantity.Micros(), o.PlannedQuantity.Unit, o.LineID,
				ts(o.PlannedStart), ts(o.PlannedEnd), o.ERPRef, o.State, ts(o.CreatedAt), ts(o.UpdatedAt), o.Version); err != nil {
				return fmt.Errorf("insert production order %s: %w", o.Number, err)
			}
			if err := s.db.appendAudit(ctx, tx, chs[i]); err != nil {
				return err
			}
		}
		return nil
	})
	return failed, err
}

func (s prodStore) FindOrder(ctx context.Context, id forkline.ID) (production.Order, error) {
	o, err := scanOrder(s.db.read.QueryRowContext(ctx, `SELECT `+orderCols+orderFrom+` WHERE o.id = $1`, id))
	return o, s.db.mapErr(err)
}

func (s prodStore) FindOrderByNumber(ctx context.Context, site forkline.ID, number string) (production.Order, error) {
	o, err := scanOrder(s.db.read.QueryRowContext(ctx, `SELECT `+orderCols+orderFrom+` WHERE o.site_id = $1 AND o.number = $2`, site, number))
	return o, s.db.mapErr(err)
}

func (s prodStore) FindOrders(ctx context.Context, f production.OrderFilter) ([]production.Order, error) {
	var where []string
	var args []any
	in := func(col string, vals []any) {
		where = append(where, fmt.Sprintf("%s IN (%s)", col, placeholders(len(args)+1, len(vals))))
		args = append(args, vals...)
	}
	if f.SiteIDs != nil {
		if len(f.SiteIDs) == 0 {
			return nil, nil
		}
		vals := make([]any, len(f.SiteIDs))
		for i, id := range f.SiteIDs {
			vals[i] = id
		}
		in("o.site_id", vals)
	}
	if f.LineID != "" {
		in("o.line_id", []any{f.LineID})
	}
	if f.ItemID != "" {
		in("o.item_id", []any{f.ItemID})
	}
	if len(f.States) > 0 {
		vals := make([]any, len(f.States))
		for i, st := range f.States {
			vals[i] = string(st)
		}
		in("o.state", vals)
	}
	if !f.RanTo.IsZero() {
		where = append(where, fmt.Sprintf("o.started_at < $%d", len(args)+1))
		args = append(args, ts(f.RanTo))
	}
	if !f.RanFrom.IsZero() {
		where = append(where, fmt.Sprintf("(o.completed_at IS NULL OR o.completed_at > $%d)", len(args)+1))
		args = append(args, ts(f.RanFrom))
	}
	q := `SELECT ` + orderCols + orderFrom
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += fmt.Sprintf(" ORDER BY o.planned_start, o.number LIMIT %d", max(1, f.Limit))
	var out []production.Order
	err := scanRows(ctx, s.db.read, q, args, func(r *sql.Rows) error {
		o, err := scanOrder(r)
		out = append(out, o)
		return err
	})
	return out, s.db.mapErr(err)
}

// orderRefused explains why a guarded update of an order found no row.
func orderRefused(ctx context.Context, tx *sql.Tx, id forkline.ID, want production.State) error {
	var number string
	var state production.State
	if err := tx.QueryRowContext(ctx, `SELECT number, state FROM production_orders WHERE id = $1`, id).Scan(&number, &state); err != nil {
		return err // sql.ErrNoRows: not found
	}
	if want != "" && state != want {
		return forkline.Errorf(forkline.Conflict, "Order %s is %s now, no longer %s; reload it.", number, state, want)
	}
	return forkline.ErrStaleVersion
}

// touchOrder moves an order's version on, guarded by its state when given;
// on PostgreSQL it also locks the order's row until the transaction ends.
func touchOrder(ctx context.Context, tx *sql.Tx, id forkline.ID, state production.State, at ts) error {
	q, args := `UPDATE production_orders SET version = version + 1, updated_at = $1 WHERE id = $2`, []any{at, id}
	if state != "" {
		q += ` AND state = $3`
		args = append(args, state)
	}
	r, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("touch order: %w", err)
	}
	if n, err := r.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return orderRefused(ctx, tx, id, state)
	}
	return nil
}

func (s prodStore) ChangeState(ctx context.Context, sc production.StateChange) error {
	o := sc.Order
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `UPDATE production_orders SET state = $1, held_from = $2, recipe_id = $3, version_id = $4, content_hash = $5,
			allergens = $6, started_at = $7, stopped_at = $8, completed_at = $9, actual_qty = $10, theoretical_qty = $11, yield_pct = $12,
			updated_at = $13, version = version + 1
			WHERE id = $14 AND state = $15 AND version = $16`,
			o.State, o.HeldFrom, nullIfEmpty(o.RecipeID), nullIfEmpty(o.VersionID), o.ContentHash, strings.Join(o.Allergens, ","),
			ts(o.StartedAt), ts(o.StoppedAt), ts(o.CompletedAt), o.Yield.Actual.Micros(), o.Yield.Theoretical.Micros(), o.Yield.Percent,
			ts(o.UpdatedAt), o.ID, sc.From, sc.PrevVersion)
		if err != nil {
			return fmt.Errorf("change order state: %w", err)
		}
		if n, err := r.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return orderRefused(ctx, tx, o.ID, sc.From)
		}
		if sc.Occupy {
			if err := s.occupy(ctx, tx, o, sc.LastOrderID); err != nil {
				return err
			}
		}
		if sc.Free {
			r, err := tx.ExecContext(ctx, `UPDATE production_lines SET running_order_id = NULL, last_stopped_at = $1 WHERE line_id = $2 AND running_order_id = $3`,
				ts(o.StoppedAt), o.LineID, o.ID)
			if err != nil {
				return fmt.Errorf("free line: %w", err)
			}
			if n, err := r.RowsAffected(); err != nil {
				return err
			} else if n != 1 {
				return fmt.Errorf("free line %s: order %s was not running on it", o.LineID, o.Number)
			}
		}
		h := sc.Record
		if _, err := tx.ExecContext(ctx, `INSERT INTO production_order_states (id, order_id, from_state, to_state, at, actor_id, actor_name, reason)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, h.ID, h.OrderID, h.From, h.To, ts(h.At), h.ActorID, h.ActorName, h.Reason); err != nil {
			return fmt.Errorf("order history: %w", err)
		}
		return s.db.appendAudit(ctx, tx, sc.Audit)
	})
}

// occupy makes o the order running on its line, guarded by the line being
// free and its last order being the one the start checks saw.
func (s prodStore) occupy(ctx context.Context, tx *sql.Tx, o production.Order, lastSeen forkline.ID) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO production_lines (line_id, site_id) VALUES ($1, $2) ON CONFLICT (line_id) DO NOTHING`, o.LineID, o.SiteID); err != nil {
		return fmt.Errorf("line run: %w", err)
	}
	r, err := tx.ExecContext(ctx, `UPDATE production_lines SET running_order_id = $1, last_order_id = $1, last_allergens = $2, last_stopped_at = NULL
		WHERE line_id = $3 AND running_order_id IS NULL AND COALESCE(last_order_id, '') = $4`, o.ID, strings.Join(o.Allergens, ","), o.LineID, lastSeen)
	if err != nil {
		return fmt.Errorf("occupy line: %w", err)
	}
	if n, err := r.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return forkline.Errorf(forkline.Conflict, "Another order started on the line meanwhile; reload the dispatch list and try again.")
	}
	return nil
}

func (s prodStore) FindHistory(ctx context.Context, order forkline.ID) ([]production.StateRecord, error) {
	var out []production.StateRecord
	err := scanRows(ctx, s.db.read, `SELECT id, order_id, from_state, to_state, at, actor_id, actor_name, reason FROM production_order_states
		WHERE order_id = $1 ORDER BY at, id`, []any{order}, func(r *sql.Rows) error {
		var h production.StateRecord
		err := r.Scan(&h.ID, &h.OrderID, &h.From, &h.To, scanTime{&h.At}, &h.ActorID, &h.ActorName, &h.Reason)
		out = append(out, h)
		return err
	})
	return out, s.db.mapErr(err)
}

func (s prodStore) FindLineRun(ctx context.Context, line forkline.ID) (production.LineRun, error) {
	run := production.LineRun{LineID: line}
	var allergens string
	err := s.db.read.QueryRowContext(ctx, `SELECT COALESCE(pl.running_order_id, ''), COALESCE(ro.number, ''), COALESCE(pl.last_order_id, ''),
		COALESCE(lo.number, ''), pl.last_allergens, pl.last_stopped_at
		FROM production_lines pl LEFT JOIN production_orders ro ON ro.id = pl.running_order_id LEFT JOIN production_orders lo ON lo.id = pl.last_order_id
		WHERE pl.line_id = $1`, line).Scan(&run.RunningOrderID, &run.RunningOrderNumber, &run.LastOrderID, &run.LastOrderNumber, &allergens, scanTime{&run.LastStoppedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return run, nil // the line never ran an order
	} else if err != nil {
		return run, s.db.mapErr(err)
	}
	run.LastAllergens = splitList(allergens)
	var c production.ChangeoverRecord
	err = s.db.read.QueryRowContext(ctx, `SELECT id, site_id, line_id, kind, note, completed_at, recorded_at, actor_id, actor_name
		FROM line_changeovers WHERE line_id = $1 ORDER BY completed_at DESC, id DESC LIMIT 1`, line).
		Scan(&c.ID, &c.SiteID, &c.LineID, &c.Kind, &c.Note, scanTime{&c.CompletedAt}, scanTime{&c.RecordedAt}, &c.ActorID, &c.ActorName)
	if errors.Is(err, sql.ErrNoRows) {
		return run, nil
	} else if err != nil {
		return run, s.db.mapErr(err)
	}
	run.LastChangeover = &c
	return run, nil
}

func (s prodStore) RecordChangeover(ctx context.Context, c production.ChangeoverRecord, ch audit.Change) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO production_lines (line_id, site_id) VALUES ($1, $2) ON CONFLICT (line_id) DO NOTHING`, c.LineID, c.SiteID); err != nil {
			return fmt.Errorf("line run: %w", err)
		}
		r, err := tx.ExecContext(ctx, `UPDATE production_lines SET changeovers = changeovers + 1 WHERE line_id = $1 AND running_order_id IS NULL`, c.LineID)
		if err != nil {
			return fmt.Errorf("changeover: %w", err)
		}
		if n, err := r.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			var number string
			if err := tx.QueryRowContext(ctx, `SELECT o.number FROM production_lines pl JOIN production_orders o ON o.id = pl.running_order_id WHERE pl.line_id = $1`, c.LineID).Scan(&number); err != nil {
				return err
			}
			return forkline.Errorf(forkline.Conflict, "The line is running order %s: clean it after the order is completed or held.", number)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO line_changeovers (id, site_id, line_id, kind, note, completed_at, recorded_at, actor_id, actor_name)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, c.ID, c.SiteID, c.LineID, c.Kind, c.Note, ts(c.CompletedAt), ts(c.RecordedAt), c.ActorID, c.ActorName); err != nil {
			return fmt.Errorf("insert changeover: %w", err)
		}
		return s.db.appendAudit(ctx, tx, ch)
	})
}

func (s prodStore) ReserveAddition(ctx context.Context, r production.Reservation) error {
	a := r.Addition
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		// The order's row first: it must be in progress, and its lock
		// makes additions to one order wait for each other.
		if err := touchOrder(ctx, tx, a.OrderID, production.InProgress, ts(a.At)); err != nil {
			return err
		}
		if !r.NoLimit {
			var sum int64
			if err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(qty), 0) FROM material_additions WHERE order_id = $1 AND ingredient_item_id = $2 AND status <> 'refused'`,
				a.OrderID, a.IngredientItemID).Scan(&sum); err != nil {
				return fmt.Errorf("sum additions: %w", err)
			}
			if total := sum + a.Quantity.Micros(); total > r.Max.Micros() {
				return forkline.Errorf(forkline.Conflict, "Another addition of this ingredient was booked meanwhile: %s more would make %s, above the maximum %s. Reload the order.",
					a.Quantity, forkline.QuantityFromMicros(total, a.Quantity.Unit), r.Max)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO material_additions (id, order_id, site_id, ingredient_item_id, item_id, substitute, lot_id, lot_code,
			location_id, qty, unit, entered_qty, entered_unit, step, status, idempotency_key, at, actor_id, actor_name)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
			a.ID, a.OrderID, a.SiteID, a.IngredientItemID, a.ItemID, a.Substitute, a.LotID, a.LotCode, a.LocationID, a.Quantity.Micros(), a.Quantity.Unit,
			a.Entered.Micros(), a.Entered.Unit, a.Step, a.Status, nullIfEmpty(a.IdempotencyKey), ts(a.At), a.ActorID, a.ActorName); err != nil {
			return fmt.Errorf("insert addition: %w", err)
		}
		for _, ov := range a.Overrides {
			if _, err := tx.ExecContext(ctx, `INSERT INTO material_overrides (id, order_id, addition_id, kind, reason, detail, at, actor_id, actor_name)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, ov.ID, ov.OrderID, ov.AdditionID, ov.Kind, ov.Reason, ov.Detail, ts(ov.At), ov.ActorID, ov.ActorName); err != nil {
				return fmt.Errorf("insert override: %w", err)
			}
		}
		return s.db.appendAudit(ctx, tx, r.Audit)
	})
}

// settleAddition moves a pending addition to booked or refused.
func (s prodStore) settleAddition(ctx context.Context, a production.Addition, ch audit.Change) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `UPDATE material_additions SET status = $1, event_id = $2, lot_code = $3, refusal = $4 WHERE id = $5 AND status = 'pending'`,
			a.Status, nullIfEmpty(a.EventID), a.LotCode, a.Refusal, a.ID)
		if err != nil {
			return fmt.Errorf("settle addition: %w", err)
		}
		if n, err := r.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return forkline.Errorf(forkline.Conflict, "The addition of lot %s was settled meanwhile; reload the order.", a.LotCode)
		}
		if err := touchOrder(ctx, tx, a.OrderID, "", ts(a.At)); err != nil {
			return err
		}
		return s.db.appendAudit(ctx, tx, ch)
	})
}

func (s prodStore) ConfirmAddition(ctx context.Context, a production.Addition, ch audit.Change) error {
	return s.settleAddition(ctx, a, ch)
}

func (s prodStore) RefuseAddition(ctx context.Context, a production.Addition, ch audit.Change) error {
	return s.settleAddition(ctx, a, ch)
}

const additionCols = `id, order_id, site_id, ingredient_item_id, item_id, substitute, lot_id, lot_code, location_id, qty, unit, entered_qty, entered_unit,
	step, status, COALESCE(event_id, ''), refusal, COALESCE(idempotency_key, ''), at, actor_id, actor_name`

func scanAddition(r interface{ Scan(...any) error }) (production.Addition, error) {
	var a production.Addition
	var q, e int64
	var qu, eu forkline.Unit
	err := r.Scan(&a.ID, &a.OrderID, &a.SiteID, &a.IngredientItemID, &a.ItemID, &a.Substitute, &a.LotID, &a.LotCode, &a.LocationID, &q, &qu, &e, &eu,
		&a.Step, &a.Status, &a.EventID, &a.Refusal, &a.IdempotencyKey, scanTime{&a.At}, &a.ActorID, &a.ActorName)
	a.Quantity, a.Entered = forkline.QuantityFromMicros(q, qu), forkline.QuantityFromMicros(e, eu)
	return a, err
}

func (s prodStore) FindAdditions(ctx context.Context, order forkline.ID) ([]production.Addition, error) {
	var out []production.Addition
	idx := map[forkline.ID]int{}
	err := scanRows(ctx, s.db.read, `SELECT `+additionCols+` FROM material_additions WHERE order_id = $1 ORDER BY at, id`, []any{order}, func(r *sql.Rows) error {
		a, err := scanAddition(r)
		idx[a.ID] = len(out)
		out = append(out, a)
		return err
	})
	if err != nil {
		return nil, s.db.mapErr(err)
	}
	err = scanRows(ctx, s.db.read, `SELECT id, order_id, addition_id, kind, reason, detail, at, actor_id, actor_name FROM material_overrides
		WHERE order_id = $1 ORDER BY at, id`, []any{order}, func(r *sql.Rows) error {
		var ov production.Override
		if err := r.Scan(&ov.ID, &ov.OrderID, &ov.AdditionID, &ov.Kind, &ov.Reason, &ov.Detail, scanTime{&ov.At}, &ov.ActorID, &ov.ActorName); err != nil {
			return err
		}
		if i, ok := idx[ov.AdditionID]; ok {
			out[i].Overrides = append(out[i].Overrides, ov)
		}
		return nil
	})
	return out, s.db.mapErr(err)
}

func (s prodStore) FindAdditionByKey(ctx context.Context, order forkline.ID, key string) (production.Addition, error) {
	a, err := scanAddition(s.db.read.QueryRowContext(ctx, `SELECT `+additionCols+` FROM material_additions WHERE order_id = $1 AND idempotency_key = $2`, order, key))
	if err != nil {
		return a, s.db.mapErr(err)
	}
	err = scanRows(ctx, s.db.read, `SELECT id, order_id, addition_id, kind, reason, detail, at, actor_id, actor_name FROM material_overrides
		WHERE addition_id = $1 ORDER BY at, id`, []any{a.ID}, func(r *sql.Rows) error {
		var ov production.Override
		err := r.Scan(&ov.ID, &ov.OrderID, &ov.AdditionID, &ov.Kind, &ov.Reason, &ov.Detail, scanTime{&ov.At}, &ov.ActorID, &ov.ActorName)
		a.Overrides = append(a.Overrides, ov)
		return err
	})
	return a, s.db.mapErr(err)
}

func (s prodStore) RecordReading(ctx context.Context, rd production.Reading, d *production.Deviation, chs []audit.Change) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		if err := touchOrder(ctx, tx, rd.OrderID, production.InProgress, ts(rd.At)); err != nil {
			return err
		}
		if d != nil {
			if _, err := tx.ExecContext(ctx, `INSERT INTO production_deviations (id, site_id, order_id, kind, critical, description, reading_id, status,
				raised_at, raised_by_id, raised_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
				d.ID, d.SiteID, d.OrderID, d.Kind, d.Critical, d.Description, d.ReadingID, d.Status, ts(d.RaisedAt), d.RaisedByID, d.RaisedBy); err != nil {
				return fmt.Errorf("insert deviation: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO process_readings (id, order_id, step, parameter, unit, value, target, min_value, max_value, ccp,
			in_limits, deviation_id, note, at, actor_id, actor_name) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
			rd.ID, rd.OrderID, rd.Step, rd.Parameter, rd.Unit, int64(rd.Value), int64(rd.Target), int64(rd.Min), int64(rd.Max), rd.CCP,
			rd.InLimits, nullIfEmpty(rd.DeviationID), rd.Note, ts(rd.At), rd.ActorID, rd.ActorName); err != nil {
			return fmt.Errorf("insert reading: %w", err)
		}
		for _, ch := range chs {
			if err := s.db.appendAudit(ctx, tx, ch); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s prodStore) FindReadings(ctx context.Context, order forkline.ID) ([]production.Reading, error) {
	var out []production.Reading
	err := scanRows(ctx, s.db.read, `SELECT id, order_id, step, parameter, unit, value, target, min_value, max_value, ccp, in_limits,
		COALESCE(deviation_id, ''), note, at, actor_id, actor_name FROM process_readings WHERE order_id = $1 ORDER BY at, id`, []any{order},
		func(r *sql.Rows) error {
			var rd production.Reading
			var v, t, lo, hi int64
			err := r.Scan(&rd.ID, &rd.OrderID, &rd.Step, &rd.Parameter, &rd.Unit, &v, &t, &lo, &hi, &rd.CCP, &rd.InLimits,
				&rd.DeviationID, &rd.Note, scanTime{&rd.At}, &rd.ActorID, &rd.ActorName)
			rd.Value, rd.Target, rd.Min, rd.Max = production.Decimal(v), production.Decimal(t), production.Decimal(lo), production.Decimal(hi)
			out = append(out, rd)
			return err
		})
	return out, s.db.mapErr(err)
}

const deviationCols = `d.id, d.site_id, d.order_id, d.kind, d.critical, d.description, d.reading_id, d.status, d.raised_at, d.raised_by_id, d.raised_by,
	d.closed_at, d.closure_reason, s.id, s.signer_id, s.signer_name, s.meaning, s.signed_at, s.content_hash`

const deviationFrom = ` FROM production_deviations d LEFT JOIN electronic_signatures s ON s.id = d.closure_signature_id`

func scanDeviation(r interface{ Scan(...any) error }) (production.Deviation, error) {
	var d production.Deviation
	var sig production.Signature
	err := r.Scan(&d.ID, &d.SiteID, &d.OrderID, &d.Kind, &d.Critical, &d.Description, &d.ReadingID, &d.Status, scanTime{&d.RaisedAt},
		&d.RaisedByID, &d.RaisedBy, scanTime{&d.ClosedAt}, &d.ClosureReason,
		nullString{&sig.ID}, nullString{&sig.SignerID}, nullString{&sig.SignerName}, nullString{&sig.Meaning}, scanTime{&sig.SignedAt}, nullString{&sig.ContentHash})
	if sig.ID != "" {
		sig.Entity, sig.EntityID = "deviation", d.ID
		d.Closure = &sig
	}
	return d, err
}

func (s prodStore) FindDeviation(ctx context.Context, id forkline.ID) (production.Deviation, error) {
	d, err := scanDeviation(s.db.read.QueryRowContext(ctx, `SELECT `+deviationCols+deviationFrom+` WHERE d.id = $1`, id))
	return d, s.db.mapErr(err)
}

func (s prodStore) FindDeviations(ctx context.Context, order forkline.ID) ([]production.Deviation, error) {
	var out []production.Deviation
	err := scanRows(ctx, s.db.read, `SELECT `+deviationCols+deviationFrom+` WHERE d.order_id = $1 ORDER BY d.raised_at, d.id`, []any{order},
		func(r *sql.Rows) error {
			d, err := scanDeviation(r)
			out = append(out, d)
			return err
		})
	return out, s.db.mapErr(err)
}

func (s prodStore) CloseDeviation(ctx context.Context, d production.Deviation, ch audit.Change) error {
	sig := d.Closure
	if sig == nil {
		return fmt.Errorf("close deviation %s: no signature", d.ID)
	}
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		if err := insertSignature(ctx, tx, d.SiteID, "deviation", d.ID, sig.ID, sig.SignerID, sig.SignerName, sig.Meaning, ts(sig.SignedAt), sig.ContentHash); err != nil {
			return err
		}
		r, err := tx.ExecContext(ctx, `UPDATE production_deviations SET status = 'closed', closed_at = $1, closure_reason = $2, closure_signature_id = $3
			WHERE id = $4 AND status = 'open'`, ts(d.ClosedAt), d.ClosureReason, sig.ID, d.ID)
		if err != nil {
			return fmt.Errorf("close deviation: %w", err)
		}
		if n, err := r.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return forkline.Errorf(forkline.Conflict, "The deviation was closed meanwhile.")
		}
		if err := touchOrder(ctx, tx, d.OrderID, "", ts(d.ClosedAt)); err != nil {
			return err
		}
		return s.db.appendAudit(ctx, tx, ch)
	})
}

func (s prodStore) RecordOutput(ctx context.Context, o production.Output, ch audit.Change) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO order_outputs (id, order_id, lot_id, lot_code, location_id, qty, unit, idempotency_key, at, actor_id, actor_name)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, o.ID, o.OrderID, o.LotID, o.LotCode, o.LocationID, o.Quantity.Micros(), o.Quantity.Unit,
			o.IdempotencyKey, ts(o.At), o.ActorID, o.ActorName); err != nil {
			return fmt.Errorf("insert output: %w", err)
		}
		if err := touchOrder(ctx, tx, o.OrderID, "", ts(o.At)); err != nil {
			return err
		}
		return s.db.appendAudit(ctx, tx, ch)
	})
}

func (s prodStore) FindOutputs(ctx context.Context, order forkline.ID) ([]production.Output, error) {
	var out []production.Output
	err := scanRows(ctx, s.db.read, `SELECT id, order_id, lot_id, lot_code, location_id, qty, unit, idempotency_key, at, actor_id, actor_name
		FROM order_outputs WHERE order_id = $1 ORDER BY at, id`, []any{order}, func(r *sql.Rows) error {
		var o production.Output
		var q int64
		var u forkline.Unit
		err := r.Scan(&o.ID, &o.OrderID, &o.LotID, &o.LotCode, &o.LocationID, &q, &u, &o.IdempotencyKey, scanTime{&o.At}, &o.ActorID, &o.ActorName)
		o.Quantity = forkline.QuantityFromMicros(q, u)
		out = append(out, o)
		return err
	})
	return out, s.db.mapErr(err)
}

func (s prodStore) RecordBatchRelease(ctx context.Context, order forkline.ID, prevVersion int, sig production.Signature, ch audit.Change) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		if err := insertSignature(ctx, tx, ch.SiteID, "batch_record", order, sig.ID, sig.SignerID, sig.SignerName, sig.Meaning, ts(sig.SignedAt), sig.ContentHash); err != nil {
			return err
		}
		r, err := tx.ExecContext(ctx, `UPDATE production_orders SET batch_signature_id = $1, updated_at = $2, version = version + 1
			WHERE id = $3 AND version = $4 AND state IN ('completed', 'closed') AND batch_signature_id IS NULL
			  AND NOT EXISTS (SELECT 1 FROM production_deviations d WHERE d.order_id = $3 AND d.critical = TRUE AND d.status = 'open')`,
			sig.ID, ts(sig.SignedAt), order, prevVersion)
		if err != nil {
			return fmt.Errorf("release batch: %w", err)
		}
		if n, err := r.RowsAffected(); err != nil {
			return err
		} else if n == 1 {
			return s.db.appendAudit(ctx, tx, ch)
		}
		// Say why, for the person signing.
		var number string
		var state production.State
		var released bool
		var open int
		if err := tx.QueryRowContext(ctx, `SELECT number, state, batch_signature_id IS NOT NULL,
			(SELECT COUNT(*) FROM production_deviations d WHERE d.order_id = $1 AND d.critical = TRUE AND d.status = 'open')
			FROM production_orders WHERE id = $1`, order).Scan(&number, &state, &released, &open); err != nil {
			return err
		}
		switch {
		case released:
			return forkline.Errorf(forkline.Conflict, "Batch %s is released already.", number)
		case open > 0:
			return forkline.Errorf(forkline.Conflict, "Batch %s cannot be released: %d critical deviation(s) are open.", number, open)
		case state != production.Completed && state != production.Closed:
			return forkline.Errorf(forkline.Conflict, "Order %s is %s: a batch is released after it is completed.", number, state)
		}
		return &forkline.Error{Code: forkline.Conflict, Msg: "The batch record changed while you reviewed it; review it again before signing."}
	})
}

func (s prodStore) FindSignatures(ctx context.Context, order forkline.ID) ([]production.Signature, error) {
	var out []production.Signature
	err := scanRows(ctx, s.db.read, `SELECT id, entity, entity_id, signer_id, signer_name, meaning, signed_at, content_hash FROM electronic_signatures
		WHERE (entity = 'batch_record' AND entity_id = $1)
		   OR (entity = 'deviation' AND entity_id IN (SELECT id FROM production_deviations WHERE order_id = $1))
		ORDER BY signed_at, id`, []any{order}, func(r *sql.Rows) error {
		var sg production.Signature
		err := r.Scan(&sg.ID, &sg.Entity, &sg.EntityID, &sg.SignerID, &sg.SignerName, &sg.Meaning, scanTime{&sg.SignedAt}, &sg.ContentHash)
		out = append(out, sg)
		return err
	})
	return out, s.db.mapErr(err)
}
