package b2mml

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/forkline/forkline"
)

// The B2MML namespaces.
const (
	NamespaceV0600 = "http://www.mesa.org/xml/B2MML-V0600"
	NamespaceV0701 = "http://www.mesa.org/xml/B2MML"
)

// ERPReferenceParameter is the ID of the parameter that carries an order's
// ERP reference: a ProductionParameter (V0600) or SegmentParameter (V0701)
// on import, a ProductionData (V0600) or SegmentData (V0701) on export.
const ERPReferenceParameter = "ERPReference"

// Schedule is an ERP's production schedule: the production orders it asks
// the plant to make.
type Schedule struct {
	ID     string // the schedule's ID; B2MML V0600 allows none
	Orders []ScheduledOrder
}

// ScheduledOrder is one production order as the ERP requests it: one item,
// one planned quantity, planned on one line in one time window.
type ScheduledOrder struct {
	ID            string // the order number: the request's ID
	ERPReference  string // the ERPReference parameter, or the order number without one
	ItemCode      string // the material definition ID of the produced material
	Quantity      string // planned quantity, a plain decimal in canonical form ("612.5")
	UnitOfMeasure string // as the ERP wrote it ("kg", "ea", "KGM"): mapping is the caller's
	PlannedStart  time.Time
	PlannedEnd    time.Time
	EquipmentID   string // the line, or "" when the ERP leaves the choice to the plant
	Priority      int    // 0 when none is given
	Description   string
}

// version holds what differs between the two schema versions read.
type version struct {
	label         string // for messages
	namespace     string
	schedule      string   // root element
	request       string   // one order
	childSegment  string   // a segment requirement inside a segment requirement
	scopeChild    string   // a hierarchy scope inside a hierarchy scope
	producedOnly  string   // the element for produced material only, "" if none
	parameterPath []string // from a segment requirement to a ParameterType element
	hasOpsType    bool     // OperationsType exists
	hasLocation   bool     // the deprecated Location exists
}

var (
	v0600 = &version{
		label:         "B2MML V0600",
		namespace:     NamespaceV0600,
		schedule:      "ProductionSchedule",
		request:       "ProductionRequest",
		childSegment:  "SegmentRequirement",
		scopeChild:    "HierarchyScope",
		producedOnly:  "MaterialProducedRequirement",
		parameterPath: []string{"ProductionParameter", "Parameter"},
		hasLocation:   true,
	}
	v0701 = &version{
		label:         "B2MML V0701",
		namespace:     NamespaceV0701,
		schedule:      "OperationsSchedule",
		request:       "OperationsRequest",
		childSegment:  "SegmentRequirementChild",
		scopeChild:    "HierarchyScopeChild",
		parameterPath: []string{"SegmentParameter"},
		hasOpsType:    true,
	}
)

// ParseProductionSchedule reads a B2MML V0600 ProductionSchedule.
//
// A bad document is refused whole: the error is an *forkline.Error with code
// Invalid, message ErrRefused.Msg and one FieldProblem per fault, its Field
// the element path such as
// "ProductionSchedule/ProductionRequest[2]/SegmentRequirement/MaterialProducedRequirement/Quantity/QuantityString"
// (an index only where an element repeats) and its Rule one of required,
// number, positive, date, after_start, unique, max_occurs, root, namespace,
// xml, size, depth or too_many_problems (after the first 50). Faults of the
// document as a whole have the Field "document". The only other error is
// one of r itself.
func ParseProductionSchedule(r io.Reader) (Schedule, error) {
	return parseAs(r, v0600)
}

// ParseOperationsSchedule reads a B2MML V0701 OperationsSchedule of
// production requests. Refusals are as for ParseProductionSchedule, with the
// extra rule operations_type for a request that is not for production.
func ParseOperationsSchedule(r io.Reader) (Schedule, error) {
	return parseAs(r, v0701)
}

// Parse reads either schedule, telling them apart by the root element and
// its namespace.
func Parse(r io.Reader) (Schedule, error) {
	root, err := readTree(r)
	if err != nil {
		return Schedule{}, err
	}
	for _, v := range []*version{v0600, v0701} {
		if root.name.Space == v.namespace && root.name.Local == v.schedule {
			return parseTree(root, v)
		}
	}
	return Schedule{}, refuse([]forkline.FieldProblem{wrongRoot(root, v0600, v0701)})
}

