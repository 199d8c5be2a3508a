package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/inventory"
	"github.com/forkline/forkline/internal/plant"
)

// The pages of the material ledger share these helpers: names of master
// records, lot statuses as people read them, quantities, dates, and the
// problems a ledger command can be refused with.

// refs looks up master records of one site by ID, for the names on ledger
// pages: one list per kind, read once per request, and a Find for any
// record beyond the list (a site with more than 500 of one kind).
type refs[T any, P recordPtr[T]] struct {
	cat    catalog[T]
	site   forkline.ID
	byID   map[forkline.ID]T
	sorted []T // the listed records, by code
}

func newRefs[T any, P recordPtr[T]](ctx context.Context, cat catalog[T], site forkline.ID) (*refs[T, P], error) {
	r := &refs[T, P]{cat: cat, site: site, byID: map[forkline.ID]T{}}
	recs, err := cat.List(ctx, plant.Filter{SiteIDs: []forkline.ID{site}, IncludeInactive: true, Limit: 500})
	if err != nil {
		return nil, err
	}
	for _, rec := range recs {
		r.byID[P(&rec).Base().ID] = rec
	}
	r.sorted = recs
	return r, nil
}

// get returns the record with id, and false when there is none.
func (r *refs[T, P]) get(ctx context.Context, id forkline.ID) (T, bool) {
	if rec, ok := r.byID[id]; ok {
		return rec, true
	}
	var zero T
	if id == "" {
		return zero, false
	}
	rec, err := r.cat.Find(ctx, id)
	if err != nil {
		return zero, false
	}
	r.byID[id] = rec
	return rec, true
}

// label returns "CODE · Name" of the record with id, or "" when there is none.
func (r *refs[T, P]) label(ctx context.Context, id forkline.ID) string {
	rec, ok := r.get(ctx, id)
	if !ok {
		return ""
	}
	b := P(&rec).Base()
	return b.Code + " · " + b.Name
}

// code returns the code of the record with id, or "" when there is none.
func (r *refs[T, P]) code(ctx context.Context, id forkline.ID) string {
	rec, ok := r.get(ctx, id)
	if !ok {
		return ""
	}
	return P(&rec).Base().Code
}

// options returns the active records as choices, by code, with the
// selected one kept even when it was disabled since.
func (r *refs[T, P]) options(selected string, placeholder string) []formOption {
	out := []formOption{{Value: "", Label: placeholder, Selected: selected == ""}}
	for i := range r.sorted {
		b := P(&r.sorted[i]).Base()
		if !b.Active && b.ID != selected {
			continue
		}
		label := b.Code + " · " + b.Name
		if !b.Active {
			label += " (disabled)"
		}
		out = append(out, formOption{Value: b.ID, Label: label, Selected: b.ID == selected})
	}
	return out
}

// siteRefs are the master records a ledger page names.
type siteRefs struct {
	items     *refs[plant.Item, *plant.Item]
	suppliers *refs[plant.Supplier, *plant.Supplier]
	customers *refs[plant.Customer, *plant.Customer]
	locations *refs[plant.Location, *plant.Location]
	lines     *refs[plant.Line, *plant.Line]
}

// siteRefs reads the master records of a site that ledger pages name.
func (ui *UI) siteRefs(ctx context.Context, site forkline.ID) (siteRefs, error) {
	p := ui.cfg.Plant
	var s siteRefs
	var err error
	if s.items, err = newRefs[plant.Item](ctx, p.Items, site); err != nil {
		return s, err
	}
	if s.suppliers, err = newRefs[plant.Supplier](ctx, p.Suppliers, site); err != nil {
		return s, err
	}
	if s.customers, err = newRefs[plant.Customer](ctx, p.Customers, site); err != nil {
		return s, err
	}
	if s.locations, err = newRefs[plant.Location](ctx, p.Locations, site); err != nil {
		return s, err
	}
	if s.lines, err = newRefs[plant.Line](ctx, p.Lines, site); err != nil {
		return s, err
	}
	return s, nil
}

// shipTo returns the name of a customer's ship-to location.
func (s siteRefs) shipTo(ctx context.Context, customer, id forkline.ID) string {
	c, ok := s.customers.get(ctx, customer)
	if !ok {
		return ""
	}
	for _, st := range c.ShipTos {
		if st.ID == id {
			return st.Name
		}
	}
	return ""
}

// statusView is a lot status as people read it.
type statusView struct {
	Label, Badge, Help string
}

