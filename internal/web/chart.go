package web

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/forkline/forkline/internal/monitoring"
	"github.com/forkline/forkline/internal/performance"
)

// Charts of machine data, drawn as SVG on the server: each chart is a
// struct of coordinates that a template in partials.html draws. The page's
// policy forbids inline styles, so colours come from classes (st-running,
// st-down, ...) in app.css. Coordinates are in the chart's own units (its
// viewBox), rounded to hundredths; the SVG scales to the page's width.

// chartWidth is the width of every chart's viewBox.
const chartWidth = 1000

// round2 rounds to hundredths, which is finer than any screen shows.
func round2(f float64) float64 { return math.Round(f*100) / 100 }

// stateClass is the CSS class of a state's colour.
func stateClass(s monitoring.State) string {
	if !s.Valid() {
		s = monitoring.Unknown
	}
	return "st-" + strings.ReplaceAll(string(s), "_", "-")
}

// stateLabel is a state as people read it.
func stateLabel(s monitoring.State) string {
	switch s {
	case monitoring.Running:
		return "Running"
	case monitoring.Idle:
		return "Idle"
	case monitoring.Down:
		return "Down"
	case monitoring.Changeover:
		return "Changeover"
	case monitoring.Cleaning:
		return "Cleaning"
	case monitoring.PlannedStop:
		return "Planned stop"
	}
	return "No signal"
}

