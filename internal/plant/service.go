package plant

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/audit"
)

// record is the constraint that lets one Catalog serve every kind of master record.
type record[T any] interface {
	*T
	Base() Record
	SetBase(Record)
	Validate() error
}

// Catalog holds the rules shared by every kind of master record: permissions,
// validation, references, versions, reasons and the audit trail.
type Catalog[T any, P record[T]] struct {
	entity string // audit entity name, e.g. "item"
	label  string // for messages, e.g. "Item"
	gmp    bool   // changes and disables need a reason
	table  Table[T]
	now    func() time.Time
	ids    *forkline.IDGenerator
	// check validates references and extra permissions; before is nil on create.
	check func(ctx context.Context, a forkline.Actor, before, after *T) error
	// insert stores a new record; nil means table.Insert.
	insert func(ctx context.Context, rec T, ch audit.Change) error
}

// Service manages plant master data. Each field is the catalog of one kind of record.
type Service struct {
	Sites     *Catalog[Site, *Site]
	Areas     *Catalog[Area, *Area]
	Lines     *Catalog[Line, *Line]
	Equipment *Catalog[Equipment, *Equipment]
	Locations *Catalog[Location, *Location]
	Items     *Catalog[Item, *Item]
	Suppliers *Catalog[Supplier, *Supplier]
	Customers *Catalog[Customer, *Customer]
}

// NewService returns a Service over store, reading the clock now.
func NewService(store Store, ids *forkline.IDGenerator, now func() time.Time) *Service {
	s := &Service{}
	s.Sites = &Catalog[Site, *Site]{entity: "site", label: "Site", table: store.Sites(), now: now, ids: ids,
		check: func(_ context.Context, a forkline.Actor, before, after *Site) error {
			if after.LotCodePattern == "" {
				after.LotCodePattern = forkline.DefaultLotCodePattern
			}
			if before == nil && !a.CanAnywhere(forkline.PermUsersManage) {
				return forkline.Errorf(forkline.Forbidden, "Only an administrator may add a site.")
			}
			return nil
		},
		// The administrator who adds a site becomes its administrator, so
		// that they can open it and grant roles on it at once.
		insert: func(ctx context.Context, site Site, ch audit.Change) error {
			var creator forkline.ID
			if a, ok := forkline.ActorFrom(ctx); ok && a.Kind == forkline.ActorUser {
				creator = a.ID
			}
			return store.CreateSite(ctx, site, creator, ch)
		}}
	s.Areas = &Catalog[Area, *Area]{entity: "area", label: "Area", table: store.Areas(), now: now, ids: ids,
		check: func(context.Context, forkline.Actor, *Area, *Area) error { return nil }}
	s.Lines = &Catalog[Line, *Line]{entity: "line", label: "Line", gmp: true, table: store.Lines(), now: now, ids: ids,
		check: func(ctx context.Context, _ forkline.Actor, _, l *Line) error {
			return reference(ctx, s.Areas, "areaId", l.SiteID, l.AreaID)
		}}
	s.Equipment = &Catalog[Equipment, *Equipment]{entity: "equipment", label: "Equipment", gmp: true, table: store.Equipment(), now: now, ids: ids,
		check: func(ctx context.Context, _ forkline.Actor, _, e *Equipment) error {
			if e.LineID == "" {
				return nil
			}
			return reference(ctx, s.Lines, "lineId", e.SiteID, e.LineID)
		}}
	s.Locations = &Catalog[Location, *Location]{entity: "location", label: "Location", gmp: true, table: store.Locations(), now: now, ids: ids,
		check: func(context.Context, forkline.Actor, *Location, *Location) error { return nil }}
	s.Items = &Catalog[Item, *Item]{entity: "item", label: "Item", gmp: true, table: store.Items(), now: now, ids: ids,
		check: func(_ context.Context, _ forkline.Actor, before, after *Item) error {
			if before != nil && before.BaseUnit != after.BaseUnit {
				return &forkline.Error{Code: forkline.Invalid, Msg: "The item is not valid.", Fields: []forkline.FieldProblem{{
					Field: "baseUnit", Rule: "immutable", Msg: "baseUnit cannot change once the item exists; make a new item"}}}
			}
			return nil
		}}
	s.Suppliers = &Catalog[Supplier, *Supplier]{entity: "supplier", label: "Supplier", gmp: true, table: store.Suppliers(), now: now, ids: ids,
		check: func(_ context.Context, a forkline.Actor, before, after *Supplier) error {
			changed := before == nil && after.Approval != Pending || before != nil && before.Approval != after.Approval
			if changed && !a.Can(forkline.PermSupplierApprove, after.SiteID) {
				return forkline.Errorf(forkline.Forbidden, "Only quality may change a supplier's approval status.")
			}
			return nil
		}}
	s.Customers = &Catalog[Customer, *Customer]{entity: "customer", label: "Customer", table: store.Customers(), now: now, ids: ids,
		check: func(_ context.Context, _ forkline.Actor, before, after *Customer) error {
			for i := range after.ShipTos {
				if before != nil && after.ShipTos[i].ID == "" {
					if j := slices.IndexFunc(before.ShipTos, func(s ShipTo) bool { return s.Code == after.ShipTos[i].Code }); j >= 0 {
						after.ShipTos[i].ID = before.ShipTos[j].ID
					}
				}
				if after.ShipTos[i].ID == "" {
					after.ShipTos[i].ID = ids.New()
				}
			}
			return nil
		}}
	return s
}

