package gs1_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/gs1"
)

// today is the reference date of the tests: two-digit years lie in 1977-2076.
var today = time.Date(2026, time.March, 15, 0, 0, 0, 0, time.UTC)

const gs = "\x1d"

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func kg(micros int64) forkline.Quantity {
	return forkline.QuantityFromMicros(micros, forkline.Kilogram)
}

func lb(micros int64) forkline.Quantity { return forkline.QuantityFromMicros(micros, forkline.Pound) }

// els builds an element list from AI, value pairs.
func els(kv ...string) []gs1.Element {
	var out []gs1.Element
	for i := 0; i < len(kv); i += 2 {
		out = append(out, gs1.Element{AI: kv[i], Value: kv[i+1]})
	}
	return out
}

// quantityEqual lets go-cmp compare quantities, whose amount is unexported.
var quantityEqual = cmp.Comparer(func(a, b forkline.Quantity) bool { return a == b })

// scans are real barcode data: examples of the GS1 General Specifications
// and the GS1 Digital Link standard, and scans as receiving-dock scanners
// send them.
var scans = []struct {
	name string
	in   string
	want gs1.Data
}{
	{
		name: "a GS1-128 with a GTIN and a net weight in kg, in parentheses",
		in:   "(01)09521234543213(3103)000123",
		want: gs1.Data{GTIN: "09521234543213", NetWeight: kg(123_000), HasNetWeight: true,
			AIs: els("01", "09521234543213", "3103", "000123")},
	},
	{
		name: "a GS1-128 scan with symbology identifier, GTIN and lot",
		in:   "]C1011234567890123110ABC123",
		want: gs1.Data{GTIN: "12345678901231", Lot: "ABC123", AIs: els("01", "12345678901231", "10", "ABC123")},
	},
	{
		name: "a GS1-128 scan where FNC1 ends the lot before the expiry date",
		in:   "]C1011234567890123110ABC123" + gs + "17261231",
		want: gs1.Data{GTIN: "12345678901231", Lot: "ABC123", Expiry: day(2026, time.December, 31),
			AIs: els("01", "12345678901231", "10", "ABC123", "17", "261231")},
	},
	{
		name: "the GS1 Digital Link example with lot, serial and expiry",
		in:   "https://id.gs1.org/01/09520123456788/10/ABC1/21/12345?17=180426",
		want: gs1.Data{GTIN: "09520123456788", Lot: "ABC1", Serial: "12345", Expiry: day(2018, time.April, 26),
			AIs: els("01", "09520123456788", "10", "ABC1", "21", "12345", "17", "180426")},
	},
	{
		name: "an SSCC of a pallet",
		in:   "(00)106141412345678908",
		want: gs1.Data{SSCC: "106141412345678908", AIs: els("00", "106141412345678908")},
	},
	{
		name: "a label in parentheses with GTIN, expiry and lot",
		in:   "(01)09501101530003(17)260731(10)AB-123",
		want: gs1.Data{GTIN: "09501101530003", Expiry: day(2026, time.July, 31), Lot: "AB-123",
			AIs: els("01", "09501101530003", "17", "260731", "10", "AB-123")},
	},
	{
		name: "a Digital Link with expiry and net weight in the query",
		in:   "https://id.gs1.org/01/09506000134352/10/ABC123?17=261231&3103=000750",
		want: gs1.Data{GTIN: "09506000134352", Lot: "ABC123", Expiry: day(2026, time.December, 31),
			NetWeight: kg(750_000), HasNetWeight: true,
			AIs: els("01", "09506000134352", "10", "ABC123", "17", "261231", "3103", "000750")},
	},
	{
		name: "a GS1 DataMatrix whose expiry day 00 means the end of a leap February",
		in:   "]d2010950600013435217280200" + "10ABC123",
		want: gs1.Data{GTIN: "09506000134352", Expiry: day(2028, time.February, 29), Lot: "ABC123",
			AIs: els("01", "09506000134352", "17", "280200", "10", "ABC123")},
	},
	{
		name: "a logistic label with contained GTIN, count, best before and lot",
		in:   "]C10209501101020917" + "3710" + gs + "15260630" + "10ABC",
		want: gs1.Data{ContentGTIN: "09501101020917", Count: 10, BestBefore: day(2026, time.June, 30), Lot: "ABC",
			AIs: els("02", "09501101020917", "37", "10", "15", "260630", "10", "ABC")},
	},
	{
		name: "a net weight in pounds with two decimals",
		in:   "(01)09501101530003(3202)001250",
		want: gs1.Data{GTIN: "09501101530003", NetWeight: lb(12_500_000), HasNetWeight: true,
			AIs: els("01", "09501101530003", "3202", "001250")},
	},
	{
		name: "both net weights: the one in kg fills the form",
		in:   "(01)09501101530003(3202)001102(3102)000500",
		want: gs1.Data{GTIN: "09501101530003", NetWeight: kg(5_000_000), HasNetWeight: true,
			AIs: els("01", "09501101530003", "3202", "001102", "3102", "000500")},
	},
	{
		name: "a GS1 QR Code with production and packaging dates and a serial",
		in:   "]Q30109506000134352" + "11260301" + "13260302" + "21SN-7/A",
		want: gs1.Data{GTIN: "09506000134352", Production: day(2026, time.March, 1), Packaging: day(2026, time.March, 2),
			Serial: "SN-7/A", AIs: els("01", "09506000134352", "11", "260301", "13", "260302", "21", "SN-7/A")},
	},
	{
		name: "a GS1 DataBar Expanded with net weight and best before",
		in:   "]e0010950110153000331030012341526041510L7",
		want: gs1.Data{GTIN: "09501101530003", NetWeight: kg(1_234_000), HasNetWeight: true,
			BestBefore: day(2026, time.April, 15), Lot: "L7",
			AIs: els("01", "09501101530003", "3103", "001234", "15", "260415", "10", "L7")},
	},
	{
		name: "a scanner that sends FNC1 first, a separator at the end and Enter",
		in:   gs + "010950110153000310L1" + gs + "\r\n",
		want: gs1.Data{GTIN: "09501101530003", Lot: "L1", AIs: els("01", "09501101530003", "10", "L1")},
	},
	{
		name: "a separator after a predefined-length value",
		in:   "0209501101020917" + gs + "3710",
		want: gs1.Data{ContentGTIN: "09501101020917", Count: 10, AIs: els("02", "09501101020917", "37", "10")},
	},
	{
		name: "a variable count of a variable-measure item",
		in:   "(01)09501101530003(30)12",
		want: gs1.Data{GTIN: "09501101530003", VariableCount: 12, AIs: els("01", "09501101530003", "30", "12")},
	},
	{
		name: "a Digital Link on another host with a GTIN-13",
		in:   "https://example.com/01/9520123456788",
		want: gs1.Data{GTIN: "09520123456788", AIs: els("01", "09520123456788")},
	},
	{
		name: "a Digital Link with a path prefix, percent-encoding and marketing parameters",
		in:   "https://brand.example.com/products/01/09506000134352/10/AB%2F12%25?linkType=gs1:pip&utm_source=label&15=270101",
		want: gs1.Data{GTIN: "09506000134352", Lot: "AB/12%", BestBefore: day(2027, time.January, 1),
			AIs: els("01", "09506000134352", "10", "AB/12%", "15", "270101")},
	},
	{
		name: "a Digital Link with a consumer product variant and lot",
		in:   "https://id.gs1.org/01/09520123456788/22/2A/10/ABC1",
		want: gs1.Data{GTIN: "09520123456788", Variant: "2A", Lot: "ABC1",
			AIs: els("01", "09520123456788", "22", "2A", "10", "ABC1")},
	},
	{
		name: "a Digital Link for an SSCC read from a plain QR Code",
		in:   "]Q1https://id.gs1.org/00/106141412345678908",
		want: gs1.Data{SSCC: "106141412345678908", AIs: els("00", "106141412345678908")},
	},
	{
		name: "a Digital Link in capitals with a trailing slash",
		in:   "HTTPS://ID.GS1.ORG/01/09520123456788/",
		want: gs1.Data{GTIN: "09520123456788", AIs: els("01", "09520123456788")},
	},
	{
		name: "a lot with an escaped parenthesis in the bracketed form",
		in:   `(01)09501101530003(10)A\(1)B`,
		want: gs1.Data{GTIN: "09501101530003", Lot: "A(1)B", AIs: els("01", "09501101530003", "10", "A(1)B")},
	},
	{
		name: "a lot with a parenthesis that starts no AI",
		in:   "(10)A(B)",
		want: gs1.Data{Lot: "A(B)", AIs: els("10", "A(B)")},
	},
	{
		name: "a hand-typed label with spaces between the elements",
		in:   "(01) 09501101530003 (10) AB-123\r\n",
		want: gs1.Data{GTIN: "09501101530003", Lot: "AB-123", AIs: els("01", "09501101530003", "10", "AB-123")},
	},
	{
		name: "an element repeated with the same value is kept once",
		in:   "(01)09501101530003(10)X(01)09501101530003",
		want: gs1.Data{GTIN: "09501101530003", Lot: "X", AIs: els("01", "09501101530003", "10", "X")},
	},
	{
		name: "every character of set 82 in a lot",
		in:   `(10)!"%&'\(()*+,-./:;<=>?(21)Az_09`,
		want: gs1.Data{Lot: `!"%&'(()*+,-./:;<=>?`, Serial: "Az_09", AIs: els("10", `!"%&'(()*+,-./:;<=>?`, "21", "Az_09")},
	},
}

