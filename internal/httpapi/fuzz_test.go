package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/forkline/forkline"
)

// FuzzCreateBodies sends arbitrary bodies to create endpoints: the answer is
// always a 2xx or a 4xx problem, never a 500, and never a half-written record.
func FuzzCreateBodies(f *testing.F) {
	e := newEnv(f)
	for _, seed := range []string{
		`{"siteId":"` + e.site.ID + `","code":"A","name":"A","kind":"raw","baseUnit":"kg","condition":"ambient"}`,
		`{"siteId":"` + e.site.ID + `","code":"B","name":"B","kind":"raw","baseUnit":"kg","condition":"ambient","packSizes":[{"unit":"case","contents":"1e3 kg"}]}`,
		`{"code":null}`, `[]`, `"x"`, `{"shelfLifeDays":1e400}`, `{"allergens":[1,2]}`, `{"shipTos":[{}]}`,
	} {
		f.Add(0, seed)
		f.Add(1, seed)
		f.Add(2, seed)
	}
	paths := []string{"/api/v1/items", "/api/v1/customers", "/api/v1/suppliers"}
	f.Fuzz(func(t *testing.T, which int, body string) {
		path := paths[(which%len(paths)+len(paths))%len(paths)]
		te := *e // the same server, reporting to this fuzz run's t
		te.t = t
		code, resp := te.call(forkline.RoleAdmin, "POST", path, body)
		if code >= 500 {
			t.Fatalf("POST %s %q = %d: %s", path, body, code, resp)
		}
		if code != http.StatusCreated && (code < 400 || code > 499) {
			t.Fatalf("POST %s %q = %d, want 201 or 4xx", path, body, code)
		}
	})
}
