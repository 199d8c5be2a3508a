package web

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/production"
)

// ordersPage lists the site's production orders, by what needs doing.
type ordersPage struct {
	layout
	SiteName string
	Tabs     []navLink
	Rows     []orderRow
	Empty    string
	More     bool
}

type orderRow struct {
	URL, RecordURL, Number string
	Item, ItemCode, Line   string
	Planned, Start         string
	State                  stateView
	Batch, BatchBadge      string
	Yield                  string
}

// orderTab is one list of the orders page.
type orderTab struct {
	key, label string
	states     []production.State
}

// orderTabs are the lists of the orders page: what each shows.
var orderTabs = []orderTab{
	{"active", "Planned and running", []production.State{production.Planned, production.Released, production.InProgress, production.OnHold}},
	{"review", "Awaiting batch release", []production.State{production.Completed, production.Closed}},
	{"done", "Released and closed", []production.State{production.Completed, production.Closed}},
	{"cancelled", "Cancelled", []production.State{production.Cancelled}},
}

// orderListLimit bounds one list of the orders page.
const orderListLimit = 500

func (ui *UI) handleOrders() http.Handler {
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
		tab := r.URL.Query().Get("show")
		i := slices.IndexFunc(orderTabs, func(t orderTab) bool { return t.key == tab })
		if i < 0 {
			i, tab = 0, orderTabs[0].key
		}
		p := ordersPage{SiteName: site.Name}
		for _, t := range orderTabs {
			p.Tabs = append(p.Tabs, navLink{Label: t.label, URL: "/orders?show=" + t.key, Current: t.key == tab})
		}
		os, err := ui.cfg.Production.Orders(ctx, production.OrderFilter{SiteIDs: []forkline.ID{site.ID}, States: orderTabs[i].states, Limit: orderListLimit})
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		p.More = len(os) == orderListLimit
		switch tab {
		case "review":
			os = slices.DeleteFunc(os, func(o production.Order) bool { return o.BatchRelease != nil })
		case "done":
			os = slices.DeleteFunc(os, func(o production.Order) bool { return o.BatchRelease == nil })
		}
		if tab != "active" {
			// The latest first: what was just made is what is looked for.
			slices.SortStableFunc(os, func(a, b production.Order) int {
				return cmp.Compare(b.PlannedStart.UnixNano(), a.PlannedStart.UnixNano())
			})
		}
		pr, err := ui.prodRefs(ctx, site.ID)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		loc := v.siteLoc(site.ID)
		for _, o := range os {
			it, _ := pr.items.get(ctx, o.ItemID)
			row := orderRow{URL: "/orders/" + o.ID, RecordURL: "/orders/" + o.ID + "/record", Number: o.Number, Item: it.Name, ItemCode: it.Code,
				Line: pr.lines.code(ctx, o.LineID), Planned: qty(o.PlannedQuantity), Start: plannedAt(o.PlannedStart, loc), State: orderState(o.State)}
			switch {
			case o.BatchRelease != nil:
				row.Batch, row.BatchBadge = "Released", "ok"
			case o.State == production.Completed || o.State == production.Closed:
				row.Batch, row.BatchBadge = "Awaiting release", "warn"
			}
			if o.Yield.Percent != "" {
				row.Yield = o.Yield.Percent + "%"
			}
			p.Rows = append(p.Rows, row)
		}
		if len(p.Rows) == 0 {
			p.Empty = map[string]string{"active": "No planned or running orders on this site.", "review": "No batch waits for release.",
				"done": "No batch has been released yet.", "cancelled": "No order was cancelled."}[tab]
		}
		p.layout = ui.layout(w, r, v, "Production orders")
		p.Refresh = 60
		ui.render(w, r, http.StatusOK, "orders", p)
	})
}

// orderPage is one order for a supervisor or quality: its facts, its
// history, and the state changes the user may make.
type orderPage struct {
	layout
	ID, Number, Item, ItemCode string
	State                      stateView
	Props                      []detailRow
	TerminalURL, RecordURL     string
	Exceptions                 int
	OpenCritical               int
	Actions                    *stateForm
	History                    []historyRow
}

type historyRow struct {
	When      stamp
	Who, What string
	Badge     string
	Reason    string
}

// stateForm moves an order to another state, with a reason.
type stateForm struct {
	Reason  formField
	Buttons []stateButton
	Summary string
}

type stateButton struct {
	To, Label string
	Danger    bool
}

var stateVerbs = map[production.State]string{
	production.Released:   "Release to the line",
	production.OnHold:     "Put on hold",
	production.InProgress: "Resume",
	production.Cancelled:  "Cancel the order",
	production.Closed:     "Close the order",
}

func (ui *UI) handleOrder() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := ui.visit(w, r)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		p, err := ui.orderPage(w, r, v, r.PathValue("id"), nil, problems{})
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		ui.render(w, r, http.StatusOK, "order", p)
	})
}

