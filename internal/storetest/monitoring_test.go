package storetest_test

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/audit"
	"github.com/forkline/forkline/internal/monitoring"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/sqlstore"
	"github.com/forkline/forkline/internal/storetest"
	"github.com/google/go-cmp/cmp"
)

// monWorld is the world with a filler and a capper on site A, a mixer on
// site B, and a store of machine data.
type monWorld struct {
	*world
	store                 *sqlstore.MonitoringStore
	filler, capper, mixer plant.Equipment
}

func newMonWorld(t *testing.T, db *sqlstore.DB, c *storetest.Clock) *monWorld {
	t.Helper()
	w := &monWorld{world: newWorld(t, db, c), store: db.Monitoring()}
	for _, e := range []struct {
		eq   *plant.Equipment
		site plant.Site
		code string
	}{{&w.filler, w.siteA, "FILLER"}, {&w.capper, w.siteA, "CAPPER"}, {&w.mixer, w.siteB, "MIXER"}} {
		eq, err := w.svc.Equipment.Create(w.ctx, equipmentKind.make(w.world, e.site, e.code, "The "+e.code), "installed")
		if err != nil {
			t.Fatalf("create equipment %s: %v", e.code, err)
		}
		*e.eq = eq
	}
	return w
}

// tag maps a new tag as pat.
func (w *monWorld) tag(t *testing.T, eq plant.Equipment, address string, role monitoring.Role) monitoring.Tag {
	t.Helper()
	tag, err := w.store.SaveTag(asPat(), monitoring.Tag{EquipmentID: eq.ID, Address: address, Role: role, Active: true}, "")
	if err != nil {
		t.Fatalf("SaveTag(%s): %v", address, err)
	}
	return tag
}

// at is a time of the test day, in Berlin (UTC+1): stores keep UTC.
func at(hour, min, sec, micro int) time.Time {
	return time.Date(2026, 3, 2, hour, min, sec, micro*1000, time.FixedZone("CET", 3600)).UTC()
}

func write(t *testing.T, w *monWorld, b monitoring.Batch) {
	t.Helper()
	if err := w.store.Write(context.Background(), b); err != nil {
		t.Fatalf("Write: %v", err)
	}
}

