package audit_test

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
	"github.com/google/go-cmp/cmp"
)

// chain builds n sealed entries as a store would append them, at fixed times.
func chain(n int) []audit.Entry {
	start := time.Date(2026, 3, 2, 8, 0, 0, 123456789, time.UTC)
	var out []audit.Entry
	prevSeq, prevHash := int64(0), audit.GenesisHash
	for i := range n {
		e := audit.Entry{
			ID:        fmt.Sprintf("0190a1b2-c3d4-7e5f-8a6b-%012d", i+1),
			At:        start.Add(time.Duration(i) * time.Minute),
			ActorKind: forkline.ActorUser, ActorID: "u1", ActorName: "pat",
			Action: audit.Update, Entity: "item", EntityID: "item-1", SiteID: "site-1",
			Reason: fmt.Sprintf("change %d", i+1),
			Before: fmt.Sprintf(`{"Version":%d}`, i), After: fmt.Sprintf(`{"Version":%d}`, i+1),
		}
		if i == 0 {
			e.Action, e.Before = audit.Create, ""
		}
		audit.Seal(&e, prevSeq, prevHash)
		prevSeq, prevHash = e.Seq, e.Hash
		out = append(out, e)
	}
	return out
}

// verify feeds entries to a verifier in order, then checks the end against
// the head, and returns the first break and how many entries passed.
func verify(entries []audit.Entry, headSeq int64, headHash string) (*audit.Break, int64) {
	v := audit.NewVerifier()
	for _, e := range entries {
		if err := v.Next(e); err != nil {
			var b *audit.Break
			if !errors.As(err, &b) {
				panic(fmt.Sprintf("Next returned %T, want *audit.Break", err))
			}
			return b, v.Count()
		}
	}
	if err := v.Finish(headSeq, headHash); err != nil {
		return err.(*audit.Break), v.Count()
	}
	return nil, v.Count()
}

func TestSeal(t *testing.T) {
	es := chain(3)
	t.Run("seq numbers start at 1 and increase by one", func(t *testing.T) {
		for i, e := range es {
			if e.Seq != int64(i+1) {
				t.Errorf("entry %d Seq = %d, want %d", i, e.Seq, i+1)
			}
		}
	})
	t.Run("each entry links to the hash of the one before", func(t *testing.T) {
		if es[0].PrevHash != audit.GenesisHash {
			t.Errorf("entry 1 PrevHash = %s, want the genesis hash", es[0].PrevHash)
		}
		for i := 1; i < len(es); i++ {
			if es[i].PrevHash != es[i-1].Hash {
				t.Errorf("entry %d PrevHash = %s, want %s", i+1, es[i].PrevHash, es[i-1].Hash)
			}
		}
	})
	t.Run("the time is kept in UTC to the microsecond", func(t *testing.T) {
		want := time.Date(2026, 3, 2, 8, 0, 0, 123456000, time.UTC)
		if !es[0].At.Equal(want) || es[0].At.Location() != time.UTC {
			t.Errorf("entry 1 At = %v, want %v", es[0].At, want)
		}
	})
	t.Run("the hash is the SHA-256 of the content", func(t *testing.T) {
		if got := audit.ComputeHash(es[1]); got != es[1].Hash || len(got) != 64 {
			t.Errorf("ComputeHash(entry 2) = %s, want %s", got, es[1].Hash)
		}
	})
	t.Run("the same time in another zone hashes alike", func(t *testing.T) {
		e := es[1]
		e.At = e.At.In(time.FixedZone("CST", -6*3600))
		if got := audit.ComputeHash(e); got != es[1].Hash {
			t.Errorf("ComputeHash(entry 2 in CST) = %s, want %s", got, es[1].Hash)
		}
	})
	t.Run("moving text between fields changes the hash", func(t *testing.T) {
		// Each field is written with its length, so "ab"+"c" and "a"+"bc" differ.
		a, b := es[1], es[1]
		a.ActorID, a.ActorName = "ab", "c"
		b.ActorID, b.ActorName = "a", "bc"
		if audit.ComputeHash(a) == audit.ComputeHash(b) {
			t.Errorf("ComputeHash gives one hash for ActorID+ActorName = ab+c and a+bc")
		}
	})
}

