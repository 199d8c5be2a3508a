package production_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/production"
	"github.com/google/go-cmp/cmp"
)

func qty(s string) forkline.Quantity {
	q, err := forkline.ParseQuantity(s)
	if err != nil {
		panic(fmt.Sprintf("qty(%q): %v", s, err))
	}
	return q
}

func dec(s string) production.Decimal {
	d, err := production.ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return d
}

var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// TestTransitions checks every pair of states: the allowed moves and
// every refused one, with on_hold once for each state it can be held from.
func TestTransitions(t *testing.T) {
	allowed := map[string]forkline.Permission{
		"planned -> released":                 production.PermPlan,
		"planned -> cancelled":                production.PermPlan,
		"released -> in_progress":             production.PermExecute,
		"released -> on_hold":                 production.PermPlan,
		"released -> cancelled":               production.PermPlan,
		"in_progress -> completed":            production.PermExecute,
		"in_progress -> on_hold":              production.PermPlan,
		"on_hold(released) -> released":       production.PermPlan,
		"on_hold(released) -> cancelled":      production.PermPlan,
		"on_hold(in_progress) -> in_progress": production.PermExecute,
		"on_hold(in_progress) -> cancelled":   production.PermPlan,
		"completed -> closed":                 production.PermPlan,
	}
	froms := []production.Order{
		{Number: "A", State: production.Planned},
		{Number: "A", State: production.Released},
		{Number: "A", State: production.InProgress},
		{Number: "A", State: production.Completed},
		{Number: "A", State: production.Closed},
		{Number: "A", State: production.OnHold, HeldFrom: production.Released},
		{Number: "A", State: production.OnHold, HeldFrom: production.InProgress},
		{Number: "A", State: production.Cancelled},
	}
	seen := 0
	for _, o := range froms {
		from := string(o.State)
		if o.HeldFrom != "" {
			from += "(" + string(o.HeldFrom) + ")"
		}
		for _, to := range production.States() {
			name := from + " -> " + string(to)
			perm, ok := allowed[name]
			t.Run(name, func(t *testing.T) {
				tr, err := production.CheckTransition(o, to)
				if ok {
					seen++
					if err != nil {
						t.Fatalf("CheckTransition(%s) = %v, want allowed", name, err)
					}
					if tr.Perm != perm {
						t.Errorf("CheckTransition(%s) needs %s, want %s", name, tr.Perm, perm)
					}
					return
				}
				if forkline.ErrorCode(err) != forkline.Conflict {
					t.Fatalf("CheckTransition(%s) = %v, want a conflict", name, err)
				}
				if !strings.Contains(forkline.ErrorMessage(err), "Order A is "+string(o.State)) {
					t.Errorf("CheckTransition(%s) message = %q, want it to say where the order is", name, forkline.ErrorMessage(err))
				}
			})
		}
	}
	if seen != len(allowed) {
		t.Errorf("tested %d allowed transitions, want %d", seen, len(allowed))
	}
	if got := len(production.Transitions()); got != 11 {
		t.Errorf("Transitions() has %d rows, want 11 (on_hold's two ways back are two rows)", got)
	}
	t.Run("an unknown state is invalid", func(t *testing.T) {
		if _, err := production.CheckTransition(froms[0], "shipped"); forkline.ErrorCode(err) != forkline.Invalid {
			t.Errorf("CheckTransition(shipped) = %v, want invalid", err)
		}
	})
}

