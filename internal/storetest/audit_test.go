package storetest_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/audit"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/sqlstore"
	"github.com/forkline/forkline/internal/storetest"
	"github.com/google/go-cmp/cmp"
)

func TestAuditEntries(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		w := newWorld(t, db, c) // 6 entries: 2 sites, 2 areas, 2 lines
		flour, err := w.svc.Items.Create(w.ctx, itemKind.make(w, w.siteA, "FLOUR", "Flour"), "")
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		for i := range 2 {
			flour.Name = fmt.Sprintf("Flour v%d", i+2)
			if flour, err = w.svc.Items.Update(w.ctx, flour, fmt.Sprintf("change %d", i+1)); err != nil {
				t.Fatalf("Update: %v", err)
			}
		}
		sugar, err := w.svc.Items.Create(w.ctx, itemKind.make(w, w.siteB, "SUGAR", "Sugar"), "")
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		u, err := w.auth().CreateUser(w.ctx, "kim", "Kim", alicePassword)
		if err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
		// Entries: 1-6 world, 7 flour create, 8-9 flour updates, 10 sugar, 11 user.

		seqs := func(es []audit.Entry) []int64 {
			var out []int64
			for _, e := range es {
				out = append(out, e.Seq)
			}
			return out
		}
		tests := []struct {
			name string
			f    audit.Filter
			want []int64
		}{
			{"one record's history, newest first", audit.Filter{Entity: "item", EntityID: flour.ID, Limit: 10}, []int64{9, 8, 7}},
			{"one kind of record", audit.Filter{Entity: "item", Limit: 10}, []int64{10, 9, 8, 7}},
			{"a page before a seq", audit.Filter{Entity: "item", EntityID: flour.ID, BeforeSeq: 9, Limit: 10}, []int64{8, 7}},
			{"a limit", audit.Filter{Limit: 3}, []int64{11, 10, 9}},
			{"one site", audit.Filter{SiteIDs: []forkline.ID{w.siteB.ID}, Limit: 20}, []int64{10, 6, 5, 4}},
			{"one site and records of no site", audit.Filter{SiteIDs: []forkline.ID{w.siteB.ID, ""}, Limit: 20}, []int64{11, 10, 6, 5, 4}},
			{"no site at all", audit.Filter{SiteIDs: []forkline.ID{}, Limit: 20}, nil},
			{"a user's history", audit.Filter{Entity: "user", EntityID: u.ID, Limit: 10}, []int64{11}},
			{"an unknown record", audit.Filter{Entity: "item", EntityID: w.ids.New(), Limit: 10}, nil},
		}
		for _, tt := range tests {
			t.Run("FindAuditEntries: "+tt.name, func(t *testing.T) {
				es, err := db.FindAuditEntries(context.Background(), tt.f)
				if err != nil {
					t.Fatalf("FindAuditEntries(%+v): %v", tt.f, err)
				}
				if diff := cmp.Diff(tt.want, seqs(es)); diff != "" {
					t.Errorf("FindAuditEntries(%+v) seqs mismatch (-want +got):\n%s", tt.f, diff)
				}
			})
		}

		t.Run("an update records the record before and after", func(t *testing.T) {
			es := history(t, db, "item", flour.ID)
			if es[0].Reason != "change 2" || !strings.Contains(es[0].Before, `"Flour v2"`) || !strings.Contains(es[0].After, `"Flour v3"`) {
				t.Errorf("newest entry = reason %q, before %s, after %s; want change 2 from Flour v2 to Flour v3", es[0].Reason, es[0].Before, es[0].After)
			}
			if es[2].Action != audit.Create || es[2].Before != "" || es[2].SiteID != w.siteA.ID || es[0].SiteID != w.siteA.ID {
				t.Errorf("oldest entry = %s, before %q, site %s; want create, nothing, %s", es[2].Action, es[2].Before, es[2].SiteID, w.siteA.ID)
			}
		})

		t.Run("the walk returns every entry in seq order and the head", func(t *testing.T) {
			var got []int64
			prev := audit.GenesisHash
			headSeq, headHash, err := db.WalkAuditEntries(context.Background(), func(e audit.Entry) error {
				got = append(got, e.Seq)
				if e.PrevHash != prev || audit.ComputeHash(e) != e.Hash {
					t.Errorf("entry %d does not chain: prev %s, want %s", e.Seq, e.PrevHash, prev)
				}
				prev = e.Hash
				return nil
			})
			if err != nil {
				t.Fatalf("WalkAuditEntries: %v", err)
			}
			if diff := cmp.Diff([]int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, got); diff != "" {
				t.Errorf("walk seqs mismatch (-want +got):\n%s", diff)
			}
			if headSeq != 11 || headHash != prev {
				t.Errorf("head = %d %s, want 11 %s", headSeq, headHash, prev)
			}
		})

		t.Run("the walk stops at the callback's first error", func(t *testing.T) {
			stop := fmt.Errorf("enough")
			n := 0
			_, _, err := db.WalkAuditEntries(context.Background(), func(audit.Entry) error {
				n++
				if n == 3 {
					return stop
				}
				return nil
			})
			if err != stop || n != 3 {
				t.Errorf("WalkAuditEntries = %v after %d entries, want %v after 3", err, n, stop)
			}
		})

		t.Run("Verify reports an intact chain with every entry", func(t *testing.T) {
			r, err := audit.NewService(db).Verify(context.Background())
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if diff := cmp.Diff(audit.Report{Entries: 11}, r); diff != "" {
				t.Errorf("Verify mismatch (-want +got):\n%s", diff)
			}
		})

		t.Run("the audit service shows an auditor only the auditor's sites", func(t *testing.T) {
			auditor := forkline.WithActor(context.Background(), forkline.Actor{Kind: forkline.ActorUser, ID: w.ids.New(), Name: "aud",
				Grants: []forkline.Grant{{SiteID: w.siteB.ID, Role: forkline.RoleAuditor}}})
			svc := audit.NewService(db)
			es, err := svc.History(auditor, "item", flour.ID, 10, 0)
			if err != nil || len(es) != 0 {
				t.Errorf("History(item of another site) = %v, %v, want none", seqs(es), err)
			}
			es, err = svc.History(auditor, "item", sugar.ID, 10, 0)
			if err != nil || len(es) != 1 {
				t.Errorf("History(item of the auditor's site) = %v, %v, want [10]", seqs(es), err)
			}
			es, err = svc.List(auditor, audit.Filter{})
			if diff := cmp.Diff([]int64{11, 10, 6, 5, 4}, seqs(es)); err != nil || diff != "" {
				t.Errorf("List by the auditor = %v (err %v), mismatch (-want +got):\n%s", seqs(es), err, diff)
			}
		})
	})
}