func lotStatus(s inventory.Status) statusView {
	switch s {
	case inventory.Quarantine:
		return statusView{"Quarantine", "info", "Awaiting inspection: it may not be used or shipped until quality releases it."}
	case inventory.Released:
		return statusView{"Released", "ok", "It may be used and shipped."}
	case inventory.Hold:
		return statusView{"On hold", "warn", "Blocked pending an investigation: it may not be used or shipped."}
	case inventory.Rejected:
		return statusView{"Rejected", "danger", "It must not be used or shipped: destroy it or return it to the supplier."}
	}
	return statusView{string(s), "muted", ""}
}

// statusOptions are the choices of the lot list's status filter.
func statusOptions() []option {
	out := []option{{"", "Any status"}}
	for _, s := range inventory.Statuses() {
		out = append(out, option{string(s), lotStatus(s).Label})
	}
	return out
}

var adjustReasonLabels = map[inventory.AdjustReason]string{
	inventory.Waste:           "Waste",
	inventory.Sample:          "Sample",
	inventory.CountCorrection: "Count correction",
	inventory.Damage:          "Damage",
}

// qty writes a quantity as people read it: "12.5 kg", with a true minus sign.
func qty(q forkline.Quantity) string {
	return strings.Replace(q.String(), "-", "−", 1)
}

// dayFormat is how ledger pages write a date.
const dayFormat = "2 Jan 2006"

// formatDay writes a date stored as UTC midnight, or "" for none.
func formatDay(d time.Time) string {
	if d.IsZero() {
		return ""
	}
	return d.UTC().Format(dayFormat)
}

// today returns the date at a site as UTC midnight, the way lot dates are kept.
func (ui *UI) today(loc *time.Location) time.Time {
	y, m, d := ui.cfg.Now().In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// expiryView is a lot's expiry date with how soon it comes.
type expiryView struct {
	Date  string
	Note  string // "expired 3 days ago", "5 days left"
	Class string // "expired", "soon" or ""
}

// expiryWarnDays is how close an expiry date is shown in amber.
const expiryWarnDays = 7

func expiry(d, today time.Time) expiryView {
	if d.IsZero() {
		return expiryView{Date: "—"}
	}
	v := expiryView{Date: formatDay(d)}
	days := int(d.Sub(today).Hours() / 24)
	switch {
	case days < 0:
		v.Class, v.Note = "expired", fmt.Sprintf("expired %d %s ago", -days, plural(-days, "day", "days"))
	case days == 0:
		v.Class, v.Note = "soon", "expires today"
	case days <= expiryWarnDays:
		v.Class, v.Note = "soon", fmt.Sprintf("%d %s left", days, plural(days, "day", "days"))
	default:
		v.Note = fmt.Sprintf("%d days left", days)
	}
	return v
}

// siteLoc returns the time zone of a site the visit knows, else the visit's.
func (v visit) siteLoc(site forkline.ID) *time.Location {
	if i := slices.IndexFunc(v.sites, func(s plant.Site) bool { return s.ID == site }); i >= 0 && v.sites[i].TimeZone != "" {
		if loc, err := time.LoadLocation(v.sites[i].TimeZone); err == nil {
			return loc
		}
	}
	return v.loc
}

// ledgerSite returns the current site for a ledger page, refusing a user
// who may not perm there.
func (v visit) ledgerSite(perm forkline.Permission) (plant.Site, error) {
	s, err := v.requireSite()
	if err != nil {
		return s, err
	}
	if !v.can(perm, s.ID) {
		return s, forkline.Errorf(forkline.Forbidden, "You have no role on %s that allows this.", s.Name)
	}
	return s, nil
}

// unitOptions are the units a quantity may be entered in.
func unitOptions(selected string) []formOption {
	out := []formOption{{Value: "", Label: "Unit…", Selected: selected == ""}}
	for _, u := range forkline.Units() {
		out = append(out, formOption{Value: string(u), Label: string(u), Selected: string(u) == selected})
	}
	return out
}

// parseQty reads a quantity typed as a number and a unit chosen beside it.
// The error is a sentence for the field.
func parseQty(amount, unit string, label string) (forkline.Quantity, string, string) {
	amount = strings.TrimSpace(strings.ReplaceAll(amount, ",", "."))
	var amountErr, unitErr string
	var micros int64
	if amount == "" {
		amountErr = "Enter the " + strings.ToLower(label) + ", e.g. 25."
	} else if m, err := forkline.ParseDecimal(amount); err != nil {
		amountErr = label + " must be a number, such as 25 or 12.5."
	} else {
		micros = m
	}
	u, err := forkline.ParseUnit(unit)
	if strings.TrimSpace(unit) == "" {
		unitErr = "Choose the unit."
	} else if err != nil {
		unitErr = "Choose a unit from the list."
	}
	return forkline.QuantityFromMicros(micros, u), amountErr, unitErr
}

// parseDay reads a date field (yyyy-mm-dd) as UTC midnight; "" is zero.
func parseDay(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, true
	}
	d, err := time.Parse("2006-01-02", s)
	return d, err == nil
}

