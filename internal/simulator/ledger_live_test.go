package simulator_test

import (
	"strings"
	"testing"
	"time"

	"github.com/forkline/forkline/internal/inventory"
	"github.com/forkline/forkline/internal/simulator"
)

// While the demo runs, deliveries, batches and shipments go on through the
// ledger: every batch it makes traces back to supplier lots, and its
// shipments reach customers.
func TestTheLiveLedgerKeepsTheGenealogyGrowing(t *testing.T) {
	d := seed(t)
	s, ctx := d.s, d.ctx
	l, err := simulator.NewLiveLedger(ctx, s, "SPR")
	if err != nil {
		t.Fatal(err)
	}
	var batches, shipments []string
	for i := range 24 { // more than one full round of every kind of step
		*d.now = d.now.Add(5 * time.Minute)
		what, err := l.Step(*d.now)
		if err != nil {
			t.Fatalf("step %d (%s): %v", i, what, err)
		}
		switch {
		case strings.HasPrefix(what, "batch "):
			batches = append(batches, strings.Fields(what)[1])
		case strings.HasPrefix(what, "shipment "):
			shipments = append(shipments, strings.Fields(what)[1])
		}
	}
	if len(batches) == 0 || len(shipments) == 0 {
		t.Fatalf("batches %v, shipments %v: want both", batches, shipments)
	}
	for _, order := range batches {
		lots, err := s.Inventory.Lots(ctx, inventory.LotFilter{OrderRef: order, Limit: 10})
		if err != nil || len(lots) != 1 {
			t.Fatalf("lots of %s = %v, %v; want the one it made", order, lots, err)
		}
		tr, err := s.Inventory.Trace(ctx, lots[0].ID, inventory.Backward)
		if err != nil {
			t.Fatal(err)
		}
		if len(tr.Edges) == 0 {
			t.Errorf("%s made %s with no inputs in its genealogy", order, lots[0].Code)
		}
	}
}
