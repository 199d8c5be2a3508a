package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/monitoring"
)

// Machine data on the wire.

type samplesJSON struct {
	Samples []sampleJSON `json:"samples"`
}

// sampleJSON is one reading; value is a JSON number, boolean, string or null.
type sampleJSON struct {
	Address string          `json:"address"`
	Time    string          `json:"time"` // RFC 3339
	Value   json.RawMessage `json:"value"`
}

type ingestedJSON struct {
	Accepted int `json:"accepted"`
}

// maxIngestBody caps a batch of samples: 50,000 samples of ~100 bytes.
const maxIngestBody = 8 << 20

// DecodeSamples reads an HTTP batch of samples: {"samples": [{"address",
// "time", "value"}]}. Every problem is reported with its field; on any
// problem no sample is returned.
func DecodeSamples(body io.Reader) ([]monitoring.Sample, error) {
	dec := json.NewDecoder(io.LimitReader(body, maxIngestBody+1))
	dec.DisallowUnknownFields()
	var in samplesJSON
	if err := dec.Decode(&in); err != nil {
		return nil, decodeError(err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: %w", errMalformed, &forkline.Error{Code: forkline.Invalid, Msg: "The body holds more than one JSON value."})
	}
	var p forkline.Problems
	if in.Samples == nil {
		p.Add("samples", "required", "samples is required: a list of {address, time, value}")
	}
	if len(in.Samples) > monitoring.MaxIngest {
		p.Add("samples", "max_items", fmt.Sprintf("send at most %d samples at once", monitoring.MaxIngest))
		return nil, p.Err("The samples are not valid; none was stored.")
	}
	out := make([]monitoring.Sample, 0, len(in.Samples))
	for i, s := range in.Samples {
		f := fmt.Sprintf("samples[%d]", i)
		if strings.TrimSpace(s.Address) == "" {
			p.Add(f+".address", "required", "address is required")
		} else if len(s.Address) > 400 {
			p.Add(f+".address", "max_length", "address must be at most 400 characters")
		}
		t, err := time.Parse(time.RFC3339Nano, s.Time)
		if err != nil {
			p.Add(f+".time", "time", "time must be an RFC 3339 time such as 2026-11-27T08:00:00.250Z")
		} else if u := t.UTC(); u.Year() < 2000 || u.Year() > 9998 {
			p.Add(f+".time", "range", "time must be a time of this century")
		}
		v, ok := sampleValue(s.Value)
		if !ok {
			p.Add(f+".value", "type", "value must be a number, a boolean, a string or null")
		}
		out = append(out, monitoring.Sample{Address: s.Address, Time: t.UTC(), Value: v})
		if len(p.List()) >= 20 {
			break
		}
	}
	if err := p.Err("The samples are not valid; none was stored."); err != nil {
		return nil, err
	}
	return out, nil
}

func sampleValue(raw json.RawMessage) (monitoring.Value, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return monitoring.Value{}, true
	}
	switch raw[0] {
	case 't', 'f':
		var b bool
		if json.Unmarshal(raw, &b) != nil {
			return monitoring.Value{}, false
		}
		return monitoring.BoolValue(b), true
	case '"':
		var s string
		if json.Unmarshal(raw, &s) != nil || len(s) > 1000 {
			return monitoring.Value{}, false
		}
		return monitoring.TextValue(s), true
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return monitoring.Value{}, false
	}
	return monitoring.NumberValue(f), true
}

type tagJSON struct {
	ID          string            `json:"id,omitempty"`
	SiteID      string            `json:"siteId,omitempty"`
	EquipmentID string            `json:"equipmentId"`
	Address     string            `json:"address"`
	Role        string            `json:"role"`
	Unit        string            `json:"unit,omitempty"`
	StateMap    map[string]string `json:"stateMap,omitempty"`
	CounterMax  int64             `json:"counterMax,omitempty"`
	Active      *bool             `json:"active,omitempty"`
	Version     int               `json:"version,omitempty"`
	Reason      string            `json:"reason,omitempty"`
}

func tagToJSON(t monitoring.Tag) tagJSON {
	active := t.Active
	out := tagJSON{ID: t.ID, SiteID: t.SiteID, EquipmentID: t.EquipmentID, Address: t.Address, Role: string(t.Role), Unit: t.Unit,
		CounterMax: t.CounterMax, Active: &active, Version: t.Version}
	if len(t.StateMap) > 0 {
		out.StateMap = map[string]string{}
		for k, v := range t.StateMap {
			out.StateMap[k] = string(v)
		}
	}
	return out
}

func tagFromJSON(in tagJSON) monitoring.Tag {
	t := monitoring.Tag{ID: in.ID, EquipmentID: in.EquipmentID, Address: in.Address, Role: monitoring.Role(in.Role), Unit: in.Unit,
		CounterMax: in.CounterMax, Active: in.Active == nil || *in.Active, Version: in.Version}
	if len(in.StateMap) > 0 {
		t.StateMap = map[string]monitoring.State{}
		for k, v := range in.StateMap {
			t.StateMap[k] = monitoring.State(v)
		}
	}
	return t
}

type unmappedJSON struct {
	Address string `json:"address"`
	Time    string `json:"time"`
	Value   string `json:"value"`
	Count   int64  `json:"count"`
}

type intervalJSON struct {
	ID           string  `json:"id"`
	EquipmentID  string  `json:"equipmentId"`
	State        string  `json:"state"`
	Start        string  `json:"start"`
	End          string  `json:"end,omitempty"`
	Seconds      float64 `json:"seconds"`
	ReasonID     string  `json:"reasonId,omitempty"`
	ReasonNote   string  `json:"reasonNote,omitempty"`
	ClassifiedBy string  `json:"classifiedBy,omitempty"`
}