func parseAs(r io.Reader, v *version) (Schedule, error) {
	root, err := readTree(r)
	if err != nil {
		return Schedule{}, err
	}
	if root.name.Space != v.namespace || root.name.Local != v.schedule {
		return Schedule{}, refuse([]forkline.FieldProblem{wrongRoot(root, v)})
	}
	return parseTree(root, v)
}

// wrongRoot describes a root element that is none of the wanted ones.
func wrongRoot(root *element, want ...*version) forkline.FieldProblem {
	var names []string
	for _, v := range want {
		if root.name.Local == v.schedule {
			return forkline.FieldProblem{Field: root.name.Local, Rule: "namespace",
				Msg: fmt.Sprintf("%s must be in the %s namespace %s, not %q.", v.schedule, v.label, v.namespace, root.name.Space)}
		}
		names = append(names, fmt.Sprintf("%s (%s, namespace %s)", v.schedule, v.label, v.namespace))
	}
	msg := fmt.Sprintf("The root element is %s; want %s.", root.name.Local, strings.Join(names, " or "))
	for _, v := range want {
		if strings.HasSuffix(root.name.Local, v.schedule) {
			msg += fmt.Sprintf(" Transaction wrappers such as %s are not read; send the %s inside it.", root.name.Local, v.schedule)
		}
	}
	return forkline.FieldProblem{Field: root.name.Local, Rule: "root", Msg: msg}
}

// node is an element with its path from the root, for problems.
type node struct {
	el   *element
	path string
}

func (n node) text() string { return strings.TrimSpace(string(n.el.text)) }

// parser maps one document and collects its problems.
type parser struct {
	v        *version
	problems forkline.Problems
	reported map[*element]bool // elements in a wrong namespace, reported once
}

// maxProblems caps the problems listed for one document, so that a
// document with the same fault a million times yields a short answer.
const maxProblems = 50

func (p *parser) add(at node, rule, msg string) {
	p.addPath(at.path, rule, fmt.Sprintf("%s (line %d).", msg, at.el.line))
}

func (p *parser) addPath(path, rule, msg string) {
	switch n := len(p.problems.List()); {
	case n < maxProblems:
		p.problems.Add(path, rule, msg)
	case n == maxProblems:
		p.problems.Add(documentField, "too_many_problems",
			fmt.Sprintf("The document has more than %d problems; fix these and send it again.", maxProblems))
	}
}

// kids returns the children of parent named name in the document's
// namespace. A child of that name in another namespace is a problem: it is
// most likely B2MML with a wrong namespace declaration, and skipping it
// would import a schedule in part.
func (p *parser) kids(parent node, name string) []node {
	var els, all []*element
	for _, c := range parent.el.children {
		if c.name.Local != name {
			continue
		}
		all = append(all, c)
		if c.name.Space == p.v.namespace {
			els = append(els, c)
		}
	}
	for i, c := range all {
		if c.name.Space == p.v.namespace || p.reported[c] {
			continue
		}
		if p.reported == nil {
			p.reported = map[*element]bool{}
		}
		p.reported[c] = true
		where := fmt.Sprintf("is in the namespace %q", c.name.Space)
		if c.name.Space == "" {
			where = "has no namespace (is a prefix missing?)"
		}
		p.add(node{c, indexed(parent.path+"/"+name, i, len(all))}, "namespace",
			fmt.Sprintf("%s %s; %s elements are in %s", name, where, p.v.label, p.v.namespace))
	}
	out := make([]node, len(els))
	for i, c := range els {
		out[i] = node{c, indexed(parent.path+"/"+name, i, len(els))}
	}
	return out
}

// indexed adds the 1-based index i to path when there are several.
func indexed(path string, i, n int) string {
	if n > 1 {
		return fmt.Sprintf("%s[%d]", path, i+1)
	}
	return path
}

// one returns the child name that the schema allows once; a repeat is a problem.
func (p *parser) one(parent node, name string) (node, bool) {
	ks := p.kids(parent, name)
	if len(ks) == 0 {
		return node{}, false
	}
	for _, k := range ks[1:] {
		p.add(k, "max_occurs", name+" may appear only once here")
	}
	return node{ks[0].el, parent.path + "/" + name}, true
}

