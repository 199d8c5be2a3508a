package storetest_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/inventory"
	"github.com/forkline/forkline/internal/production"
	"github.com/forkline/forkline/internal/sqlstore"
	"github.com/forkline/forkline/internal/storetest"
	"github.com/google/go-cmp/cmp"
)

// TestProductionExecution runs one bread order through the line on every
// engine: each material check, overrides with a reason, parameters and
// deviations, output, yield, the batch record, and the batch release
// refused while a critical deviation is open.
func TestProductionExecution(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		pw := newProdWorld(t, db, c)
		b := pw.b
		line := pw.newLine(t)
		// Today is 2026-03-02. Flour: 60 kg, 58.8 to 61.2; water: 40 kg,
		// 39.6 to 40.4; salt: 2000 g, 1900 to 2100.
		flourHeld := pw.lot(t, b.flour, "50 kg", date(3, 20))
		if _, err := pw.inv.ChangeStatus(pw.ctx, inventory.StatusInput{LotID: flourHeld.ID, To: inventory.Hold, Reason: "foreign body found"}); err != nil {
			t.Fatalf("hold: %v", err)
		}
		flourExpired := pw.lot(t, b.flour, "50 kg", date(3, 1))
		flourEarly := pw.lot(t, b.flour, "30 kg", date(4, 1))
		flourLate := pw.lot(t, b.flour, "100 kg", date(6, 1))
		rye := pw.lot(t, b.rye, "20 kg", date(5, 1))
		waterEarly := pw.lot(t, b.water, "50 kg", date(3, 10))
		waterLate := pw.lot(t, b.water, "50 kg", date(3, 20))
		salt := pw.lot(t, b.salt, "10 kg", time.Time{})
		eggs := pw.lot(t, b.eggs, "30 ea", date(3, 20))
		o := pw.running(t, "PO-1", b.bread, line, "100 kg")

		additions := func() []production.Addition {
			t.Helper()
			rec, err := pw.prod.BatchRecord(pw.ctx, o.ID)
			if err != nil {
				t.Fatalf("BatchRecord: %v", err)
			}
			var out []production.Addition
			for _, m := range rec.Materials {
				out = append(out, m.Additions...)
			}
			return append(out, rec.Refused...)
		}
		refusedCleanly := func(t *testing.T, what string, err error, code forkline.Code, msg string, lot inventory.Lot, stock string) {
			t.Helper()
			if forkline.ErrorCode(err) != code || !strings.Contains(forkline.ErrorMessage(err), msg) {
				t.Errorf("%s = %v, want %s containing %q", what, err, code, msg)
			}
			if got := pw.onHand(t, lot); got != stock {
				t.Errorf("%s: lot %s holds %q, want %q: nothing may be consumed", what, lot.Code, got, stock)
			}
		}

		t.Run("a lot of an item that is not in the recipe is refused", func(t *testing.T) {
			n := len(additions())
			_, err := pw.add(o, eggs, "2 ea", "")
			refusedCleanly(t, "AddMaterial(eggs)", err, forkline.Invalid, "Wrong material: lot "+eggs.Code+" is EGGS, which recipe R-BREAD does not use. Scan a lot of FLOUR, WATER, SALT.", eggs, "30 ea")
			if !errors.Is(err, production.ErrWrongItem) || !slices.Contains(fieldNames(err), "lotId") || len(additions()) != n {
				t.Errorf("fields %v, additions %d -> %d; want lotId and nothing recorded", fieldNames(err), n, len(additions()))
			}
		})
		t.Run("a held lot is refused by the ledger and the refusal recorded", func(t *testing.T) {
			_, err := pw.add(o, flourHeld, "10 kg", "")
			refusedCleanly(t, "AddMaterial(held)", err, forkline.Conflict, "is on hold", flourHeld, "50 kg")
		})
		t.Run("an expired lot is refused by the ledger", func(t *testing.T) {
			_, err := pw.add(o, flourExpired, "10 kg", "")
			refusedCleanly(t, "AddMaterial(expired)", err, forkline.Conflict, "expired on 2026-03-01", flourExpired, "50 kg")
			var refused []string
			for _, a := range additions() {
				if a.Status == production.AdditionRefused {
					refused = append(refused, a.LotCode)
				}
			}
			if want := []string{flourHeld.Code, flourExpired.Code}; !slices.Equal(refused, want) {
				t.Errorf("refused additions = %v, want %v", refused, want)
			}
		})
		t.Run("a lot that is not the first to expire is refused (FEFO)", func(t *testing.T) {
			_, err := pw.add(o, flourLate, "10 kg", "")
			refusedCleanly(t, "AddMaterial(late flour)", err, forkline.Invalid, "Use lot "+flourEarly.Code+" first: it expires on 2026-04-01", flourLate, "100 kg")
			if !errors.Is(err, production.ErrOutOfFEFO) {
				t.Errorf("AddMaterial(late flour) = %v, want it to wrap ErrOutOfFEFO", err)
			}
		})
		t.Run("a usable lot of the recipe is consumed through the ledger", func(t *testing.T) {
			a := pw.mustAdd(t, o, flourEarly, "30 kg")
			if a.Status != production.AdditionBooked || a.EventID == "" || a.Quantity != qty("30 kg") || a.IngredientItemID != b.flour.ID || a.ActorName != "system" {
				t.Errorf("addition = %+v, want booked 30 kg of flour with its ledger event", a)
			}
			if got := pw.onHand(t, flourEarly); got != "" {
				t.Errorf("early flour holds %q, want nothing", got)
			}
			ev, err := pw.inv.Detail(pw.ctx, flourEarly.ID)
			if err != nil || ev.Events[len(ev.Events)-1].ID != a.EventID || ev.Events[len(ev.Events)-1].OrderRef != "PO-1" {
				t.Errorf("the ledger's last event of the lot is not the addition's consumption into PO-1: %v", err)
			}
		})
		t.Run("a substitute counts towards its ingredient", func(t *testing.T) {
			a := pw.mustAdd(t, o, rye, "10000 g")
			if !a.Substitute || a.IngredientItemID != b.flour.ID || a.ItemID != b.rye.ID || a.Quantity != qty("10 kg") || a.Entered != qty("10000 g") {
				t.Errorf("rye addition = %+v, want 10 kg counted for flour", a)
			}
		})
		t.Run("the cumulative quantity must stay within tolerance", func(t *testing.T) {
			_, err := pw.add(o, flourLate, "25 kg", "")
			refusedCleanly(t, "AddMaterial(too much)", err, forkline.Invalid,
				"Too much FLOUR: FLOUR: 25 kg would make 65 kg in total, above the maximum 61.2 kg (target 60 kg ± 2%). A supervisor may accept it with a reason.", flourLate, "100 kg")
			if !errors.Is(err, production.ErrOutOfTolerance) || !slices.Contains(fieldNames(err), "quantity") {
				t.Errorf("AddMaterial(too much) = %v, want it to wrap ErrOutOfTolerance on quantity", err)
			}
			pw.mustAdd(t, o, flourLate, "20 kg") // 60 kg in total
		})
		t.Run("a supervisor accepts a quantity outside tolerance with a reason, recorded", func(t *testing.T) {
			_, err := pw.add(o, flourLate, "1.5 kg", "")
			refusedCleanly(t, "AddMaterial(61.5 kg, no reason)", err, forkline.Invalid, "above the maximum 61.2 kg", flourLate, "80 kg")
			a, err := pw.add(o, flourLate, "1.5 kg", "dough too wet, baker's call")
			if err != nil {
				t.Fatalf("AddMaterial(with a reason): %v", err)
			}
			want := []production.Override{{ID: a.Overrides[0].ID, OrderID: o.ID, AdditionID: a.ID, Kind: production.OverrideTolerance,
				Reason: "dough too wet, baker's call", Detail: "FLOUR: 1.5 kg would make 61.5 kg in total, above the maximum 61.2 kg (target 60 kg ± 2%).",
				At: c.Now(), ActorID: "system", ActorName: "system"}}
			if diff := cmp.Diff(want, a.Overrides); diff != "" {
				t.Errorf("override mismatch (-want +got):\n%s", diff)
			}
			stored := additions()
			if i := slices.IndexFunc(stored, func(s production.Addition) bool { return s.ID == a.ID }); i < 0 || cmp.Diff(want, stored[i].Overrides) != "" {
				t.Errorf("the stored addition does not carry the override")
			}
			e := history(t, db, "production_order", o.ID)
			if e[0].Action != "book_material" || e[1].Action != "add_material" || e[1].Reason != "dough too wet, baker's call" {
				t.Errorf("audit entries = %s, %s %q; want book_material after add_material with the reason", e[0].Action, e[1].Action, e[1].Reason)
			}
		})
		t.Run("a supervisor accepts a lot out of FEFO order with a reason", func(t *testing.T) {
			_, err := pw.add(o, waterLate, "40 kg", "")
			refusedCleanly(t, "AddMaterial(late water)", err, forkline.Invalid, "Use lot "+waterEarly.Code+" first: it expires on 2026-03-10", waterLate, "50 kg")
			a, err := pw.add(o, waterLate, "40 kg", "early lot frozen solid")
			if err != nil || len(a.Overrides) != 1 || a.Overrides[0].Kind != production.OverrideFEFO || !strings.Contains(a.Overrides[0].Detail, "used before lot "+waterEarly.Code) {
				t.Errorf("AddMaterial(late water, reason) = %+v, %v; want one FEFO override", a.Overrides, err)
			}
		})
		t.Run("an addition in a step must be one of the step's ingredients", func(t *testing.T) {
			_, err := pw.prod.AddMaterial(pw.ctx, production.AdditionInput{OrderID: o.ID, LotID: salt.ID, LocationID: pw.cooler, Quantity: qty("2000 g"), Step: 2})
			refusedCleanly(t, "AddMaterial(salt in step 2)", err, forkline.Invalid, "SALT is not added in step 2", salt, "10000 g")
			if _, err := pw.prod.AddMaterial(pw.ctx, production.AdditionInput{OrderID: o.ID, LotID: salt.ID, LocationID: pw.cooler, Quantity: qty("2 kg"), Step: 1}); err != nil {
				t.Errorf("AddMaterial(salt in step 1): %v", err)
			}
		})
		t.Run("a retry with the same key books nothing twice", func(t *testing.T) {
			in := production.AdditionInput{OrderID: o.ID, LotID: salt.ID, LocationID: pw.cooler, Quantity: qty("50 g"), IdempotencyKey: "tablet-7-scan-12"}
			first, err := pw.prod.AddMaterial(pw.ctx, in)
			if err != nil {
				t.Fatalf("AddMaterial: %v", err)
			}
			again, err := pw.prod.AddMaterial(pw.ctx, in)
			if err != nil || again.ID != first.ID {
				t.Errorf("retry = %s, %v; want the first addition %s", again.ID, err, first.ID)
			}
			if got := pw.onHand(t, salt); got != "7950 g" {
				t.Errorf("salt holds %s, want 7950 g: consumed once", got)
			}
		})
		t.Run("a value outside its limits raises a deviation, critical for a CCP", func(t *testing.T) {
			r, d, err := pw.prod.RecordParameter(pw.ctx, production.ReadingInput{OrderID: o.ID, Step: 1, Parameter: "mixing time", Value: 8_000_000})
			if err != nil || d != nil || !r.InLimits || r.Parameter != "Mixing time" {
				t.Errorf("RecordParameter(mixing 8) = %+v, %v, %v; want in limits, no deviation", r, d, err)
			}
			c.Advance(time.Hour)
			r, d, err = pw.prod.RecordParameter(pw.ctx, production.ReadingInput{OrderID: o.ID, Step: 2, Parameter: "Core temperature", Value: 90_500_000})
			if err != nil || d == nil || !d.Critical || r.InLimits || r.DeviationID != d.ID ||
				d.Description != "Core temperature 90.5 °C is below the minimum 92 °C (step 2, a critical control point)." {
				t.Fatalf("RecordParameter(core 90.5) = %+v, %+v, %v; want a critical deviation", r, d, err)
			}
			_, minor, err := pw.prod.RecordParameter(pw.ctx, production.ReadingInput{OrderID: o.ID, Step: 1, Parameter: "Mixing time", Value: 11_000_000})
			if err != nil || minor == nil || minor.Critical {
				t.Errorf("RecordParameter(mixing 11) = %+v, %v; want a deviation that is not critical", minor, err)
			}
			if _, _, err := pw.prod.RecordParameter(pw.ctx, production.ReadingInput{OrderID: o.ID, Step: 2, Parameter: "Humidity", Value: 1}); forkline.ErrorCode(err) != forkline.Invalid {
				t.Errorf("RecordParameter(unknown parameter) = %v, want invalid", err)
			}
		})
		var output production.Output
		t.Run("output is produced through the ledger in quarantine", func(t *testing.T) {
			var err error
			output, err = pw.prod.RecordOutput(pw.ctx, production.OutputInput{OrderID: o.ID, LocationID: pw.cooler, Quantity: qty("95 kg"), IdempotencyKey: "out-1"})
			if err != nil {
				t.Fatalf("RecordOutput: %v", err)
			}
			lot, err := pw.inv.Lot(pw.ctx, output.LotID)
			if err != nil || lot.Status != inventory.Quarantine || lot.OrderRef != "PO-1" || lot.Code != output.LotCode || lot.Expiry != date(3, 7) {
				t.Errorf("output lot = %s %s for %q, expiry %v, %v; want in quarantine for PO-1, expiring in 5 days", lot.Code, lot.Status, lot.OrderRef, lot.Expiry, err)
			}
			again, err := pw.prod.RecordOutput(pw.ctx, production.OutputInput{OrderID: o.ID, LocationID: pw.cooler, Quantity: qty("95 kg"), IdempotencyKey: "out-1"})
			if err != nil || again.ID != output.ID {
				t.Errorf("RecordOutput retry = %s, %v; want the first output", again.ID, err)
			}
		})
		t.Run("completing computes the yield from what was consumed", func(t *testing.T) {
			// Consumed: flour 30 + 10 (rye) + 20 + 1.5 = 61.5 kg, water 40 kg,
			// salt 2.05 kg: 103.55 kg of the recipe's 102 kg per 100 kg batch.
			// Theoretical: 100 x 103.55 / 102 = 101.5196078... kg; 95 kg of it is 93.578 %.
			done := pw.move(t, o, production.Completed)
			if done.Yield.Actual != qty("95 kg") || done.Yield.Theoretical != qty("101.519608 kg") || done.Yield.Percent != "93.6" {
				t.Errorf("yield = %s of %s, %s%%; want 95 kg of 101.519608 kg, 93.6%%", done.Yield.Actual, done.Yield.Theoretical, done.Yield.Percent)
			}
			stored, _ := pw.prod.Order(pw.ctx, o.ID)
			if stored.Yield != done.Yield {
				t.Errorf("stored yield = %+v, want %+v", stored.Yield, done.Yield)
			}
			if _, err := pw.add(o, flourLate, "1 kg", ""); forkline.ErrorCode(err) != forkline.Conflict {
				t.Errorf("AddMaterial(completed order) = %v, want a conflict", err)
			}
			o = stored
		})
		t.Run("the batch record lists the exceptions first", func(t *testing.T) {
			rec, err := pw.prod.BatchRecord(pw.ctx, o.ID)
			if err != nil {
				t.Fatalf("BatchRecord: %v", err)
			}
			var got []string
			for _, e := range rec.Exceptions {
				got = append(got, string(e.Kind))
			}
			// Open deviations first, the critical one on top; then the rest by
			// time (the additions all happened at 08:00, in the record's order).
			want := []string{"deviation", "deviation", "tolerance", "refused_addition", "refused_addition", "override", "override"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("exceptions mismatch (-want +got):\n%s", diff)
			}
			if e := rec.Exceptions[0]; !e.Critical || !e.Open || !strings.Contains(e.Message, "Core temperature 90.5 °C") {
				t.Errorf("first exception = %+v, want the open critical deviation", e)
			}
			var lines []string
			for _, m := range rec.Materials {
				lines = append(lines, m.ItemCode+" "+m.Added.String()+" of "+m.Target.Target.String()+" "+m.Status)
			}
			if want := []string{"FLOUR 61.5 kg of 60 kg over", "WATER 40 kg of 40 kg ok", "SALT 2050 g of 2000 g ok"}; !slices.Equal(lines, want) {
				t.Errorf("materials = %v, want %v", lines, want)
			}
			if len(rec.Parameters) != 2 || len(rec.Parameters[0].Readings) != 2 || len(rec.Outputs) != 1 || len(rec.History) != 3 {
				t.Errorf("record: %d parameters (%d mixing readings), %d outputs, %d moves; want 2 (2), 1, 3",
					len(rec.Parameters), len(rec.Parameters[0].Readings), len(rec.Outputs), len(rec.History))
			}
		})
		t.Run("the batch is not released while a critical deviation is open", func(t *testing.T) {
			n := auditCount(t, db)
			_, err := pw.prod.ReleaseBatch(pw.ctx, production.ReleaseInput{OrderID: o.ID, Password: quinnPassword, Meaning: production.MeaningReleased})
			if forkline.ErrorCode(err) != forkline.Conflict || !strings.Contains(forkline.ErrorMessage(err), "cannot be released: 1 critical deviation(s) are open: Core temperature 90.5 °C") {
				t.Errorf("ReleaseBatch(open CCP deviation) = %v, want a conflict naming it", err)
			}
			if lot, _ := pw.inv.Lot(pw.ctx, output.LotID); lot.Status != inventory.Quarantine || auditCount(t, db) != n {
				t.Errorf("a refused release changed something: lot %s", lot.Status)
			}
		})
		t.Run("quality closes the deviation with a signature and a reason", func(t *testing.T) {
			rec, _ := pw.prod.BatchRecord(pw.ctx, o.ID)
			crit := production.OpenCritical(rec.Deviations)[0]
			in := production.CloseDeviationInput{DeviationID: crit.ID, Reason: "Probe misplaced; re-measured 96 °C, batch re-baked 10 min.", Password: quinnPassword, Meaning: production.MeaningReviewed}
			for _, tc := range []struct {
				name string
				edit func(in *production.CloseDeviationInput)
				code forkline.Code
			}{
				{"no reason", func(in *production.CloseDeviationInput) { in.Reason = "" }, forkline.Invalid},
				{"no meaning", func(in *production.CloseDeviationInput) { in.Meaning = "" }, forkline.Invalid},
				{"a wrong password", func(in *production.CloseDeviationInput) { in.Password = "nope" }, forkline.Unauthorized},
			} {
				bad := in
				tc.edit(&bad)
				if _, err := pw.prod.CloseDeviation(pw.ctx, bad); forkline.ErrorCode(err) != tc.code {
					t.Errorf("CloseDeviation(%s) = %v, want %s", tc.name, err, tc.code)
				}
			}
			c.Advance(time.Hour)
			d, err := pw.prod.CloseDeviation(pw.ctx, in)
			if err != nil {
				t.Fatalf("CloseDeviation: %v", err)
			}
			if d.Status != production.DeviationClosed || d.Closure.SignerName != "quinn" || d.Closure.ContentHash != production.DeviationHash(crit, in.Reason) || !d.ClosedAt.Equal(c.Now()) {
				t.Errorf("closed deviation = %+v, signature %+v", d, d.Closure)
			}
			stored, _ := pw.prod.BatchRecord(pw.ctx, o.ID)
			if i := slices.IndexFunc(stored.Deviations, func(x production.Deviation) bool { return x.ID == d.ID }); i < 0 || cmp.Diff(d, stored.Deviations[i]) != "" {
				t.Errorf("stored deviation differs from the closed one")
			}
			if _, err := pw.prod.CloseDeviation(pw.ctx, in); forkline.ErrorCode(err) != forkline.Conflict {
				t.Errorf("CloseDeviation(again) = %v, want a conflict", err)
			}
		})
		t.Run("quality releases the batch with a signature, which releases its lots", func(t *testing.T) {
			sig, err := pw.prod.ReleaseBatch(pw.ctx, production.ReleaseInput{OrderID: o.ID, Password: quinnPassword, Meaning: production.MeaningReleased})
			if err != nil {
				t.Fatalf("ReleaseBatch: %v", err)
			}
			rec, _ := pw.prod.BatchRecord(pw.ctx, o.ID)
			if sig.SignerName != "quinn" || sig.Meaning != "released" || !sig.SignedAt.Equal(c.Now()) || rec.Order.BatchRelease == nil ||
				rec.Order.BatchRelease.ContentHash != sig.ContentHash {
				t.Errorf("release signature = %+v, stored %+v", sig, rec.Order.BatchRelease)
			}
			if lot, _ := pw.inv.Lot(pw.ctx, output.LotID); lot.Status != inventory.Released {
				t.Errorf("output lot = %s, want released", lot.Status)
			}
			if ok, err := pw.prod.VerifyRelease(pw.ctx, o.ID); !ok || err != nil {
				t.Errorf("VerifyRelease() = %v, %v; want the record to match its signature", ok, err)
			}
			n := auditCount(t, db)
			again, err := pw.prod.ReleaseBatch(pw.ctx, production.ReleaseInput{OrderID: o.ID, Password: quinnPassword, Meaning: production.MeaningReleased})
			if err != nil || again.ID != sig.ID || auditCount(t, db) != n {
				t.Errorf("ReleaseBatch(again) = %s, %v; want the first signature and nothing booked", again.ID, err)
			}
			// The minor deviation may still be closed, and the order closed;
			// neither changes the facts the release signed.
			minor := rec.Deviations[slices.IndexFunc(rec.Deviations, func(d production.Deviation) bool { return d.Status == production.DeviationOpen })]
			if _, err := pw.prod.CloseDeviation(pw.ctx, production.CloseDeviationInput{DeviationID: minor.ID, Reason: "within dough spec", Password: samPassword, Meaning: "reviewed"}); err != nil {
				t.Errorf("CloseDeviation(minor): %v", err)
			}
			pw.move(t, rec.Order, production.Closed)
			if ok, err := pw.prod.VerifyRelease(pw.ctx, o.ID); !ok || err != nil {
				t.Errorf("VerifyRelease() after closing = %v, %v; want true", ok, err)
			}
			rec, _ = pw.prod.BatchRecord(pw.ctx, o.ID)
			var signers []string
			for _, s := range rec.Signatures {
				signers = append(signers, s.Entity+" "+s.SignerName+" "+s.Meaning)
			}
			if want := []string{"deviation quinn reviewed", "batch_record quinn released", "deviation sam reviewed"}; !slices.Equal(signers, want) {
				t.Errorf("signatures = %v, want %v", signers, want)
			}
		})
		auditCount(t, db)
	})
}

