package web_test

import (
	"bufio"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/inventory"
	"github.com/forkline/forkline/internal/production"
)

// startNext cleans line 1 and starts the next brioche order on it, as the
// operator would at the terminal.
func (e *env) startNext(t *testing.T, b bakery, bp bakeryProduction) {
	t.Helper()
	ctx := as(b.operator)
	must[production.ChangeoverRecord](t)(e.prod.RecordChangeover(ctx, production.ChangeoverInput{LineID: b.line.ID, Note: "wet clean"}))
	must[production.Order](t)(e.prod.ChangeState(ctx, production.StateInput{OrderID: bp.next.ID, To: production.InProgress}))
}

func TestTerminalStart(t *testing.T) {
	e := newEnv(t)
	b := e.seedBakery(t)
	bp := e.seedProduction(t, &b)
	olivia := e.client(t, "olivia")

	t.Run("the dispatch list shows the released orders in sequence and the cleaning brioche needs", func(t *testing.T) {
		res := e.get(t, olivia, "/terminal/lines/"+b.line.ID)
		if res.status != http.StatusOK {
			t.Fatalf("GET the line = %d, want 200", res.status)
		}
		next, later := strings.Index(res.body, "WO-3002"), strings.Index(res.body, "WO-3003")
		if next < 0 || later < 0 || later < next {
			t.Errorf("the dispatch list does not show WO-3002 before WO-3003")
		}
		contains(t, "the dispatch list", res.body, "WO-3001, the last order on this line, contained sesame; WO-3002 does not.",
			`data-live-src="/terminal/lines/`+b.line.ID+`/events"`)
	})

	t.Run("a start without the cleaning is refused with the changeover and the form to record it", func(t *testing.T) {
		res := e.post(t, olivia, "/terminal/orders/"+bp.next.ID+"/start", url.Values{})
		if res.status != http.StatusConflict {
			t.Fatalf("POST start = %d, want 409", res.status)
		}
		contains(t, "the refused start", res.body, "Cleaning required before WO-3002 can start", "Clean line L1 first", `id="record-cleaning"`)
	})

	t.Run("after the cleaning is recorded the order starts", func(t *testing.T) {
		res := e.post(t, olivia, "/terminal/lines/"+b.line.ID+"/changeover", url.Values{"kind": {"cleaning"}, "note": {"wet clean"}, "order": {"WO-3002"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("POST changeover = %d, want 303\n%s", res.status, res.body)
		}
		res = e.post(t, olivia, "/terminal/orders/"+bp.next.ID+"/start", url.Values{})
		if res.status != http.StatusSeeOther || !strings.HasPrefix(res.location, "/terminal/orders/"+bp.next.ID) {
			t.Fatalf("POST start = %d to %q, want 303 to the order", res.status, res.location)
		}
	})
}

func TestTerminalRefusesScans(t *testing.T) {
	e := newEnv(t)
	b := e.seedBakery(t)
	bp := e.seedProduction(t, &b)
	e.startNext(t, b, bp)
	olivia := e.client(t, "olivia")
	add := "/terminal/orders/" + bp.next.ID + "/add"

	tests := []struct {
		name       string
		form       url.Values
		wantStatus int
		want       []string
	}{
		{"a lot of an item the recipe does not use is refused as the wrong material",
			url.Values{"step": {"1"}, "scan": {b.ledger.sesame.Code}},
			http.StatusUnprocessableEntity, []string{"Wrong material: do not add it", "is White sesame seeds, which this recipe does not use"}},
		{"a held lot is refused before anything is added",
			url.Values{"step": {"1"}, "scan": {b.ledger.sugar.Code}},
			http.StatusUnprocessableEntity, []string{"Lot on hold: do not use it", "Put it aside and scan another lot of Granulated sugar"}},
		{"a code that names no lot says so",
			url.Values{"step": {"1"}, "scan": {"CHI-1-99999-999"}},
			http.StatusUnprocessableEntity, []string{"Lot not found", "No lot &#34;CHI-1-99999-999&#34; on this site"}},
		{"a held lot added without its scan being read is refused by the ledger",
			url.Values{"step": {"1"}, "lot": {b.ledger.sugar.ID}, "location": {b.locs["DRY-1"].ID}, "quantity": {"3"}, "unit": {"kg"}, "key": {"k-held"}},
			http.StatusConflict, []string{"Not added", "is on hold: it cannot be used or shipped until quality releases it."}},
		{"too much is refused with the limits, and a supervisor's decision is offered",
			url.Values{"step": {"1"}, "lot": {b.ledger.flour.ID}, "location": {b.locs["DRY-1"].ID}, "quantity": {"30"}, "unit": {"kg"}, "key": {"k-much"}},
			http.StatusUnprocessableEntity, []string{"Not added: a supervisor must decide", "Too much FLOUR-T55", "above the maximum 25.5 kg",
				`id="override-reason"`, `id="supervisor-badge"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.post(t, olivia, add, tt.form)
			if res.status != tt.wantStatus {
				t.Fatalf("POST add = %d, want %d\n%s", res.status, tt.wantStatus, res.body)
			}
			contains(t, "the terminal", res.body, append(tt.want, `class="term-alert term-alert-error"`)...)
		})
	}

	t.Run("a scan read shows the lot with the quantity still needed, ready to add", func(t *testing.T) {
		res := e.post(t, olivia, add, url.Values{"step": {"1"}, "scan": {"(01)09506000134352(10)MC-24-0117(3103)025000"}})
		if res.status != http.StatusOK {
			t.Fatalf("POST scan = %d, want 200\n%s", res.status, res.body)
		}
		contains(t, "the read scan", res.body, "Lot "+b.ledger.flour.Code+" may be added", `name="lot" value="`+b.ledger.flour.ID+`"`,
			`id="quantity" name="quantity" type="text" inputmode="decimal" value="25"`, `id="add-lot"`)
	})

	t.Run("a supervisor accepts too much with their badge and a reason", func(t *testing.T) {
		f := url.Values{"step": {"1"}, "lot": {b.ledger.flour.ID}, "location": {b.locs["DRY-1"].ID}, "quantity": {"26"}, "unit": {"kg"}, "key": {"k-over"},
			"action": {"override"}, "override-reason": {"last sack opened, rest would be wasted"}, "supervisor-badge": {samBadge}, "supervisor-pin": {"0000"}}
		if res := e.post(t, olivia, add, f); res.status != http.StatusForbidden && res.status != http.StatusUnauthorized {
			t.Errorf("override with a wrong PIN = %d, want it refused", res.status)
		} else {
			contains(t, "the refused override", res.body, "The badge or PIN is wrong.")
		}
		f.Set("supervisor-pin", samPIN)
		res := e.post(t, olivia, add, f)
		if res.status != http.StatusSeeOther {
			t.Fatalf("override = %d, want 303\n%s", res.status, res.body)
		}
		rec := must[production.BatchRecord](t)(e.prod.BatchRecord(as(b.admin), bp.next.ID))
		if len(rec.Overrides) != 1 || rec.Overrides[0].ActorName != "sam" || rec.Overrides[0].Reason != "last sack opened, rest would be wasted" {
			t.Errorf("overrides = %+v, want sam's with the reason", rec.Overrides)
		}
	})

	t.Run("an operator without a supervisor cannot override", func(t *testing.T) {
		f := url.Values{"step": {"1"}, "lot": {bp.sugar.ID}, "location": {b.locs["DRY-1"].ID}, "quantity": {"9"}, "unit": {"kg"}, "key": {"k-sugar"},
			"action": {"override"}, "override-reason": {"because"}}
		res := e.post(t, olivia, add, f)
		if res.status != http.StatusUnprocessableEntity {
			t.Fatalf("override without a badge = %d, want 422", res.status)
		}
		contains(t, "the refused override", res.body, "A supervisor must confirm")
	})
}

func TestTerminalReadings(t *testing.T) {
	e := newEnv(t)
	b := e.seedBakery(t)
	bp := e.seedProduction(t, &b)
	e.startNext(t, b, bp)
	olivia := e.client(t, "olivia")
	readings := "/terminal/orders/" + bp.next.ID + "/readings"

	t.Run("a value within limits is recorded with a green message", func(t *testing.T) {
		res := e.post(t, olivia, readings, url.Values{"step": {"1"}, "parameter": {"Dough temperature"}, "value": {"24,5"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("POST reading = %d, want 303\n%s", res.status, res.body)
		}
		page := e.get(t, olivia, res.location)
		contains(t, "the step", page.body, `term-alert-ok`, "Dough temperature 24.5 °C recorded</p>", "Within 22 – 26 °C.")
	})

	t.Run("a CCP value outside its limits raises a critical deviation shown in red", func(t *testing.T) {
		res := e.post(t, olivia, readings, url.Values{"step": {"2"}, "parameter": {"Core temperature"}, "value": {"90"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("POST reading = %d, want 303", res.status)
		}
		page := e.get(t, olivia, res.location)
		contains(t, "the step", page.body, "term-alert-danger", "Critical limit missed</p>", "Core temperature 90 °C is below the minimum 92 °C",
			"Open CCP deviation")
	})

	t.Run("a value that is not a number is refused next to its field", func(t *testing.T) {
		res := e.post(t, olivia, readings, url.Values{"step": {"1"}, "parameter": {"Dough temperature"}, "value": {"warm"}})
		if res.status != http.StatusUnprocessableEntity {
			t.Fatalf("POST reading = %d, want 422", res.status)
		}
		contains(t, "the step", res.body, "Enter the value as a number, e.g. 72.5.", `value="warm"`)
	})
}

func TestBatchRelease(t *testing.T) {
	e := newEnv(t)
	b := e.seedBakery(t)
	bp := e.seedProduction(t, &b)
	dana := e.client(t, "dana")
	record := "/orders/" + bp.failedBake.ID + "/record"
	release := url.Values{"release-password": {password}, "release-meaning": {production.MeaningReleased}}

	t.Run("the record shows the open critical deviation first and refuses the release", func(t *testing.T) {
		res := e.get(t, dana, record)
		if res.status != http.StatusOK {
			t.Fatalf("GET record = %d", res.status)
		}
		exc, mat := strings.Index(res.body, `id="exceptions"`), strings.Index(res.body, `id="materials"`)
		if exc < 0 || mat < 0 || exc > mat {
			t.Errorf("the exceptions do not come before the materials")
		}
		contains(t, "the record", res.body, "Critical · Deviation", "Core temperature 88.5 °C is below the minimum 92 °C",
			`id="release-blocked"`, "This batch cannot be released: 1 critical deviation is open.")
	})

	t.Run("a release posted anyway is refused with the deviation named", func(t *testing.T) {
		res := e.post(t, dana, "/orders/"+bp.failedBake.ID+"/release", release)
		if res.status != http.StatusConflict {
			t.Fatalf("POST release = %d, want 409", res.status)
		}
		contains(t, "the refused release", res.body, "Not signed.", "Batch WO-3000 cannot be released: 1 critical deviation(s) are open",
			"Core temperature 88.5 °C is below the minimum 92 °C")
		if l := must[inventory.Lot](t)(e.inv.Lot(as(b.admin), bp.outputLine2.ID)); l.Status != inventory.Quarantine {
			t.Errorf("output lot status = %s, want quarantine", l.Status)
		}
	})

	t.Run("closing the deviation needs the password, the meaning and a reason", func(t *testing.T) {
		form := "close-" + bp.deviation.ID
		res := e.post(t, dana, "/deviations/"+bp.deviation.ID+"/close", url.Values{"back": {record}, form + "-reason": {"re-baked"},
			form + "-password": {"wrong"}, form + "-meaning": {production.MeaningReviewed}})
		if res.status != http.StatusUnprocessableEntity {
			t.Fatalf("close with a wrong password = %d, want 422", res.status)
		}
		contains(t, "the refused closing", res.body, "The password is wrong: nothing was signed.")
		res = e.post(t, dana, "/deviations/"+bp.deviation.ID+"/close", url.Values{"back": {record},
			form + "-reason": {"oven 2 door seal replaced; batch re-baked and probed at 95 °C"}, form + "-password": {password}, form + "-meaning": {production.MeaningReviewed}})
		if res.status != http.StatusSeeOther || res.location != record {
			t.Fatalf("close = %d to %q, want 303 to the record\n%s", res.status, res.location, res.body)
		}
	})

	t.Run("with the deviation closed quality releases the batch and its lots", func(t *testing.T) {
		res := e.post(t, dana, "/orders/"+bp.failedBake.ID+"/release", release)
		if res.status != http.StatusSeeOther {
			t.Fatalf("POST release = %d, want 303\n%s", res.status, res.body)
		}
		if l := must[inventory.Lot](t)(e.inv.Lot(as(b.admin), bp.outputLine2.ID)); l.Status != inventory.Released {
			t.Errorf("output lot status = %s, want released", l.Status)
		}
		page := e.get(t, dana, record)
		contains(t, "the released record", page.body, `id="release-status"`, "Released</strong> by dana (released)", "the record still matches it")
	})

	t.Run("the PDF of the record is a PDF", func(t *testing.T) {
		res := e.get(t, dana, record+".pdf")
		if res.status != http.StatusOK || !strings.HasPrefix(res.body, "%PDF-") {
			t.Fatalf("GET record.pdf = %d, %q…", res.status, res.body[:min(len(res.body), 8)])
		}
	})

	t.Run("an operator may read the record but not release it", func(t *testing.T) {
		res := e.post(t, e.client(t, "olivia"), "/orders/"+bp.failedBake.ID+"/release", release)
		if res.status != http.StatusForbidden {
			t.Errorf("POST release as an operator = %d, want 403", res.status)
		}
	})
}

func TestRecipeApproval(t *testing.T) {
	e := newEnv(t)
	b := e.seedBakery(t)
	bp := e.seedProduction(t, &b)
	dana := e.client(t, "dana")
	page := e.get(t, dana, "/recipes/"+bp.brioche.ID)
	contains(t, "the draft", page.body, "Version 2: Draft", "Sign and approve version 2", "CCP: critical limits", "egg, milk, wheat")
	f := url.Values{"version": {bp.briocheDraft.ID}, "revision": {"1"}, "approve-password": {password}, "approve-meaning": {"approved"}}
	res := e.post(t, dana, "/recipes/"+bp.brioche.ID+"/approve", f)
	if res.status != http.StatusSeeOther {
		t.Fatalf("POST approve = %d, want 303\n%s", res.status, res.body)
	}
	page = e.get(t, dana, res.location)
	contains(t, "the approved version", page.body, "Version 2: Approved", "The content still matches what was signed.")
}

func TestBadgeSignIn(t *testing.T) {
	e := newEnv(t)
	b := e.seedBakery(t)
	e.seedProduction(t, &b)
	t.Run("the terminal sends an anonymous tablet to the badge tab", func(t *testing.T) {
		res := e.get(t, e.client(t, ""), "/terminal")
		if !strings.Contains(res.location, "method=badge") {
			t.Errorf("GET /terminal redirects to %q, want the badge tab", res.location)
		}
		page := e.get(t, e.client(t, ""), res.location)
		contains(t, "the badge tab", page.body, `id="badge"`, `inputmode="numeric"`, `data-keypad="pin"`)
	})
	t.Run("a wrong PIN is refused without saying which was wrong", func(t *testing.T) {
		res := e.post(t, e.client(t, ""), "/login", url.Values{"method": {"badge"}, "badge": {oliviaBadge}, "pin": {"1111"}})
		if res.status != http.StatusUnauthorized {
			t.Fatalf("POST /login = %d, want 401", res.status)
		}
		contains(t, "the refused sign-in", res.body, "The badge or PIN is wrong.", `value="`+oliviaBadge+`"`)
	})
	t.Run("a badge and PIN sign in at the terminal", func(t *testing.T) {
		res := e.post(t, e.client(t, ""), "/login", url.Values{"method": {"badge"}, "badge": {oliviaBadge}, "pin": {oliviaPIN}, "next": {"/"}})
		if res.status != http.StatusSeeOther || res.location != "/terminal" {
			t.Errorf("POST /login = %d to %q, want 303 to /terminal", res.status, res.location)
		}
	})
}

// TestLineEvents reads the live stream of a line: its state when it
// opens, and a new state as soon as an order on the line changes.
func TestLineEvents(t *testing.T) {
	e := newEnv(t)
	b := e.seedBakery(t)
	bp := e.seedProduction(t, &b)
	olivia := e.client(t, "olivia")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/terminal/lines/"+b.line.ID+"/events", nil)
	resp, err := olivia.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || ct != "text/event-stream" {
		t.Fatalf("GET events = %d %s, want 200 text/event-stream", resp.StatusCode, ct)
	}
	lines := bufio.NewScanner(resp.Body)
	next := func() string {
		t.Helper()
		for lines.Scan() {
			if data, ok := strings.CutPrefix(lines.Text(), "data: "); ok {
				return data
			}
		}
		t.Fatalf("the stream ended: %v", lines.Err())
		return ""
	}
	first := next()
	if !strings.Contains(first, `"version"`) {
		t.Fatalf("first event = %q, want the line's version", first)
	}
	if res := e.post(t, olivia, "/terminal/lines/"+b.line.ID+"/changeover", url.Values{"kind": {"cleaning"}}); res.status != http.StatusSeeOther {
		t.Fatalf("POST changeover = %d", res.status)
	}
	if res := e.post(t, olivia, "/terminal/orders/"+bp.next.ID+"/start", url.Values{}); res.status != http.StatusSeeOther {
		t.Fatalf("POST start = %d", res.status)
	}
	if second := next(); second == first {
		t.Errorf("after the start the stream sent the same version %s", second)
	}
}

func TestTerminalFEFO(t *testing.T) {
	e := newEnv(t)
	b := e.seedBakery(t)
	bp := e.seedProduction(t, &b)
	e.startNext(t, b, bp)
	// A sack of flour that expires before the one in use.
	older := must[inventory.Result](t)(e.inv.Receive(as(b.admin), inventory.ReceiveInput{SiteID: e.site.ID, ItemID: b.items["FLOUR-T55"].ID,
		SupplierID: b.sups["MILLCO"].ID, SupplierLot: "MC-24-0099", Quantity: forkline.NewQuantity(25, forkline.Kilogram),
		LocationID: b.locs["DRY-1"].ID, DocType: "PO", DocNumber: "4500012370", Expiry: time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)})).Lot
	olivia := e.client(t, "olivia")
	add := "/terminal/orders/" + bp.next.ID + "/add"

	t.Run("a lot that is not the first to expire is flagged before it is added", func(t *testing.T) {
		res := e.post(t, olivia, add, url.Values{"step": {"1"}, "scan": {b.ledger.flour.Code}})
		if res.status != http.StatusOK {
			t.Fatalf("POST scan = %d, want 200", res.status)
		}
		contains(t, "the read scan", res.body, "term-alert-warn", "Use lot "+older.Code+" first", "Only a supervisor may accept this lot out of order",
			`id="override-reason"`, `id="supervisor-badge"`, `value="override"`)
		if strings.Contains(res.body, `id="add-lot"`) {
			t.Errorf("the lot out of FEFO order can be added without a supervisor")
		}
	})

	t.Run("a supervisor accepts it with badge, PIN and reason, and it is recorded as a FEFO override", func(t *testing.T) {
		res := e.post(t, olivia, add, url.Values{"step": {"1"}, "lot": {b.ledger.flour.ID}, "location": {b.locs["DRY-1"].ID}, "quantity": {"25"}, "unit": {"kg"},
			"key": {"k-fefo"}, "action": {"override"}, "override-reason": {"older sack is damp, set aside for QA"},
			"supervisor-badge": {samBadge}, "supervisor-pin": {samPIN}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("override = %d, want 303\n%s", res.status, res.body)
		}
		rec := must[production.BatchRecord](t)(e.prod.BatchRecord(as(b.admin), bp.next.ID))
		if len(rec.Overrides) != 1 || rec.Overrides[0].Kind != production.OverrideFEFO || rec.Overrides[0].ActorName != "sam" {
			t.Errorf("overrides = %+v, want sam's FEFO override", rec.Overrides)
		}
	})
}

func TestOrderStateChanges(t *testing.T) {
	e := newEnv(t)
	b := e.seedBakery(t)
	bp := e.seedProduction(t, &b)
	sam := e.client(t, "sam")
	state := "/orders/" + bp.later.ID + "/state"
	page := e.get(t, sam, "/orders/"+bp.later.ID)
	contains(t, "the order page", page.body, `value="on_hold">Put on hold`, `value="cancelled">Cancel the order`)
	t.Run("a hold without a reason is refused next to the reason", func(t *testing.T) {
		res := e.post(t, sam, state, url.Values{"to": {"on_hold"}})
		if res.status != http.StatusUnprocessableEntity {
			t.Fatalf("POST state = %d, want 422", res.status)
		}
		contains(t, "the refused hold", res.body, `id="reason-error"`, "Give a reason to move order WO-3003 from released to on_hold.")
	})
	t.Run("a hold with a reason takes the order off the dispatch list", func(t *testing.T) {
		res := e.post(t, sam, state, url.Values{"to": {"on_hold"}, "reason": {"butter delivery late"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("POST state = %d, want 303\n%s", res.status, res.body)
		}
		line := e.get(t, sam, "/terminal/lines/"+b.line.ID)
		if i := strings.Index(line.body, "On hold</h2>"); i < 0 || !strings.Contains(line.body[i:], "WO-3003") {
			t.Errorf("the line does not list WO-3003 on hold")
		}
	})
}
