package web_test

import (
	"testing"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/auth"
	"github.com/forkline/forkline/internal/inventory"
	"github.com/forkline/forkline/internal/plant"
)

// bakery is the master data of a small bakery, entered by its plant manager.
type bakery struct {
	admin    auth.User              // plant manager and administrator, also approves suppliers
	operator auth.User              // reads master data only
	ids      map[string]forkline.ID // one record ID per page path ("items", "sites", "lots", "recalls", ...)
	brioche  plant.Item
	items    map[string]plant.Item // by code
	locs     map[string]plant.Location
	sups     map[string]plant.Supplier
	custs    map[string]plant.Customer
	line     plant.Line
	ledger   ledger
}

func (e *env) seedBakery(t *testing.T) bakery {
	t.Helper()
	b := bakery{ids: map[string]forkline.ID{"sites": e.site.ID}, items: map[string]plant.Item{}, locs: map[string]plant.Location{},
		sups: map[string]plant.Supplier{}, custs: map[string]plant.Customer{}}
	b.admin = e.user(t, "dana", "Dana Reyes", forkline.RoleAdmin, forkline.RoleQuality)
	b.operator = e.user(t, "olivia", "Olivia Park", forkline.RoleOperator)
	ctx := as(b.admin)
	site := e.site.ID
	rec := func(code, name string) plant.Record { return plant.Record{SiteID: site, Code: code, Name: name} }

	var areas []plant.Area
	for _, a := range [][2]string{{"RECV", "Raw-material receiving"}, {"MIX", "Mixing room"}, {"BAKE", "Bakery hall"}, {"PACK", "Packing hall"}} {
		areas = append(areas, must[plant.Area](t)(e.plant.Areas.Create(ctx, plant.Area{Record: rec(a[0], a[1])}, "")))
	}
	b.ids["areas"] = areas[0].ID
	l1 := must[plant.Line](t)(e.plant.Lines.Create(ctx, plant.Line{Record: rec("L1", "Bun line 1"), AreaID: areas[2].ID}, "new line"))
	must[plant.Line](t)(e.plant.Lines.Create(ctx, plant.Line{Record: rec("L2", "Bread line 2"), AreaID: areas[2].ID}, "new line"))
	b.ids["lines"], b.line = l1.ID, l1
	eq := must[plant.Equipment](t)(e.plant.Equipment.Create(ctx, plant.Equipment{Record: rec("MIX-1", "Spiral mixer 1"), LineID: l1.ID,
		Manufacturer: "Kemper", Model: "SP 125", SerialNumber: "K-2291"}, ""))
	must[plant.Equipment](t)(e.plant.Equipment.Create(ctx, plant.Equipment{Record: rec("OVEN-1", "Tunnel oven 1"), LineID: l1.ID, Manufacturer: "Mecatherm"}, ""))
	b.ids["equipment"] = eq.ID

	for i, l := range []struct {
		code, name string
		kind       plant.LocationKind
		cond       plant.StorageCondition
	}{
		{"DRY-1", "Dry store", plant.Warehouse, plant.Ambient},
		{"COOLER-1", "Cooler 1", plant.Warehouse, plant.Chilled},
		{"FREEZER-1", "Freezer 1", plant.Warehouse, plant.Frozen},
		{"DOCK-A", "Receiving dock A", plant.Dock, plant.Ambient},
		{"Q-CAGE", "Quarantine cage", plant.Quarantine, plant.Ambient},
	} {
		loc := must[plant.Location](t)(e.plant.Locations.Create(ctx, plant.Location{Record: rec(l.code, l.name), Kind: l.kind, Condition: l.cond}, ""))
		b.locs[l.code] = loc
		if i == 0 {
			b.ids["locations"] = loc.ID
		}
	}

	for i, s := range []struct {
		code, name, email string
		approval          plant.ApprovalStatus
	}{
		{"MILLCO", "Mill & Co. Flour", "qa@millco.example", plant.Approved},
		{"GVDAIRY", "Green Valley Dairy", "quality@gvdairy.example", plant.Approved},
		{"SWEETCO", "Sweetco Sugar Refinery", "food.safety@sweetco.example", plant.Conditional},
		{"PACKRITE", "PackRite Packaging", "", plant.Pending},
		{"NUTTY", "Nutty Imports Ltd", "info@nutty.example", plant.Suspended},
	} {
		sup := must[plant.Supplier](t)(e.plant.Suppliers.Create(ctx, plant.Supplier{Record: rec(s.code, s.name), Approval: s.approval, ContactEmail: s.email}, "supplier approval programme"))
		b.sups[s.code] = sup
		if i == 0 {
			b.ids["suppliers"] = sup.ID
		}
	}
	cust := must[plant.Customer](t)(e.plant.Customers.Create(ctx, plant.Customer{Record: rec("FRESHMART", "FreshMart Stores"), MinShelfLifeDays: 5,
		ContactEmail: "orders@freshmart.example", ShipTos: []plant.ShipTo{{Code: "DC-N", Name: "FreshMart DC North", Address: "7 Depot Lane, Joliet IL"}}}, ""))
	b.ids["customers"], b.custs["FRESHMART"] = cust.ID, cust
	b.custs["CORNERCAFE"] = must[plant.Customer](t)(e.plant.Customers.Create(ctx, plant.Customer{Record: rec("CORNERCAFE", "Corner Café Group"), MinShelfLifeDays: 2,
		ShipTos: []plant.ShipTo{{Code: "LOOP", Name: "Corner Café Loop", Address: "200 W Madison St, Chicago IL"}}}, ""))

	type it struct {
		code, name string
		kind       plant.ItemKind
		unit       forkline.Unit
		cond       plant.StorageCondition
		days       int
		allergens  []plant.Allergen
		ftl        bool
		gtin       string
	}
	for _, x := range []it{
		{"FLOUR-T55", "Wheat flour T55", plant.Ingredient, forkline.Kilogram, plant.Ambient, 365, []plant.Allergen{plant.Wheat}, false, flourGTIN},
		{"SUGAR-GR", "Granulated sugar", plant.Ingredient, forkline.Kilogram, plant.Ambient, 730, nil, false, ""},
		{"BUTTER-82", "Butter 82% fat", plant.Ingredient, forkline.Kilogram, plant.Chilled, 60, []plant.Allergen{plant.Milk}, false, ""},
		{"EGG-LIQ", "Liquid whole egg", plant.Raw, forkline.Liter, plant.Chilled, 21, []plant.Allergen{plant.Egg}, false, ""},
		{"MILK-WH", "Whole milk", plant.Raw, forkline.Liter, plant.Chilled, 7, []plant.Allergen{plant.Milk}, false, ""},
		{"YEAST-FR", "Fresh yeast", plant.Ingredient, forkline.Kilogram, plant.Chilled, 28, nil, false, ""},
		{"SESAME-W", "White sesame seeds", plant.Ingredient, forkline.Kilogram, plant.Ambient, 365, []plant.Allergen{plant.Sesame}, false, ""},
		{"CHOC-DK", "Dark chocolate chips", plant.Ingredient, forkline.Kilogram, plant.Ambient, 540, []plant.Allergen{plant.Milk, plant.Soybeans}, false, ""},
		{"DOUGH-BR", "Brioche dough", plant.WIP, forkline.Kilogram, plant.Chilled, 1, []plant.Allergen{plant.Wheat, plant.Milk, plant.Egg}, false, ""},
		{"BOX-12", "Shipping carton, 12 packs", plant.Packaging, forkline.Each, plant.Ambient, 0, nil, false, "0071234500024"},
		{"BUN-SES-4", "Sesame burger buns, 4-pack", plant.Finished, forkline.Each, plant.Ambient, 6, []plant.Allergen{plant.Wheat, plant.Milk, plant.Sesame}, false, "0071234500031"},
		{"CUKE-SLC", "Sliced cucumber", plant.Raw, forkline.Kilogram, plant.Chilled, 5, nil, true, ""},
	} {
		b.items[x.code] = must[plant.Item](t)(e.plant.Items.Create(ctx, plant.Item{Record: rec(x.code, x.name), Kind: x.kind, BaseUnit: x.unit, Condition: x.cond,
			ShelfLifeDays: x.days, Allergens: x.allergens, TraceabilityList: x.ftl, GTIN: x.gtin, InspectOnReceipt: x.kind == plant.Raw}, "initial load"))
	}
	b.brioche = must[plant.Item](t)(e.plant.Items.Create(ctx, plant.Item{Record: rec("BRIOCHE-6", "Brioche buns, 6-pack"), Kind: plant.Finished,
		BaseUnit: forkline.Each, Condition: plant.Ambient, ShelfLifeDays: 5, Allergens: []plant.Allergen{plant.Wheat, plant.Milk, plant.Egg},
		GTIN: "0071234500017"}, "new product launch"))
	b.brioche = must[plant.Item](t)(e.plant.Items.Update(ctx, withShelfLife(b.brioche, 6), "shelf-life study SL-2026-04 extended the shelf life"))
	b.ids["items"], b.items["BRIOCHE-6"] = b.brioche.ID, b.brioche
	b.ledger = e.seedLedger(t, b)
	b.ids["lots"], b.ids["recalls"] = b.ledger.flour.ID, b.ledger.drill.ID
	e.clock.Set(time.Date(2026, 3, 2, 14, 5, 0, 0, time.UTC))
	return b
}

