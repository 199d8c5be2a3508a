package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/inventory"
)

// cteSelect reads a CTE event with its lot, item, the lot's supplier, and
// the customer and ship-to of a shipment. The ship-to is joined by ID, so a
// ship-to disabled since still describes where the food went.
const cteSelect = `SELECT ` + lotCols + `,
	m.id, m.site_id, m.kind, m.item_id, m.location_id, m.qty, m.unit, m.entered, m.order_ref, m.supplier_id, m.customer_id, m.ship_to_id,
	m.doc_type, m.doc_number, m.event_time, m.recorded_at,
	i.code, i.name, i.base_unit, i.pack_sizes, i.traceability_list,
	COALESCE(sp.code, ''), COALESCE(sp.name, ''), COALESCE(sp.address, ''),
	COALESCE(c.code, ''), COALESCE(c.name, ''), COALESCE(st.code, ''), COALESCE(st.name, ''), COALESCE(st.address, '')
	FROM material_events m JOIN lots l ON l.id = m.lot_id JOIN items i ON i.id = m.item_id
	LEFT JOIN suppliers sp ON sp.id = l.supplier_id
	LEFT JOIN customers c ON c.id = m.customer_id LEFT JOIN customer_ship_tos st ON st.id = m.ship_to_id`

// notCorrected keeps events that no correction points at.
func notCorrected(alias string) string {
	return `NOT EXISTS (SELECT 1 FROM material_events k WHERE k.corrects_id = ` + alias + `.id)`
}

// FindCTEEvents reads the receive, ship, consume and produce events of an
// FSMA 204 records request in one read-only transaction, so that the three
// lists agree with each other.
func (s invStore) FindCTEEvents(ctx context.Context, f inventory.TraceabilityFilter) ([]inventory.CTEEvent, error) {
	tx, err := s.db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, s.db.mapErr(fmt.Errorf("begin: %w", err))
	}
	defer tx.Rollback()

	// Receipts and shipments of listed items, by lot and time.
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	lotsIn := func(col string) string {
		ps := make([]string, len(f.LotIDs))
		for i, id := range f.LotIDs {
			ps[i] = arg(id)
		}
		return col + " IN (" + strings.Join(ps, ", ") + ")"
	}
	timeIn := func(col string) []string {
		var w []string
		if !f.From.IsZero() {
			w = append(w, col+" >= "+arg(ts(f.From)))
		}
		if !f.To.IsZero() {
			w = append(w, col+" < "+arg(ts(f.To)))
		}
		return w
	}
	where := []string{"m.site_id = " + arg(f.SiteID), "m.kind IN ('receive', 'ship')", "i.traceability_list = TRUE", notCorrected("m")}
	if len(f.LotIDs) > 0 {
		where = append(where, lotsIn("m.lot_id"))
	}
	where = append(where, timeIn("m.event_time")...)
	out, err := s.cteEvents(ctx, tx, cteSelect+" WHERE "+strings.Join(where, " AND ")+" ORDER BY m.event_time, m.id", args...)
	if err != nil {
		return nil, err
	}

	// Transformations: the production orders with an output in the window
	// (and, given lots, with one of them as input or output) that used a
	// listed input or made a listed output; then their outputs and listed inputs.
	args = nil
	site := arg(f.SiteID)
	orders := []string{"p.site_id = " + site, "p.kind = 'produce'", notCorrected("p")}
	orders = append(orders, timeIn("p.event_time")...)
	if len(f.LotIDs) > 0 {
		orders = append(orders, `(`+lotsIn("p.lot_id")+` OR EXISTS (SELECT 1 FROM material_events c WHERE c.site_id = p.site_id
			AND c.order_ref = p.order_ref AND c.kind = 'consume' AND `+lotsIn("c.lot_id")+` AND `+notCorrected("c")+`))`)
	}
	orders = append(orders, `EXISTS (SELECT 1 FROM material_events x JOIN items xi ON xi.id = x.item_id WHERE x.site_id = p.site_id
		AND x.order_ref = p.order_ref AND x.kind IN ('consume', 'produce') AND xi.traceability_list = TRUE AND `+notCorrected("x")+`)`)
	q := cteSelect + ` WHERE m.site_id = ` + site + ` AND m.kind IN ('consume', 'produce') AND ` + notCorrected("m") + `
		AND (m.kind = 'produce' OR i.traceability_list = TRUE)
		AND m.order_ref IN (SELECT p.order_ref FROM material_events p WHERE ` + strings.Join(orders, " AND ") + `)
		ORDER BY m.event_time, m.id`
	tr, err := s.cteEvents(ctx, tx, q, args...)
	if err != nil {
		return nil, err
	}
	return append(out, tr...), s.db.mapErr(tx.Commit())
}

func (s invStore) cteEvents(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]inventory.CTEEvent, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, s.db.mapErr(err)
	}
	defer rows.Close()
	var out []inventory.CTEEvent
	for rows.Next() {
		var e inventory.CTEEvent
		var micros int64
		var unit forkline.Unit
		l, err := scanLot(rows, &e.ID, &e.SiteID, &e.Kind, &e.ItemID, nullString{&e.LocationID}, &micros, &unit, &e.Entered, &e.OrderRef,
			nullString{&e.SupplierID}, nullString{&e.CustomerID}, nullString{&e.ShipToID}, &e.DocType, &e.DocNumber,
			scanTime{&e.EventTime}, scanTime{&e.RecordedAt},
			&e.Item.Code, &e.Item.Name, &e.Item.BaseUnit, packSizesCol{&e.Item.PackSizes}, &e.Item.TraceabilityList,
			&e.Supplier.Code, &e.Supplier.Name, &e.Supplier.Address,
			&e.Customer.Code, &e.Customer.Name, &e.ShipTo.Code, &e.ShipTo.Name, &e.ShipTo.Address)
		if err != nil {
			return nil, s.db.mapErr(err)
		}
		e.Lot, e.LotID, e.Quantity = l, l.ID, forkline.QuantityFromMicros(micros, unit)
		e.Item.ID, e.Item.SiteID, e.Supplier.ID, e.Customer.ID, e.ShipTo.ID = e.ItemID, l.SiteID, l.SupplierID, e.CustomerID, e.ShipToID
		out = append(out, e)
	}
	return out, s.db.mapErr(rows.Err())
}