func TestMonitoringWriteReadsEveryPartBack(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		w := newMonWorld(t, db, c)
		ctx := context.Background()
		temp := w.tag(t, w.filler, "forkline/v1/chi/filler/temp", monitoring.RoleProcess)
		good := w.tag(t, w.filler, "forkline/v1/chi/filler/good", monitoring.RoleGood)
		state := w.tag(t, w.filler, "forkline/v1/chi/filler/state", monitoring.RoleState)
		berlin := time.FixedZone("CET", 3600)
		runFrom := time.Date(2026, 3, 2, 9, 0, 0, 123456000, berlin) // in Berlin: stored and read as UTC
		first := monitoring.Batch{
			Open: []monitoring.Interval{
				{ID: w.ids.New(), EquipmentID: w.filler.ID, State: monitoring.Idle, Start: at(8, 59, 0, 1), End: runFrom},
				{ID: w.ids.New(), EquipmentID: w.filler.ID, State: monitoring.Running, Start: runFrom},
				{ID: w.ids.New(), EquipmentID: w.capper.ID, State: monitoring.Down, Start: at(9, 0, 5, 0)},
			},
			Counts: []monitoring.Count{
				{EquipmentID: w.filler.ID, Minute: at(9, 0, 0, 0), Good: 10, Reject: 1},
				{EquipmentID: w.filler.ID, Minute: at(9, 1, 0, 0), Good: 12},
				{EquipmentID: w.filler.ID, Minute: at(9, 1, 30, 0), Good: 3, Reject: 2}, // the same minute: added
			},
			Values: []monitoring.ProcessValue{
				{TagID: temp.ID, Time: at(9, 0, 0, 250), Value: 71.25},
				{TagID: temp.ID, Time: at(9, 0, 1, 999999), Value: -3.5},
				{TagID: temp.ID, Time: time.Date(2026, 3, 2, 9, 0, 2, 0, berlin), Value: 1e-9},
			},
			Watermarks: []monitoring.Watermark{
				{TagID: good.ID, Time: at(9, 1, 30, 0), Value: 65530},
				{TagID: state.ID, Time: runFrom},
			},
		}
		write(t, w, first)

		day := monitoring.Range{From: at(0, 0, 0, 0), To: at(23, 59, 0, 0)}
		gotIv, err := w.store.Intervals(ctx, []forkline.ID{w.filler.ID, w.capper.ID}, day)
		if err != nil {
			t.Fatal(err)
		}
		wantIv := slices.Clone(first.Open) // by start
		wantIv[0].End, wantIv[1].Start = runFrom.UTC(), runFrom.UTC()
		if diff := cmp.Diff(wantIv, gotIv); diff != "" {
			t.Errorf("Intervals mismatch (-want +got):\n%s", diff)
		}
		open, err := w.store.OpenIntervals(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(open) != 2 {
			t.Errorf("OpenIntervals = %v, want the filler's run and the capper's stop", open)
		}
		one, err := w.store.Interval(ctx, first.Open[2].ID)
		if err != nil || one != first.Open[2] {
			t.Errorf("Interval(capper's stop) = %+v, %v, want %+v", one, err, first.Open[2])
		}
		if _, err := w.store.Interval(ctx, w.ids.New()); forkline.ErrorCode(err) != forkline.NotFound {
			t.Errorf("Interval(unknown) error = %v, want not found", err)
		}

		wantCounts := []monitoring.Count{
			{EquipmentID: w.filler.ID, Minute: at(9, 0, 0, 0), Good: 10, Reject: 1},
			{EquipmentID: w.filler.ID, Minute: at(9, 1, 0, 0), Good: 15, Reject: 2},
		}
		gotCounts, err := w.store.Counts(ctx, []forkline.ID{w.filler.ID}, day)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantCounts, gotCounts); diff != "" {
			t.Errorf("Counts mismatch (-want +got):\n%s", diff)
		}

		wantValues := append([]monitoring.ProcessValue(nil), first.Values...)
		wantValues[2].Time = wantValues[2].Time.UTC()
		gotValues, err := w.store.Values(ctx, temp.ID, day, 100)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantValues, gotValues); diff != "" {
			t.Errorf("Values mismatch (-want +got):\n%s", diff)
		}
		if got, _ := w.store.Values(ctx, temp.ID, monitoring.Range{}, 100); len(got) != 3 {
			t.Errorf("Values(open range) = %v, want all three", got)
		}
		if got, _ := w.store.Intervals(ctx, []forkline.ID{w.filler.ID}, monitoring.Range{}); len(got) != 2 {
			t.Errorf("Intervals(open range) = %v, want both of the filler", got)
		}
		if got, _ := w.store.Counts(ctx, []forkline.ID{w.filler.ID}, monitoring.Range{From: at(9, 1, 0, 0)}); len(got) != 1 {
			t.Errorf("Counts(from 9:01 on) = %v, want 9:01's", got)
		}
		if got, _ := w.store.Minutes(ctx, temp.ID, monitoring.Range{}); len(got) != 1 || got[0].N != 3 {
			t.Errorf("Minutes(open range) = %v, want 9:00's three values", got)
		}
		if got, _ := w.store.Values(ctx, temp.ID, day, 2); len(got) != 2 || !got[1].Time.Equal(at(9, 0, 1, 999999)) {
			t.Errorf("Values(limit 2) = %v, want the first two", got)
		}

		wantMarks := first.Watermarks
		wantMarks[1].Time = runFrom.UTC()
		checkWatermarks(t, w, wantMarks)

		t.Run("a second batch adds counts, ignores a repeated value and replaces watermarks", func(t *testing.T) {
			run := first.Open[1]
			run.End = at(9, 2, 0, 0)
			down := monitoring.Interval{EquipmentID: w.filler.ID, State: monitoring.Down, Start: at(9, 2, 0, 0)} // the store gives it an ID
			second := monitoring.Batch{
				Close:  []monitoring.Interval{run},
				Open:   []monitoring.Interval{down},
				Counts: []monitoring.Count{{EquipmentID: w.filler.ID, Minute: at(9, 1, 0, 0), Good: 5, Reject: 1}},
				Values: []monitoring.ProcessValue{
					{TagID: temp.ID, Time: at(9, 0, 0, 250), Value: 99},                          // a repeat: the stored value stays
					{TagID: temp.ID, Time: at(9, 0, 3, 0).Add(789 * time.Nanosecond), Value: 72}, // kept to the microsecond
				},
				Watermarks: []monitoring.Watermark{{TagID: good.ID, Time: at(9, 2, 0, 0), Value: 4}, {TagID: good.ID, Time: at(9, 2, 1, 0), Value: 7}},
			}
			write(t, w, second)
			if second.Open[0].ID == "" {
				t.Fatalf("Write left the opened interval without an ID")
			}
			gotCounts, _ := w.store.Counts(ctx, []forkline.ID{w.filler.ID}, day)
			if want := int64(20); len(gotCounts) != 2 || gotCounts[1].Good != want || gotCounts[1].Reject != 3 {
				t.Errorf("Counts after a second batch = %+v, want 9:01 with %d good and 3 rejected", gotCounts, want)
			}
			gotValues, _ := w.store.Values(ctx, temp.ID, day, 100)
			if len(gotValues) != 4 || gotValues[0].Value != 71.25 || !gotValues[3].Time.Equal(at(9, 0, 3, 0)) {
				t.Errorf("Values after a second batch = %+v, want the first value kept and the new one to the microsecond", gotValues)
			}
			checkWatermarks(t, w, []monitoring.Watermark{{TagID: good.ID, Time: at(9, 2, 1, 0), Value: 7}, wantMarks[1]})
			open, _ := w.store.OpenIntervals(ctx)
			for _, iv := range open {
				if iv.EquipmentID == w.filler.ID && iv.ID != second.Open[0].ID {
					t.Errorf("the filler's open interval = %+v, want the stop", iv)
				}
			}
			closed, _ := w.store.Interval(ctx, run.ID)
			if !closed.End.Equal(run.End) {
				t.Errorf("the run ends at %v, want %v", closed.End, run.End)
			}
			// Closing it again (a redelivered batch) keeps its end.
			run.End = at(9, 5, 0, 0)
			write(t, w, monitoring.Batch{Close: []monitoring.Interval{run}})
			if again, _ := w.store.Interval(ctx, run.ID); !again.End.Equal(at(9, 2, 0, 0)) {
				t.Errorf("closing an ended interval moved its end to %v", again.End)
			}
		})
		if n := auditCount(t, db); n == 0 {
			t.Errorf("no audit entries at all, want the tags' ones")
		}
		if es := history(t, db, "equipment_interval", first.Open[0].ID); len(es) != 0 {
			t.Errorf("machine data is audited: %v", es)
		}
	})
}

