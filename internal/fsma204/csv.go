package fsma204

import (
	"encoding/csv"
	"io"
	"strings"

	"github.com/forkline/forkline/internal/inventory"
)

// csvHeaders is the CSV's header row: "CTE", then the union of the three
// sheets' columns, each sheet's in the template's order. Receiving and
// Shipping share their TLC, quantity, product and TLC source columns; all
// three share the TLC source reference and the reference documents.
var csvHeaders = func() []string {
	rec, ship, tr := ReceivingHeaders(), ShippingHeaders(), TransformationHeaders()
	out := []string{"CTE"}
	out = append(out, rec[:24]...)   // A-X: TLC to date received
	out = append(out, ship[9:24]...) // J-X: recipient, ship-from, date shipped
	out = append(out, rec[24:31]...) // Y-AE: TLC source
	out = append(out, tr[:17]...)    // A-Q: input, new TLC, transformation location
	out = append(out, rec[31])       // AF (transformation R): TLC source reference
	out = append(out, tr[18:27]...)  // S-AA: date completed, output
	out = append(out, rec[32:]...)   // AG-AJ: reference documents
	return out
}()

// CSVHeaders returns the CSV's header row.
func CSVHeaders() []string { return append([]string(nil), csvHeaders...) }

// WriteCSV writes the records as one CSV (RFC 4180, UTF-8, no byte-order
// mark): a header row, then the Receiving, Transformation and Shipping
// records, each row led by its CTE, with the columns of the other CTEs empty.
// A text that a spreadsheet would run as a formula (one starting with =, +,
// -, @, tab or carriage return) is written with a leading apostrophe.
func WriteCSV(w io.Writer, recs inventory.FSMA204Records) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeaders); err != nil {
		return err
	}
	index := make(map[string]int, len(csvHeaders))
	for i, h := range csvHeaders {
		index[h] = i
	}
	if err := writeCSVRows(cw, index, Receiving, receivingColumns, recs.Receiving); err != nil {
		return err
	}
	if err := writeCSVRows(cw, index, Transformation, transformationColumns, recs.Transformation); err != nil {
		return err
	}
	if err := writeCSVRows(cw, index, Shipping, shippingColumns, recs.Shipping); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

func writeCSVRows[R any](cw *csv.Writer, index map[string]int, cte string, cols []column[R], recs []R) error {
	for _, r := range recs {
		line := make([]string, len(csvHeaders))
		line[0] = cte
		for i, c := range row(cols, r) {
			line[index[cols[i].header]] = csvText(c)
		}
		if err := cw.Write(line); err != nil {
			return err
		}
	}
	return nil
}

// csvText is a cell as CSV text, defused if a spreadsheet would run it.
func csvText(c cell) string {
	s := c.String()
	if c.text != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
