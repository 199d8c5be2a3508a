package web

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/production"
)

// The electronic batch record: review by exception. The reviewer sees what
// needs a decision first (deviations, overrides, quantities outside
// tolerance, missing values, refused additions), then every material and
// lot against its target, every parameter against its limits, who did what
// and when, and the signatures. Quality releases the batch with an
// electronic signature; a batch with an open critical deviation is refused.

// recordView is a batch record as the page, the print and the PDF show it.
type recordView struct {
	ID, Number, Item, ItemCode string
	Site                       string
	State                      stateView
	StateKey                   string
	Released                   *sigView
	Intact                     bool   // the record still hashes to what the release signed
	Hash                       string // of the record as it is now
	Facts                      []detailRow
	Exceptions                 []exceptionRow
	OpenExceptions             int
	Materials                  []recMaterial
	Refused                    []recAddition
	Params                     []recParam
	Deviations                 []devRow
	Outputs                    []recOutput
	Timeline                   []timelineRow
	Signatures                 []sigView
	Printed                    string
}

type exceptionRow struct {
	Kind, Badge string
	Critical    bool
	Open        bool
	State       string // "Open: needs action", "Closed" or "For review"
	Message     string
	When        string
}

type recMaterial struct {
	Code, Name                 string
	Target, Limits, Tolerance  string
	Added, StatusLabel, Status string
	Additions                  []recAddition
}

type recAddition struct {
	LotURL, Lot, Entered, Counted string
	Substitute                    bool
	Who, When, Refusal            string
	Overrides                     []string
}

type recParam struct {
	Step                int
	Name, Target        string
	Limits              string
	CCP                 bool
	Readings            []recReading
	Missing, OutOfLimit bool
}

type recReading struct {
	Value, Who, When string
	InLimits         bool
}

type devRow struct {
	ID, Order, OrderURL string
	Critical, Open      bool
	Description         string
	RaisedBy, RaisedAt  string
	Closure             *sigView
	ClosureReason       string
	Close               *signForm
}

type recOutput struct {
	LotURL, Lot, Quantity, Who, When string
}

type timelineRow struct {
	When, Who, What string
	at              time.Time
}

type sigView struct {
	What, Signer, Meaning, When, Hash string
}

var exceptionKinds = map[production.ExceptionKind]string{
	production.ExceptionRecipeChanged: "Recipe changed",
	production.ExceptionDeviation:     "Deviation",
	production.ExceptionOverride:      "Override",
	production.ExceptionTolerance:     "Out of tolerance",
	production.ExceptionMissingValue:  "Value missing",
	production.ExceptionRefused:       "Refused addition",
	production.ExceptionPending:       "Not booked yet",
}

// recordAt writes a time in a batch record: to the second, with the zone.
func recordAt(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(loc).Format("2 Jan 2006, 15:04:05 MST")
}

