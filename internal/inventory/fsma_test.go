package inventory_test

import (
	"context"
	"testing"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/inventory"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/storetest"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var quantityEq = cmp.Comparer(func(a, b forkline.Quantity) bool { return a == b })

// pickleWorks is a small pickle plant: cucumbers (on the Food Traceability
// List) and vinegar (not on it) come in, pickles go out.
type pickleWorks struct {
	inv                           *inventory.Service
	site                          plant.Site
	dock                          plant.Location
	cucumbers, vinegar, pickles   plant.Item
	farm                          plant.Supplier
	store                         plant.Customer
	cukeLot, vinegarLot, pickLot  inventory.Lot
	cukeRecv, pickShip, wrongShip forkline.ID
}

func at(day, hour int) time.Time { return time.Date(2026, 3, day, hour, 0, 0, 0, time.UTC) }

// newPickleWorks books, in March 2026 at a plant in Chicago: cucumbers and
// vinegar received on the 2nd; both consumed into order WO-7 and pickles
// produced on the 3rd; pickles shipped on the 4th (in the evening, which is
// already the 5th in UTC), and a mistaken shipment booked and corrected.
func newPickleWorks(t *testing.T, e storetest.Engine) *pickleWorks {
	t.Helper()
	clock := storetest.NewClock(at(10, 12))
	db := storetest.Open(t, e, clock)
	ids := forkline.NewIDGenerator(clock.Now)
	ps := plant.NewService(db.Plant(), ids, clock.Now)
	ctx := storetest.SystemContext()
	w := &pickleWorks{inv: inventory.NewService(db.Inventory(), ids, clock.Now)}
	var err error
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	w.site, err = ps.Sites.Create(ctx, plant.Site{Record: plant.Record{Code: "SPW", Name: "Springfield Pickle Works"}, TimeZone: "America/Chicago"}, "")
	check(err)
	site := w.site.ID
	w.dock, err = ps.Locations.Create(ctx, plant.Location{Record: plant.Record{SiteID: site, Code: "COOL", Name: "Cooler"}, Kind: plant.Warehouse, Condition: plant.Chilled}, "new")
	check(err)
	w.cucumbers, err = ps.Items.Create(ctx, plant.Item{Record: plant.Record{SiteID: site, Code: "CUC", Name: "Cucumbers"}, Kind: plant.Raw, BaseUnit: forkline.Kilogram,
		Condition: plant.Chilled, ShelfLifeDays: 14, TraceabilityList: true,
		PackSizes: []forkline.PackSize{{Unit: forkline.Case, Contents: forkline.NewQuantity(10, forkline.Kilogram)}}}, "new")
	check(err)
	w.vinegar, err = ps.Items.Create(ctx, plant.Item{Record: plant.Record{SiteID: site, Code: "VIN", Name: "White vinegar"}, Kind: plant.Ingredient, BaseUnit: forkline.Liter,
		Condition: plant.Ambient}, "new")
	check(err)
	w.pickles, err = ps.Items.Create(ctx, plant.Item{Record: plant.Record{SiteID: site, Code: "PCK", Name: "Fresh dill pickle spears"}, Kind: plant.Finished, BaseUnit: forkline.Each,
		Condition: plant.Chilled, ShelfLifeDays: 60, TraceabilityList: true,
		PackSizes: []forkline.PackSize{{Unit: forkline.Case, Contents: forkline.NewQuantity(12, forkline.Each)}}}, "new")
	check(err)
	w.farm, err = ps.Suppliers.Create(ctx, plant.Supplier{Record: plant.Record{SiteID: site, Code: "GVF", Name: "Green Valley Farms"}, Approval: plant.Approved,
		Address: "1200 Farm Road, Salinas, CA 93901"}, "new")
	check(err)
	mill, err := ps.Suppliers.Create(ctx, plant.Supplier{Record: plant.Record{SiteID: site, Code: "ACV", Name: "Acme Vinegar"}, Approval: plant.Approved, Address: "9 Cider Lane"}, "new")
	check(err)
	w.store, err = ps.Customers.Create(ctx, plant.Customer{Record: plant.Record{SiteID: site, Code: "FM", Name: "FreshMart"},
		ShipTos: []plant.ShipTo{{Code: "DC1", Name: "DC East", Address: "55 Market St, Springfield, IL 62701"}}}, "")
	check(err)

	r, err := w.inv.Receive(ctx, inventory.ReceiveInput{SiteID: site, ItemID: w.cucumbers.ID, SupplierID: w.farm.ID, SupplierLot: "GVF-0301",
		TLCSourceRef: "GLN 0614141000012", Quantity: forkline.NewQuantity(40, forkline.Case), LocationID: w.dock.ID, DocType: "PO", DocNumber: "PO-1001", ReceivedAt: at(2, 15)})
	check(err)
	w.cukeLot, w.cukeRecv = r.Lot, r.Events[0].ID
	r, err = w.inv.Receive(ctx, inventory.ReceiveInput{SiteID: site, ItemID: w.vinegar.ID, SupplierID: mill.ID, SupplierLot: "AV-77",
		Quantity: forkline.NewQuantity(200, forkline.Liter), LocationID: w.dock.ID, DocType: "PO", DocNumber: "PO-1002", ReceivedAt: at(2, 16)})
	check(err)
	w.vinegarLot = r.Lot
	for _, c := range []inventory.ConsumeInput{
		{LotID: w.cukeLot.ID, LocationID: w.dock.ID, Quantity: forkline.NewQuantity(250, forkline.Kilogram), OrderRef: "WO-7", EventTime: at(3, 14)},
		{LotID: w.vinegarLot.ID, LocationID: w.dock.ID, Quantity: forkline.NewQuantity(50, forkline.Liter), OrderRef: "WO-7", EventTime: at(3, 14)},
		{LotID: w.cukeLot.ID, LocationID: w.dock.ID, Quantity: forkline.NewQuantity(50, forkline.Kilogram), OrderRef: "WO-7", EventTime: at(3, 15)},
	} {
		_, err = w.inv.Consume(ctx, c)
		check(err)
	}
	r, err = w.inv.Produce(ctx, inventory.ProduceInput{SiteID: site, ItemID: w.pickles.ID, LocationID: w.dock.ID,
		Quantity: forkline.NewQuantity(100, forkline.Case), OrderRef: "WO-7", ProducedAt: at(3, 20)})
	check(err)
	w.pickLot = r.Lot
	ship := inventory.ShipInput{LotID: w.pickLot.ID, LocationID: w.dock.ID, Quantity: forkline.NewQuantity(5, forkline.Case),
		CustomerID: w.store.ID, ShipToID: w.store.ShipTos[0].ID, DocType: "BOL", DocNumber: "BOL-87", ShippedAt: at(4, 18)}
	r, err = w.inv.Ship(ctx, ship)
	check(err)
	w.wrongShip = r.Events[0].ID
	_, err = w.inv.Correct(ctx, inventory.CorrectInput{EventID: w.wrongShip, Reason: "booked on the wrong lot"})
	check(err)
	ship.Quantity, ship.DocNumber, ship.ShippedAt = forkline.NewQuantity(60, forkline.Case), "BOL-88", at(5, 3)
	r, err = w.inv.Ship(ctx, ship)
	check(err)
	w.pickShip = r.Events[0].ID
	return w
}

func (w *pickleWorks) want() inventory.FSMA204Records {
	here := inventory.LocationDescription{BusinessName: "Springfield Pickle Works"}
	farm := inventory.LocationDescription{BusinessName: "Green Valley Farms", Street: "1200 Farm Road, Salinas, CA 93901"}
	cukes := inventory.ProductDescription{ProductName: "Cucumbers", PackagingSize: "10 kg", PackagingStyle: "case"}
	pickles := inventory.ProductDescription{ProductName: "Fresh dill pickle spears", PackagingSize: "12 ea", PackagingStyle: "case"}
	return inventory.FSMA204Records{
		Receiving: []inventory.ReceivingRecord{{EventID: w.cukeRecv, LotID: w.cukeLot.ID, TLC: "GVF-0301", Quantity: forkline.NewQuantity(40, forkline.Case),
			Product: cukes, PreviousSource: farm, ReceivingLocation: here, DateReceived: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC),
			TLCSource: farm, TLCSourceRef: "GLN 0614141000012", Documents: []inventory.ReferenceDocument{{Type: "PO", Number: "PO-1001"}}}},
		Transformation: []inventory.TransformationRecord{{InputLotID: w.cukeLot.ID, OutputLotID: w.pickLot.ID, InputTLC: "GVF-0301", InputProduct: cukes,
			// Two consumptions of the lot, entered in kg, add up; the kg
			// pick no pack size, so the item's first describes the packaging.
			InputQuantity: forkline.NewQuantity(300, forkline.Kilogram), OutputTLC: w.pickLot.Code, Location: here,
			DateCompleted: time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC), OutputProduct: pickles, OutputQuantity: forkline.NewQuantity(100, forkline.Case),
			Documents: []inventory.ReferenceDocument{{Type: "production order", Number: "WO-7"}}}},
		Shipping: []inventory.ShippingRecord{{EventID: w.pickShip, LotID: w.pickLot.ID, TLC: w.pickLot.Code, Quantity: forkline.NewQuantity(60, forkline.Case),
			Product: pickles, Recipient: inventory.LocationDescription{BusinessName: "FreshMart (DC East)", Street: "55 Market St, Springfield, IL 62701"},
			ShipFrom: here, DateShipped: time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC), TLCSource: here,
			Documents: []inventory.ReferenceDocument{{Type: "BOL", Number: "BOL-88"}}}},
	}
}

