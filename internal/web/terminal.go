package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/gs1"
	"github.com/forkline/forkline/internal/inventory"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/production"
)

// The operator terminal: a 10-inch tablet at the line, used with gloves
// and a keyboard-wedge scanner. Every target is at least 56 px high; every
// command answers with a large green, amber or red message; the cursor
// waits where the next scan or number goes.

// terminalLayout returns the frame of a terminal page: a bar with the way
// back and the signed-in operator, no side navigation.
func (ui *UI) terminalLayout(w http.ResponseWriter, r *http.Request, v visit, title, heading, back, backText string) layout {
	l := ui.layout(w, r, v, title)
	l.Terminal, l.Home, l.Heading, l.BackURL, l.BackText = true, "/terminal", heading, back, backText
	l.SwitchTo = r.URL.RequestURI()
	if r.Method != http.MethodGet {
		l.SwitchTo = back
	}
	return l
}

// terminalPage is the line picker.
type terminalPage struct {
	layout
	SiteName string
	Lines    []lineCard
}

type lineCard struct {
	URL, Code, Name string
	Running         *orderCard
	Next            *orderCard
	Waiting         int // released orders on the dispatch list
	Held            int
}

// orderCard is an order as the terminal lists it.
type orderCard struct {
	ID, URL, Number   string
	ItemCode, Item    string
	Planned           string
	Start             string
	ERPRef            string
	Allergens         string
	State             stateView
	First             bool // the next order in sequence
	Primary           bool // starting it is the next thing to do
	CanStart          bool
	StartURL          string
	AllergenChangeout string // what the previous order on the line left behind
}

func (ui *UI) handleTerminal() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		v, err := ui.visit(w, r)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		site, err := v.productionSite(forkline.PermProductionRead)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		pr, err := ui.prodRefs(ctx, site.ID)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		loc := v.siteLoc(site.ID)
		p := terminalPage{SiteName: site.Name}
		for _, l := range pr.lines.sorted {
			if !l.Active {
				continue
			}
			c := lineCard{URL: "/terminal/lines/" + l.ID, Code: l.Code, Name: l.Name}
			active, err := ui.cfg.Production.Orders(ctx, production.OrderFilter{SiteIDs: []forkline.ID{site.ID}, LineID: l.ID,
				States: []production.State{production.InProgress, production.OnHold}, Limit: 500})
			if err != nil {
				ui.fail(w, r, err)
				return
			}
			for _, o := range active {
				if o.State == production.InProgress {
					oc := ui.orderCard(ctx, o, pr, loc)
					c.Running = &oc
				} else {
					c.Held++
				}
			}
			next, err := ui.cfg.Production.DispatchList(ctx, l.ID)
			if err != nil {
				ui.fail(w, r, err)
				return
			}
			c.Waiting = len(next)
			if len(next) > 0 {
				oc := ui.orderCard(ctx, next[0], pr, loc)
				c.Next = &oc
			}
			p.Lines = append(p.Lines, c)
		}
		p.layout = ui.terminalLayout(w, r, v, "Operator terminal", site.Name, "", "")
		p.Refresh = 30
		ui.render(w, r, http.StatusOK, "terminal", p)
	})
}

func (ui *UI) orderCard(ctx context.Context, o production.Order, pr prodRefs, loc *time.Location) orderCard {
	it, _ := pr.items.get(ctx, o.ItemID)
	c := orderCard{ID: o.ID, URL: "/terminal/orders/" + o.ID, Number: o.Number, ItemCode: it.Code, Item: cmpOr(it.Name, o.ItemID),
		Planned: qty(o.PlannedQuantity), Start: plannedAt(o.PlannedStart, loc), ERPRef: o.ERPRef, State: orderState(o.State),
		StartURL: "/terminal/orders/" + o.ID + "/start"}
	if len(o.Allergens) > 0 {
		c.Allergens = strings.Join(o.Allergens, ", ")
	} else if o.Frozen() {
		c.Allergens = "none"
	}
	return c
}

// linePage is a line's dispatch list: what runs, what is held, and the
// released orders in the sequence the line runs them.
type linePage struct {
	layout
	LineID, Code, Name string
	Running            []orderCard
	Held               []orderCard
	Next               []orderCard
	Last               string // the order that ran last, and what it contained
	CanExecute         bool
	CleanFirst         bool // the next order may need a cleaning first
	Changeover         *changeoverForm
	Stops              *stopsPanel // the line's stops to classify; nil without machine data
}

// changeoverForm records a completed cleaning; it opens when a start was
// refused for want of one.
type changeoverForm struct {
	Required bool   // a start was refused
	Message  string // the service's reason
	Order    string // the order that waits for it
	Kind     formField
	Note     formField
}

func (ui *UI) handleTerminalLine() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := ui.visit(w, r)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		p, err := ui.linePage(w, r, v, r.PathValue("id"), nil)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		ui.render(w, r, http.StatusOK, "terminal-line", p)
	})
}