func checkWatermarks(t *testing.T, w *monWorld, want []monitoring.Watermark) {
	t.Helper()
	got, err := w.store.Watermarks(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	byTag := map[forkline.ID]monitoring.Watermark{}
	for _, m := range got {
		byTag[m.TagID] = m
	}
	wantBy := map[forkline.ID]monitoring.Watermark{}
	for _, m := range want {
		wantBy[m.TagID] = m
	}
	if diff := cmp.Diff(wantBy, byTag); diff != "" {
		t.Errorf("Watermarks mismatch (-want +got):\n%s", diff)
	}
}

func TestMonitoringAnEquipmentHasAtMostOneIntervalThatLasts(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		w := newMonWorld(t, db, c)
		ctx := context.Background()
		temp := w.tag(t, w.filler, "filler/temp", monitoring.RoleProcess)
		run := monitoring.Interval{ID: w.ids.New(), EquipmentID: w.filler.ID, State: monitoring.Running, Start: at(9, 0, 0, 0)}
		write(t, w, monitoring.Batch{Open: []monitoring.Interval{run}})

		tests := []struct {
			name string
			b    monitoring.Batch
		}{
			{"a second one", monitoring.Batch{
				Open:   []monitoring.Interval{{ID: w.ids.New(), EquipmentID: w.filler.ID, State: monitoring.Down, Start: at(9, 1, 0, 0)}},
				Values: []monitoring.ProcessValue{{TagID: temp.ID, Time: at(9, 1, 0, 0), Value: 1}},
				Counts: []monitoring.Count{{EquipmentID: w.filler.ID, Minute: at(9, 1, 0, 0), Good: 1}}}},
			{"two in one batch", monitoring.Batch{
				Open: []monitoring.Interval{
					{ID: w.ids.New(), EquipmentID: w.capper.ID, State: monitoring.Down, Start: at(9, 1, 0, 0)},
					{ID: w.ids.New(), EquipmentID: w.capper.ID, State: monitoring.Idle, Start: at(9, 2, 0, 0)}},
				Values: []monitoring.ProcessValue{{TagID: temp.ID, Time: at(9, 1, 0, 0), Value: 1}}}},
			{"one with a stored ID", monitoring.Batch{Close: []monitoring.Interval{{ID: run.ID, End: at(9, 3, 0, 0)}},
				Open: []monitoring.Interval{run}}},
		}
		for _, tt := range tests {
			t.Run(tt.name+" is refused with all of its batch", func(t *testing.T) {
				err := w.store.Write(ctx, tt.b)
				wantCode(t, "Write", err, forkline.Conflict)
				if vs, _ := w.store.Values(ctx, temp.ID, monitoring.Range{}, 10); len(vs) != 0 {
					t.Errorf("values of a refused batch were stored: %v", vs)
				}
				if cs, _ := w.store.Counts(ctx, []forkline.ID{w.filler.ID}, monitoring.Range{}); len(cs) != 0 {
					t.Errorf("counts of a refused batch were stored: %v", cs)
				}
				open, _ := w.store.OpenIntervals(ctx)
				if diff := cmp.Diff([]monitoring.Interval{run}, open); diff != "" {
					t.Errorf("OpenIntervals after a refused batch (-want +got):\n%s", diff)
				}
			})
		}
		t.Run("one after the last is closed in the same batch is taken", func(t *testing.T) {
			ended := run
			ended.End = at(9, 5, 0, 0)
			next := monitoring.Interval{ID: w.ids.New(), EquipmentID: w.filler.ID, State: monitoring.Down, Start: at(9, 5, 0, 0)}
			write(t, w, monitoring.Batch{Close: []monitoring.Interval{ended}, Open: []monitoring.Interval{next}})
			open, _ := w.store.OpenIntervals(ctx)
			if diff := cmp.Diff([]monitoring.Interval{next}, open); diff != "" {
				t.Errorf("OpenIntervals (-want +got):\n%s", diff)
			}
		})
		t.Run("an interval of unknown equipment is invalid", func(t *testing.T) {
			err := w.store.Write(ctx, monitoring.Batch{Open: []monitoring.Interval{{EquipmentID: w.ids.New(), State: monitoring.Down, Start: at(9, 0, 0, 0)}}})
			wantCode(t, "Write", err, forkline.Invalid)
		})
		t.Run("a value that is not a number is invalid", func(t *testing.T) {
			err := w.store.Write(ctx, monitoring.Batch{Values: []monitoring.ProcessValue{{TagID: temp.ID, Time: at(9, 0, 0, 0), Value: math.NaN()}}})
			wantCode(t, "Write", err, forkline.Invalid)
		})
	})
}

