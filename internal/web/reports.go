package web

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/performance"
	"github.com/forkline/forkline/internal/plant"
)

// The performance reports: OEE per ISO 22400-2 and the downtime Pareto of
// a site, a line or one equipment over any range of days, on the page and
// as CSV with the same rows.

// reportForm is what a report is asked for, as typed and as understood.
type reportForm struct {
	Line, Equipment, From, To, By formField
	Query                         PerfQuery
	Errors                        []string
	Scope                         string // "Line L1 · Bun line 1", for headings and file names
}

// groupings are the ways an OEE report groups its rows.
var groupings = []formOption{{Value: "", Label: "Whole range"}, {Value: "shift", Label: "Shift"}, {Value: "day", Label: "Day"}, {Value: "order", Label: "Production order"}}

// readReportForm reads the report's query string. Dates are days of the
// site's clock; the range runs from the start of From to the end of To.
// Without dates the report covers the last seven days, today included.
func (ui *UI) readReportForm(q url.Values, site plant.Site, lines []siteLine, loc *time.Location, withBy bool) reportForm {
	f := reportForm{Query: PerfQuery{SiteID: site.ID}, Scope: "Site " + site.Code + " · " + site.Name}
	day := today(ui.cfg.Now(), loc)
	f.From = formField{Name: "from", Label: "From", Type: "date", Value: q.Get("from")}
	f.To = formField{Name: "to", Label: "To", Type: "date", Value: q.Get("to")}
	if f.To.Value == "" {
		f.To.Value = day.From.In(loc).Format(time.DateOnly)
	}
	if f.From.Value == "" {
		f.From.Value = day.From.In(loc).AddDate(0, 0, -6).Format(time.DateOnly)
	}
	from, err := time.ParseInLocation(time.DateOnly, f.From.Value, loc)
	if err != nil {
		f.From.Errors = []string{"From must be a date, e.g. 2026-02-20."}
	}
	to, err := time.ParseInLocation(time.DateOnly, f.To.Value, loc)
	if err != nil {
		f.To.Errors = []string{"To must be a date, e.g. 2026-02-26."}
	}
	if f.From.Errors == nil && f.To.Errors == nil {
		to = to.AddDate(0, 0, 1)
		if !to.After(from) {
			f.To.Errors = []string{"To must be on or after From."}
		}
		f.Query.Range = performance.Range{From: from.UTC(), To: to.UTC()}
	}

	f.Line = formField{Name: "line", Label: "Line", Type: "select", Value: q.Get("line")}
	f.Line.Options = []formOption{{Value: "", Label: "Whole site"}}
	f.Equipment = formField{Name: "equipment", Label: "Equipment", Type: "select", Value: q.Get("equipment")}
	f.Equipment.Options = []formOption{{Value: "", Label: "All of the line or site"}}
	for _, l := range lines {
		sel := l.ID == f.Line.Value
		f.Line.Options = append(f.Line.Options, formOption{Value: l.ID, Label: l.Code + " · " + l.Name, Selected: sel})
		if sel {
			f.Query.LineID, f.Scope = l.ID, "Line "+l.Code+" · "+l.Name
		}
		for _, e := range l.Equipment {
			sel := e.ID == f.Equipment.Value
			f.Equipment.Options = append(f.Equipment.Options, formOption{Value: e.ID, Label: l.Code + " / " + e.Code + " · " + e.Name, Selected: sel})
			if sel {
				f.Query.EquipmentID, f.Scope = e.ID, "Equipment "+e.Code+" · "+e.Name
			}
		}
	}
	if f.Line.Value != "" && f.Query.LineID == "" {
		f.Line.Errors = []string{"Line must be one of the site's lines."}
	}
	if f.Equipment.Value != "" && f.Query.EquipmentID == "" {
		f.Equipment.Errors = []string{"Equipment must be one of the site's equipment."}
	}
	if withBy {
		f.By = formField{Name: "by", Label: "Rows per", Type: "select", Value: q.Get("by")}
		ok := false
		for _, g := range groupings {
			g.Selected = g.Value == f.By.Value
			ok = ok || g.Selected
			f.By.Options = append(f.By.Options, g)
		}
		if !ok {
			f.By.Errors = []string{"Rows per must be the whole range, shift, day or production order."}
		}
		f.Query.By = f.By.Value
	}
	for _, x := range []formField{f.From, f.To, f.Line, f.Equipment, f.By} {
		f.Errors = append(f.Errors, x.Errors...)
	}
	return f
}

