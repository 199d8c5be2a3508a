package httpapi

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/gs1"
	"github.com/forkline/forkline/internal/inventory"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/production"
	"github.com/forkline/forkline/internal/recipe"
)

// B2MML reads ERP schedules and writes the actuals of orders in ISA-95
// B2MML. The b2mml adapter provides the functions and cmd wires them in,
// because adapters do not import each other; the types below mirror the
// adapter's field for field, so that cmd converts them plainly.
type B2MML struct {
	// ParseSchedule reads a V0600 ProductionSchedule or a V0701
	// OperationsSchedule. A bad document is refused whole with an Invalid
	// error whose fields are the element paths.
	ParseSchedule func(io.Reader) (B2MMLSchedule, error)
	// WritePerformance writes the actuals of an order, by version: "v0600"
	// (ProductionPerformance) and "v0701" (OperationsPerformance).
	WritePerformance map[string]func(io.Writer, B2MMLPerformance) error
}

// B2MMLSchedule is an ERP's production schedule.
type B2MMLSchedule struct {
	ID     string
	Orders []B2MMLOrder
}

// B2MMLOrder is one production order as the ERP requests it.
type B2MMLOrder struct {
	ID            string // the order number
	ERPReference  string
	ItemCode      string
	Quantity      string // a plain decimal, "612.5"
	UnitOfMeasure string // as the ERP wrote it: "kg", "ea", "KGM"
	PlannedStart  time.Time
	PlannedEnd    time.Time
	EquipmentID   string // the line's code, or ""
	Priority      int
	Description   string
}

// B2MMLPerformance is what a completed order really did.
type B2MMLPerformance struct {
	ID           string
	OrderID      string // the order number
	ERPReference string
	ItemCode     string
	Produced     []B2MMLMaterial
	Consumed     []B2MMLMaterial
	Start, End   time.Time
	EquipmentID  string // the line's code
	Parameters   []B2MMLParameter
}

// B2MMLMaterial is one lot made or used.
type B2MMLMaterial struct {
	ItemCode string
	LotID    string // the lot code
	Quantity string // a plain decimal
	Unit     string
}

// B2MMLParameter is one recorded process value.
type B2MMLParameter struct {
	Name  string
	Value string
	Unit  string
}

// maxImportOrders caps the orders of one import.
const maxImportOrders = 1000

// maxB2MML caps a B2MML body; the adapter refuses documents over 16 MiB itself.
const maxB2MML = 16<<20 + 1

func fieldError(code forkline.Code, field, rule, msg string) error {
	return &forkline.Error{Code: code, Msg: msg, Fields: []forkline.FieldProblem{{Field: field, Rule: rule, Msg: msg}}}
}

// naming gives an Invalid error that names no field the field of the
// request it came from, so that the caller sees what to fix.
func naming(err error, field string) error {
	if forkline.ErrorCode(err) != forkline.Invalid || len(forkline.ErrorFields(err)) > 0 {
		return err
	}
	msg := forkline.ErrorMessage(err)
	return &forkline.Error{Code: forkline.Invalid, Msg: msg, Fields: []forkline.FieldProblem{{Field: field, Rule: "invalid", Msg: msg}}, Err: err}
}

// renaming maps the field names a service uses to the request's own.
func renaming(err error, names map[string]string) error {
	fs := forkline.ErrorFields(err)
	if len(fs) == 0 {
		return err
	}
	out := make([]forkline.FieldProblem, len(fs))
	changed := false
	for i, f := range fs {
		if to, ok := names[f.Field]; ok {
			f.Field, changed = to, true
		}
		out[i] = f
	}
	if !changed {
		return err
	}
	return &forkline.Error{Code: forkline.ErrorCode(err), Msg: forkline.ErrorMessage(err), Fields: out, Err: err}
}

// limitParam reads ?limit= from 1 to 500, or def.
func limitParam(p *forkline.Problems, s string, def int) int {
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 500 {
		p.Add("limit", "range", "limit must be a whole number from 1 to 500")
	}
	return n
}

// masterNames finds the items and lines that orders name, each once per request.
type masterNames struct {
	s     *Server
	items map[forkline.ID]plant.Item
	lines map[forkline.ID]plant.Line
}

func (s *Server) names() *masterNames {
	return &masterNames{s: s, items: map[forkline.ID]plant.Item{}, lines: map[forkline.ID]plant.Line{}}
}

func (m *masterNames) item(ctx context.Context, id forkline.ID) (plant.Item, error) {
	if it, ok := m.items[id]; ok {
		return it, nil
	}
	it, err := m.s.cfg.Plant.Items.Find(ctx, id)
	if err != nil {
		return it, fmt.Errorf("item of order: %w", err)
	}
	m.items[id] = it
	return it, nil
}

func (m *masterNames) line(ctx context.Context, id forkline.ID) (plant.Line, error) {
	if l, ok := m.lines[id]; ok {
		return l, nil
	}
	l, err := m.s.cfg.Plant.Lines.Find(ctx, id)
	if err != nil {
		return l, fmt.Errorf("line of order: %w", err)
	}
	m.lines[id] = l
	return l, nil
}

func (m *masterNames) order(ctx context.Context, o production.Order) (orderJSON, error) {
	it, err := m.item(ctx, o.ItemID)
	if err != nil {
		return orderJSON{}, err
	}
	l, err := m.line(ctx, o.LineID)
	if err != nil {
		return orderJSON{}, err
	}
	return orderToJSON(o, it, l), nil
}

