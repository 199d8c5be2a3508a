package plant_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/plant"
	"github.com/google/go-cmp/cmp"
)

const site = "019cad8f-ac00-7fc9-b4f9-b344b40c62ee"

func TestItemCSVReadsEveryColumn(t *testing.T) {
	in := "\ufeffCode, Name ,kind,base_unit,pack_sizes,shelf_life_days,condition,allergens,traceability_list,gtin,inspect_on_receipt\n" +
		"RM-EGG,\"Liquid egg, pasteurised\",raw,kg,case=20 kg,28,chilled,egg;milk,yes,4006381333931,Y\n" +
		"PK-BAG,Bag,packaging,each,,,ambient,,no,,\n"
	recs, lines, err := plant.ItemCSV.ParseCSV(strings.NewReader(in), site)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(lines, []int{2, 3}) {
		t.Errorf("lines = %v, want [2 3]", lines)
	}
	want := plant.Item{
		Record: plant.Record{SiteID: site, Code: "RM-EGG", Name: "Liquid egg, pasteurised"}, Kind: plant.Raw, BaseUnit: forkline.Kilogram,
		PackSizes:     []forkline.PackSize{{Unit: forkline.Case, Contents: forkline.NewQuantity(20, forkline.Kilogram)}},
		ShelfLifeDays: 28, Condition: plant.Chilled, Allergens: []plant.Allergen{plant.Egg, plant.Milk},
		TraceabilityList: true, GTIN: "4006381333931", InspectOnReceipt: true,
	}
	if diff := cmp.Diff(want, recs[0], cmp.AllowUnexported(forkline.Quantity{})); diff != "" {
		t.Errorf("ParseCSV row 1 (-want +got):\n%s", diff)
	}
	if recs[1].BaseUnit != forkline.Each || recs[1].TraceabilityList {
		t.Errorf("row 2 = %+v", recs[1])
	}
}

func TestCSVProblemsNameTheLineAndColumn(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"an empty file", "", nil},
		{"a missing required column", "code,name\nA,B\n", []string{"line 1: kind", "line 1: base_unit", "line 1: condition"}},
		{"an unknown column", "code,name,kind,base_unit,condition,colour\n", []string{"line 1: colour"}},
		{"cells that do not parse", "code,name,kind,base_unit,condition,shelf_life_days,traceability_list,pack_sizes\n" +
			"A,B,raw,kg,ambient,ten,maybe,case=x\nC,D,raw,stone,ambient,1,no,\n",
			[]string{"line 2: shelf_life_days", "line 2: traceability_list", "line 2: pack_sizes", "line 3: base_unit"}},
		{"a row with too few cells", "code,name,kind,base_unit,condition\nA,B,raw\n", []string{"line 2"}},
		{"a quoted line break counts its lines", "code,name,kind,base_unit,condition,shelf_life_days\n\"A\",\"two\nlines\",raw,kg,ambient,1\nB,C,raw,kg,ambient,x\n", []string{"line 4: shelf_life_days"}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			_, _, err := plant.ItemCSV.ParseCSV(strings.NewReader(tt.in), site)
			if forkline.ErrorCode(err) != forkline.Invalid {
				t.Fatalf("ParseCSV = %v, want invalid", err)
			}
			var got []string
			for _, f := range forkline.ErrorFields(err) {
				got = append(got, f.Field)
			}
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("fields = %q, want %q", got, w)
				}
			}
		})
	}
}

func TestCustomerCSVReadsShipTos(t *testing.T) {
	recs, _, err := plant.CustomerCSV.ParseCSV(strings.NewReader("code,name,ship_to\nC1,Cust,DC1|East DC|1 Road;DC2|West DC|2 Road\n"), site)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(recs[0].ShipTos); got != 2 || recs[0].ShipTos[1].Name != "West DC" {
		t.Errorf("ship-tos = %+v", recs[0].ShipTos)
	}
	if _, _, err := plant.CustomerCSV.ParseCSV(strings.NewReader("code,name,ship_to\nC1,Cust,DC1|no address\n"), site); forkline.ErrorCode(err) != forkline.Invalid {
		t.Errorf("a ship-to without an address = %v, want invalid", err)
	}
}

// FuzzItemCSV feeds arbitrary files to the item importer's parser: it must
// never panic, and every record it accepts must carry the site and a line number.
func FuzzItemCSV(f *testing.F) {
	f.Add("code,name,kind,base_unit,condition\nA,B,raw,kg,ambient\n")
	f.Add("code,name,kind,base_unit,condition,pack_sizes,allergens,gtin\nA,B,raw,kg,ambient,case=12 ea;pallet=5 case,milk;egg,96385074\n")
	f.Add("\"code\nA")
	f.Add("code,name\n\"a\"\"b\",c\n")
	f.Fuzz(func(t *testing.T, in string) {
		recs, lines, err := plant.ItemCSV.ParseCSV(strings.NewReader(in), site)
		if err != nil {
			if forkline.ErrorCode(err) != forkline.Invalid {
				t.Fatalf("ParseCSV error code = %s, want invalid: %v", forkline.ErrorCode(err), err)
			}
			return
		}
		if len(recs) != len(lines) {
			t.Fatalf("%d records but %d line numbers", len(recs), len(lines))
		}
		for i, r := range recs {
			if r.SiteID != site || lines[i] < 2 {
				t.Fatalf("record %d = %+v on line %d", i, r, lines[i])
			}
			_ = r.Validate()
		}
	})
}