func TestStartChecks(t *testing.T) {
	order := production.Order{ID: "o2", Number: "PO-2", Allergens: []string{"wheat"}}
	stopped := t0.Add(2 * time.Hour)
	cleaned := func(at time.Time) *production.ChangeoverRecord { return &production.ChangeoverRecord{CompletedAt: at} }
	tests := []struct {
		name    string
		run     production.LineRun
		o       production.Order
		dirty   []string
		message string
	}{
		{"a line that never ran is free and clean", production.LineRun{}, order, nil, ""},
		{"a line running another order is busy", production.LineRun{RunningOrderID: "o1", RunningOrderNumber: "PO-1"}, order, nil,
			"Line L1 is running order PO-1"},
		{"an order resuming its own run is not busy", production.LineRun{RunningOrderID: "o2", LastOrderID: "o2", LastAllergens: []string{"milk"}}, order, nil, ""},
		{"the same allergens need no cleaning", production.LineRun{LastOrderID: "o1", LastAllergens: []string{"wheat"}, LastStoppedAt: stopped}, order, nil, ""},
		{"fewer allergens need no cleaning", production.LineRun{LastOrderID: "o1", LastStoppedAt: stopped},
			production.Order{ID: "o2", Number: "PO-2", Allergens: []string{"milk", "wheat"}}, nil, ""},
		{"an allergen this product lacks needs a changeover", production.LineRun{LastOrderID: "o1", LastOrderNumber: "PO-1",
			LastAllergens: []string{"wheat", "peanuts", "milk"}, LastStoppedAt: stopped}, order, []string{"milk", "peanuts"},
			"Clean line L1 first: the last order, PO-1, contained milk, peanuts, which PO-2 does not"},
		{"a changeover before the last order stopped does not count", production.LineRun{LastOrderID: "o1", LastOrderNumber: "PO-1",
			LastAllergens: []string{"peanuts"}, LastStoppedAt: stopped, LastChangeover: cleaned(stopped.Add(-time.Minute))}, order, []string{"peanuts"}, "Clean line L1"},
		{"a changeover exactly when it stopped does not count", production.LineRun{LastOrderID: "o1", LastOrderNumber: "PO-1",
			LastAllergens: []string{"peanuts"}, LastStoppedAt: stopped, LastChangeover: cleaned(stopped)}, order, []string{"peanuts"}, "Clean line L1"},
		{"a changeover after the last order stopped clears the line", production.LineRun{LastOrderID: "o1", LastAllergens: []string{"peanuts"},
			LastStoppedAt: stopped, LastChangeover: cleaned(stopped.Add(time.Minute))}, order, nil, ""},
		{"an order the line ran last resumes without cleaning", production.LineRun{LastOrderID: "o2", LastAllergens: []string{"peanuts"}, LastStoppedAt: stopped}, order, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := production.AllergensToClean(tt.run, tt.o); !slices.Equal(got, tt.dirty) {
				t.Errorf("AllergensToClean() = %v, want %v", got, tt.dirty)
			}
			err := production.CheckStart(tt.o, tt.run, "L1")
			if tt.message == "" && err != nil || tt.message != "" && (forkline.ErrorCode(err) != forkline.Conflict || !strings.Contains(forkline.ErrorMessage(err), tt.message)) {
				t.Errorf("CheckStart() = %v, want a conflict containing %q (none if empty)", err, tt.message)
			}
		})
	}
}

func TestDispatch(t *testing.T) {
	line, other := "line-1", "line-2"
	at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	orders := []production.Order{
		{Number: "PO-5", LineID: line, State: production.Released, PlannedStart: at(3)},
		{Number: "PO-2", LineID: line, State: production.Released, PlannedStart: at(1)},
		{Number: "PO-1", LineID: line, State: production.Released, PlannedStart: at(1)},
		{Number: "PO-3", LineID: line, State: production.Planned, PlannedStart: at(0)},
		{Number: "PO-4", LineID: line, State: production.InProgress, PlannedStart: at(0)},
		{Number: "PO-6", LineID: other, State: production.Released, PlannedStart: at(0)},
		{Number: "PO-7", LineID: line, State: production.OnHold, HeldFrom: production.Released, PlannedStart: at(0)},
	}
	var got []string
	for _, o := range production.Dispatch(orders, line) {
		got = append(got, o.Number)
	}
	if want := []string{"PO-1", "PO-2", "PO-5"}; !slices.Equal(got, want) {
		t.Errorf("Dispatch() = %v, want %v: released orders of the line by planned start, then number", got, want)
	}
}