func TestMonitoringIntervalsOverlappingARange(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		w := newMonWorld(t, db, c)
		ctx := context.Background()
		iv := func(state monitoring.State, from, to time.Time) monitoring.Interval {
			return monitoring.Interval{ID: w.ids.New(), EquipmentID: w.filler.ID, State: state, Start: from, End: to}
		}
		before := iv(monitoring.Running, at(8, 0, 0, 0), at(9, 0, 0, 0)) // ends where the range starts
		across := iv(monitoring.Down, at(9, 0, 0, 0), at(9, 30, 0, 1))   // ends a microsecond into it
		inside := iv(monitoring.Idle, at(9, 30, 0, 1), at(9, 45, 0, 0))  // inside it
		lasting := iv(monitoring.Running, at(9, 45, 0, 0), time.Time{})  // still lasts
		other := monitoring.Interval{ID: w.ids.New(), EquipmentID: w.capper.ID, State: monitoring.Down, Start: at(9, 40, 0, 0)}
		write(t, w, monitoring.Batch{Open: []monitoring.Interval{before, across, inside, lasting, other}})
		r := monitoring.Range{From: at(9, 30, 0, 0), To: at(10, 0, 0, 0)}
		got, err := w.store.Intervals(ctx, []forkline.ID{w.filler.ID}, r)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]monitoring.Interval{across, inside, lasting}, got); diff != "" {
			t.Errorf("Intervals(9:30-10:00) mismatch (-want +got):\n%s", diff)
		}
		got, _ = w.store.Intervals(ctx, []forkline.ID{w.filler.ID}, monitoring.Range{From: at(7, 0, 0, 0), To: at(9, 45, 0, 0)})
		if diff := cmp.Diff([]monitoring.Interval{before, across, inside}, got); diff != "" {
			t.Errorf("Intervals(7:00-9:45): one starting at the end is left out (-want +got):\n%s", diff)
		}
		if got, _ := w.store.Intervals(ctx, nil, r); len(got) != 0 {
			t.Errorf("Intervals(no equipment) = %v, want none", got)
		}
	})
}

func TestMonitoringDownsampleMergesMinutesExactly(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		w := newMonWorld(t, db, c)
		ctx := context.Background()
		temp := w.tag(t, w.filler, "filler/temp", monitoring.RoleProcess)
		bar := w.tag(t, w.capper, "capper/pressure", monitoring.RoleProcess)
		v := func(tag monitoring.Tag, t time.Time, x float64) monitoring.ProcessValue {
			return monitoring.ProcessValue{TagID: tag.ID, Time: t, Value: x}
		}
		write(t, w, monitoring.Batch{Values: []monitoring.ProcessValue{
			v(temp, at(9, 0, 0, 0), 2), v(temp, at(9, 0, 20, 0), 4), v(temp, at(9, 0, 59, 999999), 6), // 9:00: 2..6, mean 4
			v(temp, at(9, 1, 0, 0), -1), v(temp, at(9, 1, 30, 0), 1), // 9:01: -1..1, mean 0
			v(temp, at(9, 2, 0, 0), 10), v(temp, at(9, 2, 40, 0), 12), // 9:02: not a whole minute before 9:02:30
			v(bar, at(9, 0, 10, 0), 1.5),
		}})
		pm := func(tag monitoring.Tag, m time.Time, lo, hi, mean float64, n int64) monitoring.ProcessMinute {
			return monitoring.ProcessMinute{TagID: tag.ID, Minute: m, Min: lo, Max: hi, Mean: mean, N: n}
		}
		hour := monitoring.Range{From: at(9, 0, 0, 0), To: at(10, 0, 0, 0)}
		want := []monitoring.ProcessMinute{pm(temp, at(9, 0, 0, 0), 2, 6, 4, 3), pm(temp, at(9, 1, 0, 0), -1, 1, 0, 2), pm(temp, at(9, 2, 0, 0), 10, 12, 11, 2)}
		checkMinutes := func(t *testing.T, what string, want []monitoring.ProcessMinute) {
			t.Helper()
			got, err := w.store.Minutes(ctx, temp.ID, hour)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Minutes %s mismatch (-want +got):\n%s", what, diff)
			}
		}
		checkMinutes(t, "from raw values only", want)

		n, err := w.store.Downsample(ctx, at(9, 2, 30, 0))
		if err != nil || n != 6 {
			t.Fatalf("Downsample(9:02:30) = %d, %v, want the 6 values before 9:02", n, err)
		}
		checkMinutes(t, "after downsampling", want)
		if vs, _ := w.store.Values(ctx, temp.ID, hour, 100); len(vs) != 2 {
			t.Errorf("raw values after downsampling = %v, want 9:02's two", vs)
		}
		if got, _ := w.store.Minutes(ctx, bar.ID, hour); len(got) != 1 || got[0] != pm(bar, at(9, 0, 0, 0), 1.5, 1.5, 1.5, 1) {
			t.Errorf("Minutes(pressure) = %v, want its one value", got)
		}
		if got, _ := w.store.Minutes(ctx, temp.ID, monitoring.Range{From: at(9, 0, 0, 1), To: at(9, 1, 0, 0)}); len(got) != 0 {
			t.Errorf("Minutes(9:00:00.000001-9:01) = %v, want none: no minute starts in it", got)
		}

		t.Run("again with nothing older is a no-op", func(t *testing.T) {
			if n, err := w.store.Downsample(ctx, at(9, 2, 30, 0)); err != nil || n != 0 {
				t.Errorf("Downsample again = %d, %v, want 0", n, err)
			}
			checkMinutes(t, "after downsampling twice", want)
		})
		t.Run("late values merge with their downsampled minute", func(t *testing.T) {
			write(t, w, monitoring.Batch{Values: []monitoring.ProcessValue{v(temp, at(9, 0, 30, 0), 14), v(temp, at(9, 0, 40, 0), -2)}})
			merged := append([]monitoring.ProcessMinute{pm(temp, at(9, 0, 0, 0), -2, 14, 4.8, 5)}, want[1:]...) // (2+4+6+14-2)/5
			checkMinutes(t, "with late raw values", merged)
			if n, err := w.store.Downsample(ctx, at(9, 2, 30, 0)); err != nil || n != 2 {
				t.Fatalf("Downsample = %d, %v, want the 2 late values", n, err)
			}
			checkMinutes(t, "after the late values are downsampled", merged)
		})
	})
}

