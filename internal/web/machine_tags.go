package web

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/monitoring"
	"github.com/forkline/forkline/internal/plant"
)

// The machine tag mappings of a site: which address feeds which equipment,
// and as what (state, good or rejected units, a process value). Samples of
// an address no mapping takes are dropped; the page lists the addresses the
// pipeline saw without a mapping, each with a link that starts one.

// tagKind names the mappings for the shared form template.
var tagKind = kindInfo{Path: "machine/tags", One: "tag mapping", Title: "Tag mapping", Titles: "Machine tags", Entity: "machine_tag"}

// tagLabels are the form's labels by the service's field names, for messages.
var tagLabels = map[string]string{"equipmentId": "Equipment", "address": "Address", "role": "Role", "unit": "Unit",
	"counterMax": "Counter maximum", "stateMap": "State map"}

// roleLabels explain the roles in the form's select and the table.
var roleLabels = map[monitoring.Role]string{
	monitoring.RoleState:   "State: the machine state",
	monitoring.RoleGood:    "Good: a counter of good units",
	monitoring.RoleReject:  "Reject: a counter of rejected units",
	monitoring.RoleProcess: "Process: a value with a unit",
}

// machineTagRoutes let maintenance map machine tags to equipment. The guard
// checks machine.configure on any site; each page checks it again on its
// own site, and the service on the equipment's site.
//
//	GET  /machine/tags        the site's mappings and the addresses seen without one
//	GET  /machine/tags/new    ?address=: the form for a new mapping
//	POST /machine/tags        create it
func (ui *UI) machineTagRoutes() []Route {
	configure := forkline.PermMachineConfigure
	return []Route{
		{Method: "GET", Pattern: "/machine/tags", Perm: configure, Handler: ui.handleMachineTags()},
		{Method: "GET", Pattern: "/machine/tags/new", Perm: configure, Handler: ui.handleMachineTagNew()},
		{Method: "POST", Pattern: "/machine/tags", Perm: configure, Handler: ui.handleMachineTagCreate()},
	}
}

// tagSite returns the current site for the mapping pages, refusing a user
// who may not configure machine data there.
func (v visit) tagSite() (plant.Site, error) {
	s, err := v.requireSite()
	if err != nil {
		return s, err
	}
	return s, v.actor.Require(forkline.PermMachineConfigure, s.ID)
}

// siteEquipment returns the equipment of a site, disabled included, by code.
func (ui *UI) siteEquipment(ctx context.Context, site forkline.ID) ([]plant.Equipment, error) {
	eqs, err := ui.cfg.Plant.Equipment.List(ctx, plant.Filter{SiteIDs: []forkline.ID{site}, IncludeInactive: true, Limit: 500})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(eqs, func(a, b plant.Equipment) int { return cmp.Compare(a.Code, b.Code) })
	return eqs, nil
}

// tagRow is one mapping in the table.
type tagRow struct {
	Equipment, EquipmentName string
	Address, Role, Details   string
	Active                   bool
}

// unmappedRow is one address seen without a mapping.
type unmappedRow struct {
	Address, Value string
	Seen           stamp
	Count          int64
	MapURL         string
}

// machineTagsPage lists a site's mappings and the unmapped addresses.
type machineTagsPage struct {
	layout
	SiteName string
	Tags     []tagRow
	Unmapped []unmappedRow
	NewURL   string
}

// tagDetails says what a mapping's settings for its role are.
func tagDetails(t monitoring.Tag) string {
	switch t.Role {
	case monitoring.RoleState:
		if len(t.StateMap) == 0 {
			return "Values are state names"
		}
		return "States: " + strings.ReplaceAll(formatStateMap(t.StateMap), "\n", ", ")
	case monitoring.RoleGood, monitoring.RoleReject:
		if t.CounterMax == 0 {
			return "Never rolls over"
		}
		return "Rolls over after " + strconv.FormatInt(t.CounterMax, 10)
	case monitoring.RoleProcess:
		if t.Unit == "" {
			return "No unit"
		}
		return "Unit " + t.Unit
	}
	return ""
}

