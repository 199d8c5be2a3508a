package recipe_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/recipe"
	"github.com/google/go-cmp/cmp"
)

func qty(s string) forkline.Quantity {
	q, err := forkline.ParseQuantity(s)
	if err != nil {
		panic(fmt.Sprintf("qty(%q): %v", s, err))
	}
	return q
}

func dec(s string) recipe.Decimal {
	d, err := recipe.ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return d
}

// Fixed IDs of a small bakery: bread made of flour, water and salt, with
// rye flour allowed for flour.
const (
	site   = "0190a1b2-c3d4-7e5f-8a6b-00000000000a"
	bread  = "0190a1b2-c3d4-7e5f-8a6b-000000000b01"
	flour  = "0190a1b2-c3d4-7e5f-8a6b-000000000f01"
	rye    = "0190a1b2-c3d4-7e5f-8a6b-000000000f02"
	water  = "0190a1b2-c3d4-7e5f-8a6b-000000000a01"
	salt   = "0190a1b2-c3d4-7e5f-8a6b-000000000501"
	eggs   = "0190a1b2-c3d4-7e5f-8a6b-000000000e01"
	other  = "0190a1b2-c3d4-7e5f-8a6b-00000000000b"
	noItem = "0190a1b2-c3d4-7e5f-8a6b-000000000000"
)

func items() (recipe.Item, map[forkline.ID]recipe.Item) {
	product := recipe.Item{ID: bread, SiteID: site, Code: "BREAD", BaseUnit: forkline.Kilogram, Allergens: []string{"wheat"}, Active: true,
		PackSizes: []forkline.PackSize{{Unit: forkline.Case, Contents: qty("10 kg")}}}
	m := map[forkline.ID]recipe.Item{
		bread: product,
		flour: {ID: flour, SiteID: site, Code: "FLOUR", BaseUnit: forkline.Kilogram, Allergens: []string{"wheat"}, Active: true,
			PackSizes: []forkline.PackSize{{Unit: forkline.Case, Contents: qty("25 kg")}}},
		rye:   {ID: rye, SiteID: site, Code: "RYE", BaseUnit: forkline.Kilogram, Allergens: []string{"gluten"}, Active: true},
		water: {ID: water, SiteID: site, Code: "WATER", BaseUnit: forkline.Liter, Active: true},
		salt:  {ID: salt, SiteID: site, Code: "SALT", BaseUnit: forkline.Gram, Active: true},
		eggs:  {ID: eggs, SiteID: site, Code: "EGGS", BaseUnit: forkline.Each, Allergens: []string{"egg"}, Active: true},
		other: {ID: other, SiteID: "0190a1b2-c3d4-7e5f-8a6b-0000000000ff", Code: "ELSEWHERE", BaseUnit: forkline.Kilogram, Active: true},
	}
	return product, m
}

func content() recipe.Content {
	return recipe.Content{
		BatchSize: qty("100 kg"),
		Ingredients: []recipe.Ingredient{
			{ItemID: flour, Quantity: qty("60 kg"), Tolerance: dec("2"), Substitutes: []forkline.ID{rye}},
			{ItemID: water, Quantity: qty("40 L"), Tolerance: dec("1")},
			{ItemID: salt, Quantity: qty("1200 g"), Tolerance: dec("0")},
		},
		Steps: []recipe.Step{
			{Instruction: "Mix flour, water and salt", Additions: []forkline.ID{flour, water, salt},
				Parameters: []recipe.Parameter{{Name: "Mixing time", Unit: "min", Target: dec("8"), Min: dec("6"), Max: dec("10")}}},
			{Instruction: "Bake", Parameters: []recipe.Parameter{{Name: "Core temperature", Unit: "°C", Target: dec("96"), Min: dec("92"), Max: dec("99"), CCP: true}}},
		},
	}
}

