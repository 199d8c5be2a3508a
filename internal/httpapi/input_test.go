package httpapi_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/audit"
	"github.com/forkline/forkline/internal/httpapi"
)

// auditCount returns how many audit entries exist: a refused command must add none.
func (e *env) auditCount() int {
	e.t.Helper()
	es, err := e.db.FindAuditEntries(sys, audit.Filter{Limit: 100000})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(es)
}

func TestBadInputIsRefusedWithTheFieldAndNothingIsWritten(t *testing.T) {
	e := newEnv(t)
	site := e.site.ID
	tests := []struct {
		name       string
		method     string
		path       string
		body       any
		wantStatus int
		wantFields []string
	}{
		{"malformed JSON", "POST", "/api/v1/items", `{"code": "X",`, 400, nil},
		{"two JSON values", "POST", "/api/v1/items", `{"code":"X"} {}`, 400, nil},
		{"a field of the wrong type", "POST", "/api/v1/items", `{"siteId":"` + site + `","code":"X","shelfLifeDays":"ten"}`, 422, []string{"shelfLifeDays"}},
		{"an unknown field", "POST", "/api/v1/items", map[string]any{"siteId": site, "code": "X", "colour": "red"}, 422, []string{"colour"}},
		{"an item with a bad GTIN", "POST", "/api/v1/items", map[string]any{"siteId": site, "code": "X", "name": "X", "kind": "raw", "baseUnit": "kg", "condition": "ambient", "gtin": "4006381333932"}, 422, []string{"gtin"}},
		{"an item with every field wrong", "POST", "/api/v1/items", map[string]any{"siteId": site, "code": "has space", "kind": "gravel", "baseUnit": "case", "condition": "warm", "shelfLifeDays": -1, "allergens": []string{"nuts"}}, 422,
			[]string{"code", "name", "kind", "baseUnit", "condition", "shelfLifeDays", "allergens"}},
		{"an item with a bad pack size", "POST", "/api/v1/items", map[string]any{"siteId": site, "code": "X", "name": "X", "kind": "raw", "baseUnit": "kg", "condition": "ambient", "packSizes": []map[string]string{{"unit": "case", "contents": "twelve"}}}, 422, []string{"packSizes[0].contents"}},
		{"an item with a pack size that does not reach the base unit", "POST", "/api/v1/items", map[string]any{"siteId": site, "code": "X", "name": "X", "kind": "raw", "baseUnit": "kg", "condition": "ambient", "packSizes": []map[string]string{{"unit": "case", "contents": "12 ea"}}}, 422, []string{"packSizes[0]"}},
		{"an item on no site", "POST", "/api/v1/items", map[string]any{"code": "X", "name": "X", "kind": "raw", "baseUnit": "kg", "condition": "ambient"}, 422, []string{"siteId"}},
		{"an item with a duplicate code", "POST", "/api/v1/items", map[string]any{"siteId": site, "code": "FLOUR", "name": "X", "kind": "raw", "baseUnit": "kg", "condition": "ambient"}, 409, nil},
		{"a site with a bad time zone", "POST", "/api/v1/sites", map[string]any{"code": "X", "name": "X", "timeZone": "Mars/Olympus"}, 422, []string{"timeZone"}},
		{"an area without a name", "POST", "/api/v1/areas", map[string]any{"siteId": site, "code": "X"}, 422, []string{"name"}},
		{"a line in a missing area", "POST", "/api/v1/lines", map[string]any{"siteId": site, "code": "X", "name": "X", "areaId": "019cad8f-ac00-7fc9-b4f9-b344b40c62ef"}, 422, []string{"areaId"}},
		{"equipment on a line that is not an ID", "POST", "/api/v1/equipment", map[string]any{"siteId": site, "code": "X", "name": "X", "lineId": "L1"}, 422, []string{"lineId"}},
		{"a location of an unknown kind", "POST", "/api/v1/locations", map[string]any{"siteId": site, "code": "X", "name": "X", "kind": "attic", "condition": "ambient"}, 422, []string{"kind"}},
		{"a supplier with a bad e-mail and status", "POST", "/api/v1/suppliers", map[string]any{"siteId": site, "code": "X", "name": "X", "approval": "maybe", "contactEmail": "not an email"}, 422, []string{"approval", "contactEmail"}},
		{"a customer with a bad ship-to", "POST", "/api/v1/customers", map[string]any{"siteId": site, "code": "X", "name": "X", "shipTos": []map[string]string{{"code": "A"}, {"code": "A", "name": "n", "address": "a", "gln": "123"}}}, 422,
			[]string{"shipTos[0].name", "shipTos[0].address", "shipTos[1].code", "shipTos[1].gln"}},
		{"an item change without a reason", "PUT", "/api/v1/items/" + e.ids["items"], map[string]any{"siteId": site, "code": "FLOUR", "name": "Flour", "kind": "raw", "baseUnit": "kg", "condition": "ambient", "version": 1}, 422, []string{"reason"}},
		{"an item change of base unit", "PUT", "/api/v1/items/" + e.ids["items"], map[string]any{"code": "FLOUR", "name": "Flour", "kind": "raw", "baseUnit": "lb", "condition": "ambient", "version": 1, "reason": "x"}, 422, []string{"baseUnit"}},
		{"an item change on a stale version", "PUT", "/api/v1/items/" + e.ids["items"], map[string]any{"code": "FLOUR", "name": "Flour", "kind": "raw", "baseUnit": "kg", "condition": "ambient", "version": 7, "reason": "x"}, 409, nil},
		{"a change to a record that does not exist", "PUT", "/api/v1/items/019cad8f-ac00-7fc9-b4f9-b344b40c62ef", map[string]any{"code": "FLOUR", "name": "Flour", "kind": "raw", "baseUnit": "kg", "condition": "ambient", "version": 1, "reason": "x"}, 404, nil},
		{"disabling an item without a reason", "POST", "/api/v1/items/" + e.ids["items"] + "/disable", map[string]any{"version": 1}, 422, []string{"reason"}},
		{"a user with a short password", "POST", "/api/v1/users", map[string]any{"username": "Bad Name!", "displayName": "", "password": "short"}, 422, []string{"username", "displayName", "password"}},
		{"a duplicate username", "POST", "/api/v1/users", map[string]any{"username": "someone", "displayName": "x", "password": "long enough password"}, 409, nil},
		{"a grant of an unknown role on a missing site", "POST", "/api/v1/users/" + e.ids["users"] + "/grants", map[string]any{"siteId": "nope", "role": "king"}, 422, []string{"siteId", "role"}},
		{"a token without a name", "POST", "/api/v1/tokens", map[string]any{"siteId": site, "role": "integration"}, 422, []string{"name"}},
		{"a list with a bad limit", "GET", "/api/v1/items?limit=0", nil, 422, []string{"limit"}},
		{"a list with a bad cursor", "GET", "/api/v1/items?cursor=bm9wZQ", nil, 422, []string{"cursor"}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			before := e.auditCount()
			code, body := e.call(forkline.RoleAdmin, tt.method, tt.path, tt.body)
			if code != tt.wantStatus {
				t.Fatalf("%s %s = %d, want %d: %s", tt.method, tt.path, code, tt.wantStatus, body)
			}
			p := decodeProblem(t, body)
			if p.Code == "" || p.Detail == "" {
				t.Errorf("problem has no code or detail: %s", body)
			}
			var got []string
			for _, f := range p.Fields {
				got = append(got, f.Field)
			}
			for _, f := range tt.wantFields {
				if !slices.Contains(got, f) {
					t.Errorf("fields = %v, want %s among them", got, f)
				}
			}
			if after := e.auditCount(); after != before {
				t.Errorf("audit entries went from %d to %d: a refused command wrote something", before, after)
			}
		})
	}
}