var recordsOpts = cmp.Options{quantityEq, cmpopts.IgnoreFields(inventory.FSMA204Records{}, "Site", "Filter"),
	cmpopts.IgnoreFields(inventory.TransformationRecord{}, "OutputEventID"), cmpopts.EquateEmpty()}

// onEngines runs fn on SQLite and, when configured, PostgreSQL.
func onEngines(t *testing.T, fn func(t *testing.T, e storetest.Engine)) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) { fn(t, e) })
	}
}

func TestTraceabilityRecordsOfAPicklePlant(t *testing.T) {
	onEngines(t, func(t *testing.T, e storetest.Engine) {
		w := newPickleWorks(t, e)
		got, err := w.inv.TraceabilityRecords(storetest.SystemContext(), inventory.TraceabilityFilter{SiteID: w.site.ID})
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(w.want(), got, recordsOpts); d != "" {
			t.Errorf("TraceabilityRecords (-want +got):\n%s", d)
		}
		if got.Site.Name != w.site.Name {
			t.Errorf("TraceabilityRecords().Site.Name = %q, want %q", got.Site.Name, w.site.Name)
		}
	})
}

func TestTraceabilityRecordsSelectLotsAndWindows(t *testing.T) {
	onEngines(t, testSelectLotsAndWindows)
}

