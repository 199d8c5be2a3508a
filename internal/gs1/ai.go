package gs1

import (
	"fmt"
	"strconv"
	"time"
)

// aiDef is the GS1 AI table entry of one application identifier: its format
// as the GS1 General Specifications (section 3) and the GS1 Barcode Syntax
// Dictionary define it.
type aiDef struct {
	title   string // what a person at the dock calls the element
	fixed   int    // the exact length of a predefined-length value; 0 for a variable one
	max     int    // the longest variable value
	numeric bool   // digits only (N); otherwise GS1 AI encodable character set 82 (X)
	check   bool   // the last digit is a mod-10 check digit (GTIN, SSCC)
	date    bool   // YYMMDD, where DD 00 means the last day of the month
}

// lookup returns the definition of ai, or false for an AI this package does
// not read.
func lookup(ai string) (aiDef, bool) {
	switch ai {
	case "00":
		return aiDef{title: "SSCC", fixed: 18, numeric: true, check: true}, true
	case "01":
		return aiDef{title: "GTIN", fixed: 14, numeric: true, check: true}, true
	case "02":
		return aiDef{title: "GTIN of contained items", fixed: 14, numeric: true, check: true}, true
	case "10":
		return aiDef{title: "Lot", max: 20}, true
	case "11":
		return aiDef{title: "Production date", fixed: 6, numeric: true, date: true}, true
	case "13":
		return aiDef{title: "Packaging date", fixed: 6, numeric: true, date: true}, true
	case "15":
		return aiDef{title: "Best before date", fixed: 6, numeric: true, date: true}, true
	case "17":
		return aiDef{title: "Expiry date", fixed: 6, numeric: true, date: true}, true
	case "21":
		return aiDef{title: "Serial number", max: 20}, true
	case "22":
		return aiDef{title: "Consumer product variant", max: 20}, true
	case "30":
		return aiDef{title: "Variable count", max: 8, numeric: true}, true
	case "37":
		return aiDef{title: "Count of contained items", max: 8, numeric: true}, true
	case "3100", "3101", "3102", "3103", "3104", "3105":
		return aiDef{title: "Net weight in kg", fixed: 6, numeric: true}, true
	case "3200", "3201", "3202", "3203", "3204", "3205":
		return aiDef{title: "Net weight in lb", fixed: 6, numeric: true}, true
	}
	return aiDef{}, false
}

// aiLength returns how many digits an AI starting with the two digits p has,
// following the AI ranges of the GS1 General Specifications. It serves to name
// an AI this package does not read; unassigned ranges count as two digits.
func aiLength(p string) int {
	switch {
	case p >= "23" && p <= "25", p >= "40" && p <= "42", p == "71":
		return 3
	case p >= "31" && p <= "36", p == "39", p == "43", p == "70", p == "72", p >= "80" && p <= "82":
		return 4
	}
	return 2
}

// group returns the key under which an AI counts as a repeat: the AIs of one
// measure with a different decimal position (3102, 3103) are one group, and
// two of them in one barcode are an invalid pair.
func group(ai string) string {
	if len(ai) == 4 && (ai[:3] == "310" || ai[:3] == "320") {
		return ai[:3] + "n"
	}
	return ai
}

// exclusive lists the invalid pairs of the GS1 Barcode Syntax Dictionary
// (its "ex=" rules) among the AIs read here: the GTIN of a trade item never
// appears with the GTIN of contained items or with their count.
func exclusive(a, b string) bool {
	pair := func(x, y string) bool { return a == x && b == y || a == y && b == x }
	return pair("01", "02") || pair("01", "37")
}

// isCSet82 reports whether c is in the GS1 AI encodable character set 82:
// ! " % & ' ( ) * + , - . / 0-9 : ; < = > ? A-Z _ a-z.
func isCSet82(c byte) bool {
	switch {
	case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		return true
	case c >= '%' && c <= '/', c >= ':' && c <= '?':
		return true
	}
	return c == '!' || c == '"' || c == '_'
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// checkDigit returns the GS1 mod-10 check digit of the digits s, which
// excludes the check digit itself (GS1 General Specifications section 7.9):
// weights 3 and 1 alternate from the right.
func checkDigit(s string) int {
	sum := 0
	for i := len(s) - 1; i >= 0; i -= 2 {
		sum += 3 * int(s[i]-'0')
	}
	for i := len(s) - 2; i >= 0; i -= 2 {
		sum += int(s[i] - '0')
	}
	return (10 - sum%10) % 10
}

// parseDate reads a YYMMDD value (digits already checked). The century
// follows GS1 General Specifications section 7.12: a two-digit year lies
// from 49 years before to 50 years after the year of today. DD 00 stands for
// the last day of the month, leap years included.
func parseDate(title, v string, today time.Time) (time.Time, string) {
	yy, _ := strconv.Atoi(v[0:2])
	mm, _ := strconv.Atoi(v[2:4])
	dd, _ := strconv.Atoi(v[4:6])
	year := fullYear(yy, today.Year())
	if mm < 1 || mm > 12 {
		return time.Time{}, fmt.Sprintf("%s %s has month %02d; a month is 01 to 12", title, v, mm)
	}
	last := time.Date(year, time.Month(mm)+1, 0, 0, 0, 0, 0, time.UTC).Day()
	if dd == 0 {
		dd = last
	}
	if dd > last {
		return time.Time{}, fmt.Sprintf("%s %s has day %02d, but %s %d has %d days", title, v, dd, time.Month(mm), year, last)
	}
	return time.Date(year, time.Month(mm), dd, 0, 0, 0, 0, time.UTC), ""
}

// fullYear applies the sliding window of section 7.12 to the two-digit year
// yy, relative to the year now.
func fullYear(yy, now int) int {
	century := now - mod(now, 100)
	switch diff := yy - mod(now, 100); {
	case diff >= 51:
		return century - 100 + yy
	case diff <= -50:
		return century + 100 + yy
	}
	return century + yy
}

func mod(a, b int) int { return (a%b + b) % b }

// describe names a byte for a message: printable ASCII as itself, anything
// else by its code.
func describe(c byte) string {
	if c > ' ' && c < 0x7f {
		return strconv.Quote(string(c))
	}
	switch c {
	case ' ':
		return "a space"
	case gs:
		return "a group separator (FNC1)"
	}
	return fmt.Sprintf("the byte 0x%02X", c)
}

// plural returns "1 digit" or "6 digits".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// unitWord is what a value of def is made of.
func (d aiDef) unitWord() string {
	if d.numeric {
		return "digit"
	}
	return "character"
}

// lengthRule describes the length def allows, e.g. "14 digits" or "at most
// 20 characters".
func (d aiDef) lengthRule() string {
	if d.fixed > 0 {
		s := plural(d.fixed, d.unitWord())
		if d.date {
			s += " (YYMMDD)"
		}
		return s
	}
	return "at most " + plural(d.max, d.unitWord())
}

// field names an AI as the field of a problem: "(01)".
func field(ai string) string { return "(" + ai + ")" }

// title returns the name of ai for messages, falling back to "AI (ai)".
func title(ai string) string {
	if d, ok := lookup(ai); ok {
		return d.title
	}
	return "AI " + field(ai)
}