// parseLocalTime reads a date-time field (yyyy-mm-ddThh:mm) in loc; "" is zero.
func parseLocalTime(s string, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, true
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// localTimeValue writes t for a datetime-local field in loc.
func localTimeValue(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2006-01-02T15:04")
}

// newKey returns a fresh idempotency key for a form, so that a form sent
// twice (a double tap, a retry on flaky Wi-Fi) books once.
func newKey() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// apiWords are the service's field names as a form labels them, for the
// start of a problem's message; longer phrases first.
var apiWords = []struct{ api, label string }{
	{"supplierLot (or tlc)", "Supplier lot (or TLC)"},
	{"docType and docNumber", "Document type and number"},
	{"supplierLot", "Supplier lot"},
	{"supplierId", "Supplier"},
	{"itemId", "Item"},
	{"locationId", "Location"},
	{"fromId", "From location"},
	{"toId", "To location"},
	{"customerId", "Customer"},
	{"shipToId", "Ship-to"},
	{"docNumber", "Document number"},
	{"eventTime", "The date and time"},
	{"orderRef", "Order"},
	{"lotId", "Lot"},
	{"tlc", "TLC"},
	{"quantity", "Quantity"},
	{"change", "Quantity"},
	{"temperature", "Temperature"},
	{"reason", "Reason"},
}

// midWords are service field names inside a message, never ordinary words.
var midWords = strings.NewReplacer("fromId", "the from location", "docNumber", "document number", "docType", "document type",
	"supplierLot", "supplier lot", "itemId", "item", "supplierId", "supplier", "customerId", "customer", "shipToId", "ship-to")

// plainMessage rewrites a service's problem message for a form.
func plainMessage(msg string) string {
	for _, w := range apiWords {
		if rest, ok := cutPrefixFold(msg, w.api); ok {
			msg = w.label + rest
			break
		}
	}
	msg = sentence(midWords.Replace(msg))
	if !strings.HasSuffix(msg, ".") && !strings.HasSuffix(msg, "?") {
		msg += "."
	}
	return msg
}

// problems are what a refused form shows: messages by field, and
// messages that belong to no field.
type problems struct {
	fields  map[string][]string
	general []string
}

func (p *problems) add(field, msg string) {
	if p.fields == nil {
		p.fields = map[string][]string{}
	}
	if field == "" {
		p.general = append(p.general, msg)
		return
	}
	p.fields[field] = append(p.fields[field], msg)
}

func (p *problems) count() int {
	n := len(p.general)
	for _, m := range p.fields {
		n += len(m)
	}
	return n
}

func (p *problems) any() bool { return p.count() > 0 }

// refusal turns a service's refusal into problems on a form, with the
// service's field names mapped to the form's by names; it returns the
// status to answer with, or false when the error belongs on an error page.
func refusal(err error, names map[string]string, p *problems) (int, bool) {
	code := forkline.ErrorCode(err)
	if code != forkline.Invalid && code != forkline.Conflict {
		return 0, false
	}
	fields := forkline.ErrorFields(err)
	if len(fields) == 0 {
		p.add("", forkline.ErrorMessage(err))
	}
	for _, f := range fields {
		name, ok := names[f.Field]
		if !ok {
			p.add("", plainMessage(f.Msg))
			continue
		}
		p.add(name, plainMessage(f.Msg))
	}
	if code == forkline.Conflict {
		return http.StatusConflict, true
	}
	return http.StatusUnprocessableEntity, true
}

// field returns a form field with its value and problems.
func (p *problems) field(name, label, typ, value string) formField {
	return formField{Name: name, Label: label, Type: typ, Value: value, Errors: p.fields[name]}
}

// durationText writes how long a trace or recall took, e.g. "4.2 ms".
func durationText(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}
