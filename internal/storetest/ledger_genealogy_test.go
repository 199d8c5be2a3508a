package storetest_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/inventory"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/sqlstore"
	"github.com/forkline/forkline/internal/storetest"
	"github.com/google/go-cmp/cmp"
)

// bakery is a small plant's history, written so that every trace, customer
// and quantity below can be worked out by hand:
//
//	supplier lots     F1 flour GPM-2231 (Great Plains), F2 flour GPM-2232 (Great Plains),
//	                  SU1 sugar SW-77 (Sweet Co), B1 butter DC-9 (Dairy Co), CO1 cocoa CC-5 (Cocoa Co)
//	MIX-1   mixing:   F1 30 kg + SU1 10 kg + B1 10 kg  -> D1 dough 50 kg
//	FILL-1            F1 20 kg + SU1 15 kg             -> FI1 filling 35 kg  (F1 partly into two orders)
//	SPLIT-1 split:    F2 40 kg                          -> D2 dough 20 kg, D3 dough 20 kg
//	REWORK-1 re-work: D3 20 kg                          -> D4 dough 20 kg    (same item)
//	PASTRY-1          D1 50 kg + FI1 30 kg              -> P1 pastry 80 kg
//	BAKE-1            P1 40 kg + D4 20 kg               -> BK1 baked 60 kg
//	PACK-1            BK1 60 kg                         -> C1 cake 120 ea    (F1 -> D1 -> P1 -> BK1 -> C1)
//	BAKE-2            P1 40 kg                          -> C2 cake 40 ea
//	BAKE-3            D2 20 kg                          -> C3 cake 20 ea
//	CHOC-1            CO1 10 kg                         -> C9 cake 10 ea
//	shipments         C1 50 ea Alpha North DC (BOL-1), C1 30 ea Beta Store (BOL-2),
//	                  C2 40 ea Alpha South DC (BOL-3), C3 15 ea Gamma Main (BOL-4), C9 5 ea Delta Deli (BOL-5)
//	adjustments       FI1 -1 kg waste, C1 -2 ea sample; C1 moves 10 ea to the dock
type bakery struct {
	lw           *ledgerWorld
	site         forkline.ID
	cooler, dock forkline.ID
	lot          map[string]inventory.Lot // by label
	name         map[forkline.ID]string   // label of each lot, location, customer and supplier
	sup          map[string]plant.Supplier
	shipped      map[string]inventory.Event // by bill of lading
	alpha, beta  plant.Customer
	gamma, delta plant.Customer
	greatPlains  plant.Supplier
}

