package gs1

import (
	"strings"
	"time"

	"github.com/forkline/forkline"
)

// Element is one GS1 element string: an application identifier and its raw
// value as the barcode carries it, e.g. {AI: "3103", Value: "000750"}.
type Element struct {
	AI    string
	Value string
}

// Data is what one scan says about the goods, ready to fill a receiving form.
// Fields of AIs the barcode does not carry are zero.
type Data struct {
	SSCC        string // (00) serial shipping container code of a logistic unit (pallet)
	GTIN        string // (01) the trade item, always 14 digits
	ContentGTIN string // (02) the trade items a logistic unit contains
	Lot         string // (10) the supplier's lot (GS1 "batch/lot")
	Serial      string // (21) serial number of the one item
	Variant     string // (22) consumer product variant

	// Dates are UTC midnight; a day of 00 on the label is the last day of the month.
	Production time.Time // (11)
	Packaging  time.Time // (13)
	BestBefore time.Time // (15)
	Expiry     time.Time // (17) use by or expiry

	// NetWeight is exact: (3103) 000750 is 0.750 kg. It holds the kg weight
	// (310n) when the barcode has one, and the lb weight (320n) otherwise.
	NetWeight    forkline.Quantity
	HasNetWeight bool

	Count         int // (37) count of trade items contained in a logistic unit
	VariableCount int // (30) count of items in a variable-measure trade item

	// AIs lists every element in the order the barcode carries it, each
	// once: a repeat with the same value is dropped.
	AIs []Element
}

// String returns the elements in the human-readable form with parentheses,
// "(01)09501101530003(17)260731(10)AB-123", which Parse reads back to the
// same Data. A "(" inside a value is written "\(" as in the bracketed form
// of the GS1 Barcode Syntax Resource, so that it cannot be taken for the
// start of the next AI.
func (d Data) String() string {
	var b strings.Builder
	for _, e := range d.AIs {
		b.WriteString("(")
		b.WriteString(e.AI)
		b.WriteString(")")
		b.WriteString(strings.ReplaceAll(e.Value, "(", `\(`))
	}
	return b.String()
}