func (m *masterNames) orders(ctx context.Context, list []production.Order) ([]orderJSON, error) {
	out := []orderJSON{}
	for _, o := range list {
		oj, err := m.order(ctx, o)
		if err != nil {
			return nil, err
		}
		out = append(out, oj)
	}
	return out, nil
}

// answerOrder writes an order with its item and line codes.
func (s *Server) answerOrder(w http.ResponseWriter, r *http.Request, status int, o production.Order) {
	oj, err := s.names().order(r.Context(), o)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if status == http.StatusCreated {
		w.Header().Set("Location", "/api/v1/orders/"+o.ID)
	}
	encode(w, status, oj)
}

// Recipes.

func (s *Server) handleRecipes() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		var p forkline.Problems
		f := recipe.Filter{ItemID: q.Get("item"), Search: q.Get("q"), Limit: limitParam(&p, q.Get("limit"), 100)}
		if sites := q["site"]; len(sites) > 0 {
			f.SiteIDs = sites
		}
		if err := p.Err("The query is not valid."); err != nil {
			s.fail(w, r, err)
			return
		}
		rs, err := s.cfg.Recipes.Recipes(r.Context(), f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out := []recipeJSON{}
		for _, rc := range rs {
			out = append(out, recipeToJSON(rc))
		}
		encode(w, http.StatusOK, out)
	})
}

func (s *Server) handleRecipeCreate() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in newRecipeJSON
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		var p forkline.Problems
		ci := recipe.CreateInput{SiteID: in.SiteID, ItemID: in.ItemID, Code: in.Code, Name: in.Name, Content: in.content(&p), Reason: in.Reason}
		if err := p.Err("The recipe is not valid."); err != nil {
			s.fail(w, r, err)
			return
		}
		rc, err := s.cfg.Recipes.Create(r.Context(), ci)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Location", "/api/v1/recipes/"+rc.ID)
		encode(w, http.StatusCreated, recipeDetailToJSON(rc))
	})
}

func (s *Server) handleRecipe() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc, err := s.cfg.Recipes.Recipe(r.Context(), r.PathValue("id"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, recipeDetailToJSON(rc))
	})
}

func (s *Server) handleRecipeNewVersion() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in newVersionJSON
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		v, err := s.cfg.Recipes.NewVersion(r.Context(), r.PathValue("id"), in.Reason)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Location", "/api/v1/recipe-versions/"+v.ID)
		encode(w, http.StatusCreated, versionToJSON(v))
	})
}

func (s *Server) handleVersion() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, err := s.cfg.Recipes.Detail(r.Context(), r.PathValue("id"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, versionDetailToJSON(d))
	})
}

func (s *Server) handleDraftSave() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in draftJSON
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		var p forkline.Problems
		di := recipe.DraftInput{VersionID: r.PathValue("id"), Revision: in.Revision, Content: in.content(&p), Reason: in.Reason}
		if err := p.Err("The recipe is not valid."); err != nil {
			s.fail(w, r, err)
			return
		}
		v, err := s.cfg.Recipes.SaveDraft(r.Context(), di)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, versionToJSON(v))
	})
}

func (s *Server) handleApprove() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in approveJSON
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		v, err := s.cfg.Recipes.Approve(r.Context(), recipe.ApproveInput{VersionID: r.PathValue("id"), Revision: in.Revision, Password: in.Password, Meaning: in.Meaning})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, versionToJSON(v))
	})
}

func (s *Server) handleVerify() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := s.cfg.Recipes.Verify(r.Context(), r.PathValue("id"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, verificationToJSON(v))
	})
}

func (s *Server) handleScale() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p forkline.Problems
		batch := quantityField(&p, "batch", r.URL.Query().Get("batch"))
		if len(p.List()) == 0 && batch.Sign() <= 0 {
			p.Add("batch", "positive", "batch must be more than zero, e.g. \"250 kg\"")
		}
		if err := p.Err("The query is not valid."); err != nil {
			s.fail(w, r, err)
			return
		}
		id := r.PathValue("id")
		scaled, err := s.cfg.Recipes.Scale(r.Context(), id, batch)
		if err != nil {
			s.fail(w, r, naming(err, "batch"))
			return
		}
		out := scaledJSON{VersionID: id, Batch: batch.String(), Ingredients: []scaledIngredientJSON{}}
		for _, sc := range scaled {
			out.Ingredients = append(out.Ingredients, scaledIngredientJSON{ItemID: sc.ItemID, Target: sc.Target.String(), Min: sc.Min.String(),
				Max: sc.Max.String(), Substitutes: orEmpty(sc.Substitutes), Exact: sc.Exact})
		}
		encode(w, http.StatusOK, out)
	})
}

// Orders.

