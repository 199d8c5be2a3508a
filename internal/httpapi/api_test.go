package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/audit"
	"github.com/forkline/forkline/internal/auth"
	"github.com/forkline/forkline/internal/b2mml"
	"github.com/forkline/forkline/internal/fsma204"
	"github.com/forkline/forkline/internal/httpapi"
	"github.com/forkline/forkline/internal/inventory"
	"github.com/forkline/forkline/internal/monitoring"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/production"
	"github.com/forkline/forkline/internal/recipe"
	"github.com/forkline/forkline/internal/sqlstore"
	"github.com/forkline/forkline/internal/wiring"
)

// env is a running API over a fresh SQLite database with one site, one
// record of each kind, and an API token for every role on that site.
type env struct {
	t      testing.TB
	srv    *httpapi.Server
	ts     *httptest.Server
	db     *sqlstore.DB
	plant  *plant.Service
	auth   *auth.Service
	inv    *inventory.Service
	rcp    *recipe.Service
	prod   *production.Service
	mon    *monitoring.Service
	pipe   *monitoring.Pipeline
	noRole string // session secret of a user with no role
	qa     string // session secret of quinn, a person with the quality role on site, who signs
	site   plant.Site
	other  plant.Site        // a second site no token has a role on
	ids    map[string]string // kind ("items") -> ID of one record of that kind
	tokens map[forkline.Role]string
}

var sys = forkline.WithActor(context.Background(), forkline.System)

func newEnv(t testing.TB) *env {
	t.Helper()
	now := func() time.Time { return time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC) }
	ids := forkline.NewIDGenerator(time.Now)
	db, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "api.db"), ids, now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, ids: map[string]string{}, tokens: map[forkline.Role]string{},
		plant: plant.NewService(db.Plant(), ids, now),
		auth:  auth.NewService(db.Auth(), ids, now, auth.HashParams{Time: 1, Memory: 64, Threads: 1}),
	}
	e.inv = inventory.NewService(db.Inventory(), ids, now)
	e.rcp = recipe.NewService(db.Recipes(), e.auth, ids, now)
	e.prod = production.NewService(db.Production(), wiring.ProductionLedger{Inv: e.inv}, e.auth, ids, now)
	e.pipe = monitoring.NewPipeline(db.Monitoring(), ids, now, nil)
	e.pipe.MaxAhead = 24 * time.Hour // the test's clock stands at 08:00 while machines report the morning
	e.mon = monitoring.NewService(db.Monitoring(), db.Monitoring(), wiring.EquipmentLookup{Plant: e.plant}, e.pipe, now)
	pctx, stop := context.WithCancel(context.Background())
	pdone := make(chan struct{})
	go func() { e.pipe.Run(pctx); close(pdone) }()
	t.Cleanup(func() { stop(); <-pdone })
	e.srv = httpapi.New(httpapi.Config{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Plant: e.plant, Auth: e.auth, Audit: audit.NewService(db),
		Inventory: e.inv, FSMA204: httpapi.FSMA204Writers{"csv": fsma204.WriteCSV, "xlsx": fsma204.WriteXLSX},
		Recipes: e.rcp, Production: e.prod, B2MML: testB2MML(), Ready: db.Ping, Now: now, Version: "test", Monitoring: e.mon,
	})
	e.ts = httptest.NewServer(e.srv.Handler())
	t.Cleanup(e.ts.Close)
	e.site = must(e.plant.Sites.Create(sys, plant.Site{Record: plant.Record{Code: "SPR", Name: "Springfield"}, TimeZone: "America/Chicago"}, ""))
	e.other = must(e.plant.Sites.Create(sys, plant.Site{Record: plant.Record{Code: "RVR", Name: "Riverside"}, TimeZone: "America/New_York"}, ""))
	s := e.site.ID
	rec := func(code string) plant.Record { return plant.Record{SiteID: s, Code: code, Name: code + " name"} }
	e.ids["sites"] = s
	area := must(e.plant.Areas.Create(sys, plant.Area{Record: rec("BAKE")}, ""))
	e.ids["areas"] = area.ID
	line := must(e.plant.Lines.Create(sys, plant.Line{Record: rec("L1"), AreaID: area.ID}, ""))
	e.ids["lines"] = line.ID
	e.ids["equipment"] = must(e.plant.Equipment.Create(sys, plant.Equipment{Record: rec("OVN-1"), LineID: line.ID}, "")).ID
	e.ids["locations"] = must(e.plant.Locations.Create(sys, plant.Location{Record: rec("COOL-1"), Kind: plant.Warehouse, Condition: plant.Chilled}, "")).ID
	e.ids["items"] = must(e.plant.Items.Create(sys, plant.Item{Record: rec("FLOUR"), Kind: plant.Raw, BaseUnit: forkline.Kilogram, Condition: plant.Ambient}, "")).ID
	e.ids["suppliers"] = must(e.plant.Suppliers.Create(sys, plant.Supplier{Record: rec("SUP-1"), Approval: plant.Approved}, "")).ID
	cus := must(e.plant.Customers.Create(sys, plant.Customer{Record: rec("CUS-1"), ShipTos: []plant.ShipTo{{Code: "DC", Name: "DC", Address: "1 Road"}}}, ""))
	e.ids["customers"] = cus.ID
	e.ids["shipTo"] = cus.ShipTos[0].ID
	lot := must(e.inv.Receive(sys, inventory.ReceiveInput{SiteID: s, ItemID: e.ids["items"], SupplierID: e.ids["suppliers"], SupplierLot: "S-1",
		Quantity: forkline.NewQuantity(100, forkline.Kilogram), LocationID: e.ids["locations"], DocType: "PO", DocNumber: "PO-1"}))
	e.ids["lots"] = lot.Lot.ID
	e.ids["events"] = lot.Events[0].ID
	e.ids["recalls"] = must(e.inv.StartRecall(sys, inventory.RecallInput{SiteID: s, LotIDs: []string{lot.Lot.ID}})).ID
	u := must(e.auth.CreateUser(sys, "someone", "Some One", "long enough password"))
	e.ids["users"] = u.ID
	// "someone" holds no role anywhere: the caller every guarded route refuses.
	secret, _ := must2(e.auth.Login(context.Background(), "someone", "long enough password"))
	e.noRole = secret
	for _, role := range forkline.Roles() {
		tok, secret, err := e.auth.CreateToken(sys, "t-"+string(role), s, role, 0, func(context.Context, forkline.ID) bool { return true })
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[role] = secret
		e.ids["tokens"] = tok.ID
	}
	e.production(line.ID)
	e.machines()
	return e
}

