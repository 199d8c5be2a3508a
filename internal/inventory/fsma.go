package inventory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/forkline/forkline"
)

// The FSMA 204 records: the key data elements (KDEs) of the critical
// tracking events (CTEs) receiving (21 CFR 1.1345), transformation (§1.1350)
// and shipping (§1.1340) of foods on the Food Traceability List, as FDA asks
// for them in an electronic sortable spreadsheet (§1.1455(c)(3)(ii)). They are
// read from the ledger, where the KDEs were captured at the event; corrected
// events and their corrections are left out.

// LocationDescription is a place as FSMA 204 describes it (§1.1310): business
// name, phone number, physical address or coordinates, city, state and postal
// code, country. Forkline keeps a supplier's or ship-to's address as one
// text, which goes in Street; a site has only its name.
type LocationDescription struct {
	BusinessName string
	Phone        string
	Street       string // street address or geographic coordinates
	City         string
	State        string // state or region
	PostalCode   string
	Country      string
}

// ProductDescription is a food as FSMA 204 describes it (§1.1310): product
// name (with brand, commodity and variety where they apply), packaging size
// and packaging style. Forkline fills the name from the item, and the
// packaging from the item's pack size (e.g. size "10 kg", style "case").
type ProductDescription struct {
	ProductName    string
	Brand          string
	Commodity      string
	Variety        string
	PackagingSize  string
	PackagingStyle string
}

// ReferenceDocument is a business document that holds some of an event's
// KDEs: its type (PO, BOL, production order) and number.
type ReferenceDocument struct {
	Type, Number string
}

// ReceivingRecord is the KDEs of receiving a traceability lot (§1.1345(a)).
type ReceivingRecord struct {
	EventID, LotID    forkline.ID
	TLC               string
	Quantity          forkline.Quantity // as entered at the dock, e.g. 40 case
	Product           ProductDescription
	PreviousSource    LocationDescription // the immediate previous source: the supplier
	ReceivingLocation LocationDescription
	DateReceived      time.Time // a date at the site (UTC midnight)
	TLCSource         LocationDescription
	TLCSourceRef      string
	Documents         []ReferenceDocument
}

// TransformationRecord is the KDEs of one food on the Food Traceability List
// used to make one new traceability lot (§1.1350(a)): one row per input lot
// and output lot of a production order. An output of a listed food made from
// no listed input has one record with the input fields empty.
type TransformationRecord struct {
	InputLotID, OutputLotID forkline.ID
	OutputEventID           forkline.ID
	InputTLC                string
	InputProduct            ProductDescription
	InputQuantity           forkline.Quantity // what the order used of the input lot
	OutputTLC               string
	Location                LocationDescription // where transformed: the new TLC's source
	TLCSourceRef            string
	DateCompleted           time.Time // a date at the site (UTC midnight)
	OutputProduct           ProductDescription
	OutputQuantity          forkline.Quantity
	Documents               []ReferenceDocument // the production order
}

// ShippingRecord is the KDEs of shipping a traceability lot (§1.1340(a)).
type ShippingRecord struct {
	EventID, LotID forkline.ID
	TLC            string
	Quantity       forkline.Quantity
	Product        ProductDescription
	Recipient      LocationDescription // the immediate subsequent recipient: the customer's ship-to
	ShipFrom       LocationDescription
	DateShipped    time.Time // a date at the site (UTC midnight)
	TLCSource      LocationDescription
	TLCSourceRef   string
	Documents      []ReferenceDocument
}

// FSMA204Records is what a site answers to an FDA records request: every
// receiving, transformation and shipping record the filter selects, each
// list in event order.
type FSMA204Records struct {
	Site           Site
	Filter         TraceabilityFilter
	Receiving      []ReceivingRecord
	Transformation []TransformationRecord
	Shipping       []ShippingRecord
}

