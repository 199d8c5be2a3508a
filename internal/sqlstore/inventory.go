package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/inventory"
	"github.com/forkline/forkline/internal/plant"
)

// Inventory returns the store of the material ledger. The store keeps its
// hot statements prepared for the life of db: make one per database.
func (db *DB) Inventory() inventory.Store {
	return invStore{db: db, zones: &zoneCache{}, reads: &stmtCache{pool: db.read}, writes: &stmtCache{pool: db.write}}
}

type invStore struct {
	db     *DB
	zones  *zoneCache
	reads  *stmtCache // queries on the reader pool
	writes *stmtCache // statements of write transactions, prepared before them
}

// stmtCache keeps statements prepared on one pool, by query text. Without
// it SQLite parses and plans every statement on every call: 40% of a
// consume command's CPU and 16% of a trace's at 1,000,000 lots
// (docs/performance.md, genealogy benchmarks). database/sql prepares a
// cached statement once on each connection that runs it.
type stmtCache struct {
	pool *sql.DB
	mu   sync.Mutex
	m    map[string]*sql.Stmt
}

// get returns the statement of query, preparing it on first use. Never
// call it inside a write transaction for the writer's pool: on SQLite it
// would wait for the one connection that transaction holds.
func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	if st := c.lookup(query); st != nil {
		return st, nil
	}
	st, err := c.pool.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.m[query]; old != nil {
		st.Close()
		return old, nil
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[query] = st
	return st, nil
}

// lookup returns the statement of query if it is prepared, else nil.
func (c *stmtCache) lookup(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[query]
}

// rowScanner is a *sql.Row, or the error that kept a query from running.
type rowScanner interface{ Scan(...any) error }

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// queryRow runs a prepared query of one row on the reader pool.
func (s invStore) queryRow(ctx context.Context, query string, args ...any) rowScanner {
	st, err := s.reads.get(ctx, query)
	if err != nil {
		return errRow{err}
	}
	return st.QueryRowContext(ctx, args...)
}

// query runs a prepared query on the reader pool.
func (s invStore) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := s.reads.get(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// txExec runs a statement in tx, prepared when it is one of hotWrites.
func (s invStore) txExec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	if st := s.writes.lookup(query); st != nil {
		return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, query, args...)
}

// txQueryRow runs a query of one row in tx, prepared when it is one of hotWrites.
func (s invStore) txQueryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	if st := s.writes.lookup(query); st != nil {
		return tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, query, args...)
}

// The statements of the common ledger commands (receive, produce, consume,
// move, ship), prepared on the writer before the first command.
const (
	sqlInsertKey = `INSERT INTO idempotency_keys (actor_id, key, request_hash, event_ids, created_at)
				VALUES ($1, $2, $3, $4, $5) ON CONFLICT (actor_id, key) DO NOTHING`
	sqlLotVersion  = `SELECT version FROM lots WHERE id = $1`
	sqlLotByID     = `SELECT ` + lotCols + ` FROM lots l WHERE l.id = $1`
	sqlInsertEvent = `INSERT INTO material_events (` + eventCols + `) VALUES
		($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27)`
	sqlAddStock = `INSERT INTO lot_balances (lot_id, location_id, site_id, item_id, qty)
		SELECT id, $2, site_id, item_id, $3 FROM lots WHERE id = $1
		ON CONFLICT (lot_id, location_id) DO UPDATE SET qty = lot_balances.qty + excluded.qty`
	sqlTakeStock       = `UPDATE lot_balances SET qty = qty - $1 WHERE lot_id = $2 AND location_id = $3 AND qty >= $1`
	sqlTakeUsableStock = sqlTakeStock + ` AND EXISTS (SELECT 1 FROM lots WHERE id = $2 AND status = 'released' AND (expires_on IS NULL OR expires_on >= $4))`
	sqlLockOrder       = `INSERT INTO production_orders_seen (site_id, order_ref, commands) VALUES ($1, $2, 1)
		ON CONFLICT (site_id, order_ref) DO UPDATE SET commands = production_orders_seen.commands + 1`
	sqlOrderInput = `INSERT INTO order_lots (site_id, order_ref, lot_id, role, qty) VALUES ($1, $2, $3, 'input', $4)
		ON CONFLICT (site_id, order_ref, role, lot_id) DO UPDATE SET qty = order_lots.qty + excluded.qty`
	sqlLinkInput = `INSERT INTO genealogy_edges (parent_id, child_id, order_ref, qty)
		SELECT $3, lot_id, $2, $4 FROM order_lots WHERE site_id = $1 AND order_ref = $2 AND role = 'output'
		ON CONFLICT (parent_id, child_id, order_ref) DO UPDATE SET qty = genealogy_edges.qty + excluded.qty`
	sqlOrderOutput = `INSERT INTO order_lots (site_id, order_ref, lot_id, role, qty) VALUES ($1, $2, $3, 'output', $4)
		ON CONFLICT (site_id, order_ref, role, lot_id) DO UPDATE SET qty = order_lots.qty + excluded.qty`
	sqlLinkOutput = `INSERT INTO genealogy_edges (parent_id, child_id, order_ref, qty)
		SELECT lot_id, $3, $2, qty FROM order_lots WHERE site_id = $1 AND order_ref = $2 AND role = 'input'
		ON CONFLICT (parent_id, child_id, order_ref) DO NOTHING`
)

var hotWrites = []string{sqlInsertKey, sqlLotVersion, sqlLotByID, sqlInsertEvent, sqlAddStock, sqlTakeStock, sqlTakeUsableStock,
	sqlLockOrder, sqlOrderInput, sqlLinkInput, sqlOrderOutput, sqlLinkOutput}

