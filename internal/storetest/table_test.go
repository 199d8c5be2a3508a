package storetest_test

import (
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

// TestPlantTables drives every plant table directly through plant.Table,
// the store contract, on every engine.
func TestPlantTables(t *testing.T) {
	t.Run("sites", func(t *testing.T) { t.Parallel(); testTable(t, siteKind) })
	t.Run("areas", func(t *testing.T) { t.Parallel(); testTable(t, areaKind) })
	t.Run("lines", func(t *testing.T) { t.Parallel(); testTable(t, lineKind) })
	t.Run("equipment", func(t *testing.T) { t.Parallel(); testTable(t, equipmentKind) })
	t.Run("locations", func(t *testing.T) { t.Parallel(); testTable(t, locationKind) })
	t.Run("items", func(t *testing.T) { t.Parallel(); testTable(t, itemKind) })
	t.Run("suppliers", func(t *testing.T) { t.Parallel(); testTable(t, supplierKind) })
	t.Run("customers", func(t *testing.T) { t.Parallel(); testTable(t, customerKind) })
}

func testTable[T any](t *testing.T, k kind[T]) {
	codes := func(recs []T) []string {
		var out []string
		for i := range recs {
			out = append(out, k.base(&recs[i]).Code)
		}
		return out
	}
	// ours drops the records of the world itself, whose codes start with "W-".
	ours := func(codes []string) []string {
		return slices.DeleteFunc(codes, func(c string) bool { return strings.HasPrefix(c, "W-") })
	}
	insert := func(t *testing.T, w *world, rec T) T {
		t.Helper()
		rec = stamp(w, k, rec)
		b := k.base(&rec)
		if err := k.table(w.db.Plant()).Insert(asPat(), rec, audit.Change{Action: audit.Create, Entity: k.entity, EntityID: b.ID, SiteID: b.SiteID, After: rec}); err != nil {
			t.Fatalf("Insert(%s): %v", b.Code, err)
		}
		return rec
	}

	// Each storetest.Run sits in its own named subtest: a repeated name would
	// get a "#01" suffix, which breaks the SQLite file path (see TestOpenSQLitePath).
	t.Run("writes", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
			w := newWorld(t, db, c)
			tbl := k.table(db.Plant())
			ctx := asPat()

			t.Run("an inserted record is found by its ID, with its audit entry", func(t *testing.T) {
				rec := insert(t, w, k.make(w, w.siteA, "FIND-1", "Findable"))
				got, err := tbl.Find(ctx, k.base(&rec).ID)
				if err != nil {
					t.Fatalf("Find: %v", err)
				}
				if diff := cmp.Diff(rec, got, quantityEq); diff != "" {
					t.Errorf("Find mismatch (-want +got):\n%s", diff)
				}
				b := k.base(&rec)
				checkLastAudit(t, db, c, auditWant{Actor: pat, Action: audit.Create, Entity: k.entity, EntityID: b.ID, SiteID: b.SiteID, After: rec})
			})

			t.Run("an unknown ID is not found", func(t *testing.T) {
				_, err := tbl.Find(ctx, w.ids.New())
				if !errors.Is(err, forkline.ErrNotFound) {
					t.Errorf("Find(unknown) error = %v, want %v", err, forkline.ErrNotFound)
				}
			})

			t.Run("an update replaces the record guarded by its version", func(t *testing.T) {
				rec := insert(t, w, k.make(w, w.siteA, "UPD-1", "Updatable"))
				before := rec
				c.Advance(time.Hour)
				b := k.base(&rec)
				b.Code, b.Name, b.Version = "UPD-1B", "Updated", 2
				b.UpdatedAt = c.Now()
				k.change(w, &rec)
				if err := tbl.Update(ctx, rec, 1, audit.Change{Action: audit.Update, Entity: k.entity, EntityID: b.ID, SiteID: b.SiteID, Reason: "fix", Before: before, After: rec}); err != nil {
					t.Fatalf("Update: %v", err)
				}
				got, err := tbl.Find(ctx, b.ID)
				if err != nil {
					t.Fatalf("Find: %v", err)
				}
				if diff := cmp.Diff(rec, got, quantityEq); diff != "" {
					t.Errorf("Find after Update mismatch (-want +got):\n%s", diff)
				}
				checkLastAudit(t, db, c, auditWant{Actor: pat, Action: audit.Update, Entity: k.entity, EntityID: b.ID, SiteID: b.SiteID, Reason: "fix", Before: before, After: got})
			})

			t.Run("an update from a stale version is refused and changes nothing", func(t *testing.T) {
				rec := insert(t, w, k.make(w, w.siteA, "STALE-1", "Stale"))
				n := auditCount(t, db)
				changed := rec
				b := k.base(&changed)
				b.Name, b.Version = "Lost update", 3
				err := tbl.Update(ctx, changed, 2, audit.Change{Action: audit.Update, Entity: k.entity, EntityID: b.ID, After: changed})
				if !errors.Is(err, forkline.ErrStaleVersion) {
					t.Fatalf("Update(stale) error = %v, want %v", err, forkline.ErrStaleVersion)
				}
				got, err := tbl.Find(ctx, b.ID)
				if err != nil {
					t.Fatalf("Find: %v", err)
				}
				if diff := cmp.Diff(rec, got, quantityEq); diff != "" {
					t.Errorf("Find after a stale Update mismatch (-want +got):\n%s", diff)
				}
				if m := auditCount(t, db); m != n {
					t.Errorf("audit entries = %d after a refused update, want %d", m, n)
				}
			})

			t.Run("an update of an unknown record is not found", func(t *testing.T) {
				rec := stamp(w, k, k.make(w, w.siteA, "GHOST-1", "Ghost"))
				b := k.base(&rec)
				err := tbl.Update(ctx, rec, 1, audit.Change{Action: audit.Update, Entity: k.entity, EntityID: b.ID, After: rec})
				wantCode(t, "Update(unknown)", err, forkline.NotFound)
			})

			t.Run("a duplicate code on the same site is a conflict and writes nothing", func(t *testing.T) {
				insert(t, w, k.make(w, w.siteA, "DUP-1", "First"))
				n := auditCount(t, db)
				rec := stamp(w, k, k.make(w, w.siteA, "DUP-1", "Second"))
				b := k.base(&rec)
				err := tbl.Insert(ctx, rec, audit.Change{Action: audit.Create, Entity: k.entity, EntityID: b.ID, After: rec})
				if !errors.Is(err, forkline.ErrDuplicate) {
					t.Fatalf("Insert(duplicate code) error = %v, want %v", err, forkline.ErrDuplicate)
				}
				if _, err := tbl.Find(ctx, b.ID); forkline.ErrorCode(err) != forkline.NotFound {
					t.Errorf("Find(refused record) error = %v, want not found", err)
				}
				if m := auditCount(t, db); m != n {
					t.Errorf("audit entries = %d after a refused insert, want %d", m, n)
				}
			})

			if k.perSite {
				t.Run("the same code on another site is fine", func(t *testing.T) {
					a := insert(t, w, k.make(w, w.siteA, "TWIN-1", "Twin on A"))
					b := insert(t, w, k.make(w, w.siteB, "TWIN-1", "Twin on B"))
					if k.base(&a).ID == k.base(&b).ID {
						t.Errorf("both twins have ID %s", k.base(&a).ID)
					}
				})
			}

			t.Run("an update to a code taken on the site is a conflict", func(t *testing.T) {
				insert(t, w, k.make(w, w.siteA, "TAKEN-1", "Taken"))
				rec := insert(t, w, k.make(w, w.siteA, "TAKEN-2", "Other"))
				b := k.base(&rec)
				b.Code, b.Version = "TAKEN-1", 2
				err := tbl.Update(ctx, rec, 1, audit.Change{Action: audit.Update, Entity: k.entity, EntityID: b.ID, After: rec})
				if !errors.Is(err, forkline.ErrDuplicate) {
					t.Errorf("Update(taken code) error = %v, want %v", err, forkline.ErrDuplicate)
				}
			})

			t.Run("InsertMany writes every record with its audit entry", func(t *testing.T) {
				n := auditCount(t, db)
				var recs []T
				var chs []audit.Change
				for i := range 3 {
					rec := stamp(w, k, k.make(w, w.siteA, fmt.Sprintf("MANY-%d", i), "Many"))
					b := k.base(&rec)
					recs = append(recs, rec)
					chs = append(chs, audit.Change{Action: audit.Create, Entity: k.entity, EntityID: b.ID, SiteID: b.SiteID, Reason: "import", After: rec})
				}
				if err := tbl.InsertMany(ctx, recs, chs); err != nil {
					t.Fatalf("InsertMany: %v", err)
				}
				for i := range recs {
					got, err := tbl.Find(ctx, k.base(&recs[i]).ID)
					if err != nil {
						t.Fatalf("Find(%s): %v", k.base(&recs[i]).Code, err)
					}
					if diff := cmp.Diff(recs[i], got, quantityEq); diff != "" {
						t.Errorf("Find(%s) mismatch (-want +got):\n%s", k.base(&recs[i]).Code, diff)
					}
				}
				if m := auditCount(t, db); m != n+3 {
					t.Errorf("audit entries = %d after InsertMany of 3, want %d", m, n+3)
				}
			})

			t.Run("InsertMany with a duplicate in the middle writes nothing", func(t *testing.T) {
				n := auditCount(t, db)
				var recs []T
				var chs []audit.Change
				for _, code := range []string{"ALL-1", "ALL-2", "ALL-1", "ALL-3"} {
					rec := stamp(w, k, k.make(w, w.siteA, code, "All or nothing"))
					b := k.base(&rec)
					recs = append(recs, rec)
					chs = append(chs, audit.Change{Action: audit.Create, Entity: k.entity, EntityID: b.ID, SiteID: b.SiteID, After: rec})
				}
				err := tbl.InsertMany(ctx, recs, chs)
				if !errors.Is(err, forkline.ErrDuplicate) {
					t.Fatalf("InsertMany error = %v, want %v", err, forkline.ErrDuplicate)
				}
				for i := range recs {
					if _, err := tbl.Find(ctx, k.base(&recs[i]).ID); forkline.ErrorCode(err) != forkline.NotFound {
						t.Errorf("Find(record %d of a refused InsertMany) error = %v, want not found", i, err)
					}
				}
				got, err := tbl.FindMany(ctx, plant.Filter{Codes: []string{"ALL-1", "ALL-2", "ALL-3"}, IncludeInactive: true, Limit: 10})
				if err != nil || len(got) != 0 {
					t.Errorf("FindMany(codes of a refused InsertMany) = %v, %v, want none", codes(got), err)
				}
				if m := auditCount(t, db); m != n {
					t.Errorf("audit entries = %d after a refused InsertMany, want %d", m, n)
				}
			})
		})
	})

	t.Run("listings", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
			w := newWorld(t, db, c)
			tbl := k.table(db.Plant())
			ctx := asPat()
			var made []T
			for _, r := range []struct{ code, name string }{
				{"APPLE-1", "Green Apple"},
				{"BAN-2", "Banana ripe"},
				{"CHERRY-3", "cherry red"},
				{"PCT-4", "100% juice"},
				{"UND_5", "under_score"},
				{"OLD-6", "Retired banana"},
			} {
				made = append(made, insert(t, w, k.make(w, w.siteA, r.code, r.name)))
			}
			old := made[5]
			ob := k.base(&old)
			ob.Active, ob.Version = false, 2
			if err := tbl.Update(ctx, old, 1, audit.Change{Action: audit.Disable, Entity: k.entity, EntityID: ob.ID, After: old}); err != nil {
				t.Fatalf("disable OLD-6: %v", err)
			}
			var onB T
			if k.perSite {
				onB = insert(t, w, k.make(w, w.siteB, "APPLE-1", "Apple on B"))
			}
			// scope keeps to the records above: site A, or for sites the new sites themselves.
			scope := []forkline.ID{w.siteA.ID}
			if !k.perSite {
				scope = nil
				for i := range made {
					scope = append(scope, k.base(&made[i]).ID)
				}
			}

			tests := []struct {
				name string
				f    plant.Filter
				want []string
			}{
				{"active records by code", plant.Filter{SiteIDs: scope}, []string{"APPLE-1", "BAN-2", "CHERRY-3", "PCT-4", "UND_5"}},
				{"inactive ones too when asked", plant.Filter{SiteIDs: scope, IncludeInactive: true}, []string{"APPLE-1", "BAN-2", "CHERRY-3", "OLD-6", "PCT-4", "UND_5"}},
				{"a search in codes, ignoring case", plant.Filter{SiteIDs: scope, Search: "apple"}, []string{"APPLE-1"}},
				{"a search in names, ignoring case", plant.Filter{SiteIDs: scope, Search: "RIPE"}, []string{"BAN-2"}},
				{"a search in lower-case names", plant.Filter{SiteIDs: scope, Search: "Cherry R"}, []string{"CHERRY-3"}},
				{"a search excludes inactive records", plant.Filter{SiteIDs: scope, Search: "banana"}, []string{"BAN-2"}},
				{"a search includes inactive records when asked", plant.Filter{SiteIDs: scope, Search: "banana", IncludeInactive: true}, []string{"BAN-2", "OLD-6"}},
				{"a search for a percent sign is literal", plant.Filter{SiteIDs: scope, Search: "%"}, []string{"PCT-4"}},
				{"a search for an underscore is literal", plant.Filter{SiteIDs: scope, Search: "_"}, []string{"UND_5"}},
				{"a search for a backslash finds nothing", plant.Filter{SiteIDs: scope, Search: `\`}, nil},
				{"a blank search finds all", plant.Filter{SiteIDs: scope, Search: "  "}, []string{"APPLE-1", "BAN-2", "CHERRY-3", "PCT-4", "UND_5"}},
				{"exact codes", plant.Filter{SiteIDs: scope, Codes: []string{"CHERRY-3", "APPLE-1", "NOPE", "apple-1"}}, []string{"APPLE-1", "CHERRY-3"}},
				{"an empty list of codes finds nothing", plant.Filter{SiteIDs: scope, Codes: []string{}}, nil},
				{"an empty list of sites finds nothing", plant.Filter{SiteIDs: []forkline.ID{}}, nil},
				{"a limit", plant.Filter{SiteIDs: scope, Limit: 2}, []string{"APPLE-1", "BAN-2"}},
				{"after a code and ID", plant.Filter{SiteIDs: scope, AfterCode: "BAN-2", AfterID: k.base(&made[1]).ID}, []string{"CHERRY-3", "PCT-4", "UND_5"}},
			}
			if k.perSite {
				tests = append(tests,
					struct {
						name string
						f    plant.Filter
						want []string
					}{"another site only", plant.Filter{SiteIDs: []forkline.ID{w.siteB.ID}, Search: "apple"}, []string{"APPLE-1"}},
					struct {
						name string
						f    plant.Filter
						want []string
					}{"both sites", plant.Filter{SiteIDs: []forkline.ID{w.siteA.ID, w.siteB.ID}, Codes: []string{"APPLE-1"}}, []string{"APPLE-1", "APPLE-1"}},
				)
			}
			for _, tt := range tests {
				t.Run("FindMany: "+tt.name, func(t *testing.T) {
					if tt.f.Limit == 0 {
						tt.f.Limit = 100
					}
					got, err := tbl.FindMany(ctx, tt.f)
					if err != nil {
						t.Fatalf("FindMany(%+v): %v", tt.f, err)
					}
					if diff := cmp.Diff(tt.want, ours(codes(got))); diff != "" {
						t.Errorf("FindMany(%+v) codes mismatch (-want +got):\n%s", tt.f, diff)
					}
				})
			}

			t.Run("FindMany returns whole records", func(t *testing.T) {
				got, err := tbl.FindMany(ctx, plant.Filter{SiteIDs: scope, Codes: []string{"APPLE-1"}, Limit: 10})
				if err != nil || len(got) != 1 {
					t.Fatalf("FindMany(APPLE-1) = %d records, %v, want 1", len(got), err)
				}
				if diff := cmp.Diff(made[0], got[0], quantityEq); diff != "" {
					t.Errorf("FindMany(APPLE-1) mismatch (-want +got):\n%s", diff)
				}
				if k.perSite {
					got, err := tbl.FindMany(ctx, plant.Filter{SiteIDs: []forkline.ID{w.siteB.ID}, Codes: []string{"APPLE-1"}, Limit: 10})
					if err != nil || len(got) != 1 {
						t.Fatalf("FindMany(APPLE-1 on B) = %d records, %v, want 1", len(got), err)
					}
					if diff := cmp.Diff(onB, got[0], quantityEq); diff != "" {
						t.Errorf("FindMany(APPLE-1 on B) mismatch (-want +got):\n%s", diff)
					}
				}
			})
		})
	})

	t.Run("pages", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
			t.Run("pages of 10 over 25 records return each record exactly once", func(t *testing.T) {
				w := newWorld(t, db, c)
				tbl := k.table(db.Plant())
				ctx := asPat()
				// One record alone, then twelve codes used on both sites (or, for
				// sites, twelve pairs of close codes), so that equal codes straddle
				// the page boundaries and only the ID tells them apart.
				var recs []T
				var chs []audit.Change
				add := func(site plant.Site, code string) {
					rec := stamp(w, k, k.make(w, site, code, "Paged "+code))
					b := k.base(&rec)
					recs = append(recs, rec)
					chs = append(chs, audit.Change{Action: audit.Create, Entity: k.entity, EntityID: b.ID, SiteID: b.SiteID, After: rec})
				}
				add(w.siteA, "P-00")
				for i := 1; i <= 12; i++ {
					code := fmt.Sprintf("P-%02d", i)
					if k.perSite {
						add(w.siteB, code)
						add(w.siteA, code)
					} else {
						add(w.siteA, code)
						add(w.siteA, code+"b")
					}
				}
				if err := tbl.InsertMany(ctx, recs, chs); err != nil {
					t.Fatalf("InsertMany(25): %v", err)
				}
				f := plant.Filter{Search: "P-", Limit: 10}
				if k.perSite {
					f.SiteIDs = []forkline.ID{w.siteA.ID, w.siteB.ID}
				}
				all := f
				all.Limit = 1000
				want, err := tbl.FindMany(ctx, all)
				if err != nil {
					t.Fatalf("FindMany(all): %v", err)
				}
				if len(want) != 25 {
					t.Fatalf("FindMany(all) = %d records, want 25", len(want))
				}
				var got []T
				var sizes []int
				for page := 0; page < 10; page++ {
					p, err := tbl.FindMany(ctx, f)
					if err != nil {
						t.Fatalf("FindMany(page %d): %v", page, err)
					}
					sizes = append(sizes, len(p))
					got = append(got, p...)
					if len(p) < f.Limit {
						break
					}
					last := k.base(&p[len(p)-1])
					f.AfterCode, f.AfterID = last.Code, last.ID
				}
				if diff := cmp.Diff([]int{10, 10, 5}, sizes); diff != "" {
					t.Errorf("page sizes mismatch (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(want, got, quantityEq); diff != "" {
					t.Errorf("paged records mismatch with one listing (-want +got):\n%s", diff)
				}
				ids := map[forkline.ID]int{}
				for i := range got {
					ids[k.base(&got[i]).ID]++
				}
				for i := range recs {
					if n := ids[k.base(&recs[i]).ID]; n != 1 {
						t.Errorf("record %s (%s) was returned %d times, want once", k.base(&recs[i]).Code, k.base(&recs[i]).ID, n)
					}
				}
				if !slices.IsSortedFunc(got, func(a, b T) int {
					ab, bb := k.base(&a), k.base(&b)
					if ab.Code != bb.Code {
						if ab.Code < bb.Code {
							return -1
						}
						return 1
					}
					if ab.ID < bb.ID {
						return -1
					}
					return 1
				}) {
					t.Errorf("paged records are not in code then ID order: %v", codes(got))
				}
			})
		})
	})
}