// text returns the trimmed text of the single child name, "" without one.
func (p *parser) text(parent node, name string) string {
	n, ok := p.one(parent, name)
	if !ok {
		return ""
	}
	return n.text()
}

// stamp is an optional xs:dateTime element: at.el is nil when it is
// absent, ok is false when it is absent or wrong.
type stamp struct {
	t  time.Time
	at node
	ok bool
}

// dateTime reads the optional single child name as an xs:dateTime.
func (p *parser) dateTime(parent node, name string) stamp {
	n, ok := p.one(parent, name)
	if !ok {
		return stamp{}
	}
	t, problem := parseDateTime(n.text())
	if problem != "" {
		p.add(n, "date", fmt.Sprintf("%s %q %s", name, n.text(), problem))
		return stamp{at: n}
	}
	return stamp{t: t, at: n, ok: true}
}

func parseTree(root *element, v *version) (Schedule, error) {
	p := &parser{v: v}
	doc := node{root, root.name.Local}
	s := Schedule{ID: p.text(doc, "ID")}
	p.dateTime(doc, "StartTime")
	p.dateTime(doc, "EndTime")
	if v.hasOpsType {
		if n, ok := p.one(doc, "OperationsType"); ok && n.text() != "Production" && n.text() != "Mixed" {
			p.add(n, "operations_type", fmt.Sprintf("The schedule's OperationsType is %q; only Production (or Mixed) schedules are imported", n.text()))
		}
	}
	requests := p.kids(doc, v.request)
	if len(requests) == 0 {
		p.addPath(doc.path+"/"+v.request, "required", fmt.Sprintf("The schedule has no %s: there is nothing to import.", v.request))
	}
	seen := map[string]string{}
	for i, rq := range requests {
		o := p.order(rq, i)
		if o.ID == "" {
			continue
		}
		if first, dup := seen[o.ID]; dup {
			p.add(node{rq.el, rq.path + "/ID"}, "unique", fmt.Sprintf("Order %s appears twice; the first is %s", o.ID, first))
			continue
		}
		seen[o.ID] = rq.path
		s.Orders = append(s.Orders, o)
	}
	if err := p.problems.Err(ErrRefused.Msg); err != nil {
		return Schedule{}, err
	}
	return s, nil
}

// segment is a segment requirement and the one it is nested in.
type segment struct {
	node
	parent           *segment
	earliest, latest stamp
}

// material is a requirement for produced material.
type material struct {
	node
	seg *segment
}