// flourGTIN is the GTIN on the flour supplier's sacks: GS1's example GTIN.
const flourGTIN = "09506000134352"

// ledger is four days at the bakery: flour, butter, egg, sesame and sugar
// received (the egg released after inspection, the sesame short-dated, the
// sugar held on a supplier's notice), a brioche dough mixed from them, two
// lots of brioche baked from the dough and shipped to two customers, milk
// received this morning and waiting for inspection, and a drill of the flour.
type ledger struct {
	flour, butter, egg inventory.Lot
	sesame, sugar      inventory.Lot
	milk               inventory.Lot   // in quarantine
	dough              inventory.Lot   // all of it baked
	buns               []inventory.Lot // two lots of brioche from one bake
	drill              inventory.Recall
}

func (e *env) seedLedger(t *testing.T, b bakery) ledger {
	t.Helper()
	ctx := as(b.admin)
	site := e.site.ID
	at := func(day, hour, minute int) { e.clock.Set(time.Date(2026, 2, day, hour, minute, 0, 0, time.UTC)) } // Chicago is UTC-6
	lot := func(r inventory.Result, err error) inventory.Lot {
		t.Helper()
		return must[inventory.Result](t)(r, err).Lot
	}
	book := func(r inventory.Result, err error) {
		t.Helper()
		must[inventory.Result](t)(r, err)
	}
	receive := func(item, sup, supLot, loc string, q forkline.Quantity, doc string, expiry time.Time) inventory.Lot {
		t.Helper()
		return lot(e.inv.Receive(ctx, inventory.ReceiveInput{SiteID: site, ItemID: b.items[item].ID, SupplierID: b.sups[sup].ID, SupplierLot: supLot,
			Quantity: q, LocationID: b.locs[loc].ID, DocType: "PO", DocNumber: doc, Temperature: "4.5", Expiry: expiry}))
	}
	consume := func(lt inventory.Lot, loc string, q forkline.Quantity, order string) {
		t.Helper()
		book(e.inv.Consume(ctx, inventory.ConsumeInput{LotID: lt.ID, LocationID: b.locs[loc].ID, Quantity: q, OrderRef: order, LineID: b.line.ID}))
	}
	produce := func(item, loc string, q forkline.Quantity, order string) inventory.Lot {
		t.Helper()
		return lot(e.inv.Produce(ctx, inventory.ProduceInput{SiteID: site, ItemID: b.items[item].ID, LocationID: b.locs[loc].ID, Quantity: q,
			OrderRef: order, LineID: b.line.ID}))
	}
	ship := func(lt inventory.Lot, cust string, q forkline.Quantity, doc string) {
		t.Helper()
		c := b.custs[cust]
		book(e.inv.Ship(ctx, inventory.ShipInput{LotID: lt.ID, LocationID: b.locs["DRY-1"].ID, Quantity: q, CustomerID: c.ID, ShipToID: c.ShipTos[0].ID,
			DocType: "BOL", DocNumber: doc}))
	}
	kg := func(n int64) forkline.Quantity { return forkline.NewQuantity(n, forkline.Kilogram) }
	var l ledger

	at(27, 13, 30) // Friday morning: deliveries
	l.flour = receive("FLOUR-T55", "MILLCO", "MC-24-0117", "DRY-1", kg(500), "4500012345", time.Time{})
	l.butter = receive("BUTTER-82", "GVDAIRY", "GV-8812", "COOLER-1", kg(40), "4500012346", time.Time{})
	l.egg = receive("EGG-LIQ", "GVDAIRY", "GV-E-0301", "COOLER-1", forkline.NewQuantity(60, forkline.Liter), "4500012347", time.Time{})
	l.sesame = receive("SESAME-W", "SWEETCO", "SW-S-2207", "DRY-1", kg(10), "4500012348", time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC))
	at(27, 16, 0)
	book(e.inv.ChangeStatus(ctx, inventory.StatusInput{LotID: l.egg.ID, To: inventory.Released, Reason: "micro results in spec, COA 2291"}))

	at(28, 12, 0) // Saturday: the dough, and sugar that the supplier then recalls
	consume(l.flour, "DRY-1", kg(50), "WO-1001")
	consume(l.butter, "COOLER-1", kg(10), "WO-1001")
	consume(l.egg, "COOLER-1", forkline.NewQuantity(12, forkline.Liter), "WO-1001")
	l.dough = produce("DOUGH-BR", "COOLER-1", kg(70), "WO-1001")
	l.sugar = receive("SUGAR-GR", "SWEETCO", "SW-5590", "DRY-1", kg(200), "4500012349", time.Time{})
	at(28, 20, 0)
	book(e.inv.ChangeStatus(ctx, inventory.StatusInput{LotID: l.sugar.ID, To: inventory.Hold, Reason: "Sweetco notice SW-NC-118: possible foreign matter"}))

	e.clock.Set(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)) // Sunday: the bake and the shipments
	consume(l.dough, "COOLER-1", kg(70), "WO-1002")
	l.buns = append(l.buns, produce("BRIOCHE-6", "DRY-1", forkline.NewQuantity(300, forkline.Each), "WO-1002"),
		produce("BRIOCHE-6", "DRY-1", forkline.NewQuantity(280, forkline.Each), "WO-1002"))
	e.clock.Set(time.Date(2026, 3, 1, 15, 0, 0, 0, time.UTC))
	ship(l.buns[0], "FRESHMART", forkline.NewQuantity(240, forkline.Each), "7781")
	ship(l.buns[1], "CORNERCAFE", forkline.NewQuantity(60, forkline.Each), "7782")

	e.clock.Set(time.Date(2026, 3, 2, 13, 0, 0, 0, time.UTC)) // Monday morning: milk, and the yearly drill
	l.milk = receive("MILK-WH", "GVDAIRY", "GV-M-0302", "COOLER-1", forkline.NewQuantity(120, forkline.Liter), "4500012350", time.Time{})
	l.drill = must[inventory.Recall](t)(e.inv.StartRecall(ctx, inventory.RecallInput{SiteID: site, Kind: inventory.MockRecall,
		LotIDs: []forkline.ID{l.flour.ID}, Note: "yearly traceability test"}))
	return l
}

func withShelfLife(it plant.Item, days int) plant.Item {
	it.ShelfLifeDays = days
	return it
}
