package forkline_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/forkline/forkline"
	"github.com/google/go-cmp/cmp"
)

// quantityEq compares quantities by value: Quantity has an unexported amount.
var quantityEq = cmp.Comparer(func(a, b forkline.Quantity) bool { return a == b })

// q returns micros millionths of u, so that test tables read as exact amounts.
func q(micros int64, u forkline.Unit) forkline.Quantity {
	return forkline.QuantityFromMicros(micros, u)
}

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want int64
		// format is what FormatDecimal gives back: the canonical spelling.
		format string
	}{
		{"a whole number", "12", 12_000_000, "12"},
		{"zero", "0", 0, "0"},
		{"negative zero is zero", "-0", 0, "0"},
		{"a negative fraction", "-0.5", -500_000, "-0.5"},
		{"a plus sign", "+3.25", 3_250_000, "3.25"},
		{"the smallest step", "0.000001", 1, "0.000001"},
		{"six decimal places", "1234.000001", 1_234_000_001, "1234.000001"},
		{"trailing zeros", "1.500000", 1_500_000, "1.5"},
		{"no whole part", ".5", 500_000, "0.5"},
		{"leading zeros", "007.10", 7_100_000, "7.1"},
		{"surrounding spaces", "  42.42 ", 42_420_000, "42.42"},
		{"the largest accepted amount", "9223372036853.999999", 9_223_372_036_853_999_999, "9223372036853.999999"},
		{"the most negative accepted amount", "-9223372036853.999999", -9_223_372_036_853_999_999, "-9223372036853.999999"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := forkline.ParseDecimal(tt.in)
			if err != nil {
				t.Fatalf("ParseDecimal(%q) error: %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseDecimal(%q) = %d, want %d", tt.in, got, tt.want)
			}
			if f := forkline.FormatDecimal(got); f != tt.format {
				t.Errorf("FormatDecimal(%d) = %q, want %q", got, f, tt.format)
			}
			again, err := forkline.ParseDecimal(tt.format)
			if err != nil || again != got {
				t.Errorf("ParseDecimal(%q) = %d, %v, want %d, nil", tt.format, again, err, got)
			}
		})
	}
}

func TestParseDecimalRejects(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"an empty string", ""},
		{"only spaces", "   "},
		{"a lone sign", "-"},
		{"a lone dot", "."},
		{"a dot with no decimals", "5."},
		{"seven decimal places", "1.1234567"},
		{"seven decimal places of zeros", "1.0000000"},
		{"letters", "abc"},
		{"a unit", "12kg"},
		{"an exponent", "1e3"},
		{"a comma as decimal separator", "1,5"},
		{"two dots", "1.2.3"},
		{"two signs", "--5"},
		{"a sign after the dot", "1.-5"},
		{"a space inside", "1 000"},
		{"non-ASCII digits", "١٢"},
		{"hexadecimal", "0x10"},
		{"just too large", "9223372036854"},
		{"far too large", "99999999999999999999"},
		{"just too small", "-9223372036854"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := forkline.ParseDecimal(tt.in)
			if err == nil {
				t.Fatalf("ParseDecimal(%q) = %d, want an error", tt.in, got)
			}
			if code := forkline.ErrorCode(err); code != forkline.Invalid {
				t.Errorf("ErrorCode(ParseDecimal(%q)) = %q, want %q", tt.in, code, forkline.Invalid)
			}
		})
	}
}

