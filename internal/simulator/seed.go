// Package simulator is the demo food plant: master data, users, weeks of
// ledger history, approved recipes and production orders in every state
// (and, in later work, a live simulation of lines, operators and quality
// checks), all driven through the same services that a real plant uses.
package simulator

import (
	"context"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/auth"
	"github.com/forkline/forkline/internal/inventory"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/production"
	"github.com/forkline/forkline/internal/recipe"
)

// The demo sign-in.
const (
	DemoUser     = "admin"
	DemoPassword = "forkline-demo"
	OtherUsers   = "qa.lead (quality), sup.maria (supervisor), op.sam (operator; badge " + OperatorBadge + ", PIN " + OperatorPIN + " at the terminal), tech.lee (maintenance), plan.ana (planner), auditor (auditor)"
)

// The demo operator's badge sign-in on the shared tablets of the operator terminal.
const (
	OperatorBadge = "1001" // op.sam
	OperatorPIN   = "2468"
)

// Services is what the seeder drives. Inventory, Recipes and Production
// are optional: without Inventory the demo has master data and users only,
// without Recipes and Production it has no recipes and orders.
//
// Recipes and Production must re-authenticate signers the way cmd wires
// them, with Auth (auth.Service.Reauthenticate): the signatures of the demo
// are made by qa.lead re-entering DemoPassword, see Seed.
type Services struct {
	Plant      *plant.Service
	Auth       *auth.Service
	Inventory  *inventory.Service
	Recipes    *recipe.Service
	Production *production.Service
}