func (s *Server) handleOrders() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		var p forkline.Problems
		f := production.OrderFilter{LineID: q.Get("line"), ItemID: q.Get("item"), Limit: limitParam(&p, q.Get("limit"), 100)}
		if sites := q["site"]; len(sites) > 0 {
			f.SiteIDs = sites
		}
		for _, st := range q["state"] {
			if !slices.Contains(production.States(), production.State(st)) {
				p.Add("state", "one_of", fmt.Sprintf("state %q is not an order state (planned, released, in_progress, completed, closed, on_hold, cancelled)", st))
			}
			f.States = append(f.States, production.State(st))
		}
		number := strings.TrimSpace(q.Get("number"))
		if number != "" && len(f.SiteIDs) != 1 {
			p.Add("site", "required", "give one site to find an order by number")
		}
		if err := p.Err("The query is not valid."); err != nil {
			s.fail(w, r, err)
			return
		}
		var list []production.Order
		var err error
		if number != "" {
			var o production.Order
			o, err = s.cfg.Production.OrderByNumber(r.Context(), f.SiteIDs[0], number)
			if err == nil {
				list = append(list, o)
			} else if forkline.ErrorCode(err) == forkline.NotFound {
				err = nil
			}
		} else {
			list, err = s.cfg.Production.Orders(r.Context(), f)
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out, err := s.names().orders(r.Context(), list)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, out)
	})
}

func (s *Server) handleOrder() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o, err := s.cfg.Production.Order(r.Context(), r.PathValue("id"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.answerOrder(w, r, http.StatusOK, o)
	})
}

func (s *Server) handleOrderCreate() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in orderInJSON
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		imp := &orderImport{site: in.SiteID, siteField: "siteId", reason: in.Reason, refusal: "The production order is not valid."}
		imp.drafts = []orderDraft{draftFromJSON(&imp.problems, "", in)}
		inputs, err := s.checkDrafts(r.Context(), imp, false)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		o, err := s.cfg.Production.CreateOrder(r.Context(), inputs[0])
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.answerOrder(w, r, http.StatusCreated, o)
	})
}

// orderImport is one or more orders of a request, all or nothing.
type orderImport struct {
	site      forkline.ID
	siteField string // the request's name for the site
	reason    string
	schedule  string // the B2MML schedule's ID
	refusal   string // the message of a refusal
	drafts    []orderDraft
	problems  forkline.Problems // found reading the request
}

// orderDraft is one order of a request before its codes are resolved, with
// the names of its fields in the request, for problems.
type orderDraft struct {
	Number, ItemID, ItemCode, LineID, LineCode, RecipeID, ERPRef string
	Quantity                                                     forkline.Quantity
	Start, End                                                   time.Time
	f                                                            draftFields
}

// draftFields are the request's names for the fields of an order: JSON
// field names, or element paths in a B2MML document.
type draftFields struct {
	number, item, line, recipe, quantity, unit, start, end, erpRef string
}

func draftFromJSON(p *forkline.Problems, prefix string, in orderInJSON) orderDraft {
	f := draftFields{number: prefix + "number", item: prefix + "itemId", line: prefix + "lineId", recipe: prefix + "recipeId",
		quantity: prefix + "plannedQuantity", start: prefix + "plannedStart", end: prefix + "plannedEnd", erpRef: prefix + "erpRef"}
	if in.ItemID == "" && in.ItemCode != "" {
		f.item = prefix + "itemCode"
	}
	if in.LineID == "" && in.LineCode != "" {
		f.line = prefix + "lineCode"
	}
	f.unit = f.quantity
	d := orderDraft{Number: in.Number, ItemID: in.ItemID, ItemCode: in.ItemCode, LineID: in.LineID, LineCode: in.LineCode, RecipeID: in.RecipeID,
		ERPRef: in.ERPRef, Quantity: quantityField(p, f.quantity, in.PlannedQuantity), Start: timeField(p, f.start, in.PlannedStart),
		End: timeField(p, f.end, in.PlannedEnd), f: f}
	if in.ItemID != "" && in.ItemCode != "" {
		p.Add(prefix+"itemCode", "one_of", "give itemId or itemCode, not both")
	}
	if in.LineID != "" && in.LineCode != "" {
		p.Add(prefix+"lineCode", "one_of", "give lineId or lineCode, not both")
	}
	return d
}