// A bakery: bread of flour (rye allowed), water and salt, packed in bags.
const (
	bread = "bread"
	flour = "flour"
	rye   = "rye"
	water = "water"
	salt  = "salt"
	bags  = "bags"
	eggs  = "eggs"
)

func bakery() (production.Formula, production.Item, map[forkline.ID]production.Item) {
	f := production.Formula{RecipeCode: "R-BREAD", Number: 1, ItemID: bread, BatchSize: qty("100 kg"),
		Ingredients: []production.Ingredient{
			{ItemID: flour, Quantity: qty("60 kg"), Tolerance: dec("2"), Substitutes: []forkline.ID{rye}},
			{ItemID: water, Quantity: qty("40 kg"), Tolerance: dec("1")},
			{ItemID: salt, Quantity: qty("2000 g"), Tolerance: dec("0")},
			{ItemID: bags, Quantity: qty("200 ea"), Tolerance: dec("5")},
		},
		Steps: []production.Step{
			{Instruction: "Mix", Additions: []forkline.ID{flour, water, salt}, Parameters: []production.Parameter{{Name: "Mixing time", Unit: "min", Target: dec("8"), Min: dec("6"), Max: dec("10")}}},
			{Instruction: "Bake", Parameters: []production.Parameter{{Name: "Core temperature", Unit: "°C", Target: dec("96"), Min: dec("92"), Max: dec("99"), CCP: true}}},
			{Instruction: "Pack", Additions: []forkline.ID{bags}},
		}}
	product := production.Item{ID: bread, Code: "BREAD", BaseUnit: forkline.Kilogram, PackSizes: []forkline.PackSize{{Unit: forkline.Case, Contents: qty("10 kg")}}}
	items := map[forkline.ID]production.Item{
		bread: product,
		flour: {ID: flour, Code: "FLOUR", BaseUnit: forkline.Kilogram, PackSizes: []forkline.PackSize{{Unit: forkline.Case, Contents: qty("25 kg")}}},
		rye:   {ID: rye, Code: "RYE", BaseUnit: forkline.Kilogram},
		water: {ID: water, Code: "WATER", BaseUnit: forkline.Kilogram},
		salt:  {ID: salt, Code: "SALT", BaseUnit: forkline.Gram},
		bags:  {ID: bags, Code: "BAGS", BaseUnit: forkline.Each},
		eggs:  {ID: eggs, Code: "EGGS", BaseUnit: forkline.Each},
	}
	return f, product, items
}

func TestTargets(t *testing.T) {
	f, product, items := bakery()
	type line struct{ Item, Target, Min, Max string }
	view := func(ts []production.Target) []line {
		var out []line
		for _, t := range ts {
			out = append(out, line{t.ItemID, t.Target.String(), t.Min.String(), t.Max.String()})
		}
		return out
	}
	tests := []struct {
		planned forkline.Quantity
		want    []line
	}{
		{qty("250 kg"), []line{{flour, "150 kg", "147 kg", "153 kg"}, {water, "100 kg", "99 kg", "101 kg"}, {salt, "5000 g", "5000 g", "5000 g"}, {bags, "500 ea", "475 ea", "525 ea"}}},
		{qty("3 case"), []line{{flour, "18 kg", "17.64 kg", "18.36 kg"}, {water, "12 kg", "11.88 kg", "12.12 kg"}, {salt, "600 g", "600 g", "600 g"}, {bags, "60 ea", "57 ea", "63 ea"}}},
	}
	for _, tt := range tests {
		t.Run(tt.planned.String()+" of bread", func(t *testing.T) {
			got, err := production.Targets(f, tt.planned, product, items)
			if err != nil {
				t.Fatalf("Targets() error = %v", err)
			}
			if diff := cmp.Diff(tt.want, view(got)); diff != "" {
				t.Errorf("Targets(%s) mismatch (-want +got):\n%s", tt.planned, diff)
			}
		})
	}
	t.Run("ingredient quantities in pack units convert to the item's base unit", func(t *testing.T) {
		f := f
		f.Ingredients = slices.Clone(f.Ingredients)
		f.Ingredients[0].Quantity = qty("2.4 case")
		got, err := production.Targets(f, qty("100 kg"), product, items)
		if err != nil || got[0].Target != qty("60 kg") {
			t.Errorf("Targets() flour = %v, %v; want 60 kg", got[0].Target, err)
		}
	})
}