// TraceabilityFilter selects the events of a records request. With lots, the
// events of those lots (a transformation when its input or its output is one
// of them); with a time window, the events in it (a transformation by when
// it was completed); with both, the events of those lots in the window; with
// neither, every event of the site.
type TraceabilityFilter struct {
	SiteID forkline.ID
	LotIDs []forkline.ID
	From   time.Time // inclusive; zero: no lower bound
	To     time.Time // exclusive; zero: no upper bound
}

// has reports whether the filter selects an event of lot at t.
func (f TraceabilityFilter) has(lot forkline.ID, t time.Time) bool {
	return f.hasLot(lot) && f.hasTime(t)
}

func (f TraceabilityFilter) hasLot(lot forkline.ID) bool {
	return len(f.LotIDs) == 0 || slices.Contains(f.LotIDs, lot)
}

func (f TraceabilityFilter) hasTime(t time.Time) bool {
	return (f.From.IsZero() || !t.Before(f.From)) && (f.To.IsZero() || t.Before(f.To))
}

// CTEEvent is a receive, consume, produce or ship event with the lot, item
// and partners an FSMA 204 record describes.
type CTEEvent struct {
	Event
	Lot      Lot
	Item     Item     // ID, Code, Name, BaseUnit, PackSizes, TraceabilityList
	Supplier Supplier // the lot's supplier (ID, Code, Name, Address); zero for a produced lot
	Customer Customer // ship: ID, Code, Name
	ShipTo   ShipTo   // ship: where it went, even if that ship-to is disabled since
}

// FSMAStore is the part of the store that reads the critical tracking events.
type FSMAStore interface {
	// FindCTEEvents returns, for the filter's site and in event order, the
	// receive and ship events of listed items the filter selects; then every
	// produce event, and every consume event of a listed item, of each
	// production order that used or made a listed food, has a produce event
	// in the window and (when the filter names lots) has one of the lots as
	// input or output. Corrected events are left out; nothing found is no
	// error. One read transaction, so the lists agree.
	FindCTEEvents(ctx context.Context, f TraceabilityFilter) ([]CTEEvent, error)
}

// maxRequestLots bounds the lots of one records request.
const maxRequestLots = 1000

// TraceabilityRecords returns the FSMA 204 records of a site's receiving,
// transformation and shipping of foods on the Food Traceability List. The
// caller needs inventory.read on the site.
func (s *Service) TraceabilityRecords(ctx context.Context, f TraceabilityFilter) (FSMA204Records, error) {
	if _, err := actorFor(ctx, forkline.PermInventoryRead, f.SiteID); err != nil {
		return FSMA204Records{}, err
	}
	site, err := s.site(ctx, f.SiteID)
	if err != nil {
		return FSMA204Records{}, err
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return FSMA204Records{}, invalid("to", "after", "to must be after from")
	}
	f.From, f.To = f.From.UTC(), f.To.UTC()
	if len(f.LotIDs) > maxRequestLots {
		return FSMA204Records{}, invalid("lotIds", "max_items", fmt.Sprintf("lotIds may name at most %d lots; ask for a time window instead", maxRequestLots))
	}
	var lots []forkline.ID
	for _, id := range f.LotIDs {
		if slices.Contains(lots, id) {
			continue
		}
		if !forkline.ValidID(id) {
			return FSMA204Records{}, invalid("lotIds", "reference", fmt.Sprintf("lotIds: %q is not the ID of a lot", id))
		}
		l, err := s.store.FindLot(ctx, id)
		if forkline.ErrorCode(err) == forkline.NotFound || err == nil && l.SiteID != site.ID {
			return FSMA204Records{}, invalid("lotIds", "reference", fmt.Sprintf("lotIds: %s is not a lot of this site", id))
		} else if err != nil {
			return FSMA204Records{}, err
		}
		lots = append(lots, id)
	}
	f.LotIDs = lots
	evs, err := s.store.FindCTEEvents(ctx, f)
	if err != nil {
		return FSMA204Records{}, err
	}
	return BuildFSMA204Records(site, f, evs), nil
}