func TestContentValidate(t *testing.T) {
	product, all := items()
	tests := []struct {
		name   string
		change func(c *recipe.Content)
		fields []string
	}{
		{"a complete recipe is valid", func(*recipe.Content) {}, nil},
		{"the batch size needs a positive quantity", func(c *recipe.Content) { c.BatchSize = forkline.Quantity{} }, []string{"batchSize"}},
		{"the batch size is in a unit of the item", func(c *recipe.Content) { c.BatchSize = qty("100 L") }, []string{"batchSize"}},
		{"the batch size may be a pack unit of the item", func(c *recipe.Content) { c.BatchSize = qty("10 case") }, nil},
		{"a recipe needs an ingredient", func(c *recipe.Content) { c.Ingredients, c.Steps = nil, nil }, []string{"ingredients"}},
		{"an ingredient is a known item", func(c *recipe.Content) { c.Ingredients[0].ItemID = noItem }, []string{"ingredients[0].itemId", "steps[0].additions[0]"}},
		{"an ingredient is an item of the site", func(c *recipe.Content) { c.Ingredients[2].ItemID = other }, []string{"ingredients[2].itemId", "steps[0].additions[2]"}},
		{"the product is not its own ingredient", func(c *recipe.Content) { c.Ingredients[1].ItemID = bread }, []string{"ingredients[1].itemId", "ingredients[1].quantity", "steps[0].additions[1]"}},
		{"an item is one ingredient", func(c *recipe.Content) { c.Ingredients[1].ItemID = flour }, []string{"ingredients[1].itemId", "ingredients[1].quantity", "steps[0].additions[1]"}},
		{"an ingredient quantity is positive", func(c *recipe.Content) { c.Ingredients[1].Quantity = qty("0 L") }, []string{"ingredients[1].quantity"}},
		{"an ingredient quantity is in its item's unit", func(c *recipe.Content) { c.Ingredients[2].Quantity = qty("1 L") }, []string{"ingredients[2].quantity"}},
		{"a tolerance is at most 100 percent", func(c *recipe.Content) { c.Ingredients[0].Tolerance = dec("100.5") }, []string{"ingredients[0].tolerance"}},
		{"a tolerance is not negative", func(c *recipe.Content) { c.Ingredients[0].Tolerance = dec("-1") }, []string{"ingredients[0].tolerance"}},
		{"a substitute is a known item", func(c *recipe.Content) { c.Ingredients[0].Substitutes = []forkline.ID{noItem} }, []string{"ingredients[0].substitutes[0]"}},
		{"a substitute is not the ingredient itself", func(c *recipe.Content) { c.Ingredients[0].Substitutes = []forkline.ID{flour} }, []string{"ingredients[0].substitutes[0]"}},
		{"a substitute is measured like the ingredient", func(c *recipe.Content) { c.Ingredients[0].Substitutes = []forkline.ID{eggs} }, []string{"ingredients[0].substitutes[0]"}},
		{"a step has an instruction", func(c *recipe.Content) { c.Steps[1].Instruction = "  " }, []string{"steps[1].instruction"}},
		{"a step adds only ingredients", func(c *recipe.Content) { c.Steps[1].Additions = []forkline.ID{eggs} }, []string{"steps[1].additions[0]"}},
		{"a parameter has a name", func(c *recipe.Content) { c.Steps[0].Parameters[0].Name = "" }, []string{"steps[0].parameters[0].name"}},
		{"a parameter's limits are in order", func(c *recipe.Content) { c.Steps[1].Parameters[0].Min = dec("97") }, []string{"steps[1].parameters[0].target"}},
		{"a parameter is named once in a step", func(c *recipe.Content) {
			c.Steps[0].Parameters = append(c.Steps[0].Parameters, recipe.Parameter{Name: "mixing TIME", Min: 1, Target: 1, Max: 1})
		}, []string{"steps[0].parameters[1].name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := content()
			tt.change(&c)
			err := c.Validate(product, all)
			var got []string
			for _, f := range forkline.ErrorFields(err) {
				got = append(got, f.Field)
			}
			if diff := cmp.Diff(tt.fields, got); diff != "" {
				t.Errorf("Validate() fields mismatch (-want +got):\n%s\nerror: %v", diff, err)
			}
			if (err != nil) != (tt.fields != nil) || err != nil && forkline.ErrorCode(err) != forkline.Invalid {
				t.Errorf("Validate() = %v, want an invalid error exactly when fields are wrong", err)
			}
		})
	}
	t.Run("duplicate substitutes and additions are given once", func(t *testing.T) {
		c := content()
		c.Ingredients[0].Substitutes = []forkline.ID{rye, rye}
		c.Steps[0].Additions = []forkline.ID{flour, flour, water}
		if err := c.Validate(product, all); err != nil {
			t.Fatalf("Validate() = %v", err)
		}
		if got := c.Ingredients[0].Substitutes; !slices.Equal(got, []forkline.ID{rye}) {
			t.Errorf("substitutes = %v, want [rye]", got)
		}
		if got := c.Steps[0].Additions; !slices.Equal(got, []forkline.ID{flour, water}) {
			t.Errorf("additions = %v, want [flour water]", got)
		}
	})
}

