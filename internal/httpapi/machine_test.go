package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/httpapi"
	"github.com/forkline/forkline/internal/monitoring"
	"github.com/forkline/forkline/internal/plant"
)

const (
	ovenState = "spBv1.0/SPR/L1/OVN-1/State"
	ovenGood  = "spBv1.0/SPR/L1/OVN-1/Good"
)

// machines maps the oven's state and good counter, adds a downtime reason
// and a shift, and books a stop: one record of each machine-data kind.
func (e *env) machines() {
	s, oven := e.site.ID, e.ids["equipment"]
	tag := must(e.mon.SaveTag(sys, monitoring.Tag{EquipmentID: oven, Address: ovenState, Role: monitoring.RoleState,
		StateMap: map[string]monitoring.State{"1": monitoring.Running, "3": monitoring.Down}, Active: true}, ""))
	must(e.mon.SaveTag(sys, monitoring.Tag{EquipmentID: oven, Address: ovenGood, Role: monitoring.RoleGood, CounterMax: 65535, Active: true}, ""))
	e.ids["machine"] = tag.ID
	e.ids["downtime-reasons"] = must(e.mon.SaveReason(sys, monitoring.Reason{SiteID: s, Code: "MECH", Name: "Mechanical", Active: true})).ID
	e.ids["shifts"] = must(e.mon.SaveShift(sys, monitoring.Shift{SiteID: s, Name: "Early", Start: 6 * 3600e9, Length: 8 * 3600e9, Active: true})).ID
	if err := e.pipe.Ingest(context.Background(), []monitoring.Sample{
		{Address: ovenState, Time: day.Add(0), Value: monitoring.NumberValue(1)},
		{Address: ovenState, Time: day.Add(600 * time.Second), Value: monitoring.NumberValue(3)},
	}); err != nil {
		e.t.Fatal(err)
	}
	ivs := must(e.db.Monitoring().OpenIntervals(context.Background()))
	e.ids["stops"] = ivs[0].ID
}

var day = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// at is a time on the test's day, 2026-03-02 08:00 UTC plus sec seconds.
func at(sec int) string {
	return fmt.Sprintf("2026-03-02T%02d:%02d:%02dZ", 8+sec/3600, sec/60%60, sec%60)
}

func sampleBody(samples ...string) string {
	return `{"samples":[` + strings.Join(samples, ",") + `]}`
}

func sample(addr string, sec int, value string) string {
	return fmt.Sprintf(`{"address":%q,"time":%q,"value":%s}`, addr, at(sec), value)
}

func TestIngestThroughTheAPI(t *testing.T) {
	e := newEnv(t)
	oven := e.ids["equipment"]
	code, body := e.call(forkline.RoleIntegration, "POST", "/api/v1/machine/samples", sampleBody(
		sample(ovenGood, 700, "100"),
		sample(ovenGood, 730, "160"),
		sample(ovenGood, 790, "220"),
		sample(ovenState, 800, "1"),
		sample("spBv1.0/SPR/L1/OVN-1/NotMapped", 800, `"x"`),
	))
	if code != http.StatusOK || !strings.Contains(string(body), `"accepted":5`) {
		t.Fatalf("ingest = %d %s", code, body)
	}
	code, body = e.call(forkline.RoleOperator, "GET", "/api/v1/equipment/"+oven+"/counts?from="+at(0)+"&to="+at(3600), nil)
	var counts []struct {
		Minute string
		Good   int64
	}
	if code != http.StatusOK || json.Unmarshal(body, &counts) != nil {
		t.Fatalf("counts = %d %s", code, body)
	}
	want := []string{"2026-03-02T08:12:00Z 60", "2026-03-02T08:13:00Z 60"}
	var got []string
	for _, c := range counts {
		got = append(got, fmt.Sprintf("%s %d", c.Minute, c.Good))
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("counts = %v, want %v", got, want)
	}
	code, body = e.call(forkline.RoleOperator, "GET", "/api/v1/equipment/"+oven+"/states?from="+at(0)+"&to="+at(3600), nil)
	var states []struct{ State, Start, End string }
	if code != http.StatusOK || json.Unmarshal(body, &states) != nil {
		t.Fatalf("states = %d %s", code, body)
	}
	gotStates := fmt.Sprint(states)
	wantStates := "[{running 2026-03-02T08:00:00Z 2026-03-02T08:10:00Z} {down 2026-03-02T08:10:00Z 2026-03-02T08:13:20Z} {running 2026-03-02T08:13:20Z }]"
	if gotStates != wantStates {
		t.Errorf("states = %s\nwant %s", gotStates, wantStates)
	}
	// The same batch again (a retry after a lost answer) counts nothing twice.
	countsURL := "/api/v1/equipment/" + oven + "/counts?from=" + at(0) + "&to=" + at(3600)
	_, before := e.call(forkline.RoleOperator, "GET", countsURL, nil)
	if code, body := e.call(forkline.RoleIntegration, "POST", "/api/v1/machine/samples", sampleBody(sample(ovenGood, 730, "160"), sample(ovenGood, 790, "220"))); code != http.StatusOK {
		t.Fatalf("repeat = %d %s", code, body)
	}
	if _, after := e.call(forkline.RoleOperator, "GET", countsURL, nil); string(after) != string(before) {
		t.Errorf("a repeated batch changed the counts: %s, was %s", after, before)
	}
	// 2 state samples when the env was made, 5 + 2 here; one unmapped, two repeats.
	_, metrics := e.call("", "GET", "/metrics", nil)
	for _, m := range []string{"forkline_ingest_samples_total 9", "forkline_ingest_unmapped_total 1", "forkline_ingest_repeats_total 2"} {
		if !strings.Contains(string(metrics), m+"\n") {
			t.Errorf("/metrics lacks %q", m)
		}
	}
	code, body = e.call(forkline.RoleAdmin, "GET", "/api/v1/machine/unmapped", nil)
	if code != http.StatusOK || !strings.Contains(string(body), `"address":"spBv1.0/SPR/L1/OVN-1/NotMapped"`) {
		t.Errorf("unmapped = %d %s", code, body)
	}
}

