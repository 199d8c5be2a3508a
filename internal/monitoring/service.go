package monitoring

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/forkline/forkline"
)

// Equipment is what monitoring knows of a piece of equipment.
type Equipment struct {
	ID, SiteID, LineID forkline.ID
	Code, Name         string
}

// Plant tells monitoring where equipment is. The wiring answers from the
// plant master data.
type Plant interface {
	// Equipment returns one equipment; NotFound when there is none.
	Equipment(ctx context.Context, id forkline.ID) (Equipment, error)
}

// Service configures machine data and answers what the machines did.
type Service struct {
	store Store
	cfg   ConfigStore
	plant Plant
	pipe  *Pipeline
	now   func() time.Time
}

// NewService returns a Service. pipe may be nil when nothing is ingested
// in this process (the CLI); mapping changes then reach a running server's
// pipeline when it restarts.
func NewService(store Store, cfg ConfigStore, plant Plant, pipe *Pipeline, now func() time.Time) *Service {
	return &Service{store: store, cfg: cfg, plant: plant, pipe: pipe, now: now}
}

// Pipeline returns the pipeline the service reloads, or nil.
func (s *Service) Pipeline() *Pipeline { return s.pipe }

func invalid(field, rule, msg string) error {
	return &forkline.Error{Code: forkline.Invalid, Msg: msg, Fields: []forkline.FieldProblem{{Field: field, Rule: rule, Msg: msg}}}
}

func require(ctx context.Context, perm forkline.Permission, site forkline.ID) (forkline.Actor, error) {
	a, err := forkline.RequireActor(ctx)
	if err != nil {
		return a, err
	}
	return a, a.Require(perm, site)
}

// equipment looks up an equipment and checks the caller holds perm on its site.
func (s *Service) equipment(ctx context.Context, perm forkline.Permission, field string, id forkline.ID) (Equipment, error) {
	if !forkline.ValidID(id) {
		return Equipment{}, invalid(field, "required", field+" must be the ID of an equipment")
	}
	eq, err := s.plant.Equipment(ctx, id)
	if forkline.ErrorCode(err) == forkline.NotFound {
		return eq, invalid(field, "exists", field+" names no equipment")
	} else if err != nil {
		return eq, err
	}
	_, err = require(ctx, perm, eq.SiteID)
	return eq, err
}

// Tags returns the tag mappings of a site.
func (s *Service) Tags(ctx context.Context, site forkline.ID) ([]Tag, error) {
	if _, err := require(ctx, forkline.PermMachineRead, site); err != nil {
		return nil, err
	}
	return s.store.TagsOf(ctx, site)
}

// SaveTag creates a mapping (Version 0) or changes one (Version as read),
// and makes the running pipeline use it from its next batch.
func (s *Service) SaveTag(ctx context.Context, t Tag, reason string) (Tag, error) {
	t.Address = strings.TrimSpace(t.Address)
	if err := t.Validate(); err != nil {
		return t, err
	}
	eq, err := s.equipment(ctx, forkline.PermMachineConfigure, "equipmentId", t.EquipmentID)
	if err != nil {
		return t, err
	}
	if t.Version > 0 {
		old, err := s.store.Tag(ctx, t.ID)
		if err != nil {
			return t, err
		}
		if _, err := require(ctx, forkline.PermMachineConfigure, old.SiteID); err != nil {
			return t, err
		}
		if strings.TrimSpace(reason) == "" {
			return t, invalid("reason", "required", "reason is required when a mapping changes: it is kept in the audit trail")
		}
	}
	t.SiteID = eq.SiteID
	saved, err := s.store.SaveTag(ctx, t, reason)
	if err == nil && s.pipe != nil {
		s.pipe.Reload()
	}
	return saved, err
}

// MaxIngest is the most samples one Ingest call takes.
const MaxIngest = 50000

// Ingest books samples sent over the API: a sample of a mapped tag needs
// machine.ingest on that tag's site; samples no mapping takes are counted
// and dropped as from any other path. It returns when they are durable.
func (s *Service) Ingest(ctx context.Context, samples []Sample) error {
	a, err := forkline.RequireActor(ctx)
	if err != nil {
		return err
	}
	if !a.CanAnywhere(forkline.PermMachineIngest) {
		return forkline.ErrForbidden
	}
	if len(samples) > MaxIngest {
		return invalid("samples", "max_items", fmt.Sprintf("send at most %d samples at once", MaxIngest))
	}
	if s.pipe == nil {
		return &forkline.Error{Code: forkline.Unavailable, Msg: "This process does not ingest machine data."}
	}
	var p, denied forkline.Problems
	allowed := map[forkline.ID]bool{}
	for i, smp := range samples {
		field := fmt.Sprintf("samples[%d]", i)
		if strings.TrimSpace(smp.Address) == "" {
			p.Add(field+".address", "required", "address is required")
		}
		if smp.Time.IsZero() {
			p.Add(field+".time", "required", "time is required")
		}
		site, ok := s.pipe.SiteOf(smp.Address)
		if !ok {
			continue
		}
		can, seen := allowed[site]
		if !seen {
			can = a.Can(forkline.PermMachineIngest, site)
			allowed[site] = can
		}
		if !can {
			denied.Add(field+".address", "site", "the tag "+smp.Address+" belongs to a site this caller may not send data for")
		}
		if len(p.List())+len(denied.List()) >= 20 {
			break
		}
	}
	if err := p.Err("The samples are not valid; none was stored."); err != nil {
		return err
	}
	if d := denied.List(); len(d) > 0 {
		return &forkline.Error{Code: forkline.Forbidden, Msg: "Some samples are for another site's equipment; none was stored.", Fields: d}
	}
	return s.pipe.Ingest(ctx, samples)
}

