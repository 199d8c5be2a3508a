package simulator_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/auth"
	"github.com/forkline/forkline/internal/inventory"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/production"
	"github.com/forkline/forkline/internal/recipe"
	"github.com/forkline/forkline/internal/simulator"
	"github.com/forkline/forkline/internal/sqlstore"
	"github.com/forkline/forkline/internal/wiring"
)

// seeded is the demo plant seeded into a fresh SQLite database, with
// services wired as cmd wires them: recipes and production re-authenticate
// signers through auth.
type seeded struct {
	s     simulator.Services
	ctx   context.Context // the system
	now   *time.Time      // the clock; tests move it on
	lines map[string]forkline.ID
	site  forkline.ID
}

func seed(t *testing.T) *seeded {
	t.Helper()
	now := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	ids := forkline.NewIDGenerator(clock)
	db, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "demo.db"), ids, clock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	authSvc := auth.NewService(db.Auth(), ids, clock, auth.HashParams{Time: 1, Memory: 64, Threads: 1})
	inv := inventory.NewService(db.Inventory(), ids, clock)
	s := simulator.Services{Plant: plant.NewService(db.Plant(), ids, clock), Auth: authSvc, Inventory: inv,
		Recipes:    recipe.NewService(db.Recipes(), authSvc, ids, clock),
		Production: production.NewService(db.Production(), wiring.ProductionLedger{Inv: inv}, authSvc, ids, clock)}
	ctx := forkline.WithActor(context.Background(), forkline.System)
	start := time.Now()
	if err := simulator.Seed(ctx, s, now); err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded in %s", time.Since(start).Round(time.Millisecond))
	d := &seeded{s: s, ctx: ctx, now: &now, lines: map[string]forkline.ID{}}
	lines, err := s.Plant.Lines.List(ctx, plant.Filter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lines {
		d.lines[l.Code], d.site = l.ID, l.SiteID
	}
	return d
}