// prepareWrites prepares hotWrites on the writer, once; it runs before a
// write transaction begins.
func (s invStore) prepareWrites(ctx context.Context) error {
	if s.writes.lookup(hotWrites[len(hotWrites)-1]) != nil {
		return nil
	}
	for _, q := range hotWrites {
		if _, err := s.writes.get(ctx, q); err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
	}
	return nil
}

// zoneCache keeps the time zones of sites once loaded: time.LoadLocation
// reads and parses a file on every call, and every command and trace needs
// its site's zone (a few percent of a consume command's time).
type zoneCache struct{ m sync.Map }

func (z *zoneCache) load(name string) (*time.Location, error) {
	if l, ok := z.m.Load(name); ok {
		return l.(*time.Location), nil
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	z.m.Store(name, l)
	return l, nil
}

// DayFormat is how dates (expiry, production day) are written: PostgreSQL
// parses it into DATE; on SQLite, text order is date order.
const DayFormat = "2006-01-02"

// dayArg is a date as a query argument; the zero time is NULL.
type dayArg time.Time

func (d dayArg) Value() (driver.Value, error) {
	if time.Time(d).IsZero() {
		return nil, nil
	}
	return time.Time(d).Format(DayFormat), nil
}

// scanDay scans a date column of either engine; NULL is the zero time.
type scanDay struct{ t *time.Time }

func (s scanDay) Scan(src any) error {
	var str string
	switch v := src.(type) {
	case nil:
		*s.t = time.Time{}
		return nil
	case time.Time:
		y, m, d := v.Date()
		*s.t = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		return nil
	case string:
		str = v
	case []byte:
		str = string(v)
	default:
		return fmt.Errorf("scan date: unexpected %T", src)
	}
	if len(str) > 10 {
		str = str[:10]
	}
	t, err := time.Parse(DayFormat, str)
	if err != nil {
		return fmt.Errorf("scan date %q: %w", str, err)
	}
	*s.t = t
	return nil
}

func (s invStore) FindInventorySite(ctx context.Context, id forkline.ID) (inventory.Site, error) {
	var st inventory.Site
	var tz, pattern string
	err := s.queryRow(ctx, `SELECT id, code, name, time_zone, lot_code_pattern FROM sites WHERE id = $1`, id).Scan(&st.ID, &st.Code, &st.Name, &tz, &pattern)
	if err != nil {
		return st, s.db.mapErr(err)
	}
	loc, err := s.zones.load(tz)
	if err != nil {
		return st, fmt.Errorf("site %s time zone: %w", st.Code, err)
	}
	st.Location, st.LotCodePattern = loc, forkline.LotCodePattern(pattern)
	if st.LotCodePattern == "" {
		st.LotCodePattern = forkline.DefaultLotCodePattern
	}
	return st, nil
}

const invItemCols = `id, site_id, code, name, base_unit, pack_sizes, shelf_life_days, inspect_on_receipt, traceability_list, allergens, active`

func scanInvItem(r rowScanner) (inventory.Item, error) {
	var it inventory.Item
	var allergens []plant.Allergen
	err := r.Scan(&it.ID, &it.SiteID, &it.Code, &it.Name, &it.BaseUnit, packSizesCol{&it.PackSizes}, &it.ShelfLifeDays,
		&it.InspectOnReceipt, &it.TraceabilityList, allergensCol{&allergens}, &it.Active)
	for _, a := range allergens {
		it.Allergens = append(it.Allergens, string(a))
	}
	return it, err
}

func (s invStore) FindInventoryItem(ctx context.Context, id forkline.ID) (inventory.Item, error) {
	it, err := scanInvItem(s.queryRow(ctx, `SELECT `+invItemCols+` FROM items WHERE id = $1`, id))
	return it, s.db.mapErr(err)
}

func (s invStore) FindInventoryItemByGTIN(ctx context.Context, site forkline.ID, gtin string) (inventory.Item, error) {
	// GTINs are compared as GTIN-14: a GTIN-13 on file matches its 14-digit form in a barcode.
	g14 := strings.Repeat("0", max(0, 14-len(gtin))) + gtin
	g := strings.TrimLeft(g14, "0")
	rows, err := s.db.read.QueryContext(ctx, `SELECT `+invItemCols+`, gtin FROM items WHERE site_id = $1 AND gtin <> '' AND active = TRUE`, site)
	if err != nil {
		return inventory.Item{}, s.db.mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var it inventory.Item
		var allergens []plant.Allergen
		var itGTIN string
		if err := rows.Scan(&it.ID, &it.SiteID, &it.Code, &it.Name, &it.BaseUnit, packSizesCol{&it.PackSizes}, &it.ShelfLifeDays,
			&it.InspectOnReceipt, &it.TraceabilityList, allergensCol{&allergens}, &it.Active, &itGTIN); err != nil {
			return inventory.Item{}, s.db.mapErr(err)
		}
		if strings.TrimLeft(itGTIN, "0") == g {
			for _, a := range allergens {
				it.Allergens = append(it.Allergens, string(a))
			}
			return it, nil
		}
	}
	if err := rows.Err(); err != nil {
		return inventory.Item{}, s.db.mapErr(err)
	}
	return inventory.Item{}, forkline.ErrNotFound
}

func (s invStore) FindInventorySupplier(ctx context.Context, id forkline.ID) (inventory.Supplier, error) {
	var sp inventory.Supplier
	err := s.db.read.QueryRowContext(ctx, `SELECT id, site_id, code, name, address, approval, active FROM suppliers WHERE id = $1`, id).
		Scan(&sp.ID, &sp.SiteID, &sp.Code, &sp.Name, &sp.Address, &sp.Approval, &sp.Active)
	sp.MayDeliver = plant.ApprovalStatus(sp.Approval).MayDeliver()
	return sp, s.db.mapErr(err)
}

func (s invStore) FindInventoryCustomer(ctx context.Context, id forkline.ID) (inventory.Customer, error) {
	var c inventory.Customer
	err := s.db.read.QueryRowContext(ctx, `SELECT id, site_id, code, name, min_shelf_life_days, active FROM customers WHERE id = $1`, id).
		Scan(&c.ID, &c.SiteID, &c.Code, &c.Name, &c.MinShelfLifeDays, &c.Active)
	if err != nil {
		return c, s.db.mapErr(err)
	}
	rows, err := s.db.read.QueryContext(ctx, `SELECT id, code, name, address FROM customer_ship_tos WHERE customer_id = $1 AND active = TRUE ORDER BY code`, id)
	if err != nil {
		return c, s.db.mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var st inventory.ShipTo
		if err := rows.Scan(&st.ID, &st.Code, &st.Name, &st.Address); err != nil {
			return c, s.db.mapErr(err)
		}
		c.ShipTos = append(c.ShipTos, st)
	}
	return c, s.db.mapErr(rows.Err())
}

func (s invStore) FindInventoryLocation(ctx context.Context, id forkline.ID) (inventory.Location, error) {
	var l inventory.Location
	err := s.queryRow(ctx, `SELECT id, site_id, code, name, active FROM locations WHERE id = $1`, id).
		Scan(&l.ID, &l.SiteID, &l.Code, &l.Name, &l.Active)
	return l, s.db.mapErr(err)
}

const lotCols = `l.id, l.site_id, l.item_id, l.code, l.tlc, l.tlc_source, l.tlc_source_ref, l.origin, l.status, l.supplier_id, l.supplier_lot,
	l.order_ref, l.line_id, l.qty, l.unit, l.expires_on, l.produced_on, l.created_at, l.version`

func scanLot(r rowScanner, extra ...any) (inventory.Lot, error) {
	var l inventory.Lot
	var micros int64
	var unit forkline.Unit
	err := r.Scan(append([]any{&l.ID, &l.SiteID, &l.ItemID, &l.Code, &l.TLC, &l.TLCSource, &l.TLCSourceRef, &l.Origin, &l.Status,
		nullString{&l.SupplierID}, &l.SupplierLot, &l.OrderRef, nullString{&l.LineID}, &micros, &unit,
		scanDay{&l.Expiry}, scanDay{&l.ProducedOn}, scanTime{&l.CreatedAt}, &l.Version}, extra...)...)
	l.Quantity = forkline.QuantityFromMicros(micros, unit)
	return l, err
}

func (s invStore) FindLot(ctx context.Context, id forkline.ID) (inventory.Lot, error) {
	l, err := scanLot(s.queryRow(ctx, sqlLotByID, id))
	return l, s.db.mapErr(err)
}

const sqlStockContext = `SELECT ` + lotCols + `, s.code, s.name, s.time_zone, s.lot_code_pattern,
		i.id, i.site_id, i.code, i.name, i.base_unit, i.pack_sizes, i.shelf_life_days, i.inspect_on_receipt, i.traceability_list, i.allergens, i.active,
		COALESCE(loc.id, ''), COALESCE(loc.site_id, ''), COALESCE(loc.code, ''), COALESCE(loc.name, ''), COALESCE(loc.active, FALSE)
	FROM lots l JOIN sites s ON s.id = l.site_id JOIN items i ON i.id = l.item_id LEFT JOIN locations loc ON loc.id = $2
	WHERE l.id = $1`

func (s invStore) FindStockContext(ctx context.Context, lot, location forkline.ID) (inventory.StockContext, error) {
	var sc inventory.StockContext
	var tz, pattern string
	var allergens []plant.Allergen
	it, loc := &sc.Item, &sc.Location
	l, err := scanLot(s.queryRow(ctx, sqlStockContext, lot, location), &sc.Site.Code, &sc.Site.Name, &tz, &pattern,
		&it.ID, &it.SiteID, &it.Code, &it.Name, &it.BaseUnit, packSizesCol{&it.PackSizes}, &it.ShelfLifeDays,
		&it.InspectOnReceipt, &it.TraceabilityList, allergensCol{&allergens}, &it.Active,
		&loc.ID, &loc.SiteID, &loc.Code, &loc.Name, &loc.Active)
	if err != nil {
		return sc, s.db.mapErr(err)
	}
	for _, a := range allergens {
		it.Allergens = append(it.Allergens, string(a))
	}
	sc.Lot, sc.Site.ID = l, l.SiteID
	if sc.Site.Location, err = s.zones.load(tz); err != nil {
		return sc, fmt.Errorf("site %s time zone: %w", sc.Site.Code, err)
	}
	if sc.Site.LotCodePattern = forkline.LotCodePattern(pattern); sc.Site.LotCodePattern == "" {
		sc.Site.LotCodePattern = forkline.DefaultLotCodePattern
	}
	return sc, nil
}

func (s invStore) FindLotByCode(ctx context.Context, site forkline.ID, code string) (inventory.Lot, error) {
	l, err := scanLot(s.db.read.QueryRowContext(ctx, `SELECT `+lotCols+` FROM lots l WHERE l.site_id = $1 AND l.code = $2`, site, code))
	return l, s.db.mapErr(err)
}

func (s invStore) FindLots(ctx context.Context, f inventory.LotFilter) ([]inventory.LotSummary, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	sites := ""
	if f.SiteIDs != nil {
		if len(f.SiteIDs) == 0 {
			return nil, nil
		}
		var ps []string
		for _, id := range f.SiteIDs {
			ps = append(ps, arg(id))
		}
		sites = strings.Join(ps, ", ")
		// The site is tested as an expression, so that no index on site_id
		// is used for it: SQLite, which keeps no statistics, would otherwise
		// read every lot of the site through one (all of them, on a plant
		// with one site) rather than use the index of a narrower filter, or
		// the primary key for the newest lots.
		where = append(where, "l.site_id || '' IN ("+sites+")")
	}
	if f.ItemID != "" {
		where = append(where, "l.item_id = "+arg(f.ItemID))
	}
	if f.SupplierID != "" {
		where = append(where, "l.supplier_id = "+arg(f.SupplierID))
	}
	if f.SupplierLot != "" {
		where = append(where, "l.supplier_lot = "+arg(f.SupplierLot))
	}
	if f.OrderRef != "" {
		where = append(where, "l.order_ref = "+arg(f.OrderRef))
	}
	if f.LineID != "" {
		where = append(where, "l.line_id = "+arg(f.LineID))
	}
	if !f.ProducedFrom.IsZero() || !f.ProducedTo.IsZero() {
		// When it was produced (the event time), not when it was booked.
		cond := "l.id IN (SELECT m.lot_id FROM material_events m WHERE m.kind = 'produce'"
		if sites != "" { // the lots' sites are their events' sites: the events by site and time index serves
			cond += " AND m.site_id IN (" + sites + ")"
		}
		if !f.ProducedFrom.IsZero() {
			cond += " AND m.event_time >= " + arg(ts(f.ProducedFrom))
		}
		if !f.ProducedTo.IsZero() {
			cond += " AND m.event_time < " + arg(ts(f.ProducedTo))
		}
		where = append(where, cond+")")
	}
	if len(f.Statuses) > 0 {
		var ps []string
		for _, st := range f.Statuses {
			ps = append(ps, arg(string(st)))
		}
		where = append(where, "l.status IN ("+strings.Join(ps, ", ")+")")
	}
	if q := strings.ToLower(strings.TrimSpace(f.Search)); q != "" {
		p := arg("%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(q) + "%")
		where = append(where, fmt.Sprintf(`(LOWER(l.code) LIKE %s ESCAPE '\' OR LOWER(l.tlc) LIKE %s ESCAPE '\' OR LOWER(l.supplier_lot) LIKE %s ESCAPE '\')`, p, p, p))
	}
	if f.AfterID != "" {
		where = append(where, "l.id < "+arg(f.AfterID))
	}
	onHand := `COALESCE((SELECT SUM(b.qty) FROM lot_balances b WHERE b.lot_id = l.id), 0)`
	if f.OnHandOnly {
		where = append(where, onHand+" > 0")
	}
	q := `SELECT ` + lotCols + `, i.code, i.name, ` + onHand + ` FROM lots l JOIN items i ON i.id = l.item_id`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += fmt.Sprintf(" ORDER BY l.id DESC LIMIT %d", max(1, f.Limit))
	rows, err := s.db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.db.mapErr(err)
	}
	defer rows.Close()
	var out []inventory.LotSummary
	for rows.Next() {
		var ls inventory.LotSummary
		var on int64
		l, err := scanLot(rows, &ls.ItemCode, &ls.ItemName, &on)
		if err != nil {
			return nil, s.db.mapErr(err)
		}
		ls.Lot, ls.OnHand = l, forkline.QuantityFromMicros(on, l.Quantity.Unit)
		out = append(out, ls)
	}
	return out, s.db.mapErr(rows.Err())
}

func (s invStore) FindBalances(ctx context.Context, lot forkline.ID) ([]inventory.Balance, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT b.lot_id, b.location_id, b.qty, l.unit FROM lot_balances b JOIN lots l ON l.id = b.lot_id
		WHERE b.lot_id = $1 AND b.qty > 0 ORDER BY b.location_id`, lot)
	if err != nil {
		return nil, s.db.mapErr(err)
	}
	defer rows.Close()
	var out []inventory.Balance
	for rows.Next() {
		var b inventory.Balance
		var micros int64
		var unit forkline.Unit
		if err := rows.Scan(&b.LotID, &b.LocationID, &micros, &unit); err != nil {
			return nil, s.db.mapErr(err)
		}
		b.Quantity = forkline.QuantityFromMicros(micros, unit)
		out = append(out, b)
	}
	return out, s.db.mapErr(rows.Err())
}

const eventCols = `id, site_id, kind, lot_id, item_id, location_id, to_location_id, qty, unit, entered, status_from, status_to,
	reason, note, order_ref, line_id, supplier_id, customer_id, ship_to_id, doc_type, doc_number, temperature, corrects_id,
	event_time, recorded_at, actor_id, actor_name`

func scanEvent(r interface{ Scan(...any) error }) (inventory.Event, error) {
	var e inventory.Event
	var micros int64
	var unit forkline.Unit
	err := r.Scan(&e.ID, &e.SiteID, &e.Kind, &e.LotID, &e.ItemID, nullString{&e.LocationID}, nullString{&e.ToLocationID}, &micros, &unit,
		&e.Entered, &e.StatusFrom, &e.StatusTo, &e.Reason, &e.Note, &e.OrderRef, nullString{&e.LineID}, nullString{&e.SupplierID},
		nullString{&e.CustomerID}, nullString{&e.ShipToID}, &e.DocType, &e.DocNumber, &e.Temperature, nullString{&e.CorrectsID},
		scanTime{&e.EventTime}, scanTime{&e.RecordedAt}, &e.ActorID, &e.ActorName)
	e.Quantity = forkline.QuantityFromMicros(abs64(micros), unit)
	if e.Kind == inventory.Adjust {
		e.Delta = micros
	}
	return e, err
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

func (s invStore) FindLotEvents(ctx context.Context, lot forkline.ID) ([]inventory.Event, error) {
	return s.events(ctx, s.db.read, `SELECT `+eventCols+` FROM material_events WHERE lot_id = $1 ORDER BY event_time, id`, lot)
}

func (s invStore) events(ctx context.Context, q queryer, query string, args ...any) ([]inventory.Event, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, s.db.mapErr(err)
	}
	defer rows.Close()
	var out []inventory.Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, s.db.mapErr(err)
		}
		out = append(out, e)
	}
	return out, s.db.mapErr(rows.Err())
}

func (s invStore) FindEvent(ctx context.Context, id forkline.ID) (inventory.Event, error) {
	e, err := scanEvent(s.db.read.QueryRowContext(ctx, `SELECT `+eventCols+` FROM material_events WHERE id = $1`, id))
	return e, s.db.mapErr(err)
}

func (s invStore) FindUsableStock(ctx context.Context, site, item forkline.ID, today time.Time) ([]inventory.Candidate, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT `+lotCols+`, b.location_id, loc.code, b.qty
		FROM lot_balances b JOIN lots l ON l.id = b.lot_id JOIN locations loc ON loc.id = b.location_id
		WHERE b.site_id = $1 AND b.item_id = $2 AND b.qty > 0 AND l.status = 'released'
		  AND (l.expires_on IS NULL OR l.expires_on >= $3)
		ORDER BY CASE WHEN l.expires_on IS NULL THEN 1 ELSE 0 END, l.expires_on, l.code, loc.code`, site, item, dayArg(today))
	if err != nil {
		return nil, s.db.mapErr(err)
	}
	defer rows.Close()
	var out []inventory.Candidate
	for rows.Next() {
		var c inventory.Candidate
		var on int64
		l, err := scanLot(rows, &c.LocationID, &c.LocationCode, &on)
		if err != nil {
			return nil, s.db.mapErr(err)
		}
		c.Lot, c.OnHand = l, forkline.QuantityFromMicros(on, l.Quantity.Unit)
		out = append(out, c)
	}
	return out, s.db.mapErr(rows.Err())
}

