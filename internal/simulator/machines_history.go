package simulator

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/monitoring"
)

// Simulation is the simulated machines of a layout on one simulated clock.
// History and then a Live run continue one simulation, so that the live
// counters go on from where the history left them (a counter that went down
// would read as a reset). It is not safe for concurrent use; a Live run owns
// it while it runs.
type Simulation struct {
	layout   Layout
	machines []*Machine
	now      time.Time
}

// NewSimulation returns the machines of layout as they are at start.
func NewSimulation(layout Layout, seed int64, start time.Time) *Simulation {
	sim := &Simulation{layout: layout, now: start}
	for _, e := range layout.Equipment {
		sim.machines = append(sim.machines, NewMachine(e, layout.timeZone(e.Site), seed, start))
	}
	return sim
}

// Now returns the simulated time the machines are at.
func (sim *Simulation) Now() time.Time { return sim.now }

// Layout returns the simulation's layout.
func (sim *Simulation) Layout() Layout { return sim.layout }

// Machines returns the models, in the order of the layout's equipment.
func (sim *Simulation) Machines() []*Machine { return sim.machines }

// cadence says how often a reporter sends each role.
type cadence struct {
	counter time.Duration // counters when they changed, at most this often
	process time.Duration // process values this often
}

// reporter reports by exception: a state when it changes, a counter when it
// changed and its period passed, a process value when its period passed.
type reporter struct {
	cadence
	last map[string]monitoring.Value
	at   map[string]time.Time
}

func newReporter(c cadence) *reporter {
	return &reporter{cadence: c, last: map[string]monitoring.Value{}, at: map[string]time.Time{}}
}

// due returns the readings to send at t. Every reading is due the first time.
func (r *reporter) due(key string, t time.Time, rs []Reading) []Reading {
	var out []Reading
	for _, x := range rs {
		k := key + "/" + x.Metric
		last, seen := r.last[k]
		var send bool
		switch {
		case !seen:
			send = true
		case x.Role == monitoring.RoleState:
			send = last != x.Value
		case x.Role == monitoring.RoleGood || x.Role == monitoring.RoleReject:
			send = last != x.Value && t.Sub(r.at[k]) >= r.counter
		default:
			send = t.Sub(r.at[k]) >= r.process
		}
		if send {
			r.last[k], r.at[k] = x.Value, t
			out = append(out, x)
		}
	}
	return out
}

// forget makes every reading of key due again, as after a birth.
func (r *reporter) forget(key string, rs []Reading) {
	for _, x := range rs {
		delete(r.last, key+"/"+x.Metric)
	}
}

// historyBatch is how many samples History hands the sink at once.
const historyBatch = 5000

// History steps the machines from the simulation's time to to, one second
// at a time, and ingests their samples into sink in batches, as an ingest
// path would: each state when it changes, counters when they changed (at
// most every 5 s), process values every 10 s. With the pipeline as sink, the
// OEE and downtime reports of that time are full at once.
func (sim *Simulation) History(ctx context.Context, sink monitoring.Sink, to time.Time) error {
	rep := newReporter(cadence{counter: 5 * time.Second, process: 10 * time.Second})
	batch := make([]monitoring.Sample, 0, historyBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := sink.Ingest(ctx, batch); err != nil {
			return fmt.Errorf("ingest simulated history: %w", err)
		}
		batch = make([]monitoring.Sample, 0, historyBatch)
		return nil
	}
	for t := sim.now; !t.After(to); t = t.Add(time.Second) {
		for _, m := range sim.machines {
			eq := m.Equipment()
			for _, r := range rep.due(eq.Code, t, m.Step(t)) {
				batch = append(batch, monitoring.Sample{Address: eq.Address(r.Metric), Time: t.UTC(), Value: r.Value})
			}
		}
		if len(batch) >= historyBatch {
			if err := flush(); err != nil {
				return err
			}
		}
		sim.now = t
	}
	sim.now = to
	return flush()
}

// MachineHistory generates the samples of the layout's machines from from
// to to and ingests them into sink; see Simulation.History.
func MachineHistory(ctx context.Context, sink monitoring.Sink, layout Layout, from, to time.Time, seed int64) error {
	return NewSimulation(layout, seed, from).History(ctx, sink, to)
}

// ClassifyStops gives reasons to the stops of the layout's equipment in r
// as operators would have at the line terminal: most breakdowns (down for
// more than two minutes) a mechanical reason, most waits (idle for more than
// a minute) "starved"; micro-stops and a few breakdowns stay open for the demo's operator to classify. Stops that have
// a reason keep it. It needs the layout SeedMachines returned; ctx must carry
// an actor who may classify stops (the system).
func ClassifyStops(ctx context.Context, svc *monitoring.Service, layout Layout, r monitoring.Range, seed int64) error {
	rnd := rand.New(rand.NewPCG(uint64(seed), 0xc1a55))
	reasons := map[forkline.ID]map[string]forkline.ID{}
	for _, s := range layout.Sites {
		rs, err := svc.Reasons(ctx, s.ID)
		if err != nil {
			return err
		}
		reasons[s.ID] = map[string]forkline.ID{}
		for _, x := range rs {
			reasons[s.ID][x.Code] = x.ID
		}
	}
	mechanical := []string{"MECH-JAM", "MECH-JAM", "MECH-JAM", "MECH-MOTOR", "MECH-SENSOR", "MAT-PACK"}
	for _, e := range layout.Equipment {
		ivs, err := svc.Intervals(ctx, e.ID, r)
		if err != nil {
			return err
		}
		for _, iv := range ivs {
			if iv.ReasonID != "" || iv.End.IsZero() {
				continue
			}
			dur := iv.End.Sub(iv.Start)
			var code, note string
			switch {
			case iv.State == monitoring.Down && dur > 2*time.Minute && rnd.Float64() < 0.8:
				code = mechanical[rnd.IntN(len(mechanical))]
				note = "fixed by the line technician"
			case iv.State == monitoring.Idle && dur > time.Minute && rnd.Float64() < 0.7:
				code = "MAT-STARVED"
			default:
				continue
			}
			id, ok := reasons[e.SiteID][code]
			if !ok {
				continue
			}
			if _, err := svc.Classify(ctx, iv.ID, id, note); err != nil {
				return fmt.Errorf("classify a stop of %s: %w", e.Code, err)
			}
		}
	}
	return nil
}
