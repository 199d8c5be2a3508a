package web_test

import (
	"context"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/monitoring"
	"github.com/forkline/forkline/internal/performance"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/web"
)

// fakePerf stands in for performance.Service: it computes OEE and stops
// from the monitoring data with the performance package's pure functions,
// per equipment, summed per line (no shifts: By "day" and "shift" give one
// row per day). canned, when set, is returned instead, for exact tests.
type fakePerf struct {
	mon *monitoring.Service
	now func() time.Time

	mu       sync.Mutex
	canned   *web.OEEReport
	downtime *web.DowntimeReport
	queries  []web.PerfQuery
}

func (f *fakePerf) setCanned(r *web.OEEReport, d *web.DowntimeReport) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.canned, f.downtime = r, d
}

func (f *fakePerf) lastQuery() web.PerfQuery {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.queries) == 0 {
		return web.PerfQuery{}
	}
	return f.queries[len(f.queries)-1]
}

// microStop is the tests' micro-stop threshold, the UI's default.
const microStop = 2 * time.Minute

func (f *fakePerf) inputs(ctx context.Context, q web.PerfQuery, r performance.Range) ([]performance.Input, error) {
	var eqs []forkline.ID
	if q.EquipmentID != "" {
		eqs = []forkline.ID{q.EquipmentID}
	} else {
		tags, err := f.mon.Tags(ctx, q.SiteID)
		if err != nil {
			return nil, err
		}
		for _, t := range tags {
			if !slices.Contains(eqs, t.EquipmentID) {
				eqs = append(eqs, t.EquipmentID)
			}
		}
	}
	reasons, err := f.mon.Reasons(ctx, q.SiteID)
	if err != nil {
		return nil, err
	}
	byID := map[forkline.ID]monitoring.Reason{}
	for _, x := range reasons {
		byID[x.ID] = x
	}
	mr := monitoring.Range{From: r.From, To: r.To}
	var ins []performance.Input
	for _, eq := range eqs {
		if q.LineID != "" {
			e, err := plantEquipmentOf(ctx, f, eq)
			if err != nil {
				return nil, err
			}
			if e != q.LineID {
				continue
			}
		}
		ivs, err := f.mon.Intervals(ctx, eq, mr)
		if err != nil {
			return nil, err
		}
		cs, err := f.mon.Counts(ctx, eq, mr)
		if err != nil {
			return nil, err
		}
		rates, err := f.mon.Rates(ctx, eq)
		if err != nil {
			return nil, err
		}
		if len(rates) == 0 && q.EquipmentID == "" {
			continue // the fake measures a line by its rated equipment only
		}
		in := performance.Input{Range: r, Now: f.now()}
		for _, iv := range ivs {
			rs := byID[iv.ReasonID]
			in.Intervals = append(in.Intervals, performance.Interval{Start: iv.Start, End: iv.End, State: string(iv.State), Planned: rs.Planned, Reason: rs.Code})
		}
		for _, c := range cs {
			in.Counts = append(in.Counts, performance.Count{Minute: c.Minute, Good: c.Good, Reject: c.Reject})
		}
		for _, rt := range rates {
			if rt.ItemID == "" {
				in.PerUnit = performance.Fixed(rt.PerUnit)
			}
		}
		ins = append(ins, in)
	}
	return ins, nil
}

// lineOf is set by the seed: which line each equipment is on.
var lineOfMu sync.Mutex
var lineOf = map[forkline.ID]forkline.ID{}

func plantEquipmentOf(_ context.Context, _ *fakePerf, eq forkline.ID) (forkline.ID, error) {
	lineOfMu.Lock()
	defer lineOfMu.Unlock()
	return lineOf[eq], nil
}

func (f *fakePerf) OEE(ctx context.Context, q web.PerfQuery) (web.OEEReport, error) {
	f.mu.Lock()
	f.queries = append(f.queries, q)
	canned := f.canned
	f.mu.Unlock()
	if canned != nil {
		return *canned, nil
	}
	ins, err := f.inputs(ctx, q, q.Range)
	if err != nil {
		return web.OEEReport{}, err
	}
	var all []performance.Result
	for _, in := range ins {
		all = append(all, performance.Compute(in))
	}
	return web.OEEReport{Total: performance.Aggregate(all...)}, nil
}