// RecordCommand books a ledger command in one transaction.
func (s invStore) RecordCommand(ctx context.Context, cmd inventory.Command) (inventory.Result, error) {
	var res inventory.Result
	if err := s.prepareWrites(ctx); err != nil {
		return res, s.db.mapErr(err)
	}
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		res = inventory.Result{}
		if cmd.IdempotencyKey != "" {
			ids := make([]string, len(cmd.Events))
			for i, e := range cmd.Events {
				ids[i] = e.ID
			}
			r, err := s.txExec(ctx, tx, sqlInsertKey,
				cmd.ActorID, cmd.IdempotencyKey, cmd.RequestHash, strings.Join(ids, ","), ts(s.db.now()))
			if err != nil {
				return fmt.Errorf("idempotency key: %w", err)
			}
			if n, err := r.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				return s.replay(ctx, tx, cmd, &res)
			}
		}
		if nl := cmd.NewLot; nl != nil {
			if err := s.insertLot(ctx, tx, nl); err != nil {
				return err
			}
			res.Lot = nl.Lot
		}
		for _, e := range cmd.Events {
			if e.LotID == "" && cmd.NewLot != nil {
				e.LotID = cmd.NewLot.ID
			}
			if err := s.applyEvent(ctx, tx, cmd, e); err != nil {
				return err
			}
			res.Events = append(res.Events, e)
		}
		if res.Lot.ID == "" && len(res.Events) > 0 {
			l, err := s.lotAfter(ctx, tx, cmd.Lot, res.Events[0].LotID)
			if err != nil {
				return err
			}
			res.Lot = l
		}
		for _, ch := range cmd.Audit {
			if err := s.db.appendAudit(ctx, tx, ch); err != nil {
				return err
			}
		}
		return nil
	})
	return res, err
}

