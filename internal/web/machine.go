package web

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/monitoring"
	"github.com/forkline/forkline/internal/performance"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/production"
)

// The live views of machine data: the plant overview (a tile per line) and
// a line's detail (state timeline, counts against target, process-value
// trends, downtime Pareto). Both follow the machines as the monitoring
// pipeline books their samples: the overview receives each changed tile as
// an HTML fragment over Server-Sent Events; the line detail, like the
// terminal's live pages, receives a new version and fetches itself again.

// rateWindow is how far back a line's rate looks.
const rateWindow = 10 * time.Minute

// tileRefresh is how often the overview redraws every tile, so that the
// time in a state, the rate and the OEE move on while no sample arrives.
const tileRefresh = 30 * time.Second

// siteLine is a line of a site with its equipment, by code.
type siteLine struct {
	plant.Line
	Equipment []plant.Equipment
}

// siteLines returns the active lines of a site, by code, each with its
// active equipment.
func (ui *UI) siteLines(ctx context.Context, site forkline.ID) ([]siteLine, error) {
	lines, err := ui.cfg.Plant.Lines.List(ctx, plant.Filter{SiteIDs: []forkline.ID{site}, Limit: 500})
	if err != nil {
		return nil, err
	}
	eqs, err := ui.cfg.Plant.Equipment.List(ctx, plant.Filter{SiteIDs: []forkline.ID{site}, Limit: 500})
	if err != nil {
		return nil, err
	}
	out := make([]siteLine, 0, len(lines))
	for _, l := range lines {
		sl := siteLine{Line: l}
		for _, e := range eqs {
			if e.LineID == l.ID {
				sl.Equipment = append(sl.Equipment, e)
			}
		}
		out = append(out, sl)
	}
	slices.SortFunc(out, func(a, b siteLine) int { return cmp.Compare(a.Code, b.Code) })
	return out, nil
}

// equipmentIDs returns the IDs of the line's equipment.
func (l siteLine) equipmentIDs() []forkline.ID {
	ids := make([]forkline.ID, len(l.Equipment))
	for i, e := range l.Equipment {
		ids[i] = e.ID
	}
	return ids
}

// severity orders states for a line's state: a line is down when any of
// its equipment is down, in setup when any is, running when any runs, idle
// when nothing runs; planned stop and no signal only when all its
// equipment is so.
var severity = map[monitoring.State]int{monitoring.Down: 6, monitoring.Changeover: 5, monitoring.Cleaning: 4,
	monitoring.Running: 3, monitoring.Idle: 2, monitoring.PlannedStop: 1, monitoring.Unknown: 0}

// lineState returns the state of a line from its equipment's current
// intervals, and when the line entered it: the start of the interval that
// decides it. ok is false when no equipment of the line has a state.
func lineState(open []monitoring.Interval) (iv monitoring.Interval, ok bool) {
	for _, x := range open {
		if !ok || severity[x.State] > severity[iv.State] || (x.State == iv.State && x.Start.After(iv.Start)) {
			iv, ok = x, true
		}
	}
	return iv, ok
}

// lineTile is one line on the plant overview.
type lineTile struct {
	ID, Code, Name, URL string
	State, Class        string
	For                 string // how long in the state
	Elapsed             int64  // seconds in the state when drawn, for the page's clock
	HasState            bool
	Order, OrderItem    string
	OEE                 string
	OEEClass            string
	Rate                string
	Equipment           []equipmentChip
}

type equipmentChip struct {
	Code, Name, State, Class string
}

// plantPage is the plant overview.
type plantPage struct {
	layout
	SiteName, SiteCode string
	Tiles              []lineTile
	StreamURL          string
	Legend             []equipmentChip
	Day                string
}

// today returns the production day of the site that now is in: local
// midnight to local midnight.
func today(now time.Time, loc *time.Location) performance.Range {
	l := now.In(loc)
	from := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
	return performance.Range{From: from.UTC(), To: from.AddDate(0, 0, 1).UTC()}
}

// machineSite returns the current site for a machine-data page, refusing a
// user who may not read machine data there.
func (v visit) machineSite() (plant.Site, error) {
	s, err := v.requireSite()
	if err != nil {
		return s, err
	}
	return s, v.actor.Require(forkline.PermMachineRead, s.ID)
}

