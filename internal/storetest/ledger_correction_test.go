package storetest_test

import (
	"context"
	"testing"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/inventory"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/sqlstore"
	"github.com/forkline/forkline/internal/storetest"
	"github.com/google/go-cmp/cmp"
)

// TestLedgerCorrections undoes each kind of event by a correction and
// checks that the projections are as before the event, on every engine.
func TestLedgerCorrections(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		lw := newLedgerWorld(t, db, c)
		site := lw.siteA.ID
		cooler, dock := lw.location(t, site, "COOLER"), lw.location(t, site, "DOCK")
		sup := lw.supplier(t, site, "GPM", "Great Plains Milling", plant.Approved)
		cus := lw.customer(t, site, "ALPHA", "Alpha Foods", 0, "DC")
		flour := lw.item(t, plant.Item{Record: plant.Record{SiteID: site, Code: "FLOUR"}, ShelfLifeDays: 180})
		dough := lw.item(t, plant.Item{Record: plant.Record{SiteID: site, Code: "DOUGH"}, Kind: plant.WIP, ShelfLifeDays: 3})
		quality := lw.user("quinn", site, forkline.RoleQuality)
		receive := func(q string) inventory.Lot {
			return lw.receive(t, inventory.ReceiveInput{SiteID: site, ItemID: flour.ID, SupplierID: sup.ID, SupplierLot: "GPM-1", Quantity: qty(q), LocationID: cooler})
		}
		correct := func(ctx context.Context, ev inventory.Event) (inventory.Result, error) {
			return lw.inv.Correct(ctx, inventory.CorrectInput{EventID: ev.ID, Reason: "booked by mistake"})
		}
		mustCorrect := func(t *testing.T, ev inventory.Event) inventory.Event {
			t.Helper()
			r, err := correct(lw.ctx, ev)
			if err != nil {
				t.Fatalf("Correct(%s event): %v", ev.Kind, err)
			}
			got := r.Events[0]
			if got.Kind != inventory.Correct || got.CorrectsID != ev.ID || got.LotID != ev.LotID || got.Reason != "booked by mistake" {
				t.Errorf("Correct(%s) = %s of %s on lot %s (%q), want a correction of the event on its lot", ev.Kind, got.Kind, got.CorrectsID, got.LotID, got.Reason)
			}
			return got
		}
		// state is what the projections say of a lot.
		type state struct {
			Status inventory.Status
			Stock  map[forkline.ID]string
		}
		stateOf := func(lot forkline.ID) state {
			l, err := lw.inv.Lot(lw.ctx, lot)
			if err != nil {
				t.Fatal(err)
			}
			return state{l.Status, lw.stock(t, lot)}
		}
		// undoes checks that correcting the event book puts the lot back as it was before book.
		undoes := func(t *testing.T, lot forkline.ID, book func() inventory.Event) {
			t.Helper()
			before := stateOf(lot)
			ev := book()
			mustCorrect(t, ev)
			if diff := cmp.Diff(before, stateOf(lot)); diff != "" {
				t.Errorf("after correcting the %s event, the lot differs from before it (-before +after):\n%s", ev.Kind, diff)
			}
			if got := lw.massBalance(t, lot); got.Difference != "0 kg" {
				t.Errorf("MassBalance after correcting the %s event = %+v, want no difference", ev.Kind, got)
			}
		}

		t.Run("correcting a receipt takes its stock away again, audited", func(t *testing.T) {
			lot := receive("10 kg")
			recv := lw.detail(t, lot.ID).Events[0]
			mustCorrect(t, recv)
			if got := lw.stock(t, lot.ID); len(got) != 0 {
				t.Errorf("stock after correcting the receipt = %v, want none", got)
			}
			if got, want := lw.massBalance(t, lot.ID), (balanceView{"0 kg", "0 kg", "0 kg", "0 kg", "0 kg", "0 kg"}); got != want {
				t.Errorf("MassBalance = %+v, want %+v", got, want)
			}
			checkLastAudit(t, db, c, auditWant{Actor: forkline.System, Action: "correct", Entity: "lot", EntityID: lot.ID, SiteID: site, Reason: "booked by mistake",
				Before: map[string]string{"event": recv.ID, "kind": "receive", "quantity": "10 kg"}})
		})

		t.Run("correcting a consumption gives the stock back, and the genealogy edge goes with the last of it", func(t *testing.T) {
			lot := receive("100 kg")
			first := lw.consume(t, lot, cooler, "10 kg", "MIX-1")
			second := lw.consume(t, lot, cooler, "5 kg", "MIX-1")
			out := lw.produce(t, site, dough.ID, cooler, "15 kg", "MIX-1")
			edges := func() []string {
				tr, err := lw.inv.Trace(lw.ctx, out.ID, inventory.Backward)
				if err != nil {
					t.Fatal(err)
				}
				var es []string
				for _, e := range tr.Edges {
					if e.ParentID != lot.ID || e.ChildID != out.ID {
						t.Errorf("edge %s -> %s, want only lot -> output", e.ParentID, e.ChildID)
					}
					es = append(es, e.OrderRef+" "+e.Quantity.String())
				}
				if len(tr.Nodes) != 1+len(es) {
					t.Errorf("Trace(output, backward) has %d lots with %d edges", len(tr.Nodes), len(es))
				}
				return es
			}
			for _, step := range []struct {
				correct   inventory.Event
				wantEdges []string
				wantStock string
			}{
				{inventory.Event{}, []string{"MIX-1 15 kg"}, "85 kg"}, // nothing corrected yet
				{second, []string{"MIX-1 10 kg"}, "90 kg"},
				{first, nil, "100 kg"},
			} {
				if step.correct.ID != "" {
					mustCorrect(t, step.correct)
				}
				if diff := cmp.Diff(step.wantEdges, edges()); diff != "" {
					t.Errorf("edges after correcting %q mismatch (-want +got):\n%s", step.correct.ID, diff)
				}
				if got := lw.stock(t, lot.ID)[cooler]; got != step.wantStock {
					t.Errorf("stock after correcting %q = %s, want %s", step.correct.ID, got, step.wantStock)
				}
			}
			if got, want := lw.massBalance(t, lot.ID), (balanceView{"100 kg", "0 kg", "0 kg", "0 kg", "100 kg", "0 kg"}); got != want {
				t.Errorf("MassBalance = %+v, want %+v", got, want)
			}
		})

		t.Run("correcting an output takes its stock and its genealogy away", func(t *testing.T) {
			lot := receive("100 kg")
			lw.consume(t, lot, cooler, "10 kg", "MIX-2")
			out := lw.produce(t, site, dough.ID, cooler, "10 kg", "MIX-2")
			mustCorrect(t, lw.detail(t, out.ID).Events[0])
			tr, err := lw.inv.Trace(lw.ctx, lot.ID, inventory.Forward)
			if err != nil {
				t.Fatal(err)
			}
			if len(tr.Nodes) != 1 || len(tr.Edges) != 0 {
				t.Errorf("Trace(input, forward) = %d lots, edges %+v; want the input alone", len(tr.Nodes), tr.Edges)
			}
			if got := lw.stock(t, out.ID); len(got) != 0 {
				t.Errorf("stock of the corrected output = %v, want none", got)
			}
		})

		t.Run("correcting a shipment gives the stock back and takes it out of the trace", func(t *testing.T) {
			lot := receive("100 kg")
			undoes(t, lot.ID, func() inventory.Event { return lw.ship(t, lot, cooler, "10 kg", cus, "DC", "BOL-1") })
			tr, err := lw.inv.Trace(lw.ctx, lot.ID, inventory.Forward)
			if err != nil {
				t.Fatal(err)
			}
			if len(tr.Shipments) != 0 {
				t.Errorf("Trace(forward) shipments = %+v, want none", tr.Shipments)
			}
		})

		t.Run("correcting a move puts the stock back where it was", func(t *testing.T) {
			lot := receive("100 kg")
			undoes(t, lot.ID, func() inventory.Event {
				r, err := lw.inv.Move(lw.ctx, inventory.MoveInput{LotID: lot.ID, FromID: cooler, ToID: dock, Quantity: qty("40 kg")})
				if err != nil {
					t.Fatal(err)
				}
				return r.Events[0]
			})
		})

		t.Run("correcting an adjustment restores the stock, whichever way it went", func(t *testing.T) {
			lot := receive("100 kg")
			for _, change := range []struct {
				q      string
				reason inventory.AdjustReason
			}{{"-3 kg", inventory.Waste}, {"-1 kg", inventory.Damage}, {"2 kg", inventory.CountCorrection}, {"-2 kg", inventory.CountCorrection}} {
				undoes(t, lot.ID, func() inventory.Event {
					r, err := lw.inv.Adjust(lw.ctx, inventory.AdjustInput{LotID: lot.ID, LocationID: cooler, Change: qty(change.q), Reason: change.reason})
					if err != nil {
						t.Fatal(err)
					}
					return r.Events[0]
				})
			}
		})

		t.Run("correcting a status change restores the status; it takes quality", func(t *testing.T) {
			lot := receive("100 kg")
			r, err := lw.inv.ChangeStatus(lw.user("sam", site, forkline.RoleSupervisor), inventory.StatusInput{LotID: lot.ID, To: inventory.Hold, Reason: "wrong lot"})
			if err != nil {
				t.Fatal(err)
			}
			before := lw.detail(t, lot.ID)
			_, err = correct(lw.user("sam", site, forkline.RoleSupervisor), r.Events[0])
			lw.wantRefused(t, "Correct(status change) by a supervisor", err, forkline.Forbidden, "", before)
			if _, err := correct(quality, r.Events[0]); err != nil {
				t.Fatalf("Correct(status change) by quality: %v", err)
			}
			if got := stateOf(lot.ID).Status; got != inventory.Released {
				t.Errorf("status after correcting the hold = %s, want released", got)
			}
		})

		t.Run("a status change overtaken by a later one cannot be corrected", func(t *testing.T) {
			lot := receive("100 kg")
			hold, err := lw.inv.ChangeStatus(quality, inventory.StatusInput{LotID: lot.ID, To: inventory.Hold, Reason: "check"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := lw.inv.ChangeStatus(quality, inventory.StatusInput{LotID: lot.ID, To: inventory.Released, Reason: "checked"}); err != nil {
				t.Fatal(err)
			}
			before := lw.detail(t, lot.ID)
			_, err = correct(quality, hold.Events[0])
			lw.wantRefused(t, "Correct(the hold after a release)", err, forkline.Conflict, "no longer hold", before)
		})

		t.Run("an event is corrected at most once, and a correction is not corrected", func(t *testing.T) {
			lot := receive("100 kg")
			ship := lw.ship(t, lot, cooler, "10 kg", cus, "DC", "BOL-2")
			corr := mustCorrect(t, ship)
			before := lw.detail(t, lot.ID)
			_, err := correct(lw.ctx, ship)
			lw.wantRefused(t, "Correct(the shipment again)", err, forkline.Conflict, "already corrected", before)
			_, err = correct(lw.ctx, corr)
			lw.wantRefused(t, "Correct(the correction)", err, forkline.Conflict, "A correction cannot be corrected", before)
			_, err = lw.inv.Correct(lw.ctx, inventory.CorrectInput{EventID: lw.detail(t, lot.ID).Events[0].ID})
			lw.wantRefused(t, "Correct(without a reason)", err, forkline.Invalid, "reason is required", before)
		})

		t.Run("a receipt whose stock was used cannot be corrected", func(t *testing.T) {
			lot := receive("10 kg")
			lw.consume(t, lot, cooler, "4 kg", "MIX-3")
			before := lw.detail(t, lot.ID)
			_, err := correct(lw.ctx, before.Events[0])
			lw.wantRefused(t, "Correct(receipt of used stock)", err, forkline.Conflict, "has 6 kg at COOLER, less than the 10 kg asked for", before)
		})
	})
}
