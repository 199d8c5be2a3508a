package performance

import (
	"math"
	"slices"
	"strings"
	"time"
)

// Stop is a maximal run of adjacent unplanned down, idle or unknown time.
type Stop struct {
	Start, End time.Time // UTC
	Duration   time.Duration
	// Reason is the reason code of the stop: when its intervals carry
	// different reasons, the one given to the longest part (the first on a
	// tie). Empty: unclassified.
	Reason string
	// Micro is true when the stop is shorter than the micro-stop threshold.
	Micro bool
}

// Stops returns the stops in intervals, by start. Adjacent (or overlapping)
// down, idle and unknown intervals without a planned reason join into one
// stop; running, setup (changeover, cleaning), planned stops and gaps between
// intervals end it. A stop shorter than microStop is a micro-stop. Intervals
// still open are left out: Clip them first to end them at now.
func Stops(intervals []Interval, microStop time.Duration) []Stop {
	var out []Stop
	var (
		in      bool
		start   int64
		end     int64
		reasons []reasonTime
	)
	flush := func() {
		if !in {
			return
		}
		d := time.Duration(end - start)
		out = append(out, Stop{
			Start:    time.Unix(0, start).UTC(),
			End:      time.Unix(0, end).UTC(),
			Duration: d,
			Reason:   dominant(reasons),
			Micro:    d < microStop,
		})
		in, reasons = false, reasons[:0]
	}
	// Open intervals end at math.MinInt64, so normalise drops them.
	for _, s := range normalise(intervals, math.MinInt64) {
		if !s.elem.isStop() {
			flush()
			continue
		}
		if in && s.start > end {
			flush()
		}
		if !in {
			in, start = true, s.start
		}
		end = s.end
		reasons = addReason(reasons, intervals[s.src].Reason, s.end-s.start)
	}
	flush()
	return out
}

type reasonTime struct {
	reason string
	d      int64
}

func addReason(rs []reasonTime, reason string, d int64) []reasonTime {
	for i := range rs {
		if rs[i].reason == reason {
			rs[i].d += d
			return rs
		}
	}
	return append(rs, reasonTime{reason, d})
}

// dominant returns the classified reason with the most time, the first on a
// tie; empty when none is classified.
func dominant(rs []reasonTime) string {
	var best reasonTime
	for _, r := range rs {
		if r.reason != "" && r.d > best.d {
			best = r
		}
	}
	return best.reason
}

// StopSummary counts stops and micro-stops apart.
type StopSummary struct {
	Stops         int
	Duration      time.Duration // of the stops, micro-stops not included
	MicroStops    int
	MicroDuration time.Duration
}

// Summarize counts stops and micro-stops.
func Summarize(stops []Stop) StopSummary {
	var s StopSummary
	for _, st := range stops {
		if st.Micro {
			s.MicroStops++
			s.MicroDuration += st.Duration
		} else {
			s.Stops++
			s.Duration += st.Duration
		}
	}
	return s
}

// ParetoRow is one reason of a downtime Pareto chart.
type ParetoRow struct {
	Reason string // empty: unclassified
	// Micro is true for the one row that gathers every micro-stop, whatever
	// its reason; Reason is then empty.
	Micro      bool
	Count      int
	Duration   time.Duration
	Share      float64 // of the total duration of all rows
	Cumulative float64 // share of this row and every row before it; 1 on the last
}

// Pareto groups stops by reason, unclassified stops as their own row and
// micro-stops as one row of their own, sorted by duration, longest first
// (then by count, then unclassified before reasons, then by reason). Stops
// without duration are left out; no rows when no stop has any.
func Pareto(stops []Stop) []ParetoRow {
	var rows []ParetoRow
	var total time.Duration
	for _, st := range stops {
		if st.Duration <= 0 {
			continue
		}
		total += st.Duration
		reason := st.Reason
		if st.Micro {
			reason = ""
		}
		i := slices.IndexFunc(rows, func(r ParetoRow) bool { return r.Micro == st.Micro && r.Reason == reason })
		if i < 0 {
			rows = append(rows, ParetoRow{Reason: reason, Micro: st.Micro})
			i = len(rows) - 1
		}
		rows[i].Count++
		rows[i].Duration += st.Duration
	}
	slices.SortFunc(rows, func(a, b ParetoRow) int {
		switch {
		case a.Duration != b.Duration:
			return cmpDesc(int64(a.Duration), int64(b.Duration))
		case a.Count != b.Count:
			return cmpDesc(int64(a.Count), int64(b.Count))
		case a.Micro != b.Micro:
			if a.Micro {
				return 1
			}
			return -1
		}
		return strings.Compare(a.Reason, b.Reason)
	})
	var cum time.Duration
	for i := range rows {
		cum += rows[i].Duration
		rows[i].Share = float64(rows[i].Duration) / float64(total)
		// The running sum reaches total exactly, so the last row is 1.
		rows[i].Cumulative = float64(cum) / float64(total)
	}
	return rows
}

func cmpDesc(a, b int64) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}
