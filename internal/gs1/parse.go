package gs1

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/forkline/forkline"
)

// gs is the ASCII group separator that scanners send for FNC1: it ends a
// variable-length value.
const gs = 0x1D

// ErrUnreadable is the error Parse returns, with the problems in its Fields;
// errors.Is(err, ErrUnreadable) holds for every refusal.
var ErrUnreadable = &forkline.Error{Code: forkline.Invalid, Msg: "The barcode could not be read as GS1 data."}

// scanField is the problem field for a fault of the scan as a whole rather
// than of one AI.
const scanField = "barcode"

// Parse reads one scan: GS1 element strings as a GS1-128, GS1 DataMatrix,
// GS1 QR Code or GS1 DataBar scanner sends them (an optional symbology
// identifier such as "]C1", FNC1 as the group separator 0x1D), the same in
// the human-readable form with parentheses, or a GS1 Digital Link URI.
//
// today places two-digit years in their century (GS1 General Specifications
// section 7.12); only its year counts, so pass the plant's local date.
//
// Every refusal is an *forkline.Error with code Invalid, message
// ErrUnreadable.Msg and one FieldProblem per fault, its Field naming the AI
// as "(01)", or "barcode" for a fault of the scan as a whole. An AI this
// package does not read is refused, never skipped, except for query
// parameters of a Digital Link whose names are not digits (such as
// utm_source), which carry no GS1 data.
func Parse(s string, today time.Time) (Data, error) {
	p := &parser{today: today}
	p.scan(s)
	if list := p.problems.List(); len(list) > 0 {
		return Data{}, &forkline.Error{Code: forkline.Invalid, Msg: ErrUnreadable.Msg, Fields: list}
	}
	return p.data, nil
}

type parser struct {
	today    time.Time
	data     Data
	problems forkline.Problems
}

func (p *parser) add(field, rule, msg string) { p.problems.Add(field, rule, msg) }

// carriesElements reports whether sym, a symbology identifier of ISO/IEC
// 15424, is a carrier of GS1 element strings: GS1-128, GS1 DataMatrix,
// GS1 QR Code or GS1 DataBar.
func carriesElements(sym string) bool {
	return sym == "]C1" || sym == "]d2" || sym == "]Q3" || sym == "]e0"
}

// carriesLink reports whether sym is a plain QR Code or Data Matrix, the
// carriers of a GS1 Digital Link URI.
func carriesLink(sym string) bool { return sym == "]Q1" || sym == "]d1" }

func (p *parser) scan(s string) {
	// Keyboard-wedge scanners end a scan with Enter; no GS1 value holds a space.
	s = strings.TrimSpace(s)
	if s == "" {
		p.add(scanField, "required", "The scan is empty; scan the barcode again.")
		return
	}
	sym := ""
	if s[0] == ']' {
		if len(s) < 3 {
			p.add(scanField, "symbology", fmt.Sprintf("The scan %q is too short to hold GS1 data.", s))
			return
		}
		sym, s = s[:3], s[3:]
	}
	switch {
	case isLink(s):
		if sym != "" && !carriesLink(sym) {
			p.add(scanField, "symbology", fmt.Sprintf("The scanner reports symbology %s, which does not carry a GS1 Digital Link.", sym))
			return
		}
		p.digitalLink(s)
	case sym != "" && !carriesElements(sym):
		p.add(scanField, "symbology", fmt.Sprintf("The scanner reports symbology %s, which does not carry GS1 data; scan the GS1 barcode on the label.", sym))
		return
	case strings.HasPrefix(s, "("):
		p.bracketed(s)
	default:
		p.elementString(s)
	}
	if len(p.problems.List()) == 0 && len(p.data.AIs) == 0 {
		p.add(scanField, "required", "The scan holds no GS1 data.")
	}
}

// elementString reads AIs and values as a scanner transmits them: a value of
// predefined length runs on into the next AI; a variable-length value ends at
// a group separator or at the end of the data.
func (p *parser) elementString(s string) {
	i := 0
	if len(s) > 0 && s[0] == gs { // FNC1 in first position, sent by some scanners
		i++
	}
	for i < len(s) {
		ai, def, ok := p.readAI(s, i)
		if !ok {
			return
		}
		i += len(ai)
		var v string
		if def.fixed > 0 {
			n := 0
			for n < def.fixed && i+n < len(s) && s[i+n] != gs {
				n++
			}
			if n < def.fixed {
				p.add(field(ai), "length", fmt.Sprintf("%s must be %s, but the barcode has only %d.",
					def.title, def.lengthRule(), n))
				return
			}
			v = s[i : i+n]
		} else {
			n := strings.IndexByte(s[i:], gs)
			if n < 0 {
				n = len(s) - i
			}
			v = s[i : i+n]
		}
		i += len(v)
		p.element(ai, def, v)
		if i < len(s) && s[i] == gs {
			i++
		}
	}
}

// readAI reads the AI at s[i:]. The first two digits tell how many digits
// the AI has.
func (p *parser) readAI(s string, i int) (string, aiDef, bool) {
	if i+2 > len(s) || !isDigits(s[i:i+2]) {
		end := min(i+2, len(s))
		p.add(scanField, "syntax", fmt.Sprintf("Expected an AI (two to four digits) at position %d, but found %q.", i+1, s[i:end]))
		return "", aiDef{}, false
	}
	ai := s[i : i+2]
	if _, ok := lookup(ai); !ok {
		n := aiLength(ai)
		if i+n > len(s) || !isDigits(s[i:i+n]) {
			p.add(scanField, "syntax", fmt.Sprintf("The barcode ends inside the AI starting %q.", s[i:min(i+n, len(s))]))
			return "", aiDef{}, false
		}
		ai = s[i : i+n]
	}
	def, ok := lookup(ai)
	if !ok {
		p.unknown(ai)
		return "", aiDef{}, false
	}
	return ai, def, true
}