// duration is a length of time as people read it: "45 s", "12 min",
// "1 h 05 min", "2 d 3 h".
func duration(d time.Duration) string {
	switch {
	case d < 0:
		d = 0
		fallthrough
	case d < time.Minute:
		return strconv.Itoa(int(d/time.Second)) + " s"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + " min"
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h %02d min", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	return fmt.Sprintf("%d d %d h", int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour))
}

// ratioPercent is a ratio as a percentage with one decimal, "n/a" when it is
// not defined. The CSV export writes the same text without the sign.
func ratioPercent(r performance.Ratio) string {
	if !r.Defined {
		return "n/a"
	}
	return strconv.FormatFloat(r.Value*100, 'f', 1, 64) + " %"
}

// percentCSV is ratioPercent without the percent sign.
func percentCSV(r performance.Ratio) string {
	return strings.TrimSuffix(ratioPercent(r), " %")
}

// chartBar is a rectangle of a chart.
type chartBar struct {
	X, Y, W, H float64
	Class      string
	Title      string // the tooltip: what the bar stands for
}

// chartTick is a mark on an axis with its label.
type chartTick struct {
	X, Y  float64
	Label string
}

// timelineChart shows the states of a line's equipment over a range: one
// lane per equipment, a coloured bar per state interval, ticks at each hour
// of the site's clock, and a mark at now.
type timelineChart struct {
	Width, Height float64
	PlotX, PlotW  float64 // the plotting area, right of the lane labels
	AxisY         float64
	Lanes         []chartTick // the equipment names, at the middle of each lane
	Bars          []chartBar
	Ticks         []chartTick
	NowX          float64
	ShowNow       bool
}

// timelineLane is one equipment's intervals.
type timelineLane struct {
	Label     string
	Intervals []monitoring.Interval
}

const (
	laneLabelW = 230
	laneH      = 34
	laneGap    = 10
)

// newTimeline lays out lanes over [from, to). Intervals are clipped to the
// range and end at now while they last; nothing is drawn after now. A
// bar's width is proportional to its duration.
func newTimeline(from, to, now time.Time, loc *time.Location, lanes []timelineLane) timelineChart {
	c := timelineChart{Width: chartWidth, PlotX: laneLabelW, PlotW: chartWidth - laneLabelW - 10}
	span := to.Sub(from)
	if span <= 0 {
		return c
	}
	x := func(t time.Time) float64 {
		return round2(c.PlotX + float64(t.Sub(from))/float64(span)*c.PlotW)
	}
	y := 4.0
	for _, l := range lanes {
		c.Lanes = append(c.Lanes, chartTick{X: c.PlotX - 10, Y: round2(y + laneH/2 + 5), Label: l.Label})
		c.Bars = append(c.Bars, chartBar{X: c.PlotX, Y: y, W: c.PlotW, H: laneH, Class: "tl-track"})
		for _, iv := range l.Intervals {
			s, e := iv.Start, iv.End
			if e.IsZero() || e.After(now) {
				e = now
			}
			if s.Before(from) {
				s = from
			}
			if e.After(to) {
				e = to
			}
			if !e.After(s) {
				continue
			}
			title := fmt.Sprintf("%s %s–%s (%s)", stateLabel(iv.State), s.In(loc).Format("15:04"), e.In(loc).Format("15:04"), duration(e.Sub(s)))
			c.Bars = append(c.Bars, chartBar{X: x(s), Y: y, W: round2(float64(e.Sub(s)) / float64(span) * c.PlotW), H: laneH,
				Class: stateClass(iv.State), Title: title})
		}
		y += laneH + laneGap
	}
	c.AxisY = y
	c.Ticks = hourTicks(from, to, loc, x, y)
	c.Height = y + 22
	if !now.Before(from) && now.Before(to) {
		c.NowX, c.ShowNow = x(now), true
	}
	return c
}

// hourTicks returns a tick at each full hour of the site's clock in
// [from, to], labelled every hour, or every second, third or fourth
// hour on a longer range so that labels do not collide.
func hourTicks(from, to time.Time, loc *time.Location, x func(time.Time) float64, y float64) []chartTick {
	step := 1
	switch h := to.Sub(from).Hours(); {
	case h > 36:
		step = 6
	case h > 16:
		step = 2
	}
	var ticks []chartTick
	t := from.In(loc).Truncate(time.Hour)
	if t.Before(from) {
		t = t.Add(time.Hour)
	}
	for ; !t.After(to); t = t.Add(time.Hour) {
		tick := chartTick{X: x(t), Y: y}
		if t.In(loc).Hour()%step == 0 && t.Before(to) {
			tick.Label = t.In(loc).Format("15:04")
		}
		ticks = append(ticks, tick)
	}
	return ticks
}

// paretoChart shows downtime by reason as horizontal bars, longest first,
// each with its duration, number of stops and cumulative share.
type paretoChart struct {
	Width, Height float64
	PlotX         float64
	Rows          []paretoBar
}

type paretoBar struct {
	chartBar
	TextY      float64 // the text's baseline
	ValueX     float64 // where the duration and share start, right of the bar
	Label      string
	Detail     string // duration and stops
	Cumulative string
}

// paretoRow is a Pareto row as the chart and tables show it.
type paretoRow struct {
	Label      string
	Micro      bool
	Count      int
	Duration   string
	Seconds    int64
	Share      string
	Cumulative string
	Class      string
}

// paretoRows names the rows of a Pareto: a reason code becomes its name.
func paretoRows(rows []performance.ParetoRow, names map[string]string) []paretoRow {
	out := make([]paretoRow, 0, len(rows))
	for _, r := range rows {
		p := paretoRow{Micro: r.Micro, Count: r.Count, Duration: duration(r.Duration), Seconds: int64(r.Duration / time.Second),
			Share: strconv.FormatFloat(r.Share*100, 'f', 1, 64), Cumulative: strconv.FormatFloat(r.Cumulative*100, 'f', 1, 64), Class: "bar-reason"}
		switch {
		case r.Micro:
			p.Label, p.Class = "Micro-stops", "bar-micro"
		case r.Reason == "":
			p.Label, p.Class = "Not classified", "bar-unclassified"
		default:
			p.Label = r.Reason
			if n := names[r.Reason]; n != "" {
				p.Label = r.Reason + " · " + n
			}
		}
		out = append(out, p)
	}
	return out
}

const (
	paretoLabelW = 300
	paretoRowH   = 40
	paretoTextW  = 250
)

// newPareto lays out the rows: the longest bar takes the whole plotting
// width and every other bar is proportional to its duration.
func newPareto(rows []performance.ParetoRow, names map[string]string) paretoChart {
	c := paretoChart{Width: chartWidth, PlotX: paretoLabelW}
	plotW := float64(chartWidth - paretoLabelW - paretoTextW)
	var longest time.Duration
	for _, r := range rows {
		longest = max(longest, r.Duration)
	}
	for i, r := range paretoRows(rows, names) {
		y := float64(i * paretoRowH)
		w := 0.0
		if longest > 0 {
			w = round2(float64(rows[i].Duration) / float64(longest) * plotW)
		}
		stops := "stops"
		if r.Count == 1 {
			stops = "stop"
		}
		c.Rows = append(c.Rows, paretoBar{
			chartBar: chartBar{X: c.PlotX, Y: y + 6, W: w, H: paretoRowH - 12, Class: r.Class, Title: r.Label},
			TextY:    y + paretoRowH/2 + 5, ValueX: round2(c.PlotX + w + 10), Label: shorten(r.Label, 34),
			Detail:     fmt.Sprintf("%s · %d %s", r.Duration, r.Count, stops),
			Cumulative: r.Cumulative + " %",
		})
	}
	c.Height = float64(max(len(rows), 1) * paretoRowH)
	return c
}

// shorten cuts s to n characters with an ellipsis.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// countsChart shows good and rejected units per hour against the planned
// rate: a stacked bar per hour and a dashed line at the target.
type countsChart struct {
	Width, Height  float64
	PlotX, PlotW   float64
	PlotY, PlotH   float64
	Bars           []chartBar
	Ticks          []chartTick // hours, under the plot
	Grid           []chartTick // units, left of the plot
	TargetY        float64
	Target         string // "1,200 / h"; empty: no planned rate
	ShowTarget     bool
	Good, Reject   int64
	HasCounts      bool
	TargetPerHour  float64
	GoodPerHourMax int64
}

// hourCount is the units of one hour.
type hourCount struct {
	Start        time.Time
	Good, Reject int64
}

// newCounts lays out hours of counts. target is the planned units per hour;
// 0 when no rate is set.
func newCounts(hours []hourCount, target float64, loc *time.Location) countsChart {
	c := countsChart{Width: chartWidth, PlotX: 70, PlotW: chartWidth - 80, PlotY: 10, PlotH: 180, TargetPerHour: target}
	c.Height = c.PlotY + c.PlotH + 28
	top := target
	for _, h := range hours {
		top = max(top, float64(h.Good+h.Reject))
		c.Good += h.Good
		c.Reject += h.Reject
		c.GoodPerHourMax = max(c.GoodPerHourMax, h.Good)
	}
	c.HasCounts = c.Good+c.Reject > 0
	if len(hours) == 0 {
		return c
	}
	top = niceCeil(top * 1.1)
	if top <= 0 {
		top = 10
	}
	slot := c.PlotW / float64(len(hours))
	y := func(v float64) float64 { return round2(c.PlotY + c.PlotH - v/top*c.PlotH) }
	for i, h := range hours {
		x := c.PlotX + float64(i)*slot + slot*0.15
		w := round2(slot * 0.7)
		gy := y(float64(h.Good))
		label := h.Start.In(loc).Format("15:04")
		c.Bars = append(c.Bars, chartBar{X: round2(x), Y: gy, W: w, H: round2(c.PlotY + c.PlotH - gy), Class: "bar-good",
			Title: fmt.Sprintf("%s: %d good", label, h.Good)})
		if h.Reject > 0 {
			ry := y(float64(h.Good + h.Reject))
			c.Bars = append(c.Bars, chartBar{X: round2(x), Y: ry, W: w, H: round2(gy - ry), Class: "bar-reject",
				Title: fmt.Sprintf("%s: %d rejected", label, h.Reject)})
		}
		tick := chartTick{X: round2(x + slot*0.35), Y: c.PlotY + c.PlotH + 20}
		if len(hours) <= 16 || h.Start.In(loc).Hour()%2 == 0 {
			tick.Label = h.Start.In(loc).Format("15")
		}
		c.Ticks = append(c.Ticks, tick)
	}
	for _, f := range []float64{0, 0.5, 1} {
		c.Grid = append(c.Grid, chartTick{X: c.PlotX - 8, Y: y(top * f), Label: number(top * f)})
	}
	if target > 0 {
		c.TargetY, c.ShowTarget = y(target), true
		c.Target = "Target " + number(target) + " / h"
	}
	return c
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 0
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// number prints a count with thousands separators, or a value with the
// decimals its size needs.
func number(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		s := strconv.FormatInt(int64(math.Abs(v)), 10)
		var b strings.Builder
		if v < 0 {
			b.WriteByte('-')
		}
		for i, r := range s {
			if i > 0 && (len(s)-i)%3 == 0 {
				b.WriteByte(',')
			}
			b.WriteRune(r)
		}
		return b.String()
	}
	switch a := math.Abs(v); {
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// trendChart shows a process value per minute: the band from minimum to
// maximum and a line through the means, broken where data is missing.
type trendChart struct {
	Width, Height float64
	PlotX, PlotW  float64
	PlotY, PlotH  float64
	Title, Unit   string
	Bands         []string // polygon points
	Lines         []string // polyline points
	Grid          []chartTick
	Ticks         []chartTick
	Last          string // the latest mean with its unit
	Empty         bool
}

// trendGap is the longest run of missing minutes a trend line bridges.
const trendGap = 5 * time.Minute

// newTrend lays out minutes over [from, to).
func newTrend(title, unit string, ms []monitoring.ProcessMinute, from, to time.Time, loc *time.Location) trendChart {
	c := trendChart{Width: chartWidth, PlotX: 70, PlotW: chartWidth - 80, PlotY: 10, PlotH: 120, Title: title, Unit: unit}
	c.Height = c.PlotY + c.PlotH + 28
	span := to.Sub(from)
	x := func(t time.Time) float64 { return round2(c.PlotX + float64(t.Sub(from))/float64(span)*c.PlotW) }
	c.Ticks = hourTicks(from, to, loc, x, c.PlotY+c.PlotH+20)
	var in []monitoring.ProcessMinute
	for _, m := range ms {
		if !m.Minute.Before(from) && m.Minute.Before(to) && !math.IsNaN(m.Mean) {
			in = append(in, m)
		}
	}
	if len(in) == 0 || span <= 0 {
		c.Empty = true
		return c
	}
	lo, hi := in[0].Min, in[0].Max
	for _, m := range in {
		lo, hi = min(lo, m.Min), max(hi, m.Max)
	}
	pad := (hi - lo) * 0.1
	if pad == 0 {
		pad = math.Max(math.Abs(hi)*0.05, 1)
	}
	lo, hi = lo-pad, hi+pad
	y := func(v float64) float64 { return round2(c.PlotY + c.PlotH - (v-lo)/(hi-lo)*c.PlotH) }
	pt := func(t time.Time, v float64) string {
		return strconv.FormatFloat(x(t), 'f', -1, 64) + "," + strconv.FormatFloat(y(v), 'f', -1, 64)
	}
	flush := func(run []monitoring.ProcessMinute) {
		if len(run) == 0 {
			return
		}
		var line, upper, lower []string
		for _, m := range run {
			mid := m.Minute.Add(30 * time.Second)
			line = append(line, pt(mid, m.Mean))
			upper = append(upper, pt(mid, m.Max))
			lower = append([]string{pt(mid, m.Min)}, lower...)
		}
		if len(run) == 1 { // a lone minute: a short stroke, visible
			m := run[0]
			line = []string{pt(m.Minute, m.Mean), pt(m.Minute.Add(time.Minute), m.Mean)}
		}
		c.Lines = append(c.Lines, strings.Join(line, " "))
		c.Bands = append(c.Bands, strings.Join(append(upper, lower...), " "))
	}
	start := 0
	for i := 1; i < len(in); i++ {
		if in[i].Minute.Sub(in[i-1].Minute) > trendGap {
			flush(in[start:i])
			start = i
		}
	}
	flush(in[start:])
	for _, f := range []float64{0.1, 0.5, 0.9} {
		v := lo + (hi-lo)*f
		c.Grid = append(c.Grid, chartTick{X: c.PlotX - 8, Y: y(v), Label: number(round2(v))})
	}
	c.Last = number(round2(in[len(in)-1].Mean))
	if unit != "" {
		c.Last += " " + unit
	}
	return c
}
