package inventory

import (
	"time"

	"github.com/forkline/forkline"
)

// Status decides whether a lot may be used.
type Status string

// The lot statuses.
const (
	Quarantine Status = "quarantine" // awaiting inspection
	Released   Status = "released"   // may be consumed and shipped
	Hold       Status = "hold"       // blocked pending investigation
	Rejected   Status = "rejected"   // must not be used; to be destroyed or returned
)

// Statuses lists every lot status.
func Statuses() []Status { return []Status{Quarantine, Released, Hold, Rejected} }

// Usable reports whether a lot in status s may be consumed or shipped.
func (s Status) Usable() bool { return s == Released }

// Origin says how a lot came to the site.
type Origin string

// The origins.
const (
	Received Origin = "received"
	Produced Origin = "produced"
)

// Lot is a quantity of one item received or produced under one code.
type Lot struct {
	ID           forkline.ID
	SiteID       forkline.ID
	ItemID       forkline.ID
	Code         string // the site's lot code, unique on the site
	TLC          string // traceability lot code (FSMA 204)
	TLCSource    string // where the TLC was assigned: a location description
	TLCSourceRef string // e.g. the source's GLN or FDA registration number
	Origin       Origin
	Status       Status
	SupplierID   forkline.ID
	SupplierLot  string
	OrderRef     string      // the production order that made it
	LineID       forkline.ID // the line that made it
	Quantity     forkline.Quantity
	Expiry       time.Time // a date (UTC midnight); zero when the item has no shelf life
	ProducedOn   time.Time // a date; zero when unknown
	CreatedAt    time.Time
	Version      int
}

// ExpiredOn reports whether the lot is past its expiry date on day (a date).
func (l Lot) ExpiredOn(day time.Time) bool {
	return !l.Expiry.IsZero() && day.After(l.Expiry)
}

// EventKind is what a ledger event did.
type EventKind string

// The event kinds.
const (
	Receive      EventKind = "receive"
	Move         EventKind = "move"
	Consume      EventKind = "consume"
	Produce      EventKind = "produce"
	Ship         EventKind = "ship"
	Adjust       EventKind = "adjust"
	StatusChange EventKind = "status"
	Correct      EventKind = "correct"
)

// AdjustReason is why a quantity was adjusted.
type AdjustReason string

// The adjustment reasons.
const (
	Waste           AdjustReason = "waste"
	Sample          AdjustReason = "sample"
	CountCorrection AdjustReason = "count_correction"
	Damage          AdjustReason = "damage"
)

// AdjustReasons lists every adjustment reason.
func AdjustReasons() []AdjustReason { return []AdjustReason{Waste, Sample, CountCorrection, Damage} }

// Event is one entry of the ledger. Quantity is in the item's base unit and
// always positive; the kind says which way it moves (an adjustment's sign is
// in Delta).
type Event struct {
	ID           forkline.ID
	SiteID       forkline.ID
	Kind         EventKind
	LotID        forkline.ID
	ItemID       forkline.ID
	LocationID   forkline.ID // where from (move, consume, ship, adjust) or where to (receive, produce)
	ToLocationID forkline.ID // move only
	Quantity     forkline.Quantity
	Delta        int64  // adjust: signed micro-units added to the balance
	Entered      string // the quantity as entered, e.g. "2 case"
	StatusFrom   Status
	StatusTo     Status
	Reason       string // adjust reason, status reason, correction reason
	Note         string
	OrderRef     string
	LineID       forkline.ID
	SupplierID   forkline.ID
	CustomerID   forkline.ID
	ShipToID     forkline.ID
	DocType      string // reference document type: PO, BOL, ASN, invoice, work order
	DocNumber    string
	Temperature  string // receiving temperature in °C as a decimal, "" when not taken
	CorrectsID   forkline.ID
	EventTime    time.Time // when it happened
	RecordedAt   time.Time // when it was booked
	ActorID      string
	ActorName    string
}

// Balance is what a lot holds at one location.
type Balance struct {
	LotID      forkline.ID
	LocationID forkline.ID
	Quantity   forkline.Quantity
}