// lotAfter returns the lot as the command leaves it: the lot the service
// read before the command when its version has not changed since (a stock
// command does not change the lot's row), else the lot read again.
func (s invStore) lotAfter(ctx context.Context, tx *sql.Tx, before *inventory.Lot, id forkline.ID) (inventory.Lot, error) {
	if before != nil && before.ID == id {
		var v int
		if err := s.txQueryRow(ctx, tx, sqlLotVersion, id).Scan(&v); err != nil {
			return inventory.Lot{}, err
		}
		if v == before.Version {
			return *before, nil
		}
	}
	return scanLot(s.txQueryRow(ctx, tx, sqlLotByID, id))
}

// replay returns the result of the command first booked under the key.
func (s invStore) replay(ctx context.Context, tx *sql.Tx, cmd inventory.Command, res *inventory.Result) error {
	var hash, ids string
	if err := tx.QueryRowContext(ctx, `SELECT request_hash, event_ids FROM idempotency_keys WHERE actor_id = $1 AND key = $2`,
		cmd.ActorID, cmd.IdempotencyKey).Scan(&hash, &ids); err != nil {
		return err
	}
	if hash != cmd.RequestHash {
		return &forkline.Error{Code: forkline.Conflict, Msg: "This Idempotency-Key was used for a different request; use a new key for a new command."}
	}
	for _, id := range strings.Split(ids, ",") {
		e, err := scanEvent(tx.QueryRowContext(ctx, `SELECT `+eventCols+` FROM material_events WHERE id = $1`, id))
		if err != nil {
			return err
		}
		res.Events = append(res.Events, e)
	}
	if len(res.Events) > 0 {
		l, err := scanLot(tx.QueryRowContext(ctx, `SELECT `+lotCols+` FROM lots l WHERE l.id = $1`, res.Events[0].LotID))
		if err != nil {
			return err
		}
		res.Lot = l
	}
	res.Replayed = true
	return nil
}