func TestParseReadsRealScans(t *testing.T) {
	for _, tt := range scans {
		t.Run(tt.name, func(t *testing.T) {
			got, err := gs1.Parse(tt.in, today)
			if err != nil {
				t.Fatalf("Parse(%q) error: %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got, quantityEqual); diff != "" {
				t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
			again, err := gs1.Parse(got.String(), today)
			if err != nil {
				t.Fatalf("Parse(%q), the String of Parse(%q), error: %v", got.String(), tt.in, err)
			}
			if diff := cmp.Diff(got, again, quantityEqual); diff != "" {
				t.Errorf("Parse(%q) differs after String (-first +again):\n%s", got.String(), diff)
			}
		})
	}
}

func TestDataStringWritesTheBracketedForm(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"]C1011234567890123110ABC123" + gs + "17261231", "(01)12345678901231(10)ABC123(17)261231"},
		{"https://id.gs1.org/01/9520123456788/10/A(1)?3103=000750", `(01)09520123456788(10)A\(1)(3103)000750`},
		{"(00)106141412345678908", "(00)106141412345678908"},
	}
	for _, tt := range tests {
		d, err := gs1.Parse(tt.in, today)
		if err != nil {
			t.Fatalf("Parse(%q) error: %v", tt.in, err)
		}
		if got := d.String(); got != tt.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// refusals are scans that must not fill a form, each with the problems it
// must report: field, rule and a part of the message.
var refusals = []struct {
	name string
	in   string
	want []problem
}{
	{"a GTIN with a wrong check digit", "(01)09521234543212",
		[]problem{{"(01)", "check_digit", "GTIN check digit is 2 but should be 3."}}},
	{"an SSCC with a wrong check digit", "]C100106141412345678909",
		[]problem{{"(00)", "check_digit", "SSCC check digit is 9 but should be 8."}}},
	{"a contained GTIN with a wrong check digit", "0209501101020916" + "3710",
		[]problem{{"(02)", "check_digit", "GTIN of contained items check digit is 6 but should be 7."}}},
	{"a Digital Link GTIN with a wrong check digit", "https://id.gs1.org/01/09520123456789",
		[]problem{{"(01)", "check_digit", "check digit is 9 but should be 8"}}},
	{"an expiry in month 13", "(01)09501101530003(17)261331",
		[]problem{{"(17)", "date", "Expiry date 261331 has month 13"}}},
	{"a best before in month 00", "(15)260015",
		[]problem{{"(15)", "date", "month 00"}}},
	{"a best before on 30 February", "(15)260230",
		[]problem{{"(15)", "date", "Best before date 260230 has day 30, but February 2026 has 28 days."}}},
	{"a production date on 29 February of a common year", "(11)270229",
		[]problem{{"(11)", "date", "February 2027 has 28 days"}}},
	{"a packaging date on 31 April", "(13)260431",
		[]problem{{"(13)", "date", "April 2026 has 30 days"}}},
	{"a lot of 21 characters", "(10)ABCDEFGHIJKLMNOPQRSTU",
		[]problem{{"(10)", "max_length", "Lot is 21 characters long; GS1 allows at most 20 characters."}}},
	{"a lot that swallowed the next AI because FNC1 is missing", "0109501101530003" + "10LOT-2026-03-15-A" + "17261231",
		[]problem{{"(10)", "max_length", "Lot is 24 characters long"}}},
	{"a serial of 21 characters", "https://id.gs1.org/01/09520123456788/21/123456789012345678901",
		[]problem{{"(21)", "max_length", "Serial number is 21 characters long"}}},
	{"a count of 9 digits", "(02)09501101020917(37)123456789",
		[]problem{{"(37)", "max_length", "at most 8 digits"}}},
	{"an AI this package does not read, in a GS1-128 scan", "0109501101530003" + "240ABC",
		[]problem{{"(240)", "unknown_ai", "The barcode holds AI (240), which Forkline does not read"}}},
	{"an internal AI in parentheses", "(01)09501101530003(99)XYZ",
		[]problem{{"(99)", "unknown_ai", "AI (99)"}}},
	{"a net weight with six decimals", "0109501101530003" + "3106000100",
		[]problem{{"(3106)", "unknown_ai", "AI (3106)"}}},
	{"a gross weight", "(01)09501101530003(3301)000100",
		[]problem{{"(3301)", "unknown_ai", "AI (3301)"}}},
	{"an unknown AI in a Digital Link query", "https://id.gs1.org/01/09520123456788?99=internal",
		[]problem{{"(99)", "unknown_ai", "AI (99)"}}},
	{"a GLN as the Digital Link primary key", "https://id.gs1.org/414/9520123456788",
		[]problem{{"(414)", "unknown_ai", "AI (414)"}}},
	{"a GTIN cut short", "]C1010950110153",
		[]problem{{"(01)", "length", "GTIN must be 14 digits, but the barcode has only 10."}}},
	{"an expiry date cut short", "0109501101530003" + "1726",
		[]problem{{"(17)", "length", "Expiry date must be 6 digits (YYMMDD), but the barcode has only 2."}}},
	{"a date interrupted by FNC1", "0109501101530003" + "1526" + gs + "10A",
		[]problem{{"(15)", "length", "has only 2."}}},
	{"a GTIN of 13 digits in parentheses", "(01)9501101530003",
		[]problem{{"(01)", "length", "GTIN must be 14 digits, not 13."}}},
	{"a Digital Link GTIN of 11 digits", "https://id.gs1.org/01/95011015300",
		[]problem{{"(01)", "length", "GTIN must be 14 digits, not 11."}}},
	{"the AI cut short", "0109501101530003" + "3",
		[]problem{{"barcode", "syntax", "Expected an AI"}}},
	{"a four-digit AI cut short", "0109501101530003" + "310",
		[]problem{{"barcode", "syntax", "The barcode ends inside the AI starting \"310\"."}}},
	{"a letter in a GTIN", "(01)0950110153000A",
		[]problem{{"(01)", "numeric", `GTIN must be digits only, but has "A".`}}},
	{"a letter O for a zero in a net weight", "(01)09501101530003(3103)00075O",
		[]problem{{"(3103)", "numeric", `has "O"`}}},
	{"a letter in a count", "(02)09501101020917(37)1O",
		[]problem{{"(37)", "numeric", "Count of contained items must be digits only"}}},
	{"a hash sign in a lot", "(10)AB#1",
		[]problem{{"(10)", "charset", `Lot has "#", which GS1 barcodes do not allow.`}}},
	{"an at sign in a serial", "0109501101530003" + "21SN@1",
		[]problem{{"(21)", "charset", `"@"`}}},
	{"a space inside a lot", "(10)AB 12",
		[]problem{{"(10)", "charset", "Lot has a space"}}},
	{"a letter outside ASCII in a lot", "(10)MÜHLE",
		[]problem{{"(10)", "charset", "the byte 0xC3"}}},
	{"a control character in a lot", "(10)A\x01B",
		[]problem{{"(10)", "charset", "the byte 0x01"}}},
	{"a lot with a different value the second time", "(01)09501101530003(10)A(10)B",
		[]problem{{"(10)", "duplicate", `Lot appears twice with different values, "A" and "B".`}}},
	{"two kg net weights with different decimals", "(01)09501101530003(3102)000500(3103)005000",
		[]problem{{"(3103)", "duplicate", "Net weight in kg appears twice, as (3102) and (3103)."}}},
	{"a Digital Link whose query repeats the lot with another value", "https://id.gs1.org/01/09520123456788/10/A?10=B",
		[]problem{{"(10)", "duplicate", "twice"}}},
	{"a GTIN together with a contained GTIN", "(01)09501101530003(02)09501101020917",
		[]problem{{"(02)", "exclusive", "GTIN of contained items (02) cannot appear together with GTIN (01)."}}},
	{"a GTIN together with a count of contained items", "(37)5(01)09501101530003",
		[]problem{{"(01)", "exclusive", "(01) cannot appear together with Count of contained items (37)"}}},
	{"an empty lot", "(01)09501101530003(10)",
		[]problem{{"(10)", "required", "Lot is empty."}}},
	{"an empty lot before FNC1", "0109501101530003" + "10" + gs + "17261231",
		[]problem{{"(10)", "required", "Lot is empty."}}},
	{"an empty scan", "", []problem{{"barcode", "required", "The scan is empty"}}},
	{"a scan of Enter only", "\r\n", []problem{{"barcode", "required", "The scan is empty"}}},
	{"a symbology identifier only", "]C1", []problem{{"barcode", "required", "The scan holds no GS1 data."}}},
	{"FNC1 only", gs, []problem{{"barcode", "required", "no GS1 data"}}},
	{"a plain Code 128 scan", "]C0ABC-123", []problem{{"barcode", "symbology", "symbology ]C0"}}},
	{"an EAN-13 scan", "]E05012345678900", []problem{{"barcode", "symbology", "symbology ]E0"}}},
	{"a truncated symbology identifier", "]C", []problem{{"barcode", "symbology", "too short"}}},
	{"a Digital Link behind a GS1-128 identifier", "]C1https://id.gs1.org/01/09520123456788",
		[]problem{{"barcode", "symbology", "does not carry a GS1 Digital Link"}}},
	{"text that is no GS1 data", "ABC-123", []problem{{"barcode", "syntax", `found "AB"`}}},
	{"two separators in a row", "010950110153000310A" + gs + gs + "17261231",
		[]problem{{"barcode", "syntax", "position 21"}}},
	{"parentheses without an AI", "(01)09501101530003(AB)12",
		[]problem{{"(01)", "length", "GTIN must be 14 digits, not 20."}}},
	{"text before the first parenthesis in the bracketed form", "(01)09501101530003 x",
		[]problem{{"(01)", "length", "not 16"}}},
	{"a web address that is not a Digital Link", "https://example.com/products/123",
		[]problem{{"barcode", "digital_link", "no /01/ with a GTIN"}}},
	{"a Digital Link without a path", "https://id.gs1.org",
		[]problem{{"barcode", "digital_link", "no /01/"}}},
	{"a Digital Link with the serial before the lot", "https://id.gs1.org/01/09520123456788/21/12345/10/ABC1",
		[]problem{{"(21)", "digital_link", "/22/, /10/ and /21/ follow /01/ in that order"}}},
	{"a Digital Link with the expiry in the path", "https://id.gs1.org/01/09520123456788/17/260101",
		[]problem{{"(17)", "digital_link", "Expiry date (17) belongs in the query of a Digital Link (?17=...)"}}},
	{"a Digital Link with a qualifier on an SSCC", "https://id.gs1.org/00/106141412345678908/10/X",
		[]problem{{"(10)", "digital_link", "A Digital Link for an SSCC (00) takes no Lot."}}},
	{"a Digital Link with a broken percent-escape", "https://id.gs1.org/01/09520123456788/10/A%ZZ",
		[]problem{{"barcode", "digital_link", "the link is not a valid web address"}}},
	{"a Digital Link with a broken percent-escape in the query", "https://id.gs1.org/01/09520123456788?10=A%2",
		[]problem{{"(10)", "digital_link", `The link has a broken %-escape in "A%2".`}}},
	{"a Digital Link with a lot value missing", "https://id.gs1.org/01/09520123456788/10",
		[]problem{{"barcode", "digital_link", "no /01/"}}},
	{"a Digital Link with an empty lot", "https://id.gs1.org/01/09520123456788/10/",
		[]problem{{"barcode", "digital_link", "no /01/"}}},
	{"a Digital Link with a non-ASCII lot", "https://id.gs1.org/01/09520123456788/10/M%C3%9CHLE",
		[]problem{{"(10)", "charset", "the byte 0xC3"}}},
	{"every fault of the values is reported at once", "(01)09521234543212(17)261331(10)AB#1",
		[]problem{
			{"(01)", "check_digit", "GTIN check digit is 2 but should be 3."},
			{"(17)", "date", "month 13"},
			{"(10)", "charset", `"#"`},
		}},
}

type problem struct{ field, rule, msg string }

func TestParseRefusesBadScans(t *testing.T) {
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			got, err := gs1.Parse(tt.in, today)
			if err == nil {
				t.Fatalf("Parse(%q) = %+v, want an error", tt.in, got)
			}
			if !errors.Is(err, gs1.ErrUnreadable) || forkline.ErrorCode(err) != forkline.Invalid {
				t.Errorf("Parse(%q) error = %v, want ErrUnreadable with code invalid", tt.in, err)
			}
			fields := forkline.ErrorFields(err)
			if len(fields) != len(tt.want) {
				t.Fatalf("Parse(%q) problems = %+v, want %d: %+v", tt.in, fields, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				f := fields[i]
				if f.Field != w.field || f.Rule != w.rule || !strings.Contains(strings.ToLower(f.Msg), strings.ToLower(w.msg)) {
					t.Errorf("Parse(%q) problem %d = %+v, want field %q, rule %q, message containing %q",
						tt.in, i, f, w.field, w.rule, w.msg)
				}
			}
		})
	}
}

