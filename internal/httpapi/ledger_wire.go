package httpapi

import (
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/inventory"
)

// Wire types of the material ledger. Quantities are strings with their
// unit, "12.5 kg", so that no JSON number ever rounds them; dates are
// "2006-01-02".

const dateFormat = "2006-01-02"

func dateJSON(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(dateFormat)
}

type lotJSON struct {
	ID           string    `json:"id"`
	SiteID       string    `json:"siteId"`
	ItemID       string    `json:"itemId"`
	ItemCode     string    `json:"itemCode,omitempty"`
	ItemName     string    `json:"itemName,omitempty"`
	Code         string    `json:"code"`
	TLC          string    `json:"tlc"`
	TLCSource    string    `json:"tlcSource"`
	TLCSourceRef string    `json:"tlcSourceRef,omitempty"`
	Origin       string    `json:"origin"`
	Status       string    `json:"status"`
	SupplierID   string    `json:"supplierId,omitempty"`
	SupplierLot  string    `json:"supplierLot,omitempty"`
	OrderRef     string    `json:"orderRef,omitempty"`
	LineID       string    `json:"lineId,omitempty"`
	Quantity     string    `json:"quantity"`         // received or produced, in the base unit
	OnHand       string    `json:"onHand,omitempty"` // in lists
	Expiry       string    `json:"expiry,omitempty"`
	ProducedOn   string    `json:"producedOn,omitempty"`
	CreatedAt    time.Time `json:"createdAt"`
	Version      int       `json:"version"`
}

func lotToJSON(l inventory.Lot) lotJSON {
	return lotJSON{ID: l.ID, SiteID: l.SiteID, ItemID: l.ItemID, Code: l.Code, TLC: l.TLC, TLCSource: l.TLCSource, TLCSourceRef: l.TLCSourceRef,
		Origin: string(l.Origin), Status: string(l.Status), SupplierID: l.SupplierID, SupplierLot: l.SupplierLot, OrderRef: l.OrderRef,
		LineID: l.LineID, Quantity: l.Quantity.String(), Expiry: dateJSON(l.Expiry), ProducedOn: dateJSON(l.ProducedOn), CreatedAt: l.CreatedAt, Version: l.Version}
}

type eventJSON struct {
	ID           string    `json:"id"`
	Kind         string    `json:"kind"`
	LotID        string    `json:"lotId"`
	ItemID       string    `json:"itemId"`
	LocationID   string    `json:"locationId,omitempty"`
	ToLocationID string    `json:"toLocationId,omitempty"`
	Quantity     string    `json:"quantity"`
	Change       string    `json:"change,omitempty"` // adjustments: signed
	Entered      string    `json:"entered,omitempty"`
	StatusFrom   string    `json:"statusFrom,omitempty"`
	StatusTo     string    `json:"statusTo,omitempty"`
	Reason       string    `json:"reason,omitempty"`
	Note         string    `json:"note,omitempty"`
	OrderRef     string    `json:"orderRef,omitempty"`
	LineID       string    `json:"lineId,omitempty"`
	SupplierID   string    `json:"supplierId,omitempty"`
	CustomerID   string    `json:"customerId,omitempty"`
	ShipToID     string    `json:"shipToId,omitempty"`
	DocType      string    `json:"docType,omitempty"`
	DocNumber    string    `json:"docNumber,omitempty"`
	Temperature  string    `json:"temperature,omitempty"`
	CorrectsID   string    `json:"correctsId,omitempty"`
	EventTime    time.Time `json:"eventTime"`
	RecordedAt   time.Time `json:"recordedAt"`
	ActorName    string    `json:"actorName"`
}