// checkDrafts resolves the items and lines of orders for a site, by ID or
// by code, and checks every order as production will, so that an import is
// refused whole, with every problem named (with those found reading the
// request, one per field), before anything is created. With taken, numbers
// already used on the site are reported too; that check is for the report
// only: the database's uniqueness constraint decides.
func (s *Server) checkDrafts(ctx context.Context, imp *orderImport, taken bool) ([]production.OrderInput, error) {
	site, ds, reason := imp.site, imp.drafts, imp.reason
	p := &imp.problems
	if !forkline.ValidID(site) {
		p.Add(imp.siteField, "required", imp.siteField+" must be the ID of a site")
		return nil, p.Err(imp.refusal)
	}
	st, err := s.cfg.Plant.Sites.Find(ctx, site)
	if forkline.ErrorCode(err) == forkline.NotFound {
		p.Add(imp.siteField, "reference", imp.siteField+" is not a known site")
		return nil, p.Err(imp.refusal)
	} else if err != nil {
		return nil, err
	}
	var itemCodes, lineCodes []string
	for _, d := range ds {
		if d.ItemID == "" && d.ItemCode != "" {
			itemCodes = append(itemCodes, d.ItemCode)
		}
		if d.LineID == "" && d.LineCode != "" {
			lineCodes = append(lineCodes, d.LineCode)
		}
	}
	items, err := byCode[plant.Item, *plant.Item](ctx, s.cfg.Plant.Items, site, itemCodes)
	if err != nil {
		return nil, err
	}
	lines, err := byCode[plant.Line, *plant.Line](ctx, s.cfg.Plant.Lines, site, lineCodes)
	if err != nil {
		return nil, err
	}
	named := map[string]bool{}
	for _, f := range p.List() {
		named[f.Field] = true
	}
	add := func(field, rule, msg string) { // one problem a field
		if !named[field] {
			named[field] = true
			p.Add(field, rule, msg)
		}
	}
	numbers := map[string]string{} // number -> field of its first use
	out := make([]production.OrderInput, 0, len(ds))
	for _, d := range ds {
		in := production.OrderInput{SiteID: site, RecipeID: d.RecipeID, Number: strings.TrimSpace(d.Number), PlannedQuantity: d.Quantity,
			PlannedStart: d.Start, PlannedEnd: d.End, ERPRef: strings.TrimSpace(d.ERPRef), Reason: reason}
		who := "The order"
		if in.Number != "" {
			who = "Order " + in.Number
		}
		switch {
		case in.Number == "":
			add(d.f.number, "required", "the order number is required")
		case len([]rune(in.Number)) > 40:
			add(d.f.number, "max_length", "the order number must be at most 40 characters")
		case numbers[in.Number] != "":
			add(d.f.number, "unique", fmt.Sprintf("order number %s is given twice (first at %s)", in.Number, numbers[in.Number]))
		case !taken:
			numbers[in.Number] = d.f.number
		default:
			numbers[in.Number] = d.f.number
			_, err := s.cfg.Production.OrderByNumber(ctx, site, in.Number)
			switch forkline.ErrorCode(err) {
			case "":
				add(d.f.number, "unique", fmt.Sprintf("order number %s is taken on site %s", in.Number, st.Code))
			case forkline.NotFound:
			default:
				return nil, err
			}
		}
		var item plant.Item
		switch {
		case d.ItemID != "":
			it, err := s.cfg.Plant.Items.Find(ctx, d.ItemID)
			if err != nil && forkline.ErrorCode(err) != forkline.NotFound {
				return nil, err
			}
			if err != nil || it.SiteID != site || !it.Active {
				add(d.f.item, "reference", fmt.Sprintf("%s: item %s is not an active item of site %s", who, d.ItemID, st.Code))
			} else {
				item = it
			}
		case d.ItemCode != "":
			it, ok := items[d.ItemCode]
			if !ok {
				add(d.f.item, "reference", fmt.Sprintf("%s: no active item of site %s has the code %s", who, st.Code, d.ItemCode))
			}
			item = it
		default:
			add(d.f.item, "required", who+" names no item to make")
		}
		in.ItemID = item.ID
		switch {
		case d.LineID != "":
			l, err := s.cfg.Plant.Lines.Find(ctx, d.LineID)
			if err != nil && forkline.ErrorCode(err) != forkline.NotFound {
				return nil, err
			}
			if err != nil || l.SiteID != site || !l.Active {
				add(d.f.line, "reference", fmt.Sprintf("%s: line %s is not an active line of site %s", who, d.LineID, st.Code))
			}
			in.LineID = l.ID
		case d.LineCode != "":
			l, ok := lines[d.LineCode]
			if !ok {
				add(d.f.line, "reference", fmt.Sprintf("%s: no active line of site %s has the code %s", who, st.Code, d.LineCode))
			}
			in.LineID = l.ID
		default:
			add(d.f.line, "required", who+" names no line")
		}
		if d.RecipeID != "" && !forkline.ValidID(d.RecipeID) {
			add(d.f.recipe, "reference", "recipeId must be the ID of a recipe, or empty")
		}
		switch {
		case d.Quantity.Unit == "":
			// quantityField or the unit mapping has named it already.
		case d.Quantity.Sign() <= 0:
			add(d.f.quantity, "positive", who+": the planned quantity must be more than zero")
		case item.ID != "":
			if _, exact, err := forkline.Convert(d.Quantity, item.BaseUnit, item.PackSizes); err != nil {
				add(d.f.unit, "unit", fmt.Sprintf("%s: %s cannot be counted in %s, the unit of %s: %s", who, d.Quantity, item.BaseUnit, item.Code, forkline.ErrorMessage(err)))
			} else if !exact {
				add(d.f.quantity, "exact", fmt.Sprintf("%s: give the planned quantity in %s", who, item.BaseUnit))
			}
		}
		switch {
		case d.Start.IsZero():
			add(d.f.start, "required", who+": the planned start is required")
		case d.End.IsZero():
			add(d.f.end, "required", who+": the planned end is required")
		case !d.End.After(d.Start):
			add(d.f.end, "after", who+": the planned end must be after the planned start")
		}
		if len([]rune(in.ERPRef)) > 60 {
			add(d.f.erpRef, "max_length", who+": the ERP reference must be at most 60 characters")
		}
		out = append(out, in)
	}
	if err := p.Err(imp.refusal); err != nil {
		return nil, err
	}
	return out, nil
}

// byCode returns the active records of a site with the given codes.
func byCode[T any, P recordPtr[T]](ctx context.Context, cat catalog[T], site forkline.ID, codes []string) (map[string]T, error) {
	out := map[string]T{}
	slices.Sort(codes)
	codes = slices.Compact(codes)
	for chunk := range slices.Chunk(codes, 500) {
		recs, err := cat.List(ctx, plant.Filter{SiteIDs: []forkline.ID{site}, Codes: chunk, Limit: len(chunk)})
		if err != nil {
			return nil, err
		}
		for _, rec := range recs {
			out[P(&rec).Base().Code] = rec
		}
	}
	return out, nil
}

