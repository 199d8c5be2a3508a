package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/plant"
)

// formPage is the form to create or change a record.
type formPage struct {
	layout
	Kind      kindInfo
	Heading   string
	Action    string
	CancelURL string
	Submit    string
	Edit      bool
	Version   int
	SiteID    string
	SiteName  string
	Sections  []formSection
	Reason    *formField
	Summary   string   // why the form came back
	Errors    []string // problems that belong to no field
}

type formSection struct {
	Title  string
	Fields []formField
}

type formField struct {
	Name, Label, Hint, Type, Placeholder string
	Value                                string // text, select, checkbox ("true")
	Options                              []formOption
	Suggestions                          []string // a datalist for free text
	Required, ReadOnly, Wide             bool
	Autofocus                            bool // the cursor starts here
	Half                                 bool // half the width in a narrow column: a quantity beside its unit
	ReadOnlyText                         string
	Errors                               []string
}

type formOption struct {
	Value, Label string
	Selected     bool
}

// parseForm reads a posted form of at most 1 MiB.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		return &forkline.Error{Code: forkline.Invalid, Msg: "The form could not be read.", Err: err}
	}
	return nil
}

// editable reports whether the user may change an input of a record on site.
func (k *kind[T, P]) editable(v visit, in input[T], site forkline.ID, edit bool) bool {
	if edit && in.isImmutable {
		return false
	}
	return in.perm == "" || v.can(in.perm, site)
}

// apply writes the posted values of the editable inputs into rec, and
// returns the values that could not be read.
func (k *kind[T, P]) apply(v visit, rec *T, form url.Values, site forkline.ID, edit bool) []forkline.FieldProblem {
	var out []forkline.FieldProblem
	for _, in := range k.inputs() {
		if !k.editable(v, in, site, edit) {
			continue
		}
		if err := in.set(rec, form[in.name]); err != nil {
			out = append(out, forkline.FieldProblem{Field: in.name, Rule: "format", Msg: err.Error()})
		}
	}
	return out
}

// fieldBase returns the input a service field names: "packSizes[1]" and
// "shipTos[0].code" belong to the inputs packSizes and shipTos.
func fieldBase(field string) (base string, index int, sub string) {
	index = -1
	base = field
	if i := strings.IndexByte(field, '['); i >= 0 {
		base = field[:i]
		rest := field[i+1:]
		if j := strings.IndexByte(rest, ']'); j >= 0 {
			index, _ = strconv.Atoi(rest[:j])
			sub = strings.TrimPrefix(rest[j+1:], ".")
		}
	}
	return base, index, sub
}

// sentence starts s with a capital letter.
func sentence(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// message rewrites a service's field problem for the form: the field's
// label in place of its API name, and which entry of a list it is about.
func message[T any](p forkline.FieldProblem, in input[T]) string {
	base, index, sub := fieldBase(p.Field)
	msg := p.Msg
	if rest, ok := cutPrefixFold(msg, p.Field); ok {
		if sub != "" {
			msg = sub + rest
		} else if index < 0 {
			msg = in.label + rest
		} else {
			msg = strings.TrimSpace(rest)
		}
	} else if rest, ok := cutPrefixFold(msg, base); ok && index < 0 {
		msg = in.label + rest
	}
	if index >= 0 {
		entry := in.entry
		if entry == "" {
			entry = "Entry"
		}
		return fmt.Sprintf("%s %d: %s", entry, index+1, msg)
	}
	return sentence(msg)
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) &&
		(len(s) == len(prefix) || s[len(prefix)] == ' ') {
		return s[len(prefix):], true
	}
	return s, false
}

