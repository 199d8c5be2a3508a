package inventory

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/audit"
)

// Service books ledger commands and answers questions about lots.
type Service struct {
	store Store
	ids   *forkline.IDGenerator
	now   func() time.Time
}

// NewService returns a Service.
func NewService(store Store, ids *forkline.IDGenerator, now func() time.Time) *Service {
	return &Service{store: store, ids: ids, now: now}
}

// Errors an operator sees at the line or the dock.
var (
	ErrSupplierNotApproved = &forkline.Error{Code: forkline.Invalid, Msg: "The supplier is not approved to deliver: a quality user may receive with an override reason.",
		Fields: []forkline.FieldProblem{{Field: "supplierId", Rule: "approved", Msg: "the supplier is not approved"}}}
)

// day returns the date of t in loc, as UTC midnight.
func day(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Today returns today's date at the site.
func (s *Service) today(site Site) time.Time { return day(s.now(), site.Location) }

// requestHash identifies a command's input, so that a key reused for
// another request is refused rather than replayed.
func requestHash(v any) string {
	b, _ := json.Marshal(v)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func invalid(field, rule, msg string) error {
	return &forkline.Error{Code: forkline.Invalid, Msg: msg, Fields: []forkline.FieldProblem{{Field: field, Rule: rule, Msg: msg}}}
}

// actorFor checks the actor holds perm on site.
func actorFor(ctx context.Context, perm forkline.Permission, site forkline.ID) (forkline.Actor, error) {
	a, err := forkline.RequireActor(ctx)
	if err != nil {
		return a, err
	}
	return a, a.Require(perm, site)
}

// toBase converts an entered quantity to the item's base unit. The
// conversion must be exact: a receiving dock never rounds stock.
func toBase(field string, q forkline.Quantity, it Item) (forkline.Quantity, error) {
	if q.Unit == "" {
		return forkline.Quantity{}, invalid(field, "required", field+" needs a unit, e.g. \"12.5 kg\"")
	}
	base, exact, err := forkline.Convert(q, it.BaseUnit, it.PackSizes)
	if err != nil {
		return forkline.Quantity{}, invalid(field, "unit", fmt.Sprintf("%s: %s", field, forkline.ErrorMessage(err)))
	}
	if !exact {
		return forkline.Quantity{}, invalid(field, "exact", fmt.Sprintf("%s %s is not a whole number of millionths of %s; enter it in %s", field, q, it.BaseUnit, it.BaseUnit))
	}
	if base.Sign() <= 0 {
		return forkline.Quantity{}, invalid(field, "positive", field+" must be more than zero")
	}
	return base, nil
}

// location checks that a location is active and on the site.
func (s *Service) location(ctx context.Context, field string, site, id forkline.ID) (Location, error) {
	if !forkline.ValidID(id) {
		return Location{}, invalid(field, "required", field+" must be the ID of a storage location")
	}
	l, err := s.store.FindInventoryLocation(ctx, id)
	if forkline.ErrorCode(err) == forkline.NotFound {
		return l, invalid(field, "reference", field+" is not a known location")
	} else if err != nil {
		return l, err
	}
	return l, checkLocation(field, site, l)
}

// checkLocation checks that a location read (zero if not found) is an
// active location of the site.
func checkLocation(field string, site forkline.ID, l Location) error {
	if l.ID == "" {
		return invalid(field, "reference", field+" is not a known location")
	}
	if l.SiteID != site || !l.Active {
		return invalid(field, "reference", fmt.Sprintf("location %s is not an active location of this site", l.Code))
	}
	return nil
}

func (s *Service) item(ctx context.Context, site, id forkline.ID) (Item, error) {
	if !forkline.ValidID(id) {
		return Item{}, invalid("itemId", "required", "itemId must be the ID of an item")
	}
	it, err := s.store.FindInventoryItem(ctx, id)
	if forkline.ErrorCode(err) == forkline.NotFound {
		return it, invalid("itemId", "reference", "itemId is not a known item")
	} else if err != nil {
		return it, err
	}
	if it.SiteID != site || !it.Active {
		return it, invalid("itemId", "reference", fmt.Sprintf("item %s is not an active item of this site", it.Code))
	}
	return it, nil
}

func (s *Service) site(ctx context.Context, id forkline.ID) (Site, error) {
	if !forkline.ValidID(id) {
		return Site{}, invalid("siteId", "required", "siteId must be the ID of a site")
	}
	st, err := s.store.FindInventorySite(ctx, id)
	if forkline.ErrorCode(err) == forkline.NotFound {
		return st, invalid("siteId", "reference", "siteId is not a known site")
	}
	return st, err
}

// lotFor loads a lot and checks the actor holds perm on its site.
func (s *Service) lotFor(ctx context.Context, perm forkline.Permission, id forkline.ID) (Lot, Site, forkline.Actor, error) {
	if !forkline.ValidID(id) {
		return Lot{}, Site{}, forkline.Actor{}, invalid("lotId", "required", "lotId must be the ID of a lot")
	}
	l, err := s.store.FindLot(ctx, id)
	if err != nil {
		return l, Site{}, forkline.Actor{}, err
	}
	a, err := actorFor(ctx, perm, l.SiteID)
	if err != nil {
		return l, Site{}, a, err
	}
	st, err := s.store.FindInventorySite(ctx, l.SiteID)
	return l, st, a, err
}

// eventTime is when the event happened: now when not given; never in the future.
func (s *Service) eventTime(t time.Time) (time.Time, error) {
	now := s.now().UTC().Truncate(time.Microsecond)
	if t.IsZero() {
		return now, nil
	}
	if t.After(now.Add(5 * time.Minute)) {
		return time.Time{}, invalid("eventTime", "not_future", "eventTime must not be in the future")
	}
	return t.UTC().Truncate(time.Microsecond), nil
}

func (s *Service) newEvent(a forkline.Actor, kind EventKind, site forkline.ID, at time.Time) Event {
	return Event{ID: s.ids.New(), SiteID: site, Kind: kind, EventTime: at, RecordedAt: s.now().UTC().Truncate(time.Microsecond), ActorID: a.ID, ActorName: a.Name}
}

// ReceiveInput is a receipt of material at the dock, with the key data
// elements of FSMA 204 §1.1345.
type ReceiveInput struct {
	SiteID, ItemID, SupplierID forkline.ID
	SupplierLot                string            // the supplier's lot code
	TLC                        string            // the traceability lot code on the delivery; "" to keep SupplierLot (FTL items) or assign one
	TLCSource                  string            // where the TLC was assigned; "" means the supplier
	TLCSourceRef               string            // e.g. the supplier's GLN
	Quantity                   forkline.Quantity // as entered: "40 case" or "1000 kg"
	LocationID                 forkline.ID
	DocType, DocNumber         string // e.g. "PO" and "4500012345", or "BOL" and its number
	ReceivedAt                 time.Time
	Expiry                     time.Time // from the label; zero: from the item's shelf life
	ProducedOn                 time.Time
	Temperature                string // °C, decimal
	OverrideReason             string // quality's reason to receive from a supplier not approved
	IdempotencyKey             string
}

// Receive books a receipt: a new lot, in quarantine when the item needs
// inspection, else released.
func (s *Service) Receive(ctx context.Context, in ReceiveInput) (Result, error) {
	a, err := actorFor(ctx, forkline.PermInventoryWrite, in.SiteID)
	if err != nil {
		return Result{}, err
	}
	site, err := s.site(ctx, in.SiteID)
	if err != nil {
		return Result{}, err
	}
	var p forkline.Problems
	it, err := s.item(ctx, site.ID, in.ItemID)
	if err != nil {
		return Result{}, err
	}
	if _, err := s.location(ctx, "locationId", site.ID, in.LocationID); err != nil {
		return Result{}, err
	}
	if !forkline.ValidID(in.SupplierID) {
		return Result{}, invalid("supplierId", "required", "supplierId is required: FSMA 204 records the immediate previous source")
	}
	sup, err := s.store.FindInventorySupplier(ctx, in.SupplierID)
	if forkline.ErrorCode(err) == forkline.NotFound || err == nil && (sup.SiteID != site.ID || !sup.Active) {
		return Result{}, invalid("supplierId", "reference", "supplierId is not an active supplier of this site")
	} else if err != nil {
		return Result{}, err
	}
	if !sup.MayDeliver {
		if strings.TrimSpace(in.OverrideReason) == "" {
			return Result{}, &forkline.Error{Code: forkline.Invalid, Msg: fmt.Sprintf("Supplier %s is %s, not approved to deliver. A quality user may receive with an override reason.", sup.Name, sup.Approval),
				Fields: []forkline.FieldProblem{{Field: "supplierId", Rule: "approved", Msg: fmt.Sprintf("supplier %s is %s", sup.Code, sup.Approval)}}}
		}
		if !a.Can(forkline.PermLotRelease, site.ID) {
			return Result{}, forkline.Errorf(forkline.Forbidden, "Only quality may receive from a supplier that is %s.", sup.Approval)
		}
	}
	base, err := toBase("quantity", in.Quantity, it)
	if err != nil {
		return Result{}, err
	}
	at, err := s.eventTime(in.ReceivedAt)
	if err != nil {
		return Result{}, err
	}
	p.MaxLen("supplierLot", in.SupplierLot, 40)
	p.MaxLen("tlc", in.TLC, 60)
	p.MaxLen("docNumber", in.DocNumber, 60)
	if in.DocType != "" && in.DocNumber == "" || in.DocType == "" && in.DocNumber != "" {
		p.Add("docNumber", "pair", "give the reference document's type and number together")
	}
	if it.TraceabilityList {
		// FSMA 204 §1.1345: the TLC and the reference document are key data elements.
		if in.SupplierLot == "" && in.TLC == "" {
			p.Add("supplierLot", "required", "supplierLot (or tlc) is required: the item is on the Food Traceability List")
		}
		if in.DocNumber == "" {
			p.Add("docNumber", "required", "docType and docNumber are required: the item is on the Food Traceability List")
		}
	}
	if in.Temperature != "" {
		if _, err := forkline.ParseDecimal(in.Temperature); err != nil {
			p.Add("temperature", "decimal", "temperature must be a number of degrees Celsius, e.g. 3.5")
		}
	}
	if err := p.Err("The receipt is not valid."); err != nil {
		return Result{}, err
	}
	recvDay := day(at, site.Location)
	expiry := in.Expiry
	if expiry.IsZero() && it.ShelfLifeDays > 0 {
		from := recvDay
		if !in.ProducedOn.IsZero() {
			from = in.ProducedOn
		}
		expiry = from.AddDate(0, 0, it.ShelfLifeDays)
	}
	status := Released
	if it.InspectOnReceipt {
		status = Quarantine
	}
	lot := Lot{ID: s.ids.New(), SiteID: site.ID, ItemID: it.ID, Origin: Received, Status: status,
		SupplierID: sup.ID, SupplierLot: strings.TrimSpace(in.SupplierLot), Quantity: base, Expiry: expiry, ProducedOn: in.ProducedOn,
		TLCSourceRef: in.TLCSourceRef, CreatedAt: s.now().UTC().Truncate(time.Microsecond), Version: 1}
	// FSMA 204: keep the TLC the supplier assigned; assign one only when
	// the delivery carries none.
	switch {
	case in.TLC != "":
		lot.TLC, lot.TLCSource = strings.TrimSpace(in.TLC), in.TLCSource
	case it.TraceabilityList && lot.SupplierLot != "":
		lot.TLC, lot.TLCSource = lot.SupplierLot, in.TLCSource
	}
	if lot.TLC != "" && lot.TLCSource == "" {
		lot.TLCSource = sup.Name
		if sup.Address != "" {
			lot.TLCSource += ", " + sup.Address
		}
	}
	if lot.TLC == "" {
		lot.TLCSource = site.Name // the store assigns the site's lot code as the TLC
	}
	ev := s.newEvent(a, Receive, site.ID, at)
	ev.ItemID, ev.LocationID, ev.Quantity, ev.Entered = it.ID, in.LocationID, base, in.Quantity.String()
	ev.SupplierID, ev.DocType, ev.DocNumber, ev.Temperature, ev.StatusTo = sup.ID, in.DocType, in.DocNumber, in.Temperature, status
	ev.Reason = strings.TrimSpace(in.OverrideReason)
	cmd := Command{ActorID: a.ID, IdempotencyKey: in.IdempotencyKey, RequestHash: requestHash(in), Today: s.today(site),
		NewLot: &NewLot{Lot: lot, Pattern: site.LotCodePattern, SiteCode: site.Code, ItemCode: it.Code, Day: recvDay},
		Events: []Event{ev}}
	if ev.Reason != "" {
		cmd.Audit = append(cmd.Audit, audit.Change{Action: "override", Entity: "lot", EntityID: lot.ID, SiteID: site.ID,
			Reason: ev.Reason, After: map[string]string{"supplier": sup.Code, "approval": sup.Approval}})
	}
	return s.store.RecordCommand(ctx, cmd)
}

// stock is what every command on a lot's stock at one location checks
// first: the lot and the caller's right on its site, the location, the
// quantity in the item's base unit, and the event time.
type stock struct {
	lot  Lot
	site Site
	a    forkline.Actor
	item Item
	base forkline.Quantity
	at   time.Time
}

func (s *Service) onStock(ctx context.Context, lotID forkline.ID, locField string, loc forkline.ID, qtyField string, q forkline.Quantity, at time.Time) (stock, error) {
	var st stock
	if !forkline.ValidID(lotID) {
		return st, invalid("lotId", "required", "lotId must be the ID of a lot")
	}
	// One query, not four: each read is a read transaction of its own.
	sc, err := s.store.FindStockContext(ctx, lotID, loc)
	if err != nil {
		return st, err
	}
	st.lot, st.site, st.item = sc.Lot, sc.Site, sc.Item
	if st.a, err = actorFor(ctx, forkline.PermInventoryWrite, st.lot.SiteID); err != nil {
		return st, err
	}
	if !forkline.ValidID(loc) {
		return st, invalid(locField, "required", locField+" must be the ID of a storage location")
	}
	if err := checkLocation(locField, st.site.ID, sc.Location); err != nil {
		return st, err
	}
	if st.base, err = toBase(qtyField, q, st.item); err != nil {
		return st, err
	}
	st.at, err = s.eventTime(at)
	return st, err
}

// event starts the event of a stock command.
func (st stock) event(s *Service, kind EventKind, loc forkline.ID, entered forkline.Quantity) Event {
	ev := s.newEvent(st.a, kind, st.site.ID, st.at)
	ev.LotID, ev.ItemID, ev.LocationID, ev.Quantity, ev.Entered = st.lot.ID, st.item.ID, loc, st.base, entered.String()
	return ev
}

// book records one event of a stock command; today is the day expiry is judged on.
// The request's hash is only needed, and only computed, with a key.
func (s *Service) book(ctx context.Context, st stock, in any, key string, today time.Time, ev Event) (Result, error) {
	cmd := Command{ActorID: st.a.ID, IdempotencyKey: key, Today: today, Lot: &st.lot, Events: []Event{ev}}
	if key != "" {
		cmd.RequestHash = requestHash(in)
	}
	return s.store.RecordCommand(ctx, cmd)
}

// MoveInput moves stock of a lot between locations.
type MoveInput struct {
	LotID, FromID, ToID forkline.ID
	Quantity            forkline.Quantity
	Note                string
	EventTime           time.Time
	IdempotencyKey      string
}

// Move books a move. Any status may move: a held lot may go to the quarantine cage.
func (s *Service) Move(ctx context.Context, in MoveInput) (Result, error) {
	st, err := s.onStock(ctx, in.LotID, "fromId", in.FromID, "quantity", in.Quantity, in.EventTime)
	if err != nil {
		return Result{}, err
	}
	if _, err := s.location(ctx, "toId", st.site.ID, in.ToID); err != nil {
		return Result{}, err
	}
	if in.FromID == in.ToID {
		return Result{}, invalid("toId", "different", "toId must differ from fromId")
	}
	ev := st.event(s, Move, in.FromID, in.Quantity)
	ev.ToLocationID, ev.Note = in.ToID, in.Note
	return s.book(ctx, st, in, in.IdempotencyKey, s.today(st.site), ev)
}

// ConsumeInput consumes stock of a lot into a production order.
type ConsumeInput struct {
	LotID, LocationID forkline.ID
	Quantity          forkline.Quantity
	OrderRef          string
	LineID            forkline.ID
	EventTime         time.Time
	IdempotencyKey    string
}

func validOrderRef(ref string) error {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return invalid("orderRef", "required", "orderRef is required: it links what an order consumed to what it produced")
	}
	if len(ref) > 60 {
		return invalid("orderRef", "max_length", "orderRef must be at most 60 characters")
	}
	return nil
}

// Consume books a consumption. The lot must be released and not expired,
// with enough stock at the location: checked in the same statement that
// takes the stock.
func (s *Service) Consume(ctx context.Context, in ConsumeInput) (Result, error) {
	if err := validOrderRef(in.OrderRef); err != nil {
		return Result{}, err
	}
	st, err := s.onStock(ctx, in.LotID, "locationId", in.LocationID, "quantity", in.Quantity, in.EventTime)
	if err != nil {
		return Result{}, err
	}
	ev := st.event(s, Consume, in.LocationID, in.Quantity)
	ev.OrderRef, ev.LineID = strings.TrimSpace(in.OrderRef), in.LineID
	// Expiry is judged on the day the material was used, at the site.
	return s.book(ctx, st, in, in.IdempotencyKey, day(st.at, st.site.Location), ev)
}

// ProduceInput books output of a production order as a new lot.
type ProduceInput struct {
	SiteID, ItemID, LocationID forkline.ID
	Quantity                   forkline.Quantity
	OrderRef                   string
	LineID                     forkline.ID
	ProducedAt                 time.Time
	Status                     Status // "" for released; quarantine when the batch awaits release
	IdempotencyKey             string
}

// Produce books a produced lot, linked to every lot the order consumed
// (before or after). Its code and TLC come from the site's pattern, and its
// expiry from the item's shelf life.
func (s *Service) Produce(ctx context.Context, in ProduceInput) (Result, error) {
	a, err := actorFor(ctx, forkline.PermInventoryWrite, in.SiteID)
	if err != nil {
		return Result{}, err
	}
	site, err := s.site(ctx, in.SiteID)
	if err != nil {
		return Result{}, err
	}
	if err := validOrderRef(in.OrderRef); err != nil {
		return Result{}, err
	}
	it, err := s.item(ctx, site.ID, in.ItemID)
	if err != nil {
		return Result{}, err
	}
	if _, err := s.location(ctx, "locationId", site.ID, in.LocationID); err != nil {
		return Result{}, err
	}
	base, err := toBase("quantity", in.Quantity, it)
	if err != nil {
		return Result{}, err
	}
	at, err := s.eventTime(in.ProducedAt)
	if err != nil {
		return Result{}, err
	}
	status := in.Status
	if status == "" {
		status = Released
	}
	if status != Released && status != Quarantine {
		return Result{}, invalid("status", "one_of", "status must be released or quarantine")
	}
	prodDay := day(at, site.Location)
	lot := Lot{ID: s.ids.New(), SiteID: site.ID, ItemID: it.ID, Origin: Produced, Status: status, OrderRef: strings.TrimSpace(in.OrderRef),
		LineID: in.LineID, Quantity: base, ProducedOn: prodDay, TLCSource: site.Name, CreatedAt: s.now().UTC().Truncate(time.Microsecond), Version: 1}
	if it.ShelfLifeDays > 0 {
		lot.Expiry = prodDay.AddDate(0, 0, it.ShelfLifeDays)
	}
	ev := s.newEvent(a, Produce, site.ID, at)
	ev.ItemID, ev.LocationID, ev.Quantity, ev.Entered, ev.OrderRef, ev.LineID, ev.StatusTo = it.ID, in.LocationID, base, in.Quantity.String(), lot.OrderRef, in.LineID, status
	ev.DocType, ev.DocNumber = "production order", lot.OrderRef
	return s.store.RecordCommand(ctx, Command{ActorID: a.ID, IdempotencyKey: in.IdempotencyKey, RequestHash: requestHash(in), Today: s.today(site),
		NewLot: &NewLot{Lot: lot, Pattern: site.LotCodePattern, SiteCode: site.Code, ItemCode: it.Code, Day: prodDay}, Events: []Event{ev}})
}

// ShipInput ships stock of a lot to a customer's ship-to location.
type ShipInput struct {
	LotID, LocationID    forkline.ID
	Quantity             forkline.Quantity
	CustomerID, ShipToID forkline.ID
	DocType, DocNumber   string // e.g. "BOL" and its number
	ShippedAt            time.Time
	IdempotencyKey       string
}

// Ship books a shipment. The lot must be usable and leave the customer at
// least the shelf life they require.
func (s *Service) Ship(ctx context.Context, in ShipInput) (Result, error) {
	st, err := s.onStock(ctx, in.LotID, "locationId", in.LocationID, "quantity", in.Quantity, in.ShippedAt)
	if err != nil {
		return Result{}, err
	}
	if !forkline.ValidID(in.CustomerID) {
		return Result{}, invalid("customerId", "required", "customerId is required")
	}
	cus, err := s.store.FindInventoryCustomer(ctx, in.CustomerID)
	if forkline.ErrorCode(err) == forkline.NotFound || err == nil && (cus.SiteID != st.site.ID || !cus.Active) {
		return Result{}, invalid("customerId", "reference", "customerId is not an active customer of this site")
	} else if err != nil {
		return Result{}, err
	}
	if !slices.ContainsFunc(cus.ShipTos, func(t ShipTo) bool { return t.ID == in.ShipToID }) {
		return Result{}, invalid("shipToId", "reference", fmt.Sprintf("shipToId must be one of %s's ship-to locations", cus.Name))
	}
	if in.DocType == "" || in.DocNumber == "" {
		return Result{}, invalid("docNumber", "required", "docType and docNumber (e.g. BOL and its number) are required for a shipment")
	}
	shipDay := day(st.at, st.site.Location)
	lot := st.lot
	if cus.MinShelfLifeDays > 0 && !lot.Expiry.IsZero() && lot.Expiry.Sub(shipDay) < time.Duration(cus.MinShelfLifeDays)*24*time.Hour {
		left := int(lot.Expiry.Sub(shipDay).Hours() / 24)
		return Result{}, invalid("lotId", "shelf_life", fmt.Sprintf("lot %s has %d days of shelf life left; %s requires at least %d", lot.Code, left, cus.Name, cus.MinShelfLifeDays))
	}
	ev := st.event(s, Ship, in.LocationID, in.Quantity)
	ev.CustomerID, ev.ShipToID, ev.DocType, ev.DocNumber = cus.ID, in.ShipToID, in.DocType, in.DocNumber
	return s.book(ctx, st, in, in.IdempotencyKey, shipDay, ev)
}

// AdjustInput changes a lot's stock at a location for a reason.
type AdjustInput struct {
	LotID, LocationID forkline.ID
	Change            forkline.Quantity // negative takes stock away; positive only for count corrections
	Reason            AdjustReason
	Note              string
	EventTime         time.Time
	IdempotencyKey    string
}

// Adjust books an adjustment: waste, samples and damage take stock away; a
// count correction may add or take.
func (s *Service) Adjust(ctx context.Context, in AdjustInput) (Result, error) {
	if !slices.Contains(AdjustReasons(), in.Reason) {
		return Result{}, invalid("reason", "one_of", "reason must be one of waste, sample, count_correction, damage")
	}
	neg := in.Change.Sign() < 0
	mag := in.Change
	if neg {
		mag = forkline.QuantityFromMicros(-in.Change.Micros(), in.Change.Unit)
	}
	st, err := s.onStock(ctx, in.LotID, "locationId", in.LocationID, "change", mag, in.EventTime)
	if err != nil {
		return Result{}, err
	}
	if !neg && in.Reason != CountCorrection {
		return Result{}, invalid("change", "negative", fmt.Sprintf("a %s adjustment takes stock away: give a negative change", in.Reason))
	}
	ev := st.event(s, Adjust, in.LocationID, in.Change)
	ev.Reason, ev.Note, ev.Delta = string(in.Reason), in.Note, st.base.Micros()
	if neg {
		ev.Delta = -ev.Delta
	}
	return s.book(ctx, st, in, in.IdempotencyKey, s.today(st.site), ev)
}

// StatusInput changes a lot's status.
type StatusInput struct {
	LotID          forkline.ID
	To             Status
	Reason         string
	IdempotencyKey string
}

// ChangeStatus holds, releases, rejects or quarantines a lot, with a
// reason, audited. Supervisors may hold; only quality may release, reject
// or quarantine. A rejected lot stays rejected.
func (s *Service) ChangeStatus(ctx context.Context, in StatusInput) (Result, error) {
	perm := forkline.PermLotRelease
	if in.To == Hold {
		perm = forkline.PermLotHold
	}
	lot, site, a, err := s.lotFor(ctx, perm, in.LotID)
	if err != nil {
		return Result{}, err
	}
	if !slices.Contains(Statuses(), in.To) {
		return Result{}, invalid("status", "one_of", "status must be one of quarantine, released, hold, rejected")
	}
	if strings.TrimSpace(in.Reason) == "" {
		return Result{}, invalid("reason", "required", "reason is required to change a lot's status")
	}
	// The store refuses a change to the status the lot has, and any change
	// of a rejected lot, after it has looked up the Idempotency-Key: a
	// retry of a change already booked returns the first result.
	ev := s.newEvent(a, StatusChange, site.ID, s.now().UTC().Truncate(time.Microsecond))
	ev.LotID, ev.ItemID, ev.Quantity, ev.StatusFrom, ev.StatusTo, ev.Reason = lot.ID, lot.ItemID, forkline.QuantityFromMicros(0, lot.Quantity.Unit), lot.Status, in.To, strings.TrimSpace(in.Reason)
	ch := audit.Change{Action: audit.Action(in.To), Entity: "lot", EntityID: lot.ID, SiteID: site.ID, Reason: ev.Reason,
		Before: map[string]string{"Code": lot.Code, "Status": string(lot.Status)}, After: map[string]string{"Code": lot.Code, "Status": string(in.To)}}
	return s.store.RecordCommand(ctx, Command{ActorID: a.ID, IdempotencyKey: in.IdempotencyKey, RequestHash: requestHash(in), Today: s.today(site), Events: []Event{ev}, Audit: []audit.Change{ch}})
}

// CorrectInput undoes one event by a compensating event.
type CorrectInput struct {
	EventID        forkline.ID
	Reason         string
	IdempotencyKey string
}

// Correct books the compensating event of a mistaken one. The original
// stays in the ledger; the correction points at it. An event is corrected
// at most once, and a correction is not itself corrected (book the right
// event instead).
func (s *Service) Correct(ctx context.Context, in CorrectInput) (Result, error) {
	if !forkline.ValidID(in.EventID) {
		return Result{}, invalid("eventId", "required", "eventId must be the ID of a ledger event")
	}
	orig, err := s.store.FindEvent(ctx, in.EventID)
	if err != nil {
		return Result{}, err
	}
	perm := forkline.PermInventoryWrite
	if orig.Kind == StatusChange {
		perm = forkline.PermLotRelease
	}
	lot, site, a, err := s.lotFor(ctx, perm, orig.LotID)
	if err != nil {
		return Result{}, err
	}
	if orig.Kind == Correct {
		return Result{}, forkline.Errorf(forkline.Conflict, "A correction cannot be corrected; book the right event instead.")
	}
	if orig.Kind == StatusChange && orig.StatusTo == Rejected {
		return Result{}, forkline.Errorf(forkline.Conflict, "A rejection is not undone: a rejected lot stays rejected.")
	}
	if strings.TrimSpace(in.Reason) == "" {
		return Result{}, invalid("reason", "required", "reason is required for a correction")
	}
	ev := s.newEvent(a, Correct, site.ID, s.now().UTC().Truncate(time.Microsecond))
	ev.LotID, ev.ItemID, ev.LocationID, ev.ToLocationID, ev.Quantity = lot.ID, orig.ItemID, orig.LocationID, orig.ToLocationID, orig.Quantity
	ev.OrderRef, ev.CustomerID, ev.ShipToID, ev.StatusFrom, ev.StatusTo = orig.OrderRef, orig.CustomerID, orig.ShipToID, orig.StatusTo, orig.StatusFrom
	ev.CorrectsID, ev.Reason, ev.Note = orig.ID, strings.TrimSpace(in.Reason), "corrects "+string(orig.Kind)
	cmd := Command{ActorID: a.ID, IdempotencyKey: in.IdempotencyKey, RequestHash: requestHash(in), Today: s.today(site), Events: []Event{ev}}
	cmd.Audit = []audit.Change{{Action: "correct", Entity: "lot", EntityID: lot.ID, SiteID: site.ID, Reason: ev.Reason,
		Before: map[string]string{"event": orig.ID, "kind": string(orig.Kind), "quantity": orig.Quantity.String()}}}
	return s.store.RecordCommand(ctx, cmd)
}

// Lot returns a lot. The caller needs inventory.read on its site.
func (s *Service) Lot(ctx context.Context, id forkline.ID) (Lot, error) {
	if !forkline.ValidID(id) {
		return Lot{}, forkline.ErrNotFound
	}
	l, _, _, err := s.lotFor(ctx, forkline.PermInventoryRead, id)
	return l, err
}

// LotByCode returns a lot by its code on a site.
func (s *Service) LotByCode(ctx context.Context, site forkline.ID, code string) (Lot, error) {
	if _, err := actorFor(ctx, forkline.PermInventoryRead, site); err != nil {
		return Lot{}, err
	}
	return s.store.FindLotByCode(ctx, site, strings.TrimSpace(code))
}

// Lots lists lots on the sites the caller may read, newest first.
func (s *Service) Lots(ctx context.Context, f LotFilter) ([]LotSummary, error) {
	a, err := forkline.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if a.Kind != forkline.ActorSystem {
		allowed := a.Sites(forkline.PermInventoryRead)
		if f.SiteIDs == nil {
			f.SiteIDs = allowed
		}
		for _, s := range f.SiteIDs {
			if !slices.Contains(allowed, s) {
				return nil, forkline.ErrForbidden
			}
		}
		if len(f.SiteIDs) == 0 {
			return nil, forkline.ErrForbidden
		}
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	return s.store.FindLots(ctx, f)
}

// LotDetail is a lot with its item, where it is and everything that happened to it.
type LotDetail struct {
	Lot      Lot
	Item     Item
	Balances []Balance
	Events   []Event
}

// Detail returns a lot with its balances and events.
func (s *Service) Detail(ctx context.Context, id forkline.ID) (LotDetail, error) {
	l, err := s.Lot(ctx, id)
	if err != nil {
		return LotDetail{}, err
	}
	it, err := s.store.FindInventoryItem(ctx, l.ItemID)
	if err != nil {
		return LotDetail{}, err
	}
	bs, err := s.store.FindBalances(ctx, id)
	if err != nil {
		return LotDetail{}, err
	}
	es, err := s.store.FindLotEvents(ctx, id)
	if err != nil {
		return LotDetail{}, err
	}
	return LotDetail{Lot: l, Item: it, Balances: bs, Events: es}, nil
}

// Suggestion is one lot FEFO proposes, with how much to take from it.
type Suggestion struct {
	Candidate
	Take forkline.Quantity
}

// FEFOInput asks which lots to use for a quantity of an item.
type FEFOInput struct {
	SiteID, ItemID forkline.ID
	Quantity       forkline.Quantity
	CustomerID     forkline.ID // for a shipment: skip lots with less shelf life than the customer requires
	AsOf           time.Time   // the time of use; zero means now
}

// FEFO proposes lots first-expired-first-out: released, not expired, with
// stock, earliest expiry first, and for a shipment only lots that leave the
// customer their minimum shelf life. Short is what no usable lot covers.
func (s *Service) FEFO(ctx context.Context, in FEFOInput) (sugg []Suggestion, short forkline.Quantity, err error) {
	if _, err := actorFor(ctx, forkline.PermInventoryRead, in.SiteID); err != nil {
		return nil, short, err
	}
	site, err := s.site(ctx, in.SiteID)
	if err != nil {
		return nil, short, err
	}
	it, err := s.item(ctx, site.ID, in.ItemID)
	if err != nil {
		return nil, short, err
	}
	need, err := toBase("quantity", in.Quantity, it)
	if err != nil {
		return nil, short, err
	}
	today := s.today(site)
	if !in.AsOf.IsZero() {
		today = day(in.AsOf, site.Location)
	}
	minExpiry := today
	if in.CustomerID != "" {
		cus, err := s.store.FindInventoryCustomer(ctx, in.CustomerID)
		if err != nil || cus.SiteID != site.ID {
			return nil, short, invalid("customerId", "reference", "customerId is not a customer of this site")
		}
		minExpiry = today.AddDate(0, 0, cus.MinShelfLifeDays)
	}
	cands, err := s.store.FindUsableStock(ctx, site.ID, it.ID, today)
	if err != nil {
		return nil, short, err
	}
	left := need.Micros()
	for _, c := range cands {
		if left <= 0 {
			break
		}
		if !c.Expiry.IsZero() && c.Expiry.Before(minExpiry) {
			continue
		}
		take := min(left, c.OnHand.Micros())
		sugg = append(sugg, Suggestion{Candidate: c, Take: forkline.QuantityFromMicros(take, it.BaseUnit)})
		left -= take
	}
	return sugg, forkline.QuantityFromMicros(max(left, 0), it.BaseUnit), nil
}

// ItemByGTIN returns the active item of a site with a GTIN, compared as
// GTIN-14 so that a GTIN-13 on file matches the 14 digits of a barcode.
func (s *Service) ItemByGTIN(ctx context.Context, site forkline.ID, gtin string) (Item, error) {
	if _, err := actorFor(ctx, forkline.PermInventoryRead, site); err != nil {
		return Item{}, err
	}
	return s.store.FindInventoryItemByGTIN(ctx, site, gtin)
}
