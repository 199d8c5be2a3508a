package simulator

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"time"

	"github.com/forkline/forkline/internal/monitoring"
)

// The machine model: each simulated equipment is a state machine driven by
// three timelines and a clock, with no I/O:
//
//   - its line's production program, a cycle of runs, changeovers, cleaning
//     and waits (equipment of one bakery line share it, so mixer, oven and
//     wrapper clean together between allergen runs);
//   - its own faults while it runs: micro-stops of seconds, starvation of
//     minutes and breakdowns of many minutes;
//   - the shift breaks of its site, for staffed equipment.
//
// Events are drawn at their own times from random streams of their own, so
// the states and counts do not depend on how often the model is stepped;
// process values are integrated per step and do.

// segment is one step of a line's program.
type segment struct {
	state    monitoring.State // running, idle, changeover or cleaning
	min, max time.Duration
	phase    string // what the process does, e.g. "incubate", "white loaf"
}

// fault is a kind of stop a machine makes while it runs.
type fault struct {
	state    monitoring.State // down or idle
	mean     time.Duration    // mean running time between two of them
	min, max time.Duration    // how long one lasts
}

// behaviour is what a kind of machine does.
type behaviour struct {
	program []segment
	faults  []fault
	breaks  bool          // stops for the shift breaks
	cycle   time.Duration // actual time per unit while running; 0: counts nothing
	rejects float64       // fraction of units rejected
	shared  bool          // the machines of a line follow one program
}

func mins(m float64) time.Duration { return time.Duration(m * float64(time.Minute)) }
func secs(x float64) time.Duration { return time.Duration(x * float64(time.Second)) }

var (
	running    = monitoring.Running
	idle       = monitoring.Idle
	down       = monitoring.Down
	changeover = monitoring.Changeover
	cleaning   = monitoring.Cleaning
)

// bakeryLine is line 1's program: white loaves, then sesame buns, and an
// allergen clean after the sesame before the next white loaves.
var bakeryLine = []segment{
	{running, mins(180), mins(240), "white loaf"},
	{changeover, mins(15), mins(20), "to sesame buns"},
	{running, mins(90), mins(120), "sesame buns"},
	{cleaning, mins(45), mins(60), "allergen clean (sesame)"},
	{changeover, mins(10), mins(15), "to white loaf"},
}

func behaviourOf(k Kind) behaviour {
	switch k {
	case MilkIntake:
		return behaviour{program: []segment{
			{running, mins(30), mins(40), "unloading"},
			{idle, mins(20), mins(90), "waiting for a tanker"},
			{running, mins(30), mins(40), "unloading"},
			{cleaning, mins(15), mins(20), "rinse"},
			{idle, mins(10), mins(60), "waiting for a tanker"},
		}, faults: []fault{{down, mins(240), mins(3), mins(10)}}}
	case Pasteuriser:
		return behaviour{program: []segment{
			{running, mins(9 * 60), mins(10 * 60), "pasteurise"},
			{cleaning, mins(50), mins(60), "CIP"},
			{changeover, mins(15), mins(20), "sterilise and water to product"},
		}, faults: []fault{{idle, mins(120), mins(2), mins(8)}, {down, mins(16 * 60), mins(10), mins(25)}}}
	case Fermenter:
		return behaviour{program: []segment{
			{running, mins(30), mins(40), "fill"},
			{running, mins(270), mins(330), "incubate"},
			{running, mins(45), mins(60), "cool"},
			{idle, mins(20), mins(40), "empty"},
			{cleaning, mins(35), mins(45), "CIP"},
			{idle, mins(10), mins(60), "ready"},
		}, faults: []fault{{down, mins(20 * 60), mins(10), mins(30)}}}
	case CupFiller:
		return behaviour{program: []segment{
			{running, mins(180), mins(240), "plain"},
			{changeover, mins(15), mins(25), "to strawberry"},
			{running, mins(120), mins(180), "strawberry"},
			{changeover, mins(15), mins(25), "to vanilla"},
			{running, mins(120), mins(180), "vanilla"},
			{cleaning, mins(60), mins(75), "CIP"},
		}, faults: []fault{{down, mins(7), secs(3), secs(25)}, {idle, mins(90), mins(1), mins(6)}, {down, mins(240), mins(5), mins(25)}},
			breaks: true, cycle: 260 * time.Millisecond, rejects: 0.008}
	case Mixer:
		return behaviour{program: bakeryLine, shared: true,
			faults: []fault{{idle, mins(25), mins(2), mins(6)}, {down, mins(8 * 60), mins(10), mins(30)}}, breaks: true}
	case Oven:
		return behaviour{program: bakeryLine, shared: true,
			faults: []fault{{down, mins(60), secs(5), secs(30)}, {down, mins(10 * 60), mins(8), mins(20)}}, breaks: true}
	case Wrapper:
		return behaviour{program: bakeryLine, shared: true,
			faults: []fault{{down, mins(5), secs(3), secs(20)}, {idle, mins(60), mins(1), mins(4)}, {down, mins(5 * 60), mins(6), mins(20)}},
			breaks: true, cycle: 1050 * time.Millisecond, rejects: 0.015}
	}
	return behaviour{program: []segment{{running, mins(60), mins(60), ""}}}
}