func (ui *UI) linePage(w http.ResponseWriter, r *http.Request, v visit, id forkline.ID, co *changeoverForm) (linePage, error) {
	ctx := r.Context()
	line, err := ui.cfg.Plant.Lines.Find(ctx, id)
	if err != nil {
		return linePage{}, err
	}
	if err := require(ctx, forkline.PermProductionRead, line.SiteID); err != nil {
		return linePage{}, err
	}
	pr, err := ui.prodRefs(ctx, line.SiteID)
	if err != nil {
		return linePage{}, err
	}
	loc := v.siteLoc(line.SiteID)
	p := linePage{LineID: line.ID, Code: line.Code, Name: line.Name, CanExecute: v.can(forkline.PermProductionExecute, line.SiteID)}
	ran, err := ui.cfg.Production.Orders(ctx, production.OrderFilter{SiteIDs: []forkline.ID{line.SiteID}, LineID: line.ID,
		States: []production.State{production.InProgress, production.OnHold, production.Completed, production.Closed}, Limit: 500})
	if err != nil {
		return linePage{}, err
	}
	var last *production.Order
	for i, o := range ran {
		switch o.State {
		case production.InProgress:
			p.Running = append(p.Running, ui.orderCard(ctx, o, pr, loc))
		case production.OnHold:
			p.Held = append(p.Held, ui.orderCard(ctx, o, pr, loc))
		}
		if !o.StartedAt.IsZero() && (last == nil || o.StartedAt.After(last.StartedAt)) {
			last = &ran[i]
		}
	}
	next, err := ui.cfg.Production.DispatchList(ctx, line.ID)
	if err != nil {
		return linePage{}, err
	}
	for i, o := range next {
		c := ui.orderCard(ctx, o, pr, loc)
		c.First, c.CanStart = i == 0, p.CanExecute && len(p.Running) == 0
		if i == 0 && last != nil && last.ID != o.ID {
			var left []string
			for _, a := range last.Allergens {
				if !slices.Contains(o.Allergens, a) {
					left = append(left, a)
				}
			}
			if len(left) > 0 {
				c.AllergenChangeout = fmt.Sprintf("Allergen changeover: %s, the last order on this line, contained %s; %s does not. A cleaning must be recorded after %s before %s can start.",
					last.Number, strings.Join(left, ", "), o.Number, last.Number, o.Number)
				p.CleanFirst = true
			}
		}
		c.Primary = c.First && c.AllergenChangeout == ""
		p.Next = append(p.Next, c)
	}
	if last != nil {
		it, _ := pr.items.get(ctx, last.ItemID)
		p.Last = fmt.Sprintf("Last order on this line: %s, %s", last.Number, cmpOr(it.Name, last.ItemID))
		if len(last.Allergens) > 0 {
			p.Last += " (contains " + strings.Join(last.Allergens, ", ") + ")"
		}
		p.Last += "."
	}
	if co == nil && p.CanExecute {
		co = &changeoverForm{}
	}

	if co != nil {
		if co.Kind.Name == "" {
			co.Kind = formField{Name: "kind", Label: "What was done", Type: "select", Value: production.Cleaning}
			co.Note = formField{Name: "note", Label: "Note", Type: "text", Placeholder: "e.g. full wet clean, allergen swab negative"}
		}
		co.Kind.Options = []formOption{{Value: production.Cleaning, Label: "Cleaning", Selected: co.Kind.Value != production.Changeover},
			{Value: production.Changeover, Label: "Changeover", Selected: co.Kind.Value == production.Changeover}}
		p.Changeover = co
	}
	if p.Stops, err = ui.lineStops(ctx, v, line); err != nil {
		return linePage{}, err
	}
	version, err := ui.lineVersion(ctx, line.SiteID, line.ID)
	if err != nil {
		return linePage{}, err
	}
	p.layout = ui.terminalLayout(w, r, v, "Line "+line.Code, "Line "+line.Code+" · "+line.Name, "/terminal", "Lines")
	p.LiveSrc, p.LiveVersion = "/terminal/lines/"+line.ID+"/events", version
	if co == nil || co.Message == "" {
		p.Refresh = 30 // without JavaScript; with it, the list updates live
	}
	return p, nil
}

func (ui *UI) handleChangeover() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := ui.visit(w, r)
		if err == nil {
			err = parseForm(w, r)
		}
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		id, f := r.PathValue("id"), r.PostForm
		c, err := ui.cfg.Production.RecordChangeover(r.Context(), production.ChangeoverInput{LineID: id, Kind: f.Get("kind"), Note: f.Get("note")})
		if err != nil {
			code := forkline.ErrorCode(err)
			if code != forkline.Invalid && code != forkline.Conflict {
				ui.fail(w, r, err)
				return
			}
			co := &changeoverForm{Required: f.Get("order") != "", Order: f.Get("order"), Message: forkline.ErrorMessage(err),
				Kind: formField{Name: "kind", Label: "What was done", Type: "select", Value: f.Get("kind")},
				Note: formField{Name: "note", Label: "Note", Type: "text", Value: f.Get("note"), Errors: fieldErrors(err, "note")}}
			p, perr := ui.linePage(w, r, v, id, co)
			if perr != nil {
				ui.fail(w, r, perr)
				return
			}
			ui.render(w, r, status(code), "terminal-line", p)
			return
		}
		ui.changed(id)
		msg := fmt.Sprintf("%s of the line recorded by %s.", sentence(c.Kind), c.ActorName)
		if o := f.Get("order"); o != "" {
			msg += " You may start " + o + " now."
		}
		ui.redirect(w, r, "/terminal/lines/"+id, msg)
	})
}

// fieldErrors returns the messages of err's problems on one field.
func fieldErrors(err error, field string) []string {
	var out []string
	for _, f := range forkline.ErrorFields(err) {
		if f.Field == field {
			out = append(out, plainMessage(f.Msg))
		}
	}
	return out
}

func (ui *UI) handleStart() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		v, err := ui.visit(w, r)
		if err == nil {
			err = parseForm(w, r)
		}
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		o, err := ui.cfg.Production.Order(ctx, r.PathValue("id"))
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		started, err := ui.cfg.Production.ChangeState(ctx, production.StateInput{OrderID: o.ID, To: production.InProgress, Reason: r.PostForm.Get("reason")})
		if err != nil {
			code := forkline.ErrorCode(err)
			if code != forkline.Conflict && code != forkline.Invalid {
				ui.fail(w, r, err)
				return
			}
			// Refused: show the line with the reason; when the line must be
			// cleaned first, with the form to record the cleaning.
			co := &changeoverForm{Message: forkline.ErrorMessage(err), Order: o.Number}
			co.Required = slices.ContainsFunc(forkline.ErrorFields(err), func(f forkline.FieldProblem) bool { return f.Rule == "changeover" })
			p, perr := ui.linePage(w, r, v, o.LineID, co)
			if perr != nil {
				ui.fail(w, r, perr)
				return
			}
			ui.render(w, r, status(code), "terminal-line", p)
			return
		}
		ui.changed(o.LineID)
		ui.redirect(w, r, "/terminal/orders/"+o.ID+"?step=1", fmt.Sprintf("Order %s started. Follow the steps.", started.Number))
	})
}

// runPage is one order on the terminal: a tab per recipe step and one to
// finish; the current step's instruction, materials and parameters.
type runPage struct {
	layout
	ID, Number, Item, ItemCode string
	Planned, Line, LineURL     string
	ERPRef, Allergens          string
	State                      stateView
	Running                    bool // material, values and output may be entered
	CanExecute                 bool
	CanStart                   bool
	NotReleased                bool
	Tabs                       []stepTab
	Step                       *stepView
	Finish                     *finishView
	Feedback                   *feedback
	FeedbackBeside             bool // in the scan column rather than above the step
	StartURL                   string
	RecordURL                  string
	Deviations                 []devAlert // open ones, for everyone at the line to see
}

type stepTab struct {
	Label, Title, URL string
	Current, Done     bool
}

// feedback is the answer to the last command, large enough to read from a
// step away: green when done, amber when it needs a decision, red when refused.
type feedback struct {
	Kind    string // "ok", "warn" or "error"
	Title   string
	Message string
	Hint    string
	Link    *navLink
}

type devAlert struct {
	Critical bool
	Text     string
}

// stepView is one recipe step on the terminal.
type stepView struct {
	N, Of       int
	Instruction string
	Materials   []materialRow
	Params      []paramRow
	Scan        *scanForm // nil when the step adds no material or the order does not run
	NextURL     string
	NextLabel   string
}

type materialRow struct {
	ItemID, Code, Name  string
	Target, Limits      string
	Tolerance           string
	Added, Remaining    string
	Status, StatusLabel string // done, todo, under, over
	Lots                []string
	Bar                 bar
}

// bar draws how much of an ingredient was added against its tolerance
// band, as SVG on the server (the page's policy forbids inline styles).
type bar struct {
	BandX, BandW, FillW, TargetX int // in hundredths of the width
	Over                         bool
}

