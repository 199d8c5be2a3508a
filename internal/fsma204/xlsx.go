package fsma204

import (
	"fmt"
	"io"

	"github.com/forkline/forkline/internal/inventory"
	"github.com/xuri/excelize/v2"
)

// WriteXLSX writes the records as an XLSX workbook with the sheets
// Receiving, Transformation and Shipping in FDA's column layout: a bold
// header row that stays in view, an autofilter over every column so that
// FDA can sort and filter, dates as dates, quantities as numbers.
func WriteXLSX(w io.Writer, recs inventory.FSMA204Records) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetDocProps(&excelize.DocProperties{Creator: "Forkline", Title: "FSMA 204 traceability records: " + recs.Site.Name,
		Description: "Key data elements of receiving, transformation and shipping (21 CFR 1.1345, 1.1350, 1.1340)"}); err != nil {
		return err
	}
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	if err := f.SetSheetName("Sheet1", Receiving); err != nil {
		return err
	}
	if err := writeSheet(f, st, Receiving, receivingColumns, recs.Receiving); err != nil {
		return err
	}
	if err := writeSheet(f, st, Transformation, transformationColumns, recs.Transformation); err != nil {
		return err
	}
	if err := writeSheet(f, st, Shipping, shippingColumns, recs.Shipping); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	_, err = f.WriteTo(w)
	return err
}

type styles struct{ header, date int }

func newStyles(f *excelize.File) (styles, error) {
	var st styles
	var err error
	st.header, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}})
	if err != nil {
		return st, err
	}
	dateFormat := "yyyy-mm-dd"
	st.date, err = f.NewStyle(&excelize.Style{CustomNumFmt: &dateFormat})
	return st, err
}

func writeSheet[R any](f *excelize.File, st styles, sheet string, cols []column[R], recs []R) error {
	if _, err := f.NewSheet(sheet); err != nil {
		return err
	}
	hs := headers(cols)
	if err := f.SetSheetRow(sheet, "A1", &hs); err != nil {
		return fmt.Errorf("%s header: %w", sheet, err)
	}
	last, err := excelize.ColumnNumberToName(len(cols))
	if err != nil {
		return err
	}
	if err := f.SetCellStyle(sheet, "A1", last+"1", st.header); err != nil {
		return err
	}
	for i, r := range recs {
		for j, c := range row(cols, r) {
			if c.empty() {
				continue
			}
			ref, err := excelize.CoordinatesToCellName(j+1, i+2)
			if err != nil {
				return err
			}
			switch {
			case c.num != "":
				err = f.SetCellDefault(sheet, ref, c.num) // the exact decimal, as a number
			case !c.date.IsZero():
				if err = f.SetCellValue(sheet, ref, c.date); err == nil {
					err = f.SetCellStyle(sheet, ref, ref, st.date)
				}
			default:
				err = f.SetCellStr(sheet, ref, c.text)
			}
			if err != nil {
				return fmt.Errorf("%s %s: %w", sheet, ref, err)
			}
		}
	}
	if err := f.SetColWidth(sheet, "A", last, 22); err != nil {
		return err
	}
	if err := f.SetRowHeight(sheet, 1, 45); err != nil {
		return err
	}
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}}}); err != nil {
		return err
	}
	return f.AutoFilter(sheet, fmt.Sprintf("A1:%s%d", last, len(recs)+1), nil)
}