func TestAnItemLivesThroughCreateChangeDisableWithItsHistory(t *testing.T) {
	e := newEnv(t)
	code, body := e.call(forkline.RoleQuality, "POST", "/api/v1/items", map[string]any{
		"siteId": e.site.ID, "code": "EGG", "name": "Liquid egg", "kind": "raw", "baseUnit": "kg", "condition": "chilled",
		"allergens": []string{"egg", "egg"}, "traceabilityList": true, "gtin": "4006381333931", "shelfLifeDays": 28,
		"packSizes": []map[string]string{{"unit": "case", "contents": "20 kg"}}, "reason": "new supplier item"})
	if code != http.StatusCreated {
		t.Fatalf("create = %d: %s", code, body)
	}
	var it map[string]any
	json.Unmarshal(body, &it)
	id := it["id"].(string)
	if got := fmt.Sprint(it["allergens"]); got != "[egg]" {
		t.Errorf("allergens = %s, want [egg] (deduplicated)", got)
	}
	it["name"] = "Liquid whole egg"
	it["reason"] = "name as on the supplier's spec"
	if code, body := e.call(forkline.RoleQuality, "PUT", "/api/v1/items/"+id, it); code != 200 {
		t.Fatalf("update = %d: %s", code, body)
	}
	if code, body := e.call(forkline.RoleQuality, "PUT", "/api/v1/items/"+id, it); code != 409 {
		t.Errorf("second update with the same version = %d, want 409: %s", code, body)
	}
	if code, body := e.call(forkline.RoleQuality, "POST", "/api/v1/items/"+id+"/disable", map[string]any{"version": 2, "reason": "discontinued"}); code != 200 {
		t.Fatalf("disable = %d: %s", code, body)
	}
	code, body = e.call(forkline.RoleQuality, "GET", "/api/v1/items?q=egg", nil)
	if code != 200 || strings.Contains(string(body), id) {
		t.Errorf("list without inactive = %d and holds the disabled item: %s", code, body)
	}
	if _, body := e.call(forkline.RoleQuality, "GET", "/api/v1/items?q=egg&inactive=true", nil); !strings.Contains(string(body), id) {
		t.Errorf("list with inactive misses the disabled item: %s", body)
	}
	code, body = e.call(forkline.RoleAuditor, "GET", "/api/v1/items/"+id+"/audit", nil)
	if code != 200 {
		t.Fatalf("history = %d: %s", code, body)
	}
	var hist struct {
		Data []struct {
			Action, Reason, ActorName string
			Before, After             map[string]any
		} `json:"data"`
	}
	json.Unmarshal(body, &hist)
	var actions []string
	for _, h := range hist.Data {
		actions = append(actions, h.Action+": "+h.Reason)
	}
	want := []string{"disable: discontinued", "update: name as on the supplier's spec", "create: new supplier item"}
	if !slices.Equal(actions, want) {
		t.Errorf("history = %q, want %q", actions, want)
	}
	if len(hist.Data) == 3 && (hist.Data[1].Before["Name"] != "Liquid egg" || hist.Data[1].After["Name"] != "Liquid whole egg" || hist.Data[1].ActorName != "token:t-quality") {
		t.Errorf("update entry = %+v, want before/after names and the token as actor", hist.Data[1])
	}
}

