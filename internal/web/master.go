package web

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/plant"
)

// recordPtr is a pointer to a master record.
type recordPtr[T any] interface {
	*T
	Base() plant.Record
	SetBase(plant.Record)
	Validate() error
}

// catalog is the part of plant.Catalog the pages use.
type catalog[T any] interface {
	Entity() string
	GMP() bool
	Create(ctx context.Context, rec T, reason string) (T, error)
	Update(ctx context.Context, rec T, reason string) (T, error)
	SetActive(ctx context.Context, id forkline.ID, version int, active bool, reason string) (T, error)
	Find(ctx context.Context, id forkline.ID) (T, error)
	List(ctx context.Context, f plant.Filter) ([]T, error)
	ImportCSV(ctx context.Context, spec plant.CSVSpec[T], r io.Reader, site forkline.ID, reason string) (int, error)
}

// kindInfo names one kind of master record for pages and navigation.
type kindInfo struct {
	Path   string // URL path segment, e.g. "items"
	One    string // lower-case singular, e.g. "item"
	Title  string // e.g. "Item"
	Titles string // e.g. "Items"
	Entity string // audit entity name
}

// masterKind is one kind of master record, whatever its Go type.
type masterKind interface {
	info() kindInfo
	routes() []Route
	// count returns how many active records the site has, up to countCap.
	count(ctx context.Context, site forkline.ID) (int, error)
}

// option is one choice of a select or checkbox list.
type option struct{ Value, Label string }

// input is one form field of a kind of record: how it is shown, read from
// a record and written back to it. The same inputs drive the form, the
// detail page and the labels in the audit history.
type input[T any] struct {
	name        string // form field name, the same as the service's field name
	label       string
	hint        string
	placeholder string
	typ         string // text, numeric, email, select, checks, checkbox, textarea
	isRequired  bool
	isImmutable bool                // read-only once the record exists
	perm        forkline.Permission // editable only with this permission on the record's site
	def         []string            // value on a new record
	entry       string              // what one entry of a list is called in messages, e.g. "Pack size"
	suggest     []string
	options     func(ctx context.Context, site forkline.ID) ([]option, error)
	get         func(*T) []string
	set         func(*T, []string) error // the error is a sentence for a person
}

func (in input[T]) withHint(s string) input[T]        { in.hint = s; return in }
func (in input[T]) withPlaceholder(s string) input[T] { in.placeholder = s; return in }
func (in input[T]) required() input[T]                { in.isRequired = true; return in }
func (in input[T]) immutable() input[T]               { in.isImmutable = true; return in }
func (in input[T]) withPerm(p forkline.Permission) input[T] {
	in.perm = p
	return in
}
func (in input[T]) withDefault(v ...string) input[T] { in.def = v; return in }
func (in input[T]) withSuggestions(s ...string) input[T] {
	in.suggest = s
	return in
}
func (in input[T]) as(typ string) input[T] { in.typ = typ; return in }

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// textInput is a free-text field.
func textInput[T any](name, label string, field func(*T) *string) input[T] {
	return input[T]{name: name, label: label, typ: "text",
		get: func(r *T) []string { return []string{*field(r)} },
		set: func(r *T, v []string) error { *field(r) = strings.TrimSpace(first(v)); return nil }}
}

// numberInput is a whole-number field.
func numberInput[T any](name, label string, field func(*T) *int) input[T] {
	return input[T]{name: name, label: label, typ: "numeric",
		get: func(r *T) []string { return []string{strconv.Itoa(*field(r))} },
		set: func(r *T, v []string) error {
			s := strings.TrimSpace(first(v))
			if s == "" {
				*field(r) = 0
				return nil
			}
			n, err := strconv.Atoi(s)
			if err != nil {
				return fmt.Errorf("%s must be a whole number, such as 30", label)
			}
			*field(r) = n
			return nil
		}}
}

// flagInput is a yes-or-no checkbox.
func flagInput[T any](name, label string, field func(*T) *bool) input[T] {
	return input[T]{name: name, label: label, typ: "checkbox",
		get: func(r *T) []string {
			if *field(r) {
				return []string{"true"}
			}
			return nil
		},
		set: func(r *T, v []string) error { *field(r) = first(v) == "true"; return nil }}
}

// choiceInput is a select of fixed or looked-up options.
func choiceInput[T any, S ~string](name, label string, field func(*T) *S, opts func(context.Context, forkline.ID) ([]option, error)) input[T] {
	return input[T]{name: name, label: label, typ: "select", options: opts,
		get: func(r *T) []string { return []string{string(*field(r))} },
		set: func(r *T, v []string) error { *field(r) = S(strings.TrimSpace(first(v))); return nil }}
}

