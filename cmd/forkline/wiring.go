package main

import (
	"context"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/inventory"
	"github.com/forkline/forkline/internal/production"
)

// productionLedger is how production reaches the material ledger:
// production declares the small interface it needs (production.Ledger) and
// inventory.Service provides it. Capabilities do not import each other; the
// composition happens here.
type productionLedger struct{ inv *inventory.Service }

func prodLot(l inventory.Lot) production.Lot {
	return production.Lot{ID: l.ID, SiteID: l.SiteID, ItemID: l.ItemID, Code: l.Code, Status: string(l.Status), Expiry: l.Expiry}
}

func (a productionLedger) Lot(ctx context.Context, id forkline.ID) (production.Lot, error) {
	l, err := a.inv.Lot(ctx, id)
	return prodLot(l), err
}

func (a productionLedger) FirstToExpire(ctx context.Context, site, item forkline.ID, q forkline.Quantity) (production.Lot, bool, error) {
	sugg, _, err := a.inv.FEFO(ctx, inventory.FEFOInput{SiteID: site, ItemID: item, Quantity: q})
	if err != nil || len(sugg) == 0 {
		return production.Lot{}, false, err
	}
	return prodLot(sugg[0].Lot), true, nil
}

func (a productionLedger) Consume(ctx context.Context, in production.ConsumeInput) (production.Consumption, error) {
	r, err := a.inv.Consume(ctx, inventory.ConsumeInput{LotID: in.LotID, LocationID: in.LocationID, Quantity: in.Quantity,
		OrderRef: in.OrderRef, LineID: in.LineID, IdempotencyKey: in.IdempotencyKey})
	if err != nil {
		return production.Consumption{}, err
	}
	return production.Consumption{EventID: r.Events[0].ID, LotCode: r.Lot.Code}, nil
}

func (a productionLedger) Produce(ctx context.Context, in production.ProduceInput) (production.Produced, error) {
	status := inventory.Released
	if in.Quarantine {
		status = inventory.Quarantine
	}
	r, err := a.inv.Produce(ctx, inventory.ProduceInput{SiteID: in.SiteID, ItemID: in.ItemID, LocationID: in.LocationID, Quantity: in.Quantity,
		OrderRef: in.OrderRef, LineID: in.LineID, Status: status, IdempotencyKey: in.IdempotencyKey})
	if err != nil {
		return production.Produced{}, err
	}
	return production.Produced{LotID: r.Lot.ID, LotCode: r.Lot.Code, Expiry: r.Lot.Expiry}, nil
}

func (a productionLedger) ReleaseLot(ctx context.Context, id forkline.ID, reason string) error {
	l, err := a.inv.Lot(ctx, id)
	if err != nil || l.Status == inventory.Released {
		return err
	}
	_, err = a.inv.ChangeStatus(ctx, inventory.StatusInput{LotID: id, To: inventory.Released, Reason: reason, IdempotencyKey: "production:release:" + id})
	return err
}