func testSelectLotsAndWindows(t *testing.T, e storetest.Engine) {
	w := newPickleWorks(t, e)
	all := w.want()
	none := inventory.FSMA204Records{}
	chicago, _ := time.LoadLocation("America/Chicago")
	for _, tc := range []struct {
		name     string
		lots     []forkline.ID
		from, to time.Time
		want     inventory.FSMA204Records
	}{
		{name: "a received lot gives its receipt and what it was made into", lots: []forkline.ID{w.cukeLot.ID},
			want: inventory.FSMA204Records{Receiving: all.Receiving, Transformation: all.Transformation}},
		{name: "a produced lot gives how it was made and where it went", lots: []forkline.ID{w.pickLot.ID},
			want: inventory.FSMA204Records{Transformation: all.Transformation, Shipping: all.Shipping}},
		{name: "a lot not on the list gives nothing", lots: []forkline.ID{w.vinegarLot.ID}, want: none},
		{name: "a window gives the events in it", from: at(3, 0), to: at(4, 0),
			want: inventory.FSMA204Records{Transformation: all.Transformation}},
		{name: "a transformation is dated when it was completed", from: at(3, 15), to: at(3, 21),
			want: inventory.FSMA204Records{Transformation: all.Transformation}},
		{name: "a transformation completed after the window is left out", from: at(3, 0), to: at(3, 19), want: none},
		{name: "a window of local days reaches into the next UTC day",
			from: time.Date(2026, 3, 4, 0, 0, 0, 0, chicago), to: time.Date(2026, 3, 5, 0, 0, 0, 0, chicago),
			want: inventory.FSMA204Records{Shipping: all.Shipping}},
		{name: "lots and a window together", lots: []forkline.ID{w.cukeLot.ID, w.pickLot.ID}, from: at(4, 0),
			want: inventory.FSMA204Records{Shipping: all.Shipping}},
		{name: "only a lower bound", from: at(3, 0), want: inventory.FSMA204Records{Transformation: all.Transformation, Shipping: all.Shipping}},
		{name: "only an upper bound", to: at(3, 0), want: inventory.FSMA204Records{Receiving: all.Receiving}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := w.inv.TraceabilityRecords(storetest.SystemContext(), inventory.TraceabilityFilter{SiteID: w.site.ID, LotIDs: tc.lots, From: tc.from, To: tc.to})
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got, recordsOpts); d != "" {
				t.Errorf("TraceabilityRecords (-want +got):\n%s", d)
			}
		})
	}
}