func newBar(t production.Target, added forkline.Quantity) bar {
	scale := max(t.Max.Micros(), added.Micros()) + t.Target.Micros()/8
	if scale <= 0 {
		return bar{}
	}
	pos := func(m int64) int { return int(min(m*1000/scale, 1000)) }
	return bar{BandX: pos(t.Min.Micros()), BandW: pos(t.Max.Micros()) - pos(t.Min.Micros()), FillW: pos(added.Micros()),
		TargetX: pos(t.Target.Micros()), Over: t.Over(added)}
}

type paramRow struct {
	Key          string // the element ID
	Name, Unit   string
	Target       string
	Limits       string
	CCP          bool
	Readings     []readingRow
	Last         *readingRow
	Value        string
	Error        string
	Focus        bool
	Step         int
	Deviation    bool // the last reading is outside the limits
	MinV, MaxV   string
	FormDisabled bool
}

type readingRow struct {
	Value    string
	InLimits bool
	Who      string
	When     stamp
}

// scanForm adds material: scan a lot, check it, then add a quantity.
type scanForm struct {
	Action    string
	Key       string
	Step      int
	Scan      string // what stays in the scan field
	FocusScan bool
	Lot       *scannedLot
	Quantity  formField
	Unit      formField
	Location  formField
	Override  *overrideForm
	CanAdd    bool // the lot passed the checks the terminal can make before adding
	Refused   bool // the lot may not be added: its card shows red
}

// scannedLot is the lot a scan found, as the operator checks it.
type scannedLot struct {
	ID, Code, Item, ItemCode string
	Status                   statusView
	Expiry                   expiryView
	Stock                    string
	For                      string // the ingredient it counts towards
}

// overrideForm lets a supervisor accept a quantity outside tolerance or a
// lot out of FEFO order, with a reason. On an operator's tablet the
// supervisor confirms with their own badge and PIN.
type overrideForm struct {
	What      string
	Reason    formField
	NeedBadge bool
	Badge     formField
	PIN       formField
}

// finishView books the output and completes the order.
type finishView struct {
	Outputs     []outputRow
	Quantity    formField
	Unit        formField
	Location    formField
	Key         string
	Checks      []checkRow
	Missing     int
	CanComplete bool
	Yield       string
}

type outputRow struct {
	LotURL, LotCode, Quantity, Who string
	When                           stamp
}

type checkRow struct {
	Label string
	OK    bool
	Note  string
}

// runForm is what a refused or read command brings back to the page.
type runForm struct {
	step     string
	feedback *feedback
	scan     *scanForm
	param    map[string]paramInput // by paramKey
	output   url.Values
	outErr   map[string][]string
}

type paramInput struct{ value, err string }

func paramKey(step int, name string) string {
	return fmt.Sprintf("p%d-%s", step, strings.ToLower(strings.Join(strings.FieldsFunc(name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}), "-")))
}

func (ui *UI) handleTerminalOrder() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := ui.visit(w, r)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		rf := &runForm{step: r.URL.Query().Get("step")}
		// A supervisor who signs in to take a decision comes back to the
		// scan the operator made.
		if s := strings.TrimSpace(r.URL.Query().Get("scan")); s != "" {
			o, err := ui.cfg.Production.Order(r.Context(), r.PathValue("id"))
			if err != nil {
				ui.fail(w, r, err)
				return
			}
			step, _ := strconv.Atoi(rf.step)
			rf.scan, rf.feedback, err = ui.readLotScan(r.Context(), v, o, step, s, r.URL.Query().Get("quantity"))
			if err != nil {
				ui.fail(w, r, err)
				return
			}
		}
		p, err := ui.runPage(w, r, v, r.PathValue("id"), rf)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		ui.render(w, r, http.StatusOK, "terminal-order", p)
	})
}

func (ui *UI) runPage(w http.ResponseWriter, r *http.Request, v visit, id forkline.ID, rf *runForm) (runPage, error) {
	ctx := r.Context()
	rec, err := ui.cfg.Production.BatchRecord(ctx, id)
	if err != nil {
		return runPage{}, err
	}
	o := rec.Order
	loc := v.siteLoc(o.SiteID)
	p := runPage{ID: o.ID, Number: o.Number, Item: rec.Product.Name, ItemCode: rec.Product.Code, Planned: qty(o.PlannedQuantity),
		Line: rec.Line.Code + " · " + rec.Line.Name, LineURL: "/terminal/lines/" + o.LineID, ERPRef: o.ERPRef, State: orderState(o.State),
		Running: o.State == production.InProgress, CanExecute: v.can(forkline.PermProductionExecute, o.SiteID), NotReleased: !o.Frozen(),
		StartURL: "/terminal/orders/" + o.ID + "/start", RecordURL: "/orders/" + o.ID + "/record", Feedback: rf.feedback}
	p.CanStart = o.State == production.Released && p.CanExecute
	if len(o.Allergens) > 0 {
		p.Allergens = strings.Join(o.Allergens, ", ")
	}
	for _, d := range rec.Deviations {
		if d.Status == production.DeviationOpen {
			p.Deviations = append(p.Deviations, devAlert{Critical: d.Critical, Text: d.Description})
		}
	}
	steps := rec.Recipe.Steps
	// An ingredient that no step adds is added in the first step.
	assigned := map[forkline.ID]int{}
	for i, st := range steps {
		for _, id := range st.Additions {
			if _, ok := assigned[id]; !ok {
				assigned[id] = i + 1
			}
		}
	}
	stepOf := func(item forkline.ID) int {
		if n, ok := assigned[item]; ok {
			return n
		}
		return 1
	}
	done := make([]bool, len(steps))
	for i := range steps {
		done[i] = true
		for _, m := range rec.Materials {
			if stepOf(m.ItemID) == i+1 && m.Status != "ok" {
				done[i] = false
			}
		}
		for _, pl := range rec.Parameters {
			if pl.Step == i+1 && len(pl.Readings) == 0 {
				done[i] = false
			}
		}
	}
	// The current step: the one asked for, else the first not done.
	cur := 0
	switch {
	case rf.step == "finish":
		cur = len(steps) + 1
	case rf.step != "":
		cur, _ = strconv.Atoi(rf.step)
	}
	if cur < 1 || cur > len(steps)+1 {
		cur = len(steps) + 1
		for i := range steps {
			if !done[i] {
				cur = i + 1
				break
			}
		}
		if o.State == production.Released || o.State == production.Planned {
			cur = 1
		}
	}
	base := "/terminal/orders/" + o.ID + "?step="
	for i, st := range steps {
		p.Tabs = append(p.Tabs, stepTab{Label: strconv.Itoa(i + 1), Title: stepTitle(st.Instruction), URL: base + strconv.Itoa(i+1), Current: cur == i+1, Done: done[i]})
	}
	if len(steps) > 0 || o.Frozen() {
		p.Tabs = append(p.Tabs, stepTab{Label: "✓", Title: "Output and finish", URL: base + "finish", Current: cur == len(steps)+1,
			Done: o.State == production.Completed || o.State == production.Closed})
	}
	live := p.Running && p.CanExecute
	if cur <= len(steps) && cur >= 1 {
		st := steps[cur-1]
		sv := &stepView{N: cur, Of: len(steps), Instruction: st.Instruction}
		if cur < len(steps) {
			sv.NextURL, sv.NextLabel = base+strconv.Itoa(cur+1), "Next: step "+strconv.Itoa(cur+1)
		} else {
			sv.NextURL, sv.NextLabel = base+"finish", "Next: output and finish"
		}
		for _, m := range rec.Materials {
			if stepOf(m.ItemID) != cur {
				continue
			}
			sv.Materials = append(sv.Materials, materialView(m))
		}
		for _, pl := range rec.Parameters {
			if pl.Step != cur {
				continue
			}
			sv.Params = append(sv.Params, ui.paramRow(pl, rf, loc, live))
		}
		if len(sv.Materials) > 0 && live {
			sf := rf.scan
			if sf == nil || sf.Step != cur {
				sf = &scanForm{Step: cur, FocusScan: true}
			}
			sf.Action, sf.Step = "/terminal/orders/"+o.ID+"/add", cur
			if sf.Key == "" {
				sf.Key = newKey()
			}
			sv.Scan = sf
		}
		// The cursor goes to the scan field, or to the first value to enter.
		if sv.Scan == nil || (rf.scan == nil && allDone(sv.Materials)) {
			for i := range sv.Params {
				if sv.Params[i].Error != "" || sv.Params[i].Last == nil && !sv.Params[i].FormDisabled {
					sv.Params[i].Focus = true
					if sv.Scan != nil {
						sv.Scan.FocusScan = false
					}
					break
				}
			}
		}
		p.Step = sv
	} else if o.Frozen() {
		fv, err := ui.finishView(ctx, rec, rf, loc, live)
		if err != nil {
			return runPage{}, err
		}
		p.Finish = fv
	}
	heading := o.Number + " · " + rec.Product.Name
	p.layout = ui.terminalLayout(w, r, v, "Order "+o.Number, heading, "/terminal/lines/"+o.LineID, "Line "+rec.Line.Code)
	// The answer to the last command shows where the operator looks next:
	// beside the scan field, or above the step.
	if f := p.Flash; f != nil {
		if p.Feedback == nil {
			p.Feedback = flashFeedback(*f)
		}
		p.Flash = nil
	}
	p.FeedbackBeside = p.Feedback != nil && p.Step != nil && p.Step.Scan != nil
	p.LiveSrc, p.LiveKey = "/terminal/lines/"+o.LineID+"/events", string(o.State)
	if p.LiveVersion, err = ui.lineVersion(ctx, o.SiteID, o.LineID); err != nil {
		return runPage{}, err
	}
	return p, nil
}