// TestTheDemoPlantHasATraceableHistory seeds the demo and checks what a
// newcomer relies on: finished lots trace back to supplier lots, every lot
// balances, shipments reached customers, and a drill is on record.
func TestTheDemoPlantHasATraceableHistory(t *testing.T) {
	d := seed(t)
	s, ctx := d.s, d.ctx
	lots, err := s.Inventory.Lots(ctx, inventory.LotFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if len(lots) < 150 {
		t.Fatalf("the demo has %d lots, want weeks of history", len(lots))
	}
	var finished, held int
	for _, l := range lots {
		mb, err := s.Inventory.MassBalance(ctx, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !mb.Difference.IsZero() {
			t.Errorf("lot %s does not balance: %+v", l.Code, mb)
		}
		if l.Status == inventory.Hold {
			held++
		}
		if l.ItemCode != "FG-CCC-300" || finished > 3 {
			continue
		}
		finished++
		tr, err := s.Inventory.Trace(ctx, l.ID, inventory.Backward)
		if err != nil {
			t.Fatal(err)
		}
		suppliers := 0
		for _, n := range tr.Nodes {
			if n.Lot.Origin == inventory.Received && n.SupplierName != "" {
				suppliers++
			}
		}
		if suppliers < 5 {
			t.Errorf("cookie lot %s traces back to %d supplier lots, want its five ingredients' lots", l.Code, suppliers)
		}
	}
	if finished == 0 || held != 1 {
		t.Errorf("finished cookie lots checked %d, lots on hold %d; want some and exactly one", finished, held)
	}
	site := lots[0].SiteID
	recalls, err := s.Inventory.Recalls(ctx, site)
	if err != nil || len(recalls) != 1 || recalls[0].Kind != inventory.MockRecall {
		t.Errorf("recalls on record = %v, %v; want the quarterly drill", recalls, err)
	}
	if len(recalls) == 1 {
		r, err := s.Inventory.FindRecall(ctx, recalls[0].ID)
		if err != nil || len(r.Customers) == 0 || r.Accounted != 100 {
			t.Errorf("the drill reached %d customers with %.1f%% accounted (%v); want customers and 100%%", len(r.Customers), r.Accounted, err)
		}
	}
}

// as is the context of a demo user, as after signing in.
func (d *seeded) as(t *testing.T, username string) context.Context {
	t.Helper()
	u, err := d.s.Auth.FindUserByUsername(d.ctx, username)
	if err != nil {
		t.Fatal(err)
	}
	return forkline.WithActor(context.Background(), u.Actor())
}

// TestTheDemoRecipesAreApprovedBySignature checks that every product of
// the bakery has an approved recipe with steps, process parameters and
// (for what is baked or packed) critical control points, signed by qa.lead with a signature that
// verifies, and that one recipe has a newer draft in progress.
func TestTheDemoRecipesAreApprovedBySignature(t *testing.T) {
	d := seed(t)
	s, ctx := d.s, d.ctx
	list, err := s.Recipes.Recipes(ctx, recipe.Filter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var codes, drafts []string
	for _, l := range list {
		r, err := s.Recipes.Recipe(ctx, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		codes = append(codes, r.Code)
		v, ok := r.Current()
		if !ok {
			t.Errorf("recipe %s has no approved version", r.Code)
			continue
		}
		ver, err := s.Recipes.Verify(ctx, v.ID)
		if err != nil || !ver.Signed || !ver.Intact {
			t.Errorf("recipe %s version %d: verification %+v, %v; want signed and intact", r.Code, v.Number, ver, err)
		}
		if v.Signature == nil || v.Signature.SignerName != "qa.lead" || v.Signature.Meaning != recipe.MeaningApproved {
			t.Errorf("recipe %s is signed %+v, want approved by qa.lead", r.Code, v.Signature)
		}
		ccps, params := 0, 0
		for _, st := range v.Steps {
			if st.Instruction == "" {
				t.Errorf("recipe %s has a step without an instruction", r.Code)
			}
			for _, p := range st.Parameters {
				params++
				if p.CCP {
					ccps++
				}
			}
		}
		// Dough is a work in progress: its hazards are controlled when it is baked.
		if len(v.Steps) < 3 || params < 3 || ccps == 0 && r.Code != "R-DOUGH-W" {
			t.Errorf("recipe %s has %d steps, %d parameters, %d CCPs; want steps with parameters and a CCP", r.Code, len(v.Steps), params, ccps)
		}
		for _, in := range v.Ingredients {
			if in.Tolerance <= 0 {
				t.Errorf("recipe %s: ingredient %s has no tolerance", r.Code, in.ItemID)
			}
		}
		for _, x := range r.Versions {
			if x.Status == recipe.Draft {
				drafts = append(drafts, r.Code)
				if ver, err := s.Recipes.Verify(ctx, x.ID); err != nil || ver.Signed || !ver.Intact || x.Number != 2 {
					t.Errorf("draft of %s: version %d, verification %+v, %v; want an intact unsigned version 2", r.Code, x.Number, ver, err)
				}
			}
		}
	}
	slices.Sort(codes)
	if want := []string{"R-CCC-300", "R-CUKE-SALAD", "R-DOUGH-W", "R-PBC-300", "R-SESBUN-6", "R-WHITE-700"}; !slices.Equal(codes, want) {
		t.Errorf("recipes %v, want %v", codes, want)
	}
	if len(drafts) != 1 {
		t.Errorf("recipes with a draft: %v, want one", drafts)
	}
}

// TestTheDemoHasOrdersInEveryState checks the orders on the lines: every
// state, released batch records that verify (one with a critical deviation
// closed by signature), a batch awaiting release, an order in progress, and
// genealogy from the orders' output back to supplier lots.
func TestTheDemoHasOrdersInEveryState(t *testing.T) {
	d := seed(t)
	s, ctx := d.s, d.ctx
	orders, err := s.Production.Orders(ctx, production.OrderFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	states := map[production.State]int{}
	released, deviated, awaiting, partial := 0, 0, 0, 0
	for _, o := range orders {
		states[o.State]++
		rec, err := s.Production.BatchRecord(ctx, o.ID)
		if err != nil {
			t.Fatalf("batch record of %s: %v", o.Number, err)
		}
		for _, e := range rec.Exceptions {
			if e.Open {
				t.Errorf("order %s (%s) has an open exception: %s", o.Number, o.State, e.Message)
			}
		}
		switch {
		case o.BatchRelease != nil:
			released++
			ok, err := s.Production.VerifyRelease(ctx, o.ID)
			if err != nil || !ok || o.State != production.Closed || o.BatchRelease.SignerName != "qa.lead" {
				t.Errorf("released batch %s (%s, signed by %s) verifies %v, %v; want closed, signed by qa.lead and verified", o.Number, o.State, o.BatchRelease.SignerName, ok, err)
			}
			for _, dv := range rec.Deviations {
				if dv.Critical && dv.Status == production.DeviationClosed && dv.Closure != nil && dv.Closure.SignerName == "qa.lead" {
					deviated++
				}
			}
			for _, out := range rec.Outputs {
				if l, err := s.Inventory.Lot(ctx, out.LotID); err != nil || l.Status != inventory.Released {
					t.Errorf("output lot %s of released batch %s is %s, %v; want released", out.LotCode, o.Number, l.Status, err)
				}
			}
		case o.State == production.Completed:
			awaiting++
			if len(rec.Outputs) == 0 || o.Yield.Percent == "" {
				t.Errorf("completed order %s has outputs %v and yield %+v", o.Number, rec.Outputs, o.Yield)
			}
			for _, out := range rec.Outputs {
				if l, err := s.Inventory.Lot(ctx, out.LotID); err != nil || l.Status != inventory.Quarantine {
					t.Errorf("output lot %s of unreleased batch %s is %s, %v; want quarantine", out.LotCode, o.Number, l.Status, err)
				}
				tr, err := s.Inventory.Trace(ctx, out.LotID, inventory.Backward)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.ContainsFunc(tr.Nodes, func(n inventory.TraceNode) bool { return n.ItemCode == "RM-FLOUR" && n.SupplierName != "" }) {
					t.Errorf("output lot %s of %s does not trace back to a supplier's flour lot: %+v", out.LotCode, o.Number, tr.Nodes)
				}
			}
		case o.State == production.InProgress:
			booked := 0
			for _, m := range rec.Materials {
				if len(m.Additions) > 0 {
					booked++
				}
			}
			if booked == 0 || booked == len(rec.Materials) {
				t.Errorf("in-progress order %s has %d of %d ingredients added; want some", o.Number, booked, len(rec.Materials))
			} else {
				partial++
			}
		}
	}
	for _, st := range production.States() {
		if states[st] == 0 {
			t.Errorf("no order is %s (orders by state: %v)", st, states)
		}
	}
	if released < 2 || deviated != 1 || awaiting == 0 || partial == 0 {
		t.Errorf("released batches %d, with a closed critical deviation %d, awaiting release %d, partly added %d; want 2+, 1, 1+, 1+", released, deviated, awaiting, partial)
	}
}

// TestANewcomerCanRunTodaysOrders runs what the dispatch lists offer today
// as the demo operator would, signed in with the demo badge: the salad on PK1 at once, to a released
// batch; the chocolate chip cookies on L2 only after the line is cleaned of
// the peanuts of the last order. Every lot still balances after.
func TestANewcomerCanRunTodaysOrders(t *testing.T) {
	d := seed(t)
	s := d.s
	_, op, err := s.Auth.LoginBadge(context.Background(), simulator.OperatorBadge, simulator.OperatorPIN)
	if err != nil || op.Username != "op.sam" {
		t.Fatalf("badge sign-in at the terminal: %s, %v; want op.sam", op.Username, err)
	}
	sam, quinn := forkline.WithActor(context.Background(), op.Actor()), d.as(t, "qa.lead")
	first := func(line string) production.Order {
		t.Helper()
		list, err := s.Production.DispatchList(sam, d.lines[line])
		if err != nil || len(list) == 0 {
			t.Fatalf("dispatch list of %s: %v, %v; want an order", line, list, err)
		}
		return list[0]
	}
	addAll := func(o production.Order) {
		t.Helper()
		scaled, err := s.Recipes.Scale(sam, o.VersionID, o.PlannedQuantity)
		if err != nil {
			t.Fatal(err)
		}
		for _, sc := range scaled {
			sugg, short, err := s.Inventory.FEFO(sam, inventory.FEFOInput{SiteID: d.site, ItemID: sc.ItemID, Quantity: sc.Target})
			if err != nil || !short.IsZero() {
				t.Fatalf("%s: FEFO for %s: short %s, %v", o.Number, sc.Target, short, err)
			}
			for _, sg := range sugg {
				if _, err := s.Production.AddMaterial(sam, production.AdditionInput{OrderID: o.ID, LotID: sg.Lot.ID, LocationID: sg.LocationID, Quantity: sg.Take}); err != nil {
					t.Fatalf("%s: add %s of lot %s: %v", o.Number, sg.Take, sg.Lot.Code, err)
				}
			}
		}
	}

	salad := first("PK1")
	if _, err := s.Production.ChangeState(sam, production.StateInput{OrderID: salad.ID, To: production.InProgress}); err != nil {
		t.Fatalf("start %s at once: %v", salad.Number, err)
	}
	addAll(salad)
	v, err := s.Recipes.Version(sam, salad.VersionID)
	if err != nil {
		t.Fatal(err)
	}
	for i, st := range v.Steps {
		for _, p := range st.Parameters {
			if _, dv, err := s.Production.RecordParameter(sam, production.ReadingInput{OrderID: salad.ID, Step: i + 1, Parameter: p.Name, Value: production.Decimal(p.Target)}); err != nil || dv != nil {
				t.Fatalf("%s %s: %v, deviation %v", salad.Number, p.Name, err, dv)
			}
		}
	}
	cool, err := s.Plant.Locations.List(d.ctx, plant.Filter{Codes: []string{"COOL-1"}, Limit: 1})
	if err != nil || len(cool) != 1 {
		t.Fatal(cool, err)
	}
	if _, err := s.Production.RecordOutput(sam, production.OutputInput{OrderID: salad.ID, LocationID: cool[0].ID, Quantity: forkline.NewQuantity(272, forkline.Each)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Production.ChangeState(sam, production.StateInput{OrderID: salad.ID, To: production.Completed}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Production.ReleaseBatch(quinn, production.ReleaseInput{OrderID: salad.ID, Password: simulator.DemoPassword, Meaning: production.MeaningReleased}); err != nil {
		t.Fatalf("release %s as qa.lead: %v", salad.Number, err)
	}
	if ok, err := s.Production.VerifyRelease(sam, salad.ID); !ok || err != nil {
		t.Errorf("the newcomer's batch %s verifies %v, %v", salad.Number, ok, err)
	}

	ccc := first("L2")
	_, err = s.Production.ChangeState(sam, production.StateInput{OrderID: ccc.ID, To: production.InProgress})
	if forkline.ErrorCode(err) != forkline.Conflict || !strings.Contains(forkline.ErrorMessage(err), "Clean line L2") || !strings.Contains(forkline.ErrorMessage(err), "peanuts") {
		t.Fatalf("starting %s on L2 after the peanut butter cookies: %v; want a changeover refusal naming peanuts", ccc.Number, err)
	}
	*d.now = d.now.Add(40 * time.Minute)
	if _, err := s.Production.RecordChangeover(sam, production.ChangeoverInput{LineID: d.lines["L2"], Note: "full wet clean after peanut run; ATP swabs passed"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Production.ChangeState(sam, production.StateInput{OrderID: ccc.ID, To: production.InProgress}); err != nil {
		t.Fatalf("start %s after the cleaning: %v", ccc.Number, err)
	}
	addAll(ccc)

	lots, err := s.Inventory.Lots(d.ctx, inventory.LotFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lots {
		if mb, err := s.Inventory.MassBalance(d.ctx, l.ID); err != nil || !mb.Difference.IsZero() {
			t.Errorf("lot %s does not balance: %+v, %v", l.Code, mb, err)
		}
	}
}
