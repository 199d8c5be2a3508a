package performance_test

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/forkline/forkline/internal/performance"
)

// day is the date the single-shift examples run on: Monday 2 March 2026, UTC.
func at(hh, mm int) time.Time { return utc(2026, 3, 2, hh, mm) }

func iv(from, to time.Time, state string) performance.Interval {
	return performance.Interval{Start: from, End: to, State: state}
}

func def(v float64) performance.Ratio { return performance.Ratio{Value: v, Defined: true} }

// runningMinutes returns the start of every minute the intervals spend running.
func runningMinutes(ivs []performance.Interval) []time.Time {
	var out []time.Time
	for _, x := range ivs {
		if x.State != performance.Running {
			continue
		}
		for m := x.Start; m.Before(x.End); m = m.Add(time.Minute) {
			out = append(out, m)
		}
	}
	return out
}

// spread spreads produced units and rejects as evenly as it can over the
// minutes, the remainders on the first minutes.
func spread(minutes []time.Time, produced, reject int64) []performance.Count {
	n := int64(len(minutes))
	out := make([]performance.Count, n)
	for i, m := range minutes {
		k := int64(i)
		p := produced / n
		if k < produced%n {
			p++
		}
		r := reject / n
		if k < reject%n {
			r++
		}
		out[i] = performance.Count{Minute: m, Good: p - r, Reject: r}
	}
	return out
}

// TestOEEComExample reproduces the worked example of oee.com ("OEE
// Calculation", https://www.oee.com/calculating-oee/): an 8-hour shift (480
// min) with two 15-minute breaks and a 30-minute meal (60 min planned stop),
// 47 minutes of down time, an ideal cycle time of 1.0 s, 19,271 units made
// and 423 rejected. Published: availability 88.81 %, performance 86.11 %,
// quality 97.80 %, OEE 74.79 %. Its "planned production time" is ISO 22400-2
// PBT, "run time" APT and "performance" effectiveness.
func TestOEEComExample(t *testing.T) {
	ivs := []performance.Interval{
		iv(at(6, 0), at(8, 0), performance.Running),
		{Start: at(8, 0), End: at(8, 15), State: performance.PlannedStop, Reason: "break"},
		iv(at(8, 15), at(9, 30), performance.Running),
		{Start: at(9, 30), End: at(9, 47), State: performance.Down, Reason: "jam"},
		iv(at(9, 47), at(10, 0), performance.Running),
		{Start: at(10, 0), End: at(10, 30), State: performance.PlannedStop, Reason: "meal"},
		{Start: at(10, 30), End: at(11, 0), State: performance.Down, Reason: "motor"},
		iv(at(11, 0), at(12, 30), performance.Running),
		// The second break is an idle interval an operator classified with a
		// planned reason: it leaves planned busy time like a planned stop.
		{Start: at(12, 30), End: at(12, 45), State: performance.Idle, Planned: true, Reason: "break"},
		iv(at(12, 45), at(14, 0), performance.Running),
	}
	minutes := runningMinutes(ivs)
	if len(minutes) != 373 {
		t.Fatalf("the example runs %d minutes, want 373", len(minutes))
	}
	got := performance.Compute(performance.Input{
		Range:     performance.Range{From: at(6, 0), To: at(14, 0)},
		Intervals: ivs,
		Counts:    spread(minutes, 19271, 423),
		PerUnit:   performance.Fixed(time.Second),
	})
	want := performance.Result{
		Range:          performance.Range{From: at(6, 0), To: at(14, 0)},
		POT:            480 * time.Minute,
		PDOT:           60 * time.Minute,
		PBT:            420 * time.Minute,
		APT:            373 * time.Minute,
		ADET:           47 * time.Minute,
		Produced:       19271,
		Good:           18848,
		Reject:         423,
		PlannedRunTime: 19271 * time.Second,
		Availability:   def(373.0 / 420.0),
		Effectiveness:  def(19271.0 / (373.0 * 60)),
		Quality:        def(18848.0 / 19271.0),
		// A × E × Q = good count × ideal cycle time / PBT = 18848 s / 25200 s.
		OEE: def(18848.0 / 25200.0),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Compute() mismatch (-want +got):\n%s", diff)
	}
	published := []struct {
		name string
		r    performance.Ratio
		want float64
	}{
		{"availability", got.Availability, 0.8881},
		{"performance", got.Effectiveness, 0.8611},
		{"quality", got.Quality, 0.9780},
		{"OEE", got.OEE, 0.7479},
	}
	for _, p := range published {
		if r := math.Round(p.r.Value*1e4) / 1e4; r != p.want {
			t.Errorf("%s rounds to %v, want the published %v", p.name, r, p.want)
		}
	}
}

