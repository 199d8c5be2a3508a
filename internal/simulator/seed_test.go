package simulator_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/auth"
	"github.com/forkline/forkline/internal/inventory"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/simulator"
	"github.com/forkline/forkline/internal/sqlstore"
)

// TestTheDemoPlantHasATraceableHistory seeds the demo and checks what a
// newcomer relies on: finished lots trace back to supplier lots, every lot
// balances, shipments reached customers, and a drill is on record.
func TestTheDemoPlantHasATraceableHistory(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	ids := forkline.NewIDGenerator(clock)
	db, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "demo.db"), ids, clock)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	s := simulator.Services{Plant: plant.NewService(db.Plant(), ids, clock), Auth: auth.NewService(db.Auth(), ids, clock, auth.HashParams{Time: 1, Memory: 64, Threads: 1}),
		Inventory: inventory.NewService(db.Inventory(), ids, clock)}
	ctx := forkline.WithActor(context.Background(), forkline.System)
	if err := simulator.Seed(ctx, s, now); err != nil {
		t.Fatal(err)
	}
	lots, err := s.Inventory.Lots(ctx, inventory.LotFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if len(lots) < 150 {
		t.Fatalf("the demo has %d lots, want weeks of history", len(lots))
	}
	var finished, held int
	for _, l := range lots {
		mb, err := s.Inventory.MassBalance(ctx, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !mb.Difference.IsZero() {
			t.Errorf("lot %s does not balance: %+v", l.Code, mb)
		}
		if l.Status == inventory.Hold {
			held++
		}
		if l.ItemCode != "FG-CCC-300" || finished > 3 {
			continue
		}
		finished++
		tr, err := s.Inventory.Trace(ctx, l.ID, inventory.Backward)
		if err != nil {
			t.Fatal(err)
		}
		suppliers := 0
		for _, n := range tr.Nodes {
			if n.Lot.Origin == inventory.Received && n.SupplierName != "" {
				suppliers++
			}
		}
		if suppliers < 5 {
			t.Errorf("cookie lot %s traces back to %d supplier lots, want its five ingredients' lots", l.Code, suppliers)
		}
	}
	if finished == 0 || held != 1 {
		t.Errorf("finished cookie lots checked %d, lots on hold %d; want some and exactly one", finished, held)
	}
	site := lots[0].SiteID
	recalls, err := s.Inventory.Recalls(ctx, site)
	if err != nil || len(recalls) != 1 || recalls[0].Kind != inventory.MockRecall {
		t.Errorf("recalls on record = %v, %v; want the quarterly drill", recalls, err)
	}
	if len(recalls) == 1 {
		r, err := s.Inventory.FindRecall(ctx, recalls[0].ID)
		if err != nil || len(r.Customers) == 0 || r.Accounted != 100 {
			t.Errorf("the drill reached %d customers with %.1f%% accounted (%v); want customers and 100%%", len(r.Customers), r.Accounted, err)
		}
	}
}
