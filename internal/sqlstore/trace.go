package sqlstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/inventory"
)

// TraceLots walks the genealogy from the roots with a recursive query and
// reads what it reached in the same statement: the lots, the edges leaving
// them, their shipments and their stock, as one UNION ALL whose rows Go
// sorts. UNION (not UNION ALL) in the walk drops repeated (lot, depth) rows,
// so a lot reached by several paths of the same length is walked once; the
// genealogy is acyclic (a produced lot is always new), and the depth bound
// only guards against a damaged table.
//
// One statement walks once: the database keeps the lots reached for the
// four parts. Handing a second statement the lots reached as a list of
// values costs SQLite more than walking again, and walking again cost as
// much as the bare walk (docs/performance.md, genealogy benchmarks).
func (s invStore) TraceLots(ctx context.Context, roots []forkline.ID, dir inventory.Direction) (inventory.Trace, error) {
	if len(roots) == 0 {
		return inventory.Trace{Direction: dir, Roots: roots}, nil
	}
	// Free text holding a US, which no code or name should, shows as a row
	// with too many fields; the trace is then read again with free text
	// escaped. Escaping every time would cost SQLite 12% of a trace.
	tr, err := s.traceLots(ctx, roots, dir, false)
	if errors.Is(err, errTraceFields) {
		tr, err = s.traceLots(ctx, roots, dir, true)
	}
	return tr, err
}

// errTraceFields is a row of the trace statement with the wrong number of fields.
var errTraceFields = errors.New("trace: a row has the wrong number of fields")