func TestSnapshot(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"nothing is empty", nil, ""},
		{"a struct is JSON", struct{ Code string }{"FLOUR"}, `{"Code":"FLOUR"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := audit.Snapshot(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("Snapshot(%v) = %q, %v, want %q, nil", tt.in, got, err, tt.want)
			}
		})
	}
	t.Run("a value JSON cannot hold is an error", func(t *testing.T) {
		if got, err := audit.Snapshot(make(chan int)); err == nil {
			t.Errorf("Snapshot(chan) = %q, nil, want an error", got)
		}
	})
}

func TestVerifier(t *testing.T) {
	const n = 6
	tests := []struct {
		name string
		// tamper changes the entries as read from storage and the stored
		// head; it is given a fresh copy of the chain.
		tamper     func(es []audit.Entry, head *audit.Entry) []audit.Entry
		wantSeq    int64 // 0: intact
		wantReason string
		wantCount  int64
	}{
		{
			name:      "an intact chain passes",
			tamper:    func(es []audit.Entry, _ *audit.Entry) []audit.Entry { return es },
			wantCount: n,
		},
		{
			name: "an edited reason breaks at that entry",
			tamper: func(es []audit.Entry, _ *audit.Entry) []audit.Entry {
				es[2].Reason = "nothing to see here"
				return es
			},
			wantSeq: 3, wantReason: "edited", wantCount: 2,
		},
		{
			name: "an edited snapshot breaks at that entry",
			tamper: func(es []audit.Entry, _ *audit.Entry) []audit.Entry {
				es[3].After = strings.Replace(es[3].After, "4", "40", 1)
				return es
			},
			wantSeq: 4, wantReason: "edited", wantCount: 3,
		},
		{
			name: "an edited time breaks at that entry",
			tamper: func(es []audit.Entry, _ *audit.Entry) []audit.Entry {
				es[0].At = es[0].At.Add(-time.Hour)
				return es
			},
			wantSeq: 1, wantReason: "edited", wantCount: 0,
		},
		{
			name: "an edited actor in the last entry breaks at the last entry",
			tamper: func(es []audit.Entry, _ *audit.Entry) []audit.Entry {
				es[n-1].ActorName = "someone else"
				return es
			},
			wantSeq: n, wantReason: "edited", wantCount: n - 1,
		},
		{
			name: "a deleted first entry breaks at seq 1",
			tamper: func(es []audit.Entry, _ *audit.Entry) []audit.Entry {
				return es[1:]
			},
			wantSeq: 1, wantReason: "missing", wantCount: 0,
		},
		{
			name: "a deleted middle entry breaks at its seq",
			tamper: func(es []audit.Entry, _ *audit.Entry) []audit.Entry {
				return slices.Delete(es, 2, 3)
			},
			wantSeq: 3, wantReason: "missing", wantCount: 2,
		},
		{
			name: "two deleted middle entries break at the first",
			tamper: func(es []audit.Entry, _ *audit.Entry) []audit.Entry {
				return slices.Delete(es, 1, 3)
			},
			wantSeq: 2, wantReason: "entries 2 to 3 are missing", wantCount: 1,
		},
		{
			name: "a deleted last entry is found against the head",
			tamper: func(es []audit.Entry, _ *audit.Entry) []audit.Entry {
				return es[:n-1]
			},
			wantSeq: n, wantReason: "missing at the end", wantCount: n - 1,
		},
		{
			name: "every entry deleted is found against the head",
			tamper: func(es []audit.Entry, _ *audit.Entry) []audit.Entry {
				return nil
			},
			wantSeq: 1, wantReason: "entries 1 to 6 are missing at the end", wantCount: 0,
		},
		{
			name: "a deleted last entry with the head moved back passes: the head is the anchor",
			tamper: func(es []audit.Entry, head *audit.Entry) []audit.Entry {
				*head = es[n-2]
				return es[:n-1]
			},
			wantCount: n - 1,
		},
		{
			name: "a head whose hash is not the last entry's breaks at the last entry",
			tamper: func(es []audit.Entry, head *audit.Entry) []audit.Entry {
				head.Hash = es[0].Hash
				return es
			},
			wantSeq: n, wantReason: "head does not match", wantCount: n,
		},
		{
			name: "entries read in swapped order break where the order goes wrong",
			tamper: func(es []audit.Entry, _ *audit.Entry) []audit.Entry {
				es[2], es[3] = es[3], es[2]
				return es
			},
			wantSeq: 3, wantReason: "missing", wantCount: 2,
		},
		{
			name: "entries with swapped seq numbers break at the lower seq",
			tamper: func(es []audit.Entry, _ *audit.Entry) []audit.Entry {
				// As a database would return them after UPDATE ... SET seq: in seq order.
				es[2].Seq, es[3].Seq = es[3].Seq, es[2].Seq
				es[2], es[3] = es[3], es[2]
				return es
			},
			wantSeq: 3, wantReason: "previous-hash link", wantCount: 2,
		},
		{
			name: "a duplicated entry breaks at the duplicate",
			tamper: func(es []audit.Entry, _ *audit.Entry) []audit.Entry {
				return slices.Insert(es, 3, es[2])
			},
			wantSeq: 3, wantReason: "out of order or duplicated", wantCount: 3,
		},
		{
			name: "a replaced previous hash breaks at that entry",
			tamper: func(es []audit.Entry, _ *audit.Entry) []audit.Entry {
				es[4].PrevHash = strings.Repeat("ab", 32)
				return es
			},
			wantSeq: 5, wantReason: "previous-hash link", wantCount: 4,
		},
		{
			name: "a replaced previous hash, resealed, still breaks at that entry",
			tamper: func(es []audit.Entry, _ *audit.Entry) []audit.Entry {
				es[4].PrevHash = strings.Repeat("ab", 32)
				es[4].Hash = audit.ComputeHash(es[4])
				return es
			},
			wantSeq: 5, wantReason: "previous-hash link", wantCount: 4,
		},
		{
			name: "an entry edited and resealed breaks at the entry after it",
			tamper: func(es []audit.Entry, _ *audit.Entry) []audit.Entry {
				es[1].Reason = "rewritten"
				es[1].Hash = audit.ComputeHash(es[1])
				return es
			},
			wantSeq: 3, wantReason: "the one before was replaced", wantCount: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es := chain(n)
			head := es[n-1]
			es = tt.tamper(slices.Clone(es), &head)
			brk, count := verify(es, head.Seq, head.Hash)
			if tt.wantSeq == 0 {
				if brk != nil {
					t.Fatalf("verify = %v, want an intact chain", brk)
				}
			} else {
				if brk == nil {
					t.Fatalf("verify = intact, want a break at entry %d", tt.wantSeq)
				}
				if brk.Seq != tt.wantSeq || !strings.Contains(brk.Reason, tt.wantReason) {
					t.Errorf("verify = break at %d (%s), want a break at %d mentioning %q", brk.Seq, brk.Reason, tt.wantSeq, tt.wantReason)
				}
			}
			if count != tt.wantCount {
				t.Errorf("Count() = %d, want %d", count, tt.wantCount)
			}
		})
	}
}

func TestVerifierEmptyChain(t *testing.T) {
	t.Run("an empty chain with the genesis head passes", func(t *testing.T) {
		if brk, count := verify(nil, 0, audit.GenesisHash); brk != nil || count != 0 {
			t.Errorf("verify(empty) = %v, %d, want nil, 0", brk, count)
		}
	})
	t.Run("an empty chain with a head of another hash breaks", func(t *testing.T) {
		if brk, _ := verify(nil, 0, strings.Repeat("1", 64)); brk == nil {
			t.Errorf("verify(empty, foreign head) = nil, want a break")
		}
	})
}

func TestBreakError(t *testing.T) {
	tests := []struct {
		in   audit.Break
		want string
	}{
		{audit.Break{Seq: 3, ID: "abc", Reason: "edited"}, "audit chain broken at entry 3 (abc): edited"},
		{audit.Break{Seq: 7, Reason: "deleted"}, "audit chain broken at entry 7: deleted"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.in.Error()); diff != "" {
				t.Errorf("Error() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// fakeStore serves a fixed chain and records the last filter asked for.
type fakeStore struct {
	entries  []audit.Entry
	head     audit.Entry
	filter   audit.Filter
	walkErr  error
	walkSeen int
}

func (s *fakeStore) FindAuditEntries(_ context.Context, f audit.Filter) ([]audit.Entry, error) {
	s.filter = f
	return nil, nil
}

func (s *fakeStore) FindUnchainedAuditEntry(context.Context) (int64, bool, error) {
	return 0, false, nil
}

func (s *fakeStore) WalkAuditEntries(_ context.Context, fn func(audit.Entry) error) (int64, string, error) {
	if s.walkErr != nil {
		return 0, "", s.walkErr
	}
	for _, e := range s.entries {
		s.walkSeen++
		if err := fn(e); err != nil {
			return s.head.Seq, s.head.Hash, err
		}
	}
	return s.head.Seq, s.head.Hash, nil
}

func TestServiceVerify(t *testing.T) {
	ctx := forkline.WithActor(context.Background(), forkline.System)
	t.Run("an intact chain reports its entries and no break", func(t *testing.T) {
		es := chain(4)
		got, err := audit.NewService(&fakeStore{entries: es, head: es[3]}).Verify(ctx)
		if err != nil {
			t.Fatalf("Verify error: %v", err)
		}
		if diff := cmp.Diff(audit.Report{Entries: 4}, got); diff != "" {
			t.Errorf("Verify mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("a break stops the walk at the broken entry", func(t *testing.T) {
		es := chain(5)
		es[1].Reason = "edited"
		store := &fakeStore{entries: es, head: es[4]}
		got, err := audit.NewService(store).Verify(ctx)
		if err != nil {
			t.Fatalf("Verify error: %v", err)
		}
		if got.Break == nil || got.Break.Seq != 2 || got.Break.ID != es[1].ID || got.Entries != 1 {
			t.Errorf("Verify = %+v, want 1 entry and a break at entry 2 (%s)", got, es[1].ID)
		}
		if store.walkSeen != 2 {
			t.Errorf("the walk read %d entries, want it to stop after 2", store.walkSeen)
		}
	})
	t.Run("a deleted tail is reported as a break, not an error", func(t *testing.T) {
		es := chain(5)
		got, err := audit.NewService(&fakeStore{entries: es[:3], head: es[4]}).Verify(ctx)
		if err != nil || got.Break == nil || got.Break.Seq != 4 {
			t.Errorf("Verify = %+v, %v, want a break at entry 4", got, err)
		}
	})
	t.Run("a failure to read is an error", func(t *testing.T) {
		readErr := errors.New("disk I/O error")
		_, err := audit.NewService(&fakeStore{walkErr: readErr}).Verify(ctx)
		if !errors.Is(err, readErr) {
			t.Errorf("Verify error = %v, want it to wrap %v", err, readErr)
		}
	})
}

func TestServiceHistory(t *testing.T) {
	auditor := forkline.Actor{Kind: forkline.ActorUser, ID: "u1", Name: "ann", Grants: []forkline.Grant{
		{SiteID: "site-1", Role: forkline.RoleAuditor},
		{SiteID: "site-2", Role: forkline.RoleOperator},
	}}
	operator := forkline.Actor{Kind: forkline.ActorUser, ID: "u2", Name: "op", Grants: []forkline.Grant{
		{SiteID: "site-1", Role: forkline.RoleOperator},
	}}
	tests := []struct {
		name       string
		ctx        context.Context
		limit      int
		wantErr    error
		wantFilter audit.Filter
	}{
		{"no actor is unauthenticated", context.Background(), 10, forkline.ErrUnauthenticated, audit.Filter{}},
		{"an operator may not read the audit trail", forkline.WithActor(context.Background(), operator), 10, forkline.ErrForbidden, audit.Filter{}},
		{"an auditor sees the auditor's sites and records of no site", forkline.WithActor(context.Background(), auditor), 10, nil,
			audit.Filter{Entity: "item", EntityID: "i1", SiteIDs: []forkline.ID{"site-1", ""}, Limit: 10}},
		{"the system sees every site", forkline.WithActor(context.Background(), forkline.System), 10, nil,
			audit.Filter{Entity: "item", EntityID: "i1", Limit: 10}},
		{"no limit gives 100", forkline.WithActor(context.Background(), forkline.System), 0, nil,
			audit.Filter{Entity: "item", EntityID: "i1", Limit: 100}},
		{"a limit over 500 gives 100", forkline.WithActor(context.Background(), forkline.System), 501, nil,
			audit.Filter{Entity: "item", EntityID: "i1", Limit: 100}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &fakeStore{}
			_, err := audit.NewService(store).History(tt.ctx, "item", "i1", tt.limit, 0)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("History error = %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.wantFilter, store.filter); diff != "" {
				t.Errorf("History asked the store for (-want +got):\n%s", diff)
			}
		})
	}
}
