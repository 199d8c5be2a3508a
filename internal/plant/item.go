package plant

import (
	"fmt"
	"slices"
	"strings"

	"github.com/forkline/forkline"
)

// ItemKind says what role an item plays in the plant.
type ItemKind string

// The item kinds.
const (
	Raw        ItemKind = "raw"
	Ingredient ItemKind = "ingredient"
	Packaging  ItemKind = "packaging"
	WIP        ItemKind = "wip"
	Finished   ItemKind = "finished"
)

// ItemKinds lists every item kind.
func ItemKinds() []ItemKind { return []ItemKind{Raw, Ingredient, Packaging, WIP, Finished} }

// Allergen is a food allergen that must be declared on a label.
type Allergen string

// The nine US major food allergens (FALCPA 2004, FASTER Act 2021) and the
// further allergens of Regulation (EU) 1169/2011 Annex II.
const (
	Milk                Allergen = "milk"
	Egg                 Allergen = "egg"
	Fish                Allergen = "fish"
	CrustaceanShellfish Allergen = "crustacean_shellfish"
	TreeNuts            Allergen = "tree_nuts"
	Peanuts             Allergen = "peanuts"
	Wheat               Allergen = "wheat"
	Soybeans            Allergen = "soybeans"
	Sesame              Allergen = "sesame"

	Gluten    Allergen = "gluten" // cereals containing gluten (EU), beyond wheat
	Molluscs  Allergen = "molluscs"
	Celery    Allergen = "celery"
	Mustard   Allergen = "mustard"
	Lupin     Allergen = "lupin"
	Sulphites Allergen = "sulphites" // sulphur dioxide and sulphites above 10 mg/kg
)

// AllergenInfo describes one allergen.
type AllergenInfo struct {
	Allergen Allergen
	Name     string
	US, EU   bool // a major allergen under US law; one of the EU 14
}

var allergens = []AllergenInfo{
	{Milk, "Milk", true, true},
	{Egg, "Egg", true, true},
	{Fish, "Fish", true, true},
	{CrustaceanShellfish, "Crustacean shellfish", true, true},
	{TreeNuts, "Tree nuts", true, true},
	{Peanuts, "Peanuts", true, true},
	{Wheat, "Wheat", true, true},
	{Soybeans, "Soybeans", true, true},
	{Sesame, "Sesame", true, true},
	{Gluten, "Cereals containing gluten", false, true},
	{Molluscs, "Molluscs", false, true},
	{Celery, "Celery", false, true},
	{Mustard, "Mustard", false, true},
	{Lupin, "Lupin", false, true},
	{Sulphites, "Sulphur dioxide and sulphites", false, true},
}

// Allergens lists every allergen Forkline knows, US majors first.
func Allergens() []AllergenInfo { return slices.Clone(allergens) }

// Known reports whether a is a known allergen.
func (a Allergen) Known() bool {
	return slices.ContainsFunc(allergens, func(i AllergenInfo) bool { return i.Allergen == a })
}

// Item is anything the plant buys, makes or ships.
type Item struct {
	Record
	Kind             ItemKind
	BaseUnit         forkline.Unit // the unit balances are kept in: a mass, volume or count unit
	PackSizes        []forkline.PackSize
	ShelfLifeDays    int // 0: no expiry date is assigned
	Condition        StorageCondition
	Allergens        []Allergen // sorted, no duplicates
	TraceabilityList bool       // on FDA's Food Traceability List (FSMA 204)
	GTIN             string     // optional; 8, 12, 13 or 14 digits with a valid check digit
	InspectOnReceipt bool       // received lots go to quarantine until quality releases them
}

