package plant_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/plant"
	"github.com/google/go-cmp/cmp"
)

// quantityEq compares quantities by value: Quantity has an unexported amount.
var quantityEq = cmp.Comparer(func(a, b forkline.Quantity) bool { return a == b })

// problems lists the field problems of err as "field: rule", the part a
// caller acts on; the messages are for people.
func problems(err error) []string {
	var out []string
	for _, f := range forkline.ErrorFields(err) {
		out = append(out, f.Field+": "+f.Rule)
	}
	return out
}

func TestValidateGTIN(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		valid bool
	}{
		{"a valid GTIN-8", "96385074", true},
		{"a valid GTIN-12 (UPC-A)", "036000291452", true},
		{"a valid GTIN-13 (EAN-13)", "4006381333931", true},
		{"another valid GTIN-13", "5901234123457", true},
		{"a valid GTIN-14", "10012345678902", true},
		{"a GTIN-12 padded to 14 digits", "00036000291452", true},
		{"all zeros", "00000000", true},
		{"a GTIN-13 with a wrong check digit", "4006381333932", false},
		{"a GTIN-8 with a wrong check digit", "96385075", false},
		{"a GTIN-12 with a wrong check digit", "036000291453", false},
		{"a GTIN-14 with a wrong check digit", "10012345678903", false},
		{"two digits swapped", "4006381333913", false},
		{"a letter", "40063813339A1", false},
		{"a letter in the check digit", "400638133393X", false},
		{"a space", "4006381 33931", false},
		{"a dash", "400-638133393", false},
		{"an empty string", "", false},
		{"seven digits", "9638507", false},
		{"nine digits", "963850740", false},
		{"eleven digits", "03600029145", false},
		{"fifteen digits", "400638133393100", false},
		{"non-ASCII digits of the right length", "٤٠٠٦٣٨١٣", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := plant.ValidateGTIN(tt.in)
			if tt.valid && err != nil {
				t.Errorf("ValidateGTIN(%q) = %v, want nil", tt.in, err)
			}
			if !tt.valid && forkline.ErrorCode(err) != forkline.Invalid {
				t.Errorf("ValidateGTIN(%q) = %v, want an %q error", tt.in, err, forkline.Invalid)
			}
		})
	}
}

func validItem() plant.Item {
	return plant.Item{
		Record:        plant.Record{SiteID: "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b", Code: "FLOUR-01", Name: "Wheat flour, type 550"},
		Kind:          plant.Raw,
		BaseUnit:      forkline.Kilogram,
		PackSizes:     []forkline.PackSize{{Unit: forkline.Case, Contents: forkline.NewQuantity(25, forkline.Kilogram)}},
		ShelfLifeDays: 180,
		Condition:     plant.Ambient,
		Allergens:     []plant.Allergen{plant.Wheat},
		GTIN:          "4006381333931",
	}
}

