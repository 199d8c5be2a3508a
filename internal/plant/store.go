package plant

import (
	"context"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/audit"
)

// Filter selects master records for a listing, ordered by code then ID.
type Filter struct {
	SiteIDs         []forkline.ID // nil: every site
	Search          string        // case-insensitive part of code or name
	IncludeInactive bool
	Codes           []string // exact codes, for imports
	AfterCode       string   // keyset pagination: records after (AfterCode, AfterID)
	AfterID         forkline.ID
	Limit           int
}

// Table stores one kind of master record. Every method is one transaction.
type Table[T any] interface {
	// Insert adds a record and its audit entry. Conflict (ErrDuplicate) when
	// the code is taken on the site; Invalid when a reference does not exist.
	Insert(ctx context.Context, rec T, ch audit.Change) error
	// InsertMany adds records and their audit entries all or nothing.
	InsertMany(ctx context.Context, recs []T, chs []audit.Change) error
	// Update replaces a record whose stored version is prevVersion, and writes
	// its audit entry. Conflict (ErrStaleVersion) when the version moved on,
	// ErrDuplicate when the new code is taken.
	Update(ctx context.Context, rec T, prevVersion int, ch audit.Change) error
	// Find returns one record. NotFound when there is none.
	Find(ctx context.Context, id forkline.ID) (T, error)
	// FindMany returns the records matching f.
	FindMany(ctx context.Context, f Filter) ([]T, error)
}

// Store is what the plant service needs: one table per kind of record.
type Store interface {
	Sites() Table[Site]
	Areas() Table[Area]
	Lines() Table[Line]
	Equipment() Table[Equipment]
	Locations() Table[Location]
	Items() Table[Item]
	Suppliers() Table[Supplier]
	Customers() Table[Customer]
	// CreateSite adds a site with its audit entry and, when creator is a
	// user's ID, grants that user the admin role on the new site (with its
	// own audit entry), all in one transaction.
	CreateSite(ctx context.Context, s Site, creator forkline.ID, ch audit.Change) error
}