func TestMonitoringClassifyGivesAStopItsReason(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		w := newMonWorld(t, db, c)
		ctx := asPat()
		jam, err := w.store.SaveReason(ctx, monitoring.Reason{SiteID: w.siteA.ID, Code: "JAM", Name: "Bottle jam", Active: true})
		if err != nil {
			t.Fatal(err)
		}
		onB, err := w.store.SaveReason(ctx, monitoring.Reason{SiteID: w.siteB.ID, Code: "JAM", Name: "Jam in Berlin", Active: true})
		if err != nil {
			t.Fatal(err)
		}
		old, err := w.store.SaveReason(ctx, monitoring.Reason{SiteID: w.siteA.ID, Code: "OLD", Name: "No longer used", Active: false})
		if err != nil {
			t.Fatal(err)
		}
		down := monitoring.Interval{ID: w.ids.New(), EquipmentID: w.filler.ID, State: monitoring.Down, Start: at(9, 0, 0, 0), End: at(9, 10, 0, 0)}
		run := monitoring.Interval{ID: w.ids.New(), EquipmentID: w.filler.ID, State: monitoring.Running, Start: at(9, 10, 0, 0), End: at(9, 20, 0, 0)}
		clean := monitoring.Interval{ID: w.ids.New(), EquipmentID: w.filler.ID, State: monitoring.Cleaning, Start: at(9, 20, 0, 0), End: at(9, 30, 0, 0)}
		idle := monitoring.Interval{ID: w.ids.New(), EquipmentID: w.filler.ID, State: monitoring.Idle, Start: at(9, 30, 0, 0)}
		write(t, w, monitoring.Batch{Open: []monitoring.Interval{down, run, clean, idle}})

		got, err := w.store.Classify(ctx, down.ID, jam.ID, "  cap feeder  ")
		if err != nil {
			t.Fatal(err)
		}
		want := down
		want.ReasonID, want.ReasonNote, want.ClassifiedBy = jam.ID, "cap feeder", pat.Name
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Classify mismatch (-want +got):\n%s", diff)
		}
		if stored, _ := w.store.Interval(context.Background(), down.ID); stored != want {
			t.Errorf("stored interval = %+v, want %+v", stored, want)
		}
		checkLastAudit(t, db, c, auditWant{Actor: pat, Action: audit.Update, Entity: "equipment_interval", EntityID: down.ID,
			SiteID: w.siteA.ID, Reason: "cap feeder", Before: down, After: want})
		if _, err := w.store.Classify(ctx, idle.ID, jam.ID, ""); err != nil {
			t.Errorf("Classify(an idle interval that lasts) = %v, want it classified", err)
		}

		tests := []struct {
			name          string
			interval, rsn forkline.ID
			code          forkline.Code
			field         string
		}{
			{"a run is not a stop", run.ID, jam.ID, forkline.Invalid, "state"},
			{"cleaning is not a stop", clean.ID, jam.ID, forkline.Invalid, "state"},
			{"a reason of another site", down.ID, onB.ID, forkline.Invalid, "reasonId"},
			{"a reason no longer used", down.ID, old.ID, forkline.Invalid, "reasonId"},
			{"an unknown reason", down.ID, w.ids.New(), forkline.Invalid, "reasonId"},
			{"an unknown interval", w.ids.New(), jam.ID, forkline.NotFound, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name+" is refused", func(t *testing.T) {
				_, err := w.store.Classify(ctx, tt.interval, tt.rsn, "")
				wantCode(t, "Classify", err, tt.code)
				if tt.field != "" {
					if diff := cmp.Diff([]string{tt.field}, fieldNames(err)); diff != "" {
						t.Errorf("Classify error fields (-want +got):\n%s", diff)
					}
				}
			})
		}
		if stored, _ := w.store.Interval(context.Background(), down.ID); stored != want {
			t.Errorf("a refused classification changed the interval: %+v", stored)
		}
	})
}

