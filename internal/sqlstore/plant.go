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

// Plant returns the store of plant master data.
func (db *DB) Plant() plant.Store { return plantStore{db} }

type plantStore struct{ db *DB }

func (s plantStore) Sites() plant.Table[plant.Site] {
	return &table[plant.Site]{db: s.db, name: "sites", cols: []string{"time_zone", "lot_code_pattern"},
		base: func(r *plant.Site) *plant.Record { return &r.Record },
		args: func(r *plant.Site) []any { return []any{r.TimeZone, r.LotCodePattern} },
		dest: func(r *plant.Site) []any { return []any{&r.TimeZone, &r.LotCodePattern} }}
}

func (s plantStore) Areas() plant.Table[plant.Area] {
	return &table[plant.Area]{db: s.db, name: "areas",
		base: func(r *plant.Area) *plant.Record { return &r.Record },
		args: func(*plant.Area) []any { return nil },
		dest: func(*plant.Area) []any { return nil }}
}

func (s plantStore) Lines() plant.Table[plant.Line] {
	return &table[plant.Line]{db: s.db, name: "lines", cols: []string{"area_id"},
		base: func(r *plant.Line) *plant.Record { return &r.Record },
		args: func(r *plant.Line) []any { return []any{r.AreaID} },
		dest: func(r *plant.Line) []any { return []any{&r.AreaID} }}
}

// nullString stores "" as NULL, for optional references.
type nullString struct{ s *string }

func (n nullString) Scan(src any) error {
	var ns sql.NullString
	if err := ns.Scan(src); err != nil {
		return err
	}
	*n.s = ns.String
	return nil
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (s plantStore) Equipment() plant.Table[plant.Equipment] {
	return &table[plant.Equipment]{db: s.db, name: "equipment", cols: []string{"line_id", "manufacturer", "model", "serial_number"},
		base: func(r *plant.Equipment) *plant.Record { return &r.Record },
		args: func(r *plant.Equipment) []any {
			return []any{nullIfEmpty(r.LineID), r.Manufacturer, r.Model, r.SerialNumber}
		},
		dest: func(r *plant.Equipment) []any {
			return []any{nullString{&r.LineID}, &r.Manufacturer, &r.Model, &r.SerialNumber}
		}}
}

func (s plantStore) Locations() plant.Table[plant.Location] {
	return &table[plant.Location]{db: s.db, name: "locations", cols: []string{"kind", "condition"},
		base: func(r *plant.Location) *plant.Record { return &r.Record },
		args: func(r *plant.Location) []any { return []any{r.Kind, r.Condition} },
		dest: func(r *plant.Location) []any { return []any{&r.Kind, &r.Condition} }}
}

func (s plantStore) Items() plant.Table[plant.Item] {
	return &table[plant.Item]{db: s.db, name: "items",
		cols: []string{"kind", "base_unit", "pack_sizes", "shelf_life_days", "condition", "allergens", "traceability_list", "gtin", "inspect_on_receipt"},
		base: func(r *plant.Item) *plant.Record { return &r.Record },
		args: func(r *plant.Item) []any {
			return []any{r.Kind, r.BaseUnit, FormatPackSizes(r.PackSizes), r.ShelfLifeDays, r.Condition,
				joinAllergens(r.Allergens), r.TraceabilityList, r.GTIN, r.InspectOnReceipt}
		},
		dest: func(r *plant.Item) []any {
			return []any{&r.Kind, &r.BaseUnit, packSizesCol{&r.PackSizes}, &r.ShelfLifeDays, &r.Condition,
				allergensCol{&r.Allergens}, &r.TraceabilityList, &r.GTIN, &r.InspectOnReceipt}
		}}
}

func joinAllergens(as []plant.Allergen) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = string(a)
	}
	return strings.Join(s, ",")
}

type allergensCol struct{ a *[]plant.Allergen }

func (c allergensCol) Scan(src any) error {
	var s string
	if err := scanString(src, &s); err != nil {
		return err
	}
	*c.a = nil
	for _, part := range strings.Split(s, ",") {
		if part != "" {
			*c.a = append(*c.a, plant.Allergen(part))
		}
	}
	return nil
}

func scanString(src any, s *string) error {
	switch v := src.(type) {
	case string:
		*s = v
	case []byte:
		*s = string(v)
	case nil:
		*s = ""
	default:
		return fmt.Errorf("scan string: unexpected %T", src)
	}
	return nil
}

// FormatPackSizes writes pack sizes as "case=12 ea;pallet=60 case", the
// form stored in the database and used in CSV files.
func FormatPackSizes(ps []forkline.PackSize) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = string(p.Unit) + "=" + p.Contents.String()
	}
	return strings.Join(parts, ";")
}

type packSizesCol struct{ p *[]forkline.PackSize }

func (c packSizesCol) Scan(src any) error {
	var s string
	if err := scanString(src, &s); err != nil {
		return err
	}
	ps, err := plant.ParsePackSizes(s)
	*c.p = ps
	return err
}

