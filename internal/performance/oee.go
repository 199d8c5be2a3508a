package performance

import (
	"math"
	"slices"
	"sort"
	"time"
)

// The equipment states, as the monitoring capability records them.
const (
	Running     = "running"
	Idle        = "idle"         // ready, not producing: starved or blocked
	Down        = "down"         // stopped by a fault or breakdown
	Changeover  = "changeover"   // setup for another product
	Cleaning    = "cleaning"     // cleaning, e.g. between allergen runs
	PlannedStop = "planned_stop" // break, meeting, no orders planned
	Unknown     = "unknown"      // no signal
)

// Interval is a stretch of time an equipment spent in one state.
type Interval struct {
	Start time.Time
	End   time.Time // zero while it lasts
	State string    // one of the states; any other counts as Unknown
	// Planned is true when the stop was classified with a planned reason
	// (break, planned maintenance): a down, idle or unknown interval then
	// counts as planned down time. It changes nothing for other states.
	Planned bool
	// Reason is the code of the downtime reason given; empty: unclassified.
	Reason string
}

// Count is the good and rejected units of an equipment in one minute.
type Count struct {
	Minute       time.Time // the start of the minute
	Good, Reject int64
}

// PerUnitFunc returns the planned run time per unit (ISO 22400-2 PRI) that
// applies to the units counted in the minute starting at minute; 0 when none
// is known.
type PerUnitFunc func(minute time.Time) time.Duration

// Fixed returns a PerUnitFunc that always returns d.
func Fixed(d time.Duration) PerUnitFunc {
	return func(time.Time) time.Duration { return d }
}

// RateSpan is the planned run time per unit while an order runs.
type RateSpan struct {
	Range   Range
	PerUnit time.Duration
}

// Schedule returns a PerUnitFunc that looks a minute up in spans and returns
// def for a minute no span covers. Spans should not overlap; where they do,
// a minute gets the span starting last at or before it, if that one covers
// it.
func Schedule(def time.Duration, spans []RateSpan) PerUnitFunc {
	s := slices.Clone(spans)
	slices.SortStableFunc(s, func(a, b RateSpan) int { return a.Range.From.Compare(b.Range.From) })
	return func(minute time.Time) time.Duration {
		i := sort.Search(len(s), func(i int) bool { return s[i].Range.From.After(minute) }) - 1
		if i >= 0 && minute.Before(s[i].Range.To) {
			return s[i].PerUnit
		}
		return def
	}
}

// Input is what an OEE computation needs of one equipment.
type Input struct {
	Range Range
	// Now, when set, ends what has happened: time after it is not measured,
	// and an interval still open ends at Now or Range.To, whichever is
	// earlier.
	Now       time.Time
	Intervals []Interval
	Counts    []Count
	PerUnit   PerUnitFunc // nil: no unit has a planned run time
}

// Result holds the ISO 22400-2 time elements, quantities and KPIs of a range.
// POT = PDOT + PBT and PBT = APT + AUST + ADET + ADOT.
type Result struct {
	Range Range // what was measured: the input range clipped to Now

	POT  time.Duration // planned operation time: the measured range
	PDOT time.Duration // planned down time: planned_stop, and stops with a planned reason
	PBT  time.Duration // planned busy time: POT − PDOT
	APT  time.Duration // actual production time: running
	AUST time.Duration // actual unit setup time: changeover and cleaning
	ADET time.Duration // actual unit delay time: down
	ADOT time.Duration // actual unit down time: idle, unknown and no data
	// Unknown is the part of ADOT in state unknown or with no interval at all.
	Unknown time.Duration

	Produced int64 // PQ produced quantity: good and rejected
	Good     int64 // GQ good quantity
	Reject   int64
	// PlannedRunTime is Σ PRI × PQ: the time the units produced would have
	// taken at their planned rate.
	PlannedRunTime time.Duration
	// Unrated is how many units produced had no planned run time; when it is
	// not 0, effectiveness and OEE are not defined.
	Unrated int64

	Availability  Ratio // APT / PBT
	Effectiveness Ratio // PRI × PQ / APT
	Quality       Ratio // GQ / PQ, the quality ratio
	OEE           Ratio // Availability × Effectiveness × Quality
}