// oeeReportPage is the OEE report.
type oeeReportPage struct {
	layout
	Form   reportForm
	Ran    bool
	Rows   []oeeRow
	Total  oeeRow
	CSVURL string
	Range  string
	Error  string
}

// oeeRow is one row of the OEE table and of its CSV.
type oeeRow struct {
	Label, Start, End                           string
	Availability, Effectiveness, Quality, OEE   string
	OEEClass                                    string
	PBT, APT, AUST, ADET, ADOT                  string
	PBTs, APTs, AUSTs, ADETs, ADOTs, PDOTs      int64
	Good, Reject                                int64
	GoodText, RejectText                        string
	AvailabilityCSV, EffectivenessCSV           string
	QualityCSV, OEECSV, StartISO, EndISO, Total string
}

func newOEERow(label string, start, end time.Time, r performance.Result, loc *time.Location) oeeRow {
	secs := func(d time.Duration) int64 { return int64(d / time.Second) }
	row := oeeRow{Label: label, Start: start.In(loc).Format("Mon 2 Jan 15:04"), End: end.In(loc).Format("Mon 2 Jan 15:04"),
		StartISO: start.In(loc).Format(time.RFC3339), EndISO: end.In(loc).Format(time.RFC3339),
		Availability: ratioPercent(r.Availability), Effectiveness: ratioPercent(r.Effectiveness), Quality: ratioPercent(r.Quality),
		OEE: ratioPercent(r.OEE), OEEClass: oeeClass(r.OEE),
		AvailabilityCSV: percentCSV(r.Availability), EffectivenessCSV: percentCSV(r.Effectiveness), QualityCSV: percentCSV(r.Quality), OEECSV: percentCSV(r.OEE),
		PBT: duration(r.PBT), APT: duration(r.APT), AUST: duration(r.AUST), ADET: duration(r.ADET), ADOT: duration(r.ADOT),
		PBTs: secs(r.PBT), APTs: secs(r.APT), AUSTs: secs(r.AUST), ADETs: secs(r.ADET), ADOTs: secs(r.ADOT), PDOTs: secs(r.PDOT),
		Good: r.Good, Reject: r.Reject, GoodText: number(float64(r.Good)), RejectText: number(float64(r.Reject))}
	return row
}

// reportSite returns the site, its lines and its clock for a report page.
func (ui *UI) reportSite(w http.ResponseWriter, r *http.Request) (visit, plant.Site, []siteLine, *time.Location, error) {
	v, err := ui.visit(w, r)
	if err != nil {
		return v, plant.Site{}, nil, nil, err
	}
	site, err := v.machineSite()
	if err != nil {
		return v, site, nil, nil, err
	}
	lines, err := ui.siteLines(r.Context(), site.ID)
	return v, site, lines, v.siteLoc(site.ID), err
}

func (ui *UI) handleOEEReport(asCSV bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, site, lines, loc, err := ui.reportSite(w, r)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		f := ui.readReportForm(r.URL.Query(), site, lines, loc, true)
		p := oeeReportPage{Form: f}
		status := http.StatusOK
		if len(f.Errors) > 0 {
			status = http.StatusUnprocessableEntity
		} else {
			rep, err := ui.cfg.Performance.OEE(r.Context(), f.Query)
			switch code := forkline.ErrorCode(err); {
			case err == nil:
				p.Ran = true
				for _, row := range rep.Rows {
					p.Rows = append(p.Rows, newOEERow(row.Label, row.Start, row.End, row.Result, loc))
				}
				p.Total = newOEERow("Total", f.Query.Range.From, f.Query.Range.To, rep.Total, loc)
			case code == forkline.Invalid:
				p.Error, status = forkline.ErrorMessage(err), http.StatusUnprocessableEntity
			default:
				ui.fail(w, r, err)
				return
			}
		}
		if asCSV {
			if !p.Ran {
				ui.fail(w, r, forkline.Errorf(forkline.Invalid, "The report cannot be exported: %s", firstOr(f.Errors, p.Error)))
				return
			}
			csvHeaders(w, "oee-"+f.From.Value+"-"+f.To.Value+".csv")
			cw := csv.NewWriter(w)
			_ = cw.Write([]string{"period", "start", "end", "availability_pct", "effectiveness_pct", "quality_pct", "oee_pct",
				"planned_busy_time_s", "run_time_s", "setup_time_s", "delay_time_s", "idle_time_s", "planned_down_time_s", "good", "reject"})
			for _, row := range append(p.Rows, p.Total) {
				_ = cw.Write([]string{row.Label, row.StartISO, row.EndISO, row.AvailabilityCSV, row.EffectivenessCSV, row.QualityCSV, row.OEECSV,
					i64(row.PBTs), i64(row.APTs), i64(row.AUSTs), i64(row.ADETs), i64(row.ADOTs), i64(row.PDOTs), i64(row.Good), i64(row.Reject)})
			}
			cw.Flush()
			if err := cw.Error(); err != nil {
				ui.cfg.Logger.ErrorContext(r.Context(), "write oee csv", "err", err)
			}
			return
		}
		q := r.URL.Query()
		p.CSVURL = "/reports/oee.csv?" + q.Encode()
		p.Range = f.From.Value + " to " + f.To.Value
		p.layout = ui.layout(w, r, v, "OEE report")
		ui.render(w, r, status, "report-oee", p)
	})
}