// order maps one ProductionRequest or OperationsRequest.
func (p *parser) order(rq node, i int) ScheduledOrder {
	v := p.v
	o := ScheduledOrder{ID: p.text(rq, "ID")}
	who := "order " + o.ID // names the order in messages
	if o.ID == "" {
		p.addPath(rq.path+"/ID", "required", fmt.Sprintf("Request %d has no ID: the order number is required (line %d).", i+1, rq.el.line))
		who = fmt.Sprintf("request %d", i+1)
	}
	if ds := p.kids(rq, "Description"); len(ds) > 0 {
		o.Description = ds[0].text()
	}
	if n, ok := p.one(rq, "Priority"); ok {
		prio, ok := parsePriority(n.text())
		if !ok {
			p.add(n, "number", fmt.Sprintf("The priority of %s, %q, is not a whole number", who, n.text()))
		}
		o.Priority = prio
	}
	// A request without an OperationsType in a Mixed schedule is taken as
	// production: that is what sending it to an MES's import implies.
	if v.hasOpsType {
		if n, ok := p.one(rq, "OperationsType"); ok && n.text() != "Production" {
			p.add(n, "operations_type", fmt.Sprintf("%s is a %q request; only Production requests are imported", capitalize(who), n.text()))
		}
	}

	start, end := p.dateTime(rq, "StartTime"), p.dateTime(rq, "EndTime")

	var segs []*segment
	var walk func(parent node, name string, up *segment)
	walk = func(parent node, name string, up *segment) {
		for _, n := range p.kids(parent, name) {
			s := &segment{node: n, parent: up,
				earliest: p.dateTime(n, "EarliestStartTime"), latest: p.dateTime(n, "LatestEndTime")}
			segs = append(segs, s)
			walk(n, v.childSegment, s)
		}
	}
	walk(rq, "SegmentRequirement", nil)

	var produced []material
	for _, s := range segs {
		if v.producedOnly != "" {
			for _, m := range p.kids(s.node, v.producedOnly) {
				produced = append(produced, material{m, s})
			}
		}
		for _, m := range p.kids(s.node, "MaterialRequirement") {
			if p.text(m, "MaterialUse") == "Produced" {
				produced = append(produced, material{m, s})
			}
		}
	}
	slices.SortStableFunc(produced, func(a, b material) int { return a.el.seq - b.el.seq })

	switch {
	case len(segs) == 0:
		p.addPath(rq.path+"/SegmentRequirement", "required",
			fmt.Sprintf("%s has no SegmentRequirement naming the item to make (line %d).", capitalize(who), rq.el.line))
		return o
	case len(produced) == 0:
		name, what := "MaterialRequirement", "a MaterialRequirement with MaterialUse Produced"
		if v.producedOnly != "" {
			name, what = v.producedOnly, "a "+v.producedOnly+" (or a MaterialRequirement with MaterialUse Produced)"
		}
		p.addPath(rq.path+"/SegmentRequirement/"+name, "required",
			fmt.Sprintf("%s names no item to make: give %s (line %d).", capitalize(who), what, rq.el.line))
		return o
	}
	for _, m := range produced[1:] {
		p.add(m.node, "max_occurs", fmt.Sprintf("%s names a second produced material; an order makes one item (the first is %s)", capitalize(who), produced[0].path))
	}
	m := produced[0]
	p.producedMaterial(m, who, &o)

	// Times and line come from the request, else from the producing
	// segment and the segments it is nested in.
	chain := []*segment{}
	for s := m.seg; s != nil; s = s.parent {
		chain = append(chain, s)
	}
	for _, s := range chain {
		if start.at.el == nil {
			start = s.earliest
		}
		if end.at.el == nil {
			end = s.latest
		}
	}
	if start.at.el == nil {
		p.addPath(rq.path+"/StartTime", "required",
			fmt.Sprintf("%s has no planned start: give StartTime or the segment's EarliestStartTime (line %d).", capitalize(who), rq.el.line))
	}
	if end.at.el == nil {
		p.addPath(rq.path+"/EndTime", "required",
			fmt.Sprintf("%s has no planned end: give EndTime or the segment's LatestEndTime (line %d).", capitalize(who), rq.el.line))
	}
	if start.ok && end.ok && !end.t.After(start.t) {
		p.add(end.at, "after_start", fmt.Sprintf("%s ends at %s, not after its start %s", capitalize(who), formatDateTime(end.t), formatDateTime(start.t)))
	}
	o.PlannedStart, o.PlannedEnd = start.t, end.t

	o.EquipmentID = p.line(rq, chain)
	o.ERPReference = o.ID
	for _, s := range segs {
		if ref, ok := p.erpReference(s.node); ok {
			o.ERPReference = ref
			break
		}
	}
	return o
}

// producedMaterial reads the item and planned quantity of the order.
func (p *parser) producedMaterial(m material, who string, o *ScheduledOrder) {
	defs := p.kids(m.node, "MaterialDefinitionID")
	switch {
	case len(defs) == 0 || defs[0].text() == "":
		p.addPath(m.path+"/MaterialDefinitionID", "required",
			fmt.Sprintf("%s does not say which item to make: the MaterialDefinitionID is required (line %d).", capitalize(who), m.el.line))
	default:
		o.ItemCode = defs[0].text()
		for _, d := range defs[1:] {
			p.add(d, "max_occurs", fmt.Sprintf("%s names more than one item to make", capitalize(who)))
		}
	}
	qs := p.kids(m.node, "Quantity")
	if len(qs) == 0 {
		p.addPath(m.path+"/Quantity", "required",
			fmt.Sprintf("%s has no planned quantity (line %d).", capitalize(who), m.el.line))
		return
	}
	// Further quantities state the same amount in other units; each must
	// still be a number, so that nothing wrong passes unseen.
	for i, q := range qs {
		amount, unit := p.quantity(q, who)
		if i == 0 {
			o.Quantity, o.UnitOfMeasure = amount, unit
		}
	}
}