func TestFormatDecimal(t *testing.T) {
	tests := []struct {
		in   int64
		want string
	}{
		{0, "0"},
		{1, "0.000001"},
		{-1, "-0.000001"},
		{10, "0.00001"},
		{1_000_000, "1"},
		{-1_500_000, "-1.5"},
		{123_456_789, "123.456789"},
		{math.MaxInt64, "9223372036854.775807"},
		{math.MinInt64, "-9223372036854.775808"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d millionths read as %s", tt.in, tt.want), func(t *testing.T) {
			if got := forkline.FormatDecimal(tt.in); got != tt.want {
				t.Errorf("FormatDecimal(%d) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseQuantity(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    forkline.Quantity
		wantStr string
	}{
		{"a space before the unit", "12.5 kg", q(12_500_000, forkline.Kilogram), "12.5 kg"},
		{"no space before the unit", "12.5kg", q(12_500_000, forkline.Kilogram), "12.5 kg"},
		{"a plural spelling", "3 lbs", q(3_000_000, forkline.Pound), "3 lb"},
		{"upper case litres", "2 L", q(2_000_000, forkline.Liter), "2 L"},
		{"lower case litres", "2 l", q(2_000_000, forkline.Liter), "2 L"},
		{"millilitres in any case", "250 ML", q(250_000_000, forkline.Milliliter), "250 mL"},
		{"each spelled out", "1 each", q(1_000_000, forkline.Each), "1 ea"},
		{"a case abbreviation", "4 cs", q(4_000_000, forkline.Case), "4 case"},
		{"a pallet abbreviation", "1 plt", q(1_000_000, forkline.Pallet), "1 pallet"},
		{"a negative amount", "-0.25 g", q(-250_000, forkline.Gram), "-0.25 g"},
		{"surrounding spaces", "  7 oz  ", q(7_000_000, forkline.Ounce), "7 oz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := forkline.ParseQuantity(tt.in)
			if err != nil {
				t.Fatalf("ParseQuantity(%q) error: %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got, quantityEq); diff != "" {
				t.Errorf("ParseQuantity(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
			if s := got.String(); s != tt.wantStr {
				t.Errorf("ParseQuantity(%q).String() = %q, want %q", tt.in, s, tt.wantStr)
			}
		})
	}
}

func TestParseQuantityRejects(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"an empty string", ""},
		{"no amount", "kg"},
		{"no unit", "12.5"},
		{"an unknown unit", "12 furlong"},
		{"a unit before the amount", "kg 12"},
		{"too many decimals", "1.0000001 kg"},
		{"a broken amount", "1.2.3 kg"},
		{"a lone sign", "- kg"},
		{"a dot without decimals", "5. kg"},
		{"an amount that is too large", "9999999999999999 kg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := forkline.ParseQuantity(tt.in)
			if err == nil {
				t.Fatalf("ParseQuantity(%q) = %v, want an error", tt.in, got)
			}
			if code := forkline.ErrorCode(err); code != forkline.Invalid {
				t.Errorf("ErrorCode(ParseQuantity(%q)) = %q, want %q", tt.in, code, forkline.Invalid)
			}
		})
	}
}

func FuzzParseQuantity(f *testing.F) {
	for _, s := range []string{"12.5 kg", "12.5kg", "-0.000001 g", "+3 lbs", "1 each", ".5 L", "5.", "1e3 kg",
		"9223372036853.999999 mL", "9223372036854 kg", "", "kg", "--1 kg", "1.0000001 oz", " 2 PLT "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := forkline.ParseQuantity(s)
		if err != nil {
			if code := forkline.ErrorCode(err); code != forkline.Invalid {
				t.Fatalf("ErrorCode(ParseQuantity(%q)) = %q, want %q", s, code, forkline.Invalid)
			}
			return
		}
		if got.Unit.Dimension() == "" {
			t.Fatalf("ParseQuantity(%q) = %v, whose unit is unknown", s, got)
		}
		again, err := forkline.ParseQuantity(got.String())
		if err != nil {
			t.Fatalf("ParseQuantity(%q) error: %v; it came from ParseQuantity(%q)", got.String(), err, s)
		}
		if again != got {
			t.Fatalf("ParseQuantity(%q) = %v, want %v (from ParseQuantity(%q))", got.String(), again, got, s)
		}
	})
}

func TestQuantityArithmetic(t *testing.T) {
	kg := func(micros int64) forkline.Quantity { return q(micros, forkline.Kilogram) }
	t.Run("adding the same unit sums the amounts", func(t *testing.T) {
		got, err := kg(1_500_000).Add(kg(250_000))
		if err != nil || got != kg(1_750_000) {
			t.Errorf("Add = %v, %v, want 1.75 kg, nil", got, err)
		}
	})
	t.Run("subtracting can go below zero", func(t *testing.T) {
		got, err := kg(1_000_000).Sub(kg(2_500_000))
		if err != nil || got != kg(-1_500_000) {
			t.Errorf("Sub = %v, %v, want -1.5 kg, nil", got, err)
		}
		if got.Sign() != -1 || got.IsZero() {
			t.Errorf("(%v).Sign(), IsZero() = %d, %t, want -1, false", got, got.Sign(), got.IsZero())
		}
	})
	t.Run("subtracting the smallest amount from minus one gives the largest amount", func(t *testing.T) {
		got, err := kg(-1).Sub(kg(math.MinInt64))
		if err != nil || got != kg(math.MaxInt64) {
			t.Errorf("Sub = %v, %v, want %v, nil", got, err, kg(math.MaxInt64))
		}
	})
	t.Run("a whole quantity is a million micro-units", func(t *testing.T) {
		got := forkline.NewQuantity(3, forkline.Liter)
		if got.Micros() != 3_000_000 || got.Decimal() != "3" || got.String() != "3 L" {
			t.Errorf("NewQuantity(3, L) = %d micros, %q, %q; want 3000000, \"3\", \"3 L\"", got.Micros(), got.Decimal(), got.String())
		}
	})

	mismatch := []struct {
		name string
		op   func(a, b forkline.Quantity) error
	}{
		{"Add", func(a, b forkline.Quantity) error { _, err := a.Add(b); return err }},
		{"Sub", func(a, b forkline.Quantity) error { _, err := a.Sub(b); return err }},
		{"Cmp", func(a, b forkline.Quantity) error { _, err := a.Cmp(b); return err }},
	}
	for _, m := range mismatch {
		t.Run(m.name+" refuses different units, even of one dimension", func(t *testing.T) {
			err := m.op(kg(1_000_000), q(1_000_000, forkline.Gram))
			if code := forkline.ErrorCode(err); code != forkline.Invalid {
				t.Errorf("%s(1 kg, 1 g) error code = %q, want %q (err %v)", m.name, code, forkline.Invalid, err)
			}
		})
		t.Run(m.name+" refuses a quantity with no unit", func(t *testing.T) {
			err := m.op(forkline.Quantity{}, kg(1))
			if code := forkline.ErrorCode(err); code != forkline.Invalid {
				t.Errorf("%s(0, 0.000001 kg) error code = %q, want %q", m.name, code, forkline.Invalid)
			}
		})
	}

	overflow := []struct {
		name string
		op   func() (forkline.Quantity, error)
	}{
		{"adding past the largest amount", func() (forkline.Quantity, error) { return kg(math.MaxInt64).Add(kg(1)) }},
		{"adding past the smallest amount", func() (forkline.Quantity, error) { return kg(math.MinInt64).Add(kg(-1)) }},
		{"subtracting past the smallest amount", func() (forkline.Quantity, error) { return kg(math.MinInt64).Sub(kg(1)) }},
		{"subtracting the smallest amount from zero", func() (forkline.Quantity, error) { return kg(0).Sub(kg(math.MinInt64)) }},
	}
	for _, o := range overflow {
		t.Run(o.name+" is an overflow error", func(t *testing.T) {
			got, err := o.op()
			if code := forkline.ErrorCode(err); code != forkline.Invalid {
				t.Errorf("got %v, %v; want an %q overflow error", got, err, forkline.Invalid)
			}
		})
	}

	cmps := []struct {
		a, b int64
		want int
	}{
		{1, 2, -1},
		{2, 2, 0},
		{3, 2, 1},
		{-5, 0, -1},
	}
	for _, c := range cmps {
		t.Run(fmt.Sprintf("comparing %d with %d gives %d", c.a, c.b, c.want), func(t *testing.T) {
			got, err := kg(c.a).Cmp(kg(c.b))
			if err != nil || got != c.want {
				t.Errorf("Cmp(%v, %v) = %d, %v, want %d, nil", kg(c.a), kg(c.b), got, err, c.want)
			}
		})
	}
}

func TestConvert(t *testing.T) {
	retail := []forkline.PackSize{
		{Unit: forkline.Pallet, Contents: forkline.NewQuantity(60, forkline.Case)},
		{Unit: forkline.Case, Contents: forkline.NewQuantity(12, forkline.Each)},
	}
	bulk := []forkline.PackSize{{Unit: forkline.Case, Contents: forkline.NewQuantity(10, forkline.Kilogram)}}
	tests := []struct {
		name      string
		in        forkline.Quantity
		to        forkline.Unit
		packs     []forkline.PackSize
		want      forkline.Quantity
		wantExact bool
	}{
		{"the same unit is returned unchanged", q(1_234_567, forkline.Gram), forkline.Gram, nil, q(1_234_567, forkline.Gram), true},
		{"kilograms to grams", q(1_500_000, forkline.Kilogram), forkline.Gram, nil, q(1_500_000_000, forkline.Gram), true},
		{"grams to kilograms", q(250_000_000, forkline.Gram), forkline.Kilogram, nil, q(250_000, forkline.Kilogram), true},
		{"one gram is a thousandth of a kilogram", q(1_000_000, forkline.Gram), forkline.Kilogram, nil, q(1_000, forkline.Kilogram), true},
		{"100 pounds are exactly 45.359237 kg", q(100_000_000, forkline.Pound), forkline.Kilogram, nil, q(45_359_237, forkline.Kilogram), true},
		{"one pound rounds to 0.453592 kg", q(1_000_000, forkline.Pound), forkline.Kilogram, nil, q(453_592, forkline.Kilogram), false},
		{"45.359237 kg are exactly 100 lb", q(45_359_237, forkline.Kilogram), forkline.Pound, nil, q(100_000_000, forkline.Pound), true},
		{"one kilogram rounds to 2.204623 lb", q(1_000_000, forkline.Kilogram), forkline.Pound, nil, q(2_204_623, forkline.Pound), false},
		{"16 ounces are one pound", q(16_000_000, forkline.Ounce), forkline.Pound, nil, q(1_000_000, forkline.Pound), true},
		{"one pound is 16 ounces", q(1_000_000, forkline.Pound), forkline.Ounce, nil, q(16_000_000, forkline.Ounce), true},
		{"one ounce rounds to 28.349523 g", q(1_000_000, forkline.Ounce), forkline.Gram, nil, q(28_349_523, forkline.Gram), false},
		{"1600 ounces are exactly 45359.237 g", q(1_600_000_000, forkline.Ounce), forkline.Gram, nil, q(45_359_237_000, forkline.Gram), true},
		{"a negative amount converts with its sign", q(-16_000_000, forkline.Ounce), forkline.Pound, nil, q(-1_000_000, forkline.Pound), true},
		{"half a step rounds down to even", q(500, forkline.Gram), forkline.Kilogram, nil, q(0, forkline.Kilogram), false},
		{"one and a half steps round up to even", q(1_500, forkline.Gram), forkline.Kilogram, nil, q(2, forkline.Kilogram), false},
		{"two and a half steps round down to even", q(2_500, forkline.Gram), forkline.Kilogram, nil, q(2, forkline.Kilogram), false},
		{"just over half a step rounds up", q(2_501, forkline.Gram), forkline.Kilogram, nil, q(3, forkline.Kilogram), false},
		{"just under half a step rounds down", q(1_499, forkline.Gram), forkline.Kilogram, nil, q(1, forkline.Kilogram), false},
		{"negative one and a half steps round to even", q(-1_500, forkline.Gram), forkline.Kilogram, nil, q(-2, forkline.Kilogram), false},
		{"negative two and a half steps round to even", q(-2_500, forkline.Gram), forkline.Kilogram, nil, q(-2, forkline.Kilogram), false},
		{"litres to millilitres", q(1_500_000, forkline.Liter), forkline.Milliliter, nil, q(1_500_000_000, forkline.Milliliter), true},
		{"millilitres to litres", q(1_000_000, forkline.Milliliter), forkline.Liter, nil, q(1_000, forkline.Liter), true},
		{"a pallet of cases of each is 720 ea", q(1_000_000, forkline.Pallet), forkline.Each, retail, q(720_000_000, forkline.Each), true},
		{"720 ea are one pallet", q(720_000_000, forkline.Each), forkline.Pallet, retail, q(1_000_000, forkline.Pallet), true},
		{"a pallet is 60 cases", q(2_000_000, forkline.Pallet), forkline.Case, retail, q(120_000_000, forkline.Case), true},
		{"one each rounds to 0.083333 case", q(1_000_000, forkline.Each), forkline.Case, retail, q(83_333, forkline.Case), false},
		{"a case of 10 kg bridges cases to mass", q(3_000_000, forkline.Case), forkline.Kilogram, bulk, q(30_000_000, forkline.Kilogram), true},
		{"mass converts back to cases", q(25_000_000, forkline.Kilogram), forkline.Case, bulk, q(2_500_000, forkline.Case), true},
		{"a case of 10 kg in grams", q(1_000_000, forkline.Case), forkline.Gram, bulk, q(10_000_000_000, forkline.Gram), true},
		{"a case of 10 kg rounds to 22.046226 lb", q(1_000_000, forkline.Case), forkline.Pound, bulk, q(22_046_226, forkline.Pound), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, exact, err := forkline.Convert(tt.in, tt.to, tt.packs)
			if err != nil {
				t.Fatalf("Convert(%v, %s) error: %v", tt.in, tt.to, err)
			}
			if got != tt.want || exact != tt.wantExact {
				t.Errorf("Convert(%v, %s) = %v, %t, want %v, %t", tt.in, tt.to, got, exact, tt.want, tt.wantExact)
			}
		})
	}
}