func (ui *UI) recordView(rec production.BatchRecord, siteName string, loc *time.Location) recordView {
	o := rec.Order
	rv := recordView{ID: o.ID, Number: o.Number, Item: rec.Product.Name, ItemCode: rec.Product.Code, Site: siteName, State: orderState(o.State), StateKey: string(o.State),
		Hash: production.RecordHash(rec), Printed: recordAt(ui.cfg.Now(), loc)}
	at := func(t time.Time) string { return recordAt(t, loc) }
	fact := func(label, value string) { rv.Facts = append(rv.Facts, detailRow{Label: label, Value: value}) }
	fact("Product", rec.Product.Code+" · "+rec.Product.Name)
	fact("Line", rec.Line.Code+" · "+rec.Line.Name)
	if o.Frozen() {
		fact("Recipe", fmt.Sprintf("%s version %d, content %s", rec.Recipe.RecipeCode, rec.Recipe.Number, shortHash(o.ContentHash)))
	}
	fact("Planned quantity", qty(o.PlannedQuantity))
	fact("Started", at(o.StartedAt))
	fact("Completed", at(o.CompletedAt))
	fact("Yield", yieldText(rec.Yield))
	if o.ERPRef != "" {
		fact("ERP reference", o.ERPRef)
	}
	if sig := o.BatchRelease; sig != nil {
		rv.Released = &sigView{What: "Batch release", Signer: sig.SignerName, Meaning: sig.Meaning, When: at(sig.SignedAt), Hash: shortHash(sig.ContentHash)}
		rv.Intact = sig.ContentHash == rv.Hash && rec.RecipeFresh
	}
	for _, e := range rec.Exceptions {
		row := exceptionRow{Kind: exceptionKinds[e.Kind], Critical: e.Critical, Open: e.Open, Message: e.Message, State: "For review"}
		switch {
		case e.Open:
			row.State = "Open: needs action"
		case e.Kind == production.ExceptionDeviation:
			row.State = "Closed"
		}
		if !e.At.IsZero() {
			row.When = at(e.At)
		}
		switch {
		case e.Critical && e.Open:
			row.Badge = "danger"
		case e.Open || e.Kind == production.ExceptionTolerance || e.Kind == production.ExceptionOverride:
			row.Badge = "warn"
		default:
			row.Badge = "neutral"
		}
		if e.Open {
			rv.OpenExceptions++
		}
		rv.Exceptions = append(rv.Exceptions, row)
	}
	addition := func(a production.Addition) recAddition {
		ra := recAddition{LotURL: "/lots/" + a.LotID, Lot: a.LotCode, Entered: a.Entered.String(), Counted: qty(a.Quantity), Substitute: a.Substitute,
			Who: a.ActorName, When: at(a.At), Refusal: a.Refusal}
		for _, ov := range a.Overrides {
			ra.Overrides = append(ra.Overrides, fmt.Sprintf("%s override by %s: %s Reason: %s", ov.Kind, ov.ActorName, ov.Detail, ov.Reason))
		}
		return ra
	}
	for _, m := range rec.Materials {
		rm := recMaterial{Code: m.ItemCode, Name: m.ItemName, Target: qty(m.Target.Target), Limits: qty(m.Min) + " – " + qty(m.Max),
			Tolerance: "± " + m.Tolerance.String() + "%", Added: qty(m.Added), Status: m.Status}
		rm.StatusLabel = map[string]string{"ok": "Within tolerance", "under": "Below limits", "over": "Above limits"}[m.Status]
		for _, a := range m.Additions {
			rm.Additions = append(rm.Additions, addition(a))
		}
		rv.Materials = append(rv.Materials, rm)
	}
	for _, a := range rec.Refused {
		rv.Refused = append(rv.Refused, addition(a))
	}
	for _, pl := range rec.Parameters {
		p := pl.Parameter
		rp := recParam{Step: pl.Step, Name: p.Name, Target: withUnit(p.Target, p.Unit), Limits: limits(p.Min, p.Max, p.Unit), CCP: p.CCP, Missing: len(pl.Readings) == 0}
		for _, rd := range pl.Readings {
			rp.Readings = append(rp.Readings, recReading{Value: withUnit(rd.Value, rd.Unit), InLimits: rd.InLimits, Who: rd.ActorName, When: at(rd.At)})
			if !rd.InLimits {
				rp.OutOfLimit = true
			}
		}
		rv.Params = append(rv.Params, rp)
	}
	for _, d := range rec.Deviations {
		rv.Deviations = append(rv.Deviations, deviationRow(d, o, loc))
	}
	for _, out := range rec.Outputs {
		rv.Outputs = append(rv.Outputs, recOutput{LotURL: "/lots/" + out.LotID, Lot: out.LotCode, Quantity: qty(out.Quantity), Who: out.ActorName, When: at(out.At)})
	}
	// Who did what and when, in one timeline.
	tl := func(t time.Time, who, what string) {
		rv.Timeline = append(rv.Timeline, timelineRow{When: at(t), Who: who, What: what, at: t})
	}
	for _, h := range rec.History {
		what := "Order " + strings.ToLower(moved(h.From, h.To))
		if h.Reason != "" {
			what += ": " + h.Reason
		}
		tl(h.At, h.ActorName, what)
	}
	for _, m := range rec.Materials {
		for _, a := range m.Additions {
			tl(a.At, a.ActorName, fmt.Sprintf("Added %s of lot %s (%s)", a.Entered, a.LotCode, m.ItemCode))
		}
	}
	for _, a := range rec.Refused {
		tl(a.At, a.ActorName, fmt.Sprintf("Addition of %s of lot %s refused: %s", a.Entered, a.LotCode, a.Refusal))
	}
	for _, ov := range rec.Overrides {
		tl(ov.At, ov.ActorName, fmt.Sprintf("Accepted a %s override: %s", ov.Kind, ov.Reason))
	}
	for _, pl := range rec.Parameters {
		for _, rd := range pl.Readings {
			what := fmt.Sprintf("Recorded %s %s at step %d", rd.Parameter, withUnit(rd.Value, rd.Unit), rd.Step)
			if !rd.InLimits {
				what += ": outside the limits"
			}
			tl(rd.At, rd.ActorName, what)
		}
	}
	for _, out := range rec.Outputs {
		tl(out.At, out.ActorName, fmt.Sprintf("Booked output lot %s, %s", out.LotCode, qty(out.Quantity)))
	}
	for _, d := range rec.Deviations {
		if d.Closure != nil {
			tl(d.ClosedAt, d.Closure.SignerName, "Closed a deviation: "+d.ClosureReason)
		}
	}
	for _, s := range rec.Signatures {
		what := "Signed the batch release"
		if s.Entity == "deviation" {
			what = "Signed the closing of a deviation"
		}
		rv.Signatures = append(rv.Signatures, sigView{What: what, Signer: s.SignerName, Meaning: s.Meaning, When: at(s.SignedAt), Hash: shortHash(s.ContentHash)})
		if s.Entity == "batch_record" {
			tl(s.SignedAt, s.SignerName, "Released the batch ("+s.Meaning+")")
		}
	}
	slices.SortStableFunc(rv.Timeline, func(a, b timelineRow) int { return a.at.Compare(b.at) })
	return rv
}

