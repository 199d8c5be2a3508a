package main

// The OEE report benchmark of docs/performance.md ("Machine data"): a
// year's OEE of a site of 20 lines, through the application's own wiring
// (openApp, perfSource, performance.Service), on SQLite and PostgreSQL.
//
//	go test ./cmd/forkline -run '^$' -bench OEEYear -benchtime 20x -count 3
//	FORKLINE_TEST_POSTGRES_URL=postgres://... go test ...   PostgreSQL too
//
// The year is booked the way the pipeline books it: MonitoringStore.Write
// batches of closed state intervals and counts, which the store rolls up
// into equipment_hours in the same transaction.

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/monitoring"
	"github.com/forkline/forkline/internal/performance"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/storetest"
)

const (
	oeeLines = 20
	oeeDays  = 365
	// goodPerHour and rejectPerHour are booked in each hour a line runs
	// (14 a day: 06-10, 11-14 and 15-22 UTC).
	goodPerHour, rejectPerHour = 7000, 50
)

// oeeDay is one day of a line, in UTC: idle at night, three runs with a
// breakdown and a changeover between them, a planned stop at the end.
var oeeDay = []struct {
	from, to time.Duration
	state    monitoring.State
}{
	{0, 6 * time.Hour, monitoring.Idle},
	{6 * time.Hour, 10 * time.Hour, monitoring.Running},
	{10 * time.Hour, 10*time.Hour + 20*time.Minute, monitoring.Down},
	{10*time.Hour + 20*time.Minute, 14 * time.Hour, monitoring.Running},
	{14 * time.Hour, 14*time.Hour + 30*time.Minute, monitoring.Changeover},
	{14*time.Hour + 30*time.Minute, 22 * time.Hour, monitoring.Running},
	{22 * time.Hour, 24 * time.Hour, monitoring.PlannedStop},
}

// oeePlant is an application over a database holding a year of 20 lines.
type oeePlant struct {
	app   *app
	site  forkline.ID
	lines []forkline.ID
	year  performance.Range
}

func seedOEEYear(b *testing.B, e storetest.Engine) *oeePlant {
	b.Helper()
	ctx := context.Background()
	a, err := openApp(ctx, e.DSN(b), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.db.Close() })
	sys := cliContext(ctx)
	site, err := a.plant.Sites.Create(sys, plant.Site{Record: plant.Record{Code: "OEE", Name: "Dairy"}, TimeZone: "Europe/Berlin"}, "")
	if err != nil {
		b.Fatal(err)
	}
	area, err := a.plant.Areas.Create(sys, plant.Area{Record: plant.Record{SiteID: site.ID, Code: "FILL", Name: "Filling"}}, "")
	if err != nil {
		b.Fatal(err)
	}
	loc, _ := time.LoadLocation("Europe/Berlin")
	from := time.Date(2025, 1, 1, 0, 0, 0, 0, loc)
	p := &oeePlant{app: a, site: site.ID, year: performance.Range{From: from, To: from.AddDate(1, 0, 0)}}
	ms := a.db.Monitoring()
	first := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for l := range oeeLines {
		line, err := a.plant.Lines.Create(sys, plant.Line{Record: plant.Record{SiteID: site.ID, Code: fmt.Sprintf("L%02d", l), Name: "Cup line"}, AreaID: area.ID}, "bench")
		if err != nil {
			b.Fatal(err)
		}
		p.lines = append(p.lines, line.ID)
		eq, err := a.plant.Equipment.Create(sys, plant.Equipment{Record: plant.Record{SiteID: site.ID, Code: fmt.Sprintf("FIL%02d", l), Name: "Cup filler"}, LineID: line.ID}, "bench")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ms.SaveTag(sys, monitoring.Tag{EquipmentID: eq.ID, Address: fmt.Sprintf("forkline/v1/oee/fill/l%02d/filler/good", l),
			Role: monitoring.RoleGood, Active: true}, ""); err != nil {
			b.Fatal(err)
		}
		if err := ms.SaveRate(sys, monitoring.Rate{EquipmentID: eq.ID, PerUnit: 450 * time.Millisecond}); err != nil {
			b.Fatal(err)
		}
		// A month a batch, as a pipeline catching up would book it.
		for d0 := 0; d0 < oeeDays; d0 += 30 {
			var batch monitoring.Batch
			for d := d0; d < min(d0+30, oeeDays); d++ {
				day := first.AddDate(0, 0, d)
				for _, s := range oeeDay {
					batch.Open = append(batch.Open, monitoring.Interval{EquipmentID: eq.ID, State: s.state, Start: day.Add(s.from), End: day.Add(s.to)})
				}
				for h := 6; h < 22; h++ {
					if h == 10 || h == 14 {
						continue
					}
					batch.Counts = append(batch.Counts, monitoring.Count{EquipmentID: eq.ID, Minute: day.Add(time.Duration(h) * time.Hour), Good: goodPerHour, Reject: rejectPerHour})
				}
			}
			if err := ms.Write(ctx, batch); err != nil {
				b.Fatal(err)
			}
		}
	}
	return p
}

func BenchmarkOEEYear(b *testing.B) {
	for _, e := range storetest.Engines() {
		b.Run(e.Name, func(b *testing.B) {
			start := time.Now()
			p := seedOEEYear(b, e)
			b.Logf("%s: seeded %d lines x %d days in %v", e.Name, oeeLines, oeeDays, time.Since(start).Round(time.Millisecond))
			ctx := cliContext(context.Background())
			for _, c := range []struct {
				name     string
				line     forkline.ID
				by       string
				lines    int
				wantRows int
			}{
				{"site/by=day", "", "day", oeeLines, oeeDays},
				{"site/by=total", "", "", oeeLines, 1},
				{"line/by=day", p.lines[7], "day", 1, oeeDays},
			} {
				b.Run(c.name, func(b *testing.B) {
					q := performance.Query{SiteID: p.site, LineID: c.line, Range: p.year, By: c.by}
					for b.Loop() {
						rep, err := p.app.perf.OEE(ctx, q)
						if err != nil {
							b.Fatal(err)
						}
						want := int64(c.lines * oeeDays * 14 * goodPerHour)
						if len(rep.Rows) != c.wantRows || rep.Total.Good != want {
							b.Fatalf("OEE(%s) = %d rows, %d good; want %d rows, %d good", c.name, len(rep.Rows), rep.Total.Good, c.wantRows, want)
						}
					}
					b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/report")
				})
			}
		})
	}
}
