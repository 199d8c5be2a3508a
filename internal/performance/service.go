package performance

import (
	"context"
	"sort"
	"time"

	"github.com/forkline/forkline"
)

// Query asks for the OEE or the downtime of a site, a line or one equipment
// over a range, grouped by "" (the whole range), "shift", "day" or "order".
type Query struct {
	SiteID, LineID, EquipmentID forkline.ID
	Range                       Range
	By                          string
}

// Report is the OEE of each group and of the whole range.
type Report struct {
	Rows  []Row
	Total Result
}

// Row is the OEE of one shift, day or order.
type Row struct {
	Label      string
	Start, End time.Time
	Result
}

// DowntimeReport is the stops of a range and their Pareto.
type DowntimeReport struct {
	Stops         []Stop
	Pareto        []ParetoRow
	MicroStops    int
	MicroStopTime time.Duration
}

// Unit is an equipment whose OEE a report counts: for a line, the
// equipment that counts the line's output.
type Unit struct {
	EquipmentID forkline.ID
	PerUnit     time.Duration // the default planned run time per unit; 0 when none is set
}

// Hour is what an equipment did in one hour, as the store keeps it rolled
// up so that a year's report reads 8,760 rows per equipment, not 525,600.
// The durations are the ISO 22400-2 elements booked in that hour.
type Hour struct {
	EquipmentID                forkline.ID
	Start                      time.Time // UTC, on the hour
	Running, Setup, Down, Idle time.Duration
	Unknown, Planned           time.Duration
	Good, Reject               int64
}

// OrderRun is a production order as it ran on a line, for reports by order.
type OrderRun struct {
	Number     string
	Start, End time.Time // End zero while it runs
	PerUnit    time.Duration
}

// Source is what the performance reports read. The wiring answers from the
// plant master data, monitoring and production.
type Source interface {
	// Location returns the site's time zone; NotFound when there is no site.
	Location(ctx context.Context, site forkline.ID) (*time.Location, error)
	// Units returns the equipment a query counts, in the query's site.
	// Invalid naming lineId or equipmentId when they are not of the site.
	Units(ctx context.Context, q Query) ([]Unit, error)
	// Shifts returns the site's active shifts.
	Shifts(ctx context.Context, site forkline.ID) ([]Shift, error)
	// Intervals returns each equipment's state intervals overlapping r, by start.
	Intervals(ctx context.Context, equipment forkline.ID, r Range) ([]Interval, error)
	// Counts returns each equipment's counts per minute in r.
	Counts(ctx context.Context, equipment forkline.ID, r Range) ([]Count, error)
	// Hours returns an equipment's hourly roll-up in r (whole hours), without
	// the interval that still lasts.
	Hours(ctx context.Context, equipment forkline.ID, r Range) ([]Hour, error)
	// Orders returns the orders that ran on the units' lines in r, by start.
	Orders(ctx context.Context, q Query) ([]OrderRun, error)
}

// Service computes OEE and downtime reports.
type Service struct {
	src Source
	now func() time.Time
	// MicroStop is the longest stop counted as a micro-stop.
	MicroStop time.Duration
	// HourlyAfter is the range beyond which reports read the hourly
	// roll-up instead of minutes and intervals.
	HourlyAfter time.Duration
}

// NewService returns a Service.
func NewService(src Source, now func() time.Time) *Service {
	return &Service{src: src, now: now, MicroStop: 2 * time.Minute, HourlyAfter: 3 * 24 * time.Hour}
}

func (s *Service) check(ctx context.Context, q Query, longest time.Duration) error {
	a, err := forkline.RequireActor(ctx)
	if err != nil {
		return err
	}
	var p forkline.Problems
	if !forkline.ValidID(q.SiteID) {
		p.Add("site", "required", "site is required")
	}
	switch q.By {
	case "", "shift", "day":
	case "order":
		if q.LineID == "" && q.EquipmentID == "" {
			p.Add("by", "line", "OEE by order is for one line or one equipment: orders run on lines")
		}
		if q.Range.Duration() > 93*24*time.Hour {
			p.Add("to", "max_range", "OEE by order covers at most 93 days")
		}
	default:
		p.Add("by", "enum", "by must be shift, day, order or empty")
	}
	switch {
	case q.Range.From.IsZero() || q.Range.To.IsZero():
		p.Add("from", "required", "from and to are required")
	case !q.Range.To.After(q.Range.From):
		p.Add("to", "after", "to must be after from")
	case q.Range.Duration() > longest:
		p.Add("to", "max_range", "the range must be at most "+longest.String())
	}
	if err := p.Err("The report is not valid."); err != nil {
		return err
	}
	return a.Require(forkline.PermMachineRead, q.SiteID)
}

