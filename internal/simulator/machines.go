package simulator

import (
	"context"
	"fmt"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/monitoring"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/sparkplug"
)

// The live demo plant: the machines of Riverside Dairy (milk intake, HTST
// pasteuriser, fermentation tanks, cup filler) and of Springfield Bakery's
// line 1 (mixer, oven, wrapper), each publishing its state, counters and
// process values over Sparkplug B. One Sparkplug edge node per line: the
// group is the site's code, the edge node the line's code and the device the
// equipment's code, so a metric's address is
// "spBv1.0/<site>/<line>/<equipment>/<metric>".

// MachineDeps is what SeedMachines drives.
type MachineDeps struct {
	Plant      *plant.Service
	Monitoring *monitoring.Service
}

// Kind is the behaviour of a simulated machine.
type Kind string

// The kinds of simulated machine.
const (
	MilkIntake  Kind = "milk_intake"
	Pasteuriser Kind = "htst_pasteuriser"
	Fermenter   Kind = "fermentation_tank"
	CupFiller   Kind = "cup_filler"
	Mixer       Kind = "mixer"
	Oven        Kind = "oven"
	Wrapper     Kind = "wrapper"
)

// Layout is the simulated part of the demo plant: which equipment the
// simulation drives and the metrics each publishes. DemoLayout returns it
// without database IDs (enough to publish to another server's broker);
// SeedMachines returns it with the IDs of the records it made.
type Layout struct {
	Sites     []SiteLayout
	Equipment []EquipmentLayout
}

// SiteLayout is a site of the layout.
type SiteLayout struct {
	ID       forkline.ID // empty in DemoLayout
	Code     string      // also the Sparkplug group
	TimeZone string      // where the shift breaks are on the wall clock
}

// EquipmentLayout is one simulated equipment.
type EquipmentLayout struct {
	ID, SiteID forkline.ID // empty in DemoLayout
	Kind       Kind
	Site       string // site code: the Sparkplug group
	Line       string // line code: the Sparkplug edge node
	Code       string // equipment code: the Sparkplug device
	Name       string
	Maker      string
	Model      string
	// PerUnit is the planned run time per unit of counting equipment (the
	// rate SeedMachines saves); zero for equipment that counts nothing.
	PerUnit time.Duration
	Metrics []MetricLayout
}

// MetricLayout is one metric of an equipment and how it is mapped.
type MetricLayout struct {
	Name       string // the Sparkplug metric name
	Role       monitoring.Role
	Unit       string // of a process value
	CounterMax int64  // of a counter
	Type       sparkplug.DataType
}

// Address returns the monitoring address of a metric of the equipment.
func (e EquipmentLayout) Address(metric string) string {
	return sparkplug.Namespace + "/" + e.Site + "/" + e.Line + "/" + e.Code + "/" + metric
}

// Tags returns the tag mappings of the equipment's metrics. EquipmentID
// is empty in a layout without IDs.
func (e EquipmentLayout) Tags() []monitoring.Tag {
	out := make([]monitoring.Tag, 0, len(e.Metrics))
	for _, m := range e.Metrics {
		t := monitoring.Tag{SiteID: e.SiteID, EquipmentID: e.ID, Address: e.Address(m.Name), Role: m.Role, Unit: m.Unit,
			CounterMax: m.CounterMax, Active: true}
		if m.Role == monitoring.RoleState {
			t.StateMap = StateMap()
		}
		out = append(out, t)
	}
	return out
}

// Tags returns the tag mappings of every metric of the layout.
func (l Layout) Tags() []monitoring.Tag {
	var out []monitoring.Tag
	for _, e := range l.Equipment {
		out = append(out, e.Tags()...)
	}
	return out
}

// EdgeNode names one Sparkplug edge node: a line.
type EdgeNode struct{ Group, Node string }