// TestISO22400SetupExample is built from the element definitions of ISO
// 22400-2:2014 (no worked example with numbers is published in the standard
// itself): setup (AUST) belongs to planned busy time but not to actual
// production time, delays (ADET) and down time (ADOT) are apart, a meal break
// is planned down time (PDOT), and PRI changes with the order:
//
//	06:00-06:20 cleaning   20 min  AUST (pre-operational sanitation)
//	06:20-08:20 running   120 min  APT  order A, PRI 2 s
//	08:20-08:45 down       25 min  ADET
//	08:45-10:05 running    80 min  APT  order A
//	10:05-10:35 planned    30 min  PDOT meal
//	10:35-11:15 changeover 40 min  AUST to order B, PRI 3 s
//	11:15-11:30 idle       15 min  ADOT starved
//	11:30-14:00 running   150 min  APT  order B
//
// Order A makes 5,400 units (81 rejected), order B 2,700 (27 rejected).
// POT 480, PDOT 30, PBT 450, APT 350, AUST 60, AUPT = APT + AUST = 410 min.
// Σ PRI × PQ = 5400 × 2 s + 2700 × 3 s = 18,900 s = 315 min.
// Availability = 350/450 = 7/9; effectiveness = 315/350 = 9/10;
// quality ratio = 7992/8100 = 74/75; OEE = 7/9 × 9/10 × 74/75 = 259/375.
// Counting setup as production instead would give availability 410/450.
func TestISO22400SetupExample(t *testing.T) {
	ivs := []performance.Interval{
		iv(at(6, 0), at(6, 20), performance.Cleaning),
		iv(at(6, 20), at(8, 20), performance.Running),
		{Start: at(8, 20), End: at(8, 45), State: performance.Down, Reason: "filler-jam"},
		iv(at(8, 45), at(10, 5), performance.Running),
		iv(at(10, 5), at(10, 35), performance.PlannedStop),
		iv(at(10, 35), at(11, 15), performance.Changeover),
		iv(at(11, 15), at(11, 30), performance.Idle),
		iv(at(11, 30), at(14, 0), performance.Running),
	}
	minutes := runningMinutes(ivs)
	counts := append(spread(minutes[:200], 5400, 81), spread(minutes[200:], 2700, 27)...)
	got := performance.Compute(performance.Input{
		Range:     performance.Range{From: at(6, 0), To: at(14, 0)},
		Intervals: ivs,
		Counts:    counts,
		PerUnit: performance.Schedule(0, []performance.RateSpan{
			{Range: performance.Range{From: at(10, 35), To: at(14, 0)}, PerUnit: 3 * time.Second},
			{Range: performance.Range{From: at(6, 0), To: at(10, 35)}, PerUnit: 2 * time.Second},
		}),
	})
	want := performance.Result{
		Range:          performance.Range{From: at(6, 0), To: at(14, 0)},
		POT:            480 * time.Minute,
		PDOT:           30 * time.Minute,
		PBT:            450 * time.Minute,
		APT:            350 * time.Minute,
		AUST:           60 * time.Minute,
		ADET:           25 * time.Minute,
		ADOT:           15 * time.Minute,
		Produced:       8100,
		Good:           7992,
		Reject:         108,
		PlannedRunTime: 315 * time.Minute,
		Availability:   def(7.0 / 9.0),
		Effectiveness:  def(9.0 / 10.0),
		Quality:        def(74.0 / 75.0),
		OEE:            def(259.0 / 375.0),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Compute() mismatch (-want +got):\n%s", diff)
	}
}