func deviationRow(d production.Deviation, o production.Order, loc *time.Location) devRow {
	row := devRow{ID: d.ID, Order: o.Number, OrderURL: "/orders/" + o.ID + "/record", Critical: d.Critical, Open: d.Status == production.DeviationOpen,
		Description: d.Description, RaisedBy: d.RaisedBy, RaisedAt: recordAt(d.RaisedAt, loc), ClosureReason: d.ClosureReason}
	if c := d.Closure; c != nil {
		row.Closure = &sigView{What: "Closing", Signer: c.SignerName, Meaning: c.Meaning, When: recordAt(c.SignedAt, loc), Hash: shortHash(c.ContentHash)}
	}
	return row
}

// recordPage is the batch record page.
type recordPage struct {
	layout
	recordView
	PDFURL, OrderURL string
	Release          *signForm
	Blocked          string // why the batch cannot be released now
}

func (ui *UI) handleBatchRecord() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := ui.visit(w, r)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		p, err := ui.recordPage(w, r, v, r.PathValue("id"), nil)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		ui.render(w, r, http.StatusOK, "record", p)
	})
}

// signAttempt is a signature form that came back refused.
type signAttempt struct {
	form   string // the form's ID: "release" or "close-<deviation>"
	posted url.Values
	p      problems
}

func (a *signAttempt) value(form, key string) string {
	if a == nil || a.form != form {
		return ""
	}
	return a.posted.Get(key)
}

func (a *signAttempt) problems(form string) problems {
	if a == nil || a.form != form {
		return problems{}
	}
	return a.p
}