func TestIngestRefusesBadSamplesWhole(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		body, field, rule string
	}{
		{sampleBody(sample(ovenGood, 900, "1"), `{"address":"","time":"2026-03-02T08:00:00Z","value":1}`), "samples[1].address", "required"},
		{sampleBody(`{"address":"a","time":"yesterday","value":1}`), "samples[0].time", "time"},
		{sampleBody(`{"address":"a","time":"2026-03-02T08:00:00Z","value":[1]}`), "samples[0].value", "type"},
		{sampleBody(`{"address":"a","time":"2026-03-02T08:00:00Z","value":{"v":1}}`), "samples[0].value", "type"},
		{`{}`, "samples", "required"},
		{sampleBody(`{"address":"a","time":"9999-12-31T23:00:00-23:00","value":1}`), "samples[0].time", "range"},
	} {
		code, body := e.call(forkline.RoleIntegration, "POST", "/api/v1/machine/samples", c.body)
		if code != http.StatusUnprocessableEntity || !hasField(decodeProblem(t, body), c.field, c.rule) {
			t.Errorf("%s = %d %s, want 422 naming %s/%s", c.body, code, body, c.field, c.rule)
		}
	}
	if code, _ := e.call(forkline.RoleIntegration, "POST", "/api/v1/machine/samples", `{"samples":`); code != http.StatusBadRequest {
		t.Errorf("truncated JSON = %d, want 400", code)
	}
	// The first, valid sample of the refused batch was not stored: the
	// counter's baseline is still unset, so these two count 5.
	e.call(forkline.RoleIntegration, "POST", "/api/v1/machine/samples", sampleBody(sample(ovenGood, 901, "10"), sample(ovenGood, 902, "15")))
	_, body := e.call(forkline.RoleOperator, "GET", "/api/v1/equipment/"+e.ids["equipment"]+"/counts?from="+at(0)+"&to="+at(3600), nil)
	if !strings.Contains(string(body), `"good":5`) {
		t.Errorf("counts = %s, want 5 good", body)
	}
}

// A token for one site cannot write another site's machine data.
func TestIngestChecksTheTagsSite(t *testing.T) {
	e := newEnv(t)
	area := must(e.plant.Areas.Create(sys, plant.Area{Record: plant.Record{SiteID: e.other.ID, Code: "A", Name: "A"}}, ""))
	line := must(e.plant.Lines.Create(sys, plant.Line{Record: plant.Record{SiteID: e.other.ID, Code: "L", Name: "L"}, AreaID: area.ID}, ""))
	eq := must(e.plant.Equipment.Create(sys, plant.Equipment{Record: plant.Record{SiteID: e.other.ID, Code: "F", Name: "F"}, LineID: line.ID}, ""))
	must(e.mon.SaveTag(sys, monitoring.Tag{EquipmentID: eq.ID, Address: "riverside/filler/good", Role: monitoring.RoleGood, Active: true}, ""))
	e.call(forkline.RoleIntegration, "POST", "/api/v1/machine/samples", sampleBody(sample(ovenGood, 1, "1"))) // let the pipeline reload
	code, body := e.call(forkline.RoleIntegration, "POST", "/api/v1/machine/samples", sampleBody(sample("riverside/filler/good", 1, "1")))
	if code != http.StatusForbidden || !hasField(decodeProblem(t, body), "samples[0].address", "site") {
		t.Errorf("other site's tag = %d %s, want 403 naming samples[0].address", code, body)
	}
}