func (s plantStore) Suppliers() plant.Table[plant.Supplier] {
	return &table[plant.Supplier]{db: s.db, name: "suppliers", cols: []string{"approval", "contact_email", "address"},
		base: func(r *plant.Supplier) *plant.Record { return &r.Record },
		args: func(r *plant.Supplier) []any { return []any{r.Approval, r.ContactEmail, r.Address} },
		dest: func(r *plant.Supplier) []any { return []any{&r.Approval, &r.ContactEmail, &r.Address} }}
}

func (s plantStore) Customers() plant.Table[plant.Customer] {
	return &table[plant.Customer]{db: s.db, name: "customers", cols: []string{"min_shelf_life_days", "contact_email"},
		base: func(r *plant.Customer) *plant.Record { return &r.Record },
		args: func(r *plant.Customer) []any { return []any{r.MinShelfLifeDays, r.ContactEmail} },
		dest: func(r *plant.Customer) []any { return []any{&r.MinShelfLifeDays, &r.ContactEmail} },
		afterWrite: func(ctx context.Context, tx *sql.Tx, c *plant.Customer) error {
			// Ship-tos that shipments may refer to are never deleted: those no
			// longer listed are marked inactive, the listed ones upserted.
			if _, err := tx.ExecContext(ctx, `UPDATE customer_ship_tos SET active = FALSE WHERE customer_id = $1`, c.ID); err != nil {
				return fmt.Errorf("ship-tos: %w", err)
			}
			// A ship-to keeps its ID: matched by ID first (so its code may
			// change), else by code (so a dropped one comes back with its old
			// ID). The stored ID is written back into c.ShipTos, which the
			// caller's record and its audit snapshot share.
			for i, st := range c.ShipTos {
				res, err := tx.ExecContext(ctx, `UPDATE customer_ship_tos SET code = $1, name = $2, address = $3, gln = $4, active = TRUE
					WHERE id = $5 AND customer_id = $6`, st.Code, st.Name, st.Address, st.GLN, st.ID, c.ID)
				if err != nil {
					return fmt.Errorf("ship-to %s: %w", st.Code, err)
				}
				if n, err := res.RowsAffected(); err != nil {
					return err
				} else if n == 1 {
					continue
				}
				if err := tx.QueryRowContext(ctx, `INSERT INTO customer_ship_tos (id, customer_id, code, name, address, gln, active)
					VALUES ($1, $2, $3, $4, $5, $6, TRUE)
					ON CONFLICT (customer_id, code) DO UPDATE SET name = excluded.name, address = excluded.address, gln = excluded.gln, active = TRUE
					RETURNING id`, st.ID, c.ID, st.Code, st.Name, st.Address, st.GLN).Scan(&c.ShipTos[i].ID); err != nil {
					return fmt.Errorf("ship-to %s: %w", st.Code, err)
				}
			}
			return nil
		},
		load: func(ctx context.Context, q queryer, cs []plant.Customer) error {
			idx := map[string]int{}
			args := make([]any, len(cs))
			for i, c := range cs {
				idx[c.ID] = i
				args[i] = c.ID
				cs[i].ShipTos = nil
			}
			rows, err := q.QueryContext(ctx, `SELECT id, customer_id, code, name, address, gln FROM customer_ship_tos
				WHERE active = TRUE AND customer_id IN (`+placeholders(1, len(args))+`) ORDER BY code`, args...)
			if err != nil {
				return fmt.Errorf("ship-tos: %w", err)
			}
			defer rows.Close()
			for rows.Next() {
				var st plant.ShipTo
				var cid string
				if err := rows.Scan(&st.ID, &cid, &st.Code, &st.Name, &st.Address, &st.GLN); err != nil {
					return err
				}
				cs[idx[cid]].ShipTos = append(cs[idx[cid]].ShipTos, st)
			}
			return rows.Err()
		}}
}

// CreateSite adds a site and grants its creator the admin role on it.
func (s plantStore) CreateSite(ctx context.Context, site plant.Site, creator forkline.ID, ch audit.Change) error {
	t := s.Sites().(*table[plant.Site])
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		if err := t.insert(ctx, tx, &site, ch); err != nil {
			return err
		}
		if creator == "" {
			return nil
		}
		g := forkline.Grant{SiteID: site.ID, Role: forkline.RoleAdmin}
		if _, err := tx.ExecContext(ctx, `INSERT INTO user_grants (user_id, site_id, role) VALUES ($1, $2, $3)`, creator, g.SiteID, g.Role); err != nil {
			return fmt.Errorf("grant the site's creator: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET version = version + 1 WHERE id = $1`, creator); err != nil {
			return fmt.Errorf("grant the site's creator: %w", err)
		}
		return s.db.appendAudit(ctx, tx, audit.Change{Action: audit.Grant, Entity: "user", EntityID: creator, SiteID: site.ID,
			Reason: "created the site " + site.Code, After: g})
	})
}