// createOrders creates checked orders all or nothing, in one transaction.
// An order refused there (its number taken by a concurrent import since the
// check) refuses the whole import, naming that order's fields.
func (s *Server) createOrders(ctx context.Context, ins []production.OrderInput, ds []orderDraft) ([]production.Order, error) {
	made, err := s.cfg.Production.CreateOrders(ctx, ins)
	var oe *production.OrderError
	if errors.As(err, &oe) {
		f := ds[oe.Index].f
		err = renaming(oe.Err, map[string]string{"number": f.number, "itemId": f.item, "lineId": f.line, "recipeId": f.recipe,
			"plannedQuantity": f.quantity, "plannedStart": f.start, "plannedEnd": f.end, "erpRef": f.erpRef})
		return nil, &forkline.Error{Code: forkline.ErrorCode(err), Fields: forkline.ErrorFields(err), Err: err,
			Msg: fmt.Sprintf("Order %s was refused: %s Nothing was created.", ins[oe.Index].Number, forkline.ErrorMessage(err))}
	}
	return made, err
}

// siteFor returns the site a request names, or else the one site where
// the caller holds perm: an ERP's API token belongs to one site.
func siteFor(r *http.Request, named, field string, perm forkline.Permission) (forkline.ID, error) {
	if named != "" {
		return named, nil
	}
	if a, ok := forkline.ActorFrom(r.Context()); ok {
		if sites := a.Sites(perm); len(sites) == 1 {
			return sites[0], nil
		}
	}
	return "", fieldError(forkline.Invalid, field, "required", field+" must be the ID of the site to import into")
}

// handleOrderImport imports orders all or nothing: a B2MML schedule
// (application/xml) or a JSON list (application/json).
func (s *Server) handleOrderImport() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		var imp *orderImport
		var err error
		switch {
		case ct == "application/json":
			imp, err = s.jsonImport(r)
		case ct == "application/xml" || ct == "text/xml" || strings.HasSuffix(ct, "+xml"):
			imp, err = s.b2mmlImport(w, r)
		default:
			err = fmt.Errorf("%w: %w", errMalformed, &forkline.Error{Code: forkline.Invalid,
				Msg: "Send a B2MML ProductionSchedule or OperationsSchedule as application/xml, or a JSON list of orders as application/json."})
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if len(imp.drafts) > maxImportOrders {
			s.fail(w, r, fieldError(forkline.Invalid, "orders", "max_length", fmt.Sprintf("import at most %d orders at once", maxImportOrders)))
			return
		}
		ins, err := s.checkDrafts(r.Context(), imp, true)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		made, err := s.createOrders(r.Context(), ins, imp.drafts)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out, err := s.names().orders(r.Context(), made)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusCreated, importedJSON{ScheduleID: imp.schedule, Imported: len(out), Orders: out})
	})
}

func (s *Server) jsonImport(r *http.Request) (*orderImport, error) {
	var in importOrdersJSON
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	site, err := siteFor(r, in.SiteID, "siteId", forkline.PermProductionPlan)
	if err != nil {
		return nil, err
	}
	imp := &orderImport{site: site, siteField: "siteId", reason: in.Reason, refusal: "The orders are refused whole: nothing was created."}
	p := &imp.problems
	if len(in.Orders) == 0 {
		p.Add("orders", "required", "orders must list at least one order")
	}
	for i, o := range in.Orders {
		prefix := fmt.Sprintf("orders[%d].", i)
		if o.SiteID != "" && o.SiteID != site {
			p.Add(prefix+"siteId", "same_site", "every order of an import is for the import's siteId; leave siteId out of the orders")
		}
		if o.Reason != "" {
			p.Add(prefix+"reason", "unknown", "give the reason once, for the whole import")
		}
		imp.drafts = append(imp.drafts, draftFromJSON(p, prefix, o))
	}
	return imp, nil
}

// b2mmlElements are the element names of one B2MML version, for problems.
type b2mmlElements struct {
	schedule, request, parameter string
}

var (
	b2mmlV0600 = b2mmlElements{"ProductionSchedule", "ProductionRequest", "ProductionParameter/Parameter"}
	b2mmlV0701 = b2mmlElements{"OperationsSchedule", "OperationsRequest", "SegmentParameter"}
)

// b2mmlVersion tells the versions apart by the root element.
func b2mmlVersion(doc []byte) b2mmlElements {
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil } // only the ASCII root name is read
	for {
		t, err := d.Token()
		if err != nil {
			return b2mmlV0600
		}
		if se, ok := t.(xml.StartElement); ok {
			if se.Name.Local == b2mmlV0701.schedule {
				return b2mmlV0701
			}
			return b2mmlV0600
		}
	}
}

// b2mmlUnits maps the UN/ECE Recommendation 20 codes ERPs send to Forkline
// units; other units are read as Forkline spells them ("kg", "ea", "case").
var b2mmlUnits = map[string]forkline.Unit{
	"KGM": forkline.Kilogram, "GRM": forkline.Gram, "LBR": forkline.Pound, "ONZ": forkline.Ounce,
	"LTR": forkline.Liter, "MLT": forkline.Milliliter, "C62": forkline.Each, "H87": forkline.Each, "PF": forkline.Pallet,
}

