package monitoring

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/forkline/forkline"
)

// ValueKind says what a sample carries.
type ValueKind uint8

// The value kinds.
const (
	Null ValueKind = iota // the source sent no value (Sparkplug is_null, OPC UA bad quality)
	Number
	Bool
	Text
)

// Value is one reading: a number, a boolean or a text.
type Value struct {
	Kind ValueKind
	Num  float64
	Bool bool
	Text string
}

// NumberValue, BoolValue and TextValue make values.
func NumberValue(f float64) Value { return Value{Kind: Number, Num: f} }

// BoolValue makes a boolean value.
func BoolValue(b bool) Value { return Value{Kind: Bool, Bool: b} }

// TextValue makes a text value.
func TextValue(s string) Value { return Value{Kind: Text, Text: s} }

// Float returns the value as a number: a boolean is 0 or 1, a text is parsed.
// ok is false for a null value, a text that is not a number, NaN or infinity.
func (v Value) Float() (f float64, ok bool) {
	switch v.Kind {
	case Number:
		f = v.Num
	case Bool:
		if v.Bool {
			f = 1
		}
	case Text:
		var err error
		if f, err = strconv.ParseFloat(v.Text, 64); err != nil {
			return 0, false
		}
	default:
		return 0, false
	}
	return f, !math.IsNaN(f) && !math.IsInf(f, 0)
}

// Key returns the value as the text a state map looks up: "running", "3",
// "true". A whole number prints without a decimal point.
func (v Value) Key() string {
	switch v.Kind {
	case Number:
		return strconv.FormatFloat(v.Num, 'f', -1, 64)
	case Bool:
		return strconv.FormatBool(v.Bool)
	case Text:
		return v.Text
	}
	return ""
}

func (v Value) String() string {
	if v.Kind == Null {
		return "null"
	}
	return v.Key()
}

// Sample is one reading of one tag at one time, as an ingest path delivers it.
//
// Address names the tag in the plant, whatever protocol carried it (see
// docs/machine-data.md):
//   - Sparkplug B: "spBv1.0/<group>/<edge node>/<metric>" or
//     "spBv1.0/<group>/<edge node>/<device>/<metric>"
//   - the plain JSON topic convention: the topic, a slash, the key, e.g.
//     "forkline/v1/<site>/<area>/<line>/<equipment>/<tag>"
//   - OPC UA: "opcua/<connection>/<node id>", e.g. "opcua/filler/ns=2;s=Good"
//   - HTTP batch ingest: whatever address the sender uses.
type Sample struct {
	Address string
	Time    time.Time // when the machine measured it, UTC
	Value   Value
}

// Sink takes samples. When Ingest returns nil, every sample is durable: the
// caller may then acknowledge them (MQTT PUBACK, HTTP 2xx). Samples of tags
// no equipment maps are counted and dropped. A sample at or before the last
// stored time of its counter or state tag is a repeat and is not booked twice.
type Sink interface {
	Ingest(ctx context.Context, samples []Sample) error
}

// State is what an equipment is doing.
type State string

// The equipment states. Planned stops are excluded from planned busy time;
// changeover and cleaning are setup, not production (ISO 22400-2).
const (
	Running     State = "running"
	Idle        State = "idle"         // ready, not producing: starved or blocked
	Down        State = "down"         // stopped by a fault or breakdown
	Changeover  State = "changeover"   // setup for another product
	Cleaning    State = "cleaning"     // cleaning, e.g. between allergen runs
	PlannedStop State = "planned_stop" // break, meeting, no orders planned
	Unknown     State = "unknown"      // no signal: the edge node or device died
)

// States lists every state in display order.
func States() []State {
	return []State{Running, Idle, Down, Changeover, Cleaning, PlannedStop, Unknown}
}

// Valid reports whether s is one of the states.
func (s State) Valid() bool {
	for _, x := range States() {
		if s == x {
			return true
		}
	}
	return false
}

// Role is what a mapped tag means for its equipment.
type Role string

// The tag roles.
const (
	RoleState   Role = "state"   // the machine state; StateMap turns values into states
	RoleGood    Role = "good"    // a counter of good units
	RoleReject  Role = "reject"  // a counter of rejected units
	RoleProcess Role = "process" // a process value with a unit, e.g. a temperature
)

// Roles lists every role.
func Roles() []Role { return []Role{RoleState, RoleGood, RoleReject, RoleProcess} }

