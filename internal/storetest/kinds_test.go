package storetest_test

import (
	"context"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/plant"
)

// catalog is the plant service's API for one kind of record, as
// *plant.Catalog provides it.
type catalog[T any] interface {
	Create(ctx context.Context, rec T, reason string) (T, error)
	Import(ctx context.Context, recs []T, lines []int, reason string) (int, error)
	Update(ctx context.Context, rec T, reason string) (T, error)
	SetActive(ctx context.Context, id forkline.ID, version int, active bool, reason string) (T, error)
	Find(ctx context.Context, id forkline.ID) (T, error)
	List(ctx context.Context, f plant.Filter) ([]T, error)
	Entity() string
	GMP() bool
}

// kind describes one kind of master record to the shared table and catalog tests.
type kind[T any] struct {
	entity  string
	perSite bool // codes are unique per site; site codes are unique everywhere
	gmp     bool // changes need a reason
	table   func(plant.Store) plant.Table[T]
	catalog func(*plant.Service) catalog[T]
	base    func(*T) *plant.Record
	// make returns a valid new record on site, without ID, version or times.
	make func(w *world, site plant.Site, code, name string) T
	// change edits a field of the kind's own, as an update would.
	change func(w *world, rec *T)
}

// stamp gives a new record what the service would: an ID, version 1, times.
func stamp[T any](w *world, k kind[T], rec T) T {
	b := k.base(&rec)
	b.ID = w.ids.New()
	if !k.perSite {
		b.SiteID = b.ID
	}
	b.Active, b.Version = true, 1
	b.CreatedAt, b.UpdatedAt = w.clock.Now(), w.clock.Now()
	return rec
}

var siteKind = kind[plant.Site]{
	entity: "site", perSite: false, gmp: false,
	table:   func(s plant.Store) plant.Table[plant.Site] { return s.Sites() },
	catalog: func(s *plant.Service) catalog[plant.Site] { return s.Sites },
	base:    func(r *plant.Site) *plant.Record { return &r.Record },
	make: func(_ *world, _ plant.Site, code, name string) plant.Site {
		return plant.Site{Record: plant.Record{Code: code, Name: name}, TimeZone: "America/New_York"}
	},
	change: func(_ *world, r *plant.Site) { r.TimeZone = "Europe/Paris" },
}

var areaKind = kind[plant.Area]{
	entity: "area", perSite: true, gmp: false,
	table:   func(s plant.Store) plant.Table[plant.Area] { return s.Areas() },
	catalog: func(s *plant.Service) catalog[plant.Area] { return s.Areas },
	base:    func(r *plant.Area) *plant.Record { return &r.Record },
	make: func(_ *world, site plant.Site, code, name string) plant.Area {
		return plant.Area{Record: plant.Record{SiteID: site.ID, Code: code, Name: name}}
	},
	change: func(_ *world, r *plant.Area) { r.Name += " (north)" },
}

var lineKind = kind[plant.Line]{
	entity: "line", perSite: true, gmp: true,
	table:   func(s plant.Store) plant.Table[plant.Line] { return s.Lines() },
	catalog: func(s *plant.Service) catalog[plant.Line] { return s.Lines },
	base:    func(r *plant.Line) *plant.Record { return &r.Record },
	make: func(w *world, site plant.Site, code, name string) plant.Line {
		return plant.Line{Record: plant.Record{SiteID: site.ID, Code: code, Name: name}, AreaID: w.area[site.ID].ID}
	},
	change: func(_ *world, r *plant.Line) { r.Name += " (retooled)" },
}

var equipmentKind = kind[plant.Equipment]{
	entity: "equipment", perSite: true, gmp: true,
	table:   func(s plant.Store) plant.Table[plant.Equipment] { return s.Equipment() },
	catalog: func(s *plant.Service) catalog[plant.Equipment] { return s.Equipment },
	base:    func(r *plant.Equipment) *plant.Record { return &r.Record },
	make: func(w *world, site plant.Site, code, name string) plant.Equipment {
		return plant.Equipment{Record: plant.Record{SiteID: site.ID, Code: code, Name: name},
			LineID: w.line[site.ID].ID, Manufacturer: "Multivac", Model: "R 105", SerialNumber: "SN-" + code}
	},
	change: func(_ *world, r *plant.Equipment) { r.LineID, r.Model = "", "R 245" },
}