// The shift breaks: half an hour, four hours into each shift of DemoShifts.
var breakStarts = []time.Duration{2 * time.Hour, 10 * time.Hour, 18 * time.Hour}

const breakLength = 30 * time.Minute

// inBreak reports whether t is in a shift break on the wall clock of loc,
// and when that changes next.
func inBreak(t time.Time, loc *time.Location) (bool, time.Time) {
	lt := t.In(loc)
	var next time.Time
	for off := -1; off <= 1; off++ {
		for _, b := range breakStarts {
			start := time.Date(lt.Year(), lt.Month(), lt.Day()+off, int(b/time.Hour), 0, 0, 0, loc)
			end := start.Add(breakLength)
			if !t.Before(start) && t.Before(end) {
				return true, end
			}
			if start.After(t) && (next.IsZero() || start.Before(next)) {
				next = start
			}
		}
	}
	return false, next
}

// Reading is the value of one metric of a machine at a time.
type Reading struct {
	Metric string
	Role   monitoring.Role
	Value  monitoring.Value
}

// Machine is the model of one simulated equipment. It is not safe for
// concurrent use.
type Machine struct {
	eq  EquipmentLayout
	b   behaviour
	loc *time.Location
	now time.Time

	prog, faults, units, noise *rand.Rand

	seg      int
	segStart time.Time
	segEnd   time.Time

	fault      int // index in b.faults; -1: none
	faultEnd   time.Time
	nextFault  time.Time
	brk        bool
	brkEdge    time.Time
	stopFrom   time.Time // a stop forced by Interrupt
	stopUntil  time.Time
	state      monitoring.State
	stateSince time.Time

	partial              float64
	good, reject         uint64
	goodBase, rejectBase uint64
	max                  uint64

	pv       map[string]float64
	lastStep time.Time
	dip      time.Time // HTST: end of a temperature dip
	nextDip  time.Time
}

func streamSeed(seed int64, key string) (uint64, uint64) {
	h := fnv.New64a()
	h.Write([]byte(key))
	return uint64(seed), h.Sum64()
}

func stream(seed int64, key string) *rand.Rand { return rand.New(rand.NewPCG(streamSeed(seed, key))) }

