package performance_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/performance"
	"github.com/google/go-cmp/cmp"
)

// memSource holds one equipment's history in memory; its hours are rolled
// up with RollUp from the closed intervals, as the store does.
type memSource struct {
	ivs    []performance.Interval
	counts []performance.Count
	shifts []performance.Shift
	loc    *time.Location
	units  []performance.Unit
}

func (m *memSource) Location(context.Context, forkline.ID) (*time.Location, error) { return m.loc, nil }
func (m *memSource) Units(context.Context, performance.Query) ([]performance.Unit, error) {
	return m.units, nil
}
func (m *memSource) Shifts(context.Context, forkline.ID) ([]performance.Shift, error) {
	return m.shifts, nil
}
func (m *memSource) Intervals(_ context.Context, _ forkline.ID, r performance.Range) ([]performance.Interval, error) {
	var out []performance.Interval
	for _, iv := range m.ivs {
		if iv.Start.Before(r.To) && (iv.End.IsZero() || iv.End.After(r.From)) {
			out = append(out, iv)
		}
	}
	return out, nil
}
func (m *memSource) Counts(_ context.Context, _ forkline.ID, r performance.Range) ([]performance.Count, error) {
	var out []performance.Count
	for _, c := range m.counts {
		if !c.Minute.Before(r.From) && c.Minute.Before(r.To) {
			out = append(out, c)
		}
	}
	return out, nil
}
func (m *memSource) Hours(_ context.Context, eq forkline.ID, r performance.Range) ([]performance.Hour, error) {
	var closed []performance.Interval
	for _, iv := range m.ivs {
		if !iv.End.IsZero() {
			closed = append(closed, iv)
		}
	}
	var out []performance.Hour
	for _, h := range performance.RollUp(eq, closed, m.counts) {
		if !h.Start.Before(r.From) && h.Start.Before(r.To) {
			out = append(out, h)
		}
	}
	return out, nil
}
func (m *memSource) Orders(context.Context, performance.Query) ([]performance.OrderRun, error) {
	return nil, nil
}

const (
	siteID  = "019a0000-0000-7000-8000-000000000001"
	otherID = "019a0000-0000-7000-8000-000000000002"
)

var sysCtx = forkline.WithActor(context.Background(), forkline.System)

// history makes days of a line's life from a fixed seed: runs with
// micro-stops, breakdowns, changeovers, breaks (some stops classified as
// planned), a counter at one unit per second while running, and an
// interval still open at now.
func history(start time.Time, days int, now time.Time) *memSource {
	rng := rand.New(rand.NewPCG(1, 2))
	m := &memSource{loc: time.UTC, units: []performance.Unit{{EquipmentID: "filler", PerUnit: 900 * time.Millisecond}}}
	states := []string{performance.Down, performance.Idle, performance.Changeover, performance.Cleaning, performance.PlannedStop, performance.Unknown}
	t := start
	for t.Before(start.Add(time.Duration(days) * 24 * time.Hour)) {
		run := time.Duration(1+rng.IntN(90)) * time.Minute
		m.ivs = append(m.ivs, performance.Interval{Start: t, End: t.Add(run), State: performance.Running})
		for s := t.Truncate(time.Minute); s.Before(t.Add(run)); s = s.Add(time.Minute) {
			m.counts = append(m.counts, performance.Count{Minute: s, Good: int64(55 + rng.IntN(5)), Reject: int64(rng.IntN(3))})
		}
		t = t.Add(run)
		stop := time.Duration(5+rng.IntN(1800)) * time.Second
		m.ivs = append(m.ivs, performance.Interval{Start: t, End: t.Add(stop), State: states[rng.IntN(len(states))], Planned: rng.IntN(5) == 0})
		t = t.Add(stop)
	}
	// cut the history at now: the last interval lasts
	var out []performance.Interval
	for _, iv := range m.ivs {
		if !iv.Start.Before(now) {
			break
		}
		if !iv.End.Before(now) {
			iv.End = time.Time{}
		}
		out = append(out, iv)
	}
	m.ivs = out
	var counts []performance.Count
	for _, c := range m.counts {
		if c.Minute.Before(now.Truncate(time.Minute)) {
			counts = append(counts, c)
		}
	}
	m.counts = counts
	return m
}