// reference checks that the record id of catalog c exists, is active and belongs to site.
func reference[T any, P record[T]](ctx context.Context, c *Catalog[T, P], field string, site, id forkline.ID) error {
	invalid := func(msg string) error {
		return &forkline.Error{Code: forkline.Invalid, Msg: "A reference is not valid.",
			Fields: []forkline.FieldProblem{{Field: field, Rule: "reference", Msg: msg}}}
	}
	if !forkline.ValidID(id) {
		return invalid(fmt.Sprintf("%s must be the ID of a %s", field, strings.ToLower(c.label)))
	}
	ref, err := c.table.Find(ctx, id)
	if forkline.ErrorCode(err) == forkline.NotFound {
		return invalid(fmt.Sprintf("%s %s does not exist", strings.ToLower(c.label), id))
	} else if err != nil {
		return err
	}
	b := P(&ref).Base()
	if b.SiteID != site {
		return invalid(fmt.Sprintf("%s %s belongs to another site", strings.ToLower(c.label), b.Code))
	}
	if !b.Active {
		return invalid(fmt.Sprintf("%s %s is disabled", strings.ToLower(c.label), b.Code))
	}
	return nil
}

// Entity returns the audit entity name of the records in c.
func (c *Catalog[T, P]) Entity() string { return c.entity }

// GMP reports whether changes to these records need a reason.
func (c *Catalog[T, P]) GMP() bool { return c.gmp }

func (c *Catalog[T, P]) site(rec *T) forkline.ID {
	b := P(rec).Base()
	if c.entity == "site" {
		return b.ID
	}
	return b.SiteID
}

// prepare validates a new record and gives it an ID, version 1 and times.
func (c *Catalog[T, P]) prepare(ctx context.Context, a forkline.Actor, rec *T) error {
	b := P(rec).Base()
	b.ID = c.ids.New()
	if c.entity == "site" {
		b.SiteID = b.ID
	}
	b.Code, b.Name = strings.TrimSpace(b.Code), strings.TrimSpace(b.Name)
	b.Active, b.Version = true, 1
	b.CreatedAt = c.now().UTC().Truncate(time.Microsecond)
	b.UpdatedAt = b.CreatedAt
	P(rec).SetBase(b)
	if c.entity != "site" && !forkline.ValidID(b.SiteID) {
		return &forkline.Error{Code: forkline.Invalid, Msg: fmt.Sprintf("The %s is not valid.", strings.ToLower(c.label)),
			Fields: []forkline.FieldProblem{{Field: "siteId", Rule: "required", Msg: "siteId must be the ID of a site"}}}
	}
	if err := a.Require(forkline.PermMasterWrite, c.site(rec)); err != nil && c.entity != "site" {
		return err
	}
	if err := P(rec).Validate(); err != nil {
		return err
	}
	return c.check(ctx, a, nil, rec)
}