func (s *Server) b2mmlImport(w http.ResponseWriter, r *http.Request) (*orderImport, error) {
	q := r.URL.Query()
	site, err := siteFor(r, q.Get("site"), "site", forkline.PermProductionPlan)
	if err != nil {
		return nil, err
	}
	if s.cfg.B2MML.ParseSchedule == nil {
		return nil, forkline.Errorf(forkline.Unavailable, "This server does not read B2MML.")
	}
	doc, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxB2MML))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, fieldError(forkline.Invalid, "document", "size", "The B2MML document is larger than 16 MiB.")
	} else if err != nil {
		return nil, fmt.Errorf("%w: %w", errMalformed, &forkline.Error{Code: forkline.Invalid, Msg: "The body could not be read.", Err: err})
	}
	sched, err := s.cfg.B2MML.ParseSchedule(bytes.NewReader(doc))
	if err != nil {
		return nil, err
	}
	el := b2mmlVersion(doc)
	imp := &orderImport{site: site, siteField: "site", schedule: sched.ID, refusal: "The B2MML document is refused whole: nothing was imported."}
	p := &imp.problems
	for i, o := range sched.Orders {
		rq := el.schedule + "/" + el.request
		if len(sched.Orders) > 1 {
			rq += fmt.Sprintf("[%d]", i+1)
		}
		// The adapter does not say where in a request it found the item and
		// the line (a segment, nested segments, a hierarchy scope), so they
		// are named as XPath descendants of the request.
		f := draftFields{number: rq + "/ID", item: rq + "//MaterialDefinitionID", line: rq + "//EquipmentID",
			quantity: rq + "//Quantity/QuantityString", unit: rq + "//Quantity/UnitOfMeasure", start: rq + "/StartTime", end: rq + "/EndTime",
			erpRef: rq + "//" + el.parameter + "/Value/ValueString"}
		d := orderDraft{Number: o.ID, ItemCode: o.ItemCode, LineCode: o.EquipmentID, ERPRef: o.ERPReference, Start: o.PlannedStart, End: o.PlannedEnd, f: f}
		if d.LineCode == "" {
			d.LineCode = q.Get("line")
		}
		if d.LineCode == "" {
			p.Add(f.line, "required", fmt.Sprintf("Order %s names no line: give an EquipmentRequirement/EquipmentID or a work center in its HierarchyScope, or ?line=CODE for orders that name none", o.ID))
		}
		unit, ok := b2mmlUnits[strings.ToUpper(strings.TrimSpace(o.UnitOfMeasure))]
		if !ok {
			u, err := forkline.ParseUnit(o.UnitOfMeasure)
			if err != nil {
				p.Add(f.unit, "unit", fmt.Sprintf("Order %s: %s", o.ID, forkline.ErrorMessage(err)))
			}
			unit = u
		}
		if micros, err := forkline.ParseDecimal(o.Quantity); err != nil {
			p.Add(f.quantity, "number", fmt.Sprintf("Order %s: %s", o.ID, forkline.ErrorMessage(err)))
		} else if unit != "" {
			d.Quantity = forkline.QuantityFromMicros(micros, unit)
		}
		imp.drafts = append(imp.drafts, d)
	}
	if len(imp.drafts) == 0 {
		p.Add(el.schedule+"/"+el.request, "required", "The schedule holds no orders.")
	}
	imp.reason = "B2MML import"
	if sched.ID != "" {
		imp.reason = "B2MML schedule " + sched.ID
	}
	if more := strings.TrimSpace(q.Get("reason")); more != "" {
		imp.reason += ": " + more
	}
	return imp, nil
}

func (s *Server) handleOrderState() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in stateJSON
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		if !slices.Contains(production.States(), production.State(in.To)) {
			s.fail(w, r, fieldError(forkline.Invalid, "to", "one_of", "to must be the state to move the order to: released, in_progress, completed, closed, on_hold or cancelled"))
			return
		}
		o, err := s.cfg.Production.ChangeState(r.Context(), production.StateInput{OrderID: r.PathValue("id"), To: production.State(in.To), Reason: in.Reason})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.answerOrder(w, r, http.StatusOK, o)
	})
}

func (s *Server) handleDispatch() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		list, err := s.cfg.Production.DispatchList(r.Context(), r.PathValue("id"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out, err := s.names().orders(r.Context(), list)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, out)
	})
}

func (s *Server) handleChangeover() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in changeoverInJSON
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		var p forkline.Problems
		ci := production.ChangeoverInput{LineID: r.PathValue("id"), Kind: in.Kind, Note: in.Note, CompletedAt: timeField(&p, "completedAt", in.CompletedAt)}
		if err := p.Err("The changeover is not valid."); err != nil {
			s.fail(w, r, err)
			return
		}
		c, err := s.cfg.Production.RecordChangeover(r.Context(), ci)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusCreated, changeoverToJSON(c))
	})
}

// Execution at the line.

