package web_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/audit"
	"github.com/forkline/forkline/internal/auth"
	"github.com/forkline/forkline/internal/httpapi"
	"github.com/forkline/forkline/internal/inventory"
	"github.com/forkline/forkline/internal/monitoring"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/production"
	"github.com/forkline/forkline/internal/recipe"
	"github.com/forkline/forkline/internal/sqlstore"
	"github.com/forkline/forkline/internal/web"
	"github.com/forkline/forkline/internal/wiring"
)

// password is every test user's password.
const password = "correct horse battery"

// clock is a test clock that moves one second each time it is read, so
// records and audit entries get distinct, repeatable times.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// lockedBuffer collects error logs from server goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// env is a running Forkline: a real HTTP server with the UI mounted, over a
// temporary SQLite database.
type env struct {
	db   *sqlstore.DB
	logs *lockedBuffer
	// expectErrors stops the check that the server logged no errors.
	expectErrors bool
	srv          *httptest.Server
	ui           *web.UI
	plant        *plant.Service
	auth         *auth.Service
	inv          *inventory.Service
	rcp          *recipe.Service
	prod         *production.Service
	mon          *monitoring.Service
	pipe         *monitoring.Pipeline
	perf         *fakePerf
	clock        *clock
	sys          context.Context // runs as the system actor
	site         plant.Site
	other        plant.Site // a second site, for the site switcher
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 2, 26, 13, 0, 0, 0, time.UTC)}
	ids := forkline.NewIDGenerator(clk.Now)
	db, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "forkline.db"), ids, clk.Now)
	if err != nil {
		t.Fatalf("sqlstore.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	e := &env{db: db, logs: &lockedBuffer{}, clock: clk, sys: forkline.WithActor(ctx, forkline.System)}
	logger := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelError}))
	t.Cleanup(func() {
		if s := e.logs.String(); s != "" && !e.expectErrors {
			t.Errorf("the server logged errors:\n%s", s)
		}
	})
	e.plant = plant.NewService(db.Plant(), ids, clk.Now)
	e.auth = auth.NewService(db.Auth(), ids, clk.Now, auth.HashParams{Time: 1, Memory: 64, Threads: 1})
	aud := audit.NewService(db)
	e.inv = inventory.NewService(db.Inventory(), ids, clk.Now)
	e.rcp = recipe.NewService(db.Recipes(), e.auth, ids, clk.Now)
	e.prod = production.NewService(db.Production(), wiring.ProductionLedger{Inv: e.inv}, e.auth, ids, clk.Now)
	ms := db.Monitoring()
	e.pipe = monitoring.NewPipeline(ms, ids, clk.Now, logger)
	pctx, stopPipe := context.WithCancel(ctx)
	piped := make(chan struct{})
	go func() { defer close(piped); _ = e.pipe.Run(pctx) }()
	t.Cleanup(func() { stopPipe(); <-piped })
	e.mon = monitoring.NewService(ms, ms, wiring.EquipmentLookup{Plant: e.plant}, e.pipe, clk.Now)
	e.perf = &fakePerf{mon: e.mon, now: clk.Now}
	e.ui = web.New(web.Config{Logger: logger, Plant: e.plant, Auth: e.auth, Audit: aud, Inventory: e.inv, Recipes: e.rcp, Production: e.prod,
		Monitoring: e.mon, Performance: e.perf, Now: clk.Now})
	api := httpapi.New(httpapi.Config{Logger: logger, Plant: e.plant, Auth: e.auth, Audit: aud, Inventory: e.inv, Ready: db.Ping,
		Now: clk.Now, Version: "test", UI: e.ui.Handler()})
	e.srv = httptest.NewServer(api.Handler())
	t.Cleanup(e.srv.Close)

	e.site = must[plant.Site](t)(e.plant.Sites.Create(e.sys, plant.Site{Record: plant.Record{Code: "CHI-1", Name: "Chicago Bakery"}, TimeZone: "America/Chicago"}, ""))
	e.other = must[plant.Site](t)(e.plant.Sites.Create(e.sys, plant.Site{Record: plant.Record{Code: "MKE-1", Name: "Milwaukee Dairy"}, TimeZone: "America/Chicago"}, ""))
	return e
}

// must returns a function that fails the test on an error and returns the value.
func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("setup: %v", err)
		}
		return v
	}
}

// user creates a user holding roles on the main site and returns it.
func (e *env) user(t *testing.T, username, name string, roles ...forkline.Role) auth.User {
	t.Helper()
	u, err := e.auth.CreateUser(e.sys, username, name, password)
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", username, err)
	}
	exists := func(ctx context.Context, id forkline.ID) bool {
		_, err := e.plant.Sites.Find(e.sys, id)
		return err == nil
	}
	for _, r := range roles {
		if u, err = e.auth.SetRole(e.sys, u.ID, forkline.Grant{SiteID: e.site.ID, Role: r}, true, "test setup", exists); err != nil {
			t.Fatalf("SetRole(%s, %s): %v", username, r, err)
		}
	}
	return u
}

// as returns a context acting as u, for seeding records in u's name.
func as(u auth.User) context.Context { return forkline.WithActor(context.Background(), u.Actor()) }

// client returns an HTTP client signed in as username (none when ""),
// which does not follow redirects.
func (e *env) client(t *testing.T, username string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if username != "" {
		secret, _, err := e.auth.Login(context.Background(), username, password)
		if err != nil {
			t.Fatalf("Login(%s): %v", username, err)
		}
		u, _ := url.Parse(e.srv.URL)
		jar.SetCookies(u, []*http.Cookie{{Name: auth.SessionCookie, Value: secret, Path: "/"}})
	}
	return c
}

// response is what a test reads of an HTTP response.
type response struct {
	status   int
	location string
	body     string
}

func (e *env) get(t *testing.T, c *http.Client, path string) response {
	t.Helper()
	return e.do(t, c, "GET", path, "", nil)
}

func (e *env) post(t *testing.T, c *http.Client, path string, form url.Values) response {
	t.Helper()
	return e.do(t, c, "POST", path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
}

func (e *env) do(t *testing.T, c *http.Client, method, path, contentType string, body io.Reader) response {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	if err != nil {
		t.Fatalf("NewRequest: %v", err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return response{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(b)}
}