func TestComputeEdgeCases(t *testing.T) {
	shift := performance.Range{From: at(6, 0), To: at(14, 0)}
	count := func(hh, mm int, good, reject int64) performance.Count {
		return performance.Count{Minute: at(hh, mm), Good: good, Reject: reject}
	}
	tests := []struct {
		name string
		in   performance.Input
		want performance.Result
	}{
		{
			name: "a shift that is all planned stop has no planned busy time: every ratio is n/a",
			in: performance.Input{Range: shift, PerUnit: performance.Fixed(time.Second),
				Intervals: []performance.Interval{iv(at(6, 0), at(14, 0), performance.PlannedStop)}},
			want: performance.Result{Range: shift, POT: 8 * time.Hour, PDOT: 8 * time.Hour},
		},
		{
			name: "running without production has quality n/a and effectiveness 0",
			in: performance.Input{Range: shift, PerUnit: performance.Fixed(time.Second),
				Intervals: []performance.Interval{iv(at(6, 0), at(14, 0), performance.Running)}},
			want: performance.Result{Range: shift, POT: 8 * time.Hour, PBT: 8 * time.Hour, APT: 8 * time.Hour,
				Availability: def(1), Effectiveness: def(0)},
		},
		{
			name: "units counted without running time leave effectiveness n/a",
			in: performance.Input{Range: shift, PerUnit: performance.Fixed(time.Second),
				Intervals: []performance.Interval{iv(at(6, 0), at(14, 0), performance.Down)},
				Counts:    []performance.Count{count(7, 0, 9, 1)}},
			want: performance.Result{Range: shift, POT: 8 * time.Hour, PBT: 8 * time.Hour, ADET: 8 * time.Hour,
				Produced: 10, Good: 9, Reject: 1, PlannedRunTime: 10 * time.Second,
				Availability: def(0), Quality: def(0.9)},
		},
		{
			name: "a planned stop is excluded from planned busy time",
			in: performance.Input{Range: shift, PerUnit: performance.Fixed(time.Second), Intervals: []performance.Interval{
				iv(at(6, 0), at(13, 0), performance.Running),
				iv(at(13, 0), at(14, 0), performance.PlannedStop),
			}, Counts: []performance.Count{count(6, 0, 42*60*6, 0)}},
			want: performance.Result{Range: shift, POT: 8 * time.Hour, PDOT: time.Hour, PBT: 7 * time.Hour, APT: 7 * time.Hour,
				Produced: 15120, Good: 15120, PlannedRunTime: 15120 * time.Second,
				Availability: def(1), Effectiveness: def(0.6), Quality: def(1), OEE: def(0.6)},
		},
		{
			name: "a down interval with a planned reason is planned down time",
			in: performance.Input{Range: shift, Intervals: []performance.Interval{
				iv(at(6, 0), at(12, 0), performance.Running),
				{Start: at(12, 0), End: at(14, 0), State: performance.Down, Planned: true, Reason: "pm"},
			}},
			want: performance.Result{Range: shift, POT: 8 * time.Hour, PDOT: 2 * time.Hour, PBT: 6 * time.Hour, APT: 6 * time.Hour,
				Availability: def(1), Effectiveness: def(0)},
		},
		{
			name: "setup is booked as setup, inside planned busy time, even with a planned reason",
			in: performance.Input{Range: shift, Intervals: []performance.Interval{
				{Start: at(6, 0), End: at(6, 30), State: performance.Cleaning, Planned: true},
				iv(at(6, 30), at(7, 0), performance.Changeover),
				iv(at(7, 0), at(14, 0), performance.Running),
			}},
			want: performance.Result{Range: shift, POT: 8 * time.Hour, PBT: 8 * time.Hour, APT: 7 * time.Hour, AUST: time.Hour,
				Availability: def(7.0 / 8.0), Effectiveness: def(0)},
		},
		{
			name: "an open interval ends at Now, and time after Now is not measured",
			in: performance.Input{Range: shift, Now: at(10, 0), Intervals: []performance.Interval{
				iv(at(6, 0), at(9, 0), performance.Running),
				{Start: at(9, 0), State: performance.Down},
			}},
			want: performance.Result{Range: performance.Range{From: at(6, 0), To: at(10, 0)},
				POT: 4 * time.Hour, PBT: 4 * time.Hour, APT: 3 * time.Hour, ADET: time.Hour,
				Availability: def(0.75), Effectiveness: def(0)},
		},
		{
			name: "an open interval without Now ends at the range end",
			in: performance.Input{Range: shift, Intervals: []performance.Interval{
				{Start: at(5, 0), State: performance.Running},
			}},
			want: performance.Result{Range: shift, POT: 8 * time.Hour, PBT: 8 * time.Hour, APT: 8 * time.Hour,
				Availability: def(1), Effectiveness: def(0)},
		},
		{
			name: "an open interval followed by another ends where the next starts",
			in: performance.Input{Range: shift, Intervals: []performance.Interval{
				{Start: at(6, 0), State: performance.Running},
				iv(at(10, 0), at(14, 0), performance.Idle),
			}},
			want: performance.Result{Range: shift, POT: 8 * time.Hour, PBT: 8 * time.Hour, APT: 4 * time.Hour, ADOT: 4 * time.Hour,
				Availability: def(0.5), Effectiveness: def(0)},
		},
		{
			name: "intervals are clipped to the range",
			in: performance.Input{Range: shift, Intervals: []performance.Interval{
				iv(at(0, 0), at(7, 0), performance.Down),
				iv(at(7, 0), at(20, 0), performance.Running),
			}},
			want: performance.Result{Range: shift, POT: 8 * time.Hour, PBT: 8 * time.Hour, APT: 7 * time.Hour, ADET: time.Hour,
				Availability: def(7.0 / 8.0), Effectiveness: def(0)},
		},
		{
			name: "time without an interval and unknown or unmapped states are unknown down time",
			in: performance.Input{Range: shift, Intervals: []performance.Interval{
				iv(at(7, 0), at(8, 0), performance.Unknown),
				iv(at(8, 0), at(9, 0), "fault-42"),
				iv(at(9, 0), at(12, 0), performance.Running),
				iv(at(12, 0), at(13, 0), performance.Idle),
			}},
			want: performance.Result{Range: shift, POT: 8 * time.Hour, PBT: 8 * time.Hour, APT: 3 * time.Hour,
				ADOT: 5 * time.Hour, Unknown: 4 * time.Hour,
				Availability: def(3.0 / 8.0), Effectiveness: def(0)},
		},
		{
			name: "where intervals overlap the earlier one keeps the overlap, in any input order",
			in: performance.Input{Range: shift, Intervals: []performance.Interval{
				iv(at(10, 0), at(14, 0), performance.Down),
				iv(at(6, 0), at(12, 0), performance.Running),
			}},
			want: performance.Result{Range: shift, POT: 8 * time.Hour, PBT: 8 * time.Hour, APT: 6 * time.Hour, ADET: 2 * time.Hour,
				Availability: def(0.75), Effectiveness: def(0)},
		},
		{
			name: "a count belongs to the range when its minute starts within it",
			in: performance.Input{Range: shift, PerUnit: performance.Fixed(time.Second),
				Intervals: []performance.Interval{iv(at(6, 0), at(14, 0), performance.Running)},
				Counts: []performance.Count{
					count(13, 59, 60, 0), count(5, 59, 1000, 0), count(14, 0, 1000, 0), count(6, 0, 50, 10),
				}},
			want: performance.Result{Range: shift, POT: 8 * time.Hour, PBT: 8 * time.Hour, APT: 8 * time.Hour,
				Produced: 120, Good: 110, Reject: 10, PlannedRunTime: 120 * time.Second,
				Availability: def(1), Effectiveness: def(120.0 / 28800.0), Quality: def(110.0 / 120.0),
				OEE: def(110.0 / 28800.0)},
		},
		{
			name: "units without a planned run time leave effectiveness and OEE n/a",
			in: performance.Input{Range: shift,
				PerUnit: performance.Schedule(0, []performance.RateSpan{
					{Range: performance.Range{From: at(6, 0), To: at(10, 0)}, PerUnit: time.Second},
				}),
				Intervals: []performance.Interval{iv(at(6, 0), at(14, 0), performance.Running)},
				Counts:    []performance.Count{count(9, 59, 10, 0), count(10, 0, 5, 0)}},
			want: performance.Result{Range: shift, POT: 8 * time.Hour, PBT: 8 * time.Hour, APT: 8 * time.Hour,
				Produced: 15, Good: 15, PlannedRunTime: 10 * time.Second, Unrated: 5,
				Availability: def(1), Quality: def(1)},
		},
		{
			name: "no rate at all leaves every unit unrated",
			in: performance.Input{Range: shift,
				Intervals: []performance.Interval{iv(at(6, 0), at(14, 0), performance.Running)},
				Counts:    []performance.Count{count(7, 0, 3, 0)}},
			want: performance.Result{Range: shift, POT: 8 * time.Hour, PBT: 8 * time.Hour, APT: 8 * time.Hour,
				Produced: 3, Good: 3, Unrated: 3, Availability: def(1), Quality: def(1)},
		},
		{
			name: "a range entirely after Now measures nothing",
			in: performance.Input{Range: shift, Now: at(5, 0),
				Intervals: []performance.Interval{{Start: at(4, 0), State: performance.Running}}},
			want: performance.Result{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := performance.Compute(tt.in)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Compute() mismatch (-want +got):\n%s", diff)
			}
			if got.POT != got.PDOT+got.PBT || got.PBT != got.APT+got.AUST+got.ADET+got.ADOT {
				t.Errorf("time elements do not add up: %+v", got)
			}
		})
	}
}