// The hourly roll-up gives exactly the OEE that minutes and intervals give,
// in UTC and in a site's own time zone, by day and by shift (a night shift
// crossing midnight, days and shifts sticking out of the range), with the
// interval that lasts given a planned reason.
func TestHourlyReportsEqualRawReports(t *testing.T) {
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	// Data from a day before the range to now, after its end: the first and
	// last days and shifts of a site east of UTC reach into both.
	now := start.Add(5*24*time.Hour + 7*time.Hour + 13*time.Minute)
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	shifts := []performance.Shift{{Name: "Early", Start: 6 * time.Hour, Length: 8 * time.Hour}, {Name: "Late", Start: 14 * time.Hour, Length: 8 * time.Hour},
		{Name: "Night", Start: 22 * time.Hour, Length: 8 * time.Hour}}
	for _, c := range []struct {
		name string
		loc  *time.Location
		by   string
		rows int
	}{
		{"UTC by day", time.UTC, "day", 5},
		{"Berlin by day", berlin, "day", 6},
		{"Berlin by shift", berlin, "shift", 16},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := history(start.Add(-24*time.Hour), 7, now)
			src.loc, src.shifts = c.loc, shifts
			src.ivs[len(src.ivs)-1].State, src.ivs[len(src.ivs)-1].Planned = performance.Down, true
			q := performance.Query{SiteID: siteID, Range: performance.Range{From: start, To: start.Add(5 * 24 * time.Hour)}, By: c.by}
			hourly := performance.NewService(src, func() time.Time { return now })
			hourly.HourlyAfter = 0
			raw := performance.NewService(src, func() time.Time { return now })
			raw.HourlyAfter = 365 * 24 * time.Hour
			h, err := hourly.OEE(sysCtx, q)
			if err != nil {
				t.Fatal(err)
			}
			r, err := raw.OEE(sysCtx, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Rows) != c.rows {
				t.Fatalf("%d rows, want %d", len(r.Rows), c.rows)
			}
			if diff := cmp.Diff(r, h); diff != "" {
				t.Errorf("hourly vs raw (-raw +hourly):\n%s", diff)
			}
			if !r.Total.OEE.Defined || r.Total.OEE.Value <= 0 || r.Total.OEE.Value >= 1 {
				t.Errorf("total OEE = %v, want a ratio in (0, 1)", r.Total.OEE)
			}
		})
	}
}

// Days before a machine sent anything are n/a, not 0 %.
func TestDaysWithoutDataAreNotApplicable(t *testing.T) {
	start := time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
	now := start.Add(2 * 24 * time.Hour)
	src := history(start, 2, now)
	for _, hourly := range []bool{false, true} {
		s := performance.NewService(src, func() time.Time { return now })
		if hourly {
			s.HourlyAfter = 0
		}
		rep, err := s.OEE(sysCtx, performance.Query{SiteID: siteID, Range: performance.Range{From: start.AddDate(0, 0, -2), To: now}, By: "day"})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Rows) != 4 {
			t.Fatalf("%d rows, want 4 days", len(rep.Rows))
		}
		for i, r := range rep.Rows {
			if got := r.Availability.Defined; got != (i >= 2) {
				t.Errorf("hourly %v: day %s availability %v, want defined only on days with data", hourly, r.Label, r.Availability)
			}
		}
		if rep.Total.POT != 2*24*time.Hour {
			t.Errorf("hourly %v: total counts %v, want the two days with data", hourly, rep.Total.POT)
		}
	}
}

func TestReportRules(t *testing.T) {
	src := history(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), 1, time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC))
	s := performance.NewService(src, time.Now)
	day := performance.Range{From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)}
	for _, c := range []struct {
		q           performance.Query
		field, rule string
	}{
		{performance.Query{Range: day}, "site", "required"},
		{performance.Query{SiteID: siteID, Range: day, By: "week"}, "by", "enum"},
		{performance.Query{SiteID: siteID, Range: day, By: "order"}, "by", "line"},
		{performance.Query{SiteID: siteID, Range: performance.Range{From: day.To, To: day.From}}, "to", "after"},
		{performance.Query{SiteID: siteID, Range: performance.Range{From: day.From, To: day.From.AddDate(2, 0, 0)}}, "to", "max_range"},
	} {
		_, err := s.OEE(sysCtx, c.q)
		fs := forkline.ErrorFields(err)
		if len(fs) == 0 || fs[0].Field != c.field || fs[0].Rule != c.rule {
			t.Errorf("OEE(%+v) = %v, want %s/%s", c.q, err, c.field, c.rule)
		}
	}
	operatorElsewhere := forkline.WithActor(context.Background(), forkline.Actor{Kind: forkline.ActorUser, ID: "u", Grants: []forkline.Grant{{SiteID: otherID, Role: forkline.RoleOperator}}})
	if _, err := s.OEE(operatorElsewhere, performance.Query{SiteID: siteID, Range: day}); forkline.ErrorCode(err) != forkline.Forbidden {
		t.Errorf("operator of another site: %v, want forbidden", err)
	}
	rep, err := s.Downtime(sysCtx, performance.Query{SiteID: siteID, Range: day})
	if err != nil {
		t.Fatal(err)
	}
	var total time.Duration
	for _, p := range rep.Pareto {
		total += p.Duration
	}
	var stops time.Duration
	for _, st := range rep.Stops {
		stops += st.Duration
	}
	if total != stops || len(rep.Stops) == 0 {
		t.Errorf("Pareto sums to %v, stops to %v (%d stops)", total, stops, len(rep.Stops))
	}
}
