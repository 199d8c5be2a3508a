package gs1_test

import (
	"errors"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/gs1"
)

var problemField = regexp.MustCompile(`^(barcode|\([0-9]+\))$`)

// FuzzParse checks that Parse never panics, that every refusal is a
// well-formed invalid error, and that anything accepted reads back to the
// same Data from its human-readable form.
func FuzzParse(f *testing.F) {
	for _, tt := range scans {
		f.Add(tt.in)
	}
	for _, tt := range refusals {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		d, err := gs1.Parse(in, today)
		if err != nil {
			var e *forkline.Error
			if !errors.As(err, &e) || e.Code != forkline.Invalid || !errors.Is(err, gs1.ErrUnreadable) {
				t.Fatalf("Parse(%q) error = %#v, want ErrUnreadable with code invalid", in, err)
			}
			if len(e.Fields) == 0 {
				t.Fatalf("Parse(%q) error has no field problems", in)
			}
			for _, p := range e.Fields {
				if !problemField.MatchString(p.Field) || p.Rule == "" || p.Msg == "" {
					t.Fatalf("Parse(%q) problem = %+v, want an AI or barcode field, a rule and a message", in, p)
				}
			}
			return
		}
		if len(d.AIs) == 0 {
			t.Fatalf("Parse(%q) accepted no elements", in)
		}
		enc := d.String()
		again, err := gs1.Parse(enc, today)
		if err != nil {
			t.Fatalf("Parse(%q) = %+v, but Parse of its String %q error: %v", in, d, enc, err)
		}
		if diff := cmp.Diff(d, again, quantityEqual); diff != "" {
			t.Fatalf("Parse(%q) and Parse of its String %q differ (-first +again):\n%s", in, enc, diff)
		}
		if enc2 := again.String(); enc2 != enc {
			t.Fatalf("String after a round trip = %q, want %q", enc2, enc)
		}
	})
}

// lotRule is the rule for AI (10), written independently of the package:
// one to twenty characters of GS1 AI encodable character set 82.
var lotRule = regexp.MustCompile(`^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}$`)

// FuzzParseLot checks one value in all three forms: a lot is accepted
// exactly when GS1 allows it, comes out unchanged, and survives String.
func FuzzParseLot(f *testing.F) {
	for _, lot := range []string{"AB-123", "A(1)B", "(10)", `\(`, "ABCDEFGHIJKLMNOPQRST", "A B", "MÜHLE", "A\x1dB", "%2F", "a/b?c=d&e"} {
		f.Add(lot)
	}
	f.Fuzz(func(t *testing.T, lot string) {
		valid := lotRule.MatchString(lot)
		forms := []string{"https://id.gs1.org/01/09501101530003/10/" + url.PathEscape(lot) + "?17=261231"}
		if !strings.Contains(lot, gs) { // a separator in the lot ends it and starts another element
			forms = append(forms, "]C10109501101530003"+"10"+lot+gs+"17261231")
		}
		if valid {
			forms = append(forms, "(01)09501101530003(10)"+strings.ReplaceAll(lot, "(", `\(`)+"(17)261231")
		}
		for _, in := range forms {
			d, err := gs1.Parse(in, today)
			if !valid {
				if err == nil {
					t.Fatalf("Parse(%q) = %+v, want an error for the lot %q", in, d, lot)
				}
				continue
			}
			if err != nil {
				t.Fatalf("Parse(%q) error: %v, want lot %q", in, err, lot)
			}
			if d.Lot != lot {
				t.Fatalf("Parse(%q).Lot = %q, want %q", in, d.Lot, lot)
			}
			again, err := gs1.Parse(d.String(), today)
			if err != nil || again.Lot != lot {
				t.Fatalf("Parse(%q) = %q, %v; want lot %q", d.String(), again.Lot, err, lot)
			}
		}
	})
}
