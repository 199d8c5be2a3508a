package storetest_test

import (
	"sync"
	"testing"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/inventory"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/sqlstore"
	"github.com/forkline/forkline/internal/storetest"
	"github.com/google/go-cmp/cmp"
)

// TestLedgerIdempotency retries commands under one Idempotency-Key and
// checks that each books once and answers with its first result, on every engine.
func TestLedgerIdempotency(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		lw := newLedgerWorld(t, db, c)
		site := lw.siteA.ID
		cooler, dock := lw.location(t, site, "COOLER"), lw.location(t, site, "DOCK")
		sup := lw.supplier(t, site, "GPM", "Great Plains Milling", plant.Approved)
		cus := lw.customer(t, site, "ALPHA", "Alpha Foods", 0, "DC")
		flour := lw.item(t, plant.Item{Record: plant.Record{SiteID: site, Code: "FLOUR"}, ShelfLifeDays: 180})
		receive := func(supLot string) inventory.Lot {
			return lw.receive(t, inventory.ReceiveInput{SiteID: site, ItemID: flour.ID, SupplierID: sup.ID, SupplierLot: supLot, Quantity: qty("100 kg"), LocationID: cooler})
		}
		// same checks that a retry answered with the first result.
		same := func(t *testing.T, what string, first, retry inventory.Result) {
			t.Helper()
			if first.Replayed || !retry.Replayed {
				t.Errorf("%s Replayed = %v then %v, want false then true", what, first.Replayed, retry.Replayed)
			}
			if diff := cmp.Diff(first.Events, retry.Events, quantityEq); diff != "" {
				t.Errorf("%s retry events differ from the first (-first +retry):\n%s", what, diff)
			}
			if retry.Lot.ID != first.Lot.ID || retry.Lot.Code != first.Lot.Code {
				t.Errorf("%s retry lot = %s %s, want %s %s", what, retry.Lot.ID, retry.Lot.Code, first.Lot.ID, first.Lot.Code)
			}
		}

		t.Run("a retried receipt makes one lot and returns it again", func(t *testing.T) {
			in := inventory.ReceiveInput{SiteID: site, ItemID: flour.ID, SupplierID: sup.ID, SupplierLot: "GPM-R", Quantity: qty("4 kg"), LocationID: cooler, IdempotencyKey: "recv-1"}
			first, err := lw.inv.Receive(lw.ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			c.Advance(10 * time.Second)
			for range 2 {
				retry, err := lw.inv.Receive(lw.ctx, in)
				if err != nil {
					t.Fatalf("Receive(retry) error = %v, want the first result", err)
				}
				same(t, "Receive", first, retry)
			}
			lots, err := lw.inv.Lots(lw.ctx, inventory.LotFilter{SupplierID: sup.ID, SupplierLot: "GPM-R"})
			if err != nil || len(lots) != 1 {
				t.Errorf("Lots(supplier lot GPM-R) = %d lots, %v; want 1", len(lots), err)
			}
		})

		t.Run("a retried consumption books once and returns the first result", func(t *testing.T) {
			lot := receive("GPM-1")
			in := inventory.ConsumeInput{LotID: lot.ID, LocationID: cooler, Quantity: qty("10 kg"), OrderRef: "MIX-1", IdempotencyKey: "cons-1"}
			first, err := lw.inv.Consume(lw.ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			for range 2 {
				c.Advance(10 * time.Second)
				retry, err := lw.inv.Consume(lw.ctx, in)
				if err != nil {
					t.Fatalf("Consume(retry) error = %v, want the first result", err)
				}
				same(t, "Consume", first, retry)
			}
			if got := lw.stock(t, lot.ID); got[cooler] != "90 kg" {
				t.Errorf("stock = %v, want 90 kg at the cooler", got)
			}
			if got := lw.kinds(t, lot.ID)[inventory.Consume]; got != 1 {
				t.Errorf("consume events = %d, want 1", got)
			}
		})

		t.Run("20 concurrent retries of a shipment book it once and all return its event", func(t *testing.T) {
			lot := receive("GPM-2")
			in := inventory.ShipInput{LotID: lot.ID, LocationID: cooler, Quantity: qty("5 kg"), CustomerID: cus.ID, ShipToID: cus.ShipTos[0].ID,
				DocType: "BOL", DocNumber: "BOL-9", IdempotencyKey: "ship-1"}
			const n = 20
			res := make([]inventory.Result, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					res[i], errs[i] = lw.inv.Ship(lw.ctx, in)
				}()
			}
			wg.Wait()
			firsts := 0
			for i := range n {
				if errs[i] != nil {
					t.Fatalf("Ship #%d error = %v, want the first result", i, errs[i])
				}
				if !res[i].Replayed {
					firsts++
				}
				if len(res[i].Events) != 1 || res[i].Events[0].ID != res[0].Events[0].ID {
					t.Errorf("Ship #%d events = %+v, want the one event %s", i, res[i].Events, res[0].Events[0].ID)
				}
			}
			if firsts != 1 {
				t.Errorf("Ship x%d booked %d times (Replayed false), want 1", n, firsts)
			}
			if got := lw.kinds(t, lot.ID)[inventory.Ship]; got != 1 {
				t.Errorf("ship events = %d, want 1", got)
			}
			if got := lw.stock(t, lot.ID); got[cooler] != "95 kg" {
				t.Errorf("stock = %v, want 95 kg at the cooler", got)
			}
		})

		t.Run("the same key for another request is refused and books nothing", func(t *testing.T) {
			lot := receive("GPM-3")
			in := inventory.MoveInput{LotID: lot.ID, FromID: cooler, ToID: dock, Quantity: qty("10 kg"), IdempotencyKey: "move-1"}
			if _, err := lw.inv.Move(lw.ctx, in); err != nil {
				t.Fatal(err)
			}
			before := lw.detail(t, lot.ID)
			in.Quantity = qty("20 kg")
			_, err := lw.inv.Move(lw.ctx, in)
			lw.wantRefused(t, "Move(same key, 20 kg)", err, forkline.Conflict, "Idempotency-Key was used for a different request", before)
		})

		t.Run("keys are per actor: two people may use the same key", func(t *testing.T) {
			lot := receive("GPM-4")
			in := inventory.ConsumeInput{LotID: lot.ID, LocationID: cooler, Quantity: qty("1 kg"), OrderRef: "MIX-4", IdempotencyKey: "k-1"}
			for _, name := range []string{"olga", "omar"} {
				r, err := lw.inv.Consume(lw.user(name, site, forkline.RoleOperator), in)
				if err != nil || r.Replayed {
					t.Errorf("Consume as %s = replayed %v, %v; want booked", name, r.Replayed, err)
				}
			}
			if got := lw.kinds(t, lot.ID)[inventory.Consume]; got != 2 {
				t.Errorf("consume events = %d, want 2", got)
			}
		})

		t.Run("a retried status change returns the first result", func(t *testing.T) {
			lot := receive("GPM-5")
			quality := lw.user("quinn", site, forkline.RoleQuality)
			in := inventory.StatusInput{LotID: lot.ID, To: inventory.Hold, Reason: "smell", IdempotencyKey: "hold-1"}
			first, err := lw.inv.ChangeStatus(quality, in)
			if err != nil {
				t.Fatal(err)
			}
			retry, err := lw.inv.ChangeStatus(quality, in)
			if err != nil {
				t.Fatalf("ChangeStatus(retry) error = %v, want the first result", err)
			}
			if first.Replayed || !retry.Replayed || retry.Events[0].ID != first.Events[0].ID {
				t.Errorf("ChangeStatus = event %s replayed %v, retry event %s replayed %v; want the same event, then replayed",
					first.Events[0].ID, first.Replayed, retry.Events[0].ID, retry.Replayed)
			}
			if got := lw.kinds(t, lot.ID)[inventory.StatusChange]; got != 1 {
				t.Errorf("status events = %d, want 1", got)
			}
			// Without a key, asking again for the status the lot has is refused.
			_, err = lw.inv.ChangeStatus(quality, inventory.StatusInput{LotID: lot.ID, To: inventory.Hold, Reason: "smell"})
			if forkline.ErrorCode(err) != forkline.Conflict {
				t.Errorf("ChangeStatus(hold again, no key) error = %v, want conflict", err)
			}
			// With a new key too: the store refuses what the service let through.
			_, err = lw.inv.ChangeStatus(quality, inventory.StatusInput{LotID: lot.ID, To: inventory.Hold, Reason: "smell", IdempotencyKey: "hold-2"})
			if forkline.ErrorCode(err) != forkline.Conflict {
				t.Errorf("ChangeStatus(hold again, new key) error = %v, want conflict", err)
			}
		})

		t.Run("a retried correction returns the first result", func(t *testing.T) {
			lot := receive("GPM-6")
			ev := lw.consume(t, lot, cooler, "3 kg", "MIX-6")
			in := inventory.CorrectInput{EventID: ev.ID, Reason: "wrong lot scanned", IdempotencyKey: "corr-1"}
			first, err := lw.inv.Correct(lw.ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			retry, err := lw.inv.Correct(lw.ctx, in)
			if err != nil {
				t.Fatalf("Correct(retry) error = %v, want the first result", err)
			}
			if !retry.Replayed || retry.Events[0].ID != first.Events[0].ID {
				t.Errorf("Correct(retry) = event %s replayed %v, want event %s replayed", retry.Events[0].ID, retry.Replayed, first.Events[0].ID)
			}
			if got := lw.stock(t, lot.ID); got[cooler] != "100 kg" {
				t.Errorf("stock = %v, want 100 kg at the cooler", got)
			}
		})
	})
}