// Validate checks the item's own fields. It normalises Allergens (sorted, unique).
func (it *Item) Validate() error {
	var p forkline.Problems
	it.Record.validate(&p)
	if !slices.Contains(ItemKinds(), it.Kind) {
		p.Add("kind", "one_of", "kind must be one of raw, ingredient, packaging, wip, finished")
	}
	switch it.BaseUnit.Dimension() {
	case forkline.Mass, forkline.Volume, forkline.Count:
	default:
		p.Add("baseUnit", "one_of", "baseUnit must be a mass, volume or count unit: kg, g, lb, oz, L, mL or ea")
	}
	for i, ps := range it.PackSizes {
		if err := ps.Validate(); err != nil {
			p.Add(fmt.Sprintf("packSizes[%d]", i), "pack_size", forkline.ErrorMessage(err))
			continue
		}
		if slices.IndexFunc(it.PackSizes[:i], func(o forkline.PackSize) bool { return o.Unit == ps.Unit }) >= 0 {
			p.Add(fmt.Sprintf("packSizes[%d]", i), "unique", fmt.Sprintf("%s is given twice", ps.Unit))
			continue
		}
	}
	if len(p.List()) == 0 {
		for i, ps := range it.PackSizes {
			if _, _, err := forkline.Convert(forkline.NewQuantity(1, ps.Unit), it.BaseUnit, it.PackSizes); err != nil {
				p.Add(fmt.Sprintf("packSizes[%d]", i), "convertible", fmt.Sprintf("one %s cannot be expressed in the base unit %s: %s", ps.Unit, it.BaseUnit, forkline.ErrorMessage(err)))
			}
		}
	}
	if it.ShelfLifeDays < 0 || it.ShelfLifeDays > 3650 {
		p.Add("shelfLifeDays", "range", "shelfLifeDays must be between 0 and 3650")
	}
	if !validCondition(it.Condition) {
		p.Add("condition", "one_of", "condition must be one of ambient, chilled, frozen")
	}
	for _, a := range it.Allergens {
		if !a.Known() {
			p.Add("allergens", "one_of", fmt.Sprintf("%q is not a known allergen", a))
		}
	}
	slices.Sort(it.Allergens)
	it.Allergens = slices.Compact(it.Allergens)
	if it.GTIN != "" {
		if err := ValidateGTIN(it.GTIN); err != nil {
			p.Add("gtin", "check_digit", forkline.ErrorMessage(err))
		}
	}
	return p.Err("The item is not valid.")
}

// ValidateGTIN checks a GTIN-8, -12, -13 or -14: digits only, right length,
// and the GS1 mod-10 check digit.
func ValidateGTIN(s string) error {
	switch len(s) {
	case 8, 12, 13, 14:
	default:
		return forkline.Errorf(forkline.Invalid, "gtin must have 8, 12, 13 or 14 digits, not %d", len(s))
	}
	sum := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return forkline.Errorf(forkline.Invalid, "gtin must contain digits only")
		}
		if i == len(s)-1 {
			break
		}
		d := int(c - '0')
		// Weights alternate 3,1,3,... counting from the digit left of the check digit.
		if (len(s)-1-i)%2 == 1 {
			d *= 3
		}
		sum += d
	}
	want := (10 - sum%10) % 10
	if got := int(s[len(s)-1] - '0'); got != want {
		return forkline.Errorf(forkline.Invalid, "gtin check digit is %d but should be %d", got, want)
	}
	return nil
}

// ParsePackSizes parses "case=12 ea;pallet=60 case". Blank gives none.
func ParsePackSizes(s string) ([]forkline.PackSize, error) {
	var out []forkline.PackSize
	for _, part := range strings.Split(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		unit, contents, ok := strings.Cut(part, "=")
		if !ok {
			return nil, forkline.Errorf(forkline.Invalid, "pack size %q must look like case=12 ea", part)
		}
		u, err := forkline.ParseUnit(unit)
		if err != nil {
			return nil, err
		}
		q, err := forkline.ParseQuantity(contents)
		if err != nil {
			return nil, err
		}
		out = append(out, forkline.PackSize{Unit: u, Contents: q})
	}
	return out, nil
}