// formPage builds the form for rec: values from the record, or as posted
// when the form comes back, and each problem next to its field.
func (k *kind[T, P]) formPage(w http.ResponseWriter, r *http.Request, v visit, rec *T, site forkline.ID, edit bool, posted url.Values, problems []forkline.FieldProblem) (formPage, error) {
	opts, err := k.options(r.Context(), site)
	if err != nil {
		return formPage{}, err
	}
	b := P(rec).Base()
	p := formPage{Kind: k.kindInfo, Edit: edit, Version: b.Version, SiteID: site}
	if i := slices.IndexFunc(v.sites, func(s plant.Site) bool { return s.ID == site }); i >= 0 && k.siteScoped {
		p.SiteName = v.sites[i].Name
	}
	if edit {
		p.Heading, p.Submit = "Change "+k.One+" "+b.Code, "Save changes"
		p.Action, p.CancelURL = "/"+k.Path+"/"+b.ID, "/"+k.Path+"/"+b.ID
	} else {
		p.Heading, p.Submit = "New "+k.One, "Create "+k.One
		p.Action, p.CancelURL = "/"+k.Path, "/"+k.Path
	}
	errs := map[string][]string{}
	ins := k.inputs()
	for _, pr := range problems {
		base, _, _ := fieldBase(pr.Field)
		if base == "reason" {
			errs["reason"] = append(errs["reason"], sentence(pr.Msg))
			continue
		}
		i := slices.IndexFunc(ins, func(in input[T]) bool { return strings.EqualFold(in.name, base) })
		if i < 0 {
			p.Errors = append(p.Errors, sentence(pr.Msg))
			continue
		}
		errs[ins[i].name] = append(errs[ins[i].name], message(pr, ins[i]))
	}
	for _, s := range k.sections {
		fs := formSection{Title: s.title}
		for _, in := range s.inputs {
			vals := in.get(rec)
			canEdit := k.editable(v, in, site, edit)
			if posted != nil && canEdit {
				vals = posted[in.name]
			}
			f := formField{Name: in.name, Label: in.label, Hint: in.hint, Type: in.typ, Placeholder: in.placeholder,
				Required: in.isRequired, Wide: in.typ == "checks" || in.typ == "textarea", ReadOnly: !canEdit,
				Suggestions: in.suggest, Errors: errs[in.name]}
			f.Value = first(vals)
			if in.typ == "textarea" {
				f.Value = strings.Join(vals, "\n")
			}
			if f.ReadOnly {
				f.ReadOnlyText = display(in, vals, opts[in.name])
			}
			if in.typ == "select" && (!in.isRequired || f.Value == "") {
				ph := in.placeholder
				if ph == "" {
					ph = "Choose…"
				}
				f.Options = append(f.Options, formOption{Value: "", Label: ph, Selected: f.Value == ""})
			}
			for _, o := range opts[in.name] {
				f.Options = append(f.Options, formOption{Value: o.Value, Label: o.Label, Selected: slices.Contains(vals, o.Value)})
			}
			fs.Fields = append(fs.Fields, f)
		}
		p.Sections = append(p.Sections, fs)
	}
	if edit {
		p.Reason = &formField{Name: "reason", Label: "Reason for change", Type: "text", Required: k.cat.GMP(), Wide: true,
			Placeholder: "e.g. supplier changed the pack size", Errors: errs["reason"]}
		if k.cat.GMP() {
			p.Reason.Hint = k.Titles + " are GMP records: the reason is kept in the audit trail with your name and the time."
		} else {
			p.Reason.Hint = "Optional. The reason is kept in the audit trail."
		}
		if posted != nil {
			p.Reason.Value = posted.Get("reason")
		}
	}
	if n := len(problems); n > 0 {
		p.Summary = fmt.Sprintf("The %s was not saved: %d %s to fix. Each one is shown next to its field.", k.One, n, plural(n, "problem", "problems"))
	}
	title := p.Heading
	p.layout = k.ui.layout(w, r, v, title)
	return p, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// withDefaults returns a new record with the inputs' default values.
func (k *kind[T, P]) withDefaults(site forkline.ID) T {
	var rec T
	b := P(&rec).Base()
	b.SiteID = site
	P(&rec).SetBase(b)
	for _, in := range k.inputs() {
		if in.def != nil {
			_ = in.set(&rec, in.def)
		}
	}
	return rec
}

// findSite returns the site of a posted form if the visit may use it.
func (v visit) findSite(id forkline.ID) (plant.Site, error) {
	i := slices.IndexFunc(v.sites, func(s plant.Site) bool { return s.ID == id })
	if i < 0 {
		return plant.Site{}, forkline.Errorf(forkline.Forbidden, "You have no role on that site.")
	}
	return v.sites[i], nil
}

func (k *kind[T, P]) handleNew() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := k.ui.visit(w, r)
		if err != nil {
			k.ui.fail(w, r, err)
			return
		}
		if !k.canCreate(v) {
			k.ui.fail(w, r, forkline.ErrForbidden)
			return
		}
		rec := k.withDefaults(v.site.ID)
		p, err := k.formPage(w, r, v, &rec, v.site.ID, false, nil, nil)
		if err != nil {
			k.ui.fail(w, r, err)
			return
		}
		k.ui.render(w, r, http.StatusOK, "form", p)
	})
}

// check collects every problem of a form before it goes to the service, so
// the user sees them all at once: values that could not be read, a missing
// reason, and the record's own validation.
func (k *kind[T, P]) check(rec *T, parsed []forkline.FieldProblem, needReason bool, reason string) []forkline.FieldProblem {
	problems := parsed
	if needReason && strings.TrimSpace(reason) == "" {
		problems = append(problems, forkline.FieldProblem{Field: "reason", Rule: "required",
			Msg: "Give a reason for the change: " + k.Titles + " are GMP records."})
	}
	if len(problems) == 0 {
		return nil
	}
	for _, f := range forkline.ErrorFields(P(rec).Validate()) {
		if !slices.ContainsFunc(parsed, func(p forkline.FieldProblem) bool { return p.Field == f.Field }) {
			problems = append(problems, f)
		}
	}
	return problems
}