// TestProductionYield checks the yield arithmetic end to end on every engine.
func TestProductionYield(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		pw := newProdWorld(t, db, c)
		b := pw.b
		flour, water, salt := pw.lot(t, b.flour, "500 kg", date(6, 1)), pw.lot(t, b.water, "500 kg", date(6, 1)), pw.lot(t, b.salt, "50 kg", time.Time{})
		tests := []struct {
			name                 string
			flour, water, salt   string
			outputs              []string
			theoretical, percent string
		}{
			// Half the recipe's inputs (51 of 102 kg) predict 50 kg.
			{"half a batch", "30 kg", "20 kg", "1000 g", []string{"47.775 kg"}, "50 kg", "95.6"},
			{"two outputs", "30 kg", "20 kg", "1000 g", []string{"20 kg", "27.725 kg"}, "50 kg", "95.5"},
			// 100 x 51.51 / 102 = 50.5 kg; 50.5 kg made is 100 %.
			{"a full yield", "30.3 kg", "20.2 kg", "1010 g", []string{"50.5 kg"}, "50.5 kg", "100.0"},
			{"no output", "30 kg", "20 kg", "1000 g", nil, "50 kg", "0.0"},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				o := pw.running(t, "PO-Y"+string(rune('1'+i)), b.bread, pw.newLine(t), "50 kg")
				pw.mustAdd(t, o, flour, tt.flour)
				pw.mustAdd(t, o, water, tt.water)
				pw.mustAdd(t, o, salt, tt.salt)
				for _, q := range tt.outputs {
					if _, err := pw.prod.RecordOutput(pw.ctx, production.OutputInput{OrderID: o.ID, LocationID: pw.cooler, Quantity: qty(q)}); err != nil {
						t.Fatalf("RecordOutput: %v", err)
					}
				}
				y := pw.move(t, o, production.Completed).Yield
				if y.Theoretical.String() != tt.theoretical || y.Percent != tt.percent {
					t.Errorf("yield = %s of %s, %q%%; want of %s, %q%%", y.Actual, y.Theoretical, y.Percent, tt.theoretical, tt.percent)
				}
			})
		}
	})
}