// quantity reads a QuantityValueType: an exact positive decimal and a unit.
func (p *parser) quantity(q node, who string) (amount, unit string) {
	qs, ok := p.one(q, "QuantityString")
	switch {
	case !ok || qs.text() == "":
		at := node{q.el, q.path + "/QuantityString"}
		if ok {
			at = qs
		}
		p.add(at, "required", fmt.Sprintf("The planned quantity of %s is missing", who))
	default:
		micros, err := forkline.ParseDecimal(qs.text())
		switch {
		case err != nil:
			p.add(qs, "number", fmt.Sprintf("The planned quantity of %s must be a plain decimal number such as 612.5: %s",
				who, forkline.ErrorMessage(err)))
		case micros <= 0:
			p.add(qs, "positive", fmt.Sprintf("The planned quantity of %s must be more than zero, not %s", who, qs.text()))
		default:
			amount = forkline.FormatDecimal(micros)
		}
	}
	um, ok := p.one(q, "UnitOfMeasure")
	if !ok || um.text() == "" {
		at := node{q.el, q.path + "/UnitOfMeasure"}
		if ok {
			at = um
		}
		p.add(at, "required", fmt.Sprintf("The planned quantity of %s has no UnitOfMeasure", who))
		return amount, ""
	}
	return amount, um.text()
}

// parsePriority reads an xs:decimal that must be a whole number.
func parsePriority(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if n := len(s); n > 1 && s[n-1] == '.' && s[n-2] >= '0' && s[n-2] <= '9' { // "5." is an xs:decimal
		s += "0"
	}
	micros, err := forkline.ParseDecimal(s)
	const million = 1_000_000
	if err != nil || micros%million != 0 || micros/million > 1<<31-1 || micros/million < -1<<31 {
		return 0, false
	}
	return int(micros / million), true
}

// workCenterLevels are the ISA-95 equipment levels of a line: the work
// centers of batch, continuous, discrete and generic production.
var workCenterLevels = []string{"ProcessCell", "ProductionUnit", "ProductionLine", "WorkCenter"}

// line finds the order's line: the first EquipmentID the producing segment
// (or a segment it is nested in) requires, else the deepest work center in
// their hierarchy scopes, else in the request's hierarchy scope (and the
// deprecated Location of V0600).
func (p *parser) line(rq node, chain []*segment) string {
	for _, s := range chain {
		for _, er := range p.kids(s.node, "EquipmentRequirement") {
			for _, id := range p.kids(er, "EquipmentID") {
				if id.text() != "" {
					return id.text()
				}
			}
		}
	}
	scopes := []node{}
	for _, s := range chain {
		scopes = append(scopes, p.kids(s.node, "HierarchyScope")...)
	}
	scopes = append(scopes, p.kids(rq, "HierarchyScope")...)
	for _, sc := range scopes {
		if id := p.workCenter(sc, p.v.scopeChild); id != "" {
			return id
		}
	}
	if p.v.hasLocation {
		for _, loc := range p.kids(rq, "Location") {
			if id := p.workCenter(loc, "Location"); id != "" {
				return id
			}
		}
	}
	return ""
}

// workCenter returns the deepest EquipmentID at a work center level in a
// hierarchy scope (or location) and its nested children.
func (p *parser) workCenter(scope node, child string) string {
	found := ""
	for n, ok := scope, true; ok; {
		level := ""
		for _, name := range []string{"EquipmentElementLevel", "EquipmentLevel"} {
			if ls := p.kids(n, name); len(ls) > 0 {
				level = ls[0].text()
			}
		}
		if ids := p.kids(n, "EquipmentID"); len(ids) > 0 && slices.Contains(workCenterLevels, level) {
			found = ids[0].text()
		}
		cs := p.kids(n, child)
		if ok = len(cs) > 0; ok {
			n = cs[0]
		}
	}
	return found
}

// erpReference returns the value of the ERPReference parameter of a segment.
func (p *parser) erpReference(seg node) (string, bool) {
	params := []node{seg}
	for _, name := range p.v.parameterPath {
		var next []node
		for _, n := range params {
			next = append(next, p.kids(n, name)...)
		}
		params = next
	}
	for _, prm := range params {
		ids := p.kids(prm, "ID")
		if len(ids) == 0 || !strings.EqualFold(ids[0].text(), ERPReferenceParameter) {
			continue
		}
		for _, val := range p.kids(prm, "Value") {
			for _, vs := range p.kids(val, "ValueString") {
				if vs.text() != "" {
					return vs.text(), true
				}
			}
		}
	}
	return "", false
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
