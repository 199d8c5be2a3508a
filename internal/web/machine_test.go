package web_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/monitoring"
	"github.com/forkline/forkline/internal/performance"
	"github.com/forkline/forkline/internal/web"
)

func TestPlantOverview(t *testing.T) {
	e := newEnv(t)
	seed := e.seedBakery(t)
	m := e.seedMachines(t, &seed)
	dana := e.client(t, "dana")

	t.Run("each line is a tile with its state, OEE today and rate", func(t *testing.T) {
		r := e.get(t, dana, "/plant")
		if r.status != 200 {
			t.Fatalf("GET /plant = %d, want 200:\n%s", r.status, r.body)
		}
		tile := between(r.body, `id="tile-`+seed.line.ID+`"`, "</a>")
		for _, want := range []string{`class="tile st-running"`, "Running", "L1", "Bun line 1", "OEE today", "/ min", "MIX-1", "OVEN-1"} {
			if !strings.Contains(r.body, want) || (want != `class="tile st-running"` && !strings.Contains(tile, want)) {
				t.Errorf("the L1 tile does not show %q:\n%s", want, tile)
			}
		}
		if strings.Contains(tile, "n/a") {
			t.Errorf("the L1 tile shows n/a, want today's OEE:\n%s", tile)
		}
		if !strings.Contains(r.body, `data-tiles-src="/plant/events?site=`+e.site.ID+`"`) {
			t.Errorf("the overview does not listen to its stream")
		}
		// Line 2 has no equipment: no signal, OEE n/a.
		i := strings.Index(r.body, "Bread line 2")
		if i < 0 || !strings.Contains(r.body[max(i-600, 0):i], "No signal") || !strings.Contains(r.body[i:], "n/a") {
			t.Errorf("line 2 is not shown without signal and with OEE n/a")
		}
	})

	t.Run("the line detail draws the day's states, counts, trends and Pareto", func(t *testing.T) {
		r := e.get(t, dana, "/plant/lines/"+seed.line.ID)
		if r.status != 200 {
			t.Fatalf("GET line detail = %d:\n%s", r.status, r.body)
		}
		for _, want := range []string{`id="timeline"`, `class="st-down"`, `class="st-changeover"`, "OVEN-1 · Temperature", "(°C)", "MIX-1 · Speed",
			"JAM · Jam at the infeed", "Not classified", "Target 2,400 / h", `data-live-src="/plant/lines/` + seed.line.ID + `/events"`, "OEE today"} {
			if !strings.Contains(r.body, want) {
				t.Errorf("the line detail does not show %q", want)
			}
		}
	})

	t.Run("the navigation offers the plant overview and the reports", func(t *testing.T) {
		r := e.get(t, dana, "/")
		for _, want := range []string{`href="/plant"`, `href="/reports/oee"`, `href="/reports/downtime"`} {
			if !strings.Contains(r.body, want) {
				t.Errorf("the navigation does not offer %s", want)
			}
		}
		if strings.Contains(r.body, `href="/terminal/stops"`) {
			t.Errorf("the navigation offers the classification of stops to an admin, who may not classify")
		}
		olivia := e.get(t, e.client(t, "olivia"), "/")
		if !strings.Contains(olivia.body, `href="/terminal/stops"`) {
			t.Errorf("the navigation does not offer the operator the classification of stops")
		}
	})

	t.Run("a user without machine.read is refused", func(t *testing.T) {
		if _, err := e.auth.CreateUser(e.sys, "milo", "Milo Stranger", password); err != nil {
			t.Fatal(err)
		}
		nobody := e.client(t, "milo")
		for _, path := range []string{"/plant", "/plant/lines/" + seed.line.ID, "/plant/events?site=" + e.site.ID, "/reports/oee", "/reports/oee.csv", "/reports/downtime.csv",
			"/terminal/lines/" + seed.line.ID + "/stops/" + m.stop} {
			if r := e.get(t, nobody, path); r.status != 403 {
				t.Errorf("GET %s without a role = %d, want 403", path, r.status)
			}
		}
		if r := e.get(t, e.client(t, ""), "/plant"); r.status != 303 || !strings.HasPrefix(r.location, "/login") {
			t.Errorf("GET /plant anonymously = %d %s, want a redirect to sign in", r.status, r.location)
		}
	})
}

// between returns the part of s from the first from to the next to.
func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	j := strings.Index(s[i:], to)
	if j < 0 {
		return s[i:]
	}
	return s[i : i+j]
}