func newBakery(t *testing.T, lw *ledgerWorld) *bakery {
	t.Helper()
	c := lw.clock
	site := lw.siteA.ID
	b := &bakery{lw: lw, site: site, lot: map[string]inventory.Lot{}, name: map[forkline.ID]string{},
		sup: map[string]plant.Supplier{}, shipped: map[string]inventory.Event{}}
	b.cooler, b.dock = lw.location(t, site, "COOLER"), lw.location(t, site, "DOCK")
	b.name[b.cooler], b.name[b.dock] = "COOLER", "DOCK"

	item := func(code string, kind plant.ItemKind, unit forkline.Unit, shelf int) plant.Item {
		return lw.item(t, plant.Item{Record: plant.Record{SiteID: site, Code: code}, Kind: kind, BaseUnit: unit, ShelfLifeDays: shelf})
	}
	flour, sugar, butter, cocoa := item("FLOUR", plant.Raw, "kg", 180), item("SUGAR", plant.Raw, "kg", 365), item("BUTTER", plant.Raw, "kg", 60), item("COCOA", plant.Raw, "kg", 365)
	dough, filling, pastry := item("DOUGH", plant.WIP, "kg", 3), item("FILLING", plant.WIP, "kg", 5), item("PASTRY", plant.WIP, "kg", 3)
	baked, cake := item("BAKED", plant.WIP, "kg", 2), item("CAKE", plant.Finished, "ea", 10)

	for _, s := range []struct{ code, name string }{{"GPM", "Great Plains Milling"}, {"SWC", "Sweet Co"}, {"DCO", "Dairy Co"}, {"CCO", "Cocoa Co"}} {
		b.sup[s.code] = lw.supplier(t, site, s.code, s.name, plant.Approved)
		b.name[b.sup[s.code].ID] = s.name
	}
	b.greatPlains = b.sup["GPM"]
	b.alpha = lw.customer(t, site, "ALPHA", "Alpha Foods", 5, "NORTH", "SOUTH")
	b.beta = lw.customer(t, site, "BETA", "Beta Market", 0, "STORE")
	b.gamma = lw.customer(t, site, "GAMMA", "Gamma Grocers", 0, "MAIN")
	b.delta = lw.customer(t, site, "DELTA", "Delta Deli", 0, "DELI")
	for _, cu := range []plant.Customer{b.alpha, b.beta, b.gamma, b.delta} {
		b.name[cu.ID] = cu.Name
	}

	step := func() { c.Advance(time.Minute) }
	recv := func(label string, it plant.Item, sup, supLot, q string) {
		step()
		l := lw.receive(t, inventory.ReceiveInput{SiteID: site, ItemID: it.ID, SupplierID: b.sup[sup].ID, SupplierLot: supLot,
			Quantity: qty(q), LocationID: b.cooler, DocType: "PO", DocNumber: "PO-" + label})
		b.lot[label], b.name[l.ID] = l, label
	}
	use := func(label, q, order string) {
		step()
		lw.consume(t, b.lot[label], b.cooler, q, order)
	}
	output := func(label string, it plant.Item, q, order string) {
		step()
		l := lw.produce(t, site, it.ID, b.cooler, q, order)
		b.lot[label], b.name[l.ID] = l, label
	}
	ship := func(label, q string, cu plant.Customer, st, bol string) {
		step()
		b.shipped[bol] = lw.ship(t, b.lot[label], b.cooler, q, cu, st, bol)
	}

	recv("F1", flour, "GPM", "GPM-2231", "100 kg")
	recv("F2", flour, "GPM", "GPM-2232", "100 kg")
	recv("SU1", sugar, "SWC", "SW-77", "50 kg")
	recv("B1", butter, "DCO", "DC-9", "40 kg")
	recv("CO1", cocoa, "CCO", "CC-5", "10 kg")

	// Inputs before output, and (PASTRY-1, BAKE-1) output before some inputs:
	// either order links every input to every output.
	use("F1", "30 kg", "MIX-1")
	use("SU1", "10 kg", "MIX-1")
	use("B1", "10 kg", "MIX-1")
	output("D1", dough, "50 kg", "MIX-1")
	use("F1", "20 kg", "FILL-1")
	use("SU1", "15 kg", "FILL-1")
	output("FI1", filling, "35 kg", "FILL-1")
	use("F2", "40 kg", "SPLIT-1")
	output("D2", dough, "20 kg", "SPLIT-1")
	output("D3", dough, "20 kg", "SPLIT-1")
	use("D3", "20 kg", "REWORK-1")
	output("D4", dough, "20 kg", "REWORK-1")
	output("P1", pastry, "80 kg", "PASTRY-1")
	use("D1", "50 kg", "PASTRY-1")
	use("FI1", "30 kg", "PASTRY-1")
	use("P1", "40 kg", "BAKE-1")
	output("BK1", baked, "60 kg", "BAKE-1")
	use("D4", "20 kg", "BAKE-1")
	use("BK1", "60 kg", "PACK-1")
	output("C1", cake, "120 ea", "PACK-1")
	use("P1", "40 kg", "BAKE-2")
	output("C2", cake, "40 ea", "BAKE-2")
	use("D2", "20 kg", "BAKE-3")
	output("C3", cake, "20 ea", "BAKE-3")
	use("CO1", "10 kg", "CHOC-1")
	output("C9", cake, "10 ea", "CHOC-1")

	ship("C1", "50 ea", b.alpha, "NORTH", "BOL-1")
	ship("C1", "30 ea", b.beta, "STORE", "BOL-2")
	ship("C2", "40 ea", b.alpha, "SOUTH", "BOL-3")
	ship("C3", "15 ea", b.gamma, "MAIN", "BOL-4")
	ship("C9", "5 ea", b.delta, "DELI", "BOL-5")

	step()
	if _, err := lw.inv.Adjust(lw.ctx, inventory.AdjustInput{LotID: b.lot["FI1"].ID, LocationID: b.cooler, Change: qty("-1 kg"), Reason: inventory.Waste}); err != nil {
		t.Fatalf("Adjust(FI1 waste): %v", err)
	}
	if _, err := lw.inv.Adjust(lw.ctx, inventory.AdjustInput{LotID: b.lot["C1"].ID, LocationID: b.cooler, Change: qty("-2 ea"), Reason: inventory.Sample}); err != nil {
		t.Fatalf("Adjust(C1 sample): %v", err)
	}
	if _, err := lw.inv.Move(lw.ctx, inventory.MoveInput{LotID: b.lot["C1"].ID, FromID: b.cooler, ToID: b.dock, Quantity: qty("10 ea")}); err != nil {
		t.Fatalf("Move(C1 to the dock): %v", err)
	}
	return b
}

