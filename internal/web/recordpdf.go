package web

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
)

// The batch record as PDF, for an auditor or the customer's file: the same
// content as the page, exceptions first, on A4 with the record's hash and
// the page number on every page.

func (ui *UI) handleBatchRecordPDF() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := ui.visit(w, r)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		rec, err := ui.cfg.Production.BatchRecord(r.Context(), r.PathValue("id"))
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		loc := v.siteLoc(rec.Order.SiteID)
		rv := ui.recordView(rec, siteName(v, rec.Order.SiteID), loc)
		var buf bytes.Buffer
		if err := writeRecordPDF(&buf, rv, ui.cfg.Now()); err != nil {
			ui.fail(w, r, fmt.Errorf("batch record pdf: %w", err))
			return
		}
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", `attachment; filename="batch-record-`+safeFileName(rv.Number)+`.pdf"`)
		w.Header().Set("Cache-Control", "no-store")
		_, _ = buf.WriteTo(w)
	})
}

// safeFileName keeps letters, digits, dashes and dots of a name for a file.
func safeFileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_' {
			return r
		}
		return '_'
	}, s)
}

// pdfText replaces what the PDF's built-in fonts (Windows-1252) cannot
// draw with what they can.
var pdfText = strings.NewReplacer("−", "-", "→", "->", "✓", "OK", "✕", "x", "…", "...", "‹", "<", "›", ">")

// recordPDF draws one batch record.
type recordPDF struct {
	*fpdf.Fpdf
	tr func(string) string
}

const (
	pdfMargin = 15.0
	pdfWidth  = 180.0 // A4 less the margins
	pdfLine   = 4.6
)

func (p recordPDF) text(s string) string { return p.tr(pdfText.Replace(s)) }