// qaPassword is quinn's password, re-entered to sign.
const qaPassword = "quinn's long password"

// production adds quinn (quality, a person who signs), a bread recipe
// approved by quinn, and an order in progress on line whose core
// temperature was too low: a recipe, a version, an order and a deviation.
func (e *env) production(line forkline.ID) {
	s := e.site.ID
	q := must(e.auth.CreateUser(sys, "quinn", "Quinn Quality", qaPassword))
	must(e.auth.SetRole(sys, q.ID, forkline.Grant{SiteID: s, Role: forkline.RoleQuality}, true, "QA lead", func(context.Context, forkline.ID) bool { return true }))
	e.qa, _ = must2(e.auth.Login(context.Background(), "quinn", qaPassword))
	qa, _, err := e.auth.ActorForSession(context.Background(), e.qa)
	if err != nil {
		panic(err)
	}
	quinn := forkline.WithActor(context.Background(), qa)
	bread := must(e.plant.Items.Create(sys, plant.Item{Record: plant.Record{SiteID: s, Code: "BREAD", Name: "White bread"}, Kind: plant.Finished,
		BaseUnit: forkline.Kilogram, Condition: plant.Ambient, ShelfLifeDays: 5}, "new product"))
	e.ids["bread"] = bread.ID
	rc := must(e.rcp.Create(sys, recipe.CreateInput{SiteID: s, ItemID: bread.ID, Code: "R-BREAD", Name: "White bread", Content: breadRecipe(e.ids["items"])}))
	v := must(e.rcp.Approve(quinn, recipe.ApproveInput{VersionID: rc.Versions[0].ID, Revision: rc.Versions[0].Revision, Password: qaPassword, Meaning: recipe.MeaningApproved}))
	e.ids["recipes"], e.ids["recipe-versions"] = rc.ID, v.ID
	o := must(e.prod.CreateOrder(sys, production.OrderInput{SiteID: s, ItemID: bread.ID, LineID: line, Number: "PO-ENV-1",
		PlannedQuantity: forkline.NewQuantity(100, forkline.Kilogram), PlannedStart: time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC), PlannedEnd: time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)}))
	must(e.prod.ChangeState(sys, production.StateInput{OrderID: o.ID, To: production.Released}))
	must(e.prod.ChangeState(sys, production.StateInput{OrderID: o.ID, To: production.InProgress}))
	_, dev, err := e.prod.RecordParameter(sys, production.ReadingInput{OrderID: o.ID, Step: 2, Parameter: "Core temperature", Value: 80_000_000})
	if err != nil || dev == nil {
		panic(fmt.Sprintf("a low core temperature raised no deviation: %v", err))
	}
	e.ids["orders"], e.ids["deviations"] = o.ID, dev.ID
}