// insertLot assigns the lot's code from the site's pattern when it has none, and inserts it.
func (s invStore) insertLot(ctx context.Context, tx *sql.Tx, nl *inventory.NewLot) error {
	if nl.Code == "" {
		scope := nl.Pattern.Scope(nl.SiteCode, nl.ItemCode, nl.Day)
		var seq int
		if err := tx.QueryRowContext(ctx, `INSERT INTO lot_sequences (site_id, scope, seq) VALUES ($1, $2, 1)
			ON CONFLICT (site_id, scope) DO UPDATE SET seq = lot_sequences.seq + 1 RETURNING seq`, nl.SiteID, scope).Scan(&seq); err != nil {
			return fmt.Errorf("lot sequence: %w", err)
		}
		nl.Code = nl.Pattern.Expand(nl.SiteCode, nl.ItemCode, nl.Day, seq)
	}
	if nl.TLC == "" {
		nl.TLC = nl.Code
	}
	l := nl.Lot
	_, err := tx.ExecContext(ctx, `INSERT INTO lots (id, site_id, item_id, code, tlc, tlc_source, tlc_source_ref, origin, status, supplier_id,
		supplier_lot, order_ref, line_id, qty, unit, expires_on, produced_on, created_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
		l.ID, l.SiteID, l.ItemID, l.Code, l.TLC, l.TLCSource, l.TLCSourceRef, l.Origin, l.Status, nullIfEmpty(l.SupplierID),
		l.SupplierLot, l.OrderRef, nullIfEmpty(l.LineID), l.Quantity.Micros(), l.Quantity.Unit, dayArg(l.Expiry), dayArg(l.ProducedOn),
		ts(l.CreatedAt), l.Version)
	if err != nil {
		return fmt.Errorf("insert lot: %w", err)
	}
	return nil
}

func (s invStore) insertEvent(ctx context.Context, tx *sql.Tx, e inventory.Event) error {
	qty := e.Quantity.Micros()
	if e.Kind == inventory.Adjust {
		qty = e.Delta
	}
	_, err := s.txExec(ctx, tx, sqlInsertEvent,
		e.ID, e.SiteID, e.Kind, e.LotID, e.ItemID, nullIfEmpty(e.LocationID), nullIfEmpty(e.ToLocationID), qty, e.Quantity.Unit,
		e.Entered, e.StatusFrom, e.StatusTo, e.Reason, e.Note, e.OrderRef, nullIfEmpty(e.LineID), nullIfEmpty(e.SupplierID),
		nullIfEmpty(e.CustomerID), nullIfEmpty(e.ShipToID), e.DocType, e.DocNumber, e.Temperature, nullIfEmpty(e.CorrectsID),
		ts(e.EventTime), ts(e.RecordedAt), e.ActorID, e.ActorName)
	if err != nil {
		return fmt.Errorf("insert %s event: %w", e.Kind, err)
	}
	return nil
}

// applyEvent inserts the event and applies its effect on the projections.
func (s invStore) applyEvent(ctx context.Context, tx *sql.Tx, cmd inventory.Command, e inventory.Event) error {
	if e.Kind == inventory.Correct {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM material_events WHERE corrects_id = $1`, e.CorrectsID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return forkline.Errorf(forkline.Conflict, "That event is already corrected.")
		}
	}
	if err := s.insertEvent(ctx, tx, e); err != nil {
		return err
	}
	q := e.Quantity.Micros()
	switch e.Kind {
	case inventory.Receive:
		return s.addStock(ctx, tx, e.LotID, e.LocationID, q)
	case inventory.Produce:
		if err := s.addStock(ctx, tx, e.LotID, e.LocationID, q); err != nil {
			return err
		}
		return s.linkOutput(ctx, tx, e.SiteID, e.OrderRef, e.LotID, q)
	case inventory.Move:
		if err := s.takeStock(ctx, tx, cmd, e.LotID, e.LocationID, q, false); err != nil {
			return err
		}
		return s.addStock(ctx, tx, e.LotID, e.ToLocationID, q)
	case inventory.Consume:
		if err := s.takeStock(ctx, tx, cmd, e.LotID, e.LocationID, q, true); err != nil {
			return err
		}
		return s.linkInput(ctx, tx, e.SiteID, e.OrderRef, e.LotID, q)
	case inventory.Ship:
		return s.takeStock(ctx, tx, cmd, e.LotID, e.LocationID, q, true)
	case inventory.Adjust:
		if e.Delta < 0 {
			return s.takeStock(ctx, tx, cmd, e.LotID, e.LocationID, -e.Delta, false)
		}
		return s.addStock(ctx, tx, e.LotID, e.LocationID, e.Delta)
	case inventory.StatusChange:
		if e.StatusFrom == e.StatusTo || e.StatusFrom == inventory.Rejected {
			return s.statusRefused(ctx, tx, e)
		}
		return s.setStatus(ctx, tx, e.LotID, e.StatusFrom, e.StatusTo)
	case inventory.Correct:
		return s.undo(ctx, tx, cmd, e)
	}
	return fmt.Errorf("unknown event kind %q", e.Kind)
}