func version() recipe.Version {
	return recipe.Version{ID: "0190a1b2-c3d4-7e5f-8a6b-0000000000a1", RecipeID: "0190a1b2-c3d4-7e5f-8a6b-0000000000c1", SiteID: site, ItemID: bread,
		Number: 3, Status: recipe.Draft, Content: content(), Revision: 1}
}

func TestContentHash(t *testing.T) {
	base := version()
	h := recipe.ContentHash(base)
	if len(h) != 64 {
		t.Fatalf("ContentHash() = %q, want 64 hex digits", h)
	}
	same := base
	same.Content = base.Content.Clone()
	same.Status, same.Revision, same.CreatedAt = recipe.Approved, 9, time.Now()
	if got := recipe.ContentHash(same); got != h {
		t.Errorf("ContentHash(clone with other status, revision and time) = %s, want %s: they are not content", got, h)
	}
	changes := []struct {
		name   string
		change func(v *recipe.Version)
	}{
		{"the version ID", func(v *recipe.Version) { v.ID = "0190a1b2-c3d4-7e5f-8a6b-0000000000a2" }},
		{"the number", func(v *recipe.Version) { v.Number = 4 }},
		{"the item", func(v *recipe.Version) { v.ItemID = flour }},
		{"the batch size", func(v *recipe.Version) { v.BatchSize = qty("100.5 kg") }},
		{"the batch unit", func(v *recipe.Version) { v.BatchSize = qty("100 lb") }},
		{"an ingredient quantity by one milligram", func(v *recipe.Version) { v.Ingredients[0].Quantity = qty("60.000001 kg") }},
		{"a tolerance", func(v *recipe.Version) { v.Ingredients[1].Tolerance = dec("1.5") }},
		{"a substitute", func(v *recipe.Version) { v.Ingredients[0].Substitutes = nil }},
		{"the order of ingredients", func(v *recipe.Version) { v.Ingredients[1], v.Ingredients[2] = v.Ingredients[2], v.Ingredients[1] }},
		{"an instruction", func(v *recipe.Version) { v.Steps[1].Instruction = "Bake well" }},
		{"a parameter limit", func(v *recipe.Version) { v.Steps[1].Parameters[0].Min = dec("90") }},
		{"the CCP flag", func(v *recipe.Version) { v.Steps[1].Parameters[0].CCP = false }},
		{"a parameter unit", func(v *recipe.Version) { v.Steps[0].Parameters[0].Unit = "s" }},
		{"a step addition", func(v *recipe.Version) { v.Steps[0].Additions = v.Steps[0].Additions[:2] }},
		{"text moved between fields", func(v *recipe.Version) {
			v.Steps[0].Instruction, v.Steps[0].Parameters[0].Name = "Mix flour, water and saltMixing", " time"
		}},
	}
	for _, tt := range changes {
		t.Run("changing "+tt.name+" changes the hash", func(t *testing.T) {
			v := base
			v.Content = base.Content.Clone()
			tt.change(&v)
			if got := recipe.ContentHash(v); got == h {
				t.Errorf("ContentHash() after changing %s = %s, the same as before", tt.name, got)
			}
			if recipe.ContentHash(base) != h {
				t.Fatalf("changing a clone changed the original")
			}
		})
	}
}

func TestVerify(t *testing.T) {
	signed := func() recipe.Version {
		v := version()
		v.Status = recipe.Approved
		v.ContentHash = recipe.ContentHash(v)
		v.Signature = &recipe.Signature{SignerName: "quinn", Meaning: "approved", SignedAt: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), ContentHash: v.ContentHash}
		return v
	}
	tests := []struct {
		name    string
		v       func() recipe.Version
		intact  bool
		problem string
	}{
		{"a draft whose content matches its stored hash is intact", func() recipe.Version {
			v := version()
			v.ContentHash = recipe.ContentHash(v)
			return v
		}, true, ""},
		{"a signed version is intact", signed, true, ""},
		{"a signed version whose quantity changed is detected", func() recipe.Version {
			v := signed()
			v.Ingredients[0].Quantity = qty("61 kg")
			return v
		}, false, "was changed after quinn signed it on 2026-03-02 09:00 UTC"},
		{"a signed version whose stored hash was rewritten to match is still detected", func() recipe.Version {
			v := signed()
			v.Steps[1].Parameters[0].CCP = false
			v.ContentHash = recipe.ContentHash(v)
			return v
		}, false, "no longer matches the signature"},
		{"an approved version without a signature is detected", func() recipe.Version {
			v := signed()
			v.Signature = nil
			return v
		}, false, "carries no signature"},
		{"a draft changed past its stored hash is detected", func() recipe.Version {
			v := version()
			v.ContentHash = recipe.ContentHash(v)
			v.BatchSize = qty("90 kg")
			return v
		}, false, "no longer matches its stored hash"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := recipe.Verify(tt.v())
			if got.Intact != tt.intact || !strings.Contains(got.Problem, tt.problem) || tt.intact && got.Problem != "" {
				t.Errorf("Verify() = intact %v, problem %q; want intact %v, problem containing %q", got.Intact, got.Problem, tt.intact, tt.problem)
			}
		})
	}
}

