package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/inventory"
)

// TraceLots walks the genealogy from the roots with a recursive query and
// reads what it reached in two statements: the lots, then (one UNION ALL)
// the edges leaving them, their shipments and their stock. UNION (not
// UNION ALL) drops repeated (lot, depth) rows, so a lot reached by several
// paths of the same length is walked once; the genealogy is acyclic (a
// produced lot is always new), and the depth bound only guards against a
// damaged table.
//
// The walk runs twice, not once per kind of row: handing the second
// statement the lots reached as a list of values costs SQLite more than
// walking again (docs/performance.md, genealogy benchmarks).
func (s invStore) TraceLots(ctx context.Context, roots []forkline.ID, dir inventory.Direction) (inventory.Trace, error) {
	tr := inventory.Trace{Direction: dir, Roots: roots}
	if len(roots) == 0 {
		return tr, nil
	}
	from, to := "child_id", "parent_id" // backward: from a child to its parents
	if dir == inventory.Forward {
		from, to = "parent_id", "child_id"
	}
	args := make([]any, len(roots))
	for i, r := range roots {
		args[i] = r
	}
	seeds := make([]string, len(roots))
	for i := range roots {
		seeds[i] = fmt.Sprintf("SELECT CAST($%d AS TEXT), 0", i+1)
	}
	walk := `WITH RECURSIVE reach(id, depth) AS (` + strings.Join(seeds, " UNION ") + `
		UNION SELECT e.` + to + `, r.depth + 1 FROM genealogy_edges e JOIN reach r ON e.` + from + ` = r.id WHERE r.depth < 64),
		lots_reached(id, depth) AS (SELECT id, MIN(depth) FROM reach GROUP BY id)`

	rows, err := s.db.read.QueryContext(ctx, walk+`
		SELECT `+lotCols+`, i.code, i.name, COALESCE(sp.name, ''), lr.depth
		FROM lots_reached lr JOIN lots l ON l.id = lr.id JOIN items i ON i.id = l.item_id LEFT JOIN suppliers sp ON sp.id = l.supplier_id`, args...)
	if err != nil {
		return tr, s.db.mapErr(err)
	}
	unit := map[forkline.ID]forkline.Unit{}
	for rows.Next() {
		var n inventory.TraceNode
		l, err := scanLot(rows, &n.ItemCode, &n.ItemName, &n.SupplierName, &n.Depth)
		if err != nil {
			rows.Close()
			return tr, s.db.mapErr(err)
		}
		n.Lot = l
		unit[l.ID] = l.Quantity.Unit
		tr.Nodes = append(tr.Nodes, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return tr, s.db.mapErr(err)
	}
	slices.SortFunc(tr.Nodes, func(a, b inventory.TraceNode) int {
		if a.Depth != b.Depth {
			return a.Depth - b.Depth
		}
		return strings.Compare(a.Lot.Code, b.Lot.Code)
	})

	reached := make(map[forkline.ID]bool, len(tr.Nodes))
	for _, n := range tr.Nodes {
		reached[n.Lot.ID] = true
	}

	// Edges, shipments and stock come as one UNION ALL whose parts line up
	// by type: part, three sort keys, eight texts, a quantity and a time.
	// Every edge leaving a lot reached is read and kept here when it ends at
	// one: asking the database for both ends makes it look up every pair of
	// lots reached. CROSS JOIN makes SQLite start from the lots reached
	// rather than read the whole edge table in key order to spare a sort.
	query := walk + `
		SELECT 1, e.parent_id, NULL, e.child_id, e.parent_id, e.child_id, e.order_ref, NULL, NULL, NULL, NULL, NULL, e.qty, NULL
		FROM lots_reached r CROSS JOIN genealogy_edges e WHERE e.` + from + ` = r.id`
	if dir == inventory.Forward {
		query += `
		UNION ALL
		SELECT 2, c.name, m.event_time, m.id, m.id, m.lot_id, m.customer_id, c.name, COALESCE(st.name, ''), COALESCE(st.address, ''),
			m.doc_type, m.doc_number, m.qty, m.event_time
		FROM material_events m JOIN customers c ON c.id = m.customer_id LEFT JOIN customer_ship_tos st ON st.id = m.ship_to_id
		WHERE m.kind = 'ship' AND m.lot_id IN (SELECT id FROM lots_reached)
		  AND NOT EXISTS (SELECT 1 FROM material_events k WHERE k.corrects_id = m.id)
		UNION ALL
		SELECT 3, loc.code, NULL, b.lot_id, b.lot_id, b.location_id, loc.code, loc.name, NULL, NULL, NULL, NULL, b.qty, NULL
		FROM lot_balances b JOIN locations loc ON loc.id = b.location_id
		WHERE b.qty > 0 AND b.lot_id IN (SELECT id FROM lots_reached)`
	}
	rows, err = s.db.read.QueryContext(ctx, query+`
		ORDER BY 1, 2, 3, 4`, args...)
	if err != nil {
		return tr, s.db.mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			part          int
			k1, k2, k3    any
			a, b, c       string
			d, e, f, g, h sql.NullString
			q             int64
			at            time.Time
		)
		if err := rows.Scan(&part, &k1, &k2, &k3, &a, &b, &c, &d, &e, &f, &g, &h, &q, scanTime{&at}); err != nil {
			return tr, s.db.mapErr(err)
		}
		switch part {
		case 1:
			if !reached[a] || !reached[b] {
				continue
			}
			tr.Edges = append(tr.Edges, inventory.TraceEdge{ParentID: a, ChildID: b, OrderRef: c, Quantity: forkline.QuantityFromMicros(q, unit[a])})
		case 2:
			tr.Shipments = append(tr.Shipments, inventory.Shipment{EventID: a, LotID: b, CustomerID: c, CustomerName: d.String, ShipToName: e.String,
				ShipToAddress: f.String, DocType: g.String, DocNumber: h.String, Quantity: forkline.QuantityFromMicros(q, unit[b]), ShippedAt: at})
		case 3:
			tr.OnHand = append(tr.OnHand, inventory.OnHand{LotID: a, LocationID: b, LocationCode: c, LocationName: d.String, Quantity: forkline.QuantityFromMicros(q, unit[a])})
		}
	}
	return tr, s.db.mapErr(rows.Err())
}
