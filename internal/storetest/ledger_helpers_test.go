package storetest_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/inventory"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/sqlstore"
	"github.com/forkline/forkline/internal/storetest"
	"github.com/google/go-cmp/cmp"
)

// ledgerWorld is a world with the material ledger: the inventory service
// over the store under test, with the world's clock.
type ledgerWorld struct {
	*world
	inv *inventory.Service
}

func newLedgerWorld(t *testing.T, db *sqlstore.DB, c *storetest.Clock) *ledgerWorld {
	t.Helper()
	w := newWorld(t, db, c)
	return &ledgerWorld{world: w, inv: inventory.NewService(db.Inventory(), w.ids, c.Now)}
}

// qty parses a quantity written in a test, such as "12.5 kg".
func qty(s string) forkline.Quantity {
	q, err := forkline.ParseQuantity(s)
	if err != nil {
		panic(fmt.Sprintf("qty(%q): %v", s, err))
	}
	return q
}

// user returns a context acting as a person with the given roles on site.
func (lw *ledgerWorld) user(name string, site forkline.ID, roles ...forkline.Role) context.Context {
	a := forkline.Actor{Kind: forkline.ActorUser, ID: lw.ids.New(), Name: name}
	for _, r := range roles {
		a.Grants = append(a.Grants, forkline.Grant{SiteID: site, Role: r})
	}
	return forkline.WithActor(context.Background(), a)
}

// location makes a storage location on site.
func (lw *ledgerWorld) location(t *testing.T, site forkline.ID, code string) forkline.ID {
	t.Helper()
	l, err := lw.svc.Locations.Create(lw.ctx, plant.Location{Record: plant.Record{SiteID: site, Code: code, Name: "Location " + code},
		Kind: plant.Warehouse, Condition: plant.Chilled}, "new location")
	if err != nil {
		t.Fatalf("create location %s: %v", code, err)
	}
	return l.ID
}

// item makes an item; the test gives the fields that matter to it and
// gets a name, kind, kg as base unit and ambient storage unless it says otherwise.
func (lw *ledgerWorld) item(t *testing.T, it plant.Item) plant.Item {
	t.Helper()
	if it.Name == "" {
		it.Name = "Item " + it.Code
	}
	if it.Kind == "" {
		it.Kind = plant.Raw
	}
	if it.BaseUnit == "" {
		it.BaseUnit = forkline.Kilogram
	}
	if it.Condition == "" {
		it.Condition = plant.Ambient
	}
	got, err := lw.svc.Items.Create(lw.ctx, it, "new item")
	if err != nil {
		t.Fatalf("create item %s: %v", it.Code, err)
	}
	return got
}

// supplier makes a supplier in an approval status.
func (lw *ledgerWorld) supplier(t *testing.T, site forkline.ID, code, name string, approval plant.ApprovalStatus) plant.Supplier {
	t.Helper()
	s, err := lw.svc.Suppliers.Create(lw.ctx, plant.Supplier{Record: plant.Record{SiteID: site, Code: code, Name: name},
		Approval: approval, Address: name + " Road 1"}, "new supplier")
	if err != nil {
		t.Fatalf("create supplier %s: %v", code, err)
	}
	return s
}

// customer makes a customer with ship-tos named "<code> <ship-to>".
func (lw *ledgerWorld) customer(t *testing.T, site forkline.ID, code, name string, minShelfLife int, shipTos ...string) plant.Customer {
	t.Helper()
	cus := plant.Customer{Record: plant.Record{SiteID: site, Code: code, Name: name}, MinShelfLifeDays: minShelfLife}
	for _, st := range shipTos {
		cus.ShipTos = append(cus.ShipTos, plant.ShipTo{Code: st, Name: code + " " + st, Address: st + " Street, " + name})
	}
	got, err := lw.svc.Customers.Create(lw.ctx, cus, "new customer")
	if err != nil {
		t.Fatalf("create customer %s: %v", code, err)
	}
	return got
}

// shipTo returns the ID of a customer's ship-to by code.
func shipTo(t *testing.T, c plant.Customer, code string) forkline.ID {
	t.Helper()
	i := slices.IndexFunc(c.ShipTos, func(s plant.ShipTo) bool { return s.Code == code })
	if i < 0 {
		t.Fatalf("customer %s has no ship-to %s", c.Code, code)
	}
	return c.ShipTos[i].ID
}