// fixed returns options that need no lookup.
func fixed(opts ...option) func(context.Context, forkline.ID) ([]option, error) {
	return func(context.Context, forkline.ID) ([]option, error) { return opts, nil }
}

// refOptions returns the records of a catalog on the site as options,
// disabled ones marked, so a record that points at one still shows it.
func refOptions[T any, P recordPtr[T]](cat catalog[T]) func(context.Context, forkline.ID) ([]option, error) {
	return func(ctx context.Context, site forkline.ID) ([]option, error) {
		recs, err := cat.List(ctx, plant.Filter{SiteIDs: []forkline.ID{site}, IncludeInactive: true, Limit: 500})
		if err != nil {
			return nil, err
		}
		var out []option
		for i := range recs {
			b := P(&recs[i]).Base()
			label := b.Code + " · " + b.Name
			if !b.Active {
				label += " (disabled)"
			}
			out = append(out, option{Value: b.ID, Label: label})
		}
		return out, nil
	}
}

// codeName returns the code and name inputs every record has.
func codeName[T any, P recordPtr[T]](codeHint, namePlaceholder string) []input[T] {
	code := input[T]{name: "code", label: "Code", typ: "text", isRequired: true, hint: codeHint,
		get: func(r *T) []string { return []string{P(r).Base().Code} },
		set: func(r *T, v []string) error {
			b := P(r).Base()
			b.Code = strings.TrimSpace(first(v))
			P(r).SetBase(b)
			return nil
		}}
	name := input[T]{name: "name", label: "Name", typ: "text", isRequired: true, placeholder: namePlaceholder,
		get: func(r *T) []string { return []string{P(r).Base().Name} },
		set: func(r *T, v []string) error {
			b := P(r).Base()
			b.Name = strings.TrimSpace(first(v))
			P(r).SetBase(b)
			return nil
		}}
	return []input[T]{code, name}
}

// section groups the inputs of a form.
type section[T any] struct {
	title  string
	inputs []input[T]
}

// column is one extra column of a list, after code and name.
type column[T any] struct {
	header string
	wrap   bool           // long text that may wrap
	input  string         // show this input's value, through its option labels
	cell   func(T) string // or this
	badge  func(T) string // the CSS class of a badge around the text, or ""
}

// kind serves the pages of one kind of master record.
type kind[T any, P recordPtr[T]] struct {
	kindInfo
	ui         *UI
	cat        catalog[T]
	sections   []section[T]
	columns    []column[T]
	csv        *plant.CSVSpec[T] // nil: no import page
	csvSample  string
	siteScoped bool                // false for sites themselves
	createPerm forkline.Permission // needed to add one
}

func (k *kind[T, P]) info() kindInfo { return k.kindInfo }

func (k *kind[T, P]) inputs() []input[T] {
	var out []input[T]
	for _, s := range k.sections {
		out = append(out, s.inputs...)
	}
	return out
}

// siteOf returns the site a record belongs to; a site belongs to itself.
func (k *kind[T, P]) siteOf(rec *T) forkline.ID {
	b := P(rec).Base()
	if !k.siteScoped {
		return b.ID
	}
	return b.SiteID
}

// options looks up the options of every input that has them.
func (k *kind[T, P]) options(ctx context.Context, site forkline.ID) (map[string][]option, error) {
	out := map[string][]option{}
	for _, in := range k.inputs() {
		if in.options == nil {
			continue
		}
		opts, err := in.options(ctx, site)
		if err != nil {
			return nil, err
		}
		out[in.name] = opts
	}
	return out, nil
}

// display returns an input's value as a person reads it.
func display[T any](in input[T], vals []string, opts []option) string {
	label := func(v string) string {
		if i := slices.IndexFunc(opts, func(o option) bool { return o.Value == v }); i >= 0 {
			return opts[i].Label
		}
		return v
	}
	switch in.typ {
	case "checkbox":
		if first(vals) == "true" {
			return "Yes"
		}
		return "No"
	case "checks":
		var ls []string
		for _, v := range vals {
			ls = append(ls, label(v))
		}
		if len(ls) == 0 {
			return "None"
		}
		return strings.Join(ls, ", ")
	case "textarea":
		return strings.Join(vals, "\n")
	}
	v := strings.Join(vals, ", ")
	if v == "" {
		return "—"
	}
	return label(v)
}

// canCreate reports whether the visit may add a record of this kind.
func (k *kind[T, P]) canCreate(v visit) bool {
	if k.siteScoped {
		return v.site.ID != "" && v.can(k.createPerm, v.site.ID)
	}
	return v.actor.CanAnywhere(k.createPerm)
}