// NewMachine returns the model of an equipment of the layout, in the
// state it has at start. Machines made with the same seed, equipment and
// start behave the same.
func NewMachine(eq EquipmentLayout, loc *time.Location, seed int64, start time.Time) *Machine {
	if loc == nil {
		loc = time.UTC
	}
	b := behaviourOf(eq.Kind)
	id := eq.Site + "/" + eq.Line + "/" + eq.Code
	key := id
	if b.shared {
		key = eq.Site + "/" + eq.Line
	}
	m := &Machine{eq: eq, b: b, loc: loc, now: start, lastStep: start, fault: -1, pv: map[string]float64{},
		prog: stream(seed, key+"#program"), faults: stream(seed, id+"#faults"), units: stream(seed, id+"#units"),
		noise: stream(seed, id+"#noise")}
	// Start somewhere in the program, as a plant already running.
	m.seg = m.prog.IntN(len(b.program))
	full := m.segLength()
	m.segStart = start.Add(-time.Duration(m.prog.Float64() * float64(full)))
	m.segEnd = m.segStart.Add(full)
	m.nextFault = start.Add(m.faultGap())
	m.brk, m.brkEdge = inBreak(start, loc)
	for _, x := range eq.Metrics {
		switch {
		case x.Role == monitoring.RoleGood || x.Role == monitoring.RoleReject:
			m.max = uint64(x.CounterMax)
		}
	}
	if m.max > 0 {
		// Counters as a PLC that has counted for a while: the 16-bit one
		// rolls over within hours, the 32-bit one soon after start.
		if m.max == max16 {
			m.goodBase = m.units.Uint64N(m.max)
		} else {
			m.goodBase = m.max - 3000 - m.units.Uint64N(3000)
		}
		m.rejectBase = m.units.Uint64N(5000)
	}
	m.state = m.compute()
	m.stateSince = start
	m.initProcess()
	return m
}

// Equipment returns the layout of the machine's equipment.
func (m *Machine) Equipment() EquipmentLayout { return m.eq }

// State returns the machine's state and since when it has lasted.
func (m *Machine) State() (monitoring.State, time.Time) { return m.state, m.stateSince }

// Now returns the model's time.
func (m *Machine) Now() time.Time { return m.now }

// Phase returns what the line's program does: the product that runs, or
// the cleaning or changeover under way.
func (m *Machine) Phase() string { return m.b.program[m.seg].phase }

// Units returns the good and rejected units made since the model started.
func (m *Machine) Units() (good, reject uint64) { return m.good, m.reject }

// Interrupt makes the machine stop (down) from from for d, whatever it
// does then: a micro-stop a live view shows soon after the start.
func (m *Machine) Interrupt(from time.Time, d time.Duration) {
	m.stopFrom, m.stopUntil = from, from.Add(d)
}

func (m *Machine) segLength() time.Duration {
	sg := m.b.program[m.seg]
	return sg.min + time.Duration(m.prog.Float64()*float64(sg.max-sg.min))
}

// faultGap draws the running time to the next fault: the faults are
// independent Poisson processes, so the gap to the first is exponential with
// the sum of their rates.
func (m *Machine) faultGap() time.Duration {
	var rate float64
	for _, f := range m.b.faults {
		rate += 1 / f.mean.Seconds()
	}
	if rate == 0 {
		return 1 << 62
	}
	return secs(m.faults.ExpFloat64() / rate)
}

func (m *Machine) startFault() {
	var rate float64
	for _, f := range m.b.faults {
		rate += 1 / f.mean.Seconds()
	}
	x := m.faults.Float64() * rate
	i := 0
	for ; i < len(m.b.faults)-1; i++ {
		x -= 1 / m.b.faults[i].mean.Seconds()
		if x < 0 {
			break
		}
	}
	f := m.b.faults[i]
	m.fault = i
	m.faultEnd = m.now.Add(f.min + time.Duration(m.faults.Float64()*float64(f.max-f.min)))
}

// compute returns the state the timelines give now: a forced stop, then a
// break, then the program's own non-running state, then a fault.
func (m *Machine) compute() monitoring.State {
	if !m.stopFrom.IsZero() && !m.now.Before(m.stopFrom) && m.now.Before(m.stopUntil) {
		return down
	}
	if m.b.breaks && m.brk {
		return monitoring.PlannedStop
	}
	if st := m.b.program[m.seg].state; st != running {
		return st
	}
	if m.fault >= 0 {
		return m.b.faults[m.fault].state
	}
	return running
}

