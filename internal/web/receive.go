package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/gs1"
	"github.com/forkline/forkline/internal/inventory"
	"github.com/forkline/forkline/internal/plant"
)

// receivePage is the receiving form: a scan field on top that fills the
// form from a GS1 barcode, then the key data elements of the receipt.
type receivePage struct {
	layout
	SiteID   string
	SiteName string
	Key      string
	Scan     scanView
	Sections []formSection
	Summary  string
	Errors   []string
}

// scanView is the scan field and what the last scan did.
type scanView struct {
	Value  string     // stays in the field: a scan that could not be read
	Failed string     // that scan, so that Receive does not read it again
	Focus  bool       // the cursor waits in the scan field
	Errors []string   // why the scan could not be read
	Raw    string     // the scan as read, in the form with parentheses
	Read   []scanPart // what it filled in
	Notes  []string   // what it could not fill in
	Next   string     // what is left to fill in
}

type scanPart struct{ Label, Value string }

// receiveForm is the receiving form as posted: what was typed, chosen or scanned.
type receiveForm struct {
	Scan, Key                                            string
	ItemID, SupplierID, SupplierLot, TLC, Quantity, Unit string
	LocationID, DocType, DocNumber, ReceivedAt           string
	Expiry, ProducedOn, Temperature, Override            string
}

func readReceiveForm(f url.Values) receiveForm {
	g := func(k string) string { return strings.TrimSpace(f.Get(k)) }
	return receiveForm{Scan: f.Get("scan"), Key: g("key"), ItemID: g("itemId"), SupplierID: g("supplierId"), SupplierLot: g("supplierLot"),
		TLC: g("tlc"), Quantity: g("quantity"), Unit: g("unit"), LocationID: g("locationId"), DocType: g("docType"), DocNumber: g("docNumber"),
		ReceivedAt: g("receivedAt"), Expiry: g("expiry"), ProducedOn: g("producedOn"), Temperature: g("temperature"), Override: g("overrideReason")}
}

// docTypes are the reference documents of a receipt or shipment.
var docTypes = []option{
	{"PO", "Purchase order (PO)"},
	{"BOL", "Bill of lading (BOL)"},
	{"ASN", "Advance shipping notice (ASN)"},
	{"invoice", "Invoice"},
}

func docTypeOptions(selected, placeholder string) []formOption {
	out := []formOption{{Value: "", Label: placeholder, Selected: selected == ""}}
	for _, o := range docTypes {
		out = append(out, formOption{Value: o.Value, Label: o.Label, Selected: o.Value == selected})
	}
	return out
}

// receiveFields maps the service's field names to the form's.
var receiveFields = map[string]string{
	"itemId": "itemId", "supplierId": "supplierId", "supplierLot": "supplierLot", "tlc": "tlc", "quantity": "quantity",
	"locationId": "locationId", "docNumber": "docNumber", "temperature": "temperature", "eventTime": "receivedAt",
}

func (ui *UI) handleReceiveForm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := ui.visit(w, r)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		site, err := v.ledgerSite(forkline.PermInventoryWrite)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		sr, err := ui.siteRefs(r.Context(), site.ID)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		loc := v.siteLoc(site.ID)
		f := receiveForm{Key: newKey(), ReceivedAt: localTimeValue(ui.cfg.Now(), loc)}
		// Goods arrive at the dock: choose the site's first dock.
		for _, l := range sr.locations.sorted {
			if l.Active && l.Kind == plant.Dock {
				f.LocationID = l.ID
				break
			}
		}
		p := ui.receivePage(w, r, v, site, sr, f, scanView{Focus: true}, problems{})
		ui.render(w, r, http.StatusOK, "receive", p)
	})
}

