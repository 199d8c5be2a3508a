package storetest_test

import (
	"testing"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/inventory"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/sqlstore"
	"github.com/forkline/forkline/internal/storetest"
)

func TestLedgerSmoke(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		w := newWorld(t, db, c)
		ctx := w.ctx
		site := w.siteA.ID
		loc, err := w.svc.Locations.Create(ctx, plant.Location{Record: plant.Record{SiteID: site, Code: "COOL", Name: "Cooler"}, Kind: plant.Warehouse, Condition: plant.Chilled}, "x")
		if err != nil {
			t.Fatal(err)
		}
		flour, _ := w.svc.Items.Create(ctx, plant.Item{Record: plant.Record{SiteID: site, Code: "FLOUR", Name: "Flour"}, Kind: plant.Raw, BaseUnit: "kg", Condition: plant.Ambient, ShelfLifeDays: 100,
			PackSizes: []forkline.PackSize{{Unit: forkline.Case, Contents: forkline.NewQuantity(25, forkline.Kilogram)}}}, "x")
		bread, _ := w.svc.Items.Create(ctx, plant.Item{Record: plant.Record{SiteID: site, Code: "BREAD", Name: "Bread"}, Kind: plant.Finished, BaseUnit: "ea", Condition: plant.Ambient, ShelfLifeDays: 7}, "x")
		sup, _ := w.svc.Suppliers.Create(ctx, plant.Supplier{Record: plant.Record{SiteID: site, Code: "GPM", Name: "Great Plains"}, Approval: plant.Approved}, "x")
		cus, _ := w.svc.Customers.Create(ctx, plant.Customer{Record: plant.Record{SiteID: site, Code: "FM", Name: "FreshMart"}, ShipTos: []plant.ShipTo{{Code: "DC", Name: "DC", Address: "1 Road"}}}, "")
		inv := inventory.NewService(db.Inventory(), w.ids, c.Now)
		r, err := inv.Receive(ctx, inventory.ReceiveInput{SiteID: site, ItemID: flour.ID, SupplierID: sup.ID, SupplierLot: "GP-1", Quantity: forkline.NewQuantity(4, forkline.Case), LocationID: loc.ID, DocType: "PO", DocNumber: "1", IdempotencyKey: "k1"})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("lot %s %s %s %v", r.Lot.Code, r.Lot.TLC, r.Lot.Quantity, r.Lot.Expiry)
		if _, err := inv.Consume(ctx, inventory.ConsumeInput{LotID: r.Lot.ID, LocationID: loc.ID, Quantity: forkline.NewQuantity(30, forkline.Kilogram), OrderRef: "PO-1"}); err != nil {
			t.Fatal(err)
		}
		p, err := inv.Produce(ctx, inventory.ProduceInput{SiteID: site, ItemID: bread.ID, LocationID: loc.ID, Quantity: forkline.NewQuantity(100, forkline.Each), OrderRef: "PO-1"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := inv.Ship(ctx, inventory.ShipInput{LotID: p.Lot.ID, LocationID: loc.ID, Quantity: forkline.NewQuantity(40, forkline.Each), CustomerID: cus.ID, ShipToID: cus.ShipTos[0].ID, DocType: "BOL", DocNumber: "B1"}); err != nil {
			t.Fatal(err)
		}
		tr, err := inv.Trace(ctx, r.Lot.ID, inventory.Forward)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("nodes %d edges %+v shipments %+v onhand %d", len(tr.Nodes), tr.Edges, tr.Shipments, len(tr.OnHand))
		mb, err := inv.MassBalance(ctx, r.Lot.ID)
		t.Logf("mb %+v %v", mb, err)
		rc, err := inv.StartRecall(ctx, inventory.RecallInput{SiteID: site, SupplierID: sup.ID, SupplierLot: "GP-1", Hold: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("recall %s held %d accounted %.1f customers %d took %s", rc.Criteria, rc.Held, rc.Accounted, len(rc.Customers), rc.Duration)
		if _, err := inv.Consume(ctx, inventory.ConsumeInput{LotID: r.Lot.ID, LocationID: loc.ID, Quantity: forkline.NewQuantity(1, forkline.Kilogram), OrderRef: "PO-2"}); err == nil {
			t.Fatal("consumed a held lot")
		} else {
			t.Log(err)
		}
	})
}