// flashFeedback shows a flash message as the terminal's feedback: its
// first sentence as the title.
func flashFeedback(f flash) *feedback {
	fb := &feedback{Kind: f.Kind, Title: f.Msg}
	i, j := strings.Index(f.Msg, ". "), strings.Index(f.Msg, ": ")
	if j >= 0 && (i < 0 || j < i) {
		i = j
	}
	if i > 0 {
		fb.Title, fb.Message = f.Msg[:i], strings.TrimSpace(f.Msg[i+1:])
		if r := []rune(fb.Message); len(r) > 0 {
			fb.Message = strings.ToUpper(string(r[0])) + string(r[1:])
		}
	}
	return fb
}

func allDone(ms []materialRow) bool {
	for _, m := range ms {
		if m.Status != "done" {
			return false
		}
	}
	return true
}

// stepTitle is the start of an instruction, for a tab.
func stepTitle(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if i := strings.IndexAny(s, ".:;,"); i > 0 {
		s = s[:i]
	}
	if r := []rune(s); len(r) > 28 {
		s = string(r[:27]) + "…"
	}
	return s
}

func materialView(m production.MaterialLine) materialRow {
	row := materialRow{ItemID: m.ItemID, Code: m.ItemCode, Name: m.ItemName, Target: qty(m.Target.Target), Limits: qty(m.Min) + " – " + qty(m.Max),
		Tolerance: "± " + m.Tolerance.String() + "%", Added: qty(m.Added), Bar: newBar(m.Target, m.Added)}
	rem := m.Target.Target.Micros() - m.Added.Micros()
	row.Remaining = qty(forkline.QuantityFromMicros(max(rem, 0), m.Target.Target.Unit))
	switch {
	case m.Status == "over":
		row.Status, row.StatusLabel = "over", "Too much"
	case m.Status == "ok":
		row.Status, row.StatusLabel = "done", "Done"
	case m.Added.IsZero():
		row.Status, row.StatusLabel = "todo", "To add"
	default:
		row.Status, row.StatusLabel = "under", "More needed"
	}
	for _, a := range m.Additions {
		lot := a.LotCode + " · " + a.Entered.String()
		if a.Substitute {
			lot += " (substitute)"
		}
		row.Lots = append(row.Lots, lot)
	}
	return row
}

func (ui *UI) paramRow(pl production.ParameterLine, rf *runForm, loc *time.Location, live bool) paramRow {
	pm := pl.Parameter
	row := paramRow{Key: paramKey(pl.Step, pm.Name), Name: pm.Name, Unit: pm.Unit, Target: withUnit(pm.Target, pm.Unit), Limits: limits(pm.Min, pm.Max, pm.Unit),
		CCP: pm.CCP, Step: pl.Step, MinV: pm.Min.String(), MaxV: pm.Max.String(), FormDisabled: !live}
	for i := len(pl.Readings) - 1; i >= 0; i-- {
		rd := pl.Readings[i]
		row.Readings = append(row.Readings, readingRow{Value: withUnit(rd.Value, rd.Unit), InLimits: rd.InLimits, Who: rd.ActorName, When: ui.when(rd.At, loc)})
	}
	if len(row.Readings) > 0 {
		row.Last = &row.Readings[0]
		row.Deviation = !row.Last.InLimits
	}
	if in, ok := rf.param[row.Key]; ok {
		row.Value, row.Error = in.value, in.err
	}
	return row
}