func (ui *UI) handleReceive() http.Handler {
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
		if err == nil && !v.can(forkline.PermInventoryWrite, site.ID) {
			err = forkline.ErrForbidden
		}
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		sr, err := ui.siteRefs(ctx, site.ID)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		loc := v.siteLoc(site.ID)
		f := readReceiveForm(r.PostForm)
		if f.Key == "" {
			f.Key = newKey()
		}
		// A scan in the field is read into the form first, never booked
		// unseen: Enter in the scan field, the Read button, or Receive
		// pressed before the scan was read. A scan that could not be read
		// stays in the field to be corrected, and is read again only when
		// it changes or the Read button is pressed.
		scan, failed := strings.TrimSpace(f.Scan), r.PostForm.Get("failed")
		if r.PostForm.Get("action") == "scan" || scan != "" && scan != failed {
			sv, err := ui.readScan(ctx, site, loc, &f)
			if err != nil {
				ui.fail(w, r, err)
				return
			}
			status := http.StatusOK
			if len(sv.Errors) > 0 {
				status = http.StatusUnprocessableEntity
			}
			ui.render(w, r, status, "receive", ui.receivePage(w, r, v, site, sr, f, sv, problems{}))
			return
		}
		in, p := f.input(site.ID, loc)
		if f.Override != "" && !v.can(forkline.PermLotRelease, site.ID) {
			in.OverrideReason = ""
		}
		status := http.StatusUnprocessableEntity
		if !p.any() {
			res, err := ui.cfg.Inventory.Receive(ctx, in)
			if err == nil {
				ui.redirect(w, r, "/lots/"+res.Lot.ID, receivedMessage(res))
				return
			}
			var ok bool
			if status, ok = refusal(err, receiveFields, &p); !ok {
				ui.fail(w, r, err)
				return
			}
			if fs := forkline.ErrorFields(err); len(fs) > 0 && fs[0].Rule == "approved" {
				// The supplier is not approved: say so in full at the supplier,
				// and tell quality where the override goes.
				p.fields["supplierId"] = []string{forkline.ErrorMessage(err)}
				if v.can(forkline.PermLotRelease, site.ID) {
					p.add("overrideReason", "To receive anyway, give the reason for the override here.")
				}
			}
		}
		// A scan that could not be read was not used: the field is cleared.
		ui.render(w, r, status, "receive", ui.receivePage(w, r, v, site, sr, f, scanView{}, p))
	})
}

// receivedMessage is the flash message after a receipt.
func receivedMessage(res inventory.Result) string {
	if res.Replayed {
		return fmt.Sprintf("Lot %s was already received with this form; nothing was booked twice.", res.Lot.Code)
	}
	switch res.Lot.Status {
	case inventory.Quarantine:
		return fmt.Sprintf("Lot %s received, in quarantine until quality releases it.", res.Lot.Code)
	case inventory.Released:
		return fmt.Sprintf("Lot %s received and released for use.", res.Lot.Code)
	}
	return fmt.Sprintf("Lot %s received.", res.Lot.Code)
}

// input reads the form into a receipt, with the problems that stop it
// before it reaches the service: what is missing or unreadable, all at once.
func (f receiveForm) input(site forkline.ID, loc *time.Location) (inventory.ReceiveInput, problems) {
	var p problems
	in := inventory.ReceiveInput{SiteID: site, ItemID: f.ItemID, SupplierID: f.SupplierID, SupplierLot: f.SupplierLot, TLC: f.TLC,
		LocationID: f.LocationID, DocType: f.DocType, DocNumber: f.DocNumber, Temperature: strings.ReplaceAll(f.Temperature, ",", "."),
		OverrideReason: f.Override, IdempotencyKey: f.Key}
	if f.ItemID == "" {
		p.add("itemId", "Choose the item, or scan its barcode.")
	}
	if f.SupplierID == "" {
		p.add("supplierId", "Choose the supplier.")
	}
	q, qErr, uErr := parseQty(f.Quantity, f.Unit, "Quantity")
	if qErr != "" {
		p.add("quantity", qErr)
	}
	if uErr != "" {
		p.add("unit", uErr)
	}
	in.Quantity = q
	if f.LocationID == "" {
		p.add("locationId", "Choose where the goods are put away.")
	}
	var ok bool
	if in.ReceivedAt, ok = parseLocalTime(f.ReceivedAt, loc); !ok {
		p.add("receivedAt", "Enter the date and time of the delivery, e.g. 2026-03-02 08:30.")
	}
	if in.Expiry, ok = parseDay(f.Expiry); !ok {
		p.add("expiry", "Enter the expiry date, e.g. 2026-09-30.")
	}
	if in.ProducedOn, ok = parseDay(f.ProducedOn); !ok {
		p.add("producedOn", "Enter the production date, e.g. 2026-02-20.")
	}
	return in, p
}

