package storetest_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/inventory"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/production"
	"github.com/forkline/forkline/internal/recipe"
	"github.com/forkline/forkline/internal/sqlstore"
	"github.com/forkline/forkline/internal/storetest"
	"github.com/forkline/forkline/internal/wiring"
)

// prodWorld is a recipe world with the production service, a cooler, an
// approved supplier and an approved bread recipe.
type prodWorld struct {
	*recipeWorld
	prod     *production.Service
	cooler   forkline.ID
	supplier plant.Supplier
	bread    recipe.Version // the approved bread recipe
	lines    int
}

func newProdWorld(t *testing.T, db *sqlstore.DB, c *storetest.Clock) *prodWorld {
	t.Helper()
	rw := newRecipeWorld(t, db, c)
	pw := &prodWorld{recipeWorld: rw,
		prod:     production.NewService(db.Production(), wiring.ProductionLedger{Inv: rw.inv}, rw.signer, rw.ids, c.Now),
		cooler:   rw.location(t, rw.site, "COOLER"),
		supplier: rw.supplier(t, rw.site, "GPM", "Great Plains Milling", plant.Approved)}
	_, pw.bread = rw.approved(t, "R-BREAD", rw.b.bread, rw.breadContent())
	return pw
}

// newLine makes another line on the site.
func (pw *prodWorld) newLine(t *testing.T) plant.Line {
	t.Helper()
	pw.lines++
	l, err := pw.svc.Lines.Create(pw.ctx, plant.Line{Record: plant.Record{SiteID: pw.site, Code: fmt.Sprintf("L%02d", pw.lines), Name: "Line"},
		AreaID: pw.area[pw.site].ID}, "")
	if err != nil {
		t.Fatalf("create line: %v", err)
	}
	return l
}

// order plans an order of q of item on line, starting in hours.
func (pw *prodWorld) order(t *testing.T, number string, item plant.Item, line plant.Line, q string, hours int) production.Order {
	t.Helper()
	start := pw.clock.Now().Add(time.Duration(hours) * time.Hour)
	o, err := pw.prod.CreateOrder(pw.ctx, production.OrderInput{SiteID: pw.site, ItemID: item.ID, LineID: line.ID, Number: number,
		PlannedQuantity: qty(q), PlannedStart: start, PlannedEnd: start.Add(2 * time.Hour), ERPRef: "SAP-" + number})
	if err != nil {
		t.Fatalf("CreateOrder(%s): %v", number, err)
	}
	return o
}

// move moves an order to a state as the system, failing the test if it cannot.
func (pw *prodWorld) move(t *testing.T, o production.Order, to production.State) production.Order {
	t.Helper()
	got, err := pw.prod.ChangeState(pw.ctx, production.StateInput{OrderID: o.ID, To: to, Reason: "test: " + string(to)})
	if err != nil {
		t.Fatalf("ChangeState(%s: %s -> %s): %v", o.Number, o.State, to, err)
	}
	return got
}

// running plans, releases and starts an order.
func (pw *prodWorld) running(t *testing.T, number string, item plant.Item, line plant.Line, q string) production.Order {
	t.Helper()
	o := pw.order(t, number, item, line, q, 0)
	o = pw.move(t, o, production.Released)
	return pw.move(t, o, production.InProgress)
}

// lot receives a lot of item into the cooler with an expiry.
func (pw *prodWorld) lot(t *testing.T, item plant.Item, q string, expiry time.Time) inventory.Lot {
	t.Helper()
	return pw.receive(t, inventory.ReceiveInput{SiteID: pw.site, ItemID: item.ID, SupplierID: pw.supplier.ID, SupplierLot: "S-" + item.Code,
		Quantity: qty(q), LocationID: pw.cooler, Expiry: expiry})
}

// add adds material as the system.
func (pw *prodWorld) add(o production.Order, lot inventory.Lot, q, reason string) (production.Addition, error) {
	return pw.prod.AddMaterial(pw.ctx, production.AdditionInput{OrderID: o.ID, LotID: lot.ID, LocationID: pw.cooler, Quantity: qty(q), OverrideReason: reason})
}

// mustAdd adds material and fails the test if it is refused.
func (pw *prodWorld) mustAdd(t *testing.T, o production.Order, lot inventory.Lot, q string) production.Addition {
	t.Helper()
	a, err := pw.add(o, lot, q, "")
	if err != nil {
		t.Fatalf("AddMaterial(%s of lot %s to %s): %v", q, lot.Code, o.Number, err)
	}
	return a
}

// onHand returns what a lot holds in the cooler, as "12.5 kg".
func (pw *prodWorld) onHand(t *testing.T, lot inventory.Lot) string {
	t.Helper()
	return pw.stock(t, lot.ID)[pw.cooler]
}

func date(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, time.UTC) }