func writeRecordPDF(w *bytes.Buffer, rv recordView, now time.Time) error {
	f := fpdf.New("P", "mm", "A4", "")
	f.SetCreationDate(now)
	f.SetModificationDate(now)
	f.SetCatalogSort(true)
	p := recordPDF{Fpdf: f, tr: f.UnicodeTranslatorFromDescriptor("")}
	f.SetMargins(pdfMargin, 18, pdfMargin)
	f.SetAutoPageBreak(true, 18)
	f.SetTitle("Batch record "+rv.Number, true)
	f.SetCreator("Forkline", true)
	f.SetAuthor("Forkline", true)
	f.AliasNbPages("{nb}")
	f.SetHeaderFunc(func() {
		f.SetFont("Helvetica", "", 8)
		f.SetTextColor(90, 100, 110)
		f.SetXY(pdfMargin, 8)
		f.CellFormat(pdfWidth/2, 5, p.text("Forkline · Electronic batch record · "+rv.Site), "", 0, "L", false, 0, "")
		f.CellFormat(pdfWidth/2, 5, p.text("Order "+rv.Number), "", 1, "R", false, 0, "")
		f.SetDrawColor(180, 190, 200)
		f.Line(pdfMargin, 13.5, pdfMargin+pdfWidth, 13.5)
		f.SetY(18)
		f.SetTextColor(0, 0, 0)
	})
	f.SetFooterFunc(func() {
		f.SetY(-12)
		f.SetFont("Helvetica", "", 7.5)
		f.SetTextColor(90, 100, 110)
		f.CellFormat(pdfWidth*0.75, 4, p.text("Record hash "+rv.Hash+" · printed "+rv.Printed), "", 0, "L", false, 0, "")
		f.CellFormat(pdfWidth*0.25, 4, fmt.Sprintf("Page %d of {nb}", f.PageNo()), "", 0, "R", false, 0, "")
	})
	f.AddPage()

	// Title and release status.
	f.SetFont("Helvetica", "B", 17)
	f.CellFormat(pdfWidth, 8, p.text("Batch record "+rv.Number), "", 1, "L", false, 0, "")
	f.SetFont("Helvetica", "", 11)
	f.CellFormat(pdfWidth, 6, p.text(rv.Item+" ("+rv.ItemCode+") · "+rv.State.Label), "", 1, "L", false, 0, "")
	f.Ln(2)
	if rv.Released != nil {
		f.SetFillColor(227, 244, 233)
		msg := fmt.Sprintf("RELEASED by %s (%s) on %s. Signature bound to record %s", rv.Released.Signer, rv.Released.Meaning, rv.Released.When, rv.Released.Hash)
		if rv.Intact {
			msg += "; the record still matches it."
		} else {
			msg += "; the record has CHANGED since it was signed."
		}
		p.box(msg, true)
	} else {
		f.SetFillColor(253, 241, 222)
		p.box("NOT RELEASED: this batch waits for quality's review and electronic signature.", true)
	}
	f.Ln(3)
	for _, fact := range rv.Facts {
		f.SetFont("Helvetica", "", 9)
		f.SetTextColor(80, 90, 100)
		f.CellFormat(40, pdfLine, p.text(fact.Label), "", 0, "L", false, 0, "")
		f.SetTextColor(0, 0, 0)
		f.MultiCell(pdfWidth-40, pdfLine, p.text(fact.Value), "", "L", false)
	}

	p.heading(fmt.Sprintf("Exceptions: review first (%d)", len(rv.Exceptions)))
	if len(rv.Exceptions) == 0 {
		p.para("None: every quantity within tolerance, every value within its limits, no override, no deviation.")
	}
	for _, e := range rv.Exceptions {
		state := strings.ToLower(e.State)
		if e.Open {
			state = "OPEN: needs action"
		}
		label := e.Kind
		if e.Critical {
			label = "CRITICAL " + strings.ToLower(label)
			f.SetTextColor(160, 20, 10)
		}
		f.SetFont("Helvetica", "B", 9)
		f.MultiCell(pdfWidth, pdfLine, p.text(fmt.Sprintf("%s · %s%s", label, state, whenSuffix(e.When))), "", "L", false)
		f.SetTextColor(0, 0, 0)
		f.SetFont("Helvetica", "", 9)
		f.SetX(pdfMargin + 4)
		f.MultiCell(pdfWidth-4, pdfLine, p.text(e.Message), "", "L", false)
		f.Ln(1)
	}

	p.heading("Materials and lots against targets")
	var rows [][]string
	for _, m := range rv.Materials {
		rows = append(rows, []string{m.Code + " " + m.Name, m.Target + " " + m.Tolerance, m.Limits, m.Added, m.StatusLabel})
		for _, a := range m.Additions {
			lot := "   lot " + a.Lot + ", " + a.Entered
			if a.Substitute {
				lot += " (substitute)"
			}
			rows = append(rows, []string{lot, "", "", a.Counted, a.Who + ", " + a.When})
			for _, ov := range a.Overrides {
				rows = append(rows, []string{"   " + ov, "", "", "", ""})
			}
		}
	}
	for _, a := range rv.Refused {
		rows = append(rows, []string{"Refused: lot " + a.Lot + ", " + a.Entered + ": " + a.Refusal, "", "", "", a.Who + ", " + a.When})
	}
	p.table([]float64{58, 30, 34, 22, 36}, []string{"Ingredient / lot", "Target", "Allowed", "Added", "Status / by"}, rows)

	p.heading("Process parameters against limits")
	rows = nil
	for _, pm := range rv.Params {
		name := pm.Name
		if pm.CCP {
			name += " (CCP)"
		}
		var rd []string
		for _, x := range pm.Readings {
			mark := "within"
			if !x.InLimits {
				mark = "OUTSIDE"
			}
			rd = append(rd, fmt.Sprintf("%s %s, %s, %s", x.Value, mark, x.Who, x.When))
		}
		if pm.Missing {
			rd = []string{"NOT RECORDED"}
		}
		rows = append(rows, []string{fmt.Sprint(pm.Step), name, pm.Target, pm.Limits, strings.Join(rd, "\n")})
	}
	p.table([]float64{12, 38, 24, 30, 76}, []string{"Step", "Parameter", "Target", "Limits", "Readings"}, rows)

	p.heading(fmt.Sprintf("Deviations (%d)", len(rv.Deviations)))
	if len(rv.Deviations) == 0 {
		p.para("None.")
	}
	for _, d := range rv.Deviations {
		head := "Deviation"
		if d.Critical {
			head = "Critical deviation (CCP)"
		}
		status := "OPEN"
		if !d.Open {
			status = "closed"
		}
		f.SetFont("Helvetica", "B", 9)
		f.MultiCell(pdfWidth, pdfLine, p.text(fmt.Sprintf("%s · %s · raised by %s, %s", head, status, d.RaisedBy, d.RaisedAt)), "", "L", false)
		f.SetFont("Helvetica", "", 9)
		f.SetX(pdfMargin + 4)
		f.MultiCell(pdfWidth-4, pdfLine, p.text(d.Description), "", "L", false)
		if c := d.Closure; c != nil {
			f.SetX(pdfMargin + 4)
			f.MultiCell(pdfWidth-4, pdfLine, p.text(fmt.Sprintf("Closed by %s (%s), %s: %s", c.Signer, c.Meaning, c.When, d.ClosureReason)), "", "L", false)
		}
		f.Ln(1)
	}

	p.heading("Output lots")
	rows = nil
	for _, o := range rv.Outputs {
		rows = append(rows, []string{o.Lot, o.Quantity, o.Who, o.When})
	}
	if len(rows) == 0 {
		p.para("No output was booked.")
	} else {
		p.table([]float64{55, 35, 35, 55}, []string{"Lot", "Quantity", "By", "When"}, rows)
	}

	p.heading("Who did what and when")
	rows = nil
	for _, t := range rv.Timeline {
		rows = append(rows, []string{t.When, t.Who, t.What})
	}
	p.table([]float64{46, 28, 106}, []string{"When", "Who", "What"}, rows)

	p.heading("Electronic signatures")
	rows = nil
	for _, s := range rv.Signatures {
		rows = append(rows, []string{s.What, s.Signer, s.Meaning, s.When, s.Hash})
	}
	if len(rows) == 0 {
		p.para("None yet.")
	} else {
		p.table([]float64{46, 26, 26, 50, 32}, []string{"Signed", "Signer", "Meaning", "When", "Bound to"}, rows)
	}
	p.para("Each signature re-entered the signer's password (21 CFR 11.200) and is bound to a SHA-256 hash of what was signed (21 CFR 11.70).")
	if err := f.Error(); err != nil {
		return err
	}
	return f.Output(w)
}