// breadRecipe makes 100 kg of bread of 60 kg of flour (plus or minus 2%),
// mixed, then baked to a core temperature of 92 to 99 °C, a CCP.
func breadRecipe(flour forkline.ID) recipe.Content {
	return recipe.Content{BatchSize: forkline.NewQuantity(100, forkline.Kilogram),
		Ingredients: []recipe.Ingredient{{ItemID: flour, Quantity: forkline.NewQuantity(60, forkline.Kilogram), Tolerance: 2_000_000}},
		Steps: []recipe.Step{
			{Instruction: "Mix the dough", Additions: []forkline.ID{flour}, Parameters: []recipe.Parameter{{Name: "Mixing time", Unit: "min", Target: 8_000_000, Min: 6_000_000, Max: 10_000_000}}},
			{Instruction: "Bake", Parameters: []recipe.Parameter{{Name: "Core temperature", Unit: "°C", Target: 96_000_000, Min: 92_000_000, Max: 99_000_000, CCP: true}}},
		}}
}

// testB2MML gives the API the b2mml adapter, as cmd/forkline wires it.
func testB2MML() httpapi.B2MML {
	write := func(f func(io.Writer, b2mml.Performance) error) func(io.Writer, httpapi.B2MMLPerformance) error {
		return func(w io.Writer, p httpapi.B2MMLPerformance) error {
			out := b2mml.Performance{ID: p.ID, OrderID: p.OrderID, ERPReference: p.ERPReference, ItemCode: p.ItemCode, Start: p.Start, End: p.End,
				EquipmentID: p.EquipmentID}
			for _, m := range p.Produced {
				out.Produced = append(out.Produced, b2mml.MaterialActual(m))
			}
			for _, m := range p.Consumed {
				out.Consumed = append(out.Consumed, b2mml.MaterialActual(m))
			}
			for _, prm := range p.Parameters {
				out.Parameters = append(out.Parameters, b2mml.ParameterActual(prm))
			}
			return f(w, out)
		}
	}
	return httpapi.B2MML{
		ParseSchedule: func(r io.Reader) (httpapi.B2MMLSchedule, error) {
			s, err := b2mml.Parse(r)
			if err != nil {
				return httpapi.B2MMLSchedule{}, err
			}
			out := httpapi.B2MMLSchedule{ID: s.ID}
			for _, o := range s.Orders {
				out.Orders = append(out.Orders, httpapi.B2MMLOrder(o))
			}
			return out, nil
		},
		WritePerformance: map[string]func(io.Writer, httpapi.B2MMLPerformance) error{
			"v0600": write(b2mml.WriteProductionPerformance),
			"v0701": write(b2mml.WriteOperationsPerformance),
		},
	}
}

// noRole calls as a signed-in user who holds no role on any site.
const noRole forkline.Role = "(no role)"