func TestACallerSeesOnlyTheSitesTheyHoldARoleOn(t *testing.T) {
	e := newEnv(t)
	other, err := e.plant.Items.Create(sys, plantItem(e.other.ID, "MILK"), "")
	if err != nil {
		t.Fatal(err)
	}
	if code, body := e.call(forkline.RoleQuality, "GET", "/api/v1/items/"+other.ID, nil); code != 403 {
		t.Errorf("reading another site's item = %d, want 403: %s", code, body)
	}
	if code, body := e.call(forkline.RoleQuality, "GET", "/api/v1/items?site="+e.other.ID, nil); code != 403 {
		t.Errorf("listing another site's items = %d, want 403: %s", code, body)
	}
	if _, body := e.call(forkline.RoleQuality, "GET", "/api/v1/items", nil); strings.Contains(string(body), other.ID) {
		t.Errorf("the default list holds another site's item: %s", body)
	}
	m := plantItem(e.other.ID, "CREAM")
	if code, body := e.call(forkline.RoleQuality, "POST", "/api/v1/items", map[string]any{"siteId": m.SiteID, "code": "C", "name": "C", "kind": "raw", "baseUnit": "kg", "condition": "chilled"}); code != 403 {
		t.Errorf("creating on another site = %d, want 403: %s", code, body)
	}
	if code, body := e.call(forkline.RoleOperator, "GET", "/api/v1/users/"+e.ids["users"], nil); code != 403 {
		t.Errorf("an operator reading another user = %d, want 403: %s", code, body)
	}
	if code, body := e.call(forkline.RolePlanner, "POST", "/api/v1/suppliers", map[string]any{"siteId": e.site.ID, "code": "S2", "name": "S", "approval": "approved"}); code != 403 {
		t.Errorf("a planner approving a supplier = %d, want 403 (only quality approves): %s", code, body)
	}
	if code, body := e.call(forkline.RolePlanner, "POST", "/api/v1/suppliers", map[string]any{"siteId": e.site.ID, "code": "S2", "name": "S", "approval": "pending"}); code != 201 {
		t.Errorf("a planner adding a pending supplier = %d, want 201: %s", code, body)
	}
}

