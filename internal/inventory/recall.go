package inventory

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/audit"
)

// RecallKind says whether a recall is a drill or real.
type RecallKind string

// The recall kinds.
const (
	MockRecall RecallKind = "mock"
	RealRecall RecallKind = "real"
)

// RecallInput starts a recall from lots, from a supplier's lot, or from an
// item produced on a line in a time window.
type RecallInput struct {
	SiteID      forkline.ID
	Kind        RecallKind
	LotIDs      []forkline.ID
	SupplierID  forkline.ID
	SupplierLot string
	ItemID      forkline.ID
	LineID      forkline.ID
	From, To    time.Time
	Hold        bool   // put every affected lot with stock on hold, in one transaction
	Note        string // why: the complaint, the supplier's notice, the drill's purpose
}

// RootBalance is the mass balance of one implicated lot.
type RootBalance struct {
	Node    TraceNode
	Balance MassBalance
}

// CustomerExposure is what one customer received of the affected lots.
type CustomerExposure struct {
	CustomerID   forkline.ID
	CustomerName string
	Shipments    []Shipment
}

// Recall is a recall's scope and result, as stored for the plant's records.
type Recall struct {
	ID         forkline.ID
	SiteID     forkline.ID
	Kind       RecallKind
	Criteria   string // in words, e.g. "supplier lot GPM-2231 of Great Plains Milling"
	StartedAt  time.Time
	Duration   time.Duration // from start to scope (and holds) complete
	ActorName  string
	Note       string
	Roots      []RootBalance
	Scope      Trace // forward from the roots
	Customers  []CustomerExposure
	Accounted  float64 // percent of the implicated quantity accounted for
	Held       int     // lots put on hold by this recall
	HeldLotIDs []forkline.ID
}

// RecallStore stores recalls and drills.
type RecallStore interface {
	SaveRecall(ctx context.Context, r Recall) error
	FindRecall(ctx context.Context, id forkline.ID) (Recall, error)
	FindRecalls(ctx context.Context, site forkline.ID, limit int) ([]Recall, error)
}

