package web_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/forkline/forkline/internal/browsertest"
)

// moduleRoot returns the folder holding go.mod, above the test's working directory.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}

// browser is a headless Chromium tab with a 1280x800 viewport, the size of
// a 10-inch tablet in landscape.
type browser struct {
	t     *testing.T
	ctx   context.Context
	base  string // the server's URL
	shots string // where screenshots go
}

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	ctx := browsertest.New(t, 90*time.Second)
	shots := filepath.Join(moduleRoot(t), "docs", "screenshots")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	b := &browser{t: t, ctx: ctx, base: base, shots: shots}
	b.do("set the viewport", chromedp.EmulateViewport(1280, 800))
	return b
}

// do runs actions, failing the test with what was being done.
func (b *browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// text returns the visible text of the first element sel matches.
func (b *browser) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("read text of %s: %v", sel, err)
	}
	return s
}

// eval runs JavaScript in the page and returns its boolean result.
func (b *browser) eval(js string) bool {
	b.t.Helper()
	ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](js))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", js, err)
	}
	return ok
}

// submit clicks a submit button and waits for the next page to load.
func (b *browser) submit(what, button, waitFor string) {
	b.t.Helper()
	b.do(what, chromedp.Click(chromedp.CSS(button)), chromedp.WaitVisible(chromedp.CSS(waitFor)))
}

// fresh runs an action that loads a new page, and waits until the new
// page shows waitFor: an element of the old page does not count.
func (b *browser) fresh(what string, action chromedp.Action[chromedp.Void], waitFor string) {
	b.t.Helper()
	b.do("mark the page", chromedp.Evaluate[chromedp.Void](`document.documentElement.setAttribute("data-old", "")`))
	b.do(what, action, chromedp.WaitNotPresent(chromedp.CSS("html[data-old]")), chromedp.WaitVisible(chromedp.CSS(waitFor)))
}

// screenshot saves the whole page as docs/screenshots/<name>.png.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	b.do("scroll to the top", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(b.shots, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func (b *browser) signIn(username string) {
	b.t.Helper()
	b.do("fill in the sign-in form",
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), username),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
	)
	b.submit("sign in", ".login-card button[type=submit]", ".topbar")
}