func (s invStore) traceLots(ctx context.Context, roots []forkline.ID, dir inventory.Direction, escaped bool) (inventory.Trace, error) {
	tr := inventory.Trace{Direction: dir, Roots: roots}
	args := make([]any, len(roots))
	for i, r := range roots {
		args[i] = r
	}
	rows, err := s.query(ctx, traceQuery(len(roots), dir, escaped), args...)
	if err != nil {
		return tr, s.db.mapErr(err)
	}
	defer rows.Close()

	// Each row is one text of fields joined by US (0x1f), and the dates and
	// the time as they are: reading a column costs modernc's SQLite driver
	// about 0.4 µs, a third of a 24-column row's cost, and packing cost
	// SQLite less.
	var (
		packed                   string
		expiry, producedOn, when any
		f                        []string
	)
	num := func(i int) int64 {
		n, _ := strconv.ParseInt(f[i], 10, 64)
		return n
	}
	unit := map[forkline.ID]forkline.Unit{}
	var edges []inventory.TraceEdge
	for rows.Next() {
		if err := rows.Scan(&packed, &expiry, &producedOn, &when); err != nil {
			return tr, s.db.mapErr(err)
		}
		f = strings.Split(packed, "\x1f")
		if want := traceFields[f[0]]; len(f) != want {
			if escaped {
				return tr, fmt.Errorf("trace: a row of part %q has %d fields, want %d", f[0], len(f), want)
			}
			return tr, errTraceFields
		}
		for i, x := range f {
			if escaped && strings.IndexByte(x, 0x1b) >= 0 {
				f[i] = traceUnescape.Replace(x)
			}
		}
		switch f[0] {
		case "0":
			l := inventory.Lot{ID: f[1], SiteID: f[2], ItemID: f[3], SupplierID: f[4], LineID: f[5], Origin: inventory.Origin(f[6]),
				Status: inventory.Status(f[7]), Quantity: forkline.QuantityFromMicros(num(9), forkline.Unit(f[8])), Version: int(num(10)),
				Code: f[12], TLC: f[13], TLCSource: f[14], TLCSourceRef: f[15], SupplierLot: f[16], OrderRef: f[17]}
			if err := (scanDay{&l.Expiry}).Scan(expiry); err != nil {
				return tr, err
			}
			if err := (scanDay{&l.ProducedOn}).Scan(producedOn); err != nil {
				return tr, err
			}
			if err := (scanTime{&l.CreatedAt}).Scan(when); err != nil {
				return tr, err
			}
			unit[l.ID] = l.Quantity.Unit
			tr.Nodes = append(tr.Nodes, inventory.TraceNode{Lot: l, ItemCode: f[18], ItemName: f[19], SupplierName: f[20], Depth: int(num(11))})
		case "1":
			edges = append(edges, inventory.TraceEdge{ParentID: f[1], ChildID: f[2], OrderRef: f[4], Quantity: forkline.QuantityFromMicros(num(3), "")})
		case "2":
			sh := inventory.Shipment{EventID: f[1], LotID: f[2], CustomerID: f[3], Quantity: forkline.QuantityFromMicros(num(4), ""),
				CustomerName: f[5], ShipToName: f[6], ShipToAddress: f[7], DocType: f[8], DocNumber: f[9]}
			if err := (scanTime{&sh.ShippedAt}).Scan(when); err != nil {
				return tr, err
			}
			tr.Shipments = append(tr.Shipments, sh)
		case "3":
			tr.OnHand = append(tr.OnHand, inventory.OnHand{LotID: f[1], LocationID: f[2], Quantity: forkline.QuantityFromMicros(num(3), ""),
				LocationCode: f[4], LocationName: f[5]})
		}
	}
	if err := rows.Err(); err != nil {
		return tr, s.db.mapErr(err)
	}

	// Quantities are in their lot's unit. An edge is kept when its other
	// end was reached too, which only the depth bound can prevent.
	for _, e := range edges {
		u, ok := unit[e.ParentID]
		if _, child := unit[e.ChildID]; !ok || !child {
			continue
		}
		e.Quantity = forkline.QuantityFromMicros(e.Quantity.Micros(), u)
		tr.Edges = append(tr.Edges, e)
	}
	for i := range tr.Shipments {
		sh := &tr.Shipments[i]
		sh.Quantity = forkline.QuantityFromMicros(sh.Quantity.Micros(), unit[sh.LotID])
	}
	for i := range tr.OnHand {
		o := &tr.OnHand[i]
		o.Quantity = forkline.QuantityFromMicros(o.Quantity.Micros(), unit[o.LotID])
	}
	slices.SortFunc(tr.Nodes, func(a, b inventory.TraceNode) int {
		return cmp.Or(cmp.Compare(a.Depth, b.Depth), strings.Compare(a.Lot.Code, b.Lot.Code), strings.Compare(a.Lot.ID, b.Lot.ID))
	})
	slices.SortFunc(tr.Edges, func(a, b inventory.TraceEdge) int {
		return cmp.Or(strings.Compare(a.ParentID, b.ParentID), strings.Compare(a.ChildID, b.ChildID), strings.Compare(a.OrderRef, b.OrderRef))
	})
	slices.SortFunc(tr.Shipments, func(a, b inventory.Shipment) int {
		return cmp.Or(strings.Compare(a.CustomerName, b.CustomerName), a.ShippedAt.Compare(b.ShippedAt), strings.Compare(a.EventID, b.EventID))
	})
	slices.SortFunc(tr.OnHand, func(a, b inventory.OnHand) int {
		return cmp.Or(strings.Compare(a.LocationCode, b.LocationCode), strings.Compare(a.LotID, b.LotID), strings.Compare(a.LocationID, b.LocationID))
	})
	return tr, nil
}

// traceFields is how many fields each part of the trace statement packs:
// lots, edges, shipments, stock.
var traceFields = map[string]int{"0": 21, "1": 5, "2": 10, "3": 6}

// traceUnescape undoes traceText's escapes.
var traceUnescape = strings.NewReplacer("\x1bu", "\x1f", "\x1be", "\x1b")