func TestParsePlacesTwoDigitYearsInTheirCentury(t *testing.T) {
	tests := []struct {
		name  string
		today time.Time
		value string // (17) YYMMDD
		want  time.Time
	}{
		{"50 years ahead is this century", today, "760101", day(2076, time.January, 1)},
		{"51 years ahead is the last century", today, "770101", day(1977, time.January, 1)},
		{"the current year", today, "260315", day(2026, time.March, 15)},
		{"49 years back is this century", today, "000229", day(2000, time.February, 29)},
		{"day 00 is the last day of the month", today, "260100", day(2026, time.January, 31)},
		{"day 00 of February in a common year", today, "270200", day(2027, time.February, 28)},
		{"late in a century, 50 years back is the next one", day(2099, time.June, 1), "490101", day(2149, time.January, 1)},
		{"late in a century, 49 years back stays", day(2099, time.June, 1), "500101", day(2050, time.January, 1)},
		{"at the turn of the century, 51 ahead is the last one", day(2000, time.January, 1), "510101", day(1951, time.January, 1)},
		{"at the turn of the century, 50 ahead stays", day(2000, time.January, 1), "500101", day(2050, time.January, 1)},
		{"before 2000, small years are the next century", day(1990, time.June, 1), "150101", day(2015, time.January, 1)},
		{"the year of today counts in its own zone", time.Date(2049, time.December, 31, 23, 0, 0, 0, time.FixedZone("UTC-5", -5*3600)), "990101", day(2099, time.January, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := "(17)" + tt.value
			got, err := gs1.Parse(in, tt.today)
			if err != nil {
				t.Fatalf("Parse(%q, %s) error: %v", in, tt.today.Format(time.DateOnly), err)
			}
			if !got.Expiry.Equal(tt.want) {
				t.Errorf("Parse(%q, %s).Expiry = %s, want %s", in, tt.today.Format(time.DateOnly),
					got.Expiry.Format(time.DateOnly), tt.want.Format(time.DateOnly))
			}
		})
	}
}

func TestParseChecksLeapYearsAfterPlacingTheCentury(t *testing.T) {
	// 00 is 2000, a leap year, in 2026, but 2100, a common year, in 2099.
	if _, err := gs1.Parse("(17)000229", day(2026, time.January, 1)); err != nil {
		t.Errorf("Parse(%q) in 2026 error: %v, want 2000-02-29", "(17)000229", err)
	}
	_, err := gs1.Parse("(17)000229", day(2099, time.January, 1))
	if fields := forkline.ErrorFields(err); len(fields) != 1 || fields[0].Rule != "date" {
		t.Errorf("Parse(%q) in 2099 error = %v, want a date problem: 2100 is no leap year", "(17)000229", err)
	}
}

func BenchmarkParse(b *testing.B) {
	for _, bm := range []struct{ name, in string }{
		{"element string", "]C1011234567890123110ABC123" + gs + "17261231"},
		{"bracketed", "(01)09501101530003(17)260731(10)AB-123"},
		{"digital link", "https://id.gs1.org/01/09506000134352/10/ABC123?17=261231&3103=000750"},
	} {
		b.Run(bm.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := gs1.Parse(bm.in, today); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
