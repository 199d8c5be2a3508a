package performance_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/forkline/forkline/internal/performance"
)

func stopIv(from, to time.Time, state, reason string) performance.Interval {
	return performance.Interval{Start: from, End: to, State: state, Reason: reason}
}

func TestStops(t *testing.T) {
	ivs := []performance.Interval{
		stopIv(at(6, 0), at(7, 0), performance.Running, ""),
		// A fault, then waiting for the restart: one stop of 10 min, its reason
		// the one given to its longer part.
		stopIv(at(7, 0), at(7, 6), performance.Down, "jam"),
		stopIv(at(7, 6), at(7, 10), performance.Idle, "starved"),
		stopIv(at(7, 10), at(8, 0), performance.Running, ""),
		// A micro-stop, unclassified.
		stopIv(at(8, 0), at(8, 1), performance.Down, ""),
		stopIv(at(8, 1), at(9, 0), performance.Running, ""),
		// Setup is not a stop, and it separates the stops on either side.
		stopIv(at(9, 0), at(9, 5), performance.Unknown, ""),
		stopIv(at(9, 5), at(9, 35), performance.Changeover, ""),
		stopIv(at(9, 35), at(9, 50), performance.Idle, "starved"),
		// A planned stop and a stop with a planned reason are not stops.
		stopIv(at(9, 50), at(10, 20), performance.PlannedStop, ""),
		{Start: at(10, 20), End: at(10, 30), State: performance.Down, Planned: true, Reason: "pm"},
		stopIv(at(10, 30), at(11, 0), performance.Cleaning, ""),
		// A gap in the data ends a stop.
		stopIv(at(11, 0), at(11, 20), performance.Down, "jam"),
		stopIv(at(11, 30), at(11, 31), performance.Down, "jam"),
		// Still open: left out.
		{Start: at(12, 0), State: performance.Down},
	}
	got := performance.Stops(ivs, 2*time.Minute)
	want := []performance.Stop{
		{Start: at(7, 0), End: at(7, 10), Duration: 10 * time.Minute, Reason: "jam"},
		{Start: at(8, 0), End: at(8, 1), Duration: time.Minute, Micro: true},
		{Start: at(9, 0), End: at(9, 5), Duration: 5 * time.Minute},
		{Start: at(9, 35), End: at(9, 50), Duration: 15 * time.Minute, Reason: "starved"},
		{Start: at(11, 0), End: at(11, 20), Duration: 20 * time.Minute, Reason: "jam"},
		{Start: at(11, 30), End: at(11, 31), Duration: time.Minute, Reason: "jam", Micro: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Stops() mismatch (-want +got):\n%s", diff)
	}

	wantSum := performance.StopSummary{Stops: 4, Duration: 50 * time.Minute, MicroStops: 2, MicroDuration: 2 * time.Minute}
	if diff := cmp.Diff(wantSum, performance.Summarize(got)); diff != "" {
		t.Errorf("Summarize() mismatch (-want +got):\n%s", diff)
	}
}

func TestStopsReasonTies(t *testing.T) {
	ivs := []performance.Interval{
		stopIv(at(7, 0), at(7, 5), performance.Down, "b"),
		stopIv(at(7, 5), at(7, 20), performance.Idle, ""), // the longest part is unclassified
		stopIv(at(7, 20), at(7, 25), performance.Down, "a"),
		stopIv(at(7, 25), at(7, 27), performance.Down, "b"), // b adds up to 7 min
	}
	got := performance.Stops(ivs, 0)
	want := []performance.Stop{{Start: at(7, 0), End: at(7, 27), Duration: 27 * time.Minute, Reason: "b"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Stops() mismatch (-want +got):\n%s", diff)
	}

	tie := []performance.Interval{
		stopIv(at(7, 0), at(7, 5), performance.Down, "b"),
		stopIv(at(7, 5), at(7, 10), performance.Down, "a"),
	}
	if got := performance.Stops(tie, 0); len(got) != 1 || got[0].Reason != "b" {
		t.Errorf("Stops(tie) = %+v, want one stop with the first reason, b", got)
	}
}

func TestStopsAfterClip(t *testing.T) {
	ivs := []performance.Interval{
		stopIv(at(5, 0), at(6, 30), performance.Down, "jam"),
		stopIv(at(6, 30), at(9, 0), performance.Running, ""),
		{Start: at(9, 0), State: performance.Idle},
	}
	clipped := performance.Clip(ivs, performance.Range{From: at(6, 0), To: at(14, 0)}, at(9, 45))
	got := performance.Stops(clipped, time.Minute)
	want := []performance.Stop{
		{Start: at(6, 0), End: at(6, 30), Duration: 30 * time.Minute, Reason: "jam"},
		{Start: at(9, 0), End: at(9, 45), Duration: 45 * time.Minute},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Stops(Clip()) mismatch (-want +got):\n%s", diff)
	}
}

func TestPareto(t *testing.T) {
	stop := func(reason string, d time.Duration, micro bool) performance.Stop {
		return performance.Stop{Start: at(6, 0), End: at(6, 0).Add(d), Duration: d, Reason: reason, Micro: micro}
	}
	stops := []performance.Stop{
		stop("jam", 30*time.Minute, false),
		stop("", 10*time.Minute, false),
		stop("jam", 20*time.Minute, false),
		stop("starved", 25*time.Minute, false),
		stop("jam", time.Minute, true),
		stop("", 2*time.Minute, true),
		stop("", 3*time.Minute, false),
		stop("label", 5*time.Minute, false),
		stop("glue", 5*time.Minute, false),
		stop("ghost", 0, false),
	}
	// Total 101 min.
	got := performance.Pareto(stops)
	want := []performance.ParetoRow{
		{Reason: "jam", Count: 2, Duration: 50 * time.Minute, Share: 50.0 / 101, Cumulative: 50.0 / 101},
		{Reason: "starved", Count: 1, Duration: 25 * time.Minute, Share: 25.0 / 101, Cumulative: 75.0 / 101},
		{Reason: "", Count: 2, Duration: 13 * time.Minute, Share: 13.0 / 101, Cumulative: 88.0 / 101},
		{Reason: "glue", Count: 1, Duration: 5 * time.Minute, Share: 5.0 / 101, Cumulative: 93.0 / 101},
		{Reason: "label", Count: 1, Duration: 5 * time.Minute, Share: 5.0 / 101, Cumulative: 98.0 / 101},
		{Micro: true, Count: 2, Duration: 3 * time.Minute, Share: 3.0 / 101, Cumulative: 1},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Pareto() mismatch (-want +got):\n%s", diff)
	}
}

func TestParetoCumulativeEndsAtOne(t *testing.T) {
	// Durations whose shares do not add up to 1 in floating point.
	var stops []performance.Stop
	for i, d := range []time.Duration{1, 1, 1, 7, 13, 333333333333333333} {
		stops = append(stops, performance.Stop{Duration: d, Reason: string(rune('a' + i))})
	}
	rows := performance.Pareto(stops)
	if last := rows[len(rows)-1].Cumulative; last != 1 {
		t.Errorf("cumulative share of the last row = %v, want exactly 1", last)
	}
	if rows := performance.Pareto(nil); rows != nil {
		t.Errorf("Pareto(nil) = %v, want nil", rows)
	}
}