// undo applies the reverse of the event e corrects.
func (s invStore) undo(ctx context.Context, tx *sql.Tx, cmd inventory.Command, e inventory.Event) error {
	orig, err := scanEvent(tx.QueryRowContext(ctx, `SELECT `+eventCols+` FROM material_events WHERE id = $1`, e.CorrectsID))
	if err != nil {
		return err
	}
	q := orig.Quantity.Micros()
	switch orig.Kind {
	case inventory.Receive:
		return s.takeStock(ctx, tx, cmd, orig.LotID, orig.LocationID, q, false)
	case inventory.Produce:
		if err := s.takeStock(ctx, tx, cmd, orig.LotID, orig.LocationID, q, false); err != nil {
			return err
		}
		return s.unlink(ctx, tx, orig.SiteID, orig.OrderRef, orig.LotID, "output", q)
	case inventory.Move:
		if err := s.takeStock(ctx, tx, cmd, orig.LotID, orig.ToLocationID, q, false); err != nil {
			return err
		}
		return s.addStock(ctx, tx, orig.LotID, orig.LocationID, q)
	case inventory.Consume:
		if err := s.addStock(ctx, tx, orig.LotID, orig.LocationID, q); err != nil {
			return err
		}
		return s.unlink(ctx, tx, orig.SiteID, orig.OrderRef, orig.LotID, "input", q)
	case inventory.Ship:
		return s.addStock(ctx, tx, orig.LotID, orig.LocationID, q)
	case inventory.Adjust:
		if orig.Delta > 0 {
			return s.takeStock(ctx, tx, cmd, orig.LotID, orig.LocationID, orig.Delta, false)
		}
		return s.addStock(ctx, tx, orig.LotID, orig.LocationID, -orig.Delta)
	case inventory.StatusChange:
		return s.setStatus(ctx, tx, orig.LotID, orig.StatusTo, orig.StatusFrom)
	}
	return forkline.Errorf(forkline.Conflict, "A %s event cannot be corrected.", orig.Kind)
}

