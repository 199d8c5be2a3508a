package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/inventory"
	"github.com/forkline/forkline/internal/plant"
)

// lotsPage lists the lots of the current site, newest first: a search by
// lot code, TLC or supplier lot, filters, and keyset paging.
type lotsPage struct {
	layout
	SiteName   string
	Query      string
	Status     string
	ItemID     string
	OnHandOnly bool
	Filtered   bool
	Statuses   []formOption
	Items      []formOption
	Rows       []lotRow
	From, To   int
	FirstURL   string
	NextURL    string
	ReceiveURL string
}

type lotRow struct {
	URL, Code, TLC        string
	ItemCode, ItemName    string
	Status                statusView
	OnHand                string
	Empty                 bool
	Expiry                expiryView
	SupplierLot, OrderRef string
	Origin, Date          string
}

func (ui *UI) handleLots() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		v, err := ui.visit(w, r)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		site, err := v.ledgerSite(forkline.PermInventoryRead)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		q := r.URL.Query()
		p := lotsPage{SiteName: site.Name, Query: strings.TrimSpace(q.Get("q")), Status: q.Get("status"), ItemID: q.Get("item"),
			OnHandOnly: q.Get("onhand") == "1"}
		if !slices.Contains(inventory.Statuses(), inventory.Status(p.Status)) {
			p.Status = ""
		}
		p.Filtered = p.Query != "" || p.Status != "" || p.ItemID != "" || p.OnHandOnly
		for _, o := range statusOptions() {
			p.Statuses = append(p.Statuses, formOption{Value: o.Value, Label: o.Label, Selected: o.Value == p.Status})
		}
		items, err := newRefs[plant.Item](ctx, ui.cfg.Plant.Items, site.ID)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		p.Items = items.options(p.ItemID, "Every item")
		f := inventory.LotFilter{SiteIDs: []forkline.ID{site.ID}, Search: p.Query, ItemID: p.ItemID, OnHandOnly: p.OnHandOnly,
			AfterID: q.Get("after"), Limit: pageSize + 1}
		if p.Status != "" {
			f.Statuses = []inventory.Status{inventory.Status(p.Status)}
		}
		lots, err := ui.cfg.Inventory.Lots(ctx, f)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		more := len(lots) > pageSize
		if more {
			lots = lots[:pageSize]
		}
		loc := v.siteLoc(site.ID)
		today := ui.today(loc)
		for _, l := range lots {
			row := lotRow{URL: "/lots/" + l.ID, Code: l.Code, TLC: l.TLC, ItemCode: l.ItemCode, ItemName: l.ItemName, Status: lotStatus(l.Status),
				OnHand: qty(l.OnHand), Empty: l.OnHand.Sign() <= 0, SupplierLot: l.SupplierLot, OrderRef: l.OrderRef}
			if row.Empty {
				// Nothing left: its expiry no longer needs anyone's attention.
				row.OnHand, row.Expiry = "none", expiryView{Date: cmpOr(formatDay(l.Expiry), "—")}
			} else {
				row.Expiry = expiry(l.Expiry, today)
			}
			if l.Origin == inventory.Produced {
				row.Origin, row.Date = "Produced", formatDay(l.ProducedOn)
			} else {
				row.Origin, row.Date = "Received", l.CreatedAt.In(loc).Format(dayFormat)
			}
			p.Rows = append(p.Rows, row)
		}
		from, _ := strconv.Atoi(q.Get("from"))
		from = max(from, 0)
		p.From, p.To = from+1, from+len(lots)
		keep := url.Values{}
		for k, val := range map[string]string{"q": p.Query, "status": p.Status, "item": p.ItemID} {
			if val != "" {
				keep.Set(k, val)
			}
		}
		if p.OnHandOnly {
			keep.Set("onhand", "1")
		}
		if q.Get("after") != "" {
			p.FirstURL = "/lots?" + keep.Encode()
		}
		if more {
			keep.Set("after", lots[len(lots)-1].ID)
			keep.Set("from", strconv.Itoa(p.To))
			p.NextURL = "/lots?" + keep.Encode()
		}
		if v.can(forkline.PermInventoryWrite, site.ID) {
			p.ReceiveURL = "/receive"
		}
		p.layout = ui.layout(w, r, v, "Lots")
		ui.render(w, r, http.StatusOK, "lots", p)
	})
}

