package storetest_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"testing"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/audit"
	"github.com/forkline/forkline/internal/auth"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/sqlstore"
	"github.com/forkline/forkline/internal/storetest"
	"github.com/google/go-cmp/cmp"
)

// cheapHash makes argon2id fast enough for tests that hash many passwords.
var cheapHash = auth.HashParams{Time: 1, Memory: 64, Threads: 1}

// start is the fixed time every test clock starts at (storetest.Run uses it too).
var start = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// quantityEq compares quantities by value: Quantity has an unexported amount.
var quantityEq = cmp.Comparer(func(a, b forkline.Quantity) bool { return a == b })

// pat is a user actor for writes whose audit entries must name a person.
var pat = forkline.Actor{Kind: forkline.ActorUser, ID: "0190a1b2-c3d4-7e5f-8a6b-000000000001", Name: "pat"}

func asPat() context.Context { return forkline.WithActor(context.Background(), pat) }

// openAt opens and migrates the database at dsn, closing it when t ends.
func openAt(t *testing.T, dsn string, c *storetest.Clock) *sqlstore.DB {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, dsn, forkline.NewIDGenerator(c.Now), c.Now)
	if err != nil {
		t.Fatalf("sqlstore.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return db
}

// openRaw opens the database at dsn with the plain driver, past every rule
// of the store, as someone tampering with it would.
func openRaw(t *testing.T, engine, dsn string) *sql.DB {
	t.Helper()
	driver, name := "pgx", dsn
	if engine == "sqlite" {
		driver, name = "sqlite", "file:"+dsn+"?_pragma=busy_timeout(10000)"
	}
	raw, err := sql.Open(driver, name)
	if err != nil {
		t.Fatalf("sql.Open(%s): %v", driver, err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}

// auditCount verifies the chain, which must be intact, and returns its length.
func auditCount(t *testing.T, db *sqlstore.DB) int64 {
	t.Helper()
	r, err := audit.NewService(db).Verify(context.Background())
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if r.Break != nil {
		t.Fatalf("Verify = %v, want an intact chain", r.Break)
	}
	return r.Entries
}

// history returns the audit entries of one record, newest first.
func history(t *testing.T, db *sqlstore.DB, entity string, id forkline.ID) []audit.Entry {
	t.Helper()
	es, err := db.FindAuditEntries(context.Background(), audit.Filter{Entity: entity, EntityID: id, Limit: 100})
	if err != nil {
		t.Fatalf("FindAuditEntries(%s %s): %v", entity, id, err)
	}
	return es
}

// auditWant is the part of an audit entry a test states; Before and After
// are compared as JSON values, "" meaning no snapshot.
type auditWant struct {
	Actor    forkline.Actor
	Action   audit.Action
	Entity   string
	EntityID forkline.ID
	SiteID   forkline.ID
	Reason   string
	Before   any
	After    any
}

// checkLastAudit checks the newest audit entry of the record.
func checkLastAudit(t *testing.T, db *sqlstore.DB, c *storetest.Clock, want auditWant) audit.Entry {
	t.Helper()
	es := history(t, db, want.Entity, want.EntityID)
	if len(es) == 0 {
		t.Fatalf("no audit entry for %s %s, want one", want.Entity, want.EntityID)
	}
	e := es[0]
	type view struct {
		ActorKind         forkline.ActorKind
		ActorID           string
		ActorName         string
		Action            audit.Action
		Entity, EntityID  string
		SiteID, Reason    string
		At                time.Time
		Before, After     any
		HasHash, LinksOut bool
	}
	decode := func(s string) any {
		if s == "" {
			return nil
		}
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			t.Fatalf("audit snapshot %q is not JSON: %v", s, err)
		}
		return v
	}
	snap := func(v any) any {
		s, err := audit.Snapshot(v)
		if err != nil {
			t.Fatalf("Snapshot: %v", err)
		}
		return decode(s)
	}
	got := view{e.ActorKind, e.ActorID, e.ActorName, e.Action, e.Entity, e.EntityID, e.SiteID, e.Reason, e.At,
		decode(e.Before), decode(e.After), len(e.Hash) == 64, len(e.PrevHash) == 64}
	w := view{want.Actor.Kind, want.Actor.ID, want.Actor.Name, want.Action, want.Entity, want.EntityID, want.SiteID, want.Reason,
		c.Now(), snap(want.Before), snap(want.After), true, true}
	if diff := cmp.Diff(w, got); diff != "" {
		t.Errorf("newest audit entry of %s %s mismatch (-want +got):\n%s", want.Entity, want.EntityID, diff)
	}
	return e
}

// wantCode fails t unless err carries code.
func wantCode(t *testing.T, what string, err error, code forkline.Code) {
	t.Helper()
	if got := forkline.ErrorCode(err); got != code {
		t.Fatalf("%s error = %v (code %q), want code %q", what, err, got, code)
	}
}

// fieldNames lists the fields named by the problems of err.
func fieldNames(err error) []string {
	var out []string
	for _, f := range forkline.ErrorFields(err) {
		out = append(out, f.Field)
	}
	return out
}

// world is a plant with two sites, each with one area and one line, made
// through the plant service as the system.
type world struct {
	db    *sqlstore.DB
	clock *storetest.Clock
	ids   *forkline.IDGenerator
	svc   *plant.Service
	ctx   context.Context // the system actor
	siteA plant.Site
	siteB plant.Site
	area  map[forkline.ID]plant.Area // the area of each site
	line  map[forkline.ID]plant.Line // the line of each site
}

func newWorld(t *testing.T, db *sqlstore.DB, c *storetest.Clock) *world {
	t.Helper()
	ids := forkline.NewIDGenerator(c.Now)
	w := &world{db: db, clock: c, ids: ids, svc: plant.NewService(db.Plant(), ids, c.Now), ctx: storetest.SystemContext(),
		area: map[forkline.ID]plant.Area{}, line: map[forkline.ID]plant.Line{}}
	for i, code := range []string{"CHI", "BER"} {
		zone := []string{"America/Chicago", "Europe/Berlin"}[i]
		s, err := w.svc.Sites.Create(w.ctx, plant.Site{Record: plant.Record{Code: code, Name: "Plant " + code}, TimeZone: zone}, "")
		if err != nil {
			t.Fatalf("create site %s: %v", code, err)
		}
		a, err := w.svc.Areas.Create(w.ctx, plant.Area{Record: plant.Record{SiteID: s.ID, Code: "W-AREA", Name: "World area"}}, "")
		if err != nil {
			t.Fatalf("create area on %s: %v", code, err)
		}
		l, err := w.svc.Lines.Create(w.ctx, plant.Line{Record: plant.Record{SiteID: s.ID, Code: "W-LINE", Name: "World line"}, AreaID: a.ID}, "new line")
		if err != nil {
			t.Fatalf("create line on %s: %v", code, err)
		}
		w.area[s.ID], w.line[s.ID] = a, l
		if i == 0 {
			w.siteA = s
		} else {
			w.siteB = s
		}
	}
	return w
}

// siteExists is what auth asks to check a grant's or token's site.
func (w *world) siteExists(ctx context.Context, id forkline.ID) bool {
	_, err := w.db.Plant().Sites().Find(ctx, id)
	return err == nil
}

func (w *world) auth() *auth.Service {
	return auth.NewService(w.db.Auth(), w.ids, w.clock.Now, cheapHash)
}