// EdgeNodes returns the layout's edge nodes, in the order of its equipment.
func (l Layout) EdgeNodes() []EdgeNode {
	var out []EdgeNode
	seen := map[EdgeNode]bool{}
	for _, e := range l.Equipment {
		n := EdgeNode{e.Site, e.Line}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

func (l Layout) timeZone(site string) *time.Location {
	for _, s := range l.Sites {
		if s.Code == site {
			if loc, err := time.LoadLocation(s.TimeZone); err == nil {
				return loc
			}
		}
	}
	return time.UTC
}

// The state codes the simulated machines publish, PackML-like numbers as
// PLCs send them. StateMap maps them.
var stateCodes = map[monitoring.State]int{
	monitoring.Running: 1, monitoring.Idle: 2, monitoring.Down: 3,
	monitoring.Changeover: 4, monitoring.Cleaning: 5, monitoring.PlannedStop: 6,
}

// StateMap returns the state map of the simulated machines' state tags:
// 1 running, 2 idle, 3 down, 4 changeover, 5 cleaning, 6 planned stop.
func StateMap() map[string]monitoring.State {
	m := map[string]monitoring.State{}
	for s, c := range stateCodes {
		m[fmt.Sprint(c)] = s
	}
	return m
}

const (
	max16 = 65535
	max32 = 4294967295
)

func stateMetric() MetricLayout {
	return MetricLayout{Name: "State", Role: monitoring.RoleState, Type: sparkplug.TypeInt32}
}

func counters(largest int64) []MetricLayout {
	t := sparkplug.TypeUInt32
	if largest == max16 {
		t = sparkplug.TypeUInt16
	}
	return []MetricLayout{
		{Name: "Good", Role: monitoring.RoleGood, CounterMax: largest, Type: t},
		{Name: "Reject", Role: monitoring.RoleReject, CounterMax: largest, Type: t},
	}
}

func process(name, unit string) MetricLayout {
	return MetricLayout{Name: name, Role: monitoring.RoleProcess, Unit: unit, Type: sparkplug.TypeDouble}
}

func metrics(ms ...[]MetricLayout) []MetricLayout {
	var out []MetricLayout
	for _, m := range ms {
		out = append(out, m...)
	}
	return out
}

func one(m ...MetricLayout) []MetricLayout { return m }

// DemoLayout returns the simulated equipment of the demo plant, without
// database IDs. The codes of the sites and of the bakery's mixer and oven are
// Seed's; SeedMachines adds the rest.
func DemoLayout() Layout {
	return Layout{
		Sites: []SiteLayout{{Code: "RVR", TimeZone: "America/New_York"}, {Code: "SPR", TimeZone: "America/Chicago"}},
		Equipment: []EquipmentLayout{
			{Kind: MilkIntake, Site: "RVR", Line: "INTAKE", Code: "INT-01", Name: "Milk intake bay 1", Maker: "GEA", Model: "VARIVENT intake skid",
				Metrics: metrics(one(stateMetric()), one(process("Flow", "L/h"), process("MilkTemp", "degC")))},
			{Kind: Pasteuriser, Site: "RVR", Line: "HTST", Code: "PAS-01", Name: "HTST pasteuriser (72 °C, 15 s)", Maker: "Tetra Pak", Model: "Pasteurizer D",
				Metrics: metrics(one(stateMetric()), one(process("HoldTemp", "degC"), process("HoldTime", "s"), process("Flow", "L/h")))},
			{Kind: Fermenter, Site: "RVR", Line: "FERM", Code: "FT-01", Name: "Fermentation tank 1 (10 000 L)", Maker: "Paul Mueller", Model: "Yogurt cultured tank",
				Metrics: metrics(one(stateMetric()), one(process("pH", "pH"), process("Temp", "degC")))},
			{Kind: Fermenter, Site: "RVR", Line: "FERM", Code: "FT-02", Name: "Fermentation tank 2 (10 000 L)", Maker: "Paul Mueller", Model: "Yogurt cultured tank",
				Metrics: metrics(one(stateMetric()), one(process("pH", "pH"), process("Temp", "degC")))},
			{Kind: CupFiller, Site: "RVR", Line: "CUP", Code: "FIL-01", Name: "Cup filler (150 g)", Maker: "Hamba", Model: "FlexLine 8",
				PerUnit: 250 * time.Millisecond,
				Metrics: metrics(one(stateMetric()), counters(max16), one(process("FillWeight", "g")))},
			{Kind: Mixer, Site: "SPR", Line: "L1", Code: "MIX-01",
				Metrics: metrics(one(stateMetric()), one(process("DoughTemp", "degC")))},
			{Kind: Oven, Site: "SPR", Line: "L1", Code: "OVN-01",
				Metrics: metrics(one(stateMetric()), one(process("ZoneTemp", "degC")))},
			{Kind: Wrapper, Site: "SPR", Line: "L1", Code: "WRP-01", Name: "Bread slicer and bagger", Maker: "Formost Fuji", Model: "Bread bagger BB-60",
				PerUnit: time.Second,
				Metrics: metrics(one(stateMetric()), counters(max32))},
		},
	}
}

// The dairy's lines, made by SeedMachines in a new area.
var dairyLines = []struct{ code, name string }{
	{"INTAKE", "Milk intake"},
	{"HTST", "HTST pasteurisation"},
	{"FERM", "Fermentation"},
	{"CUP", "Cup filling"},
}

// DemoShifts are the shifts SeedMachines gives each site: three of eight
// hours, the night shift across midnight.
var DemoShifts = []struct {
	Name          string
	Start, Length time.Duration
}{
	{"Early", 6 * time.Hour, 8 * time.Hour},
	{"Late", 14 * time.Hour, 8 * time.Hour},
	{"Night", 22 * time.Hour, 8 * time.Hour},
}

// demoReasons is the downtime reason tree of each site: code, parent
// code, name, planned.
var demoReasons = []struct {
	code, parent, name string
	planned            bool
}{
	{"MECH", "", "Mechanical", false},
	{"MECH-JAM", "MECH", "Jam", false},
	{"MECH-MOTOR", "MECH", "Motor or drive", false},
	{"MECH-SENSOR", "MECH", "Sensor", false},
	{"MAT", "", "Material", false},
	{"MAT-STARVED", "MAT", "Starved: no product from upstream", false},
	{"MAT-PACK", "MAT", "Wrong or faulty packaging", false},
	{"SETUP", "", "Cleaning and changeover", false},
	{"SETUP-CLEAN", "SETUP", "Cleaning (CIP, allergen clean)", false},
	{"SETUP-CO", "SETUP", "Changeover", false},
	{"QUAL", "", "Quality", false},
	{"QUAL-REJ", "QUAL", "Rejects above limit", false},
	{"PLAN", "", "Planned", true},
	{"PLAN-BREAK", "PLAN", "Break", true},
	{"PLAN-MAINT", "PLAN", "Planned maintenance", true},
}

// SeedMachines adds what the live demo plant needs to a plant Seed made:
// Riverside Dairy's processing area with its lines and equipment, a wrapper
// on Springfield Bakery's line 1, the tag mapping of every simulated metric,
// and for both sites a downtime reason tree, the three shifts of DemoShifts
// and the rates of the counting equipment. It returns DemoLayout with the
// IDs. ctx must carry the system actor.
func SeedMachines(ctx context.Context, d MachineDeps) (Layout, error) {
	const why = "demo plant set-up: live machines"
	p := d.Plant
	l := DemoLayout()
	sites := map[string]plant.Site{}
	for i, s := range l.Sites {
		found, err := p.Sites.List(ctx, plant.Filter{Codes: []string{s.Code}, Limit: 1})
		if err != nil {
			return l, err
		}
		if len(found) == 0 {
			return l, forkline.Errorf(forkline.NotFound, "site %s of the demo plant does not exist: run Seed first", s.Code)
		}
		sites[s.Code] = found[0]
		l.Sites[i].ID, l.Sites[i].TimeZone = found[0].ID, found[0].TimeZone
	}
	lines := map[string]plant.Line{}
	rvr := sites["RVR"]
	area, err := p.Areas.Create(ctx, plant.Area{Record: rec(rvr.ID, "PROC", "Processing")}, why)
	if err != nil {
		return l, fmt.Errorf("dairy area: %w", err)
	}
	for _, dl := range dairyLines {
		line, err := p.Lines.Create(ctx, plant.Line{Record: rec(rvr.ID, dl.code, dl.name), AreaID: area.ID}, why)
		if err != nil {
			return l, fmt.Errorf("dairy line %s: %w", dl.code, err)
		}
		lines["RVR/"+dl.code] = line
	}
	for i := range l.Equipment {
		e := &l.Equipment[i]
		site := sites[e.Site]
		e.SiteID = site.ID
		line, ok := lines[e.Site+"/"+e.Line]
		if !ok {
			found, err := p.Lines.List(ctx, plant.Filter{SiteIDs: []forkline.ID{site.ID}, Codes: []string{e.Line}, Limit: 1})
			if err != nil {
				return l, err
			}
			if len(found) == 0 {
				return l, forkline.Errorf(forkline.NotFound, "line %s of site %s does not exist: run Seed first", e.Line, e.Site)
			}
			line = found[0]
			lines[e.Site+"/"+e.Line] = line
		}
		found, err := p.Equipment.List(ctx, plant.Filter{SiteIDs: []forkline.ID{site.ID}, Codes: []string{e.Code}, Limit: 1})
		if err != nil {
			return l, err
		}
		if len(found) > 0 {
			e.ID, e.Name = found[0].ID, found[0].Name
		} else {
			eq, err := p.Equipment.Create(ctx, plant.Equipment{Record: rec(site.ID, e.Code, e.Name), LineID: line.ID,
				Manufacturer: e.Maker, Model: e.Model, SerialNumber: fmt.Sprintf("SIM-%s-%04d", e.Site, 1001+i)}, why)
			if err != nil {
				return l, fmt.Errorf("equipment %s: %w", e.Code, err)
			}
			e.ID = eq.ID
		}
		for _, t := range e.Tags() {
			if _, err := d.Monitoring.SaveTag(ctx, t, ""); err != nil {
				return l, fmt.Errorf("tag %s: %w", t.Address, err)
			}
		}
		if e.PerUnit > 0 {
			if err := d.Monitoring.SaveRate(ctx, monitoring.Rate{EquipmentID: e.ID, PerUnit: e.PerUnit}); err != nil {
				return l, fmt.Errorf("rate of %s: %w", e.Code, err)
			}
		}
	}
	for _, s := range l.Sites {
		ids := map[string]forkline.ID{}
		for _, r := range demoReasons {
			saved, err := d.Monitoring.SaveReason(ctx, monitoring.Reason{SiteID: s.ID, ParentID: ids[r.parent], Code: r.code, Name: r.name,
				Planned: r.planned, Active: true})
			if err != nil {
				return l, fmt.Errorf("reason %s of %s: %w", r.code, s.Code, err)
			}
			ids[r.code] = saved.ID
		}
		for _, sh := range DemoShifts {
			if _, err := d.Monitoring.SaveShift(ctx, monitoring.Shift{SiteID: s.ID, Name: sh.Name, Start: sh.Start, Length: sh.Length, Active: true}); err != nil {
				return l, fmt.Errorf("shift %s of %s: %w", sh.Name, s.Code, err)
			}
		}
	}
	return l, nil
}