func (s invStore) addStock(ctx context.Context, tx *sql.Tx, lot, loc forkline.ID, q int64) error {
	_, err := s.txExec(ctx, tx, sqlAddStock, lot, loc, q)
	if err != nil {
		return fmt.Errorf("add stock: %w", err)
	}
	return nil
}

// takeStock takes q from a lot's balance at a location in one guarded
// statement; usable also requires the lot to be released and not expired.
func (s invStore) takeStock(ctx context.Context, tx *sql.Tx, cmd inventory.Command, lot, loc forkline.ID, q int64, usable bool) error {
	query, args := sqlTakeStock, []any{q, lot, loc}
	if usable {
		query, args = sqlTakeUsableStock, append(args, dayArg(cmd.Today))
	}
	r, err := s.txExec(ctx, tx, query, args...)
	if err != nil {
		return fmt.Errorf("take stock: %w", err)
	}
	if n, err := r.RowsAffected(); err != nil {
		return err
	} else if n == 1 {
		return nil
	}
	return s.whyNot(ctx, tx, cmd, lot, loc, q, usable)
}

// whyNot explains, for the operator, why stock could not be taken.
func (s invStore) whyNot(ctx context.Context, tx *sql.Tx, cmd inventory.Command, lotID, loc forkline.ID, q int64, usable bool) error {
	l, err := scanLot(tx.QueryRowContext(ctx, `SELECT `+lotCols+` FROM lots l WHERE l.id = $1`, lotID))
	if err != nil {
		return err
	}
	if usable {
		switch l.Status {
		case inventory.Hold:
			return &forkline.Error{Code: forkline.Conflict, Msg: fmt.Sprintf("Lot %s is on hold: it cannot be used or shipped until quality releases it.", l.Code)}
		case inventory.Quarantine:
			return &forkline.Error{Code: forkline.Conflict, Msg: fmt.Sprintf("Lot %s is in quarantine: it cannot be used or shipped until quality releases it.", l.Code)}
		case inventory.Rejected:
			return &forkline.Error{Code: forkline.Conflict, Msg: fmt.Sprintf("Lot %s is rejected: it must not be used or shipped.", l.Code)}
		}
		if l.ExpiredOn(cmd.Today) {
			return &forkline.Error{Code: forkline.Conflict, Msg: fmt.Sprintf("Lot %s expired on %s: it cannot be used or shipped.", l.Code, l.Expiry.Format(DayFormat))}
		}
	}
	var have int64
	var code string
	err = tx.QueryRowContext(ctx, `SELECT COALESCE((SELECT qty FROM lot_balances WHERE lot_id = $1 AND location_id = $2), 0), code FROM locations WHERE id = $2`, lotID, loc).Scan(&have, &code)
	if err != nil {
		return err
	}
	u := l.Quantity.Unit
	return &forkline.Error{Code: forkline.Conflict, Msg: fmt.Sprintf("Lot %s has %s at %s, less than the %s asked for.", l.Code,
		forkline.QuantityFromMicros(have, u), code, forkline.QuantityFromMicros(q, u))}
}

// statusRefused explains why a status change is not booked: the lot has
// that status already, or it is rejected, which is final.
func (s invStore) statusRefused(ctx context.Context, tx *sql.Tx, e inventory.Event) error {
	var code string
	if err := tx.QueryRowContext(ctx, `SELECT code FROM lots WHERE id = $1`, e.LotID).Scan(&code); err != nil {
		return err
	}
	if e.StatusFrom == e.StatusTo {
		return forkline.Errorf(forkline.Conflict, "Lot %s is already %s.", code, e.StatusTo)
	}
	return forkline.Errorf(forkline.Conflict, "Lot %s is rejected; a rejected lot is not brought back.", code)
}

func (s invStore) setStatus(ctx context.Context, tx *sql.Tx, lot forkline.ID, from, to inventory.Status) error {
	r, err := tx.ExecContext(ctx, `UPDATE lots SET status = $1, version = version + 1 WHERE id = $2 AND status = $3`, to, lot, from)
	if err != nil {
		return fmt.Errorf("set status: %w", err)
	}
	if n, err := r.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return &forkline.Error{Code: forkline.Conflict, Msg: fmt.Sprintf("The lot is no longer %s: its status changed meanwhile; reload it.", from)}
	}
	return nil
}