// lotPage is one lot: what it is, where its stock is, its mass balance,
// every event of the ledger about it, and the actions the user may take.
type lotPage struct {
	layout
	ID, Code, ItemName string
	Origin             string
	Expired            string // the lot is past its expiry date and still has stock
	Status             statusView
	Props              []detailRow
	Stock              []stockRow
	StockTotal         string
	Balance            balanceView
	Events             []eventRow
	BackURL, ForthURL  string
	Move, Adjust, Ship *actionForm
	StatusForm         *statusForm
	Problem            string // why a form that is not shown was refused
}

// shows reports whether the page shows the form a refused post came from.
func (p lotPage) shows(form string) bool {
	switch form {
	case "move":
		return p.Move != nil
	case "adjust":
		return p.Adjust != nil
	case "ship":
		return p.Ship != nil
	case "status":
		return p.StatusForm != nil
	}
	return slices.ContainsFunc(p.Events, func(e eventRow) bool { return e.ID == form && e.CanCorrect })
}

type stockRow struct {
	Location, URL, Quantity string
}

// balanceView is a lot's mass balance: in = out + on hand + difference.
type balanceView struct {
	Rows       []balanceRow
	Difference string
	Balanced   bool
}

type balanceRow struct {
	Label, Value string
	Out          bool // subtracted from what came in
}

func massBalance(mb inventory.MassBalance, origin inventory.Origin) balanceView {
	in := "Received"
	if origin == inventory.Produced {
		in = "Produced"
	}
	return balanceView{Rows: []balanceRow{
		{Label: in, Value: qty(mb.In)},
		{Label: "Consumed", Value: qty(mb.Consumed), Out: true},
		{Label: "Shipped", Value: qty(mb.Shipped), Out: true},
		{Label: "Adjusted away", Value: qty(mb.Adjusted), Out: true},
		{Label: "On hand", Value: qty(mb.OnHand), Out: true},
	}, Difference: qty(mb.Difference), Balanced: mb.Difference.IsZero()}
}

// eventRow is one ledger event as people read it.
type eventRow struct {
	ID          string
	What, Badge string
	Quantity    string // as entered
	Base        string // in the item's base unit, when it differs
	Where       string
	Details     []detailRow
	Who         string
	When        stamp
	Booked      string // when it was booked, if long after it happened
	Reason      string
	Corrected   bool
	Correction  bool
	CanCorrect  bool
	Key         string
	Open        bool // the correction form is open: it came back with a problem
	Error       string
	ReasonValue string
}

// actionForm is one of the lot's forms: move, adjust or ship.
type actionForm struct {
	ID      string
	Title   string
	Help    string
	Action  string
	Submit  string
	Key     string
	Open    bool
	Summary string
	Fields  []formField
}

// statusForm holds, releases or rejects the lot with a reason.
type statusForm struct {
	Help    string
	Reason  string
	Error   string
	Open    bool
	Buttons []statusButton
}

type statusButton struct {
	Action, Label string
	Danger        bool
}

// lotAction is a form of the lot page that came back with problems.
type lotAction struct {
	form   string // move, adjust, ship, status or the ID of the event to correct
	posted url.Values
	p      problems
}

func (ui *UI) handleLot() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := ui.visit(w, r)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		p, err := ui.lotPage(w, r, v, r.PathValue("id"), nil)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		ui.render(w, r, http.StatusOK, "lot", p)
	})
}