func TestItemValidate(t *testing.T) {
	ps := func(unit forkline.Unit, whole int64, of forkline.Unit) forkline.PackSize {
		return forkline.PackSize{Unit: unit, Contents: forkline.NewQuantity(whole, of)}
	}
	tests := []struct {
		name string
		edit func(*plant.Item)
		want []string
	}{
		{"a complete item is valid", func(*plant.Item) {}, nil},
		{"an item without pack sizes, allergens or GTIN is valid", func(it *plant.Item) {
			it.PackSizes, it.Allergens, it.GTIN, it.ShelfLifeDays = nil, nil, "", 0
		}, nil},
		{"a pallet of cases of each is valid", func(it *plant.Item) {
			it.BaseUnit = forkline.Each
			it.PackSizes = []forkline.PackSize{ps(forkline.Pallet, 60, forkline.Case), ps(forkline.Case, 12, forkline.Each)}
		}, nil},
		{"a case of pounds on a kilogram item is valid", func(it *plant.Item) {
			it.PackSizes = []forkline.PackSize{ps(forkline.Case, 50, forkline.Pound)}
		}, nil},
		{"the longest shelf life is valid", func(it *plant.Item) { it.ShelfLifeDays = 3650 }, nil},
		{"a code of 40 characters is valid", func(it *plant.Item) { it.Code = strings.Repeat("X", 40) }, nil},

		{"a blank code", func(it *plant.Item) { it.Code = "  " }, []string{"code: required", "code: no_spaces"}},
		{"a code with a space", func(it *plant.Item) { it.Code = "FLOUR 01" }, []string{"code: no_spaces"}},
		{"a code of 41 characters", func(it *plant.Item) { it.Code = strings.Repeat("X", 41) }, []string{"code: max_length"}},
		{"a blank name", func(it *plant.Item) { it.Name = "" }, []string{"name: required"}},
		{"a name of 201 characters", func(it *plant.Item) { it.Name = strings.Repeat("n", 201) }, []string{"name: max_length"}},
		{"an unknown kind", func(it *plant.Item) { it.Kind = "meat" }, []string{"kind: one_of"}},
		{"no kind", func(it *plant.Item) { it.Kind = "" }, []string{"kind: one_of"}},
		{"a case as the base unit", func(it *plant.Item) { it.BaseUnit = forkline.Case; it.PackSizes = nil }, []string{"baseUnit: one_of"}},
		{"a pallet as the base unit", func(it *plant.Item) { it.BaseUnit = forkline.Pallet; it.PackSizes = nil }, []string{"baseUnit: one_of"}},
		{"an unknown base unit", func(it *plant.Item) { it.BaseUnit = "stone" }, []string{"baseUnit: one_of"}},
		{"no base unit", func(it *plant.Item) { it.BaseUnit = "" }, []string{"baseUnit: one_of"}},
		{"a pack size in a mass unit", func(it *plant.Item) {
			it.PackSizes = []forkline.PackSize{ps(forkline.Kilogram, 1000, forkline.Gram)}
		}, []string{"packSizes[0]: pack_size"}},
		{"an empty case", func(it *plant.Item) {
			it.PackSizes = []forkline.PackSize{ps(forkline.Case, 0, forkline.Kilogram)}
		}, []string{"packSizes[0]: pack_size"}},
		{"a case holding cases", func(it *plant.Item) {
			it.PackSizes = []forkline.PackSize{ps(forkline.Case, 2, forkline.Case)}
		}, []string{"packSizes[0]: pack_size"}},
		{"a pack unit given twice", func(it *plant.Item) {
			it.PackSizes = []forkline.PackSize{ps(forkline.Case, 25, forkline.Kilogram), ps(forkline.Case, 20, forkline.Kilogram)}
		}, []string{"packSizes[1]: unique"}},
		{"a case of kilograms on a counted item", func(it *plant.Item) {
			it.BaseUnit = forkline.Each
		}, []string{"packSizes[0]: convertible"}},
		{"a case of litres on a kilogram item", func(it *plant.Item) {
			it.PackSizes = []forkline.PackSize{ps(forkline.Case, 10, forkline.Liter)}
		}, []string{"packSizes[0]: convertible"}},
		{"a pallet of cases without a case size", func(it *plant.Item) {
			it.PackSizes = []forkline.PackSize{ps(forkline.Pallet, 40, forkline.Case)}
		}, []string{"packSizes[0]: convertible"}},
		{"pack sizes in a loop", func(it *plant.Item) {
			it.PackSizes = []forkline.PackSize{ps(forkline.Case, 1, forkline.Pallet), ps(forkline.Pallet, 2, forkline.Case)}
		}, []string{"packSizes[0]: convertible", "packSizes[1]: convertible"}},
		{"a negative shelf life", func(it *plant.Item) { it.ShelfLifeDays = -1 }, []string{"shelfLifeDays: range"}},
		{"a shelf life over ten years", func(it *plant.Item) { it.ShelfLifeDays = 3651 }, []string{"shelfLifeDays: range"}},
		{"an unknown storage condition", func(it *plant.Item) { it.Condition = "warm" }, []string{"condition: one_of"}},
		{"an unknown allergen", func(it *plant.Item) {
			it.Allergens = []plant.Allergen{plant.Milk, "nuts"}
		}, []string{"allergens: one_of"}},
		{"each unknown allergen is named", func(it *plant.Item) {
			it.Allergens = []plant.Allergen{"nuts", "Milk"}
		}, []string{"allergens: one_of", "allergens: one_of"}},
		{"a GTIN with a wrong check digit", func(it *plant.Item) { it.GTIN = "4006381333932" }, []string{"gtin: check_digit"}},
		{"a GTIN with letters", func(it *plant.Item) { it.GTIN = "40063813339AB" }, []string{"gtin: check_digit"}},
		{"a GTIN of the wrong length", func(it *plant.Item) { it.GTIN = "12345" }, []string{"gtin: check_digit"}},
		{"every problem at once, in field order", func(it *plant.Item) {
			*it = plant.Item{Kind: "x", BaseUnit: "y", ShelfLifeDays: -5, Condition: "z", Allergens: []plant.Allergen{"w"}, GTIN: "1"}
		}, []string{"code: required", "name: required", "kind: one_of", "baseUnit: one_of", "shelfLifeDays: range",
			"condition: one_of", "allergens: one_of", "gtin: check_digit"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it := validItem()
			tt.edit(&it)
			err := it.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if code := forkline.ErrorCode(err); code != forkline.Invalid {
				t.Fatalf("Validate() = %v, want an %q error", err, forkline.Invalid)
			}
			if diff := cmp.Diff(tt.want, problems(err)); diff != "" {
				t.Errorf("Validate() problems mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestItemValidateAllergens(t *testing.T) {
	tests := []struct {
		name string
		in   []plant.Allergen
		want []plant.Allergen
	}{
		{"none stay none", nil, nil},
		{"one stays one", []plant.Allergen{plant.Sesame}, []plant.Allergen{plant.Sesame}},
		{"they are sorted", []plant.Allergen{plant.Wheat, plant.Milk, plant.Egg}, []plant.Allergen{plant.Egg, plant.Milk, plant.Wheat}},
		{"duplicates are removed", []plant.Allergen{plant.Wheat, plant.Milk, plant.Wheat, plant.Milk, plant.Milk},
			[]plant.Allergen{plant.Milk, plant.Wheat}},
		{"EU allergens are kept", []plant.Allergen{plant.Sulphites, plant.Celery, plant.Gluten},
			[]plant.Allergen{plant.Celery, plant.Gluten, plant.Sulphites}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it := validItem()
			it.Allergens = tt.in
			if err := it.Validate(); err != nil {
				t.Fatalf("Validate() = %v, want nil", err)
			}
			if diff := cmp.Diff(tt.want, it.Allergens); diff != "" {
				t.Errorf("Allergens after Validate() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAllergens(t *testing.T) {
	all := plant.Allergens()
	var us, eu int
	for _, a := range all {
		if !a.Allergen.Known() {
			t.Errorf("(%q).Known() = false, want true", a.Allergen)
		}
		if a.US {
			us++
		}
		if a.EU {
			eu++
		}
	}
	if us != 9 || eu != 14+1 {
		// The EU 14 list "cereals containing gluten" as one; Forkline keeps wheat
		// apart from other gluten cereals, so 15 entries are EU allergens.
		t.Errorf("Allergens() has %d US and %d EU allergens, want 9 and 15", us, eu)
	}
	if plant.Allergen("nuts").Known() {
		t.Errorf("(\"nuts\").Known() = true, want false")
	}
	all[0].Name = "changed"
	if plant.Allergens()[0].Name == "changed" {
		t.Errorf("Allergens() returned the package's own slice; a caller changed it")
	}
}

func TestSiteValidate(t *testing.T) {
	tests := []struct {
		zone string
		want []string
	}{
		{"America/Chicago", nil},
		{"Europe/Berlin", nil},
		{"UTC", nil},
		{"", []string{"timeZone: required"}},
		{"Local", []string{"timeZone: iana_zone"}},
		{"Mars/Olympus_Mons", []string{"timeZone: iana_zone"}},
		{"america/chicago", []string{"timeZone: iana_zone"}},
		{"+01:00", []string{"timeZone: iana_zone"}},
		{"../../etc/passwd", []string{"timeZone: iana_zone"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("time zone %q", tt.zone), func(t *testing.T) {
			s := plant.Site{Record: plant.Record{Code: "CHI", Name: "Chicago"}, TimeZone: tt.zone}
			if diff := cmp.Diff(tt.want, problems(s.Validate())); diff != "" {
				t.Errorf("Validate() problems mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCustomerValidate(t *testing.T) {
	valid := func() plant.Customer {
		return plant.Customer{
			Record:           plant.Record{Code: "ACME", Name: "Acme Foods"},
			MinShelfLifeDays: 14,
			ContactEmail:     "orders@acme.example",
			ShipTos: []plant.ShipTo{
				{Code: "DC-1", Name: "East DC", Address: "1 Dock Rd, Newark NJ", GLN: "4006381333931"},
				{Code: "DC-2", Name: "West DC", Address: "2 Pier St, Oakland CA"},
			},
		}
	}
	tests := []struct {
		name string
		edit func(*plant.Customer)
		want []string
	}{
		{"a customer with two ship-tos is valid", func(*plant.Customer) {}, nil},
		{"a customer with no ship-to is valid", func(c *plant.Customer) { c.ShipTos = nil; c.ContactEmail = "" }, nil},
		{"a ship-to without code, name or address", func(c *plant.Customer) { c.ShipTos[1] = plant.ShipTo{GLN: ""} },
			[]string{"shipTos[1].code: required", "shipTos[1].name: required", "shipTos[1].address: required"}},
		{"two ship-tos with one code", func(c *plant.Customer) { c.ShipTos[1].Code = "DC-1" }, []string{"shipTos[1].code: unique"}},
		{"a GLN with a wrong check digit", func(c *plant.Customer) { c.ShipTos[0].GLN = "4006381333932" }, []string{"shipTos[0].gln: check_digit"}},
		{"a GLN of 14 digits, though a valid GTIN-14", func(c *plant.Customer) { c.ShipTos[0].GLN = "10012345678902" }, []string{"shipTos[0].gln: check_digit"}},
		{"a GLN of 12 digits, though a valid GTIN-12", func(c *plant.Customer) { c.ShipTos[0].GLN = "036000291452" }, []string{"shipTos[0].gln: check_digit"}},
		{"a negative minimum shelf life", func(c *plant.Customer) { c.MinShelfLifeDays = -1 }, []string{"minShelfLifeDays: range"}},
		{"a minimum shelf life over ten years", func(c *plant.Customer) { c.MinShelfLifeDays = 3651 }, []string{"minShelfLifeDays: range"}},
		{"a contact that is no e-mail address", func(c *plant.Customer) { c.ContactEmail = "orders at acme" }, []string{"contactEmail: email"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid()
			tt.edit(&c)
			if diff := cmp.Diff(tt.want, problems(c.Validate())); diff != "" {
				t.Errorf("Validate() problems mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSupplierValidate(t *testing.T) {
	tests := []struct {
		name     string
		approval plant.ApprovalStatus
		email    string
		address  string
		want     []string
	}{
		{"a pending supplier without a contact", plant.Pending, "", "", nil},
		{"an approved supplier with a contact", plant.Approved, "qa@mill.example", "1 Mill Lane", nil},
		{"an unknown approval status", "maybe", "", "", []string{"approval: one_of"}},
		{"no approval status", "", "", "", []string{"approval: one_of"}},
		{"an e-mail address with a display name", plant.Pending, "QA Team <qa@mill.example>", "", []string{"contactEmail: email"}},
		{"an e-mail address without a domain", plant.Pending, "qa@", "", []string{"contactEmail: email"}},
		{"a web address", plant.Pending, "https://mill.example", "", []string{"contactEmail: email"}},
		{"an e-mail address with spaces around it", plant.Pending, " qa@mill.example ", "", []string{"contactEmail: email"}},
		{"two e-mail addresses", plant.Pending, "qa@mill.example, ops@mill.example", "", []string{"contactEmail: email"}},
		{"an address of 501 characters", plant.Pending, "", strings.Repeat("a", 501), []string{"address: max_length"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := plant.Supplier{Record: plant.Record{Code: "MILL", Name: "The Mill"}, Approval: tt.approval, ContactEmail: tt.email, Address: tt.address}
			if diff := cmp.Diff(tt.want, problems(s.Validate())); diff != "" {
				t.Errorf("Validate() problems mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestApprovalStatusMayDeliver(t *testing.T) {
	want := map[plant.ApprovalStatus]bool{
		plant.Pending: false, plant.Approved: true, plant.Conditional: true, plant.Suspended: false, plant.Disqualified: false,
	}
	for _, s := range plant.ApprovalStatuses() {
		t.Run(fmt.Sprintf("a %s supplier may deliver: %t", s, want[s]), func(t *testing.T) {
			if got := s.MayDeliver(); got != want[s] {
				t.Errorf("(%q).MayDeliver() = %t, want %t", s, got, want[s])
			}
		})
	}
}

func TestOtherRecordsValidate(t *testing.T) {
	rec := plant.Record{Code: "X1", Name: "Thing"}
	tests := []struct {
		name string
		err  error
		want []string
	}{
		{"an area needs only code and name", plant.Area{Record: rec}.Validate(), nil},
		{"an area without a code", plant.Area{Record: plant.Record{Name: "A"}}.Validate(), []string{"code: required"}},
		{"a line needs an area", plant.Line{Record: rec}.Validate(), []string{"areaId: required"}},
		{"a line in an area", plant.Line{Record: rec, AreaID: "a"}.Validate(), nil},
		{"equipment without a line", plant.Equipment{Record: rec}.Validate(), nil},
		{"equipment with a long serial number", plant.Equipment{Record: rec, SerialNumber: strings.Repeat("9", 101)}.Validate(),
			[]string{"serialNumber: max_length"}},
		{"a chilled warehouse", plant.Location{Record: rec, Kind: plant.Warehouse, Condition: plant.Chilled}.Validate(), nil},
		{"a location of unknown kind and condition", plant.Location{Record: rec, Kind: "shelf", Condition: "hot"}.Validate(),
			[]string{"kind: one_of", "condition: one_of"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, problems(tt.err)); diff != "" {
				t.Errorf("Validate() problems mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParsePackSizes(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []forkline.PackSize
	}{
		{"blank gives none", "", nil},
		{"only separators give none", " ; ;", nil},
		{"one pack size", "case=12 ea", []forkline.PackSize{{Unit: forkline.Case, Contents: forkline.NewQuantity(12, forkline.Each)}}},
		{"two pack sizes in order", "pallet=60 case;case=12 ea", []forkline.PackSize{
			{Unit: forkline.Pallet, Contents: forkline.NewQuantity(60, forkline.Case)},
			{Unit: forkline.Case, Contents: forkline.NewQuantity(12, forkline.Each)},
		}},
		{"spaces, abbreviations and upper case", " CS = 12.5 KG ; plt=40cs ", []forkline.PackSize{
			{Unit: forkline.Case, Contents: forkline.QuantityFromMicros(12_500_000, forkline.Kilogram)},
			{Unit: forkline.Pallet, Contents: forkline.NewQuantity(40, forkline.Case)},
		}},
		{"a trailing separator", "case=6 L;", []forkline.PackSize{{Unit: forkline.Case, Contents: forkline.NewQuantity(6, forkline.Liter)}}},
		// ParsePackSizes reads; Item.Validate judges whether a pack size makes sense.
		{"a mass unit as pack unit parses", "kg=1000 g", []forkline.PackSize{{Unit: forkline.Kilogram, Contents: forkline.NewQuantity(1000, forkline.Gram)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := plant.ParsePackSizes(tt.in)
			if err != nil {
				t.Fatalf("ParsePackSizes(%q) error: %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got, quantityEq); diff != "" {
				t.Errorf("ParsePackSizes(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParsePackSizesRejects(t *testing.T) {
	for _, in := range []string{
		"case",              // no "="
		"case 12 ea",        // no "="
		"box=12 ea",         // unknown pack unit
		"case=twelve ea",    // no amount
		"case=12",           // no unit
		"case=12 boxes",     // unknown unit
		"case=1.0000001 kg", // too many decimals
		"case=12 ea;pallet", // the second one is broken
		"=12 ea",            // no pack unit
	} {
		t.Run(fmt.Sprintf("%q is refused", in), func(t *testing.T) {
			got, err := plant.ParsePackSizes(in)
			if forkline.ErrorCode(err) != forkline.Invalid {
				t.Errorf("ParsePackSizes(%q) = %v, %v, want an %q error", in, got, err, forkline.Invalid)
			}
		})
	}
}

// formatPackSizes writes pack sizes in the form ParsePackSizes reads.
func formatPackSizes(ps []forkline.PackSize) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = string(p.Unit) + "=" + p.Contents.String()
	}
	return strings.Join(parts, ";")
}

func FuzzParsePackSizes(f *testing.F) {
	for _, s := range []string{"", "case=12 ea", "pallet=60 case;case=12 ea", " CS = 12.5 KG ; plt=40cs ", "case", "=",
		"case==12 ea", "case=12 ea=4", ";;;", "kg=1000 g", "case=-1 ea", "case=9223372036853.999999 mL"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := plant.ParsePackSizes(s)
		if err != nil {
			if code := forkline.ErrorCode(err); code != forkline.Invalid {
				t.Fatalf("ErrorCode(ParsePackSizes(%q)) = %q, want %q", s, code, forkline.Invalid)
			}
			return
		}
		for _, p := range got {
			// Check that validating never panics on what was parsed.
			_ = p.Validate()
		}
		text := formatPackSizes(got)
		again, err := plant.ParsePackSizes(text)
		if err != nil {
			t.Fatalf("ParsePackSizes(%q) error: %v; it came from ParsePackSizes(%q)", text, err, s)
		}
		if diff := cmp.Diff(got, again, quantityEq); diff != "" {
			t.Fatalf("ParsePackSizes(%q) after ParsePackSizes(%q) mismatch (-first +again):\n%s", text, s, diff)
		}
	})
}