// Unmapped returns the addresses that sent samples no mapping takes, for a
// person mapping tags. Only what this server's pipeline saw since it started.
func (s *Service) Unmapped(ctx context.Context) ([]Unmapped, error) {
	a, err := forkline.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if !a.CanAnywhere(forkline.PermMachineConfigure) {
		return nil, forkline.ErrForbidden
	}
	if s.pipe == nil {
		return nil, nil
	}
	return s.pipe.UnmappedAddresses(), nil
}

// Reasons returns a site's downtime reason tree, parents before children.
func (s *Service) Reasons(ctx context.Context, site forkline.ID) ([]Reason, error) {
	if _, err := require(ctx, forkline.PermMachineRead, site); err != nil {
		return nil, err
	}
	rs, err := s.store.Reasons(ctx, site)
	if err != nil {
		return nil, err
	}
	return TreeOrder(rs), nil
}

// TreeOrder sorts reasons so that each parent comes before its children,
// siblings by code. Reasons whose parent is missing come at the top level.
func TreeOrder(rs []Reason) []Reason {
	byParent := map[forkline.ID][]Reason{}
	ids := map[forkline.ID]bool{}
	for _, r := range rs {
		ids[r.ID] = true
	}
	for _, r := range rs {
		p := r.ParentID
		if !ids[p] {
			p = ""
		}
		byParent[p] = append(byParent[p], r)
	}
	out := make([]Reason, 0, len(rs))
	var walk func(p forkline.ID, depth int)
	walk = func(p forkline.ID, depth int) {
		kids := byParent[p]
		slices.SortFunc(kids, func(a, b Reason) int { return strings.Compare(a.Code, b.Code) })
		for _, k := range kids {
			out = append(out, k)
			if depth < 16 {
				walk(k.ID, depth+1)
			}
		}
	}
	walk("", 0)
	return out
}

// SaveReason creates or changes a downtime reason.
func (s *Service) SaveReason(ctx context.Context, r Reason) (Reason, error) {
	r.Code = strings.TrimSpace(r.Code)
	if err := r.Validate(); err != nil {
		return r, err
	}
	if _, err := require(ctx, forkline.PermMachineConfigure, r.SiteID); err != nil {
		return r, err
	}
	if r.ParentID != "" {
		rs, err := s.store.Reasons(ctx, r.SiteID)
		if err != nil {
			return r, err
		}
		parents := map[forkline.ID]forkline.ID{}
		for _, x := range rs {
			parents[x.ID] = x.ParentID
		}
		if _, ok := parents[r.ParentID]; !ok {
			return r, invalid("parentId", "exists", "parentId must be a reason of the same site")
		}
		for p := r.ParentID; p != ""; p = parents[p] {
			if p == r.ID {
				return r, invalid("parentId", "cycle", "a reason cannot sit under itself")
			}
		}
	}
	return s.store.SaveReason(ctx, r)
}

// Classify gives an unplanned stop its reason, from the line terminal or
// the downtime page.
func (s *Service) Classify(ctx context.Context, interval, reason forkline.ID, note string) (Interval, error) {
	if !forkline.ValidID(interval) {
		return Interval{}, invalid("intervalId", "required", "intervalId must be the ID of a stop")
	}
	if !forkline.ValidID(reason) {
		return Interval{}, invalid("reasonId", "required", "reasonId must be the ID of a downtime reason")
	}
	var p forkline.Problems
	p.MaxLen("note", note, 500)
	if err := p.Err("The classification is not valid."); err != nil {
		return Interval{}, err
	}
	iv, err := s.store.Interval(ctx, interval)
	if err != nil {
		return iv, err
	}
	if _, err := s.equipment(ctx, forkline.PermDowntimeClassify, "intervalId", iv.EquipmentID); err != nil {
		return iv, err
	}
	return s.store.Classify(ctx, interval, reason, note)
}

