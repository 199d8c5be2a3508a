package web

import (
	"encoding/csv"
	"fmt"
	"io"
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

// recallsPage lists the recalls and drills of the site, and lets users who
// may run recalls start one.
type recallsPage struct {
	layout
	SiteID, SiteName string
	Rows             []recallRow
	More             bool
	Start            *recallForm
	Summary          string
	Errors           []string
}

type recallRow struct {
	URL, Kind, Badge, Criteria string
	When                       stamp
	Who, Duration, Accounted   string
	Held                       int
	Note                       string
}

// recallForm starts a recall from lots, from a supplier's lot, or from an
// item produced (on a line) in a time window.
type recallForm struct {
	Scope, Kind                                string
	Hold                                       bool
	Lots, Supplier, SupplierLot                formField
	Item, Line, From, To, Note                 formField
	LotsOpen, SupplierOpen, ItemOpen, ScopeErr bool
}

// recallListLimit is how many recalls the list shows.
const recallListLimit = 50

func kindName(k inventory.RecallKind) (string, string) {
	if k == inventory.RealRecall {
		return "Real recall", "danger"
	}
	return "Mock recall", "info"
}

func (ui *UI) handleRecalls() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
		ui.recallsPage(w, r, v, site, recallDefaults(), problems{}, http.StatusOK)
	})
}

// recallDefaults is the start form as it first shows: a drill from lot codes.
func recallDefaults() url.Values { return url.Values{"scope": {"lots"}, "kind": {"mock"}} }

func (ui *UI) recallsPage(w http.ResponseWriter, r *http.Request, v visit, site plant.Site, posted url.Values, p problems, status int) {
	ctx := r.Context()
	recalls, err := ui.cfg.Inventory.Recalls(ctx, site.ID)
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	pg := recallsPage{SiteID: site.ID, SiteName: site.Name}
	if len(recalls) > recallListLimit {
		recalls, pg.More = recalls[:recallListLimit], true
	}
	loc := v.siteLoc(site.ID)
	for _, rc := range recalls {
		kind, badge := kindName(rc.Kind)
		row := recallRow{URL: "/recalls/" + rc.ID, Kind: kind, Badge: badge, Criteria: criteria(rc), When: ui.when(rc.StartedAt, loc),
			Who: rc.ActorName, Duration: durationText(rc.Duration), Held: rc.Held, Note: rc.Note, Accounted: percent(rc.Accounted)}
		pg.Rows = append(pg.Rows, row)
	}
	if v.can(forkline.PermRecall, site.ID) {
		sr, err := ui.siteRefs(ctx, site.ID)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		pg.Start = recallStartForm(posted, p, sr)
	}
	if n := p.count(); n > 0 {
		pg.Summary = fmt.Sprintf("The recall was not started: %d %s to fix.", n, plural(n, "problem", "problems"))
		pg.Errors = p.general
	}
	pg.layout = ui.layout(w, r, v, "Recalls and drills")
	ui.render(w, r, status, "recalls", pg)
}

