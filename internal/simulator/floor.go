package simulator

import (
	"context"
	"fmt"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/inventory"
	"github.com/forkline/forkline/internal/production"
	"github.com/forkline/forkline/internal/recipe"
)

// floor is the bakery today, after the weeks of history: this morning's
// deliveries, the master recipes quality approved, and production orders in
// every state on the lines, so that a newcomer finds work in progress, a
// batch to release and an order to run at once.
//
// Recipes: one per product (R-DOUGH-W, R-WHITE-700, R-SESBUN-6, R-CCC-300,
// R-PBC-300, R-CUKE-SALAD), batch and ingredients as the history makes them
// (recipes.go), written and approved by qa.lead; R-CCC-300 has version 2 in
// draft, a reformulation in progress.
//
// Orders (numbers are MO-yymmdd-line-n, by planned day):
//
//	L1  yesterday  white dough          closed, batch released (its dough made the loaves)
//	L1  yesterday  white loaves         completed, awaiting batch release
//	L1  today      sesame buns          in progress: flour and egg added
//	L1  tomorrow   white dough, loaves  planned
//	L1  tomorrow   sesame buns          cancelled
//	L2  yesterday  peanut butter        closed, batch released after a critical
//	                                    deviation (oven temperature) was closed
//	L2  today      chocolate chip       released: L2 must be cleaned first (peanuts)
//	L2  tomorrow   peanut butter        planned
//	PK1 today      cucumber salad       released: runs at once
//	PK1 today      cucumber salad       on hold from released
//
// Material is taken lot by lot first-expired-first-out from the lots on
// hand (the history's, and this morning's deliveries of what was short, as
// on every morning of the history), so the genealogy runs from supplier
// lots through these orders.
// The ledger and the services stamp what happens now; the planned times
// say when each order was meant to run.
type floor struct {
	h       *historian
	people  map[string]forkline.Actor
	now     time.Time
	today   time.Time                 // midnight, site time
	recipes map[string]recipe.Version // approved, by product item code
	seq     map[string]int
	erp     int
}

func newFloor(h *historian, people map[string]forkline.Actor, now time.Time) *floor {
	local := now.In(h.loc)
	return &floor{h: h, people: people, now: now, today: time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, h.loc),
		recipes: map[string]recipe.Version{}, seq: map[string]int{}}
}

// approveRecipesAsync runs approveRecipes on its own goroutine, which
// needs only master data and the recipe tables, and returns its result.
func (f *floor) approveRecipesAsync() <-chan error {
	done := make(chan error, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				done <- fmt.Errorf("demo recipes: %v", v)
			}
		}()
		done <- f.approveRecipes()
	}()
	return done
}

// run books today's deliveries and the orders; the recipes are approved.
func (f *floor) run() error {
	// This morning's deliveries arrived at six, or an hour ago when the
	// demo starts before seven.
	start := f.today.Add(6 * time.Hour)
	if start.After(f.now.Add(-time.Hour)) {
		start = f.now.Add(-time.Hour)
	}
	if err := f.h.receive(f.today, start); err != nil {
		return fmt.Errorf("today's deliveries: %w", err)
	}
	return f.orders()
}

// as returns the context of a demo person, as after signing in.
func (f *floor) as(who string) context.Context {
	a, ok := f.people[who]
	if !ok {
		panic(fmt.Errorf("simulator: no demo user %s", who))
	}
	return forkline.WithActor(f.h.ctx, a)
}

// The people of the floor.
const (
	planner  = "plan.ana"
	operator = "op.sam"
	super    = "sup.maria"
	quality  = "qa.lead"
)

