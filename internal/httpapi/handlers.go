package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/audit"
	"github.com/forkline/forkline/internal/plant"
)

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	writeError(w, r, s.cfg.Logger, err)
}

func grantsJSON(gs []forkline.Grant) []grantJSON {
	out := []grantJSON{}
	for _, g := range gs {
		out = append(out, grantJSON{SiteID: g.SiteID, Role: string(g.Role)})
	}
	return out
}

func (s *Server) handleMe() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, _ := forkline.ActorFrom(r.Context())
		encode(w, http.StatusOK, meJSON{Kind: string(a.Kind), ID: a.ID, Name: a.Name, Grants: grantsJSON(a.Grants)})
	})
}

type allergenJSON struct {
	Code string `json:"code"`
	Name string `json:"name"`
	US   bool   `json:"us"`
	EU   bool   `json:"eu"`
}

type roleJSON struct {
	Role        string   `json:"role"`
	Permissions []string `json:"permissions"`
}

type referenceJSON struct {
	Units             []string       `json:"units"`
	Allergens         []allergenJSON `json:"allergens"`
	ItemKinds         []string       `json:"itemKinds"`
	StorageConditions []string       `json:"storageConditions"`
	LocationKinds     []string       `json:"locationKinds"`
	ApprovalStatuses  []string       `json:"approvalStatuses"`
	Roles             []roleJSON     `json:"roles"`
}

func strs[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

func (s *Server) handleReference() http.Handler {
	ref := referenceJSON{Units: strs(forkline.Units()), ItemKinds: strs(plant.ItemKinds()), StorageConditions: strs(plant.StorageConditions()),
		LocationKinds: strs(plant.LocationKinds()), ApprovalStatuses: strs(plant.ApprovalStatuses())}
	for _, a := range plant.Allergens() {
		ref.Allergens = append(ref.Allergens, allergenJSON{Code: string(a.Allergen), Name: a.Name, US: a.US, EU: a.EU})
	}
	for _, role := range forkline.Roles() {
		rj := roleJSON{Role: string(role), Permissions: []string{}}
		for _, p := range forkline.Permissions() {
			if role.Has(p) {
				rj.Permissions = append(rj.Permissions, string(p))
			}
		}
		ref.Roles = append(ref.Roles, rj)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { encode(w, http.StatusOK, ref) })
}

// siteExists reports whether a site exists, whoever asks: granting a role
// on a site needs to know, even for an administrator without a role there yet.
func (s *Server) siteExists(ctx context.Context, id forkline.ID) bool {
	_, err := s.cfg.Plant.Sites.Find(forkline.WithActor(ctx, forkline.System), id)
	return err == nil
}

type newUserJSON struct {
	Username    string `json:"username"`
	DisplayName string `json:"displayName"`
	Password    string `json:"password"`
}

type passwordJSON struct {
	Password string `json:"password"`
	Reason   string `json:"reason,omitempty"`
}

type reasonJSON struct {
	Reason string `json:"reason"`
}

type grantChangeJSON struct {
	SiteID string `json:"siteId"`
	Role   string `json:"role"`
	Reason string `json:"reason,omitempty"`
}

func (s *Server) handleUsers() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		us, err := s.cfg.Auth.Users(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out := []userJSON{}
		for _, u := range us {
			out = append(out, userToJSON(u, s.cfg.Now()))
		}
		encode(w, http.StatusOK, out)
	})
}

func (s *Server) handleUserCreate() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in newUserJSON
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		u, err := s.cfg.Auth.CreateUser(r.Context(), in.Username, in.DisplayName, in.Password)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Location", "/api/v1/users/"+u.ID)
		encode(w, http.StatusCreated, userToJSON(u, s.cfg.Now()))
	})
}

func (s *Server) handleUserShow() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := s.cfg.Auth.User(r.Context(), r.PathValue("id"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, userToJSON(u, s.cfg.Now()))
	})
}

func (s *Server) handleUserPassword() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in passwordJSON
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		if err := s.cfg.Auth.SetPassword(r.Context(), r.PathValue("id"), in.Password, in.Reason); err != nil {
			s.fail(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

func (s *Server) handleUserActive(active bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in reasonJSON
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		u, err := s.cfg.Auth.SetActive(r.Context(), r.PathValue("id"), active, in.Reason)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, userToJSON(u, s.cfg.Now()))
	})
}

