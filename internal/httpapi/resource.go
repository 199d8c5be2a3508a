package httpapi

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
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
}

// reasoned is a wire type that carries a reason.
type reasoned interface{ reason() string }

// resource serves the API of one kind of master record.
type resource[T any, P recordPtr[T], W reasoned] struct {
	s        *Server
	path     string // e.g. "items"
	cat      catalog[T]
	toJSON   func(T) W
	fromJSON func(W) (T, error)
	csv      *plant.CSVSpec[T] // nil: no import
}

// catalog is the part of plant.Catalog the handlers use.
type catalog[T any] interface {
	Entity() string
	Create(ctx context.Context, rec T, reason string) (T, error)
	Update(ctx context.Context, rec T, reason string) (T, error)
	SetActive(ctx context.Context, id forkline.ID, version int, active bool, reason string) (T, error)
	Find(ctx context.Context, id forkline.ID) (T, error)
	List(ctx context.Context, f plant.Filter) ([]T, error)
	ImportCSV(ctx context.Context, spec plant.CSVSpec[T], r io.Reader, site forkline.ID, reason string) (int, error)
}

func (rs *resource[T, P, W]) list() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := listFilter(r)
		if err != nil {
			writeError(w, r, rs.s.cfg.Logger, err)
			return
		}
		limit := f.Limit
		f.Limit++ // one more tells whether there is a next page
		recs, err := rs.cat.List(r.Context(), f)
		if err != nil {
			writeError(w, r, rs.s.cfg.Logger, err)
			return
		}
		page := pageJSON[W]{Data: make([]W, 0, len(recs))}
		if len(recs) > limit {
			recs = recs[:limit]
			last := P(&recs[len(recs)-1]).Base()
			page.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(last.Code + "\x00" + last.ID))
		}
		for _, rec := range recs {
			page.Data = append(page.Data, rs.toJSON(rec))
		}
		encode(w, http.StatusOK, page)
	})
}

// listFilter reads ?site=&q=&inactive=&limit=&cursor=.
func listFilter(r *http.Request) (plant.Filter, error) {
	q := r.URL.Query()
	f := plant.Filter{Search: q.Get("q"), Limit: 50}
	var p forkline.Problems
	if sites := q["site"]; len(sites) > 0 {
		f.SiteIDs = sites
	}
	switch q.Get("inactive") {
	case "", "false":
	case "true":
		f.IncludeInactive = true
	default:
		p.Add("inactive", "boolean", "inactive must be true or false")
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 500 {
			p.Add("limit", "range", "limit must be a whole number from 1 to 500")
		}
		f.Limit = n
	}
	if c := q.Get("cursor"); c != "" {
		b, err := base64.RawURLEncoding.DecodeString(c)
		code, id, ok := strings.Cut(string(b), "\x00")
		if err != nil || !ok {
			p.Add("cursor", "cursor", "cursor must be a nextCursor value from a previous page")
		}
		f.AfterCode, f.AfterID = code, id
	}
	return f, p.Err("The query is not valid.")
}

func (rs *resource[T, P, W]) show() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec, err := rs.cat.Find(r.Context(), r.PathValue("id"))
		if err != nil {
			writeError(w, r, rs.s.cfg.Logger, err)
			return
		}
		encode(w, http.StatusOK, rs.toJSON(rec))
	})
}

func (rs *resource[T, P, W]) create() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in W
		if err := decode(r, &in); err != nil {
			writeError(w, r, rs.s.cfg.Logger, err)
			return
		}
		rec, err := rs.fromJSON(in)
		if err == nil {
			rec, err = rs.cat.Create(r.Context(), rec, in.reason())
		}
		if err != nil {
			writeError(w, r, rs.s.cfg.Logger, err)
			return
		}
		w.Header().Set("Location", "/api/v1/"+rs.path+"/"+P(&rec).Base().ID)
		encode(w, http.StatusCreated, rs.toJSON(rec))
	})
}

func (rs *resource[T, P, W]) update() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in W
		if err := decode(r, &in); err != nil {
			writeError(w, r, rs.s.cfg.Logger, err)
			return
		}
		rec, err := rs.fromJSON(in)
		if err == nil {
			rec, err = rs.cat.Update(r.Context(), withID[T, P](rec, r.PathValue("id")), in.reason())
		}
		if err != nil {
			writeError(w, r, rs.s.cfg.Logger, err)
			return
		}
		encode(w, http.StatusOK, rs.toJSON(rec))
	})
}

// withID sets the record's ID from the path: the path names the record, not the body.
func withID[T any, P recordPtr[T]](rec T, id forkline.ID) T {
	b := P(&rec).Base()
	b.ID = id
	P(&rec).SetBase(b)
	return rec
}

type activeJSON struct {
	Version int    `json:"version"`
	Reason  string `json:"reason"`
}

func (rs *resource[T, P, W]) setActive(active bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in activeJSON
		if err := decode(r, &in); err != nil {
			writeError(w, r, rs.s.cfg.Logger, err)
			return
		}
		rec, err := rs.cat.SetActive(r.Context(), r.PathValue("id"), in.Version, active, in.Reason)
		if err != nil {
			writeError(w, r, rs.s.cfg.Logger, err)
			return
		}
		encode(w, http.StatusOK, rs.toJSON(rec))
	})
}

func (rs *resource[T, P, W]) history() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if _, err := rs.cat.Find(r.Context(), id); err != nil {
			writeError(w, r, rs.s.cfg.Logger, err)
			return
		}
		rs.s.writeHistory(w, r, rs.cat.Entity(), id)
	})
}

type importJSON struct {
	Imported int `json:"imported"`
}

func (rs *resource[T, P, W]) importCSV() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		site := r.URL.Query().Get("site")
		if !forkline.ValidID(site) {
			writeError(w, r, rs.s.cfg.Logger, &forkline.Error{Code: forkline.Invalid, Msg: "Name the site to import into.",
				Fields: []forkline.FieldProblem{{Field: "site", Rule: "required", Msg: "site must be the ID of a site (query parameter)"}}})
			return
		}
		n, err := rs.cat.ImportCSV(r.Context(), *rs.csv, http.MaxBytesReader(w, r.Body, maxBody), site, r.URL.Query().Get("reason"))
		if err != nil {
			writeError(w, r, rs.s.cfg.Logger, err)
			return
		}
		encode(w, http.StatusCreated, importJSON{Imported: n})
	})
}