func (ui *UI) lotPage(w http.ResponseWriter, r *http.Request, v visit, id forkline.ID, act *lotAction) (lotPage, error) {
	ctx := r.Context()
	d, err := ui.cfg.Inventory.Detail(ctx, id)
	if err != nil {
		return lotPage{}, err
	}
	l, site := d.Lot, d.Lot.SiteID
	sr, err := ui.siteRefs(ctx, site)
	if err != nil {
		return lotPage{}, err
	}
	loc := v.siteLoc(site)
	today := ui.today(loc)
	p := lotPage{ID: l.ID, Code: l.Code, ItemName: d.Item.Name, Status: lotStatus(l.Status),
		BackURL: "/lots/" + l.ID + "/trace?direction=backward", ForthURL: "/lots/" + l.ID + "/trace?direction=forward"}

	p.Props = append(p.Props, detailRow{Label: "Item", Value: d.Item.Code + " · " + d.Item.Name})
	tlc := detailRow{Label: "Traceability lot code", Value: l.TLC}
	if l.TLCSource != "" {
		tlc.Sub = "Assigned by " + l.TLCSource
	}
	p.Props = append(p.Props, tlc)
	if l.Origin == inventory.Produced {
		p.Origin = "Produced"
		made := detailRow{Label: "Made by order", Value: cmpOr(l.OrderRef, "—")}
		if line := sr.lines.label(ctx, l.LineID); line != "" {
			made.Sub = "on line " + line
		}
		p.Props = append(p.Props, made, detailRow{Label: "Production date", Value: cmpOr(formatDay(l.ProducedOn), "—")})
	} else {
		p.Origin = "Received"
		p.Props = append(p.Props, detailRow{Label: "Supplier", Value: cmpOr(sr.suppliers.label(ctx, l.SupplierID), "—")},
			detailRow{Label: "Supplier lot", Value: cmpOr(l.SupplierLot, "—")})
		if !l.ProducedOn.IsZero() {
			p.Props = append(p.Props, detailRow{Label: "Production date", Value: formatDay(l.ProducedOn)})
		}
	}
	exp := expiry(l.Expiry, today)
	if l.ExpiredOn(today) && len(d.Balances) > 0 {
		p.Expired = "It expired on " + exp.Date + ": it may not be used or shipped. Adjust it away as waste, or reject it."
	}
	p.Props = append(p.Props, detailRow{Label: "Quantity " + strings.ToLower(p.Origin), Value: qty(l.Quantity)},
		detailRow{Label: "Expiry date", Value: exp.Date, Sub: exp.Note})
	booked := ui.when(l.CreatedAt, loc)
	p.Props = append(p.Props, detailRow{Label: "Booked", Value: booked.At, Sub: booked.Ago})

	total := forkline.QuantityFromMicros(0, l.Quantity.Unit)
	for _, b := range d.Balances {
		p.Stock = append(p.Stock, stockRow{Location: sr.locations.label(ctx, b.LocationID), URL: "/locations/" + b.LocationID, Quantity: qty(b.Quantity)})
		total, _ = total.Add(b.Quantity)
	}
	p.StockTotal = qty(total)
	p.Balance = massBalance(inventory.ComputeMassBalance(l, d.Events, d.Balances), l.Origin)

	writer := v.can(forkline.PermInventoryWrite, site)
	corrected := map[forkline.ID]bool{}
	byID := map[forkline.ID]inventory.Event{}
	for _, e := range d.Events {
		byID[e.ID] = e
		if e.Kind == inventory.Correct {
			corrected[e.CorrectsID] = true
		}
	}
	for _, e := range d.Events {
		row := ui.eventRow(ctx, e, byID, sr, loc)
		row.Corrected = corrected[e.ID]
		perm := forkline.PermInventoryWrite
		if e.Kind == inventory.StatusChange {
			perm = forkline.PermLotRelease
		}
		row.CanCorrect = !row.Corrected && !row.Correction && v.can(perm, site)
		if row.CanCorrect {
			row.Key = newKey()
		}
		if act != nil && act.form == e.ID {
			row.Open, row.ReasonValue = true, act.posted.Get("reason")
			row.Error = strings.Join(append(act.p.general, act.p.fields["reason"]...), " ")
		}
		p.Events = append(p.Events, row)
	}
	slices.Reverse(p.Events) // newest first, as every history in Forkline

	stocked := d.Balances
	if writer {
		p.Move = ui.moveForm(ctx, l, d.Item, stocked, sr, act)
		p.Adjust = ui.adjustForm(ctx, l, d.Item, stocked, sr, act)
		if l.Status == inventory.Released && len(stocked) > 0 {
			p.Ship = ui.shipForm(ctx, l, d.Item, stocked, sr, act)
		}
	}
	p.StatusForm = statusActions(v, l, act)
	if act != nil && act.p.any() && !p.shows(act.form) {
		// The form is no longer offered (a held lot has no ship form): say
		// why on top of the page.
		var msgs []string
		for _, m := range act.p.fields {
			msgs = append(msgs, m...)
		}
		p.Problem = strings.Join(append(act.p.general, msgs...), " ")
	}
	p.layout = ui.layout(w, r, v, "Lot "+l.Code)
	return p, nil
}

