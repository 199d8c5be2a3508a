package web

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/monitoring"
	"github.com/forkline/forkline/internal/plant"
)

// Classifying stops at the line: the terminal lists the line's unplanned
// stops of the day that have no reason yet (micro-stops left out), and the
// operator picks the reason from the site's tree with one tap.

// stopListMax is how many stops to classify a line lists, newest first.
const stopListMax = 12

// stopCard is an unclassified stop as the terminal lists it.
type stopCard struct {
	ID, URL           string
	Equipment         string
	State, Class      string
	When, For         string
	Ongoing           bool
	Start             time.Time
	EquipmentID, Line forkline.ID
}

// isStop reports whether a state is an unplanned stop an operator explains.
func isStop(s monitoring.State) bool {
	return s == monitoring.Down || s == monitoring.Idle || s == monitoring.Unknown
}

// stopsToClassify returns the line's stops since the start of the site's
// day that are at least MicroStop long and have no reason, newest first.
func (ui *UI) stopsToClassify(ctx context.Context, line siteLine, loc *time.Location) ([]stopCard, error) {
	now := ui.cfg.Now()
	day := today(now, loc)
	var out []stopCard
	for _, e := range line.Equipment {
		ivs, err := ui.cfg.Monitoring.Intervals(ctx, e.ID, monitoring.Range{From: day.From, To: now.Add(time.Second)})
		if err != nil {
			return nil, err
		}
		for _, iv := range ivs {
			if !isStop(iv.State) || iv.ReasonID != "" || iv.Duration(now) < ui.cfg.MicroStop || iv.Start.Before(day.From) {
				continue
			}
			out = append(out, ui.stopCard(line, e, iv, now, loc))
		}
	}
	slices.SortFunc(out, func(a, b stopCard) int { return b.Start.Compare(a.Start) })
	return out[:min(len(out), stopListMax)], nil
}

func (ui *UI) stopCard(line siteLine, e plant.Equipment, iv monitoring.Interval, now time.Time, loc *time.Location) stopCard {
	c := stopCard{ID: iv.ID, URL: "/terminal/lines/" + line.ID + "/stops/" + iv.ID, Equipment: e.Code + " · " + e.Name,
		State: stateLabel(iv.State), Class: stateClass(iv.State), Ongoing: iv.End.IsZero(), For: duration(iv.Duration(now)),
		Start: iv.Start, EquipmentID: e.ID, Line: line.ID}
	c.When = iv.Start.In(loc).Format("15:04")
	if !c.Ongoing {
		c.When += "–" + iv.End.In(loc).Format("15:04")
	}
	return c
}

// stopsPanel is the terminal line page's list of stops to classify.
type stopsPanel struct {
	Stops []stopCard
}

// lineStops returns the panel of a line on the terminal, nil when the UI
// has no machine data or the user may not classify stops on its site.
func (ui *UI) lineStops(ctx context.Context, v visit, line plant.Line) (*stopsPanel, error) {
	if ui.cfg.Monitoring == nil || !v.can(forkline.PermDowntimeClassify, line.SiteID) || !v.can(forkline.PermMachineRead, line.SiteID) {
		return nil, nil
	}
	lines, err := ui.siteLines(ctx, line.SiteID)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(lines, func(l siteLine) bool { return l.ID == line.ID })
	if i < 0 {
		return &stopsPanel{}, nil
	}
	stops, err := ui.stopsToClassify(ctx, lines[i], v.siteLoc(line.SiteID))
	return &stopsPanel{Stops: stops}, err
}

// terminalStopsPage lists the stops to classify of every line of the site.
type terminalStopsPage struct {
	layout
	Lines []lineStopsCard
}

type lineStopsCard struct {
	Code, Name, URL string
	Stops           []stopCard
}

func (ui *UI) handleTerminalStops() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		v, err := ui.visit(w, r)
		var site plant.Site
		if err == nil {
			site, err = v.requireSite()
		}
		if err == nil {
			err = require(ctx, forkline.PermDowntimeClassify, site.ID)
		}
		var lines []siteLine
		if err == nil {
			lines, err = ui.siteLines(ctx, site.ID)
		}
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		p := terminalStopsPage{}
		for _, l := range lines {
			stops, err := ui.stopsToClassify(ctx, l, v.siteLoc(site.ID))
			if err != nil {
				ui.fail(w, r, err)
				return
			}
			p.Lines = append(p.Lines, lineStopsCard{Code: l.Code, Name: l.Name, URL: "/terminal/lines/" + l.ID, Stops: stops})
		}
		p.layout = ui.terminalLayout(w, r, v, "Stops to classify", site.Name+" · stops to classify", "/terminal", "Lines")
		p.Refresh = 30
		ui.render(w, r, http.StatusOK, "terminal-stops", p)
	})
}

// stopPage is one stop and the reasons an operator picks from.
type stopPage struct {
	layout
	Stop    stopCard
	LineURL string
	Groups  []reasonGroup
	Note    formField
	Error   string
}

// reasonGroup is a top-level reason with the reasons under it; the last
// group gathers the top-level reasons that have none.
type reasonGroup struct {
	Heading string
	Reasons []reasonButton
}

type reasonButton struct {
	ID, Code, Name string
	Planned        bool
}

