package web_test

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/forkline/forkline/internal/inventory"
)

// receiptForm is a complete receiving form for the site, as the page posts it.
func receiptForm(e *env, b bakery, item, supplier, supLot, key string) url.Values {
	return url.Values{"site": {e.site.ID}, "key": {key}, "action": {"receive"}, "itemId": {b.items[item].ID}, "supplierId": {b.sups[supplier].ID},
		"supplierLot": {supLot}, "quantity": {"120"}, "unit": {"L"}, "locationId": {b.locs["COOLER-1"].ID}, "docType": {"PO"},
		"docNumber": {"4500012400"}, "receivedAt": {"2026-03-02T07:45"}, "temperature": {"3.5"}}
}

// scanForm is the receiving form with only a scan in the scan field.
func scanForm(e *env, scan string) url.Values {
	return url.Values{"site": {e.site.ID}, "key": {"k-scan"}, "action": {"receive"}, "scan": {scan}}
}

func TestReceive(t *testing.T) {
	e := newEnv(t)
	b := e.seedBakery(t)
	dana := e.client(t, "dana")
	flour := b.items["FLOUR-T55"]

	filled := []string{
		`id="scan-read"`,
		`<option value="` + flour.ID + `" selected>FLOUR-T55 · Wheat flour T55</option>`,
		`name="supplierLot" type="text" value="MC-24-0188"`,
		`name="expiry" type="date" value="2026-09-30"`,
		`name="quantity" type="text" inputmode="decimal" value="25"`,
		`<option value="kg" selected>kg</option>`,
		`name="scan" value=""`,
		"Still to fill in: supplier, location.",
	}
	t.Run("a scan in the human-readable form fills the item, lot, expiry and net weight", func(t *testing.T) {
		res := e.post(t, dana, "/receive", scanForm(e, "(01)09506000134352(10)MC-24-0188(17)260930(3103)025000"))
		if res.status != http.StatusOK {
			t.Fatalf("POST /receive with a scan = %d, want 200", res.status)
		}
		contains(t, "the form after the scan", res.body, filled...)
	})

	t.Run("a GS1-128 scan with FNC1 as the group separator fills the same", func(t *testing.T) {
		res := e.post(t, dana, "/receive", scanForm(e, "]C10109506000134352172609303103025000"+"10MC-24-0188"))
		contains(t, "the form after the scan", res.body, filled...)
		res = e.post(t, dana, "/receive", scanForm(e, "]C10109506000134352"+"10MC-24-0188\x1d"+"17260930"+"3103025000"))
		contains(t, "the form after the scan with a separator", res.body, filled...)
	})

	t.Run("a bad check digit is shown next to the scan field, which keeps the scan", func(t *testing.T) {
		res := e.post(t, dana, "/receive", scanForm(e, "(01)09506000134353(10)MC-24-0188"))
		if res.status != http.StatusUnprocessableEntity {
			t.Fatalf("POST /receive with a bad scan = %d, want 422", res.status)
		}
		contains(t, "the form after a bad scan", res.body,
			`id="scan-error"`, "The barcode could not be read. Nothing was filled in.", "<li>GTIN check digit is 3 but should be 2.</li>",
			`name="scan" value="(01)09506000134353(10)MC-24-0188"`, `aria-invalid="true"`)
		if strings.Contains(res.body, `value="MC-24-0188"`) {
			t.Errorf("a scan that could not be read filled the supplier lot")
		}
	})

	t.Run("an unknown GTIN asks for the item and fills the rest", func(t *testing.T) {
		res := e.post(t, dana, "/receive", scanForm(e, "(01)04006381333931(10)A-77"))
		contains(t, "the form after the scan", res.body, "No active item on this site has GTIN 04006381333931.", `name="supplierLot" type="text" value="A-77"`)
	})

	t.Run("a second scan keeps what was filled before", func(t *testing.T) {
		f := scanForm(e, "(17)261231")
		f.Set("supplierId", b.sups["MILLCO"].ID)
		f.Set("supplierLot", "MC-1")
		res := e.post(t, dana, "/receive", f)
		contains(t, "the form after the second scan", res.body, `<option value="`+b.sups["MILLCO"].ID+`" selected>`, `value="MC-1"`, `value="2026-12-31"`)
	})

	t.Run("a missing field is shown next to it and the form keeps what was typed", func(t *testing.T) {
		f := receiptForm(e, b, "MILK-WH", "GVDAIRY", "GV-M-0399", "k-missing")
		f.Del("supplierId")
		res := e.post(t, dana, "/receive", f)
		if res.status != http.StatusUnprocessableEntity {
			t.Fatalf("POST /receive without a supplier = %d, want 422", res.status)
		}
		contains(t, "the refused form", res.body,
			"The lot was not received: 1 problem to fix. Each one is shown next to its field.",
			`id="supplierId-error">Choose the supplier.</p>`,
			`name="supplierLot" type="text" value="GV-M-0399"`, `name="quantity" type="text" inputmode="decimal" value="120"`,
			`<option value="L" selected>L</option>`, `name="docNumber" type="text" value="4500012400"`, `name="receivedAt" type="datetime-local" value="2026-03-02T07:45"`)
	})

	t.Run("every missing field is shown at once", func(t *testing.T) {
		res := e.post(t, dana, "/receive", url.Values{"site": {e.site.ID}, "action": {"receive"}, "quantity": {"lots"}})
		contains(t, "the refused form", res.body, `id="itemId-error"`, `id="supplierId-error"`, `id="quantity-error">Quantity must be a number`,
			`id="unit-error">Choose the unit.`, `id="locationId-error"`)
	})

	var milkURL string
	t.Run("a complete receipt goes to the new lot, in quarantine, with a flash", func(t *testing.T) {
		res := e.post(t, dana, "/receive", receiptForm(e, b, "MILK-WH", "GVDAIRY", "GV-M-0400", "k-milk"))
		if res.status != http.StatusSeeOther || !strings.HasPrefix(res.location, "/lots/") {
			t.Fatalf("POST /receive = %d to %q, want 303 to the new lot", res.status, res.location)
		}
		milkURL = res.location
		page := e.get(t, dana, res.location)
		contains(t, "the new lot's page", page.body, "received, in quarantine until quality releases it.", "GV-M-0400", "Quarantine", "3.5 °C",
			"PO 4500012400", "2 Mar 2026, 07:45 CST")
	})

	t.Run("the same form sent twice books one lot", func(t *testing.T) {
		res := e.post(t, dana, "/receive", receiptForm(e, b, "MILK-WH", "GVDAIRY", "GV-M-0400", "k-milk"))
		if res.location != milkURL {
			t.Fatalf("POST /receive again = %d to %q, want the first lot %q", res.status, res.location, milkURL)
		}
		contains(t, "the lot's page", e.get(t, dana, res.location).body, "was already received with this form; nothing was booked twice.")
	})

	t.Run("a supplier that is not approved is refused, and quality may override with a reason", func(t *testing.T) {
		f := receiptForm(e, b, "SESAME-W", "NUTTY", "NI-12", "k-nutty")
		f.Set("unit", "kg")
		res := e.post(t, dana, "/receive", f)
		if res.status != http.StatusUnprocessableEntity {
			t.Fatalf("POST /receive from a suspended supplier = %d, want 422", res.status)
		}
		contains(t, "the refused form", res.body, `id="supplierId-error">Supplier Nutty Imports Ltd is suspended, not approved to deliver.`,
			`id="overrideReason-error">To receive anyway, give the reason for the override here.`)
		f.Set("overrideReason", "approval renewal in progress, certificate received 28 Feb")
		if res := e.post(t, dana, "/receive", f); res.status != http.StatusSeeOther {
			t.Errorf("POST /receive with an override reason = %d, want 303", res.status)
		}
	})

	t.Run("an operator sees no override field", func(t *testing.T) {
		res := e.get(t, e.client(t, "olivia"), "/receive")
		if res.status != http.StatusOK || strings.Contains(res.body, `name="overrideReason"`) {
			t.Errorf("GET /receive as an operator = %d, with the override field: %t", res.status, strings.Contains(res.body, `name="overrideReason"`))
		}
	})
}

