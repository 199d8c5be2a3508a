package web

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/plant"
)

const pageSize = 50

// listPage lists the records of one kind on the current site: a search, an
// active or disabled filter, a table and keyset paging.
type listPage struct {
	layout
	Kind      kindInfo
	SiteName  string
	Query     string
	Status    string
	Statuses  []option
	Headers   []string
	Rows      []listRow
	From, To  int
	FirstURL  string
	NextURL   string
	NewURL    string
	ImportURL string
}

type listRow struct {
	URL, Code, Name string
	Active          bool
	Cells           []listCell
}

type listCell struct {
	Text, Badge string
	Wrap        bool
}

// cursor is the keyset position after a record: its code and ID.
func encodeCursor(b plant.Record) string {
	return base64.RawURLEncoding.EncodeToString([]byte(b.Code + "\x00" + b.ID))
}

func decodeCursor(s string) (code, id string, ok bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", "", false
	}
	return strings.Cut(string(b), "\x00")
}

// page returns up to size records matching f after its cursor, and whether
// more follow. Disabled-only lists skip active records as they read.
func (k *kind[T, P]) page(ctx context.Context, f plant.Filter, disabledOnly bool, size int) ([]T, bool, error) {
	var out []T
	f.Limit = size + 1
	for range 20 {
		recs, err := k.cat.List(ctx, f)
		if err != nil {
			return nil, false, err
		}
		for i := range recs {
			if disabledOnly && P(&recs[i]).Base().Active {
				continue
			}
			if len(out) == size {
				return out, true, nil
			}
			out = append(out, recs[i])
		}
		if len(recs) < f.Limit {
			return out, false, nil
		}
		last := P(&recs[len(recs)-1]).Base()
		f.AfterCode, f.AfterID = last.Code, last.ID
	}
	return out, true, nil
}

// countCap bounds the dashboard's counting; more shows as "countCap+".
const countCap = 10000

func (k *kind[T, P]) count(ctx context.Context, site forkline.ID) (int, error) {
	f := plant.Filter{Limit: 500}
	if k.siteScoped {
		f.SiteIDs = []forkline.ID{site}
	}
	n := 0
	for n < countCap {
		recs, err := k.cat.List(ctx, f)
		if err != nil {
			return 0, err
		}
		n += len(recs)
		if len(recs) < f.Limit {
			break
		}
		last := P(&recs[len(recs)-1]).Base()
		f.AfterCode, f.AfterID = last.Code, last.ID
	}
	return n, nil
}

func (k *kind[T, P]) handleList() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		v, err := k.ui.visit(w, r)
		if err != nil {
			k.ui.fail(w, r, err)
			return
		}
		q := r.URL.Query()
		p := listPage{Kind: k.kindInfo, Query: strings.TrimSpace(q.Get("q")), Status: q.Get("status"),
			Statuses: []option{{"active", "Active"}, {"disabled", "Disabled"}, {"all", "All"}}}
		if !slices.ContainsFunc(p.Statuses, func(o option) bool { return o.Value == p.Status }) {
			p.Status = "active"
		}
		f := plant.Filter{Search: p.Query, IncludeInactive: p.Status != "active"}
		site := ""
		if k.siteScoped {
			s, err := v.requireSite()
			if err != nil {
				k.ui.fail(w, r, err)
				return
			}
			site, p.SiteName = s.ID, s.Name
			f.SiteIDs = []forkline.ID{site}
		}
		if c := q.Get("cursor"); c != "" {
			code, id, ok := decodeCursor(c)
			if !ok {
				k.ui.fail(w, r, forkline.Errorf(forkline.Invalid, "The page link is not valid; go back to the first page."))
				return
			}
			f.AfterCode, f.AfterID = code, id
		}
		from, _ := strconv.Atoi(q.Get("from"))
		from = max(from, 0)
		recs, more, err := k.page(ctx, f, p.Status == "disabled", pageSize)
		if err != nil {
			k.ui.fail(w, r, err)
			return
		}
		opts := map[string][]option{}
		if site != "" {
			if opts, err = k.options(ctx, site); err != nil {
				k.ui.fail(w, r, err)
				return
			}
		}
		ins := k.inputs()
		for _, c := range k.columns {
			p.Headers = append(p.Headers, c.header)
		}
		for i := range recs {
			rec := &recs[i]
			b := P(rec).Base()
			row := listRow{URL: "/" + k.Path + "/" + b.ID, Code: b.Code, Name: b.Name, Active: b.Active}
			for _, c := range k.columns {
				cell := listCell{Wrap: c.wrap}
				if c.cell != nil {
					cell.Text = c.cell(*rec)
				} else if j := slices.IndexFunc(ins, func(in input[T]) bool { return in.name == c.input }); j >= 0 {
					cell.Text = display(ins[j], ins[j].get(rec), opts[c.input])
				}
				if c.badge != nil {
					cell.Badge = c.badge(*rec)
				}
				row.Cells = append(row.Cells, cell)
			}
			p.Rows = append(p.Rows, row)
		}
		p.From, p.To = from+1, from+len(recs)
		keep := url.Values{}
		if p.Query != "" {
			keep.Set("q", p.Query)
		}
		if p.Status != "active" {
			keep.Set("status", p.Status)
		}
		if q.Get("cursor") != "" {
			p.FirstURL = "/" + k.Path + "?" + keep.Encode()
		}
		if more {
			next := url.Values{}
			for key, vals := range keep {
				next[key] = vals
			}
			next.Set("cursor", encodeCursor(P(&recs[len(recs)-1]).Base()))
			next.Set("from", strconv.Itoa(p.To))
			p.NextURL = "/" + k.Path + "?" + next.Encode()
		}
		if k.canCreate(v) {
			p.NewURL = "/" + k.Path + "/new"
			if k.csv != nil {
				p.ImportURL = "/" + k.Path + "/import"
			}
		}
		p.layout = k.ui.layout(w, r, v, k.Titles)
		k.ui.render(w, r, http.StatusOK, "list", p)
	})
}