func (ui *UI) finishView(ctx context.Context, rec production.BatchRecord, rf *runForm, loc *time.Location, live bool) (*finishView, error) {
	o := rec.Order
	fv := &finishView{Key: newKey(), CanComplete: live}
	for _, out := range rec.Outputs {
		fv.Outputs = append(fv.Outputs, outputRow{LotURL: "/lots/" + out.LotID, LotCode: out.LotCode, Quantity: qty(out.Quantity), Who: out.ActorName, When: ui.when(out.At, loc)})
	}
	if o.Yield.Percent != "" || !o.Yield.Actual.IsZero() {
		fv.Yield = yieldText(o.Yield)
	}
	if live {
		sr, err := ui.siteRefs(ctx, o.SiteID)
		if err != nil {
			return nil, err
		}
		get := func(k, def string) string {
			if rf.output != nil {
				return rf.output.Get(k)
			}
			return def
		}
		var p problems
		for k, m := range rf.outErr {
			for _, msg := range m {
				p.add(k, msg)
			}
		}
		fv.Quantity = p.field("out-quantity", "Quantity made", "decimal", get("out-quantity", ""))
		fv.Quantity.Placeholder = "e.g. " + rec.Order.PlannedQuantity.Decimal()
		fv.Unit = p.field("out-unit", "Unit", "select", get("out-unit", string(rec.Product.BaseUnit)))
		fv.Unit.Options = unitOptions(fv.Unit.Value)
		fv.Location = p.field("out-location", "Put away at", "select", get("out-location", defaultOutputLocation(sr, rec.Product)))
		fv.Location.Options = sr.locations.options(fv.Location.Value, "Choose…")
		if k := get("key", ""); k != "" {
			fv.Key = k
		}
	}
	// What a complete batch record needs, as a checklist.
	for _, m := range rec.Materials {
		c := checkRow{Label: m.ItemCode + " " + m.ItemName, OK: m.Status == "ok"}
		switch m.Status {
		case "ok":
			c.Note = qty(m.Added) + " added"
		case "over":
			c.Note = qty(m.Added) + " added: above " + qty(m.Max)
		default:
			c.Note = qty(m.Added) + " of " + qty(m.Target.Target) + " added"
		}
		fv.Checks = append(fv.Checks, c)
	}
	for _, pl := range rec.Parameters {
		c := checkRow{Label: fmt.Sprintf("Step %d: %s", pl.Step, pl.Parameter.Name), OK: len(pl.Readings) > 0}
		if c.OK {
			last := pl.Readings[len(pl.Readings)-1]
			c.Note = withUnit(last.Value, last.Unit) + " recorded"
			if !last.InLimits {
				c.Note += ": outside the limits"
			}
		} else {
			c.Note = "not recorded"
		}
		fv.Checks = append(fv.Checks, c)
	}
	out := checkRow{Label: "Output booked", OK: len(rec.Outputs) > 0, Note: "none yet"}
	if out.OK {
		out.Note = fmt.Sprintf("%d %s", len(rec.Outputs), plural(len(rec.Outputs), "lot", "lots"))
	}
	fv.Checks = append(fv.Checks, out)
	for _, c := range fv.Checks {
		if !c.OK {
			fv.Missing++
		}
	}
	return fv, nil
}

// defaultOutputLocation is where finished goods go: the first active
// warehouse of the product's storage condition, else the first warehouse.
func defaultOutputLocation(sr siteRefs, product production.Item) string {
	it := sr.items.byID[product.ID]
	var first string
	for _, l := range sr.locations.sorted {
		if !l.Active || l.Kind != plant.Warehouse {
			continue
		}
		if l.Condition == it.Condition {
			return l.ID
		}
		if first == "" {
			first = l.ID
		}
	}
	return first
}

// findLot reads a scan: a lot code of the site, or a GS1 barcode whose
// GTIN and lot name a lot (the supplier's label on a sack). It returns the
// lot, the net weight the label carries (zero when none), and a message
// for the operator when no lot matches.
func (ui *UI) findLot(ctx context.Context, site forkline.ID, loc *time.Location, raw string) (inventory.Lot, forkline.Quantity, string, error) {
	raw = strings.TrimSpace(raw)
	l, err := ui.cfg.Inventory.LotByCode(ctx, site, raw)
	if err == nil {
		return l, forkline.Quantity{}, "", nil
	} else if forkline.ErrorCode(err) != forkline.NotFound {
		return l, forkline.Quantity{}, "", err
	}
	d, perr := gs1.Parse(raw, ui.today(loc))
	if perr != nil || d.Lot == "" {
		return l, forkline.Quantity{}, fmt.Sprintf("No lot %q on this site. Scan the lot label again, or type the lot code printed on it.", raw), nil
	}
	var weight forkline.Quantity
	if d.HasNetWeight {
		weight = d.NetWeight
	}
	// Our own labels carry our lot code in AI (10).
	if l, err := ui.cfg.Inventory.LotByCode(ctx, site, d.Lot); err == nil {
		return l, weight, "", nil
	} else if forkline.ErrorCode(err) != forkline.NotFound {
		return l, weight, "", err
	}
	gtin := cmpOr(d.GTIN, d.ContentGTIN)
	if gtin == "" {
		return l, weight, fmt.Sprintf("No lot %s on this site.", d.Lot), nil
	}
	it, err := ui.cfg.Inventory.ItemByGTIN(ctx, site, gtin)
	if forkline.ErrorCode(err) == forkline.NotFound {
		return l, weight, fmt.Sprintf("No item on this site has GTIN %s: this is not a material Forkline knows.", gtin), nil
	} else if err != nil {
		return l, weight, "", err
	}
	lots, err := ui.cfg.Inventory.Lots(ctx, inventory.LotFilter{SiteIDs: []forkline.ID{site}, ItemID: it.ID, SupplierLot: d.Lot, Limit: 20})
	if err != nil {
		return l, weight, "", err
	}
	var stocked []inventory.LotSummary
	for _, s := range lots {
		if s.OnHand.Sign() > 0 {
			stocked = append(stocked, s)
		}
	}
	switch {
	case len(lots) == 0:
		return l, weight, fmt.Sprintf("%s lot %s was never received on this site. Ask the warehouse to receive it first.", it.Name, d.Lot), nil
	case len(stocked) == 1:
		return stocked[0].Lot, weight, "", nil
	case len(stocked) == 0:
		return lots[0].Lot, weight, "", nil
	}
	return l, weight, fmt.Sprintf("Supplier lot %s of %s was received more than once: scan the Forkline lot label instead.", d.Lot, it.Name), nil
}

// refuse marks the scanned lot refused, for the answer to show.
func refuse(sf *scanForm, fb *feedback) (*scanForm, *feedback, error) {
	sf.Refused = true
	return sf, fb, nil
}