// formatStateMap writes a state map as lines "1=running", by value.
func formatStateMap(m map[string]monitoring.State) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		x, errA := strconv.ParseFloat(a, 64)
		y, errB := strconv.ParseFloat(b, 64)
		if errA == nil && errB == nil && x != y {
			return cmp.Compare(x, y)
		}
		return cmp.Compare(a, b)
	})
	lines := make([]string, len(keys))
	for i, k := range keys {
		lines[i] = k + "=" + string(m[k])
	}
	return strings.Join(lines, "\n")
}

// parseStateMap reads lines "1=running"; blank lines are skipped. The
// states are checked by the mapping's own validation.
func parseStateMap(s string) (map[string]monitoring.State, []forkline.FieldProblem) {
	var problems []forkline.FieldProblem
	m := map[string]monitoring.State{}
	for i, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, st, ok := strings.Cut(line, "=")
		k, st = strings.TrimSpace(k), strings.TrimSpace(st)
		switch {
		case !ok || k == "" || st == "":
			problems = append(problems, forkline.FieldProblem{Field: "stateMap", Rule: "format",
				Msg: fmt.Sprintf("Line %d: write each value and its state as value=state, e.g. 1=running", i+1)})
		case m[k] != "":
			problems = append(problems, forkline.FieldProblem{Field: "stateMap", Rule: "unique",
				Msg: fmt.Sprintf("Line %d: the value %s has a state already", i+1, k)})
		case !monitoring.State(st).Valid():
			problems = append(problems, forkline.FieldProblem{Field: "stateMap", Rule: "state",
				Msg: fmt.Sprintf("Line %d: %s is not a state; use one of %s", i+1, st, stateNames())})
		default:
			m[k] = monitoring.State(st)
		}
	}
	return m, problems
}

func stateNames() string {
	var ns []string
	for _, s := range monitoring.States() {
		ns = append(ns, string(s))
	}
	return strings.Join(ns, ", ")
}

func (ui *UI) handleMachineTags() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := ui.visit(w, r)
		var site plant.Site
		if err == nil {
			site, err = v.tagSite()
		}
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		ctx := r.Context()
		tags, err := ui.cfg.Monitoring.Tags(ctx, site.ID)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		eqs, err := ui.siteEquipment(ctx, site.ID)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		unmapped, err := ui.cfg.Monitoring.Unmapped(ctx)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		byID := map[forkline.ID]plant.Equipment{}
		for _, e := range eqs {
			byID[e.ID] = e
		}
		p := machineTagsPage{layout: ui.layout(w, r, v, "Machine tags"), SiteName: site.Name, NewURL: "/machine/tags/new"}
		mapped := map[string]bool{}
		for _, t := range tags {
			mapped[t.Address] = true
			eq, ok := byID[t.EquipmentID]
			row := tagRow{Equipment: eq.Code, EquipmentName: eq.Name, Address: t.Address, Role: string(t.Role), Details: tagDetails(t), Active: t.Active}
			if !ok {
				row.Equipment = t.EquipmentID
			}
			p.Tags = append(p.Tags, row)
		}
		slices.SortFunc(p.Tags, func(a, b tagRow) int {
			return cmp.Or(cmp.Compare(a.Equipment, b.Equipment), cmp.Compare(a.Address, b.Address))
		})
		for _, u := range unmapped {
			if mapped[u.Address] {
				continue // mapped since the pipeline saw it
			}
			p.Unmapped = append(p.Unmapped, unmappedRow{Address: u.Address, Value: u.Value.String(), Seen: ui.when(u.Time, v.siteLoc(site.ID)),
				Count: u.Count, MapURL: "/machine/tags/new?" + url.Values{"address": {u.Address}}.Encode()})
		}
		slices.SortFunc(p.Unmapped, func(a, b unmappedRow) int { return cmp.Compare(a.Address, b.Address) })
		ui.render(w, r, http.StatusOK, "machine-tags", p)
	})
}

