package storetest_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/inventory"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/sqlstore"
	"github.com/forkline/forkline/internal/storetest"
)

// TestLedgerConcurrency sends many commands against the same stock at once
// and checks that the guarded statements book exactly what there is, on
// every engine.
func TestLedgerConcurrency(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		lw := newLedgerWorld(t, db, c)
		site := lw.siteA.ID
		cooler := lw.location(t, site, "COOLER")
		sup := lw.supplier(t, site, "GPM", "Great Plains Milling", plant.Approved)
		cus := lw.customer(t, site, "ALPHA", "Alpha Foods", 0, "DC")
		flour := lw.item(t, plant.Item{Record: plant.Record{SiteID: site, Code: "FLOUR"}, ShelfLifeDays: 180})
		dough := lw.item(t, plant.Item{Record: plant.Record{SiteID: site, Code: "DOUGH"}, Kind: plant.WIP, ShelfLifeDays: 3})
		receive := func(supLot, q string) inventory.Lot {
			return lw.receive(t, inventory.ReceiveInput{SiteID: site, ItemID: flour.ID, SupplierID: sup.ID, SupplierLot: supLot, Quantity: qty(q), LocationID: cooler})
		}

		t.Run("100 consumers of a 50 kg lot at once: 50 take 1 kg each, 50 are refused, none goes below zero", func(t *testing.T) {
			lot := receive("GPM-1", "50 kg")
			out := lw.produce(t, site, dough.ID, cooler, "40 kg", "MIX-1")
			const n = 100
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = lw.inv.Consume(lw.ctx, inventory.ConsumeInput{LotID: lot.ID, LocationID: cooler, Quantity: qty("1 kg"), OrderRef: "MIX-1"})
				}()
			}
			wg.Wait()
			ok, refused := 0, 0
			for i, err := range errs {
				switch {
				case err == nil:
					ok++
				case forkline.ErrorCode(err) == forkline.Conflict:
					refused++
				default:
					t.Errorf("Consume #%d error = %v, want nil or conflict", i, err)
				}
			}
			if ok != 50 || refused != 50 {
				t.Errorf("Consume x%d = %d booked, %d refused; want 50 and 50", n, ok, refused)
			}
			if got := lw.stock(t, lot.ID); len(got) != 0 {
				t.Errorf("stock after the rush = %v, want none", got)
			}
			if got := lw.kinds(t, lot.ID)[inventory.Consume]; got != 50 {
				t.Errorf("consume events = %d, want 50", got)
			}
			if got, want := lw.massBalance(t, lot.ID), (balanceView{"50 kg", "50 kg", "0 kg", "0 kg", "0 kg", "0 kg"}); got != want {
				t.Errorf("MassBalance = %+v, want %+v", got, want)
			}
			tr, err := lw.inv.Trace(lw.ctx, out.ID, inventory.Backward)
			if err != nil {
				t.Fatal(err)
			}
			if len(tr.Edges) != 1 || tr.Edges[0].Quantity != qty("50 kg") {
				t.Errorf("Trace(output, backward) edges = %+v, want one of 50 kg", tr.Edges)
			}
		})

		t.Run("consumers and shippers of one lot at once book exactly its stock between them", func(t *testing.T) {
			lot := receive("GPM-2", "30 kg")
			const n = 60
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if i%2 == 0 {
						_, errs[i] = lw.inv.Consume(lw.ctx, inventory.ConsumeInput{LotID: lot.ID, LocationID: cooler, Quantity: qty("1 kg"), OrderRef: "MIX-2"})
						return
					}
					_, errs[i] = lw.inv.Ship(lw.ctx, inventory.ShipInput{LotID: lot.ID, LocationID: cooler, Quantity: qty("1 kg"), CustomerID: cus.ID,
						ShipToID: cus.ShipTos[0].ID, DocType: "BOL", DocNumber: fmt.Sprintf("BOL-%d", i)})
				}()
			}
			wg.Wait()
			ok := map[bool]int{}
			for i, err := range errs {
				if err != nil && forkline.ErrorCode(err) != forkline.Conflict {
					t.Errorf("command #%d error = %v, want nil or conflict", i, err)
				}
				ok[err == nil]++
			}
			if ok[true] != 30 || ok[false] != 30 {
				t.Errorf("%d commands = %d booked, %d refused; want 30 and 30", n, ok[true], ok[false])
			}
			kinds := lw.kinds(t, lot.ID)
			if kinds[inventory.Consume]+kinds[inventory.Ship] != 30 {
				t.Errorf("events = %v, want 30 consume and ship events together", kinds)
			}
			mb := lw.massBalance(t, lot.ID)
			want := balanceView{"30 kg", fmt.Sprintf("%d kg", kinds[inventory.Consume]), fmt.Sprintf("%d kg", kinds[inventory.Ship]), "0 kg", "0 kg", "0 kg"}
			if mb != want {
				t.Errorf("MassBalance = %+v, want %+v", mb, want)
			}
		})

		t.Run("10 corrections of one event at once: one is booked, the others are refused", func(t *testing.T) {
			lot := receive("GPM-4", "30 kg")
			ev := lw.consume(t, lot, cooler, "10 kg", "MIX-4")
			const n = 10
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = lw.inv.Correct(lw.ctx, inventory.CorrectInput{EventID: ev.ID, Reason: fmt.Sprintf("mistake %d", i)})
				}()
			}
			wg.Wait()
			ok := 0
			for i, err := range errs {
				if err == nil {
					ok++
				} else if forkline.ErrorCode(err) != forkline.Conflict {
					t.Errorf("Correct #%d error = %v, want nil or conflict", i, err)
				}
			}
			if ok != 1 {
				t.Errorf("Correct x%d = %d booked, want 1", n, ok)
			}
			if got := lw.stock(t, lot.ID)[cooler]; got != "30 kg" {
				t.Errorf("stock = %s, want 30 kg", got)
			}
		})

		t.Run("consumption and output of one order booked at once still link every input to every output", func(t *testing.T) {
			const inputs, outputs = 6, 6
			var lots []inventory.Lot
			for i := range inputs {
				lots = append(lots, receive(fmt.Sprintf("GPM-3%d", i), "10 kg"))
			}
			errs := make([]error, inputs+outputs)
			var wg sync.WaitGroup
			for i := range inputs + outputs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if i < inputs {
						_, errs[i] = lw.inv.Consume(lw.ctx, inventory.ConsumeInput{LotID: lots[i].ID, LocationID: cooler, Quantity: qty("10 kg"), OrderRef: "MIX-3"})
						return
					}
					_, errs[i] = lw.inv.Produce(lw.ctx, inventory.ProduceInput{SiteID: site, ItemID: dough.ID, LocationID: cooler, Quantity: qty("10 kg"), OrderRef: "MIX-3"})
				}()
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("command #%d: %v", i, err)
				}
			}
			for _, l := range lots {
				tr, err := lw.inv.Trace(lw.ctx, l.ID, inventory.Forward)
				if err != nil {
					t.Fatal(err)
				}
				if len(tr.Edges) != outputs {
					t.Errorf("Trace(%s, forward) has %d edges, want one to each of the %d outputs", l.Code, len(tr.Edges), outputs)
				}
			}
		})
	})
}