var eventNames = map[inventory.EventKind]struct{ name, badge string }{
	inventory.Receive: {"Received", "info"},
	inventory.Produce: {"Produced", "info"},
	inventory.Move:    {"Moved", "neutral"},
	inventory.Consume: {"Consumed", "neutral"},
	inventory.Ship:    {"Shipped", "ok"},
	inventory.Adjust:  {"Adjusted", "warn"},
	inventory.Correct: {"Correction", "danger"},
}

func (ui *UI) eventRow(ctx context.Context, e inventory.Event, byID map[forkline.ID]inventory.Event, sr siteRefs, loc *time.Location) eventRow {
	row := eventRow{ID: e.ID, Who: e.ActorName, When: ui.when(e.EventTime, loc), Reason: e.Reason}
	if n, ok := eventNames[e.Kind]; ok {
		row.What, row.Badge = n.name, n.badge
	}
	if e.RecordedAt.Sub(e.EventTime) > 15*time.Minute {
		row.Booked = "booked " + e.RecordedAt.In(loc).Format("2 Jan 2006, 15:04")
	}
	row.Quantity = strings.Replace(e.Entered, "-", "−", 1)
	if base := qty(e.Quantity); e.Entered != "" && strings.TrimPrefix(e.Entered, "-") != e.Quantity.String() {
		row.Base = base
	}
	locLabel := func(id forkline.ID) string { return cmpOr(sr.locations.code(ctx, id), id) }
	doc := strings.TrimSpace(e.DocType + " " + e.DocNumber)
	add := func(label, value string) {
		if value != "" {
			row.Details = append(row.Details, detailRow{Label: label, Value: value})
		}
	}
	switch e.Kind {
	case inventory.Receive:
		row.Where = "into " + locLabel(e.LocationID)
		add("Supplier", sr.suppliers.label(ctx, e.SupplierID))
		add("Document", doc)
		if e.Temperature != "" {
			add("Temperature", e.Temperature+" °C")
		}
		if e.Reason != "" {
			row.Reason = "Override: " + e.Reason
		}
		if e.StatusTo != "" {
			add("Status", lotStatus(e.StatusTo).Label)
		}
	case inventory.Produce:
		row.Where = "into " + locLabel(e.LocationID)
		add("Order", e.OrderRef)
		add("Line", sr.lines.label(ctx, e.LineID))
	case inventory.Move:
		row.Where = "from " + locLabel(e.LocationID) + " to " + locLabel(e.ToLocationID)
	case inventory.Consume:
		row.Where = "from " + locLabel(e.LocationID)
		add("Order", e.OrderRef)
		add("Line", sr.lines.label(ctx, e.LineID))
	case inventory.Ship:
		row.Where = "from " + locLabel(e.LocationID)
		if c, ok := sr.customers.get(ctx, e.CustomerID); ok {
			add("Customer", c.Code+" · "+c.Name)
		}
		add("Ship-to", sr.shipTo(ctx, e.CustomerID, e.ShipToID))
		add("Document", doc)
	case inventory.Adjust:
		row.Where = "at " + locLabel(e.LocationID)
		if label, ok := adjustReasonLabels[inventory.AdjustReason(e.Reason)]; ok {
			row.What += ": " + label
			row.Reason = ""
		}
	case inventory.StatusChange:
		row.What, row.Badge = "Status: "+lotStatus(e.StatusFrom).Label+" → "+lotStatus(e.StatusTo).Label, lotStatus(e.StatusTo).Badge
		row.Quantity, row.Base = "", ""
	case inventory.Correct:
		row.Correction, row.Quantity, row.Base = true, "", ""
		if orig, ok := byID[e.CorrectsID]; ok {
			what := strings.ToLower(eventNames[orig.Kind].name)
			if orig.Kind == inventory.StatusChange {
				what = "status change to " + strings.ToLower(lotStatus(orig.StatusTo).Label)
			}
			row.What = "Correction of the " + cmpOr(what, string(orig.Kind))
			add("Undoes", strings.TrimSpace(strings.Replace(orig.Entered, "-", "−", 1)+" "+strings.ToLower(eventNames[orig.Kind].name)+" on "+
				orig.EventTime.In(loc).Format("2 Jan 2006, 15:04")))
		}
	}
	add("Note", e.Note)
	if e.Kind == inventory.Correct {
		row.Details = slices.DeleteFunc(row.Details, func(d detailRow) bool { return d.Label == "Note" })
	}
	return row
}

