package recipe

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/forkline/forkline"
)

// The permissions recipe checks. They carry the same names in forkline's
// access matrix (actor.go), which decides which role holds them.
const (
	PermRead    = forkline.PermRecipeRead
	PermWrite   = forkline.PermRecipeWrite
	PermApprove = forkline.PermRecipeApprove
)

// Status is where a version is in its life.
type Status string

// The version statuses.
const (
	Draft    Status = "draft"    // being written; the only status that is edited
	Approved Status = "approved" // signed; what production uses
	Obsolete Status = "obsolete" // replaced by a later approved version
)

// Statuses lists every version status.
func Statuses() []Status { return []Status{Draft, Approved, Obsolete} }

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

// Item is what recipe needs of an item, read from plant master data.
type Item struct {
	ID, SiteID forkline.ID
	Code, Name string
	BaseUnit   forkline.Unit
	PackSizes  []forkline.PackSize
	Allergens  []string // declared allergens, sorted
	Active     bool
}

// Recipe is the master recipe for one item on one site.
type Recipe struct {
	ID, SiteID, ItemID forkline.ID
	Code, Name         string
	CreatedAt          time.Time
	Versions           []Version // by number
}

// Current returns the approved version, and false if there is none.
func (r Recipe) Current() (Version, bool) {
	for _, v := range r.Versions {
		if v.Status == Approved {
			return v, true
		}
	}
	return Version{}, false
}

// Content is the part of a version that is written, hashed and signed.
type Content struct {
	BatchSize   forkline.Quantity // what one batch makes, in a unit of the item
	Ingredients []Ingredient
	Steps       []Step
}

// Ingredient is one material of a batch.
type Ingredient struct {
	ItemID      forkline.ID
	Quantity    forkline.Quantity // per batch
	Tolerance   Decimal           // plus or minus this percentage of the scaled quantity; 0 means exact
	Substitutes []forkline.ID     // items that may be added instead, in order of preference
}

// Step is one instruction of the procedure, in order.
type Step struct {
	Instruction string
	Parameters  []Parameter
	Additions   []forkline.ID // the ingredients (by item) added in this step
}

// Parameter is a process parameter to be entered at a step, such as a
// cooking temperature. A CCP parameter is a critical control point of the
// HACCP plan: Min and Max are its critical limits.
type Parameter struct {
	Name, Unit       string // Unit is free text: °C, min, pH, bar
	Target, Min, Max Decimal
	CCP              bool
}

// Signature is an electronic signature (21 CFR 11.50): who signed, when,
// what the signature means, and the hash of the content it is bound to.
type Signature struct {
	ID          forkline.ID
	SignerID    forkline.ID
	SignerName  string
	Meaning     string // e.g. "approved"
	SignedAt    time.Time
	ContentHash string
}