func (ui *UI) handlePlant() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := ui.visit(w, r)
		var site plant.Site
		if err == nil {
			site, err = v.machineSite()
		}
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		ctx := r.Context()
		lines, err := ui.siteLines(ctx, site.ID)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		loc := v.siteLoc(site.ID)
		tiles, err := ui.lineTiles(ctx, site.ID, loc, lines)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		p := plantPage{layout: ui.layout(w, r, v, "Plant overview"), SiteName: site.Name, SiteCode: site.Code, Tiles: tiles,
			StreamURL: "/plant/events?site=" + site.ID, Day: ui.cfg.Now().In(loc).Format("Monday 2 January 2006")}
		p.Refresh = 60 // without JavaScript; with it, the tiles update live
		for _, s := range monitoring.States() {
			p.Legend = append(p.Legend, equipmentChip{State: stateLabel(s), Class: stateClass(s)})
		}
		ui.render(w, r, http.StatusOK, "plant", p)
	})
}

// lineTiles draws the tiles of lines: state, order, OEE today and rate.
func (ui *UI) lineTiles(ctx context.Context, site forkline.ID, loc *time.Location, lines []siteLine) ([]lineTile, error) {
	now := ui.cfg.Now()
	current, err := ui.cfg.Monitoring.Current(ctx, site)
	if err != nil {
		return nil, err
	}
	open := map[forkline.ID]monitoring.Interval{}
	for _, iv := range current {
		open[iv.EquipmentID] = iv
	}
	var running map[forkline.ID]production.Order
	var items *refs[plant.Item, *plant.Item]
	if ui.cfg.Production != nil && ui.can(ctx, forkline.PermProductionRead, site) {
		os, err := ui.cfg.Production.Orders(ctx, production.OrderFilter{SiteIDs: []forkline.ID{site},
			States: []production.State{production.InProgress}, Limit: 500})
		if err != nil {
			return nil, err
		}
		running = map[forkline.ID]production.Order{}
		for _, o := range os {
			if prev, ok := running[o.LineID]; !ok || o.StartedAt.After(prev.StartedAt) {
				running[o.LineID] = o
			}
		}
		if items, err = newRefs[plant.Item](ctx, ui.cfg.Plant.Items, site); err != nil {
			return nil, err
		}
	}
	day := today(now, loc)
	tiles := make([]lineTile, 0, len(lines))
	for _, l := range lines {
		t := lineTile{ID: l.ID, Code: l.Code, Name: l.Name, URL: "/plant/lines/" + l.ID, OEE: "n/a", OEEClass: "kpi-na", Rate: "n/a"}
		var ivs []monitoring.Interval
		for _, e := range l.Equipment {
			chip := equipmentChip{Code: e.Code, Name: e.Name, State: stateLabel(monitoring.Unknown), Class: stateClass(monitoring.Unknown)}
			if iv, ok := open[e.ID]; ok {
				ivs = append(ivs, iv)
				chip.State, chip.Class = stateLabel(iv.State), stateClass(iv.State)
			}
			t.Equipment = append(t.Equipment, chip)
		}
		st, ok := lineState(ivs)
		if !ok {
			st.State = monitoring.Unknown
		}
		t.State, t.Class, t.HasState = stateLabel(st.State), stateClass(st.State), ok
		if ok {
			d := now.Sub(st.Start)
			t.For, t.Elapsed = duration(d), int64(max(d, 0)/time.Second)
		}
		if o, ok := running[l.ID]; ok {
			t.Order = o.Number
			if it, ok := items.get(ctx, o.ItemID); ok {
				t.OrderItem = it.Name
			}
		}
		if len(l.Equipment) > 0 {
			rate, err := ui.lineRate(ctx, l, now)
			if err != nil {
				return nil, err
			}
			t.Rate = rate
		}
		if ui.cfg.Performance != nil {
			rep, err := ui.cfg.Performance.OEE(ctx, PerfQuery{SiteID: site, LineID: l.ID, Range: performance.Range{From: day.From, To: now}})
			if err != nil {
				return nil, err
			}
			t.OEE, t.OEEClass = ratioPercent(rep.Total.OEE), oeeClass(rep.Total.OEE)
		}
		tiles = append(tiles, t)
	}
	return tiles, nil
}