// stockOptions are the locations where the lot has stock, with how much.
func stockOptions(ctx context.Context, stock []inventory.Balance, sr siteRefs, selected string) []formOption {
	var out []formOption
	if len(stock) != 1 {
		out = append(out, formOption{Value: "", Label: "Choose…", Selected: selected == ""})
	}
	for _, b := range stock {
		l, _ := sr.locations.get(ctx, b.LocationID)
		label := cmpOr(l.Code, b.LocationID) + " · " + l.Name + " (" + qty(b.Quantity) + ")"
		out = append(out, formOption{Value: b.LocationID, Label: label, Selected: b.LocationID == selected || len(stock) == 1})
	}
	return out
}

// posted returns the value a form came back with, or def.
func (a *lotAction) value(form, name, def string) string {
	if a == nil || a.form != form {
		return def
	}
	return a.posted.Get(name)
}

func (a *lotAction) problems(form string) problems {
	if a == nil || a.form != form {
		return problems{}
	}
	return a.p
}

func (f *actionForm) finish(a *lotAction, p problems) *actionForm {
	f.Key = newKey()
	if a != nil && a.form == f.ID {
		f.Open = true
		if k := a.posted.Get("key"); k != "" {
			f.Key = k
		}
		if n := p.count(); n > 0 {
			f.Summary = strings.Join(p.general, " ")
			if f.Summary == "" {
				f.Summary = fmt.Sprintf("Nothing was booked: %d %s to fix.", n, plural(n, "problem", "problems"))
			}
		}
	}
	return f
}

func (ui *UI) moveForm(ctx context.Context, l inventory.Lot, it inventory.Item, stock []inventory.Balance, sr siteRefs, a *lotAction) *actionForm {
	if len(stock) == 0 {
		return nil
	}
	p := a.problems("move")
	from := p.field("move-from", "From", "select", a.value("move", "move-from", ""))
	from.Options, from.Required = stockOptions(ctx, stock, sr, from.Value), true
	to := p.field("move-to", "To", "select", a.value("move", "move-to", ""))
	to.Options, to.Required = sr.locations.options(to.Value, "Choose…"), true
	amount := p.field("move-quantity", "Quantity", "decimal", a.value("move", "move-quantity", ""))
	amount.Required = true
	amount.Half = true
	unit := p.field("move-unit", "Unit", "select", a.value("move", "move-unit", string(it.BaseUnit)))
	unit.Options, unit.Half = unitOptions(unit.Value), true
	note := p.field("move-note", "Note", "text", a.value("move", "move-note", ""))
	note.Wide, note.Placeholder = true, "Optional, e.g. to the line for order WO-1042"
	f := &actionForm{ID: "move", Title: "Move stock", Action: "/lots/" + l.ID + "/move", Submit: "Move",
		Fields: []formField{from, to, amount, unit, note}}
	return f.finish(a, p)
}

