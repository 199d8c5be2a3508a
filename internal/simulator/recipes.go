package simulator

import (
	"fmt"

	"github.com/forkline/forkline/internal/recipe"
)

// tolerances is the plus/minus percentage each ingredient is weighed to,
// the same in every recipe that uses it.
var tolerances = map[string]string{
	"RM-FLOUR": "2", "RM-SUGAR": "2", "RM-BUTTER": "2", "RM-EGG": "3", "RM-CHOC": "3", "RM-PEANUT": "2",
	"RM-SESAME": "5", "RM-YEAST": "5", "RM-SALT": "5", "RM-CUKE": "5", "PK-BAG-700": "2", "WIP-DOUGH-W": "2",
}

// stepSpec is one step of a demo recipe: an instruction, the ingredients
// (by item code) added in it, and its process parameters.
type stepSpec struct {
	text   string
	adds   []string
	params []recipe.Parameter
}

// recipeSpec is the master recipe of one of the history's products. Batch
// size and ingredient quantities come from the product (history.go), so
// that the recipes and the weeks of history agree.
type recipeSpec struct {
	item, code, name string
	steps            []stepSpec
}

func dec(s string) recipe.Decimal { return must(recipe.ParseDecimal(s)) }

// pm is a process parameter; ccp is one that is a critical control point of
// the HACCP plan, whose min and max are its critical limits.
func pm(name, unit, target, min, max string) recipe.Parameter {
	return recipe.Parameter{Name: name, Unit: unit, Target: dec(target), Min: dec(min), Max: dec(max)}
}

func ccp(name, unit, target, min, max string) recipe.Parameter {
	p := pm(name, unit, target, min, max)
	p.CCP = true
	return p
}

// The parameters several recipes share.
var (
	metalDetector = ccp("Metal detector check", "of 3 rejected", "3", "3", "3")
	mdText        = " Test the metal detector (MD-01) with the three test pieces (ferrous 2.0, non-ferrous 2.5, stainless 3.0 mm) at the start, every hour and at the end: all three must be rejected. If one passes, stop the line and hold everything packed since the last good test."
)

// recipeSpecs are the master recipes of the bakery, one per product, in the order of products.
var recipeSpecs = []recipeSpec{
	{item: "WIP-DOUGH-W", code: "R-DOUGH-W", name: "White dough, 400 kg mix", steps: []stepSpec{
		{text: "Weigh the flour and the salt into the spiral mixer bowl (MIX-01). Check that the flour sieve is intact.",
			adds: []string{"RM-FLOUR", "RM-SALT"}},
		{text: "Add 140 L of water at 12-16 °C and the fresh yeast. Mix 4 minutes slow and 6 minutes fast, until the dough is smooth and passes the windowpane test.",
			adds: []string{"RM-YEAST"}, params: []recipe.Parameter{pm("Mixing time", "min", "10", "8", "12"), pm("Dough temperature", "°C", "26", "24", "28")}},
		{text: "Rest the dough covered in the trough, then tip it into the divider hopper of Line 1. Use it within 4 hours.",
			params: []recipe.Parameter{pm("Floor time", "min", "20", "10", "30")}},
	}},
	{item: "FG-WHITE-700", code: "R-WHITE-700", name: "White sandwich loaf 700 g", steps: []stepSpec{
		{text: "Divide the dough into 780 g pieces with the divider (DIV-01), round and mould them into greased tins. Check-weigh 5 pieces every 15 minutes.",
			adds: []string{"WIP-DOUGH-W"}, params: []recipe.Parameter{pm("Piece weight", "g", "780", "770", "790")}},
		{text: "Prove at 38 °C and 80 % relative humidity until the dough reaches the rim of the tin.",
			params: []recipe.Parameter{pm("Proof time", "min", "55", "45", "65")}},
		{text: "Bake in the tunnel oven (OVN-01). The oven temperature is a critical control point (cooking): record it at the start of the run and every hour; below the limit, stop the band and hold the product.",
			params: []recipe.Parameter{ccp("Oven temperature", "°C", "220", "210", "230"), pm("Bake time", "min", "32", "30", "35")}},
		{text: "De-pan and cool in the spiral cooler (CLR-01). Probe the core of three loaves before slicing: bread sliced warm sweats in the bag and moulds.",
			params: []recipe.Parameter{pm("Cooling core temperature", "°C", "28", "18", "35")}},
		{text: "Slice and bag in printed 700 g bags; check that the bag declares wheat and gluten." + mdText,
			adds: []string{"PK-BAG-700"}, params: []recipe.Parameter{metalDetector}},
	}},
	{item: "FG-SESBUN-6", code: "R-SESBUN-6", name: "Sesame burger buns, 6 pack", steps: []stepSpec{
		{text: "Weigh the flour, liquid egg and fresh yeast into the spiral mixer (MIX-01) and add 55 L of water. Mix 3 minutes slow and 7 minutes fast.",
			adds: []string{"RM-FLOUR", "RM-EGG", "RM-YEAST"}, params: []recipe.Parameter{pm("Mixing time", "min", "10", "8", "12"), pm("Dough temperature", "°C", "26", "24", "28")}},
		{text: "Divide into 85 g pieces, round them, wet the tops and roll them in sesame seeds. Sesame is an allergen: keep the seed tray covered and inside the topping enclosure.",
			adds: []string{"RM-SESAME"}, params: []recipe.Parameter{pm("Piece weight", "g", "85", "82", "88")}},
		{text: "Prove at 38 °C and 80 % relative humidity.",
			params: []recipe.Parameter{pm("Proof time", "min", "45", "40", "55")}},
		{text: "Bake in the tunnel oven (OVN-01). The oven temperature is a critical control point (cooking): record it at the start of the run and every hour.",
			params: []recipe.Parameter{ccp("Oven temperature", "°C", "210", "200", "220"), pm("Bake time", "min", "13", "11", "15")}},
		{text: "Cool in the spiral cooler (CLR-01) and probe the core of three buns.",
			params: []recipe.Parameter{pm("Cooling core temperature", "°C", "28", "18", "35")}},
		{text: "Bag in 6-packs with the label that declares wheat, gluten, egg and sesame." + mdText,
			params: []recipe.Parameter{metalDetector}},
	}},
	{item: "FG-CCC-300", code: "R-CCC-300", name: "Chocolate chip cookies 300 g", steps: cookieSteps("RM-CHOC",
		"Fold in the chocolate chips for 30 seconds.",
		"milk, egg, wheat, gluten and soy")},
	{item: "FG-PBC-300", code: "R-PBC-300", name: "Peanut butter cookies 300 g", steps: cookieSteps("RM-PEANUT",
		"Fold in the chopped peanuts for 30 seconds. Peanut run: after this order, clean Line 2 and record the cleaning before any peanut-free product starts.",
		"peanuts, milk, egg, wheat and gluten")},
	{item: "FG-CUKE-SALAD", code: "R-CUKE-SALAD", name: "Cucumber dill salad, 1 lb tub", steps: []stepSpec{
		{text: "Wash the cucumbers in the flume with chlorinated water. Test the free chlorine with a strip at the start and every hour: it is a critical control point (pathogen reduction on a ready-to-eat food).",
			adds: []string{"RM-CUKE"}, params: []recipe.Parameter{ccp("Wash water free chlorine", "ppm", "100", "50", "200")}},
		{text: "Trim the ends, slice 4 mm thick and toss with the salt and fresh dill; drain for 20 minutes.",
			adds: []string{"RM-SALT"}, params: []recipe.Parameter{pm("Slice thickness", "mm", "4", "3", "5")}},
		{text: "Fill 1 lb tubs, seal and move them to Cooler 1 within 30 minutes; probe the product at filling." + mdText,
			params: []recipe.Parameter{pm("Product temperature at filling", "°C", "4", "0", "5"), metalDetector}},
	}},
}