func (f *fakePerf) Downtime(ctx context.Context, q web.PerfQuery) (web.DowntimeReport, error) {
	f.mu.Lock()
	f.queries = append(f.queries, q)
	canned := f.downtime
	f.mu.Unlock()
	if canned != nil {
		return *canned, nil
	}
	ins, err := f.inputs(ctx, q, q.Range)
	if err != nil {
		return web.DowntimeReport{}, err
	}
	var rep web.DowntimeReport
	for _, in := range ins {
		rep.Stops = append(rep.Stops, performance.Stops(performance.Clip(in.Intervals, in.Range, in.Now), microStop)...)
	}
	rep.Pareto = performance.Pareto(rep.Stops)
	s := performance.Summarize(rep.Stops)
	rep.MicroStops, rep.MicroStopTime = s.MicroStops, s.MicroDuration
	return rep, nil
}

// machines is the machine data of the bakery's bun line.
type machines struct {
	mixer, oven plant.Equipment
	stateTag    map[forkline.ID]string // equipment -> address of its state tag
	jam, film   monitoring.Reason
	stop        forkline.ID // the oven's unclassified stop of the afternoon
	now         time.Time
}

// seedMachines maps the bun line's mixer and oven and books a day of
// machine data through the pipeline, up to 14:30 in Chicago: a night of
// planned stop, a cleaning, production with a breakdown (classified), a
// few micro-stops, a changeover and an unclassified stop at 13:20.
func (e *env) seedMachines(t *testing.T, b *bakery) machines {
	t.Helper()
	ctx := as(b.admin)
	loc, _ := time.LoadLocation("America/Chicago")
	day := time.Date(2026, 2, 26, 0, 0, 0, 0, loc)
	now := day.Add(14*time.Hour + 30*time.Minute)
	e.clock.Set(now)
	m := machines{stateTag: map[forkline.ID]string{}, now: now}
	eqs := must[[]plant.Equipment](t)(e.plant.Equipment.List(ctx, plant.Filter{SiteIDs: []forkline.ID{e.site.ID}}))
	for _, eq := range eqs {
		lineOfMu.Lock()
		lineOf[eq.ID] = eq.LineID
		lineOfMu.Unlock()
		switch eq.Code {
		case "MIX-1":
			m.mixer = eq
		case "OVEN-1":
			m.oven = eq
		}
	}
	tag := func(eq plant.Equipment, name string, role monitoring.Role, unit string) string {
		addr := "forkline/v1/CHI-1/BAKE/L1/" + eq.Code + "/" + name
		if _, err := e.mon.SaveTag(ctx, monitoring.Tag{EquipmentID: eq.ID, Address: addr, Role: role, Unit: unit, Active: true}, ""); err != nil {
			t.Fatalf("SaveTag(%s): %v", addr, err)
		}
		return addr
	}
	for _, eq := range []plant.Equipment{m.mixer, m.oven} {
		m.stateTag[eq.ID] = tag(eq, "State", monitoring.RoleState, "")
	}
	good := tag(m.oven, "Good", monitoring.RoleGood, "")
	reject := tag(m.oven, "Reject", monitoring.RoleReject, "")
	temp := tag(m.oven, "Temperature", monitoring.RoleProcess, "°C")
	speed := tag(m.mixer, "Speed", monitoring.RoleProcess, "rpm")
	if err := e.mon.SaveRate(ctx, monitoring.Rate{EquipmentID: m.oven.ID, PerUnit: 1500 * time.Millisecond}); err != nil {
		t.Fatalf("SaveRate: %v", err)
	}
	mech := must[monitoring.Reason](t)(e.mon.SaveReason(ctx, monitoring.Reason{SiteID: e.site.ID, Code: "MECH", Name: "Mechanical", Active: true}))
	m.jam = must[monitoring.Reason](t)(e.mon.SaveReason(ctx, monitoring.Reason{SiteID: e.site.ID, ParentID: mech.ID, Code: "JAM", Name: "Jam at the infeed", Active: true}))
	must[monitoring.Reason](t)(e.mon.SaveReason(ctx, monitoring.Reason{SiteID: e.site.ID, ParentID: mech.ID, Code: "BELT", Name: "Conveyor belt", Active: true}))
	mat := must[monitoring.Reason](t)(e.mon.SaveReason(ctx, monitoring.Reason{SiteID: e.site.ID, Code: "MAT", Name: "Material", Active: true}))
	m.film = must[monitoring.Reason](t)(e.mon.SaveReason(ctx, monitoring.Reason{SiteID: e.site.ID, ParentID: mat.ID, Code: "FILM", Name: "Film roll change", Active: true}))
	must[monitoring.Reason](t)(e.mon.SaveReason(ctx, monitoring.Reason{SiteID: e.site.ID, ParentID: mat.ID, Code: "DOUGH", Name: "No dough", Active: true}))
	must[monitoring.Reason](t)(e.mon.SaveReason(ctx, monitoring.Reason{SiteID: e.site.ID, Code: "BREAK", Name: "Break", Planned: true, Active: true}))

	at := func(h, min int) time.Time {
		return day.Add(time.Duration(h)*time.Hour + time.Duration(min)*time.Minute).UTC()
	}
	type change struct {
		t     time.Time
		state monitoring.State
	}
	oven := []change{{at(0, 0), monitoring.PlannedStop}, {at(5, 0), monitoring.Cleaning}, {at(5, 40), monitoring.Running},
		{at(7, 12), monitoring.Idle}, {at(7, 13), monitoring.Running}, {at(8, 10), monitoring.Down}, {at(8, 35), monitoring.Running},
		{at(9, 30), monitoring.PlannedStop}, {at(9, 45), monitoring.Running}, {at(10, 2), monitoring.Idle}, {at(10, 3), monitoring.Running},
		{at(11, 0), monitoring.Changeover}, {at(11, 40), monitoring.Running}, {at(12, 31), monitoring.Idle}, {at(12, 41), monitoring.Running},
		{at(13, 20), monitoring.Down}, {at(13, 32), monitoring.Running}}
	mixer := []change{{at(0, 0), monitoring.PlannedStop}, {at(5, 0), monitoring.Cleaning}, {at(5, 30), monitoring.Running},
		{at(8, 12), monitoring.Idle}, {at(8, 40), monitoring.Running}, {at(9, 30), monitoring.PlannedStop}, {at(9, 45), monitoring.Running},
		{at(11, 0), monitoring.Changeover}, {at(11, 35), monitoring.Running}}
	var samples []monitoring.Sample
	for _, c := range oven {
		samples = append(samples, monitoring.Sample{Address: m.stateTag[m.oven.ID], Time: c.t, Value: monitoring.TextValue(string(c.state))})
	}
	for _, c := range mixer {
		samples = append(samples, monitoring.Sample{Address: m.stateTag[m.mixer.ID], Time: c.t, Value: monitoring.TextValue(string(c.state))})
	}
	stateAt := func(cs []change, t time.Time) monitoring.State {
		s := monitoring.Unknown
		for _, c := range cs {
			if !c.t.After(t) {
				s = c.state
			}
		}
		return s
	}
	g, rj := 5000.0, 20.0
	for ts := at(4, 0); ts.Before(now.UTC()); ts = ts.Add(time.Minute) {
		i := float64(ts.Sub(at(0, 0)) / time.Minute)
		if stateAt(oven, ts) == monitoring.Running {
			g += 36 + float64(int(i)%5)
			if int(i)%7 == 0 {
				rj++
			}
		}
		samples = append(samples,
			monitoring.Sample{Address: good, Time: ts.Add(30 * time.Second), Value: monitoring.NumberValue(g)},
			monitoring.Sample{Address: reject, Time: ts.Add(30 * time.Second), Value: monitoring.NumberValue(rj)})
		tempv := 40 + 2*math.Sin(i/30)
		if st := stateAt(oven, ts); st != monitoring.PlannedStop && ts.After(at(5, 20)) {
			tempv = 218 + 3*math.Sin(i/25) + float64(int(i)%3)*0.4
		}
		samples = append(samples, monitoring.Sample{Address: temp, Time: ts.Add(10 * time.Second), Value: monitoring.NumberValue(tempv)},
			monitoring.Sample{Address: temp, Time: ts.Add(40 * time.Second), Value: monitoring.NumberValue(tempv + 1.1)})
		sp := 0.0
		if stateAt(mixer, ts) == monitoring.Running {
			sp = 120 + 15*math.Sin(i/9)
		}
		samples = append(samples, monitoring.Sample{Address: speed, Time: ts.Add(20 * time.Second), Value: monitoring.NumberValue(sp)})
	}
	if err := e.pipe.Ingest(context.Background(), samples); err != nil {
		t.Fatalf("Ingest: %v", err)
	}
	// The breakdown at 08:10 was a jam; the stop at 13:20 is not classified.
	ivs := must[[]monitoring.Interval](t)(e.mon.Intervals(ctx, m.oven.ID, monitoring.Range{From: day.UTC(), To: now.UTC()}))
	for _, iv := range ivs {
		if iv.State == monitoring.Down && iv.Start.Equal(at(8, 10)) {
			must[monitoring.Interval](t)(e.mon.Classify(e.sys, iv.ID, m.jam.ID, "film wrapped around the infeed roller"))
		}
		if iv.State == monitoring.Down && iv.Start.Equal(at(13, 20)) {
			m.stop = iv.ID
		}
	}
	if m.stop == "" {
		t.Fatal("seed: the oven's stop at 13:20 was not booked")
	}
	return m
}