// Tag maps one address to one equipment. Configured in the UI or the API.
type Tag struct {
	ID          forkline.ID
	SiteID      forkline.ID
	EquipmentID forkline.ID
	Address     string // unique in the database
	Role        Role
	Unit        string // for process values, e.g. "degC", "bar", "L/h"
	// StateMap turns a state tag's value (Value.Key) into a state, e.g.
	// {"1": running, "2": idle, "3": down}. A value it does not name is
	// Unknown. Empty: the value must be a state name itself.
	StateMap map[string]State
	// CounterMax is the value after which a counter rolls over to 0, e.g.
	// 65535 or 4294967295; 0 when it never does. A counter that goes down
	// without rolling over was reset: its new value is the count since.
	CounterMax int64
	Active     bool
	Version    int
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Validate checks a mapping on its own.
func (t Tag) Validate() error {
	var p forkline.Problems
	p.Required("equipmentId", t.EquipmentID)
	p.Required("address", t.Address)
	p.MaxLen("address", t.Address, 400)
	switch t.Role {
	case RoleState:
		for k, s := range t.StateMap {
			if !s.Valid() {
				p.Add("stateMap."+k, "state", fmt.Sprintf("stateMap values must be one of %v", States()))
			}
		}
	case RoleGood, RoleReject:
		if t.CounterMax < 0 {
			p.Add("counterMax", "min", "counterMax must be 0 (never rolls over) or the counter's largest value")
		}
	case RoleProcess:
		p.MaxLen("unit", t.Unit, 40)
	default:
		p.Add("role", "enum", fmt.Sprintf("role must be one of %v", Roles()))
	}
	return p.Err("The tag mapping is not valid.")
}

// MapState returns the state a state tag's value stands for.
func (t Tag) MapState(v Value) State {
	if len(t.StateMap) == 0 {
		if s := State(v.Key()); s.Valid() {
			return s
		}
		return Unknown
	}
	if s, ok := t.StateMap[v.Key()]; ok {
		return s
	}
	return Unknown
}

// Watermark is what the pipeline remembers of a counter or state tag: the
// time and value of the last sample it stored. Stored with every batch, so
// after a restart a repeated sample is recognised.
type Watermark struct {
	TagID forkline.ID
	Time  time.Time
	Value float64 // the counter's raw value; 0 for state tags
}

// Interval is a stretch of time an equipment spent in one state.
type Interval struct {
	ID          forkline.ID
	EquipmentID forkline.ID
	State       State
	Start       time.Time
	End         time.Time // zero while it lasts
	ReasonID    forkline.ID
	ReasonNote  string
	// ClassifiedBy is who gave the reason; empty when the machine did.
	ClassifiedBy string
}

// Duration returns the interval's length, up to now when it still lasts.
func (iv Interval) Duration(now time.Time) time.Duration {
	end := iv.End
	if end.IsZero() {
		end = now
	}
	if end.Before(iv.Start) {
		return 0
	}
	return end.Sub(iv.Start)
}

// Count is the good and rejected units of an equipment in one minute.
type Count struct {
	EquipmentID forkline.ID
	Minute      time.Time // UTC, truncated to the minute
	Good        int64
	Reject      int64
}

// ProcessValue is one stored reading of a process tag.
type ProcessValue struct {
	TagID forkline.ID
	Time  time.Time
	Value float64
}

// ProcessMinute is a process tag downsampled to one minute.
type ProcessMinute struct {
	TagID          forkline.ID
	Minute         time.Time
	Min, Max, Mean float64
	N              int64
}

// Batch is what the pipeline writes in one transaction.
type Batch struct {
	// Close ends intervals that were open: ID and End are set.
	Close []Interval
	// Open starts intervals; the last one per equipment stays open.
	Open []Interval
	// Counts are added to what each minute already holds.
	Counts []Count
	// Values are stored raw; a repeat of (tag, time) is ignored.
	Values []ProcessValue
	// Watermarks replace the stored ones.
	Watermarks []Watermark
}

// Empty reports whether the batch writes nothing.
func (b Batch) Empty() bool {
	return len(b.Close) == 0 && len(b.Open) == 0 && len(b.Counts) == 0 && len(b.Values) == 0 && len(b.Watermarks) == 0
}

// Reason is a downtime reason code in a site's tree.
type Reason struct {
	ID       forkline.ID
	SiteID   forkline.ID
	ParentID forkline.ID // zero for a top-level reason
	Code     string
	Name     string
	// Planned reasons (break, planned maintenance) move the stop out of
	// planned busy time when an operator gives one.
	Planned bool
	Active  bool
	Version int
}

// Validate checks a reason on its own.
func (r Reason) Validate() error {
	var p forkline.Problems
	p.Required("siteId", r.SiteID)
	p.Required("code", r.Code)
	p.MaxLen("code", r.Code, 40)
	p.Required("name", r.Name)
	p.MaxLen("name", r.Name, 200)
	return p.Err("The downtime reason is not valid.")
}

// Range is a half-open time range [From, To).
type Range struct {
	From, To time.Time
}

// Store is what monitoring needs of the database. Every method is one
// transaction.
type Store interface {
	// Tags returns every active mapping.
	Tags(ctx context.Context) ([]Tag, error)
	// Tag returns one mapping; NotFound when there is none.
	Tag(ctx context.Context, id forkline.ID) (Tag, error)
	// TagsOf returns the mappings of the equipment of a site, active or not.
	TagsOf(ctx context.Context, site forkline.ID) ([]Tag, error)
	// SaveTag creates (Version 0) or changes (Version as read) a mapping and
	// audits it. Conflict when the address is mapped already or the version
	// is stale.
	SaveTag(ctx context.Context, t Tag, reason string) (Tag, error)

	// Watermarks returns the stored watermark of every tag that has one.
	Watermarks(ctx context.Context) ([]Watermark, error)
	// OpenIntervals returns the interval that lasts of every equipment.
	OpenIntervals(ctx context.Context) ([]Interval, error)
	// Write books a batch in one transaction.
	Write(ctx context.Context, b Batch) error

	// Interval returns one interval; NotFound when there is none.
	Interval(ctx context.Context, id forkline.ID) (Interval, error)
	// Intervals returns the intervals of the equipment that overlap r, by start.
	Intervals(ctx context.Context, equipment []forkline.ID, r Range) ([]Interval, error)
	// Counts returns the minutes of the equipment in r, by minute.
	Counts(ctx context.Context, equipment []forkline.ID, r Range) ([]Count, error)
	// Values returns the raw values of a tag in r, by time, at most limit.
	Values(ctx context.Context, tag forkline.ID, r Range, limit int) ([]ProcessValue, error)
	// Minutes returns a tag's downsampled minutes in r, raw values of minutes
	// not yet downsampled included, by minute.
	Minutes(ctx context.Context, tag forkline.ID, r Range) ([]ProcessMinute, error)
	// Downsample turns raw values older than before into minutes and deletes
	// them; it returns how many raw values it removed.
	Downsample(ctx context.Context, before time.Time) (int64, error)

	// Reasons returns a site's downtime reasons.
	Reasons(ctx context.Context, site forkline.ID) ([]Reason, error)
	// SaveReason creates or changes a reason and audits it.
	SaveReason(ctx context.Context, r Reason) (Reason, error)
	// Classify gives an interval its reason and audits it.
	Classify(ctx context.Context, interval forkline.ID, reason forkline.ID, note string) (Interval, error)
}

// Shift is one shift of a site's calendar, in the site's time zone. A shift
// may cross midnight (Start 22:00, Length 8h); on the days daylight saving
// time changes it is an hour shorter or longer, as the clock on the wall.
type Shift struct {
	ID       forkline.ID
	SiteID   forkline.ID
	Name     string         // "Early", "Late", "Night"
	Start    time.Duration  // after local midnight, a whole number of minutes
	Length   time.Duration  // up to 24h
	Weekdays []time.Weekday // the days the shift starts on; empty: every day
	Active   bool
	Version  int
}

// Validate checks a shift on its own.
func (s Shift) Validate() error {
	var p forkline.Problems
	p.Required("siteId", s.SiteID)
	p.Required("name", s.Name)
	p.MaxLen("name", s.Name, 100)
	if s.Start < 0 || s.Start >= 24*time.Hour || s.Start%time.Minute != 0 {
		p.Add("start", "time_of_day", "start must be a time of day in whole minutes, e.g. 06:00")
	}
	if s.Length <= 0 || s.Length > 24*time.Hour || s.Length%time.Minute != 0 {
		p.Add("length", "range", "length must be whole minutes, more than 0 and at most 24 hours")
	}
	for _, d := range s.Weekdays {
		if d < time.Sunday || d > time.Saturday {
			p.Add("weekdays", "weekday", "weekdays must be days of the week")
		}
	}
	return p.Err("The shift is not valid.")
}

// Rate is how fast an equipment is meant to make an item: the planned run
// time per unit (ISO 22400-2 PRI). ItemID zero is the equipment's default.
type Rate struct {
	EquipmentID forkline.ID
	ItemID      forkline.ID
	PerUnit     time.Duration
}

// ConfigStore keeps the settings OEE reports need.
type ConfigStore interface {
	// Shifts returns a site's shifts, active or not.
	Shifts(ctx context.Context, site forkline.ID) ([]Shift, error)
	// SaveShift creates or changes a shift and audits it.
	SaveShift(ctx context.Context, s Shift) (Shift, error)
	// Rates returns the rates of the equipment.
	Rates(ctx context.Context, equipment []forkline.ID) ([]Rate, error)
	// SaveRate sets or replaces a rate and audits it; PerUnit 0 removes it.
	SaveRate(ctx context.Context, r Rate) error
}