func (ui *UI) recordPage(w http.ResponseWriter, r *http.Request, v visit, id forkline.ID, att *signAttempt) (recordPage, error) {
	ctx := r.Context()
	rec, err := ui.cfg.Production.BatchRecord(ctx, id)
	if err != nil {
		return recordPage{}, err
	}
	o := rec.Order
	loc := v.siteLoc(o.SiteID)
	p := recordPage{recordView: ui.recordView(rec, siteName(v, o.SiteID), loc), PDFURL: "/orders/" + o.ID + "/record.pdf", OrderURL: "/orders/" + o.ID}
	back := "/orders/" + o.ID + "/record#deviations"
	if v.can(forkline.PermDeviationClose, o.SiteID) {
		for i, d := range p.Deviations {
			if d.Open {
				p.Deviations[i].Close = closeForm(d, back, v.user.DisplayName, att)
			}
		}
	}
	finished := o.State == production.Completed || o.State == production.Closed
	if o.BatchRelease == nil && finished && v.can(forkline.PermBatchRelease, o.SiteID) {
		if open := production.OpenCritical(rec.Deviations); len(open) > 0 {
			p.Blocked = fmt.Sprintf("This batch cannot be released: %d critical %s open. Investigate and close %s below first.", len(open),
				plural(len(open), "deviation is", "deviations are"), plural(len(open), "it", "them"))
		}
		if !rec.RecipeFresh {
			p.Blocked = forkline.ErrorMessage(production.ErrRecipeChanged)
		}
		if p.Blocked == "" || att != nil && att.form == "release" {
			pb := att.problems("release")
			f := newSignForm("release", "/orders/"+o.ID+"/release", "batch", cmpOr(v.user.DisplayName, v.actor.Name), pb, func(k string) string { return att.value("release", k) })
			f.Title, f.Submit = "Release the batch", "Sign and release batch "+o.Number
			f.Intro = fmt.Sprintf("Your signature releases the batch and its %d output %s for use and shipment. It is bound to this record as it is now (%s).",
				len(rec.Outputs), plural(len(rec.Outputs), "lot", "lots"), shortHash(p.Hash))
			if p.OpenExceptions > 0 {
				f.Intro += fmt.Sprintf(" %d %s above still %s open: review %s before you sign.", p.OpenExceptions,
					plural(p.OpenExceptions, "exception", "exceptions"), plural(p.OpenExceptions, "is", "are"), plural(p.OpenExceptions, "it", "them"))
			}
			f.Summary = strings.Join(pb.general, " ")
			f.Open = true
			p.Release = f
		}
	}
	p.layout = ui.layout(w, r, v, "Batch record "+o.Number)
	return p, nil
}

func closeForm(d devRow, back, signer string, att *signAttempt) *signForm {
	id := "close-" + d.ID
	pb := att.problems(id)
	f := newSignForm(id, "/deviations/"+d.ID+"/close", "deviation", signer, pb, func(k string) string { return att.value(id, k) })
	f.Title, f.Submit, f.Danger = "Close the deviation", "Sign and close", d.Critical
	f.Intro = "State what was found and what was done. Your signature closes the deviation; it is bound to the deviation and your reason."
	reason := pb.field(id+"-reason", "What was found and done", "textarea", att.value(id, id+"-reason"))
	reason.Required = true
	reason.Placeholder = "e.g. probe recalibrated; batch re-baked to 96 °C core, verified by QA"
	f.Reason = &reason
	f.Hidden = []formOption{{Value: "back", Label: back}}
	f.Summary = strings.Join(pb.general, " ")
	f.Open = att != nil && att.form == id
	return f
}

// signRefusal turns a refused signature into problems on its form: a wrong
// password, a missing meaning or reason, and the rules of what is signed.
func signRefusal(err error, form string, p *problems) (int, bool) {
	switch forkline.ErrorCode(err) {
	case forkline.Unauthorized, forkline.Forbidden, forkline.Unavailable:
		if fs := forkline.ErrorFields(err); len(fs) > 0 && fs[0].Field == "password" {
			p.add(form+"-password", "The password is wrong: nothing was signed.")
		} else {
			p.add("", forkline.ErrorMessage(err))
		}
		return http.StatusUnprocessableEntity, true
	}
	return refusal(err, signFields(form), p)
}

func (ui *UI) handleBatchRelease() http.Handler {
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
		meaning := knownMeaning("batch", f.Get("release-meaning"))
		sig, err := ui.cfg.Production.ReleaseBatch(r.Context(), production.ReleaseInput{OrderID: id, Password: f.Get("release-password"), Meaning: meaning})
		if err == nil {
			if o, oerr := ui.cfg.Production.Order(r.Context(), id); oerr == nil {
				ui.changed(o.LineID)
			}
			ui.redirect(w, r, "/orders/"+id+"/record", fmt.Sprintf("Batch released: signed by %s (%s). Its output lots are released for use and shipment.", sig.SignerName, sig.Meaning))
			return
		}
		att := &signAttempt{form: "release", posted: f}
		st, ok := signRefusal(err, "release", &att.p)
		if !ok {
			ui.fail(w, r, err)
			return
		}
		p, perr := ui.recordPage(w, r, v, id, att)
		if perr != nil {
			ui.fail(w, r, perr)
			return
		}
		ui.render(w, r, st, "record", p)
	})
}

// deviationsPage lists the deviations of the site's recent orders.
type deviationsPage struct {
	layout
	SiteName string
	ShowAll  bool
	OpenURL  string
	AllURL   string
	Rows     []devRow
	Scanned  int // how many orders were looked at
}

