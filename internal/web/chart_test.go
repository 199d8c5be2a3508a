package web

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/forkline/forkline/internal/monitoring"
	"github.com/forkline/forkline/internal/performance"
)

func TestTimelineBarsAreProportionalToDurations(t *testing.T) {
	from := time.Date(2026, 2, 26, 6, 0, 0, 0, time.UTC)
	to := from.Add(8 * time.Hour)
	now := from.Add(7 * time.Hour)
	ivs := []monitoring.Interval{
		{State: monitoring.Running, Start: from.Add(-time.Hour), End: from.Add(2 * time.Hour)}, // clipped to 2h
		{State: monitoring.Down, Start: from.Add(2 * time.Hour), End: from.Add(3 * time.Hour)}, // 1h
		{State: monitoring.Running, Start: from.Add(3 * time.Hour)},                            // open: ends at now, 4h
	}
	c := newTimeline(from, to, now, time.UTC, []timelineLane{{Label: "OVEN-1", Intervals: ivs}})
	var bars []chartBar
	for _, b := range c.Bars {
		if b.Class != "tl-track" {
			bars = append(bars, b)
		}
	}
	if len(bars) != 3 {
		t.Fatalf("newTimeline drew %d bars, want 3: %+v", len(bars), bars)
	}
	perHour := c.PlotW / 8
	for i, want := range []float64{2, 1, 4} {
		if got := bars[i].W; math.Abs(got-want*perHour) > 0.01 {
			t.Errorf("bar %d width = %v, want %v (%v hours)", i, got, want*perHour, want)
		}
	}
	if bars[0].X != c.PlotX || math.Abs(bars[1].X-(c.PlotX+2*perHour)) > 0.01 {
		t.Errorf("bars start at %v and %v, want the range's start and two hours later", bars[0].X, bars[1].X)
	}
	if bars[1].Class != "st-down" || !strings.Contains(bars[1].Title, "Down 08:00–09:00 (1 h 00 min)") {
		t.Errorf("the down bar is %+v", bars[1])
	}
	if len(c.Ticks) != 9 || c.Ticks[8].Label != "" || c.Ticks[0].Label != "06:00" {
		t.Errorf("ticks = %+v, want one per hour, the last unlabelled", c.Ticks)
	}
}

func TestParetoBarsAreProportionalToDurations(t *testing.T) {
	rows := []performance.ParetoRow{
		{Reason: "JAM", Count: 3, Duration: 40 * time.Minute, Share: 0.5, Cumulative: 0.5},
		{Reason: "", Count: 1, Duration: 30 * time.Minute, Share: 0.375, Cumulative: 0.875},
		{Micro: true, Count: 9, Duration: 10 * time.Minute, Share: 0.125, Cumulative: 1},
	}
	c := newPareto(rows, map[string]string{"JAM": "Jam at the infeed"})
	full := c.Rows[0].W
	for i, want := range []float64{1, 0.75, 0.25} {
		if got := c.Rows[i].W; math.Abs(got-want*full) > 0.01 {
			t.Errorf("bar %d width = %v, want %v of the longest", i, got, want)
		}
	}
	for i, want := range []string{"JAM · Jam at the infeed", "Not classified", "Micro-stops"} {
		if c.Rows[i].Label != want {
			t.Errorf("row %d label = %q, want %q", i, c.Rows[i].Label, want)
		}
	}
	if c.Rows[2].Detail != "10 min · 9 stops" || c.Rows[2].Cumulative != "100.0 %" || c.Rows[0].Detail != "40 min · 3 stops" {
		t.Errorf("details = %q, %q", c.Rows[0].Detail, c.Rows[2].Detail)
	}
}

func TestRatioPercent(t *testing.T) {
	for _, tc := range []struct {
		r         performance.Ratio
		want, csv string
	}{
		{performance.Ratio{}, "n/a", "n/a"},
		{performance.Ratio{Value: 0, Defined: true}, "0.0 %", "0.0"},
		{performance.Ratio{Value: 0.87654, Defined: true}, "87.7 %", "87.7"},
		{performance.Ratio{Value: 1.05, Defined: true}, "105.0 %", "105.0"},
	} {
		if got := ratioPercent(tc.r); got != tc.want {
			t.Errorf("ratioPercent(%+v) = %q, want %q", tc.r, got, tc.want)
		}
		if got := percentCSV(tc.r); got != tc.csv {
			t.Errorf("percentCSV(%+v) = %q, want %q", tc.r, got, tc.csv)
		}
	}
	if got := oeeClass(performance.Ratio{}); got != "kpi-na" {
		t.Errorf("oeeClass(n/a) = %q, want kpi-na", got)
	}
}

func TestLineState(t *testing.T) {
	t0 := time.Date(2026, 2, 26, 6, 0, 0, 0, time.UTC)
	ivs := []monitoring.Interval{{State: monitoring.Running, Start: t0}, {State: monitoring.Idle, Start: t0.Add(time.Minute)}}
	if got, _ := lineState(ivs); got.State != monitoring.Running {
		t.Errorf("lineState(running, idle) = %s, want running", got.State)
	}
	ivs = append(ivs, monitoring.Interval{State: monitoring.Down, Start: t0.Add(2 * time.Minute)})
	if got, _ := lineState(ivs); got.State != monitoring.Down || !got.Start.Equal(t0.Add(2*time.Minute)) {
		t.Errorf("lineState(..., down) = %+v, want down since its start", got)
	}
	if _, ok := lineState(nil); ok {
		t.Errorf("lineState(nil) has a state, want none")
	}
}

func TestTrendHandlesGapsAndEmpty(t *testing.T) {
	from := time.Date(2026, 2, 26, 6, 0, 0, 0, time.UTC)
	to := from.Add(2 * time.Hour)
	if c := newTrend("T", "°C", nil, from, to, time.UTC); !c.Empty {
		t.Errorf("newTrend without minutes is not empty")
	}
	var ms []monitoring.ProcessMinute
	for _, m := range []int{0, 1, 2, 30, 31} {
		ms = append(ms, monitoring.ProcessMinute{Minute: from.Add(time.Duration(m) * time.Minute), Min: 70, Max: 74, Mean: 72, N: 4})
	}
	c := newTrend("T", "°C", ms, from, to, time.UTC)
	if len(c.Lines) != 2 || len(c.Bands) != 2 || c.Last != "72 °C" {
		t.Errorf("newTrend = %d lines, %d bands, last %q; want the gap to break the line", len(c.Lines), len(c.Bands), c.Last)
	}
}