func TestTagMappingRules(t *testing.T) {
	e := newEnv(t)
	oven := e.ids["equipment"]
	for _, c := range []struct {
		body       any
		code       int
		field, rul string
	}{
		{map[string]any{"equipmentId": oven, "address": ovenState, "role": "state"}, http.StatusConflict, "", ""},
		{map[string]any{"equipmentId": oven, "address": "x/y", "role": "speed"}, http.StatusUnprocessableEntity, "role", "enum"},
		{map[string]any{"equipmentId": oven, "address": "x/y", "role": "state", "stateMap": map[string]string{"1": "sleeping"}}, http.StatusUnprocessableEntity, "stateMap.1", "state"},
		{map[string]any{"equipmentId": oven, "address": "", "role": "process"}, http.StatusUnprocessableEntity, "address", "required"},
		{map[string]any{"equipmentId": e.ids["lines"], "address": "x/z", "role": "process"}, http.StatusUnprocessableEntity, "equipmentId", "exists"},
		{map[string]any{"equipmentId": oven, "address": "x/y", "role": "good", "counterMax": -1}, http.StatusUnprocessableEntity, "counterMax", "min"},
	} {
		code, body := e.call(forkline.RoleMaintenance, "POST", "/api/v1/machine/tags", c.body)
		if code != c.code || (c.field != "" && !hasField(decodeProblem(t, body), c.field, c.rul)) {
			t.Errorf("POST %v = %d %s, want %d %s/%s", c.body, code, body, c.code, c.field, c.rul)
		}
	}
	code, body := e.call(forkline.RoleMaintenance, "POST", "/api/v1/machine/tags", map[string]any{"equipmentId": oven, "address": "spBv1.0/SPR/L1/OVN-1/Temp", "role": "process", "unit": "degC"})
	if code != http.StatusCreated {
		t.Fatalf("create = %d %s", code, body)
	}
	var tag struct {
		ID      string
		Version int
	}
	json.Unmarshal(body, &tag)
	change := map[string]any{"equipmentId": oven, "address": "spBv1.0/SPR/L1/OVN-1/Temp", "role": "process", "unit": "degF", "version": tag.Version}
	if code, body := e.call(forkline.RoleMaintenance, "PUT", "/api/v1/machine/tags/"+tag.ID, change); code != http.StatusUnprocessableEntity || !hasField(decodeProblem(t, body), "reason", "required") {
		t.Errorf("change without a reason = %d %s", code, body)
	}
	change["reason"] = "probe replaced"
	if code, body := e.call(forkline.RoleMaintenance, "PUT", "/api/v1/machine/tags/"+tag.ID, change); code != http.StatusOK || !strings.Contains(string(body), `"unit":"degF"`) {
		t.Errorf("change = %d %s", code, body)
	}
	if code, _ := e.call(forkline.RoleMaintenance, "PUT", "/api/v1/machine/tags/"+tag.ID, change); code != http.StatusConflict {
		t.Errorf("stale version = %d, want 409", code)
	}
}

func TestClassifyStops(t *testing.T) {
	e := newEnv(t)
	reason := e.ids["downtime-reasons"]
	code, body := e.call(forkline.RoleOperator, "POST", "/api/v1/stops/"+e.ids["stops"]+"/classify", map[string]any{"reasonId": reason, "note": "belt jammed"})
	if code != http.StatusOK || !strings.Contains(string(body), `"reasonId":"`+reason+`"`) || !strings.Contains(string(body), `"classifiedBy":"`) {
		t.Fatalf("classify = %d %s", code, body)
	}
	// A running interval is not a stop.
	_, body = e.call(forkline.RoleOperator, "GET", "/api/v1/equipment/"+e.ids["equipment"]+"/states?from="+at(0)+"&to="+at(3600), nil)
	var ivs []struct{ ID, State string }
	json.Unmarshal(body, &ivs)
	if len(ivs) != 2 || ivs[0].State != "running" {
		t.Fatalf("states = %s", body)
	}
	code, body = e.call(forkline.RoleOperator, "POST", "/api/v1/stops/"+ivs[0].ID+"/classify", map[string]any{"reasonId": reason})
	if code != http.StatusUnprocessableEntity || !hasField(decodeProblem(t, body), "state", "stop") {
		t.Errorf("classify a running interval = %d %s, want 422 naming state", code, body)
	}
	code, body = e.call(forkline.RoleOperator, "POST", "/api/v1/stops/"+e.ids["stops"]+"/classify", map[string]any{"reasonId": ""})
	if code != http.StatusUnprocessableEntity || !hasField(decodeProblem(t, body), "reasonId", "required") {
		t.Errorf("no reason = %d %s", code, body)
	}
}