// StartRecall computes a recall's scope: the implicated lots, every lot made
// from them, their stock by location, shipments by customer, and how much of
// the implicated quantity the ledger accounts for; optionally holds every
// affected lot that still has stock; and stores the result.
func (s *Service) StartRecall(ctx context.Context, in RecallInput) (Recall, error) {
	started := time.Now()
	a, err := actorFor(ctx, forkline.PermRecall, in.SiteID)
	if err != nil {
		return Recall{}, err
	}
	site, err := s.site(ctx, in.SiteID)
	if err != nil {
		return Recall{}, err
	}
	if in.Kind == "" {
		in.Kind = MockRecall
	}
	if in.Kind != MockRecall && in.Kind != RealRecall {
		return Recall{}, invalid("kind", "one_of", "kind must be mock or real")
	}
	roots, criteria, err := s.recallRoots(ctx, site, in)
	if err != nil {
		return Recall{}, err
	}
	scope, err := s.store.TraceLots(ctx, roots, Forward)
	if err != nil {
		return Recall{}, err
	}
	r := Recall{ID: s.ids.New(), SiteID: site.ID, Kind: in.Kind, Criteria: criteria, StartedAt: s.now().UTC().Truncate(time.Microsecond),
		ActorName: a.Name, Note: strings.TrimSpace(in.Note), Scope: scope}
	var in_, accounted float64
	for _, n := range scope.Nodes {
		if n.Depth != 0 {
			continue
		}
		es, err := s.store.FindLotEvents(ctx, n.Lot.ID)
		if err != nil {
			return Recall{}, err
		}
		bs, err := s.store.FindBalances(ctx, n.Lot.ID)
		if err != nil {
			return Recall{}, err
		}
		mb := ComputeMassBalance(n.Lot, es, bs)
		r.Roots = append(r.Roots, RootBalance{Node: n, Balance: mb})
		if mb.In.Micros() > 0 {
			in_ += 1
			accounted += float64(mb.In.Micros()-abs(mb.Difference.Micros())) / float64(mb.In.Micros())
		}
	}
	if in_ > 0 {
		r.Accounted = 100 * accounted / in_
	}
	byCustomer := map[forkline.ID]int{}
	for _, sh := range scope.Shipments {
		i, ok := byCustomer[sh.CustomerID]
		if !ok {
			i = len(r.Customers)
			byCustomer[sh.CustomerID] = i
			r.Customers = append(r.Customers, CustomerExposure{CustomerID: sh.CustomerID, CustomerName: sh.CustomerName})
		}
		r.Customers[i].Shipments = append(r.Customers[i].Shipments, sh)
	}
	slices.SortFunc(r.Customers, func(x, y CustomerExposure) int { return strings.Compare(x.CustomerName, y.CustomerName) })
	if in.Hold {
		if err := s.holdScope(ctx, a, site, &r); err != nil {
			return Recall{}, err
		}
	}
	r.Duration = time.Since(started)
	if err := s.store.SaveRecall(ctx, r); err != nil {
		return Recall{}, err
	}
	return r, nil
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

func (s *Service) recallRoots(ctx context.Context, site Site, in RecallInput) ([]forkline.ID, string, error) {
	switch {
	case len(in.LotIDs) > 0:
		var codes []string
		for _, id := range in.LotIDs {
			l, err := s.store.FindLot(ctx, id)
			if err != nil || l.SiteID != site.ID {
				return nil, "", invalid("lotIds", "reference", fmt.Sprintf("lot %s is not a lot of this site", id))
			}
			codes = append(codes, l.Code)
		}
		return in.LotIDs, "lots " + strings.Join(codes, ", "), nil
	case in.SupplierLot != "":
		sup, err := s.store.FindInventorySupplier(ctx, in.SupplierID)
		if err != nil || sup.SiteID != site.ID {
			return nil, "", invalid("supplierId", "reference", "supplierId must be a supplier of this site")
		}
		lots, err := s.store.FindLots(ctx, LotFilter{SiteIDs: []forkline.ID{site.ID}, SupplierID: sup.ID, SupplierLot: in.SupplierLot, Limit: 10000})
		if err != nil {
			return nil, "", err
		}
		if len(lots) == 0 {
			return nil, "", invalid("supplierLot", "reference", fmt.Sprintf("no lot was received from %s with supplier lot %s", sup.Name, in.SupplierLot))
		}
		return lotIDs(lots), fmt.Sprintf("supplier lot %s of %s", in.SupplierLot, sup.Name), nil
	case in.ItemID != "":
		it, err := s.item(ctx, site.ID, in.ItemID)
		if err != nil {
			return nil, "", err
		}
		if in.From.IsZero() || in.To.IsZero() || !in.From.Before(in.To) {
			return nil, "", invalid("from", "range", "from and to must give a time window, from before to")
		}
		lots, err := s.store.FindLots(ctx, LotFilter{SiteIDs: []forkline.ID{site.ID}, ItemID: it.ID, LineID: in.LineID, ProducedFrom: in.From, ProducedTo: in.To, Limit: 10000})
		if err != nil {
			return nil, "", err
		}
		if len(lots) == 0 {
			return nil, "", invalid("itemId", "reference", fmt.Sprintf("no lot of %s was produced in that window", it.Code))
		}
		where := ""
		if in.LineID != "" {
			where = " on the given line"
		}
		return lotIDs(lots), fmt.Sprintf("%s produced%s from %s to %s", it.Code, where, in.From.Format(time.RFC3339), in.To.Format(time.RFC3339)), nil
	}
	return nil, "", invalid("lotIds", "required", "give lotIds, a supplierId with supplierLot, or an itemId with from and to")
}

func lotIDs(ls []LotSummary) []forkline.ID {
	out := make([]forkline.ID, len(ls))
	for i, l := range ls {
		out[i] = l.ID
	}
	return out
}

// holdScope puts every lot in the scope that has stock and is not already
// held or rejected on hold, in one command.
func (s *Service) holdScope(ctx context.Context, a forkline.Actor, site Site, r *Recall) error {
	if !a.Can(forkline.PermLotHold, site.ID) {
		return forkline.Errorf(forkline.Forbidden, "Holding the recall's lots needs the right to hold lots.")
	}
	stocked := map[forkline.ID]bool{}
	for _, o := range r.Scope.OnHand {
		if o.Quantity.Sign() > 0 {
			stocked[o.LotID] = true
		}
	}
	reason := fmt.Sprintf("%s recall %s: %s", r.Kind, r.ID, r.Criteria)
	now := s.now().UTC().Truncate(time.Microsecond)
	cmd := Command{ActorID: a.ID, Today: s.today(site)}
	for _, n := range r.Scope.Nodes {
		if !stocked[n.Lot.ID] || n.Lot.Status == Hold || n.Lot.Status == Rejected || n.Lot.SiteID != site.ID {
			continue
		}
		ev := s.newEvent(a, StatusChange, site.ID, now)
		ev.LotID, ev.ItemID, ev.Quantity, ev.StatusFrom, ev.StatusTo, ev.Reason = n.Lot.ID, n.Lot.ItemID, forkline.QuantityFromMicros(0, n.Lot.Quantity.Unit), n.Lot.Status, Hold, reason
		cmd.Events = append(cmd.Events, ev)
		cmd.Audit = append(cmd.Audit, audit.Change{Action: audit.Action(Hold), Entity: "lot", EntityID: n.Lot.ID, SiteID: site.ID, Reason: reason,
			Before: map[string]string{"Code": n.Lot.Code, "Status": string(n.Lot.Status)}, After: map[string]string{"Code": n.Lot.Code, "Status": string(Hold)}})
		r.HeldLotIDs = append(r.HeldLotIDs, n.Lot.ID)
	}
	if len(cmd.Events) == 0 {
		return nil
	}
	cmd.Audit = append(cmd.Audit, audit.Change{Action: "recall", Entity: "recall", EntityID: r.ID, SiteID: site.ID, Reason: reason,
		After: map[string]any{"held": len(cmd.Events), "kind": r.Kind}})
	if _, err := s.store.RecordCommand(ctx, cmd); err != nil {
		return fmt.Errorf("hold the recall's lots: %w", err)
	}
	r.Held = len(cmd.Events)
	return nil
}

// Recalls lists the recalls and drills of a site, newest first.
func (s *Service) Recalls(ctx context.Context, site forkline.ID) ([]Recall, error) {
	if _, err := actorFor(ctx, forkline.PermInventoryRead, site); err != nil {
		return nil, err
	}
	return s.store.FindRecalls(ctx, site, 200)
}

// FindRecall returns one stored recall.
func (s *Service) FindRecall(ctx context.Context, id forkline.ID) (Recall, error) {
	if !forkline.ValidID(id) {
		return Recall{}, forkline.ErrNotFound
	}
	r, err := s.store.FindRecall(ctx, id)
	if err != nil {
		return r, err
	}
	if _, err := actorFor(ctx, forkline.PermInventoryRead, r.SiteID); err != nil {
		return Recall{}, err
	}
	return r, nil
}