func TestReportsCSV(t *testing.T) {
	e := newEnv(t)
	seed := e.seedBakery(t)
	e.seedMachines(t, &seed)
	dana := e.client(t, "dana")
	loc, _ := time.LoadLocation("America/Chicago")
	d := func(day int) time.Time { return time.Date(2026, 2, day, 0, 0, 0, 0, loc) }
	res := func(a, ef, q, oee performance.Ratio, good, reject int64) performance.Result {
		return performance.Result{Availability: a, Effectiveness: ef, Quality: q, OEE: oee, PBT: 8 * time.Hour, APT: 7 * time.Hour,
			AUST: 20 * time.Minute, ADET: 25 * time.Minute, ADOT: 15 * time.Minute, PDOT: 30 * time.Minute, Good: good, Reject: reject}
	}
	def := func(v float64) performance.Ratio { return performance.Ratio{Value: v, Defined: true} }
	e.perf.setCanned(&web.OEEReport{
		Rows: []web.OEERow{
			{Label: "Wed 25 Feb", Start: d(25), End: d(26), Result: res(def(0.875), def(0.91234), def(0.9995), def(0.79797), 15000, 8)},
			{Label: "Thu 26 Feb", Start: d(26), End: d(27), Result: res(performance.Ratio{}, performance.Ratio{}, performance.Ratio{}, performance.Ratio{}, 0, 0)},
		},
		Total: res(def(0.875), def(0.91234), def(0.9995), def(0.79797), 15000, 8),
	}, &web.DowntimeReport{
		Pareto: []performance.ParetoRow{
			{Reason: "JAM", Count: 3, Duration: 45 * time.Minute, Share: 0.6, Cumulative: 0.6},
			{Reason: "", Count: 2, Duration: 20 * time.Minute, Share: 0.26667, Cumulative: 0.86667},
			{Micro: true, Count: 12, Duration: 10 * time.Minute, Share: 0.13333, Cumulative: 1},
		},
		MicroStops: 12, MicroStopTime: 10 * time.Minute,
	})
	q := url.Values{"line": {seed.line.ID}, "from": {"2026-02-25"}, "to": {"2026-02-26"}, "by": {"day"}}.Encode()

	t.Run("the OEE CSV has the table's rows, percentages with one decimal and n/a", func(t *testing.T) {
		r := e.get(t, dana, "/reports/oee.csv?"+q)
		want := "period,start,end,availability_pct,effectiveness_pct,quality_pct,oee_pct,planned_busy_time_s,run_time_s,setup_time_s,delay_time_s,idle_time_s,planned_down_time_s,good,reject\n" +
			"Wed 25 Feb,2026-02-25T00:00:00-06:00,2026-02-26T00:00:00-06:00,87.5,91.2,100.0,79.8,28800,25200,1200,1500,900,1800,15000,8\n" +
			"Thu 26 Feb,2026-02-26T00:00:00-06:00,2026-02-27T00:00:00-06:00,n/a,n/a,n/a,n/a,28800,25200,1200,1500,900,1800,0,0\n" +
			"Total,2026-02-25T00:00:00-06:00,2026-02-27T00:00:00-06:00,87.5,91.2,100.0,79.8,28800,25200,1200,1500,900,1800,15000,8\n"
		if r.status != 200 || r.body != want {
			t.Errorf("GET /reports/oee.csv = %d\n%s\nwant\n%s", r.status, r.body, want)
		}
		got := e.perf.lastQuery()
		wantQ := web.PerfQuery{SiteID: e.site.ID, LineID: seed.line.ID, By: "day", Range: performance.Range{From: d(25).UTC(), To: d(27).UTC()}}
		if got != wantQ {
			t.Errorf("the report asked %+v, want %+v", got, wantQ)
		}
	})

	t.Run("the OEE page shows the same rows", func(t *testing.T) {
		r := e.get(t, dana, "/reports/oee?"+q)
		for _, want := range []string{"87.5 %", "91.2 %", "100.0 %", "79.8 %", "n/a", "Line L1 · Bun line 1", `href="/reports/oee.csv?`} {
			if !strings.Contains(r.body, want) {
				t.Errorf("the OEE report does not show %q", want)
			}
		}
	})

	t.Run("a bad date is refused with the form", func(t *testing.T) {
		r := e.get(t, dana, "/reports/oee?from=yesterday")
		if r.status != 422 || !strings.Contains(r.body, "From must be a date") {
			t.Errorf("GET /reports/oee?from=yesterday = %d, want 422 with the problem", r.status)
		}
	})

	t.Run("the downtime CSV has the Pareto rows", func(t *testing.T) {
		r := e.get(t, dana, "/reports/downtime.csv?"+q)
		want := "reason_code,reason,micro_stops,stops,duration_s,share_pct,cumulative_pct\n" +
			"JAM,Jam at the infeed,false,3,2700,60.0,60.0\n" +
			",Not classified,false,2,1200,26.7,86.7\n" +
			",Micro-stops,true,12,600,13.3,100.0\n"
		if r.status != 200 || r.body != want {
			t.Errorf("GET /reports/downtime.csv = %d\n%s\nwant\n%s", r.status, r.body, want)
		}
		page := e.get(t, dana, "/reports/downtime?"+q)
		for _, want := range []string{"JAM · Jam at the infeed", "12 micro-stops, 10 min in all.", "60.0 %"} {
			if !strings.Contains(page.body, want) {
				t.Errorf("the downtime page does not show %q", want)
			}
		}
	})
}