func TestConvertRefuses(t *testing.T) {
	loop := []forkline.PackSize{
		{Unit: forkline.Case, Contents: forkline.NewQuantity(1, forkline.Pallet)},
		{Unit: forkline.Pallet, Contents: forkline.NewQuantity(2, forkline.Case)},
	}
	selfLoop := []forkline.PackSize{{Unit: forkline.Case, Contents: forkline.NewQuantity(2, forkline.Case)}}
	tests := []struct {
		name    string
		in      forkline.Quantity
		to      forkline.Unit
		packs   []forkline.PackSize
		wantMsg string // a part of the message
	}{
		{"mass to volume", forkline.NewQuantity(1, forkline.Kilogram), forkline.Liter, nil, "cannot convert"},
		{"mass to count", forkline.NewQuantity(1, forkline.Kilogram), forkline.Each, nil, "cannot convert"},
		{"volume to mass", forkline.NewQuantity(1, forkline.Liter), forkline.Kilogram, nil, "cannot convert"},
		{"a case of each to mass", forkline.NewQuantity(1, forkline.Case), forkline.Kilogram,
			[]forkline.PackSize{{Unit: forkline.Case, Contents: forkline.NewQuantity(12, forkline.Each)}}, "cannot convert"},
		{"a case with no pack size", forkline.NewQuantity(1, forkline.Case), forkline.Each, nil, "no pack size for case"},
		{"to a pallet with no pack size", forkline.NewQuantity(1, forkline.Each), forkline.Pallet,
			[]forkline.PackSize{{Unit: forkline.Case, Contents: forkline.NewQuantity(12, forkline.Each)}}, "no pack size for pallet"},
		{"pack sizes in a loop", forkline.NewQuantity(1, forkline.Case), forkline.Each, loop, "loop"},
		{"a pack size holding itself", forkline.NewQuantity(1, forkline.Case), forkline.Each, selfLoop, "loop"},
		{"an unknown unit", forkline.NewQuantity(1, "furlong"), forkline.Kilogram, nil, "unknown unit"},
		{"to an unknown unit", forkline.NewQuantity(1, forkline.Kilogram), "stone", nil, "unknown unit"},
		{"a result too large for the scale", forkline.NewQuantity(9_000_000_000_000, forkline.Kilogram), forkline.Gram, nil, "overflow"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, exact, err := forkline.Convert(tt.in, tt.to, tt.packs)
			if err == nil {
				t.Fatalf("Convert(%v, %s) = %v, %t, want an error", tt.in, tt.to, got, exact)
			}
			if code := forkline.ErrorCode(err); code != forkline.Invalid {
				t.Errorf("ErrorCode(Convert(%v, %s)) = %q, want %q", tt.in, tt.to, code, forkline.Invalid)
			}
			if msg := forkline.ErrorMessage(err); !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("ErrorMessage(Convert(%v, %s)) = %q, want it to mention %q", tt.in, tt.to, msg, tt.wantMsg)
			}
		})
	}
}