// oeeClass colours an OEE: world class from 85 %, typical from 60 %.
func oeeClass(r performance.Ratio) string {
	switch {
	case !r.Defined:
		return "kpi-na"
	case r.Value >= 0.85:
		return "kpi-good"
	case r.Value >= 0.6:
		return "kpi-fair"
	}
	return "kpi-poor"
}

// lineRate returns the good units per minute of a line's equipment over
// the last ten minutes.
func (ui *UI) lineRate(ctx context.Context, l siteLine, now time.Time) (string, error) {
	var good int64
	to := now.Truncate(time.Minute).Add(time.Minute)
	for _, id := range l.equipmentIDs() {
		cs, err := ui.cfg.Monitoring.Counts(ctx, id, monitoring.Range{From: to.Add(-rateWindow), To: to})
		if err != nil {
			return "", err
		}
		for _, c := range cs {
			good += c.Good
		}
	}
	return number(round1(float64(good)/rateWindow.Minutes())) + " / min", nil
}

func round1(f float64) float64 {
	if f >= 100 {
		return float64(int64(f + 0.5))
	}
	return float64(int64(f*10+0.5)) / 10
}

// can reports whether the actor in ctx holds p on site.
func (ui *UI) can(ctx context.Context, p forkline.Permission, site forkline.ID) bool {
	return require(ctx, p, site) == nil
}

// handlePlantEvents streams the overview's tiles as Server-Sent Events: an
// event "tile" with {"id": the tile's element ID, "html": the tile} for
// each line whose equipment the pipeline changed, at most once every
// LivePoll, and every tile every 30 seconds.
func (ui *UI) handlePlantEvents() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		site, err := ui.cfg.Plant.Sites.Find(ctx, r.URL.Query().Get("site"))
		if err == nil {
			err = require(ctx, forkline.PermMachineRead, site.ID)
		}
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		loc := time.UTC
		if l, err := time.LoadLocation(site.TimeZone); err == nil && site.TimeZone != "" {
			loc = l
		}
		lines, err := ui.siteLines(ctx, site.ID)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		lineOf := map[forkline.ID]int{}
		for i, l := range lines {
			for _, e := range l.Equipment {
				lineOf[e.ID] = i
			}
		}
		changes, end := ui.subscribe()
		defer end()
		stream, ok := ui.openStream(w, r)
		if !ok {
			return
		}
		defer stream.close()
		dirty := map[int]bool{}
		flush := func() error {
			var sub []siteLine
			for i, l := range lines {
				if dirty[i] {
					sub = append(sub, l)
				}
			}
			clear(dirty)
			if len(sub) == 0 {
				return nil
			}
			tiles, err := ui.lineTiles(ctx, site.ID, loc, sub)
			if err != nil {
				return err
			}
			for _, t := range tiles {
				var buf bytes.Buffer
				if err := ui.pages["plant"].ExecuteTemplate(&buf, "tile", t); err != nil {
					return err
				}
				b, _ := json.Marshal(map[string]string{"id": "tile-" + t.ID, "html": buf.String()})
				if err := stream.send("tile", b); err != nil {
					return err
				}
			}
			return nil
		}
		poll := time.NewTicker(ui.cfg.LivePoll)
		defer poll.Stop()
		all := time.NewTicker(tileRefresh)
		defer all.Stop()
		for {
			select {
			case <-stream.done:
				return
			case <-stream.ping.C:
				if stream.comment() != nil {
					return
				}
				continue
			case c := <-changes:
				for _, eq := range c.Equipment {
					if i, ok := lineOf[eq]; ok {
						dirty[i] = true
					}
				}
				continue
			case <-all.C:
				for i := range lines {
					dirty[i] = true
				}
			case <-poll.C:
			}
			if err := flush(); err != nil {
				if ctx.Err() == nil {
					ui.cfg.Logger.ErrorContext(ctx, "live plant overview", "site", site.ID, "err", err)
				}
				return
			}
		}
	})
}

// subscribe returns the pipeline's changes, or a channel that never
// delivers when this process ingests nothing.
func (ui *UI) subscribe() (<-chan monitoring.Change, func()) {
	if p := ui.cfg.Monitoring.Pipeline(); p != nil {
		return p.Subscribe()
	}
	return make(chan monitoring.Change), func() {}
}