// Create adds a record. The caller needs master.write on the record's site.
func (c *Catalog[T, P]) Create(ctx context.Context, rec T, reason string) (T, error) {
	var zero T
	a, err := forkline.RequireActor(ctx)
	if err != nil {
		return zero, err
	}
	if err := c.prepare(ctx, a, &rec); err != nil {
		return zero, err
	}
	ch := audit.Change{Action: audit.Create, Entity: c.entity, EntityID: P(&rec).Base().ID, SiteID: c.site(&rec), Reason: reason, After: rec}
	insert := c.table.Insert
	if c.insert != nil {
		insert = c.insert
	}
	if err := insert(ctx, rec, ch); err != nil {
		return zero, err
	}
	return rec, nil
}

// Import adds many records all or nothing. lines[i] is the input line of
// recs[i]; every problem names its line. Codes already used on the site are
// reported too.
func (c *Catalog[T, P]) Import(ctx context.Context, recs []T, lines []int, reason string) (int, error) {
	return c.importRecords(ctx, recs, lines, reason, nil)
}

// importRecords imports recs unless there is any problem, including the
// prior problems of cells that did not parse (whose lines skip the rules, as
// their zero values would only repeat the problem).
func (c *Catalog[T, P]) importRecords(ctx context.Context, recs []T, lines []int, reason string, prior []forkline.FieldProblem) (int, error) {
	a, err := forkline.RequireActor(ctx)
	if err != nil {
		return 0, err
	}
	var p forkline.Problems
	p.Merge("", prior)
	badLines := map[int]bool{}
	for _, f := range prior {
		badLines[lineOf(f.Field)] = true
	}
	seen := map[string]int{}
	bySite := map[forkline.ID][]string{}
	chs := make([]audit.Change, len(recs))
	for i := range recs {
		prefix := fmt.Sprintf("line %d: ", lines[i])
		err := c.prepare(ctx, a, &recs[i])
		if err != nil && forkline.ErrorCode(err) != forkline.Invalid {
			return 0, err
		}
		if !badLines[lines[i]] {
			p.Merge(prefix, forkline.ErrorFields(err))
		}
		b := P(&recs[i]).Base()
		scope := b.SiteID
		if c.entity == "site" {
			scope = "" // a site is its own site, but site codes are unique across all sites
		}
		key := scope + "/" + b.Code
		if first, dup := seen[key]; dup && b.Code != "" {
			p.Add(prefix+"code", "unique", fmt.Sprintf("code %q is also on line %d", b.Code, first))
		} else if b.Code != "" {
			seen[key] = lines[i]
			bySite[scope] = append(bySite[scope], b.Code)
		}
		chs[i] = audit.Change{Action: audit.Create, Entity: c.entity, EntityID: b.ID, SiteID: c.site(&recs[i]), Reason: reason, After: recs[i]}
	}
	for site, codes := range bySite {
		f := Filter{SiteIDs: []forkline.ID{site}, Codes: codes, IncludeInactive: true, Limit: len(codes)}
		if c.entity == "site" {
			f.SiteIDs = nil
		}
		existing, err := c.table.FindMany(ctx, f)
		if err != nil {
			return 0, err
		}
		for _, e := range existing {
			code := P(&e).Base().Code
			p.Add(fmt.Sprintf("line %d: code", seen[site+"/"+code]), "unique", fmt.Sprintf("code %q is already used on this site", code))
		}
	}
	if err := p.Err(fmt.Sprintf("Nothing was imported: %d problems were found.", len(p.List()))); err != nil {
		slices.SortStableFunc(err.(*forkline.Error).Fields, func(x, y forkline.FieldProblem) int { return lineOf(x.Field) - lineOf(y.Field) })
		return 0, err
	}
	if len(recs) == 0 {
		return 0, forkline.Errorf(forkline.Invalid, "The file holds no records.")
	}
	if err := c.table.InsertMany(ctx, recs, chs); err != nil {
		return 0, err
	}
	return len(recs), nil
}

func lineOf(field string) int {
	var n int
	fmt.Sscanf(field, "line %d:", &n)
	return n
}

