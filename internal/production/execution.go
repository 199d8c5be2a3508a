package production

import (
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/forkline/forkline"
)

// Decimal is an exact decimal number in millionths, for tolerances and
// process parameter values, such as 72.5 (°C) or 2 (percent).
type Decimal int64

// ParseDecimal parses "72.5"; more than six decimal places is an error.
func ParseDecimal(s string) (Decimal, error) {
	v, err := forkline.ParseDecimal(s)
	return Decimal(v), err
}

// String returns the number without trailing zeros, such as "72.5".
func (d Decimal) String() string { return forkline.FormatDecimal(int64(d)) }

// MarshalText writes the number as String does, for audit snapshots.
func (d Decimal) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads what MarshalText wrote.
func (d *Decimal) UnmarshalText(b []byte) error {
	v, err := ParseDecimal(string(b))
	*d = v
	return err
}

// Item is what production needs of an item, read from plant master data.
type Item struct {
	ID, SiteID    forkline.ID
	Code, Name    string
	BaseUnit      forkline.Unit
	PackSizes     []forkline.PackSize
	Allergens     []string // declared, sorted
	ShelfLifeDays int
	Active        bool
}

// Line is what production needs of a line.
type Line struct {
	ID, SiteID forkline.ID
	Code, Name string
	Active     bool
}

// Formula is what production needs of a recipe version. The store reads it
// from the recipe tables and recomputes ContentHash from the content as it
// is now, so a version changed after it was signed or frozen is noticed.
type Formula struct {
	RecipeID, VersionID forkline.ID
	RecipeCode          string
	Number              int
	Status              string // draft, approved or obsolete
	ItemID              forkline.ID
	BatchSize           forkline.Quantity
	Ingredients         []Ingredient
	Steps               []Step
	Allergens           []string // rolled up from ingredients and substitutes
	ContentHash         string   // recomputed from the content now
	SignedHash          string   // what the approval signature is bound to; "" when unsigned
}

// Intact reports whether the content still hashes to what was signed.
func (f Formula) Intact() bool { return f.SignedHash != "" && f.ContentHash == f.SignedHash }

// Ingredient is one material of a recipe batch.
type Ingredient struct {
	ItemID      forkline.ID
	Quantity    forkline.Quantity // per batch
	Tolerance   Decimal           // plus or minus percent
	Substitutes []forkline.ID
}

// Step is one instruction of a recipe.
type Step struct {
	Instruction string
	Parameters  []Parameter
	Additions   []forkline.ID // ingredient items added in the step
}

// Parameter is a process parameter with its limits; a CCP's limits are critical limits.
type Parameter struct {
	Name, Unit       string
	Target, Min, Max Decimal
	CCP              bool
}

// Target is one ingredient scaled to an order, in the base unit of the
// ingredient's item.
type Target struct {
	ItemID      forkline.ID
	Substitutes []forkline.ID
	Tolerance   Decimal
	Target      forkline.Quantity
	Min, Max    forkline.Quantity // Min rounded up, Max rounded down
}