func intervalToJSON(iv monitoring.Interval, now time.Time) intervalJSON {
	out := intervalJSON{ID: iv.ID, EquipmentID: iv.EquipmentID, State: string(iv.State), Start: iv.Start.UTC().Format(time.RFC3339Nano),
		Seconds: iv.Duration(now).Seconds(), ReasonID: iv.ReasonID, ReasonNote: iv.ReasonNote, ClassifiedBy: iv.ClassifiedBy}
	if !iv.End.IsZero() {
		out.End = iv.End.UTC().Format(time.RFC3339Nano)
	}
	return out
}

type countJSON struct {
	Minute string `json:"minute"`
	Good   int64  `json:"good"`
	Reject int64  `json:"reject"`
}

type trendJSON struct {
	Tag     tagJSON      `json:"tag"`
	Minutes []minuteJSON `json:"minutes"`
}

type minuteJSON struct {
	Minute string  `json:"minute"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	Mean   float64 `json:"mean"`
	N      int64   `json:"n"`
}

type reasonJSONOut struct {
	ID       string `json:"id,omitempty"`
	SiteID   string `json:"siteId"`
	ParentID string `json:"parentId,omitempty"`
	Code     string `json:"code"`
	Name     string `json:"name"`
	Planned  bool   `json:"planned"`
	Active   *bool  `json:"active,omitempty"`
	Version  int    `json:"version,omitempty"`
}

func reasonToJSON(r monitoring.Reason) reasonJSONOut {
	a := r.Active
	return reasonJSONOut{ID: r.ID, SiteID: r.SiteID, ParentID: r.ParentID, Code: r.Code, Name: r.Name, Planned: r.Planned, Active: &a, Version: r.Version}
}

func reasonFromJSON(in reasonJSONOut) monitoring.Reason {
	return monitoring.Reason{ID: in.ID, SiteID: in.SiteID, ParentID: in.ParentID, Code: in.Code, Name: in.Name, Planned: in.Planned,
		Active: in.Active == nil || *in.Active, Version: in.Version}
}

type classifyJSON struct {
	ReasonID string `json:"reasonId"`
	Note     string `json:"note,omitempty"`
}

type shiftJSON struct {
	ID       string   `json:"id,omitempty"`
	SiteID   string   `json:"siteId"`
	Name     string   `json:"name"`
	Start    string   `json:"start"` // HH:MM local time
	Hours    float64  `json:"hours"`
	Weekdays []string `json:"weekdays,omitempty"` // "mon".."sun"; none: every day
	Active   *bool    `json:"active,omitempty"`
	Version  int      `json:"version,omitempty"`
}

var weekdayNames = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

func shiftToJSON(s monitoring.Shift) shiftJSON {
	a := s.Active
	out := shiftJSON{ID: s.ID, SiteID: s.SiteID, Name: s.Name, Start: fmt.Sprintf("%02d:%02d", int(s.Start.Hours()), int(s.Start.Minutes())%60),
		Hours: s.Length.Hours(), Active: &a, Version: s.Version}
	for _, d := range s.Weekdays {
		out.Weekdays = append(out.Weekdays, weekdayNames[d])
	}
	return out
}

func shiftFromJSON(p *forkline.Problems, in shiftJSON) monitoring.Shift {
	s := monitoring.Shift{ID: in.ID, SiteID: in.SiteID, Name: in.Name, Active: in.Active == nil || *in.Active, Version: in.Version,
		Length: time.Duration(math.Round(in.Hours*60)) * time.Minute}
	if t, err := time.Parse("15:04", in.Start); err != nil {
		p.Add("start", "time_of_day", "start must be a local time of day such as 06:00")
	} else {
		s.Start = time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute
	}
	for _, d := range in.Weekdays {
		i := indexOf(weekdayNames, strings.ToLower(d))
		if i < 0 {
			p.Add("weekdays", "enum", "weekdays must be among "+strings.Join(weekdayNames, ", "))
			continue
		}
		s.Weekdays = append(s.Weekdays, time.Weekday(i))
	}
	return s
}

func indexOf(xs []string, x string) int {
	for i, y := range xs {
		if x == y {
			return i
		}
	}
	return -1
}

type rateJSON struct {
	ItemID         string  `json:"itemId,omitempty"` // none: every item
	PerUnitSeconds float64 `json:"perUnitSeconds"`   // planned run time per unit; 0 removes the rate
	UnitsPerMinute float64 `json:"unitsPerMinute,omitempty"`
}

func rateToJSON(r monitoring.Rate) rateJSON {
	out := rateJSON{ItemID: r.ItemID, PerUnitSeconds: r.PerUnit.Seconds()}
	if r.PerUnit > 0 {
		out.UnitsPerMinute = math.Round(float64(time.Minute)/float64(r.PerUnit)*1000) / 1000
	}
	return out
}

// rangeQuery reads ?from=&to= (RFC 3339); both are required.
func rangeQuery(r *http.Request) (monitoring.Range, error) {
	var p forkline.Problems
	q := r.URL.Query()
	rg := monitoring.Range{From: timeField(&p, "from", q.Get("from")), To: timeField(&p, "to", q.Get("to"))}
	if q.Get("from") == "" {
		p.Add("from", "required", "from is required, e.g. 2026-11-27T06:00:00Z")
	}
	if q.Get("to") == "" {
		p.Add("to", "required", "to is required, e.g. 2026-11-27T14:00:00Z")
	}
	return rg, p.Err("The time range is not valid.")
}