// periods splits the query's range into the groups it asks for.
func (s *Service) periods(ctx context.Context, q Query, loc *time.Location) ([]Period, error) {
	switch q.By {
	case "shift":
		shifts, err := s.src.Shifts(ctx, q.SiteID)
		if err != nil {
			return nil, err
		}
		return Periods(shifts, loc, q.Range), nil
	case "day":
		return Days(loc, q.Range), nil
	case "order":
		runs, err := s.src.Orders(ctx, q)
		if err != nil {
			return nil, err
		}
		var out []Period
		for _, o := range runs {
			end := o.End
			if end.IsZero() {
				end = s.now()
			}
			out = append(out, Period{Name: o.Number, Start: o.Start, End: end})
		}
		return out, nil
	}
	return []Period{{Name: "total", Start: q.Range.From, End: q.Range.To}}, nil
}

// OEE returns the OEE of the query's units per group and in total. A
// group's OEE sums the time elements and quantities of every unit before
// dividing; it is not a mean of ratios. A unit that sent nothing at all in
// a group (no state, no count: not connected yet, or dead the whole time)
// is left out of it, so a group with no data is n/a rather than 0 %.
func (s *Service) OEE(ctx context.Context, q Query) (Report, error) {
	if err := s.check(ctx, q, 400*24*time.Hour); err != nil {
		return Report{}, err
	}
	loc, err := s.src.Location(ctx, q.SiteID)
	if err != nil {
		return Report{}, err
	}
	units, err := s.src.Units(ctx, q)
	if err != nil {
		return Report{}, err
	}
	periods, err := s.periods(ctx, q, loc)
	if err != nil {
		return Report{}, err
	}
	var rates map[string]time.Duration
	if q.By == "order" {
		runs, err := s.src.Orders(ctx, q)
		if err != nil {
			return Report{}, err
		}
		rates = map[string]time.Duration{}
		for _, o := range runs {
			rates[o.Number] = o.PerUnit
		}
	}
	now := s.now()
	perPeriod := make([][]Result, len(periods))
	for _, u := range units {
		var res []PeriodResult
		if s.hourly(q, periods) {
			res, err = s.fromHours(ctx, u, q.Range, periods, now)
		} else {
			res, err = s.fromRaw(ctx, u, q.Range, periods, now, rates)
		}
		if err != nil {
			return Report{}, err
		}
		for i, r := range res {
			if r.Result.POT > 0 && r.Result.Unknown == r.Result.POT && r.Result.Produced == 0 {
				continue // no signal at all, e.g. before the machine was connected: n/a, not 0 %
			}
			perPeriod[i] = append(perPeriod[i], r.Result)
		}
	}
	rep := Report{}
	var all []Result
	for i, p := range periods {
		r := Aggregate(perPeriod[i]...)
		label := p.Name
		if q.By == "shift" {
			label = p.Day.Format("2006-01-02") + " " + p.Name
		}
		rep.Rows = append(rep.Rows, Row{Label: label, Start: p.Start, End: p.End, Result: r})
		all = append(all, perPeriod[i]...)
	}
	rep.Total = Aggregate(all...)
	return rep, nil
}

// hourly reports whether a query reads the hourly roll-up: long ranges
// whose groups start and end on whole hours (any zone with a whole-hour
// offset and shifts on the hour).
func (s *Service) hourly(q Query, periods []Period) bool {
	if q.By == "order" || q.Range.Duration() <= s.HourlyAfter {
		return false
	}
	on := func(t time.Time) bool { return t.Equal(t.Truncate(time.Hour)) }
	if !on(q.Range.From) || !on(q.Range.To) {
		return false
	}
	for _, p := range periods {
		if !on(p.Start) || !on(p.End) {
			return false
		}
	}
	return true
}

// coverage is the range the periods cover: a shift or day that starts before
// the query's range, or ends after it, is counted whole.
func coverage(r Range, periods []Period) Range {
	for _, p := range periods {
		if p.Start.Before(r.From) {
			r.From = p.Start
		}
		if p.End.After(r.To) {
			r.To = p.End
		}
	}
	return r
}

func (s *Service) fromRaw(ctx context.Context, u Unit, r Range, periods []Period, now time.Time, rates map[string]time.Duration) ([]PeriodResult, error) {
	span := coverage(r, periods)
	ivs, err := s.src.Intervals(ctx, u.EquipmentID, span)
	if err != nil {
		return nil, err
	}
	cs, err := s.src.Counts(ctx, u.EquipmentID, span)
	if err != nil {
		return nil, err
	}
	out := make([]PeriodResult, 0, len(periods))
	for _, p := range periods {
		per := u.PerUnit
		if rate, ok := rates[p.Name]; ok && rate > 0 {
			per = rate
		}
		in := Input{Range: p.Range(), Now: now, Intervals: ivs, Counts: cs}
		if per > 0 {
			in.PerUnit = Fixed(per)
		}
		out = append(out, PeriodResult{Period: p, Result: Compute(in)})
	}
	return out, nil
}