// readLotScan reads a scanned lot into the add form and checks what the
// terminal can check before anything is booked: the lot's item is in this
// step of the recipe, the lot may be used, and it is the first to expire.
// The service checks all of it again, and the quantity, when it is added.
func (ui *UI) readLotScan(ctx context.Context, v visit, o production.Order, step int, raw, quantity string) (*scanForm, *feedback, error) {
	sf := &scanForm{Step: step, FocusScan: true, Key: newKey()}
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return sf, &feedback{Kind: "error", Title: "Nothing scanned", Message: "Scan the lot label, or type the lot code, then press Enter."}, nil
	}
	loc := v.siteLoc(o.SiteID)
	lot, weight, miss, err := ui.findLot(ctx, o.SiteID, loc, raw)
	if err != nil {
		return nil, nil, err
	}
	if miss != "" {
		return sf, &feedback{Kind: "error", Title: "Lot not found", Message: miss, Hint: "Scanned: " + raw}, nil
	}
	rec, err := ui.cfg.Production.BatchRecord(ctx, o.ID)
	if err != nil {
		return nil, nil, err
	}
	d, err := ui.cfg.Inventory.Detail(ctx, lot.ID)
	if err != nil {
		return nil, nil, err
	}
	today := ui.today(loc)
	sl := &scannedLot{ID: lot.ID, Code: lot.Code, Item: d.Item.Name, ItemCode: d.Item.Code, Status: lotStatus(lot.Status), Expiry: expiry(lot.Expiry, today)}
	sf.Lot = sl
	var targets []production.Target
	for _, m := range rec.Materials {
		targets = append(targets, m.Target)
	}
	i, sub, ok := production.MatchIngredient(targets, lot.ItemID)
	if !ok {
		var need []string
		for _, m := range rec.Materials {
			if m.Status != "ok" {
				need = append(need, m.ItemName)
			}
		}
		msg := fmt.Sprintf("Lot %s is %s, which this recipe does not use. Put it back", lot.Code, d.Item.Name)
		if len(need) > 0 {
			msg += " and scan a lot of " + strings.Join(need, ", ")
		}
		return refuse(sf, &feedback{Kind: "error", Title: "Wrong material: do not add it", Message: msg + "."})
	}
	m := rec.Materials[i]
	if sub {
		sl.For = m.ItemName + " (allowed substitute)"
	}
	var steps []int
	for n, st := range rec.Recipe.Steps {
		if slices.Contains(st.Additions, m.ItemID) {
			steps = append(steps, n+1)
		}
	}
	if len(steps) > 0 && !slices.Contains(steps, step) {
		fb := &feedback{Kind: "error", Title: "Not in this step",
			Message: fmt.Sprintf("%s is added in step %d, not in step %d.", m.ItemName, steps[0], step)}
		fb.Link = &navLink{Label: fmt.Sprintf("Go to step %d", steps[0]), URL: fmt.Sprintf("/terminal/orders/%s?step=%d", o.ID, steps[0])}
		return refuse(sf, fb)
	}
	switch {
	case lot.Status != inventory.Released:
		return refuse(sf, &feedback{Kind: "error", Title: "Lot " + strings.ToLower(sl.Status.Label) + ": do not use it",
			Message: fmt.Sprintf("Lot %s is %s: %s Put it aside and scan another lot of %s.", lot.Code, strings.ToLower(sl.Status.Label), sl.Status.Help, m.ItemName)})
	case lot.ExpiredOn(today):
		return refuse(sf, &feedback{Kind: "error", Title: "Expired: do not use it",
			Message: fmt.Sprintf("Lot %s expired on %s. Put it aside for quality and scan another lot of %s.", lot.Code, sl.Expiry.Date, m.ItemName)})
	case len(d.Balances) == 0:
		return refuse(sf, &feedback{Kind: "error", Title: "No stock",
			Message: fmt.Sprintf("Lot %s has no stock left in Forkline. If you hold some, ask the warehouse to count it.", lot.Code)})
	}
	// The location: where the lot has stock; the largest stock first.
	bs := slices.Clone(d.Balances)
	slices.SortStableFunc(bs, func(a, b inventory.Balance) int {
		c, _ := b.Quantity.Cmp(a.Quantity)
		return c
	})
	sr, err := ui.siteRefs(ctx, o.SiteID)
	if err != nil {
		return nil, nil, err
	}
	sf.Location = formField{Name: "location", Label: "Taken from", Type: "select", Value: bs[0].LocationID}
	sf.Location.Options = stockOptions(ctx, bs, sr, bs[0].LocationID)
	var stock []string
	for _, b := range bs {
		stock = append(stock, qty(b.Quantity)+" at "+sr.locations.code(ctx, b.LocationID))
	}
	sl.Stock = strings.Join(stock, ", ")
	// The quantity: what was typed, else the label's net weight when it
	// does not exceed what is still needed, else what is still needed.
	rem := forkline.QuantityFromMicros(max(m.Target.Target.Micros()-m.Added.Micros(), 0), m.Target.Target.Unit)
	amount, unit := strings.TrimSpace(quantity), string(d.Item.BaseUnit)
	if amount == "" {
		amount = rem.Decimal()
		if d.Item.BaseUnit == rem.Unit || sub {
			unit = string(rem.Unit)
		}
		if weight.Sign() > 0 {
			if c, err := weight.Cmp(rem); err == nil && c <= 0 {
				amount, unit = weight.Decimal(), string(weight.Unit)
			}
		}
	}
	sf.Quantity = formField{Name: "quantity", Label: "Quantity", Type: "decimal", Value: amount}
	sf.Unit = formField{Name: "unit", Label: "Unit", Type: "select", Value: unit, Options: unitOptions(unit)}
	sf.FocusScan, sf.CanAdd = false, true
	fb := &feedback{Kind: "ok", Title: "Lot " + lot.Code + " may be added",
		Message: fmt.Sprintf("%s: %s still needed (%s to %s in total).", m.ItemName, qty(rem), qty(m.Min), qty(m.Max)),
		Hint:    "Weigh it, check the quantity, then press Add."}
	if sub {
		fb.Message = d.Item.Name + " stands in for " + fb.Message
	}
	// FEFO: another lot of the item expires first.
	if sugg, _, err := ui.cfg.Inventory.FEFO(ctx, inventory.FEFOInput{SiteID: o.SiteID, ItemID: lot.ItemID, Quantity: forkline.QuantityFromMicros(1, d.Item.BaseUnit)}); err != nil {
		return nil, nil, err
	} else if len(sugg) > 0 && production.OutOfFEFO(prodLot(lot), prodLot(sugg[0].Lot)) {
		first := sugg[0]
		fb = &feedback{Kind: "warn", Title: "Use lot " + first.Code + " first",
			Message: fmt.Sprintf("Lot %s expires on %s, before lot %s (%s). Take lot %s from %s and scan it instead.", first.Code, formatDay(first.Expiry),
				lot.Code, sl.Expiry.Date, first.Code, first.LocationCode),
			Hint: "Only a supervisor may accept this lot out of order, with a reason."}
		// The cursor stays in the scan field, for the lot to take instead.
		sf.CanAdd, sf.FocusScan = false, true
		sf.Override = ui.overrideForm(v, o.SiteID, fmt.Sprintf("Use lot %s before lot %s, which expires first.", lot.Code, first.Code), nil)
	}
	return sf, fb, nil
}

func prodLot(l inventory.Lot) production.Lot {
	return production.Lot{ID: l.ID, SiteID: l.SiteID, ItemID: l.ItemID, Code: l.Code, Status: string(l.Status), Expiry: l.Expiry}
}