// Intervals returns an equipment's states in r.
func (s *Service) Intervals(ctx context.Context, equipment forkline.ID, r Range) ([]Interval, error) {
	if err := checkRange(r, 400*24*time.Hour); err != nil {
		return nil, err
	}
	if _, err := s.equipment(ctx, forkline.PermMachineRead, "equipment", equipment); err != nil {
		return nil, err
	}
	return s.store.Intervals(ctx, []forkline.ID{equipment}, r)
}

// Counts returns an equipment's counts per minute in r.
func (s *Service) Counts(ctx context.Context, equipment forkline.ID, r Range) ([]Count, error) {
	if err := checkRange(r, 400*24*time.Hour); err != nil {
		return nil, err
	}
	if _, err := s.equipment(ctx, forkline.PermMachineRead, "equipment", equipment); err != nil {
		return nil, err
	}
	return s.store.Counts(ctx, []forkline.ID{equipment}, r)
}

// Trend returns a process tag's values per minute in r.
func (s *Service) Trend(ctx context.Context, tag forkline.ID, r Range) (Tag, []ProcessMinute, error) {
	if err := checkRange(r, 31*24*time.Hour); err != nil {
		return Tag{}, nil, err
	}
	t, err := s.store.Tag(ctx, tag)
	if err != nil {
		return t, nil, err
	}
	if _, err := require(ctx, forkline.PermMachineRead, t.SiteID); err != nil {
		return t, nil, err
	}
	ms, err := s.store.Minutes(ctx, tag, r)
	return t, ms, err
}

// Current returns the state that lasts of every equipment of a site.
func (s *Service) Current(ctx context.Context, site forkline.ID) ([]Interval, error) {
	if _, err := require(ctx, forkline.PermMachineRead, site); err != nil {
		return nil, err
	}
	all, err := s.store.OpenIntervals(ctx)
	if err != nil {
		return nil, err
	}
	tags, err := s.store.TagsOf(ctx, site)
	if err != nil {
		return nil, err
	}
	ofSite := map[forkline.ID]bool{}
	for _, t := range tags {
		ofSite[t.EquipmentID] = true
	}
	out := all[:0]
	for _, iv := range all {
		if ofSite[iv.EquipmentID] {
			out = append(out, iv)
		}
	}
	return out, nil
}

// Shifts returns a site's shift calendar.
func (s *Service) Shifts(ctx context.Context, site forkline.ID) ([]Shift, error) {
	if _, err := require(ctx, forkline.PermMachineRead, site); err != nil {
		return nil, err
	}
	return s.cfg.Shifts(ctx, site)
}

// SaveShift creates or changes a shift.
func (s *Service) SaveShift(ctx context.Context, sh Shift) (Shift, error) {
	if err := sh.Validate(); err != nil {
		return sh, err
	}
	if _, err := require(ctx, forkline.PermMachineConfigure, sh.SiteID); err != nil {
		return sh, err
	}
	return s.cfg.SaveShift(ctx, sh)
}

// SaveRate sets an equipment's planned run time per unit, for one item or
// (ItemID empty) for every item.
func (s *Service) SaveRate(ctx context.Context, r Rate) error {
	if r.PerUnit < 0 || r.PerUnit > time.Hour {
		return invalid("perUnitSeconds", "range", "perUnitSeconds must be from 0 (remove the rate) to 3600")
	}
	if _, err := s.equipment(ctx, forkline.PermMachineConfigure, "equipmentId", r.EquipmentID); err != nil {
		return err
	}
	return s.cfg.SaveRate(ctx, r)
}

// Rates returns an equipment's rates.
func (s *Service) Rates(ctx context.Context, equipment forkline.ID) ([]Rate, error) {
	if _, err := s.equipment(ctx, forkline.PermMachineRead, "equipment", equipment); err != nil {
		return nil, err
	}
	return s.cfg.Rates(ctx, []forkline.ID{equipment})
}

// Downsample turns raw process values older than the retention into
// per-minute minimum, maximum and mean. The server runs it every few minutes.
func (s *Service) Downsample(ctx context.Context, retention time.Duration) (int64, error) {
	return s.store.Downsample(ctx, s.now().Add(-retention).Truncate(time.Minute))
}

func checkRange(r Range, longest time.Duration) error {
	var p forkline.Problems
	if r.From.IsZero() {
		p.Add("from", "required", "from is required")
	}
	if r.To.IsZero() {
		p.Add("to", "required", "to is required")
	}
	if !r.From.IsZero() && !r.To.IsZero() {
		if !r.To.After(r.From) {
			p.Add("to", "after", "to must be after from")
		} else if r.To.Sub(r.From) > longest {
			p.Add("to", "max_range", "the range must be at most "+longest.String())
		}
	}
	return p.Err("The time range is not valid.")
}