// fromHours builds each period's result from the hourly roll-up, plus the
// interval that still lasts, which the roll-up does not hold yet.
func (s *Service) fromHours(ctx context.Context, u Unit, r Range, periods []Period, now time.Time) ([]PeriodResult, error) {
	r = coverage(r, periods)
	hours, err := s.src.Hours(ctx, u.EquipmentID, r)
	if err != nil {
		return nil, err
	}
	sort.Slice(hours, func(i, j int) bool { return hours[i].Start.Before(hours[j].Start) })
	var open []Interval
	if now.After(r.From) {
		recent := Range{From: maxTime(r.From, now.Add(-48*time.Hour)), To: minTime(r.To, now)}
		if recent.To.After(recent.From) {
			ivs, err := s.src.Intervals(ctx, u.EquipmentID, recent)
			if err != nil {
				return nil, err
			}
			for _, iv := range ivs {
				if iv.End.IsZero() {
					open = append(open, iv)
				}
			}
		}
	}
	out := make([]PeriodResult, 0, len(periods))
	for _, p := range periods {
		end := minTime(p.End, maxTime(p.Start, now))
		res := Result{Range: Range{From: p.Start, To: end}}
		res.POT = end.Sub(p.Start)
		i := sort.Search(len(hours), func(k int) bool { return !hours[k].Start.Before(p.Start) })
		var booked time.Duration
		for j := i; j < len(hours) && hours[j].Start.Before(p.End); j++ {
			h := hours[j]
			res.APT += h.Running
			res.AUST += h.Setup
			res.ADET += h.Down
			res.ADOT += h.Idle + h.Unknown
			res.Unknown += h.Unknown
			res.PDOT += h.Planned
			res.Good += h.Good
			res.Reject += h.Reject
			booked += h.Running + h.Setup + h.Down + h.Idle + h.Unknown + h.Planned
		}
		for _, iv := range open {
			from, to := maxTime(iv.Start, p.Start), minTime(end, now)
			if to.After(from) {
				d := to.Sub(from)
				booked += d
				addState(&res, iv, d)
			}
		}
		if gap := res.POT - booked; gap > 0 {
			res.ADOT += gap // no signal at all: not running although available
			res.Unknown += gap
		}
		res.Produced = res.Good + res.Reject
		if u.PerUnit > 0 {
			res.PlannedRunTime = time.Duration(res.Produced) * u.PerUnit
		} else {
			res.Unrated = res.Produced
		}
		res.PBT = res.POT - res.PDOT
		out = append(out, PeriodResult{Period: p, Result: Aggregate(res)})
	}
	return out, nil
}

func addState(r *Result, iv Interval, d time.Duration) {
	if iv.Planned && (iv.State == Down || iv.State == Idle || iv.State == Unknown) {
		r.PDOT += d // a stop given a planned reason
		return
	}
	switch iv.State {
	case Running:
		r.APT += d
	case Changeover, Cleaning:
		r.AUST += d
	case Down:
		r.ADET += d
	case PlannedStop:
		r.PDOT += d
	case Unknown:
		r.ADOT += d
		r.Unknown += d
	default:
		r.ADOT += d
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// Downtime returns the stops of the query's units in its range, longest
// reasons first.
func (s *Service) Downtime(ctx context.Context, q Query) (DowntimeReport, error) {
	if err := s.check(ctx, q, 93*24*time.Hour); err != nil {
		return DowntimeReport{}, err
	}
	units, err := s.src.Units(ctx, q)
	if err != nil {
		return DowntimeReport{}, err
	}
	var stops []Stop
	now := s.now()
	for _, u := range units {
		ivs, err := s.src.Intervals(ctx, u.EquipmentID, q.Range)
		if err != nil {
			return DowntimeReport{}, err
		}
		stops = append(stops, Stops(Clip(ivs, q.Range, now), s.MicroStop)...)
	}
	sort.Slice(stops, func(i, j int) bool { return stops[i].Start.Before(stops[j].Start) })
	sum := Summarize(stops)
	return DowntimeReport{Stops: stops, Pareto: Pareto(stops), MicroStops: sum.MicroStops, MicroStopTime: sum.MicroDuration}, nil
}

// RollUp books closed intervals and minute counts of one equipment into
// hours, splitting an interval at each hour it crosses. The store adds
// what it returns to the hours it keeps.
func RollUp(equipment forkline.ID, ivs []Interval, counts []Count) []Hour {
	byHour := map[time.Time]*Hour{}
	hour := func(t time.Time) *Hour {
		k := t.UTC().Truncate(time.Hour)
		h := byHour[k]
		if h == nil {
			h = &Hour{EquipmentID: equipment, Start: k}
			byHour[k] = h
		}
		return h
	}
	for _, iv := range ivs {
		for from := iv.Start; from.Before(iv.End); {
			h := hour(from)
			to := minTime(iv.End, h.Start.Add(time.Hour))
			d := to.Sub(from)
			switch {
			case iv.Planned && (iv.State == Down || iv.State == Idle || iv.State == Unknown):
				h.Planned += d
			case iv.State == Running:
				h.Running += d
			case iv.State == Changeover || iv.State == Cleaning:
				h.Setup += d
			case iv.State == Down:
				h.Down += d
			case iv.State == PlannedStop:
				h.Planned += d
			case iv.State == Unknown:
				h.Unknown += d
			default:
				h.Idle += d
			}
			from = to
		}
	}
	for _, c := range counts {
		h := hour(c.Minute)
		h.Good += c.Good
		h.Reject += c.Reject
	}
	out := make([]Hour, 0, len(byHour))
	for _, h := range byHour {
		out = append(out, *h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out
}