func TestPackSizeValidate(t *testing.T) {
	tests := []struct {
		name  string
		in    forkline.PackSize
		valid bool
	}{
		{"a case of each", forkline.PackSize{Unit: forkline.Case, Contents: forkline.NewQuantity(12, forkline.Each)}, true},
		{"a pallet of cases", forkline.PackSize{Unit: forkline.Pallet, Contents: forkline.NewQuantity(60, forkline.Case)}, true},
		{"a case of kilograms", forkline.PackSize{Unit: forkline.Case, Contents: q(12_500_000, forkline.Kilogram)}, true},
		{"a mass unit is not a pack unit", forkline.PackSize{Unit: forkline.Kilogram, Contents: forkline.NewQuantity(12, forkline.Each)}, false},
		{"an empty case", forkline.PackSize{Unit: forkline.Case, Contents: forkline.NewQuantity(0, forkline.Each)}, false},
		{"a negative case", forkline.PackSize{Unit: forkline.Case, Contents: forkline.NewQuantity(-1, forkline.Each)}, false},
		{"a case of cases", forkline.PackSize{Unit: forkline.Case, Contents: forkline.NewQuantity(2, forkline.Case)}, false},
		{"a case of an unknown unit", forkline.PackSize{Unit: forkline.Case, Contents: forkline.NewQuantity(2, "crate")}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.in.Validate()
			if tt.valid && err != nil {
				t.Errorf("(%v).Validate() = %v, want nil", tt.in, err)
			}
			if !tt.valid && forkline.ErrorCode(err) != forkline.Invalid {
				t.Errorf("(%v).Validate() = %v, want an %q error", tt.in, err, forkline.Invalid)
			}
		})
	}
}

