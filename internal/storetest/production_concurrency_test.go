package storetest_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/production"
	"github.com/forkline/forkline/internal/sqlstore"
	"github.com/forkline/forkline/internal/storetest"
)

// TestProductionConcurrency checks on every engine that the guards hold
// under concurrent commands: additions of one ingredient never pass its
// tolerance together, and one line never runs two orders.
func TestProductionConcurrency(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		pw := newProdWorld(t, db, c)
		b := pw.b

		t.Run("ten operators adding 10 kg of flour at once stay within 61.2 kg", func(t *testing.T) {
			o := pw.running(t, "PO-RUSH", b.bread, pw.newLine(t), "100 kg")
			flour := pw.lot(t, b.flour, "200 kg", date(6, 1))
			var wg sync.WaitGroup
			errs := make([]error, 10)
			for i := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = pw.prod.AddMaterial(pw.ctx, production.AdditionInput{OrderID: o.ID, LotID: flour.ID, LocationID: pw.cooler,
						Quantity: qty("10 kg"), IdempotencyKey: fmt.Sprintf("op-%d", i)})
				}()
			}
			wg.Wait()
			ok := 0
			for _, err := range errs {
				switch forkline.ErrorCode(err) {
				case "":
					ok++
				case forkline.Invalid, forkline.Conflict, forkline.Unavailable:
				default:
					t.Errorf("AddMaterial = %v, want success or a refusal", err)
				}
			}
			if ok != 6 {
				t.Errorf("%d additions of 10 kg booked, want 6 (60 kg; a seventh would pass 61.2 kg)", ok)
			}
			if got := pw.onHand(t, flour); got != fmt.Sprintf("%d kg", 200-10*ok) {
				t.Errorf("flour lot holds %s, want %d kg: the ledger consumed exactly what was booked", got, 200-10*ok)
			}
		})
		t.Run("five orders starting at once on one line: one runs", func(t *testing.T) {
			line := pw.newLine(t)
			var orders []production.Order
			for i := range 5 {
				orders = append(orders, pw.move(t, pw.order(t, fmt.Sprintf("PO-S%d", i), b.bread, line, "100 kg", i), production.Released))
			}
			var wg sync.WaitGroup
			errs := make([]error, len(orders))
			for i, o := range orders {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = pw.prod.ChangeState(pw.ctx, production.StateInput{OrderID: o.ID, To: production.InProgress})
				}()
			}
			wg.Wait()
			running := 0
			for _, err := range errs {
				if err == nil {
					running++
				} else if code := forkline.ErrorCode(err); code != forkline.Conflict && code != forkline.Unavailable {
					t.Errorf("start = %v, want success or a conflict", err)
				}
			}
			got, err := pw.prod.Orders(pw.ctx, production.OrderFilter{LineID: line.ID, States: []production.State{production.InProgress}})
			if running != 1 || err != nil || len(got) != 1 {
				t.Errorf("%d starts succeeded, %d orders in progress (%v); want exactly one", running, len(got), err)
			}
		})
		auditCount(t, db)
	})
}