// kpis sets the ratios from the time elements and quantities.
func (r *Result) kpis() {
	r.Availability = ratio(int64(r.APT), int64(r.PBT))
	r.Effectiveness = Ratio{}
	if r.Unrated == 0 {
		r.Effectiveness = ratio(int64(r.PlannedRunTime), int64(r.APT))
	}
	r.Quality = ratio(r.Good, r.Produced)
	r.OEE = Ratio{}
	if r.Availability.Defined && r.Effectiveness.Defined && r.Quality.Defined {
		// (APT/PBT) × (ΣPRI×PQ / APT) × (GQ/PQ), rounded once.
		r.OEE = ratio2(int64(r.PlannedRunTime), r.Good, int64(r.PBT), r.Produced)
	}
}

// Compute returns the time elements, quantities and KPIs of in.Range.
// Intervals are clipped to the range; where they overlap, the one starting
// first keeps the overlap. An interval still open ends where the next one
// starts, or at the end of the range or Now, whichever is earliest. A minute
// count belongs to the range when its minute starts within it, whatever the
// state.
func Compute(in Input) Result {
	tl := newTimeline(in)
	return tl.measure(in.Range)
}

// PeriodResult is the result of one period.
type PeriodResult struct {
	Period Period
	Result Result
}

// ByPeriod returns the result of each period, in the order given, each
// clipped to in.Range and Now. An interval spanning several periods is split
// between them. Periods may overlap.
func ByPeriod(in Input, periods []Period) []PeriodResult {
	tl := newTimeline(in)
	out := make([]PeriodResult, len(periods))
	for i, p := range periods {
		out[i] = PeriodResult{Period: p, Result: tl.measure(p.Range())}
	}
	return out
}

// Aggregate sums the time elements and quantities of results, e.g. the
// shifts of a day or the equipment of a line, and computes the KPIs from the
// sums. Its Range runs from the earliest start to the latest end.
func Aggregate(results ...Result) Result {
	var s Result
	for _, r := range results {
		if r.Range.Duration() > 0 {
			if s.Range.From.IsZero() || r.Range.From.Before(s.Range.From) {
				s.Range.From = r.Range.From
			}
			if r.Range.To.After(s.Range.To) {
				s.Range.To = r.Range.To
			}
		}
		s.POT += r.POT
		s.PDOT += r.PDOT
		s.PBT += r.PBT
		s.APT += r.APT
		s.AUST += r.AUST
		s.ADET += r.ADET
		s.ADOT += r.ADOT
		s.Unknown += r.Unknown
		s.Produced += r.Produced
		s.Good += r.Good
		s.Reject += r.Reject
		s.PlannedRunTime += r.PlannedRunTime
		s.Unrated += r.Unrated
	}
	s.kpis()
	return s
}

// Clip returns the intervals as Compute sees them within r: sorted, without
// overlaps, clipped to r, and those still open ended at the next interval's
// start, r.To or now (when not zero), whichever is earliest. Times are UTC.
func Clip(intervals []Interval, r Range, now time.Time) []Interval {
	from, to, ok := bounds(r, now)
	if !ok {
		return nil
	}
	var out []Interval
	for _, s := range normalise(intervals, to) {
		if s.end <= from || s.start >= to {
			continue
		}
		iv := intervals[s.src]
		iv.Start = time.Unix(0, max(s.start, from)).UTC()
		iv.End = time.Unix(0, min(s.end, to)).UTC()
		out = append(out, iv)
	}
	return out
}

// element is the ISO 22400-2 time element a state books to.
type element uint8

const (
	elemAPT element = iota
	elemAUST
	elemADET
	elemIdle    // ADOT
	elemUnknown // ADOT
	elemPDOT
)

func classify(state string, planned bool) element {
	var e element
	switch state {
	case Running:
		return elemAPT
	case Changeover, Cleaning:
		return elemAUST
	case PlannedStop:
		return elemPDOT
	case Down:
		e = elemADET
	case Idle:
		e = elemIdle
	default:
		e = elemUnknown
	}
	if planned {
		return elemPDOT
	}
	return e
}

// isStop reports whether time in e is a stop.
func (e element) isStop() bool { return e == elemADET || e == elemIdle || e == elemUnknown }

// span is an interval in Unix nanoseconds, with the index of its source.
type span struct {
	start, end int64
	src        int32
	elem       element
}

const open = math.MinInt64