func TestMaterialChecks(t *testing.T) {
	f, product, items := bakery()
	targets, err := production.Targets(f, qty("100 kg"), product, items)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the lot's item finds its ingredient or the ingredient it substitutes", func(t *testing.T) {
		for _, tt := range []struct {
			item      string
			i         int
			sub, isOK bool
		}{{flour, 0, false, true}, {rye, 0, true, true}, {salt, 2, false, true}, {eggs, -1, false, false}, {bread, -1, false, false}} {
			i, sub, ok := production.MatchIngredient(targets, tt.item)
			if i != tt.i || sub != tt.sub || ok != tt.isOK {
				t.Errorf("MatchIngredient(%s) = %d, %v, %v; want %d, %v, %v", tt.item, i, sub, ok, tt.i, tt.sub, tt.isOK)
			}
		}
	})
	t.Run("quantities count exactly in the ingredient's base unit", func(t *testing.T) {
		for _, tt := range []struct {
			entered          string
			lot, ingredient  string
			want, wantErrMsg string
		}{
			{"25.5 kg", flour, flour, "25.5 kg", ""},
			{"1 case", flour, flour, "25 kg", ""},
			{"2500 g", rye, flour, "2.5 kg", ""},
			{"1.5 kg", salt, salt, "1500 g", ""},
			{"3 ea", eggs, flour, "", "cannot be counted exactly in kg"},
			{"0 kg", flour, flour, "", "more than zero"},
			{"1 L", flour, flour, "", "cannot convert"},
			{"0.0000001 kg", flour, flour, "", "decimal"},
		} {
			q, err := forkline.ParseQuantity(tt.entered)
			if err != nil {
				if tt.wantErrMsg != "decimal" {
					t.Fatalf("ParseQuantity(%s): %v", tt.entered, err)
				}
				continue
			}
			got, err := production.Counted(q, items[tt.lot], items[tt.ingredient])
			if tt.wantErrMsg != "" {
				if forkline.ErrorCode(err) != forkline.Invalid || !strings.Contains(forkline.ErrorMessage(err), tt.wantErrMsg) {
					t.Errorf("Counted(%s of %s for %s) = %v, want invalid containing %q", tt.entered, tt.lot, tt.ingredient, err, tt.wantErrMsg)
				}
				continue
			}
			if err != nil || got.String() != tt.want {
				t.Errorf("Counted(%s of %s for %s) = %v, %v; want %s", tt.entered, tt.lot, tt.ingredient, got, err, tt.want)
			}
		}
	})
	t.Run("tolerance is cumulative over additions, booked or pending, not refused", func(t *testing.T) {
		adds := []production.Addition{
			{IngredientItemID: flour, Quantity: qty("30 kg"), Status: production.AdditionBooked},
			{IngredientItemID: flour, Quantity: qty("20 kg"), Status: production.AdditionPending},
			{IngredientItemID: flour, Quantity: qty("50 kg"), Status: production.AdditionRefused},
			{IngredientItemID: water, Quantity: qty("40 kg"), Status: production.AdditionBooked},
		}
		sum := production.Added(adds, flour, forkline.Kilogram)
		if sum != qty("50 kg") {
			t.Fatalf("Added(flour) = %s, want 50 kg", sum)
		}
		flourT := targets[0] // 60 kg, 58.8 to 61.2
		for _, tt := range []struct {
			total        string
			within, over bool
		}{
			{"58.799999 kg", false, false}, {"58.8 kg", true, false}, {"60 kg", true, false}, {"61.2 kg", true, false}, {"61.200001 kg", false, true},
		} {
			if w, o := flourT.Within(qty(tt.total)), flourT.Over(qty(tt.total)); w != tt.within || o != tt.over {
				t.Errorf("flour total %s: within %v, over %v; want %v, %v", tt.total, w, o, tt.within, tt.over)
			}
		}
	})
	t.Run("FEFO: a lot is out of order when another expires before it", func(t *testing.T) {
		d := func(day int) time.Time { return time.Date(2026, 4, day, 0, 0, 0, 0, time.UTC) }
		lot := production.Lot{ID: "l2", Expiry: d(10)}
		for _, tt := range []struct {
			name  string
			lot   production.Lot
			first production.Lot
			out   bool
		}{
			{"the lot is the first", lot, production.Lot{ID: "l2", Expiry: d(10)}, false},
			{"another expires earlier", lot, production.Lot{ID: "l1", Expiry: d(5)}, true},
			{"another expires the same day", lot, production.Lot{ID: "l1", Expiry: d(10)}, false},
			{"another without expiry", lot, production.Lot{ID: "l1"}, false},
			{"the lot has no expiry but another has", production.Lot{ID: "l2"}, production.Lot{ID: "l1", Expiry: d(5)}, true},
			{"no other lot", lot, production.Lot{}, false},
		} {
			if got := production.OutOfFEFO(tt.lot, tt.first); got != tt.out {
				t.Errorf("OutOfFEFO(%s) = %v, want %v", tt.name, got, tt.out)
			}
		}
	})
}