func eventToJSON(e inventory.Event) eventJSON {
	w := eventJSON{ID: e.ID, Kind: string(e.Kind), LotID: e.LotID, ItemID: e.ItemID, LocationID: e.LocationID, ToLocationID: e.ToLocationID,
		Quantity: e.Quantity.String(), Entered: e.Entered, StatusFrom: string(e.StatusFrom), StatusTo: string(e.StatusTo), Reason: e.Reason,
		Note: e.Note, OrderRef: e.OrderRef, LineID: e.LineID, SupplierID: e.SupplierID, CustomerID: e.CustomerID, ShipToID: e.ShipToID,
		DocType: e.DocType, DocNumber: e.DocNumber, Temperature: e.Temperature, CorrectsID: e.CorrectsID, EventTime: e.EventTime,
		RecordedAt: e.RecordedAt, ActorName: e.ActorName}
	if e.Kind == inventory.Adjust {
		w.Change = forkline.QuantityFromMicros(e.Delta, e.Quantity.Unit).String()
	}
	return w
}

type balanceJSON struct {
	LocationID string `json:"locationId"`
	Quantity   string `json:"quantity"`
}

type lotDetailJSON struct {
	Lot      lotJSON       `json:"lot"`
	Balances []balanceJSON `json:"balances"`
	Events   []eventJSON   `json:"events"`
}

// resultJSON is the answer to every ledger command.
type resultJSON struct {
	Lot      lotJSON     `json:"lot"`
	Events   []eventJSON `json:"events"`
	Replayed bool        `json:"replayed"`
}

func resultToJSON(r inventory.Result) resultJSON {
	out := resultJSON{Lot: lotToJSON(r.Lot), Events: []eventJSON{}, Replayed: r.Replayed}
	for _, e := range r.Events {
		out.Events = append(out.Events, eventToJSON(e))
	}
	return out
}

// timeField parses an optional RFC 3339 time.
func timeField(p *forkline.Problems, field, s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		p.Add(field, "time", field+" must be an RFC 3339 time such as 2026-03-02T08:00:00Z")
	}
	return t
}

// dateField parses an optional date.
func dateField(p *forkline.Problems, field, s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(dateFormat, s)
	if err != nil {
		p.Add(field, "date", field+" must be a date such as 2026-03-31")
	}
	return t
}

// quantityField parses a required quantity such as "12.5 kg".
func quantityField(p *forkline.Problems, field, s string) forkline.Quantity {
	if s == "" {
		p.Add(field, "required", field+" is required, e.g. \"12.5 kg\"")
		return forkline.Quantity{}
	}
	q, err := forkline.ParseQuantity(s)
	if err != nil {
		p.Add(field, "quantity", field+": "+forkline.ErrorMessage(err))
	}
	return q
}

type receiveJSON struct {
	SiteID         string `json:"siteId"`
	ItemID         string `json:"itemId"`
	SupplierID     string `json:"supplierId"`
	SupplierLot    string `json:"supplierLot"`
	TLC            string `json:"tlc"`
	TLCSource      string `json:"tlcSource"`
	TLCSourceRef   string `json:"tlcSourceRef"`
	Quantity       string `json:"quantity"`
	LocationID     string `json:"locationId"`
	DocType        string `json:"docType"`
	DocNumber      string `json:"docNumber"`
	ReceivedAt     string `json:"receivedAt"`
	Expiry         string `json:"expiry"`
	ProducedOn     string `json:"producedOn"`
	Temperature    string `json:"temperature"`
	OverrideReason string `json:"overrideReason"`
}

type produceJSON struct {
	SiteID     string `json:"siteId"`
	ItemID     string `json:"itemId"`
	LocationID string `json:"locationId"`
	Quantity   string `json:"quantity"`
	OrderRef   string `json:"orderRef"`
	LineID     string `json:"lineId"`
	ProducedAt string `json:"producedAt"`
	Status     string `json:"status"`
}

type moveJSON struct {
	FromID    string `json:"fromId"`
	ToID      string `json:"toId"`
	Quantity  string `json:"quantity"`
	Note      string `json:"note"`
	EventTime string `json:"eventTime"`
}

type consumeJSON struct {
	LocationID string `json:"locationId"`
	Quantity   string `json:"quantity"`
	OrderRef   string `json:"orderRef"`
	LineID     string `json:"lineId"`
	EventTime  string `json:"eventTime"`
}