// Version is one numbered revision of a recipe.
type Version struct {
	ID, RecipeID, SiteID forkline.ID
	ItemID               forkline.ID // the recipe's item
	Number               int
	Status               Status
	Content
	ContentHash string     // of Content as last saved
	Signature   *Signature // the approval; nil for a draft
	Revision    int        // moves on with each save; guards concurrent edits
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Meanings a signer may state when approving a version.
const (
	MeaningApproved = "approved"
)

// Limits of free text.
const (
	maxCode        = 40
	maxName        = 200
	maxInstruction = 2000
	maxParamName   = 80
	maxParamUnit   = 20
	maxMeaning     = 100
	maxIngredients = 200
	maxSteps       = 200
)

// Validate checks the content against the items it names: product is the
// recipe's item, items holds every ingredient and substitute item (missing
// ones are reported). It normalises text (trimmed) and substitutes (no duplicates).
func (c *Content) Validate(product Item, items map[forkline.ID]Item) error {
	var p forkline.Problems
	if c.BatchSize.Sign() <= 0 {
		p.Add("batchSize", "positive", "batchSize must be more than zero, with a unit, e.g. \"100 kg\"")
	} else if _, _, err := forkline.Convert(c.BatchSize, product.BaseUnit, product.PackSizes); err != nil {
		p.Add("batchSize", "unit", fmt.Sprintf("batchSize must be in a unit of %s: %s", product.Code, forkline.ErrorMessage(err)))
	}
	if len(c.Ingredients) == 0 {
		p.Add("ingredients", "required", "a recipe needs at least one ingredient")
	}
	if len(c.Ingredients) > maxIngredients {
		p.Add("ingredients", "max_length", fmt.Sprintf("a recipe has at most %d ingredients", maxIngredients))
	}
	if len(c.Steps) > maxSteps {
		p.Add("steps", "max_length", fmt.Sprintf("a recipe has at most %d steps", maxSteps))
	}
	seen := map[forkline.ID]int{}
	for i := range c.Ingredients {
		in := &c.Ingredients[i]
		f := fmt.Sprintf("ingredients[%d].", i)
		it, ok := items[in.ItemID]
		switch {
		case !ok:
			p.Add(f+"itemId", "reference", f+"itemId is not a known item")
		case it.SiteID != product.SiteID || !it.Active:
			p.Add(f+"itemId", "reference", fmt.Sprintf("item %s is not an active item of this site", it.Code))
		case it.ID == product.ID:
			p.Add(f+"itemId", "recursive", fmt.Sprintf("%s cannot be an ingredient of itself", it.Code))
		}
		if j, dup := seen[in.ItemID]; dup {
			p.Add(f+"itemId", "unique", fmt.Sprintf("the item is already ingredient %d; give each item once", j))
		}
		seen[in.ItemID] = i
		if in.Quantity.Sign() <= 0 {
			p.Add(f+"quantity", "positive", f+"quantity must be more than zero, with a unit")
		} else if ok {
			if _, _, err := forkline.Convert(in.Quantity, it.BaseUnit, it.PackSizes); err != nil {
				p.Add(f+"quantity", "unit", fmt.Sprintf("%squantity must be in a unit of %s: %s", f, it.Code, forkline.ErrorMessage(err)))
			}
		}
		if in.Tolerance < 0 || in.Tolerance > 100*1_000_000 {
			p.Add(f+"tolerance", "range", f+"tolerance must be a percentage from 0 to 100")
		}
		var subs []forkline.ID
		for k, sid := range in.Substitutes {
			sf := fmt.Sprintf("%ssubstitutes[%d]", f, k)
			si, sok := items[sid]
			switch {
			case !sok:
				p.Add(sf, "reference", sf+" is not a known item")
			case si.SiteID != product.SiteID || !si.Active:
				p.Add(sf, "reference", fmt.Sprintf("item %s is not an active item of this site", si.Code))
			case sid == in.ItemID || sid == product.ID:
				p.Add(sf, "reference", fmt.Sprintf("%s cannot substitute itself or the recipe's item", si.Code))
			case ok && si.BaseUnit.Dimension() != it.BaseUnit.Dimension():
				p.Add(sf, "unit", fmt.Sprintf("%s is counted in %s and cannot stand in for %s, counted in %s", si.Code, si.BaseUnit, it.Code, it.BaseUnit))
			}
			if !slices.Contains(subs, sid) {
				subs = append(subs, sid)
			}
		}
		in.Substitutes = subs
	}
	for i := range c.Steps {
		st := &c.Steps[i]
		f := fmt.Sprintf("steps[%d].", i)
		st.Instruction = strings.TrimSpace(st.Instruction)
		p.Required(f+"instruction", st.Instruction)
		p.MaxLen(f+"instruction", st.Instruction, maxInstruction)
		names := map[string]bool{}
		for k := range st.Parameters {
			pm := &st.Parameters[k]
			pf := fmt.Sprintf("%sparameters[%d].", f, k)
			pm.Name, pm.Unit = strings.TrimSpace(pm.Name), strings.TrimSpace(pm.Unit)
			p.Required(pf+"name", pm.Name)
			p.MaxLen(pf+"name", pm.Name, maxParamName)
			p.MaxLen(pf+"unit", pm.Unit, maxParamUnit)
			if key := strings.ToLower(pm.Name); names[key] {
				p.Add(pf+"name", "unique", fmt.Sprintf("parameter %q is given twice in this step", pm.Name))
			} else {
				names[key] = true
			}
			if !(pm.Min <= pm.Target && pm.Target <= pm.Max) {
				p.Add(pf+"target", "range", fmt.Sprintf("%s: min %s, target %s and max %s must be in order", pm.Name, pm.Min, pm.Target, pm.Max))
			}
		}
		var adds []forkline.ID
		for k, id := range st.Additions {
			if _, ok := seen[id]; !ok {
				p.Add(fmt.Sprintf("%sadditions[%d]", f, k), "reference", "a step adds only ingredients of the recipe")
			}
			if !slices.Contains(adds, id) {
				adds = append(adds, id)
			}
		}
		st.Additions = adds
	}
	return p.Err("The recipe is not valid.")
}

// ItemIDs returns every item the content names: ingredients and
// substitutes, each once, in order.
func (c Content) ItemIDs() []forkline.ID {
	var out []forkline.ID
	add := func(id forkline.ID) {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	for _, in := range c.Ingredients {
		add(in.ItemID)
		for _, s := range in.Substitutes {
			add(s)
		}
	}
	return out
}

// Clone returns a deep copy, so that a new draft shares nothing with the
// version it copies.
func (c Content) Clone() Content {
	out := Content{BatchSize: c.BatchSize}
	for _, in := range c.Ingredients {
		in.Substitutes = slices.Clone(in.Substitutes)
		out.Ingredients = append(out.Ingredients, in)
	}
	for _, st := range c.Steps {
		st.Parameters = slices.Clone(st.Parameters)
		st.Additions = slices.Clone(st.Additions)
		out.Steps = append(out.Steps, st)
	}
	return out
}

// ContentHash returns the hex SHA-256 of a canonical serialisation of what
// a signature covers: the version's identity (ID, recipe, item, number) and
// its content, in order. Every field is written with its length, so no two
// different versions serialise alike; quantities are written in their
// canonical text ("12.5 kg"). Status, times and the signature itself are
// not content.
func ContentHash(v Version) string {
	h := sha256.New()
	w := hashWriter{h}
	w.field("forkline recipe version 1")
	w.field(v.ID)
	w.field(v.RecipeID)
	w.field(v.ItemID)
	w.int(v.Number)
	w.field(v.BatchSize.String())
	w.int(len(v.Ingredients))
	for _, in := range v.Ingredients {
		w.field(in.ItemID)
		w.field(in.Quantity.String())
		w.field(in.Tolerance.String())
		w.int(len(in.Substitutes))
		for _, s := range in.Substitutes {
			w.field(s)
		}
	}
	w.int(len(v.Steps))
	for _, st := range v.Steps {
		w.field(st.Instruction)
		w.int(len(st.Parameters))
		for _, pm := range st.Parameters {
			w.field(pm.Name)
			w.field(pm.Unit)
			w.field(pm.Target.String())
			w.field(pm.Min.String())
			w.field(pm.Max.String())
			w.field(strconv.FormatBool(pm.CCP))
		}
		w.int(len(st.Additions))
		for _, a := range st.Additions {
			w.field(a)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

type hashWriter struct{ h hash.Hash }

func (w hashWriter) field(s string) {
	io.WriteString(w.h, strconv.Itoa(len(s)))
	io.WriteString(w.h, ":")
	io.WriteString(w.h, s)
	io.WriteString(w.h, ";")
}

func (w hashWriter) int(n int) { w.field(strconv.Itoa(n)) }

// Verification is the result of checking a version against its signature.
type Verification struct {
	VersionID    forkline.ID
	Signed       bool
	Intact       bool   // the content hashes to what was signed (and what was stored)
	ComputedHash string // from the content as it is now
	SignedHash   string // what the signature is bound to; "" when unsigned
	StoredHash   string // the version's stored hash
	Problem      string // why it is not intact, for a person
}

// Verify recomputes a version's content hash and compares it with the hash
// its signature is bound to. A draft is unsigned and reported intact when
// its stored hash matches its content.
func Verify(v Version) Verification {
	r := Verification{VersionID: v.ID, ComputedHash: ContentHash(v), StoredHash: v.ContentHash}
	if v.Signature != nil {
		r.Signed, r.SignedHash = true, v.Signature.ContentHash
	}
	switch {
	case v.Status != Draft && !r.Signed:
		r.Problem = fmt.Sprintf("Version %d is %s but carries no signature.", v.Number, v.Status)
	case r.Signed && r.ComputedHash != r.SignedHash:
		r.Problem = fmt.Sprintf("Version %d was changed after %s signed it on %s: its content no longer matches the signature.",
			v.Number, v.Signature.SignerName, v.Signature.SignedAt.UTC().Format("2006-01-02 15:04 MST"))
	case r.ComputedHash != r.StoredHash:
		r.Problem = fmt.Sprintf("Version %d was changed outside Forkline: its content no longer matches its stored hash.", v.Number)
	default:
		r.Intact = true
	}
	return r
}

// Allergens rolls up the allergens of every ingredient and substitute:
// any batch may use a substitute, so its allergens are in the product too.
// The result is sorted and has no duplicates. Items missing from items are skipped.
func Allergens(c Content, items map[forkline.ID]Item) []string {
	var out []string
	for _, id := range c.ItemIDs() {
		for _, a := range items[id].Allergens {
			if !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	slices.Sort(out)
	return out
}

// Undeclared returns the rolled-up allergens the product does not declare, sorted.
func Undeclared(product Item, rolledUp []string) []string {
	var out []string
	for _, a := range rolledUp {
		if !slices.Contains(product.Allergens, a) {
			out = append(out, a)
		}
	}
	slices.Sort(out)
	return out
}

// Scaled is an ingredient's quantity for one batch size, with its
// tolerance limits, in the unit the recipe gives the ingredient in.
type Scaled struct {
	ItemID      forkline.ID
	Target      forkline.Quantity
	Min, Max    forkline.Quantity // Min rounded up, Max rounded down: never outside the exact limits
	Substitutes []forkline.ID
	Exact       bool // Target needed no rounding at six decimal places
}

// Scale returns the ingredients of content c for a batch of quantity batch,
// which is converted to the unit of c.BatchSize with the product's pack
// sizes. Arithmetic is rational; each result is rounded once, at the end.
func Scale(c Content, batch forkline.Quantity, packs []forkline.PackSize) ([]Scaled, error) {
	if c.BatchSize.Sign() <= 0 {
		return nil, forkline.Errorf(forkline.Invalid, "the recipe has no batch size")
	}
	if batch.Sign() <= 0 {
		return nil, forkline.Errorf(forkline.Invalid, "the batch quantity must be more than zero")
	}
	b, exact, err := forkline.Convert(batch, c.BatchSize.Unit, packs)
	if err != nil {
		return nil, err
	}
	factor := new(big.Rat).SetFrac(big.NewInt(b.Micros()), big.NewInt(c.BatchSize.Micros()))
	out := make([]Scaled, 0, len(c.Ingredients))
	for _, in := range c.Ingredients {
		t := new(big.Rat).Mul(new(big.Rat).SetInt64(in.Quantity.Micros()), factor)
		tol := new(big.Rat).SetFrac64(int64(in.Tolerance), 100*1_000_000)
		lo := new(big.Rat).Mul(t, new(big.Rat).Sub(big.NewRat(1, 1), tol))
		hi := new(big.Rat).Mul(t, new(big.Rat).Add(big.NewRat(1, 1), tol))
		target, texact, err := roundRat(t, halfEven)
		if err != nil {
			return nil, err
		}
		lov, _, err := roundRat(lo, ceil)
		if err != nil {
			return nil, err
		}
		hiv, _, err := roundRat(hi, floor)
		if err != nil {
			return nil, err
		}
		u := in.Quantity.Unit
		out = append(out, Scaled{ItemID: in.ItemID, Target: forkline.QuantityFromMicros(target, u),
			Min: forkline.QuantityFromMicros(lov, u), Max: forkline.QuantityFromMicros(hiv, u),
			Substitutes: slices.Clone(in.Substitutes), Exact: exact && texact})
	}
	return out, nil
}

type rounding int

const (
	halfEven rounding = iota
	floor
	ceil
)

// roundRat rounds r to an integer (of millionths) and reports whether it was exact.
func roundRat(r *big.Rat, mode rounding) (int64, bool, error) {
	q, m := new(big.Int).QuoRem(r.Num(), r.Denom(), new(big.Int))
	exact := m.Sign() == 0
	if !exact {
		// QuoRem truncates toward zero; quantities here are positive.
		switch mode {
		case ceil:
			q.Add(q, big.NewInt(1))
		case halfEven:
			twice := new(big.Int).Mul(m, big.NewInt(2))
			if c := twice.Cmp(r.Denom()); c > 0 || c == 0 && q.Bit(0) == 1 {
				q.Add(q, big.NewInt(1))
			}
		}
	}
	if !q.IsInt64() {
		return 0, false, forkline.Errorf(forkline.Invalid, "quantity overflow scaling the recipe")
	}
	return q.Int64(), exact, nil
}