func TestMonitoringSaveTag(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		w := newMonWorld(t, db, c)
		ctx := asPat()
		in := monitoring.Tag{EquipmentID: w.filler.ID, Address: "spBv1.0/chi/filler/State", Role: monitoring.RoleState,
			StateMap: map[string]monitoring.State{"1": monitoring.Running, "3": monitoring.Down}, Active: true}
		tag, err := w.store.SaveTag(ctx, in, "")
		if err != nil {
			t.Fatal(err)
		}
		want := in
		want.ID, want.SiteID, want.Version, want.CreatedAt, want.UpdatedAt = tag.ID, w.siteA.ID, 1, c.Now(), c.Now()
		if diff := cmp.Diff(want, tag); diff != "" {
			t.Errorf("SaveTag mismatch (-want +got):\n%s", diff)
		}
		got, err := w.store.Tag(ctx, tag.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Tag mismatch (-want +got):\n%s", diff)
		}
		checkLastAudit(t, db, c, auditWant{Actor: pat, Action: audit.Create, Entity: "machine_tag", EntityID: tag.ID, SiteID: w.siteA.ID, After: want})

		t.Run("a change is guarded by the version", func(t *testing.T) {
			c.Advance(time.Minute)
			ch := got
			ch.Role, ch.StateMap, ch.CounterMax = monitoring.RoleGood, nil, 65535
			changed, err := w.store.SaveTag(ctx, ch, "the PLC was reprogrammed")
			if err != nil {
				t.Fatal(err)
			}
			wantCh := ch
			wantCh.Version, wantCh.UpdatedAt = 2, c.Now()
			if diff := cmp.Diff(wantCh, changed); diff != "" {
				t.Errorf("SaveTag(change) mismatch (-want +got):\n%s", diff)
			}
			checkLastAudit(t, db, c, auditWant{Actor: pat, Action: audit.Update, Entity: "machine_tag", EntityID: tag.ID, SiteID: w.siteA.ID,
				Reason: "the PLC was reprogrammed", Before: got, After: wantCh})
			_, err = w.store.SaveTag(ctx, ch, "stale") // version 1 again
			wantCode(t, "SaveTag(stale)", err, forkline.Conflict)
			off := changed
			off.Active = false
			if _, err := w.store.SaveTag(ctx, off, "removed"); err != nil {
				t.Fatal(err)
			}
			if h := history(t, db, "machine_tag", tag.ID); h[0].Action != audit.Disable {
				t.Errorf("deactivating a tag is audited as %q, want disable", h[0].Action)
			}
		})
		t.Run("Tags lists the active ones and TagsOf a site's", func(t *testing.T) {
			other := w.tag(t, w.mixer, "forkline/v1/ber/mixer/speed", monitoring.RoleProcess)
			all, err := w.store.Tags(ctx)
			if err != nil || len(all) != 1 || all[0].ID != other.ID {
				t.Errorf("Tags() = %v, %v, want only the active mixer tag", all, err)
			}
			ofA, err := w.store.TagsOf(ctx, w.siteA.ID)
			if err != nil || len(ofA) != 1 || ofA[0].ID != tag.ID || ofA[0].Active {
				t.Errorf("TagsOf(A) = %v, %v, want the inactive filler tag", ofA, err)
			}
		})

		tests := []struct {
			name  string
			tag   monitoring.Tag
			code  forkline.Code
			field string
		}{
			{"an address mapped already", monitoring.Tag{EquipmentID: w.capper.ID, Address: in.Address, Role: monitoring.RoleGood},
				forkline.Conflict, "address"},
			{"unknown equipment", monitoring.Tag{EquipmentID: w.ids.New(), Address: "x/y", Role: monitoring.RoleGood},
				forkline.Invalid, "equipmentId"},
			{"equipment of another site", monitoring.Tag{SiteID: w.siteA.ID, EquipmentID: w.mixer.ID, Address: "x/z", Role: monitoring.RoleGood},
				forkline.Invalid, "equipmentId"},
			{"no role", monitoring.Tag{EquipmentID: w.capper.ID, Address: "x/r"}, forkline.Invalid, "role"},
		}
		for _, tt := range tests {
			t.Run(tt.name+" is refused", func(t *testing.T) {
				_, err := w.store.SaveTag(ctx, tt.tag, "")
				wantCode(t, "SaveTag", err, tt.code)
				if diff := cmp.Diff([]string{tt.field}, fieldNames(err)); diff != "" {
					t.Errorf("SaveTag error fields (-want +got):\n%s", diff)
				}
			})
		}
		t.Run("an unknown tag is not found", func(t *testing.T) {
			_, err := w.store.Tag(ctx, w.ids.New())
			wantCode(t, "Tag", err, forkline.NotFound)
			_, err = w.store.SaveTag(ctx, monitoring.Tag{ID: w.ids.New(), Version: 3, EquipmentID: w.capper.ID, Address: "x/q", Role: monitoring.RoleGood}, "")
			wantCode(t, "SaveTag(unknown)", err, forkline.NotFound)
		})
		t.Run("without an actor nothing is saved", func(t *testing.T) {
			_, err := w.store.SaveTag(context.Background(), monitoring.Tag{EquipmentID: w.capper.ID, Address: "x/anon", Role: monitoring.RoleGood}, "")
			if err == nil {
				t.Fatal("SaveTag without an actor succeeded")
			}
			if tags, _ := w.store.TagsOf(ctx, w.siteA.ID); len(tags) != 1 {
				t.Errorf("TagsOf(A) = %v, want nothing new", tags)
			}
		})
	})
}