// Targets scales a formula to a planned quantity of the product. Quantities
// are converted with the items' pack sizes and scaled with rational
// arithmetic, rounded once: the target half to even, the limits inwards.
func Targets(f Formula, planned forkline.Quantity, product Item, items map[forkline.ID]Item) ([]Target, error) {
	if f.BatchSize.Sign() <= 0 {
		return nil, forkline.Errorf(forkline.Invalid, "recipe %s has no batch size", f.RecipeCode)
	}
	b, _, err := forkline.Convert(planned, f.BatchSize.Unit, product.PackSizes)
	if err != nil {
		return nil, err
	}
	factor := new(big.Rat).SetFrac(big.NewInt(b.Micros()), big.NewInt(f.BatchSize.Micros()))
	out := make([]Target, 0, len(f.Ingredients))
	for _, in := range f.Ingredients {
		it, ok := items[in.ItemID]
		if !ok {
			return nil, forkline.Errorf(forkline.Internal, "ingredient item %s was not loaded", in.ItemID)
		}
		q, _, err := forkline.Convert(in.Quantity, it.BaseUnit, it.PackSizes)
		if err != nil {
			return nil, err
		}
		t := new(big.Rat).Mul(new(big.Rat).SetInt64(q.Micros()), factor)
		tol := new(big.Rat).SetFrac64(int64(in.Tolerance), 100*1_000_000)
		lo := new(big.Rat).Mul(t, new(big.Rat).Sub(big.NewRat(1, 1), tol))
		hi := new(big.Rat).Mul(t, new(big.Rat).Add(big.NewRat(1, 1), tol))
		tv, err := roundRat(t, halfEven)
		if err != nil {
			return nil, err
		}
		lov, err := roundRat(lo, ceil)
		if err != nil {
			return nil, err
		}
		hiv, err := roundRat(hi, floor)
		if err != nil {
			return nil, err
		}
		u := it.BaseUnit
		out = append(out, Target{ItemID: in.ItemID, Substitutes: slices.Clone(in.Substitutes), Tolerance: in.Tolerance,
			Target: forkline.QuantityFromMicros(tv, u), Min: forkline.QuantityFromMicros(lov, u), Max: forkline.QuantityFromMicros(hiv, u)})
	}
	return out, nil
}

type rounding int

const (
	halfEven rounding = iota
	halfUp
	floor
	ceil
)

// roundRat rounds a non-negative r to an integer.
func roundRat(r *big.Rat, mode rounding) (int64, error) {
	q, m := new(big.Int).QuoRem(r.Num(), r.Denom(), new(big.Int))
	if m.Sign() != 0 {
		twice := new(big.Int).Mul(new(big.Int).Abs(m), big.NewInt(2))
		c := twice.Cmp(r.Denom())
		switch {
		case mode == ceil,
			mode == halfUp && c >= 0,
			mode == halfEven && (c > 0 || c == 0 && q.Bit(0) == 1):
			q.Add(q, big.NewInt(1))
		}
	}
	if !q.IsInt64() {
		return 0, forkline.Errorf(forkline.Invalid, "quantity overflow")
	}
	return q.Int64(), nil
}

// The refusals of a material addition. The error AddMaterial returns says
// more (the lot, the quantities) and wraps one of these, so that errors.Is
// tells a terminal which refusal a supervisor may override.
var (
	ErrWrongItem      = &forkline.Error{Code: forkline.Invalid, Msg: "The lot's item is not in the recipe."}
	ErrOutOfTolerance = &forkline.Error{Code: forkline.Invalid, Msg: "The quantity is outside the tolerance; a supervisor may accept it with a reason."}
	ErrOutOfFEFO      = &forkline.Error{Code: forkline.Invalid, Msg: "Another lot expires first; a supervisor may accept this one with a reason."}
)

// MatchIngredient returns the target a lot of item counts towards: the
// ingredient of that item, or the first ingredient that allows it as a
// substitute. ok is false when the recipe has no place for it.
func MatchIngredient(targets []Target, item forkline.ID) (i int, substitute bool, ok bool) {
	for i, t := range targets {
		if t.ItemID == item {
			return i, false, true
		}
	}
	for i, t := range targets {
		if slices.Contains(t.Substitutes, item) {
			return i, true, true
		}
	}
	return -1, false, false
}

// Counted converts a quantity of a lot's item, as entered, to the base unit
// of the ingredient it counts towards. Both conversions must be exact: a
// scale never rounds what was added.
func Counted(entered forkline.Quantity, lotItem, ingredient Item) (forkline.Quantity, error) {
	if entered.Sign() <= 0 || entered.Unit == "" {
		return forkline.Quantity{}, invalid("quantity", "positive", "quantity must be more than zero, with a unit, e.g. \"12.5 kg\"")
	}
	q, exact, err := forkline.Convert(entered, lotItem.BaseUnit, lotItem.PackSizes)
	if err != nil {
		return forkline.Quantity{}, invalid("quantity", "unit", fmt.Sprintf("quantity: %s", forkline.ErrorMessage(err)))
	}
	if !exact {
		return forkline.Quantity{}, invalid("quantity", "exact", fmt.Sprintf("%s is not a whole number of millionths of %s; enter it in %s", entered, lotItem.BaseUnit, lotItem.BaseUnit))
	}
	if lotItem.ID == ingredient.ID {
		return q, nil
	}
	c, exact, err := forkline.Convert(q, ingredient.BaseUnit, nil)
	if err != nil || !exact {
		return forkline.Quantity{}, invalid("quantity", "unit", fmt.Sprintf("%s of %s cannot be counted exactly in %s, the unit of %s", q, lotItem.Code, ingredient.BaseUnit, ingredient.Code))
	}
	return c, nil
}