// Update replaces a record's fields. rec.Version must be the version the
// caller read; the site, active flag and creation time cannot change here.
func (c *Catalog[T, P]) Update(ctx context.Context, rec T, reason string) (T, error) {
	var zero T
	a, err := forkline.RequireActor(ctx)
	if err != nil {
		return zero, err
	}
	nb := P(&rec).Base()
	before, err := c.table.Find(ctx, nb.ID)
	if err != nil {
		return zero, err
	}
	if err := a.Require(forkline.PermMasterWrite, c.site(&before)); err != nil {
		return zero, err
	}
	ob := P(&before).Base()
	if nb.Version != ob.Version {
		return zero, forkline.ErrStaleVersion
	}
	if err := c.needReason(reason); err != nil {
		return zero, err
	}
	nb.SiteID, nb.Active, nb.CreatedAt = ob.SiteID, ob.Active, ob.CreatedAt
	nb.Code, nb.Name = strings.TrimSpace(nb.Code), strings.TrimSpace(nb.Name)
	nb.Version = ob.Version + 1
	nb.UpdatedAt = c.now().UTC().Truncate(time.Microsecond)
	P(&rec).SetBase(nb)
	if err := P(&rec).Validate(); err != nil {
		return zero, err
	}
	if err := c.check(ctx, a, &before, &rec); err != nil {
		return zero, err
	}
	ch := audit.Change{Action: audit.Update, Entity: c.entity, EntityID: nb.ID, SiteID: c.site(&rec), Reason: reason, Before: before, After: rec}
	if err := c.table.Update(ctx, rec, ob.Version, ch); err != nil {
		return zero, err
	}
	return rec, nil
}

func (c *Catalog[T, P]) needReason(reason string) error {
	if c.gmp && strings.TrimSpace(reason) == "" {
		return &forkline.Error{Code: forkline.Invalid, Msg: fmt.Sprintf("%s records are GMP-relevant: give a reason for the change.", c.label),
			Fields: []forkline.FieldProblem{{Field: "reason", Rule: "required", Msg: "reason is required for a change to a GMP-relevant record"}}}
	}
	return nil
}

// SetActive disables (active false) or enables a record. Disabled records
// stay in place for everything that refers to them.
func (c *Catalog[T, P]) SetActive(ctx context.Context, id forkline.ID, version int, active bool, reason string) (T, error) {
	var zero T
	a, err := forkline.RequireActor(ctx)
	if err != nil {
		return zero, err
	}
	before, err := c.table.Find(ctx, id)
	if err != nil {
		return zero, err
	}
	if err := a.Require(forkline.PermMasterWrite, c.site(&before)); err != nil {
		return zero, err
	}
	ob := P(&before).Base()
	if version != ob.Version {
		return zero, forkline.ErrStaleVersion
	}
	if ob.Active == active {
		return before, nil
	}
	if err := c.needReason(reason); err != nil {
		return zero, err
	}
	rec := before
	nb := ob
	nb.Active = active
	nb.Version++
	nb.UpdatedAt = c.now().UTC().Truncate(time.Microsecond)
	P(&rec).SetBase(nb)
	action := audit.Disable
	if active {
		action = audit.Enable
	}
	ch := audit.Change{Action: action, Entity: c.entity, EntityID: id, SiteID: c.site(&rec), Reason: reason, Before: before, After: rec}
	if err := c.table.Update(ctx, rec, ob.Version, ch); err != nil {
		return zero, err
	}
	return rec, nil
}

// Find returns one record. The caller needs master.read on its site.
func (c *Catalog[T, P]) Find(ctx context.Context, id forkline.ID) (T, error) {
	var zero T
	a, err := forkline.RequireActor(ctx)
	if err != nil {
		return zero, err
	}
	if !forkline.ValidID(id) {
		return zero, forkline.ErrNotFound
	}
	rec, err := c.table.Find(ctx, id)
	if err != nil {
		return zero, err
	}
	if err := a.Require(forkline.PermMasterRead, c.site(&rec)); err != nil {
		return zero, err
	}
	return rec, nil
}

// List returns records on the sites the caller may read, within f.SiteIDs if given.
func (c *Catalog[T, P]) List(ctx context.Context, f Filter) ([]T, error) {
	a, err := forkline.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if a.Kind != forkline.ActorSystem {
		allowed := a.Sites(forkline.PermMasterRead)
		if len(allowed) == 0 {
			return nil, forkline.ErrForbidden
		}
		if f.SiteIDs == nil {
			f.SiteIDs = allowed
		} else {
			f.SiteIDs = slices.DeleteFunc(slices.Clone(f.SiteIDs), func(s forkline.ID) bool { return !slices.Contains(allowed, s) })
			if len(f.SiteIDs) == 0 {
				return nil, forkline.ErrForbidden
			}
		}
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	return c.table.FindMany(ctx, f)
}