func TestAllergens(t *testing.T) {
	product, all := items()
	c := content()
	got := recipe.Allergens(c, all)
	if want := []string{"gluten", "wheat"}; !slices.Equal(got, want) {
		t.Errorf("Allergens() = %v, want %v: the substitute's allergen counts", got, want)
	}
	if got, want := recipe.Undeclared(product, got), []string{"gluten"}; !slices.Equal(got, want) {
		t.Errorf("Undeclared(bread declares wheat) = %v, want %v", got, want)
	}
	product.Allergens = []string{"gluten", "milk", "wheat"}
	if got := recipe.Undeclared(product, recipe.Allergens(c, all)); got != nil {
		t.Errorf("Undeclared(bread declares more) = %v, want none: declaring more is allowed", got)
	}
}

func TestScale(t *testing.T) {
	packs := []forkline.PackSize{{Unit: forkline.Case, Contents: qty("10 kg")}}
	type line struct{ Target, Min, Max string }
	view := func(ss []recipe.Scaled) []line {
		var out []line
		for _, s := range ss {
			out = append(out, line{s.Target.String(), s.Min.String(), s.Max.String()})
		}
		return out
	}
	tests := []struct {
		name  string
		batch forkline.Quantity
		want  []line
		exact bool
	}{
		{"one batch is the recipe", qty("100 kg"), []line{{"60 kg", "58.8 kg", "61.2 kg"}, {"40 L", "39.6 L", "40.4 L"}, {"1200 g", "1200 g", "1200 g"}}, true},
		{"two and a half batches", qty("250 kg"), []line{{"150 kg", "147 kg", "153 kg"}, {"100 L", "99 L", "101 L"}, {"3000 g", "3000 g", "3000 g"}}, true},
		{"a batch in cases of the product", qty("3 case"), []line{{"18 kg", "17.64 kg", "18.36 kg"}, {"12 L", "11.88 L", "12.12 L"}, {"360 g", "360 g", "360 g"}}, true},
		// 100 lb = 45.359237 kg exactly; 60 kg x 0.45359237 = 27.2155422 kg has seven places.
		{"a batch in pounds rounds only the last place", qty("100 lb"),
			[]line{{"27.215542 kg", "26.671232 kg", "27.759853 kg"}, {"18.143695 L", "17.962258 L", "18.325131 L"}, {"544.310844 g", "544.310844 g", "544.310844 g"}}, false},
		// 60 kg x 0.33333333 = 19.9999998 kg: the target rounds to 20 kg, the
		// limits 19.599999804 and 20.399999796 round inwards.
		{"a third of a batch rounds the target half to even and the limits inwards", qty("33.333333 kg"),
			[]line{{"20 kg", "19.6 kg", "20.399999 kg"}, {"13.333333 L", "13.2 L", "13.466666 L"}, {"399.999996 g", "399.999996 g", "399.999996 g"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := recipe.Scale(content(), tt.batch, packs)
			if err != nil {
				t.Fatalf("Scale(%s) error = %v", tt.batch, err)
			}
			if diff := cmp.Diff(tt.want, view(got)); diff != "" {
				t.Errorf("Scale(%s) mismatch (-want +got):\n%s", tt.batch, diff)
			}
			exact := !slices.ContainsFunc(got, func(s recipe.Scaled) bool { return !s.Exact })
			if exact != tt.exact {
				t.Errorf("Scale(%s) exact = %v, want %v", tt.batch, exact, tt.exact)
			}
		})
	}
	t.Run("a batch in a unit the product does not have is refused", func(t *testing.T) {
		if _, err := recipe.Scale(content(), qty("5 L"), packs); forkline.ErrorCode(err) != forkline.Invalid {
			t.Errorf("Scale(5 L) error = %v, want invalid", err)
		}
	})
	t.Run("no batch is refused", func(t *testing.T) {
		if _, err := recipe.Scale(content(), qty("0 kg"), packs); forkline.ErrorCode(err) != forkline.Invalid {
			t.Errorf("Scale(0 kg) error = %v, want invalid", err)
		}
	})
}