// tagForm is what the mapping form holds, as entered.
type tagForm struct {
	EquipmentID, Address, Role, Unit, CounterMax, StateMap string
}

// read turns the form into a mapping, with the values that could not be read.
func (f tagForm) read() (monitoring.Tag, []forkline.FieldProblem) {
	t := monitoring.Tag{EquipmentID: f.EquipmentID, Address: f.Address, Role: monitoring.Role(f.Role), Active: true}
	var problems []forkline.FieldProblem
	switch t.Role {
	case monitoring.RoleState:
		var ps []forkline.FieldProblem
		t.StateMap, ps = parseStateMap(f.StateMap)
		problems = append(problems, ps...)
	case monitoring.RoleGood, monitoring.RoleReject:
		if s := strings.TrimSpace(f.CounterMax); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 {
				problems = append(problems, forkline.FieldProblem{Field: "counterMax", Rule: "format",
					Msg: "Counter maximum must be a whole number, such as 65535, or empty when the counter never rolls over"})
			}
			t.CounterMax = n
		}
	case monitoring.RoleProcess:
		t.Unit = f.Unit
	}
	return t, problems
}

// tagFormPage builds the mapping form: the values as entered, each problem
// next to its field.
func (ui *UI) tagFormPage(w http.ResponseWriter, r *http.Request, v visit, site plant.Site, f tagForm, problems []forkline.FieldProblem) (formPage, error) {
	eqs, err := ui.siteEquipment(r.Context(), site.ID)
	if err != nil {
		return formPage{}, err
	}
	p := formPage{Kind: tagKind, Heading: "New tag mapping", Action: "/machine/tags", CancelURL: "/machine/tags", Submit: "Create mapping",
		SiteID: site.ID, SiteName: site.Name}
	errs := map[string][]string{}
	for _, pr := range problems {
		base, _, _ := strings.Cut(pr.Field, ".") // stateMap.<value>
		label, ok := tagLabels[base]
		if !ok {
			p.Errors = append(p.Errors, sentence(pr.Msg))
			continue
		}
		msg := pr.Msg
		if rest, ok := cutPrefixFold(msg, pr.Field); ok {
			msg = label + rest
		} else if rest, ok := cutPrefixFold(msg, base); ok {
			msg = label + rest
		}
		errs[base] = append(errs[base], sentence(msg))
	}
	equipment := formField{Name: "equipmentId", Label: "Equipment", Type: "select", Required: true, Errors: errs["equipmentId"],
		Value: f.EquipmentID, Hint: "The machine whose tag this is."}
	if f.EquipmentID == "" {
		equipment.Options = append(equipment.Options, formOption{Value: "", Label: "Choose…", Selected: true})
	}
	for _, e := range eqs {
		if !e.Active && e.ID != f.EquipmentID {
			continue
		}
		equipment.Options = append(equipment.Options, formOption{Value: e.ID, Label: e.Code + " · " + e.Name, Selected: e.ID == f.EquipmentID})
	}
	role := formField{Name: "role", Label: "Role", Type: "select", Required: true, Errors: errs["role"], Value: f.Role,
		Hint: "What the tag's values mean for the equipment."}
	for _, x := range monitoring.Roles() {
		role.Options = append(role.Options, formOption{Value: string(x), Label: roleLabels[x], Selected: string(x) == f.Role})
	}
	p.Sections = []formSection{
		{Title: "Tag", Fields: []formField{
			equipment,
			{Name: "address", Label: "Address", Type: "text", Required: true, Wide: true, Value: f.Address, Errors: errs["address"],
				Placeholder: "forkline/v1/CHI-1/BAKE/L1/OVEN-1/State", Hint: "The tag's address as the machine sends it: MQTT topic and key, Sparkplug metric or OPC UA node."},
			role,
		}},
		{Title: "Settings for the role", Fields: []formField{
			{Name: "stateMap", Label: "State map", Type: "textarea", Wide: true, Value: f.StateMap, Errors: errs["stateMap"],
				Placeholder: "1=running\n2=idle\n3=down", Hint: "State tags: one value and its state a line (" + stateNames() + "). Empty: the values are state names."},
			{Name: "counterMax", Label: "Counter maximum", Type: "numeric", Value: f.CounterMax, Errors: errs["counterMax"], Placeholder: "65535",
				Hint: "Good and reject counters: the value after which the counter rolls over to 0. Empty when it never does."},
			{Name: "unit", Label: "Unit", Type: "text", Value: f.Unit, Errors: errs["unit"], Placeholder: "degC",
				Suggestions: []string{"degC", "bar", "L/h", "rpm", "kg", "%"}, Hint: "Process values: the unit, e.g. degC, bar or L/h."},
		}},
	}
	if n := len(problems); n > 0 {
		p.Summary = fmt.Sprintf("The tag mapping was not saved: %d %s to fix. Each one is shown next to its field.", n, plural(n, "problem", "problems"))
	}
	p.layout = ui.layout(w, r, v, p.Heading)
	return p, nil
}

