package storetest_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/audit"
	"github.com/forkline/forkline/internal/production"
	"github.com/forkline/forkline/internal/sqlstore"
	"github.com/forkline/forkline/internal/storetest"
	"github.com/google/go-cmp/cmp"
)

// TestProductionStates tries every move from every state on every engine:
// the allowed ones are booked with their history row and audit entry; the
// refused ones change nothing.
func TestProductionStates(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		pw := newProdWorld(t, db, c)
		// Each starting point: its name and the moves that lead there from planned.
		froms := []struct {
			name string
			path []production.State
		}{
			{"planned", nil},
			{"released", []production.State{production.Released}},
			{"in_progress", []production.State{production.Released, production.InProgress}},
			{"completed", []production.State{production.Released, production.InProgress, production.Completed}},
			{"closed", []production.State{production.Released, production.InProgress, production.Completed, production.Closed}},
			{"on_hold from released", []production.State{production.Released, production.OnHold}},
			{"on_hold from in_progress", []production.State{production.Released, production.InProgress, production.OnHold}},
			{"cancelled", []production.State{production.Cancelled}},
		}
		allowed := map[string]bool{
			"planned -> released": true, "planned -> cancelled": true,
			"released -> in_progress": true, "released -> on_hold": true, "released -> cancelled": true,
			"in_progress -> completed": true, "in_progress -> on_hold": true,
			"on_hold from released -> released": true, "on_hold from released -> cancelled": true,
			"on_hold from in_progress -> in_progress": true, "on_hold from in_progress -> cancelled": true,
			"completed -> closed": true,
		}
		n, booked := 0, 0
		for _, from := range froms {
			for _, to := range production.States() {
				name := from.name + " -> " + string(to)
				n++
				t.Run(name, func(t *testing.T) {
					// Its own line, so that orders running elsewhere never block it.
					o := pw.order(t, fmt.Sprintf("PO-%02d", n), pw.b.bread, pw.newLine(t), "100 kg", 0)
					for _, st := range from.path {
						o = pw.move(t, o, st)
					}
					hist := history(t, db, "production_order", o.ID)
					got, err := pw.prod.ChangeState(pw.ctx, production.StateInput{OrderID: o.ID, To: to, Reason: "because " + name})
					stored, ferr := pw.prod.Order(pw.ctx, o.ID)
					if ferr != nil {
						t.Fatalf("Order: %v", ferr)
					}
					if !allowed[name] {
						if forkline.ErrorCode(err) != forkline.Conflict {
							t.Fatalf("ChangeState(%s) = %v, want a conflict", name, err)
						}
						if diff := cmp.Diff(o, stored, quantityEq); diff != "" {
							t.Errorf("refused move changed the order (-before +after):\n%s", diff)
						}
						if after := history(t, db, "production_order", o.ID); len(after) != len(hist) {
							t.Errorf("refused move wrote %d audit entries, want none", len(after)-len(hist))
						}
						return
					}
					booked++
					if err != nil {
						t.Fatalf("ChangeState(%s) = %v, want it booked", name, err)
					}
					if diff := cmp.Diff(got, stored, quantityEq); diff != "" {
						t.Errorf("ChangeState() result differs from the stored order (-returned +stored):\n%s", diff)
					}
					if stored.State != to || stored.Version != o.Version+1 {
						t.Errorf("stored order: %s, version %d; want %s, version %d", stored.State, stored.Version, to, o.Version+1)
					}
					if want := production.State(strings.TrimPrefix(from.name, "on_hold from ")); to == production.OnHold && stored.HeldFrom != want {
						t.Errorf("held order remembers %q, want %q", stored.HeldFrom, want)
					}
					e := history(t, db, "production_order", o.ID)[0]
					if e.Action != audit.Action(to) || e.Reason != "because "+name || e.ActorName != "system" {
						t.Errorf("audit entry: %s %q by %s; want %s %q by system", e.Action, e.Reason, e.ActorName, to, "because "+name)
					}
					rec, err := pw.prod.BatchRecord(pw.ctx, o.ID)
					if err != nil {
						t.Fatalf("BatchRecord: %v", err)
					}
					last := rec.History[len(rec.History)-1]
					if len(rec.History) != len(from.path)+1 || last.To != to || last.Reason != "because "+name || last.At != c.Now() {
						t.Errorf("history has %d moves, last %+v; want %d, the last to %s", len(rec.History), last, len(from.path)+1, to)
					}
				})
			}
		}
		if booked != len(allowed) {
			t.Errorf("booked %d allowed moves, want %d", booked, len(allowed))
		}
		auditCount(t, db)
	})
}