func TestParseUnit(t *testing.T) {
	for _, u := range forkline.Units() {
		t.Run(string(u)+" parses as itself", func(t *testing.T) {
			got, err := forkline.ParseUnit(string(u))
			if err != nil || got != u {
				t.Errorf("ParseUnit(%q) = %q, %v, want %q, nil", u, got, err, u)
			}
			if u.Dimension() == "" {
				t.Errorf("(%q).Dimension() = \"\", want a dimension", u)
			}
		})
	}
	t.Run("an unknown unit is invalid", func(t *testing.T) {
		got, err := forkline.ParseUnit("stone")
		if forkline.ErrorCode(err) != forkline.Invalid {
			t.Errorf("ParseUnit(\"stone\") = %q, %v, want an %q error", got, err, forkline.Invalid)
		}
		if d := forkline.Unit("stone").Dimension(); d != "" {
			t.Errorf("(\"stone\").Dimension() = %q, want \"\"", d)
		}
	})
}

func TestIDGenerator(t *testing.T) {
	t.Run("10,000 IDs from a running clock increase strictly and are valid", func(t *testing.T) {
		now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
		tick := func() time.Time { now = now.Add(37 * time.Microsecond); return now }
		g := forkline.NewIDGenerator(tick)
		checkIncreasing(t, g, 10_000)
	})
	t.Run("IDs at a fixed clock still increase", func(t *testing.T) {
		fixed := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
		g := forkline.NewIDGenerator(func() time.Time { return fixed })
		checkIncreasing(t, g, 10_000)
	})
	t.Run("IDs from a clock that goes back still increase", func(t *testing.T) {
		now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
		g := forkline.NewIDGenerator(func() time.Time { now = now.Add(-time.Second); return now })
		checkIncreasing(t, g, 1_000)
	})
	t.Run("an ID starts with the clock's milliseconds and names version 7", func(t *testing.T) {
		at := time.UnixMilli(0x0123_4567_89ab).UTC()
		id := forkline.NewIDGenerator(func() time.Time { return at }).New()
		if !strings.HasPrefix(id, "01234567-89ab-7") {
			t.Errorf("New() = %q, want it to start with 01234567-89ab-7", id)
		}
		if v := id[19]; !strings.ContainsRune("89ab", rune(v)) {
			t.Errorf("New() = %q, variant digit %q, want one of 8, 9, a, b", id, v)
		}
	})
}

func checkIncreasing(t *testing.T, g *forkline.IDGenerator, n int) {
	t.Helper()
	prev := ""
	for i := range n {
		id := g.New()
		if !forkline.ValidID(id) {
			t.Fatalf("ID %d: ValidID(%q) = false, want true", i, id)
		}
		if id[14] != '7' {
			t.Fatalf("ID %d = %q, version digit %q, want '7'", i, id, id[14])
		}
		if id <= prev {
			t.Fatalf("ID %d = %q, want it after the one before, %q", i, id, prev)
		}
		prev = id
	}
}

