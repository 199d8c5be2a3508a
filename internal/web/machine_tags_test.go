package web_test

import (
	"context"
	"html"
	"net/url"
	"strings"
	"testing"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/monitoring"
)

func TestMachineTags(t *testing.T) {
	e := newEnv(t)
	seed := e.seedBakery(t)
	m := e.seedMachines(t, &seed)
	dana := e.client(t, "dana") // admin: holds machine.configure
	const filler = "forkline/v1/CHI-1/BAKE/L1/OVEN-1/Door"
	if err := e.pipe.Ingest(context.Background(), []monitoring.Sample{
		{Address: filler, Time: m.now.UTC(), Value: monitoring.NumberValue(3)},
		{Address: filler, Time: m.now.UTC().Add(1), Value: monitoring.NumberValue(2)},
	}); err != nil {
		t.Fatalf("Ingest: %v", err)
	}
	tagOf := func(t *testing.T, addr string) (monitoring.Tag, bool) {
		t.Helper()
		tags, err := e.mon.Tags(as(seed.admin), e.site.ID)
		if err != nil {
			t.Fatalf("Tags: %v", err)
		}
		for _, x := range tags {
			if x.Address == addr {
				return x, true
			}
		}
		return monitoring.Tag{}, false
	}

	t.Run("the page lists the site's mappings and the addresses without one", func(t *testing.T) {
		r := e.get(t, dana, "/machine/tags")
		if r.status != 200 {
			t.Fatalf("GET /machine/tags = %d, want 200:\n%s", r.status, r.body)
		}
		tags := between(r.body, `id="tags"`, "</table>")
		for _, want := range []string{"OVEN-1", "MIX-1", m.stateTag[m.oven.ID], "forkline/v1/CHI-1/BAKE/L1/OVEN-1/Temperature", "Unit °C", "Never rolls over", "Values are state names", "Active"} {
			if !strings.Contains(html.UnescapeString(tags), want) {
				t.Errorf("the mappings do not show %q:\n%s", want, tags)
			}
		}
		unmapped := between(r.body, `id="unmapped"`, "</table>")
		if !strings.Contains(unmapped, filler) || !strings.Contains(unmapped, "<td>2</td>") {
			t.Errorf("the unmapped addresses do not show %s with its last value and count:\n%s", filler, unmapped)
		}
		link := `href="/machine/tags/new?` + url.Values{"address": {filler}}.Encode() + `"`
		if !strings.Contains(unmapped, link) {
			t.Errorf("the unmapped address has no Map link %s:\n%s", link, unmapped)
		}
		if !strings.Contains(r.body, `href="/machine/tags"`) {
			t.Errorf("the navigation does not offer the machine tags")
		}
	})

	t.Run("the Map link fills in the address", func(t *testing.T) {
		r := e.get(t, dana, "/machine/tags/new?"+url.Values{"address": {filler}}.Encode())
		if r.status != 200 {
			t.Fatalf("GET /machine/tags/new = %d:\n%s", r.status, r.body)
		}
		for _, want := range []string{`value="` + filler + `"`, `name="equipmentId"`, m.oven.ID, `name="stateMap"`, `name="counterMax"`, `name="unit"`, `value="process"`} {
			if !strings.Contains(r.body, want) {
				t.Errorf("the form does not show %q", want)
			}
		}
	})

	t.Run("a mapping created through the form is stored", func(t *testing.T) {
		r := e.post(t, dana, "/machine/tags", url.Values{"site": {e.site.ID}, "equipmentId": {m.oven.ID}, "address": {filler},
			"role": {"state"}, "stateMap": {"1=running\r\n2=idle\r\n3=down\r\n"}})
		if r.status != 303 || r.location != "/machine/tags" {
			t.Fatalf("POST /machine/tags = %d to %q, want 303 to /machine/tags:\n%s", r.status, r.location, r.body)
		}
		tag, ok := tagOf(t, filler)
		if !ok {
			t.Fatalf("the mapping of %s was not stored", filler)
		}
		if tag.EquipmentID != m.oven.ID || tag.Role != monitoring.RoleState || !tag.Active || len(tag.StateMap) != 3 || tag.StateMap["3"] != monitoring.Down {
			t.Errorf("stored mapping = %+v", tag)
		}
		page := e.get(t, dana, "/machine/tags")
		if !strings.Contains(page.body, "is mapped as state") {
			t.Errorf("the list does not show the flash message")
		}
		if strings.Contains(page.body, `id="unmapped"`) {
			t.Errorf("the mapped address is still listed as unmapped")
		}
		if !strings.Contains(page.body, "States: 1=running, 2=idle, 3=down") {
			t.Errorf("the list does not show the new mapping's state map")
		}

		r = e.post(t, dana, "/machine/tags", url.Values{"site": {e.site.ID}, "equipmentId": {m.mixer.ID}, "address": {"opcua/mixer/ns=2;s=Good"},
			"role": {"good"}, "counterMax": {"65535"}})
		if r.status != 303 {
			t.Fatalf("POST a counter = %d:\n%s", r.status, r.body)
		}
		if tag, ok := tagOf(t, "opcua/mixer/ns=2;s=Good"); !ok || tag.CounterMax != 65535 || tag.Role != monitoring.RoleGood {
			t.Errorf("stored counter = %+v, %v", tag, ok)
		}
	})

	tests := []struct {
		name, field, want string
		form              url.Values
		wantStatus        int
	}{
		{"a bad state map", "stateMap", "Line 2: write each value and its state as value=state",
			url.Values{"equipmentId": {m.oven.ID}, "address": {"forkline/v1/CHI-1/BAKE/L1/OVEN-1/Mode"}, "role": {"state"}, "stateMap": {"1=running\nbroken"}}, 422},
		{"an unknown state", "stateMap", "Line 1: flying is not a state",
			url.Values{"equipmentId": {m.oven.ID}, "address": {"forkline/v1/CHI-1/BAKE/L1/OVEN-1/Mode"}, "role": {"state"}, "stateMap": {"1=flying"}}, 422},
		{"a missing address", "address", "Address is required",
			url.Values{"equipmentId": {m.oven.ID}, "address": {"  "}, "role": {"process"}, "unit": {"bar"}}, 422},
		{"a counter maximum that is no number", "counterMax", "Counter maximum must be a whole number",
			url.Values{"equipmentId": {m.oven.ID}, "address": {"forkline/v1/CHI-1/BAKE/L1/OVEN-1/Count"}, "role": {"reject"}, "counterMax": {"lots"}}, 422},
		{"an address mapped already", "address", "is mapped already",
			url.Values{"equipmentId": {m.mixer.ID}, "address": {m.stateTag[m.oven.ID]}, "role": {"state"}}, 409},
	}
	for _, tt := range tests {
		t.Run(tt.name+" comes back on the form", func(t *testing.T) {
			tt.form.Set("site", e.site.ID)
			r := e.post(t, dana, "/machine/tags", tt.form)
			if r.status != tt.wantStatus {
				t.Fatalf("POST /machine/tags = %d, want %d:\n%s", r.status, tt.wantStatus, r.body)
			}
			errText := between(r.body, `id="`+tt.field+`-error"`, "</p>")
			if !strings.Contains(html.UnescapeString(errText), tt.want) {
				t.Errorf("the %s field error = %q, want %q", tt.field, errText, tt.want)
			}
			if !strings.Contains(r.body, "The tag mapping was not saved") {
				t.Errorf("the form does not say the mapping was not saved")
			}
			// The entered values are kept.
			if a := tt.form.Get("address"); strings.TrimSpace(a) != "" && !strings.Contains(html.UnescapeString(r.body), `value="`+a+`"`) {
				t.Errorf("the form lost the address %q", a)
			}
			if sm := tt.form.Get("stateMap"); sm != "" && !strings.Contains(html.UnescapeString(r.body), sm) {
				t.Errorf("the form lost the state map %q", sm)
			}
			if !strings.Contains(r.body, `<option value="`+tt.form.Get("equipmentId")+`" selected>`) {
				t.Errorf("the form lost the equipment")
			}
		})
	}
	if _, ok := tagOf(t, "forkline/v1/CHI-1/BAKE/L1/OVEN-1/Mode"); ok {
		t.Errorf("a refused mapping was stored")
	}

	t.Run("a user without machine.configure is refused", func(t *testing.T) {
		olivia := e.client(t, "olivia") // operator: machine.read only
		for _, path := range []string{"/machine/tags", "/machine/tags/new"} {
			if r := e.get(t, olivia, path); r.status != 403 {
				t.Errorf("GET %s as an operator = %d, want 403", path, r.status)
			}
		}
		r := e.post(t, olivia, "/machine/tags", url.Values{"site": {e.site.ID}, "equipmentId": {m.oven.ID}, "address": {"x/y"}, "role": {"process"}})
		if r.status != 403 {
			t.Errorf("POST /machine/tags as an operator = %d, want 403", r.status)
		}
		if _, ok := tagOf(t, "x/y"); ok {
			t.Errorf("the operator's mapping was stored")
		}
		if home := e.get(t, olivia, "/"); strings.Contains(home.body, `href="/machine/tags"`) {
			t.Errorf("the navigation offers the machine tags to an operator")
		}
	})

	t.Run("a user with machine.configure on another site only is refused here", func(t *testing.T) {
		u, err := e.auth.CreateUser(e.sys, "mia", "Mia Other", password)
		if err != nil {
			t.Fatal(err)
		}
		exists := func(context.Context, forkline.ID) bool { return true }
		if _, err := e.auth.SetRole(e.sys, u.ID, forkline.Grant{SiteID: e.other.ID, Role: forkline.RoleMaintenance}, true, "test setup", exists); err != nil {
			t.Fatal(err)
		}
		r := e.post(t, e.client(t, "mia"), "/machine/tags", url.Values{"site": {e.site.ID}, "equipmentId": {m.oven.ID}, "address": {"x/z"}, "role": {"process"}})
		if r.status != 403 {
			t.Errorf("POST /machine/tags for another site = %d, want 403", r.status)
		}
	})
}