func (s *Server) handleAddMaterial() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in materialInJSON
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		key, err := idempotencyKey(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		o, err := s.cfg.Production.Order(r.Context(), r.PathValue("id"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		lot, lotField, err := s.scannedLot(r.Context(), o.SiteID, in)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		var p forkline.Problems
		ai := production.AdditionInput{OrderID: o.ID, LotID: lot, LocationID: in.LocationID, Quantity: quantityField(&p, "quantity", in.Quantity),
			Step: in.Step, IdempotencyKey: key}
		if in.Override != nil {
			ai.OverrideReason = in.Override.Reason
		}
		if err := p.Err("The addition is not valid."); err != nil {
			s.fail(w, r, err)
			return
		}
		if ai.LocationID == "" {
			if ai.LocationID, err = s.onlyPlace(r.Context(), lot); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		add, err := s.cfg.Production.AddMaterial(r.Context(), ai)
		if err != nil {
			s.fail(w, r, renaming(err, map[string]string{"lotId": lotField}))
			return
		}
		encode(w, http.StatusCreated, additionToJSON(add))
	})
}

// scannedLot finds the lot an operator scanned: by ID, by Forkline's lot
// code, or by a GS1 barcode whose batch/lot (10) is the lot code or, with
// its GTIN, the supplier's lot. It returns the lot and the field that named it.
func (s *Server) scannedLot(ctx context.Context, site forkline.ID, in materialInJSON) (forkline.ID, string, error) {
	given := 0
	for _, v := range []string{in.LotID, in.LotCode, in.Barcode} {
		if strings.TrimSpace(v) != "" {
			given++
		}
	}
	if given != 1 {
		return "", "lotId", fieldError(forkline.Invalid, "lotId", "required", "scan the lot: give one of lotId, lotCode or barcode")
	}
	notFound := func(field, msg string) error { return fieldError(forkline.Invalid, field, "reference", msg) }
	switch {
	case in.LotID != "":
		return in.LotID, "lotId", nil
	case in.LotCode != "":
		l, err := s.cfg.Inventory.LotByCode(ctx, site, in.LotCode)
		if forkline.ErrorCode(err) == forkline.NotFound {
			return "", "lotCode", notFound("lotCode", fmt.Sprintf("No lot of this site has the code %s.", in.LotCode))
		}
		return l.ID, "lotCode", err
	}
	d, err := gs1.Parse(in.Barcode, s.cfg.Now())
	if err != nil {
		var fs []forkline.FieldProblem
		for _, f := range forkline.ErrorFields(err) {
			fs = append(fs, forkline.FieldProblem{Field: "barcode", Rule: f.Rule, Msg: f.Field + ": " + f.Msg})
		}
		return "", "barcode", naming(&forkline.Error{Code: forkline.ErrorCode(err), Msg: forkline.ErrorMessage(err), Fields: fs, Err: err}, "barcode")
	}
	if d.Lot == "" {
		return "", "barcode", notFound("barcode", "The barcode carries no batch/lot (10): scan the lot label.")
	}
	l, err := s.cfg.Inventory.LotByCode(ctx, site, d.Lot)
	if err == nil {
		return l.ID, "barcode", nil
	} else if forkline.ErrorCode(err) != forkline.NotFound {
		return "", "barcode", err
	}
	if d.GTIN == "" {
		return "", "barcode", notFound("barcode", fmt.Sprintf("No lot of this site has the code %s.", d.Lot))
	}
	it, err := s.cfg.Inventory.ItemByGTIN(ctx, site, d.GTIN)
	if forkline.ErrorCode(err) == forkline.NotFound {
		return "", "barcode", notFound("barcode", fmt.Sprintf("No item of this site has the GTIN %s.", d.GTIN))
	} else if err != nil {
		return "", "barcode", err
	}
	lots, err := s.cfg.Inventory.Lots(ctx, inventory.LotFilter{SiteIDs: []forkline.ID{site}, ItemID: it.ID, SupplierLot: d.Lot, OnHandOnly: true, Limit: 2})
	if err != nil {
		return "", "barcode", err
	}
	switch len(lots) {
	case 0:
		return "", "barcode", notFound("barcode", fmt.Sprintf("No lot of %s from supplier lot %s is on hand.", it.Code, d.Lot))
	case 1:
		return lots[0].ID, "barcode", nil
	}
	return "", "barcode", notFound("barcode", fmt.Sprintf("Several lots of %s came from supplier lot %s: scan Forkline's lot label instead.", it.Code, d.Lot))
}

// onlyPlace returns the location of a lot that is on hand in one place.
func (s *Server) onlyPlace(ctx context.Context, lot forkline.ID) (forkline.ID, error) {
	d, err := s.cfg.Inventory.Detail(ctx, lot)
	if forkline.ErrorCode(err) == forkline.NotFound {
		return "", fieldError(forkline.Invalid, "lotId", "reference", "The scanned lot is not a lot of this site.")
	} else if err != nil {
		return "", err
	}
	var at []forkline.ID
	for _, b := range d.Balances {
		if b.Quantity.Sign() > 0 {
			at = append(at, b.LocationID)
		}
	}
	switch len(at) {
	case 1:
		return at[0], nil
	case 0:
		return "", fieldError(forkline.Conflict, "lotId", "on_hand", fmt.Sprintf("Lot %s has no stock left.", d.Lot.Code))
	}
	return "", fieldError(forkline.Invalid, "locationId", "required", fmt.Sprintf("Lot %s is in %d places: say which one it is taken from.", d.Lot.Code, len(at)))
}

func (s *Server) handleRetryAddition() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		add, err := s.cfg.Production.RetryAddition(r.Context(), r.PathValue("id"), r.PathValue("additionId"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, additionToJSON(add))
	})
}

