package b2mml_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/b2mml"
)

// FuzzParse checks that Parse never panics, that every refusal is
// ErrRefused with code invalid and field problems that name an element, and
// that every order accepted has what a production order needs.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob("testdata/*.xml")
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed documents in testdata: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, r := range refusals {
		f.Add([]byte(r.document(f)))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		s, err := b2mml.Parse(bytes.NewReader(doc))
		if err != nil {
			var e *forkline.Error
			if !errors.As(err, &e) || e.Code != forkline.Invalid || !errors.Is(err, b2mml.ErrRefused) {
				t.Fatalf("Parse error = %#v, want ErrRefused with code invalid", err)
			}
			if len(e.Fields) == 0 {
				t.Fatalf("Parse error %v has no field problems", err)
			}
			for _, p := range e.Fields {
				if p.Field == "" || p.Rule == "" || p.Msg == "" {
					t.Fatalf("Parse problem = %+v, want an element path, a rule and a message", p)
				}
			}
			if s.ID != "" || s.Orders != nil {
				t.Fatalf("Parse refused the document but returned %+v", s)
			}
			return
		}
		if len(s.Orders) == 0 {
			t.Fatalf("Parse accepted a schedule without orders")
		}
		seen := map[string]bool{}
		for _, o := range s.Orders {
			if o.ID == "" || o.ItemCode == "" || o.UnitOfMeasure == "" || o.ERPReference == "" {
				t.Fatalf("Parse accepted an incomplete order %+v", o)
			}
			if seen[o.ID] {
				t.Fatalf("Parse accepted order %s twice", o.ID)
			}
			seen[o.ID] = true
			micros, err := forkline.ParseDecimal(o.Quantity)
			if err != nil || micros <= 0 || forkline.FormatDecimal(micros) != o.Quantity {
				t.Fatalf("Parse accepted quantity %q, want a canonical positive decimal", o.Quantity)
			}
			if !o.PlannedEnd.After(o.PlannedStart) || o.PlannedStart.Location().String() != "UTC" {
				t.Fatalf("Parse accepted planned times %v - %v", o.PlannedStart, o.PlannedEnd)
			}
		}
	})
}
