package storetest_test

import (
	"context"
	"testing"
	"time"

	"github.com/forkline/forkline/internal/monitoring"
	"github.com/forkline/forkline/internal/performance"
	"github.com/forkline/forkline/internal/sqlstore"
	"github.com/forkline/forkline/internal/storetest"
	"github.com/google/go-cmp/cmp"
)

// The hourly roll-up holds exactly what the intervals and counts hold:
// intervals split at the hours they cross when they close, a redelivered
// close booked once, counts added, and a stop moved to planned time when it
// gets a planned reason (and back).
func TestMonitoringHoursRollUp(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		w := newMonWorld(t, db, c)
		ctx := context.Background()
		brk, err := w.store.SaveReason(asPat(), monitoring.Reason{SiteID: w.siteA.ID, Code: "BREAK", Name: "Break", Planned: true, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		jam, err := w.store.SaveReason(asPat(), monitoring.Reason{SiteID: w.siteA.ID, Code: "JAM", Name: "Jam", Active: true})
		if err != nil {
			t.Fatal(err)
		}
		run := monitoring.Interval{ID: w.ids.New(), EquipmentID: w.filler.ID, State: monitoring.Running, Start: at(8, 40, 0, 0)}
		write(t, w, monitoring.Batch{Open: []monitoring.Interval{run},
			Counts: []monitoring.Count{{EquipmentID: w.filler.ID, Minute: at(8, 59, 0, 0), Good: 50, Reject: 1}}})
		// The run closes at 10:05:30 (crossing two hours), then a stop and a
		// cleaning, in one batch; the stop's close is sent twice later.
		run.End = at(10, 5, 30, 0)
		stop := monitoring.Interval{ID: w.ids.New(), EquipmentID: w.filler.ID, State: monitoring.Down, Start: run.End, End: at(10, 20, 0, 0)}
		clean := monitoring.Interval{ID: w.ids.New(), EquipmentID: w.filler.ID, State: monitoring.Cleaning, Start: stop.End}
		write(t, w, monitoring.Batch{Close: []monitoring.Interval{run}, Open: []monitoring.Interval{stop, clean},
			Counts: []monitoring.Count{{EquipmentID: w.filler.ID, Minute: at(9, 0, 0, 0), Good: 60}, {EquipmentID: w.filler.ID, Minute: at(10, 1, 0, 0), Good: 7}}})
		write(t, w, monitoring.Batch{Close: []monitoring.Interval{run}}) // a redelivery: booked once
		all := monitoring.Range{From: at(0, 0, 0, 0), To: at(23, 0, 0, 0)}
		check := func(when string) {
			t.Helper()
			got, err := w.store.Hours(ctx, w.filler.ID, all)
			if err != nil {
				t.Fatal(err)
			}
			ivs, err := w.store.Intervals(ctx, []string{w.filler.ID}, all)
			if err != nil {
				t.Fatal(err)
			}
			reasons := map[string]bool{brk.ID: true}
			var closed []performance.Interval
			for _, iv := range ivs {
				if !iv.End.IsZero() {
					closed = append(closed, performance.Interval{Start: iv.Start, End: iv.End, State: string(iv.State), Planned: reasons[iv.ReasonID]})
				}
			}
			cs, err := w.store.Counts(ctx, []string{w.filler.ID}, all)
			if err != nil {
				t.Fatal(err)
			}
			var pcs []performance.Count
			for _, c := range cs {
				pcs = append(pcs, performance.Count{Minute: c.Minute, Good: c.Good, Reject: c.Reject})
			}
			want := performance.RollUp(w.filler.ID, closed, pcs)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: hours (-from the intervals and counts +stored):\n%s", when, diff)
			}
		}
		check("after the writes")
		got, _ := w.store.Hours(ctx, w.filler.ID, all)
		if len(got) != 3 || got[1].Running != time.Hour || got[2].Down != 14*time.Minute+30*time.Second || got[2].Good != 7 {
			t.Errorf("hours = %+v, want 08:00, 09:00 (a full hour running), 10:00 (14m30s down, 7 good)", got)
		}
		if _, err := w.store.Classify(asPat(), stop.ID, brk.ID, "lunch"); err != nil {
			t.Fatal(err)
		}
		check("after a planned reason")
		if h, _ := w.store.Hours(ctx, w.filler.ID, all); h[2].Down != 0 || h[2].Planned != 14*time.Minute+30*time.Second {
			t.Errorf("a planned reason left %v down, %v planned", h[2].Down, h[2].Planned)
		}
		if _, err := w.store.Classify(asPat(), stop.ID, jam.ID, "no, a jam"); err != nil {
			t.Fatal(err)
		}
		check("after an unplanned reason again")
		// The reason itself turns planned: its stops move with it.
		jam.Planned = true
		if jam, err = w.store.SaveReason(asPat(), jam); err != nil {
			t.Fatal(err)
		}
		if got, _ := w.store.Hours(ctx, w.filler.ID, all); got[2].Down != 0 || got[2].Planned != 14*time.Minute+30*time.Second {
			t.Errorf("after JAM turned planned: %v down, %v planned in the 10:00 hour", got[2].Down, got[2].Planned)
		}
	})
}

// A mapping that now means another signal (its role, address or equipment
// changed) forgets its watermark, so its next reading is a new baseline;
// a state tag moved to other equipment ends the old equipment's interval.
func TestMonitoringTagChangeForgetsItsWatermark(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		w := newMonWorld(t, db, c)
		ctx := context.Background()
		state := w.tag(t, w.filler, "forkline/v1/chi/filler/state", monitoring.RoleState)
		good := w.tag(t, w.filler, "forkline/v1/chi/filler/good", monitoring.RoleGood)
		open := monitoring.Interval{ID: w.ids.New(), EquipmentID: w.filler.ID, State: monitoring.Running, Start: c.Now().Add(-time.Hour)}
		write(t, w, monitoring.Batch{Open: []monitoring.Interval{open}, Watermarks: []monitoring.Watermark{
			{TagID: state.ID, Time: c.Now().Add(-time.Hour)}, {TagID: good.ID, Time: c.Now().Add(-time.Minute), Value: 1234}}})
		good.Unit = "cups" // not a new signal: the watermark stays
		good, err := w.store.SaveTag(asPat(), good, "unit")
		if err != nil {
			t.Fatal(err)
		}
		if marks, _ := w.store.Watermarks(ctx); len(marks) != 2 {
			t.Fatalf("watermarks after a unit change = %v, want both kept", marks)
		}
		good.Role = monitoring.RoleReject
		if _, err := w.store.SaveTag(asPat(), good, "it counts rejects"); err != nil {
			t.Fatal(err)
		}
		state.EquipmentID = w.capper.ID
		if _, err := w.store.SaveTag(asPat(), state, "wired to the capper"); err != nil {
			t.Fatal(err)
		}
		if marks, _ := w.store.Watermarks(ctx); len(marks) != 0 {
			t.Errorf("watermarks after the changes = %v, want none", marks)
		}
		if ivs, _ := w.store.OpenIntervals(ctx); len(ivs) != 0 {
			t.Errorf("open intervals = %v, want the filler's ended", ivs)
		}
		hours, err := w.store.Hours(ctx, w.filler.ID, monitoring.Range{From: c.Now().Add(-2 * time.Hour), To: c.Now().Add(time.Hour)})
		var run time.Duration
		for _, h := range hours {
			run += h.Running
		}
		if err != nil || run != time.Hour {
			t.Errorf("hours of the ended interval: %v running (%v), want 1h", run, err)
		}
	})
}