// Views of a trace by label, sorted, so that a test states sets and a
// failure shows names rather than IDs.
type (
	nodeView  struct{ Lot, Item, Supplier, SupplierLot string }
	edgeView  struct{ Parent, Child, Order, Quantity string }
	shipView  struct{ Lot, Customer, ShipTo, Address, Doc, Quantity string }
	stockView struct{ Lot, Location, Quantity string }
	traceView struct {
		Nodes     map[int][]nodeView // by depth
		Edges     []edgeView
		Shipments []shipView
		OnHand    []stockView
	}
)

func (b *bakery) view(tr inventory.Trace) traceView {
	v := traceView{Nodes: map[int][]nodeView{}}
	for _, n := range tr.Nodes {
		v.Nodes[n.Depth] = append(v.Nodes[n.Depth], nodeView{b.name[n.Lot.ID], n.ItemCode, n.SupplierName, n.Lot.SupplierLot})
	}
	for d := range v.Nodes {
		slices.SortFunc(v.Nodes[d], func(x, y nodeView) int { return strings.Compare(x.Lot, y.Lot) })
	}
	for _, e := range tr.Edges {
		v.Edges = append(v.Edges, edgeView{b.name[e.ParentID], b.name[e.ChildID], e.OrderRef, e.Quantity.String()})
	}
	slices.SortFunc(v.Edges, func(x, y edgeView) int { return strings.Compare(x.Parent+" "+x.Child, y.Parent+" "+y.Child) })
	for _, s := range tr.Shipments {
		v.Shipments = append(v.Shipments, shipView{b.name[s.LotID], s.CustomerName, s.ShipToName, s.ShipToAddress, s.DocType + " " + s.DocNumber, s.Quantity.String()})
	}
	slices.SortFunc(v.Shipments, func(x, y shipView) int { return strings.Compare(x.Doc, y.Doc) })
	for _, o := range tr.OnHand {
		v.OnHand = append(v.OnHand, stockView{b.name[o.LotID], o.LocationCode, o.Quantity.String()})
	}
	slices.SortFunc(v.OnHand, func(x, y stockView) int { return strings.Compare(x.Lot+" "+x.Location, y.Lot+" "+y.Location) })
	return v
}

// The shipments of the scenario, as a trace reports them.
var (
	shipBOL1 = shipView{"C1", "Alpha Foods", "ALPHA NORTH", "NORTH Street, Alpha Foods", "BOL BOL-1", "50 ea"}
	shipBOL2 = shipView{"C1", "Beta Market", "BETA STORE", "STORE Street, Beta Market", "BOL BOL-2", "30 ea"}
	shipBOL3 = shipView{"C2", "Alpha Foods", "ALPHA SOUTH", "SOUTH Street, Alpha Foods", "BOL BOL-3", "40 ea"}
)