func TestReadings(t *testing.T) {
	f, _, _ := bakery()
	core, err := production.FindParameter(f, 2, "core TEMPERATURE")
	if err != nil || core.Name != "Core temperature" {
		t.Fatalf("FindParameter(step 2, core temperature) = %v, %v", core, err)
	}
	for _, tt := range []struct {
		step int
		name string
		msg  string
	}{{0, "x", "step must be from 1 to 3"}, {4, "x", "step must be from 1 to 3"}, {1, "Core temperature", "it has Mixing time"}, {3, "x", "has no process parameters"}} {
		if _, err := production.FindParameter(f, tt.step, tt.name); !strings.Contains(forkline.ErrorMessage(err), tt.msg) {
			t.Errorf("FindParameter(%d, %q) = %v, want %q", tt.step, tt.name, err, tt.msg)
		}
	}
	for _, tt := range []struct {
		value string
		ok    bool
		desc  string
	}{
		{"92", true, ""}, {"99", true, ""}, {"95.5", true, ""},
		{"91.9", false, "Core temperature 91.9 °C is below the minimum 92 °C (step 2, a critical control point)."},
		{"99.01", false, "Core temperature 99.01 °C is above the maximum 99 °C (step 2, a critical control point)."},
	} {
		ok, desc := production.CheckReading(core, 2, dec(tt.value))
		if ok != tt.ok || desc != tt.desc {
			t.Errorf("CheckReading(%s) = %v, %q; want %v, %q", tt.value, ok, desc, tt.ok, tt.desc)
		}
	}
}

