package simulator_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/auth"
	"github.com/forkline/forkline/internal/monitoring"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/simulator"
	"github.com/forkline/forkline/internal/sqlstore"
	"github.com/forkline/forkline/internal/wiring"
)

// recordingSink keeps what it is given.
type recordingSink struct {
	mu      sync.Mutex
	batches [][]monitoring.Sample
}

func (r *recordingSink) Ingest(_ context.Context, s []monitoring.Sample) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.batches = append(r.batches, append([]monitoring.Sample(nil), s...))
	return nil
}

func TestHistorySamplesAreAllOfMappedTagsAndInTimeOrder(t *testing.T) {
	layout := simulator.DemoLayout()
	mapped := map[string]monitoring.Tag{}
	for _, tag := range layout.Tags() {
		mapped[tag.Address] = tag
	}
	var sink recordingSink
	from, to := day0, day0.Add(3*time.Hour)
	if err := simulator.MachineHistory(context.Background(), &sink, layout, from, to, 1); err != nil {
		t.Fatal(err)
	}
	last := map[string]time.Time{}
	seen := map[string]int{}
	states := map[string]map[monitoring.State]bool{}
	for _, b := range sink.batches {
		if len(b) > 5000+100 {
			t.Errorf("a batch of %d samples, want about 5000 at most", len(b))
		}
		for _, s := range b {
			tag, ok := mapped[s.Address]
			if !ok {
				t.Fatalf("sample of %s, which no tag of the layout maps", s.Address)
			}
			if s.Time.Before(from) || s.Time.After(to) || !s.Time.After(last[s.Address]) {
				t.Fatalf("sample of %s at %s after one at %s, want increasing times in [%s, %s]", s.Address, s.Time, last[s.Address], from, to)
			}
			last[s.Address] = s.Time
			seen[s.Address]++
			if tag.Role == monitoring.RoleState {
				st := tag.MapState(s.Value)
				if st == monitoring.Unknown {
					t.Fatalf("state sample %v of %s maps to no state", s.Value, s.Address)
				}
				if states[s.Address] == nil {
					states[s.Address] = map[monitoring.State]bool{}
				}
				states[s.Address][st] = true
			}
		}
	}
	for addr := range mapped {
		if seen[addr] == 0 {
			t.Errorf("no sample of %s in three hours", addr)
		}
	}
	if n := len(states["spBv1.0/RVR/CUP/FIL-01/State"]); n < 2 {
		t.Errorf("the cup filler was in %d states in three hours, want stops", n)
	}
}

// TestTheSeededMachinesFillTheReportsThroughThePipeline seeds the demo's
// master data and machines into SQLite, runs three hours of history through
// the real pipeline and classifies the stops.
func TestTheSeededMachinesFillTheReportsThroughThePipeline(t *testing.T) {
	now := day0.Add(3 * time.Hour)
	clock := func() time.Time { return now }
	ids := forkline.NewIDGenerator(clock)
	db, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "machines.db"), ids, clock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(forkline.WithActor(context.Background(), forkline.System))
	defer cancel()
	pl := plant.NewService(db.Plant(), ids, clock)
	authSvc := auth.NewService(db.Auth(), ids, clock, auth.HashParams{Time: 1, Memory: 64, Threads: 1})
	if err := simulator.Seed(ctx, simulator.Services{Plant: pl, Auth: authSvc}, now); err != nil {
		t.Fatal(err)
	}
	store := db.Monitoring()
	pipe := monitoring.NewPipeline(store, ids, clock, nil)
	mon := monitoring.NewService(store, store, wiring.EquipmentLookup{Plant: pl}, pipe, clock)
	layout, err := simulator.SeedMachines(ctx, simulator.MachineDeps{Plant: pl, Monitoring: mon})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- pipe.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()

	for _, s := range layout.Sites {
		tags, err := mon.Tags(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		var want int
		for _, e := range layout.Equipment {
			if e.SiteID == s.ID {
				want += len(e.Metrics)
			}
		}
		if len(tags) != want || want == 0 {
			t.Errorf("site %s has %d tag mappings, want %d", s.Code, len(tags), want)
		}
		shifts, err := mon.Shifts(ctx, s.ID)
		if err != nil || len(shifts) != 3 {
			t.Errorf("site %s has shifts %v (%v), want Early, Late and Night", s.Code, shifts, err)
		}
		reasons, err := mon.Reasons(ctx, s.ID)
		if err != nil || len(reasons) < 10 {
			t.Errorf("site %s has %d reasons (%v), want the demo tree", s.Code, len(reasons), err)
		}
	}

	sim := simulator.NewSimulation(layout, 1, day0)
	if err := sim.History(ctx, pipe, now); err != nil {
		t.Fatal(err)
	}
	if st := pipe.Stats(); st.Unmapped != 0 || st.Invalid != 0 || st.Stored == 0 {
		t.Errorf("pipeline stats %+v: want every sample stored, none unmapped or invalid", st)
	}
	r := monitoring.Range{From: day0, To: now}
	if err := simulator.ClassifyStops(ctx, mon, layout, r, 1); err != nil {
		t.Fatal(err)
	}
	var classified int
	for _, e := range layout.Equipment {
		ivs, err := mon.Intervals(ctx, e.ID, r)
		if err != nil {
			t.Fatal(err)
		}
		if len(ivs) == 0 {
			t.Errorf("%s has no state intervals after the history", e.Code)
		}
		for _, iv := range ivs {
			if iv.ReasonID != "" {
				classified++
			}
		}
		if e.PerUnit > 0 {
			counts, err := mon.Counts(ctx, e.ID, r)
			if err != nil {
				t.Fatal(err)
			}
			var good int64
			for _, c := range counts {
				good += c.Good
			}
			if good < 1000 {
				t.Errorf("%s counted %d good units in three hours, want thousands", e.Code, good)
			}
		}
	}
	if classified == 0 {
		t.Error("no stop has a reason after ClassifyStops")
	}
}