// eventStream is an open stream of Server-Sent Events. done closes when
// the client leaves, the server shuts down or the stream is old enough to
// be reopened (the browser then reconnects); ping ticks every 20 seconds,
// for a comment that keeps proxies from closing a quiet stream.
type eventStream struct {
	w    http.ResponseWriter
	rc   *http.ResponseController
	done chan struct{}
	ping *time.Ticker
}

// openStream starts a stream of Server-Sent Events. The caller stops it
// with close.
func (ui *UI) openStream(w http.ResponseWriter, r *http.Request) (*eventStream, bool) {
	ui.live.endOnShutdown(r)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)
	s := &eventStream{w: w, rc: http.NewResponseController(w), done: make(chan struct{}), ping: time.NewTicker(20 * time.Second)}
	if _, err := fmt.Fprint(w, "retry: 3000\n\n"); err != nil || s.rc.Flush() != nil {
		s.ping.Stop()
		return nil, false
	}
	go func() {
		defer close(s.done)
		end := time.NewTimer(liveMaxAge)
		defer end.Stop()
		select {
		case <-r.Context().Done():
		case <-ui.live.stop:
		case <-end.C:
		}
	}()
	return s, true
}

// close stops the stream's ping.
func (s *eventStream) close() { s.ping.Stop() }

// comment writes a comment, which the browser ignores.
func (s *eventStream) comment() error {
	if _, err := fmt.Fprint(s.w, ": ping\n\n"); err != nil {
		return err
	}
	return s.rc.Flush()
}

// send writes one event.
func (s *eventStream) send(event string, data []byte) error {
	if _, err := fmt.Fprintf(s.w, "event: %s\ndata: %s\n\n", event, data); err != nil {
		return err
	}
	return s.rc.Flush()
}

// linePage is a line's detail: what it does now and what it did today.
type lineDetailPage struct {
	layout
	Line        siteLine
	SiteCode    string
	Tile        lineTile
	Day         string
	KPIs        []kpi
	Timeline    timelineChart
	TimelineKey []equipmentChip
	Counts      countsChart
	Trends      []trendChart
	Pareto      paretoChart
	ParetoRows  []paretoRow
	Micro       string // micro-stops: how many, how long
	HasPerf     bool
	ReportURL   string
	TerminalURL string
}

// kpi is one figure of a line's day.
type kpi struct {
	Label, Value, Class, Note string
}

func (ui *UI) handleLineDetail() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := ui.visit(w, r)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		p, err := ui.lineDetail(w, r, v, r.PathValue("id"))
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		ui.render(w, r, http.StatusOK, "plant-line", p)
	})
}

