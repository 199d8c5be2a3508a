package production

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/audit"
)

// Service plans and runs production orders.
type Service struct {
	store  Store
	ledger Ledger
	signer Signer
	ids    *forkline.IDGenerator
	now    func() time.Time
}

// NewService returns a Service that books material through ledger and
// re-authenticates signers through signer.
func NewService(store Store, ledger Ledger, signer Signer, ids *forkline.IDGenerator, now func() time.Time) *Service {
	return &Service{store: store, ledger: ledger, signer: signer, ids: ids, now: now}
}

// ErrRecipeChanged is returned when an order's recipe version no longer
// hashes to what was frozen at release: someone changed it past every rule.
var ErrRecipeChanged = &forkline.Error{Code: forkline.Conflict,
	Msg: "The recipe version of this order was changed after the order was released; it cannot be run or released until quality has investigated."}

func (s *Service) stamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

func actorFor(ctx context.Context, perm forkline.Permission, site forkline.ID) (forkline.Actor, error) {
	a, err := forkline.RequireActor(ctx)
	if err != nil {
		return a, err
	}
	return a, a.Require(perm, site)
}

func (s *Service) orderFor(ctx context.Context, perm forkline.Permission, id forkline.ID) (Order, forkline.Actor, error) {
	if !forkline.ValidID(id) {
		return Order{}, forkline.Actor{}, invalid("orderId", "required", "orderId must be the ID of a production order")
	}
	o, err := s.store.FindOrder(ctx, id)
	if err != nil {
		return o, forkline.Actor{}, err
	}
	a, err := actorFor(ctx, perm, o.SiteID)
	if err != nil {
		return Order{}, a, err
	}
	return o, a, nil
}

// formula loads an order's frozen recipe version and checks it still
// hashes to what was frozen.
func (s *Service) formula(ctx context.Context, o Order) (Formula, error) {
	if !o.Frozen() {
		return Formula{}, forkline.Errorf(forkline.Conflict, "Order %s is not released: it has no recipe version yet.", o.Number)
	}
	f, err := s.store.FindFormula(ctx, o.VersionID)
	if err != nil {
		return f, err
	}
	if f.ContentHash != o.ContentHash {
		return f, ErrRecipeChanged
	}
	return f, nil
}

// items loads the product and every ingredient and substitute item of f.
func (s *Service) items(ctx context.Context, product forkline.ID, f Formula, extra ...forkline.ID) (Item, map[forkline.ID]Item, error) {
	p, err := s.store.FindProductionItem(ctx, product)
	if err != nil {
		return p, nil, err
	}
	items := map[forkline.ID]Item{p.ID: p}
	ids := slices.Clone(extra)
	for _, in := range f.Ingredients {
		ids = append(ids, in.ItemID)
		ids = append(ids, in.Substitutes...)
	}
	for _, id := range ids {
		if _, ok := items[id]; ok || id == "" {
			continue
		}
		it, err := s.store.FindProductionItem(ctx, id)
		if err != nil {
			return p, nil, err
		}
		items[id] = it
	}
	return p, items, nil
}

func (s *Service) plan(ctx context.Context, o Order, extra ...forkline.ID) (Formula, Item, map[forkline.ID]Item, []Target, error) {
	f, err := s.formula(ctx, o)
	if err != nil {
		return f, Item{}, nil, nil, err
	}
	p, items, err := s.items(ctx, o.ItemID, f, extra...)
	if err != nil {
		return f, p, nil, nil, err
	}
	ts, err := Targets(f, o.PlannedQuantity, p, items)
	return f, p, items, ts, err
}

// OrderInput plans an order.
type OrderInput struct {
	SiteID, ItemID  forkline.ID
	RecipeID        forkline.ID // optional: else the item's one approved recipe, at release
	LineID          forkline.ID
	Number          string
	PlannedQuantity forkline.Quantity
	PlannedStart    time.Time
	PlannedEnd      time.Time
	ERPRef          string
	Reason          string
}

// CreateOrder plans an order.
func (s *Service) CreateOrder(ctx context.Context, in OrderInput) (Order, error) {
	os, err := s.CreateOrders(ctx, []OrderInput{in})
	if oe, ok := err.(*OrderError); ok {
		return Order{}, oe.Err
	} else if err != nil {
		return Order{}, err
	}
	return os[0], nil
}

// CreateOrders plans several orders all or nothing, as an ERP schedule
// import needs: each is checked as CreateOrder checks it, and they are
// created in one transaction. An error about one order is an *OrderError
// saying which.
func (s *Service) CreateOrders(ctx context.Context, ins []OrderInput) ([]Order, error) {
	os := make([]Order, 0, len(ins))
	chs := make([]audit.Change, 0, len(ins))
	for i, in := range ins {
		o, ch, err := s.prepareOrder(ctx, in)
		if err != nil {
			return nil, &OrderError{Index: i, Err: err}
		}
		os, chs = append(os, o), append(chs, ch)
	}
	if i, err := s.store.CreateOrders(ctx, os, chs); err != nil {
		if errors.Is(err, forkline.ErrDuplicate) {
			return nil, &OrderError{Index: i, Err: &forkline.Error{Code: forkline.Conflict, Msg: fmt.Sprintf("Order number %s is taken on this site.", os[i].Number),
				Fields: []forkline.FieldProblem{{Field: "number", Rule: "unique", Msg: "the number is taken"}}, Err: err}}
		}
		return nil, err
	}
	return os, nil
}

// OrderError is an error about one of the orders given to CreateOrders.
type OrderError struct {
	Index int // of the order in the input
	Err   error
}

func (e *OrderError) Error() string { return fmt.Sprintf("order %d: %v", e.Index+1, e.Err) }
func (e *OrderError) Unwrap() error { return e.Err }