// TestLedgerGenealogy books the bakery's history and checks traces, mass
// balances and recalls against the answers worked out by hand, on every engine.
func TestLedgerGenealogy(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		lw := newLedgerWorld(t, db, c)
		b := newBakery(t, lw)
		trace := func(t *testing.T, label string, dir inventory.Direction) traceView {
			t.Helper()
			tr, err := lw.inv.Trace(lw.ctx, b.lot[label].ID, dir)
			if err != nil {
				t.Fatalf("Trace(%s, %s): %v", label, dir, err)
			}
			if len(tr.Roots) != 1 || tr.Roots[0] != b.lot[label].ID || tr.Direction != dir {
				t.Errorf("Trace(%s, %s) roots %v, direction %s; want the lot, %s", label, dir, tr.Roots, tr.Direction, dir)
			}
			return b.view(tr)
		}

		t.Run("a backward trace reaches every ancestor down to the supplier lots, with each edge's quantity", func(t *testing.T) {
			got := trace(t, "C1", inventory.Backward)
			want := traceView{
				Nodes: map[int][]nodeView{
					0: {{"C1", "CAKE", "", ""}},
					1: {{"BK1", "BAKED", "", ""}},
					2: {{"D4", "DOUGH", "", ""}, {"P1", "PASTRY", "", ""}},
					3: {{"D1", "DOUGH", "", ""}, {"D3", "DOUGH", "", ""}, {"FI1", "FILLING", "", ""}},
					4: {{"B1", "BUTTER", "Dairy Co", "DC-9"}, {"F1", "FLOUR", "Great Plains Milling", "GPM-2231"},
						{"F2", "FLOUR", "Great Plains Milling", "GPM-2232"}, {"SU1", "SUGAR", "Sweet Co", "SW-77"}},
				},
				Edges: []edgeView{
					{"B1", "D1", "MIX-1", "10 kg"},
					{"BK1", "C1", "PACK-1", "60 kg"},
					{"D1", "P1", "PASTRY-1", "50 kg"},
					{"D3", "D4", "REWORK-1", "20 kg"},
					{"D4", "BK1", "BAKE-1", "20 kg"},
					{"F1", "D1", "MIX-1", "30 kg"},
					{"F1", "FI1", "FILL-1", "20 kg"},
					{"F2", "D3", "SPLIT-1", "40 kg"},
					{"FI1", "P1", "PASTRY-1", "30 kg"},
					{"P1", "BK1", "BAKE-1", "40 kg"},
					{"SU1", "D1", "MIX-1", "10 kg"},
					{"SU1", "FI1", "FILL-1", "15 kg"},
				},
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Trace(C1, backward) mismatch (-want +got):\n%s", diff)
			}
		})

		t.Run("a backward trace of a split output leaves out its sibling", func(t *testing.T) {
			got := trace(t, "C3", inventory.Backward)
			want := traceView{
				Nodes: map[int][]nodeView{0: {{"C3", "CAKE", "", ""}}, 1: {{"D2", "DOUGH", "", ""}}, 2: {{"F2", "FLOUR", "Great Plains Milling", "GPM-2232"}}},
				Edges: []edgeView{{"D2", "C3", "BAKE-3", "20 kg"}, {"F2", "D2", "SPLIT-1", "40 kg"}},
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Trace(C3, backward) mismatch (-want +got):\n%s", diff)
			}
		})

		t.Run("a forward trace reaches every descendant, each shipment and what is still on hand where", func(t *testing.T) {
			got := trace(t, "F1", inventory.Forward)
			want := traceView{
				Nodes: map[int][]nodeView{
					0: {{"F1", "FLOUR", "Great Plains Milling", "GPM-2231"}},
					1: {{"D1", "DOUGH", "", ""}, {"FI1", "FILLING", "", ""}},
					2: {{"P1", "PASTRY", "", ""}},
					3: {{"BK1", "BAKED", "", ""}, {"C2", "CAKE", "", ""}},
					4: {{"C1", "CAKE", "", ""}},
				},
				Edges: []edgeView{
					{"BK1", "C1", "PACK-1", "60 kg"},
					{"D1", "P1", "PASTRY-1", "50 kg"},
					{"F1", "D1", "MIX-1", "30 kg"},
					{"F1", "FI1", "FILL-1", "20 kg"},
					{"FI1", "P1", "PASTRY-1", "30 kg"},
					{"P1", "BK1", "BAKE-1", "40 kg"},
					{"P1", "C2", "BAKE-2", "40 kg"},
				},
				Shipments: []shipView{shipBOL1, shipBOL2, shipBOL3},
				OnHand: []stockView{
					{"C1", "COOLER", "28 ea"},
					{"C1", "DOCK", "10 ea"},
					{"F1", "COOLER", "50 kg"},
					{"FI1", "COOLER", "4 kg"},
				},
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Trace(F1, forward) mismatch (-want +got):\n%s", diff)
			}
		})

		t.Run("a forward trace reports each shipment's event, customer and date", func(t *testing.T) {
			tr, err := lw.inv.Trace(lw.ctx, b.lot["F2"].ID, inventory.Forward)
			if err != nil {
				t.Fatal(err)
			}
			type shipment struct {
				EventID, LotID, CustomerID forkline.ID
				ShippedAt                  time.Time
			}
			var got, want []shipment
			for _, s := range tr.Shipments {
				got = append(got, shipment{s.EventID, s.LotID, s.CustomerID, s.ShippedAt})
			}
			for _, bol := range []string{"BOL-1", "BOL-2", "BOL-4"} {
				e := b.shipped[bol]
				want = append(want, shipment{e.ID, e.LotID, e.CustomerID, e.EventTime})
			}
			sortBy := func(s []shipment) {
				slices.SortFunc(s, func(x, y shipment) int { return strings.Compare(x.EventID, y.EventID) })
			}
			sortBy(got)
			sortBy(want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Trace(F2, forward) shipments mismatch (-want +got):\n%s", diff)
			}
		})

		t.Run("every lot's mass balance accounts for all of it", func(t *testing.T) {
			for _, tc := range []struct {
				lot  string
				want balanceView
			}{
				{"F1", balanceView{"100 kg", "50 kg", "0 kg", "0 kg", "50 kg", "0 kg"}},
				{"SU1", balanceView{"50 kg", "25 kg", "0 kg", "0 kg", "25 kg", "0 kg"}},
				{"D1", balanceView{"50 kg", "50 kg", "0 kg", "0 kg", "0 kg", "0 kg"}},
				{"FI1", balanceView{"35 kg", "30 kg", "0 kg", "1 kg", "4 kg", "0 kg"}},
				{"D3", balanceView{"20 kg", "20 kg", "0 kg", "0 kg", "0 kg", "0 kg"}},
				{"C1", balanceView{"120 ea", "0 ea", "80 ea", "2 ea", "38 ea", "0 ea"}},
				{"C2", balanceView{"40 ea", "0 ea", "40 ea", "0 ea", "0 ea", "0 ea"}},
			} {
				if got := lw.massBalance(t, b.lot[tc.lot].ID); got != tc.want {
					t.Errorf("MassBalance(%s) = %+v, want %+v", tc.lot, got, tc.want)
				}
			}
		})

		t.Run("a mock recall of a supplier lot reaches every customer that received a descendant and no other", func(t *testing.T) {
			c.Advance(time.Minute)
			before := auditCount(t, db)
			r, err := lw.inv.StartRecall(lw.ctx, inventory.RecallInput{SiteID: b.site, SupplierID: b.greatPlains.ID, SupplierLot: "GPM-2232", Note: "yearly drill"})
			if err != nil {
				t.Fatalf("StartRecall(GPM-2232): %v", err)
			}
			checkRecall(t, b, r, recallView{
				Kind:      inventory.MockRecall,
				Criteria:  "supplier lot GPM-2232 of Great Plains Milling",
				Roots:     map[string]balanceView{"F2": {"100 kg", "40 kg", "0 kg", "0 kg", "60 kg", "0 kg"}},
				Lots:      []string{"BK1", "C1", "C3", "D2", "D3", "D4", "F2"},
				Customers: map[string][]string{"Alpha Foods": {"BOL-1"}, "Beta Market": {"BOL-2"}, "Gamma Grocers": {"BOL-4"}},
				Accounted: 100,
			})
			if got := auditCount(t, db); got != before {
				t.Errorf("audit entries after a recall without hold = %d, want %d (none added)", got, before)
			}
			for _, l := range []string{"F2", "C1", "C3"} {
				if got, _ := lw.inv.Lot(lw.ctx, b.lot[l].ID); got.Status != inventory.Released {
					t.Errorf("lot %s after a recall without hold is %s, want released", l, got.Status)
				}
			}
		})

		t.Run("a recall with hold holds exactly the affected lots with stock, in one audited command", func(t *testing.T) {
			c.Advance(time.Minute)
			before := auditCount(t, db)
			r, err := lw.inv.StartRecall(lw.ctx, inventory.RecallInput{SiteID: b.site, Kind: inventory.RealRecall, SupplierID: b.greatPlains.ID, SupplierLot: "GPM-2231", Hold: true})
			if err != nil {
				t.Fatalf("StartRecall(GPM-2231, hold): %v", err)
			}
			checkRecall(t, b, r, recallView{
				Kind:      inventory.RealRecall,
				Criteria:  "supplier lot GPM-2231 of Great Plains Milling",
				Roots:     map[string]balanceView{"F1": {"100 kg", "50 kg", "0 kg", "0 kg", "50 kg", "0 kg"}},
				Lots:      []string{"BK1", "C1", "C2", "D1", "F1", "FI1", "P1"},
				Customers: map[string][]string{"Alpha Foods": {"BOL-1", "BOL-3"}, "Beta Market": {"BOL-2"}},
				Accounted: 100,
				Held:      []string{"C1", "F1", "FI1"},
			})
			for label, l := range b.lot {
				want := inventory.Released
				if slices.Contains([]string{"C1", "F1", "FI1"}, label) {
					want = inventory.Hold
				}
				got, err := lw.inv.Lot(lw.ctx, l.ID)
				if err != nil || got.Status != want {
					t.Errorf("lot %s after the recall = %s, %v; want %s", label, got.Status, err, want)
				}
			}
			if got := auditCount(t, db); got != before+4 {
				t.Errorf("audit entries after holding 3 lots = %d, want %d (one per lot and one for the recall)", got, before+4)
			}
			reason := "real recall " + r.ID + ": supplier lot GPM-2231 of Great Plains Milling"
			for _, l := range []string{"C1", "F1", "FI1"} {
				lot := b.lot[l]
				checkLastAudit(t, db, c, auditWant{Actor: forkline.System, Action: "hold", Entity: "lot", EntityID: lot.ID, SiteID: b.site, Reason: reason,
					Before: map[string]string{"Code": lot.Code, "Status": "released"}, After: map[string]string{"Code": lot.Code, "Status": "hold"}})
				es := lw.detail(t, lot.ID).Events
				last := es[len(es)-1]
				if last.Kind != inventory.StatusChange || last.StatusFrom != inventory.Released || last.StatusTo != inventory.Hold || last.Reason != reason {
					t.Errorf("last event of %s = %s %s->%s %q, want a status change released->hold with the recall's reason", l, last.Kind, last.StatusFrom, last.StatusTo, last.Reason)
				}
			}
			checkLastAudit(t, db, c, auditWant{Actor: forkline.System, Action: "recall", Entity: "recall", EntityID: r.ID, SiteID: b.site, Reason: reason,
				After: map[string]any{"held": 3, "kind": "real"}})
			_, err = lw.inv.Consume(lw.ctx, inventory.ConsumeInput{LotID: b.lot["F1"].ID, LocationID: b.cooler, Quantity: qty("1 kg"), OrderRef: "MIX-2"})
			if forkline.ErrorCode(err) != forkline.Conflict {
				t.Errorf("Consume(held F1) error = %v, want conflict", err)
			}
		})

		t.Run("a recall of the held lots again holds nothing more", func(t *testing.T) {
			c.Advance(time.Minute)
			r, err := lw.inv.StartRecall(lw.ctx, inventory.RecallInput{SiteID: b.site, LotIDs: []forkline.ID{b.lot["F1"].ID}, Hold: true})
			if err != nil {
				t.Fatalf("StartRecall(F1, hold): %v", err)
			}
			if r.Held != 0 || len(r.HeldLotIDs) != 0 || r.Criteria != "lots "+b.lot["F1"].Code {
				t.Errorf("StartRecall(F1 again) = held %d %v, criteria %q; want none held, criteria %q", r.Held, r.HeldLotIDs, r.Criteria, "lots "+b.lot["F1"].Code)
			}
		})

		t.Run("recalls are stored with their results, newest first", func(t *testing.T) {
			rs, err := lw.inv.Recalls(lw.ctx, b.site)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rs {
				got = append(got, r.Criteria)
			}
			want := []string{"lots " + b.lot["F1"].Code, "supplier lot GPM-2231 of Great Plains Milling", "supplier lot GPM-2232 of Great Plains Milling"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("Recalls criteria mismatch (-want +got):\n%s", diff)
			}
			stored, err := lw.inv.FindRecall(lw.ctx, rs[1].ID)
			if err != nil {
				t.Fatal(err)
			}
			checkRecall(t, b, stored, recallView{
				Kind:      inventory.RealRecall,
				Criteria:  "supplier lot GPM-2231 of Great Plains Milling",
				Roots:     map[string]balanceView{"F1": {"100 kg", "50 kg", "0 kg", "0 kg", "50 kg", "0 kg"}},
				Lots:      []string{"BK1", "C1", "C2", "D1", "F1", "FI1", "P1"},
				Customers: map[string][]string{"Alpha Foods": {"BOL-1", "BOL-3"}, "Beta Market": {"BOL-2"}},
				Accounted: 100,
				Held:      []string{"C1", "F1", "FI1"},
			})
		})

		t.Run("a recall of a supplier lot never received is refused", func(t *testing.T) {
			_, err := lw.inv.StartRecall(lw.ctx, inventory.RecallInput{SiteID: b.site, SupplierID: b.greatPlains.ID, SupplierLot: "GPM-9999"})
			if forkline.ErrorCode(err) != forkline.Invalid || !slices.Contains(fieldNames(err), "supplierLot") {
				t.Errorf("StartRecall(GPM-9999) error = %v, want invalid supplierLot", err)
			}
		})
	})
}

