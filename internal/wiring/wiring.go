// Package wiring adapts one capability to the small interface another
// declares: production's Ledger answered by inventory, monitoring's Plant
// answered by the plant master data. Capabilities never import each other;
// cmd/forkline composes them with these adapters, and so do the tests that
// need a whole application.
package wiring

import (
	"context"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/inventory"
	"github.com/forkline/forkline/internal/monitoring"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/production"
)

// ProductionLedger is how production reaches the material ledger:
// production declares the small interface it needs (production.Ledger) and
// inventory.Service provides it. Capabilities do not import each other; the
// composition happens here.
type ProductionLedger struct{ Inv *inventory.Service }

func prodLot(l inventory.Lot) production.Lot {
	return production.Lot{ID: l.ID, SiteID: l.SiteID, ItemID: l.ItemID, Code: l.Code, Status: string(l.Status), Expiry: l.Expiry}
}

func (a ProductionLedger) Lot(ctx context.Context, id forkline.ID) (production.Lot, error) {
	l, err := a.Inv.Lot(ctx, id)
	return prodLot(l), err
}

func (a ProductionLedger) FirstToExpire(ctx context.Context, site, item forkline.ID, q forkline.Quantity) (production.Lot, bool, error) {
	sugg, _, err := a.Inv.FEFO(ctx, inventory.FEFOInput{SiteID: site, ItemID: item, Quantity: q})
	if err != nil || len(sugg) == 0 {
		return production.Lot{}, false, err
	}
	return prodLot(sugg[0].Lot), true, nil
}

func (a ProductionLedger) Consume(ctx context.Context, in production.ConsumeInput) (production.Consumption, error) {
	r, err := a.Inv.Consume(ctx, inventory.ConsumeInput{LotID: in.LotID, LocationID: in.LocationID, Quantity: in.Quantity,
		OrderRef: in.OrderRef, LineID: in.LineID, IdempotencyKey: in.IdempotencyKey})
	if err != nil {
		return production.Consumption{}, err
	}
	return production.Consumption{EventID: r.Events[0].ID, LotCode: r.Lot.Code}, nil
}

func (a ProductionLedger) Produce(ctx context.Context, in production.ProduceInput) (production.Produced, error) {
	status := inventory.Released
	if in.Quarantine {
		status = inventory.Quarantine
	}
	r, err := a.Inv.Produce(ctx, inventory.ProduceInput{SiteID: in.SiteID, ItemID: in.ItemID, LocationID: in.LocationID, Quantity: in.Quantity,
		OrderRef: in.OrderRef, LineID: in.LineID, Status: status, IdempotencyKey: in.IdempotencyKey})
	if err != nil {
		return production.Produced{}, err
	}
	return production.Produced{LotID: r.Lot.ID, LotCode: r.Lot.Code, Expiry: r.Lot.Expiry}, nil
}

func (a ProductionLedger) ReleaseLot(ctx context.Context, id forkline.ID, reason string) error {
	l, err := a.Inv.Lot(ctx, id)
	if err != nil || l.Status == inventory.Released {
		return err
	}
	_, err = a.Inv.ChangeStatus(ctx, inventory.StatusInput{LotID: id, To: inventory.Released, Reason: reason, IdempotencyKey: "production:release:" + id})
	return err
}

// EquipmentLookup tells monitoring where equipment is, from the plant
// master data. The services check the caller's permissions themselves; the
// lookup itself runs as the system.
type EquipmentLookup struct{ Plant *plant.Service }

// Equipment returns one equipment; NotFound when there is none.
func (l EquipmentLookup) Equipment(ctx context.Context, id forkline.ID) (monitoring.Equipment, error) {
	e, err := l.Plant.Equipment.Find(forkline.WithActor(ctx, forkline.System), id)
	if err != nil {
		return monitoring.Equipment{}, err
	}
	return monitoring.Equipment{ID: e.ID, SiteID: e.SiteID, LineID: e.LineID, Code: e.Code, Name: e.Name}, nil
}

var (
	_ production.Ledger = ProductionLedger{}
	_ monitoring.Plant  = EquipmentLookup{}
)