// Added sums the additions that count towards the ingredient of item:
// booked ones and those reserved but not yet booked.
func Added(additions []Addition, ingredient forkline.ID, unit forkline.Unit) forkline.Quantity {
	var sum int64
	for _, a := range additions {
		if a.IngredientItemID == ingredient && a.Status != AdditionRefused {
			sum += a.Quantity.Micros()
		}
	}
	return forkline.QuantityFromMicros(sum, unit)
}

// Within reports whether total lies inside the target's limits.
func (t Target) Within(total forkline.Quantity) bool {
	lo, err1 := total.Cmp(t.Min)
	hi, err2 := total.Cmp(t.Max)
	return err1 == nil && err2 == nil && lo >= 0 && hi <= 0
}

// Over reports whether total is above the target's maximum.
func (t Target) Over(total forkline.Quantity) bool {
	c, err := total.Cmp(t.Max)
	return err == nil && c > 0
}

// Lot is what production needs of a lot, from the ledger.
type Lot struct {
	ID, SiteID, ItemID forkline.ID
	Code               string
	Status             string
	Expiry             time.Time // a date; zero when the item has no shelf life
}

// OutOfFEFO reports whether first, the lot FEFO proposes, expires before
// lot: using lot would leave older stock behind.
func OutOfFEFO(lot, first Lot) bool {
	if first.ID == "" || first.ID == lot.ID || first.Expiry.IsZero() {
		return false
	}
	return lot.Expiry.IsZero() || first.Expiry.Before(lot.Expiry)
}

// Reading is a process parameter value entered at a step of an order.
type Reading struct {
	ID, OrderID        forkline.ID
	Step               int // 1-based
	Parameter          string
	Unit               string
	Value              Decimal
	Target, Min, Max   Decimal
	CCP                bool
	InLimits           bool
	DeviationID        forkline.ID
	Note               string
	At                 time.Time
	ActorID, ActorName string
}

// FindParameter returns the parameter named name (case-insensitive) of step
// (1-based) of a formula.
func FindParameter(f Formula, step int, name string) (Parameter, error) {
	if step < 1 || step > len(f.Steps) {
		return Parameter{}, invalid("step", "range", fmt.Sprintf("step must be from 1 to %d", len(f.Steps)))
	}
	st := f.Steps[step-1]
	for _, p := range st.Parameters {
		if strings.EqualFold(p.Name, strings.TrimSpace(name)) {
			return p, nil
		}
	}
	var names []string
	for _, p := range st.Parameters {
		names = append(names, p.Name)
	}
	if len(names) == 0 {
		return Parameter{}, invalid("parameter", "reference", fmt.Sprintf("step %d has no process parameters", step))
	}
	return Parameter{}, invalid("parameter", "reference", fmt.Sprintf("step %d has no parameter %q; it has %s", step, name, strings.Join(names, ", ")))
}

// CheckReading compares a value with its parameter's limits. A value
// outside them raises a deviation: critical when the parameter is a CCP.
func CheckReading(p Parameter, step int, v Decimal) (inLimits bool, description string) {
	unit := ""
	if p.Unit != "" {
		unit = " " + p.Unit
	}
	where := fmt.Sprintf("step %d", step)
	if p.CCP {
		where += ", a critical control point"
	}
	switch {
	case v < p.Min:
		return false, fmt.Sprintf("%s %s%s is below the minimum %s%s (%s).", p.Name, v, unit, p.Min, unit, where)
	case v > p.Max:
		return false, fmt.Sprintf("%s %s%s is above the maximum %s%s (%s).", p.Name, v, unit, p.Max, unit, where)
	}
	return true, ""
}

