package httpapi

import (
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/audit"
	"github.com/forkline/forkline/internal/auth"
	"github.com/forkline/forkline/internal/plant"
)

// Wire types: the JSON shapes of the API, converted explicitly to and from
// domain types. Output-only fields are ignored on input.

type recordJSON struct {
	ID        string    `json:"id"`
	SiteID    string    `json:"siteId"`
	Code      string    `json:"code"`
	Name      string    `json:"name"`
	Active    bool      `json:"active"`
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	// Reason is why the record is created or changed; required for GMP-relevant records.
	Reason string `json:"reason,omitempty"`
}

func recordToJSON(r plant.Record) recordJSON {
	return recordJSON{ID: r.ID, SiteID: r.SiteID, Code: r.Code, Name: r.Name, Active: r.Active, Version: r.Version, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

func (w recordJSON) record() plant.Record {
	return plant.Record{ID: w.ID, SiteID: w.SiteID, Code: w.Code, Name: w.Name, Version: w.Version}
}

func (w recordJSON) reason() string { return w.Reason }

type siteJSON struct {
	recordJSON
	TimeZone string `json:"timeZone"`
	// LotCodePattern makes lot codes, e.g. "{SITE}-{YY}{JJJ}-{SEQ}"; empty takes the default.
	LotCodePattern string `json:"lotCodePattern"`
}

func siteToJSON(s plant.Site) siteJSON {
	return siteJSON{recordToJSON(s.Record), s.TimeZone, string(s.LotCodePattern)}
}
func siteFromJSON(w siteJSON) plant.Site {
	return plant.Site{Record: w.record(), TimeZone: w.TimeZone, LotCodePattern: forkline.LotCodePattern(w.LotCodePattern)}
}

type areaJSON struct {
	recordJSON
}

func areaToJSON(a plant.Area) areaJSON   { return areaJSON{recordToJSON(a.Record)} }
func areaFromJSON(w areaJSON) plant.Area { return plant.Area{Record: w.record()} }

type lineJSON struct {
	recordJSON
	AreaID string `json:"areaId"`
}

func lineToJSON(l plant.Line) lineJSON   { return lineJSON{recordToJSON(l.Record), l.AreaID} }
func lineFromJSON(w lineJSON) plant.Line { return plant.Line{Record: w.record(), AreaID: w.AreaID} }

type equipmentJSON struct {
	recordJSON
	LineID       string `json:"lineId,omitempty"`
	Manufacturer string `json:"manufacturer"`
	Model        string `json:"model"`
	SerialNumber string `json:"serialNumber"`
}

func equipmentToJSON(e plant.Equipment) equipmentJSON {
	return equipmentJSON{recordToJSON(e.Record), e.LineID, e.Manufacturer, e.Model, e.SerialNumber}
}
func equipmentFromJSON(w equipmentJSON) plant.Equipment {
	return plant.Equipment{Record: w.record(), LineID: w.LineID, Manufacturer: w.Manufacturer, Model: w.Model, SerialNumber: w.SerialNumber}
}

type locationJSON struct {
	recordJSON
	Kind      string `json:"kind"`
	Condition string `json:"condition"`
}

func locationToJSON(l plant.Location) locationJSON {
	return locationJSON{recordToJSON(l.Record), string(l.Kind), string(l.Condition)}
}
func locationFromJSON(w locationJSON) plant.Location {
	return plant.Location{Record: w.record(), Kind: plant.LocationKind(w.Kind), Condition: plant.StorageCondition(w.Condition)}
}

type packSizeJSON struct {
	Unit     string `json:"unit"`     // case or pallet
	Contents string `json:"contents"` // e.g. "12 ea" or "10 kg"
}

type itemJSON struct {
	recordJSON
	Kind             string         `json:"kind"`
	BaseUnit         string         `json:"baseUnit"`
	PackSizes        []packSizeJSON `json:"packSizes"`
	ShelfLifeDays    int            `json:"shelfLifeDays"`
	Condition        string         `json:"condition"`
	Allergens        []string       `json:"allergens"`
	TraceabilityList bool           `json:"traceabilityList"`
	GTIN             string         `json:"gtin"`
	InspectOnReceipt bool           `json:"inspectOnReceipt"`
}

func itemToJSON(it plant.Item) itemJSON {
	w := itemJSON{recordJSON: recordToJSON(it.Record), Kind: string(it.Kind), BaseUnit: string(it.BaseUnit),
		PackSizes: []packSizeJSON{}, ShelfLifeDays: it.ShelfLifeDays, Condition: string(it.Condition), Allergens: []string{},
		TraceabilityList: it.TraceabilityList, GTIN: it.GTIN, InspectOnReceipt: it.InspectOnReceipt}
	for _, p := range it.PackSizes {
		w.PackSizes = append(w.PackSizes, packSizeJSON{Unit: string(p.Unit), Contents: p.Contents.String()})
	}
	for _, a := range it.Allergens {
		w.Allergens = append(w.Allergens, string(a))
	}
	return w
}

// itemFromJSON converts; quantities that do not parse are reported by field.
func itemFromJSON(w itemJSON) (plant.Item, error) {
	it := plant.Item{Record: w.record(), Kind: plant.ItemKind(w.Kind), BaseUnit: forkline.Unit(w.BaseUnit),
		ShelfLifeDays: w.ShelfLifeDays, Condition: plant.StorageCondition(w.Condition),
		TraceabilityList: w.TraceabilityList, GTIN: w.GTIN, InspectOnReceipt: w.InspectOnReceipt}
	var p forkline.Problems
	for i, ps := range w.PackSizes {
		u, err := forkline.ParseUnit(ps.Unit)
		if err != nil {
			p.Add(fieldIndex("packSizes", i, "unit"), "unit", forkline.ErrorMessage(err))
			continue
		}
		q, err := forkline.ParseQuantity(ps.Contents)
		if err != nil {
			p.Add(fieldIndex("packSizes", i, "contents"), "quantity", forkline.ErrorMessage(err))
			continue
		}
		it.PackSizes = append(it.PackSizes, forkline.PackSize{Unit: u, Contents: q})
	}
	for _, a := range w.Allergens {
		it.Allergens = append(it.Allergens, plant.Allergen(a))
	}
	if u, err := forkline.ParseUnit(w.BaseUnit); err == nil {
		it.BaseUnit = u
	}
	return it, p.Err("The item is not valid.")
}

type supplierJSON struct {
	recordJSON
	Approval     string `json:"approval"`
	ContactEmail string `json:"contactEmail"`
	Address      string `json:"address"`
}

func supplierToJSON(s plant.Supplier) supplierJSON {
	return supplierJSON{recordToJSON(s.Record), string(s.Approval), s.ContactEmail, s.Address}
}
func supplierFromJSON(w supplierJSON) plant.Supplier {
	return plant.Supplier{Record: w.record(), Approval: plant.ApprovalStatus(w.Approval), ContactEmail: w.ContactEmail, Address: w.Address}
}

type shipToJSON struct {
	ID      string `json:"id,omitempty"`
	Code    string `json:"code"`
	Name    string `json:"name"`
	Address string `json:"address"`
	GLN     string `json:"gln,omitempty"`
}

type customerJSON struct {
	recordJSON
	MinShelfLifeDays int          `json:"minShelfLifeDays"`
	ContactEmail     string       `json:"contactEmail"`
	ShipTos          []shipToJSON `json:"shipTos"`
}

func customerToJSON(c plant.Customer) customerJSON {
	w := customerJSON{recordToJSON(c.Record), c.MinShelfLifeDays, c.ContactEmail, []shipToJSON{}}
	for _, s := range c.ShipTos {
		w.ShipTos = append(w.ShipTos, shipToJSON(s))
	}
	return w
}
func customerFromJSON(w customerJSON) plant.Customer {
	c := plant.Customer{Record: w.record(), MinShelfLifeDays: w.MinShelfLifeDays, ContactEmail: w.ContactEmail}
	for _, s := range w.ShipTos {
		c.ShipTos = append(c.ShipTos, plant.ShipTo(s))
	}
	return c
}

type grantJSON struct {
	SiteID string `json:"siteId"`
	Role   string `json:"role"`
}

type userJSON struct {
	ID          string      `json:"id"`
	Username    string      `json:"username"`
	DisplayName string      `json:"displayName"`
	Active      bool        `json:"active"`
	Version     int         `json:"version"`
	Grants      []grantJSON `json:"grants"`
	Badge       string      `json:"badge,omitempty"`
	Locked      bool        `json:"locked"`
	CreatedAt   time.Time   `json:"createdAt"`
}

func userToJSON(u auth.User, now time.Time) userJSON {
	w := userJSON{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Active: u.Active, Version: u.Version,
		Grants: []grantJSON{}, Badge: u.Badge, Locked: now.Before(u.LockedUntil), CreatedAt: u.CreatedAt}
	for _, g := range u.Grants {
		w.Grants = append(w.Grants, grantJSON{SiteID: g.SiteID, Role: string(g.Role)})
	}
	return w
}

type tokenJSON struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	SiteID    string     `json:"siteId"`
	Role      string     `json:"role"`
	CreatedBy string     `json:"createdBy"`
	CreatedAt time.Time  `json:"createdAt"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
	RevokedAt *time.Time `json:"revokedAt,omitempty"`
	// Secret is present only in the response to the create request: it is shown once.
	Secret string `json:"secret,omitempty"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func tokenToJSON(t auth.Token) tokenJSON {
	return tokenJSON{ID: t.ID, Name: t.Name, SiteID: t.SiteID, Role: string(t.Role), CreatedBy: t.CreatedBy,
		CreatedAt: t.CreatedAt, ExpiresAt: optTime(t.ExpiresAt), RevokedAt: optTime(t.RevokedAt)}
}

type auditJSON struct {
	Seq       int64     `json:"seq"`
	ID        string    `json:"id"`
	At        time.Time `json:"at"`
	ActorKind string    `json:"actorKind"`
	ActorID   string    `json:"actorId"`
	ActorName string    `json:"actorName"`
	Action    string    `json:"action"`
	Entity    string    `json:"entity"`
	EntityID  string    `json:"entityId"`
	SiteID    string    `json:"siteId,omitempty"`
	Reason    string    `json:"reason"`
	Before    rawJSON   `json:"before"`
	After     rawJSON   `json:"after"`
	Hash      string    `json:"hash"`
}

// rawJSON embeds a stored JSON snapshot as is; "" becomes null.
type rawJSON string

func (r rawJSON) MarshalJSON() ([]byte, error) {
	if r == "" {
		return []byte("null"), nil
	}
	return []byte(r), nil
}

func auditToJSON(e audit.Entry) auditJSON {
	return auditJSON{Seq: e.Seq, ID: e.ID, At: e.At, ActorKind: string(e.ActorKind), ActorID: e.ActorID, ActorName: e.ActorName,
		Action: string(e.Action), Entity: e.Entity, EntityID: e.EntityID, SiteID: e.SiteID, Reason: e.Reason,
		Before: rawJSON(e.Before), After: rawJSON(e.After), Hash: e.Hash}
}

type meJSON struct {
	Kind   string      `json:"kind"`
	ID     string      `json:"id"`
	Name   string      `json:"name"`
	Grants []grantJSON `json:"grants"`
}

// pageJSON is one page of a list. NextCursor is empty on the last page.
type pageJSON[T any] struct {
	Data       []T    `json:"data"`
	NextCursor string `json:"nextCursor,omitempty"`
}