func (ui *UI) overrideForm(v visit, site forkline.ID, what string, posted url.Values) *overrideForm {
	get := func(k string) string {
		if posted == nil {
			return ""
		}
		return posted.Get(k)
	}
	of := &overrideForm{What: what, NeedBadge: !v.can(forkline.PermProductionOverride, site)}
	of.Reason = formField{Name: "override-reason", Label: "Supervisor's reason", Type: "text", Value: get("override-reason"),
		Placeholder: "e.g. last sack of the lot, weighed twice"}
	if of.NeedBadge {
		of.Badge = formField{Name: "supervisor-badge", Label: "Supervisor's badge", Type: "text"}
		of.PIN = formField{Name: "supervisor-pin", Label: "PIN", Type: "password"}
	}
	return of
}

func (ui *UI) handleAdd() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		v, err := ui.visit(w, r)
		if err == nil {
			err = parseForm(w, r)
		}
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		o, err := ui.cfg.Production.Order(ctx, r.PathValue("id"))
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		f := r.PostForm
		step, _ := strconv.Atoi(f.Get("step"))
		action, scan, amount := f.Get("action"), strings.TrimSpace(f.Get("scan")), strings.TrimSpace(f.Get("quantity"))
		// A scanner fires into whichever field has the cursor: a scan that
		// lands in the quantity field is read as a scan.
		if scan == "" && amount != "" && action != "override" {
			if _, err := forkline.ParseDecimal(strings.ReplaceAll(amount, ",", ".")); err != nil && strings.ContainsAny(amount, "-()0123456789") && len(amount) > 5 {
				scan, amount = amount, ""
			}
		}
		show := func(status int, rf *runForm) {
			rf.step = strconv.Itoa(step)
			p, err := ui.runPage(w, r, v, o.ID, rf)
			if err != nil {
				ui.fail(w, r, err)
				return
			}
			ui.render(w, r, status, "terminal-order", p)
		}
		// A scan in the field is read first, never booked unseen: even when
		// Enter would accept a supervisor's decision, a new scan replaces it.
		if action == "scan" || scan != "" {
			keep := ""
			if f.Get("lot") == "" {
				keep = amount // typed before the scan
			}
			sf, fb, err := ui.readLotScan(ctx, v, o, step, scan, keep)
			if err != nil {
				ui.fail(w, r, err)
				return
			}
			st := http.StatusOK
			if fb.Kind == "error" {
				st = http.StatusUnprocessableEntity
			}
			show(st, &runForm{scan: sf, feedback: fb})
			return
		}
		lotID := f.Get("lot")
		if lotID == "" {
			show(http.StatusUnprocessableEntity, &runForm{feedback: &feedback{Kind: "error", Title: "Scan the lot first",
				Message: "Scan the label of the lot you are adding, then enter the quantity."}})
			return
		}
		// Back to the form with the lot as read, what was entered, and why
		// it was refused; with the supervisor's decision when one may take it.
		again := func(status int, fb *feedback, override bool) {
			sf, pre, err := ui.readLotScan(ctx, v, o, step, lotCodeOf(ctx, ui, lotID), "")
			if err != nil {
				ui.fail(w, r, err)
				return
			}
			if sf.Lot != nil && pre.Kind != "error" {
				sf.Quantity.Value = f.Get("quantity")
				if u := f.Get("unit"); u != "" {
					sf.Unit.Value, sf.Unit.Options = u, unitOptions(u)
				}
				if l := f.Get("location"); l != "" {
					sf.Location.Value = l
					for i := range sf.Location.Options {
						sf.Location.Options[i].Selected = sf.Location.Options[i].Value == l
					}
				}
				switch {
				case override:
					sf.Override = ui.overrideForm(v, o.SiteID, fb.Message, f)
				case sf.Override != nil:
					sf.Override = ui.overrideForm(v, o.SiteID, sf.Override.What, f)
				}
				sf.CanAdd = sf.Override == nil
				sf.FocusScan = false
			}
			show(status, &runForm{scan: sf, feedback: fb})
		}
		q, qErr, uErr := parseQty(amount, f.Get("unit"), "Quantity")
		if qErr != "" || uErr != "" {
			again(http.StatusUnprocessableEntity, &feedback{Kind: "error", Title: "Check the quantity", Message: strings.TrimSpace(qErr + " " + uErr)}, false)
			return
		}
		in := production.AdditionInput{OrderID: o.ID, LotID: lotID, LocationID: f.Get("location"), Quantity: q, IdempotencyKey: f.Get("key")}
		actx := ctx
		if action == "override" {
			in.OverrideReason = strings.TrimSpace(f.Get("override-reason"))
			if in.OverrideReason == "" {
				again(http.StatusUnprocessableEntity, &feedback{Kind: "error", Title: "Give the reason",
					Message: "A supervisor accepts this only with a reason: it goes into the batch record."}, true)
				return
			}
			if !v.can(forkline.PermProductionOverride, o.SiteID) {
				badge, pin := strings.TrimSpace(f.Get("supervisor-badge")), f.Get("supervisor-pin")
				if badge == "" || pin == "" {
					again(http.StatusUnprocessableEntity, &feedback{Kind: "error", Title: "A supervisor must confirm",
						Message: "The supervisor scans their badge and enters their PIN here."}, true)
					return
				}
				if actx, err = ui.supervisorContext(ctx, badge, pin, o.SiteID); err != nil {
					if c := forkline.ErrorCode(err); c == forkline.Internal {
						ui.fail(w, r, err)
						return
					}
					again(http.StatusForbidden, &feedback{Kind: "error", Title: "Not accepted", Message: forkline.ErrorMessage(err)}, true)
					return
				}
			}
		}
		in.Step = ui.additionStep(ctx, o, lotID, step)
		add, err := ui.cfg.Production.AddMaterial(actx, in)
		if err != nil {
			code := forkline.ErrorCode(err)
			if code != forkline.Invalid && code != forkline.Conflict && code != forkline.Forbidden {
				ui.fail(w, r, err)
				return
			}
			ui.changed(o.LineID) // a refusal by the ledger is recorded on the order
			overridable := errors.Is(err, production.ErrOutOfTolerance) || errors.Is(err, production.ErrOutOfFEFO)
			fb := &feedback{Kind: "error", Title: "Not added", Message: forkline.ErrorMessage(err)}
			if overridable {
				fb.Title = "Not added: a supervisor must decide"
			}
			again(status(code), fb, overridable)
			return
		}
		ui.changed(o.LineID)
		msg := fmt.Sprintf("Added %s of lot %s.", add.Entered, add.LotCode)
		if rec, err := ui.cfg.Production.BatchRecord(ctx, o.ID); err == nil {
			for _, m := range rec.Materials {
				if m.ItemID == add.IngredientItemID {
					msg += fmt.Sprintf(" %s: %s of %s", m.ItemName, qty(m.Added), qty(m.Target.Target))
					if m.Status == "ok" {
						msg += ", complete."
					} else {
						msg += fmt.Sprintf(", %s more needed.", qty(forkline.QuantityFromMicros(max(m.Min.Micros()-m.Added.Micros(), 0), m.Min.Unit)))
					}
				}
			}
		}
		if len(add.Overrides) > 0 {
			msg += " Accepted by " + add.Overrides[0].ActorName + ": " + add.Overrides[0].Reason
		}
		ui.redirect(w, r, fmt.Sprintf("/terminal/orders/%s?step=%d", o.ID, step), msg)
	})
}