// receive books a receipt as the system and returns the new lot.
func (lw *ledgerWorld) receive(t *testing.T, in inventory.ReceiveInput) inventory.Lot {
	t.Helper()
	r, err := lw.inv.Receive(lw.ctx, in)
	if err != nil {
		t.Fatalf("Receive(%s of %s, supplier lot %q): %v", in.Quantity, in.ItemID, in.SupplierLot, err)
	}
	return r.Lot
}

// consume books a consumption as the system.
func (lw *ledgerWorld) consume(t *testing.T, lot inventory.Lot, loc forkline.ID, q, order string) inventory.Event {
	t.Helper()
	r, err := lw.inv.Consume(lw.ctx, inventory.ConsumeInput{LotID: lot.ID, LocationID: loc, Quantity: qty(q), OrderRef: order})
	if err != nil {
		t.Fatalf("Consume(%s of lot %s into %s): %v", q, lot.Code, order, err)
	}
	return r.Events[0]
}

// produce books a produced lot as the system.
func (lw *ledgerWorld) produce(t *testing.T, site, item, loc forkline.ID, q, order string) inventory.Lot {
	t.Helper()
	r, err := lw.inv.Produce(lw.ctx, inventory.ProduceInput{SiteID: site, ItemID: item, LocationID: loc, Quantity: qty(q), OrderRef: order})
	if err != nil {
		t.Fatalf("Produce(%s of %s by %s): %v", q, item, order, err)
	}
	return r.Lot
}

// ship books a shipment as the system under a bill of lading.
func (lw *ledgerWorld) ship(t *testing.T, lot inventory.Lot, loc forkline.ID, q string, c plant.Customer, st, bol string) inventory.Event {
	t.Helper()
	r, err := lw.inv.Ship(lw.ctx, inventory.ShipInput{LotID: lot.ID, LocationID: loc, Quantity: qty(q), CustomerID: c.ID,
		ShipToID: shipTo(t, c, st), DocType: "BOL", DocNumber: bol})
	if err != nil {
		t.Fatalf("Ship(%s of lot %s to %s): %v", q, lot.Code, c.Code, err)
	}
	return r.Events[0]
}

// detail returns a lot with its balances and events.
func (lw *ledgerWorld) detail(t *testing.T, lot forkline.ID) inventory.LotDetail {
	t.Helper()
	d, err := lw.inv.Detail(lw.ctx, lot)
	if err != nil {
		t.Fatalf("Detail(%s): %v", lot, err)
	}
	return d
}

// stock returns what a lot holds, by location ID, as "12.5 kg".
func (lw *ledgerWorld) stock(t *testing.T, lot forkline.ID) map[forkline.ID]string {
	t.Helper()
	out := map[forkline.ID]string{}
	for _, b := range lw.detail(t, lot).Balances {
		out[b.LocationID] = b.Quantity.String()
	}
	return out
}

// kinds counts a lot's events by kind.
func (lw *ledgerWorld) kinds(t *testing.T, lot forkline.ID) map[inventory.EventKind]int {
	t.Helper()
	out := map[inventory.EventKind]int{}
	for _, e := range lw.detail(t, lot).Events {
		out[e.Kind]++
	}
	return out
}

// massBalance returns a lot's mass balance as text, for readable diffs.
func (lw *ledgerWorld) massBalance(t *testing.T, lot forkline.ID) balanceView {
	t.Helper()
	mb, err := lw.inv.MassBalance(lw.ctx, lot)
	if err != nil {
		t.Fatalf("MassBalance(%s): %v", lot, err)
	}
	return viewBalance(mb)
}

// balanceView is a mass balance in words.
type balanceView struct{ In, Consumed, Shipped, Adjusted, OnHand, Difference string }

func viewBalance(mb inventory.MassBalance) balanceView {
	return balanceView{mb.In.String(), mb.Consumed.String(), mb.Shipped.String(), mb.Adjusted.String(), mb.OnHand.String(), mb.Difference.String()}
}

// wantRefused checks that err has code and a message containing msg, and
// that the lot is exactly as it was in before: nothing was booked.
func (lw *ledgerWorld) wantRefused(t *testing.T, what string, err error, code forkline.Code, msg string, before inventory.LotDetail) {
	t.Helper()
	if forkline.ErrorCode(err) != code || !strings.Contains(forkline.ErrorMessage(err), msg) {
		t.Errorf("%s error = %v, want %s with a message containing %q", what, err, code, msg)
	}
	if diff := cmp.Diff(before, lw.detail(t, before.Lot.ID), quantityEq); diff != "" {
		t.Errorf("%s was refused but booked something (-before +after):\n%s", what, diff)
	}
}
