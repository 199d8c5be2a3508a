package web_test

import (
	"testing"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/auth"
	"github.com/forkline/forkline/internal/plant"
)

// bakery is the master data of a small bakery, entered by its plant manager.
type bakery struct {
	admin    auth.User              // plant manager and administrator, also approves suppliers
	operator auth.User              // reads master data only
	ids      map[string]forkline.ID // one record ID per page path ("items", "sites", ...)
	brioche  plant.Item
}

func (e *env) seedBakery(t *testing.T) bakery {
	t.Helper()
	b := bakery{ids: map[string]forkline.ID{"sites": e.site.ID}}
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
	b.ids["lines"] = l1.ID
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
		if i == 0 {
			b.ids["suppliers"] = sup.ID
		}
	}
	cust := must[plant.Customer](t)(e.plant.Customers.Create(ctx, plant.Customer{Record: rec("FRESHMART", "FreshMart Stores"), MinShelfLifeDays: 5,
		ContactEmail: "orders@freshmart.example", ShipTos: []plant.ShipTo{{Code: "DC-N", Name: "FreshMart DC North", Address: "7 Depot Lane, Joliet IL"}}}, ""))
	b.ids["customers"] = cust.ID
	must[plant.Customer](t)(e.plant.Customers.Create(ctx, plant.Customer{Record: rec("CORNERCAFE", "Corner Café Group"), MinShelfLifeDays: 2}, ""))

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
		{"FLOUR-T55", "Wheat flour T55", plant.Ingredient, forkline.Kilogram, plant.Ambient, 365, []plant.Allergen{plant.Wheat}, false, ""},
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
		must[plant.Item](t)(e.plant.Items.Create(ctx, plant.Item{Record: rec(x.code, x.name), Kind: x.kind, BaseUnit: x.unit, Condition: x.cond,
			ShelfLifeDays: x.days, Allergens: x.allergens, TraceabilityList: x.ftl, GTIN: x.gtin, InspectOnReceipt: x.kind == plant.Raw}, "initial load"))
	}
	b.brioche = must[plant.Item](t)(e.plant.Items.Create(ctx, plant.Item{Record: rec("BRIOCHE-6", "Brioche buns, 6-pack"), Kind: plant.Finished,
		BaseUnit: forkline.Each, Condition: plant.Ambient, ShelfLifeDays: 5, Allergens: []plant.Allergen{plant.Wheat, plant.Milk, plant.Egg},
		GTIN: "0071234500017"}, "new product launch"))
	b.brioche = must[plant.Item](t)(e.plant.Items.Update(ctx, withShelfLife(b.brioche, 6), "shelf-life study SL-2026-04 extended the shelf life"))
	b.ids["items"] = b.brioche.ID
	e.clock.Set(time.Date(2026, 3, 2, 14, 5, 0, 0, time.UTC))
	return b
}

func withShelfLife(it plant.Item, days int) plant.Item {
	it.ShelfLifeDays = days
	return it
}