func TestValidID(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b", true},
		{"00000000-0000-0000-0000-000000000000", true},
		{"0190A1B2-C3D4-7E5F-8A6B-7C8D9E0F1A2B", false}, // the canonical form is lower case
		{"0190a1b2c3d47e5f8a6b7c8d9e0f1a2b", false},
		{"0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2", false},
		{"0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2bc", false},
		{"0190a1b2-c3d4-7e5f-8a6b_7c8d9e0f1a2b", false},
		{"0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2g", false},
		{"", false},
		{"system", false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q is valid: %t", tt.in, tt.want), func(t *testing.T) {
			if got := forkline.ValidID(tt.in); got != tt.want {
				t.Errorf("ValidID(%q) = %t, want %t", tt.in, got, tt.want)
			}
		})
	}
}

func TestActor(t *testing.T) {
	const chicago, berlin, lyon = "site-chicago", "site-berlin", "site-lyon"
	planner := forkline.Actor{Kind: forkline.ActorUser, ID: "u1", Name: "pat", Grants: []forkline.Grant{
		{SiteID: chicago, Role: forkline.RolePlanner},
		{SiteID: berlin, Role: forkline.RoleOperator},
		{SiteID: berlin, Role: forkline.RoleAuditor},
	}}
	admin := forkline.Actor{Kind: forkline.ActorUser, ID: "u2", Name: "root", Grants: []forkline.Grant{
		{SiteID: lyon, Role: forkline.RoleAdmin},
		{SiteID: chicago, Role: forkline.RoleQuality},
		{SiteID: lyon, Role: forkline.RoleManager},
	}}
	token := forkline.Actor{Kind: forkline.ActorToken, ID: "t1", Name: "token:erp", Grants: []forkline.Grant{
		{SiteID: chicago, Role: forkline.RoleIntegration},
	}}
	nobody := forkline.Actor{Kind: forkline.ActorUser, ID: "u3", Name: "new"}
	unknownRole := forkline.Actor{Kind: forkline.ActorUser, ID: "u4", Name: "odd", Grants: []forkline.Grant{
		{SiteID: chicago, Role: "owner"},
	}}

	can := []struct {
		name  string
		actor forkline.Actor
		perm  forkline.Permission
		site  string
		want  bool
	}{
		{"a planner writes master data on the planner's site", planner, forkline.PermMasterWrite, chicago, true},
		{"a planner does not write master data where the planner operates", planner, forkline.PermMasterWrite, berlin, false},
		{"an operator reads master data", planner, forkline.PermMasterRead, berlin, true},
		{"an auditor reads the audit trail", planner, forkline.PermAuditRead, berlin, true},
		{"a planner does not read the audit trail", planner, forkline.PermAuditRead, chicago, false},
		{"nobody acts on a site without a grant", planner, forkline.PermMasterRead, lyon, false},
		{"a planner does not approve suppliers", planner, forkline.PermSupplierApprove, chicago, false},
		{"quality approves suppliers", admin, forkline.PermSupplierApprove, chicago, true},
		{"an admin manages users on the admin's site", admin, forkline.PermUsersManage, lyon, true},
		{"quality does not manage users", admin, forkline.PermUsersManage, chicago, false},
		{"an admin manages tokens", admin, forkline.PermTokensManage, lyon, true},
		{"a token writes master data on its site", token, forkline.PermMasterWrite, chicago, true},
		{"a token does not read the audit trail", token, forkline.PermAuditRead, chicago, false},
		{"a token acts on no other site", token, forkline.PermMasterRead, berlin, false},
		{"an actor without grants can do nothing", nobody, forkline.PermMasterRead, chicago, false},
		{"an unknown role carries no permission", unknownRole, forkline.PermMasterRead, chicago, false},
		{"the system writes master data anywhere", forkline.System, forkline.PermMasterWrite, lyon, true},
		{"the system manages users on a site it has never seen", forkline.System, forkline.PermUsersManage, "any", true},
	}
	for _, tt := range can {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.actor.Can(tt.perm, tt.site); got != tt.want {
				t.Errorf("%s.Can(%s, %s) = %t, want %t", tt.actor.Name, tt.perm, tt.site, got, tt.want)
			}
			var wantErr error
			if !tt.want {
				wantErr = forkline.ErrForbidden
			}
			if err := tt.actor.Require(tt.perm, tt.site); !errors.Is(err, wantErr) {
				t.Errorf("%s.Require(%s, %s) = %v, want %v", tt.actor.Name, tt.perm, tt.site, err, wantErr)
			}
		})
	}

	anywhere := []struct {
		name  string
		actor forkline.Actor
		perm  forkline.Permission
		want  bool
	}{
		{"a planner writes master data somewhere", planner, forkline.PermMasterWrite, true},
		{"a planner manages users nowhere", planner, forkline.PermUsersManage, false},
		{"an admin manages users somewhere", admin, forkline.PermUsersManage, true},
		{"a token manages tokens nowhere", token, forkline.PermTokensManage, false},
		{"an actor without grants reads nothing", nobody, forkline.PermMasterRead, false},
		{"the system does everything", forkline.System, forkline.PermTokensManage, true},
	}
	for _, tt := range anywhere {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.actor.CanAnywhere(tt.perm); got != tt.want {
				t.Errorf("%s.CanAnywhere(%s) = %t, want %t", tt.actor.Name, tt.perm, got, tt.want)
			}
		})
	}

	sites := []struct {
		name  string
		actor forkline.Actor
		perm  forkline.Permission
		want  []string
	}{
		{"a planner reads master data on two sites, in grant order", planner, forkline.PermMasterRead, []string{chicago, berlin}},
		{"a site granted twice is listed once", admin, forkline.PermAuditRead, []string{lyon, chicago}},
		{"a planner writes on one site", planner, forkline.PermMasterWrite, []string{chicago}},
		{"a planner manages users on no site", planner, forkline.PermUsersManage, nil},
		{"an admin's users.manage is on the admin's site only", admin, forkline.PermUsersManage, []string{lyon}},
		{"the system, having no grants, lists no sites: callers treat it apart", forkline.System, forkline.PermMasterRead, nil},
	}
	for _, tt := range sites {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.actor.Sites(tt.perm)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s.Sites(%s) mismatch (-want +got):\n%s", tt.actor.Name, tt.perm, diff)
			}
		})
	}
}

