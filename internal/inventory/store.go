package inventory

import (
	"context"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/audit"
)

// The master data inventory reads, in its own small types: inventory does
// not depend on the plant package.

// Site is what inventory needs of a site.
type Site struct {
	ID, Code, Name string
	Location       *time.Location
	LotCodePattern forkline.LotCodePattern
}

// Item is what inventory needs of an item.
type Item struct {
	ID, SiteID, Code, Name string
	BaseUnit               forkline.Unit
	PackSizes              []forkline.PackSize
	ShelfLifeDays          int
	InspectOnReceipt       bool
	TraceabilityList       bool
	Allergens              []string
	Active                 bool
}

// Supplier is what inventory needs of a supplier.
type Supplier struct {
	ID, SiteID, Code, Name, Address string
	MayDeliver                      bool // approved or conditional
	Approval                        string
	Active                          bool
}

// Customer is what inventory needs of a customer.
type Customer struct {
	ID, SiteID, Code, Name string
	MinShelfLifeDays       int
	ShipTos                []ShipTo
	Active                 bool
}

// ShipTo is one delivery address.
type ShipTo struct{ ID, Code, Name, Address string }

// Location is what inventory needs of a location.
type Location struct {
	ID, SiteID, Code, Name string
	Active                 bool
}

// NewLot is a lot a command creates. An empty Code is assigned by the store
// from the site's pattern and the day's sequence, in the command's
// transaction; an empty TLC then takes the code.
type NewLot struct {
	Lot
	Pattern  forkline.LotCodePattern
	SiteCode string
	ItemCode string
	Day      time.Time // the production or receiving day at the site
}

// Command is one ledger command as the store books it, in one transaction:
// the idempotency key, an optional new lot, the events, and audit entries.
// The store applies each event's effect on the projections (balances,
// statuses, genealogy) with guarded statements, and refuses the whole
// command if any guard fails.
type Command struct {
	ActorID        string
	IdempotencyKey string // "" for none
	RequestHash    string
	Today          time.Time // the site's date of the event: lots expired before it are unusable
	NewLot         *NewLot
	Lot            *Lot    // the lot as the service read it before the command, if it did: returned unread when its version is unchanged
	Events         []Event // events of the new lot have an empty LotID
	Audit          []audit.Change
}

// Result is what a command booked.
type Result struct {
	Lot      Lot     // the lot the command was about (the new lot, if any)
	Events   []Event // the events booked
	Replayed bool    // true when an earlier command with the same key is returned
}

// LotFilter selects lots.
type LotFilter struct {
	SiteIDs      []forkline.ID
	ItemID       forkline.ID
	Search       string // lot code, TLC or supplier lot, case-insensitive part
	Statuses     []Status
	OnHandOnly   bool
	SupplierID   forkline.ID
	SupplierLot  string
	OrderRef     string
	ProducedFrom time.Time // produced lots created from ... (inclusive)
	ProducedTo   time.Time // ... to (exclusive)
	LineID       forkline.ID
	AfterID      forkline.ID // paging: lots with ID < AfterID (newest first)
	Limit        int
}

// LotSummary is a lot with its item and what it holds now, for lists.
type LotSummary struct {
	Lot
	ItemCode, ItemName string
	OnHand             forkline.Quantity
}

// Candidate is a lot with usable stock at one location, for FEFO.
type Candidate struct {
	Lot
	LocationID   forkline.ID
	LocationCode string
	OnHand       forkline.Quantity
}

// StockContext is what a command on a lot's stock reads before it books:
// the lot, its site and item, and the location the command names.
type StockContext struct {
	Lot      Lot
	Site     Site
	Item     Item
	Location Location // zero (ID "") when the location is not known
}

// Store is what the inventory service needs. Every method is one
// transaction; reads return NotFound for a missing record.
type Store interface {
	FindInventorySite(ctx context.Context, id forkline.ID) (Site, error)
	FindInventoryItem(ctx context.Context, id forkline.ID) (Item, error)
	FindInventoryItemByGTIN(ctx context.Context, site forkline.ID, gtin string) (Item, error)
	FindInventorySupplier(ctx context.Context, id forkline.ID) (Supplier, error)
	FindInventoryCustomer(ctx context.Context, id forkline.ID) (Customer, error)
	FindInventoryLocation(ctx context.Context, id forkline.ID) (Location, error)

	FindLot(ctx context.Context, id forkline.ID) (Lot, error)
	// FindStockContext reads a lot, its site and item and a location in one
	// query. NotFound when the lot is missing; an unknown location is zero.
	FindStockContext(ctx context.Context, lot, location forkline.ID) (StockContext, error)
	FindLotByCode(ctx context.Context, site forkline.ID, code string) (Lot, error)
	FindLots(ctx context.Context, f LotFilter) ([]LotSummary, error)
	FindBalances(ctx context.Context, lot forkline.ID) ([]Balance, error)
	FindLotEvents(ctx context.Context, lot forkline.ID) ([]Event, error)
	FindEvent(ctx context.Context, id forkline.ID) (Event, error)
	// FindUsableStock returns released lots of item at site with stock,
	// expiring on or after today, by expiry (lots without expiry last), then code.
	FindUsableStock(ctx context.Context, site, item forkline.ID, today time.Time) ([]Candidate, error)

	// RecordCommand books a command. Conflict when a guard fails (not enough
	// stock, lot not usable, status changed meanwhile, status already set,
	// lot rejected, event already corrected) or when the idempotency key was
	// used for another request. A key already used for the same request
	// returns the first result, before any guard is checked.
	RecordCommand(ctx context.Context, cmd Command) (Result, error)

	TraceStore
	RecallStore
	FSMAStore
}
