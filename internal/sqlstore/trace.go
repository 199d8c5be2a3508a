package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/inventory"
)

// TraceLots walks the genealogy from the roots with one recursive query,
// then reads the lots, edges, shipments and stock of what it reached, each
// in one query over the same set. UNION (not UNION ALL) drops repeated
// (lot, depth) rows, so a lot reached by several paths of the same length is
// walked once; the genealogy is acyclic (a produced lot is always new), and
// the depth bound only guards against a damaged table.
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

	rows, err = s.db.read.QueryContext(ctx, walk+`
		SELECT e.parent_id, e.child_id, e.order_ref, e.qty FROM genealogy_edges e
		WHERE e.`+to+` IN (SELECT id FROM lots_reached) AND e.`+from+` IN (SELECT id FROM lots_reached) ORDER BY e.parent_id, e.child_id`, args...)
	if err != nil {
		return tr, s.db.mapErr(err)
	}
	for rows.Next() {
		var e inventory.TraceEdge
		var q int64
		if err := rows.Scan(&e.ParentID, &e.ChildID, &e.OrderRef, &q); err != nil {
			rows.Close()
			return tr, s.db.mapErr(err)
		}
		e.Quantity = forkline.QuantityFromMicros(q, unit[e.ParentID])
		tr.Edges = append(tr.Edges, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return tr, s.db.mapErr(err)
	}
	if dir == inventory.Backward {
		return tr, nil
	}

	rows, err = s.db.read.QueryContext(ctx, walk+`
		SELECT m.id, m.lot_id, m.customer_id, c.name, COALESCE(st.name, ''), COALESCE(st.address, ''), m.doc_type, m.doc_number, m.qty, m.event_time
		FROM material_events m JOIN customers c ON c.id = m.customer_id LEFT JOIN customer_ship_tos st ON st.id = m.ship_to_id
		WHERE m.kind = 'ship' AND m.lot_id IN (SELECT id FROM lots_reached)
		  AND NOT EXISTS (SELECT 1 FROM material_events k WHERE k.corrects_id = m.id)
		ORDER BY c.name, m.event_time, m.id`, args...)
	if err != nil {
		return tr, s.db.mapErr(err)
	}
	for rows.Next() {
		var sh inventory.Shipment
		var q int64
		if err := rows.Scan(&sh.EventID, &sh.LotID, &sh.CustomerID, &sh.CustomerName, &sh.ShipToName, &sh.ShipToAddress, &sh.DocType, &sh.DocNumber, &q, scanTime{&sh.ShippedAt}); err != nil {
			rows.Close()
			return tr, s.db.mapErr(err)
		}
		sh.Quantity = forkline.QuantityFromMicros(q, unit[sh.LotID])
		tr.Shipments = append(tr.Shipments, sh)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return tr, s.db.mapErr(err)
	}

	rows, err = s.db.read.QueryContext(ctx, walk+`
		SELECT b.lot_id, b.location_id, loc.code, loc.name, b.qty FROM lot_balances b JOIN locations loc ON loc.id = b.location_id
		WHERE b.qty > 0 AND b.lot_id IN (SELECT id FROM lots_reached) ORDER BY loc.code, b.lot_id`, args...)
	if err != nil {
		return tr, s.db.mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var o inventory.OnHand
		var q int64
		if err := rows.Scan(&o.LotID, &o.LocationID, &o.LocationCode, &o.LocationName, &q); err != nil {
			return tr, s.db.mapErr(err)
		}
		o.Quantity = forkline.QuantityFromMicros(q, unit[o.LotID])
		tr.OnHand = append(tr.OnHand, o)
	}
	return tr, s.db.mapErr(rows.Err())
}