// readScan reads the scan field into the form. Each scan fills what it
// carries and keeps the rest, so the several barcodes of one pallet label
// may be scanned one after the other. A scan that cannot be read changes
// nothing and stays in the field, with the reasons.
func (ui *UI) readScan(ctx context.Context, site plant.Site, loc *time.Location, f *receiveForm) (scanView, error) {
	raw := strings.TrimSpace(f.Scan)
	sv := scanView{Value: f.Scan, Focus: true}
	if raw == "" {
		sv.Errors = []string{"Scan a barcode first, or type its data into the field."}
		return sv, nil
	}
	d, err := gs1.Parse(raw, ui.today(loc))
	if err != nil {
		if forkline.ErrorCode(err) != forkline.Invalid {
			return sv, err
		}
		for _, fp := range forkline.ErrorFields(err) {
			sv.Errors = append(sv.Errors, fp.Msg)
		}
		if len(sv.Errors) == 0 {
			sv.Errors = []string{forkline.ErrorMessage(err)}
		}
		sv.Failed = raw
		return sv, nil
	}
	sv.Value, sv.Raw, f.Scan = "", d.String(), ""
	var item *inventory.Item
	if gtin := cmpOr(d.GTIN, d.ContentGTIN); gtin != "" {
		it, err := ui.cfg.Inventory.ItemByGTIN(ctx, site.ID, gtin)
		switch forkline.ErrorCode(err) {
		case "":
			item = &it
			f.ItemID = it.ID
			sv.Read = append(sv.Read, scanPart{"Item", it.Code + " · " + it.Name})
		case forkline.NotFound:
			sv.Notes = append(sv.Notes, fmt.Sprintf("No active item on this site has GTIN %s. Choose the item below, and add the GTIN to the item so that the next scan finds it.", gtin))
		default:
			return sv, err
		}
	}
	if d.Lot != "" {
		f.SupplierLot = d.Lot
		sv.Read = append(sv.Read, scanPart{"Supplier lot", d.Lot})
	}
	switch {
	case !d.Expiry.IsZero():
		f.Expiry = d.Expiry.Format("2006-01-02")
		sv.Read = append(sv.Read, scanPart{"Expiry", formatDay(d.Expiry)})
	case !d.BestBefore.IsZero():
		f.Expiry = d.BestBefore.Format("2006-01-02")
		sv.Read = append(sv.Read, scanPart{"Best before", formatDay(d.BestBefore)})
	}
	if !d.Production.IsZero() {
		f.ProducedOn = d.Production.Format("2006-01-02")
		sv.Read = append(sv.Read, scanPart{"Production date", formatDay(d.Production)})
	}
	switch {
	case d.HasNetWeight:
		f.Quantity, f.Unit = d.NetWeight.Decimal(), string(d.NetWeight.Unit)
		sv.Read = append(sv.Read, scanPart{"Net weight", qty(d.NetWeight)})
	case d.Count > 0 || d.VariableCount > 0:
		n := max(d.Count, d.VariableCount)
		f.Quantity = fmt.Sprint(n)
		if item != nil && d.Count > 0 && item.BaseUnit != forkline.Each &&
			slices.ContainsFunc(item.PackSizes, func(ps forkline.PackSize) bool { return ps.Unit == forkline.Case }) {
			f.Unit = string(forkline.Case)
		} else if item != nil && item.BaseUnit == forkline.Each {
			f.Unit = string(forkline.Each)
		}
		sv.Read = append(sv.Read, scanPart{"Count", fmt.Sprint(n)})
	}
	if item != nil && f.Unit == "" {
		f.Unit = string(item.BaseUnit)
	}
	if d.SSCC != "" {
		sv.Read = append(sv.Read, scanPart{"Pallet (SSCC)", d.SSCC})
	}
	if d.Serial != "" {
		sv.Read = append(sv.Read, scanPart{"Serial", d.Serial})
	}
	var left []string
	for _, x := range []struct{ label, value string }{{"item", f.ItemID}, {"supplier", f.SupplierID}, {"quantity", f.Quantity},
		{"unit", f.Unit}, {"location", f.LocationID}} {
		if x.value == "" {
			left = append(left, x.label)
		}
	}
	if len(left) > 0 {
		sv.Next = "Still to fill in: " + strings.Join(left, ", ") + ". Then press Receive lot."
	} else {
		sv.Next = "Check the form, add the reference document, then press Receive lot."
	}
	sv.Focus = false
	return sv, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// supplierOptions lists the site's active suppliers, marking those that
// may not deliver without quality's override.
func supplierOptions(s *refs[plant.Supplier, *plant.Supplier], selected string) []formOption {
	out := []formOption{{Value: "", Label: "Choose the supplier…", Selected: selected == ""}}
	for _, sp := range s.sorted {
		if !sp.Active && sp.ID != selected {
			continue
		}
		label := sp.Code + " · " + sp.Name
		if !sp.Approval.MayDeliver() {
			label += " (" + string(sp.Approval) + ": not approved)"
		}
		out = append(out, formOption{Value: sp.ID, Label: label, Selected: sp.ID == selected})
	}
	return out
}

func (ui *UI) receivePage(w http.ResponseWriter, r *http.Request, v visit, site plant.Site, sr siteRefs, f receiveForm, sv scanView, p problems) receivePage {
	pg := receivePage{SiteID: site.ID, SiteName: site.Name, Key: f.Key, Scan: sv}
	fld := func(name, label, typ, value string) formField { return p.field(name, label, typ, value) }

	item := fld("itemId", "Item", "select", f.ItemID)
	item.Required, item.Options = true, sr.items.options(f.ItemID, "Choose the item…")
	item.Hint = "Scanning the GTIN chooses it."
	supplier := fld("supplierId", "Supplier", "select", f.SupplierID)
	supplier.Required, supplier.Options = true, supplierOptions(sr.suppliers, f.SupplierID)
	supLot := fld("supplierLot", "Supplier lot", "text", f.SupplierLot)
	supLot.Hint, supLot.Placeholder = "The lot code on the supplier's label.", "e.g. MC-24-0117"
	tlc := fld("tlc", "Traceability lot code (TLC)", "text", f.TLC)
	tlc.Hint = "Optional. Empty keeps the supplier lot for Food Traceability List items, else the site's lot code becomes the TLC."
	quantity := fld("quantity", "Quantity", "decimal", f.Quantity)
	quantity.Required, quantity.Placeholder = true, "e.g. 25"
	unit := fld("unit", "Unit", "select", f.Unit)
	unit.Required, unit.Options = true, unitOptions(f.Unit)
	unit.Hint = "Cases and pallets are converted with the item's pack sizes."
	exp := fld("expiry", "Expiry date", "date", f.Expiry)
	exp.Hint = "From the label. Empty: from the item's shelf life."
	prod := fld("producedOn", "Production date", "date", f.ProducedOn)
	prod.Hint = "Optional, from the label."

	location := fld("locationId", "Put away at", "select", f.LocationID)
	location.Required, location.Options = true, sr.locations.options(f.LocationID, "Choose the location…")
	at := fld("receivedAt", "Received at", "datetime-local", f.ReceivedAt)
	at.Required, at.Hint = true, "Date and time of the delivery, "+site.TimeZone+" time."
	docType := fld("docType", "Reference document", "select", f.DocType)
	docType.Options = docTypeOptions(f.DocType, "None")
	docType.Hint = "Required for Food Traceability List items."
	docNo := fld("docNumber", "Document number", "text", f.DocNumber)
	docNo.Placeholder = "e.g. 4500012345"
	temp := fld("temperature", "Temperature on arrival (°C)", "decimal", f.Temperature)
	temp.Placeholder, temp.Hint = "e.g. 3.5", "Optional. Chilled goods should arrive at 0 to 5 °C."

	pg.Sections = []formSection{
		{Title: "What arrived", Fields: []formField{item, supplier, supLot, tlc, quantity, unit, exp, prod}},
		{Title: "Where and paperwork", Fields: []formField{location, at, docType, docNo, temp}},
	}
	if v.can(forkline.PermLotRelease, site.ID) {
		o := fld("overrideReason", "Override reason (quality only)", "text", f.Override)
		o.Wide, o.Placeholder = true, "e.g. approval renewal in progress, certificate received 28 Feb"
		o.Hint = "Only to receive from a supplier that is not approved. Kept in the audit trail with your name."
		pg.Sections[1].Fields = append(pg.Sections[1].Fields, o)
	}
	if n := p.count(); n > 0 {
		pg.Summary = fmt.Sprintf("The lot was not received: %d %s to fix.", n, plural(n, "problem", "problems"))
		if n > len(p.general) {
			pg.Summary += " Each one is shown next to its field."
		}
		pg.Errors = p.general
	}
	// The cursor goes where the person is needed next: the scan field, the
	// first problem, or the first empty required field after a scan.
	if !sv.Focus {
		focus := ""
		for _, s := range pg.Sections {
			for _, fl := range s.Fields {
				if focus == "" && (len(fl.Errors) > 0 || p.count() == 0 && fl.Required && fl.Value == "") {
					focus = fl.Name
				}
			}
		}
		if focus == "" && p.count() == 0 && f.DocNumber == "" {
			focus = "docType"
		}
		for i := range pg.Sections {
			for j := range pg.Sections[i].Fields {
				pg.Sections[i].Fields[j].Autofocus = pg.Sections[i].Fields[j].Name == focus
			}
		}
	}
	pg.layout = ui.layout(w, r, v, "Receive goods")
	return pg
}