func TestLotPage(t *testing.T) {
	e := newEnv(t)
	b := e.seedBakery(t)
	dana := e.client(t, "dana")
	flour := "/lots/" + b.ledger.flour.ID

	t.Run("the lot page shows its stock, mass balance and events", func(t *testing.T) {
		res := e.get(t, dana, flour)
		contains(t, "the flour's page", res.body, "CHI-1-26058-001", "DRY-1 · Dry store", "450 kg", "Balanced: every unit is accounted for.",
			"Consumed", "WO-1001", "PO 4500012345", "MC-24-0117", "362 days left", `href="`+flour+`/trace?direction=forward"`)
	})

	t.Run("a produced lot names its order and line, an expired lot says so", func(t *testing.T) {
		contains(t, "the dough's page", e.get(t, dana, "/lots/"+b.ledger.dough.ID).body, "Lot · Produced", "Made by order", "WO-1001",
			"on line L1 · Bun line 1", "Nothing left on hand")
		contains(t, "the sesame's page", e.get(t, dana, "/lots/"+b.ledger.sesame.ID).body,
			"It expired on 28 Feb 2026: it may not be used or shipped.")
	})

	t.Run("a move without a destination comes back with the problem in the move form", func(t *testing.T) {
		res := e.post(t, dana, flour+"/move", url.Values{"move-from": {b.locs["DRY-1"].ID}, "move-quantity": {"10"}, "move-unit": {"kg"}, "key": {"m1"}})
		if res.status != http.StatusUnprocessableEntity {
			t.Fatalf("POST move without a destination = %d, want 422", res.status)
		}
		contains(t, "the refused move", res.body, `id="move-to-error">Choose where it goes.</p>`, `name="move-quantity" type="text" inputmode="decimal" value="10"`,
			`<section class="card action-card" id="move">`+"\n  <details open>")
	})

	t.Run("a move is booked and the lot says so", func(t *testing.T) {
		res := e.post(t, dana, flour+"/move", url.Values{"move-from": {b.locs["DRY-1"].ID}, "move-to": {b.locs["DOCK-A"].ID}, "move-quantity": {"10"},
			"move-unit": {"kg"}, "key": {"m2"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("POST move = %d, want 303\n%s", res.status, res.body)
		}
		contains(t, "the lot after the move", e.get(t, dana, flour).body, "Moved 10 kg of lot CHI-1-26058-001.", "from DRY-1 to DOCK-A", "DOCK-A · Receiving dock A")
	})

	t.Run("taking more than is there is refused in plain words", func(t *testing.T) {
		res := e.post(t, dana, flour+"/move", url.Values{"move-from": {b.locs["DRY-1"].ID}, "move-to": {b.locs["DOCK-A"].ID}, "move-quantity": {"1000"},
			"move-unit": {"kg"}, "key": {"m3"}})
		if res.status != http.StatusConflict {
			t.Fatalf("POST move of too much = %d, want 409", res.status)
		}
		contains(t, "the refused move", res.body, "Lot CHI-1-26058-001 has 440 kg at DRY-1, less than the 1000 kg asked for.")
	})

	t.Run("waste takes stock away, and cannot add it", func(t *testing.T) {
		f := url.Values{"adjust-location": {b.locs["DRY-1"].ID}, "adjust-reason": {"waste"}, "adjust-direction": {"add"}, "adjust-quantity": {"2"},
			"adjust-unit": {"kg"}, "adjust-note": {"bag torn by the forklift"}, "key": {"a1"}}
		res := e.post(t, dana, flour+"/adjust", f)
		contains(t, "the refused adjustment", res.body, `id="adjust-direction-error">Only a count correction adds stock`)
		f.Set("adjust-direction", "remove")
		if res := e.post(t, dana, flour+"/adjust", f); res.status != http.StatusSeeOther {
			t.Fatalf("POST adjust = %d, want 303\n%s", res.status, res.body)
		}
		contains(t, "the lot after the adjustment", e.get(t, dana, flour).body, "Lot CHI-1-26058-001 adjusted by −2 kg (waste).", "Adjusted: Waste",
			"−2 kg", "bag torn by the forklift", "Balanced")
	})

	t.Run("a hold needs a reason, and then blocks shipping", func(t *testing.T) {
		bun := "/lots/" + b.ledger.buns[1].ID
		res := e.post(t, dana, bun+"/hold", url.Values{"reason": {""}})
		contains(t, "the refused hold", res.body, `id="status-reason-error">Give the reason`)
		res = e.post(t, dana, bun+"/hold", url.Values{"reason": {"customer complaint C-118: foreign body"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("POST hold = %d, want 303", res.status)
		}
		page := e.get(t, dana, bun).body
		contains(t, "the held lot", page, "is on hold: it cannot be used or shipped until quality releases it.", "Status: Released → On hold",
			"customer complaint C-118: foreign body", `formaction="`+bun+`/release"`)
		if strings.Contains(page, `action="`+bun+`/ship"`) {
			t.Errorf("a held lot offers the ship form")
		}
		fm := b.custs["FRESHMART"]
		res = e.post(t, dana, bun+"/ship", url.Values{"ship-to": {fm.ID + "|" + fm.ShipTos[0].ID}, "ship-from": {b.locs["DRY-1"].ID},
			"ship-quantity": {"12"}, "ship-unit": {"ea"}, "ship-doctype": {"BOL"}, "ship-docnumber": {"7800"}})
		if res.status != http.StatusConflict || !strings.Contains(res.body, "is on hold: it cannot be used or shipped until quality releases it.") {
			t.Errorf("POST ship of a held lot = %d, want 409 saying it is on hold", res.status)
		}
	})

	t.Run("an operator may not release", func(t *testing.T) {
		res := e.post(t, e.client(t, "olivia"), "/lots/"+b.ledger.milk.ID+"/release", url.Values{"reason": {"looks fine"}})
		if res.status != http.StatusForbidden {
			t.Errorf("POST release as an operator = %d, want 403", res.status)
		}
		if strings.Contains(e.get(t, e.client(t, "olivia"), "/lots/"+b.ledger.milk.ID).body, "/release") {
			t.Errorf("the lot page offers an operator the release button")
		}
	})

	t.Run("a correction needs a reason, undoes the event and keeps both", func(t *testing.T) {
		d := must[inventory.LotDetail](t)(e.inv.Detail(as(b.admin), b.ledger.flour.ID))
		var move inventory.Event
		for _, ev := range d.Events {
			if ev.Kind == inventory.Move {
				move = ev
			}
		}
		res := e.post(t, dana, flour+"/correct", url.Values{"event": {move.ID}, "reason": {""}, "key": {"c1"}})
		contains(t, "the refused correction", res.body, `id="reason-`+move.ID+`-error">Give the reason for the correction.</p>`)
		res = e.post(t, dana, flour+"/correct", url.Values{"event": {move.ID}, "reason": {"moved the wrong pallet"}, "key": {"c1"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("POST correct = %d, want 303\n%s", res.status, res.body)
		}
		page := e.get(t, dana, flour).body
		contains(t, "the corrected lot", page, "The event was corrected.", "Correction of the move", `<span class="badge badge-muted">Corrected</span>`,
			"moved the wrong pallet", "Balanced")
		if strings.Contains(page, "DOCK-A · Receiving dock A</a>") {
			t.Errorf("after the correction, the lot still has stock at the dock")
		}
	})

	t.Run("an event of another lot cannot be corrected from this one", func(t *testing.T) {
		d := must[inventory.LotDetail](t)(e.inv.Detail(as(b.admin), b.ledger.butter.ID))
		res := e.post(t, dana, flour+"/correct", url.Values{"event": {d.Events[0].ID}, "reason": {"test"}})
		if res.status != http.StatusNotFound {
			t.Errorf("POST correct of another lot's event = %d, want 404", res.status)
		}
	})

	t.Run("an unknown lot is not found", func(t *testing.T) {
		if res := e.get(t, dana, "/lots/nope"); res.status != http.StatusNotFound {
			t.Errorf("GET /lots/nope = %d, want 404", res.status)
		}
	})
}

func TestLotList(t *testing.T) {
	e := newEnv(t)
	b := e.seedBakery(t)
	dana := e.client(t, "dana")
	tests := []struct {
		name, query string
		want, not   []string
	}{
		{"a supplier lot finds its lot", "?q=mc-24", []string{b.ledger.flour.Code}, []string{b.ledger.sugar.Code}},
		{"the status filter shows held lots only", "?status=hold", []string{b.ledger.sugar.Code, "On hold"}, []string{b.ledger.flour.Code}},
		{"on hand only leaves out lots that are used up", "?onhand=1", []string{b.ledger.flour.Code}, []string{b.ledger.dough.Code}},
		{"the item filter shows that item's lots", "?item=" + b.items["BRIOCHE-6"].ID, []string{b.ledger.buns[0].Code, b.ledger.buns[1].Code}, []string{b.ledger.flour.Code}},
		{"expired and soon-expiring lots are marked", "", []string{`<td class="expiry expired">28 Feb 2026<span class="ago">expired 2 days ago</span>`,
			`<td class="expiry soon">7 Mar 2026<span class="ago">5 days left</span>`}, nil},
		{"a search that finds nothing says so", "?q=zzz", []string{"No lots match this search."}, []string{b.ledger.flour.Code}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.get(t, dana, "/lots"+tt.query)
			if res.status != http.StatusOK {
				t.Fatalf("GET /lots%s = %d", tt.query, res.status)
			}
			contains(t, "GET /lots"+tt.query, res.body, tt.want...)
			for _, n := range tt.not {
				if strings.Contains(res.body, n) {
					t.Errorf("GET /lots%s shows %q", tt.query, n)
				}
			}
		})
	}
}

func TestTracePage(t *testing.T) {
	e := newEnv(t)
	b := e.seedBakery(t)
	dana := e.client(t, "dana")
	l := b.ledger

	t.Run("the forward trace draws every lot made from the flour and lists the customers", func(t *testing.T) {
		res := e.get(t, dana, "/lots/"+l.flour.ID+"/trace?direction=forward")
		if res.status != http.StatusOK {
			t.Fatalf("GET forward trace = %d", res.status)
		}
		contains(t, "the forward trace", res.body, `<svg class="trace-graph"`, `<a class="g-lot root" href="/lots/`+l.flour.ID+`"`,
			l.dough.Code, l.buns[0].Code, l.buns[1].Code, "WO-1001 · 50 kg", "WO-1002 · 70 kg",
			"Corner Café Group", "FreshMart Stores", "BOL 7781", "BOL 7782", "On hand 60 ea · shipped 240 ea")
		if n := strings.Count(res.body, `<a class="g-lot`); n != 4 {
			t.Errorf("the graph has %d lots, want 4", n)
		}
	})

	t.Run("the backward trace of a bun reaches the supplier lots", func(t *testing.T) {
		res := e.get(t, dana, "/lots/"+l.buns[0].ID+"/trace?direction=backward")
		contains(t, "the backward trace", res.body, l.flour.Code, l.butter.Code, l.egg.Code, l.dough.Code, "Supplier lot MC-24-0117",
			"Where it began", "3</span><span class=\"stat-label\">supplier lots")
		if strings.Contains(res.body, l.sugar.Code) || strings.Contains(res.body, "FreshMart") {
			t.Errorf("the backward trace shows lots or customers outside the bun's genealogy")
		}
	})

	t.Run("an unknown direction is refused", func(t *testing.T) {
		if res := e.get(t, dana, "/lots/"+l.flour.ID+"/trace?direction=sideways"); res.status != http.StatusUnprocessableEntity {
			t.Errorf("GET trace sideways = %d, want 422", res.status)
		}
	})
}

func TestFEFOPage(t *testing.T) {
	e := newEnv(t)
	b := e.seedBakery(t)
	dana := e.client(t, "dana")

	t.Run("the lots to use come earliest expiry first, with the shortfall", func(t *testing.T) {
		res := e.get(t, dana, "/fefo?item="+b.items["BRIOCHE-6"].ID+"&quantity=400&customer="+b.custs["FRESHMART"].ID)
		if res.status != http.StatusOK {
			t.Fatalf("GET /fefo = %d", res.status)
		}
		contains(t, "the suggestion", res.body, "400 ea of BRIOCHE-6 · Brioche buns, 6-pack for FreshMart Stores", "Short by 120 ea.")
		first, second := strings.Index(res.body, b.ledger.buns[0].Code), strings.Index(res.body, b.ledger.buns[1].Code)
		if first < 0 || second < 0 || first > second {
			t.Errorf("the suggestion does not list both lots of buns in code order")
		}
	})

	t.Run("held and expired lots are never proposed", func(t *testing.T) {
		res := e.get(t, dana, "/fefo?item="+b.items["SUGAR-GR"].ID+"&quantity=5&unit=kg")
		contains(t, "the suggestion for held sugar", res.body, "Short by 5 kg.", "No usable stock of this item")
		res = e.get(t, dana, "/fefo?item="+b.items["SESAME-W"].ID+"&quantity=1")
		contains(t, "the suggestion for expired sesame", res.body, "Short by 1 kg.")
	})

	t.Run("a missing item is shown on the form", func(t *testing.T) {
		res := e.get(t, dana, "/fefo?quantity=10")
		if res.status != http.StatusUnprocessableEntity {
			t.Fatalf("GET /fefo without an item = %d, want 422", res.status)
		}
		contains(t, "the refused suggestion", res.body, `id="item-error">Choose the item.</p>`)
	})
}

func TestRecallPages(t *testing.T) {
	e := newEnv(t)
	b := e.seedBakery(t)
	dana := e.client(t, "dana")
	start := func(f url.Values) response {
		t.Helper()
		f.Set("site", e.site.ID)
		return e.post(t, dana, "/recalls", f)
	}

	var report string
	t.Run("a drill from a lot code reports the customers and holds the stock", func(t *testing.T) {
		res := start(url.Values{"scope": {"lots"}, "lots": {b.ledger.flour.Code}, "kind": {"mock"}, "hold": {"true"}, "note": {"audit drill"}})
		if res.status != http.StatusSeeOther || !strings.HasPrefix(res.location, "/recalls/") {
			t.Fatalf("POST /recalls = %d to %q, want 303 to the report", res.status, res.location)
		}
		report = res.location
		page := e.get(t, dana, report).body
		contains(t, "the report", page, "Mock recall done in", "4 lots, 2 customers, 100% accounted for. 3 lots put on hold.",
			"Lot CHI-1-26058-001", "audit drill", "Corner Café Group", "FreshMart Stores", "BOL 7781", "Corner Café Loop",
			`<section class="card report-section" id="recall-held">`, "Statuses as the drill left them.")
		if got := e.get(t, dana, "/lots/"+b.ledger.buns[0].ID).body; !strings.Contains(got, `id="lot-status">On hold</span>`) {
			t.Errorf("the drill did not put the buns on hold")
		}
	})

	t.Run("the report's CSV has the columns of the API's report", func(t *testing.T) {
		req, _ := http.NewRequest("GET", e.srv.URL+report+"/report.csv", nil)
		resp, err := dana.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Errorf("Content-Type = %q", ct)
		}
		r := csv.NewReader(resp.Body)
		r.FieldsPerRecord = -1
		rows, err := r.ReadAll()
		if err != nil || len(rows) < 3 {
			t.Fatalf("read the CSV: %v, %d rows", err, len(rows))
		}
		if got, want := strings.Join(rows[1], ","), "lot_code,tlc,item_code,item_name,status,depth,where,location_or_customer,ship_to,document,date,quantity,unit"; got != want {
			t.Errorf("CSV columns = %s, want %s", got, want)
		}
		var shipped []string
		for _, row := range rows[2:] {
			if row[6] == "shipped" {
				shipped = append(shipped, row[7]+" "+row[9]+" "+row[11]+" "+row[12])
			}
		}
		if got := strings.Join(shipped, "; "); got != "Corner Café Group BOL 7782 60 ea; FreshMart Stores BOL 7781 240 ea" {
			t.Errorf("CSV shipments = %s", got)
		}
	})

	t.Run("a drill from a supplier's lot finds the lot it arrived as", func(t *testing.T) {
		res := start(url.Values{"scope": {"supplier"}, "supplierId": {b.sups["MILLCO"].ID}, "supplierLot": {"MC-24-0117"}, "kind": {"mock"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("POST /recalls from a supplier lot = %d, want 303\n%s", res.status, res.body)
		}
		contains(t, "the report", e.get(t, dana, res.location).body, "Supplier lot MC-24-0117 of Mill &amp; Co. Flour")
	})

	t.Run("an unknown lot code is shown on its field", func(t *testing.T) {
		res := start(url.Values{"scope": {"lots"}, "lots": {"NOPE-1, " + b.ledger.flour.Code}, "kind": {"mock"}})
		if res.status != http.StatusUnprocessableEntity {
			t.Fatalf("POST /recalls with an unknown lot = %d, want 422", res.status)
		}
		contains(t, "the refused start", res.body, `id="lots-error">No lot NOPE-1 on Chicago Bakery.</p>`, "NOPE-1, "+b.ledger.flour.Code)
	})

	t.Run("a time window needs both ends", func(t *testing.T) {
		res := start(url.Values{"scope": {"item"}, "itemId": {b.brioche.ID}, "from": {"2026-03-01T00:00"}, "kind": {"mock"}})
		contains(t, "the refused start", res.body, `id="to-error">Enter when the window ends.</p>`)
		res = start(url.Values{"scope": {"item"}, "itemId": {b.brioche.ID}, "lineId": {b.line.ID}, "from": {"2026-03-01T00:00"}, "to": {"2026-03-02T00:00"}, "kind": {"mock"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("POST /recalls for an item in a window = %d, want 303\n%s", res.status, res.body)
		}
	})

	t.Run("the list shows every recall with its share accounted for", func(t *testing.T) {
		contains(t, "the recall list", e.get(t, dana, "/recalls").body, "Lot CHI-1-26058-001", "yearly traceability test", "100%", `id="recall-start"`)
	})

	t.Run("an operator may read the recalls but not start one", func(t *testing.T) {
		olivia := e.client(t, "olivia")
		if res := e.get(t, olivia, "/recalls"); res.status != http.StatusOK || strings.Contains(res.body, `id="recall-start"`) {
			t.Errorf("GET /recalls as an operator = %d, with the start form: %t", res.status, strings.Contains(res.body, `id="recall-start"`))
		}
		if res := e.post(t, olivia, "/recalls", url.Values{"site": {e.site.ID}, "scope": {"lots"}, "lots": {b.ledger.flour.Code}}); res.status != http.StatusForbidden {
			t.Errorf("POST /recalls as an operator = %d, want 403", res.status)
		}
	})
}
