package simulator

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/inventory"
	"github.com/forkline/forkline/internal/plant"
)

// product is what one batch of a product takes, in the items' base units.
// The master recipes the demo approves (recipes.go) are built from these,
// so that history and recipes agree.
type product struct {
	item   string // item code
	line   string
	makes  string // quantity per batch
	inputs [][2]string
	perDay int
}

// The bakery's products, made through the ledger so that the demo has real
// genealogy: raw materials -> dough (WIP) -> loaves -> shipments.
var products = []product{
	{"WIP-DOUGH-W", "L1", "400 kg", [][2]string{{"RM-FLOUR", "250 kg"}, {"RM-YEAST", "5 kg"}, {"RM-SALT", "5 kg"}}, 1},
	{"FG-WHITE-700", "L1", "560 ea", [][2]string{{"WIP-DOUGH-W", "400 kg"}, {"PK-BAG-700", "560 ea"}}, 1},
	{"FG-SESBUN-6", "L1", "300 ea", [][2]string{{"RM-FLOUR", "100 kg"}, {"RM-SESAME", "8 kg"}, {"RM-EGG", "10 kg"}, {"RM-YEAST", "2 kg"}}, 1},
	{"FG-CCC-300", "L2", "600 ea", [][2]string{{"RM-FLOUR", "60 kg"}, {"RM-SUGAR", "40 kg"}, {"RM-BUTTER", "40 kg"}, {"RM-EGG", "15 kg"}, {"RM-CHOC", "30 kg"}}, 1},
	{"FG-PBC-300", "L2", "600 ea", [][2]string{{"RM-FLOUR", "60 kg"}, {"RM-SUGAR", "40 kg"}, {"RM-BUTTER", "30 kg"}, {"RM-EGG", "15 kg"}, {"RM-PEANUT", "40 kg"}}, 1},
	{"FG-CUKE-SALAD", "PK1", "280 ea", [][2]string{{"RM-CUKE", "300 lb"}, {"RM-SALT", "2 kg"}}, 1},
}

// deliveries: item, supplier, quantity per delivery, receiving location.
var deliveries = []struct{ item, supplier, qty, loc string }{
	{"RM-FLOUR", "SUP-GM", "40 case", "DRY-A"},
	{"RM-SUGAR", "SUP-GM", "20 case", "DRY-A"},
	{"RM-SALT", "SUP-GM", "100 kg", "DRY-A"},
	{"RM-YEAST", "SUP-DAIRY", "40 kg", "COOL-1"},
	{"RM-BUTTER", "SUP-DAIRY", "30 case", "COOL-1"},
	{"RM-EGG", "SUP-EGG", "12 case", "COOL-1"},
	{"RM-CHOC", "SUP-GM", "12 case", "DRY-A"},
	{"RM-PEANUT", "SUP-NUTS", "15 case", "DRY-A"},
	{"RM-SESAME", "SUP-NUTS", "4 case", "DRY-A"},
	{"RM-CUKE", "SUP-FARMS-SPR", "1200 lb", "COOL-1"},
	{"PK-BAG-700", "SUP-PACK", "4 case", "DRY-A"},
}

type historian struct {
	ctx   context.Context
	s     Services
	site  forkline.ID
	loc   *time.Location
	rnd   *rand.Rand
	items map[string]plant.Item
	sups  map[string]plant.Supplier
	locs  map[string]plant.Location
	lines map[string]plant.Line
	cuss  []plant.Customer
	seq   int
}

func (h *historian) qty(s string) forkline.Quantity { return q(s) }

// History books days of receiving, production and shipping at the site
// with code siteCode, ending yesterday, through the same services a real
// plant uses. It is deterministic for a given now.
func History(ctx context.Context, s Services, siteCode string, days int, now time.Time) error {
	h, err := newHistorian(ctx, s, siteCode)
	if err != nil {
		return err
	}
	return h.run(days, now)
}