func (s *Server) handleParameter() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in parameterInJSON
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		var p forkline.Problems
		p.Required("value", in.Value)
		ri := production.ReadingInput{OrderID: r.PathValue("id"), Step: in.Step, Parameter: in.Name, Value: production.Decimal(decimalField(&p, "value", in.Value)), Note: in.Note}
		p.Required("name", in.Name)
		if err := p.Err("The value is not valid."); err != nil {
			s.fail(w, r, err)
			return
		}
		rd, dev, err := s.cfg.Production.RecordParameter(r.Context(), ri)
		if err != nil {
			s.fail(w, r, renaming(err, map[string]string{"parameter": "name"}))
			return
		}
		out := readingResultJSON{Reading: readingToJSON(rd)}
		if dev != nil {
			dj := deviationToJSON(*dev)
			out.Deviation = &dj
		}
		encode(w, http.StatusCreated, out)
	})
}

func (s *Server) handleOutput() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in outputInJSON
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		key, err := idempotencyKey(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		var p forkline.Problems
		oi := production.OutputInput{OrderID: r.PathValue("id"), LocationID: in.LocationID, Quantity: quantityField(&p, "quantity", in.Quantity), IdempotencyKey: key}
		if err := p.Err("The output is not valid."); err != nil {
			s.fail(w, r, err)
			return
		}
		out, err := s.cfg.Production.RecordOutput(r.Context(), oi)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusCreated, outputToJSON(out))
	})
}

// Batch record and signatures.

func (s *Server) handleBatchRecord() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec, err := s.cfg.Production.BatchRecord(r.Context(), r.PathValue("id"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		m := s.names()
		it, err := m.item(r.Context(), rec.Order.ItemID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		l, err := m.line(r.Context(), rec.Order.LineID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, batchRecordToJSON(rec, it, l))
	})
}

func (s *Server) handleBatchRelease() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in releaseJSON
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		sig, err := s.cfg.Production.ReleaseBatch(r.Context(), production.ReleaseInput{OrderID: r.PathValue("id"), Password: in.Password, Meaning: in.Meaning})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, productionSignatureToJSON(sig))
	})
}

func (s *Server) handleReleaseVerify() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ok, err := s.cfg.Production.VerifyRelease(r.Context(), r.PathValue("id"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, releaseCheckJSON{Intact: ok})
	})
}

func (s *Server) handleDeviationClose() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in closeDeviationJSON
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		if strings.TrimSpace(in.Meaning) == "" {
			in.Meaning = production.MeaningReviewed
		}
		d, err := s.cfg.Production.CloseDeviation(r.Context(), production.CloseDeviationInput{DeviationID: r.PathValue("id"), Reason: in.Reason,
			Password: in.Password, Meaning: in.Meaning})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, deviationToJSON(d))
	})
}

// handlePerformance writes the actuals of a completed order as B2MML
// ProductionPerformance (V0600) or OperationsPerformance (V0701).
func (s *Server) handlePerformance() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		version := r.URL.Query().Get("version")
		if version == "" {
			version = "v0600"
		}
		write, ok := s.cfg.B2MML.WritePerformance[version]
		if !ok {
			s.fail(w, r, fieldError(forkline.Invalid, "version", "one_of", "version must be v0600 or v0701"))
			return
		}
		rec, err := s.cfg.Production.BatchRecord(r.Context(), r.PathValue("id"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		o := rec.Order
		if o.State != production.Completed && o.State != production.Closed {
			s.fail(w, r, forkline.Errorf(forkline.Conflict, "Order %s is %s: its actuals are exported once it is completed.", o.Number, o.State))
			return
		}
		perf, err := s.performance(r.Context(), rec)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		// Written to a buffer first, so that a failure is an error, not a cut-off document.
		var buf bytes.Buffer
		if err := write(&buf, perf); err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": "performance-" + o.Number + "-" + version + ".xml"}))
		w.Write(buf.Bytes())
	})
}

// performance collects the actuals of an order from its batch record: the
// lots it made, the lots it consumed (booked additions), the line, and the
// process values recorded.
func (s *Server) performance(ctx context.Context, rec production.BatchRecord) (B2MMLPerformance, error) {
	o := rec.Order
	p := B2MMLPerformance{ID: "PERF-" + o.Number, OrderID: o.Number, ERPReference: o.ERPRef, ItemCode: rec.Product.Code, Start: o.StartedAt, End: o.CompletedAt,
		EquipmentID: rec.Line.Code}
	for _, out := range rec.Outputs {
		p.Produced = append(p.Produced, B2MMLMaterial{ItemCode: rec.Product.Code, LotID: out.LotCode, Quantity: out.Quantity.Decimal(), Unit: string(out.Quantity.Unit)})
	}
	names := s.names()
	for _, m := range rec.Materials {
		for _, a := range m.Additions {
			code := m.ItemCode
			if a.ItemID != m.ItemID {
				it, err := names.item(ctx, a.ItemID)
				if err != nil {
					return p, err
				}
				code = it.Code
			}
			p.Consumed = append(p.Consumed, B2MMLMaterial{ItemCode: code, LotID: a.LotCode, Quantity: a.Quantity.Decimal(), Unit: string(a.Quantity.Unit)})
		}
	}
	for _, pl := range rec.Parameters {
		for _, rd := range pl.Readings {
			p.Parameters = append(p.Parameters, B2MMLParameter{Name: rd.Parameter, Value: rd.Value.String(), Unit: rd.Unit})
		}
	}
	return p, nil
}