// approveRecipes writes every master recipe as quality and approves it
// with qa.lead's signature, then starts version 2 of the chocolate chip
// cookies as a draft.
func (f *floor) approveRecipes() error {
	ctx := f.as(quality)
	s := f.h.s.Recipes
	for _, sp := range recipeSpecs {
		c, err := f.h.content(sp)
		if err != nil {
			return err
		}
		r, err := s.Create(ctx, recipe.CreateInput{SiteID: f.h.site, ItemID: f.h.items[sp.item].ID, Code: sp.code, Name: sp.name, Content: c,
			Reason: "master recipe from the plant's batch sheet"})
		if err != nil {
			return fmt.Errorf("recipe %s: %w", sp.code, err)
		}
		v, err := s.Approve(ctx, recipe.ApproveInput{VersionID: r.Versions[0].ID, Revision: r.Versions[0].Revision, Password: DemoPassword,
			Meaning: recipe.MeaningApproved})
		if err != nil {
			return fmt.Errorf("approve recipe %s: %w", sp.code, err)
		}
		f.recipes[sp.item] = v
	}
	cur := f.recipes["FG-CCC-300"]
	d, err := s.NewVersion(ctx, cur.RecipeID, "reformulation trial for FreshMart: less sugar, more chocolate")
	if err != nil {
		return fmt.Errorf("new version of R-CCC-300: %w", err)
	}
	c := d.Content.Clone()
	for i, in := range c.Ingredients {
		switch in.ItemID {
		case f.h.items["RM-SUGAR"].ID:
			c.Ingredients[i].Quantity = q("38 kg")
		case f.h.items["RM-CHOC"].ID:
			c.Ingredients[i].Quantity = q("32 kg")
		}
	}
	if _, err := s.SaveDraft(ctx, recipe.DraftInput{VersionID: d.ID, Revision: d.Revision, Content: c,
		Reason: "trial bake 2: sugar 40 to 38 kg, chocolate chips 30 to 32 kg; awaiting the taste panel"}); err != nil {
		return fmt.Errorf("draft of R-CCC-300: %w", err)
	}
	return nil
}

// orders plans and runs the orders of the table on floor.
func (f *floor) orders() error {
	yesterday, tomorrow := f.today.AddDate(0, 0, -1), f.today.AddDate(0, 0, 1)

	// Line 1: yesterday's dough made yesterday's loaves.
	dough, err := f.plan("WIP-DOUGH-W", "L1", "400 kg", yesterday, 5)
	if err != nil {
		return err
	}
	if err := f.runOrder(&dough, nil, nil, "398 kg"); err != nil {
		return err
	}
	if err := f.releaseBatch(dough); err != nil {
		return err
	}
	if err := f.move(&dough, planner, production.Closed, "batch released; nothing left to book"); err != nil {
		return err
	}
	loaves, err := f.plan("FG-WHITE-700", "L1", "560 ea", yesterday, 7)
	if err != nil {
		return err
	}
	// All the dough there is: 398 kg, within 2 % of the 400 kg the batch takes.
	if err := f.runOrder(&loaves, map[string]string{"WIP-DOUGH-W": "398 kg"}, nil, "548 ea"); err != nil {
		return err
	}
	buns, err := f.plan("FG-SESBUN-6", "L1", "300 ea", f.today, 6)
	if err != nil {
		return err
	}
	if err := f.start(&buns); err != nil {
		return err
	}
	for _, item := range []string{"RM-FLOUR", "RM-EGG"} {
		if err := f.add(buns, item, nil); err != nil {
			return err
		}
	}
	for _, p := range []struct {
		item string
		hour int
	}{{"WIP-DOUGH-W", 5}, {"FG-WHITE-700", 7}} {
		if _, err := f.plan(p.item, "L1", specBatch(p.item), tomorrow, p.hour); err != nil {
			return err
		}
	}
	cancelled, err := f.plan("FG-SESBUN-6", "L1", "300 ea", tomorrow, 10)
	if err != nil {
		return err
	}
	if err := f.move(&cancelled, planner, production.Cancelled, "FreshMart moved its burger promotion to next month"); err != nil {
		return err
	}

	// Line 2: yesterday's peanut butter cookies, with a critical deviation
	// closed and the batch released; today's chocolate chip cookies wait
	// for the line to be cleaned of peanuts.
	pbc, err := f.plan("FG-PBC-300", "L2", "600 ea", yesterday, 13)
	if err != nil {
		return err
	}
	devs, err := f.runSteps(&pbc, nil, map[string][]string{"Oven temperature": {"166", "181"}})
	if err != nil {
		return err
	}
	if err := f.finish(&pbc, "576 ea"); err != nil {
		return err
	}
	for _, d := range devs {
		if _, err := f.h.s.Production.CloseDeviation(f.as(quality), production.CloseDeviationInput{DeviationID: d.ID, Password: DemoPassword,
			Meaning: production.MeaningReviewed, Reason: "The zone 2 burner of OVN-02 tripped; the band was stopped at once. The two trays baked below " +
				"the critical limit (24 cookies) were segregated and destroyed. Maintenance (tech.lee) replaced the flame sensor; the oven was " +
				"verified at 181 °C with the calibrated probe before the band restarted, and the rest of the batch baked within limits."}); err != nil {
			return fmt.Errorf("close deviation of %s: %w", pbc.Number, err)
		}
	}
	if err := f.releaseBatch(pbc); err != nil {
		return err
	}
	if err := f.move(&pbc, planner, production.Closed, "batch released; nothing left to book"); err != nil {
		return err
	}
	ccc, err := f.plan("FG-CCC-300", "L2", "600 ea", f.today, 8)
	if err != nil {
		return err
	}
	if err := f.move(&ccc, planner, production.Released, ""); err != nil {
		return err
	}
	if _, err := f.plan("FG-PBC-300", "L2", "600 ea", tomorrow, 13); err != nil {
		return err
	}

	// Packing line 1: a salad order to run now, and one on hold.
	salad, err := f.plan("FG-CUKE-SALAD", "PK1", "280 ea", f.today, 7)
	if err != nil {
		return err
	}
	if err := f.move(&salad, planner, production.Released, ""); err != nil {
		return err
	}
	held, err := f.plan("FG-CUKE-SALAD", "PK1", "280 ea", f.today, 13)
	if err != nil {
		return err
	}
	if err := f.move(&held, planner, production.Released, ""); err != nil {
		return err
	}
	return f.move(&held, super, production.OnHold, "Prairie Fresh Farms reported a positive generic E. coli result in an irrigation water test; waiting for their cucumber lot results")
}