func recallStartForm(posted url.Values, p problems, sr siteRefs) *recallForm {
	get := posted.Get
	f := &recallForm{Scope: get("scope"), Kind: get("kind"), Hold: get("hold") == "true"}
	if f.Scope == "" {
		f.Scope = "lots"
	}
	if f.Kind == "" {
		f.Kind = string(inventory.MockRecall)
	}
	f.Lots = p.field("lots", "Lot codes", "textarea", get("lots"))
	f.Lots.Wide, f.Lots.Placeholder = true, "e.g. CHI-1-26061-001, CHI-1-26061-004"
	f.Lots.Hint = "One or more of this site's lot codes, separated by commas, spaces or lines."
	f.Supplier = p.field("supplierId", "Supplier", "select", get("supplierId"))
	f.Supplier.Options = sr.suppliers.options(get("supplierId"), "Choose the supplier…")
	f.SupplierLot = p.field("supplierLot", "Supplier lot", "text", get("supplierLot"))
	f.SupplierLot.Placeholder, f.SupplierLot.Hint = "e.g. MC-24-0117", "As on the supplier's label or notice."
	f.Item = p.field("itemId", "Item produced", "select", get("itemId"))
	f.Item.Options = sr.items.options(get("itemId"), "Choose the item…")
	f.Line = p.field("lineId", "Line", "select", get("lineId"))
	f.Line.Options = sr.lines.options(get("lineId"), "Any line")
	f.From = p.field("from", "Produced from", "datetime-local", get("from"))
	f.To = p.field("to", "Produced until", "datetime-local", get("to"))
	f.Note = p.field("note", "Note", "text", get("note"))
	f.Note.Wide, f.Note.Placeholder = true, "e.g. yearly BRCGS drill, or the supplier's notice number"
	f.Note.Hint = "Why: kept with the report."
	f.LotsOpen, f.SupplierOpen, f.ItemOpen = f.Scope == "lots", f.Scope == "supplier", f.Scope == "item"
	f.ScopeErr = len(p.fields["scope"]) > 0
	return f
}

// siteName returns the name of a site the visit knows, else its ID.
func siteName(v visit, id forkline.ID) string {
	if i := slices.IndexFunc(v.sites, func(s plant.Site) bool { return s.ID == id }); i >= 0 {
		return v.sites[i].Name
	}
	return id
}

// criteria writes what a recall started from as a heading: "Lot X",
// "Lots X, Y", "Supplier lot ...".
func criteria(rc inventory.Recall) string {
	c := rc.Criteria
	if rest, ok := strings.CutPrefix(c, "lots "); ok && !strings.Contains(rest, ",") {
		c = "lot " + rest
	}
	return sentence(c)
}

// percent writes a share accounted for, e.g. "100%" or "98.5%".
func percent(v float64) string {
	s := strconv.FormatFloat(v, 'f', 1, 64)
	return strings.TrimSuffix(s, ".0") + "%"
}

// recallFields maps the service's field names to the start form's.
var recallFields = map[string]string{"lotIds": "lots", "supplierId": "supplierId", "supplierLot": "supplierLot", "itemId": "itemId",
	"from": "from", "kind": ""}

func (ui *UI) handleRecallStart() http.Handler {
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
		site, err := v.findSite(r.PostForm.Get("site"))
		if err == nil && !v.can(forkline.PermRecall, site.ID) {
			err = forkline.ErrForbidden
		}
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		f := r.PostForm
		loc := v.siteLoc(site.ID)
		in := inventory.RecallInput{SiteID: site.ID, Kind: inventory.RecallKind(f.Get("kind")), Hold: f.Get("hold") == "true", Note: strings.TrimSpace(f.Get("note"))}
		var p problems
		switch f.Get("scope") {
		case "lots":
			codes := strings.FieldsFunc(f.Get("lots"), func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
			if len(codes) == 0 {
				p.add("lots", "Enter at least one lot code.")
			}
			for _, c := range codes {
				l, err := ui.cfg.Inventory.LotByCode(ctx, site.ID, c)
				if forkline.ErrorCode(err) == forkline.NotFound {
					p.add("lots", fmt.Sprintf("No lot %s on %s.", c, site.Name))
					continue
				} else if err != nil {
					ui.fail(w, r, err)
					return
				}
				in.LotIDs = append(in.LotIDs, l.ID)
			}
		case "supplier":
			in.SupplierID, in.SupplierLot = f.Get("supplierId"), strings.TrimSpace(f.Get("supplierLot"))
			if in.SupplierID == "" {
				p.add("supplierId", "Choose the supplier.")
			}
			if in.SupplierLot == "" {
				p.add("supplierLot", "Enter the supplier's lot code.")
			}
		case "item":
			in.ItemID, in.LineID = f.Get("itemId"), f.Get("lineId")
			if in.ItemID == "" {
				p.add("itemId", "Choose the item.")
			}
			var ok bool
			if in.From, ok = parseLocalTime(f.Get("from"), loc); !ok || in.From.IsZero() {
				p.add("from", "Enter when the window starts.")
			}
			if in.To, ok = parseLocalTime(f.Get("to"), loc); !ok || in.To.IsZero() {
				p.add("to", "Enter when the window ends.")
			}
		default:
			p.add("scope", "Choose what the recall starts from.")
		}
		status := http.StatusUnprocessableEntity
		if !p.any() {
			rc, err := ui.cfg.Inventory.StartRecall(ctx, in)
			if err == nil {
				kind, _ := kindName(rc.Kind)
				msg := fmt.Sprintf("%s done in %s: %d %s, %d %s, %s accounted for.", kind, durationText(rc.Duration), len(rc.Scope.Nodes),
					plural(len(rc.Scope.Nodes), "lot", "lots"), len(rc.Customers), plural(len(rc.Customers), "customer", "customers"), percent(rc.Accounted))
				if rc.Held > 0 {
					msg += fmt.Sprintf(" %d %s put on hold.", rc.Held, plural(rc.Held, "lot", "lots"))
				}
				ui.redirect(w, r, "/recalls/"+rc.ID, msg)
				return
			}
			var ok bool
			if status, ok = refusal(err, recallFields, &p); !ok {
				ui.fail(w, r, err)
				return
			}
		}
		ui.recallsPage(w, r, v, site, f, p, status)
	})
}