func TestCSVImportIsAllOrNothingAndNamesEveryBadRow(t *testing.T) {
	e := newEnv(t)
	path := "/api/v1/items/import?site=" + e.site.ID + "&reason=initial+load"
	bad := "code,name,kind,base_unit,condition,gtin,shelf_life_days,allergens\n" +
		"SUGAR,Sugar,raw,kg,ambient,,730,\n" +
		"FLOUR,Flour again,raw,kg,ambient,,,wheat\n" +
		"SALT,Salt,raw,kg,ambient,4006381333932,,\n" +
		"SALT,Salt twice,raw,kg,ambient,,x,\n"
	before := e.auditCount()
	code, body := e.call(forkline.RoleAdmin, "POST", path, bad)
	if code != 422 {
		t.Fatalf("bad import = %d, want 422: %s", code, body)
	}
	got := map[string]bool{}
	for _, f := range decodeProblem(t, body).Fields {
		got[f.Field] = true
	}
	for _, want := range []string{"line 5: shelf_life_days", "line 3: code", "line 4: gtin"} {
		if !got[want] {
			t.Errorf("fields = %v, want %q: cells that do not parse and broken rules are reported together", got, want)
		}
	}
	fixed := strings.Replace(bad, ",x,", ",,", 1)
	code, body = e.call(forkline.RoleAdmin, "POST", path, fixed)
	if code != 422 {
		t.Fatalf("import = %d, want 422: %s", code, body)
	}
	got = map[string]bool{}
	for _, f := range decodeProblem(t, body).Fields {
		got[f.Field] = true
	}
	for _, want := range []string{"line 3: code", "line 4: gtin", "line 5: code"} {
		if !got[want] {
			t.Errorf("fields = %v, want %q", got, want)
		}
	}
	if got["line 2: code"] {
		t.Errorf("the good line 2 is reported: %v", got)
	}
	if after := e.auditCount(); after != before {
		t.Errorf("a refused import wrote %d audit entries", after-before)
	}
	if _, body := e.call(forkline.RoleAdmin, "GET", "/api/v1/items?q=sugar", nil); strings.Contains(string(body), "SUGAR") {
		t.Errorf("a refused import left SUGAR behind: %s", body)
	}
	good := "code,name,kind,base_unit,condition,pack_sizes,allergens,traceability_list\n" +
		"SUGAR,Sugar,raw,kg,ambient,case=25 kg,,no\n" +
		"SESAME,Sesame,raw,kg,ambient,,sesame,yes\n"
	if code, body := e.call(forkline.RoleAdmin, "POST", path, good); code != 201 || !strings.Contains(string(body), `"imported":2`) {
		t.Errorf("good import = %d: %s", code, body)
	}
	if code, body := e.call(forkline.RoleAdmin, "POST", "/api/v1/items/import?site="+e.site.ID, "code,name,colour\nA,B,red\n"); code != 422 || !strings.Contains(string(body), "colour") {
		t.Errorf("unknown column = %d: %s", code, body)
	}
	if code, body := e.call(forkline.RoleAdmin, "POST", "/api/v1/items/import?site="+e.site.ID, "code,name\n\"unclosed,x\n"); code != 422 {
		t.Errorf("broken CSV = %d: %s", code, body)
	}
}