// TestBrowser drives a real Chromium through the master-data pages as a
// plant manager would, and keeps a screenshot of each main page.
func TestBrowser(t *testing.T) {
	e := newEnv(t)
	seed := e.seedBakery(t)
	b := newBrowser(t, e.srv.URL)

	t.Run("an anonymous visitor is sent to the sign-in page", func(t *testing.T) {
		b.t = t
		b.do("open the dashboard", chromedp.Navigate(e.srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#username")))
		loc, err := chromedp.Run(b.ctx, chromedp.Location())
		if err != nil || !strings.Contains(loc, "/login?next=") {
			t.Fatalf("location = %q, %v, want the sign-in page", loc, err)
		}
		b.screenshot("login")
	})

	t.Run("the plant manager signs in and sees the dashboard", func(t *testing.T) {
		b.t = t
		b.signIn("dana")
		b.do("wait for the dashboard", chromedp.WaitVisible(chromedp.CSS(".stats")))
		if got := b.text("h1"); got != "Chicago Bakery" {
			t.Errorf("dashboard heading = %q, want the site's name", got)
		}
		b.screenshot("dashboard")
	})

	t.Run("the item list shows the site's items", func(t *testing.T) {
		b.t = t
		b.do("open the items", chromedp.Click(chromedp.CSS(`.sidenav a[href="/items"]`)), chromedp.WaitVisible(chromedp.CSS("#records")))
		if got := b.text("#records"); !strings.Contains(got, "BRIOCHE-6") || !strings.Contains(got, "Wheat flour T55") {
			t.Errorf("item list does not show the seeded items:\n%s", got)
		}
		b.screenshot("items-list")
	})

	t.Run("an item is created through the form", func(t *testing.T) {
		b.t = t
		b.do("open the new item form", chromedp.Click(chromedp.CSS(`a[href="/items/new"]`)), chromedp.WaitVisible(chromedp.CSS("#code")))
		b.do("fill in the form",
			chromedp.SendKeys(chromedp.CSS("#code"), "RYE-FL"),
			chromedp.SendKeys(chromedp.CSS("#name"), "Whole rye flour"),
			chromedp.SetValue(chromedp.CSS("#kind"), "ingredient"),
			chromedp.SetValue(chromedp.CSS("#baseUnit"), "kg"),
			chromedp.SetValue(chromedp.CSS("#condition"), "ambient"),
			chromedp.SendKeys(chromedp.CSS("#shelfLifeDays"), "180"),
			chromedp.SendKeys(chromedp.CSS("#gtin"), "4006381333931"),
			chromedp.Click(chromedp.CSS(`input[name=allergens][value=gluten]`)),
		)
		b.submit("create the item", ".form-actions button[type=submit]", "#history")
		if got := b.text("#flash"); got != "Item RYE-FL was created." {
			t.Errorf("flash message = %q, want the item created", got)
		}
	})

	t.Run("a bad GTIN is shown next to its field and the form keeps what was typed", func(t *testing.T) {
		b.t = t
		b.do("open the new item form", chromedp.Navigate(e.srv.URL+"/items/new"), chromedp.WaitVisible(chromedp.CSS("#code")))
		b.do("fill in the form",
			chromedp.SendKeys(chromedp.CSS("#code"), "OAT-FL"),
			chromedp.SendKeys(chromedp.CSS("#name"), "Oat flour"),
			chromedp.SetValue(chromedp.CSS("#kind"), "ingredient"),
			chromedp.SetValue(chromedp.CSS("#baseUnit"), "kg"),
			chromedp.SetValue(chromedp.CSS("#condition"), "ambient"),
			chromedp.SendKeys(chromedp.CSS("#gtin"), "4006381333932"),
		)
		b.submit("submit the form", ".form-actions button[type=submit]", "#gtin-error")
		if got := b.text("#gtin-error"); !strings.Contains(got, "check digit is 2 but should be 1") {
			t.Errorf("GTIN error = %q, want the check digit problem", got)
		}
		if !b.eval(`document.querySelector("#gtin").closest(".field").contains(document.querySelector("#gtin-error"))`) {
			t.Errorf("the GTIN error is not next to the GTIN field")
		}
		for sel, want := range map[string]string{"#code": "OAT-FL", "#name": "Oat flour", "#gtin": "4006381333932", "#kind": "ingredient"} {
			if got, err := chromedp.Run(b.ctx, chromedp.Value(chromedp.CSS(sel))); err != nil || got != want {
				t.Errorf("after the refused form, %s = %q, %v, want %q", sel, got, err, want)
			}
		}
		b.screenshot("item-form-error")
	})

	t.Run("the item's page shows its audit history", func(t *testing.T) {
		b.t = t
		b.do("open the item", chromedp.Navigate(e.srv.URL+"/items/"+seed.brioche.ID), chromedp.WaitVisible(chromedp.CSS("#history")))
		history := b.text("#history")
		for _, want := range []string{"Changed", "Created", "dana", "shelf-life study SL-2026-04 extended the shelf life", "Shelf life (days)"} {
			if !strings.Contains(history, want) {
				t.Errorf("audit history does not show %q:\n%s", want, history)
			}
		}
		b.screenshot("item-detail")
	})

	t.Run("a CSV import with bad rows lists each problem by line", func(t *testing.T) {
		b.t = t
		csv := filepath.Join(t.TempDir(), "items.csv")
		if err := os.WriteFile(csv, []byte("code,name,kind,base_unit,condition,gtin,shelf_life_days\n"+
			"HONEY,Wildflower honey,ingredient,kg,ambient,,720\n"+
			"OATS,Rolled oats,grain,kg,ambient,4006381333932,365\n"+
			"SALT,,ingredient,kg,dry,,30\n"+
			"FLOUR-T55,Wheat flour T55,ingredient,kg,ambient,,365\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		b.do("upload the file", chromedp.Navigate(e.srv.URL+"/items/import"), chromedp.WaitVisible(chromedp.CSS("#file")),
			chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{csv}))
		b.submit("import", ".form-actions button[type=submit]", "#import-problems")
		got := strings.Join(strings.Fields(b.text("#import-problems")), " ")
		for _, want := range []string{"3 kind Kind must be one of", "3 gtin GTIN check digit is 2 but should be 1",
			"4 name Name is required", "4 condition Storage condition must be one of", "5 code Code \"FLOUR-T55\" is already used on this site"} {
			if !strings.Contains(got, want) {
				t.Errorf("import problems do not show %q:\n%s", want, got)
			}
		}
		b.screenshot("item-import-errors")
	})

	t.Run("the supplier list shows approval status", func(t *testing.T) {
		b.t = t
		b.do("open the suppliers", chromedp.Click(chromedp.CSS(`.sidenav a[href="/suppliers"]`)), chromedp.WaitVisible(chromedp.CSS("#records")))
		if got := b.text("#records"); !strings.Contains(got, "Approved") || !strings.Contains(got, "Suspended") {
			t.Errorf("supplier list does not show approval statuses:\n%s", got)
		}
		b.screenshot("suppliers-list")
	})

	t.Run("an operator is refused a form with the 403 page", func(t *testing.T) {
		b.t = t
		b.submit("sign out", ".user button[type=submit]", "#username")
		b.signIn("olivia")
		resp, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(e.srv.URL+"/items/new"))
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != 403 {
			t.Errorf("GET /items/new as an operator = %d, want 403", resp.Status)
		}
		b.do("wait for the 403 page", chromedp.WaitVisible(chromedp.CSS("#error-page")))
		if got := b.text("h1"); got != "You do not have access to this page" {
			t.Errorf("403 heading = %q", got)
		}
		b.screenshot("forbidden")
	})
	if err := b.ctx.Err(); errors.Is(err, context.DeadlineExceeded) {
		t.Fatal("the browser test ran out of time")
	}
}
