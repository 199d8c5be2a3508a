package storetest_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/audit"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/sqlstore"
	"github.com/forkline/forkline/internal/storetest"
	"github.com/google/go-cmp/cmp"
)

// TestPlantCatalogs drives every kind of master record through the plant
// service, over the SQL store, on every engine.
func TestPlantCatalogs(t *testing.T) {
	t.Run("sites", func(t *testing.T) { t.Parallel(); testCatalog(t, siteKind) })
	t.Run("areas", func(t *testing.T) { t.Parallel(); testCatalog(t, areaKind) })
	t.Run("lines", func(t *testing.T) { t.Parallel(); testCatalog(t, lineKind) })
	t.Run("equipment", func(t *testing.T) { t.Parallel(); testCatalog(t, equipmentKind) })
	t.Run("locations", func(t *testing.T) { t.Parallel(); testCatalog(t, locationKind) })
	t.Run("items", func(t *testing.T) { t.Parallel(); testCatalog(t, itemKind) })
	t.Run("suppliers", func(t *testing.T) { t.Parallel(); testCatalog(t, supplierKind) })
	t.Run("customers", func(t *testing.T) { t.Parallel(); testCatalog(t, customerKind) })
}

func testCatalog[T any](t *testing.T, k kind[T]) {
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		w := newWorld(t, db, c)
		cat := k.catalog(w.svc)
		if cat.Entity() != k.entity || cat.GMP() != k.gmp {
			t.Fatalf("catalog Entity(), GMP() = %q, %t, want %q, %t", cat.Entity(), cat.GMP(), k.entity, k.gmp)
		}
		reason := ""
		if k.gmp {
			reason = "initial set-up"
		}

		t.Run("a created record gets an ID, version 1 and times, and is found", func(t *testing.T) {
			in := k.make(w, w.siteA, "  NEW-1 ", " Brand new ")
			got, err := cat.Create(w.ctx, in, reason)
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			b := k.base(&got)
			if !forkline.ValidID(b.ID) || b.Version != 1 || !b.Active || !b.CreatedAt.Equal(c.Now()) || !b.UpdatedAt.Equal(c.Now()) {
				t.Errorf("Create = ID %q, version %d, active %t, created %v, updated %v; want a valid ID, 1, true, %v, %v",
					b.ID, b.Version, b.Active, b.CreatedAt, b.UpdatedAt, c.Now(), c.Now())
			}
			if b.Code != "NEW-1" || b.Name != "Brand new" {
				t.Errorf("Create = code %q, name %q, want them trimmed: \"NEW-1\", \"Brand new\"", b.Code, b.Name)
			}
			found, err := cat.Find(w.ctx, b.ID)
			if err != nil {
				t.Fatalf("Find: %v", err)
			}
			if diff := cmp.Diff(got, found, quantityEq); diff != "" {
				t.Errorf("Find after Create mismatch (-want +got):\n%s", diff)
			}
			checkLastAudit(t, db, c, auditWant{Actor: forkline.System, Action: audit.Create, Entity: k.entity, EntityID: b.ID,
				SiteID: b.SiteID, Reason: reason, After: got})
		})

		t.Run("an update bumps the version and records before and after", func(t *testing.T) {
			rec, err := cat.Create(w.ctx, k.make(w, w.siteA, "UPD-1", "To update"), reason)
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			before := rec
			c.Advance(time.Minute)
			k.base(&rec).Name = "Updated"
			k.change(w, &rec)
			got, err := cat.Update(w.ctx, rec, "spec change SC-12")
			if err != nil {
				t.Fatalf("Update: %v", err)
			}
			b := k.base(&got)
			if b.Version != 2 || !b.UpdatedAt.Equal(c.Now()) || !b.CreatedAt.Equal(k.base(&before).CreatedAt) {
				t.Errorf("Update = version %d, updated %v, created %v; want 2, %v, %v", b.Version, b.UpdatedAt, b.CreatedAt, c.Now(), k.base(&before).CreatedAt)
			}
			found, err := cat.Find(w.ctx, b.ID)
			if err != nil {
				t.Fatalf("Find: %v", err)
			}
			if diff := cmp.Diff(got, found, quantityEq); diff != "" {
				t.Errorf("Find after Update mismatch (-want +got):\n%s", diff)
			}
			checkLastAudit(t, db, c, auditWant{Actor: forkline.System, Action: audit.Update, Entity: k.entity, EntityID: b.ID,
				SiteID: b.SiteID, Reason: "spec change SC-12", Before: before, After: got})

			stale := before
			k.base(&stale).Name = "Lost update"
			if _, err := cat.Update(w.ctx, stale, "late"); !errors.Is(err, forkline.ErrStaleVersion) {
				t.Errorf("Update(version 1 after version 2) error = %v, want %v", err, forkline.ErrStaleVersion)
			}
		})

		t.Run("an update cannot move a record to another site", func(t *testing.T) {
			if !k.perSite {
				t.Skip("a site is its own site")
			}
			rec, err := cat.Create(w.ctx, k.make(w, w.siteA, "STAY-1", "Stays"), reason)
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			k.base(&rec).SiteID = w.siteB.ID
			got, err := cat.Update(w.ctx, rec, "move")
			if err != nil {
				t.Fatalf("Update: %v", err)
			}
			if s := k.base(&got).SiteID; s != w.siteA.ID {
				t.Errorf("Update moved the record to site %s, want it kept on %s", s, w.siteA.ID)
			}
		})

		t.Run("a change without a reason is refused when the record is GMP-relevant", func(t *testing.T) {
			rec, err := cat.Create(w.ctx, k.make(w, w.siteA, "WHY-1", "Why"), reason)
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			k.base(&rec).Name = "No reason given"
			updated, err := cat.Update(w.ctx, rec, "  ")
			version := 1
			if err == nil {
				version = k.base(&updated).Version
			}
			_, err2 := cat.SetActive(w.ctx, k.base(&rec).ID, version, false, "")
			if !k.gmp {
				if err != nil || err2 != nil {
					t.Errorf("Update, SetActive without a reason = %v, %v, want nil, nil: %s records are not GMP-relevant", err, err2, k.entity)
				}
				return
			}
			for what, err := range map[string]error{"Update": err, "SetActive": err2} {
				wantCode(t, what, err, forkline.Invalid)
				if diff := cmp.Diff([]string{"reason"}, fieldNames(err)); diff != "" {
					t.Errorf("%s without a reason: fields mismatch (-want +got):\n%s", what, diff)
				}
			}
		})

		t.Run("a disabled record is listed only when asked, and can be enabled", func(t *testing.T) {
			rec, err := cat.Create(w.ctx, k.make(w, w.siteA, "OFF-1", "Switched off"), reason)
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			id := k.base(&rec).ID
			off, err := cat.SetActive(w.ctx, id, 1, false, "obsolete")
			if err != nil {
				t.Fatalf("SetActive(false): %v", err)
			}
			if b := k.base(&off); b.Active || b.Version != 2 {
				t.Errorf("SetActive(false) = active %t, version %d, want false, 2", b.Active, b.Version)
			}
			checkLastAudit(t, db, c, auditWant{Actor: forkline.System, Action: audit.Disable, Entity: k.entity, EntityID: id,
				SiteID: k.base(&rec).SiteID, Reason: "obsolete", Before: rec, After: off})
			listed := func(f plant.Filter) bool {
				t.Helper()
				f.Codes = []string{"OFF-1"}
				recs, err := cat.List(w.ctx, f)
				if err != nil {
					t.Fatalf("List: %v", err)
				}
				return len(recs) == 1
			}
			if listed(plant.Filter{}) {
				t.Errorf("List() includes the disabled record")
			}
			if !listed(plant.Filter{IncludeInactive: true}) {
				t.Errorf("List(IncludeInactive) leaves out the disabled record")
			}
			n := auditCount(t, db)
			again, err := cat.SetActive(w.ctx, id, 2, false, "obsolete")
			if err != nil || k.base(&again).Version != 2 || auditCount(t, db) != n {
				t.Errorf("disabling a disabled record = version %d, %v, %d new audit entries; want 2, nil, none",
					k.base(&again).Version, err, auditCount(t, db)-n)
			}
			if _, err := cat.SetActive(w.ctx, id, 1, true, "back"); !errors.Is(err, forkline.ErrStaleVersion) {
				t.Errorf("SetActive from a stale version error = %v, want %v", err, forkline.ErrStaleVersion)
			}
			on, err := cat.SetActive(w.ctx, id, 2, true, "back in the range")
			if err != nil {
				t.Fatalf("SetActive(true): %v", err)
			}
			if b := k.base(&on); !b.Active || b.Version != 3 {
				t.Errorf("SetActive(true) = active %t, version %d, want true, 3", b.Active, b.Version)
			}
			checkLastAudit(t, db, c, auditWant{Actor: forkline.System, Action: audit.Enable, Entity: k.entity, EntityID: id,
				SiteID: k.base(&rec).SiteID, Reason: "back in the range", Before: off, After: on})
			if !listed(plant.Filter{}) {
				t.Errorf("List() leaves out the enabled record")
			}
		})

		t.Run("a duplicate code is a conflict", func(t *testing.T) {
			if _, err := cat.Create(w.ctx, k.make(w, w.siteA, "TWICE", "First"), reason); err != nil {
				t.Fatalf("Create: %v", err)
			}
			_, err := cat.Create(w.ctx, k.make(w, w.siteA, "TWICE", "Second"), reason)
			if !errors.Is(err, forkline.ErrDuplicate) {
				t.Errorf("Create(duplicate code) error = %v, want %v", err, forkline.ErrDuplicate)
			}
		})

		t.Run("an unknown or malformed ID is not found", func(t *testing.T) {
			for _, id := range []string{w.ids.New(), "not-an-id", ""} {
				if _, err := cat.Find(w.ctx, id); !errors.Is(err, forkline.ErrNotFound) {
					t.Errorf("Find(%q) error = %v, want %v", id, err, forkline.ErrNotFound)
				}
			}
			ghost := stamp(w, k, k.make(w, w.siteA, "GHOST", "Ghost"))
			if _, err := cat.Update(w.ctx, ghost, "x"); forkline.ErrorCode(err) != forkline.NotFound {
				t.Errorf("Update(unknown) error = %v, want not found", err)
			}
			if _, err := cat.SetActive(w.ctx, k.base(&ghost).ID, 1, false, "x"); forkline.ErrorCode(err) != forkline.NotFound {
				t.Errorf("SetActive(unknown) error = %v, want not found", err)
			}
		})

		t.Run("an import writes every row, or reports every bad row by its line", func(t *testing.T) {
			if _, err := cat.Create(w.ctx, k.make(w, w.siteA, "IMP-OLD", "Already there"), reason); err != nil {
				t.Fatalf("Create: %v", err)
			}
			n := auditCount(t, db)
			bad := []T{
				k.make(w, w.siteA, "IMP-1", "Good"),
				k.make(w, w.siteA, "IMP-2", ""),        // line 3: no name
				k.make(w, w.siteA, "IMP-1", "Again"),   // line 4: code also on line 2
				k.make(w, w.siteA, "IMP-OLD", "Taken"), // line 5: code already used
				k.make(w, w.siteA, "IMP 6", "Spaced"),  // line 6: space in code
				k.make(w, w.siteA, "IMP-7", "Good too"),
			}
			_, err := cat.Import(w.ctx, bad, []int{2, 3, 4, 5, 6, 7}, "initial load")
			wantCode(t, "Import", err, forkline.Invalid)
			want := []string{"line 3: name", "line 4: code", "line 5: code", "line 6: code"}
			if diff := cmp.Diff(want, fieldNames(err)); diff != "" {
				t.Errorf("Import problems mismatch (-want +got):\n%s", diff)
			}
			if m := auditCount(t, db); m != n {
				t.Errorf("audit entries = %d after a refused import, want %d", m, n)
			}
			if recs, err := cat.List(w.ctx, plant.Filter{Search: "IMP-", IncludeInactive: true}); err != nil || len(recs) != 1 {
				t.Errorf("List(IMP-) = %d records, %v, want only the one made before the import", len(recs), err)
			}

			good := []T{k.make(w, w.siteA, "IMP-1", "Good"), k.make(w, w.siteA, "IMP-2", "Good too"), k.make(w, w.siteA, "IMP-3", "Good three")}
			got, err := cat.Import(w.ctx, good, []int{2, 3, 4}, "initial load")
			if err != nil || got != 3 {
				t.Fatalf("Import(3 good rows) = %d, %v, want 3, nil", got, err)
			}
			if m := auditCount(t, db); m != n+3 {
				t.Errorf("audit entries = %d after importing 3 rows, want %d", m, n+3)
			}
			recs, err := cat.List(w.ctx, plant.Filter{Codes: []string{"IMP-1", "IMP-2", "IMP-3"}})
			if err != nil || len(recs) != 3 {
				t.Fatalf("List(imported) = %d records, %v, want 3", len(recs), err)
			}
			for i := range recs {
				checkLastAudit(t, db, c, auditWant{Actor: forkline.System, Action: audit.Create, Entity: k.entity, EntityID: k.base(&recs[i]).ID,
					SiteID: k.base(&recs[i]).SiteID, Reason: "initial load", After: recs[i]})
			}
		})

		t.Run("an import of nothing is refused", func(t *testing.T) {
			_, err := cat.Import(w.ctx, nil, nil, "")
			wantCode(t, "Import(nothing)", err, forkline.Invalid)
		})
	})
}