// tamperCase changes the audit trail behind Forkline's back; Verify must
// name the first entry that is wrong.
type tamperCase struct {
	name    string
	sql     []string // run in one transaction; {last} stands for the last seq
	wantSeq func(last int64) int64
}

var tamperCases = []tamperCase{
	{
		name:    "an edited reason",
		sql:     []string{`UPDATE audit_entries SET reason = 'nothing happened' WHERE seq = 4`},
		wantSeq: func(int64) int64 { return 4 },
	},
	{
		name:    "an edited snapshot",
		sql:     []string{`UPDATE audit_entries SET after_json = REPLACE(after_json, 'chilled', 'frozen') WHERE seq = 7`},
		wantSeq: func(int64) int64 { return 7 },
	},
	{
		name:    "a deleted middle entry",
		sql:     []string{`DELETE FROM audit_entries WHERE seq = 5`},
		wantSeq: func(int64) int64 { return 5 },
	},
	{
		name: "two entries with swapped seq numbers",
		sql: []string{
			`UPDATE audit_entries SET seq = -1 WHERE seq = 3`,
			`UPDATE audit_entries SET seq = 3 WHERE seq = 4`,
			`UPDATE audit_entries SET seq = 4 WHERE seq = -1`,
		},
		wantSeq: func(int64) int64 { return 3 },
	},
	{
		name:    "a deleted last entry",
		sql:     []string{`DELETE FROM audit_entries WHERE seq = {last}`},
		wantSeq: func(last int64) int64 { return last },
	},
	{
		name:    "the last two entries deleted and the head moved back",
		sql:     []string{`DELETE FROM audit_entries WHERE seq >= {last} - 1`, `UPDATE audit_chain SET seq = {last} - 2`},
		wantSeq: func(last int64) int64 { return last - 2 },
	},
	{
		name: "an entry appended after the head",
		sql: []string{`INSERT INTO audit_entries (seq, id, at, actor_kind, actor_id, actor_name, action, entity, entity_id, site_id, reason, before_json, after_json, prev_hash, hash)
			SELECT seq + 1, id || 'x', at, actor_kind, actor_id, actor_name, action, entity, entity_id, site_id, 'forged', before_json, after_json, hash, hash
			FROM audit_entries WHERE seq = {last}`},
		wantSeq: func(last int64) int64 { return last + 1 },
	},
}

