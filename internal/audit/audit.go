package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/forkline/forkline"
)

// Action is what happened to a record.
type Action string

// The actions.
const (
	Create  Action = "create"
	Update  Action = "update"
	Disable Action = "disable"
	Enable  Action = "enable"
	Revoke  Action = "revoke"
	Grant   Action = "grant"
	Login   Action = "login"
)

// Change is what a service asks the store to record with a write.
// Before and After are snapshots of the record; the store serialises them.
type Change struct {
	Action   Action
	Entity   string // e.g. "item", "user"
	EntityID forkline.ID
	SiteID   forkline.ID // "" for records that belong to no site, such as users
	Reason   string
	Before   any
	After    any
}

// Entry is one audit record as stored.
type Entry struct {
	Seq       int64
	ID        forkline.ID
	At        time.Time // UTC, microsecond precision
	ActorKind forkline.ActorKind
	ActorID   string
	ActorName string
	Action    Action
	Entity    string
	EntityID  forkline.ID
	SiteID    forkline.ID
	Reason    string
	Before    string // JSON snapshot, "" for a create
	After     string // JSON snapshot
	PrevHash  string // hex SHA-256 of the previous entry, or GenesisHash
	Hash      string // hex SHA-256 of this entry
}

// GenesisHash is the PrevHash of the first entry.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// TimeFormat is the fixed-width UTC form in which entry times are hashed and stored.
const TimeFormat = "2006-01-02T15:04:05.000000Z"

// Snapshot serialises a record for Before or After. Nil gives "".
func Snapshot(v any) (string, error) {
	if v == nil {
		return "", nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("audit snapshot: %w", err)
	}
	return string(b), nil
}

// ComputeHash returns the hex SHA-256 of every field of e but Hash, each
// written with its length so that no two different entries hash alike.
func ComputeHash(e Entry) string {
	h := sha256.New()
	field := func(s string) {
		io.WriteString(h, strconv.Itoa(len(s)))
		io.WriteString(h, ":")
		io.WriteString(h, s)
		io.WriteString(h, ";")
	}
	field(strconv.FormatInt(e.Seq, 10))
	field(e.ID)
	field(e.At.UTC().Format(TimeFormat))
	field(string(e.ActorKind))
	field(e.ActorID)
	field(e.ActorName)
	field(string(e.Action))
	field(e.Entity)
	field(e.EntityID)
	field(e.SiteID)
	field(e.Reason)
	field(e.Before)
	field(e.After)
	field(e.PrevHash)
	return hex.EncodeToString(h.Sum(nil))
}

// Seal fills in PrevHash and Hash of e as the entry after prev (seq, hash).
func Seal(e *Entry, prevSeq int64, prevHash string) {
	e.Seq = prevSeq + 1
	e.PrevHash = prevHash
	e.At = e.At.UTC().Truncate(time.Microsecond)
	e.Hash = ComputeHash(*e)
}

// Break describes where the chain is broken.
type Break struct {
	Seq    int64  // the first entry found wrong (for a missing tail: the first missing seq)
	ID     string // its ID, if it exists
	Reason string
}

func (b *Break) Error() string {
	if b.ID != "" {
		return fmt.Sprintf("audit chain broken at entry %d (%s): %s", b.Seq, b.ID, b.Reason)
	}
	return fmt.Sprintf("audit chain broken at entry %d: %s", b.Seq, b.Reason)
}

// Verifier checks entries one at a time, in seq order.
type Verifier struct {
	seq   int64
	hash  string
	count int64
}

// NewVerifier returns a verifier expecting entry 1.
func NewVerifier() *Verifier { return &Verifier{hash: GenesisHash} }

// Next checks the next entry. It returns a *Break for the first wrong entry.
func (v *Verifier) Next(e Entry) error {
	want := v.seq + 1
	switch {
	case e.Seq < want:
		return &Break{Seq: e.Seq, ID: e.ID, Reason: "entry is out of order or duplicated"}
	case e.Seq > want:
		return &Break{Seq: want, Reason: fmt.Sprintf("entries %d to %d are missing (deleted)", want, e.Seq-1)}
	case e.PrevHash != v.hash:
		return &Break{Seq: e.Seq, ID: e.ID, Reason: "previous-hash link does not match the entry before it (reordered or the one before was replaced)"}
	case ComputeHash(e) != e.Hash:
		return &Break{Seq: e.Seq, ID: e.ID, Reason: "content does not match its hash (edited)"}
	}
	v.seq, v.hash = e.Seq, e.Hash
	v.count++
	return nil
}