// TestPlantPermissions checks that the plant service asks the actor's grants
// before it reads or writes, on every engine.
func TestPlantPermissions(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		w := newWorld(t, db, c)
		as := func(name string, grants ...forkline.Grant) context.Context {
			return forkline.WithActor(context.Background(), forkline.Actor{Kind: forkline.ActorUser, ID: w.ids.New(), Name: name, Grants: grants})
		}
		planner := as("pl", forkline.Grant{SiteID: w.siteA.ID, Role: forkline.RolePlanner})
		operator := as("op", forkline.Grant{SiteID: w.siteA.ID, Role: forkline.RoleOperator})
		quality := as("qa", forkline.Grant{SiteID: w.siteA.ID, Role: forkline.RoleQuality})
		stranger := as("st")
		item := itemKind.make(w, w.siteA, "PERM-1", "Permitted")
		onB := itemKind.make(w, w.siteB, "PERM-B", "On B")
		made, err := w.svc.Items.Create(w.ctx, onB, "")
		if err != nil {
			t.Fatalf("Create on B: %v", err)
		}
		madeA, err := w.svc.Items.Create(w.ctx, itemKind.make(w, w.siteA, "PERM-A", "On A"), "")
		if err != nil {
			t.Fatalf("Create on A: %v", err)
		}

		tests := []struct {
			name string
			do   func() error
			want error
		}{
			{"a planner creates an item on the planner's site", func() error { _, err := w.svc.Items.Create(planner, item, "r"); return err }, nil},
			{"a planner may not create an item on another site", func() error { _, err := w.svc.Items.Create(planner, onB, "r"); return err }, forkline.ErrForbidden},
			{"an operator may not create an item", func() error {
				_, err := w.svc.Items.Create(operator, itemKind.make(w, w.siteA, "PERM-2", "x"), "r")
				return err
			}, forkline.ErrForbidden},
			{"an operator may not change an item", func() error {
				_, err := w.svc.Items.Update(operator, madeA, "r")
				return err
			}, forkline.ErrForbidden},
			{"an operator may not disable an item", func() error {
				_, err := w.svc.Items.SetActive(operator, madeA.ID, madeA.Version, false, "r")
				return err
			}, forkline.ErrForbidden},
			{"an operator reads an item of the operator's site", func() error { _, err := w.svc.Items.Find(operator, madeA.ID); return err }, nil},
			{"an operator may not read another site's item", func() error { _, err := w.svc.Items.Find(operator, made.ID); return err }, forkline.ErrForbidden},
			{"an actor without grants may not list", func() error { _, err := w.svc.Items.List(stranger, plant.Filter{}); return err }, forkline.ErrForbidden},
			{"an operator may not list another site only", func() error {
				_, err := w.svc.Items.List(operator, plant.Filter{SiteIDs: []forkline.ID{w.siteB.ID}})
				return err
			}, forkline.ErrForbidden},
			{"no actor is unauthenticated", func() error { _, err := w.svc.Items.Find(context.Background(), made.ID); return err }, forkline.ErrUnauthenticated},
			{"only an administrator adds a site", func() error {
				_, err := w.svc.Sites.Create(planner, siteKind.make(w, w.siteA, "NEW", "New site"), "")
				return err
			}, &forkline.Error{Code: forkline.Forbidden, Msg: "Only an administrator may add a site."}},
			{"a planner may not approve a supplier", func() error {
				_, err := w.svc.Suppliers.Create(planner, supplierKind.make(w, w.siteA, "SUP-1", "Approved by a planner"), "r")
				return err
			}, &forkline.Error{Code: forkline.Forbidden, Msg: "Only quality may change a supplier's approval status."}},
			{"a planner adds a pending supplier", func() error {
				s := supplierKind.make(w, w.siteA, "SUP-2", "Pending")
				s.Approval = plant.Pending
				_, err := w.svc.Suppliers.Create(planner, s, "r")
				return err
			}, nil},
			{"quality approves a supplier", func() error {
				_, err := w.svc.Suppliers.Create(quality, supplierKind.make(w, w.siteA, "SUP-3", "Approved by quality"), "r")
				return err
			}, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if err := tt.do(); !errors.Is(err, tt.want) {
					t.Errorf("got error %v, want %v", err, tt.want)
				}
			})
		}

		t.Run("an operator lists only the operator's site", func(t *testing.T) {
			recs, err := w.svc.Items.List(operator, plant.Filter{})
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			for _, r := range recs {
				if r.SiteID != w.siteA.ID {
					t.Errorf("List by an operator of site A returned %s of site %s", r.Code, r.SiteID)
				}
			}
			if len(recs) == 0 {
				t.Errorf("List by an operator of site A returned nothing, want PERM-1")
			}
		})

		t.Run("the audit entry names the user who made the change", func(t *testing.T) {
			recs, err := w.svc.Items.List(planner, plant.Filter{Codes: []string{"PERM-1"}})
			if err != nil || len(recs) != 1 {
				t.Fatalf("List(PERM-1) = %v, %v", recs, err)
			}
			a, _ := forkline.ActorFrom(planner)
			checkLastAudit(t, db, c, auditWant{Actor: forkline.Actor{Kind: a.Kind, ID: a.ID, Name: a.Name}, Action: audit.Create,
				Entity: "item", EntityID: recs[0].ID, SiteID: w.siteA.ID, Reason: "r", After: recs[0]})
		})
	})
}