func (ui *UI) adjustForm(ctx context.Context, l inventory.Lot, it inventory.Item, stock []inventory.Balance, sr siteRefs, a *lotAction) *actionForm {
	p := a.problems("adjust")
	where := p.field("adjust-location", "Location", "select", a.value("adjust", "adjust-location", ""))
	where.Required = true
	if len(stock) > 0 {
		where.Options = stockOptions(ctx, stock, sr, where.Value)
	} else {
		where.Options = sr.locations.options(where.Value, "Choose…")
	}
	reason := p.field("adjust-reason", "Reason", "select", a.value("adjust", "adjust-reason", ""))
	reason.Required = true
	reason.Options = []formOption{{Value: "", Label: "Choose…", Selected: reason.Value == ""}}
	for _, ar := range inventory.AdjustReasons() {
		reason.Options = append(reason.Options, formOption{Value: string(ar), Label: adjustReasonLabels[ar], Selected: reason.Value == string(ar)})
	}
	dir := p.field("adjust-direction", "Change", "select", a.value("adjust", "adjust-direction", "remove"))
	dir.Options = []formOption{{Value: "remove", Label: "Take away", Selected: dir.Value != "add"},
		{Value: "add", Label: "Add (count correction only)", Selected: dir.Value == "add"}}
	amount := p.field("adjust-quantity", "Quantity", "decimal", a.value("adjust", "adjust-quantity", ""))
	amount.Required = true
	amount.Half = true
	unit := p.field("adjust-unit", "Unit", "select", a.value("adjust", "adjust-unit", string(it.BaseUnit)))
	unit.Options, unit.Half = unitOptions(unit.Value), true
	note := p.field("adjust-note", "Note", "text", a.value("adjust", "adjust-note", ""))
	note.Wide, note.Placeholder = true, "e.g. bag torn by the forklift"
	f := &actionForm{ID: "adjust", Title: "Adjust stock", Action: "/lots/" + l.ID + "/adjust", Submit: "Book adjustment",
		Help:   "Waste, samples and damage take stock away; a count correction may add or take.",
		Fields: []formField{where, reason, dir, amount, unit, note}}
	return f.finish(a, p)
}

func (ui *UI) shipForm(ctx context.Context, l inventory.Lot, it inventory.Item, stock []inventory.Balance, sr siteRefs, a *lotAction) *actionForm {
	p := a.problems("ship")
	to := p.field("ship-to", "Customer and ship-to", "select", a.value("ship", "ship-to", ""))
	to.Required, to.Wide = true, true
	to.Options = []formOption{{Value: "", Label: "Choose…", Selected: to.Value == ""}}
	for _, c := range sr.customers.sorted {
		if !c.Active {
			continue
		}
		for _, st := range c.ShipTos {
			v := c.ID + "|" + st.ID
			to.Options = append(to.Options, formOption{Value: v, Label: c.Name + " → " + st.Name + " (" + st.Code + ")", Selected: v == to.Value})
		}
	}
	from := p.field("ship-from", "From", "select", a.value("ship", "ship-from", ""))
	from.Options, from.Required = stockOptions(ctx, stock, sr, from.Value), true
	amount := p.field("ship-quantity", "Quantity", "decimal", a.value("ship", "ship-quantity", ""))
	amount.Required = true
	amount.Half = true
	unit := p.field("ship-unit", "Unit", "select", a.value("ship", "ship-unit", string(it.BaseUnit)))
	unit.Options, unit.Half = unitOptions(unit.Value), true
	docType := p.field("ship-doctype", "Document", "select", a.value("ship", "ship-doctype", "BOL"))
	docType.Options, docType.Required = docTypeOptions(docType.Value, "Choose…"), true
	docNo := p.field("ship-docnumber", "Document number", "text", a.value("ship", "ship-docnumber", ""))
	docNo.Required, docNo.Placeholder = true, "e.g. 20260302-07"
	f := &actionForm{ID: "ship", Title: "Ship to a customer", Action: "/lots/" + l.ID + "/ship", Submit: "Ship",
		Help:   "Forkline checks that the lot leaves the customer the shelf life they require.",
		Fields: []formField{to, from, amount, unit, docType, docNo}}
	return f.finish(a, p)
}

// statusActions returns the quality status form with the changes the user
// may make to the lot as it is, or nil when there are none.
func statusActions(v visit, l inventory.Lot, a *lotAction) *statusForm {
	base := "/lots/" + l.ID
	var bs []statusButton
	if l.Status == inventory.Rejected {
		return nil
	}
	if (l.Status == inventory.Quarantine || l.Status == inventory.Hold) && v.can(forkline.PermLotRelease, l.SiteID) {
		bs = append(bs, statusButton{Action: base + "/release", Label: "Release"})
	}
	if l.Status != inventory.Hold && v.can(forkline.PermLotHold, l.SiteID) {
		bs = append(bs, statusButton{Action: base + "/hold", Label: "Put on hold", Danger: true})
	}
	if v.can(forkline.PermLotRelease, l.SiteID) {
		bs = append(bs, statusButton{Action: base + "/reject", Label: "Reject", Danger: true})
	}
	if len(bs) == 0 {
		return nil
	}
	f := &statusForm{Buttons: bs, Help: "The reason goes into the lot's history and the audit trail, with your name."}
	// A lot waiting for quality shows the form open.
	f.Open = l.Status == inventory.Quarantine || l.Status == inventory.Hold
	if a != nil && a.form == "status" {
		f.Open, f.Reason = true, a.posted.Get("reason")
		f.Error = strings.Join(append(a.p.fields["reason"], a.p.general...), " ")
	}
	return f
}

