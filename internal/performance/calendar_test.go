package performance_test

import (
	"testing"
	"time"
	_ "time/tzdata" // the DST tests must not depend on the host's zoneinfo

	"github.com/google/go-cmp/cmp"

	"github.com/forkline/forkline/internal/performance"
)

func load(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// local returns a wall-clock time in loc.
func local(loc *time.Location, y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, loc)
}

func utc(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, time.UTC)
}

var threeShifts = []performance.Shift{
	{Name: "Early", Start: 6 * time.Hour, Length: 8 * time.Hour},
	{Name: "Late", Start: 14 * time.Hour, Length: 8 * time.Hour},
	{Name: "Night", Start: 22 * time.Hour, Length: 8 * time.Hour},
}

func TestPeriodsAcrossMidnight(t *testing.T) {
	berlin := load(t, "Europe/Berlin")
	// Wednesday 4 March 2026, 00:00 to 12:00 local (CET, UTC+1).
	r := performance.Range{From: local(berlin, 2026, 3, 4, 0, 0), To: local(berlin, 2026, 3, 4, 12, 0)}
	got := performance.Periods(threeShifts, berlin, r)
	want := []performance.Period{
		// The night shift of Tuesday overlaps the range and belongs to Tuesday.
		{Name: "Night", Day: local(berlin, 2026, 3, 3, 0, 0), Start: utc(2026, 3, 3, 21, 0), End: utc(2026, 3, 4, 5, 0)},
		{Name: "Early", Day: local(berlin, 2026, 3, 4, 0, 0), Start: utc(2026, 3, 4, 5, 0), End: utc(2026, 3, 4, 13, 0)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Periods() mismatch (-want +got):\n%s", diff)
	}
	for _, p := range got {
		if p.Start.Location() != time.UTC || p.End.Location() != time.UTC {
			t.Errorf("period %s starts %v, ends %v, want UTC", p.Name, p.Start, p.End)
		}
		if p.Day.Location() != berlin {
			t.Errorf("period %s day %v, want in Europe/Berlin", p.Name, p.Day)
		}
	}
}

func TestPeriodsWeekdays(t *testing.T) {
	berlin := load(t, "Europe/Berlin")
	weekdays := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	shifts := []performance.Shift{
		{Name: "Early", Start: 6 * time.Hour, Length: 8 * time.Hour, Weekdays: weekdays},
		{Name: "Night", Start: 22 * time.Hour, Length: 8 * time.Hour, Weekdays: []time.Weekday{time.Sunday}},
	}
	// Friday 6 March to Monday 9 March 2026, midnight to midnight.
	r := performance.Range{From: local(berlin, 2026, 3, 6, 0, 0), To: local(berlin, 2026, 3, 9, 0, 0)}
	got := performance.Periods(shifts, berlin, r)
	want := []performance.Period{
		{Name: "Early", Day: local(berlin, 2026, 3, 6, 0, 0), Start: utc(2026, 3, 6, 5, 0), End: utc(2026, 3, 6, 13, 0)},
		// Sunday's night shift starts in the range and ends after it: unclipped.
		{Name: "Night", Day: local(berlin, 2026, 3, 8, 0, 0), Start: utc(2026, 3, 8, 21, 0), End: utc(2026, 3, 9, 5, 0)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Periods() mismatch (-want +got):\n%s", diff)
	}
}

func TestPeriodsDaylightSaving(t *testing.T) {
	night := []performance.Shift{{Name: "Night", Start: 22 * time.Hour, Length: 8 * time.Hour}}
	tests := []struct {
		name       string
		zone       string
		day        time.Time // the local day the night shift starts, as y/m/d
		start, end time.Time // UTC
		length     time.Duration
	}{
		{"Berlin, night before the clocks go forward (29 Mar 2026) is 7h", "Europe/Berlin",
			utc(2026, 3, 28, 0, 0), utc(2026, 3, 28, 21, 0), utc(2026, 3, 29, 4, 0), 7 * time.Hour},
		{"Berlin, the night after is 8h again", "Europe/Berlin",
			utc(2026, 3, 29, 0, 0), utc(2026, 3, 29, 20, 0), utc(2026, 3, 30, 4, 0), 8 * time.Hour},
		{"Berlin, night before the clocks go back (25 Oct 2026) is 9h", "Europe/Berlin",
			utc(2026, 10, 24, 0, 0), utc(2026, 10, 24, 20, 0), utc(2026, 10, 25, 5, 0), 9 * time.Hour},
		{"Chicago, night before the clocks go forward (8 Mar 2026) is 7h", "America/Chicago",
			utc(2026, 3, 7, 0, 0), utc(2026, 3, 8, 4, 0), utc(2026, 3, 8, 11, 0), 7 * time.Hour},
		{"Chicago, night before the clocks go back (1 Nov 2026) is 9h", "America/Chicago",
			utc(2026, 10, 31, 0, 0), utc(2026, 11, 1, 3, 0), utc(2026, 11, 1, 12, 0), 9 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := load(t, tt.zone)
			day := local(loc, tt.day.Year(), tt.day.Month(), tt.day.Day(), 0, 0)
			// One minute at 23:00 local on the day: only that night shift overlaps it.
			probe := local(loc, day.Year(), day.Month(), day.Day(), 23, 0)
			got := performance.Periods(night, loc, performance.Range{From: probe, To: probe.Add(time.Minute)})
			want := []performance.Period{{Name: "Night", Day: day, Start: tt.start, End: tt.end}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("Periods() mismatch (-want +got):\n%s", diff)
			}
			if d := got[0].End.Sub(got[0].Start); d != tt.length {
				t.Errorf("night shift lasts %v, want %v", d, tt.length)
			}
			if s, e := got[0].Start.In(loc), got[0].End.In(loc); s.Hour() != 22 || e.Hour() != 6 || s.Minute() != 0 || e.Minute() != 0 {
				t.Errorf("night shift runs %v to %v local, want 22:00 to 06:00", s, e)
			}
		})
	}
}

func TestDaysDaylightSaving(t *testing.T) {
	tests := []struct {
		zone    string
		from    [3]int // local y, m, d
		lengths []time.Duration
	}{
		{"Europe/Berlin", [3]int{2026, 3, 28}, []time.Duration{24 * time.Hour, 23 * time.Hour, 24 * time.Hour}},
		{"Europe/Berlin", [3]int{2026, 10, 24}, []time.Duration{24 * time.Hour, 25 * time.Hour, 24 * time.Hour}},
		{"America/Chicago", [3]int{2026, 3, 7}, []time.Duration{24 * time.Hour, 23 * time.Hour, 24 * time.Hour}},
		{"America/Chicago", [3]int{2026, 10, 31}, []time.Duration{24 * time.Hour, 25 * time.Hour, 24 * time.Hour}},
	}
	for _, tt := range tests {
		loc := load(t, tt.zone)
		from := local(loc, tt.from[0], time.Month(tt.from[1]), tt.from[2], 0, 0)
		to := local(loc, tt.from[0], time.Month(tt.from[1]), tt.from[2]+3, 0, 0)
		days := performance.Days(loc, performance.Range{From: from, To: to})
		var got []time.Duration
		for i, d := range days {
			got = append(got, d.End.Sub(d.Start))
			wantDay := local(loc, tt.from[0], time.Month(tt.from[1]), tt.from[2]+i, 0, 0)
			if !d.Day.Equal(wantDay) || !d.Start.Equal(wantDay) || d.Name != wantDay.Format(time.DateOnly) {
				t.Errorf("%s day %d = %+v, want it to start at %v", tt.zone, i, d, wantDay)
			}
		}
		if diff := cmp.Diff(tt.lengths, got); diff != "" {
			t.Errorf("Days(%s, %v) lengths mismatch (-want +got):\n%s", tt.zone, from, diff)
		}
	}
}

func TestDaysUnclipped(t *testing.T) {
	chicago := load(t, "America/Chicago")
	r := performance.Range{From: local(chicago, 2026, 11, 1, 12, 0), To: local(chicago, 2026, 11, 2, 0, 1)}
	got := performance.Days(chicago, r)
	want := []performance.Period{
		{Name: "2026-11-01", Day: local(chicago, 2026, 11, 1, 0, 0), Start: utc(2026, 11, 1, 5, 0), End: utc(2026, 11, 2, 6, 0)},
		{Name: "2026-11-02", Day: local(chicago, 2026, 11, 2, 0, 0), Start: utc(2026, 11, 2, 6, 0), End: utc(2026, 11, 3, 6, 0)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Days() mismatch (-want +got):\n%s", diff)
	}
}

func TestPeriodsEmptyRange(t *testing.T) {
	t0 := utc(2026, 3, 4, 6, 0)
	if got := performance.Periods(threeShifts, time.UTC, performance.Range{From: t0, To: t0}); got != nil {
		t.Errorf("Periods(empty range) = %v, want nil", got)
	}
	if got := performance.Days(time.UTC, performance.Range{From: t0, To: t0}); got != nil {
		t.Errorf("Days(empty range) = %v, want nil", got)
	}
}