// BuildFSMA204Records turns CTE events into records. Only foods on the Food
// Traceability List are recorded: receipts and shipments of listed items,
// and transformations that used a listed input or made a listed output.
// A transformation pairs every listed lot a production order consumed with
// every lot it produced, as the genealogy does; the quantity used is the
// order's total of that input lot.
func BuildFSMA204Records(site Site, f TraceabilityFilter, evs []CTEEvent) FSMA204Records {
	out := FSMA204Records{Site: site, Filter: f}
	here := LocationDescription{BusinessName: site.Name}
	if site.Location == nil {
		site.Location = time.UTC
	}
	type orderEvents struct{ inputs, outputs []CTEEvent }
	orders := map[string]*orderEvents{}
	var orderRefs []string
	for _, e := range evs {
		if e.SiteID != site.ID {
			continue
		}
		switch e.Kind {
		case Receive:
			if !e.Item.TraceabilityList || !f.has(e.LotID, e.EventTime) {
				continue
			}
			out.Receiving = append(out.Receiving, ReceivingRecord{EventID: e.ID, LotID: e.LotID, TLC: e.Lot.TLC,
				Quantity: enteredQuantity(e.Event), Product: productOf(e.Item, enteredQuantity(e.Event).Unit),
				PreviousSource: supplierLocation(e.Supplier), ReceivingLocation: here, DateReceived: day(e.EventTime, site.Location),
				TLCSource: tlcSource(e.Lot, e.Supplier), TLCSourceRef: e.Lot.TLCSourceRef, Documents: documents(e.DocType, e.DocNumber)})
		case Ship:
			if !e.Item.TraceabilityList || !f.has(e.LotID, e.EventTime) {
				continue
			}
			out.Shipping = append(out.Shipping, ShippingRecord{EventID: e.ID, LotID: e.LotID, TLC: e.Lot.TLC,
				Quantity: enteredQuantity(e.Event), Product: productOf(e.Item, enteredQuantity(e.Event).Unit),
				Recipient: recipientLocation(e.Customer, e.ShipTo), ShipFrom: here, DateShipped: day(e.EventTime, site.Location),
				TLCSource: tlcSource(e.Lot, e.Supplier), TLCSourceRef: e.Lot.TLCSourceRef, Documents: documents(e.DocType, e.DocNumber)})
		case Consume, Produce:
			if e.OrderRef == "" || e.Kind == Consume && !e.Item.TraceabilityList {
				continue
			}
			o := orders[e.OrderRef]
			if o == nil {
				o = &orderEvents{}
				orders[e.OrderRef] = o
				orderRefs = append(orderRefs, e.OrderRef)
			}
			if e.Kind == Consume {
				o.inputs = append(o.inputs, e)
			} else {
				o.outputs = append(o.outputs, e)
			}
		}
	}
	for _, ref := range orderRefs {
		o := orders[ref]
		inputs := byLot(o.inputs)
		for _, out1 := range byLot(o.outputs) {
			p := out1.first
			if !f.hasTime(p.EventTime) {
				continue
			}
			rec := TransformationRecord{OutputLotID: p.LotID, OutputEventID: p.ID, OutputTLC: p.Lot.TLC,
				Location: tlcSource(p.Lot, p.Supplier), TLCSourceRef: p.Lot.TLCSourceRef, DateCompleted: day(p.EventTime, site.Location),
				OutputProduct: productOf(p.Item, out1.quantity.Unit), OutputQuantity: out1.quantity, Documents: documents(p.DocType, p.DocNumber)}
			if len(rec.Documents) == 0 {
				rec.Documents = documents("production order", p.OrderRef)
			}
			if len(inputs) == 0 {
				if p.Item.TraceabilityList && f.hasLot(p.LotID) {
					out.Transformation = append(out.Transformation, rec)
				}
				continue
			}
			for _, in := range inputs {
				if !f.hasLot(p.LotID) && !f.hasLot(in.first.LotID) {
					continue
				}
				r := rec
				r.InputLotID, r.InputTLC, r.InputQuantity = in.first.LotID, in.first.Lot.TLC, in.quantity
				r.InputProduct = productOf(in.first.Item, in.quantity.Unit)
				out.Transformation = append(out.Transformation, r)
			}
		}
	}
	slices.SortStableFunc(out.Transformation, func(a, b TransformationRecord) int {
		return cmp.Or(a.DateCompleted.Compare(b.DateCompleted), cmp.Compare(a.OutputEventID, b.OutputEventID))
	})
	return out
}

