package fsma204

import (
	"strings"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/inventory"
)

// The sheet names, which are also the CSV's CTE values.
const (
	Receiving      = "Receiving"
	Transformation = "Transformation"
	Shipping       = "Shipping"
)

// cell is one value of a row: text, an exact decimal number, or a date.
type cell struct {
	text string
	num  string    // a decimal such as "12.5"
	date time.Time // a calendar date; zero for none
}

func (c cell) empty() bool { return c.text == "" && c.num == "" && c.date.IsZero() }

// String returns the cell as CSV text; dates as YYYY-MM-DD.
func (c cell) String() string {
	switch {
	case c.num != "":
		return c.num
	case !c.date.IsZero():
		return c.date.Format(time.DateOnly)
	}
	return c.text
}

func text(s string) cell    { return cell{text: s} }
func date(t time.Time) cell { return cell{date: t} }

// column is one column of a sheet: its header and how a record fills it.
type column[R any] struct {
	header string
	value  func(R) cell
}

// label puts a prefix ("Input ") before a column name ("Product name").
func label(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + strings.ToLower(name[:1]) + name[1:]
}

func col[R any](header string, value func(R) string) column[R] {
	return column[R]{header, func(r R) cell { return text(value(r)) }}
}

// quantity is the two columns quantity and unit of measure.
func quantity[R any](prefix string, q func(R) forkline.Quantity) []column[R] {
	return []column[R]{
		{label(prefix, "Quantity"), func(r R) cell {
			if v := q(r); v.Unit != "" {
				return cell{num: v.Decimal()}
			}
			return cell{}
		}},
		col(label(prefix, "Unit of measure"), func(r R) string { return string(q(r).Unit) }),
	}
}

// product is the six columns of a product description.
func product[R any](prefix string, p func(R) inventory.ProductDescription) []column[R] {
	return []column[R]{
		col(label(prefix, "Product name"), func(r R) string { return p(r).ProductName }),
		col(label(prefix, "Brand name"), func(r R) string { return p(r).Brand }),
		col(label(prefix, "Commodity"), func(r R) string { return p(r).Commodity }),
		col(label(prefix, "Variety"), func(r R) string { return p(r).Variety }),
		col(label(prefix, "Packaging size"), func(r R) string { return p(r).PackagingSize }),
		col(label(prefix, "Packaging style"), func(r R) string { return p(r).PackagingStyle }),
	}
}

// location is the seven columns of a location description.
func location[R any](name string, l func(R) inventory.LocationDescription) []column[R] {
	return []column[R]{
		col(name+": business name", func(r R) string { return l(r).BusinessName }),
		col(name+": phone number", func(r R) string { return l(r).Phone }),
		col(name+": street address or geographic coordinates", func(r R) string { return l(r).Street }),
		col(name+": city", func(r R) string { return l(r).City }),
		col(name+": state or region", func(r R) string { return l(r).State }),
		col(name+": ZIP or postal code", func(r R) string { return l(r).PostalCode }),
		col(name+": country", func(r R) string { return l(r).Country }),
	}
}

// documents is the four columns of two reference documents. Forkline
// records one document per event; should a record hold more, the second
// pair lists the rest, separated by "; ", so that no KDE is dropped.
func documents[R any](d func(R) []inventory.ReferenceDocument) []column[R] {
	// pair returns the i-th reference document (0 or 1).
	pair := func(r R, i int) inventory.ReferenceDocument {
		ds := d(r)
		switch {
		case i >= len(ds):
			return inventory.ReferenceDocument{}
		case i == 0 || len(ds) == 2:
			return ds[i]
		}
		var types, numbers []string
		for _, doc := range ds[1:] {
			types, numbers = append(types, doc.Type), append(numbers, doc.Number)
		}
		return inventory.ReferenceDocument{Type: strings.Join(types, "; "), Number: strings.Join(numbers, "; ")}
	}
	return []column[R]{
		col("Reference document type 1", func(r R) string { return pair(r, 0).Type }),
		col("Reference document number 1", func(r R) string { return pair(r, 0).Number }),
		col("Reference document type 2", func(r R) string { return pair(r, 1).Type }),
		col("Reference document number 2", func(r R) string { return pair(r, 1).Number }),
	}
}