// advance moves the timelines to t, counting units while the machine runs.
func (m *Machine) advance(t time.Time) {
	for m.now.Before(t) {
		next := t
		for _, e := range []time.Time{m.segEnd, m.brkEdge, m.stopFrom, m.stopUntil} {
			if e.After(m.now) && e.Before(next) {
				next = e
			}
		}
		// Faults happen while the program runs; their clock stops otherwise.
		progRuns := m.b.program[m.seg].state == running
		if m.fault >= 0 && m.faultEnd.Before(next) {
			next = m.faultEnd
		} else if m.fault < 0 && progRuns && m.nextFault.Before(next) {
			next = m.nextFault
		}
		if !next.After(m.now) {
			next = m.now.Add(time.Nanosecond)
		}
		dt := next.Sub(m.now)
		if m.state == running && m.b.cycle > 0 {
			m.count(dt)
		}
		if m.fault < 0 && !progRuns {
			m.nextFault = m.nextFault.Add(dt)
		}
		m.now = next
		if !m.now.Before(m.segEnd) {
			m.seg = (m.seg + 1) % len(m.b.program)
			m.segStart = m.segEnd
			m.segEnd = m.segStart.Add(m.segLength())
		}
		if m.fault >= 0 && !m.now.Before(m.faultEnd) {
			m.fault = -1
			m.nextFault = m.now.Add(m.faultGap())
		} else if m.fault < 0 && progRuns && !m.now.Before(m.nextFault) {
			m.startFault()
		}
		if !m.now.Before(m.brkEdge) {
			m.brk, m.brkEdge = inBreak(m.now, m.loc)
		}
		if st := m.compute(); st != m.state {
			m.state, m.stateSince = st, m.now
		}
	}
}

// count makes the units of dt of running.
func (m *Machine) count(dt time.Duration) {
	m.partial += dt.Seconds() / m.b.cycle.Seconds()
	for m.partial >= 1 {
		m.partial--
		if m.units.Float64() < m.b.rejects {
			m.reject++
		} else {
			m.good++
		}
	}
}

// counter returns a counter's raw value: the PLC's count, rolled over after
// its largest value.
func (m *Machine) counter(base, n uint64) float64 {
	return float64((base + n) % (m.max + 1))
}

// Step moves the machine to now and returns the value of each of its
// metrics. A time before the model's repeats the values of its time.
func (m *Machine) Step(now time.Time) []Reading {
	if now.After(m.now) {
		m.advance(now)
	}
	m.process()
	out := make([]Reading, 0, len(m.eq.Metrics))
	for _, x := range m.eq.Metrics {
		r := Reading{Metric: x.Name, Role: x.Role}
		switch x.Role {
		case monitoring.RoleState:
			r.Value = monitoring.NumberValue(float64(stateCodes[m.state]))
		case monitoring.RoleGood:
			r.Value = monitoring.NumberValue(m.counter(m.goodBase, m.good))
		case monitoring.RoleReject:
			r.Value = monitoring.NumberValue(m.counter(m.rejectBase, m.reject))
		default:
			v := m.pv[x.Name]
			if v != 0 {
				v += m.noise.NormFloat64() * measurementNoise[x.Name]
			}
			r.Value = monitoring.NumberValue(round(v, 3))
		}
		out = append(out, r)
	}
	return out
}

func round(x float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(x*p) / p
}

// initProcess sets the process values a machine starts with.
func (m *Machine) initProcess() {
	switch m.eq.Kind {
	case MilkIntake:
		m.pv["MilkTemp"], m.pv["Flow"] = 4, 0
		if m.state == running {
			m.pv["Flow"] = 25000
		}
	case Pasteuriser:
		m.pv["HoldTemp"], m.pv["Flow"], m.pv["HoldTime"] = 72.5, 9800, 15.6
		if m.state == cleaning {
			m.pv["HoldTemp"] = 80
		}
		m.nextDip = m.now.Add(secs(m.noise.ExpFloat64() * mins(8*60).Seconds()))
	case Fermenter:
		m.pv["pH"], m.pv["Temp"] = 6.6, 43
	case CupFiller:
		m.pv["FillWeight"] = 151.5
	case Mixer:
		m.pv["DoughTemp"] = 25.5
	case Oven:
		m.pv["ZoneTemp"] = ovenSetpoint(m.Phase())
	}
	m.lastStep = m.now
}