func TestTerminalClassifiesStops(t *testing.T) {
	e := newEnv(t)
	seed := e.seedBakery(t)
	e.seedProduction(t, &seed)
	m := e.seedMachines(t, &seed)
	olivia := e.client(t, "olivia")
	lineURL := "/terminal/lines/" + seed.line.ID
	stopURL := lineURL + "/stops/" + m.stop

	t.Run("the line's page lists the unclassified stop, not the classified one nor micro-stops", func(t *testing.T) {
		r := e.get(t, olivia, lineURL)
		panel := between(r.body, `id="stops"`, "</section>")
		if !strings.Contains(panel, `href="`+stopURL+`"`) || !strings.Contains(panel, "13:20–13:32") {
			t.Errorf("the stops panel does not list the stop at 13:20:\n%s", panel)
		}
		if strings.Contains(panel, "08:10") || strings.Contains(panel, "10:02") {
			t.Errorf("the stops panel lists a classified stop or a micro-stop:\n%s", panel)
		}
	})

	t.Run("the stop page offers the site's reasons as large buttons", func(t *testing.T) {
		r := e.get(t, olivia, stopURL)
		for _, want := range []string{"Mechanical", "Jam at the infeed", "Film roll change", `id="reason-FILM"`, `value="` + m.film.ID + `"`, "Break", "planned"} {
			if !strings.Contains(r.body, want) {
				t.Errorf("the stop page does not offer %q", want)
			}
		}
	})

	t.Run("a tap on a reason classifies the stop", func(t *testing.T) {
		r := e.post(t, olivia, stopURL, url.Values{"reason": {m.film.ID}, "note": {"roll ran out"}})
		if r.status != 303 || r.location != lineURL {
			t.Fatalf("POST classify = %d %s, want 303 to the line:\n%s", r.status, r.location, r.body)
		}
		iv := findInterval(t, e, m.oven.ID, m.stop)
		if iv.ReasonID != m.film.ID || iv.ReasonNote != "roll ran out" || iv.ClassifiedBy == "" {
			t.Errorf("the stop is %+v, want classified as a film roll change with the note", iv)
		}
		page := e.get(t, olivia, lineURL)
		if !strings.Contains(page.body, "Stop of OVEN-1 at 13:20 classified: Film roll change.") {
			t.Errorf("the line page does not confirm the classification")
		}
		if strings.Contains(between(page.body, `id="stops"`, "</section>"), m.stop) {
			t.Errorf("the classified stop is still listed")
		}
	})

	t.Run("no reason is refused on the page", func(t *testing.T) {
		r := e.post(t, olivia, stopURL, url.Values{"note": {"x"}})
		if r.status != 422 || !strings.Contains(r.body, "Tap the reason for the stop.") {
			t.Errorf("POST without a reason = %d, want 422 with the message", r.status)
		}
	})

	t.Run("a user who may not classify is refused", func(t *testing.T) {
		e.user(t, "quincy", "Quincy Auditor", forkline.RoleAuditor)
		r := e.post(t, e.client(t, "quincy"), stopURL, url.Values{"reason": {m.jam.ID}})
		if r.status != 403 {
			t.Errorf("POST classify as an auditor = %d, want 403", r.status)
		}
	})
}

func findInterval(t *testing.T, e *env, eq, id forkline.ID) monitoring.Interval {
	t.Helper()
	ivs, err := e.mon.Intervals(e.sys, eq, monitoring.Range{From: time.Date(2026, 2, 25, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	for _, iv := range ivs {
		if iv.ID == id {
			return iv
		}
	}
	t.Fatalf("no interval %s", id)
	return monitoring.Interval{}
}
