package plant

import (
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/forkline/forkline"
)

// Record is what every master record has.
type Record struct {
	ID        forkline.ID
	SiteID    forkline.ID
	Code      string // unique within the site; what people see
	Name      string
	Active    bool
	Version   int // increases by one with every change
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Base returns the common part of a record.
func (r Record) Base() Record { return r }

// SetBase replaces the common part of a record.
func (r *Record) SetBase(b Record) { *r = b }

func (r Record) validate(p *forkline.Problems) {
	p.Required("code", r.Code)
	p.MaxLen("code", r.Code, 40)
	if strings.IndexFunc(r.Code, unicode.IsSpace) >= 0 {
		p.Add("code", "no_spaces", "code must not contain spaces")
	}
	p.Required("name", r.Name)
	p.MaxLen("name", r.Name, 200)
}

// Site is one plant (ISA-95 site). Its SiteID is its own ID.
type Site struct {
	Record
	TimeZone       string                  // IANA name, e.g. "America/Chicago"; shifts and production days use it
	LotCodePattern forkline.LotCodePattern // how lot codes are made; DefaultLotCodePattern when empty
}

// Validate checks the site's own fields.
func (s Site) Validate() error {
	var p forkline.Problems
	s.Record.validate(&p)
	if s.TimeZone == "" {
		p.Add("timeZone", "required", "timeZone is required, e.g. America/Chicago")
	} else if _, err := time.LoadLocation(s.TimeZone); err != nil || s.TimeZone == "Local" {
		p.Add("timeZone", "iana_zone", "timeZone must be an IANA time zone such as Europe/Berlin")
	}
	if s.LotCodePattern != "" {
		if err := s.LotCodePattern.Validate(); err != nil {
			p.Merge("", forkline.ErrorFields(err))
		}
	}
	return p.Err("The site is not valid.")
}

// Area is a part of a site (ISA-95 area).
type Area struct {
	Record
}

// Validate checks the area's own fields.
func (a Area) Validate() error {
	var p forkline.Problems
	a.Record.validate(&p)
	return p.Err("The area is not valid.")
}

// Line is a production line or work center in an area.
type Line struct {
	Record
	AreaID forkline.ID
}

// Validate checks the line's own fields.
func (l Line) Validate() error {
	var p forkline.Problems
	l.Record.validate(&p)
	p.Required("areaId", l.AreaID)
	return p.Err("The line is not valid.")
}

// Equipment is a machine or unit, usually on a line.
type Equipment struct {
	Record
	LineID       forkline.ID // optional
	Manufacturer string
	Model        string
	SerialNumber string
}

// Validate checks the equipment's own fields.
func (e Equipment) Validate() error {
	var p forkline.Problems
	e.Record.validate(&p)
	p.MaxLen("manufacturer", e.Manufacturer, 200)
	p.MaxLen("model", e.Model, 200)
	p.MaxLen("serialNumber", e.SerialNumber, 100)
	return p.Err("The equipment is not valid.")
}

// StorageCondition is how material must be kept.
type StorageCondition string

// The storage conditions.
const (
	Ambient StorageCondition = "ambient"
	Chilled StorageCondition = "chilled" // 0-5 °C
	Frozen  StorageCondition = "frozen"  // -18 °C or colder
)

// StorageConditions lists every storage condition.
func StorageConditions() []StorageCondition { return []StorageCondition{Ambient, Chilled, Frozen} }

func validCondition(c StorageCondition) bool { return slices.Contains(StorageConditions(), c) }

// LocationKind says what a location is used for.
type LocationKind string

// The location kinds.
const (
	Warehouse  LocationKind = "warehouse"
	Dock       LocationKind = "dock"
	LineSide   LocationKind = "line_side"
	Quarantine LocationKind = "quarantine"
)

// LocationKinds lists every location kind.
func LocationKinds() []LocationKind { return []LocationKind{Warehouse, Dock, LineSide, Quarantine} }

// Location is a storage location: a cooler, freezer, dry store, dock or line-side rack.
type Location struct {
	Record
	Kind      LocationKind
	Condition StorageCondition
}

// Validate checks the location's own fields.
func (l Location) Validate() error {
	var p forkline.Problems
	l.Record.validate(&p)
	if !slices.Contains(LocationKinds(), l.Kind) {
		p.Add("kind", "one_of", "kind must be one of warehouse, dock, line_side, quarantine")
	}
	if !validCondition(l.Condition) {
		p.Add("condition", "one_of", "condition must be one of ambient, chilled, frozen")
	}
	return p.Err("The location is not valid.")
}