func must2[T, U any](v T, u U, err error) (T, U) {
	if err != nil {
		panic(err)
	}
	return v, u
}

// must panics on a set-up error; tests then fail with its message.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// call sends a request as role ("" for anonymous) and returns the status and body.
func (e *env) call(role forkline.Role, method, path string, body any) (int, []byte) {
	e.t.Helper()
	var rd io.Reader
	ct := "application/json"
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
		if method == "POST" && strings.HasSuffix(strings.Split(path, "?")[0], "/import") {
			ct = "text/csv"
		}
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.ts.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", ct)
	}
	switch role {
	case "":
	case noRole:
		req.AddCookie(&http.Cookie{Name: auth.SessionCookie, Value: e.noRole})
	default:
		req.Header.Set("Authorization", "Bearer "+e.tokens[role])
	}
	res, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, out
}

type problemBody struct {
	Code   string `json:"code"`
	Detail string `json:"detail"`
	Fields []struct {
		Field string `json:"field"`
		Rule  string `json:"rule"`
	} `json:"fields"`
}

func decodeProblem(t *testing.T, b []byte) problemBody {
	t.Helper()
	var p problemBody
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatalf("not problem+json: %v: %s", err, b)
	}
	return p
}

// concrete fills a route pattern's path parameters with real IDs.
func (e *env) concrete(pattern string) string {
	kind := strings.Split(strings.TrimPrefix(pattern, "/api/v1/"), "/")[0]
	return strings.ReplaceAll(pattern, "{id}", e.ids[kind])
}

func TestEveryRouteRefusesAnonymousAndUnpermittedCallers(t *testing.T) {
	e := newEnv(t)
	for _, rt := range e.srv.Routes() {
		path := e.concrete(rt.Pattern)
		t.Run(rt.Method+" "+rt.Pattern, func(t *testing.T) {
			if code, body := e.call("", rt.Method, path, nil); code != http.StatusUnauthorized {
				t.Errorf("anonymous %s %s = %d, want 401: %s", rt.Method, path, code, body)
			}
			if rt.Perm == "" {
				return
			}
			if code, body := e.call(noRole, rt.Method, path, nil); code != http.StatusForbidden {
				t.Errorf("a user with no role: %s %s = %d, want 403: %s", rt.Method, path, code, body)
			}
			for _, role := range forkline.Roles() {
				if role.Has(rt.Perm) {
					continue
				}
				if code, body := e.call(role, rt.Method, path, nil); code != http.StatusForbidden {
					t.Errorf("%s without %s: %s %s = %d, want 403: %s", role, rt.Perm, rt.Method, path, code, body)
				}
			}
		})
	}
}

func TestEveryRouteIsDocumentedAndEveryDocumentedRouteAnswers(t *testing.T) {
	e := newEnv(t)
	code, body := e.call("", "GET", "/api/v1/openapi.json", nil)
	if code != http.StatusOK {
		t.Fatalf("GET openapi.json = %d", code)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi = %q, want 3.x", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	for _, rt := range e.srv.Routes() {
		key := rt.Method + " " + rt.Pattern
		if !documented[key] {
			t.Errorf("route %s is not in openapi.json", key)
		}
		delete(documented, key)
	}
	for key := range documented {
		t.Errorf("openapi.json documents %s, which is not a route", key)
	}
	// Every documented operation reaches a handler (not the catch-all 404).
	for path, ops := range doc.Paths {
		for method := range ops {
			code, body := e.call(forkline.RoleAdmin, strings.ToUpper(method), e.concrete(path), nil)
			if code == http.StatusNotFound && strings.Contains(string(body), "There is no API endpoint") {
				t.Errorf("%s %s is documented but not served", method, path)
			}
			if code == http.StatusMethodNotAllowed {
				t.Errorf("%s %s is documented but the method is not allowed", method, path)
			}
		}
	}
}

func plantItem(site, code string) plant.Item {
	return plant.Item{Record: plant.Record{SiteID: site, Code: code, Name: code}, Kind: plant.Raw, BaseUnit: forkline.Kilogram, Condition: plant.Ambient}
}