func (ui *UI) orderPage(w http.ResponseWriter, r *http.Request, v visit, id forkline.ID, posted url.Values, pb problems) (orderPage, error) {
	ctx := r.Context()
	rec, err := ui.cfg.Production.BatchRecord(ctx, id)
	if err != nil {
		return orderPage{}, err
	}
	o := rec.Order
	loc := v.siteLoc(o.SiteID)
	p := orderPage{ID: o.ID, Number: o.Number, Item: rec.Product.Name, ItemCode: rec.Product.Code, State: orderState(o.State),
		TerminalURL: "/terminal/orders/" + o.ID, RecordURL: "/orders/" + o.ID + "/record", Exceptions: len(rec.Exceptions),
		OpenCritical: len(production.OpenCritical(rec.Deviations))}
	add := func(label, value, sub string) {
		p.Props = append(p.Props, detailRow{Label: label, Value: value, Sub: sub})
	}
	add("Item", rec.Product.Code+" · "+rec.Product.Name, "")
	add("Planned quantity", qty(o.PlannedQuantity), "")
	add("Line", rec.Line.Code+" · "+rec.Line.Name, "")
	add("Planned", plannedAt(o.PlannedStart, loc)+" to "+plannedAt(o.PlannedEnd, loc), "")
	if o.Frozen() {
		add("Recipe", fmt.Sprintf("%s version %d", rec.Recipe.RecipeCode, rec.Recipe.Number), "frozen at release · content "+shortHash(o.ContentHash))
		add("Allergens", cmpOr(strings.Join(o.Allergens, ", "), "none"), "")
	} else {
		add("Recipe", "chosen when the order is released", "")
	}
	add("ERP reference", cmpOr(o.ERPRef, "—"), "")
	if !o.StartedAt.IsZero() {
		s := ui.when(o.StartedAt, loc)
		add("Started", s.At, s.Ago)
	}
	if !o.CompletedAt.IsZero() {
		s := ui.when(o.CompletedAt, loc)
		add("Completed", s.At, s.Ago)
		add("Yield", yieldText(o.Yield), "actual output against the recipe's output for what was consumed")
	}
	if sig := o.BatchRelease; sig != nil {
		s := ui.when(sig.SignedAt, loc)
		add("Batch", "Released by "+sig.SignerName+" ("+sig.Meaning+")", s.At)
	}
	for i := len(rec.History) - 1; i >= 0; i-- {
		h := rec.History[i]
		st := orderState(h.To)
		p.History = append(p.History, historyRow{When: ui.when(h.At, loc), Who: h.ActorName, What: moved(h.From, h.To), Badge: st.Badge, Reason: h.Reason})
	}
	// The state changes this user may make now.
	f := &stateForm{}
	for _, t := range production.Transitions() {
		if t.From != o.State || t.To == production.Completed || t.To == production.InProgress && o.State != production.OnHold || !v.can(t.Perm, o.SiteID) {
			continue
		}
		if o.State == production.OnHold && t.To != o.HeldFrom && t.To != production.Cancelled {
			continue
		}
		label := stateVerbs[t.To]
		if o.State == production.OnHold && t.To == production.Released {
			label = "Resume: back to the dispatch list"
		}
		f.Buttons = append(f.Buttons, stateButton{To: string(t.To), Label: label, Danger: t.To == production.Cancelled || t.To == production.OnHold})
	}
	if len(f.Buttons) > 0 {
		f.Reason = pb.field("reason", "Reason", "text", posted.Get("reason"))
		f.Reason.Placeholder = "e.g. flour delivery late; ERP change 4471"
		f.Reason.Hint = "Needed to hold, resume and cancel; it goes into the order's history and the audit trail."
		f.Summary = strings.Join(pb.general, " ")
		p.Actions = f
	}
	p.layout = ui.layout(w, r, v, "Order "+o.Number)
	p.LiveSrc, p.LiveKey = "/terminal/lines/"+o.LineID+"/events", string(o.State)
	if p.LiveVersion, err = ui.lineVersion(ctx, o.SiteID, o.LineID); err != nil {
		return orderPage{}, err
	}
	return p, nil
}

func (ui *UI) handleOrderState() http.Handler {
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
		to := production.State(f.Get("to"))
		o, err := ui.cfg.Production.ChangeState(r.Context(), production.StateInput{OrderID: id, To: to, Reason: strings.TrimSpace(f.Get("reason"))})
		if err == nil {
			ui.changed(o.LineID)
			ui.redirect(w, r, "/orders/"+o.ID, fmt.Sprintf("Order %s is %s.", o.Number, strings.ToLower(orderState(o.State).Label)))
			return
		}
		var pb problems
		st, ok := refusal(err, map[string]string{"reason": "reason"}, &pb)
		if !ok {
			ui.fail(w, r, err)
			return
		}
		p, perr := ui.orderPage(w, r, v, id, f, pb)
		if perr != nil {
			ui.fail(w, r, perr)
			return
		}
		if p.Actions == nil {
			p.Flash = &flash{Kind: "error", Msg: strings.Join(append(pb.general, pb.fields["reason"]...), " ")}
		}
		ui.render(w, r, st, "order", p)
	})
}