type shipJSON struct {
	LocationID string `json:"locationId"`
	Quantity   string `json:"quantity"`
	CustomerID string `json:"customerId"`
	ShipToID   string `json:"shipToId"`
	DocType    string `json:"docType"`
	DocNumber  string `json:"docNumber"`
	ShippedAt  string `json:"shippedAt"`
}

type adjustJSON struct {
	LocationID string `json:"locationId"`
	Change     string `json:"change"` // signed, e.g. "-2.5 kg"
	Reason     string `json:"reason"` // waste, sample, count_correction, damage
	Note       string `json:"note"`
	EventTime  string `json:"eventTime"`
}

type statusJSON struct {
	Status string `json:"status"` // quarantine, released, hold, rejected
	Reason string `json:"reason"`
}

type correctJSON struct {
	Reason string `json:"reason"`
}

type traceNodeJSON struct {
	Lot          lotJSON `json:"lot"`
	ItemCode     string  `json:"itemCode"`
	ItemName     string  `json:"itemName"`
	SupplierName string  `json:"supplierName,omitempty"`
	Depth        int     `json:"depth"`
}

type traceEdgeJSON struct {
	ParentID string `json:"parentId"`
	ChildID  string `json:"childId"`
	OrderRef string `json:"orderRef"`
	Quantity string `json:"quantity"` // of the parent, consumed by the order
}

type shipmentJSON struct {
	EventID       string    `json:"eventId"`
	LotID         string    `json:"lotId"`
	CustomerID    string    `json:"customerId"`
	CustomerName  string    `json:"customerName"`
	ShipToName    string    `json:"shipToName"`
	ShipToAddress string    `json:"shipToAddress"`
	DocType       string    `json:"docType"`
	DocNumber     string    `json:"docNumber"`
	Quantity      string    `json:"quantity"`
	ShippedAt     time.Time `json:"shippedAt"`
}

type onHandJSON struct {
	LotID        string `json:"lotId"`
	LocationID   string `json:"locationId"`
	LocationCode string `json:"locationCode"`
	LocationName string `json:"locationName"`
	Quantity     string `json:"quantity"`
}

type traceJSON struct {
	Direction string          `json:"direction"`
	Roots     []string        `json:"roots"`
	Nodes     []traceNodeJSON `json:"nodes"`
	Edges     []traceEdgeJSON `json:"edges"`
	Shipments []shipmentJSON  `json:"shipments"`
	OnHand    []onHandJSON    `json:"onHand"`
}

func traceToJSON(t inventory.Trace) traceJSON {
	out := traceJSON{Direction: string(t.Direction), Roots: t.Roots, Nodes: []traceNodeJSON{}, Edges: []traceEdgeJSON{}, Shipments: []shipmentJSON{}, OnHand: []onHandJSON{}}
	for _, n := range t.Nodes {
		out.Nodes = append(out.Nodes, traceNodeJSON{Lot: lotToJSON(n.Lot), ItemCode: n.ItemCode, ItemName: n.ItemName, SupplierName: n.SupplierName, Depth: n.Depth})
	}
	for _, e := range t.Edges {
		out.Edges = append(out.Edges, traceEdgeJSON{ParentID: e.ParentID, ChildID: e.ChildID, OrderRef: e.OrderRef, Quantity: e.Quantity.String()})
	}
	for _, s := range t.Shipments {
		out.Shipments = append(out.Shipments, shipmentJSON{EventID: s.EventID, LotID: s.LotID, CustomerID: s.CustomerID, CustomerName: s.CustomerName,
			ShipToName: s.ShipToName, ShipToAddress: s.ShipToAddress, DocType: s.DocType, DocNumber: s.DocNumber, Quantity: s.Quantity.String(), ShippedAt: s.ShippedAt})
	}
	for _, o := range t.OnHand {
		out.OnHand = append(out.OnHand, onHandJSON{LotID: o.LotID, LocationID: o.LocationID, LocationCode: o.LocationCode, LocationName: o.LocationName, Quantity: o.Quantity.String()})
	}
	return out
}

type massBalanceJSON struct {
	In         string `json:"in"`
	Consumed   string `json:"consumed"`
	Shipped    string `json:"shipped"`
	Adjusted   string `json:"adjusted"`
	OnHand     string `json:"onHand"`
	Difference string `json:"difference"`
	Balanced   bool   `json:"balanced"`
}