// recallPage is the report of one recall or drill, made to be printed.
type recallPage struct {
	layout
	ID, Kind, Badge, Criteria string
	SiteName                  string
	Started                   stamp
	Who, Duration, Note       string
	Accounted                 string
	CSVURL                    string
	Forward                   bool // the scope is a forward trace: its lots show what they hold
	Stats                     []traceStat
	Roots                     []rootRow
	Held                      []heldRow
	scopeTables
}

type rootRow struct {
	URL, Code, ItemName                           string
	In, Consumed, Shipped, Adjusted, OnHand, Diff string
	Balanced                                      bool
	Accounted                                     string
}

type heldRow struct {
	URL, Code, ItemName string
}

func (ui *UI) handleRecall() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := ui.visit(w, r)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		rc, err := ui.cfg.Inventory.FindRecall(r.Context(), r.PathValue("id"))
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		loc := v.siteLoc(rc.SiteID)
		kind, badge := kindName(rc.Kind)
		// The scope was read before the recall's holds: show its lots as the
		// recall left them.
		for i, n := range rc.Scope.Nodes {
			if slices.Contains(rc.HeldLotIDs, n.Lot.ID) {
				rc.Scope.Nodes[i].Lot.Status = inventory.Hold
			}
		}
		p := recallPage{ID: rc.ID, Kind: kind, Badge: badge, Criteria: criteria(rc), SiteName: siteName(v, rc.SiteID), Started: ui.when(rc.StartedAt, loc), Who: rc.ActorName,
			Duration: durationText(rc.Duration), Note: rc.Note, Accounted: percent(rc.Accounted), CSVURL: "/recalls/" + rc.ID + "/report.csv", Forward: true,
			scopeTables: scope(rc.Scope, loc)}
		var shipped, onHand []forkline.Quantity
		for _, sh := range rc.Scope.Shipments {
			shipped = append(shipped, sh.Quantity)
		}
		for _, o := range rc.Scope.OnHand {
			onHand = append(onHand, o.Quantity)
		}
		p.Stats = []traceStat{
			{Value: strconv.Itoa(len(rc.Scope.Nodes)), Label: plural(len(rc.Scope.Nodes), "lot affected", "lots affected")},
			{Value: strconv.Itoa(len(rc.Customers)), Label: plural(len(rc.Customers), "customer reached", "customers reached")},
			{Value: cmpOr(sumText(shipped), "nothing"), Label: "shipped"},
			{Value: cmpOr(sumText(onHand), "nothing"), Label: "still on hand"},
			{Value: strconv.Itoa(rc.Held), Label: plural(rc.Held, "lot put on hold", "lots put on hold")},
			{Value: p.Accounted, Label: "of the implicated quantity accounted for"},
		}
		for _, rb := range rc.Roots {
			mb, l := rb.Balance, rb.Node.Lot
			row := rootRow{URL: "/lots/" + l.ID, Code: l.Code, ItemName: rb.Node.ItemName, In: qty(mb.In), Consumed: qty(mb.Consumed),
				Shipped: qty(mb.Shipped), Adjusted: qty(mb.Adjusted), OnHand: qty(mb.OnHand), Diff: qty(mb.Difference), Balanced: mb.Difference.IsZero()}
			row.Accounted = "—"
			if in := mb.In.Micros(); in > 0 {
				d := mb.Difference.Micros()
				if d < 0 {
					d = -d
				}
				row.Accounted = percent(100 * float64(in-d) / float64(in))
			}
			p.Roots = append(p.Roots, row)
		}
		nodes := map[forkline.ID]inventory.TraceNode{}
		for _, n := range rc.Scope.Nodes {
			nodes[n.Lot.ID] = n
		}
		for _, id := range rc.HeldLotIDs {
			n := nodes[id]
			p.Held = append(p.Held, heldRow{URL: "/lots/" + id, Code: n.Lot.Code, ItemName: n.ItemName})
		}
		p.layout = ui.layout(w, r, v, kind+" report")
		ui.render(w, r, http.StatusOK, "recall", p)
	})
}

