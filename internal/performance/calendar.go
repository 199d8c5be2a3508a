package performance

import (
	"slices"
	"time"
)

// Range is a half-open time range [From, To).
type Range struct {
	From, To time.Time
}

// Duration returns the length of the range, 0 when it is empty.
func (r Range) Duration() time.Duration {
	if !r.To.After(r.From) {
		return 0
	}
	return r.To.Sub(r.From)
}

// Shift is one shift of a site's calendar, in wall-clock time of the site's
// time zone.
type Shift struct {
	Name     string
	Start    time.Duration  // after local midnight, e.g. 22h
	Length   time.Duration  // up to 24h, e.g. 8h
	Weekdays []time.Weekday // the days the shift starts on; empty: every day
}

func (s Shift) on(d time.Weekday) bool {
	return len(s.Weekdays) == 0 || slices.Contains(s.Weekdays, d)
}

// Period is one occurrence of a shift, or one production day.
type Period struct {
	Name string
	// Day is local midnight of the day the period started on, in the site's
	// time zone: a night shift from 22:00 to 06:00 belongs to its first day.
	Day        time.Time
	Start, End time.Time // UTC
}

// Range returns the period as a range.
func (p Period) Range() Range { return Range{From: p.Start, To: p.End} }

// Periods returns every occurrence of the shifts that overlaps r, by start
// (shifts starting together in the order given), unclipped: the first and
// last may begin before r or end after it. Start and end are wall-clock times
// in loc, so a shift across a daylight saving change is an hour shorter or
// longer. A wall-clock time the change skips or repeats resolves as time.Date
// does. Shifts without a positive length are left out.
func Periods(shifts []Shift, loc *time.Location, r Range) []Period {
	if !r.To.After(r.From) {
		return nil
	}
	first := r.From.In(loc)
	last := r.To.In(loc)
	var out []Period
	// A shift starts at most 24h after midnight and lasts at most 24h, so one
	// that started two days before r.From's local date can still overlap r.
	for d := 0; ; d++ {
		y, m, day := first.Date()
		date := time.Date(y, m, day-2+d, 0, 0, 0, 0, loc)
		if dateAfter(date, last) {
			break
		}
		wd := time.Date(date.Year(), date.Month(), date.Day(), 12, 0, 0, 0, time.UTC).Weekday()
		for _, s := range shifts {
			if s.Length <= 0 || !s.on(wd) {
				continue
			}
			start := wallClock(date, s.Start, loc)
			end := wallClock(date, s.Start+s.Length, loc)
			if end.After(r.From) && start.Before(r.To) {
				out = append(out, Period{Name: s.Name, Day: date, Start: start.UTC(), End: end.UTC()})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Period) int { return a.Start.Compare(b.Start) })
	return out
}

// Days returns the production days, local midnight to local midnight in loc,
// that overlap r, unclipped. Name is the date, e.g. "2026-03-29".
func Days(loc *time.Location, r Range) []Period {
	if !r.To.After(r.From) {
		return nil
	}
	first := r.From.In(loc)
	last := r.To.In(loc)
	var out []Period
	for d := 0; ; d++ {
		y, m, day := first.Date()
		date := time.Date(y, m, day+d, 0, 0, 0, 0, loc)
		if dateAfter(date, last) {
			break
		}
		next := time.Date(y, m, day+d+1, 0, 0, 0, 0, loc)
		if next.After(r.From) && date.Before(r.To) {
			out = append(out, Period{Name: date.Format(time.DateOnly), Day: date, Start: date.UTC(), End: next.UTC()})
		}
	}
	return out
}

// wallClock returns the time offset after local midnight of date as the wall
// clock shows it: the fields are normalised before the zone applies.
func wallClock(date time.Time, offset time.Duration, loc *time.Location) time.Time {
	return time.Date(date.Year(), date.Month(), date.Day(), 0, 0,
		int(offset/time.Second), int(offset%time.Second), loc)
}

// dateAfter reports whether the local date of a is after the local date of b.
func dateAfter(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	if ay != by {
		return ay > by
	}
	if am != bm {
		return am > bm
	}
	return ad > bd
}