// newHistorian loads the master data of the site with code siteCode.
func newHistorian(ctx context.Context, s Services, siteCode string) (*historian, error) {
	h := &historian{ctx: ctx, s: s, rnd: rand.New(rand.NewPCG(42, 7)), items: map[string]plant.Item{}, sups: map[string]plant.Supplier{},
		locs: map[string]plant.Location{}, lines: map[string]plant.Line{}}
	sites, err := s.Plant.Sites.List(ctx, plant.Filter{Codes: []string{siteCode}, Limit: 1})
	if err != nil || len(sites) == 0 {
		return nil, fmt.Errorf("history: site %s: %v", siteCode, err)
	}
	h.site = sites[0].ID
	h.loc, _ = time.LoadLocation(sites[0].TimeZone)
	f := plant.Filter{SiteIDs: []forkline.ID{h.site}, Limit: 500}
	its, _ := s.Plant.Items.List(ctx, f)
	for _, it := range its {
		h.items[it.Code] = it
	}
	sps, _ := s.Plant.Suppliers.List(ctx, f)
	for _, sp := range sps {
		h.sups[sp.Code] = sp
	}
	ls, _ := s.Plant.Locations.List(ctx, f)
	for _, l := range ls {
		h.locs[l.Code] = l
	}
	lns, _ := s.Plant.Lines.List(ctx, f)
	for _, l := range lns {
		h.lines[l.Code] = l
	}
	h.cuss, _ = s.Plant.Customers.List(ctx, f)
	return h, nil
}

// run books days of history, ending the day before now.
func (h *historian) run(days int, now time.Time) error {
	today := now.In(h.loc)
	start := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, h.loc).AddDate(0, 0, -days)
	for d := range days {
		day := start.AddDate(0, 0, d)
		if err := h.day(day, d); err != nil {
			return fmt.Errorf("history %s: %w", day.Format("2006-01-02"), err)
		}
	}
	return nil
}

func (h *historian) day(day time.Time, n int) error {
	at := func(hour, min int) time.Time {
		return day.Add(time.Duration(hour)*time.Hour + time.Duration(min)*time.Minute)
	}
	if err := h.receive(day, at(6, 0)); err != nil {
		return err
	}
	// Production: each recipe once a day, inputs picked first-expired-first-out.
	for i := range products {
		if err := h.make(i, fmt.Sprintf("WO-%s-%d", day.Format("0102"), i+1), at(7+2*i, 0), at(8+2*i, 30)); err != nil {
			return err
		}
	}
	// Afternoon shipments: each customer takes some finished goods.
	for ci, c := range h.cuss {
		for pi, code := range shipped {
			if (ci+pi+n)%2 == 1 {
				continue
			}
			if err := h.ship(c, code, fmt.Sprintf("BOL-%s-%02d", day.Format("0102"), ci*10+pi), at(16, 0), at(16, ci*10+pi)); err != nil {
				return err
			}
		}
	}
	return nil
}

// shipped are the finished goods customers take.
var shipped = []string{"FG-WHITE-700", "FG-SESBUN-6", "FG-CCC-300", "FG-PBC-300", "FG-CUKE-SALAD"}

// make books a batch of product i for order: its inputs consumed at t,
// first-expired-first-out, its output produced at done.
func (h *historian) make(i int, order string, t, done time.Time) error {
	r := products[i]
	for _, in := range r.inputs {
		it := h.items[in[0]]
		sugg, short, err := h.s.Inventory.FEFO(h.ctx, inventory.FEFOInput{SiteID: h.site, ItemID: it.ID, Quantity: h.qty(in[1]), AsOf: t})
		if err != nil {
			return err
		}
		if !short.IsZero() {
			return fmt.Errorf("%s short of %s by %s", order, in[0], short)
		}
		for _, sg := range sugg {
			if _, err := h.s.Inventory.Consume(h.ctx, inventory.ConsumeInput{LotID: sg.Lot.ID, LocationID: sg.LocationID, Quantity: sg.Take,
				OrderRef: order, LineID: h.lines[r.line].ID, EventTime: t}); err != nil {
				return fmt.Errorf("%s consume %s: %w", order, in[0], err)
			}
		}
	}
	made := h.qty(r.makes)
	if r.item != "WIP-DOUGH-W" {
		// Yield varies a little from batch to batch.
		made = forkline.QuantityFromMicros(made.Micros()*int64(95+h.rnd.IntN(6))/100/1_000_000*1_000_000, made.Unit)
	}
	if _, err := h.s.Inventory.Produce(h.ctx, inventory.ProduceInput{SiteID: h.site, ItemID: h.items[r.item].ID, LocationID: h.outputLocation(r.item),
		Quantity: made, OrderRef: order, LineID: h.lines[r.line].ID, ProducedAt: done}); err != nil {
		return fmt.Errorf("%s produce: %w", order, err)
	}
	return nil
}

