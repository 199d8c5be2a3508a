package inventory

import (
	"context"
	"slices"
	"time"

	"github.com/forkline/forkline"
)

// Direction is which way a trace walks the genealogy.
type Direction string

// The directions.
const (
	Backward Direction = "backward" // to the ingredients and the supplier lots
	Forward  Direction = "forward"  // to the products, shipments and customers
)

// TraceNode is one lot reached by a trace.
type TraceNode struct {
	Lot          Lot
	ItemCode     string
	ItemName     string
	SupplierName string
	Depth        int // edges from the nearest root
}

// TraceEdge links a consumed lot (parent) to a lot the same order produced
// (child); Quantity is how much of the parent that order consumed.
type TraceEdge struct {
	ParentID, ChildID forkline.ID
	OrderRef          string
	Quantity          forkline.Quantity
}

// Shipment is stock of a lot that left for a customer.
type Shipment struct {
	EventID            forkline.ID
	LotID              forkline.ID
	CustomerID         forkline.ID
	CustomerName       string
	ShipToName         string
	ShipToAddress      string
	DocType, DocNumber string
	Quantity           forkline.Quantity
	ShippedAt          time.Time
}

// OnHand is stock of a lot at one location.
type OnHand struct {
	LotID        forkline.ID
	LocationID   forkline.ID
	LocationCode string
	LocationName string
	Quantity     forkline.Quantity
}

// Trace is every lot reachable from the roots in one direction, the edges
// between them, and (forward) where their stock went and where it is.
type Trace struct {
	Direction Direction
	Roots     []forkline.ID
	Nodes     []TraceNode
	Edges     []TraceEdge
	Shipments []Shipment // shipments of every lot in Nodes, corrections netted out
	OnHand    []OnHand   // stock of every lot in Nodes
}

// TraceStore is the part of the store that walks the genealogy.
type TraceStore interface {
	// TraceLots walks from the roots (included at depth 0) in one direction.
	TraceLots(ctx context.Context, roots []forkline.ID, dir Direction) (Trace, error)
}

// Trace walks the genealogy of one lot. The caller needs inventory.read on
// the lot's site. Genealogy does not cross sites today: a production order
// belongs to one site.
func (s *Service) Trace(ctx context.Context, lotID forkline.ID, dir Direction) (Trace, error) {
	if dir != Backward && dir != Forward {
		return Trace{}, invalid("direction", "one_of", "direction must be backward or forward")
	}
	if !forkline.ValidID(lotID) {
		return Trace{}, forkline.ErrNotFound
	}
	// The trace reads the lot itself, at depth 0: it is checked there
	// rather than read first, and nothing is returned before it is.
	tr, err := s.store.TraceLots(ctx, []forkline.ID{lotID}, dir)
	if err != nil {
		return Trace{}, err
	}
	i := slices.IndexFunc(tr.Nodes, func(n TraceNode) bool { return n.Lot.ID == lotID })
	if i < 0 {
		return Trace{}, forkline.ErrNotFound
	}
	if _, err := actorFor(ctx, forkline.PermInventoryRead, tr.Nodes[i].Lot.SiteID); err != nil {
		return Trace{}, err
	}
	return tr, nil
}

// MassBalance accounts for a lot's quantity:
// In (received or produced) = Consumed + Shipped + Adjusted + OnHand +
// Difference, where Adjusted is what adjustments took away net of count
// corrections up (so it is negative when a count found more). A Difference
// other than zero means stock the ledger cannot account for.
type MassBalance struct {
	In, Consumed, Shipped, Adjusted, OnHand, Difference forkline.Quantity
}

// ComputeMassBalance derives the balance of one lot from its events and
// balances. Corrections cancel the events they correct.
func ComputeMassBalance(lot Lot, events []Event, balances []Balance) MassBalance {
	byID := map[forkline.ID]Event{}
	for _, e := range events {
		byID[e.ID] = e
	}
	var in, consumed, shipped, adjusted, onHand int64
	apply := func(e Event, sign int64) {
		switch e.Kind {
		case Receive, Produce:
			in += sign * e.Quantity.Micros()
		case Consume:
			consumed += sign * e.Quantity.Micros()
		case Ship:
			shipped += sign * e.Quantity.Micros()
		case Adjust:
			adjusted -= sign * e.Delta // out is positive
		}
	}
	for _, e := range events {
		if e.Kind == Correct {
			if orig, ok := byID[e.CorrectsID]; ok {
				apply(orig, -1)
			}
			continue
		}
		apply(e, 1)
	}
	for _, b := range balances {
		onHand += b.Quantity.Micros()
	}
	u := lot.Quantity.Unit
	q := func(v int64) forkline.Quantity { return forkline.QuantityFromMicros(v, u) }
	return MassBalance{In: q(in), Consumed: q(consumed), Shipped: q(shipped), Adjusted: q(adjusted), OnHand: q(onHand),
		Difference: q(in - consumed - shipped - adjusted - onHand)}
}

// MassBalance returns the mass balance of a lot.
func (s *Service) MassBalance(ctx context.Context, lotID forkline.ID) (MassBalance, error) {
	d, err := s.Detail(ctx, lotID)
	if err != nil {
		return MassBalance{}, err
	}
	return ComputeMassBalance(d.Lot, d.Events, d.Balances), nil
}