func (s *Server) handleGrant(grant bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in grantChangeJSON
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		u, err := s.cfg.Auth.SetRole(r.Context(), r.PathValue("id"), forkline.Grant{SiteID: in.SiteID, Role: forkline.Role(in.Role)}, grant, in.Reason, s.siteExists)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, userToJSON(u, s.cfg.Now()))
	})
}

func (s *Server) handleUserHistory() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.writeHistory(w, r, "user", r.PathValue("id"))
	})
}

type newTokenJSON struct {
	Name   string `json:"name"`
	SiteID string `json:"siteId"`
	Role   string `json:"role"`
	// TTLHours is how long the token lives; 0 means until revoked.
	TTLHours int `json:"ttlHours"`
}

func (s *Server) handleTokens() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ts, err := s.cfg.Auth.Tokens(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out := []tokenJSON{}
		for _, t := range ts {
			out = append(out, tokenToJSON(t))
		}
		encode(w, http.StatusOK, out)
	})
}

func (s *Server) handleTokenCreate() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in newTokenJSON
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		t, secret, err := s.cfg.Auth.CreateToken(r.Context(), in.Name, in.SiteID, forkline.Role(in.Role), time.Duration(in.TTLHours)*time.Hour, s.siteExists)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out := tokenToJSON(t)
		out.Secret = secret
		w.Header().Set("Cache-Control", "no-store")
		encode(w, http.StatusCreated, out)
	})
}

func (s *Server) handleTokenRevoke() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in reasonJSON
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		if err := s.cfg.Auth.RevokeToken(r.Context(), r.PathValue("id"), in.Reason); err != nil {
			s.fail(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// auditPage reads ?limit=&before= and writes one page of entries.
func auditPage(r *http.Request) (limit int, before int64, err error) {
	var p forkline.Problems
	limit = 50
	if l := r.URL.Query().Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 500 {
			p.Add("limit", "range", "limit must be a whole number from 1 to 500")
		}
		limit = n
	}
	if b := r.URL.Query().Get("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n < 1 {
			p.Add("before", "range", "before must be an entry's seq")
		}
		before = n
	}
	return limit, before, p.Err("The query is not valid.")
}

func writeAudit(w http.ResponseWriter, es []audit.Entry, limit int) {
	page := pageJSON[auditJSON]{Data: []auditJSON{}}
	for _, e := range es {
		page.Data = append(page.Data, auditToJSON(e))
	}
	if len(es) == limit {
		page.NextCursor = strconv.FormatInt(es[len(es)-1].Seq, 10)
	}
	encode(w, http.StatusOK, page)
}

func (s *Server) writeHistory(w http.ResponseWriter, r *http.Request, entity string, id forkline.ID) {
	limit, before, err := auditPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	es, err := s.cfg.Audit.History(r.Context(), entity, id, limit, before)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeAudit(w, es, limit)
}

func (s *Server) handleAudit() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit, before, err := auditPage(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		q := r.URL.Query()
		es, err := s.cfg.Audit.List(r.Context(), audit.Filter{Entity: q.Get("entity"), EntityID: q.Get("entityId"), Limit: limit, BeforeSeq: before})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeAudit(w, es, limit)
	})
}

type verifyJSON struct {
	Intact  bool   `json:"intact"`
	Entries int64  `json:"entries"`
	BreakAt int64  `json:"breakAt,omitempty"`
	EntryID string `json:"entryId,omitempty"`
	Problem string `json:"problem,omitempty"`
}

func (s *Server) handleAuditVerify() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rep, err := s.cfg.Audit.Verify(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out := verifyJSON{Intact: rep.Break == nil, Entries: rep.Entries}
		if rep.Break != nil {
			out.BreakAt, out.EntryID, out.Problem = rep.Break.Seq, rep.Break.ID, rep.Break.Reason
		}
		encode(w, http.StatusOK, out)
	})
}

type badgeJSON struct {
	Badge  string `json:"badge"` // "" removes badge sign-in
	PIN    string `json:"pin"`   // 4-8 digits
	Reason string `json:"reason,omitempty"`
}

func (s *Server) handleUserBadge() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in badgeJSON
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		u, err := s.cfg.Auth.SetBadge(r.Context(), r.PathValue("id"), in.Badge, in.PIN, in.Reason)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, userToJSON(u, s.cfg.Now()))
	})
}
