package web_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/inventory"
)

// TestBrowserTraceability drives a real Chromium through the material
// ledger as a quality manager would: receive a sack of flour by scanning
// its label, bake with it, trace where it went, and run a mock recall of
// it. It keeps a screenshot of each page.
func TestBrowserTraceability(t *testing.T) {
	e := newEnv(t)
	seed := e.seedBakery(t)
	b := newBrowser(t, e.srv.URL)
	var lotURL, lotID, lotCode string

	t.Run("a scan typed into the scan field fills the receiving form", func(t *testing.T) {
		b.t = t
		b.do("open the dashboard", chromedp.Navigate(e.srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#username")))
		b.signIn("dana")
		b.do("open the receiving form", chromedp.Click(chromedp.CSS(`.sidenav a[href="/receive"]`)), chromedp.WaitVisible(chromedp.CSS("#scan")))
		if !b.eval(`document.activeElement === document.querySelector("#scan")`) {
			t.Errorf("the cursor does not wait in the scan field")
		}
		b.do("scan the sack's label and press Enter",
			chromedp.SendKeys(chromedp.CSS("#scan"), "(01)09506000134352(10)MC-24-0188(17)260930(3103)025000"+kb.Enter),
			chromedp.WaitVisible(chromedp.CSS("#scan-read")))
		for sel, want := range map[string]string{"#itemId": seed.items["FLOUR-T55"].ID, "#supplierLot": "MC-24-0188", "#expiry": "2026-09-30",
			"#quantity": "25", "#unit": "kg", "#scan": ""} {
			if got, err := chromedp.Run(b.ctx, chromedp.Value(chromedp.CSS(sel))); err != nil || got != want {
				t.Errorf("after the scan, %s = %q, %v, want %q", sel, got, err, want)
			}
		}
		if got := b.text("#scan-read"); !strings.Contains(got, "FLOUR-T55 · Wheat flour T55") || !strings.Contains(got, "Still to fill in: supplier") {
			t.Errorf("the scan summary does not name the item and what is left:\n%s", got)
		}
		b.screenshot("receive")
		b.do("complete the form",
			chromedp.SetValue(chromedp.CSS("#supplierId"), seed.sups["MILLCO"].ID),
			chromedp.SetValue(chromedp.CSS("#docType"), "PO"),
			chromedp.SendKeys(chromedp.CSS("#docNumber"), "4500012399"),
			chromedp.SendKeys(chromedp.CSS("#temperature"), "18"),
		)
	})

	t.Run("receiving the lot lands on its page with a flash", func(t *testing.T) {
		b.t = t
		b.submit("receive the lot", "#receive-submit", "#events")
		flash := b.text("#flash")
		if !strings.HasPrefix(flash, "Lot CHI-1-26061-") || !strings.HasSuffix(flash, "received and released for use.") {
			t.Errorf("flash = %q, want the new lot received and released", flash)
		}
		lotCode = strings.Fields(flash)[1]
		loc, err := chromedp.Run(b.ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		lotURL = loc[strings.Index(loc, "/lots/"):]
		lotURL, _, _ = strings.Cut(lotURL, "#")
		lotID = strings.TrimPrefix(lotURL, "/lots/")
		if got := b.text("#events"); !strings.Contains(got, "Received") || !strings.Contains(got, "PO 4500012399") || !strings.Contains(got, "18 °C") {
			t.Errorf("the lot's events do not show the receipt:\n%s", got)
		}
	})

	t.Run("the lot page shows its use in production and its mass balance", func(t *testing.T) {
		b.t = t
		// The bakery mixes and bakes with the new flour: booked through the
		// service, as the production pages of a later issue will.
		ctx := as(seed.admin)
		must[inventory.Result](t)(e.inv.Consume(ctx, inventory.ConsumeInput{LotID: lotID, LocationID: seed.locs["DOCK-A"].ID,
			Quantity: forkline.NewQuantity(20, forkline.Kilogram), OrderRef: "WO-2001", LineID: seed.line.ID}))
		must[inventory.Result](t)(e.inv.Consume(ctx, inventory.ConsumeInput{LotID: seed.ledger.butter.ID, LocationID: seed.locs["COOLER-1"].ID,
			Quantity: forkline.NewQuantity(4, forkline.Kilogram), OrderRef: "WO-2001", LineID: seed.line.ID}))
		dough := must[inventory.Result](t)(e.inv.Produce(ctx, inventory.ProduceInput{SiteID: e.site.ID, ItemID: seed.items["DOUGH-BR"].ID,
			LocationID: seed.locs["COOLER-1"].ID, Quantity: forkline.NewQuantity(24, forkline.Kilogram), OrderRef: "WO-2001", LineID: seed.line.ID})).Lot
		must[inventory.Result](t)(e.inv.Consume(ctx, inventory.ConsumeInput{LotID: dough.ID, LocationID: seed.locs["COOLER-1"].ID,
			Quantity: forkline.NewQuantity(24, forkline.Kilogram), OrderRef: "WO-2002", LineID: seed.line.ID}))
		var buns []inventory.Lot
		for _, n := range []int64{120, 96} {
			buns = append(buns, must[inventory.Result](t)(e.inv.Produce(ctx, inventory.ProduceInput{SiteID: e.site.ID, ItemID: seed.brioche.ID,
				LocationID: seed.locs["DRY-1"].ID, Quantity: forkline.NewQuantity(n, forkline.Each), OrderRef: "WO-2002", LineID: seed.line.ID})).Lot)
		}
		fm := seed.custs["FRESHMART"]
		must[inventory.Result](t)(e.inv.Ship(ctx, inventory.ShipInput{LotID: buns[0].ID, LocationID: seed.locs["DRY-1"].ID, Quantity: forkline.NewQuantity(96, forkline.Each),
			CustomerID: fm.ID, ShipToID: fm.ShipTos[0].ID, DocType: "BOL", DocNumber: "7790"}))
		must[inventory.Result](t)(e.inv.Move(ctx, inventory.MoveInput{LotID: lotID, FromID: seed.locs["DOCK-A"].ID, ToID: seed.locs["DRY-1"].ID,
			Quantity: forkline.NewQuantity(5, forkline.Kilogram)}))

		b.do("reload the lot", chromedp.Navigate(e.srv.URL+lotURL), chromedp.WaitVisible(chromedp.CSS("#events")))
		if got := b.text("#events"); !strings.Contains(got, "Consumed") || !strings.Contains(got, "WO-2001") || !strings.Contains(got, "Moved") {
			t.Errorf("the lot's events do not show the consumption and the move:\n%s", got)
		}
		if got := b.text("#mass-balance"); !strings.Contains(got, "Balanced") {
			t.Errorf("the mass balance does not balance:\n%s", got)
		}
		b.screenshot("lot")
	})

	t.Run("the forward trace draws the genealogy as SVG", func(t *testing.T) {
		b.t = t
		b.do("open the forward trace", chromedp.Click(chromedp.CSS("#trace-forward")), chromedp.WaitVisible(chromedp.CSS("#trace-graph")))
		if !b.eval(`document.querySelectorAll("#trace-graph .g-lot").length === 4`) {
			t.Errorf("the graph does not draw the flour, the dough and the two lots of buns")
		}
		// SVG text has no innerText: read its text content.
		if got, err := chromedp.Run(b.ctx, chromedp.TextContent(chromedp.CSS("#trace-graph"))); err != nil || !strings.Contains(got, lotCode) || !strings.Contains(got, "WO-2001 · 20 kg") {
			t.Errorf("the graph does not show the lot and the order that consumed it (%v):\n%s", err, got)
		}
		if got := b.text("#trace-customers"); !strings.Contains(got, "FreshMart Stores") || !strings.Contains(got, "BOL 7790") {
			t.Errorf("the trace does not list the shipment to FreshMart:\n%s", got)
		}
		b.screenshot("trace")
	})

	t.Run("the lot list shows every lot with its status and expiry", func(t *testing.T) {
		b.t = t
		b.do("open the lots", chromedp.Click(chromedp.CSS(`.sidenav a[href="/lots"]`)), chromedp.WaitVisible(chromedp.CSS("#lots")))
		if got := b.text("#lots"); !strings.Contains(got, lotCode) || !strings.Contains(got, "MC-24-0117") {
			t.Errorf("the lot list does not show the lots:\n%s", got)
		}
		b.screenshot("lots-list")
	})

	t.Run("a mock recall of the lot reports the customers", func(t *testing.T) {
		b.t = t
		b.do("open the recalls", chromedp.Click(chromedp.CSS(`.sidenav a[href="/recalls"]`)), chromedp.WaitVisible(chromedp.CSS("#recall-start")))
		b.do("ask for a drill of the lot, holding its stock",
			chromedp.SendKeys(chromedp.CSS("#lots"), lotCode),
			chromedp.Click(chromedp.CSS(`input[name=hold]`)),
			chromedp.SendKeys(chromedp.CSS("#note"), "drill for the BRCGS audit"),
		)
		b.submit("start the drill", "#start-recall", "#recall-stats")
		if got := b.text("#flash"); !strings.HasPrefix(got, "Mock recall done in") {
			t.Errorf("flash = %q, want the drill done", got)
		}
		if got := b.text("#recall-customers"); !strings.Contains(got, "FreshMart Stores") || !strings.Contains(got, "96 ea") {
			t.Errorf("the report does not name the customer who received the buns:\n%s", got)
		}
		if got := b.text("#recall-held"); !strings.Contains(got, lotCode) {
			t.Errorf("the report does not list the lots put on hold:\n%s", got)
		}
		b.screenshot("recall-report")
	})
	if err := b.ctx.Err(); errors.Is(err, context.DeadlineExceeded) {
		t.Fatal("the browser test ran out of time")
	}
}