// normalise returns the intervals as spans sorted by start, without
// overlaps (the earlier one keeps the overlap) and without empty ones. An
// open interval ends at the next one's start or at limit, whichever is
// earlier.
func normalise(intervals []Interval, limit int64) []span {
	spans := make([]span, 0, len(intervals))
	for i, iv := range intervals {
		s := span{start: iv.Start.UnixNano(), end: open, src: int32(i), elem: classify(iv.State, iv.Planned)}
		if !iv.End.IsZero() {
			s.end = iv.End.UnixNano()
		}
		spans = append(spans, s)
	}
	if !slices.IsSortedFunc(spans, bySpanStart) {
		slices.SortStableFunc(spans, bySpanStart)
	}
	out := spans[:0]
	cursor := int64(math.MinInt64)
	for i := range spans {
		s := spans[i]
		if s.end == open {
			s.end = limit
			if i+1 < len(spans) && spans[i+1].start < s.end {
				s.end = spans[i+1].start
			}
		}
		s.start = max(s.start, cursor)
		if s.end <= s.start {
			continue
		}
		out = append(out, s)
		cursor = s.end
	}
	return out
}

func bySpanStart(a, b span) int {
	switch {
	case a.start < b.start:
		return -1
	case a.start > b.start:
		return 1
	}
	return 0
}

// bounds returns r clipped to now (when set) in Unix nanoseconds; ok is
// false when nothing is left.
func bounds(r Range, now time.Time) (from, to int64, ok bool) {
	if r.From.IsZero() || r.To.IsZero() {
		return 0, 0, false
	}
	from, to = r.From.UnixNano(), r.To.UnixNano()
	if !now.IsZero() {
		to = min(to, now.UnixNano())
	}
	return from, to, to > from
}

// timeline is an input prepared for measuring many ranges.
type timeline struct {
	from, to int64 // the input range clipped to Now
	ok       bool
	spans    []span
	counts   []Count // sorted by minute
	perUnit  PerUnitFunc
}

func newTimeline(in Input) *timeline {
	tl := &timeline{perUnit: in.PerUnit, counts: in.Counts}
	tl.from, tl.to, tl.ok = bounds(in.Range, in.Now)
	if !tl.ok {
		return tl
	}
	tl.spans = normalise(in.Intervals, tl.to)
	byMinute := func(a, b Count) int { return a.Minute.Compare(b.Minute) }
	if !slices.IsSortedFunc(tl.counts, byMinute) {
		tl.counts = slices.Clone(tl.counts)
		slices.SortStableFunc(tl.counts, byMinute)
	}
	return tl
}

// measure returns the result of r clipped to the timeline's range.
func (tl *timeline) measure(r Range) Result {
	var res Result
	if !tl.ok || r.From.IsZero() || r.To.IsZero() {
		res.kpis()
		return res
	}
	from := max(r.From.UnixNano(), tl.from)
	to := min(r.To.UnixNano(), tl.to)
	if to <= from {
		res.kpis()
		return res
	}
	res.Range = Range{From: time.Unix(0, from).UTC(), To: time.Unix(0, to).UTC()}
	res.POT = time.Duration(to - from)

	var el [elemPDOT + 1]int64
	var covered int64
	// Spans are sorted and disjoint, so their ends ascend too.
	i := sort.Search(len(tl.spans), func(i int) bool { return tl.spans[i].end > from })
	for ; i < len(tl.spans) && tl.spans[i].start < to; i++ {
		s := tl.spans[i]
		d := min(s.end, to) - max(s.start, from)
		el[s.elem] += d
		covered += d
	}
	gap := res.POT - time.Duration(covered)
	res.APT = time.Duration(el[elemAPT])
	res.AUST = time.Duration(el[elemAUST])
	res.ADET = time.Duration(el[elemADET])
	res.Unknown = time.Duration(el[elemUnknown]) + gap
	res.ADOT = time.Duration(el[elemIdle]) + res.Unknown
	res.PDOT = time.Duration(el[elemPDOT])
	res.PBT = res.POT - res.PDOT

	c := tl.counts
	j := sort.Search(len(c), func(j int) bool { return c[j].Minute.UnixNano() >= from })
	for ; j < len(c) && c[j].Minute.UnixNano() < to; j++ {
		n := c[j].Good + c[j].Reject
		res.Good += c[j].Good
		res.Reject += c[j].Reject
		res.Produced += n
		if n == 0 {
			continue
		}
		var pri time.Duration
		if tl.perUnit != nil {
			pri = tl.perUnit(c[j].Minute)
		}
		if pri <= 0 {
			res.Unrated += n
			continue
		}
		res.PlannedRunTime += pri * time.Duration(n)
	}
	res.kpis()
	return res
}