func (ui *UI) lineDetail(w http.ResponseWriter, r *http.Request, v visit, id forkline.ID) (lineDetailPage, error) {
	ctx := r.Context()
	pl, err := ui.cfg.Plant.Lines.Find(ctx, id)
	if err != nil {
		return lineDetailPage{}, err
	}
	if err := require(ctx, forkline.PermMachineRead, pl.SiteID); err != nil {
		return lineDetailPage{}, err
	}
	lines, err := ui.siteLines(ctx, pl.SiteID)
	if err != nil {
		return lineDetailPage{}, err
	}
	i := slices.IndexFunc(lines, func(l siteLine) bool { return l.ID == id })
	if i < 0 {
		return lineDetailPage{}, forkline.ErrNotFound // disabled
	}
	line := lines[i]
	loc := v.siteLoc(line.SiteID)
	now := ui.cfg.Now()
	day := today(now, loc)
	tiles, err := ui.lineTiles(ctx, line.SiteID, loc, []siteLine{line})
	if err != nil {
		return lineDetailPage{}, err
	}
	p := lineDetailPage{Line: line, Tile: tiles[0], Day: now.In(loc).Format("Monday 2 January 2006"),
		HasPerf: ui.cfg.Performance != nil}
	p.ReportURL = "/reports/oee?line=" + line.ID
	if ui.cfg.Production != nil && ui.cfg.Inventory != nil && ui.cfg.Recipes != nil && v.can(forkline.PermProductionRead, line.SiteID) {
		p.TerminalURL = "/terminal/lines/" + line.ID
	}

	// The state timeline of the day, a lane per equipment.
	mr := monitoring.Range{From: day.From, To: day.To}
	var lanes []timelineLane
	var hours = make([]hourCount, 0, 25)
	for t := day.From; t.Before(day.To); t = t.Add(time.Hour) {
		hours = append(hours, hourCount{Start: t})
	}
	hourOf := func(m time.Time) int {
		i := int(m.Sub(day.From) / time.Hour)
		return min(max(i, 0), len(hours)-1)
	}
	var target float64
	for _, e := range line.Equipment {
		ivs, err := ui.cfg.Monitoring.Intervals(ctx, e.ID, mr)
		if err != nil {
			return p, err
		}
		lanes = append(lanes, timelineLane{Label: shorten(e.Code+" · "+e.Name, 26), Intervals: ivs})
		cs, err := ui.cfg.Monitoring.Counts(ctx, e.ID, mr)
		if err != nil {
			return p, err
		}
		for _, c := range cs {
			h := &hours[hourOf(c.Minute)]
			h.Good += c.Good
			h.Reject += c.Reject
		}
		if len(cs) > 0 {
			rates, err := ui.cfg.Monitoring.Rates(ctx, e.ID)
			if err != nil {
				return p, err
			}
			for _, rt := range rates {
				if rt.ItemID == "" && rt.PerUnit > 0 {
					target += float64(time.Hour) / float64(rt.PerUnit)
				}
			}
		}
	}
	p.Timeline = newTimeline(day.From, day.To, now, loc, lanes)
	for _, s := range monitoring.States() {
		p.TimelineKey = append(p.TimelineKey, equipmentChip{State: stateLabel(s), Class: stateClass(s)})
	}
	p.Counts = newCounts(hours, target, loc)

	// Process-value trends of the line's equipment.
	tags, err := ui.cfg.Monitoring.Tags(ctx, line.SiteID)
	if err != nil {
		return p, err
	}
	eqName := map[forkline.ID]string{}
	for _, e := range line.Equipment {
		eqName[e.ID] = e.Code
	}
	slices.SortFunc(tags, func(a, b monitoring.Tag) int {
		return cmp.Or(cmp.Compare(eqName[a.EquipmentID], eqName[b.EquipmentID]), cmp.Compare(a.Address, b.Address))
	})
	for _, t := range tags {
		if _, ok := eqName[t.EquipmentID]; !ok || t.Role != monitoring.RoleProcess || !t.Active {
			continue
		}
		_, ms, err := ui.cfg.Monitoring.Trend(ctx, t.ID, mr)
		if err != nil {
			return p, err
		}
		p.Trends = append(p.Trends, newTrend(eqName[t.EquipmentID]+" · "+tagName(t.Address), t.Unit, ms, day.From, day.To, loc))
	}

	// OEE and downtime of the day so far.
	good, reject := p.Counts.Good, p.Counts.Reject
	p.KPIs = []kpi{{Label: "Good today", Value: number(float64(good))}, {Label: "Rejected", Value: number(float64(reject))},
		{Label: "Rate now", Value: p.Tile.Rate}}
	if ui.cfg.Performance != nil {
		q := PerfQuery{SiteID: line.SiteID, LineID: line.ID, Range: performance.Range{From: day.From, To: now}}
		rep, err := ui.cfg.Performance.OEE(ctx, q)
		if err != nil {
			return p, err
		}
		t := rep.Total
		p.KPIs = append([]kpi{
			{Label: "OEE today", Value: ratioPercent(t.OEE), Class: oeeClass(t.OEE)},
			{Label: "Availability", Value: ratioPercent(t.Availability)},
			{Label: "Effectiveness", Value: ratioPercent(t.Effectiveness)},
			{Label: "Quality", Value: ratioPercent(t.Quality)},
		}, p.KPIs...)
		dt, err := ui.cfg.Performance.Downtime(ctx, q)
		if err != nil {
			return p, err
		}
		names, err := ui.reasonNames(ctx, line.SiteID)
		if err != nil {
			return p, err
		}
		p.Pareto, p.ParetoRows = newPareto(dt.Pareto, names), paretoRows(dt.Pareto, names)
		p.Micro = microText(dt)
	}
	version, err := ui.machineVersion(ctx, line)
	if err != nil {
		return p, err
	}
	p.layout = ui.layout(w, r, v, "Line "+line.Code)
	p.LiveSrc, p.LiveVersion = "/plant/lines/"+line.ID+"/events", version
	p.Refresh = 60
	return p, nil
}

