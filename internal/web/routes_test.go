package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/web"
)

// path returns a route's pattern as a request path, with {id} naming a
// real record of the kind the path names before it ("/lots/{id}",
// "/terminal/lines/{id}").
func (b bakery) path(rt web.Route) string {
	p := strings.ReplaceAll(rt.Pattern, "{$}", "")
	if before, _, ok := strings.Cut(p, "/{id}"); ok {
		kind := before[strings.LastIndex(before, "/")+1:]
		p = strings.ReplaceAll(p, "{id}", b.ids[kind])
	}
	return p
}

// streams reports whether a route streams live events: it does not end
// until the client goes away.
func streams(rt web.Route) bool { return strings.HasSuffix(rt.Pattern, "/events") }

// TestRoutesRefuseCallersWithoutAccess walks every route of the UI: an
// anonymous caller is sent to sign in, and a signed-in user who lacks the
// route's permission is refused with 403.
func TestRoutesRefuseCallersWithoutAccess(t *testing.T) {
	e := newEnv(t)
	b := e.seedBakery(t)
	e.seedProduction(t, &b)
	anonymous := e.client(t, "")
	// For each permission, a user who lacks it: the first role without it,
	// or a user with no role when every role has it.
	lacking := map[forkline.Permission]*http.Client{}
	for _, p := range forkline.Permissions() {
		var roles []forkline.Role
		for _, r := range forkline.Roles() {
			if !r.Has(p) {
				roles = []forkline.Role{r}
				break
			}
		}
		name := "no-" + strings.ReplaceAll(string(p), ".", "-")
		e.user(t, name, "Without "+string(p), roles...)
		lacking[p] = e.client(t, name)
	}

	routes := e.ui.Routes()
	if len(routes) < 80 {
		t.Fatalf("UI.Routes() has %d routes, want the whole UI (at least 80)", len(routes))
	}
	for _, rt := range routes {
		if rt.Public {
			continue
		}
		path := b.path(rt)
		t.Run(rt.Method+" "+rt.Pattern, func(t *testing.T) {
			t.Run("an anonymous caller is sent to the sign-in page", func(t *testing.T) {
				res := e.do(t, anonymous, rt.Method, path, "application/x-www-form-urlencoded", strings.NewReader(""))
				switch res.status {
				case http.StatusSeeOther, http.StatusFound:
					if !strings.HasPrefix(res.location, "/login?next=") {
						t.Errorf("%s %s redirects to %q, want /login?next=...", rt.Method, path, res.location)
					}
				case http.StatusUnauthorized:
				default:
					t.Errorf("%s %s as anonymous = %d, want 303, 302 or 401", rt.Method, path, res.status)
				}
			})
			if rt.Perm == "" {
				return
			}
			t.Run("a user without "+string(rt.Perm)+" is refused", func(t *testing.T) {
				res := e.do(t, lacking[rt.Perm], rt.Method, path, "application/x-www-form-urlencoded", strings.NewReader(""))
				if res.status != http.StatusForbidden {
					t.Errorf("%s %s without %s = %d, want 403", rt.Method, path, rt.Perm, res.status)
				}
				if !strings.Contains(res.body, "You do not have access to this page") {
					t.Errorf("%s %s without %s does not show the 403 page", rt.Method, path, rt.Perm)
				}
			})
		})
	}
}

// TestEveryPageOpensForAnAdministrator opens every GET route as the plant
// manager, so a route that lists a page that cannot render fails here.
func TestEveryPageOpensForAnAdministrator(t *testing.T) {
	e := newEnv(t)
	b := e.seedBakery(t)
	e.seedProduction(t, &b)
	admin := e.client(t, "dana")
	for _, rt := range e.ui.Routes() {
		if rt.Method != "GET" || strings.Contains(rt.Pattern, "/static/") || streams(rt) {
			continue
		}
		if rt.Perm == forkline.PermDowntimeClassify {
			continue // administrators do not classify stops; TestTerminalClassifiesStops opens these pages
		}
		path := b.path(rt)
		t.Run(path, func(t *testing.T) {
			res := e.get(t, admin, path)
			want := http.StatusOK
			if path == "/login" {
				want = http.StatusSeeOther // signed in already
			}
			if res.status != want {
				t.Fatalf("GET %s = %d, want %d\n%s", path, res.status, want, res.body)
			}
		})
	}
}

// TestSignIn covers the sign-in form: errors on the form, the return to
// the page asked for, and no redirect to another site.
func TestSignIn(t *testing.T) {
	e := newEnv(t)
	e.seedBakery(t)
	tests := []struct {
		name       string
		form       url.Values
		wantStatus int
		wantTo     string
		wantText   string
	}{
		{"a wrong password is shown on the form", url.Values{"username": {"dana"}, "password": {"wrong password"}, "next": {"/items"}},
			http.StatusUnauthorized, "", "The username or password is wrong."},
		{"an unknown user gets the same message", url.Values{"username": {"nobody"}, "password": {password}},
			http.StatusUnauthorized, "", "The username or password is wrong."},
		{"success returns to the page asked for", url.Values{"username": {"dana"}, "password": {password}, "next": {"/items?q=flour"}},
			http.StatusSeeOther, "/items?q=flour", ""},
		{"another site is never the next page", url.Values{"username": {"dana"}, "password": {password}, "next": {"//evil.example/x"}},
			http.StatusSeeOther, "/", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.post(t, e.client(t, ""), "/login", tt.form)
			if res.status != tt.wantStatus {
				t.Fatalf("POST /login = %d, want %d", res.status, tt.wantStatus)
			}
			if res.location != tt.wantTo {
				t.Errorf("POST /login redirects to %q, want %q", res.location, tt.wantTo)
			}
			if !strings.Contains(res.body, tt.wantText) {
				t.Errorf("POST /login page does not say %q", tt.wantText)
			}
		})
	}
	t.Run("a locked account says so", func(t *testing.T) {
		e.user(t, "sam", "Sam Locked")
		for range 5 {
			e.post(t, e.client(t, ""), "/login", url.Values{"username": {"sam"}, "password": {"wrong password"}})
		}
		res := e.post(t, e.client(t, ""), "/login", url.Values{"username": {"sam"}, "password": {password}})
		if !strings.Contains(res.body, "this account is locked") {
			t.Errorf("sign-in of a locked account does not say it is locked:\n%s", res.body)
		}
	})
	t.Run("the session cookie is HttpOnly and SameSite=Lax", func(t *testing.T) {
		req, _ := http.NewRequest("POST", e.srv.URL+"/login", strings.NewReader(url.Values{"username": {"dana"}, "password": {password}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := e.client(t, "").Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		var found bool
		for _, c := range resp.Cookies() {
			if c.Name == "forkline_session" {
				found = true
				if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
					t.Errorf("session cookie = %+v, want HttpOnly, SameSite=Lax, Path=/", c)
				}
			}
		}
		if !found {
			t.Errorf("POST /login set no session cookie")
		}
	})
}