// lotCommand is what every form of the lot page does: read the form, book
// the command, and go back to the lot with a message, or show the lot
// again with the form's problems.
func (ui *UI) lotCommand(form string, fields map[string]string, book func(r *http.Request, v visit, l inventory.Lot, p *problems) (string, error)) http.Handler {
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
		l, err := ui.cfg.Inventory.Lot(ctx, r.PathValue("id"))
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		var p problems
		msg, err := book(r, v, l, &p)
		status := http.StatusUnprocessableEntity
		if err != nil {
			var ok bool
			if status, ok = refusal(err, fields, &p); !ok {
				ui.fail(w, r, err)
				return
			}
		} else if !p.any() {
			ui.redirect(w, r, "/lots/"+l.ID+"#events", msg)
			return
		}
		name := form
		if form == "correct" {
			name = r.PostForm.Get("event")
		}
		page, err := ui.lotPage(w, r, v, l.ID, &lotAction{form: name, posted: r.PostForm, p: p})
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		ui.render(w, r, status, "lot", page)
	})
}

func (ui *UI) handleLotMove() http.Handler {
	fields := map[string]string{"fromId": "move-from", "toId": "move-to", "quantity": "move-quantity"}
	return ui.lotCommand("move", fields, func(r *http.Request, v visit, l inventory.Lot, p *problems) (string, error) {
		f := r.PostForm
		in := inventory.MoveInput{LotID: l.ID, FromID: f.Get("move-from"), ToID: f.Get("move-to"), Note: strings.TrimSpace(f.Get("move-note")),
			IdempotencyKey: f.Get("key")}
		if in.FromID == "" {
			p.add("move-from", "Choose where the stock is now.")
		}
		if in.ToID == "" {
			p.add("move-to", "Choose where it goes.")
		}
		var qErr, uErr string
		in.Quantity, qErr, uErr = parseQty(f.Get("move-quantity"), f.Get("move-unit"), "Quantity")
		addIf(p, "move-quantity", qErr)
		addIf(p, "move-unit", uErr)
		if p.any() {
			return "", nil
		}
		res, err := ui.cfg.Inventory.Move(r.Context(), in)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("Moved %s of lot %s.", qty(in.Quantity), res.Lot.Code), nil
	})
}

func addIf(p *problems, field, msg string) {
	if msg != "" {
		p.add(field, msg)
	}
}

func (ui *UI) handleLotAdjust() http.Handler {
	fields := map[string]string{"locationId": "adjust-location", "reason": "adjust-reason", "change": "adjust-quantity"}
	return ui.lotCommand("adjust", fields, func(r *http.Request, v visit, l inventory.Lot, p *problems) (string, error) {
		f := r.PostForm
		in := inventory.AdjustInput{LotID: l.ID, LocationID: f.Get("adjust-location"), Reason: inventory.AdjustReason(f.Get("adjust-reason")),
			Note: strings.TrimSpace(f.Get("adjust-note")), IdempotencyKey: f.Get("key")}
		if in.LocationID == "" {
			p.add("adjust-location", "Choose the location.")
		}
		if in.Reason == "" {
			p.add("adjust-reason", "Choose why the stock changes.")
		}
		var qErr, uErr string
		in.Change, qErr, uErr = parseQty(f.Get("adjust-quantity"), f.Get("adjust-unit"), "Quantity")
		addIf(p, "adjust-quantity", qErr)
		addIf(p, "adjust-unit", uErr)
		if p.any() {
			return "", nil
		}
		if in.Change.Sign() < 0 {
			p.add("adjust-quantity", "Enter the quantity without a sign, and choose whether it is taken away or added.")
			return "", nil
		}
		if f.Get("adjust-direction") != "add" {
			in.Change = forkline.QuantityFromMicros(-in.Change.Micros(), in.Change.Unit)
		} else if in.Reason != inventory.CountCorrection {
			p.add("adjust-direction", "Only a count correction adds stock; waste, samples and damage take it away.")
			return "", nil
		}
		res, err := ui.cfg.Inventory.Adjust(r.Context(), in)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("Lot %s adjusted by %s (%s).", res.Lot.Code, qty(in.Change), strings.ToLower(adjustReasonLabels[in.Reason])), nil
	})
}