func rec(site forkline.ID, code, name string) plant.Record {
	return plant.Record{SiteID: site, Code: code, Name: name}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func q(s string) forkline.Quantity {
	v, err := forkline.ParseQuantity(s)
	if err != nil {
		panic(err)
	}
	return v
}

// Seed creates the demo plant: Springfield Bakery (bread, buns and cookies,
// with peanut and sesame allergens to manage) and Riverside Dairy, with
// their areas, lines, equipment, locations, items, suppliers, customers and
// users, then (when Inventory is set) weeks of receiving, production and
// shipping history, ending the day before now, and (when Recipes and
// Production are set too) today's deliveries, approved recipes and
// production orders in every state (see floor.go).
//
// ctx must carry the system actor: master data, users and the ledger
// history are booked by the system. The recipes and orders are played by
// the demo's people, each acting with their own actor and role, as after
// signing in: plan.ana plans, releases, cancels and closes orders, op.sam
// runs them at the line, sup.maria puts one on hold, and qa.lead writes and
// approves the recipes, closes a deviation and releases batches. The system
// actor cannot sign (a signature belongs to a person), so every signature
// is made as a person makes it at a screen: the call runs as qa.lead and
// re-enters DemoPassword, which the services' Signer (auth's
// Reauthenticate) checks; the signatures then verify like any other.
func Seed(ctx context.Context, s Services, now time.Time) (err error) {
	defer func() {
		if v := recover(); v != nil {
			e, ok := v.(error)
			if !ok {
				panic(v)
			}
			err = e
		}
	}()
	p := s.Plant
	const why = "demo plant set-up"
	spr := must(p.Sites.Create(ctx, plant.Site{Record: rec("", "SPR", "Springfield Bakery"), TimeZone: "America/Chicago"}, why))
	rvr := must(p.Sites.Create(ctx, plant.Site{Record: rec("", "RVR", "Riverside Dairy"), TimeZone: "America/New_York"}, why))

	areas := map[string]plant.Area{}
	for _, a := range [][2]string{{"RCV", "Receiving"}, {"MIX", "Mixing"}, {"BAKE", "Baking"}, {"PACK", "Packing"}, {"WH", "Warehouse"}} {
		areas[a[0]] = must(p.Areas.Create(ctx, plant.Area{Record: rec(spr.ID, a[0], a[1])}, why))
	}
	l1 := must(p.Lines.Create(ctx, plant.Line{Record: rec(spr.ID, "L1", "Line 1 - Bread and buns"), AreaID: areas["BAKE"].ID}, why))
	l2 := must(p.Lines.Create(ctx, plant.Line{Record: rec(spr.ID, "L2", "Line 2 - Cookies"), AreaID: areas["BAKE"].ID}, why))
	l3 := must(p.Lines.Create(ctx, plant.Line{Record: rec(spr.ID, "PK1", "Packing line 1"), AreaID: areas["PACK"].ID}, why))
	for _, e := range []struct {
		line              plant.Line
		code, name, maker string
		model, serial     string
	}{
		{l1, "MIX-01", "Spiral mixer 1", "Sancassiano", "SP160", "SC-20931"},
		{l1, "DIV-01", "Dough divider", "Koenig", "Rex Compact", "KG-7781"},
		{l1, "OVN-01", "Tunnel oven 1", "Mecatherm", "MT-24", "MC-1102"},
		{l1, "CLR-01", "Spiral cooler", "Stewart Systems", "SC-8", "SS-4410"},
		{l2, "DEP-02", "Cookie depositor", "Reiser", "Vemag HP15", "RV-3392"},
		{l2, "OVN-02", "Band oven 2", "Baker Perkins", "BP-900", "BP-5521"},
		{l3, "MD-01", "Metal detector", "Mettler-Toledo", "Profile Advantage", "MT-88120"},
		{l3, "CW-01", "Checkweigher", "Ishida", "DACS-G", "IS-22019"},
		{l3, "BAG-01", "Bagger", "Formost Fuji", "Alpha 8", "FF-30177"},
	} {
		must(p.Equipment.Create(ctx, plant.Equipment{Record: rec(spr.ID, e.code, e.name), LineID: e.line.ID, Manufacturer: e.maker, Model: e.model, SerialNumber: e.serial}, why))
	}
	for _, l := range []struct {
		code, name string
		kind       plant.LocationKind
		cond       plant.StorageCondition
	}{
		{"DOCK-1", "Receiving dock 1", plant.Dock, plant.Ambient},
		{"DRY-A", "Dry store aisle A", plant.Warehouse, plant.Ambient},
		{"COOL-1", "Cooler 1 (2-4 °C)", plant.Warehouse, plant.Chilled},
		{"FRZ-1", "Freezer 1 (-20 °C)", plant.Warehouse, plant.Frozen},
		{"QC-CAGE", "Quarantine cage", plant.Quarantine, plant.Ambient},
		{"L1-SIDE", "Line 1 line-side rack", plant.LineSide, plant.Ambient},
		{"FG-1", "Finished goods store", plant.Warehouse, plant.Ambient},
		{"DOCK-OUT", "Shipping dock", plant.Dock, plant.Ambient},
	} {
		must(p.Locations.Create(ctx, plant.Location{Record: rec(spr.ID, l.code, l.name), Kind: l.kind, Condition: l.cond}, why))
	}
	A := func(as ...plant.Allergen) []plant.Allergen { return as }
	for _, it := range []plant.Item{
		{Record: rec(spr.ID, "RM-FLOUR", "Wheat flour, bakers' T55"), Kind: plant.Raw, BaseUnit: forkline.Kilogram, PackSizes: []forkline.PackSize{{Unit: forkline.Case, Contents: q("25 kg")}, {Unit: forkline.Pallet, Contents: q("40 case")}}, ShelfLifeDays: 270, Condition: plant.Ambient, Allergens: A(plant.Wheat, plant.Gluten), GTIN: "00614141000012"},
		{Record: rec(spr.ID, "RM-SUGAR", "Granulated sugar"), Kind: plant.Raw, BaseUnit: forkline.Kilogram, PackSizes: []forkline.PackSize{{Unit: forkline.Case, Contents: q("25 kg")}}, ShelfLifeDays: 730, Condition: plant.Ambient, GTIN: "00614141000029"},
		{Record: rec(spr.ID, "RM-BUTTER", "Unsalted butter"), Kind: plant.Raw, BaseUnit: forkline.Kilogram, PackSizes: []forkline.PackSize{{Unit: forkline.Case, Contents: q("10 kg")}}, ShelfLifeDays: 120, Condition: plant.Chilled, Allergens: A(plant.Milk), InspectOnReceipt: true, GTIN: "00614141000036"},
		{Record: rec(spr.ID, "RM-EGG", "Liquid whole egg, pasteurised"), Kind: plant.Raw, BaseUnit: forkline.Kilogram, PackSizes: []forkline.PackSize{{Unit: forkline.Case, Contents: q("20 kg")}}, ShelfLifeDays: 28, Condition: plant.Chilled, Allergens: A(plant.Egg), TraceabilityList: true, InspectOnReceipt: true, GTIN: "00614141000043"},
		{Record: rec(spr.ID, "RM-PEANUT", "Roasted peanuts, chopped"), Kind: plant.Raw, BaseUnit: forkline.Kilogram, PackSizes: []forkline.PackSize{{Unit: forkline.Case, Contents: q("11.34 kg")}}, ShelfLifeDays: 180, Condition: plant.Ambient, Allergens: A(plant.Peanuts), InspectOnReceipt: true, GTIN: "00614141000050"},
		{Record: rec(spr.ID, "RM-SESAME", "Hulled sesame seeds"), Kind: plant.Raw, BaseUnit: forkline.Kilogram, PackSizes: []forkline.PackSize{{Unit: forkline.Case, Contents: q("25 lb")}}, ShelfLifeDays: 365, Condition: plant.Ambient, Allergens: A(plant.Sesame), GTIN: "00614141000067"},
		{Record: rec(spr.ID, "RM-CHOC", "Dark chocolate chips 55%"), Kind: plant.Ingredient, BaseUnit: forkline.Kilogram, PackSizes: []forkline.PackSize{{Unit: forkline.Case, Contents: q("10 kg")}}, ShelfLifeDays: 365, Condition: plant.Ambient, Allergens: A(plant.Milk, plant.Soybeans), GTIN: "00614141000074"},
		{Record: rec(spr.ID, "RM-YEAST", "Fresh yeast"), Kind: plant.Ingredient, BaseUnit: forkline.Kilogram, ShelfLifeDays: 35, Condition: plant.Chilled, GTIN: "00614141000081"},
		{Record: rec(spr.ID, "RM-SALT", "Fine salt"), Kind: plant.Ingredient, BaseUnit: forkline.Kilogram, ShelfLifeDays: 1825, Condition: plant.Ambient},
		{Record: rec(spr.ID, "RM-CUKE", "Fresh cucumbers (for pickles)"), Kind: plant.Raw, BaseUnit: forkline.Pound, ShelfLifeDays: 10, Condition: plant.Chilled, TraceabilityList: true, InspectOnReceipt: true, GTIN: "00614141000098"},
		{Record: rec(spr.ID, "PK-BAG-700", "Bread bag 700 g, printed"), Kind: plant.Packaging, BaseUnit: forkline.Each, PackSizes: []forkline.PackSize{{Unit: forkline.Case, Contents: q("1000 ea")}}, Condition: plant.Ambient},
		{Record: rec(spr.ID, "PK-CARTON-12", "Shipper carton, 12 count"), Kind: plant.Packaging, BaseUnit: forkline.Each, Condition: plant.Ambient},
		{Record: rec(spr.ID, "WIP-DOUGH-W", "White dough"), Kind: plant.WIP, BaseUnit: forkline.Kilogram, ShelfLifeDays: 1, Condition: plant.Chilled, Allergens: A(plant.Wheat, plant.Gluten)},
		{Record: rec(spr.ID, "FG-WHITE-700", "White sandwich loaf 700 g"), Kind: plant.Finished, BaseUnit: forkline.Each, PackSizes: []forkline.PackSize{{Unit: forkline.Case, Contents: q("12 ea")}, {Unit: forkline.Pallet, Contents: q("60 case")}}, ShelfLifeDays: 7, Condition: plant.Ambient, Allergens: A(plant.Wheat, plant.Gluten), GTIN: "00012345000058"},
		{Record: rec(spr.ID, "FG-SESBUN-6", "Sesame burger buns, 6 pack"), Kind: plant.Finished, BaseUnit: forkline.Each, PackSizes: []forkline.PackSize{{Unit: forkline.Case, Contents: q("8 ea")}}, ShelfLifeDays: 6, Condition: plant.Ambient, Allergens: A(plant.Wheat, plant.Gluten, plant.Sesame, plant.Egg), GTIN: "00012345000065"},
		{Record: rec(spr.ID, "FG-CCC-300", "Chocolate chip cookies 300 g"), Kind: plant.Finished, BaseUnit: forkline.Each, PackSizes: []forkline.PackSize{{Unit: forkline.Case, Contents: q("12 ea")}}, ShelfLifeDays: 120, Condition: plant.Ambient, Allergens: A(plant.Wheat, plant.Gluten, plant.Milk, plant.Egg, plant.Soybeans), GTIN: "00012345000072"},
		{Record: rec(spr.ID, "FG-PBC-300", "Peanut butter cookies 300 g"), Kind: plant.Finished, BaseUnit: forkline.Each, PackSizes: []forkline.PackSize{{Unit: forkline.Case, Contents: q("12 ea")}}, ShelfLifeDays: 120, Condition: plant.Ambient, Allergens: A(plant.Wheat, plant.Gluten, plant.Milk, plant.Egg, plant.Peanuts), GTIN: "00012345000089"},
		{Record: rec(spr.ID, "FG-CUKE-SALAD", "Cucumber dill salad, 1 lb tub"), Kind: plant.Finished, BaseUnit: forkline.Each, PackSizes: []forkline.PackSize{{Unit: forkline.Case, Contents: q("12 ea")}}, ShelfLifeDays: 10, Condition: plant.Chilled, TraceabilityList: true, GTIN: "00012345000102"},
		{Record: rec(rvr.ID, "RM-MILK", "Raw cow's milk"), Kind: plant.Raw, BaseUnit: forkline.Liter, ShelfLifeDays: 3, Condition: plant.Chilled, Allergens: A(plant.Milk), InspectOnReceipt: true},
		{Record: rec(rvr.ID, "FG-CHEDDAR", "Aged cheddar block 2 lb"), Kind: plant.Finished, BaseUnit: forkline.Each, ShelfLifeDays: 180, Condition: plant.Chilled, Allergens: A(plant.Milk), TraceabilityList: true, GTIN: "00012345000096"},
	} {
		must(p.Items.Create(ctx, it, why))
	}
	for _, sp := range []plant.Supplier{
		{Record: rec(spr.ID, "SUP-GM", "Great Plains Milling Co."), Approval: plant.Approved, ContactEmail: "qa@greatplainsmilling.example", Address: "400 Mill Rd, Salina, KS"},
		{Record: rec(spr.ID, "SUP-DAIRY", "Heartland Dairy Cooperative"), Approval: plant.Approved, ContactEmail: "quality@heartlanddairy.example", Address: "12 Creamery Ln, Eau Claire, WI"},
		{Record: rec(spr.ID, "SUP-NUTS", "Southern Nut Company"), Approval: plant.Conditional, ContactEmail: "food.safety@southernnut.example", Address: "88 Orchard Way, Albany, GA"},
		{Record: rec(spr.ID, "SUP-EGG", "Sunrise Egg Products"), Approval: plant.Approved, ContactEmail: "qa@sunriseegg.example", Address: "5 Farm Rd, Lancaster, PA"},
		{Record: rec(spr.ID, "SUP-SEED", "Levant Seeds Import"), Approval: plant.Pending, ContactEmail: "info@levantseeds.example", Address: "201 Harbor Blvd, Newark, NJ"},
		{Record: rec(spr.ID, "SUP-PACK", "Midwest Flexible Packaging"), Approval: plant.Approved, ContactEmail: "orders@mwflex.example", Address: "9 Industrial Pkwy, Peoria, IL"},
		{Record: rec(spr.ID, "SUP-FARMS-SPR", "Prairie Fresh Farms (cucumbers)"), Approval: plant.Approved, ContactEmail: "packhouse@prairiefresh.example", Address: "2200 County Rd 9, Kankakee, IL 60901"},
		{Record: rec(spr.ID, "SUP-CHEAP", "Bargain Ingredients LLC"), Approval: plant.Suspended, ContactEmail: "sales@bargain.example", Address: "1 Unknown St, Nowhere, TX"},
		{Record: rec(rvr.ID, "SUP-FARMS", "Hudson Valley Farms"), Approval: plant.Approved, ContactEmail: "milk@hvfarms.example", Address: "Route 9, Kinderhook, NY"},
	} {
		must(p.Suppliers.Create(ctx, sp, why))
	}
	for _, c := range []plant.Customer{
		{Record: rec(spr.ID, "CUS-FRESHMART", "FreshMart Supermarkets"), MinShelfLifeDays: 5, ContactEmail: "receiving@freshmart.example",
			ShipTos: []plant.ShipTo{{Code: "DC-EAST", Name: "FreshMart DC East", Address: "1000 Logistics Dr, Joliet, IL", GLN: "0614141000005"}, {Code: "DC-WEST", Name: "FreshMart DC West", Address: "77 Depot Rd, Des Moines, IA"}}},
		{Record: rec(spr.ID, "CUS-SCHOOLS", "Springfield School District"), MinShelfLifeDays: 3, ContactEmail: "food.services@sps.example",
			ShipTos: []plant.ShipTo{{Code: "CENTRAL-KITCHEN", Name: "Central kitchen", Address: "300 Education Ave, Springfield, IL"}}},
		{Record: rec(spr.ID, "CUS-CAFE", "Corner Cafe Group"), MinShelfLifeDays: 2, ShipTos: []plant.ShipTo{{Code: "MAIN", Name: "Main street cafe", Address: "5 Main St, Springfield, IL"}}},
	} {
		must(p.Customers.Create(ctx, c, why))
	}

	people := map[string]forkline.Actor{}
	for _, u := range []struct {
		name, display string
		grants        []forkline.Grant
	}{
		{DemoUser, "Alex Admin", []forkline.Grant{{SiteID: spr.ID, Role: forkline.RoleAdmin}, {SiteID: rvr.ID, Role: forkline.RoleAdmin}, {SiteID: spr.ID, Role: forkline.RoleQuality}}},
		{"qa.lead", "Quinn Alvarez", []forkline.Grant{{SiteID: spr.ID, Role: forkline.RoleQuality}, {SiteID: rvr.ID, Role: forkline.RoleQuality}}},
		{"sup.maria", "Maria Santos", []forkline.Grant{{SiteID: spr.ID, Role: forkline.RoleSupervisor}}},
		{"op.sam", "Sam Okafor", []forkline.Grant{{SiteID: spr.ID, Role: forkline.RoleOperator}}},
		{"tech.lee", "Lee Park", []forkline.Grant{{SiteID: spr.ID, Role: forkline.RoleMaintenance}}},
		{"plan.ana", "Ana Novak", []forkline.Grant{{SiteID: spr.ID, Role: forkline.RolePlanner}}},
		{"auditor", "Avery Auditor", []forkline.Grant{{SiteID: spr.ID, Role: forkline.RoleAuditor}, {SiteID: rvr.ID, Role: forkline.RoleAuditor}}},
	} {
		user := must(s.Auth.CreateUser(ctx, u.name, u.display, DemoPassword))
		for _, g := range u.grants {
			user = must(s.Auth.SetRole(ctx, user.ID, g, true, why, func(context.Context, forkline.ID) bool { return true }))
		}
		people[u.name] = user.Actor()
	}
	must(s.Auth.SetBadge(ctx, people["op.sam"].ID, OperatorBadge, OperatorPIN, "badge for the shared tablets of the lines"))
	if s.Inventory == nil {
		return nil
	}
	h, err := newHistorian(ctx, s, "SPR")
	if err != nil {
		return err
	}
	var fl *floor
	var recipes <-chan error
	if s.Recipes != nil && s.Production != nil {
		// qa.lead writes and signs the recipes while the history is booked:
		// each signature checks her password (argon2id), which keeps a core
		// busy, while the history mostly waits for the database.
		fl = newFloor(h, people, now)
		recipes = fl.approveRecipesAsync()
	}
	herr := h.run(HistoryDays, now)
	if recipes != nil {
		if err := <-recipes; err != nil {
			return err
		}
	}
	if herr != nil {
		return herr
	}
	if err := demoEvents(ctx, s, spr.ID); err != nil {
		return err
	}
	if fl == nil {
		return nil
	}
	return fl.run()
}

// HistoryDays is how many days of plant history the demo starts with.
const HistoryDays = 28

// demoEvents leaves the demo with what a QA manager would find on a Monday:
// a lot on hold under investigation and last quarter's recall drill.
func demoEvents(ctx context.Context, s Services, site forkline.ID) error {
	lots, err := s.Inventory.Lots(ctx, inventory.LotFilter{SiteIDs: []forkline.ID{site}, OnHandOnly: true, Limit: 500})
	if err != nil {
		return err
	}
	var butter, flour *inventory.LotSummary
	for i := range lots {
		if lots[i].ItemCode == "RM-BUTTER" {
			butter = &lots[i]
		}
	}
	// The drill starts from an early flour lot, long since baked and shipped.
	all, err := s.Inventory.Lots(ctx, inventory.LotFilter{SiteIDs: []forkline.ID{site}, Limit: 500})
	if err != nil {
		return err
	}
	for i := range all {
		if all[i].ItemCode == "RM-FLOUR" {
			flour = &all[i] // newest first: the last one seen is the oldest
		}
	}
	if butter != nil {
		if _, err := s.Inventory.ChangeStatus(ctx, inventory.StatusInput{LotID: butter.ID, To: inventory.Hold,
			Reason: "supplier notice: possible Listeria at the packing plant; awaiting their test results"}); err != nil {
			return err
		}
	}
	if flour != nil {
		if _, err := s.Inventory.StartRecall(ctx, inventory.RecallInput{SiteID: site, Kind: inventory.MockRecall,
			SupplierID: flour.SupplierID, SupplierLot: flour.SupplierLot, Note: "quarterly traceability drill (BRCGS 3.9.3)"}); err != nil {
			return err
		}
	}
	return nil
}
