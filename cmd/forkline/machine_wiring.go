package main

import (
	"context"
	"slices"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/monitoring"
	"github.com/forkline/forkline/internal/performance"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/production"
	"github.com/forkline/forkline/internal/sqlstore"
)

// perfSource is what the performance reports read: monitoring's intervals,
// counts, hours, shifts and rates, the plant's sites and lines, and the
// orders production ran.
type perfSource struct {
	plant *plant.Service
	store *sqlstore.MonitoringStore
	prod  *production.Service
}

func (s perfSource) Location(ctx context.Context, site forkline.ID) (*time.Location, error) {
	st, err := s.plant.Sites.Find(cliContext(ctx), site)
	if err != nil {
		return nil, err
	}
	return time.LoadLocation(st.TimeZone)
}

// Units returns the equipment whose output a query counts. For a line (or
// a site: every line) that is the equipment of the line that has a good
// counter mapped and a planned rate; when none has a rate, every equipment
// with a good counter. One equipment is itself.
func (s perfSource) Units(ctx context.Context, q performance.Query) ([]performance.Unit, error) {
	sys := cliContext(ctx)
	if q.EquipmentID != "" {
		e, err := s.plant.Equipment.Find(sys, q.EquipmentID)
		if err != nil || e.SiteID != q.SiteID {
			return nil, &forkline.Error{Code: forkline.Invalid, Msg: "equipment must be an equipment of the site",
				Fields: []forkline.FieldProblem{{Field: "equipment", Rule: "exists", Msg: "equipment must be an equipment of the site"}}}
		}
		rate, err := s.defaultRates(ctx, []forkline.ID{e.ID})
		if err != nil {
			return nil, err
		}
		return []performance.Unit{{EquipmentID: e.ID, PerUnit: rate[e.ID]}}, nil
	}
	if q.LineID != "" {
		l, err := s.plant.Lines.Find(sys, q.LineID)
		if err != nil || l.SiteID != q.SiteID {
			return nil, &forkline.Error{Code: forkline.Invalid, Msg: "line must be a line of the site",
				Fields: []forkline.FieldProblem{{Field: "line", Rule: "exists", Msg: "line must be a line of the site"}}}
		}
	}
	tags, err := s.store.TagsOf(ctx, q.SiteID)
	if err != nil {
		return nil, err
	}
	eqs, err := s.plant.Equipment.List(sys, plant.Filter{SiteIDs: []forkline.ID{q.SiteID}, Limit: 10000})
	if err != nil {
		return nil, err
	}
	lineOf := map[forkline.ID]forkline.ID{}
	for _, e := range eqs {
		lineOf[e.ID] = e.LineID
	}
	byLine := map[forkline.ID][]forkline.ID{}
	for _, t := range tags {
		line := lineOf[t.EquipmentID]
		if t.Role != monitoring.RoleGood || !t.Active || line == "" || (q.LineID != "" && line != q.LineID) {
			continue
		}
		if !slices.Contains(byLine[line], t.EquipmentID) {
			byLine[line] = append(byLine[line], t.EquipmentID)
		}
	}
	var all []forkline.ID
	for _, ids := range byLine {
		all = append(all, ids...)
	}
	rates, err := s.defaultRates(ctx, all)
	if err != nil {
		return nil, err
	}
	var out []performance.Unit
	for _, ids := range byLine {
		var rated []performance.Unit
		for _, id := range ids {
			if rates[id] > 0 {
				rated = append(rated, performance.Unit{EquipmentID: id, PerUnit: rates[id]})
			}
		}
		if len(rated) == 0 {
			for _, id := range ids {
				rated = append(rated, performance.Unit{EquipmentID: id})
			}
		}
		out = append(out, rated...)
	}
	slices.SortFunc(out, func(a, b performance.Unit) int { return compare(a.EquipmentID, b.EquipmentID) })
	return out, nil
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (s perfSource) defaultRates(ctx context.Context, ids []forkline.ID) (map[forkline.ID]time.Duration, error) {
	out := map[forkline.ID]time.Duration{}
	if len(ids) == 0 {
		return out, nil
	}
	rs, err := s.store.Rates(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		if r.ItemID == "" {
			out[r.EquipmentID] = r.PerUnit
		}
	}
	return out, nil
}

func (s perfSource) Shifts(ctx context.Context, site forkline.ID) ([]performance.Shift, error) {
	ss, err := s.store.Shifts(ctx, site)
	if err != nil {
		return nil, err
	}
	var out []performance.Shift
	for _, x := range ss {
		if x.Active {
			out = append(out, performance.Shift{Name: x.Name, Start: x.Start, Length: x.Length, Weekdays: x.Weekdays})
		}
	}
	return out, nil
}

func (s perfSource) Intervals(ctx context.Context, eq forkline.ID, r performance.Range) ([]performance.Interval, error) {
	ivs, err := s.store.Intervals(ctx, []forkline.ID{eq}, monitoring.Range(r))
	if err != nil {
		return nil, err
	}
	reasons := map[forkline.ID]monitoring.Reason{}
	for _, iv := range ivs {
		if iv.ReasonID != "" {
			if _, ok := reasons[iv.ReasonID]; !ok {
				if err := s.loadReasons(ctx, iv.EquipmentID, reasons); err != nil {
					return nil, err
				}
			}
		}
	}
	out := make([]performance.Interval, 0, len(ivs))
	for _, iv := range ivs {
		rs := reasons[iv.ReasonID]
		out = append(out, performance.Interval{Start: iv.Start, End: iv.End, State: string(iv.State), Planned: rs.Planned, Reason: rs.Code})
	}
	return out, nil
}

func (s perfSource) loadReasons(ctx context.Context, eq forkline.ID, into map[forkline.ID]monitoring.Reason) error {
	e, err := s.plant.Equipment.Find(cliContext(ctx), eq)
	if err != nil {
		return err
	}
	rs, err := s.store.Reasons(ctx, e.SiteID)
	if err != nil {
		return err
	}
	for _, r := range rs {
		into[r.ID] = r
	}
	return nil
}

func (s perfSource) Counts(ctx context.Context, eq forkline.ID, r performance.Range) ([]performance.Count, error) {
	cs, err := s.store.Counts(ctx, []forkline.ID{eq}, monitoring.Range(r))
	if err != nil {
		return nil, err
	}
	out := make([]performance.Count, len(cs))
	for i, c := range cs {
		out[i] = performance.Count{Minute: c.Minute, Good: c.Good, Reject: c.Reject}
	}
	return out, nil
}

func (s perfSource) Hours(ctx context.Context, eq forkline.ID, r performance.Range) ([]performance.Hour, error) {
	return s.store.Hours(ctx, eq, monitoring.Range(r))
}

// Orders returns the orders that ran in the range on the query's line (or
// the site's lines), with the planned run time per unit of the item on the
// line's counting equipment when one is set.
func (s perfSource) Orders(ctx context.Context, q performance.Query) ([]performance.OrderRun, error) {
	line := q.LineID
	if q.EquipmentID != "" {
		e, err := s.plant.Equipment.Find(cliContext(ctx), q.EquipmentID)
		if err != nil {
			return nil, err
		}
		line = e.LineID
	}
	orders, err := s.prod.Orders(cliContext(ctx), production.OrderFilter{SiteIDs: []forkline.ID{q.SiteID}, LineID: line,
		RanFrom: q.Range.From, RanTo: q.Range.To, Limit: 500})
	if err != nil {
		return nil, err
	}
	units, err := s.Units(ctx, q)
	if err != nil {
		return nil, err
	}
	var ids []forkline.ID
	for _, u := range units {
		ids = append(ids, u.EquipmentID)
	}
	rates := map[forkline.ID]time.Duration{}
	if len(ids) > 0 {
		rs, err := s.store.Rates(ctx, ids)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			if r.ItemID != "" {
				rates[r.ItemID] = r.PerUnit
			}
		}
	}
	var out []performance.OrderRun
	for _, o := range orders {
		if o.StartedAt.IsZero() || !o.StartedAt.Before(q.Range.To) {
			continue
		}
		end := o.CompletedAt
		if end.IsZero() && o.State != production.InProgress {
			end = o.StoppedAt
		}
		if !end.IsZero() && !end.After(q.Range.From) {
			continue
		}
		out = append(out, performance.OrderRun{Number: o.Number, Start: o.StartedAt, End: end, PerUnit: rates[o.ItemID]})
	}
	slices.SortFunc(out, func(a, b performance.OrderRun) int { return a.Start.Compare(b.Start) })
	return out, nil
}