func TestComputeYield(t *testing.T) {
	f, product, items := bakery()
	booked := func(ing, q string) production.Addition {
		return production.Addition{IngredientItemID: ing, Quantity: qty(q), Status: production.AdditionBooked}
	}
	out := func(q string) production.Output { return production.Output{Quantity: qty(q)} }
	full := []production.Addition{booked(flour, "60 kg"), booked(water, "40 kg"), booked(salt, "2000 g"), booked(bags, "200 ea")}
	half := []production.Addition{booked(flour, "30 kg"), booked(water, "20 kg"), booked(salt, "1000 g")}
	tests := []struct {
		name        string
		adds        []production.Addition
		outs        []production.Output
		theoretical string
		percent     string
	}{
		{"a whole batch of inputs predicts the batch size", full, []production.Output{out("95 kg")}, "100 kg", "95.0"},
		{"half the inputs predict half the batch", half, []production.Output{out("47.5 kg")}, "50 kg", "95.0"},
		{"one decimal rounds half up (95.55)", half, []production.Output{out("47.775 kg")}, "50 kg", "95.6"},
		{"one decimal rounds half up (95.45)", half, []production.Output{out("47.725 kg")}, "50 kg", "95.5"},
		{"below the half rounds down (95.449998)", half, []production.Output{out("47.724999 kg")}, "50 kg", "95.4"},
		{"outputs add up", half, []production.Output{out("20 kg"), out("27.5 kg")}, "50 kg", "95.0"},
		{"more output than predicted is above 100", half, []production.Output{out("51 kg")}, "50 kg", "102.0"},
		// 100 kg x 102.3 / 102 = 100.2941176... kg; 98 / that = 97.7126...%
		{"the theoretical output is exact before rounding", []production.Addition{booked(flour, "60.3 kg"), booked(water, "40 kg"), booked(salt, "2000 g")},
			[]production.Output{out("98 kg")}, "100.294118 kg", "97.7"},
		{"a substitute counts for its ingredient", []production.Addition{booked(flour, "20 kg"), {IngredientItemID: flour, ItemID: rye, Quantity: qty("10 kg"), Status: production.AdditionBooked},
			booked(water, "20 kg"), booked(salt, "1000 g")}, []production.Output{out("50 kg")}, "50 kg", "100.0"},
		{"pending and refused additions do not count", append([]production.Addition{
			{IngredientItemID: flour, Quantity: qty("30 kg"), Status: production.AdditionPending},
			{IngredientItemID: water, Quantity: qty("20 kg"), Status: production.AdditionRefused}}, half...), []production.Output{out("47.5 kg")}, "50 kg", "95.0"},
		{"packaging counted in each stays out of a mass yield", append(slices.Clone(half), booked(bags, "1000 ea")), []production.Output{out("47.5 kg")}, "50 kg", "95.0"},
		{"nothing consumed has no yield", nil, []production.Output{out("10 kg")}, "0 kg", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			y, err := production.ComputeYield(f, product, items, tt.adds, tt.outs)
			if err != nil {
				t.Fatalf("ComputeYield() error = %v", err)
			}
			if y.Theoretical.String() != tt.theoretical || y.Percent != tt.percent {
				t.Errorf("ComputeYield() = theoretical %s, %q%%; want %s, %q%%", y.Theoretical, y.Percent, tt.theoretical, tt.percent)
			}
		})
	}
}