func TestTraceabilityRecordsRefusals(t *testing.T) {
	w := newPickleWorks(t, storetest.Engines()[0])
	stranger := forkline.WithActor(context.Background(), forkline.Actor{Kind: forkline.ActorUser, ID: "0190a1b2-c3d4-7e5f-8a6b-000000000009", Name: "sam",
		Grants: []forkline.Grant{{SiteID: "0190a1b2-c3d4-7e5f-8a6b-0000000000ff", Role: forkline.RoleManager}}})
	for _, tc := range []struct {
		name string
		ctx  context.Context
		f    inventory.TraceabilityFilter
		code forkline.Code
	}{
		{name: "no one signed in", ctx: context.Background(), f: inventory.TraceabilityFilter{SiteID: w.site.ID}, code: forkline.Unauthorized},
		{name: "a user without a role on the site", ctx: stranger, f: inventory.TraceabilityFilter{SiteID: w.site.ID}, code: forkline.Forbidden},
		{name: "a window that ends before it starts", f: inventory.TraceabilityFilter{SiteID: w.site.ID, From: at(5, 0), To: at(4, 0)}, code: forkline.Invalid},
		{name: "an unknown lot", f: inventory.TraceabilityFilter{SiteID: w.site.ID, LotIDs: []forkline.ID{"0190a1b2-c3d4-7e5f-8a6b-00000000abcd"}}, code: forkline.Invalid},
		{name: "a malformed lot ID", f: inventory.TraceabilityFilter{SiteID: w.site.ID, LotIDs: []forkline.ID{"GVF-0301"}}, code: forkline.Invalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := tc.ctx
			if ctx == nil {
				ctx = storetest.SystemContext()
			}
			_, err := w.inv.TraceabilityRecords(ctx, tc.f)
			if got := forkline.ErrorCode(err); got != tc.code {
				t.Errorf("TraceabilityRecords() error = %v (%s), want %s", err, got, tc.code)
			}
		})
	}
}