func TestMonitoringSaveReason(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		w := newMonWorld(t, db, c)
		ctx := asPat()
		mech, err := w.store.SaveReason(ctx, monitoring.Reason{SiteID: w.siteA.ID, Code: "MECH", Name: "Mechanical", Active: true})
		if err != nil {
			t.Fatal(err)
		}
		jam, err := w.store.SaveReason(ctx, monitoring.Reason{SiteID: w.siteA.ID, ParentID: mech.ID, Code: "JAM", Name: "Jam", Active: true})
		if err != nil {
			t.Fatal(err)
		}
		brk, err := w.store.SaveReason(ctx, monitoring.Reason{SiteID: w.siteA.ID, Code: "BREAK", Name: "Break", Planned: true, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		onB, err := w.store.SaveReason(ctx, monitoring.Reason{SiteID: w.siteB.ID, Code: "MECH", Name: "Mechanisch", Active: true})
		if err != nil {
			t.Fatalf("the same code on another site: %v", err)
		}
		checkLastAudit(t, db, c, auditWant{Actor: pat, Action: audit.Create, Entity: "downtime_reason", EntityID: onB.ID, SiteID: w.siteB.ID, After: onB})
		got, err := w.store.Reasons(ctx, w.siteA.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]monitoring.Reason{brk, jam, mech}, got); diff != "" {
			t.Errorf("Reasons(A) mismatch (-want +got):\n%s", diff)
		}
		if jam.Version != 1 || jam.ParentID != mech.ID {
			t.Errorf("SaveReason = %+v, want version 1 under MECH", jam)
		}

		t.Run("a change is guarded by the version", func(t *testing.T) {
			ch := jam
			ch.Name, ch.ParentID = "Jam at the capper", ""
			changed, err := w.store.SaveReason(ctx, ch)
			if err != nil || changed.Version != 2 {
				t.Fatalf("SaveReason(change) = %+v, %v, want version 2", changed, err)
			}
			checkLastAudit(t, db, c, auditWant{Actor: pat, Action: audit.Update, Entity: "downtime_reason", EntityID: jam.ID, SiteID: w.siteA.ID,
				Before: jam, After: changed})
			_, err = w.store.SaveReason(ctx, ch)
			wantCode(t, "SaveReason(stale)", err, forkline.Conflict)
		})

		loop := mech
		loop.ParentID = jam.ID
		jamUnder := jam
		jamUnder.Version, jamUnder.ParentID = 2, mech.ID
		if _, err := w.store.SaveReason(ctx, jamUnder); err != nil {
			t.Fatal(err)
		}
		self := brk
		self.ParentID = brk.ID
		tests := []struct {
			name  string
			r     monitoring.Reason
			code  forkline.Code
			field string
		}{
			{"a code the site has", monitoring.Reason{SiteID: w.siteA.ID, Code: "JAM", Name: "Another jam"}, forkline.Conflict, "code"},
			{"a change to a code the site has", func() monitoring.Reason { r := brk; r.Code = "MECH"; return r }(), forkline.Conflict, "code"},
			{"a parent of another site", monitoring.Reason{SiteID: w.siteA.ID, ParentID: onB.ID, Code: "X", Name: "X"}, forkline.Invalid, "parentId"},
			{"an unknown parent", monitoring.Reason{SiteID: w.siteA.ID, ParentID: w.ids.New(), Code: "Y", Name: "Y"}, forkline.Invalid, "parentId"},
			{"itself as parent", self, forkline.Invalid, "parentId"},
			{"a child as parent", loop, forkline.Invalid, "parentId"},
			{"a move to another site", func() monitoring.Reason { r := brk; r.SiteID = w.siteB.ID; return r }(), forkline.Invalid, "siteId"},
			{"an unknown site", monitoring.Reason{SiteID: w.ids.New(), Code: "Z", Name: "Z"}, forkline.Invalid, "siteId"},
			{"no code", monitoring.Reason{SiteID: w.siteA.ID, Name: "Z"}, forkline.Invalid, "code"},
		}
		for _, tt := range tests {
			t.Run(tt.name+" is refused", func(t *testing.T) {
				_, err := w.store.SaveReason(ctx, tt.r)
				wantCode(t, "SaveReason", err, tt.code)
				if diff := cmp.Diff([]string{tt.field}, fieldNames(err)); diff != "" {
					t.Errorf("SaveReason error fields (-want +got):\n%s", diff)
				}
			})
		}
	})
}