func (ui *UI) handleMachineTagNew() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := ui.visit(w, r)
		var site plant.Site
		if err == nil {
			site, err = v.tagSite()
		}
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		f := tagForm{Address: strings.TrimSpace(r.URL.Query().Get("address")), Role: string(monitoring.RoleState)}
		p, err := ui.tagFormPage(w, r, v, site, f, nil)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		ui.render(w, r, http.StatusOK, "form", p)
	})
}

func (ui *UI) handleMachineTagCreate() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		v, err := ui.visit(w, r)
		if err == nil {
			err = parseForm(w, r)
		}
		var site plant.Site
		if err == nil {
			site, err = v.findSite(r.PostForm.Get("site"))
		}
		if err == nil {
			err = v.actor.Require(forkline.PermMachineConfigure, site.ID)
		}
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		pf := r.PostForm
		f := tagForm{EquipmentID: strings.TrimSpace(pf.Get("equipmentId")), Address: strings.TrimSpace(pf.Get("address")),
			Role: strings.TrimSpace(pf.Get("role")), Unit: strings.TrimSpace(pf.Get("unit")), CounterMax: strings.TrimSpace(pf.Get("counterMax")),
			StateMap: strings.ReplaceAll(pf.Get("stateMap"), "\r\n", "\n")}
		t, problems := f.read()
		if f.EquipmentID != "" {
			eqs, err := ui.siteEquipment(ctx, site.ID)
			if err != nil {
				ui.fail(w, r, err)
				return
			}
			if !slices.ContainsFunc(eqs, func(e plant.Equipment) bool { return e.ID == f.EquipmentID }) {
				problems = append(problems, forkline.FieldProblem{Field: "equipmentId", Rule: "site", Msg: "Choose an equipment of " + site.Name})
			}
		}
		if len(problems) > 0 {
			for _, p := range forkline.ErrorFields(t.Validate()) {
				if !slices.ContainsFunc(problems, func(x forkline.FieldProblem) bool { return x.Field == p.Field }) {
					problems = append(problems, p)
				}
			}
		}
		status := http.StatusUnprocessableEntity
		if len(problems) == 0 {
			saved, err := ui.cfg.Monitoring.SaveTag(ctx, t, "")
			if err == nil {
				ui.redirect(w, r, "/machine/tags", fmt.Sprintf("The tag %s is mapped as %s.", saved.Address, saved.Role))
				return
			}
			switch forkline.ErrorCode(err) {
			case forkline.Invalid:
				status = http.StatusUnprocessableEntity
			case forkline.Conflict:
				status = http.StatusConflict
			default:
				ui.fail(w, r, err)
				return
			}
			problems = forkline.ErrorFields(err)
			if len(problems) == 0 {
				problems = []forkline.FieldProblem{{Msg: forkline.ErrorMessage(err)}}
			}
		}
		p, err := ui.tagFormPage(w, r, v, site, f, problems)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		ui.render(w, r, status, "form", p)
	})
}