func TestAssembleRecord(t *testing.T) {
	f, product, items := bakery()
	o := production.Order{ID: "o1", Number: "PO-1", ItemID: bread, VersionID: "v1", ContentHash: "h1", PlannedQuantity: qty("100 kg"),
		State: production.Completed, CompletedAt: t0.Add(5 * time.Hour)}
	f.ContentHash = "h1"
	targets, err := production.Targets(f, o.PlannedQuantity, product, items)
	if err != nil {
		t.Fatal(err)
	}
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	fx := production.Facts{Order: o, Product: product, Formula: f, Targets: targets, Items: items,
		Additions: []production.Addition{
			{ID: "a1", IngredientItemID: flour, Quantity: qty("60 kg"), Status: production.AdditionBooked, At: at(10)},
			{ID: "a2", IngredientItemID: water, Quantity: qty("41 kg"), Status: production.AdditionBooked, At: at(11),
				Overrides: []production.Override{{ID: "ov1", Kind: production.OverrideTolerance, Reason: "dough too dry", Detail: "water 41 kg", ActorName: "sam", At: at(11)}}},
			{ID: "a3", IngredientItemID: salt, Quantity: qty("2000 g"), Status: production.AdditionBooked, At: at(12)},
			{ID: "a4", IngredientItemID: bags, Entered: qty("200 ea"), LotCode: "BAG-9", Quantity: qty("200 ea"), Status: production.AdditionRefused, Refusal: "Lot BAG-9 is on hold.", At: at(13)},
		},
		Readings: []production.Reading{{ID: "r1", Step: 2, Parameter: "Core temperature", Value: dec("90"), At: at(30), DeviationID: "d1"}},
		Deviations: []production.Deviation{
			{ID: "d1", Critical: true, Status: production.DeviationOpen, Description: "Core temperature 90 °C is below the minimum 92 °C.", RaisedAt: at(30)},
			{ID: "d0", Critical: false, Status: production.DeviationClosed, Description: "Mixing long.", ClosureReason: "ok", RaisedAt: at(5),
				Closure: &production.Signature{SignerName: "quinn"}},
		},
	}
	r := production.AssembleRecord(fx)
	type ex struct {
		Kind           production.ExceptionKind
		Critical, Open bool
	}
	var got []ex
	for _, e := range r.Exceptions {
		got = append(got, ex{e.Kind, e.Critical, e.Open})
	}
	want := []ex{
		{production.ExceptionDeviation, true, true},     // the open CCP deviation
		{production.ExceptionMissingValue, false, true}, // mixing time never recorded
		{production.ExceptionDeviation, false, false},   // closed, at 5 min
		{production.ExceptionTolerance, false, false},   // water above its maximum, at 11 min
		{production.ExceptionOverride, false, false},    // at 11 min
		{production.ExceptionRefused, false, false},     // at 13 min
		{production.ExceptionTolerance, false, false},   // bags below minimum, at completion
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("exceptions mismatch (-want +got):\n%s", diff)
		for _, e := range r.Exceptions {
			t.Logf("%s %v %v %s: %s", e.Kind, e.Critical, e.Open, e.At.Format("15:04"), e.Message)
		}
	}
	var status []string
	for _, m := range r.Materials {
		status = append(status, m.ItemCode+" "+m.Added.String()+" "+m.Status)
	}
	if want := []string{"FLOUR 60 kg ok", "WATER 41 kg over", "SALT 2000 g ok", "BAGS 0 ea under"}; !slices.Equal(status, want) {
		t.Errorf("materials = %v, want %v", status, want)
	}
	if !r.RecipeFresh || len(r.Overrides) != 1 || len(r.Refused) != 1 || len(r.Parameters) != 2 {
		t.Errorf("record: fresh %v, %d overrides, %d refused, %d parameters; want true, 1, 1, 2", r.RecipeFresh, len(r.Overrides), len(r.Refused), len(r.Parameters))
	}
	if got := production.OpenCritical(r.Deviations); len(got) != 1 || got[0].ID != "d1" {
		t.Errorf("OpenCritical() = %v, want d1", got)
	}

	t.Run("a changed recipe is the first exception", func(t *testing.T) {
		fx := fx
		fx.Formula.ContentHash = "other"
		r := production.AssembleRecord(fx)
		if r.RecipeFresh || r.Exceptions[0].Kind != production.ExceptionRecipeChanged {
			t.Errorf("first exception = %v, fresh %v; want recipe_changed", r.Exceptions[0], r.RecipeFresh)
		}
	})
	t.Run("the record hash covers facts, not the order's state", func(t *testing.T) {
		h := production.RecordHash(r)
		closed := fx
		closed.Order.State = production.Closed
		if got := production.RecordHash(production.AssembleRecord(closed)); got != h {
			t.Errorf("RecordHash after closing = %s, want %s", got, h)
		}
		changed := fx
		changed.Additions = slices.Clone(fx.Additions)
		changed.Additions[0].Quantity = qty("59 kg")
		if got := production.RecordHash(production.AssembleRecord(changed)); got == h {
			t.Errorf("RecordHash after changing an addition = %s, unchanged", got)
		}
		reread := fx
		reread.Readings = []production.Reading{{ID: "r1", Step: 2, Parameter: "Core temperature", Value: dec("95"), At: at(30), DeviationID: "d1"}}
		if got := production.RecordHash(production.AssembleRecord(reread)); got == h {
			t.Errorf("RecordHash after changing a reading = %s, unchanged", got)
		}
	})
}