// handleRecallCSV serves a recall's scope as CSV, with the columns of the
// API's report (GET /api/v1/recalls/{id}/report.csv): one row per lot and
// location on hand, and one per shipment.
func (ui *UI) handleRecallCSV() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc, err := ui.cfg.Inventory.FindRecall(r.Context(), r.PathValue("id"))
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="recall-`+rc.ID+`.csv"`)
		w.Header().Set("Cache-Control", "no-store")
		if err := writeRecallCSV(w, rc); err != nil {
			ui.cfg.Logger.ErrorContext(r.Context(), "write recall csv", "err", err)
		}
	})
}

func writeRecallCSV(w io.Writer, rc inventory.Recall) error {
	cw := csv.NewWriter(w)
	nodes := map[forkline.ID]inventory.TraceNode{}
	for _, n := range rc.Scope.Nodes {
		nodes[n.Lot.ID] = n
	}
	_ = cw.Write([]string{"recall", rc.ID, string(rc.Kind), rc.Criteria, rc.StartedAt.Format(time.RFC3339), fmt.Sprintf("%.1f%% accounted", rc.Accounted)})
	_ = cw.Write([]string{"lot_code", "tlc", "item_code", "item_name", "status", "depth", "where", "location_or_customer", "ship_to", "document", "date", "quantity", "unit"})
	for _, o := range rc.Scope.OnHand {
		n := nodes[o.LotID]
		_ = cw.Write([]string{n.Lot.Code, n.Lot.TLC, n.ItemCode, n.ItemName, string(n.Lot.Status), strconv.Itoa(n.Depth), "on hand", o.LocationCode, "", "", "",
			o.Quantity.Decimal(), string(o.Quantity.Unit)})
	}
	for _, sh := range rc.Scope.Shipments {
		n := nodes[sh.LotID]
		_ = cw.Write([]string{n.Lot.Code, n.Lot.TLC, n.ItemCode, n.ItemName, string(n.Lot.Status), strconv.Itoa(n.Depth), "shipped", sh.CustomerName, sh.ShipToName,
			strings.TrimSpace(sh.DocType + " " + sh.DocNumber), sh.ShippedAt.Format("2006-01-02"), sh.Quantity.Decimal(), string(sh.Quantity.Unit)})
	}
	cw.Flush()
	return cw.Error()
}