func (p *parser) unknown(ai string) {
	p.add(field(ai), "unknown_ai", fmt.Sprintf("The barcode holds AI (%s), which Forkline does not read; enter its data by hand.", ai))
}

// bracketed reads the human-readable form "(01)09501101530003(10)AB-123".
// A value ends where "(", digits and ")" start the next AI; "\(" is a "("
// inside a value.
func (p *parser) bracketed(s string) {
	i := 0
	for {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if i == len(s) {
			return
		}
		ai, n := aiMarker(s, i)
		if n == 0 {
			p.add(scanField, "syntax", fmt.Sprintf("Expected an AI in parentheses such as (01) at position %d, but found %q.", i+1, s[i:min(i+6, len(s))]))
			return
		}
		i += n
		def, ok := lookup(ai)
		if !ok {
			p.unknown(ai)
			return
		}
		var b strings.Builder
		for i < len(s) {
			if s[i] == '\\' && i+1 < len(s) && s[i+1] == '(' {
				b.WriteByte('(')
				i += 2
				continue
			}
			if _, n := aiMarker(s, i); n > 0 {
				break
			}
			b.WriteByte(s[i])
			i++
		}
		p.element(ai, def, strings.Trim(b.String(), " "))
	}
}

// aiMarker returns the AI and the length of "(digits)" at s[i:], or a zero
// length if there is none.
func aiMarker(s string, i int) (string, int) {
	if i >= len(s) || s[i] != '(' {
		return "", 0
	}
	j := i + 1
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j == i+1 || j >= len(s) || s[j] != ')' {
		return "", 0
	}
	return s[i+1 : j], j + 1 - i
}

// element checks one value against the rules of its AI and, if it passes,
// records it.
func (p *parser) element(ai string, def aiDef, v string) {
	f := field(ai)
	switch {
	case v == "":
		p.add(f, "required", def.title+" is empty.")
		return
	case def.fixed > 0 && len(v) != def.fixed:
		p.add(f, "length", fmt.Sprintf("%s must be %s, not %d.", def.title, def.lengthRule(), len(v)))
		return
	case def.fixed == 0 && len(v) > def.max:
		p.add(f, "max_length", fmt.Sprintf("%s is %s long; GS1 allows %s.", def.title, plural(len(v), def.unitWord()), def.lengthRule()))
		return
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if def.numeric && (c < '0' || c > '9') {
			p.add(f, "numeric", fmt.Sprintf("%s must be digits only, but has %s.", def.title, describe(c)))
			return
		}
		if !def.numeric && !isCSet82(c) {
			p.add(f, "charset", fmt.Sprintf("%s has %s, which GS1 barcodes do not allow.", def.title, describe(c)))
			return
		}
	}
	if def.check {
		want, got := checkDigit(v[:len(v)-1]), int(v[len(v)-1]-'0')
		if got != want {
			p.add(f, "check_digit", fmt.Sprintf("%s check digit is %d but should be %d.", def.title, got, want))
			return
		}
	}
	var date time.Time
	if def.date {
		var msg string
		if date, msg = parseDate(def.title, v, p.today); msg != "" {
			p.add(f, "date", msg+".")
			return
		}
	}
	for _, e := range p.data.AIs {
		switch {
		case e.AI == ai && e.Value == v:
			return // the same element twice says nothing new
		case e.AI == ai:
			p.add(f, "duplicate", fmt.Sprintf("%s appears twice with different values, %q and %q.", def.title, e.Value, v))
			return
		case group(e.AI) == group(ai):
			p.add(f, "duplicate", fmt.Sprintf("%s appears twice, as (%s) and (%s).", def.title, e.AI, ai))
			return
		case exclusive(e.AI, ai):
			p.add(f, "exclusive", fmt.Sprintf("%s (%s) cannot appear together with %s (%s).", def.title, ai, title(e.AI), e.AI))
			return
		}
	}
	p.data.AIs = append(p.data.AIs, Element{AI: ai, Value: v})
	p.data.apply(ai, v, date)
}

// apply sets the field of one checked element.
func (d *Data) apply(ai, v string, date time.Time) {
	switch ai {
	case "00":
		d.SSCC = v
	case "01":
		d.GTIN = v
	case "02":
		d.ContentGTIN = v
	case "10":
		d.Lot = v
	case "21":
		d.Serial = v
	case "22":
		d.Variant = v
	case "11":
		d.Production = date
	case "13":
		d.Packaging = date
	case "15":
		d.BestBefore = date
	case "17":
		d.Expiry = date
	case "30":
		d.VariableCount, _ = strconv.Atoi(v)
	case "37":
		d.Count, _ = strconv.Atoi(v)
	default: // 310n, 320n: six digits with n decimals
		unit := forkline.Kilogram
		if ai[:3] == "320" {
			unit = forkline.Pound
			if d.HasNetWeight && d.NetWeight.Unit == forkline.Kilogram {
				return
			}
		}
		micros, _ := strconv.ParseInt(v, 10, 64)
		for range forkline.Scale - int(ai[3]-'0') {
			micros *= 10
		}
		d.NetWeight = forkline.QuantityFromMicros(micros, unit)
		d.HasNetWeight = true
	}
}