// specBatch is the batch size of a product, as the history makes it.
func specBatch(item string) string {
	for _, p := range products {
		if p.item == item {
			return p.makes
		}
	}
	panic(fmt.Errorf("simulator: no product %s", item))
}

// plan creates an order as the planner, planned to start at hour on day
// and to take three hours.
func (f *floor) plan(item, line, quantity string, day time.Time, hour int) (production.Order, error) {
	key := day.Format("060102") + "-" + line
	f.seq[key]++
	f.erp++
	number := fmt.Sprintf("MO-%s-%d", key, f.seq[key])
	start := day.Add(time.Duration(hour) * time.Hour)
	o, err := f.h.s.Production.CreateOrder(f.as(planner), production.OrderInput{SiteID: f.h.site, ItemID: f.h.items[item].ID, LineID: f.h.lines[line].ID,
		Number: number, PlannedQuantity: q(quantity), PlannedStart: start, PlannedEnd: start.Add(3 * time.Hour), ERPRef: fmt.Sprintf("SAP-%08d", 1004200+f.erp),
		Reason: "weekly production plan"})
	if err != nil {
		return o, fmt.Errorf("plan %s: %w", number, err)
	}
	return o, nil
}

// move changes an order's state as who.
func (f *floor) move(o *production.Order, who string, to production.State, reason string) error {
	next, err := f.h.s.Production.ChangeState(f.as(who), production.StateInput{OrderID: o.ID, To: to, Reason: reason})
	if err != nil {
		return fmt.Errorf("%s to %s: %w", o.Number, to, err)
	}
	*o = next
	return nil
}

// start releases an order (planner) and starts it (operator).
func (f *floor) start(o *production.Order) error {
	if err := f.move(o, planner, production.Released, ""); err != nil {
		return err
	}
	return f.move(o, operator, production.InProgress, "")
}

// runOrder starts an order, runs every step (see runSteps), books output
// and completes it.
func (f *floor) runOrder(o *production.Order, amounts map[string]string, values map[string][]string, output string) error {
	if _, err := f.runSteps(o, amounts, values); err != nil {
		return err
	}
	return f.finish(o, output)
}

