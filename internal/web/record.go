package web

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/plant"
)

// showPage shows one record: its fields, its audit history and, for users
// who may change it, the disable or enable form.
type showPage struct {
	layout
	Kind     kindInfo
	ID       string
	Code     string
	Name     string
	Active   bool
	Meta     []detailRow
	Sections []detailSection
	EditURL  string
	Toggle   *toggleForm
	History  historyView
}

type detailSection struct {
	Title string
	Rows  []detailRow
}

type detailRow struct {
	Label string
	Value string
	Sub   string   // a second, quieter line
	Lines []string // for multi-line values
}

// toggleForm disables or enables the record, with a reason.
type toggleForm struct {
	Action   string
	Heading  string
	Help     string
	Button   string
	Danger   bool
	Version  int
	Reason   string
	Error    string
	Required bool
}

func (k *kind[T, P]) showPage(w http.ResponseWriter, r *http.Request, v visit, rec *T, toggle *toggleForm) (showPage, error) {
	ctx := r.Context()
	b := P(rec).Base()
	site := k.siteOf(rec)
	opts, err := k.options(ctx, site)
	if err != nil {
		return showPage{}, err
	}
	p := showPage{Kind: k.kindInfo, ID: b.ID, Code: b.Code, Name: b.Name, Active: b.Active}
	if k.siteScoped {
		name := site
		if i := slices.IndexFunc(v.sites, func(s plant.Site) bool { return s.ID == site }); i >= 0 {
			name = v.sites[i].Name
		}
		p.Meta = append(p.Meta, detailRow{Label: "Site", Value: name})
	}
	p.Meta = append(p.Meta,
		detailRow{Label: "Version", Value: strconv.Itoa(b.Version)},
		stampRow("Created", k.ui.when(b.CreatedAt, v.loc)),
		stampRow("Last changed", k.ui.when(b.UpdatedAt, v.loc)),
	)
	for _, s := range k.sections {
		ds := detailSection{Title: s.title}
		for _, in := range s.inputs {
			if in.name == "code" || in.name == "name" {
				continue
			}
			row := detailRow{Label: in.label, Value: display(in, in.get(rec), opts[in.name])}
			if in.typ == "textarea" {
				row.Lines = in.get(rec)
				if len(row.Lines) == 0 {
					row.Value = "None"
				}
			}
			ds.Rows = append(ds.Rows, row)
		}
		if len(ds.Rows) > 0 {
			p.Sections = append(p.Sections, ds)
		}
	}
	if v.can(forkline.PermMasterWrite, site) {
		p.EditURL = "/" + k.Path + "/" + b.ID + "/edit"
		if toggle == nil {
			toggle = &toggleForm{}
		}
		toggle.Version, toggle.Required = b.Version, k.cat.GMP()
		if b.Active {
			toggle.Action, toggle.Heading, toggle.Button, toggle.Danger = "/"+k.Path+"/"+b.ID+"/disable", "Disable this "+k.One, "Disable "+k.One, true
			toggle.Help = "Once disabled, this " + k.One + " stays in every record that points at it, but cannot be chosen for new work. You can enable it again."
		} else {
			toggle.Action, toggle.Heading, toggle.Button = "/"+k.Path+"/"+b.ID+"/enable", "Enable this "+k.One, "Enable "+k.One
			toggle.Help = "This " + k.One + " is disabled. Enable it to use it for new work again."
		}
		p.Toggle = toggle
	}
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	if p.History, err = k.history(ctx, v, b.ID, site, before, opts); err != nil {
		return showPage{}, err
	}
	p.layout = k.ui.layout(w, r, v, k.Title+" "+b.Code)
	return p, nil
}

func stampRow(label string, s stamp) detailRow {
	return detailRow{Label: label, Value: s.At, Sub: s.Ago}
}

func (k *kind[T, P]) handleShow() http.Handler {
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
		p, err := k.showPage(w, r, v, &rec, nil)
		if err != nil {
			k.ui.fail(w, r, err)
			return
		}
		k.ui.render(w, r, http.StatusOK, "show", p)
	})
}

func (k *kind[T, P]) handleSetActive(active bool) http.Handler {
	verb := map[bool]string{true: "enabled", false: "disabled"}[active]
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		v, err := k.ui.visit(w, r)
		if err != nil {
			k.ui.fail(w, r, err)
			return
		}
		if err := parseForm(w, r); err != nil {
			k.ui.fail(w, r, err)
			return
		}
		id := r.PathValue("id")
		version, _ := strconv.Atoi(r.PostForm.Get("version"))
		reason := strings.TrimSpace(r.PostForm.Get("reason"))
		if k.cat.GMP() && reason == "" {
			err = &forkline.Error{Code: forkline.Invalid, Msg: "Give a reason.", Fields: []forkline.FieldProblem{{Field: "reason", Rule: "required",
				Msg: "Give a reason: " + k.Titles + " are GMP records, and the reason goes into the audit trail."}}}
		} else {
			var rec T
			rec, err = k.cat.SetActive(ctx, id, version, active, reason)
			if err == nil {
				k.ui.redirect(w, r, "/"+k.Path+"/"+id, fmt.Sprintf("%s %s was %s.", k.Title, P(&rec).Base().Code, verb))
				return
			}
		}
		switch {
		case errors.Is(err, forkline.ErrStaleVersion):
			k.ui.setFlash(w, "error", "Someone else changed this "+k.One+" after you opened it. Check it below, then try again.")
			http.Redirect(w, r, "/"+k.Path+"/"+id, http.StatusSeeOther)
		case forkline.ErrorCode(err) == forkline.Invalid:
			rec, ferr := k.cat.Find(ctx, id)
			if ferr != nil {
				k.ui.fail(w, r, ferr)
				return
			}
			t := &toggleForm{Reason: reason}
			for _, f := range forkline.ErrorFields(err) {
				t.Error = sentence(f.Msg)
			}
			if t.Error == "" {
				t.Error = forkline.ErrorMessage(err)
			}
			p, perr := k.showPage(w, r, v, &rec, t)
			if perr != nil {
				k.ui.fail(w, r, perr)
				return
			}
			k.ui.render(w, r, http.StatusUnprocessableEntity, "show", p)
		default:
			k.ui.fail(w, r, err)
		}
	})
}