// lotEvents is the events of one lot in one order, and their total.
type lotEvents struct {
	first    CTEEvent
	quantity forkline.Quantity
}

// byLot groups events by lot, in the order of each lot's first event.
func byLot(evs []CTEEvent) []lotEvents {
	var out []lotEvents
	idx := map[forkline.ID]int{}
	group := map[forkline.ID][]Event{}
	for _, e := range evs {
		if _, ok := idx[e.LotID]; !ok {
			idx[e.LotID] = len(out)
			out = append(out, lotEvents{first: e})
		}
		group[e.LotID] = append(group[e.LotID], e.Event)
	}
	for i := range out {
		out[i].quantity = totalQuantity(group[out[i].first.LotID])
	}
	return out
}

// enteredQuantity is an event's quantity as entered (40 case), as the
// reference document states it; the base quantity when the entry is lost.
func enteredQuantity(e Event) forkline.Quantity {
	if q, err := forkline.ParseQuantity(e.Entered); err == nil && q.Sign() > 0 {
		return q
	}
	return e.Quantity
}

// totalQuantity adds events' quantities: as entered when all were entered
// in one unit, else in the base unit, which is always exact.
func totalQuantity(evs []Event) forkline.Quantity {
	entered := enteredQuantity(evs[0])
	for _, e := range evs[1:] {
		sum, err := entered.Add(enteredQuantity(e))
		if err != nil {
			entered = forkline.Quantity{}
			break
		}
		entered = sum
	}
	if entered.Unit != "" {
		return entered
	}
	total := evs[0].Quantity
	for _, e := range evs[1:] {
		if sum, err := total.Add(e.Quantity); err == nil {
			total = sum
		}
	}
	return total
}

// productOf describes an item: its name, and the pack size of unit (or its
// first pack size) as packaging size and style.
func productOf(it Item, unit forkline.Unit) ProductDescription {
	p := ProductDescription{ProductName: it.Name}
	if len(it.PackSizes) == 0 {
		return p
	}
	ps := it.PackSizes[0]
	if i := slices.IndexFunc(it.PackSizes, func(ps forkline.PackSize) bool { return ps.Unit == unit }); i >= 0 {
		ps = it.PackSizes[i]
	}
	p.PackagingSize, p.PackagingStyle = ps.Contents.String(), string(ps.Unit)
	return p
}

func supplierLocation(sp Supplier) LocationDescription {
	return LocationDescription{BusinessName: sp.Name, Street: sp.Address}
}

// recipientLocation names the customer and, when it has a name, the ship-to.
func recipientLocation(c Customer, st ShipTo) LocationDescription {
	name := c.Name
	if st.Name != "" && st.Name != c.Name {
		name += " (" + st.Name + ")"
	}
	return LocationDescription{BusinessName: name, Street: st.Address}
}

// tlcSource describes where a lot's TLC was assigned. Receiving records the
// source as text: the supplier's name and address when the TLC is theirs
// (split again here), else what the dock entered; a produced lot's source
// is the site.
func tlcSource(l Lot, sp Supplier) LocationDescription {
	src := strings.TrimSpace(l.TLCSource)
	if sp.Name != "" && (src == sp.Name || strings.TrimSuffix(src, ",") == strings.TrimSuffix(sp.Name+", "+sp.Address, ", ")) {
		return supplierLocation(sp)
	}
	return LocationDescription{BusinessName: src}
}

func documents(typ, number string) []ReferenceDocument {
	if typ == "" && number == "" {
		return nil
	}
	return []ReferenceDocument{{Type: typ, Number: number}}
}