// runSteps starts an order and runs its steps as the operator: each
// ingredient added in full (or the amount given by item code), each
// parameter entered once a little off target (or the values given by
// parameter name, in turn). It returns the deviations the values raised.
func (f *floor) runSteps(o *production.Order, amounts map[string]string, values map[string][]string) ([]*production.Deviation, error) {
	if err := f.start(o); err != nil {
		return nil, err
	}
	sp := specFor(f.itemCode(o.ItemID))
	var devs []*production.Deviation
	k := 0
	for i, st := range sp.steps {
		for _, item := range st.adds {
			var amount *forkline.Quantity
			if a, ok := amounts[item]; ok {
				v := q(a)
				amount = &v
			}
			if err := f.add(*o, item, amount); err != nil {
				return nil, err
			}
		}
		for _, p := range st.params {
			vs := values[p.Name]
			if len(vs) == 0 {
				vs = []string{nominal(p, k)}
			}
			k++
			for j, v := range vs {
				note := ""
				if j > 0 {
					note = "re-checked after the corrective action"
				}
				_, d, err := f.h.s.Production.RecordParameter(f.as(operator), production.ReadingInput{OrderID: o.ID, Step: i + 1, Parameter: p.Name,
					Value: production.Decimal(dec(v)), Note: note})
				if err != nil {
					return nil, fmt.Errorf("%s step %d %s: %w", o.Number, i+1, p.Name, err)
				}
				if d != nil {
					devs = append(devs, d)
				}
			}
		}
	}
	return devs, nil
}

// finish books an order's output and completes it, as the operator.
func (f *floor) finish(o *production.Order, output string) error {
	if _, err := f.h.s.Production.RecordOutput(f.as(operator), production.OutputInput{OrderID: o.ID, LocationID: f.h.outputLocation(f.itemCode(o.ItemID)),
		Quantity: q(output), IdempotencyKey: "demo-output"}); err != nil {
		return fmt.Errorf("%s output: %w", o.Number, err)
	}
	return f.move(o, operator, production.Completed, "")
}

// releaseBatch signs an order's batch record as qa.lead.
func (f *floor) releaseBatch(o production.Order) error {
	if _, err := f.h.s.Production.ReleaseBatch(f.as(quality), production.ReleaseInput{OrderID: o.ID, Password: DemoPassword, Meaning: production.MeaningReleased}); err != nil {
		return fmt.Errorf("release batch %s: %w", o.Number, err)
	}
	return nil
}

// add adds an ingredient to an order as the operator: its scaled target,
// or amount, taken lot by lot first-expired-first-out, at the step of the
// recipe that adds it.
func (f *floor) add(o production.Order, item string, amount *forkline.Quantity) error {
	it := f.h.items[item]
	want := amount
	if want == nil {
		scaled, err := f.h.s.Recipes.Scale(f.h.ctx, o.VersionID, o.PlannedQuantity)
		if err != nil {
			return err
		}
		for _, sc := range scaled {
			if sc.ItemID == it.ID {
				want = &sc.Target
			}
		}
		if want == nil {
			return fmt.Errorf("%s: %s is not in its recipe", o.Number, item)
		}
	}
	sugg, short, err := f.h.s.Inventory.FEFO(f.h.ctx, inventory.FEFOInput{SiteID: f.h.site, ItemID: it.ID, Quantity: *want})
	if err != nil {
		return err
	}
	if !short.IsZero() {
		return fmt.Errorf("%s: short of %s by %s", o.Number, item, short)
	}
	step := specFor(f.itemCode(o.ItemID)).stepOf()[item]
	for _, sg := range sugg {
		if _, err := f.h.s.Production.AddMaterial(f.as(operator), production.AdditionInput{OrderID: o.ID, LotID: sg.Lot.ID, LocationID: sg.LocationID,
			Quantity: sg.Take, Step: step}); err != nil {
			return fmt.Errorf("%s: add %s of lot %s: %w", o.Number, sg.Take, sg.Lot.Code, err)
		}
	}
	return nil
}

func (f *floor) itemCode(id forkline.ID) string {
	for code, it := range f.h.items {
		if it.ID == id {
			return code
		}
	}
	return ""
}

// nominal is a reading within a parameter's limits, a little off target as
// real readings are: k picks how far, rounded down to one decimal.
func nominal(p recipe.Parameter, k int) string {
	span := min(p.Max-p.Target, p.Target-p.Min)
	v := int64(p.Target) + []int64{0, 1, -1, 2, -2}[k%5]*int64(span)/5
	return forkline.FormatDecimal(v / 100_000 * 100_000)
}