func TestRoles(t *testing.T) {
	for _, r := range forkline.Roles() {
		t.Run(string(r)+" is valid and reads master data", func(t *testing.T) {
			if !r.Valid() {
				t.Errorf("(%q).Valid() = false, want true", r)
			}
			if !r.Has(forkline.PermMasterRead) {
				t.Errorf("(%q).Has(%s) = false, want true", r, forkline.PermMasterRead)
			}
		})
	}
	t.Run("an unknown role is not valid", func(t *testing.T) {
		if forkline.Role("owner").Valid() {
			t.Errorf("(\"owner\").Valid() = true, want false")
		}
	})
	t.Run("only admins manage users and tokens", func(t *testing.T) {
		for _, r := range forkline.Roles() {
			for _, p := range []forkline.Permission{forkline.PermUsersManage, forkline.PermTokensManage} {
				if got, want := r.Has(p), r == forkline.RoleAdmin; got != want {
					t.Errorf("(%q).Has(%s) = %t, want %t", r, p, got, want)
				}
			}
		}
	})
}

func TestActorInContext(t *testing.T) {
	t.Run("a context without an actor is unauthenticated", func(t *testing.T) {
		_, ok := forkline.ActorFrom(context.Background())
		if ok {
			t.Errorf("ActorFrom(empty context) ok = true, want false")
		}
		_, err := forkline.RequireActor(context.Background())
		if !errors.Is(err, forkline.ErrUnauthenticated) {
			t.Errorf("RequireActor(empty context) = %v, want %v", err, forkline.ErrUnauthenticated)
		}
	})
	t.Run("the actor put in a context comes back out", func(t *testing.T) {
		a := forkline.Actor{Kind: forkline.ActorUser, ID: "u1", Name: "pat", Grants: []forkline.Grant{{SiteID: "s", Role: forkline.RoleAdmin}}}
		got, err := forkline.RequireActor(forkline.WithActor(context.Background(), a))
		if err != nil {
			t.Fatalf("RequireActor error: %v", err)
		}
		if diff := cmp.Diff(a, got); diff != "" {
			t.Errorf("RequireActor mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestError(t *testing.T) {
	cause := errors.New("pq: password authentication failed for user \"forkline\"")
	tests := []struct {
		name      string
		err       error
		wantCode  forkline.Code
		wantMsg   string
		wantText  string
		wantField []forkline.FieldProblem
	}{
		{
			name: "nil has no code", err: nil, wantCode: "",
			wantMsg: "An internal error occurred. It has been logged.",
		},
		{
			name: "a plain error is internal and its text never reaches the user", err: cause, wantCode: forkline.Internal,
			wantMsg: "An internal error occurred. It has been logged.", wantText: cause.Error(),
		},
		{
			name: "an internal *Error hides its message too", err: &forkline.Error{Code: forkline.Internal, Msg: "disk /var/lib/x is full", Err: cause},
			wantCode: forkline.Internal, wantMsg: "An internal error occurred. It has been logged.",
			wantText: "internal: disk /var/lib/x is full: " + cause.Error(),
		},
		{
			name: "a wrapped *Error keeps its code and message", err: fmt.Errorf("update item: %w", forkline.ErrStaleVersion),
			wantCode: forkline.Conflict, wantMsg: forkline.ErrStaleVersion.Msg,
			wantText: "update item: conflict: " + forkline.ErrStaleVersion.Msg,
		},
		{
			name: "a not-found error shows its message", err: forkline.Errorf(forkline.NotFound, "Lot %s was not found.", "L-1"),
			wantCode: forkline.NotFound, wantMsg: "Lot L-1 was not found.", wantText: "not_found: Lot L-1 was not found.",
		},
		{
			name: "field problems are listed in the text",
			err: &forkline.Error{Code: forkline.Invalid, Msg: "The item is not valid.", Fields: []forkline.FieldProblem{
				{Field: "gtin", Rule: "check_digit", Msg: "gtin check digit is 2 but should be 1"}}},
			wantCode: forkline.Invalid, wantMsg: "The item is not valid.",
			wantText:  "invalid: The item is not valid.; gtin: gtin check digit is 2 but should be 1",
			wantField: []forkline.FieldProblem{{Field: "gtin", Rule: "check_digit", Msg: "gtin check digit is 2 but should be 1"}},
		},
		{
			name: "an error with only a code", err: &forkline.Error{Code: forkline.Unavailable},
			wantCode: forkline.Unavailable, wantMsg: "", wantText: "unavailable",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := forkline.ErrorCode(tt.err); got != tt.wantCode {
				t.Errorf("ErrorCode(%v) = %q, want %q", tt.err, got, tt.wantCode)
			}
			if got := forkline.ErrorMessage(tt.err); got != tt.wantMsg {
				t.Errorf("ErrorMessage(%v) = %q, want %q", tt.err, got, tt.wantMsg)
			}
			if tt.err != nil {
				if got := tt.err.Error(); got != tt.wantText {
					t.Errorf("Error() = %q, want %q", got, tt.wantText)
				}
			}
			if diff := cmp.Diff(tt.wantField, forkline.ErrorFields(tt.err)); diff != "" {
				t.Errorf("ErrorFields(%v) mismatch (-want +got):\n%s", tt.err, diff)
			}
		})
	}
}

func TestErrorIs(t *testing.T) {
	driverErr := errors.New("UNIQUE constraint failed: items.site_id, items.code")
	tests := []struct {
		name   string
		err    error
		target error
		want   bool
	}{
		{"a sentinel is itself", forkline.ErrStaleVersion, forkline.ErrStaleVersion, true},
		{"a wrapped sentinel", fmt.Errorf("update: %w", forkline.ErrStaleVersion), forkline.ErrStaleVersion, true},
		{"a copy with the same code and message, wrapping a driver error", &forkline.Error{Code: forkline.Conflict, Msg: forkline.ErrDuplicate.Msg, Err: driverErr}, forkline.ErrDuplicate, true},
		{"the driver error inside stays reachable", &forkline.Error{Code: forkline.Conflict, Msg: forkline.ErrDuplicate.Msg, Err: driverErr}, driverErr, true},
		{"two conflicts with different messages differ", forkline.ErrDuplicate, forkline.ErrStaleVersion, false},
		{"the same message with another code differs", &forkline.Error{Code: forkline.Invalid, Msg: forkline.ErrNotFound.Msg}, forkline.ErrNotFound, false},
		{"a plain error is no sentinel", driverErr, forkline.ErrNotFound, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errors.Is(tt.err, tt.target); got != tt.want {
				t.Errorf("errors.Is(%v, %v) = %t, want %t", tt.err, tt.target, got, tt.want)
			}
		})
	}
}

func TestProblems(t *testing.T) {
	t.Run("no problems is no error", func(t *testing.T) {
		var p forkline.Problems
		p.Required("code", "FLOUR")
		p.MaxLen("code", "FLOUR", 5)
		if err := p.Err("The item is not valid."); err != nil {
			t.Errorf("Err() = %v, want nil", err)
		}
		if got := p.List(); got != nil {
			t.Errorf("List() = %v, want nil", got)
		}
	})
	t.Run("every problem is kept, in order, in an invalid error", func(t *testing.T) {
		var p forkline.Problems
		p.Required("code", "  \t")
		p.Required("name", "")
		p.MaxLen("name", "ééééé", 4) // five characters, ten bytes
		p.MaxLen("note", "éééé", 4)  // four characters: fine
		p.Add("kind", "one_of", "kind must be raw")
		p.Merge("line 3: ", []forkline.FieldProblem{{Field: "gtin", Rule: "check_digit", Msg: "bad"}})
		err := p.Err("The item is not valid.")
		if code := forkline.ErrorCode(err); code != forkline.Invalid {
			t.Fatalf("ErrorCode(Err()) = %q, want %q", code, forkline.Invalid)
		}
		if msg := forkline.ErrorMessage(err); msg != "The item is not valid." {
			t.Errorf("ErrorMessage(Err()) = %q, want %q", msg, "The item is not valid.")
		}
		want := []forkline.FieldProblem{
			{Field: "code", Rule: "required", Msg: "code is required"},
			{Field: "name", Rule: "required", Msg: "name is required"},
			{Field: "name", Rule: "max_length", Msg: "name must be at most 4 characters"},
			{Field: "kind", Rule: "one_of", Msg: "kind must be raw"},
			{Field: "line 3: gtin", Rule: "check_digit", Msg: "bad"},
		}
		if diff := cmp.Diff(want, forkline.ErrorFields(err)); diff != "" {
			t.Errorf("ErrorFields(Err()) mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestQuantityTextRoundTrips(t *testing.T) {
	for _, in := range []string{"12 ea", "0.75 kg", "-3.000001 lb", "60 case"} {
		q, err := forkline.ParseQuantity(in)
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(struct{ Q forkline.Quantity }{q})
		if err != nil {
			t.Fatal(err)
		}
		var back struct{ Q forkline.Quantity }
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if back.Q != q || !strings.Contains(string(b), in) {
			t.Errorf("JSON round trip of %s = %s -> %v", in, b, back.Q)
		}
	}
}
