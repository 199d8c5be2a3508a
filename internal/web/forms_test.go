package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/plant"
)

// itemForm is a complete, valid new-item form for the site.
func itemForm(site, code, gtin string) url.Values {
	return url.Values{"site": {site}, "code": {code}, "name": {"Oat flour"}, "kind": {"ingredient"}, "baseUnit": {"kg"},
		"condition": {"ambient"}, "shelfLifeDays": {"180"}, "gtin": {gtin}, "allergens": {"gluten"}}
}

// editForm is the edit form of an item as the page fills it, with changes.
func editForm(it plant.Item, version int, reason string) url.Values {
	return url.Values{"version": {strconv.Itoa(version)}, "code": {it.Code}, "name": {it.Name}, "kind": {string(it.Kind)},
		"condition": {string(it.Condition)}, "shelfLifeDays": {"9"}, "gtin": {it.GTIN}, "reason": {reason}}
}

// contains fails the test unless body has every one of want.
func contains(t *testing.T, what, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("%s does not contain %q", what, w)
		}
	}
}

func TestItemForms(t *testing.T) {
	e := newEnv(t)
	b := e.seedBakery(t)
	dana := e.client(t, "dana")

	t.Run("a bad GTIN comes back next to its field with what was typed", func(t *testing.T) {
		res := e.post(t, dana, "/items", itemForm(e.site.ID, "OAT-FL", "4006381333932"))
		if res.status != http.StatusUnprocessableEntity {
			t.Fatalf("POST /items = %d, want 422", res.status)
		}
		contains(t, "the refused form", res.body,
			`id="gtin-error">GTIN check digit is 2 but should be 1</p>`,
			`value="OAT-FL"`, `value="4006381333932"`, `value="gluten" checked`,
			"The item was not saved: 1 problem to fix.")
	})

	t.Run("every problem shows at once, including values that could not be read", func(t *testing.T) {
		f := itemForm(e.site.ID, "", "123")
		f.Set("shelfLifeDays", "two weeks")
		res := e.post(t, dana, "/items", f)
		contains(t, "the refused form", res.body,
			`id="code-error">Code is required`,
			`id="gtin-error">GTIN must have 8, 12, 13 or 14 digits, not 3`,
			`id="shelfLifeDays-error">Shelf life (days) must be a whole number, such as 30`,
			`value="two weeks"`)
	})

	t.Run("a new item is created and the next page says so once", func(t *testing.T) {
		res := e.post(t, dana, "/items", itemForm(e.site.ID, "RYE-FL", "4006381333931"))
		if res.status != http.StatusSeeOther || !strings.HasPrefix(res.location, "/items/") {
			t.Fatalf("POST /items = %d to %q, want 303 to the new item", res.status, res.location)
		}
		page := e.get(t, dana, res.location)
		contains(t, "the new item's page", page.body, "Item RYE-FL was created.", "Oat flour", "Cereals containing gluten (EU)")
		if again := e.get(t, dana, res.location); strings.Contains(again.body, "was created") {
			t.Errorf("the flash message shows a second time")
		}
	})

	t.Run("a code used on the site is shown on the code field", func(t *testing.T) {
		res := e.post(t, dana, "/items", itemForm(e.site.ID, "FLOUR-T55", ""))
		if res.status != http.StatusConflict {
			t.Fatalf("POST /items = %d, want 409", res.status)
		}
		contains(t, "the refused form", res.body, `id="code-error">Code is already used by another item on this site`)
	})

	edit := "/items/" + b.brioche.ID
	t.Run("a change to a GMP record needs a reason", func(t *testing.T) {
		res := e.post(t, dana, edit, editForm(b.brioche, b.brioche.Version, ""))
		if res.status != http.StatusUnprocessableEntity {
			t.Fatalf("POST %s = %d, want 422", edit, res.status)
		}
		contains(t, "the refused form", res.body, `id="reason-error">Give a reason for the change`, `value="9"`)
	})

	t.Run("a change with a reason is saved and shows in the history", func(t *testing.T) {
		res := e.post(t, dana, edit, editForm(b.brioche, b.brioche.Version, "customer complaint CC-117"))
		if res.status != http.StatusSeeOther || res.location != edit {
			t.Fatalf("POST %s = %d to %q, want 303 to the item", edit, res.status, res.location)
		}
		page := e.get(t, dana, edit)
		contains(t, "the item's page", page.body, "Item BRIOCHE-6 was saved.", "customer complaint CC-117",
			`<th scope="row">Shelf life (days)</th><td class="before">6</td><td class="after">9</td>`)
	})

	t.Run("a change to an old version is refused and keeps what was typed", func(t *testing.T) {
		f := editForm(b.brioche, b.brioche.Version, "late edit")
		f.Set("name", "Brioche buns, 6-pack (new recipe)")
		res := e.post(t, dana, edit, f)
		if res.status != http.StatusConflict {
			t.Fatalf("POST %s with an old version = %d, want 409", edit, res.status)
		}
		contains(t, "the refused form", res.body, "Someone else changed this item after you opened it", `value="Brioche buns, 6-pack (new recipe)"`)
	})

	t.Run("disabling needs a reason, then shows in the history", func(t *testing.T) {
		it, err := e.plant.Items.Find(e.sys, b.brioche.ID)
		if err != nil {
			t.Fatal(err)
		}
		version := strconv.Itoa(it.Version)
		res := e.post(t, dana, edit+"/disable", url.Values{"version": {version}})
		if res.status != http.StatusUnprocessableEntity {
			t.Fatalf("disable without a reason = %d, want 422", res.status)
		}
		contains(t, "the item's page", res.body, `id="toggle-reason-error">Give a reason`)
		res = e.post(t, dana, edit+"/disable", url.Values{"version": {version}, "reason": {"product discontinued"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("disable with a reason = %d, want 303", res.status)
		}
		page := e.get(t, dana, edit)
		contains(t, "the item's page", page.body, "Item BRIOCHE-6 was disabled.", "product discontinued", "Enable this item",
			`<td class="before">Active</td><td class="after">Disabled</td>`)
		if list := e.get(t, dana, "/items"); strings.Contains(list.body, "BRIOCHE-6") {
			t.Errorf("the list of active items shows the disabled item")
		}
		if list := e.get(t, dana, "/items?status=disabled"); !strings.Contains(list.body, "BRIOCHE-6") || strings.Contains(list.body, "FLOUR-T55") {
			t.Errorf("the list of disabled items does not show exactly the disabled item")
		}
	})

	t.Run("the list searches by code or name", func(t *testing.T) {
		res := e.get(t, dana, "/items?q=sesame")
		contains(t, "the search result", res.body, "SESAME-W", "BUN-SES-4")
		if strings.Contains(res.body, "FLOUR-T55") {
			t.Errorf("the search for sesame shows FLOUR-T55")
		}
	})

	t.Run("a record that does not exist shows the 404 page", func(t *testing.T) {
		res := e.get(t, dana, "/items/0190c2a0-0000-7000-8000-000000000000")
		if res.status != http.StatusNotFound {
			t.Fatalf("GET a missing item = %d, want 404", res.status)
		}
		contains(t, "the 404 page", res.body, "Page not found")
	})
}

func TestListPaging(t *testing.T) {
	e := newEnv(t)
	b := e.seedBakery(t)
	ctx := as(b.admin)
	for i := range 60 {
		code := "PKG-" + strconv.Itoa(100+i)
		if _, err := e.plant.Items.Create(ctx, plant.Item{Record: plant.Record{SiteID: e.site.ID, Code: code, Name: "Label " + code},
			Kind: plant.Packaging, BaseUnit: forkline.Each, Condition: plant.Ambient}, ""); err != nil {
			t.Fatal(err)
		}
	}
	dana := e.client(t, "dana")
	first := e.get(t, dana, "/items?q=pkg")
	contains(t, "page 1", first.body, "PKG-100", "PKG-149", "Showing 1 to 50", "Next page")
	i := strings.Index(first.body, `href="/items?cursor=`)
	if i < 0 {
		t.Fatal("page 1 has no link to the next page")
	}
	next := first.body[i+len(`href="`):]
	next = strings.ReplaceAll(next[:strings.IndexByte(next, '"')], "&amp;", "&")
	second := e.get(t, dana, next)
	contains(t, "page 2", second.body, "PKG-150", "PKG-159", "Showing 51 to 60", "First page")
	if strings.Contains(second.body, "PKG-149") || strings.Contains(second.body, "Next page") {
		t.Errorf("page 2 repeats page 1 or offers a page 3")
	}
}

func TestPagesFollowPermissions(t *testing.T) {
	e := newEnv(t)
	b := e.seedBakery(t)
	e.user(t, "pat", "Pat Planner", forkline.RolePlanner)

	t.Run("an operator sees records but no buttons to change them", func(t *testing.T) {
		olivia := e.client(t, "olivia")
		list := e.get(t, olivia, "/items")
		show := e.get(t, olivia, "/items/"+b.brioche.ID)
		if list.status != 200 || show.status != 200 {
			t.Fatalf("operator: GET /items = %d, GET item = %d, want 200", list.status, show.status)
		}
		for _, s := range []string{`href="/items/new"`, `href="/items/import"`} {
			if strings.Contains(list.body, s) {
				t.Errorf("the operator's item list links to %s", s)
			}
		}
		if strings.Contains(show.body, "/edit") || strings.Contains(show.body, "Disable this item") {
			t.Errorf("the operator's item page offers to change the item")
		}
		contains(t, "the operator's item page", show.body, "The audit history is shown to quality")
	})

	t.Run("a planner cannot set a supplier's approval", func(t *testing.T) {
		pat := e.client(t, "pat")
		form := e.get(t, pat, "/suppliers/new")
		contains(t, "the planner's supplier form", form.body, `<div class="readonly" id="approval">Pending</div>`)
		res := e.post(t, pat, "/suppliers", url.Values{"site": {e.site.ID}, "code": {"OATCO"}, "name": {"Oat Co."}, "approval": {"approved"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("POST /suppliers as planner = %d, want 303\n%s", res.status, res.body)
		}
		sups, err := e.plant.Suppliers.List(e.sys, plant.Filter{Codes: []string{"OATCO"}})
		if err != nil || len(sups) != 1 || sups[0].Approval != plant.Pending {
			t.Errorf("the planner's new supplier = %+v, %v, want one, pending", sups, err)
		}
	})

	t.Run("the navigation shows what a user with no role may use", func(t *testing.T) {
		e.user(t, "newbie", "New Starter")
		res := e.get(t, e.client(t, "newbie"), "/")
		contains(t, "the dashboard of a user with no role", res.body, "You have no role on a site yet")
		if strings.Contains(res.body, `href="/items"`) {
			t.Errorf("the navigation of a user with no role links to items")
		}
	})
}

func TestSiteSwitcher(t *testing.T) {
	e := newEnv(t)
	b := e.seedBakery(t)
	exists := func(context.Context, forkline.ID) bool { return true }
	if _, err := e.auth.SetRole(e.sys, b.admin.ID, forkline.Grant{SiteID: e.other.ID, Role: forkline.RoleManager}, true, "covers Milwaukee", exists); err != nil {
		t.Fatal(err)
	}
	dana := e.client(t, "dana")
	if res := e.get(t, dana, "/items"); !strings.Contains(res.body, "FLOUR-T55") {
		t.Fatalf("the first site's items are not the default")
	}
	res := e.get(t, dana, "/items?site="+e.other.ID)
	contains(t, "the other site's items", res.body, "Milwaukee Dairy", "There are no items here yet.")
	res = e.get(t, dana, "/items")
	if !strings.Contains(res.body, "There are no items here yet.") {
		t.Errorf("the chosen site is not remembered")
	}
	res = e.get(t, dana, "/items?site=0190c2a0-0000-7000-8000-000000000000")
	if !strings.Contains(res.body, "There are no items here yet.") {
		t.Errorf("an unknown ?site= changes the current site")
	}
}

// upload posts a CSV file to an import page.
func (e *env) upload(t *testing.T, c *http.Client, path, site, csv string) response {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("site", site)
	_ = w.WriteField("reason", "ERP migration")
	fw, _ := w.CreateFormFile("file", "items.csv")
	_, _ = fw.Write([]byte(csv))
	_ = w.Close()
	return e.do(t, c, "POST", path, w.FormDataContentType(), &body)
}

func TestItemImport(t *testing.T) {
	e := newEnv(t)
	e.seedBakery(t)
	dana := e.client(t, "dana")
	t.Run("a file with bad rows lists every problem and imports nothing", func(t *testing.T) {
		res := e.upload(t, dana, "/items/import", e.site.ID, "code,name,kind,base_unit,condition,gtin\n"+
			"HONEY,Honey,ingredient,kg,ambient,\n"+
			"OATS,Rolled oats,grain,kg,ambient,4006381333932\n"+
			"SALT,,ingredient,kg,dry,\n")
		if res.status != http.StatusUnprocessableEntity {
			t.Fatalf("import = %d, want 422", res.status)
		}
		contains(t, "the import page", res.body, "Nothing was imported: 4 problems were found.",
			`<td class="line">3</td><td><code>kind</code></td>`,
			`<td class="line">3</td><td><code>gtin</code></td><td class="wrap">GTIN check digit is 2 but should be 1</td>`,
			`<td class="line">4</td><td><code>name</code></td>`,
			`<td class="line">4</td><td><code>condition</code></td>`)
		if list := e.get(t, dana, "/items?q=honey"); strings.Contains(list.body, "HONEY") {
			t.Errorf("a refused import created HONEY")
		}
	})
	t.Run("a file that cannot be read as CSV names its line", func(t *testing.T) {
		res := e.upload(t, dana, "/items/import", e.site.ID, "code,name,kind,base_unit,condition,shelf_life_days\nSALT,Salt,ingredient,kg,ambient,abc\n")
		contains(t, "the import page", res.body, `<td class="line">2</td><td><code>shelf_life_days</code></td><td class="wrap">&#34;abc&#34; is not a whole number</td>`)
	})
	t.Run("a good file is imported and the list says how many", func(t *testing.T) {
		res := e.upload(t, dana, "/items/import", e.site.ID, "code,name,kind,base_unit,condition\n"+
			"HONEY,Honey,ingredient,kg,ambient\nOATS,Rolled oats,ingredient,kg,ambient\n")
		if res.status != http.StatusSeeOther || res.location != "/items" {
			t.Fatalf("import = %d to %q, want 303 to /items", res.status, res.location)
		}
		contains(t, "the item list", e.get(t, dana, "/items").body, "2 items imported into Chicago Bakery from items.csv.", "HONEY", "OATS")
	})
}

func TestStaticFiles(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, "")
	for _, name := range []string{"app.css", "app.js", "favicon.svg"} {
		if res := e.get(t, c, "/static/"+name); res.status != http.StatusOK || len(res.body) == 0 {
			t.Errorf("GET /static/%s = %d with %d bytes, want 200 with the file", name, res.status, len(res.body))
		}
	}
	if res := e.get(t, c, "/static/missing.css"); res.status != http.StatusNotFound {
		t.Errorf("GET /static/missing.css = %d, want 404", res.status)
	}
}

func TestInternalErrorPage(t *testing.T) {
	e := newEnv(t)
	b := e.seedBakery(t)
	e.expectErrors = true
	e.db.Close()
	req := httptest.NewRequest("GET", "/items", nil)
	req = req.WithContext(forkline.WithActor(req.Context(), b.admin.Actor()))
	rec := httptest.NewRecorder()
	rec.Header().Set("X-Request-ID", "req-42") // as the server's middleware does
	e.ui.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("GET /items with the database closed = %d, want 500", rec.Code)
	}
	body := rec.Body.String()
	contains(t, "the 500 page", body, "Something went wrong", "<code>req-42</code>")
	if strings.Contains(body, "closed") {
		t.Errorf("the 500 page shows the cause:\n%s", body)
	}
	if !strings.Contains(e.logs.String(), "closed") {
		t.Errorf("the cause was not logged: %q", e.logs.String())
	}
}