// refused turns a service's refusal into problems to show on the form, or
// returns false when the error belongs on an error page.
func (k *kind[T, P]) refused(err error) ([]forkline.FieldProblem, int, bool) {
	switch {
	case errors.Is(err, forkline.ErrDuplicate):
		return []forkline.FieldProblem{{Field: "code", Rule: "unique", Msg: "code is already used by another " + k.One + " on this site"}}, http.StatusConflict, true
	case errors.Is(err, forkline.ErrStaleVersion):
		return []forkline.FieldProblem{{Field: "", Rule: "stale",
			Msg: "Someone else changed this " + k.One + " after you opened it, so your changes were not saved. Open the " + k.One +
				" again to see the current version, then make your change once more."}}, http.StatusConflict, true
	case forkline.ErrorCode(err) == forkline.Invalid:
		fields := forkline.ErrorFields(err)
		if len(fields) == 0 {
			fields = []forkline.FieldProblem{{Msg: forkline.ErrorMessage(err)}}
		}
		return fields, http.StatusUnprocessableEntity, true
	case forkline.ErrorCode(err) == forkline.Conflict:
		return []forkline.FieldProblem{{Msg: forkline.ErrorMessage(err)}}, http.StatusConflict, true
	}
	return nil, 0, false
}

func (k *kind[T, P]) handleCreate() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		v, err := k.ui.visit(w, r)
		if err == nil {
			err = parseForm(w, r)
		}
		if err != nil {
			k.ui.fail(w, r, err)
			return
		}
		site := ""
		if k.siteScoped {
			s, err := v.findSite(r.PostForm.Get("site"))
			if err != nil {
				k.ui.fail(w, r, err)
				return
			}
			site = s.ID
		}
		rec := k.withDefaults(site)
		problems := k.check(&rec, k.apply(v, &rec, r.PostForm, site, false), false, "")
		status := http.StatusUnprocessableEntity
		if len(problems) == 0 {
			created, err := k.cat.Create(ctx, rec, "")
			if err == nil {
				b := P(&created).Base()
				to := "/" + k.Path + "/" + b.ID
				msg := fmt.Sprintf("%s %s was created.", k.Title, b.Code)
				if !v.can(forkline.PermMasterRead, k.siteOf(&created)) {
					// A new site: its creator holds no role on it yet.
					to, msg = "/"+k.Path, msg+" Grant roles on it to the people who work there, yourself included, to see and use it."
				}
				k.ui.redirect(w, r, to, msg)
				return
			}
			var ok bool
			if problems, status, ok = k.refused(err); !ok {
				k.ui.fail(w, r, err)
				return
			}
		}
		p, err := k.formPage(w, r, v, &rec, site, false, r.PostForm, problems)
		if err != nil {
			k.ui.fail(w, r, err)
			return
		}
		k.ui.render(w, r, status, "form", p)
	})
}

func (k *kind[T, P]) handleEdit() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := k.ui.visit(w, r)
		if err != nil {
			k.ui.fail(w, r, err)
			return
		}
		rec, err := k.cat.Find(r.Context(), r.PathValue("id"))
		if err != nil {
			k.ui.fail(w, r, err)
			return
		}
		site := k.siteOf(&rec)
		if !v.can(forkline.PermMasterWrite, site) {
			k.ui.fail(w, r, forkline.ErrForbidden)
			return
		}
		p, err := k.formPage(w, r, v, &rec, site, true, nil, nil)
		if err != nil {
			k.ui.fail(w, r, err)
			return
		}
		k.ui.render(w, r, http.StatusOK, "form", p)
	})
}

func (k *kind[T, P]) handleUpdate() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		v, err := k.ui.visit(w, r)
		if err == nil {
			err = parseForm(w, r)
		}
		if err != nil {
			k.ui.fail(w, r, err)
			return
		}
		rec, err := k.cat.Find(ctx, r.PathValue("id"))
		if err != nil {
			k.ui.fail(w, r, err)
			return
		}
		site := k.siteOf(&rec)
		if !v.can(forkline.PermMasterWrite, site) {
			k.ui.fail(w, r, forkline.ErrForbidden)
			return
		}
		b := P(&rec).Base()
		b.Version, _ = strconv.Atoi(r.PostForm.Get("version"))
		P(&rec).SetBase(b)
		reason := strings.TrimSpace(r.PostForm.Get("reason"))
		problems := k.check(&rec, k.apply(v, &rec, r.PostForm, site, true), k.cat.GMP(), reason)
		status := http.StatusUnprocessableEntity
		if len(problems) == 0 {
			saved, err := k.cat.Update(ctx, rec, reason)
			if err == nil {
				k.ui.redirect(w, r, "/"+k.Path+"/"+b.ID, fmt.Sprintf("%s %s was saved.", k.Title, P(&saved).Base().Code))
				return
			}
			var ok bool
			if problems, status, ok = k.refused(err); !ok {
				k.ui.fail(w, r, err)
				return
			}
		}
		p, err := k.formPage(w, r, v, &rec, site, true, r.PostForm, problems)
		if err != nil {
			k.ui.fail(w, r, err)
			return
		}
		k.ui.render(w, r, status, "form", p)
	})
}
