package web_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/forkline/forkline/internal/inventory"
	"github.com/forkline/forkline/internal/production"
)

// TestBrowserProduction drives a real Chromium through a whole order at
// 1280x800, as an operator with a badge on the line's tablet would, then
// releases its batch record as quality: sign in by badge and PIN, clean
// the line the last order left with sesame, scan and add each lot, enter
// the dough and core temperatures, book the output and complete; a second
// tab on the same order updates live as material is added. It keeps a
// screenshot of the dispatch list, a step and the batch record.
func TestBrowserProduction(t *testing.T) {
	e := newEnv(t)
	seed := e.seedBakery(t)
	bp := e.seedProduction(t, &seed)
	b := newBrowser(t, e.srv.URL)
	orderURL := "/terminal/orders/" + bp.next.ID
	// words returns the visible text of sel with its white space collapsed.
	words := func(sel string) string { return strings.Join(strings.Fields(b.text(sel)), " ") }
	value := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(b.ctx, chromedp.Value(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("read the value of %s: %v", sel, err)
		}
		return v
	}

	t.Run("the operator signs in at the tablet with badge and PIN", func(t *testing.T) {
		b.t = t
		// The keypad shows once the page's script runs.
		b.do("open the terminal", chromedp.Navigate(e.srv.URL+"/terminal"), chromedp.WaitVisible(chromedp.CSS(".keypad")))
		b.do("scan the badge", chromedp.SendKeys(chromedp.CSS("#badge"), oliviaBadge+kb.Enter))
		if !b.eval(`document.activeElement === document.querySelector("#pin")`) {
			loc, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`location.href + " " + (document.activeElement && document.activeElement.outerHTML)`))
			t.Errorf("after the badge is scanned the cursor is not in the PIN field: %s", loc)
		}
		for _, k := range oliviaPIN {
			b.do("tap the keypad", chromedp.Click(chromedp.CSS(`button[data-key="`+string(k)+`"]`)))
		}
		b.screenshot("login-badge")
		b.fresh("sign in", chromedp.Click(chromedp.CSS("#badge-submit")), "#lines")
	})

	t.Run("the dispatch list shows the released orders of the line in sequence", func(t *testing.T) {
		b.t = t
		b.fresh("choose line 1", chromedp.Click(chromedp.CSS(`a.line-card[href="/terminal/lines/`+seed.line.ID+`"]`)), "#dispatch")
		got := b.text("#dispatch")
		if i, j := strings.Index(got, "WO-3002"), strings.Index(got, "WO-3003"); i < 0 || j < i {
			t.Errorf("the dispatch list does not show WO-3002 then WO-3003:\n%s", got)
		}
		if !strings.Contains(got, "contained sesame; WO-3002 does not.") {
			t.Errorf("the dispatch list does not warn of the sesame the last order left:\n%s", got)
		}
		b.screenshot("terminal-dispatch")
	})

	t.Run("the start asks for the cleaning, which is recorded with one tap", func(t *testing.T) {
		b.t = t
		b.fresh("start WO-3002", chromedp.Click(chromedp.CSS("#start-WO-3002")), "#start-refused")
		if got := b.text("#start-refused"); !strings.Contains(got, "Cleaning required before WO-3002 can start") || !strings.Contains(got, "sesame") {
			t.Errorf("the refused start does not say the line needs cleaning:\n%s", got)
		}
		b.screenshot("terminal-changeover")
		b.fresh("record the cleaning", chromedp.Click(chromedp.CSS("#record-cleaning")), "#flash")
		if got := b.text("#flash"); !strings.Contains(got, "You may start WO-3002 now.") {
			t.Errorf("flash = %q, want the cleaning recorded", got)
		}
		b.fresh("start WO-3002 again", chromedp.Click(chromedp.CSS("#start-WO-3002")), "#scan")
		if !b.eval(`document.activeElement === document.querySelector("#scan")`) {
			t.Errorf("the cursor does not wait in the scan field")
		}
	})

	// A second tab on the same order: the supervisor's view, updated live.
	watch, closeWatch := chromedp.NewContext(b.ctx)
	defer closeWatch()
	if err := chromedp.Do(watch, chromedp.EmulateViewport(1280, 800), chromedp.Navigate(e.srv.URL+orderURL+"?step=1"),
		chromedp.WaitVisible(chromedp.CSS("#materials")), chromedp.WaitVisible(chromedp.CSS("#live-status"))); err != nil {
		t.Fatalf("open the second tab: %v", err)
	}

	scan := func(t *testing.T, code, want string) {
		t.Helper()
		b.fresh("scan "+code, chromedp.SendKeys(chromedp.CSS("#scan"), code+kb.Enter), "#feedback")
		if got := b.text("#feedback"); !strings.Contains(got, want) {
			t.Fatalf("after scanning %s the terminal says:\n%s\nwant %q", code, got, want)
		}
	}
	add := func(t *testing.T, wantQty string, wantFeedback ...string) {
		t.Helper()
		if got := value("#quantity"); got != wantQty {
			t.Errorf("quantity = %q, want %q", got, wantQty)
		}
		if !b.eval(`document.activeElement === document.querySelector("#quantity")`) {
			t.Errorf("the cursor does not wait in the quantity field")
		}
		b.fresh("confirm with Enter", chromedp.SendKeys(chromedp.CSS("#quantity"), kb.Enter), "#feedback.term-alert-ok")
		for _, want := range wantFeedback {
			if got := words("#feedback"); !strings.Contains(got, want) {
				t.Errorf("feedback = %q, want %q", got, want)
			}
		}
	}

	t.Run("the sack's barcode is scanned and its 25 kg added", func(t *testing.T) {
		b.t = t
		scan(t, "(01)09506000134352(10)MC-24-0117(3103)025000", "Lot "+seed.ledger.flour.Code+" may be added")
		add(t, "25", "Added 25 kg of lot "+seed.ledger.flour.Code, "Wheat flour T55: 25 kg of 25 kg, complete.")
	})

	t.Run("the second tab shows the addition without a reload", func(t *testing.T) {
		b.t = t
		if err := chromedp.Do(watch, chromedp.WaitVisible(chromedp.CSS("#material-FLOUR-T55.is-done"))); err != nil {
			t.Errorf("the second tab did not update: %v", err)
		}
	})

	t.Run("a lot of the wrong material is refused in red", func(t *testing.T) {
		b.t = t
		scan(t, seed.ledger.sesame.Code, "Wrong material: do not add it")
		if !b.eval(`document.querySelector("#feedback").classList.contains("term-alert-error")`) {
			t.Errorf("the refusal is not shown in red")
		}
		if b.eval(`!!document.querySelector("#add-lot")`) {
			t.Errorf("a refused lot can still be added")
		}
		b.screenshot("terminal-refused")
	})

	t.Run("sugar, butter and egg are scanned and added", func(t *testing.T) {
		b.t = t
		scan(t, bp.sugar.Code, "may be added")
		add(t, "3", "Granulated sugar: 3 kg of 3 kg, complete.")
		scan(t, seed.ledger.butter.Code, "Use lot "+bp.oldButter.Code+" first")
		if b.eval(`!!document.querySelector("#add-lot")`) || !b.eval(`!!document.querySelector("#override-reason")`) {
			t.Errorf("a lot out of FEFO order can be added without a supervisor's decision")
		}
		if !b.eval(`document.activeElement === document.querySelector("#scan")`) {
			t.Errorf("the cursor does not wait in the scan field for the lot to take instead")
		}
		b.screenshot("terminal-fefo")
		scan(t, bp.oldButter.Code, "may be added")
		b.screenshot("terminal-step")
		add(t, "5", "Butter 82% fat: 5 kg of 5 kg, complete.")
		scan(t, seed.ledger.egg.Code, "may be added")
		if got := value("#unit"); got != "L" {
			t.Errorf("egg unit = %q, want L", got)
		}
		add(t, "5", "Liquid whole egg: 5 L of 5 L, complete.")
	})

	t.Run("the dough and core temperatures are entered", func(t *testing.T) {
		b.t = t
		if !b.eval(`document.activeElement === document.querySelector("#p1-dough-temperature-value")`) {
			t.Errorf("with every material added, the cursor does not wait in the dough temperature")
		}
		b.fresh("enter the dough temperature", chromedp.SendKeys(chromedp.CSS("#p1-dough-temperature-value"), "24.5"+kb.Enter), "#feedback")
		if got := words("#feedback"); !strings.Contains(got, "Dough temperature 24.5 °C recorded Within 22 – 26 °C.") {
			t.Errorf("feedback = %q", got)
		}
		b.fresh("go to step 2", chromedp.Click(chromedp.CSS("#next-step")), "#p2-core-temperature-value")
		b.fresh("enter the core temperature", chromedp.SendKeys(chromedp.CSS("#p2-core-temperature-value"), "96"+kb.Enter), "#feedback")
		if got := words("#feedback"); !strings.Contains(got, "Core temperature 96 °C recorded") {
			t.Errorf("feedback = %q", got)
		}
	})

	t.Run("the output is booked and the order completed", func(t *testing.T) {
		b.t = t
		b.fresh("go to the finish", chromedp.Click(chromedp.CSS("#next-step")), "#out-quantity")
		b.do("enter the output", chromedp.SendKeys(chromedp.CSS("#out-quantity"), "296"))
		b.fresh("book the output", chromedp.Click(chromedp.CSS("#book-output")), "#feedback")
		if got := words("#feedback"); !strings.Contains(got, "Output booked Lot ") {
			t.Errorf("feedback = %q", got)
		}
		if got := b.text("#checklist"); strings.Contains(got, "not recorded") || strings.Contains(got, "none yet") {
			t.Errorf("the checklist is not complete:\n%s", got)
		}
		b.fresh("complete the order", chromedp.Click(chromedp.CSS("#complete-order")), "#dispatch")
		if got := b.text("#flash"); !strings.Contains(got, "Order WO-3002 completed: 296 ea made, yield 98.7%") {
			t.Errorf("flash = %q, want the order completed with its yield", got)
		}
	})

	t.Run("quality reviews the batch record and releases it with a signature", func(t *testing.T) {
		b.t = t
		b.fresh("switch user", chromedp.Click(chromedp.CSS("#switch-user")), "#badge")
		if got := b.text("#flash"); got != "You are signed out." {
			t.Errorf("flash = %q", got)
		}
		b.fresh("open the batch record", chromedp.Navigate(e.srv.URL+"/orders/"+bp.next.ID+"/record"), "#tab-password")
		b.fresh("choose the password tab", chromedp.Click(chromedp.CSS("#tab-password")), "#username")
		b.signIn("dana")
		b.do("wait for the record", chromedp.WaitVisible(chromedp.CSS("#exceptions")))
		if got := b.text("#exceptions"); !strings.Contains(got, "No exceptions") {
			t.Errorf("the record has exceptions:\n%s", got)
		}
		for _, want := range []string{seed.ledger.flour.Code, bp.sugar.Code, "Within tolerance"} {
			if got := b.text("#materials"); !strings.Contains(got, want) {
				t.Errorf("the materials do not show %q:\n%s", want, got)
			}
		}
		if got := b.text("#timeline"); !strings.Contains(got, "olivia") || !strings.Contains(got, "Recorded Core temperature 96 °C at step 2") {
			t.Errorf("the timeline does not say who did what:\n%s", got)
		}
		b.screenshot("batch-record")
		b.do("sign", chromedp.SendKeys(chromedp.CSS("#release-password"), password))
		b.fresh("release the batch", chromedp.Click(chromedp.CSS("#release-submit")), "#flash")
		if got := b.text("#flash"); !strings.HasPrefix(got, "Batch released: signed by dana (released).") {
			t.Errorf("flash = %q, want the batch released", got)
		}
		if got := b.text("#release-status"); !strings.Contains(got, "the record still matches it") {
			t.Errorf("release status = %q", got)
		}
		rec := must[production.BatchRecord](t)(e.prod.BatchRecord(as(seed.admin), bp.next.ID))
		for _, out := range rec.Outputs {
			if l := must[inventory.Lot](t)(e.inv.Lot(as(seed.admin), out.LotID)); l.Status != inventory.Released {
				t.Errorf("output lot %s is %s, want released", l.Code, l.Status)
			}
		}
	})
	t.Run("quality's pages show the orders, the open deviations and a recipe waiting for approval", func(t *testing.T) {
		b.t = t
		b.fresh("open the orders", chromedp.Click(chromedp.CSS(`.sidenav a[href="/orders"]`)), "#orders")
		if got := b.text("#orders"); !strings.Contains(got, "WO-3003") || !strings.Contains(got, "WO-3004") {
			t.Errorf("the orders list does not show the planned and released orders:\n%s", got)
		}
		b.screenshot("orders-list")
		b.fresh("open the orders awaiting release", chromedp.Click(chromedp.CSS(`a[href="/orders?show=review"]`)), "#orders")
		if got := b.text("#orders"); !strings.Contains(got, "WO-3000") || !strings.Contains(got, "Awaiting release") {
			t.Errorf("the orders awaiting release do not show WO-3000:\n%s", got)
		}
		b.fresh("open WO-3000", chromedp.Click(chromedp.CSS(`a[href="/orders/`+bp.failedBake.ID+`"]`)), "#order-props")
		if got := b.text("#critical-note"); !strings.Contains(got, "1 critical deviation is open") {
			t.Errorf("the order does not warn of its open critical deviation: %q", got)
		}
		b.screenshot("order")
		b.fresh("open the deviations", chromedp.Click(chromedp.CSS(`.sidenav a[href="/deviations"]`)), "#deviations")
		if got := b.text("#deviations"); !strings.Contains(got, "Core temperature 88.5 °C is below the minimum 92 °C") {
			t.Errorf("the deviations do not list the failed bake:\n%s", got)
		}
		b.do("open the closing form", chromedp.Click(chromedp.CSS("#deviation-"+bp.deviation.ID+" summary")))
		b.screenshot("deviations")
		b.fresh("open the brioche recipe", chromedp.Navigate(e.srv.URL+"/recipes/"+bp.brioche.ID), "#approve")
		b.screenshot("recipe")
		b.fresh("open the line picker", chromedp.Navigate(e.srv.URL+"/terminal"), "#lines")
		b.screenshot("terminal-lines")
	})
	if err := b.ctx.Err(); errors.Is(err, context.DeadlineExceeded) {
		t.Fatal("the browser test ran out of time")
	}
}
