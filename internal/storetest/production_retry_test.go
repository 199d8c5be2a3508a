package storetest_test

import (
	"context"
	"sync"
	"testing"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/production"
	"github.com/forkline/forkline/internal/sqlstore"
	"github.com/forkline/forkline/internal/storetest"
	"github.com/forkline/forkline/internal/wiring"
)

// lossyLedger books consumptions in the real ledger but loses the answer of
// the next lose ones, as a dropped connection would.
type lossyLedger struct {
	wiring.ProductionLedger
	mu   sync.Mutex
	lose int
}

func (l *lossyLedger) Consume(ctx context.Context, in production.ConsumeInput) (production.Consumption, error) {
	c, err := l.ProductionLedger.Consume(ctx, in)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err == nil && l.lose > 0 {
		l.lose--
		return production.Consumption{}, &forkline.Error{Code: forkline.Unavailable, Msg: "The connection to the ledger was lost."}
	}
	return c, err
}

// TestProductionAdditionRetry checks on every engine that an addition whose
// ledger answer was lost stays pending, blocks completion, shows in the
// batch record, and is booked once when its author retries it.
func TestProductionAdditionRetry(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		pw := newProdWorld(t, db, c)
		ledger := &lossyLedger{ProductionLedger: wiring.ProductionLedger{Inv: pw.inv}}
		prod := production.NewService(db.Production(), ledger, pw.signer, pw.ids, c.Now)
		o := pw.running(t, "PO-1", pw.b.bread, pw.newLine(t), "100 kg")
		flour := pw.lot(t, pw.b.flour, "100 kg", date(6, 1))
		in := production.AdditionInput{OrderID: o.ID, LotID: flour.ID, LocationID: pw.cooler, Quantity: qty("30 kg")}

		t.Run("retried by its author", func(t *testing.T) {
			ledger.lose = 1
			if _, err := prod.AddMaterial(pw.ctx, in); forkline.ErrorCode(err) != forkline.Unavailable {
				t.Fatalf("AddMaterial(lost answer) = %v, want unavailable", err)
			}
			rec, _ := prod.BatchRecord(pw.ctx, o.ID)
			if len(rec.Exceptions) == 0 || rec.Exceptions[0].Kind != production.ExceptionPending || !rec.Exceptions[0].Open {
				t.Fatalf("exceptions = %+v, want the pending addition first", rec.Exceptions)
			}
			if _, err := prod.ChangeState(pw.ctx, production.StateInput{OrderID: o.ID, To: production.Completed}); forkline.ErrorCode(err) != forkline.Conflict {
				t.Errorf("complete with a pending addition = %v, want a conflict", err)
			}
			a, err := prod.RetryAddition(pw.ctx, o.ID, rec.Exceptions[0].RefID)
			if err != nil || a.Status != production.AdditionBooked || a.EventID == "" {
				t.Fatalf("RetryAddition = %+v, %v; want booked", a, err)
			}
			if got := pw.onHand(t, flour); got != "70 kg" {
				t.Errorf("flour holds %s, want 70 kg: consumed once", got)
			}
			if got := pw.kinds(t, flour.ID)["consume"]; got != 1 {
				t.Errorf("the lot has %d consume events, want 1", got)
			}
		})
		t.Run("retried with the same key", func(t *testing.T) {
			ledger.lose = 1
			in := in
			in.Quantity, in.IdempotencyKey = qty("25 kg"), "scan-9"
			if _, err := prod.AddMaterial(pw.ctx, in); forkline.ErrorCode(err) != forkline.Unavailable {
				t.Fatalf("AddMaterial(lost answer) = %v, want unavailable", err)
			}
			a, err := prod.AddMaterial(pw.ctx, in)
			if err != nil || a.Status != production.AdditionBooked {
				t.Fatalf("AddMaterial(retry) = %+v, %v; want booked", a, err)
			}
			if got := pw.onHand(t, flour); got != "45 kg" {
				t.Errorf("flour holds %s, want 45 kg", got)
			}
		})
		if _, err := prod.ChangeState(pw.ctx, production.StateInput{OrderID: o.ID, To: production.Completed}); err != nil {
			t.Errorf("complete after the retries = %v", err)
		}
		auditCount(t, db)
	})
}