// TestAuditTamper edits the audit tables in SQL, as someone with database
// access could, and checks that Verify finds it on every engine.
func TestAuditTamper(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			for _, tc := range tamperCases {
				t.Run(tc.name+" breaks the chain there", func(t *testing.T) {
					c := storetest.NewClock(start)
					dsn := e.DSN(t)
					db := openAt(t, dsn, c)
					w := newWorld(t, db, c) // entries 1-6
					for i := range 4 {      // entries 7-10
						if _, err := w.svc.Items.Create(w.ctx, itemKind.make(w, w.siteA, fmt.Sprintf("T-%d", i), "Tamper"), ""); err != nil {
							t.Fatalf("Create: %v", err)
						}
					}
					last := auditCount(t, db)

					raw := openRaw(t, e.Name, dsn)
					tx, err := raw.Begin()
					if err != nil {
						t.Fatalf("begin: %v", err)
					}
					for _, q := range tc.sql {
						if _, err := tx.Exec(strings.ReplaceAll(q, "{last}", fmt.Sprint(last))); err != nil {
							tx.Rollback()
							t.Fatalf("tamper %q: %v", q, err)
						}
					}
					if err := tx.Commit(); err != nil {
						t.Fatalf("commit: %v", err)
					}

					r, err := audit.NewService(db).Verify(context.Background())
					if err != nil {
						t.Fatalf("Verify: %v", err)
					}
					want := tc.wantSeq(last)
					if r.Break == nil {
						t.Fatalf("Verify = intact with %d entries, want a break at entry %d", r.Entries, want)
					}
					if r.Break.Seq != want {
						t.Errorf("Verify = break at entry %d (%s), want at %d", r.Break.Seq, r.Break.Reason, want)
					}
				})
			}
		})
	}
}

// TestAuditConcurrentWrites makes 20 items at once and checks that the
// chain never forks, on every engine.
func TestAuditConcurrentWrites(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		w := newWorld(t, db, c)
		before := auditCount(t, db)
		const n = 20
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = w.svc.Items.Create(w.ctx, itemKind.make(w, w.siteA, fmt.Sprintf("CONC-%02d", i), "Concurrent"), "")
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("Create(CONC-%02d): %v", i, err)
			}
		}
		r, err := audit.NewService(db).Verify(context.Background())
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		if r.Break != nil || r.Entries != before+n {
			t.Errorf("Verify = %d entries, break %v; want %d entries, intact", r.Entries, r.Break, before+n)
		}
		items, err := db.Plant().Items().FindMany(context.Background(), plant.Filter{Search: "CONC-", Limit: 100})
		if err != nil || len(items) != n {
			t.Errorf("FindMany(CONC-) = %d items, %v, want %d", len(items), err, n)
		}
	})
}

// TestAuditWalkPages checks that a walk over more entries than one page
// (1,000) still sees each entry once, in order, on every engine.
func TestAuditWalkPages(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *sqlstore.DB, c *storetest.Clock) {
		w := newWorld(t, db, c)
		var recs []plant.Area
		var chs []audit.Change
		for i := range 1000 {
			a := stamp(w, areaKind, areaKind.make(w, w.siteA, fmt.Sprintf("A-%04d", i), "Area"))
			recs = append(recs, a)
			chs = append(chs, audit.Change{Action: audit.Create, Entity: "area", EntityID: a.ID, SiteID: a.SiteID, After: a})
		}
		if err := db.Plant().Areas().InsertMany(w.ctx, recs, chs); err != nil {
			t.Fatalf("InsertMany(1000): %v", err)
		}
		want := int64(1006)
		var seqs []int64
		_, _, err := db.WalkAuditEntries(context.Background(), func(e audit.Entry) error {
			seqs = append(seqs, e.Seq)
			return nil
		})
		if err != nil {
			t.Fatalf("WalkAuditEntries: %v", err)
		}
		if int64(len(seqs)) != want || seqs[0] != 1 || seqs[len(seqs)-1] != want {
			t.Fatalf("walk saw %d entries, want %d from 1 to %d", len(seqs), want, want)
		}
		for i, s := range seqs {
			if s != int64(i+1) {
				t.Fatalf("walk entry %d has seq %d, want %d", i, s, i+1)
			}
		}
		if got := auditCount(t, db); got != want {
			t.Errorf("Verify = %d entries, want %d", got, want)
		}
	})
}