// traceText packs SQL expressions into one text, fields joined by US
// (0x1f). Free text (a name, a code someone typed) is marked "free:"; with
// escaped, ESC (0x1b) in it becomes ESC e and US becomes ESC u, so that a
// field never holds a US.
func traceText(escaped bool, fields ...string) string {
	for i, x := range fields {
		if x, ok := strings.CutPrefix(x, "free:"); ok {
			fields[i] = x
			if escaped {
				fields[i] = "replace(replace(" + x + ", '\x1b', '\x1be'), '\x1f', '\x1bu')"
			}
		}
	}
	return strings.Join(fields, " || '\x1f' || ")
}

// traceQuery is the statement of a trace from n roots in one direction:
// rows of a packed text (traceText), an expiry, a production day and a time.
//
// CROSS JOIN makes SQLite start from the lots reached rather than read the
// whole edge table in key order to spare a sort. Every edge leaving a lot
// reached is read; asking the database for both ends makes it look up every
// pair of lots reached.
func traceQuery(n int, dir inventory.Direction, escaped bool) string {
	from, to := "child_id", "parent_id" // backward: from a child to its parents
	if dir == inventory.Forward {
		from, to = "parent_id", "child_id"
	}
	seeds := make([]string, n)
	for i := range n {
		seeds[i] = fmt.Sprintf("SELECT CAST($%d AS TEXT), 0", i+1)
	}
	q := `WITH RECURSIVE reach(id, depth) AS (` + strings.Join(seeds, " UNION ") + `
		UNION SELECT e.` + to + `, r.depth + 1 FROM genealogy_edges e JOIN reach r ON e.` + from + ` = r.id WHERE r.depth < 64),
		lots_reached(id, depth) AS (SELECT id, MIN(depth) FROM reach GROUP BY id)
		SELECT ` + traceText(escaped, "'0'", "l.id", "l.site_id", "l.item_id", "COALESCE(l.supplier_id, '')", "COALESCE(l.line_id, '')", "l.origin", "l.status",
		"free:l.unit", "CAST(l.qty AS TEXT)", "CAST(l.version AS TEXT)", "CAST(lr.depth AS TEXT)", "free:l.code", "free:l.tlc", "free:l.tlc_source",
		"free:l.tlc_source_ref", "free:l.supplier_lot", "free:l.order_ref", "free:i.code", "free:i.name", "free:COALESCE(sp.name, '')") + `,
			l.expires_on, l.produced_on, l.created_at
		FROM lots_reached lr JOIN lots l ON l.id = lr.id JOIN items i ON i.id = l.item_id LEFT JOIN suppliers sp ON sp.id = l.supplier_id
		UNION ALL
		SELECT ` + traceText(escaped, "'1'", "e.parent_id", "e.child_id", "CAST(e.qty AS TEXT)", "free:e.order_ref") + `, NULL, NULL, NULL
		FROM lots_reached r CROSS JOIN genealogy_edges e WHERE e.` + from + ` = r.id`
	if dir == inventory.Forward {
		q += `
		UNION ALL
		SELECT ` + traceText(escaped, "'2'", "m.id", "m.lot_id", "m.customer_id", "CAST(m.qty AS TEXT)", "free:c.name", "free:COALESCE(st.name, '')",
			"free:COALESCE(st.address, '')", "free:m.doc_type", "free:m.doc_number") + `, NULL, NULL, m.event_time
		FROM material_events m JOIN customers c ON c.id = m.customer_id LEFT JOIN customer_ship_tos st ON st.id = m.ship_to_id
		WHERE m.kind = 'ship' AND m.lot_id IN (SELECT id FROM lots_reached)
		  AND NOT EXISTS (SELECT 1 FROM material_events k WHERE k.corrects_id = m.id)
		UNION ALL
		SELECT ` + traceText(escaped, "'3'", "b.lot_id", "b.location_id", "CAST(b.qty AS TEXT)", "free:loc.code", "free:loc.name") + `, NULL, NULL, NULL
		FROM lot_balances b JOIN locations loc ON loc.id = b.location_id
		WHERE b.qty > 0 AND b.lot_id IN (SELECT id FROM lots_reached)`
	}
	return q
}