func TestMonitoringShiftsAndRates(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		w := newMonWorld(t, db, c)
		ctx := asPat()
		night, err := w.store.SaveShift(ctx, monitoring.Shift{SiteID: w.siteA.ID, Name: "Night", Start: 22 * time.Hour, Length: 8 * time.Hour,
			Weekdays: []time.Weekday{time.Friday, time.Monday, time.Sunday, time.Monday}, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		early, err := w.store.SaveShift(ctx, monitoring.Shift{SiteID: w.siteA.ID, Name: "Early", Start: 6*time.Hour + 30*time.Minute, Length: 450 * time.Minute, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.store.SaveShift(ctx, monitoring.Shift{SiteID: w.siteB.ID, Name: "Früh", Start: 6 * time.Hour, Length: 8 * time.Hour, Active: true}); err != nil {
			t.Fatal(err)
		}
		if want := []time.Weekday{time.Sunday, time.Monday, time.Friday}; !cmp.Equal(want, night.Weekdays) || night.Version != 1 || night.ID == "" {
			t.Errorf("SaveShift = %+v, want weekdays %v in order, each once, version 1", night, want)
		}
		checkLastAudit(t, db, c, auditWant{Actor: pat, Action: audit.Create, Entity: "shift", EntityID: early.ID, SiteID: w.siteA.ID, After: early})
		got, err := w.store.Shifts(ctx, w.siteA.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]monitoring.Shift{early, night}, got); diff != "" {
			t.Errorf("Shifts(A) mismatch (-want +got):\n%s", diff)
		}
		ch := night
		ch.Length, ch.Weekdays, ch.Active = 7*time.Hour, nil, false
		changed, err := w.store.SaveShift(ctx, ch)
		if err != nil || changed.Version != 2 {
			t.Fatalf("SaveShift(change) = %+v, %v, want version 2", changed, err)
		}
		checkLastAudit(t, db, c, auditWant{Actor: pat, Action: audit.Disable, Entity: "shift", EntityID: night.ID, SiteID: w.siteA.ID, Before: night, After: changed})
		_, err = w.store.SaveShift(ctx, ch)
		wantCode(t, "SaveShift(stale)", err, forkline.Conflict)
		_, err = w.store.SaveShift(ctx, monitoring.Shift{SiteID: w.siteA.ID, Name: "Odd", Start: 25 * time.Hour, Length: time.Hour})
		wantCode(t, "SaveShift(25:00)", err, forkline.Invalid)
		_, err = w.store.SaveShift(ctx, monitoring.Shift{SiteID: w.ids.New(), Name: "Nowhere", Start: time.Hour, Length: time.Hour})
		wantCode(t, "SaveShift(unknown site)", err, forkline.Invalid)

		jar, err := w.svc.Items.Create(w.ctx, itemKind.make(w.world, w.siteA, "JAR-500", "Jar 500 g"), "")
		if err != nil {
			t.Fatal(err)
		}
		onB, err := w.svc.Items.Create(w.ctx, itemKind.make(w.world, w.siteB, "JAR-B", "Jar in Berlin"), "")
		if err != nil {
			t.Fatal(err)
		}
		rate := func(eq plant.Equipment, item forkline.ID, d time.Duration) monitoring.Rate {
			return monitoring.Rate{EquipmentID: eq.ID, ItemID: item, PerUnit: d}
		}
		for _, r := range []monitoring.Rate{rate(w.filler, "", time.Second), rate(w.filler, jar.ID, 1500*time.Millisecond), rate(w.capper, "", 800*time.Microsecond)} {
			if err := w.store.SaveRate(ctx, r); err != nil {
				t.Fatalf("SaveRate(%+v): %v", r, err)
			}
		}
		checkLastAudit(t, db, c, auditWant{Actor: pat, Action: audit.Create, Entity: "equipment_rate", EntityID: w.capper.ID, SiteID: w.siteA.ID,
			After: rate(w.capper, "", 800*time.Microsecond)})
		if err := w.store.SaveRate(ctx, rate(w.filler, "", 1200*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		checkLastAudit(t, db, c, auditWant{Actor: pat, Action: audit.Update, Entity: "equipment_rate", EntityID: w.filler.ID, SiteID: w.siteA.ID,
			Before: rate(w.filler, "", time.Second), After: rate(w.filler, "", 1200*time.Millisecond)})
		if err := w.store.SaveRate(ctx, rate(w.capper, "", 0)); err != nil {
			t.Fatal(err)
		}
		checkLastAudit(t, db, c, auditWant{Actor: pat, Action: audit.Disable, Entity: "equipment_rate", EntityID: w.capper.ID, SiteID: w.siteA.ID,
			Before: rate(w.capper, "", 800*time.Microsecond)})
		entries := auditCount(t, db)
		if err := w.store.SaveRate(ctx, rate(w.capper, "", 0)); err != nil {
			t.Errorf("removing a rate that is not set = %v, want nil", err)
		}
		if n := auditCount(t, db); n != entries {
			t.Errorf("removing a rate that is not set wrote %d audit entries", n-entries)
		}
		rates, err := w.store.Rates(ctx, []forkline.ID{w.filler.ID, w.capper.ID})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]monitoring.Rate{rate(w.filler, "", 1200*time.Millisecond), rate(w.filler, jar.ID, 1500*time.Millisecond)}, rates); diff != "" {
			t.Errorf("Rates mismatch (-want +got):\n%s", diff)
		}

		tests := []struct {
			name  string
			r     monitoring.Rate
			field string
		}{
			{"an item of another site", rate(w.filler, onB.ID, time.Second), "itemId"},
			{"an unknown item", rate(w.filler, w.ids.New(), time.Second), "itemId"},
			{"unknown equipment", monitoring.Rate{EquipmentID: w.ids.New(), PerUnit: time.Second}, "equipmentId"},
			{"a negative time", rate(w.filler, "", -time.Second), "perUnit"},
			{"less than a microsecond", rate(w.filler, "", 999*time.Nanosecond), "perUnit"},
		}
		for _, tt := range tests {
			t.Run(tt.name+" is refused", func(t *testing.T) {
				err := w.store.SaveRate(ctx, tt.r)
				wantCode(t, "SaveRate", err, forkline.Invalid)
				if diff := cmp.Diff([]string{tt.field}, fieldNames(err)); diff != "" {
					t.Errorf("SaveRate error fields (-want +got):\n%s", diff)
				}
			})
		}
	})
}