// deviationOrders is how many of the latest orders that ran the
// deviations page reads.
const deviationOrders = 60

func (ui *UI) handleDeviations() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := ui.visit(w, r)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		ui.deviationsPage(w, r, v, nil, http.StatusOK)
	})
}

func (ui *UI) deviationsPage(w http.ResponseWriter, r *http.Request, v visit, att *signAttempt, st int) {
	ctx := r.Context()
	site, err := v.productionSite(forkline.PermProductionRead)
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	all := r.URL.Query().Get("show") == "all"
	p := deviationsPage{SiteName: site.Name, ShowAll: all, OpenURL: "/deviations", AllURL: "/deviations?show=all"}
	rows, n, err := ui.siteDeviations(ctx, site.ID, v.siteLoc(site.ID))
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	p.Scanned = n
	canClose := v.can(forkline.PermDeviationClose, site.ID)
	for _, d := range rows {
		if !d.Open && !all {
			continue
		}
		if d.Open && canClose {
			d.Close = closeForm(d, "/deviations", v.user.DisplayName, att)
		}
		p.Rows = append(p.Rows, d)
	}
	p.layout = ui.layout(w, r, v, "Deviations")
	ui.render(w, r, st, "deviations", p)
}

// siteDeviations reads the deviations of the latest orders of a site that
// ran, open and critical first, then the newest.
func (ui *UI) siteDeviations(ctx context.Context, site forkline.ID, loc *time.Location) ([]devRow, int, error) {
	os, err := ui.cfg.Production.Orders(ctx, production.OrderFilter{SiteIDs: []forkline.ID{site},
		States: []production.State{production.InProgress, production.OnHold, production.Completed, production.Closed}, Limit: 500})
	if err != nil {
		return nil, 0, err
	}
	slices.SortStableFunc(os, func(a, b production.Order) int { return b.StartedAt.Compare(a.StartedAt) })
	if len(os) > deviationOrders {
		os = os[:deviationOrders]
	}
	type dev struct {
		row devRow
		at  time.Time
	}
	var ds []dev
	for _, o := range os {
		rec, err := ui.cfg.Production.BatchRecord(ctx, o.ID)
		if err != nil {
			return nil, 0, err
		}
		for _, d := range rec.Deviations {
			ds = append(ds, dev{deviationRow(d, o, loc), d.RaisedAt})
		}
	}
	slices.SortStableFunc(ds, func(a, b dev) int {
		if a.row.Open != b.row.Open {
			return boolFirst(a.row.Open)
		}
		if a.row.Critical != b.row.Critical {
			return boolFirst(a.row.Critical)
		}
		return cmp.Compare(b.at.UnixNano(), a.at.UnixNano())
	})
	out := make([]devRow, len(ds))
	for i, d := range ds {
		out[i] = d.row
	}
	return out, len(os), nil
}

func boolFirst(a bool) int {
	if a {
		return -1
	}
	return 1
}

func (ui *UI) handleDeviationClose() http.Handler {
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
		form := "close-" + id
		back := safeNext(f.Get("back"))
		d, err := ui.cfg.Production.CloseDeviation(r.Context(), production.CloseDeviationInput{DeviationID: id, Reason: f.Get(form + "-reason"),
			Password: f.Get(form + "-password"), Meaning: knownMeaning("deviation", f.Get(form+"-meaning"))})
		if err == nil {
			if o, oerr := ui.cfg.Production.Order(r.Context(), d.OrderID); oerr == nil {
				ui.changed(o.LineID)
			}
			ui.redirect(w, r, back, fmt.Sprintf("Deviation closed: signed by %s (%s).", d.Closure.SignerName, d.Closure.Meaning))
			return
		}
		att := &signAttempt{form: form, posted: f}
		st, ok := signRefusal(err, form, &att.p)
		if !ok {
			ui.fail(w, r, err)
			return
		}
		if strings.HasPrefix(back, "/orders/") {
			// Back on the batch record it was closed from.
			orderID := strings.TrimPrefix(back, "/orders/")
			orderID, _, _ = strings.Cut(orderID, "/")
			p, perr := ui.recordPage(w, r, v, orderID, att)
			if perr != nil {
				ui.fail(w, r, perr)
				return
			}
			ui.render(w, r, st, "record", p)
			return
		}
		ui.deviationsPage(w, r, v, att, st)
	})
}