// Finish checks the chain's end against the stored head.
func (v *Verifier) Finish(headSeq int64, headHash string) error {
	if headSeq > v.seq {
		return &Break{Seq: v.seq + 1, Reason: fmt.Sprintf("entries %d to %d are missing at the end of the chain (deleted)", v.seq+1, headSeq)}
	}
	if headSeq < v.seq || headHash != v.hash {
		return &Break{Seq: v.seq, Reason: "the chain head does not match the last entry"}
	}
	return nil
}

// Count returns how many entries passed.
func (v *Verifier) Count() int64 { return v.count }

// Filter selects entries for a listing.
type Filter struct {
	Entity    string
	EntityID  forkline.ID
	SiteIDs   []forkline.ID // nil: any site
	AfterSeq  int64         // for paging backwards: entries with Seq < BeforeSeq when > 0
	BeforeSeq int64
	Limit     int
}

// Store is what the audit service needs.
type Store interface {
	// FindAuditEntries returns entries matching f, newest first.
	FindAuditEntries(ctx context.Context, f Filter) ([]Entry, error)
	// WalkAuditEntries calls fn for every entry in seq order, then returns the chain head.
	WalkAuditEntries(ctx context.Context, fn func(Entry) error) (headSeq int64, headHash string, err error)
	// FindUnchainedAuditEntry returns the seq of the first entry beyond the
	// chain head, read in one statement. Forkline moves the head in the same
	// transaction as every append, so such an entry was put there by
	// something else. found is false when there is none.
	FindUnchainedAuditEntry(ctx context.Context) (seq int64, found bool, err error)
}

// Service lists and verifies the audit trail.
type Service struct {
	store Store
}

// NewService returns a Service.
func NewService(store Store) *Service { return &Service{store: store} }

// History returns the audit entries of one record, newest first. The caller
// needs audit.read on the record's site, or on any site for records of no site.
func (s *Service) History(ctx context.Context, entity string, id forkline.ID, limit int, beforeSeq int64) ([]Entry, error) {
	a, err := forkline.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if !a.CanAnywhere(forkline.PermAuditRead) {
		return nil, forkline.ErrForbidden
	}
	f := Filter{Entity: entity, EntityID: id, Limit: clampLimit(limit), BeforeSeq: beforeSeq}
	if a.Kind != forkline.ActorSystem {
		f.SiteIDs = append(a.Sites(forkline.PermAuditRead), "")
	}
	return s.store.FindAuditEntries(ctx, f)
}

// List returns the newest entries across records the actor may see.
func (s *Service) List(ctx context.Context, f Filter) ([]Entry, error) {
	a, err := forkline.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if !a.CanAnywhere(forkline.PermAuditRead) {
		return nil, forkline.ErrForbidden
	}
	f.Limit = clampLimit(f.Limit)
	if a.Kind != forkline.ActorSystem {
		f.SiteIDs = append(a.Sites(forkline.PermAuditRead), "")
	}
	return s.store.FindAuditEntries(ctx, f)
}

func clampLimit(n int) int {
	if n <= 0 || n > 500 {
		return 100
	}
	return n
}

// Report is the result of a chain verification.
type Report struct {
	Entries int64
	Break   *Break // nil when the chain is intact
}

// Verify walks the whole chain. A broken chain is reported in Report.Break,
// not as an error; err is for failures to read.
func (s *Service) Verify(ctx context.Context) (Report, error) {
	v := NewVerifier()
	stop := fmt.Errorf("stop")
	var brk *Break
	headSeq, headHash, err := s.store.WalkAuditEntries(ctx, func(e Entry) error {
		if err := v.Next(e); err != nil {
			brk = err.(*Break)
			return stop
		}
		return nil
	})
	if err != nil && err != stop {
		return Report{}, fmt.Errorf("walk audit entries: %w", err)
	}
	if brk == nil {
		if err := v.Finish(headSeq, headHash); err != nil {
			brk = err.(*Break)
		}
	}
	if brk == nil {
		seq, found, err := s.store.FindUnchainedAuditEntry(ctx)
		if err != nil {
			return Report{}, fmt.Errorf("look past the audit chain head: %w", err)
		}
		if found {
			brk = &Break{Seq: seq, Reason: "entry lies beyond the chain head: it was inserted outside Forkline"}
		}
	}
	return Report{Entries: v.Count(), Break: brk}, nil
}