// TestBuildFSMA204Records states the rules of the records on events made up
// for each case, without a database.
func TestBuildFSMA204Records(t *testing.T) {
	chicago, _ := time.LoadLocation("America/Chicago")
	site := inventory.Site{ID: "s", Name: "Plant", Location: chicago}
	listed := inventory.Item{ID: "cuc", Name: "Cucumbers", TraceabilityList: true}
	unlisted := inventory.Item{ID: "oil", Name: "Oil"}
	salad := inventory.Item{ID: "sal", Name: "Salad", TraceabilityList: true}
	lot := func(id, tlc string) inventory.Lot { return inventory.Lot{ID: id, TLC: tlc, TLCSource: "Plant"} }
	ev := func(id string, kind inventory.EventKind, l inventory.Lot, it inventory.Item, qty string, when time.Time) inventory.CTEEvent {
		q, err := forkline.ParseQuantity(qty)
		if err != nil {
			t.Fatal(err)
		}
		return inventory.CTEEvent{Event: inventory.Event{ID: id, SiteID: "s", Kind: kind, LotID: l.ID, ItemID: it.ID, Quantity: q, Entered: qty,
			OrderRef: "WO-1", EventTime: when}, Lot: l, Item: it}
	}
	in1, in2, oil, out1, out2 := lot("in1", "A"), lot("in2", "B"), lot("oil", "O"), lot("out1", "X"), lot("out2", "Y")
	t0 := time.Date(2026, 3, 3, 12, 0, 0, 0, time.UTC)
	type row struct{ In, Out, InQty string }
	for _, tc := range []struct {
		name string
		f    inventory.TraceabilityFilter
		evs  []inventory.CTEEvent
		want []row
	}{
		{name: "every listed input pairs with every output",
			evs: []inventory.CTEEvent{ev("1", inventory.Consume, in1, listed, "10 kg", t0), ev("2", inventory.Consume, in2, listed, "5 kg", t0),
				ev("3", inventory.Produce, out1, salad, "20 ea", t0), ev("4", inventory.Produce, out2, salad, "4 ea", t0.Add(time.Hour))},
			want: []row{{"A", "X", "10 kg"}, {"B", "X", "5 kg"}, {"A", "Y", "10 kg"}, {"B", "Y", "5 kg"}}},
		{name: "inputs not on the list are left out",
			evs:  []inventory.CTEEvent{ev("1", inventory.Consume, oil, unlisted, "1 L", t0), ev("2", inventory.Consume, in1, listed, "10 kg", t0), ev("3", inventory.Produce, out1, unlisted, "20 ea", t0)},
			want: []row{{"A", "X", "10 kg"}}},
		{name: "a listed output of unlisted inputs has a row without input",
			evs:  []inventory.CTEEvent{ev("1", inventory.Consume, oil, unlisted, "1 L", t0), ev("2", inventory.Produce, out1, salad, "20 ea", t0)},
			want: []row{{"", "X", ""}}},
		{name: "an unlisted output of unlisted inputs is no transformation of a listed food",
			evs: []inventory.CTEEvent{ev("1", inventory.Consume, oil, unlisted, "1 L", t0), ev("2", inventory.Produce, out1, unlisted, "20 ea", t0)}},
		{name: "uses of one lot add up, in the unit they were entered in",
			evs: []inventory.CTEEvent{ev("1", inventory.Consume, in1, listed, "10 kg", t0), ev("2", inventory.Consume, in1, listed, "2.5 kg", t0),
				ev("3", inventory.Produce, out1, salad, "20 ea", t0)},
			want: []row{{"A", "X", "12.5 kg"}}},
		{name: "a lot filter keeps the pairs with a named input or output",
			f: inventory.TraceabilityFilter{LotIDs: []forkline.ID{"in2", "out2"}},
			evs: []inventory.CTEEvent{ev("1", inventory.Consume, in1, listed, "10 kg", t0), ev("2", inventory.Consume, in2, listed, "5 kg", t0),
				ev("3", inventory.Produce, out1, salad, "20 ea", t0), ev("4", inventory.Produce, out2, salad, "4 ea", t0.Add(time.Hour))},
			want: []row{{"B", "X", "5 kg"}, {"A", "Y", "10 kg"}, {"B", "Y", "5 kg"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recs := inventory.BuildFSMA204Records(site, tc.f, tc.evs)
			var got []row
			for _, r := range recs.Transformation {
				q := ""
				if r.InputTLC != "" {
					q = r.InputQuantity.String()
				}
				got = append(got, row{r.InputTLC, r.OutputTLC, q})
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("BuildFSMA204Records().Transformation (-want +got):\n%s", d)
			}
		})
	}
}