func TestListsPageByCursorWithoutGapsOrRepeats(t *testing.T) {
	e := newEnv(t)
	for i := range 23 {
		if _, err := e.plant.Items.Create(sys, plantItem(e.site.ID, fmt.Sprintf("P-%02d", i)), ""); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	cursor := ""
	pages := 0
	for {
		_, body := e.call(forkline.RoleOperator, "GET", "/api/v1/items?q=p-&limit=10&cursor="+cursor, nil)
		var page struct {
			Data []struct {
				Code string `json:"code"`
			} `json:"data"`
			NextCursor string `json:"nextCursor"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatal(err)
		}
		pages++
		for _, d := range page.Data {
			if seen[d.Code] {
				t.Errorf("%s on two pages", d.Code)
			}
			seen[d.Code] = true
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	if len(seen) != 23 || pages != 3 {
		t.Errorf("saw %d items on %d pages, want 23 on 3", len(seen), pages)
	}
}

func TestTokensAreShownOnceAndStopWorkingWhenRevoked(t *testing.T) {
	e := newEnv(t)
	code, body := e.call(forkline.RoleAdmin, "POST", "/api/v1/tokens", map[string]any{"name": "ERP", "siteId": e.site.ID, "role": "integration"})
	if code != 201 {
		t.Fatalf("create token = %d: %s", code, body)
	}
	var tok struct{ ID, Secret string }
	json.Unmarshal(body, &tok)
	if !strings.HasPrefix(tok.Secret, "flk_") {
		t.Fatalf("secret = %q", tok.Secret)
	}
	e.tokens["erp"] = tok.Secret
	if code, _ := e.call("erp", "GET", "/api/v1/items", nil); code != 200 {
		t.Errorf("GET with the new token = %d", code)
	}
	if _, body := e.call(forkline.RoleAdmin, "GET", "/api/v1/tokens", nil); strings.Contains(string(body), tok.Secret) {
		t.Errorf("the token list shows a secret")
	}
	if code, body := e.call(forkline.RoleAdmin, "POST", "/api/v1/tokens/"+tok.ID+"/revoke", map[string]any{"reason": "ERP replaced"}); code != 204 {
		t.Fatalf("revoke = %d: %s", code, body)
	}
	if code, _ := e.call("erp", "GET", "/api/v1/items", nil); code != 401 {
		t.Errorf("GET with a revoked token = %d, want 401", code)
	}
	e.tokens["junk"] = "flk_nonsense"
	if code, _ := e.call("junk", "GET", "/api/v1/me", nil); code != 401 {
		t.Errorf("GET with an unknown token = %d, want 401", code)
	}
}

func TestOperationalEndpointsAnswerWithoutSignIn(t *testing.T) {
	e := newEnv(t)
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		if code, body := e.call("", "GET", p, nil); code != 200 {
			t.Errorf("GET %s = %d: %s", p, code, body)
		}
	}
	e.call(forkline.RoleAdmin, "GET", "/api/v1/items", nil)
	if _, body := e.call("", "GET", "/metrics", nil); !strings.Contains(string(body), `forkline_http_requests_total{route="GET /api/v1/items",status="200"}`) {
		t.Errorf("metrics miss the request counter by route")
	}
	if code, body := e.call(forkline.RoleAdmin, "GET", "/api/v1/nothing-here", nil); code != 404 || decodeProblem(t, body).Code != "not_found" {
		t.Errorf("unknown API path = %d: %s", code, body)
	}
}

func TestAPanicIsA500WithTheRequestIDAndTheServerLivesOn(t *testing.T) {
	e := newEnv(t)
	srv := httpapi.New(httpapi.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Plant: e.plant, Auth: e.auth,
		Ready: e.db.Ping, Now: time.Now, UI: http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("template exploded") })})
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	req, _ := http.NewRequest("GET", ts.URL+"/items", nil)
	req.Header.Set("Accept", "text/html")
	req.Header.Set("X-Request-ID", "req-42")
	res, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 500 || !strings.Contains(string(body), "req-42") || !strings.Contains(res.Header.Get("Content-Type"), "text/html") {
		t.Errorf("panicking page = %d %s: %s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	if res, err := ts.Client().Get(ts.URL + "/healthz"); err != nil || res.StatusCode != 200 {
		t.Errorf("after a panic /healthz = %v %v", res, err)
	}
}