func TestComputeDoesNotChangeItsInput(t *testing.T) {
	ivs := []performance.Interval{
		iv(at(10, 0), at(14, 0), performance.Down),
		{Start: at(6, 0), State: performance.Running},
	}
	counts := []performance.Count{{Minute: at(9, 0), Good: 1}, {Minute: at(7, 0), Good: 2}}
	ivs0 := append([]performance.Interval(nil), ivs...)
	counts0 := append([]performance.Count(nil), counts...)
	performance.Compute(performance.Input{Range: performance.Range{From: at(6, 0), To: at(14, 0)}, Intervals: ivs, Counts: counts})
	if diff := cmp.Diff(ivs0, ivs); diff != "" {
		t.Errorf("Compute changed its intervals (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(counts0, counts); diff != "" {
		t.Errorf("Compute changed its counts (-before +after):\n%s", diff)
	}
}

func TestByPeriodSplitsAnIntervalBetweenShifts(t *testing.T) {
	shifts := threeShifts[:2] // Early 06-14, Late 14-22
	r := performance.Range{From: at(0, 0), To: at(24, 0)}
	in := performance.Input{
		Range:   r,
		PerUnit: performance.Fixed(2 * time.Second),
		Intervals: []performance.Interval{
			iv(at(6, 0), at(13, 0), performance.Running),
			iv(at(13, 0), at(15, 0), performance.Down), // spans the shift change
			iv(at(15, 0), at(21, 0), performance.Running),
			iv(at(21, 0), at(22, 0), performance.PlannedStop),
		},
		Counts: []performance.Count{
			{Minute: at(12, 0), Good: 10080},              // 10080 × 2 s = 5.6 h in 7 h run
			{Minute: at(16, 0), Good: 9720, Reject: 1080}, // 10800 × 2 s = 6 h in 6 h run
		},
	}
	got := performance.ByPeriod(in, performance.Periods(shifts, time.UTC, r))
	early := performance.Result{
		Range: performance.Range{From: at(6, 0), To: at(14, 0)},
		POT:   8 * time.Hour, PBT: 8 * time.Hour, APT: 7 * time.Hour, ADET: time.Hour,
		Produced: 10080, Good: 10080, PlannedRunTime: 20160 * time.Second,
		Availability: def(7.0 / 8.0), Effectiveness: def(0.8), Quality: def(1), OEE: def(0.7),
	}
	late := performance.Result{
		Range: performance.Range{From: at(14, 0), To: at(22, 0)},
		POT:   8 * time.Hour, PDOT: time.Hour, PBT: 7 * time.Hour, APT: 6 * time.Hour, ADET: time.Hour,
		Produced: 10800, Good: 9720, Reject: 1080, PlannedRunTime: 21600 * time.Second,
		Availability: def(6.0 / 7.0), Effectiveness: def(1), Quality: def(0.9),
		OEE: def(21600.0 * 9720 / (25200.0 * 10800)),
	}
	want := []performance.PeriodResult{
		{Period: performance.Period{Name: "Early", Day: at(0, 0), Start: at(6, 0), End: at(14, 0)}, Result: early},
		{Period: performance.Period{Name: "Late", Day: at(0, 0), Start: at(14, 0), End: at(22, 0)}, Result: late},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ByPeriod() mismatch (-want +got):\n%s", diff)
	}

	// The day's OEE comes from the summed elements, not from averaged ratios:
	// Σ PRI × PQ × GQ / (PBT × PQ) = (41760 s × 19800) / (54000 s × 20880) = 11/15,
	// where the mean of the shifts' OEE would be (0.7 + 27/35) / 2.
	day := performance.Aggregate(got[0].Result, got[1].Result)
	wantDay := performance.Result{
		Range: performance.Range{From: at(6, 0), To: at(22, 0)},
		POT:   16 * time.Hour, PDOT: time.Hour, PBT: 15 * time.Hour, APT: 13 * time.Hour, ADET: 2 * time.Hour,
		Produced: 20880, Good: 19800, Reject: 1080, PlannedRunTime: 41760 * time.Second,
		Availability: def(13.0 / 15.0), Effectiveness: def(41760.0 / 46800.0), Quality: def(19800.0 / 20880.0),
		OEE: def(11.0 / 15.0),
	}
	if diff := cmp.Diff(wantDay, day); diff != "" {
		t.Errorf("Aggregate() mismatch (-want +got):\n%s", diff)
	}
	if mean := (early.OEE.Value + late.OEE.Value) / 2; mean == day.OEE.Value {
		t.Errorf("the aggregate OEE %v equals the mean of the shifts' OEE; the example should tell them apart", mean)
	}
}

func TestByPeriodNightShiftAndDaylightSaving(t *testing.T) {
	berlin := load(t, "Europe/Berlin")
	night := []performance.Shift{{Name: "Night", Start: 22 * time.Hour, Length: 8 * time.Hour}}
	// Running from Saturday 28 March 2026 noon to Monday 30 March noon, local,
	// with one hour down across local midnight of the night the clocks go forward.
	from, to := local(berlin, 2026, 3, 28, 12, 0), local(berlin, 2026, 3, 30, 12, 0)
	in := performance.Input{
		Range: performance.Range{From: from, To: to},
		Intervals: []performance.Interval{
			iv(from, local(berlin, 2026, 3, 28, 23, 30), performance.Running),
			iv(local(berlin, 2026, 3, 28, 23, 30), local(berlin, 2026, 3, 29, 0, 30), performance.Down),
			iv(local(berlin, 2026, 3, 29, 0, 30), to, performance.Running),
		},
	}
	shifts := performance.ByPeriod(in, performance.Periods(night, berlin, in.Range))
	var got []string
	for _, s := range shifts {
		got = append(got, s.Period.Day.Format(time.DateOnly)+" "+s.Result.POT.String()+" "+s.Result.ADET.String()+" "+s.Result.Availability.String())
	}
	want := []string{
		"2026-03-28 7h0m0s 1h0m0s " + def(6.0/7.0).String(), // 22:00-06:00 across the change: 7 h
		"2026-03-29 8h0m0s 0s 1",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("night shifts mismatch (-want +got):\n%s", diff)
	}

	days := performance.ByPeriod(in, performance.Days(berlin, in.Range))
	got = nil
	for _, d := range days {
		got = append(got, d.Period.Name+" "+d.Result.POT.String()+" "+d.Result.ADET.String())
	}
	want = []string{
		"2026-03-28 12h0m0s 30m0s", // clipped to the range: noon to midnight
		"2026-03-29 23h0m0s 30m0s", // a 23-hour production day
		"2026-03-30 12h0m0s 0s",    // clipped: midnight to noon
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("days mismatch (-want +got):\n%s", diff)
	}

	// The 25-hour day in autumn.
	from, to = local(berlin, 2026, 10, 25, 0, 0), local(berlin, 2026, 10, 26, 0, 0)
	in = performance.Input{Range: performance.Range{From: from, To: to}, Intervals: []performance.Interval{iv(from, to, performance.Running)}}
	autumn := performance.ByPeriod(in, performance.Days(berlin, in.Range))
	if len(autumn) != 1 || autumn[0].Result.POT != 25*time.Hour || autumn[0].Result.APT != 25*time.Hour {
		t.Errorf("ByPeriod(25 October 2026) = %+v, want one day of 25 h running", autumn)
	}
}

func TestAggregateOfNothing(t *testing.T) {
	got := performance.Aggregate()
	if diff := cmp.Diff(performance.Result{}, got); diff != "" {
		t.Errorf("Aggregate() mismatch (-want +got):\n%s", diff)
	}
	if got.OEE.String() != "n/a" {
		t.Errorf("Aggregate().OEE = %v, want n/a", got.OEE)
	}
}

func TestRatiosOfLongRangesAreExact(t *testing.T) {
	// A year in nanoseconds is beyond 2^53: the ratios still round once from
	// the exact fraction.
	year := performance.Range{From: utc(2026, 1, 1, 0, 0), To: utc(2027, 1, 1, 0, 0)}
	third := utc(2026, 1, 1, 0, 0).Add(365 * 24 * time.Hour / 3)
	got := performance.Compute(performance.Input{Range: year, Intervals: []performance.Interval{
		iv(year.From, third, performance.Down),
		iv(third, year.To, performance.Running),
	}})
	if want := def(2.0 / 3.0); got.Availability != want {
		t.Errorf("Availability = %v, want %v", got.Availability, want)
	}
}

func TestSchedule(t *testing.T) {
	f := performance.Schedule(5*time.Second, []performance.RateSpan{
		{Range: performance.Range{From: at(10, 0), To: at(12, 0)}, PerUnit: 3 * time.Second},
		{Range: performance.Range{From: at(6, 0), To: at(8, 0)}, PerUnit: 2 * time.Second},
	})
	tests := []struct {
		t    time.Time
		want time.Duration
	}{
		{at(5, 59), 5 * time.Second},
		{at(6, 0), 2 * time.Second},
		{at(7, 59), 2 * time.Second},
		{at(8, 0), 5 * time.Second},
		{at(10, 0), 3 * time.Second},
		{at(12, 0), 5 * time.Second},
	}
	for _, tt := range tests {
		if got := f(tt.t); got != tt.want {
			t.Errorf("Schedule(...)(%v) = %v, want %v", tt.t, got, tt.want)
		}
	}
}

func TestClip(t *testing.T) {
	ivs := []performance.Interval{
		{Start: at(12, 0), State: performance.Down, Reason: "jam"},
		iv(at(5, 0), at(7, 0), performance.Running),
		iv(at(6, 30), at(12, 0), performance.Idle), // overlaps the one before
	}
	got := performance.Clip(ivs, performance.Range{From: at(6, 0), To: at(14, 0)}, at(13, 0))
	want := []performance.Interval{
		iv(at(6, 0), at(7, 0), performance.Running),
		iv(at(7, 0), at(12, 0), performance.Idle),
		{Start: at(12, 0), End: at(13, 0), State: performance.Down, Reason: "jam"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Clip() mismatch (-want +got):\n%s", diff)
	}
}