// Yield compares what an order made with what its recipe predicts for the
// inputs it consumed.
type Yield struct {
	Actual      forkline.Quantity // output, in the product's base unit
	Theoretical forkline.Quantity // batch size x consumed / recipe inputs, rounded at six places
	Percent     string            // Actual / Theoretical as a percentage with one decimal, half up; "" when nothing was consumed
}

// ComputeYield returns the yield of an order. The inputs counted are the
// ingredients of one dimension: mass when the recipe has mass ingredients,
// else volume, else count (packaging counted in each stays out of a mass
// yield). Sums are exact in the unit of the first ingredient counted;
// theoretical output = batch size x consumed / recipe quantity.
func ComputeYield(f Formula, product Item, items map[forkline.ID]Item, additions []Addition, outputs []Output) (Yield, error) {
	var actual int64
	for _, o := range outputs {
		q, _, err := forkline.Convert(o.Quantity, product.BaseUnit, product.PackSizes)
		if err != nil {
			return Yield{}, err
		}
		actual += q.Micros()
	}
	y := Yield{Actual: forkline.QuantityFromMicros(actual, product.BaseUnit), Theoretical: forkline.QuantityFromMicros(0, product.BaseUnit)}
	dim := forkline.Dimension("")
	for _, d := range []forkline.Dimension{forkline.Mass, forkline.Volume, forkline.Count} {
		if slices.ContainsFunc(f.Ingredients, func(in Ingredient) bool { return items[in.ItemID].BaseUnit.Dimension() == d }) {
			dim = d
			break
		}
	}
	if dim == "" {
		return y, nil
	}
	var ref forkline.Unit
	recipeSum, consumedSum := new(big.Rat), new(big.Rat)
	for _, in := range f.Ingredients {
		it := items[in.ItemID]
		if it.BaseUnit.Dimension() != dim {
			continue
		}
		if ref == "" {
			ref = it.BaseUnit
		}
		q, _, err := forkline.Convert(in.Quantity, ref, it.PackSizes)
		if err != nil {
			return Yield{}, err
		}
		recipeSum.Add(recipeSum, new(big.Rat).SetInt64(q.Micros()))
		for _, a := range additions {
			if a.IngredientItemID != in.ItemID || a.Status != AdditionBooked {
				continue
			}
			c, _, err := forkline.Convert(a.Quantity, ref, nil)
			if err != nil {
				return Yield{}, err
			}
			consumedSum.Add(consumedSum, new(big.Rat).SetInt64(c.Micros()))
		}
	}
	if recipeSum.Sign() == 0 || consumedSum.Sign() == 0 {
		return y, nil
	}
	batch, _, err := forkline.Convert(f.BatchSize, product.BaseUnit, product.PackSizes)
	if err != nil {
		return Yield{}, err
	}
	theo := new(big.Rat).SetInt64(batch.Micros())
	theo.Mul(theo, consumedSum).Quo(theo, recipeSum)
	tv, err := roundRat(theo, halfEven)
	if err != nil {
		return Yield{}, err
	}
	y.Theoretical = forkline.QuantityFromMicros(tv, product.BaseUnit)
	// Percent with one decimal: actual x 1000 / theoretical, in tenths of a percent.
	tenths := new(big.Rat).SetInt64(actual)
	tenths.Mul(tenths, big.NewRat(1000, 1)).Quo(tenths, theo)
	n, err := roundRat(tenths, halfUp)
	if err != nil {
		return Yield{}, err
	}
	y.Percent = fmt.Sprintf("%d.%d", n/10, n%10)
	return y, nil
}

func invalid(field, rule, msg string) error {
	return &forkline.Error{Code: forkline.Invalid, Msg: msg, Fields: []forkline.FieldProblem{{Field: field, Rule: rule, Msg: msg}}}
}