// microText says how many micro-stops a report counted apart.
func microText(dt DowntimeReport) string {
	switch dt.MicroStops {
	case 0:
		return "No micro-stops."
	case 1:
		return "1 micro-stop, " + duration(dt.MicroStopTime) + "."
	}
	return fmt.Sprintf("%d micro-stops, %s in all.", dt.MicroStops, duration(dt.MicroStopTime))
}

// tagName is the last part of a tag's address: "Temperature" of
// "spBv1.0/Dairy/Edge1/HTST/Temperature".
func tagName(address string) string {
	for i := len(address) - 1; i >= 0; i-- {
		if address[i] == '/' {
			return address[i+1:]
		}
	}
	return address
}

// reasonNames returns the names of a site's downtime reasons by code.
func (ui *UI) reasonNames(ctx context.Context, site forkline.ID) (map[string]string, error) {
	rs, err := ui.cfg.Monitoring.Reasons(ctx, site)
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(rs))
	for _, r := range rs {
		names[r.Code] = r.Name
	}
	return names, nil
}

// machineVersion is the state of a line's machines as a short hash: the
// current interval of each equipment and the units of the current minute.
// It changes with every state change and every counted unit.
func (ui *UI) machineVersion(ctx context.Context, line siteLine) (string, error) {
	current, err := ui.cfg.Monitoring.Current(ctx, line.SiteID)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	ids := line.equipmentIDs()
	for _, iv := range current {
		if slices.Contains(ids, iv.EquipmentID) {
			fmt.Fprintf(h, "%s:%s:%s;", iv.EquipmentID, iv.ID, iv.State)
		}
	}
	to := ui.cfg.Now().Truncate(time.Minute).Add(time.Minute)
	for _, id := range ids {
		cs, err := ui.cfg.Monitoring.Counts(ctx, id, monitoring.Range{From: to.Add(-2 * time.Minute), To: to})
		if err != nil {
			return "", err
		}
		for _, c := range cs {
			fmt.Fprintf(h, "%s:%d:%d:%d;", id, c.Minute.Unix(), c.Good, c.Reject)
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// handleLineMachineEvents streams a line's machine state as Server-Sent
// Events: an event "line" with the version whenever the pipeline changed
// the line's equipment, at most once every LivePoll, and every 30 seconds.
// The page's script then fetches the page again and swaps its live parts.
func (ui *UI) handleLineMachineEvents() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		pl, err := ui.cfg.Plant.Lines.Find(ctx, r.PathValue("id"))
		if err == nil {
			err = require(ctx, forkline.PermMachineRead, pl.SiteID)
		}
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		lines, err := ui.siteLines(ctx, pl.SiteID)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		i := slices.IndexFunc(lines, func(l siteLine) bool { return l.ID == pl.ID })
		if i < 0 {
			ui.fail(w, r, forkline.ErrNotFound)
			return
		}
		line := lines[i]
		changes, end := ui.subscribe()
		defer end()
		stream, ok := ui.openStream(w, r)
		if !ok {
			return
		}
		defer stream.close()
		version := ""
		send := func() error {
			v, err := ui.machineVersion(ctx, line)
			if err != nil || v == version {
				return err
			}
			version = v
			b, _ := json.Marshal(map[string]string{"version": v})
			return stream.send("line", b)
		}
		if send() != nil {
			return
		}
		dirty := false
		poll := time.NewTicker(ui.cfg.LivePoll)
		defer poll.Stop()
		all := time.NewTicker(tileRefresh)
		defer all.Stop()
		for {
			select {
			case <-stream.done:
				return
			case <-stream.ping.C:
				if stream.comment() != nil {
					return
				}
				continue
			case c := <-changes:
				for _, eq := range c.Equipment {
					dirty = dirty || slices.Contains(line.equipmentIDs(), eq)
				}
				continue
			case <-poll.C:
				if !dirty {
					continue
				}
			case <-all.C:
				// The timeline and the time in the state move on; a new
				// version makes the page fetch itself again.
				version = ""
			}
			dirty = false
			if err := send(); err != nil {
				if ctx.Err() == nil {
					ui.cfg.Logger.ErrorContext(ctx, "live line machines", "line", line.ID, "err", err)
				}
				return
			}
		}
	})
}