// TestProductionChangeover checks on every engine that an order does not
// start on a line whose last order contained an allergen it does not,
// until a cleaning completed after that order is recorded.
func TestProductionChangeover(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		pw := newProdWorld(t, db, c)
		b := pw.b
		pw.approved(t, "R-COOKIES", b.cookies, pw.cookieContent())
		line := pw.newLine(t)
		clean := func(at time.Time) error {
			_, err := pw.prod.RecordChangeover(pw.ctx, production.ChangeoverInput{LineID: line.ID, Kind: production.Cleaning, Note: "wet clean, ATP swabs pass", CompletedAt: at})
			return err
		}
		start := func(o production.Order) error {
			_, err := pw.prod.ChangeState(pw.ctx, production.StateInput{OrderID: o.ID, To: production.InProgress})
			return err
		}

		cookies := pw.running(t, "PO-C1", b.cookies, line, "50 kg")
		if err := clean(time.Time{}); forkline.ErrorCode(err) != forkline.Conflict || !strings.Contains(forkline.ErrorMessage(err), "running order PO-C1") {
			t.Errorf("RecordChangeover(while PO-C1 runs) = %v, want a conflict", err)
		}
		c.Advance(time.Hour)
		pw.move(t, cookies, production.Completed)
		stopped := c.Now()

		bread := pw.move(t, pw.order(t, "PO-B1", b.bread, line, "100 kg", 1), production.Released)
		t.Run("bread after peanut cookies needs a cleaning", func(t *testing.T) {
			err := start(bread)
			if forkline.ErrorCode(err) != forkline.Conflict || forkline.ErrorMessage(err) !=
				"Clean line "+line.Code+" first: the last order, PO-C1, contained peanuts, which PO-B1 does not. Record the completed changeover, then start." {
				t.Errorf("start = %v, want a changeover required for peanuts", err)
			}
		})
		t.Run("a cleaning finished before the last order stopped does not count", func(t *testing.T) {
			if err := clean(stopped.Add(-10 * time.Minute)); err != nil {
				t.Fatalf("RecordChangeover: %v", err)
			}
			if err := start(bread); forkline.ErrorCode(err) != forkline.Conflict {
				t.Errorf("start after an earlier cleaning = %v, want a conflict", err)
			}
		})
		t.Run("a cleaning in the future is refused", func(t *testing.T) {
			if err := clean(c.Now().Add(time.Hour)); !slices.Contains(fieldNames(err), "completedAt") {
				t.Errorf("RecordChangeover(in an hour) = %v, want completedAt refused", err)
			}
		})
		t.Run("a cleaning completed after it lets the order start", func(t *testing.T) {
			c.Advance(30 * time.Minute)
			if err := clean(time.Time{}); err != nil {
				t.Fatalf("RecordChangeover: %v", err)
			}
			checkLastAudit(t, db, c, auditWant{Actor: forkline.System, Action: "create", Entity: "line_changeover",
				EntityID: history(t, db, "line_changeover", "")[0].EntityID, SiteID: pw.site,
				After: map[string]any{"Line": line.Code, "Kind": "cleaning", "Note": "wet clean, ATP swabs pass", "CompletedAt": c.Now()}})
			if err := start(bread); err != nil {
				t.Errorf("start after the cleaning = %v", err)
			}
		})
		t.Run("the same product again needs no cleaning", func(t *testing.T) {
			c.Advance(time.Hour)
			pw.move(t, bread, production.Completed)
			again := pw.move(t, pw.order(t, "PO-B2", b.bread, line, "100 kg", 2), production.Released)
			if err := start(again); err != nil {
				t.Fatalf("start bread after bread = %v", err)
			}
			c.Advance(time.Hour)
			pw.move(t, again, production.Completed)
		})
		t.Run("cookies after bread need a cleaning of the gluten they lack", func(t *testing.T) {
			next := pw.move(t, pw.order(t, "PO-C2", b.cookies, line, "50 kg", 3), production.Released)
			if err := start(next); forkline.ErrorCode(err) != forkline.Conflict || !strings.Contains(forkline.ErrorMessage(err), "contained gluten, which PO-C2 does not") {
				t.Errorf("start cookies after bread = %v, want a changeover required for gluten", err)
			}
		})
		auditCount(t, db)
	})
}