func TestShiftsAndReasons(t *testing.T) {
	e := newEnv(t)
	s := e.site.ID
	code, body := e.call(forkline.RoleManager, "POST", "/api/v1/shifts", map[string]any{"siteId": s, "name": "Night", "start": "22:00", "hours": 8, "weekdays": []string{"sun", "mon"}})
	if code != http.StatusCreated || !strings.Contains(string(body), `"start":"22:00"`) || !strings.Contains(string(body), `"weekdays":["sun","mon"]`) {
		t.Errorf("night shift = %d %s", code, body)
	}
	for _, c := range []struct {
		body        map[string]any
		field, rule string
	}{
		{map[string]any{"siteId": s, "name": "X", "start": "25:00", "hours": 8}, "start", "time_of_day"},
		{map[string]any{"siteId": s, "name": "X", "start": "06:00", "hours": 30}, "length", "range"},
		{map[string]any{"siteId": s, "name": "X", "start": "06:00", "hours": 8, "weekdays": []string{"someday"}}, "weekdays", "enum"},
	} {
		code, body := e.call(forkline.RoleManager, "POST", "/api/v1/shifts", c.body)
		if code != http.StatusUnprocessableEntity || !hasField(decodeProblem(t, body), c.field, c.rule) {
			t.Errorf("%v = %d %s, want 422 %s/%s", c.body, code, body, c.field, c.rule)
		}
	}
	code, body = e.call(forkline.RoleManager, "POST", "/api/v1/downtime-reasons", map[string]any{"siteId": s, "parentId": e.ids["downtime-reasons"], "code": "JAM", "name": "Jam"})
	if code != http.StatusCreated {
		t.Fatalf("child reason = %d %s", code, body)
	}
	code, body = e.call(forkline.RoleManager, "POST", "/api/v1/downtime-reasons", map[string]any{"siteId": s, "parentId": e.ids["users"], "code": "X", "name": "X"})
	if code != http.StatusUnprocessableEntity || !hasField(decodeProblem(t, body), "parentId", "exists") {
		t.Errorf("unknown parent = %d %s", code, body)
	}
	_, body = e.call(forkline.RoleOperator, "GET", "/api/v1/downtime-reasons?site="+s, nil)
	var rs []struct{ Code string }
	json.Unmarshal(body, &rs)
	if fmt.Sprint(rs) != "[{MECH} {JAM}]" {
		t.Errorf("reasons = %v, want MECH then its child JAM", rs)
	}
	code, body = e.call(forkline.RoleManager, "PUT", "/api/v1/equipment/"+e.ids["equipment"]+"/rates", map[string]any{"perUnitSeconds": 0.5})
	if code != http.StatusOK || !strings.Contains(string(body), `"unitsPerMinute":120`) {
		t.Errorf("rate = %d %s", code, body)
	}
}

// FuzzDecodeSamples: any body is either samples or a clear error, never a
// panic, and every sample it returns has an address and a time.
func FuzzDecodeSamples(f *testing.F) {
	for _, s := range []string{
		sampleBody(sample("a/b", 1, "1.5"), sample("a/c", 2, "true"), sample("a/d", 3, `"run"`), sample("a/e", 4, "null")),
		`{"samples":[]}`, `{"samples":null}`, `{"samples":[{"address":"a","time":"2026-01-01T00:00:00Z","value":1e999}]}`,
		`{"samples":[{"address":"a","time":"2026-01-01T00:00:00.123456789+02:00","value":-0}]}`, `[]`, `{"x":1}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		samples, err := httpapi.DecodeSamples(strings.NewReader(body))
		if err != nil {
			if c := forkline.ErrorCode(err); c != forkline.Invalid {
				t.Fatalf("error code %s for %q: %v", c, body, err)
			}
			return
		}
		for _, s := range samples {
			if strings.TrimSpace(s.Address) == "" || s.Time.IsZero() {
				t.Fatalf("accepted a sample without address or time: %+v from %q", s, body)
			}
			if f, ok := s.Value.Float(); s.Value.Kind == monitoring.Number && !ok {
				t.Fatalf("accepted a number that is not finite: %v from %q", f, body)
			}
		}
	})
}