func massBalanceToJSON(m inventory.MassBalance) massBalanceJSON {
	return massBalanceJSON{In: m.In.String(), Consumed: m.Consumed.String(), Shipped: m.Shipped.String(), Adjusted: m.Adjusted.String(),
		OnHand: m.OnHand.String(), Difference: m.Difference.String(), Balanced: m.Difference.IsZero()}
}

type suggestionJSON struct {
	Lot          lotJSON `json:"lot"`
	LocationID   string  `json:"locationId"`
	LocationCode string  `json:"locationCode"`
	OnHand       string  `json:"onHand"`
	Take         string  `json:"take"`
}

type fefoJSON struct {
	Suggestions []suggestionJSON `json:"suggestions"`
	Short       string           `json:"short"` // what no usable lot covers
}

type recallInputJSON struct {
	SiteID      string   `json:"siteId"`
	Kind        string   `json:"kind"` // mock (default) or real
	LotIDs      []string `json:"lotIds"`
	SupplierID  string   `json:"supplierId"`
	SupplierLot string   `json:"supplierLot"`
	ItemID      string   `json:"itemId"`
	LineID      string   `json:"lineId"`
	From        string   `json:"from"`
	To          string   `json:"to"`
	Hold        bool     `json:"hold"`
	Note        string   `json:"note"`
}

type rootBalanceJSON struct {
	Lot     traceNodeJSON   `json:"lot"`
	Balance massBalanceJSON `json:"balance"`
}

type customerExposureJSON struct {
	CustomerID   string         `json:"customerId"`
	CustomerName string         `json:"customerName"`
	Shipments    []shipmentJSON `json:"shipments"`
}

type recallJSON struct {
	ID         string                 `json:"id"`
	SiteID     string                 `json:"siteId"`
	Kind       string                 `json:"kind"`
	Criteria   string                 `json:"criteria"`
	StartedAt  time.Time              `json:"startedAt"`
	DurationMs float64                `json:"durationMs"`
	ActorName  string                 `json:"actorName"`
	Note       string                 `json:"note,omitempty"`
	Accounted  float64                `json:"accountedPercent"`
	Held       int                    `json:"held"`
	Roots      []rootBalanceJSON      `json:"roots,omitempty"`
	Customers  []customerExposureJSON `json:"customers,omitempty"`
	Scope      *traceJSON             `json:"scope,omitempty"`
}

func recallToJSON(r inventory.Recall, full bool) recallJSON {
	out := recallJSON{ID: r.ID, SiteID: r.SiteID, Kind: string(r.Kind), Criteria: r.Criteria, StartedAt: r.StartedAt,
		DurationMs: float64(r.Duration.Microseconds()) / 1000, ActorName: r.ActorName, Note: r.Note, Accounted: r.Accounted, Held: r.Held}
	if !full {
		return out
	}
	for _, rb := range r.Roots {
		out.Roots = append(out.Roots, rootBalanceJSON{Lot: traceNodeJSON{Lot: lotToJSON(rb.Node.Lot), ItemCode: rb.Node.ItemCode, ItemName: rb.Node.ItemName,
			SupplierName: rb.Node.SupplierName}, Balance: massBalanceToJSON(rb.Balance)})
	}
	for _, c := range r.Customers {
		cj := customerExposureJSON{CustomerID: c.CustomerID, CustomerName: c.CustomerName}
		for _, s := range c.Shipments {
			cj.Shipments = append(cj.Shipments, shipmentJSON{EventID: s.EventID, LotID: s.LotID, CustomerID: s.CustomerID, CustomerName: s.CustomerName,
				ShipToName: s.ShipToName, ShipToAddress: s.ShipToAddress, DocType: s.DocType, DocNumber: s.DocNumber, Quantity: s.Quantity.String(), ShippedAt: s.ShippedAt})
		}
		out.Customers = append(out.Customers, cj)
	}
	scope := traceToJSON(r.Scope)
	out.Scope = &scope
	return out
}
