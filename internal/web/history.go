package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/audit"
)

// historyPageSize is how many audit entries a record's page shows at once.
const historyPageSize = 20

// historyView is the audit history section of a record's page.
type historyView struct {
	Allowed  bool // the user may read the audit trail on the record's site
	Entries  []historyEntry
	OlderURL string
}

// historyEntry is one audit entry as a person reads it.
type historyEntry struct {
	When    stamp
	Created bool // the first entry: Changes lists the values given
	Who     string
	Action  string // "Created", "Changed", "Disabled", "Enabled"
	Badge   string // CSS class of the action badge
	Reason  string
	Changes []fieldChange
}

// fieldChange is one field's value before and after a change.
type fieldChange struct {
	Field, Before, After string
}

var actionNames = map[audit.Action]struct{ name, badge string }{
	audit.Create:  {"Created", "info"},
	audit.Update:  {"Changed", "neutral"},
	audit.Disable: {"Disabled", "danger"},
	audit.Enable:  {"Enabled", "ok"},
}

func actionName(a audit.Action) (string, string) {
	if n, ok := actionNames[a]; ok {
		return n.name, n.badge
	}
	return sentence(string(a)), "neutral"
}

// history returns the newest audit entries of a record on site, older than
// the entry with seq before when it is not 0.
func (k *kind[T, P]) history(ctx context.Context, v visit, id, site forkline.ID, before int64, opts map[string][]option) (historyView, error) {
	if !v.can(forkline.PermAuditRead, site) {
		return historyView{}, nil
	}
	entries, err := k.ui.cfg.Audit.History(ctx, k.Entity, id, historyPageSize+1, before)
	if forkline.ErrorCode(err) == forkline.Forbidden {
		return historyView{}, nil
	} else if err != nil {
		return historyView{}, err
	}
	h := historyView{Allowed: true}
	if len(entries) > historyPageSize {
		entries = entries[:historyPageSize]
		h.OlderURL = fmt.Sprintf("/%s/%s?before=%d#history", k.Path, id, entries[len(entries)-1].Seq)
	}
	for _, e := range entries {
		he := historyEntry{When: k.ui.when(e.At, v.loc), Who: e.ActorName, Reason: e.Reason}
		he.Action, he.Badge = actionName(e.Action)
		he.Changes, he.Created = k.changes(e, opts), e.Before == ""
		h.Entries = append(h.Entries, he)
	}
	return h, nil
}

// Fields of a snapshot that every change moves on and nobody needs to read.
var bookkeeping = []string{"ID", "SiteID", "Version", "CreatedAt", "UpdatedAt"}

// changes compares the before and after snapshots of an entry field by
// field, labelled and formatted as on the record's page. A creation lists
// every field that has a value.
func (k *kind[T, P]) changes(e audit.Entry, opts map[string][]option) []fieldChange {
	before, after := snapshot(e.Before), snapshot(e.After)
	keys := map[string]bool{}
	for key := range before {
		keys[key] = true
	}
	for key := range after {
		keys[key] = true
	}
	ins := k.inputs()
	// Order: as the form shows the fields, then the status, then the rest by name.
	rank := func(key string) int {
		if i := slices.IndexFunc(ins, func(in input[T]) bool { return strings.EqualFold(in.name, key) }); i >= 0 {
			return i
		}
		if key == "Active" {
			return len(ins)
		}
		return len(ins) + 1
	}
	var ordered []string
	for key := range keys {
		if !slices.Contains(bookkeeping, key) {
			ordered = append(ordered, key)
		}
	}
	sort.Slice(ordered, func(i, j int) bool {
		ri, rj := rank(ordered[i]), rank(ordered[j])
		if ri != rj {
			return ri < rj
		}
		return ordered[i] < ordered[j]
	})
	var out []fieldChange
	for _, key := range ordered {
		label, bv, av := k.formatField(key), "", ""
		if raw, ok := before[key]; ok {
			bv = k.formatValue(key, raw, opts)
		}
		if raw, ok := after[key]; ok {
			av = k.formatValue(key, raw, opts)
		}
		if bv == av {
			continue
		}
		if e.Before == "" && (av == "" || av == "—" || av == "No" || av == "None" || key == "Active") {
			continue // a new record: list only the fields that were given
		}
		out = append(out, fieldChange{Field: label, Before: orDash(bv), After: orDash(av)})
	}
	return out
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// snapshot decodes an audit snapshot; a broken one shows as no fields.
func snapshot(s string) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	if s != "" {
		_ = json.Unmarshal([]byte(s), &out)
	}
	return out
}

// formatField returns the label of a snapshot field.
func (k *kind[T, P]) formatField(key string) string {
	if key == "Active" {
		return "Status"
	}
	for _, in := range k.inputs() {
		if strings.EqualFold(in.name, key) {
			return in.label
		}
	}
	return words(key)
}

// formatValue returns a snapshot value as the record's page shows it.
func (k *kind[T, P]) formatValue(key string, raw json.RawMessage, opts map[string][]option) string {
	if key == "Active" {
		if string(raw) == "true" {
			return "Active"
		}
		return "Disabled"
	}
	vals := jsonStrings(raw)
	for _, in := range k.inputs() {
		if strings.EqualFold(in.name, key) {
			s := display(in, vals, opts[in.name])
			return strings.ReplaceAll(s, "\n", "; ")
		}
	}
	return strings.Join(vals, "; ")
}

// jsonStrings flattens a JSON value into strings: a list gives one string
// per element, an object its non-empty values but the ID, in the order
// they were written, joined by " | ".
func jsonStrings(raw json.RawMessage) []string {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if bytes.HasPrefix(bytes.TrimSpace(raw), []byte("[")) {
		if _, err := d.Token(); err != nil {
			return []string{string(raw)}
		}
		var out []string
		for d.More() {
			s, err := flatJSON(d)
			if err != nil {
				return []string{string(raw)}
			}
			out = append(out, s)
		}
		return out
	}
	s, err := flatJSON(d)
	if err != nil {
		return []string{string(raw)}
	}
	if s == "" {
		return nil
	}
	return []string{s}
}

// flatJSON reads one JSON value from d as one line of text.
func flatJSON(d *json.Decoder) (string, error) {
	t, err := d.Token()
	if err != nil {
		return "", err
	}
	switch x := t.(type) {
	case json.Delim:
		var parts []string
		sep := ", "
		for d.More() {
			key := ""
			if x == '{' {
				sep = " | "
				kt, err := d.Token()
				if err != nil {
					return "", err
				}
				key, _ = kt.(string)
			}
			s, err := flatJSON(d)
			if err != nil {
				return "", err
			}
			if s != "" && key != "ID" {
				parts = append(parts, s)
			}
		}
		if _, err := d.Token(); err != nil { // the closing ] or }
			return "", err
		}
		return strings.Join(parts, sep), nil
	case string:
		return x, nil
	case bool:
		if x {
			return "true", nil
		}
		return "", nil
	case json.Number:
		return x.String(), nil
	}
	return "", nil
}

// words turns a Go field name into words: "SerialNumber" -> "Serial number".
func words(key string) string {
	var b strings.Builder
	rs := []rune(key)
	for i, r := range rs {
		if i > 0 && unicode.IsUpper(r) && (unicode.IsLower(rs[i-1]) || i+1 < len(rs) && unicode.IsLower(rs[i+1])) {
			b.WriteRune(' ')
		}
		if i > 0 {
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}
