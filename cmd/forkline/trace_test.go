package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/inventory"
	"github.com/forkline/forkline/internal/plant"
)

// TestTraceAndRecallFromTheCommandLine books a small flow through the
// services, then traces and recalls it with the verbs a QA manager types.
func TestTraceAndRecallFromTheCommandLine(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "f.db")
	setUp(t, dsn)
	ctx := context.Background()
	a, err := openApp(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := cliContext(ctx)
	site, _ := a.siteByCode(ctx, "SPR")
	mk := func(v plant.Location, err error) plant.Location {
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	loc := mk(a.plant.Locations.Create(c, plant.Location{Record: plant.Record{SiteID: site.ID, Code: "DRY", Name: "Dry store"}, Kind: plant.Warehouse, Condition: plant.Ambient}, "set-up"))
	flour, err := a.plant.Items.Create(c, plant.Item{Record: plant.Record{SiteID: site.ID, Code: "FLOUR", Name: "Flour"}, Kind: plant.Raw, BaseUnit: "kg", Condition: plant.Ambient}, "set-up")
	if err != nil {
		t.Fatal(err)
	}
	bread, _ := a.plant.Items.Create(c, plant.Item{Record: plant.Record{SiteID: site.ID, Code: "BREAD", Name: "Bread"}, Kind: plant.Finished, BaseUnit: "ea", Condition: plant.Ambient}, "set-up")
	sup, _ := a.plant.Suppliers.Create(c, plant.Supplier{Record: plant.Record{SiteID: site.ID, Code: "GPM", Name: "Great Plains Milling"}, Approval: plant.Approved}, "set-up")
	cus, _ := a.plant.Customers.Create(c, plant.Customer{Record: plant.Record{SiteID: site.ID, Code: "FM", Name: "FreshMart"}, ShipTos: []plant.ShipTo{{Code: "DC", Name: "DC East", Address: "1 Road"}}}, "")
	rcv, err := a.inv.Receive(c, inventory.ReceiveInput{SiteID: site.ID, ItemID: flour.ID, SupplierID: sup.ID, SupplierLot: "GPM-2231", Quantity: forkline.NewQuantity(500, forkline.Kilogram), LocationID: loc.ID, DocType: "PO", DocNumber: "4500001"})
	if err != nil {
		t.Fatal(err)
	}
	a.inv.Consume(c, inventory.ConsumeInput{LotID: rcv.Lot.ID, LocationID: loc.ID, Quantity: forkline.NewQuantity(50, forkline.Kilogram), OrderRef: "WO-100"})
	out, err := a.inv.Produce(c, inventory.ProduceInput{SiteID: site.ID, ItemID: bread.ID, LocationID: loc.ID, Quantity: forkline.NewQuantity(120, forkline.Each), OrderRef: "WO-100"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.inv.Ship(c, inventory.ShipInput{LotID: out.Lot.ID, LocationID: loc.ID, Quantity: forkline.NewQuantity(48, forkline.Each), CustomerID: cus.ID, ShipToID: cus.ShipTos[0].ID, DocType: "BOL", DocNumber: "BOL-9"}); err != nil {
		t.Fatal(err)
	}
	a.db.Close()

	back := runOK(t, "", "trace", "--db", dsn, "-site", "SPR", "-lot", out.Lot.Code)
	for _, want := range []string{"BACKWARD TRACE", rcv.Lot.Code, "Great Plains Milling GPM-2231", "WO-100  50 kg"} {
		if !strings.Contains(back, want) {
			t.Errorf("trace backward lacks %q:\n%s", want, back)
		}
	}
	fwd := runOK(t, "", "trace", "--db", dsn, "-site", "SPR", "-lot", rcv.Lot.Code, "-direction", "forward")
	if !strings.Contains(fwd, "FreshMart (DC East)  BOL BOL-9  48 ea") {
		t.Errorf("trace forward lacks the shipment:\n%s", fwd)
	}
	csvPath := filepath.Join(t.TempDir(), "recall.csv")
	rec := runOK(t, "", "recall", "--db", dsn, "-site", "SPR", "-supplier", "GPM", "-supplier-lot", "GPM-2231", "-hold", "-note", "annual drill", "-csv", csvPath)
	for _, want := range []string{"MOCK RECALL", "supplier lot GPM-2231 of Great Plains Milling", "in 500 kg = consumed 50 kg + shipped 0 kg + adjusted 0 kg + on hand 450 kg, difference 0 kg",
		"accounted for: 100.0%", "1 customers received affected lots; 2 lots put on hold"} {
		if !strings.Contains(rec, want) {
			t.Errorf("recall lacks %q:\n%s", want, rec)
		}
	}
	b, err := os.ReadFile(csvPath)
	if err != nil || !strings.Contains(string(b), "shipped,FreshMart,DC East,BOL BOL-9") {
		t.Errorf("recall CSV = %s, %v", b, err)
	}
}