func (ui *UI) handleLotShip() http.Handler {
	fields := map[string]string{"customerId": "ship-to", "shipToId": "ship-to", "locationId": "ship-from", "quantity": "ship-quantity",
		"docNumber": "ship-docnumber", "lotId": ""}
	return ui.lotCommand("ship", fields, func(r *http.Request, v visit, l inventory.Lot, p *problems) (string, error) {
		f := r.PostForm
		cus, shipTo, _ := strings.Cut(f.Get("ship-to"), "|")
		in := inventory.ShipInput{LotID: l.ID, LocationID: f.Get("ship-from"), CustomerID: cus, ShipToID: shipTo,
			DocType: f.Get("ship-doctype"), DocNumber: strings.TrimSpace(f.Get("ship-docnumber")), IdempotencyKey: f.Get("key")}
		if cus == "" {
			p.add("ship-to", "Choose the customer and where it goes.")
		}
		if in.LocationID == "" {
			p.add("ship-from", "Choose where the stock is picked.")
		}
		var qErr, uErr string
		in.Quantity, qErr, uErr = parseQty(f.Get("ship-quantity"), f.Get("ship-unit"), "Quantity")
		addIf(p, "ship-quantity", qErr)
		addIf(p, "ship-unit", uErr)
		if in.DocType == "" {
			p.add("ship-doctype", "Choose the shipping document.")
		}
		if in.DocNumber == "" {
			p.add("ship-docnumber", "Enter the document's number: FSMA 204 records it with every shipment.")
		}
		if p.any() {
			return "", nil
		}
		res, err := ui.cfg.Inventory.Ship(r.Context(), in)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("Shipped %s of lot %s (%s %s).", qty(in.Quantity), res.Lot.Code, in.DocType, in.DocNumber), nil
	})
}

func (ui *UI) handleLotStatus(to inventory.Status) http.Handler {
	fields := map[string]string{"reason": "reason", "status": ""}
	return ui.lotCommand("status", fields, func(r *http.Request, v visit, l inventory.Lot, p *problems) (string, error) {
		reason := strings.TrimSpace(r.PostForm.Get("reason"))
		if reason == "" {
			p.add("reason", "Give the reason: it goes into the lot's history and the audit trail.")
			return "", nil
		}
		res, err := ui.cfg.Inventory.ChangeStatus(r.Context(), inventory.StatusInput{LotID: l.ID, To: to, Reason: reason})
		if err != nil {
			return "", err
		}
		switch to {
		case inventory.Released:
			return fmt.Sprintf("Lot %s is released for use.", res.Lot.Code), nil
		case inventory.Hold:
			return fmt.Sprintf("Lot %s is on hold: it cannot be used or shipped until quality releases it.", res.Lot.Code), nil
		}
		return fmt.Sprintf("Lot %s is rejected.", res.Lot.Code), nil
	})
}

func (ui *UI) handleLotCorrect() http.Handler {
	fields := map[string]string{"reason": "reason", "eventId": ""}
	return ui.lotCommand("correct", fields, func(r *http.Request, v visit, l inventory.Lot, p *problems) (string, error) {
		// The event must be one of this lot's: the form names it.
		d, err := ui.cfg.Inventory.Detail(r.Context(), l.ID)
		if err != nil {
			return "", err
		}
		event := r.PostForm.Get("event")
		if !slices.ContainsFunc(d.Events, func(e inventory.Event) bool { return e.ID == event }) {
			return "", forkline.ErrNotFound
		}
		reason := strings.TrimSpace(r.PostForm.Get("reason"))
		if reason == "" {
			p.add("reason", "Give the reason for the correction.")
			return "", nil
		}
		if _, err := ui.cfg.Inventory.Correct(r.Context(), inventory.CorrectInput{EventID: event, Reason: reason,
			IdempotencyKey: r.PostForm.Get("key")}); err != nil {
			return "", err
		}
		return "The event was corrected. Both stay in the lot's history.", nil
	})
}