// prepareOrder checks an order to plan and makes it and its audit change.
func (s *Service) prepareOrder(ctx context.Context, in OrderInput) (Order, audit.Change, error) {
	if _, err := actorFor(ctx, PermPlan, in.SiteID); err != nil {
		return Order{}, audit.Change{}, err
	}
	var p forkline.Problems
	in.Number, in.ERPRef = strings.TrimSpace(in.Number), strings.TrimSpace(in.ERPRef)
	p.Required("number", in.Number)
	p.MaxLen("number", in.Number, 40)
	p.MaxLen("erpRef", in.ERPRef, 60)
	var product Item
	if !forkline.ValidID(in.ItemID) {
		p.Add("itemId", "required", "itemId must be the ID of the item to make")
	} else if it, err := s.store.FindProductionItem(ctx, in.ItemID); forkline.ErrorCode(err) == forkline.NotFound || err == nil && (it.SiteID != in.SiteID || !it.Active) {
		p.Add("itemId", "reference", "itemId is not an active item of this site")
	} else if err != nil {
		return Order{}, audit.Change{}, err
	} else {
		product = it
	}
	if !forkline.ValidID(in.LineID) {
		p.Add("lineId", "required", "lineId must be the ID of a line")
	} else if l, err := s.store.FindProductionLine(ctx, in.LineID); forkline.ErrorCode(err) == forkline.NotFound || err == nil && (l.SiteID != in.SiteID || !l.Active) {
		p.Add("lineId", "reference", "lineId is not an active line of this site")
	} else if err != nil {
		return Order{}, audit.Change{}, err
	}
	if in.RecipeID != "" && !forkline.ValidID(in.RecipeID) {
		p.Add("recipeId", "reference", "recipeId must be the ID of a recipe, or empty")
	}
	var planned forkline.Quantity
	if in.PlannedQuantity.Sign() <= 0 || in.PlannedQuantity.Unit == "" {
		p.Add("plannedQuantity", "positive", "plannedQuantity must be more than zero, with a unit")
	} else if product.ID != "" {
		q, exact, err := forkline.Convert(in.PlannedQuantity, product.BaseUnit, product.PackSizes)
		switch {
		case err != nil:
			p.Add("plannedQuantity", "unit", "plannedQuantity: "+forkline.ErrorMessage(err))
		case !exact:
			p.Add("plannedQuantity", "exact", fmt.Sprintf("enter plannedQuantity in %s", product.BaseUnit))
		default:
			planned = q
		}
	}
	if in.PlannedStart.IsZero() {
		p.Add("plannedStart", "required", "plannedStart is required")
	}
	if in.PlannedEnd.IsZero() || !in.PlannedEnd.After(in.PlannedStart) {
		p.Add("plannedEnd", "after", "plannedEnd must be after plannedStart")
	}
	if err := p.Err("The production order is not valid."); err != nil {
		return Order{}, audit.Change{}, err
	}
	now := s.stamp()
	o := Order{ID: s.ids.New(), SiteID: in.SiteID, Number: in.Number, ItemID: in.ItemID, RecipeID: in.RecipeID, PlannedQuantity: planned,
		LineID: in.LineID, PlannedStart: in.PlannedStart.UTC().Truncate(time.Microsecond), PlannedEnd: in.PlannedEnd.UTC().Truncate(time.Microsecond),
		ERPRef: in.ERPRef, State: Planned, CreatedAt: now, UpdatedAt: now, Version: 1}
	ch := audit.Change{Action: audit.Create, Entity: "production_order", EntityID: o.ID, SiteID: o.SiteID, Reason: in.Reason, After: orderSnap(o)}
	return o, ch, nil
}

// orderSnap is what the audit trail keeps of an order.
func orderSnap(o Order) map[string]any {
	m := map[string]any{"Number": o.Number, "State": o.State, "ItemID": o.ItemID, "LineID": o.LineID,
		"PlannedQuantity": o.PlannedQuantity, "PlannedStart": o.PlannedStart, "PlannedEnd": o.PlannedEnd, "ERPRef": o.ERPRef}
	if o.HeldFrom != "" {
		m["HeldFrom"] = o.HeldFrom
	}
	if o.Frozen() {
		m["RecipeID"], m["VersionID"], m["ContentHash"], m["Allergens"] = o.RecipeID, o.VersionID, o.ContentHash, o.Allergens
	}
	if o.Yield.Percent != "" {
		m["Yield"] = o.Yield
	}
	return m
}

// Order returns an order.
func (s *Service) Order(ctx context.Context, id forkline.ID) (Order, error) {
	if !forkline.ValidID(id) {
		return Order{}, forkline.ErrNotFound
	}
	o, _, err := s.orderFor(ctx, PermRead, id)
	return o, err
}

// OrderByNumber returns the order with a number on a site.
func (s *Service) OrderByNumber(ctx context.Context, site forkline.ID, number string) (Order, error) {
	if _, err := actorFor(ctx, PermRead, site); err != nil {
		return Order{}, err
	}
	return s.store.FindOrderByNumber(ctx, site, strings.TrimSpace(number))
}

