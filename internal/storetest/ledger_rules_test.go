package storetest_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/inventory"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/sqlstore"
	"github.com/forkline/forkline/internal/storetest"
	"github.com/google/go-cmp/cmp"
)

// actorOf returns the actor a context acts as.
func actorOf(ctx context.Context) forkline.Actor {
	a, _ := forkline.ActorFrom(ctx)
	return a
}

// TestLedgerRules checks the rules that protect food: what may be received,
// consumed and shipped, with which codes, units and statuses, on every engine.
func TestLedgerRules(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		lw := newLedgerWorld(t, db, c)
		site := lw.siteA.ID
		cooler, dock := lw.location(t, site, "COOLER"), lw.location(t, site, "DOCK")
		approved := lw.supplier(t, site, "GPM", "Great Plains Milling", plant.Approved)
		flour := lw.item(t, plant.Item{Record: plant.Record{SiteID: site, Code: "FLOUR"}, ShelfLifeDays: 180,
			PackSizes: []forkline.PackSize{{Unit: forkline.Case, Contents: qty("25 kg")}}})
		anyone := lw.customer(t, site, "ANY", "Any Shop", 0, "DC")
		lax := lw.customer(t, site, "LAX", "Lax Market", 5, "DC")
		strict := lw.customer(t, site, "STRICT", "Strict Stores", 20, "DC")
		quality := lw.user("quinn", site, forkline.RoleQuality)
		supervisor := lw.user("sam", site, forkline.RoleSupervisor)
		operator := lw.user("olga", site, forkline.RoleOperator)
		receive := func(it plant.Item, q string) inventory.Lot {
			return lw.receive(t, inventory.ReceiveInput{SiteID: site, ItemID: it.ID, SupplierID: approved.ID, SupplierLot: "GPM-1", Quantity: qty(q), LocationID: cooler})
		}
		consume := func(lot inventory.Lot, q string) error {
			_, err := lw.inv.Consume(lw.ctx, inventory.ConsumeInput{LotID: lot.ID, LocationID: cooler, Quantity: qty(q), OrderRef: "MIX-1"})
			return err
		}
		ship := func(lot inventory.Lot, q string, cu plant.Customer) error {
			_, err := lw.inv.Ship(lw.ctx, inventory.ShipInput{LotID: lot.ID, LocationID: cooler, Quantity: qty(q), CustomerID: cu.ID, ShipToID: cu.ShipTos[0].ID, DocType: "BOL", DocNumber: "BOL-1"})
			return err
		}
		setStatus := func(ctx context.Context, lot inventory.Lot, to inventory.Status) error {
			_, err := lw.inv.ChangeStatus(ctx, inventory.StatusInput{LotID: lot.ID, To: to, Reason: "test " + string(to)})
			return err
		}

		for _, tc := range []struct {
			status inventory.Status
			msg    string
		}{
			{inventory.Hold, "is on hold"},
			{inventory.Quarantine, "is in quarantine"},
			{inventory.Rejected, "is rejected"},
		} {
			t.Run("a lot in "+string(tc.status)+" is neither consumed nor shipped, and nothing is booked", func(t *testing.T) {
				lot := receive(flour, "10 kg")
				if err := setStatus(quality, lot, tc.status); err != nil {
					t.Fatal(err)
				}
				before := lw.detail(t, lot.ID)
				lw.wantRefused(t, "Consume", consume(lot, "1 kg"), forkline.Conflict, "Lot "+lot.Code+" "+tc.msg, before)
				lw.wantRefused(t, "Ship", ship(lot, "1 kg", anyone), forkline.Conflict, "Lot "+lot.Code+" "+tc.msg, before)
			})
		}

		t.Run("an item inspected on receipt arrives in quarantine and cannot be used until released", func(t *testing.T) {
			cheese := lw.item(t, plant.Item{Record: plant.Record{SiteID: site, Code: "CHEESE"}, ShelfLifeDays: 30, InspectOnReceipt: true})
			lot := receive(cheese, "10 kg")
			if lot.Status != inventory.Quarantine {
				t.Fatalf("Receive(inspected item) status = %s, want quarantine", lot.Status)
			}
			before := lw.detail(t, lot.ID)
			if e := before.Events[0]; e.Kind != inventory.Receive || e.StatusTo != inventory.Quarantine {
				t.Errorf("receive event = %s to %s, want receive to quarantine", e.Kind, e.StatusTo)
			}
			lw.wantRefused(t, "Consume", consume(lot, "1 kg"), forkline.Conflict, "is in quarantine", before)
			if err := setStatus(quality, lot, inventory.Released); err != nil {
				t.Fatal(err)
			}
			if err := consume(lot, "1 kg"); err != nil {
				t.Errorf("Consume(released) = %v, want booked", err)
			}
		})

		t.Run("consuming more than the lot has at the location is refused", func(t *testing.T) {
			lot := receive(flour, "10 kg")
			before := lw.detail(t, lot.ID)
			lw.wantRefused(t, "Consume(11 kg)", consume(lot, "11 kg"), forkline.Conflict, "Lot "+lot.Code+" has 10 kg at COOLER, less than the 11 kg asked for.", before)
			_, err := lw.inv.Consume(lw.ctx, inventory.ConsumeInput{LotID: lot.ID, LocationID: dock, Quantity: qty("1 kg"), OrderRef: "MIX-1"})
			lw.wantRefused(t, "Consume(at the dock)", err, forkline.Conflict, "has 0 kg at DOCK", before)
		})

		t.Run("a lot expires after its expiry day, counted from the receiving day in the site's time zone", func(t *testing.T) {
			defer c.Set(start)
			milk := lw.item(t, plant.Item{Record: plant.Record{SiteID: site, Code: "MILK"}, ShelfLifeDays: 10})
			c.Set(time.Date(2026, 3, 3, 3, 0, 0, 0, time.UTC)) // 2 March, 21:00 in Chicago
			lot := receive(milk, "10 kg")
			if want := time.Date(2026, 3, 12, 0, 0, 0, 0, time.UTC); !lot.Expiry.Equal(want) {
				t.Fatalf("Receive(MILK) expiry = %s, want %s (2 March + 10 days)", lot.Expiry, want)
			}
			c.Set(time.Date(2026, 3, 13, 4, 0, 0, 0, time.UTC)) // 12 March, 23:00 in Chicago (summer time since 8 March): the last day
			if err := consume(lot, "1 kg"); err != nil {
				t.Errorf("Consume on the expiry day = %v, want booked", err)
			}
			c.Set(time.Date(2026, 3, 13, 5, 30, 0, 0, time.UTC)) // 13 March, 00:30 in Chicago
			before := lw.detail(t, lot.ID)
			lw.wantRefused(t, "Consume(expired)", consume(lot, "1 kg"), forkline.Conflict, "Lot "+lot.Code+" expired on 2026-03-12", before)
			lw.wantRefused(t, "Ship(expired)", ship(lot, "1 kg", anyone), forkline.Conflict, "expired on 2026-03-12", before)
		})

		t.Run("receiving from a supplier that is not approved needs quality's override reason", func(t *testing.T) {
			for _, approval := range []plant.ApprovalStatus{plant.Suspended, plant.Pending} {
				sup := lw.supplier(t, site, "S-"+string(approval), "Supplier "+string(approval), approval)
				in := inventory.ReceiveInput{SiteID: site, ItemID: flour.ID, SupplierID: sup.ID, SupplierLot: "X-1", Quantity: qty("10 kg"), LocationID: cooler}
				count := func() int {
					lots, err := lw.inv.Lots(lw.ctx, inventory.LotFilter{SupplierID: sup.ID})
					if err != nil {
						t.Fatal(err)
					}
					return len(lots)
				}
				_, err := lw.inv.Receive(operator, in)
				if forkline.ErrorCode(err) != forkline.Invalid || !slices.Contains(fieldNames(err), "supplierId") {
					t.Errorf("Receive(%s supplier, no reason) error = %v, want invalid supplierId", approval, err)
				}
				_, err = lw.inv.Receive(quality, in)
				if forkline.ErrorCode(err) != forkline.Invalid {
					t.Errorf("Receive(%s supplier, quality without reason) error = %v, want invalid", approval, err)
				}
				in.OverrideReason = "only source of organic flour this week"
				_, err = lw.inv.Receive(supervisor, in)
				if forkline.ErrorCode(err) != forkline.Forbidden {
					t.Errorf("Receive(%s supplier, supervisor with a reason) error = %v, want forbidden", approval, err)
				}
				if n := count(); n != 0 {
					t.Fatalf("refused receipts made %d lots, want none", n)
				}
				r, err := lw.inv.Receive(quality, in)
				if err != nil {
					t.Fatalf("Receive(%s supplier, quality with a reason) = %v, want booked", approval, err)
				}
				if r.Events[0].Reason != in.OverrideReason {
					t.Errorf("receive event reason = %q, want the override reason", r.Events[0].Reason)
				}
				checkLastAudit(t, db, c, auditWant{Actor: actorOf(quality), Action: "override", Entity: "lot", EntityID: r.Lot.ID, SiteID: site,
					Reason: in.OverrideReason, After: map[string]string{"supplier": sup.Code, "approval": string(approval)}})
				if n := count(); n != 1 {
					t.Errorf("receipts booked = %d lots, want 1", n)
				}
			}
		})

		t.Run("a shipment must leave the customer the shelf life they require", func(t *testing.T) {
			cake := lw.item(t, plant.Item{Record: plant.Record{SiteID: site, Code: "CAKE"}, Kind: plant.Finished, BaseUnit: forkline.Each, ShelfLifeDays: 10})
			lot := lw.produce(t, site, cake.ID, cooler, "100 ea", "BAKE-1")
			before := lw.detail(t, lot.ID)
			lw.wantRefused(t, "Ship(to a customer wanting 20 days)", ship(lot, "10 ea", strict), forkline.Invalid,
				"lot "+lot.Code+" has 10 days of shelf life left; Strict Stores requires at least 20", before)
			if err := ship(lot, "10 ea", lax); err != nil {
				t.Errorf("Ship(to a customer wanting 5 days) = %v, want booked", err)
			}
		})

		t.Run("an item on the Food Traceability List needs the supplier's lot and the reference document", func(t *testing.T) {
			spinach := lw.item(t, plant.Item{Record: plant.Record{SiteID: site, Code: "SPINACH"}, ShelfLifeDays: 7, TraceabilityList: true})
			in := inventory.ReceiveInput{SiteID: site, ItemID: spinach.ID, SupplierID: approved.ID, Quantity: qty("10 kg"), LocationID: cooler}
			_, err := lw.inv.Receive(lw.ctx, in)
			if got, want := fieldNames(err), []string{"supplierLot", "docNumber"}; forkline.ErrorCode(err) != forkline.Invalid || !cmp.Equal(got, want) {
				t.Errorf("Receive(FTL item without lot and document) = %v, fields %v; want invalid %v", err, got, want)
			}
			in.SupplierLot, in.DocType = "FARM-42", "BOL"
			_, err = lw.inv.Receive(lw.ctx, in)
			if got, want := fieldNames(err), []string{"docNumber", "docNumber"}; forkline.ErrorCode(err) != forkline.Invalid || !cmp.Equal(got, want) {
				t.Errorf("Receive(FTL item with a document type but no number) = %v, fields %v; want invalid %v", err, got, want)
			}
		})

		t.Run("an FTL lot keeps the supplier's lot as its traceability lot code", func(t *testing.T) {
			spinach := lw.item(t, plant.Item{Record: plant.Record{SiteID: site, Code: "SPINACH2"}, ShelfLifeDays: 7, TraceabilityList: true})
			in := inventory.ReceiveInput{SiteID: site, ItemID: spinach.ID, SupplierID: approved.ID, SupplierLot: "FARM-42", Quantity: qty("10 kg"),
				LocationID: cooler, DocType: "BOL", DocNumber: "B-7"}
			lot := lw.receive(t, in)
			if lot.TLC != "FARM-42" || lot.TLCSource != "Great Plains Milling, Great Plains Milling Road 1" || lot.Code == "FARM-42" {
				t.Errorf("Receive(FTL) = code %q, TLC %q from %q; want a site code, TLC FARM-42 from the supplier", lot.Code, lot.TLC, lot.TLCSource)
			}
			in.SupplierLot, in.TLC, in.TLCSource, in.TLCSourceRef = "FARM-43", "0614141000005.FARM-43", "Green Farm packhouse", "0614141000005"
			lot = lw.receive(t, in)
			if lot.TLC != in.TLC || lot.TLCSource != in.TLCSource || lot.TLCSourceRef != in.TLCSourceRef {
				t.Errorf("Receive(FTL with a TLC) = TLC %q from %q (%q), want the delivery's", lot.TLC, lot.TLCSource, lot.TLCSourceRef)
			}
			farm, err := lw.svc.Suppliers.Create(lw.ctx, plant.Supplier{Record: plant.Record{SiteID: site, Code: "FARM", Name: "Green Farm"}, Approval: plant.Approved}, "new supplier")
			if err != nil {
				t.Fatal(err)
			}
			lot = lw.receive(t, inventory.ReceiveInput{SiteID: site, ItemID: spinach.ID, SupplierID: farm.ID, SupplierLot: "FARM-44", Quantity: qty("10 kg"),
				LocationID: cooler, DocType: "BOL", DocNumber: "B-8"})
			if lot.TLC != "FARM-44" || lot.TLCSource != "Green Farm" {
				t.Errorf("Receive(FTL from a supplier without an address) = TLC %q from %q, want FARM-44 from %q", lot.TLC, lot.TLCSource, "Green Farm")
			}
		})

		t.Run("a lot code and TLC come from the site's pattern, on the site's day", func(t *testing.T) {
			defer c.Set(start)
			for _, tc := range []struct {
				code, zone string
				pattern    forkline.LotCodePattern
				at         time.Time
				want       []string
			}{
				{"DEF", "America/Chicago", "", start, []string{"DEF-26061-001", "DEF-26061-002"}},
				{"CUS", "Asia/Tokyo", "{SITE}{YYYY}{MM}{DD}-{SEQ:4}", start, []string{"CUS20260302-0001", "CUS20260302-0002"}},
				// 20:00 UTC on 2 March is already 3 March in Tokyo.
				{"TOK", "Asia/Tokyo", "{SITE}{YYYY}{MM}{DD}-{SEQ:4}", time.Date(2026, 3, 2, 20, 0, 0, 0, time.UTC), []string{"TOK20260303-0001", "TOK20260303-0002"}},
			} {
				c.Set(tc.at)
				s, err := lw.svc.Sites.Create(lw.ctx, plant.Site{Record: plant.Record{Code: tc.code, Name: "Plant " + tc.code}, TimeZone: tc.zone, LotCodePattern: tc.pattern}, "")
				if err != nil {
					t.Fatal(err)
				}
				loc := lw.location(t, s.ID, "STORE")
				sup := lw.supplier(t, s.ID, "SUP", "Supplier", plant.Approved)
				it := lw.item(t, plant.Item{Record: plant.Record{SiteID: s.ID, Code: "SALT"}})
				var got []string
				for range 2 {
					l := lw.receive(t, inventory.ReceiveInput{SiteID: s.ID, ItemID: it.ID, SupplierID: sup.ID, SupplierLot: "S-1", Quantity: qty("1 kg"), LocationID: loc})
					if l.TLC != l.Code || l.TLCSource != s.Name {
						t.Errorf("Receive on %s = code %q, TLC %q from %q; want the code as TLC, from the site", tc.code, l.Code, l.TLC, l.TLCSource)
					}
					got = append(got, l.Code)
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("lot codes on site %s with pattern %q mismatch (-want +got):\n%s", tc.code, tc.pattern, diff)
				}
			}
		})

		t.Run("quantities are converted to the item's base unit, exactly or not at all", func(t *testing.T) {
			for _, tc := range []struct {
				entered string
				want    string // the lot's quantity, or the rule broken
			}{
				{"4 case", "100 kg"},
				{"2500 g", "2.5 kg"},
				{"0.5 case", "12.5 kg"},
				{"1 oz", "exact"},
				{"1 lb", "exact"},
				{"1 pallet", "unit"},
				{"3 ea", "unit"},
				{"0 kg", "positive"},
			} {
				r, err := lw.inv.Receive(lw.ctx, inventory.ReceiveInput{SiteID: site, ItemID: flour.ID, SupplierID: approved.ID, SupplierLot: "GPM-U",
					Quantity: qty(tc.entered), LocationID: cooler})
				got := ""
				if err == nil {
					got = r.Lot.Quantity.String()
					if r.Events[0].Entered != tc.entered || r.Events[0].Quantity != r.Lot.Quantity {
						t.Errorf("Receive(%s) event = %s entered as %q, want %s entered as %q", tc.entered, r.Events[0].Quantity, r.Events[0].Entered, got, tc.entered)
					}
				} else if fs := forkline.ErrorFields(err); forkline.ErrorCode(err) == forkline.Invalid && len(fs) == 1 && fs[0].Field == "quantity" {
					got = fs[0].Rule
				} else {
					got = err.Error()
				}
				if got != tc.want {
					t.Errorf("Receive(%s of flour in kg, 25 kg a case) = %s, want %s", tc.entered, got, tc.want)
				}
			}
		})

		t.Run("FEFO suggests usable lots by earliest expiry and reports the shortfall", func(t *testing.T) {
			yog := lw.item(t, plant.Item{Record: plant.Record{SiteID: site, Code: "YOG"}})
			name := map[forkline.ID]string{}
			recv := func(label string, expiry time.Time) inventory.Lot {
				l := lw.receive(t, inventory.ReceiveInput{SiteID: site, ItemID: yog.ID, SupplierID: approved.ID, SupplierLot: label, Quantity: qty("10 kg"),
					LocationID: cooler, Expiry: expiry})
				name[l.ID] = label
				return l
			}
			day := func(d int) time.Time { return time.Date(2026, 3, d, 0, 0, 0, 0, time.UTC) }
			recv("expired", day(1))
			if err := setStatus(quality, recv("held", day(3)), inventory.Hold); err != nil {
				t.Fatal(err)
			}
			if err := setStatus(quality, recv("quarantined", day(4)), inventory.Quarantine); err != nil {
				t.Fatal(err)
			}
			recv("A", day(10))
			b := recv("B", day(20))
			if _, err := lw.inv.Adjust(lw.ctx, inventory.AdjustInput{LotID: b.ID, LocationID: cooler, Change: qty("5 kg"), Reason: inventory.CountCorrection}); err != nil {
				t.Fatal(err)
			}
			cl := recv("C", day(30))
			if _, err := lw.inv.Move(lw.ctx, inventory.MoveInput{LotID: cl.ID, FromID: cooler, ToID: dock, Quantity: qty("5 kg")}); err != nil {
				t.Fatal(err)
			}
			recv("no expiry", time.Time{})
			if err := setStatus(quality, recv("held, expiring today", day(2)), inventory.Hold); err != nil {
				t.Fatal(err)
			}

			type take struct{ Lot, Location, Take string }
			for _, tc := range []struct {
				name      string
				q         string
				customer  forkline.ID
				want      []take
				wantShort string
			}{
				{"for 30 kg", "30 kg", "", []take{{"A", "COOLER", "10 kg"}, {"B", "COOLER", "15 kg"}, {"C", "COOLER", "5 kg"}}, "0 kg"},
				{"for more than there is", "60 kg", "", []take{{"A", "COOLER", "10 kg"}, {"B", "COOLER", "15 kg"}, {"C", "COOLER", "5 kg"}, {"C", "DOCK", "5 kg"}, {"no expiry", "COOLER", "10 kg"}}, "15 kg"},
				{"in another unit", "2 case", "", nil, ""},
				{"for a customer wanting 20 days", "15 kg", strict.ID, []take{{"C", "COOLER", "5 kg"}, {"C", "DOCK", "5 kg"}, {"no expiry", "COOLER", "5 kg"}}, "0 kg"},
				{"for a customer wanting 5 days", "12 kg", lax.ID, []take{{"A", "COOLER", "10 kg"}, {"B", "COOLER", "2 kg"}}, "0 kg"},
			} {
				sugg, short, err := lw.inv.FEFO(lw.ctx, inventory.FEFOInput{SiteID: site, ItemID: yog.ID, Quantity: qty(tc.q), CustomerID: tc.customer})
				if tc.want == nil {
					if forkline.ErrorCode(err) != forkline.Invalid {
						t.Errorf("FEFO %s error = %v, want invalid (YOG has no case size)", tc.name, err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("FEFO %s: %v", tc.name, err)
				}
				var got []take
				for _, s := range sugg {
					got = append(got, take{name[s.Lot.ID], s.LocationCode, s.Take.String()})
				}
				if diff := cmp.Diff(tc.want, got); diff != "" || short.String() != tc.wantShort {
					t.Errorf("FEFO %s short %s, want %s; suggestions mismatch (-want +got):\n%s", tc.name, short, tc.wantShort, diff)
				}
			}
			before := lw.detail(t, b.ID)
			lw.wantRefused(t, "Ship(lot B, 18 days left, to a customer wanting 20)", ship(b, "1 kg", strict), forkline.Invalid, "requires at least 20", before)
		})

		t.Run("a supervisor may hold a lot but not release it; each change is audited", func(t *testing.T) {
			lot := receive(flour, "10 kg")
			r, err := lw.inv.ChangeStatus(supervisor, inventory.StatusInput{LotID: lot.ID, To: inventory.Hold, Reason: "foreign body found"})
			if err != nil || r.Lot.Status != inventory.Hold {
				t.Fatalf("ChangeStatus(supervisor, hold) = %s, %v; want hold", r.Lot.Status, err)
			}
			checkLastAudit(t, db, c, auditWant{Actor: actorOf(supervisor), Action: "hold", Entity: "lot", EntityID: lot.ID, SiteID: site, Reason: "foreign body found",
				Before: map[string]string{"Code": lot.Code, "Status": "released"}, After: map[string]string{"Code": lot.Code, "Status": "hold"}})
			before := lw.detail(t, lot.ID)
			_, err = lw.inv.ChangeStatus(supervisor, inventory.StatusInput{LotID: lot.ID, To: inventory.Released, Reason: "looks fine"})
			lw.wantRefused(t, "ChangeStatus(supervisor, release)", err, forkline.Forbidden, "", before)
			_, err = lw.inv.ChangeStatus(operator, inventory.StatusInput{LotID: lot.ID, To: inventory.Hold, Reason: "just in case"})
			lw.wantRefused(t, "ChangeStatus(operator, hold)", err, forkline.Forbidden, "", before)
		})

		t.Run("quality releases and rejects; a rejected lot stays rejected", func(t *testing.T) {
			lot := receive(flour, "10 kg")
			for _, to := range []inventory.Status{inventory.Hold, inventory.Released, inventory.Rejected} {
				if err := setStatus(quality, lot, to); err != nil {
					t.Fatalf("ChangeStatus(quality, %s): %v", to, err)
				}
			}
			var got []string
			for _, e := range history(t, db, "lot", lot.ID) {
				got = append(got, string(e.Action)+": "+e.Before+" -> "+e.After)
			}
			code := `{"Code":"` + lot.Code + `","Status":`
			want := []string{
				"rejected: " + code + `"released"} -> ` + code + `"rejected"}`,
				"released: " + code + `"hold"} -> ` + code + `"released"}`,
				"hold: " + code + `"released"} -> ` + code + `"hold"}`,
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("audit trail of the lot mismatch (-want +got):\n%s", diff)
			}
			before := lw.detail(t, lot.ID)
			for _, to := range []inventory.Status{inventory.Released, inventory.Hold, inventory.Quarantine} {
				lw.wantRefused(t, "ChangeStatus(rejected to "+string(to)+")", setStatus(quality, lot, to), forkline.Conflict, "rejected; a rejected lot is not brought back", before)
			}
			_, err := lw.inv.ChangeStatus(quality, inventory.StatusInput{LotID: lot.ID, To: inventory.Released, Reason: "retry", IdempotencyKey: "rel-1"})
			lw.wantRefused(t, "ChangeStatus(rejected to released, with a key)", err, forkline.Conflict, "rejected; a rejected lot is not brought back", before)
			lw.wantRefused(t, "ChangeStatus(rejected to rejected)", setStatus(quality, lot, inventory.Rejected), forkline.Conflict, "already rejected", before)
		})

		t.Run("a status change needs a known status and a reason", func(t *testing.T) {
			lot := receive(flour, "10 kg")
			before := lw.detail(t, lot.ID)
			_, err := lw.inv.ChangeStatus(quality, inventory.StatusInput{LotID: lot.ID, To: inventory.Hold})
			lw.wantRefused(t, "ChangeStatus(no reason)", err, forkline.Invalid, "reason is required", before)
			_, err = lw.inv.ChangeStatus(quality, inventory.StatusInput{LotID: lot.ID, To: "blocked", Reason: "x"})
			lw.wantRefused(t, "ChangeStatus(blocked)", err, forkline.Invalid, "status must be one of", before)
		})
	})
}
