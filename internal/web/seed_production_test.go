package web_test

import (
	"testing"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/auth"
	"github.com/forkline/forkline/internal/inventory"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/production"
	"github.com/forkline/forkline/internal/recipe"
)

// Badges and PINs of the bakery's people at the line.
const (
	oliviaBadge, oliviaPIN = "1001", "2468"
	samBadge, samPIN       = "7001", "4321"
)

// bakeryProduction is a morning of production at the bakery: approved
// recipes for brioche and sesame buns, a sesame bun order that ran last on
// line 1 (so brioche needs a cleaning first), a brioche order on line 2
// whose bake missed its critical limit, and brioche orders released to
// line 1 for the operator to run.
type bakeryProduction struct {
	supervisor   auth.User // sam: may override, plans orders
	brioche      recipe.Recipe
	buns         recipe.Recipe
	line2        plant.Line
	sugar        inventory.Lot // released; the seeded sugar lot is held
	oldButter    inventory.Lot // expires before the seeded butter: FEFO takes it first
	sesameRun    production.Order
	failedBake   production.Order // completed with an open critical deviation
	deviation    production.Deviation
	next, later  production.Order // released to line 1, in sequence
	planned      production.Order
	outputLine2  inventory.Lot
	briocheDraft recipe.Version
}

func (e *env) seedProduction(t *testing.T, b *bakery) bakeryProduction {
	t.Helper()
	ctx := as(b.admin)
	site := e.site.ID
	var bp bakeryProduction
	e.clock.Set(time.Date(2026, 3, 2, 14, 10, 0, 0, time.UTC))
	bp.supervisor = e.user(t, "sam", "Sam Ortiz", forkline.RoleSupervisor)
	must[auth.User](t)(e.auth.SetBadge(e.sys, b.operator.ID, oliviaBadge, oliviaPIN, "tablet sign-in"))
	must[auth.User](t)(e.auth.SetBadge(e.sys, bp.supervisor.ID, samBadge, samPIN, "tablet sign-in"))
	for _, l := range must[[]plant.Line](t)(e.plant.Lines.List(ctx, plant.Filter{SiteIDs: []forkline.ID{site}, Codes: []string{"L2"}})) {
		bp.line2 = l
	}
	bp.sugar = must[inventory.Result](t)(e.inv.Receive(ctx, inventory.ReceiveInput{SiteID: site, ItemID: b.items["SUGAR-GR"].ID,
		SupplierID: b.sups["MILLCO"].ID, SupplierLot: "MC-S-0410", Quantity: forkline.NewQuantity(50, forkline.Kilogram),
		LocationID: b.locs["DRY-1"].ID, DocType: "PO", DocNumber: "4500012360"})).Lot

	bp.oldButter = must[inventory.Result](t)(e.inv.Receive(ctx, inventory.ReceiveInput{SiteID: site, ItemID: b.items["BUTTER-82"].ID,
		SupplierID: b.sups["GVDAIRY"].ID, SupplierLot: "GV-8790", Quantity: forkline.NewQuantity(10, forkline.Kilogram),
		LocationID: b.locs["COOLER-1"].ID, DocType: "PO", DocNumber: "4500012361", Temperature: "3.5", Expiry: time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC)})).Lot

	dec := func(s string) recipe.Decimal { return must[recipe.Decimal](t)(recipe.ParseDecimal(s)) }
	q := func(s string) forkline.Quantity { return must[forkline.Quantity](t)(forkline.ParseQuantity(s)) }
	it := func(code string) forkline.ID { return b.items[code].ID }
	approve := func(code, name string, item plant.Item, c recipe.Content) recipe.Recipe {
		t.Helper()
		r := must[recipe.Recipe](t)(e.rcp.Create(ctx, recipe.CreateInput{SiteID: site, ItemID: item.ID, Code: code, Name: name, Content: c}))
		must[recipe.Version](t)(e.rcp.Approve(ctx, recipe.ApproveInput{VersionID: r.Versions[0].ID, Revision: 1, Password: password, Meaning: recipe.MeaningApproved}))
		return must[recipe.Recipe](t)(e.rcp.Recipe(ctx, r.ID))
	}
	bp.brioche = approve("R-BRIOCHE", "Brioche buns, 300 packs", b.brioche, recipe.Content{
		BatchSize: q("300 ea"),
		Ingredients: []recipe.Ingredient{
			{ItemID: it("FLOUR-T55"), Quantity: q("25 kg"), Tolerance: dec("2")},
			{ItemID: it("SUGAR-GR"), Quantity: q("3 kg"), Tolerance: dec("2")},
			{ItemID: it("BUTTER-82"), Quantity: q("5 kg"), Tolerance: dec("2")},
			{ItemID: it("EGG-LIQ"), Quantity: q("5 L"), Tolerance: dec("5")},
		},
		Steps: []recipe.Step{
			{Instruction: "Mix the dough: flour, sugar, butter and egg, 12 minutes on speed 2 until smooth and elastic.",
				Additions:  []forkline.ID{it("FLOUR-T55"), it("SUGAR-GR"), it("BUTTER-82"), it("EGG-LIQ")},
				Parameters: []recipe.Parameter{{Name: "Dough temperature", Unit: "°C", Target: dec("24"), Min: dec("22"), Max: dec("26")}}},
			{Instruction: "Bake: shape 60 g pieces, proof 90 minutes, bake 14 minutes at 180 °C. Probe the core of three buns from the middle of the tray.",
				Parameters: []recipe.Parameter{{Name: "Core temperature", Unit: "°C", Target: dec("96"), Min: dec("92"), Max: dec("99"), CCP: true}}},
		},
	})
	bp.buns = approve("R-BUN-SES", "Sesame burger buns", b.items["BUN-SES-4"], recipe.Content{
		BatchSize: q("400 ea"),
		Ingredients: []recipe.Ingredient{
			{ItemID: it("FLOUR-T55"), Quantity: q("30 kg"), Tolerance: dec("2")},
			{ItemID: it("BUTTER-82"), Quantity: q("2 kg"), Tolerance: dec("2")},
			{ItemID: it("SESAME-W"), Quantity: q("1 kg"), Tolerance: dec("5")},
		},
		Steps: []recipe.Step{{Instruction: "Mix, shape, seed and bake.", Additions: []forkline.ID{it("FLOUR-T55"), it("BUTTER-82"), it("SESAME-W")}}},
	})
	bp.briocheDraft = must[recipe.Version](t)(e.rcp.NewVersion(ctx, bp.brioche.ID, "less sugar, customer request CR-88"))

	order := func(number string, item plant.Item, line plant.Line, planned string, start time.Time) production.Order {
		t.Helper()
		return must[production.Order](t)(e.prod.CreateOrder(e.sys, production.OrderInput{SiteID: site, ItemID: item.ID, LineID: line.ID, Number: number,
			PlannedQuantity: q(planned), PlannedStart: start, PlannedEnd: start.Add(2 * time.Hour), ERPRef: "SAP-" + number[3:]}))
	}
	move := func(o production.Order, to production.State) production.Order {
		t.Helper()
		return must[production.Order](t)(e.prod.ChangeState(as(bp.supervisor), production.StateInput{OrderID: o.ID, To: to}))
	}
	today := func(h int) time.Time { return time.Date(2026, 3, 2, h, 0, 0, 0, time.UTC) }

	// Sesame buns ran first on line 1 this morning.
	bp.sesameRun = order("WO-3001", b.items["BUN-SES-4"], b.line, "400 ea", today(11))
	bp.sesameRun = move(move(move(bp.sesameRun, production.Released), production.InProgress), production.Completed)

	// Brioche on line 2: the bake missed its critical limit.
	bp.failedBake = order("WO-3000", b.brioche, bp.line2, "300 ea", today(11))
	bp.failedBake = move(move(bp.failedBake, production.Released), production.InProgress)
	_, dev, err := e.prod.RecordParameter(as(bp.supervisor), production.ReadingInput{OrderID: bp.failedBake.ID, Step: 2, Parameter: "Core temperature",
		Value: must[production.Decimal](t)(production.ParseDecimal("88.5")), Note: "oven 2 door seal"})
	if err != nil || dev == nil {
		t.Fatalf("RecordParameter: %v, deviation %v", err, dev)
	}
	bp.deviation = *dev
	out := must[production.Output](t)(e.prod.RecordOutput(as(bp.supervisor), production.OutputInput{OrderID: bp.failedBake.ID,
		LocationID: b.locs["DRY-1"].ID, Quantity: q("290 ea")}))
	bp.outputLine2 = must[inventory.Lot](t)(e.inv.Lot(ctx, out.LotID))
	bp.failedBake = move(bp.failedBake, production.Completed)

	// Brioche released to line 1, in sequence, and one still planned.
	bp.next = move(order("WO-3002", b.brioche, b.line, "300 ea", today(16)), production.Released)
	bp.later = move(order("WO-3003", b.brioche, b.line, "300 ea", today(19)), production.Released)
	bp.planned = order("WO-3004", b.items["BUN-SES-4"], bp.line2, "400 ea", today(16).Add(24*time.Hour))

	b.ids["orders"], b.ids["deviations"], b.ids["recipes"] = bp.failedBake.ID, bp.deviation.ID, bp.brioche.ID
	e.clock.Set(time.Date(2026, 3, 2, 15, 30, 0, 0, time.UTC)) // 09:30 in Chicago
	return bp
}