const (
	tlcHeader          = "Traceability lot code"
	tlcSourceName      = "Traceability lot code source"
	tlcSourceRefHeader = "Traceability lot code source reference"
)

func join[R any](parts ...[]column[R]) []column[R] {
	var out []column[R]
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

type (
	receiving      = inventory.ReceivingRecord
	transformation = inventory.TransformationRecord
	shipping       = inventory.ShippingRecord
)

// receivingColumns is the Receiving sheet, A to AJ.
var receivingColumns = join(
	[]column[receiving]{col(tlcHeader, func(r receiving) string { return r.TLC })},
	quantity("", func(r receiving) forkline.Quantity { return r.Quantity }),
	product("", func(r receiving) inventory.ProductDescription { return r.Product }),
	location("Immediate previous source", func(r receiving) inventory.LocationDescription { return r.PreviousSource }),
	location("Receiving location", func(r receiving) inventory.LocationDescription { return r.ReceivingLocation }),
	[]column[receiving]{{"Date received", func(r receiving) cell { return date(r.DateReceived) }}},
	location(tlcSourceName, func(r receiving) inventory.LocationDescription { return r.TLCSource }),
	[]column[receiving]{col(tlcSourceRefHeader, func(r receiving) string { return r.TLCSourceRef })},
	documents(func(r receiving) []inventory.ReferenceDocument { return r.Documents }),
)

// shippingColumns is the Shipping sheet, A to AJ: the Receiving sheet's shape.
var shippingColumns = join(
	[]column[shipping]{col(tlcHeader, func(r shipping) string { return r.TLC })},
	quantity("", func(r shipping) forkline.Quantity { return r.Quantity }),
	product("", func(r shipping) inventory.ProductDescription { return r.Product }),
	location("Immediate subsequent recipient", func(r shipping) inventory.LocationDescription { return r.Recipient }),
	location("Ship-from location", func(r shipping) inventory.LocationDescription { return r.ShipFrom }),
	[]column[shipping]{{"Date shipped", func(r shipping) cell { return date(r.DateShipped) }}},
	location(tlcSourceName, func(r shipping) inventory.LocationDescription { return r.TLCSource }),
	[]column[shipping]{col(tlcSourceRefHeader, func(r shipping) string { return r.TLCSourceRef })},
	documents(func(r shipping) []inventory.ReferenceDocument { return r.Documents }),
)

// transformationColumns is the Transformation sheet, A to AE.
var transformationColumns = join(
	[]column[transformation]{col("Input traceability lot code", func(r transformation) string { return r.InputTLC })},
	product("Input ", func(r transformation) inventory.ProductDescription { return r.InputProduct }),
	quantity("Input ", func(r transformation) forkline.Quantity { return r.InputQuantity }),
	[]column[transformation]{col("New traceability lot code", func(r transformation) string { return r.OutputTLC })},
	location("Transformation location (traceability lot code source)", func(r transformation) inventory.LocationDescription { return r.Location }),
	[]column[transformation]{
		col(tlcSourceRefHeader, func(r transformation) string { return r.TLCSourceRef }),
		{"Date transformation completed", func(r transformation) cell { return date(r.DateCompleted) }},
	},
	product("Output ", func(r transformation) inventory.ProductDescription { return r.OutputProduct }),
	quantity("Output ", func(r transformation) forkline.Quantity { return r.OutputQuantity }),
	documents(func(r transformation) []inventory.ReferenceDocument { return r.Documents }),
)

func headers[R any](cols []column[R]) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.header
	}
	return out
}

func row[R any](cols []column[R], r R) []cell {
	out := make([]cell, len(cols))
	for i, c := range cols {
		out[i] = c.value(r)
	}
	return out
}

// ReceivingHeaders returns the header row of the Receiving sheet.
func ReceivingHeaders() []string { return headers(receivingColumns) }

// TransformationHeaders returns the header row of the Transformation sheet.
func TransformationHeaders() []string { return headers(transformationColumns) }

// ShippingHeaders returns the header row of the Shipping sheet.
func ShippingHeaders() []string { return headers(shippingColumns) }