// TestProductionStateRules checks what the moves need besides the table:
// a reason to hold, resume or cancel; an approved recipe to release; a free
// line to start; and that release freezes the recipe version.
func TestProductionStateRules(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		pw := newProdWorld(t, db, c)
		line := pw.newLine(t)

		t.Run("order numbers are unique on the site", func(t *testing.T) {
			pw.order(t, "PO-DUP", pw.b.bread, line, "100 kg", 0)
			_, err := pw.prod.CreateOrder(pw.ctx, production.OrderInput{SiteID: pw.site, ItemID: pw.b.bread.ID, LineID: line.ID, Number: "PO-DUP",
				PlannedQuantity: qty("1 kg"), PlannedStart: c.Now(), PlannedEnd: c.Now().Add(time.Hour)})
			if forkline.ErrorCode(err) != forkline.Conflict || !slices.Contains(fieldNames(err), "number") {
				t.Errorf("CreateOrder(same number) = %v, want a conflict on number", err)
			}
		})
		t.Run("orders imported together are created all or none", func(t *testing.T) {
			pw.order(t, "PO-TAKEN", pw.b.bread, line, "100 kg", 0)
			in := func(number string) production.OrderInput {
				return production.OrderInput{SiteID: pw.site, ItemID: pw.b.bread.ID, LineID: line.ID, Number: number,
					PlannedQuantity: qty("10 kg"), PlannedStart: c.Now(), PlannedEnd: c.Now().Add(time.Hour)}
			}
			// The third number was taken after the importer checked the schedule.
			_, err := pw.prod.CreateOrders(pw.ctx, []production.OrderInput{in("PO-IMP-1"), in("PO-IMP-2"), in("PO-TAKEN"), in("PO-IMP-4")})
			var oe *production.OrderError
			if !errors.As(err, &oe) || oe.Index != 2 || forkline.ErrorCode(err) != forkline.Conflict || !slices.Contains(fieldNames(oe.Err), "number") {
				t.Fatalf("CreateOrders with a taken number = %v, want a conflict on number of order 3", err)
			}
			for _, n := range []string{"PO-IMP-1", "PO-IMP-2", "PO-IMP-4"} {
				if _, err := pw.prod.OrderByNumber(pw.ctx, pw.site, n); forkline.ErrorCode(err) != forkline.NotFound {
					t.Errorf("order %s after a refused import: %v, want not found", n, err)
				}
			}
			made, err := pw.prod.CreateOrders(pw.ctx, []production.OrderInput{in("PO-IMP-1"), in("PO-IMP-2")})
			if err != nil || len(made) != 2 {
				t.Fatalf("CreateOrders = %v, %v", made, err)
			}
		})
		t.Run("orders that ran in a time range", func(t *testing.T) {
			l := pw.newLine(t)
			t0 := c.Now()
			done := pw.running(t, "PO-RAN-1", pw.b.bread, l, "10 kg") // runs from t0 to t0+1h
			c.Advance(time.Hour)
			pw.move(t, done, production.Completed)
			c.Advance(time.Hour)
			pw.running(t, "PO-RAN-2", pw.b.bread, l, "10 kg")  // from t0+2h, still running
			pw.order(t, "PO-RAN-3", pw.b.bread, l, "10 kg", 5) // never started
			ran := func(from, to time.Time) []string {
				t.Helper()
				os, err := pw.prod.Orders(pw.ctx, production.OrderFilter{LineID: l.ID, RanFrom: from, RanTo: to})
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, o := range os {
					out = append(out, o.Number)
				}
				return out
			}
			for _, tc := range []struct {
				from, to time.Time
				want     string
			}{
				{t0, t0.Add(30 * time.Minute), "[PO-RAN-1]"},
				{t0.Add(90 * time.Minute), t0.Add(3 * time.Hour), "[PO-RAN-2]"},
				{t0, t0.Add(3 * time.Hour), "[PO-RAN-1 PO-RAN-2]"},
				{t0.Add(-time.Hour), t0, "[]"},
			} {
				if got := fmt.Sprint(ran(tc.from, tc.to)); got != tc.want {
					t.Errorf("orders that ran in [%s, %s) = %s, want %s", tc.from.Sub(t0), tc.to.Sub(t0), got, tc.want)
				}
			}
		})
		t.Run("an order is refused whole with every problem", func(t *testing.T) {
			_, err := pw.prod.CreateOrder(pw.ctx, production.OrderInput{SiteID: pw.site, ItemID: pw.b.bread.ID, LineID: pw.line[pw.siteB.ID].ID,
				PlannedQuantity: qty("3 L"), PlannedStart: c.Now(), PlannedEnd: c.Now()})
			if want := []string{"number", "lineId", "plannedQuantity", "plannedEnd"}; !slices.Equal(fieldNames(err), want) {
				t.Errorf("CreateOrder(bad) = %v, fields %v; want %v", err, fieldNames(err), want)
			}
		})
		t.Run("release freezes the approved version, its hash and the product's allergens", func(t *testing.T) {
			o := pw.move(t, pw.order(t, "PO-FREEZE", pw.b.bread, line, "250 kg", 0), production.Released)
			if o.VersionID != pw.bread.ID || o.ContentHash != pw.bread.ContentHash || !slices.Equal(o.Allergens, []string{"gluten", "wheat"}) {
				t.Errorf("released order: version %s, hash %s, allergens %v; want the approved bread version and [gluten wheat]", o.VersionID, o.ContentHash, o.Allergens)
			}
			// A new approved version later does not change the frozen one.
			v2, err := pw.recipes.NewVersion(pw.ctx, pw.bread.RecipeID, "")
			if err != nil {
				t.Fatalf("NewVersion: %v", err)
			}
			if _, err := pw.recipes.Approve(pw.ctx, recipeApprove(v2.ID, v2.Revision)); err != nil {
				t.Fatalf("Approve: %v", err)
			}
			o = pw.move(t, o, production.InProgress)
			if o.VersionID != pw.bread.ID {
				t.Errorf("running order's version = %s, want the one frozen at release", o.VersionID)
			}
			pw.move(t, o, production.Completed)
			next := pw.move(t, pw.order(t, "PO-NEXT", pw.b.bread, line, "100 kg", 0), production.Released)
			if next.VersionID != v2.ID {
				t.Errorf("an order released now gets version %s, want the newly approved %s", next.VersionID, v2.ID)
			}
		})
		t.Run("an item without an approved recipe is not released", func(t *testing.T) {
			o := pw.order(t, "PO-COOKIES", pw.b.cookies, line, "50 kg", 0)
			_, err := pw.prod.ChangeState(pw.ctx, production.StateInput{OrderID: o.ID, To: production.Released})
			if forkline.ErrorCode(err) != forkline.Conflict || !strings.Contains(forkline.ErrorMessage(err), "has no approved recipe") {
				t.Errorf("release without a recipe = %v, want a conflict", err)
			}
		})
		t.Run("hold, resume and cancel need a reason", func(t *testing.T) {
			o := pw.move(t, pw.order(t, "PO-WHY", pw.b.bread, line, "100 kg", 0), production.Released)
			for _, to := range []production.State{production.OnHold, production.Cancelled} {
				_, err := pw.prod.ChangeState(pw.ctx, production.StateInput{OrderID: o.ID, To: to, Reason: " "})
				if !slices.Contains(fieldNames(err), "reason") {
					t.Errorf("ChangeState(%s, no reason) = %v, want a reason required", to, err)
				}
			}
			o = pw.move(t, o, production.OnHold)
			if _, err := pw.prod.ChangeState(pw.ctx, production.StateInput{OrderID: o.ID, To: production.Released}); !slices.Contains(fieldNames(err), "reason") {
				t.Errorf("resume without a reason = %v, want a reason required", err)
			}
		})
		t.Run("a line runs one order; a held run frees it and resumes only when it is free again", func(t *testing.T) {
			busy := pw.newLine(t)
			a := pw.running(t, "PO-A", pw.b.bread, busy, "100 kg")
			b := pw.move(t, pw.order(t, "PO-B", pw.b.bread, busy, "100 kg", 1), production.Released)
			_, err := pw.prod.ChangeState(pw.ctx, production.StateInput{OrderID: b.ID, To: production.InProgress})
			if forkline.ErrorCode(err) != forkline.Conflict || !strings.Contains(forkline.ErrorMessage(err), "is running order PO-A") {
				t.Errorf("start on a busy line = %v, want a conflict naming PO-A", err)
			}
			a = pw.move(t, a, production.OnHold)
			b = pw.move(t, b, production.InProgress)
			_, err = pw.prod.ChangeState(pw.ctx, production.StateInput{OrderID: a.ID, To: production.InProgress, Reason: "fixed"})
			if forkline.ErrorCode(err) != forkline.Conflict || !strings.Contains(forkline.ErrorMessage(err), "is running order PO-B") {
				t.Errorf("resume on a busy line = %v, want a conflict naming PO-B", err)
			}
			pw.move(t, b, production.Completed)
			a = pw.move(t, a, production.InProgress)
			if a.State != production.InProgress || a.StartedAt.IsZero() {
				t.Errorf("resumed order = %s, started %v", a.State, a.StartedAt)
			}
		})
		t.Run("the dispatch list holds the released orders of a line by planned start", func(t *testing.T) {
			l := pw.newLine(t)
			for i, n := range []string{"D-3", "D-1", "D-2"} {
				o := pw.order(t, n, pw.b.bread, l, "100 kg", []int{5, 1, 3}[i])
				pw.move(t, o, production.Released)
			}
			pw.order(t, "D-0", pw.b.bread, l, "100 kg", 0) // planned only
			list, err := pw.prod.DispatchList(pw.ctx, l.ID)
			var got []string
			for _, o := range list {
				got = append(got, o.Number)
			}
			if want := []string{"D-1", "D-2", "D-3"}; err != nil || !slices.Equal(got, want) {
				t.Errorf("DispatchList() = %v, %v; want %v", got, err, want)
			}
		})
		t.Run("someone without production permissions is refused", func(t *testing.T) {
			o := pw.order(t, "PO-PERM", pw.b.bread, line, "100 kg", 0)
			olga := pw.user("olga", pw.siteB.ID, forkline.RoleSupervisor)
			if _, err := pw.prod.ChangeState(olga, production.StateInput{OrderID: o.ID, To: production.Released}); forkline.ErrorCode(err) != forkline.Forbidden {
				t.Errorf("release by a supervisor of another site = %v, want forbidden", err)
			}
		})
		auditCount(t, db)
	})
}