// recallView is what a test states of a recall, by label.
type recallView struct {
	Kind      inventory.RecallKind
	Criteria  string
	Roots     map[string]balanceView
	Lots      []string            // every lot in scope, sorted
	Customers map[string][]string // bills of lading by customer name
	Accounted float64
	Held      []string // sorted
}

func checkRecall(t *testing.T, b *bakery, r inventory.Recall, want recallView) {
	t.Helper()
	got := recallView{Kind: r.Kind, Criteria: r.Criteria, Roots: map[string]balanceView{}, Customers: map[string][]string{}, Accounted: r.Accounted}
	for _, rb := range r.Roots {
		got.Roots[b.name[rb.Node.Lot.ID]] = viewBalance(rb.Balance)
	}
	for _, n := range r.Scope.Nodes {
		got.Lots = append(got.Lots, b.name[n.Lot.ID])
	}
	slices.Sort(got.Lots)
	var names []string
	for _, ce := range r.Customers {
		names = append(names, ce.CustomerName)
		for _, s := range ce.Shipments {
			if s.CustomerID != ce.CustomerID {
				t.Errorf("recall lists shipment %s of customer %s under %s", s.DocNumber, s.CustomerID, ce.CustomerID)
			}
			got.Customers[ce.CustomerName] = append(got.Customers[ce.CustomerName], s.DocNumber)
		}
		slices.Sort(got.Customers[ce.CustomerName])
	}
	if !slices.IsSorted(names) {
		t.Errorf("recall customers %v, want them sorted by name", names)
	}
	for _, id := range r.HeldLotIDs {
		got.Held = append(got.Held, b.name[id])
	}
	slices.Sort(got.Held)
	if r.Held != len(r.HeldLotIDs) {
		t.Errorf("recall Held = %d, but it lists %d lots", r.Held, len(r.HeldLotIDs))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("recall mismatch (-want +got):\n%s", diff)
	}
}