// cookieSteps are the steps of a cookie on Line 2, which differ in the
// inclusion (chocolate chips or peanuts) and the allergen label.
func cookieSteps(inclusion, fold, allergens string) []stepSpec {
	return []stepSpec{
		{text: "Cream the butter and the sugar in the Line 2 mixer.",
			adds: []string{"RM-BUTTER", "RM-SUGAR"}, params: []recipe.Parameter{pm("Creaming time", "min", "4", "3", "5")}},
		{text: "Add the liquid egg, then the flour; mix slowly until just combined.",
			adds: []string{"RM-EGG", "RM-FLOUR"}, params: []recipe.Parameter{pm("Dough temperature", "°C", "20", "16", "22")}},
		{text: fold, adds: []string{inclusion}},
		{text: "Deposit 25 g pieces on the oven band with the depositor (DEP-02). Check-weigh 10 pieces every 15 minutes.",
			params: []recipe.Parameter{pm("Piece weight", "g", "25", "24", "26")}},
		{text: "Bake in the band oven (OVN-02). The oven temperature is a critical control point (cooking): record it at the start of the run and every hour; below the limit, stop the band and hold the product.",
			params: []recipe.Parameter{ccp("Oven temperature", "°C", "180", "170", "190"), pm("Bake time", "min", "11", "10", "13")}},
		{text: "Cool on the band to below 30 °C before packing.",
			params: []recipe.Parameter{pm("Cooling core temperature", "°C", "25", "15", "30")}},
		{text: "Pack 12 cookies to a 300 g tray; check that the label declares " + allergens + "." + mdText,
			params: []recipe.Parameter{metalDetector}},
	}
}

// content builds the recipe content of a spec from its product's batch
// size and inputs, with the items of h.
func (h *historian) content(sp recipeSpec) (recipe.Content, error) {
	var pr *product
	for i := range products {
		if products[i].item == sp.item {
			pr = &products[i]
		}
	}
	if pr == nil {
		return recipe.Content{}, fmt.Errorf("recipe %s: no product %s", sp.code, sp.item)
	}
	c := recipe.Content{BatchSize: q(pr.makes)}
	for _, in := range pr.inputs {
		tol, ok := tolerances[in[0]]
		if !ok {
			return c, fmt.Errorf("recipe %s: no tolerance for %s", sp.code, in[0])
		}
		c.Ingredients = append(c.Ingredients, recipe.Ingredient{ItemID: h.items[in[0]].ID, Quantity: q(in[1]), Tolerance: dec(tol)})
	}
	for _, st := range sp.steps {
		s := recipe.Step{Instruction: st.text, Parameters: st.params}
		for _, code := range st.adds {
			s.Additions = append(s.Additions, h.items[code].ID)
		}
		c.Steps = append(c.Steps, s)
	}
	return c, nil
}

// stepOf returns the step (1-based) that adds each ingredient, by item code.
func (sp recipeSpec) stepOf() map[string]int {
	m := map[string]int{}
	for i, st := range sp.steps {
		for _, code := range st.adds {
			m[code] = i + 1
		}
	}
	return m
}

// specFor returns the recipe spec of a product.
func specFor(item string) recipeSpec {
	for _, sp := range recipeSpecs {
		if sp.item == item {
			return sp
		}
	}
	panic(fmt.Errorf("simulator: no recipe for %s", item))
}