var locationKind = kind[plant.Location]{
	entity: "location", perSite: true, gmp: true,
	table:   func(s plant.Store) plant.Table[plant.Location] { return s.Locations() },
	catalog: func(s *plant.Service) catalog[plant.Location] { return s.Locations },
	base:    func(r *plant.Location) *plant.Record { return &r.Record },
	make: func(_ *world, site plant.Site, code, name string) plant.Location {
		return plant.Location{Record: plant.Record{SiteID: site.ID, Code: code, Name: name}, Kind: plant.Warehouse, Condition: plant.Chilled}
	},
	change: func(_ *world, r *plant.Location) { r.Kind, r.Condition = plant.Quarantine, plant.Frozen },
}

var itemKind = kind[plant.Item]{
	entity: "item", perSite: true, gmp: true,
	table:   func(s plant.Store) plant.Table[plant.Item] { return s.Items() },
	catalog: func(s *plant.Service) catalog[plant.Item] { return s.Items },
	base:    func(r *plant.Item) *plant.Record { return &r.Record },
	make: func(_ *world, site plant.Site, code, name string) plant.Item {
		return plant.Item{
			Record:   plant.Record{SiteID: site.ID, Code: code, Name: name},
			Kind:     plant.Finished,
			BaseUnit: forkline.Each,
			PackSizes: []forkline.PackSize{
				{Unit: forkline.Case, Contents: forkline.NewQuantity(12, forkline.Each)},
				{Unit: forkline.Pallet, Contents: forkline.NewQuantity(60, forkline.Case)},
			},
			ShelfLifeDays:    21,
			Condition:        plant.Chilled,
			Allergens:        []plant.Allergen{plant.Egg, plant.Milk},
			TraceabilityList: true,
			GTIN:             "4006381333931",
			InspectOnReceipt: true,
		}
	},
	change: func(_ *world, r *plant.Item) {
		r.PackSizes = []forkline.PackSize{{Unit: forkline.Case, Contents: forkline.QuantityFromMicros(6_500_000, forkline.Each)}}
		r.Allergens = []plant.Allergen{plant.Milk, plant.Sesame}
		r.ShelfLifeDays, r.GTIN, r.TraceabilityList, r.InspectOnReceipt = 14, "", false, false
	},
}

var supplierKind = kind[plant.Supplier]{
	entity: "supplier", perSite: true, gmp: true,
	table:   func(s plant.Store) plant.Table[plant.Supplier] { return s.Suppliers() },
	catalog: func(s *plant.Service) catalog[plant.Supplier] { return s.Suppliers },
	base:    func(r *plant.Supplier) *plant.Record { return &r.Record },
	make: func(_ *world, site plant.Site, code, name string) plant.Supplier {
		return plant.Supplier{Record: plant.Record{SiteID: site.ID, Code: code, Name: name},
			Approval: plant.Approved, ContactEmail: "qa@mill.example", Address: "1 Mill Lane"}
	},
	change: func(_ *world, r *plant.Supplier) { r.Approval, r.Address = plant.Suspended, "2 Mill Lane" },
}

var customerKind = kind[plant.Customer]{
	entity: "customer", perSite: true, gmp: false,
	table:   func(s plant.Store) plant.Table[plant.Customer] { return s.Customers() },
	catalog: func(s *plant.Service) catalog[plant.Customer] { return s.Customers },
	base:    func(r *plant.Customer) *plant.Record { return &r.Record },
	make: func(w *world, site plant.Site, code, name string) plant.Customer {
		return plant.Customer{Record: plant.Record{SiteID: site.ID, Code: code, Name: name},
			MinShelfLifeDays: 10, ContactEmail: "orders@shop.example",
			ShipTos: []plant.ShipTo{
				{ID: w.ids.New(), Code: "DC-1", Name: "East DC", Address: "1 Dock Rd", GLN: "4006381333931"},
				{ID: w.ids.New(), Code: "DC-2", Name: "West DC", Address: "2 Pier St"},
			}}
	},
	change: func(w *world, r *plant.Customer) {
		r.MinShelfLifeDays = 7
		r.ShipTos = []plant.ShipTo{r.ShipTos[0], {ID: w.ids.New(), Code: "DC-3", Name: "South DC", Address: "3 Yard Ave"}}
		r.ShipTos[0].Name = "East DC (new)"
	},
}