// lotCodeOf returns a lot's code, for reading it again.
func lotCodeOf(ctx context.Context, ui *UI, id forkline.ID) string {
	l, err := ui.cfg.Inventory.Lot(ctx, id)
	if err != nil {
		return id
	}
	return l.Code
}

// additionStep is the step to record an addition in: the step on screen
// when it adds the lot's ingredient, else none.
func (ui *UI) additionStep(ctx context.Context, o production.Order, lotID forkline.ID, step int) int {
	rec, err := ui.cfg.Production.BatchRecord(ctx, o.ID)
	if err != nil || step < 1 || step > len(rec.Recipe.Steps) {
		return 0
	}
	l, err := ui.cfg.Inventory.Lot(ctx, lotID)
	if err != nil {
		return 0
	}
	var targets []production.Target
	for _, m := range rec.Materials {
		targets = append(targets, m.Target)
	}
	i, _, ok := production.MatchIngredient(targets, l.ItemID)
	if !ok || !slices.Contains(rec.Recipe.Steps[step-1].Additions, targets[i].ItemID) {
		return 0
	}
	return step
}

func (ui *UI) handleReading() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		v, err := ui.visit(w, r)
		if err == nil {
			err = parseForm(w, r)
		}
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		o, err := ui.cfg.Production.Order(ctx, r.PathValue("id"))
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		f := r.PostForm
		step, _ := strconv.Atoi(f.Get("step"))
		name, text := f.Get("parameter"), strings.TrimSpace(strings.ReplaceAll(f.Get("value"), ",", "."))
		key := paramKey(step, name)
		refuse := func(st int, msg string) {
			rf := &runForm{step: strconv.Itoa(step), param: map[string]paramInput{key: {value: f.Get("value"), err: msg}},
				feedback: &feedback{Kind: "error", Title: "Not recorded", Message: msg}}
			p, err := ui.runPage(w, r, v, o.ID, rf)
			if err != nil {
				ui.fail(w, r, err)
				return
			}
			ui.render(w, r, st, "terminal-order", p)
		}
		if text == "" {
			refuse(http.StatusUnprocessableEntity, "Enter the value you read, e.g. 72.5.")
			return
		}
		val, err := production.ParseDecimal(text)
		if err != nil {
			refuse(http.StatusUnprocessableEntity, "Enter the value as a number, e.g. 72.5.")
			return
		}
		rd, dev, err := ui.cfg.Production.RecordParameter(ctx, production.ReadingInput{OrderID: o.ID, Step: step, Parameter: name, Value: val, Note: f.Get("note")})
		if err != nil {
			code := forkline.ErrorCode(err)
			if code != forkline.Invalid && code != forkline.Conflict {
				ui.fail(w, r, err)
				return
			}
			refuse(status(code), forkline.ErrorMessage(err))
			return
		}
		ui.changed(o.LineID)
		to := fmt.Sprintf("/terminal/orders/%s?step=%d", o.ID, step)
		switch {
		case dev == nil:
			ui.redirect(w, r, to, fmt.Sprintf("%s %s recorded: within %s.", rd.Parameter, withUnit(rd.Value, rd.Unit), limits(rd.Min, rd.Max, rd.Unit)))
		case dev.Critical:
			ui.setFlash(w, "danger", "Critical limit missed: "+dev.Description+" Stop and call your supervisor and quality now. The batch cannot be released until quality closes this deviation.")
			http.Redirect(w, r, to, http.StatusSeeOther)
		default:
			ui.setFlash(w, "warn", "Deviation: "+dev.Description+" Tell your supervisor; it is in the batch record for quality to review.")
			http.Redirect(w, r, to, http.StatusSeeOther)
		}
	})
}

func (ui *UI) handleOutput() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		v, err := ui.visit(w, r)
		if err == nil {
			err = parseForm(w, r)
		}
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		o, err := ui.cfg.Production.Order(ctx, r.PathValue("id"))
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		f := r.PostForm
		var p problems
		q, qErr, uErr := parseQty(f.Get("out-quantity"), f.Get("out-unit"), "Quantity")
		addIf(&p, "out-quantity", qErr)
		addIf(&p, "out-unit", uErr)
		if f.Get("out-location") == "" {
			p.add("out-location", "Choose where the output is put away.")
		}
		if !p.any() {
			out, err := ui.cfg.Production.RecordOutput(ctx, production.OutputInput{OrderID: o.ID, LocationID: f.Get("out-location"), Quantity: q, IdempotencyKey: f.Get("key")})
			if err == nil {
				ui.changed(o.LineID)
				ui.redirect(w, r, "/terminal/orders/"+o.ID+"?step=finish",
					fmt.Sprintf("Output booked: lot %s, %s. Label it with the lot code; it stays in quarantine until quality releases the batch.", out.LotCode, qty(out.Quantity)))
				return
			}
			if _, ok := refusal(err, map[string]string{"quantity": "out-quantity", "locationId": "out-location"}, &p); !ok {
				ui.fail(w, r, err)
				return
			}
		}
		rf := &runForm{step: "finish", output: f, outErr: p.fields,
			feedback: &feedback{Kind: "error", Title: "Output not booked", Message: strings.Join(append(p.general, flatten(p.fields)...), " ")}}
		page, err := ui.runPage(w, r, v, o.ID, rf)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		ui.render(w, r, http.StatusUnprocessableEntity, "terminal-order", page)
	})
}

func flatten(m map[string][]string) []string {
	var out []string
	for _, k := range []string{"out-quantity", "out-unit", "out-location"} {
		out = append(out, m[k]...)
	}
	return out
}

func (ui *UI) handleComplete() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		v, err := ui.visit(w, r)
		if err == nil {
			err = parseForm(w, r)
		}
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		o, err := ui.cfg.Production.Order(ctx, r.PathValue("id"))
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		done, err := ui.cfg.Production.ChangeState(ctx, production.StateInput{OrderID: o.ID, To: production.Completed})
		if err != nil {
			code := forkline.ErrorCode(err)
			if code != forkline.Invalid && code != forkline.Conflict {
				ui.fail(w, r, err)
				return
			}
			page, perr := ui.runPage(w, r, v, o.ID, &runForm{step: "finish", feedback: &feedback{Kind: "error", Title: "Not completed", Message: forkline.ErrorMessage(err)}})
			if perr != nil {
				ui.fail(w, r, perr)
				return
			}
			ui.render(w, r, status(code), "terminal-order", page)
			return
		}
		ui.changed(o.LineID)
		msg := fmt.Sprintf("Order %s completed", done.Number)
		if done.Yield.Percent != "" {
			msg += fmt.Sprintf(": %s made, yield %s%%", qty(done.Yield.Actual), done.Yield.Percent)
		}
		ui.redirect(w, r, "/terminal/lines/"+o.LineID, msg+". The batch waits for quality's release.")
	})
}