// reasonGroups groups a site's active reasons (in tree order) by their
// top-level reason.
func reasonGroups(rs []monitoring.Reason) []reasonGroup {
	byID := map[forkline.ID]monitoring.Reason{}
	for _, r := range rs {
		byID[r.ID] = r
	}
	top := func(r monitoring.Reason) monitoring.Reason {
		for i := 0; i < 16 && r.ParentID != ""; i++ {
			p, ok := byID[r.ParentID]
			if !ok {
				break
			}
			r = p
		}
		return r
	}
	var groups []reasonGroup
	index := map[forkline.ID]int{}
	var single []reasonButton
	hasKids := map[forkline.ID]bool{}
	for _, r := range rs {
		if r.Active && r.ParentID != "" {
			hasKids[top(r).ID] = true
		}
	}
	for _, r := range rs {
		if !r.Active {
			continue
		}
		b := reasonButton{ID: r.ID, Code: r.Code, Name: r.Name, Planned: r.Planned}
		t := top(r)
		if t.ID == r.ID {
			if !hasKids[r.ID] {
				single = append(single, b)
			} else {
				index[r.ID] = len(groups)
				groups = append(groups, reasonGroup{Heading: r.Name})
			}
			continue
		}
		if i, ok := index[t.ID]; ok {
			groups[i].Reasons = append(groups[i].Reasons, b)
		}
	}
	if len(single) > 0 {
		heading := "Other reasons"
		if len(groups) == 0 {
			heading = ""
		}
		groups = append(groups, reasonGroup{Heading: heading, Reasons: single})
	}
	return groups
}

// findStop returns a stop of the line: an interval of its equipment since
// the start of yesterday, so that a stop of the night shift can still be
// classified after midnight.
func (ui *UI) findStop(ctx context.Context, lineID, id forkline.ID) (siteLine, plant.Equipment, monitoring.Interval, error) {
	pl, err := ui.cfg.Plant.Lines.Find(ctx, lineID)
	if err != nil {
		return siteLine{}, plant.Equipment{}, monitoring.Interval{}, err
	}
	if err := require(ctx, forkline.PermDowntimeClassify, pl.SiteID); err != nil {
		return siteLine{}, plant.Equipment{}, monitoring.Interval{}, err
	}
	lines, err := ui.siteLines(ctx, pl.SiteID)
	if err != nil {
		return siteLine{}, plant.Equipment{}, monitoring.Interval{}, err
	}
	now := ui.cfg.Now()
	for _, l := range lines {
		if l.ID != lineID {
			continue
		}
		for _, e := range l.Equipment {
			ivs, err := ui.cfg.Monitoring.Intervals(ctx, e.ID, monitoring.Range{From: now.Add(-48 * time.Hour), To: now.Add(time.Second)})
			if err != nil {
				return l, e, monitoring.Interval{}, err
			}
			for _, iv := range ivs {
				if iv.ID == id && isStop(iv.State) {
					return l, e, iv, nil
				}
			}
		}
	}
	return siteLine{}, plant.Equipment{}, monitoring.Interval{}, forkline.ErrNotFound
}

func (ui *UI) stopPage(w http.ResponseWriter, r *http.Request, v visit, note, msg string) (stopPage, error) {
	ctx := r.Context()
	line, e, iv, err := ui.findStop(ctx, r.PathValue("id"), r.PathValue("stop"))
	if err != nil {
		return stopPage{}, err
	}
	loc := v.siteLoc(line.SiteID)
	rs, err := ui.cfg.Monitoring.Reasons(ctx, line.SiteID)
	if err != nil {
		return stopPage{}, err
	}
	p := stopPage{Stop: ui.stopCard(line, e, iv, ui.cfg.Now(), loc), LineURL: "/terminal/lines/" + line.ID, Groups: reasonGroups(rs), Error: msg,
		Note: formField{Name: "note", Label: "Note (optional)", Type: "text", Value: note, Placeholder: "e.g. film roll changed, jam at the infeed"}}
	p.layout = ui.terminalLayout(w, r, v, "Classify a stop", "Line "+line.Code+" · why did it stop?", p.LineURL, "Line "+line.Code)
	return p, nil
}

func (ui *UI) handleStop() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := ui.visit(w, r)
		var p stopPage
		if err == nil {
			p, err = ui.stopPage(w, r, v, "", "")
		}
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		ui.render(w, r, http.StatusOK, "terminal-stop", p)
	})
}

func (ui *UI) handleClassify() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := ui.visit(w, r)
		if err == nil {
			err = parseForm(w, r)
		}
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		ctx := r.Context()
		line, e, iv, err := ui.findStop(ctx, r.PathValue("id"), r.PathValue("stop"))
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		f := r.PostForm
		reason := f.Get("reason")
		if reason == "" {
			err = forkline.Errorf(forkline.Invalid, "Tap the reason for the stop.")
		} else {
			iv, err = ui.cfg.Monitoring.Classify(ctx, iv.ID, reason, f.Get("note"))
		}
		if err != nil {
			code := forkline.ErrorCode(err)
			if code != forkline.Invalid && code != forkline.Conflict && code != forkline.NotFound {
				ui.fail(w, r, err)
				return
			}
			p, perr := ui.stopPage(w, r, v, f.Get("note"), forkline.ErrorMessage(err))
			if perr != nil {
				ui.fail(w, r, perr)
				return
			}
			ui.render(w, r, status(code), "terminal-stop", p)
			return
		}
		loc := v.siteLoc(line.SiteID)
		name := reason
		if rs, err := ui.cfg.Monitoring.Reasons(ctx, line.SiteID); err == nil {
			if i := slices.IndexFunc(rs, func(x monitoring.Reason) bool { return x.ID == reason }); i >= 0 {
				name = rs[i].Name
			}
		}
		ui.redirect(w, r, "/terminal/lines/"+line.ID, fmt.Sprintf("Stop of %s at %s classified: %s.", e.Code, iv.Start.In(loc).Format("15:04"), name))
	})
}
