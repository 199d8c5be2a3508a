package performance_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/forkline/forkline/internal/performance"
)

// yearOfData returns a year (2026, Europe/Berlin) of one equipment: a count
// every minute and a state change every 7 minutes on average.
func yearOfData(tb testing.TB) (performance.Input, *time.Location) {
	berlin := load(tb, "Europe/Berlin")
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, berlin)
	to := time.Date(2027, 1, 1, 0, 0, 0, 0, berlin)
	states := []string{
		performance.Running, performance.Running, performance.Running, performance.Running,
		performance.Idle, performance.Down, performance.Changeover, performance.Cleaning,
		performance.PlannedStop, performance.Unknown,
	}
	var ivs []performance.Interval
	seed := uint32(1)
	next := func() uint32 { seed = seed*1664525 + 1013904223; return seed >> 8 }
	for t := from; t.Before(to); {
		end := t.Add(time.Duration(4+next()%7) * time.Minute) // 4 to 10 minutes
		if end.After(to) {
			end = to
		}
		ivs = append(ivs, performance.Interval{Start: t.UTC(), End: end.UTC(), State: states[next()%uint32(len(states))]})
		t = end
	}
	var counts []performance.Count
	for m := from; m.Before(to); m = m.Add(time.Minute) {
		counts = append(counts, performance.Count{Minute: m.UTC(), Good: int64(40 + next()%20), Reject: int64(next() % 3)})
	}
	return performance.Input{
		Range:     performance.Range{From: from, To: to},
		Intervals: ivs,
		Counts:    counts,
		PerUnit:   performance.Fixed(time.Second),
	}, berlin
}

// BenchmarkComputeYear computes the daily results of a year of one
// equipment: 525,600 minute counts and about 75,000 state intervals.
func BenchmarkComputeYear(b *testing.B) {
	in, berlin := yearOfData(b)
	days := performance.Days(berlin, in.Range)
	b.ReportMetric(float64(len(in.Intervals)), "intervals")
	b.ReportMetric(float64(len(in.Counts)), "counts")
	for b.Loop() {
		res := performance.ByPeriod(in, days)
		if len(res) != 365 {
			b.Fatalf("got %d days, want 365", len(res))
		}
	}
}

func TestYearOfDataAddsUp(t *testing.T) {
	in, berlin := yearOfData(t)
	days := performance.ByPeriod(in, performance.Days(berlin, in.Range))
	var rs []performance.Result
	for _, d := range days {
		rs = append(rs, d.Result)
	}
	year := performance.Aggregate(rs...)
	whole := performance.Compute(in)
	if diff := cmp.Diff(whole, year); diff != "" {
		t.Errorf("Aggregate(days) differs from Compute(year) (-year +days):\n%s", diff)
	}
	if year.POT != 365*24*time.Hour || year.Produced == 0 || year.PBT != year.APT+year.AUST+year.ADET+year.ADOT {
		t.Errorf("Compute(year) = %+v, want 8760 h of consistent elements", year)
	}
}