func firstOr(errs []string, s string) string {
	if len(errs) > 0 {
		return errs[0]
	}
	return s
}

func i64(n int64) string { return strconv.FormatInt(n, 10) }

func csvHeaders(w http.ResponseWriter, name string) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
}

// downtimeReportPage is the downtime Pareto of a range.
type downtimeReportPage struct {
	layout
	Form   reportForm
	Ran    bool
	Chart  paretoChart
	Rows   []paretoRow
	Stops  int
	Total  string
	Micro  string
	CSVURL string
	Range  string
	Error  string
}

func (ui *UI) handleDowntimeReport(asCSV bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, site, lines, loc, err := ui.reportSite(w, r)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		ctx := r.Context()
		f := ui.readReportForm(r.URL.Query(), site, lines, loc, false)
		p := downtimeReportPage{Form: f}
		status := http.StatusOK
		var rep DowntimeReport
		if len(f.Errors) > 0 {
			status = http.StatusUnprocessableEntity
		} else {
			rep, err = ui.cfg.Performance.Downtime(ctx, f.Query)
			switch code := forkline.ErrorCode(err); {
			case err == nil:
				p.Ran = true
			case code == forkline.Invalid:
				p.Error, status = forkline.ErrorMessage(err), http.StatusUnprocessableEntity
			default:
				ui.fail(w, r, err)
				return
			}
		}
		names := map[string]string{}
		if p.Ran {
			if names, err = ui.reasonNames(ctx, site.ID); err != nil {
				ui.fail(w, r, err)
				return
			}
		}
		if asCSV {
			if !p.Ran {
				ui.fail(w, r, forkline.Errorf(forkline.Invalid, "The report cannot be exported: %s", firstOr(f.Errors, p.Error)))
				return
			}
			csvHeaders(w, "downtime-"+f.From.Value+"-"+f.To.Value+".csv")
			cw := csv.NewWriter(w)
			_ = cw.Write([]string{"reason_code", "reason", "micro_stops", "stops", "duration_s", "share_pct", "cumulative_pct"})
			for i, row := range paretoRows(rep.Pareto, names) {
				code, name := rep.Pareto[i].Reason, names[rep.Pareto[i].Reason]
				if code == "" {
					name = row.Label
				}
				_ = cw.Write([]string{code, name, strconv.FormatBool(row.Micro), strconv.Itoa(row.Count), i64(row.Seconds), row.Share, row.Cumulative})
			}
			cw.Flush()
			if err := cw.Error(); err != nil {
				ui.cfg.Logger.ErrorContext(ctx, "write downtime csv", "err", err)
			}
			return
		}
		if p.Ran {
			p.Chart, p.Rows = newPareto(rep.Pareto, names), paretoRows(rep.Pareto, names)
			var total time.Duration
			for _, s := range rep.Stops {
				if !s.Micro {
					p.Stops++
					total += s.Duration
				}
			}
			p.Total, p.Micro = duration(total), microText(rep)
		}
		p.CSVURL = "/reports/downtime.csv?" + r.URL.Query().Encode()
		p.Range = f.From.Value + " to " + f.To.Value
		p.layout = ui.layout(w, r, v, "Downtime")
		ui.render(w, r, status, "report-downtime", p)
	})
}
