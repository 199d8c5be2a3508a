package web

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/forkline/forkline"
)

// maxImport bounds an uploaded CSV file.
const maxImport = 10 << 20

type importPage struct {
	layout
	Kind     kindInfo
	SiteID   string
	SiteName string
	Columns  string
	Sample   string
	Reason   string
	FileName string
	Summary  string
	Problems []importProblem
}

// importProblem is one bad cell or row of a CSV file.
type importProblem struct {
	Line    string
	Column  string
	Message string
}

var lineField = regexp.MustCompile(`^line (\d+)(?:: (.*))?$`)

// squash makes "base_unit", "baseUnit" and "BaseUnit" alike.
func squash(s string) string { return strings.ToLower(strings.ReplaceAll(s, "_", "")) }

// importProblems splits the service's "line 4: baseUnit" fields into the
// line and the CSV column (base_unit), and words each message as the form does.
func (k *kind[T, P]) importProblems(fields []forkline.FieldProblem) []importProblem {
	var out []importProblem
	ins := k.inputs()
	for _, f := range fields {
		p := importProblem{Column: f.Field, Message: sentence(f.Msg)}
		if m := lineField.FindStringSubmatch(f.Field); m != nil {
			p.Line, p.Column = m[1], m[2]
			field := forkline.FieldProblem{Field: m[2], Rule: f.Rule, Msg: f.Msg}
			base, _, _ := fieldBase(m[2])
			for _, c := range k.csv.Columns() {
				if squash(c) == squash(base) || squash(c)+"s" == squash(base) {
					p.Column = c
				}
			}
			if i := slices.IndexFunc(ins, func(in input[T]) bool { return squash(in.name) == squash(base) }); i >= 0 {
				p.Message = message(field, ins[i])
			}
		}
		out = append(out, p)
	}
	return out
}

func (k *kind[T, P]) importPage(w http.ResponseWriter, r *http.Request, v visit) (importPage, error) {
	s, err := v.requireSite()
	if err != nil {
		return importPage{}, err
	}
	if !v.can(forkline.PermMasterWrite, s.ID) {
		return importPage{}, forkline.ErrForbidden
	}
	return importPage{layout: k.ui.layout(w, r, v, "Import "+k.Titles), Kind: k.kindInfo, SiteID: s.ID, SiteName: s.Name,
		Columns: strings.Join(k.csv.Columns(), ", "), Sample: k.csvSample}, nil
}

func (k *kind[T, P]) handleImportForm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := k.ui.visit(w, r)
		if err != nil {
			k.ui.fail(w, r, err)
			return
		}
		p, err := k.importPage(w, r, v)
		if err != nil {
			k.ui.fail(w, r, err)
			return
		}
		k.ui.render(w, r, http.StatusOK, "import", p)
	})
}

func (k *kind[T, P]) handleImport() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		v, err := k.ui.visit(w, r)
		if err != nil {
			k.ui.fail(w, r, err)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxImport+1<<20)
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			k.ui.fail(w, r, forkline.Errorf(forkline.Invalid, "The upload could not be read. A file may be at most %d MB.", maxImport>>20))
			return
		}
		defer r.MultipartForm.RemoveAll()
		site, err := v.findSite(r.FormValue("site"))
		if err != nil {
			k.ui.fail(w, r, err)
			return
		}
		v.site = site
		p, err := k.importPage(w, r, v)
		if err != nil {
			k.ui.fail(w, r, err)
			return
		}
		p.Reason = strings.TrimSpace(r.FormValue("reason"))
		file, hdr, err := r.FormFile("file")
		if err != nil {
			p.Summary = "Choose a CSV file to import."
			k.ui.render(w, r, http.StatusUnprocessableEntity, "import", p)
			return
		}
		defer file.Close()
		p.FileName = hdr.Filename
		n, err := k.cat.ImportCSV(ctx, *k.csv, file, site.ID, p.Reason)
		if err == nil {
			k.ui.redirect(w, r, "/"+k.Path, fmt.Sprintf("%d %s imported into %s from %s.", n, plural(n, k.One, strings.ToLower(k.Titles)), site.Name, hdr.Filename))
			return
		}
		if forkline.ErrorCode(err) != forkline.Invalid {
			k.ui.fail(w, r, err)
			return
		}
		p.Summary = forkline.ErrorMessage(err)
		p.Problems = k.importProblems(forkline.ErrorFields(err))
		k.ui.render(w, r, http.StatusUnprocessableEntity, "import", p)
	})
}