// TestPlantReferences checks the references between records, on every engine.
func TestPlantReferences(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		w := newWorld(t, db, c)
		offArea, err := w.svc.Areas.Create(w.ctx, plant.Area{Record: plant.Record{SiteID: w.siteA.ID, Code: "OLD", Name: "Old hall"}}, "")
		if err != nil {
			t.Fatalf("create area: %v", err)
		}
		if _, err := w.svc.Areas.SetActive(w.ctx, offArea.ID, 1, false, "demolished"); err != nil {
			t.Fatalf("disable area: %v", err)
		}
		line := func(area forkline.ID) plant.Line {
			return plant.Line{Record: plant.Record{SiteID: w.siteA.ID, Code: "L-REF", Name: "Ref"}, AreaID: area}
		}
		tests := []struct {
			name      string
			do        func() error
			wantField string
		}{
			{"a line in a missing area", func() error { _, err := w.svc.Lines.Create(w.ctx, line(w.ids.New()), "r"); return err }, "areaId"},
			{"a line in an area of another site", func() error {
				_, err := w.svc.Lines.Create(w.ctx, line(w.area[w.siteB.ID].ID), "r")
				return err
			}, "areaId"},
			{"a line in a disabled area", func() error { _, err := w.svc.Lines.Create(w.ctx, line(offArea.ID), "r"); return err }, "areaId"},
			{"a line whose area is no ID", func() error { _, err := w.svc.Lines.Create(w.ctx, line("hall 3"), "r"); return err }, "areaId"},
			{"a line moved to a missing area", func() error {
				l := w.line[w.siteA.ID]
				l.AreaID = w.ids.New()
				_, err := w.svc.Lines.Update(w.ctx, l, "r")
				return err
			}, "areaId"},
			{"equipment on a missing line", func() error {
				e := equipmentKind.make(w, w.siteA, "EQ-REF", "Ref")
				e.LineID = w.ids.New()
				_, err := w.svc.Equipment.Create(w.ctx, e, "r")
				return err
			}, "lineId"},
			{"equipment on another site's line", func() error {
				e := equipmentKind.make(w, w.siteA, "EQ-REF", "Ref")
				e.LineID = w.line[w.siteB.ID].ID
				_, err := w.svc.Equipment.Create(w.ctx, e, "r")
				return err
			}, "lineId"},
			{"a record on a site that is no ID", func() error {
				_, err := w.svc.Items.Create(w.ctx, itemKind.make(w, plant.Site{Record: plant.Record{ID: "CHI"}}, "X", "X"), "r")
				return err
			}, "siteId"},
			{"an item whose base unit changes", func() error {
				it, err := w.svc.Items.Create(w.ctx, itemKind.make(w, w.siteA, "BASE-1", "Base"), "r")
				if err != nil {
					return err
				}
				it.BaseUnit, it.PackSizes = forkline.Kilogram, nil
				_, err = w.svc.Items.Update(w.ctx, it, "r")
				return err
			}, "baseUnit"},
		}
		for _, tt := range tests {
			t.Run(tt.name+" is invalid", func(t *testing.T) {
				err := tt.do()
				wantCode(t, "write", err, forkline.Invalid)
				if diff := cmp.Diff([]string{tt.wantField}, fieldNames(err)); diff != "" {
					t.Errorf("fields mismatch (-want +got):\n%s", diff)
				}
			})
		}

		t.Run("the store refuses a line in a missing area even without the service", func(t *testing.T) {
			l := stamp(w, lineKind, line(w.ids.New()))
			err := db.Plant().Lines().Insert(w.ctx, l, audit.Change{Action: audit.Create, Entity: "line", EntityID: l.ID, After: l})
			wantCode(t, "Lines().Insert(missing area)", err, forkline.Invalid)
		})
		t.Run("the store refuses a record on a missing site", func(t *testing.T) {
			it := stamp(w, itemKind, itemKind.make(w, plant.Site{Record: plant.Record{ID: w.ids.New()}}, "NOSITE", "No site"))
			err := db.Plant().Items().Insert(w.ctx, it, audit.Change{Action: audit.Create, Entity: "item", EntityID: it.ID, After: it})
			wantCode(t, "Items().Insert(missing site)", err, forkline.Invalid)
		})
		t.Run("equipment without a line is fine", func(t *testing.T) {
			e := equipmentKind.make(w, w.siteA, "EQ-FREE", "Free standing")
			e.LineID = ""
			got, err := w.svc.Equipment.Create(w.ctx, e, "r")
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			found, err := w.svc.Equipment.Find(w.ctx, got.ID)
			if err != nil || found.LineID != "" {
				t.Errorf("Find = line %q, %v, want \"\", nil", found.LineID, err)
			}
		})
	})
}

