package storetest_test

import (
	"testing"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/inventory"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/storetest"
)

// TestLedgerMassBalanceShowsWhatTheLedgerCannotExplain takes stock away in
// SQL, past the ledger, as a broken import or a hand edit could, and checks
// that the lot's mass balance and a recall of it show the difference, on
// every engine.
func TestLedgerMassBalanceShowsWhatTheLedgerCannotExplain(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			c := storetest.NewClock(start)
			dsn := e.DSN(t)
			lw := newLedgerWorld(t, openAt(t, dsn, c), c)
			site := lw.siteA.ID
			cooler := lw.location(t, site, "COOLER")
			sup := lw.supplier(t, site, "GPM", "Great Plains Milling", plant.Approved)
			flour := lw.item(t, plant.Item{Record: plant.Record{SiteID: site, Code: "FLOUR"}})
			lot := lw.receive(t, inventory.ReceiveInput{SiteID: site, ItemID: flour.ID, SupplierID: sup.ID, SupplierLot: "GPM-1", Quantity: qty("10 kg"), LocationID: cooler})
			lw.consume(t, lot, cooler, "3 kg", "MIX-1")
			if got, want := lw.massBalance(t, lot.ID), (balanceView{"10 kg", "3 kg", "0 kg", "0 kg", "7 kg", "0 kg"}); got != want {
				t.Fatalf("MassBalance before the edit = %+v, want %+v", got, want)
			}

			raw := openRaw(t, e.Name, dsn)
			if _, err := raw.Exec(`UPDATE lot_balances SET qty = qty - 1000000 WHERE lot_id = $1`, lot.ID); err != nil {
				t.Fatalf("edit lot_balances: %v", err)
			}
			if got, want := lw.massBalance(t, lot.ID), (balanceView{"10 kg", "3 kg", "0 kg", "0 kg", "6 kg", "1 kg"}); got != want {
				t.Errorf("MassBalance after taking 1 kg in SQL = %+v, want %+v", got, want)
			}
			r, err := lw.inv.StartRecall(lw.ctx, inventory.RecallInput{SiteID: site, LotIDs: []forkline.ID{lot.ID}})
			if err != nil {
				t.Fatal(err)
			}
			if r.Accounted != 90 || len(r.Roots) != 1 || r.Roots[0].Balance.Difference != qty("1 kg") {
				t.Errorf("StartRecall = accounted %v%%, roots %+v; want 90%% with a difference of 1 kg", r.Accounted, r.Roots)
			}
		})
	}
}