// ship books a shipment of some of item code to customer c under bol,
// picked first-expired-first-out as of asOf (with the customer's shelf-life
// need), shipped at t.
func (h *historian) ship(c plant.Customer, code, bol string, asOf, t time.Time) error {
	it := h.items[code]
	want := forkline.NewQuantity(int64(48+24*h.rnd.IntN(8)), forkline.Each)
	sugg, _, err := h.s.Inventory.FEFO(h.ctx, inventory.FEFOInput{SiteID: h.site, ItemID: it.ID, Quantity: want, CustomerID: c.ID, AsOf: asOf})
	if err != nil {
		return err
	}
	for _, sg := range sugg {
		if _, err := h.s.Inventory.Ship(h.ctx, inventory.ShipInput{LotID: sg.Lot.ID, LocationID: sg.LocationID, Quantity: sg.Take,
			CustomerID: c.ID, ShipToID: c.ShipTos[h.rnd.IntN(len(c.ShipTos))].ID, DocType: "BOL", DocNumber: bol, ShippedAt: t}); err != nil {
			return fmt.Errorf("ship %s to %s: %w", code, c.Code, err)
		}
	}
	return nil
}

// receive books the deliveries of day, from start at five-minute
// intervals: whatever is short for the next two days' production, inspected
// and released when the item is inspected on receipt.
func (h *historian) receive(day, start time.Time) error {
	for i, dv := range deliveries {
		it := h.items[dv.item]
		need := forkline.QuantityFromMicros(0, it.BaseUnit)
		for _, r := range products {
			for _, in := range r.inputs {
				if in[0] == dv.item {
					need, _ = need.Add(h.qty(in[1]))
					need, _ = need.Add(h.qty(in[1])) // two days' worth
				}
			}
		}
		_, short, err := h.s.Inventory.FEFO(h.ctx, inventory.FEFOInput{SiteID: h.site, ItemID: it.ID, Quantity: need, AsOf: start})
		if err != nil {
			return err
		}
		if short.IsZero() {
			continue
		}
		h.seq++
		sup := h.sups[dv.supplier]
		lot := fmt.Sprintf("%s-%02d%03d", sup.Code[4:], day.YearDay()%100, h.seq)
		res, err := h.s.Inventory.Receive(h.ctx, inventory.ReceiveInput{SiteID: h.site, ItemID: it.ID, SupplierID: sup.ID, SupplierLot: lot,
			Quantity: h.qty(dv.qty), LocationID: h.locs[dv.loc].ID, DocType: "PO", DocNumber: fmt.Sprintf("45%06d", 1000+h.seq),
			ReceivedAt: start.Add(time.Duration(i) * 5 * time.Minute), Temperature: temperature(it, h.rnd)})
		if err != nil {
			return fmt.Errorf("receive %s: %w", dv.item, err)
		}
		if res.Lot.Status == inventory.Quarantine {
			if _, err := h.s.Inventory.ChangeStatus(h.ctx, inventory.StatusInput{LotID: res.Lot.ID, To: inventory.Released,
				Reason: "incoming inspection passed: temperature, seal and certificate of analysis checked"}); err != nil {
				return err
			}
		}
	}
	return nil
}

// outputLocation is where a product goes when it is made: dough to the
// line-side rack, chilled products to the cooler, the rest to the finished
// goods store.
func (h *historian) outputLocation(item string) forkline.ID {
	loc := "FG-1"
	if h.items[item].Kind == plant.WIP {
		loc = "L1-SIDE"
	} else if h.items[item].Condition == plant.Chilled {
		loc = "COOL-1"
	}
	return h.locs[loc].ID
}

// temperature is a plausible receiving temperature for chilled goods.
func temperature(it plant.Item, r *rand.Rand) string {
	if it.Condition != plant.Chilled {
		return ""
	}
	return fmt.Sprintf("%d.%d", 2+r.IntN(3), r.IntN(10))
}