// lockOrder makes the commands that link lots through one production order
// wait for each other. Without it, on PostgreSQL an input and an output of
// the same order booked at once each miss the other's uncommitted row of
// order_lots, and the edge between them is never made. The lock is the
// order's row in production_orders_seen.
func (s invStore) lockOrder(ctx context.Context, tx *sql.Tx, site, order string) error {
	if _, err := s.txExec(ctx, tx, sqlLockOrder, site, order); err != nil {
		return fmt.Errorf("lock order %s: %w", order, err)
	}
	return nil
}

// linkInput records that an order consumed q of a lot and links the lot to
// every lot the order has produced.
func (s invStore) linkInput(ctx context.Context, tx *sql.Tx, site, order string, lot forkline.ID, q int64) error {
	if err := s.lockOrder(ctx, tx, site, order); err != nil {
		return err
	}
	if _, err := s.txExec(ctx, tx, sqlOrderInput, site, order, lot, q); err != nil {
		return fmt.Errorf("order input: %w", err)
	}
	if _, err := s.txExec(ctx, tx, sqlLinkInput, site, order, lot, q); err != nil {
		return fmt.Errorf("genealogy: %w", err)
	}
	return nil
}

// linkOutput records that an order produced a lot and links every lot the
// order consumed to it.
func (s invStore) linkOutput(ctx context.Context, tx *sql.Tx, site, order string, lot forkline.ID, q int64) error {
	if err := s.lockOrder(ctx, tx, site, order); err != nil {
		return err
	}
	if _, err := s.txExec(ctx, tx, sqlOrderOutput, site, order, lot, q); err != nil {
		return fmt.Errorf("order output: %w", err)
	}
	if _, err := s.txExec(ctx, tx, sqlLinkOutput, site, order, lot); err != nil {
		return fmt.Errorf("genealogy: %w", err)
	}
	return nil
}

// unlink takes back q of an order's input or output; links whose quantity
// falls to zero go, so a corrected mistake leaves no genealogy behind.
func (s invStore) unlink(ctx context.Context, tx *sql.Tx, site, order string, lot forkline.ID, role string, q int64) error {
	if err := s.lockOrder(ctx, tx, site, order); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE order_lots SET qty = qty - $1 WHERE site_id = $2 AND order_ref = $3 AND role = $4 AND lot_id = $5`,
		q, site, order, role, lot); err != nil {
		return err
	}
	var left int64
	if err := tx.QueryRowContext(ctx, `SELECT qty FROM order_lots WHERE site_id = $1 AND order_ref = $2 AND role = $3 AND lot_id = $4`,
		site, order, role, lot).Scan(&left); err != nil {
		return err
	}
	if role == "input" {
		if _, err := tx.ExecContext(ctx, `UPDATE genealogy_edges SET qty = qty - $1 WHERE parent_id = $2 AND order_ref = $3`, q, lot, order); err != nil {
			return err
		}
		if left <= 0 {
			if _, err := tx.ExecContext(ctx, `DELETE FROM genealogy_edges WHERE parent_id = $1 AND order_ref = $2`, lot, order); err != nil {
				return err
			}
		}
	} else if left <= 0 {
		if _, err := tx.ExecContext(ctx, `DELETE FROM genealogy_edges WHERE child_id = $1 AND order_ref = $2`, lot, order); err != nil {
			return err
		}
	}
	if left <= 0 {
		_, err := tx.ExecContext(ctx, `DELETE FROM order_lots WHERE site_id = $1 AND order_ref = $2 AND role = $3 AND lot_id = $4`, site, order, role, lot)
		return err
	}
	return nil
}

// recallJSON is how a recall's result is stored.
func (s invStore) SaveRecall(ctx context.Context, r inventory.Recall) error {
	result, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("recall result: %w", err)
	}
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO recalls (id, site_id, kind, criteria, result, duration_us, held, accounted_permille, started_at, actor_name, note)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, r.ID, r.SiteID, r.Kind, r.Criteria, string(result), r.Duration.Microseconds(),
			r.Held, int64(math.Round(r.Accounted*10)), ts(r.StartedAt), r.ActorName, r.Note)
		return err
	})
}

func (s invStore) FindRecall(ctx context.Context, id forkline.ID) (inventory.Recall, error) {
	var result string
	if err := s.db.read.QueryRowContext(ctx, `SELECT result FROM recalls WHERE id = $1`, id).Scan(&result); err != nil {
		return inventory.Recall{}, s.db.mapErr(err)
	}
	var r inventory.Recall
	if err := json.Unmarshal([]byte(result), &r); err != nil {
		return r, fmt.Errorf("recall %s result: %w", id, err)
	}
	return r, nil
}

func (s invStore) FindRecalls(ctx context.Context, site forkline.ID, limit int) ([]inventory.Recall, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT id, site_id, kind, criteria, duration_us, held, accounted_permille, started_at, actor_name, note
		FROM recalls WHERE site_id = $1 ORDER BY started_at DESC, id DESC LIMIT `+fmt.Sprint(max(1, limit)), site)
	if err != nil {
		return nil, s.db.mapErr(err)
	}
	defer rows.Close()
	var out []inventory.Recall
	for rows.Next() {
		var r inventory.Recall
		var us, permille int64
		if err := rows.Scan(&r.ID, &r.SiteID, &r.Kind, &r.Criteria, &us, &r.Held, &permille, scanTime{&r.StartedAt}, &r.ActorName, &r.Note); err != nil {
			return nil, s.db.mapErr(err)
		}
		r.Duration = time.Duration(us) * time.Microsecond
		r.Accounted = float64(permille) / 10
		out = append(out, r)
	}
	return out, s.db.mapErr(rows.Err())
}