// Orders lists orders on the sites the caller may read, by planned start.
func (s *Service) Orders(ctx context.Context, f OrderFilter) ([]Order, error) {
	a, err := forkline.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if a.Kind != forkline.ActorSystem {
		allowed := a.Sites(PermRead)
		if f.SiteIDs == nil {
			f.SiteIDs = allowed
		}
		for _, id := range f.SiteIDs {
			if !slices.Contains(allowed, id) {
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
	return s.store.FindOrders(ctx, f)
}

// DispatchList returns the released orders of a line in the order the line runs them.
func (s *Service) DispatchList(ctx context.Context, line forkline.ID) ([]Order, error) {
	if !forkline.ValidID(line) {
		return nil, invalid("lineId", "required", "lineId must be the ID of a line")
	}
	l, err := s.store.FindProductionLine(ctx, line)
	if err != nil {
		return nil, err
	}
	if _, err := actorFor(ctx, PermRead, l.SiteID); err != nil {
		return nil, err
	}
	os, err := s.store.FindOrders(ctx, OrderFilter{SiteIDs: []forkline.ID{l.SiteID}, LineID: line, States: []State{Released}, Limit: 500})
	if err != nil {
		return nil, err
	}
	return Dispatch(os, line), nil
}

// StateInput moves an order to another state.
type StateInput struct {
	OrderID forkline.ID
	To      State
	Reason  string // required to hold, resume and cancel
}

// ChangeState moves an order along the transition table. Releasing freezes
// the recipe version; starting (and resuming a run) needs the line free and
// clean; completing computes the yield.
func (s *Service) ChangeState(ctx context.Context, in StateInput) (Order, error) {
	o, a, err := s.orderFor(ctx, PermRead, in.OrderID)
	if err != nil {
		return Order{}, err
	}
	t, err := CheckTransition(o, in.To)
	if err != nil {
		return Order{}, err
	}
	if err := a.Require(t.Perm, o.SiteID); err != nil {
		return Order{}, err
	}
	reason := strings.TrimSpace(in.Reason)
	if reason == "" && (in.To == OnHold || in.To == Cancelled || o.State == OnHold) {
		return Order{}, invalid("reason", "required", fmt.Sprintf("give a reason to move order %s from %s to %s", o.Number, o.State, in.To))
	}
	now := s.stamp()
	next := o
	next.State, next.HeldFrom, next.UpdatedAt = in.To, "", now
	sc := StateChange{From: o.State, PrevVersion: o.Version}
	switch in.To {
	case Released:
		if o.State == Planned {
			if err := s.freeze(ctx, &next); err != nil {
				return Order{}, err
			}
		}
	case InProgress:
		if _, err := s.formula(ctx, o); err != nil {
			return Order{}, err
		}
		l, err := s.store.FindProductionLine(ctx, o.LineID)
		if err != nil {
			return Order{}, err
		}
		run, err := s.store.FindLineRun(ctx, o.LineID)
		if err != nil {
			return Order{}, err
		}
		if err := CheckStart(o, run, l.Code); err != nil {
			return Order{}, err
		}
		sc.Occupy, sc.LastOrderID = true, run.LastOrderID
		if next.StartedAt.IsZero() {
			next.StartedAt = now
		}
	case OnHold:
		next.HeldFrom = o.State
		if o.State == InProgress {
			sc.Free, next.StoppedAt = true, now
		}
	case Completed:
		y, err := s.completion(ctx, o)
		if err != nil {
			return Order{}, err
		}
		sc.Free, next.StoppedAt, next.CompletedAt, next.Yield = true, now, now, y
	}
	sc.Order = next
	sc.Record = StateRecord{ID: s.ids.New(), OrderID: o.ID, From: o.State, To: in.To, At: now, ActorID: a.ID, ActorName: a.Name, Reason: reason}
	sc.Audit = audit.Change{Action: audit.Action(in.To), Entity: "production_order", EntityID: o.ID, SiteID: o.SiteID, Reason: reason,
		Before: orderSnap(o), After: orderSnap(next)}
	if err := s.store.ChangeState(ctx, sc); err != nil {
		return Order{}, err
	}
	next.Version++
	return next, nil
}

// freeze fixes the recipe version of an order being released: its ID, its
// content hash, and the allergens the product contains.
func (s *Service) freeze(ctx context.Context, o *Order) error {
	fs, err := s.store.FindApprovedFormulas(ctx, o.SiteID, o.ItemID)
	if err != nil {
		return err
	}
	var f Formula
	switch {
	case o.RecipeID != "":
		i := slices.IndexFunc(fs, func(f Formula) bool { return f.RecipeID == o.RecipeID })
		if i < 0 {
			return forkline.Errorf(forkline.Conflict, "Order %s names a recipe that has no approved version for its item.", o.Number)
		}
		f = fs[i]
	case len(fs) == 0:
		return forkline.Errorf(forkline.Conflict, "The item of order %s has no approved recipe: approve one before releasing the order.", o.Number)
	case len(fs) > 1:
		var codes []string
		for _, f := range fs {
			codes = append(codes, f.RecipeCode)
		}
		return forkline.Errorf(forkline.Conflict, "The item of order %s has several approved recipes (%s): choose one for the order.", o.Number, strings.Join(codes, ", "))
	default:
		f = fs[0]
	}
	if !f.Intact() {
		return forkline.Errorf(forkline.Conflict, "Recipe %s version %d no longer matches its approval signature: it cannot be released to production.", f.RecipeCode, f.Number)
	}
	product, items, err := s.items(ctx, o.ItemID, f)
	if err != nil {
		return err
	}
	if _, err := Targets(f, o.PlannedQuantity, product, items); err != nil {
		return err
	}
	all := slices.Clone(f.Allergens)
	for _, a := range product.Allergens {
		if !slices.Contains(all, a) {
			all = append(all, a)
		}
	}
	slices.Sort(all)
	o.RecipeID, o.VersionID, o.ContentHash, o.Allergens = f.RecipeID, f.VersionID, f.ContentHash, all
	return nil
}

// completion computes the yield of an order being completed. An addition
// still waiting for the ledger must be settled first.
func (s *Service) completion(ctx context.Context, o Order) (Yield, error) {
	f, err := s.formula(ctx, o)
	if err != nil {
		return Yield{}, err
	}
	product, items, err := s.items(ctx, o.ItemID, f)
	if err != nil {
		return Yield{}, err
	}
	adds, err := s.store.FindAdditions(ctx, o.ID)
	if err != nil {
		return Yield{}, err
	}
	for _, a := range adds {
		if a.Status == AdditionPending {
			return Yield{}, forkline.Errorf(forkline.Conflict, "The addition of lot %s to order %s is not booked in the ledger yet: %s retries it before the order is completed.", a.LotCode, o.Number, a.ActorName)
		}
	}
	outs, err := s.store.FindOutputs(ctx, o.ID)
	if err != nil {
		return Yield{}, err
	}
	return ComputeYield(f, product, items, adds, outs)
}

// ChangeoverInput records a completed cleaning or changeover of a line.
type ChangeoverInput struct {
	LineID      forkline.ID
	Kind        string // Cleaning (default) or Changeover
	Note        string
	CompletedAt time.Time // when it was finished; zero means now
}

// RecordChangeover records a completed cleaning of a line, which lets an
// order without the previous order's allergens start.
func (s *Service) RecordChangeover(ctx context.Context, in ChangeoverInput) (ChangeoverRecord, error) {
	if !forkline.ValidID(in.LineID) {
		return ChangeoverRecord{}, invalid("lineId", "required", "lineId must be the ID of a line")
	}
	l, err := s.store.FindProductionLine(ctx, in.LineID)
	if err != nil {
		return ChangeoverRecord{}, err
	}
	a, err := actorFor(ctx, PermExecute, l.SiteID)
	if err != nil {
		return ChangeoverRecord{}, err
	}
	if in.Kind == "" {
		in.Kind = Cleaning
	}
	if in.Kind != Cleaning && in.Kind != Changeover {
		return ChangeoverRecord{}, invalid("kind", "one_of", "kind must be cleaning or changeover")
	}
	in.Note = strings.TrimSpace(in.Note)
	if len([]rune(in.Note)) > 500 {
		return ChangeoverRecord{}, invalid("note", "max_length", "note must be at most 500 characters")
	}
	now := s.stamp()
	done := in.CompletedAt.UTC().Truncate(time.Microsecond)
	if in.CompletedAt.IsZero() {
		done = now
	}
	if done.After(now.Add(5 * time.Minute)) {
		return ChangeoverRecord{}, invalid("completedAt", "not_future", "completedAt must not be in the future")
	}
	c := ChangeoverRecord{ID: s.ids.New(), SiteID: l.SiteID, LineID: l.ID, Kind: in.Kind, Note: in.Note, CompletedAt: done, RecordedAt: now, ActorID: a.ID, ActorName: a.Name}
	ch := audit.Change{Action: audit.Create, Entity: "line_changeover", EntityID: c.ID, SiteID: c.SiteID,
		After: map[string]any{"Line": l.Code, "Kind": c.Kind, "Note": c.Note, "CompletedAt": c.CompletedAt}}
	if err := s.store.RecordChangeover(ctx, c, ch); err != nil {
		return ChangeoverRecord{}, err
	}
	return c, nil
}

// AdditionInput is material of one scanned lot added to an order.
type AdditionInput struct {
	OrderID, LotID, LocationID forkline.ID
	Quantity                   forkline.Quantity // as weighed, e.g. "25.2 kg" or "1 case"
	Step                       int               // 1-based; 0 when not given
	OverrideReason             string            // a supervisor's reason to accept a quantity outside tolerance or a lot out of FEFO order
	IdempotencyKey             string
}

// AddMaterial checks and books an addition: the lot's item must be an
// ingredient of the recipe or an allowed substitute, the cumulative
// quantity must stay within tolerance of the scaled target, and the lot
// must be the first to expire. A supervisor may accept the last two with a
// reason. The ledger checks that the lot is usable and books the consumption.
func (s *Service) AddMaterial(ctx context.Context, in AdditionInput) (Addition, error) {
	o, a, err := s.orderFor(ctx, PermExecute, in.OrderID)
	if err != nil {
		return Addition{}, err
	}
	in.IdempotencyKey = strings.TrimSpace(in.IdempotencyKey)
	if in.IdempotencyKey != "" {
		prev, err := s.store.FindAdditionByKey(ctx, o.ID, in.IdempotencyKey)
		if err == nil {
			if prev.LotID != in.LotID || prev.Entered != in.Quantity {
				return Addition{}, forkline.Errorf(forkline.Conflict, "This Idempotency-Key was used for another addition; use a new key for a new scan.")
			}
			return s.resume(ctx, o, a, prev)
		} else if forkline.ErrorCode(err) != forkline.NotFound {
			return Addition{}, err
		}
	}
	if o.State != InProgress {
		return Addition{}, forkline.Errorf(forkline.Conflict, "Order %s is %s: material is added only while it is in progress.", o.Number, o.State)
	}
	if !forkline.ValidID(in.LotID) {
		return Addition{}, invalid("lotId", "required", "scan the lot to add")
	}
	if !forkline.ValidID(in.LocationID) {
		return Addition{}, invalid("locationId", "required", "locationId must be where the lot is taken from")
	}
	lot, err := s.ledger.Lot(ctx, in.LotID)
	if forkline.ErrorCode(err) == forkline.NotFound || err == nil && lot.SiteID != o.SiteID {
		return Addition{}, invalid("lotId", "reference", "the scanned lot is not a lot of this site")
	} else if err != nil {
		return Addition{}, err
	}
	f, _, items, targets, err := s.plan(ctx, o, lot.ItemID)
	if err != nil {
		return Addition{}, err
	}
	lotItem := items[lot.ItemID]
	ti, sub, ok := MatchIngredient(targets, lot.ItemID)
	if !ok {
		var codes []string
		for _, t := range targets {
			codes = append(codes, items[t.ItemID].Code)
		}
		msg := fmt.Sprintf("Wrong material: lot %s is %s, which recipe %s does not use. Scan a lot of %s.", lot.Code, lotItem.Code, f.RecipeCode, strings.Join(codes, ", "))
		return Addition{}, &forkline.Error{Code: forkline.Invalid, Msg: msg, Fields: []forkline.FieldProblem{{Field: "lotId", Rule: "in_recipe", Msg: msg}}, Err: ErrWrongItem}
	}
	t := targets[ti]
	ingItem := items[t.ItemID]
	if in.Step != 0 {
		if in.Step < 1 || in.Step > len(f.Steps) {
			return Addition{}, invalid("step", "range", fmt.Sprintf("step must be from 1 to %d", len(f.Steps)))
		}
		if !slices.Contains(f.Steps[in.Step-1].Additions, t.ItemID) {
			return Addition{}, invalid("step", "in_step", fmt.Sprintf("%s is not added in step %d", ingItem.Code, in.Step))
		}
	}
	counted, err := Counted(in.Quantity, lotItem, ingItem)
	if err != nil {
		return Addition{}, err
	}
	adds, err := s.store.FindAdditions(ctx, o.ID)
	if err != nil {
		return Addition{}, err
	}
	before := Added(adds, t.ItemID, t.Target.Unit)
	total := forkline.QuantityFromMicros(before.Micros()+counted.Micros(), t.Target.Unit)
	first, hasFirst, err := s.ledger.FirstToExpire(ctx, o.SiteID, lot.ItemID, in.Quantity)
	if err != nil {
		return Addition{}, err
	}
	now := s.stamp()
	add := Addition{ID: s.ids.New(), OrderID: o.ID, SiteID: o.SiteID, IngredientItemID: t.ItemID, ItemID: lot.ItemID, Substitute: sub,
		LotID: lot.ID, LotCode: lot.Code, LocationID: in.LocationID, Quantity: counted, Entered: in.Quantity, Step: in.Step,
		Status: AdditionPending, IdempotencyKey: in.IdempotencyKey, At: now, ActorID: a.ID, ActorName: a.Name}
	reason := strings.TrimSpace(in.OverrideReason)
	override := func(kind OverrideKind, detail string) {
		add.Overrides = append(add.Overrides, Override{ID: s.ids.New(), OrderID: o.ID, AdditionID: add.ID, Kind: kind, Reason: reason,
			Detail: detail, At: now, ActorID: a.ID, ActorName: a.Name})
	}
	if t.Over(total) {
		detail := fmt.Sprintf("%s: %s would make %s in total, above the maximum %s (target %s ± %s%%).", ingItem.Code, counted, total, t.Max, t.Target, t.Tolerance)
		if reason == "" {
			msg := fmt.Sprintf("Too much %s: %s A supervisor may accept it with a reason.", ingItem.Code, detail)
			return Addition{}, &forkline.Error{Code: forkline.Invalid, Msg: msg, Fields: []forkline.FieldProblem{{Field: "quantity", Rule: "tolerance", Msg: detail}}, Err: ErrOutOfTolerance}
		}
		override(OverrideTolerance, detail)
	}
	if hasFirst && OutOfFEFO(lot, first) {
		detail := fmt.Sprintf("lot %s (expires %s) used before lot %s (expires %s).", lot.Code, day(lot.Expiry), first.Code, day(first.Expiry))
		if reason == "" {
			msg := fmt.Sprintf("Use lot %s first: it expires on %s, before lot %s. A supervisor may accept lot %s with a reason.", first.Code, day(first.Expiry), lot.Code, lot.Code)
			return Addition{}, &forkline.Error{Code: forkline.Invalid, Msg: msg, Fields: []forkline.FieldProblem{{Field: "lotId", Rule: "fefo", Msg: detail}}, Err: ErrOutOfFEFO}
		}
		override(OverrideFEFO, detail)
	}
	if len(add.Overrides) > 0 && !a.Can(PermOverride, o.SiteID) {
		return Addition{}, forkline.Errorf(forkline.Forbidden, "Only a supervisor may accept this: %s", add.Overrides[0].Detail)
	}
	r := Reservation{Addition: add, Max: t.Max, NoLimit: slices.ContainsFunc(add.Overrides, func(ov Override) bool { return ov.Kind == OverrideTolerance })}
	r.Audit = audit.Change{Action: "add_material", Entity: "production_order", EntityID: o.ID, SiteID: o.SiteID, Reason: reason, After: additionSnap(add)}
	if err := s.store.ReserveAddition(ctx, r); err != nil {
		if errors.Is(err, forkline.ErrDuplicate) && add.IdempotencyKey != "" {
			prev, ferr := s.store.FindAdditionByKey(ctx, o.ID, add.IdempotencyKey)
			if ferr == nil {
				return s.resume(ctx, o, a, prev)
			}
		}
		return Addition{}, err
	}
	return s.settle(ctx, o, add)
}

// RetryAddition books an addition left pending when the ledger did not
// answer. Only its author retries it: the ledger recognises a retry by its
// author and key, and so never consumes twice.
func (s *Service) RetryAddition(ctx context.Context, orderID, additionID forkline.ID) (Addition, error) {
	o, a, err := s.orderFor(ctx, PermExecute, orderID)
	if err != nil {
		return Addition{}, err
	}
	adds, err := s.store.FindAdditions(ctx, o.ID)
	if err != nil {
		return Addition{}, err
	}
	i := slices.IndexFunc(adds, func(x Addition) bool { return x.ID == additionID })
	if i < 0 {
		return Addition{}, forkline.ErrNotFound
	}
	return s.resume(ctx, o, a, adds[i])
}

// resume settles an addition found again. A pending one is settled only by
// its author: the ledger's idempotency keys belong to the actor who used them.
func (s *Service) resume(ctx context.Context, o Order, a forkline.Actor, add Addition) (Addition, error) {
	if add.Status == AdditionPending && add.ActorID != a.ID {
		return Addition{}, forkline.Errorf(forkline.Forbidden, "Only %s, who scanned lot %s, can retry this addition.", add.ActorName, add.LotCode)
	}
	return s.settle(ctx, o, add)
}

func day(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.Format("2006-01-02")
}

func additionSnap(a Addition) map[string]any {
	m := map[string]any{"Addition": a.ID, "Lot": a.LotCode, "Ingredient": a.IngredientItemID, "Quantity": a.Quantity, "Entered": a.Entered, "Status": a.Status}
	if a.Substitute {
		m["Substitute"] = a.ItemID
	}
	if a.EventID != "" {
		m["EventID"] = a.EventID
	}
	if a.Refusal != "" {
		m["Refusal"] = a.Refusal
	}
	for _, ov := range a.Overrides {
		m["Override "+string(ov.Kind)] = ov.Detail
	}
	return m
}

// settle books a reserved addition in the ledger and records the outcome.
// The ledger's key is the addition's ID, so settling again after a failure
// replays the ledger's first answer instead of consuming twice.
func (s *Service) settle(ctx context.Context, o Order, add Addition) (Addition, error) {
	switch add.Status {
	case AdditionBooked:
		return add, nil
	case AdditionRefused:
		return add, forkline.Errorf(forkline.Conflict, "%s", add.Refusal)
	}
	cons, err := s.ledger.Consume(ctx, ConsumeInput{LotID: add.LotID, LocationID: add.LocationID, Quantity: add.Entered,
		OrderRef: o.Number, LineID: o.LineID, IdempotencyKey: "production:addition:" + add.ID})
	if err != nil {
		switch forkline.ErrorCode(err) {
		case forkline.Invalid, forkline.Conflict, forkline.NotFound, forkline.Forbidden:
			add.Status, add.Refusal = AdditionRefused, forkline.ErrorMessage(err)
			ch := audit.Change{Action: "refuse_material", Entity: "production_order", EntityID: o.ID, SiteID: o.SiteID, Reason: add.Refusal, After: additionSnap(add)}
			if rerr := s.store.RefuseAddition(ctx, add, ch); rerr != nil {
				return Addition{}, errors.Join(err, rerr)
			}
		}
		return Addition{}, err
	}
	add.Status, add.EventID = AdditionBooked, cons.EventID
	if cons.LotCode != "" {
		add.LotCode = cons.LotCode
	}
	ch := audit.Change{Action: "book_material", Entity: "production_order", EntityID: o.ID, SiteID: o.SiteID, After: additionSnap(add)}
	if err := s.store.ConfirmAddition(ctx, add, ch); err != nil {
		return Addition{}, err
	}
	return add, nil
}

// ReadingInput is a process parameter value entered at a step.
type ReadingInput struct {
	OrderID   forkline.ID
	Step      int // 1-based
	Parameter string
	Value     Decimal
	Note      string
}

// RecordParameter records a process parameter value. A value outside its
// limits raises a deviation on the order, critical for a CCP.
func (s *Service) RecordParameter(ctx context.Context, in ReadingInput) (Reading, *Deviation, error) {
	o, a, err := s.orderFor(ctx, PermExecute, in.OrderID)
	if err != nil {
		return Reading{}, nil, err
	}
	if o.State != InProgress {
		return Reading{}, nil, forkline.Errorf(forkline.Conflict, "Order %s is %s: values are entered only while it is in progress.", o.Number, o.State)
	}
	f, err := s.formula(ctx, o)
	if err != nil {
		return Reading{}, nil, err
	}
	p, err := FindParameter(f, in.Step, in.Parameter)
	if err != nil {
		return Reading{}, nil, err
	}
	in.Note = strings.TrimSpace(in.Note)
	if len([]rune(in.Note)) > 500 {
		return Reading{}, nil, invalid("note", "max_length", "note must be at most 500 characters")
	}
	now := s.stamp()
	ok, desc := CheckReading(p, in.Step, in.Value)
	r := Reading{ID: s.ids.New(), OrderID: o.ID, Step: in.Step, Parameter: p.Name, Unit: p.Unit, Value: in.Value,
		Target: p.Target, Min: p.Min, Max: p.Max, CCP: p.CCP, InLimits: ok, Note: in.Note, At: now, ActorID: a.ID, ActorName: a.Name}
	var d *Deviation
	if !ok {
		d = &Deviation{ID: s.ids.New(), SiteID: o.SiteID, OrderID: o.ID, Kind: "parameter", Critical: p.CCP, Description: desc,
			ReadingID: r.ID, Status: DeviationOpen, RaisedAt: now, RaisedByID: a.ID, RaisedBy: a.Name}
		r.DeviationID = d.ID
	}
	after := map[string]any{"Step": r.Step, "Parameter": r.Parameter, "Value": r.Value, "InLimits": r.InLimits}
	if d != nil {
		after["Deviation"], after["Critical"] = d.Description, d.Critical
	}
	chs := []audit.Change{{Action: "record_parameter", Entity: "production_order", EntityID: o.ID, SiteID: o.SiteID, Reason: in.Note, After: after}}
	if d != nil {
		chs = append(chs, audit.Change{Action: audit.Create, Entity: "deviation", EntityID: d.ID, SiteID: d.SiteID, Reason: "raised by a reading of order " + o.Number,
			After: map[string]any{"Order": o.Number, "Critical": d.Critical, "Description": d.Description, "Status": d.Status}})
	}
	if err := s.store.RecordReading(ctx, r, d, chs); err != nil {
		return Reading{}, nil, err
	}
	return r, d, nil
}

// OutputInput books an output lot of an order.
type OutputInput struct {
	OrderID, LocationID forkline.ID
	Quantity            forkline.Quantity
	IdempotencyKey      string
}

// RecordOutput books an output lot through the ledger, in quarantine until
// quality releases the batch. Its code comes from the site's pattern and
// its expiry from the item's shelf life, as the ledger assigns them.
func (s *Service) RecordOutput(ctx context.Context, in OutputInput) (Output, error) {
	o, a, err := s.orderFor(ctx, PermExecute, in.OrderID)
	if err != nil {
		return Output{}, err
	}
	key := strings.TrimSpace(in.IdempotencyKey)
	if key != "" {
		outs, err := s.store.FindOutputs(ctx, o.ID)
		if err != nil {
			return Output{}, err
		}
		if i := slices.IndexFunc(outs, func(out Output) bool { return out.IdempotencyKey == key }); i >= 0 {
			return outs[i], nil
		}
	} else {
		key = s.ids.New()
	}
	if o.State != InProgress {
		return Output{}, forkline.Errorf(forkline.Conflict, "Order %s is %s: output is booked only while it is in progress.", o.Number, o.State)
	}
	if _, err := s.formula(ctx, o); err != nil {
		return Output{}, err
	}
	product, err := s.store.FindProductionItem(ctx, o.ItemID)
	if err != nil {
		return Output{}, err
	}
	if in.Quantity.Sign() <= 0 || in.Quantity.Unit == "" {
		return Output{}, invalid("quantity", "positive", "quantity must be more than zero, with a unit")
	}
	q, exact, err := forkline.Convert(in.Quantity, product.BaseUnit, product.PackSizes)
	if err != nil || !exact {
		return Output{}, invalid("quantity", "unit", fmt.Sprintf("quantity must be given exactly in a unit of %s, such as %s", product.Code, product.BaseUnit))
	}
	p, err := s.ledger.Produce(ctx, ProduceInput{SiteID: o.SiteID, ItemID: o.ItemID, LocationID: in.LocationID, Quantity: in.Quantity,
		OrderRef: o.Number, LineID: o.LineID, Quarantine: true, IdempotencyKey: "production:output:" + o.ID + ":" + key})
	if err != nil {
		return Output{}, err
	}
	out := Output{ID: s.ids.New(), OrderID: o.ID, LotID: p.LotID, LotCode: p.LotCode, LocationID: in.LocationID, Quantity: q,
		IdempotencyKey: key, At: s.stamp(), ActorID: a.ID, ActorName: a.Name}
	ch := audit.Change{Action: "record_output", Entity: "production_order", EntityID: o.ID, SiteID: o.SiteID,
		After: map[string]any{"Lot": out.LotCode, "Quantity": out.Quantity}}
	if err := s.store.RecordOutput(ctx, out, ch); err != nil {
		if errors.Is(err, forkline.ErrDuplicate) {
			outs, ferr := s.store.FindOutputs(ctx, o.ID)
			if i := slices.IndexFunc(outs, func(out Output) bool { return out.IdempotencyKey == key }); ferr == nil && i >= 0 {
				return outs[i], nil
			}
		}
		return Output{}, err
	}
	return out, nil
}

// BatchRecord assembles the electronic batch record of an order.
func (s *Service) BatchRecord(ctx context.Context, id forkline.ID) (BatchRecord, error) {
	o, _, err := s.orderFor(ctx, PermRead, id)
	if err != nil {
		return BatchRecord{}, err
	}
	return s.record(ctx, o)
}

func (s *Service) record(ctx context.Context, o Order) (BatchRecord, error) {
	fx := Facts{Order: o}
	var err error
	if fx.Line, err = s.store.FindProductionLine(ctx, o.LineID); err != nil {
		return BatchRecord{}, err
	}
	if o.Frozen() {
		if fx.Formula, err = s.store.FindFormula(ctx, o.VersionID); err != nil {
			return BatchRecord{}, err
		}
		if fx.Product, fx.Items, err = s.items(ctx, o.ItemID, fx.Formula); err != nil {
			return BatchRecord{}, err
		}
		if fx.Targets, err = Targets(fx.Formula, o.PlannedQuantity, fx.Product, fx.Items); err != nil {
			return BatchRecord{}, err
		}
	} else if fx.Product, err = s.store.FindProductionItem(ctx, o.ItemID); err != nil {
		return BatchRecord{}, err
	}
	if fx.Additions, err = s.store.FindAdditions(ctx, o.ID); err != nil {
		return BatchRecord{}, err
	}
	if fx.Readings, err = s.store.FindReadings(ctx, o.ID); err != nil {
		return BatchRecord{}, err
	}
	if fx.Deviations, err = s.store.FindDeviations(ctx, o.ID); err != nil {
		return BatchRecord{}, err
	}
	if fx.Outputs, err = s.store.FindOutputs(ctx, o.ID); err != nil {
		return BatchRecord{}, err
	}
	if fx.History, err = s.store.FindHistory(ctx, o.ID); err != nil {
		return BatchRecord{}, err
	}
	if fx.Signatures, err = s.store.FindSignatures(ctx, o.ID); err != nil {
		return BatchRecord{}, err
	}
	return AssembleRecord(fx), nil
}

// sign re-authenticates the signer. A user signs only for themselves; API
// tokens do not sign: an electronic signature belongs to one person. The
// system actor (command line, demo seeder) signs as the person the Signer
// re-authenticates.
func (s *Service) sign(ctx context.Context, a forkline.Actor, password, meaning string) (forkline.Actor, string, error) {
	meaning = strings.TrimSpace(meaning)
	if meaning == "" {
		return forkline.Actor{}, "", invalid("meaning", "required", "state the meaning of your signature, e.g. \"released\"")
	}
	if len([]rune(meaning)) > 100 {
		return forkline.Actor{}, "", invalid("meaning", "max_length", "meaning must be at most 100 characters")
	}
	if password == "" {
		return forkline.Actor{}, "", invalid("password", "required", "re-enter your password to sign")
	}
	if a.Kind == forkline.ActorToken {
		return forkline.Actor{}, "", forkline.Errorf(forkline.Forbidden, "An API token cannot sign: a signature belongs to a person.")
	}
	signer, err := s.signer.Reauthenticate(ctx, password)
	if err != nil {
		return forkline.Actor{}, "", err
	}
	if signer.Kind != forkline.ActorUser {
		return forkline.Actor{}, "", forkline.Errorf(forkline.Forbidden, "Only a person can sign.")
	}
	if a.Kind == forkline.ActorUser && signer.ID != a.ID {
		return forkline.Actor{}, "", forkline.Errorf(forkline.Forbidden, "You can sign only for yourself.")
	}
	return signer, meaning, nil
}

// CloseDeviationInput closes a deviation with a signature and a reason.
type CloseDeviationInput struct {
	DeviationID forkline.ID
	Reason      string // what was found and done
	Password    string
	Meaning     string // e.g. MeaningReviewed
}

// CloseDeviation closes an open deviation: quality states what was done,
// re-enters the password and the meaning; the signature is bound to the
// deviation and the reason.
func (s *Service) CloseDeviation(ctx context.Context, in CloseDeviationInput) (Deviation, error) {
	if !forkline.ValidID(in.DeviationID) {
		return Deviation{}, invalid("deviationId", "required", "deviationId must be the ID of a deviation")
	}
	d, err := s.store.FindDeviation(ctx, in.DeviationID)
	if err != nil {
		return Deviation{}, err
	}
	a, err := actorFor(ctx, PermDeviate, d.SiteID)
	if err != nil {
		return Deviation{}, err
	}
	if d.Status != DeviationOpen {
		return Deviation{}, forkline.Errorf(forkline.Conflict, "The deviation is closed already.")
	}
	reason := strings.TrimSpace(in.Reason)
	if reason == "" {
		return Deviation{}, invalid("reason", "required", "give the reason for closing: what was found and what was done")
	}
	if len([]rune(reason)) > 2000 {
		return Deviation{}, invalid("reason", "max_length", "reason must be at most 2000 characters")
	}
	signer, meaning, err := s.sign(ctx, a, in.Password, in.Meaning)
	if err != nil {
		return Deviation{}, err
	}
	now := s.stamp()
	before := d
	d.Status, d.ClosedAt, d.ClosureReason = DeviationClosed, now, reason
	d.Closure = &Signature{ID: s.ids.New(), Entity: "deviation", EntityID: d.ID, SignerID: signer.ID, SignerName: signer.Name,
		Meaning: meaning, SignedAt: now, ContentHash: DeviationHash(d, reason)}
	ch := audit.Change{Action: "close", Entity: "deviation", EntityID: d.ID, SiteID: d.SiteID, Reason: reason,
		Before: map[string]any{"Status": before.Status, "Critical": d.Critical, "Description": d.Description},
		After:  map[string]any{"Status": d.Status, "SignedBy": signer.Name, "Meaning": meaning}}
	if err := s.store.CloseDeviation(ctx, d, ch); err != nil {
		return Deviation{}, err
	}
	return d, nil
}

// ReleaseInput releases a batch with a signature.
type ReleaseInput struct {
	OrderID  forkline.ID
	Password string
	Meaning  string // e.g. MeaningReleased
}

// ReleaseBatch signs a completed order's batch record as released and
// releases its output lots in the ledger. It is refused while a critical
// deviation is open or the recipe version changed. The signature is bound
// to the hash of the batch record. A batch released already is not signed
// again; its output lots still waiting are released.
func (s *Service) ReleaseBatch(ctx context.Context, in ReleaseInput) (Signature, error) {
	o, a, err := s.orderFor(ctx, PermRelease, in.OrderID)
	if err != nil {
		return Signature{}, err
	}
	sig := o.BatchRelease
	if sig == nil {
		if o.State != Completed && o.State != Closed {
			return Signature{}, forkline.Errorf(forkline.Conflict, "Order %s is %s: a batch is released after it is completed.", o.Number, o.State)
		}
		rec, err := s.record(ctx, o)
		if err != nil {
			return Signature{}, err
		}
		if !rec.RecipeFresh {
			return Signature{}, ErrRecipeChanged
		}
		if open := OpenCritical(rec.Deviations); len(open) > 0 {
			var ds []string
			for _, d := range open {
				ds = append(ds, d.Description)
			}
			return Signature{}, forkline.Errorf(forkline.Conflict, "Batch %s cannot be released: %d critical deviation(s) are open: %s Close them first.",
				o.Number, len(open), strings.Join(ds, " "))
		}
		signer, meaning, err := s.sign(ctx, a, in.Password, in.Meaning)
		if err != nil {
			return Signature{}, err
		}
		now := s.stamp()
		sig = &Signature{ID: s.ids.New(), Entity: "batch_record", EntityID: o.ID, SignerID: signer.ID, SignerName: signer.Name,
			Meaning: meaning, SignedAt: now, ContentHash: RecordHash(rec)}
		ch := audit.Change{Action: "release_batch", Entity: "production_order", EntityID: o.ID, SiteID: o.SiteID,
			Reason: fmt.Sprintf("signed by %s, meaning %q", signer.Name, meaning),
			After:  map[string]any{"SignedBy": signer.Name, "Meaning": meaning, "RecordHash": sig.ContentHash, "Exceptions": len(rec.Exceptions)}}
		if err := s.store.RecordBatchRelease(ctx, o.ID, o.Version, *sig, ch); err != nil {
			return Signature{}, err
		}
	}
	outs, err := s.store.FindOutputs(ctx, o.ID)
	if err != nil {
		return *sig, err
	}
	var errs []error
	for _, out := range outs {
		if err := s.ledger.ReleaseLot(ctx, out.LotID, fmt.Sprintf("batch %s released by %s", o.Number, sig.SignerName)); err != nil {
			errs = append(errs, fmt.Errorf("lot %s: %w", out.LotCode, err))
		}
	}
	if len(errs) > 0 {
		return *sig, &forkline.Error{Code: forkline.Unavailable, Msg: fmt.Sprintf("Batch %s is released, but some of its lots are not yet: release the batch again to retry.", o.Number),
			Err: errors.Join(errs...)}
	}
	return *sig, nil
}

// VerifyRelease recomputes the hash of an order's batch record and reports
// whether it still matches its release signature.
func (s *Service) VerifyRelease(ctx context.Context, id forkline.ID) (bool, error) {
	o, _, err := s.orderFor(ctx, PermRead, id)
	if err != nil {
		return false, err
	}
	if o.BatchRelease == nil {
		return false, forkline.Errorf(forkline.Conflict, "Batch %s is not released.", o.Number)
	}
	rec, err := s.record(ctx, o)
	if err != nil {
		return false, err
	}
	return RecordHash(rec) == o.BatchRelease.ContentHash && rec.RecipeFresh, nil
}