// TestCustomerShipTos checks how a customer's ship-to locations are kept, on every engine.
func TestCustomerShipTos(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		w := newWorld(t, db, c)
		shipTo := func(code string) plant.ShipTo {
			return plant.ShipTo{Code: code, Name: "DC " + code, Address: code + " Road"}
		}
		cust, err := w.svc.Customers.Create(w.ctx, plant.Customer{Record: plant.Record{SiteID: w.siteA.ID, Code: "SHOP", Name: "Shop"},
			ShipTos: []plant.ShipTo{shipTo("B"), shipTo("A")}}, "")
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		ids := map[string]forkline.ID{}
		for _, s := range cust.ShipTos {
			if !forkline.ValidID(s.ID) {
				t.Errorf("ship-to %s ID = %q, want a new ID", s.Code, s.ID)
			}
			ids[s.Code] = s.ID
		}
		find := func(t *testing.T) plant.Customer {
			t.Helper()
			got, err := w.svc.Customers.Find(w.ctx, cust.ID)
			if err != nil {
				t.Fatalf("Find: %v", err)
			}
			return got
		}

		t.Run("ship-tos are found by code", func(t *testing.T) {
			want := []plant.ShipTo{shipTo("A"), shipTo("B")}
			want[0].ID, want[1].ID = ids["A"], ids["B"]
			if diff := cmp.Diff(want, find(t).ShipTos); diff != "" {
				t.Errorf("ShipTos mismatch (-want +got):\n%s", diff)
			}
		})

		t.Run("an update keeps the IDs of ship-tos with the same code and drops the rest", func(t *testing.T) {
			cur := find(t)
			cur.ShipTos = []plant.ShipTo{shipTo("A"), shipTo("C")} // no IDs, as from a form
			cur.ShipTos[0].Name = "DC A renamed"
			got, err := w.svc.Customers.Update(w.ctx, cur, "")
			if err != nil {
				t.Fatalf("Update: %v", err)
			}
			if got.ShipTos[0].ID != ids["A"] {
				t.Errorf("ship-to A ID = %s after Update, want %s kept", got.ShipTos[0].ID, ids["A"])
			}
			ids["C"] = got.ShipTos[1].ID
			if diff := cmp.Diff(got.ShipTos, find(t).ShipTos); diff != "" {
				t.Errorf("Find after Update mismatch with Update's result (-update +find):\n%s", diff)
			}
		})

		t.Run("a ship-to dropped and listed again comes back with its ID", func(t *testing.T) {
			cur := find(t)
			cur.ShipTos = append(cur.ShipTos, shipTo("B"))
			got, err := w.svc.Customers.Update(w.ctx, cur, "")
			if err != nil {
				t.Fatalf("Update: %v", err)
			}
			found := find(t)
			if diff := cmp.Diff(got.ShipTos, found.ShipTos, sortShipTos); diff != "" {
				t.Errorf("Find after Update mismatch with Update's result (-update +find):\n%s", diff)
			}
			for _, s := range found.ShipTos {
				if s.Code == "B" && s.ID != ids["B"] {
					t.Errorf("ship-to B came back with ID %s, want its old ID %s", s.ID, ids["B"])
				}
			}
		})

		t.Run("a ship-to whose code is changed keeps its ID", func(t *testing.T) {
			cur := find(t)
			for i := range cur.ShipTos {
				if cur.ShipTos[i].Code == "C" {
					cur.ShipTos[i].Code = "C2"
				}
			}
			got, err := w.svc.Customers.Update(w.ctx, cur, "")
			if err != nil {
				t.Fatalf("Update(renamed ship-to code): %v", err)
			}
			if diff := cmp.Diff(got.ShipTos, find(t).ShipTos, sortShipTos); diff != "" {
				t.Errorf("Find after Update mismatch with Update's result (-update +find):\n%s", diff)
			}
		})

		t.Run("an invalid ship-to is refused with its index", func(t *testing.T) {
			cur := find(t)
			cur.ShipTos = append(cur.ShipTos, plant.ShipTo{Code: "D", Name: "DC D"})
			_, err := w.svc.Customers.Update(w.ctx, cur, "")
			wantCode(t, "Update", err, forkline.Invalid)
			want := fmt.Sprintf("shipTos[%d].address", len(cur.ShipTos)-1)
			if diff := cmp.Diff([]string{want}, fieldNames(err)); diff != "" {
				t.Errorf("fields mismatch (-want +got):\n%s", diff)
			}
		})
	})
}

// sortShipTos compares ship-to lists in code order.
var sortShipTos = cmp.Transformer("byCode", func(in []plant.ShipTo) []plant.ShipTo {
	return slices.SortedFunc(slices.Values(in), func(a, b plant.ShipTo) int { return strings.Compare(a.Code, b.Code) })
})

// TestSearchIgnoresCaseBeyondASCII checks that search ignores case for the
// accented letters of food names (crème, jalapeño, Müsli), on every engine.
func TestSearchIgnoresCaseBeyondASCII(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		w := newWorld(t, db, c)
		if _, err := w.svc.Items.Create(w.ctx, itemKind.make(w, w.siteA, "CREME-40", "CRÈME FRAÎCHE 40%"), ""); err != nil {
			t.Fatalf("Create: %v", err)
		}
		for _, search := range []string{"CRÈME", "crème", "Fraîche"} {
			t.Run(search, func(t *testing.T) {
				got, err := w.svc.Items.List(w.ctx, plant.Filter{Search: search})
				if err != nil || len(got) != 1 {
					t.Errorf("List(Search %q) = %d items, %v, want CREME-40", search, len(got), err)
				}
			})
		}
	})
}