func ovenSetpoint(phase string) float64 {
	if phase == "sesame buns" || phase == "to sesame buns" {
		return 205
	}
	return 220
}

// lag moves a process value toward target by a first-order lag of time
// constant tau over dt.
func (m *Machine) lag(name string, target float64, tau, dt time.Duration) {
	x := m.pv[name]
	m.pv[name] = x + (target-x)*(1-math.Exp(-dt.Seconds()/tau.Seconds()))
}

// measurementNoise is the standard deviation of each process value's
// sensor, added to the value it reads.
var measurementNoise = map[string]float64{
	"Flow": 40, "MilkTemp": 0.03, "HoldTemp": 0.03, "HoldTime": 0.02, "pH": 0.005, "Temp": 0.05,
	"FillWeight": 0.6, "DoughTemp": 0.05, "ZoneTemp": 0.6,
}

// process moves the process values to the model's time.
func (m *Machine) process() {
	dt := m.now.Sub(m.lastStep)
	if dt <= 0 {
		return
	}
	m.lastStep = m.now
	st, phase := m.state, m.Phase()
	elapsed := m.now.Sub(m.segStart)
	hours := float64(m.now.Unix()) / 3600
	switch m.eq.Kind {
	case MilkIntake:
		if st == running {
			m.lag("Flow", 25000, secs(20), dt)
			m.lag("MilkTemp", 3.8+0.6*math.Sin(float64(m.segStart.Unix())), mins(2), dt)
		} else {
			m.pv["Flow"] = 0
		}
	case Pasteuriser:
		target := 72.55 + 0.2*math.Sin(2*math.Pi*hours/0.8)
		switch st {
		case cleaning:
			target = 80
		case changeover:
			target = 73
		}
		if st == running && m.nextDip.Before(m.now) {
			m.dip = m.now.Add(secs(20 + 20*m.noise.Float64()))
			m.nextDip = m.now.Add(secs(m.noise.ExpFloat64() * mins(8*60).Seconds()))
		}
		if m.now.Before(m.dip) {
			target = 71.8 // a steam valve sticks: the flow diversion valve would divert
		}
		m.lag("HoldTemp", target, secs(8), dt)
		flow := 9800.0
		switch st {
		case cleaning:
			flow = 12000
		case down:
			flow = 0
		}
		m.lag("Flow", flow, secs(10), dt)
		if f := m.pv["Flow"]; f > 1000 {
			m.pv["HoldTime"] = 15.0 * 10200 / f
		}
	case Fermenter:
		switch {
		case phase == "fill":
			m.lag("pH", 6.6, secs(30), dt)
			m.lag("Temp", 43, mins(5), dt)
		case phase == "incubate":
			m.pv["pH"] = 4.55 + 2.05*math.Exp(-elapsed.Minutes()/90)
			m.lag("Temp", 43, mins(5), dt)
		case phase == "cool":
			m.lag("pH", 4.45, mins(30), dt)
			m.lag("Temp", 6, mins(15), dt)
		case st == cleaning:
			m.lag("pH", 7, mins(2), dt)
			m.lag("Temp", 75, mins(5), dt)
		default:
			m.lag("Temp", 20, mins(20), dt)
		}
	case CupFiller:
		if st == running {
			m.pv["FillWeight"] = 151.5 + 0.3*math.Sin(2*math.Pi*hours/1.3)
		}
	case Mixer:
		if st == running {
			m.lag("DoughTemp", 25.5+0.5*math.Sin(2*math.Pi*hours/2.1), mins(3), dt)
		}
	case Oven:
		target := ovenSetpoint(phase)
		switch st {
		case cleaning:
			target = 150
		case down:
			target = 190
		}
		m.lag("ZoneTemp", target, mins(4), dt)
	}
}