func whenSuffix(when string) string {
	if when == "" {
		return ""
	}
	return " · " + when
}

func (p recordPDF) heading(s string) {
	p.Ln(4)
	if _, h := p.GetPageSize(); p.GetY() > h-40 {
		p.AddPage()
	}
	p.SetFont("Helvetica", "B", 12)
	p.SetTextColor(15, 95, 79)
	p.CellFormat(pdfWidth, 7, p.text(s), "B", 1, "L", false, 0, "")
	p.SetTextColor(0, 0, 0)
	p.Ln(1.5)
}

func (p recordPDF) para(s string) {
	p.SetFont("Helvetica", "", 9)
	p.MultiCell(pdfWidth, pdfLine, p.text(s), "", "L", false)
}

func (p recordPDF) box(s string, bold bool) {
	style := ""
	if bold {
		style = "B"
	}
	p.SetFont("Helvetica", style, 10)
	p.MultiCell(pdfWidth, 6, p.text(s), "1", "L", true)
}

// table draws rows under a header row, wrapping each cell, repeating the
// header on a new page, and never splitting a row across pages.
func (p recordPDF) table(widths []float64, header []string, rows [][]string) {
	_, pageH := p.GetPageSize()
	drawHeader := func() {
		p.SetFont("Helvetica", "B", 8)
		p.SetFillColor(236, 240, 243)
		for i, h := range header {
			p.CellFormat(widths[i], 6, p.text(h), "1", 0, "L", true, 0, "")
		}
		p.Ln(-1)
	}
	drawHeader()
	p.SetFont("Helvetica", "", 8)
	const lh = 4.0
	for _, row := range rows {
		lines := 1
		for i, c := range row {
			lines = max(lines, len(p.SplitLines([]byte(p.text(c)), widths[i]-2)))
		}
		h := float64(lines)*lh + 1.5
		if p.GetY()+h > pageH-20 {
			p.AddPage()
			drawHeader()
			p.SetFont("Helvetica", "", 8)
		}
		x, y := p.GetX(), p.GetY()
		for i, c := range row {
			p.Rect(x, y, widths[i], h, "D")
			p.SetXY(x+1, y+0.75)
			p.MultiCell(widths[i]-2, lh, p.text(c), "", "L", false)
			x += widths[i]
		}
		p.SetXY(pdfMargin, y+h)
	}
}
